/* assign.c - rectangular minimum-cost assignment with misses, by Jonker-Volgenant shortest
 * augmenting paths; contract in triwatch/assign.h.
 *
 * The model. Row i may take a real column j (cost c_ij) or its private miss column, which has the
 * one entry miss_cost and no other. That is a rectangular problem of n_rows x (n_cols + n_rows) in
 * which every row is matched and columns may stay free, and it is solved as such: no dummy rows,
 * and the n_rows miss columns exist only as a number per row. Entries that are forbidden or above
 * miss_cost are left out of the graph ("usable" below): they are never in an optimal matching,
 * because missing the row instead is strictly cheaper.
 *
 * The duals. Column duals v, row duals implicit as in LAPJV: a matched row's u_i is
 * c_{i,x(i)} - v_{x(i)}. The linear programme of a rectangular problem needs v <= 0 everywhere and
 * v = 0 on every free column (LAPJV's column reduction, which raises v, is therefore not used; v
 * starts at 0). Both phases only lower v, and only on columns that are or become matched, and a
 * real column once matched stays matched, so this holds throughout. A miss column's dual is always
 * 0: it is free while its row holds a real column, and a missed row can never be re-entered by an
 * alternating path (its miss column has no other row), so its column is never scanned. Hence the
 * reduced cost of row i's miss is miss_cost - u_i, and a missed row is final.
 *
 * Phase 1, augmenting row reduction (JV section 4.2): a free row takes its cheapest option j1; if
 * the second cheapest is dearer by delta, v_j1 is lowered by delta so the row stays at its minimum
 * with a margin, and the row that held j1, if any, is freed and retried. Two passes. LAPJV caps a
 * pass at n_cols retries per row consumed, which only stops ties from cycling; started from v = 0
 * instead of LAPJV's column minima, that lets the pass run as a zero-margin auction whose bidding
 * wars cost O(n^3): 110 ms at 1000 x 1000 uniform, against 19 ms with the cap below, which hands
 * the last 2 to 3 % of the rows to phase 2 instead.
 *
 * Phase 2, one shortest augmenting path per row still free (JV section 4.3, "dense" variant):
 * Dijkstra over columns with reduced costs, keeping the columns in one permuted array cols:
 *
 *   cols[0, lo)    scanned: final distance, matched, their rows relaxed
 *   cols[lo, hi)   at the current minimum distance mind, waiting to be scanned
 *   cols[hi, nc)   to do: tentative distance d[j]
 *
 * The miss columns reached so far are all free (see above), so they are sinks; only the cheapest,
 * miss_d via miss_row, is kept. The path ends at the first sink, real or miss, at the minimum
 * distance D; scanned columns then get v_j += d_j - D, which keeps every reduced cost >= 0 and
 * makes the path tight, and the path is flipped.
 *
 * Workspace layout (n = n_cols, r = n_rows), after aligning the pointer for double:
 *
 *   double v[n]      column duals
 *   double d[n]      Dijkstra distances
 *   int    x[r]      row -> column, FREE or MISS
 *   int    y[n]      column -> row or FREE
 *   int    pred[n]   row the shortest path reached a column from
 *   int    cols[n]   the permuted column list above
 *   int    frees[r]  rows still free */
#include <float.h>
#include <math.h>
#include <stdint.h>

#include "triwatch/assign.h"
#include "triwatch/error.h"

#define FREE (-1)
#define MISS (-2)

/* Phase 1 retries per free row a pass starts with: 4 to 10 are all within about 5 % on uniform,
 * product-of-uniform and small-integer costs at 1000 and 2000; 20 is already 30 % slower. */
#define ARR_RETRIES_PER_ROW 8

struct lap {
  const double *cost;
  int nr, nc;
  double miss;  /* miss_cost */
  double limit; /* largest usable entry: miss_cost, or just below TW_ASSIGN_FORBIDDEN */
  double *v, *d;
  int *x, *y, *pred, *cols, *frees;
};

#define ALIGN_SLACK (_Alignof(double) - 1)

