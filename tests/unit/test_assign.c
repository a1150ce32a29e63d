/* test_assign.c - triwatch/assign.h: optimal totals against exhaustive search on thousands of
 * small problems and against an independent O(n^3) Hungarian solver on medium ones, valid
 * matchings always, the edge cases of the contract, and the speed of a 1000 x 1000 problem. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "triwatch/assign.h"
#include "triwatch/error.h"

#define assert_close(got, want, tol)                                                          \
  do {                                                                                        \
    double g_ = (got), w_ = (want), t_ = (tol);                                               \
    if (!(fabs(g_ - w_) <= t_))                                                               \
      fail_msg("%s = %.17g, want %.17g (tol %g)", #got, g_, w_, t_);                          \
  } while (0)

/* splitmix64: fixed seed, so every failure reproduces. */
static uint64_t g_rng;

static void rng_seed(uint64_t s) { g_rng = s; }

static uint64_t rng_u64(void)
{
  uint64_t z = (g_rng += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

static double rng_unit(void) { return (double)(rng_u64() >> 11) * 0x1.0p-53; } /* [0, 1) */

static int rng_int(int n) { return (int)(rng_u64() % (uint64_t)n); } /* [0, n) */

/* The test's own reading of the gate, written from the header rather than from assign.c. */
static int allowed(double c, double miss)
{
  return isfinite(c) && c < TW_ASSIGN_FORBIDDEN && c <= miss;
}

/* Workspace from the heap, sized by the library. */
static void *g_work;
static size_t g_work_size;

static void *work_for(int nr, int nc)
{
  size_t need = tw_assign_workspace(nr, nc);
  assert_true(need > 0);
  if (need > g_work_size) {
    free(g_work);
    g_work = malloc(need);
    assert_non_null(g_work);
    g_work_size = need;
  }
  return g_work;
}

static int solve(const double *cost, int nr, int nc, double miss, int *r2c, double *total)
{
  void *w = work_for(nr, nc);
  return tw_assign(cost, nr, nc, miss, r2c, total, w, tw_assign_workspace(nr, nc));
}

/* A returned matching is valid (each column at most once, only allowed entries) and *total is
 * its cost. */
static void check_matching(const double *cost, int nr, int nc, double miss, const int *r2c,
                           double total)
{
  char used[4096] = {0};
  assert_true(nc <= (int)sizeof used);
  double sum = 0.0;
  for (int i = 0; i < nr; i++) {
    int j = r2c[i];
    if (j == -1) {
      sum += miss;
      continue;
    }
    if (j < 0 || j >= nc)
      fail_msg("row %d -> column %d of %d", i, j, nc);
    if (used[j])
      fail_msg("column %d taken twice", j);
    used[j] = 1;
    double c = cost[(size_t)i * (size_t)nc + (size_t)j];
    if (!allowed(c, miss))
      fail_msg("row %d took column %d at cost %g (miss %g)", i, j, c, miss);
    sum += c;
  }
  assert_close(total, sum, 1e-9 * (1.0 + fabs(sum)));
}

/* Exhaustive search: every row takes a free allowed column or misses. */
static double brute(const double *cost, int nr, int nc, double miss, int i, unsigned used)
{
  if (i == nr)
    return 0.0;
  double best = miss + brute(cost, nr, nc, miss, i + 1, used);
  for (int j = 0; j < nc; j++) {
    double c = cost[i * nc + j];
    if ((used >> j) & 1u || !allowed(c, miss))
      continue;
    double s = c + brute(cost, nr, nc, miss, i + 1, used | 1u << j);
    if (s < best)
      best = s;
  }
  return best;
}

/* Kinds of random entry, to reach ties, negatives, forbidden entries and odd values. */
enum entry_kind { E_INT, E_REAL, E_SIGNED_INT, E_REAL_WIDE, E_NKINDS };

static double random_entry(enum entry_kind kind)
{
  switch (kind) {
  case E_INT:
    return (double)rng_int(6);
  case E_REAL:
    return 10.0 * rng_unit();
  case E_SIGNED_INT:
    return (double)(rng_int(11) - 5);
  default:
    return ldexp(rng_unit(), rng_int(20) - 10);
  }
}

static double random_forbidden(void)
{
  static const double bad[] = {INFINITY, -INFINITY, NAN, TW_ASSIGN_FORBIDDEN, 1e300, 2e30};
  return bad[rng_int(6)];
}

static double random_miss(enum entry_kind kind)
{
  switch (rng_int(6)) {
  case 0:
    return 0.0;
  case 1:
    return 100.0;
  case 2:
    return (double)rng_int(8);
  case 3:
    return 0.5;
  default:
    return kind == E_REAL_WIDE ? ldexp(rng_unit(), rng_int(20) - 9) : 12.0 * rng_unit();
  }
}

static void test_brute_force_small(void **state)
{
  (void)state;
  rng_seed(42);
  double cost[36];
  int r2c[6];
  for (int trial = 0; trial < 20000; trial++) {
    int nr = rng_int(7), nc = rng_int(7);
    enum entry_kind kind = (enum entry_kind)rng_int(E_NKINDS);
    double p_forbid = (double[]){0.0, 0.0, 0.2, 0.5, 0.9}[rng_int(5)];
    double miss = random_miss(kind);
    for (int k = 0; k < nr * nc; k++)
      cost[k] = rng_unit() < p_forbid ? random_forbidden() : random_entry(kind);
    double total = NAN;
    assert_int_equal(solve(cost, nr, nc, miss, r2c, &total), 0);
    check_matching(cost, nr, nc, miss, r2c, total);
    double want = brute(cost, nr, nc, miss, 0, 0);
    /* exact unless sums in a different order can round differently */
    double tol = kind == E_INT || kind == E_SIGNED_INT ? 1e-13 * nr * miss
                                                       : 1e-12 * (1.0 + fabs(want));
    if (!(fabs(total - want) <= tol))
      fail_msg("trial %d (%dx%d, kind %d, miss %g): total %.17g, want %.17g", trial, nr, nc,
               (int)kind, miss, total, want);
  }
}

/* Independent reference for larger sizes: the classic O(n^3) Hungarian method with potentials
 * on a square matrix. With misses the problem is a square one: entry min(c_ij, miss) (miss if
 * forbidden), padded with rows of 0 (columns left over) or columns of miss (rows missed). */
static double hungarian_ref(const double *cost, int nr, int nc, double miss)
{
  int n = nr > nc ? nr : nc;
  double *a = malloc(sizeof(double) * (size_t)(n * n));
  double *u = calloc((size_t)n + 1, sizeof(double)), *v = calloc((size_t)n + 1, sizeof(double));
  double *minv = malloc(sizeof(double) * ((size_t)n + 1));
  int *match = calloc((size_t)n + 1, sizeof(int)), *way = calloc((size_t)n + 1, sizeof(int));
  char *seen = malloc((size_t)n + 1);
  assert_true(a && u && v && minv && match && way && seen);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      double c = i >= nr ? 0.0 : j >= nc ? miss : cost[i * nc + j];
      a[i * n + j] = allowed(c, miss) ? c : miss;
    }
  /* 1-based: match[j] is the row in column j, column 0 a virtual root. */
  for (int i = 1; i <= n; i++) {
    match[0] = i;
    int j0 = 0;
    for (int j = 0; j <= n; j++) {
      minv[j] = INFINITY;
      seen[j] = 0;
    }
    do {
      seen[j0] = 1;
      int i0 = match[j0], j1 = 0;
      double delta = INFINITY;
      for (int j = 1; j <= n; j++)
        if (!seen[j]) {
          double cur = a[(i0 - 1) * n + (j - 1)] - u[i0] - v[j];
          if (cur < minv[j]) {
            minv[j] = cur;
            way[j] = j0;
          }
          if (minv[j] < delta) {
            delta = minv[j];
            j1 = j;
          }
        }
      for (int j = 0; j <= n; j++)
        if (seen[j]) {
          u[match[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      j0 = j1;
    } while (match[j0] != 0);
    do {
      int j1 = way[j0];
      match[j0] = match[j1];
      j0 = j1;
    } while (j0);
  }
  double sum = 0.0;
  for (int j = 1; j <= n; j++)
    sum += a[(match[j] - 1) * n + (j - 1)];
  free(a), free(u), free(v), free(minv), free(match), free(way), free(seen);
  return sum;
}

static void test_against_hungarian(void **state)
{
  (void)state;
  rng_seed(7);
  enum { MAXN = 80 };
  double *cost = malloc(sizeof(double) * MAXN * MAXN);
  int r2c[MAXN];
  assert_non_null(cost);
  for (int trial = 0; trial < 600; trial++) {
    int nr = 1 + rng_int(MAXN), nc = 1 + rng_int(MAXN);
    enum entry_kind kind = (enum entry_kind)rng_int(E_NKINDS);
    double p_forbid = (double[]){0.0, 0.5, 0.8, 0.95}[rng_int(4)];
    double miss = random_miss(kind);
    for (int k = 0; k < nr * nc; k++)
      cost[k] = rng_unit() < p_forbid ? random_forbidden() : random_entry(kind);
    double total = NAN;
    assert_int_equal(solve(cost, nr, nc, miss, r2c, &total), 0);
    check_matching(cost, nr, nc, miss, r2c, total);
    double want = hungarian_ref(cost, nr, nc, miss);
    if (!(fabs(total - want) <= 1e-9 * (1.0 + fabs(want))))
      fail_msg("trial %d (%dx%d, kind %d, miss %g): total %.17g, Hungarian %.17g", trial, nr, nc,
               (int)kind, miss, total, want);
  }
  free(cost);
}

/* What a tracker's gate produces: rows (tracks) and columns (detections of most of them plus
 * clutter) in a square, cost the squared distance inside the gate, misses at the gate value, so
 * that rows contend for shared detections. Against the Hungarian solver, both shapes. */
static void test_gated_against_hungarian(void **state)
{
  (void)state;
  rng_seed(11);
  enum { MAXN = 300 };
  double *cost = malloc(sizeof(double) * MAXN * MAXN);
  double px[MAXN], py[MAXN], qx[MAXN], qy[MAXN];
  int r2c[MAXN];
  assert_non_null(cost);
  for (int trial = 0; trial < 24; trial++) {
    int nr = 100 + rng_int(MAXN - 100), nc = 100 + rng_int(MAXN - 100);
    double side = 20.0 + 40.0 * rng_unit(), gate2 = 4.0;
    for (int i = 0; i < nr; i++) {
      px[i] = side * rng_unit();
      py[i] = side * rng_unit();
    }
    for (int j = 0; j < nc; j++) {
      int own = rng_int(nr + nr / 3); /* past nr: clutter */
      qx[j] = own < nr ? px[own] + rng_unit() - 0.5 : side * rng_unit();
      qy[j] = own < nr ? py[own] + rng_unit() - 0.5 : side * rng_unit();
    }
    for (int i = 0; i < nr; i++)
      for (int j = 0; j < nc; j++) {
        double dx = px[i] - qx[j], dy = py[i] - qy[j], d2 = dx * dx + dy * dy;
        cost[i * nc + j] = d2 < gate2 ? d2 : INFINITY;
      }
    double total = NAN;
    assert_int_equal(solve(cost, nr, nc, gate2, r2c, &total), 0);
    check_matching(cost, nr, nc, gate2, r2c, total);
    double want = hungarian_ref(cost, nr, nc, gate2);
    if (!(fabs(total - want) <= 1e-9 * (1.0 + fabs(want))))
      fail_msg("trial %d (%dx%d): total %.17g, Hungarian %.17g", trial, nr, nc, total, want);
  }
  free(cost);
}

/* Hand-checked cases. */
static void test_known(void **state)
{
  (void)state;
  int r2c[4];
  double total;

  /* The classic: rows take 1, 0, 2 for 1 + 2 + 2 = 5. */
  const double a[9] = {4, 1, 3, 2, 0, 5, 3, 2, 2};
  assert_int_equal(solve(a, 3, 3, 100.0, r2c, &total), 0);
  assert_close(total, 5.0, 0.0);
  assert_int_equal(r2c[0], 1);
  assert_int_equal(r2c[1], 0);
  assert_int_equal(r2c[2], 2);

  /* Greedy would give row 0 its 1 and leave row 1 the 10: 1 + 10 = 11 > 2 + 3 = 5. */
  const double b[4] = {1, 2, 3, 10};
  assert_int_equal(solve(b, 2, 2, 100.0, r2c, &total), 0);
  assert_close(total, 5.0, 0.0);
  assert_int_equal(r2c[0], 1);
  assert_int_equal(r2c[1], 0);

  /* With miss 3.5 row 1 may not take its 10, and 1 + 3.5 beats 2 + 3. */
  assert_int_equal(solve(b, 2, 2, 3.5, r2c, &total), 0);
  assert_close(total, 4.5, 0.0);
  assert_int_equal(r2c[0], 0);
  assert_int_equal(r2c[1], -1);

  /* 2 rows x 3 columns: the two cheapest disjoint entries, 0.5 + 1. */
  const double c[6] = {3, 0.5, 2, 1, 0.25, 7};
  assert_int_equal(solve(c, 2, 3, 100.0, r2c, &total), 0);
  assert_close(total, 1.5, 0.0);
  assert_int_equal(r2c[0], 1);
  assert_int_equal(r2c[1], 0);

  /* 3 rows x 2 columns, rows 0 and 1 contend for column 0: row 0 takes it (1 + 5 < 2 + 5), and
   * row 2's only entry, 6, is above the miss. */
  const double d[6] = {1, INFINITY, 2, INFINITY, INFINITY, 6};
  assert_int_equal(solve(d, 3, 2, 5.0, r2c, &total), 0);
  assert_close(total, 1.0 + 5.0 + 5.0, 0.0);
  assert_int_equal(r2c[0], 0);
  assert_int_equal(r2c[1], -1);
  assert_int_equal(r2c[2], -1);

  /* Negative costs are fine and are taken before misses of cost 0. */
  const double e[4] = {-3, -1, -2, -5};
  assert_int_equal(solve(e, 2, 2, 0.0, r2c, &total), 0);
  assert_close(total, -8.0, 0.0);
  assert_int_equal(r2c[0], 0);
  assert_int_equal(r2c[1], 1);
}

static void test_all_forbidden(void **state)
{
  (void)state;
  double cost[5 * 4];
  int r2c[5];
  double total;
  for (int k = 0; k < 20; k++)
    cost[k] = k % 3 ? INFINITY : TW_ASSIGN_FORBIDDEN;
  assert_int_equal(solve(cost, 5, 4, 2.5, r2c, &total), 0);
  for (int i = 0; i < 5; i++)
    assert_int_equal(r2c[i], -1);
  assert_close(total, 12.5, 0.0);
  /* Entries above the miss cost are as good as forbidden. */
  for (int k = 0; k < 20; k++)
    cost[k] = 3.0 + k;
  assert_int_equal(solve(cost, 5, 4, 2.5, r2c, &total), 0);
  for (int i = 0; i < 5; i++)
    assert_int_equal(r2c[i], -1);
  assert_close(total, 12.5, 0.0);
}

static void test_one_by_one(void **state)
{
  (void)state;
  int r2c[1];
  double total;
  double c = 1.5;
  assert_int_equal(solve(&c, 1, 1, 2.0, r2c, &total), 0);
  assert_int_equal(r2c[0], 0);
  assert_close(total, 1.5, 0.0);
  assert_int_equal(solve(&c, 1, 1, 1.0, r2c, &total), 0);
  assert_int_equal(r2c[0], -1);
  assert_close(total, 1.0, 0.0);
  assert_int_equal(solve(&c, 1, 1, 1.5, r2c, &total), 0); /* a tie: the miss wins */
  assert_int_equal(r2c[0], -1);
  assert_close(total, 1.5, 0.0);
  c = -1.0;
  assert_int_equal(solve(&c, 1, 1, 0.0, r2c, &total), 0);
  assert_int_equal(r2c[0], 0);
  assert_close(total, -1.0, 0.0);
}

static void test_empty(void **state)
{
  (void)state;
  int r2c[3] = {7, 7, 7};
  double total = NAN;
  char work[256];
  /* 0 rows: nothing to do, total 0; cost and row_to_col may be NULL. */
  assert_int_equal(tw_assign(NULL, 0, 5, 1.0, NULL, &total, work, sizeof work), 0);
  assert_close(total, 0.0, 0.0);
  total = NAN;
  assert_int_equal(tw_assign(NULL, 0, 0, 1.0, NULL, &total, work, sizeof work), 0);
  assert_close(total, 0.0, 0.0);
  /* 0 columns: every row misses. */
  assert_true(tw_assign_workspace(3, 0) <= sizeof work);
  assert_int_equal(tw_assign(NULL, 3, 0, 2.0, r2c, &total, work, sizeof work), 0);
  for (int i = 0; i < 3; i++)
    assert_int_equal(r2c[i], -1);
  assert_close(total, 6.0, 0.0);
  /* total is optional */
  assert_int_equal(tw_assign(NULL, 3, 0, 2.0, r2c, NULL, work, sizeof work), 0);
}

static void test_nan_is_forbidden(void **state)
{
  (void)state;
  const double cost[4] = {NAN, 1.0, 0.5, NAN};
  int r2c[2];
  double total;
  assert_int_equal(solve(cost, 2, 2, 10.0, r2c, &total), 0);
  assert_int_equal(r2c[0], 1);
  assert_int_equal(r2c[1], 0);
  assert_close(total, 1.5, 0.0);
  const double row[3] = {NAN, -INFINITY, NAN};
  assert_int_equal(solve(row, 1, 3, 10.0, r2c, &total), 0);
  assert_int_equal(r2c[0], -1);
  assert_close(total, 10.0, 0.0);
}

static void test_invalid(void **state)
{
  (void)state;
  const double cost[6] = {1, 2, 3, 4, 5, 6};
  int r2c[2] = {42, 43};
  double total = 99.0;
  size_t need = tw_assign_workspace(2, 3);
  assert_true(need > 0);
  char *work = malloc(need);
  assert_non_null(work);

  assert_int_equal(tw_assign(cost, 2, 3, 1.0, r2c, &total, work, need - 1), TW_EINVAL);
  assert_int_equal(tw_assign(cost, 2, 3, 1.0, r2c, &total, work, 0), TW_EINVAL);
  assert_int_equal(tw_assign(cost, 2, 3, 1.0, r2c, &total, NULL, need), TW_EINVAL);
  assert_int_equal(tw_assign(NULL, 2, 3, 1.0, r2c, &total, work, need), TW_EINVAL);
  assert_int_equal(tw_assign(cost, 2, 3, 1.0, NULL, &total, work, need), TW_EINVAL);
  assert_int_equal(tw_assign(cost, -1, 3, 1.0, r2c, &total, work, need), TW_EINVAL);
  assert_int_equal(tw_assign(cost, 2, -3, 1.0, r2c, &total, work, need), TW_EINVAL);
  assert_int_equal(tw_assign(cost, 2, 3, -1.0, r2c, &total, work, need), TW_EINVAL);
  assert_int_equal(tw_assign(cost, 2, 3, -0x1p-1074, r2c, &total, work, need), TW_EINVAL);
  assert_int_equal(tw_assign(cost, 2, 3, NAN, r2c, &total, work, need), TW_EINVAL);
  assert_int_equal(tw_assign(cost, 2, 3, INFINITY, r2c, &total, work, need), TW_EINVAL);
  assert_int_equal(r2c[0], 42);
  assert_int_equal(r2c[1], 43);
  assert_close(total, 99.0, 0.0);

  assert_int_equal(tw_assign_workspace(-1, 3), 0);
  assert_int_equal(tw_assign_workspace(3, -1), 0);

  /* Any alignment of work is accepted: the library aligns it. */
  char *odd = malloc(need + 1);
  assert_non_null(odd);
  assert_int_equal(tw_assign(cost, 2, 3, 10.0, r2c, &total, odd + 1, need), 0);
  assert_int_equal(r2c[0], 0);
  assert_int_equal(r2c[1], 1);
  assert_close(total, 6.0, 0.0);
  free(odd);
  free(work);
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* 1000 x 1000 dense uniform costs, then a 2000 x 2000 gated one (a 1000-track scene with as many
 * extra measurements): valid matchings, and the time printed. The timing is only asserted in
 * optimised builds. */
static void test_large(void **state)
{
  (void)state;
  rng_seed(1000);
  enum { N = 1000, M = 2000 };
  double *cost = malloc(sizeof(double) * M * M);
  int *r2c = malloc(sizeof(int) * M);
  assert_true(cost && r2c);
  for (int k = 0; k < N * N; k++)
    cost[k] = rng_unit();
  double total;
  double t0 = now_s();
  assert_int_equal(solve(cost, N, N, 1.0, r2c, &total), 0);
  double dt = now_s() - t0;
  check_matching(cost, N, N, 1.0, r2c, total);
  printf("# tw_assign %dx%d dense uniform: %.1f ms, total %.6f, workspace %zu bytes\n", N, N,
         1e3 * dt, total, tw_assign_workspace(N, N));
  /* Rows all take a column: the expected optimum of an n x n uniform problem is about
   * pi^2 / 6 = 1.64 (Aldous), and every row's cheapest entry is far below the miss. */
  assert_true(total > 1.2 && total < 2.2);
#ifdef NDEBUG
  assert_true(dt < 2.0);
#endif

  /* Gated: 2000 points in a square, each row sees the columns within 3 units, cost d^2. */
  double px[M], py[M], qx[M], qy[M];
  for (int k = 0; k < M; k++) {
    px[k] = 100.0 * rng_unit();
    py[k] = 100.0 * rng_unit();
  }
  for (int k = 0; k < M; k++) { /* column k is row 7919 k mod M's own: 7919 is prime to M */
    qx[k] = px[(k * 7919) % M] + rng_unit() - 0.5;
    qy[k] = py[(k * 7919) % M] + rng_unit() - 0.5;
  }
  long n_in_gate = 0;
  for (int i = 0; i < M; i++)
    for (int j = 0; j < M; j++) {
      double dx = px[i] - qx[j], dy = py[i] - qy[j], d2 = dx * dx + dy * dy;
      cost[(size_t)i * M + j] = d2 < 9.0 ? d2 : INFINITY;
      n_in_gate += d2 < 9.0;
    }
  t0 = now_s();
  assert_int_equal(solve(cost, M, M, 9.0, r2c, &total), 0);
  dt = now_s() - t0;
  check_matching(cost, M, M, 9.0, r2c, total);
  int n_miss = 0;
  for (int i = 0; i < M; i++)
    n_miss += r2c[i] < 0;
  printf("# tw_assign %dx%d gated (%.1f per row in gate): %.1f ms, %d misses, total %.3f\n", M, M,
         (double)n_in_gate / M, 1e3 * dt, n_miss, total);
  /* Every row has its own measurement within 0.71 units, cost <= 0.5: matching each to its own
   * is feasible, so the optimum is at most 0.5 per row. */
  assert_true(total <= 0.5 * M);
#ifdef NDEBUG
  assert_true(dt < 2.0);
#endif
  free(cost);
  free(r2c);
}

static int teardown(void **state)
{
  (void)state;
  free(g_work);
  g_work = NULL;
  g_work_size = 0;
  return 0;
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_known),
    cmocka_unit_test(test_one_by_one),
    cmocka_unit_test(test_empty),
    cmocka_unit_test(test_all_forbidden),
    cmocka_unit_test(test_nan_is_forbidden),
    cmocka_unit_test(test_invalid),
    cmocka_unit_test(test_brute_force_small),
    cmocka_unit_test(test_against_hungarian),
    cmocka_unit_test(test_gated_against_hungarian),
    cmocka_unit_test(test_large),
  };
  return cmocka_run_group_tests(tests, NULL, teardown);
}
