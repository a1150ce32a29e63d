/* test_gospa.c - triwatch/gospa.h: the metric against exhaustive search over permutations with
 * the paper's original cut-off definition, its parts consistent with it, zero on equal sets,
 * misses only, symmetry, the triangle inequality, homogeneity, and the argument checks. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "triwatch/error.h"
#include "triwatch/gospa.h"

#define assert_close(got, want, tol)                                                          \
  do {                                                                                        \
    double g_ = (got), w_ = (want), t_ = (tol);                                               \
    if (!(fabs(g_ - w_) <= t_))                                                               \
      fail_msg("%s = %.17g, want %.17g (tol %g)", #got, g_, w_, t_);                          \
  } while (0)

static uint64_t g_rng;

static void rng_seed(uint64_t s) { g_rng = s; }

static double rng_unit(void) /* [0, 1), splitmix64 */
{
  uint64_t z = (g_rng += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  z ^= z >> 31;
  return (double)(z >> 11) * 0x1.0p-53;
}

static int rng_int(int n) { return (int)(rng_unit() * n); }

#define MAXP 40 /* points per set */
#define MAXD 3  /* dimensions */

struct result {
  double d, loc, miss, fa;
};

static struct result gospa(const double *x, int nx, const double *y, int ny, int dim, double c,
                           double p)
{
  static char work[1 << 16];
  assert_true(tw_gospa_workspace(nx, ny) <= sizeof work);
  struct result r = {NAN, NAN, NAN, NAN};
  assert_int_equal(tw_gospa(&r.d, x, nx, y, ny, dim, c, p, &r.loc, &r.miss, &r.fa, work,
                            sizeof work),
                   0);
  /* the parts always add up and count consistently */
  assert_close(pow(r.d, p), r.loc + pow(c, p) / 2 * (r.miss + r.fa), 1e-12 * pow(r.d + c, p));
  assert_true(r.miss >= 0 && r.fa >= 0 && r.loc >= 0);
  assert_close(r.miss - r.fa, (double)(nx - ny), 0.0);
  assert_true(r.miss == floor(r.miss) && r.miss <= nx);
  return r;
}

static double dist(const double *a, const double *b, int dim)
{
  double s = 0;
  for (int k = 0; k < dim; k++)
    s += (a[k] - b[k]) * (a[k] - b[k]);
  return sqrt(s);
}

/* The definition in the paper (eq. 1) with alpha = 2, for |A| <= |B|:
 *   d^p = min over injections pi of A into B of sum_i min(d(a_i, b_pi(i)), c)^p
 *         + c^p / 2 * (|B| - |A|)
 * by trying every injection. */
static double brute_rec(const double *a, int na, const double *b, int nb, int dim, double c,
                        double p, int i, unsigned used)
{
  if (i == na)
    return 0.0;
  double best = INFINITY;
  for (int j = 0; j < nb; j++) {
    if ((used >> j) & 1u)
      continue;
    double e = pow(fmin(dist(a + i * dim, b + j * dim, dim), c), p);
    double s = e + brute_rec(a, na, b, nb, dim, c, p, i + 1, used | 1u << j);
    best = fmin(best, s);
  }
  return best;
}

static double brute(const double *x, int nx, const double *y, int ny, int dim, double c, double p)
{
  if (nx > ny)
    return brute(y, ny, x, nx, dim, c, p);
  double s = brute_rec(x, nx, y, ny, dim, c, p, 0, 0) + pow(c, p) / 2 * (ny - nx);
  return pow(s, 1.0 / p);
}

static void random_set(double *a, int n, int dim, double side)
{
  for (int k = 0; k < n * dim; k++)
    a[k] = side * rng_unit();
}

static double random_p(void)
{
  static const double ps[] = {1.0, 2.0, 2.0, 3.0, 1.5};
  return ps[rng_int(5)];
}

static void test_brute_force(void **state)
{
  (void)state;
  rng_seed(3);
  double x[6 * MAXD], y[6 * MAXD];
  for (int trial = 0; trial < 4000; trial++) {
    int nx = rng_int(7), ny = rng_int(7), dim = 1 + rng_int(MAXD);
    double c = 0.2 + 3.0 * rng_unit(), p = random_p();
    random_set(x, nx, dim, 4.0);
    random_set(y, ny, dim, 4.0);
    struct result r = gospa(x, nx, y, ny, dim, c, p);
    double want = brute(x, nx, y, ny, dim, c, p);
    if (!(fabs(r.d - want) <= 1e-12 * (1.0 + want)))
      fail_msg("trial %d (%d vs %d points, dim %d, c %g, p %g): %.17g, want %.17g", trial, nx, ny,
               dim, c, p, r.d, want);
  }
}

/* X = {0, 10}, Y = {1} on a line, c = 3, p = 2: pair 0 with 1, miss 10: d^2 = 1 + 9/2. */
static void test_known(void **state)
{
  (void)state;
  const double x[2] = {0.0, 10.0}, y[1] = {1.0};
  struct result r = gospa(x, 2, y, 1, 1, 3.0, 2.0);
  assert_close(r.d, sqrt(5.5), 1e-15);
  assert_close(r.loc, 1.0, 1e-15);
  assert_close(r.miss, 1.0, 0.0);
  assert_close(r.fa, 0.0, 0.0);
  /* with c = 1 the pair at distance 1 is cut off: two missed, one false, d^2 = 3 / 2 */
  r = gospa(x, 2, y, 1, 1, 1.0, 2.0);
  assert_close(r.d, sqrt(1.5), 1e-15);
  assert_close(r.loc, 0.0, 0.0);
  assert_close(r.miss, 2.0, 0.0);
  assert_close(r.fa, 1.0, 0.0);
  /* p = 1 in 2-D: a 3-4-5 pair inside c = 6 */
  const double a[2] = {0.0, 0.0}, b[2] = {3.0, 4.0};
  r = gospa(a, 1, b, 1, 2, 6.0, 1.0);
  assert_close(r.d, 5.0, 1e-15);
  assert_close(r.loc, 5.0, 1e-14);
}

static void test_identical_sets(void **state)
{
  (void)state;
  rng_seed(5);
  double x[MAXP * MAXD], y[MAXP * MAXD];
  for (int trial = 0; trial < 50; trial++) {
    int n = rng_int(MAXP + 1), dim = 1 + rng_int(MAXD);
    random_set(x, n, dim, 100.0);
    /* y is x in reverse order */
    for (int i = 0; i < n; i++)
      memcpy(y + i * dim, x + (n - 1 - i) * dim, sizeof(double) * (size_t)dim);
    struct result r = gospa(x, n, y, n, dim, 5.0, random_p());
    assert_close(r.d, 0.0, 0.0);
    assert_close(r.miss + r.fa, 0.0, 0.0);
  }
  struct result r = gospa(NULL, 0, NULL, 0, 2, 1.0, 2.0);
  assert_close(r.d, 0.0, 0.0);
}

static void test_only_misses(void **state)
{
  (void)state;
  rng_seed(6);
  double x[MAXP * 2], y[MAXP * 2];
  for (int n = 1; n <= MAXP; n++) {
    random_set(x, n, 2, 10.0);
    double c = 2.0, p = random_p();
    struct result r = gospa(x, n, NULL, 0, 2, c, p);
    assert_close(r.d, pow(pow(c, p) / 2 * n, 1.0 / p), 1e-13 * r.d);
    assert_close(r.miss, n, 0.0);
    r = gospa(NULL, 0, x, n, 2, c, p); /* false estimates only */
    assert_close(r.d, pow(pow(c, p) / 2 * n, 1.0 / p), 1e-13 * r.d);
    assert_close(r.fa, n, 0.0);
    /* every estimate at least c from every truth: all missed and false */
    for (int k = 0; k < n * 2; k++)
      y[k] = x[k] + 1000.0;
    r = gospa(x, n, y, n, 2, c, p);
    assert_close(r.d, pow(pow(c, p) / 2 * 2 * n, 1.0 / p), 1e-13 * r.d);
  }
}

static void test_symmetric(void **state)
{
  (void)state;
  rng_seed(8);
  double x[MAXP * MAXD], y[MAXP * MAXD];
  for (int trial = 0; trial < 300; trial++) {
    int nx = rng_int(MAXP + 1), ny = rng_int(MAXP + 1), dim = 1 + rng_int(MAXD);
    double c = 0.5 + 3.0 * rng_unit(), p = random_p();
    random_set(x, nx, dim, 10.0);
    random_set(y, ny, dim, 10.0);
    struct result a = gospa(x, nx, y, ny, dim, c, p), b = gospa(y, ny, x, nx, dim, c, p);
    assert_close(a.d, b.d, 1e-12 * (1.0 + a.d));
    /* the parts may differ between optimal assignments that tie, but not in these sets */
    assert_close(a.miss, b.fa, 0.0);
  }
}

static void test_triangle(void **state)
{
  (void)state;
  rng_seed(9);
  double x[MAXP * MAXD], y[MAXP * MAXD], z[MAXP * MAXD];
  for (int trial = 0; trial < 1000; trial++) {
    int large = trial % 4 == 0, cap = large ? MAXP : 7;
    int nx = rng_int(cap + 1), ny = rng_int(cap + 1), nz = rng_int(cap + 1);
    int dim = 1 + rng_int(MAXD);
    double c = 0.3 + 2.0 * rng_unit(), p = random_p(), side = large ? 8.0 : 3.0;
    random_set(x, nx, dim, side);
    random_set(y, ny, dim, side);
    random_set(z, nz, dim, side);
    /* z sometimes a perturbed copy of x, to test near-equal sets */
    if (trial % 3 == 0) {
      nz = nx;
      for (int k = 0; k < nx * dim; k++)
        z[k] = x[k] + 0.1 * (rng_unit() - 0.5);
    }
    double xy = gospa(x, nx, y, ny, dim, c, p).d, yz = gospa(y, ny, z, nz, dim, c, p).d;
    double xz = gospa(x, nx, z, nz, dim, c, p).d;
    if (!(xz <= xy + yz + 1e-12 * (xy + yz)))
      fail_msg("trial %d: d(x,z) = %.17g > d(x,y) + d(y,z) = %.17g + %.17g", trial, xz, xy, yz);
  }
}

/* d(sX, sY; sc) = s d(X, Y; c): scaling to c inside must not change the answer. */
static void test_homogeneous(void **state)
{
  (void)state;
  rng_seed(10);
  double x[MAXP * MAXD], y[MAXP * MAXD], xs[MAXP * MAXD], ys[MAXP * MAXD];
  static const double scales[] = {1e-150, 1e-6, 1e3, 1e150};
  for (int trial = 0; trial < 40; trial++) {
    int nx = rng_int(MAXP + 1), ny = rng_int(MAXP + 1), dim = 1 + rng_int(MAXD);
    double c = 1.0, p = random_p(), s = scales[trial % 4];
    random_set(x, nx, dim, 6.0);
    random_set(y, ny, dim, 6.0);
    for (int k = 0; k < nx * dim; k++)
      xs[k] = s * x[k];
    for (int k = 0; k < ny * dim; k++)
      ys[k] = s * y[k];
    struct result a = gospa(x, nx, y, ny, dim, c, p);
    double d_scaled;
    static char work[1 << 16];
    assert_int_equal(tw_gospa(&d_scaled, xs, nx, ys, ny, dim, s * c, p, NULL, NULL, NULL, work,
                              sizeof work),
                     0);
    assert_close(d_scaled / s, a.d, 1e-12 * (1.0 + a.d));
  }
}

static void test_invalid(void **state)
{
  (void)state;
  const double x[4] = {0, 0, 1, 1}, y[2] = {0, 1}, bad[2] = {0, NAN};
  size_t need = tw_gospa_workspace(2, 1);
  assert_true(need > 0);
  char *work = malloc(need);
  assert_non_null(work);
  double d = 7.0, loc = 7.0, miss = 7.0, fa = 7.0;
#define CALL(...) tw_gospa(__VA_ARGS__)
  assert_int_equal(CALL(NULL, x, 2, y, 1, 2, 1.0, 2.0, &loc, &miss, &fa, work, need), TW_EINVAL);
  assert_int_equal(CALL(&d, x, 2, y, 1, 2, 1.0, 2.0, &loc, &miss, &fa, NULL, need), TW_EINVAL);
  assert_int_equal(CALL(&d, x, 2, y, 1, 2, 1.0, 2.0, &loc, &miss, &fa, work, need - 1), TW_EINVAL);
  assert_int_equal(CALL(&d, NULL, 2, y, 1, 2, 1.0, 2.0, &loc, &miss, &fa, work, need), TW_EINVAL);
  assert_int_equal(CALL(&d, x, 2, NULL, 1, 2, 1.0, 2.0, &loc, &miss, &fa, work, need), TW_EINVAL);
  assert_int_equal(CALL(&d, x, -2, y, 1, 2, 1.0, 2.0, &loc, &miss, &fa, work, need), TW_EINVAL);
  assert_int_equal(CALL(&d, x, 2, y, -1, 2, 1.0, 2.0, &loc, &miss, &fa, work, need), TW_EINVAL);
  assert_int_equal(CALL(&d, x, 2, y, 1, 0, 1.0, 2.0, &loc, &miss, &fa, work, need), TW_EINVAL);
  assert_int_equal(CALL(&d, x, 2, y, 1, 2, 0.0, 2.0, &loc, &miss, &fa, work, need), TW_EINVAL);
  assert_int_equal(CALL(&d, x, 2, y, 1, 2, -1.0, 2.0, &loc, &miss, &fa, work, need), TW_EINVAL);
  assert_int_equal(CALL(&d, x, 2, y, 1, 2, INFINITY, 2.0, &loc, &miss, &fa, work, need), TW_EINVAL);
  assert_int_equal(CALL(&d, x, 2, y, 1, 2, NAN, 2.0, &loc, &miss, &fa, work, need), TW_EINVAL);
  assert_int_equal(CALL(&d, x, 2, y, 1, 2, 1.0, 0.5, &loc, &miss, &fa, work, need), TW_EINVAL);
  assert_int_equal(CALL(&d, x, 2, y, 1, 2, 1.0, NAN, &loc, &miss, &fa, work, need), TW_EINVAL);
  assert_int_equal(CALL(&d, x, 2, y, 1, 2, 1.0, INFINITY, &loc, &miss, &fa, work, need), TW_EINVAL);
  assert_int_equal(CALL(&d, x, 2, bad, 1, 2, 1.0, 2.0, &loc, &miss, &fa, work, need), TW_EINVAL);
  assert_close(d, 7.0, 0.0);
  assert_close(loc, 7.0, 0.0);
  assert_close(miss, 7.0, 0.0);
  assert_close(fa, 7.0, 0.0);
  assert_int_equal(tw_gospa_workspace(-1, 2), 0);
  assert_int_equal(tw_gospa_workspace(2, -1), 0);
  /* the same call with good arguments; the optional outputs may be NULL */
  assert_int_equal(CALL(&d, x, 2, y, 1, 2, 2.0, 2.0, NULL, NULL, NULL, work, need), 0);
  assert_close(d, sqrt(1.0 + 4.0 / 2), 1e-15); /* (0, 1) pairs at 1, the other truth missed */
#undef CALL
  free(work);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_known),
    cmocka_unit_test(test_brute_force),
    cmocka_unit_test(test_identical_sets),
    cmocka_unit_test(test_only_misses),
    cmocka_unit_test(test_symmetric),
    cmocka_unit_test(test_triangle),
    cmocka_unit_test(test_homogeneous),
    cmocka_unit_test(test_invalid),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