size_t tw_assign_workspace(int n_rows, int n_cols)
{
  if (n_rows < 0 || n_cols < 0)
    return 0;
  size_t r = (size_t)n_rows, n = (size_t)n_cols;
  size_t per_col = 2 * sizeof(double) + 3 * sizeof(int), per_row = 2 * sizeof(int);
  if (n > (SIZE_MAX - ALIGN_SLACK) / 2 / per_col || r > (SIZE_MAX - ALIGN_SLACK) / 2 / per_row)
    return 0;
  return n * per_col + r * per_row + ALIGN_SLACK;
}

/* Finite, below TW_ASSIGN_FORBIDDEN and not above miss_cost; false for NaN. */
static inline int usable(const struct lap *p, double c) { return c >= -DBL_MAX && c <= p->limit; }

/* Phase 1 over the n_free rows in p->frees; returns how many are still free, listed first in
 * p->frees. */
static int row_reduction(struct lap *p, int n_free)
{
  const int nc = p->nc;
  double *v = p->v;
  int *x = p->x, *y = p->y, *frees = p->frees;
  long long current = 0, retries = 0;
  const long long max_retries = ARR_RETRIES_PER_ROW * (long long)n_free;
  int n_left = 0;

  while (current < n_free) {
    retries++;
    int i = frees[current++];
    const double *ci = p->cost + (size_t)i * (size_t)nc;
    /* the two cheapest options, the miss first so that it wins ties */
    double u1 = p->miss, u2 = INFINITY;
    int j1 = MISS, j2 = MISS;
    for (int j = 0; j < nc; j++) {
      double c = ci[j];
      if (!usable(p, c))
        continue;
      double r = c - v[j];
      if (r < u2) {
        if (r < u1) {
          u2 = u1, j2 = j1;
          u1 = r, j1 = j;
        } else {
          u2 = r, j2 = j;
        }
      }
    }
    if (j1 == MISS) { /* free and private: nothing to displace, final */
      x[i] = MISS;
      continue;
    }
    /* j1 is real, so the miss is among the two and u2 is finite */
    int i0 = y[j1];
    double v1_new = v[j1] - (u2 - u1);
    int lowers = v1_new < v[j1];
    if (retries < current * nc && retries < max_retries) {
      if (lowers) {
        v[j1] = v1_new;
      } else if (i0 != FREE) { /* a tie with a held column: take the other one */
        j1 = j2;
        i0 = j1 == MISS ? FREE : y[j1];
      }
      if (i0 != FREE) {
        if (lowers)
          frees[--current] = i0; /* retry at once: it may take j2 back cheaply */
        else
          frees[n_left++] = i0;
      }
    } else if (i0 != FREE) {
      frees[n_left++] = i0;
    }
    if (j1 == MISS) {
      x[i] = MISS;
    } else {
      x[i] = j1;
      y[j1] = i;
      if (i0 != FREE)
        x[i0] = FREE;
    }
  }
  return n_left;
}

