/* bench_assign.c - tw_assign (Jonker-Volgenant shortest augmenting paths) against a textbook
 * O(n^3) Hungarian method on the same problems in the same run.
 *
 * The problems: dense uniform costs at 100, 500, 1000 and 2000 (every row sees every column), and
 * what a tracker's gate produces at 1000 and 2000: tracks and detections in a plane, cost the
 * squared Mahalanobis distance inside a 99.9 % gate, outside it forbidden, miss cost the gate
 * value. The peer is the Hungarian method with row and column potentials (Kuhn-Munkres in its
 * shortest-path form, as in most textbooks), written here. It needs a square matrix without
 * misses, which the problem has an exact form of: entry min(c_ij, miss) (miss when forbidden),
 * padded to square; that matrix is built before timing. Both totals are checked to agree. Each
 * figure is the best of 5 runs; the whole bench takes about 10 s. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "benchutil.h"
#include "triwatch/assign.h"

#define REPEATS 5
#define PEER_MAX_N 2000 /* the peer's limit, should larger problems be added: it is O(n^3) */

static uint64_t g_rng = 0x2545f4914f6cdd1du;

static double rng_unit(void) /* [0, 1), splitmix64 */
{
  uint64_t z = (g_rng += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  z ^= z >> 31;
  return (double)(z >> 11) * 0x1.0p-53;
}

static double rng_normal(void) /* Box-Muller; one of the pair is enough here */
{
  double u = rng_unit(), v = rng_unit();
  return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

struct problem {
  const char *name;
  int nr, nc;
  double miss;
  double *cost; /* nr x nc */
  double in_gate; /* mean usable entries per row */
};

static void *xmalloc(size_t n)
{
  void *p = malloc(n);
  if (!p) {
    fprintf(stderr, "bench_assign: out of memory (%zu bytes)\n", n);
    exit(1);
  }
  return p;
}

static void make_dense(struct problem *pb, const char *name, int n)
{
  pb->name = name;
  pb->nr = pb->nc = n;
  pb->miss = 1.0; /* never worth taking: a row's cheapest entry is about 1 / n */
  pb->cost = xmalloc(sizeof(double) * (size_t)n * (size_t)n);
  for (size_t k = 0; k < (size_t)n * (size_t)n; k++)
    pb->cost[k] = rng_unit();
  pb->in_gate = n;
}

/* n tracks uniform in a square; each detected with probability 0.9 (measurement and prediction
 * errors both N(0, 1) per axis, so the innovation covariance is 2 I); clutter fills the columns
 * up to n. The square's side puts about 4 detections in each gate, so tracks compete. */
static void make_gated(struct problem *pb, const char *name, int n)
{
  const double gate = 13.8155; /* chi-square, 2 dof, 99.9 % */
  const double side = sqrt((double)n * 3.14159 * 2.0 * gate / 4.0);
  double *tx = xmalloc(sizeof(double) * (size_t)n), *ty = xmalloc(sizeof(double) * (size_t)n);
  double *zx = xmalloc(sizeof(double) * (size_t)n), *zy = xmalloc(sizeof(double) * (size_t)n);
  int nz = 0;
  for (int i = 0; i < n; i++) {
    double x = side * rng_unit(), y = side * rng_unit();
    if (rng_unit() < 0.9) {
      zx[nz] = x + rng_normal();
      zy[nz++] = y + rng_normal();
    }
    tx[i] = x + rng_normal(); /* the track's prediction */
    ty[i] = y + rng_normal();
  }
  for (; nz < n; nz++) {
    zx[nz] = side * rng_unit();
    zy[nz] = side * rng_unit();
  }
  for (int j = n - 1; j > 0; j--) { /* shuffle, so that column order says nothing */
    int k = (int)(rng_unit() * (j + 1));
    double t = zx[j];
    zx[j] = zx[k], zx[k] = t;
    t = zy[j];
    zy[j] = zy[k], zy[k] = t;
  }
  pb->name = name;
  pb->nr = pb->nc = n;
  pb->miss = gate;
  pb->cost = xmalloc(sizeof(double) * (size_t)n * (size_t)n);
  long usable = 0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      double dx = tx[i] - zx[j], dy = ty[i] - zy[j], d2 = 0.5 * (dx * dx + dy * dy);
      pb->cost[(size_t)i * (size_t)n + (size_t)j] = d2 < gate ? d2 : INFINITY;
      usable += d2 < gate;
    }
  pb->in_gate = (double)usable / n;
  free(tx), free(ty), free(zx), free(zy);
}

/* The peer: Hungarian method with potentials on an n x n matrix a, O(n^3). Arrays are 1-based
 * with column 0 a virtual root holding the row being inserted; p[j] is the row in column j. */
struct hungarian {
  int n;
  double *a, *u, *v, *minv;
  int *p, *way;
  char *used;
};

static void hungarian_init(struct hungarian *h, const struct problem *pb)
{
  int n = pb->nr > pb->nc ? pb->nr : pb->nc;
  h->n = n;
  h->a = xmalloc(sizeof(double) * (size_t)n * (size_t)n);
  h->u = xmalloc(sizeof(double) * (size_t)(n + 1));
  h->v = xmalloc(sizeof(double) * (size_t)(n + 1));
  h->minv = xmalloc(sizeof(double) * (size_t)(n + 1));
  h->p = xmalloc(sizeof(int) * (size_t)(n + 1));
  h->way = xmalloc(sizeof(int) * (size_t)(n + 1));
  h->used = xmalloc((size_t)n + 1);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      double c;
      if (i >= pb->nr)
        c = 0.0; /* a spare column */
      else if (j >= pb->nc)
        c = pb->miss; /* a missed row */
      else
        c = pb->cost[(size_t)i * (size_t)pb->nc + (size_t)j];
      h->a[(size_t)i * (size_t)n + (size_t)j] = c < pb->miss ? c : pb->miss; /* NaN, inf too */
    }
}