/* Phase 2 for the free row start: find a shortest augmenting path, update the duals, flip it. */
static void augment(struct lap *p, int start)
{
  const int nc = p->nc;
  const double miss = p->miss;
  double *v = p->v, *d = p->d;
  int *x = p->x, *y = p->y, *pred = p->pred, *cols = p->cols;
  const double *cs = p->cost + (size_t)start * (size_t)nc;

  for (int j = 0; j < nc; j++) {
    cols[j] = j;
    pred[j] = start;
    d[j] = usable(p, cs[j]) ? cs[j] - v[j] : INFINITY;
  }
  double miss_d = miss; /* the start row's own miss: u_start taken as 0 */
  int miss_row = start;
  int lo = 0, hi = 0;
  int sink = FREE; /* a real sink column, or FREE when the path ends at miss_row's miss */
  double mind = 0.0, dist;

  for (;;) {
    if (lo == hi) {
      /* Collect the to-do columns at the least distance below miss_d into the scan set. */
      double m = miss_d;
      for (int k = lo; k < nc; k++) {
        int j = cols[k];
        double dj = d[j];
        if (dj <= m) {
          if (dj < m) {
            hi = lo;
            m = dj;
          }
          cols[k] = cols[hi];
          cols[hi++] = j;
        }
      }
      if (!(m < miss_d)) { /* no real column is nearer than the best miss */
        dist = miss_d;
        break;
      }
      mind = m;
      for (int k = lo; k < hi; k++)
        if (y[cols[k]] == FREE) {
          sink = cols[k];
          break;
        }
      if (sink != FREE) {
        dist = mind;
        break;
      }
    }
    /* Scan one column at distance mind: relax its row. */
    int j0 = cols[lo++];
    int i = y[j0];
    const double *ci = p->cost + (size_t)i * (size_t)nc;
    double h = ci[j0] - v[j0] - mind; /* u_i - mind: the distance via row i is c_ij - v_j - h */
    double dm = miss - h;
    if (dm < miss_d) {
      miss_d = dm;
      miss_row = i;
      if (dm <= mind) { /* <= rather than ==: rounding may put it a hair below */
        dist = mind;
        break;
      }
    }
    for (int k = hi; k < nc; k++) {
      int j = cols[k];
      double c = ci[j];
      if (!usable(p, c))
        continue;
      double r = c - v[j] - h;
      if (r < d[j]) {
        d[j] = r;
        pred[j] = i;
        if (r <= mind) { /* at the current level: a sink, or scanned next */
          if (y[j] == FREE) {
            sink = j;
            break;
          }
          cols[k] = cols[hi];
          cols[hi++] = j;
        }
      }
    }
    if (sink != FREE) {
      dist = mind;
      break;
    }
  }
  for (int k = 0; k < lo; k++) {
    int j = cols[k];
    v[j] += d[j] - dist;
  }

  int j;
  if (sink == FREE) { /* the path ends with miss_row giving up its column for its miss */
    j = x[miss_row];
    x[miss_row] = MISS;
    if (miss_row == start)
      return;
  } else {
    j = sink;
  }
  for (;;) {
    int i = pred[j];
    int t = x[i];
    y[j] = i;
    x[i] = j;
    if (i == start)
      return;
    j = t;
  }
}

int tw_assign(const double *cost, int n_rows, int n_cols, double miss_cost, int *row_to_col,
              double *total, void *work, size_t work_size)
{
  if (n_rows < 0 || n_cols < 0 || !(miss_cost >= 0.0 && miss_cost <= DBL_MAX))
    return TW_EINVAL;
  if ((!cost && n_rows > 0 && n_cols > 0) || (!row_to_col && n_rows > 0) || !work)
    return TW_EINVAL;
  size_t need = tw_assign_workspace(n_rows, n_cols);
  if (need == 0 || work_size < need)
    return TW_EINVAL;

  const int nr = n_rows, nc = n_cols;
  uintptr_t base = ((uintptr_t)work + ALIGN_SLACK) & ~(uintptr_t)ALIGN_SLACK;
  struct lap p = {
    .cost = cost,
    .nr = nr,
    .nc = nc,
    .miss = miss_cost,
    .limit = fmin(miss_cost, nextafter(TW_ASSIGN_FORBIDDEN, 0.0)),
  };
  p.v = (double *)base;
  p.d = p.v + nc;
  p.x = (int *)(p.d + nc);
  p.y = p.x + nr;
  p.pred = p.y + nc;
  p.cols = p.pred + nc;
  p.frees = p.cols + nc;

  for (int j = 0; j < nc; j++) {
    p.v[j] = 0.0;
    p.y[j] = FREE;
  }
  for (int i = 0; i < nr; i++) {
    p.x[i] = FREE;
    p.frees[i] = i;
  }

  int n_free = nr;
  for (int pass = 0; pass < 2 && n_free > 0; pass++)
    n_free = row_reduction(&p, n_free);
  for (int k = 0; k < n_free; k++)
    augment(&p, p.frees[k]);

  double sum = 0.0;
  for (int i = 0; i < nr; i++) {
    int j = p.x[i];
    if (j >= 0) {
      row_to_col[i] = j;
      sum += cost[(size_t)i * (size_t)nc + (size_t)j];
    } else {
      row_to_col[i] = -1;
      sum += miss_cost;
    }
  }
  if (total)
    *total = sum;
  return 0;
}