static double hungarian_solve(struct hungarian *h)
{
  const int n = h->n;
  double *u = h->u, *v = h->v, *minv = h->minv;
  int *p = h->p, *way = h->way;
  char *used = h->used;
  for (int j = 0; j <= n; j++) {
    u[j] = v[j] = 0.0;
    p[j] = way[j] = 0;
  }
  for (int i = 1; i <= n; i++) {
    p[0] = i;
    int j0 = 0;
    for (int j = 0; j <= n; j++) {
      minv[j] = INFINITY;
      used[j] = 0;
    }
    do { /* Dijkstra from row i until a free column */
      used[j0] = 1;
      int i0 = p[j0], j1 = 0;
      const double *row = h->a + (size_t)(i0 - 1) * (size_t)n - 1;
      double delta = INFINITY;
      for (int j = 1; j <= n; j++) {
        if (used[j])
          continue;
        double cur = row[j] - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (int j = 0; j <= n; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] != 0);
    do { /* flip the path */
      int j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0);
  }
  double total = 0.0;
  for (int j = 1; j <= n; j++)
    total += h->a[(size_t)(p[j] - 1) * (size_t)n + (size_t)(j - 1)];
  return total;
}

static void hungarian_free(struct hungarian *h)
{
  free(h->a), free(h->u), free(h->v), free(h->minv), free(h->p), free(h->way), free(h->used);
}

int main(void)
{
  struct problem pbs[7];
  make_dense(&pbs[0], "dense uniform 100x100", 100);
  make_dense(&pbs[1], "dense uniform 500x500", 500);
  make_dense(&pbs[2], "dense uniform 1000x1000", 1000);
  make_dense(&pbs[3], "dense uniform 2000x2000", 2000);
  make_gated(&pbs[4], "gated 100x100", 100);
  make_gated(&pbs[5], "gated 1000x1000", 1000);
  make_gated(&pbs[6], "gated 2000x2000", 2000);
  const int n_pb = (int)(sizeof pbs / sizeof pbs[0]);

  printf("tw_assign (JV shortest augmenting paths, rectangular with misses) against an O(n^3)\n"
         "Hungarian with potentials on the equivalent square matrix; best of %d runs.\n"
         "Gated: 99.9 %% gate on squared Mahalanobis distance, P_D 0.9, clutter to n columns.\n\n",
         REPEATS);
  printf("%-26s %8s %11s %11s %9s %9s  %s\n", "problem", "in gate", "tw_assign", "Hungarian",
         "speed-up", "misses", "totals");

  int bad = 0;
  for (int k = 0; k < n_pb; k++) {
    struct problem *pb = &pbs[k];
    size_t ws = tw_assign_workspace(pb->nr, pb->nc);
    void *work = xmalloc(ws);
    int *r2c = xmalloc(sizeof(int) * (size_t)pb->nr);
    double ours = INFINITY, total = NAN;
    for (int r = 0; r < REPEATS; r++) {
      double t0 = bench_now();
      int rc = tw_assign(pb->cost, pb->nr, pb->nc, pb->miss, r2c, &total, work, ws);
      double dt = bench_now() - t0;
      if (rc != 0) {
        fprintf(stderr, "bench_assign: tw_assign failed on %s: %d\n", pb->name, rc);
        return 1;
      }
      ours = fmin(ours, dt);
    }
    bench_sink(total);
    int n_miss = 0;
    for (int i = 0; i < pb->nr; i++)
      n_miss += r2c[i] < 0;

    char peer_s[32] = "-", ratio_s[32] = "-", agree_s[64] = "(peer not run)";
    if (pb->nr <= PEER_MAX_N && pb->nc <= PEER_MAX_N) {
      struct hungarian h;
      hungarian_init(&h, pb);
      double peer = INFINITY, peer_total = NAN;
      for (int r = 0; r < REPEATS; r++) {
        double t0 = bench_now();
        peer_total = hungarian_solve(&h);
        peer = fmin(peer, bench_now() - t0);
      }
      bench_sink(peer_total);
      hungarian_free(&h);
      int agree = fabs(total - peer_total) <= 1e-9 * (1.0 + fabs(peer_total));
      bad |= !agree;
      snprintf(peer_s, sizeof peer_s, "%.2f ms", 1e3 * peer);
      snprintf(ratio_s, sizeof ratio_s, "%.1fx", peer / ours);
      snprintf(agree_s, sizeof agree_s, "%s (%.9g vs %.9g)", agree ? "agree" : "DIFFER", total,
               peer_total);
    }
    printf("%-26s %8.1f %8.2f ms %11s %9s %9d  %s\n", pb->name, pb->in_gate, 1e3 * ours, peer_s,
           ratio_s, n_miss, agree_s);
    free(work);
    free(r2c);
  }
  printf("\nspeed-up = Hungarian time / tw_assign time. Peak RSS %ld KiB.\n",
         bench_peak_rss_kib());
  for (int k = 0; k < n_pb; k++)
    free(pbs[k].cost);
  if (bad) {
    fprintf(stderr, "bench_assign: totals differ\n");
    return 1;
  }
  return 0;
}
