/* test_linalg.c - triwatch/linalg.h: factorizations reconstruct their input, solves and inverses
 * leave small residuals, bad input gives the documented error with outputs untouched, and every
 * aliasing the header allows gives the same bits as the non-aliased call. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "triwatch/error.h"
#include "triwatch/linalg.h"

#define MAXN TW_LINALG_MAX
#define NN (MAXN * MAXN)
#define BIG 100 /* room for an n = 10 call, which must be refused before anything is read */

/* Prints both values on failure, which cmocka 1.1 cannot do for doubles. */
#define assert_close(got, want, tol)                                                          \
  do {                                                                                        \
    double g_ = (got), w_ = (want), t_ = (tol);                                               \
    if (!(fabs(g_ - w_) <= t_))                                                               \
      fail_msg("%s = %.17g, want %.17g (tol %g)", #got, g_, w_, t_);                          \
  } while (0)
#define assert_le(got, limit)                                                                 \
  do {                                                                                        \
    double g_ = (got), l_ = (limit);                                                          \
    if (!(g_ <= l_))                                                                          \
      fail_msg("%s = %.17g, want <= %g", #got, g_, l_);                                       \
  } while (0)

/* splitmix64: fixed seed, so every failure reproduces. */
static uint64_t g_rng;

static void rng_seed(uint64_t s) { g_rng = s; }

static double rng_uniform(void) /* [-1, 1) */
{
  uint64_t z = (g_rng += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  z ^= z >> 31;
  return (double)(z >> 11) * 0x1.0p-52 - 1.0;
}

static void fill_random(double *a, int count)
{
  for (int i = 0; i < count; i++)
    a[i] = rng_uniform();
}

/* Reference product, written independently of tw_mat_mul so a bug there cannot hide one here. */
static void ref_mul(double *c, const double *a, const double *b, int r, int m, int n)
{
  for (int i = 0; i < r; i++)
    for (int j = 0; j < n; j++) {
      long double s = 0;
      for (int k = 0; k < m; k++)
        s += (long double)a[i * m + k] * b[k * n + j];
      c[i * n + j] = (double)s;
    }
}

static void ref_transpose(double *at, const double *a, int r, int c)
{
  for (int i = 0; i < r; i++)
    for (int j = 0; j < c; j++)
      at[j * r + i] = a[i * c + j];
}

/* A = B B^T + n I: symmetric, positive definite, condition number modest at every size. */
static void random_spd(double *a, int n)
{
  double b[NN], bt[NN];
  fill_random(b, n * n);
  ref_transpose(bt, b, n, n);
  ref_mul(a, b, bt, n, n, n);
  for (int i = 0; i < n; i++)
    a[i * n + i] += n;
}

static double max_abs(const double *a, int count)
{
  double m = 0.0;
  for (int i = 0; i < count; i++)
    m = fmax(m, fabs(a[i]));
  return m;
}

static double max_diff(const double *a, const double *b, int count)
{
  double m = 0.0;
  for (int i = 0; i < count; i++)
    m = fmax(m, fabs(a[i] - b[i]));
  return m;
}

static double max_diff_identity(const double *a, int n)
{
  double m = 0.0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++)
      m = fmax(m, fabs(a[i * n + j] - (i == j ? 1.0 : 0.0)));
  return m;
}

/* A value no function computes, to prove an output was not written. */
#define SENTINEL (-0x1.badc0ffeep+7)

static void fill_sentinel(double *a, int count)
{
  for (int i = 0; i < count; i++)
    a[i] = SENTINEL;
}

static void assert_sentinel(const double *a, int count)
{
  for (int i = 0; i < count; i++)
    if (a[i] != SENTINEL)
      fail_msg("output[%d] = %.17g was written on error", i, a[i]);
}

static void test_chol_reconstructs(void **state)
{
  (void)state;
  rng_seed(1);
  for (int n = 1; n <= MAXN; n++) {
    for (int trial = 0; trial < 20; trial++) {
      double a[NN], l[NN + 1], lt[NN], llt[NN];
      random_spd(a, n);
      fill_sentinel(l, NN + 1);
      assert_int_equal(tw_chol(l, a, n), 0);
      for (int i = 0; i < n; i++) {
        assert_true(l[i * n + i] > 0.0);
        for (int j = i + 1; j < n; j++)
          assert_true(l[i * n + j] == 0.0);
      }
      assert_true(l[n * n] == SENTINEL); /* nothing past n x n */
      ref_transpose(lt, l, n, n);
      ref_mul(llt, l, lt, n, n, n);
      assert_le(max_diff(llt, a, n * n) / max_abs(a, n * n), 1e-12);
    }
  }
}

static void test_chol_reads_lower_only(void **state)
{
  (void)state;
  double a[9] = {4, NAN, NAN, 2, 5, NAN, 2, 3, 6}, l[9];
  assert_int_equal(tw_chol(l, a, 3), 0);
  const double want[9] = {2, 0, 0, 1, 2, 0, 1, 1, 2};
  assert_le(max_diff(l, want, 9), 1e-15);
}

static void test_ldlt_spd(void **state)
{
  (void)state;
  rng_seed(2);
  for (int n = 1; n <= MAXN; n++) {
    double a[NN], l[NN], d[MAXN], ld[NN], lt[NN], r[NN];
    random_spd(a, n);
    assert_int_equal(tw_ldlt(l, d, a, n), 0);
    for (int i = 0; i < n; i++) {
      assert_true(d[i] > 0.0);
      assert_true(l[i * n + i] == 1.0);
      for (int j = i + 1; j < n; j++)
        assert_true(l[i * n + j] == 0.0);
      for (int j = 0; j < n; j++)
        ld[i * n + j] = l[i * n + j] * d[j];
    }
    ref_transpose(lt, l, n, n);
    ref_mul(r, ld, lt, n, n, n);
    assert_le(max_diff(r, a, n * n) / max_abs(a, n * n), 1e-12);
  }
}

static void test_ldlt_indefinite(void **state)
{
  (void)state;
  /* By hand: [[1 2][2 1]] = [[1 0][2 1]] diag(1, -3) [[1 2][0 1]]. */
  double a2[4] = {1, 2, 2, 1}, l2[4], d2[2];
  assert_int_equal(tw_ldlt(l2, d2, a2, 2), 0);
  assert_close(d2[0], 1.0, 0.0);
  assert_close(d2[1], -3.0, 0.0);
  assert_close(l2[2], 2.0, 0.0);

  /* A = B diag(+-) B^T with mixed signs: symmetric indefinite, leading minors non-zero. */
  rng_seed(3);
  for (int n = 2; n <= MAXN; n++) {
    double b[NN], bd[NN], bt[NN], a[NN], l[NN], d[MAXN], ld[NN], lt[NN], r[NN];
    fill_random(b, n * n);
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++)
        bd[i * n + j] = b[i * n + j] * (j % 2 ? -1.0 : 1.0);
    ref_transpose(bt, b, n, n);
    ref_mul(a, bd, bt, n, n, n);
    assert_int_equal(tw_ldlt(l, d, a, n), 0);
    int npos = 0, nneg = 0;
    for (int i = 0; i < n; i++) {
      npos += d[i] > 0.0;
      nneg += d[i] < 0.0;
      for (int j = 0; j < n; j++)
        ld[i * n + j] = l[i * n + j] * d[j];
    }
    /* Sylvester's law of inertia: D has the signs of diag(+-). */
    assert_int_equal(npos, (n + 1) / 2);
    assert_int_equal(nneg, n / 2);
    ref_transpose(lt, l, n, n);
    ref_mul(r, ld, lt, n, n, n);
    /* Indefinite LDL^T without pivoting can grow; B's random entries keep it tame. */
    assert_le(max_diff(r, a, n * n) / max_abs(a, n * n), 1e-10);
  }
}

static void test_chol_solve_residual(void **state)
{
  (void)state;
  rng_seed(4);
  for (int n = 1; n <= MAXN; n++) {
    for (int k = 1; k <= 3; k++) {
      double a[NN], l[NN], b[NN], x[NN], ax[NN];
      random_spd(a, n);
      fill_random(b, n * k);
      assert_int_equal(tw_chol(l, a, n), 0);
      tw_chol_solve(x, l, b, n, k);
      ref_mul(ax, a, x, n, n, k);
      assert_le(max_diff(ax, b, n * k) / (max_abs(a, n * n) * max_abs(x, n * k)), 1e-14);
    }
  }
}

static void test_lu_solve_residual(void **state)
{
  (void)state;
  rng_seed(5);
  for (int n = 1; n <= MAXN; n++) {
    for (int k = 1; k <= 3; k++) {
      double a[NN], b[NN], x[NN], ax[NN];
      fill_random(a, n * n);
      fill_random(b, n * k);
      assert_int_equal(tw_lu_solve(x, a, b, n, k), 0);
      ref_mul(ax, a, x, n, n, k);
      assert_le(max_diff(ax, b, n * k) / (max_abs(a, n * n) * max_abs(x, n * k)), 1e-13);
    }
  }
  /* A zero leading entry: fails without pivoting, exact with it. */
  double p[4] = {0, 1, 1, 0}, b[2] = {3, 7}, x[2];
  assert_int_equal(tw_lu_solve(x, p, b, 2, 1), 0);
  assert_close(x[0], 7.0, 0.0);
  assert_close(x[1], 3.0, 0.0);
}

static void test_spd_inv(void **state)
{
  (void)state;
  rng_seed(6);
  for (int n = 1; n <= MAXN; n++) {
    double a[NN], ainv[NN], prod[NN];
    random_spd(a, n);
    assert_int_equal(tw_spd_inv(ainv, a, n), 0);
    for (int i = 0; i < n; i++)
      for (int j = 0; j < i; j++)
        assert_true(ainv[i * n + j] == ainv[j * n + i]); /* exactly */
    ref_mul(prod, a, ainv, n, n, n);
    assert_le(max_diff_identity(prod, n), 1e-13);
  }
}

static void test_mat_inv(void **state)
{
  (void)state;
  rng_seed(7);
  for (int n = 1; n <= MAXN; n++) {
    double a[NN], ainv[NN], prod[NN];
    fill_random(a, n * n);
    assert_int_equal(tw_mat_inv(ainv, a, n), 0);
    ref_mul(prod, a, ainv, n, n, n);
    /* Random matrices can be ill-conditioned; scale the tolerance by the size of the inverse. */
    assert_le(max_diff_identity(prod, n), 1e-14 * n * max_abs(a, n * n) * max_abs(ainv, n * n));
    ref_mul(prod, ainv, a, n, n, n);
    assert_le(max_diff_identity(prod, n), 1e-14 * n * max_abs(a, n * n) * max_abs(ainv, n * n));
  }
}

static void test_det(void **state)
{
  (void)state;
  const double a[9] = {2, -3, 1, 2, 0, -1, 1, 4, 5}; /* cofactor expansion: 49 */
  assert_close(tw_mat_det(a, 3), 49.0, 1e-13);
  const double swap[4] = {0, 1, 1, 0};
  assert_close(tw_mat_det(swap, 2), -1.0, 0.0);

  /* Triangular: the product of the diagonal, whatever is above it. */
  rng_seed(8);
  for (int n = 1; n <= MAXN; n++) {
    double u[NN], want = 1.0;
    fill_random(u, n * n);
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < i; j++)
        u[i * n + j] = 0.0;
      u[i * n + i] = 0.5 + 0.25 * i;
      want *= u[i * n + i];
    }
    assert_close(tw_mat_det(u, n), want, 1e-14 * fabs(want));
  }

  const double sing[9] = {1, 2, 3, 2, 4, 6, 0, 1, 5}; /* row 1 = 2 row 0 */
  assert_true(tw_mat_det(sing, 3) == 0.0);
  const double withnan[4] = {1, 2, NAN, 4};
  assert_true(isnan(tw_mat_det(withnan, 2)));
  assert_true(isnan(tw_mat_det(a, 0)));
  assert_true(isnan(tw_mat_det(a, 10)));
}

static void test_logdet(void **state)
{
  (void)state;
  double ld;
  const double a[4] = {4, 2, 2, 3}; /* det 8 */
  assert_int_equal(tw_spd_logdet(&ld, a, 2), 0);
  assert_close(ld, log(8.0), 1e-15);

  /* Products of the diagonal that under- and overflow must not reach log. */
  for (int e = -1; e <= 1; e += 2) {
    double d[NN];
    tw_mat_identity(d, MAXN);
    for (int i = 0; i < MAXN; i++)
      d[i * MAXN + i] = pow(10.0, 200 * e);
    assert_int_equal(tw_spd_logdet(&ld, d, MAXN), 0);
    assert_close(ld, MAXN * 200 * e * log(10.0), 1e-12 * MAXN * 200 * log(10.0));
  }

  rng_seed(9);
  for (int n = 1; n <= MAXN; n++) {
    double s[NN];
    random_spd(s, n);
    assert_int_equal(tw_spd_logdet(&ld, s, n), 0);
    assert_close(ld, log(tw_mat_det(s, n)), 1e-12 * fmax(1.0, fabs(ld)));
  }
}

static void test_mahalanobis(void **state)
{
  (void)state;
  /* By hand: [[4 2][2 3]]^-1 = [[3 -2][-2 4]] / 8; x = (1, 2): (3 - 8 + 16) / 8. */
  const double a[4] = {4, 2, 2, 3}, x[2] = {1, 2};
  double d2;
  assert_int_equal(tw_spd_mahalanobis2(&d2, a, x, 2), 0);
  assert_close(d2, 11.0 / 8.0, 1e-15);

  rng_seed(10);
  for (int n = 1; n <= MAXN; n++) {
    double s[NN], sinv[NN], v[MAXN], siv[MAXN], want = 0.0;
    random_spd(s, n);
    fill_random(v, n);
    assert_int_equal(tw_mat_inv(sinv, s, n), 0); /* the LU route, independent of Cholesky */
    ref_mul(siv, sinv, v, n, n, 1);
    for (int i = 0; i < n; i++)
      want += v[i] * siv[i];
    assert_int_equal(tw_spd_mahalanobis2(&d2, s, v, n), 0);
    assert_close(d2, want, 1e-13 * want);
  }
}

/* Every Cholesky-based function refuses the same bad inputs with outputs untouched. */
static void check_spd_refused(const double *a, int n, int want)
{
  double out[BIG], d[BIG], x[BIG] = {0};
  fill_sentinel(out, BIG);
  fill_sentinel(d, BIG);
  assert_int_equal(tw_chol(out, a, n), want);
  assert_sentinel(out, BIG);
  assert_int_equal(tw_spd_inv(out, a, n), want);
  assert_sentinel(out, BIG);
  assert_int_equal(tw_spd_logdet(out, a, n), want);
  assert_sentinel(out, BIG);
  assert_int_equal(tw_spd_mahalanobis2(out, a, x, n), want);
  assert_sentinel(out, BIG);
  if (want == TW_EINVAL) {
    assert_int_equal(tw_ldlt(out, d, a, n), want);
    assert_sentinel(out, BIG);
    assert_sentinel(d, BIG);
  }
}

static void test_spd_errors(void **state)
{
  (void)state;
  double a[BIG];
  tw_mat_identity(a, 10);
  check_spd_refused(a, 0, TW_EINVAL);
  check_spd_refused(a, -1, TW_EINVAL);
  check_spd_refused(a, 10, TW_EINVAL);

  const double indefinite[4] = {1, 2, 2, 1};
  check_spd_refused(indefinite, 2, TW_ENOTPD);
  const double negative[9] = {1, 0, 0, 0, -1, 0, 0, 0, 1};
  check_spd_refused(negative, 3, TW_ENOTPD);
  const double zero[4] = {0, 0, 0, 1};
  check_spd_refused(zero, 2, TW_ENOTPD);
  const double semidefinite[4] = {1, 1, 1, 1}; /* exactly singular in floating point too */
  check_spd_refused(semidefinite, 2, TW_ENOTPD);
  const double nan_diag[4] = {1, 0, 0, NAN};
  check_spd_refused(nan_diag, 2, TW_ENOTPD);
  const double nan_lower[9] = {4, 0, 0, NAN, 4, 0, 0, 0, 4};
  check_spd_refused(nan_lower, 3, TW_ENOTPD);
  const double inf_diag[4] = {INFINITY, 0, 0, 1};
  check_spd_refused(inf_diag, 2, TW_ENOTPD);

  /* The 9 x 9 case fails only at the last pivot, after the factor buffer is full. */
  double late[NN];
  rng_seed(11);
  random_spd(late, MAXN);
  late[NN - 1] = -100.0;
  check_spd_refused(late, MAXN, TW_ENOTPD);
}

static void test_ldlt_errors(void **state)
{
  (void)state;
  double l[BIG], d[BIG];
  const double cases[][4] = {
    {0, 1, 1, 0},   /* indefinite, but needs pivoting */
    {1, 1, 1, 1},   /* singular: second pivot 0 */
    {NAN, 0, 0, 1}, /* NaN pivot */
    {1, 0, NAN, 1}, /* NaN below the diagonal reaches the next pivot */
    {INFINITY, 0, 0, 1},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    fill_sentinel(l, BIG);
    fill_sentinel(d, BIG);
    assert_int_equal(tw_ldlt(l, d, cases[c], 2), TW_ESINGULAR);
    assert_sentinel(l, BIG);
    assert_sentinel(d, BIG);
  }
}

static void check_lu_refused(const double *a, int n, int want)
{
  double out[BIG], b[BIG];
  fill_sentinel(out, BIG);
  for (int i = 0; i < BIG; i++)
    b[i] = 1.0;
  assert_int_equal(tw_mat_inv(out, a, n), want);
  assert_sentinel(out, BIG);
  assert_int_equal(tw_lu_solve(out, a, b, n, 2), want);
  assert_sentinel(out, BIG);
}

static void test_lu_errors(void **state)
{
  (void)state;
  double a[BIG];
  tw_mat_identity(a, 10);
  check_lu_refused(a, 0, TW_EINVAL);
  check_lu_refused(a, 10, TW_EINVAL);
  double out[BIG], b[BIG] = {1, 1};
  fill_sentinel(out, BIG);
  assert_int_equal(tw_lu_solve(out, a, b, 2, 0), TW_EINVAL);
  assert_sentinel(out, BIG);

  const double dup_rows[9] = {1, 2, 3, 1, 2, 3, 4, 5, 6};
  check_lu_refused(dup_rows, 3, TW_ESINGULAR);
  const double zero_col[9] = {1, 0, 3, 4, 0, 6, 7, 0, 9};
  check_lu_refused(zero_col, 3, TW_ESINGULAR);
  const double rank1[4] = {1, 2, 2, 4};
  check_lu_refused(rank1, 2, TW_ESINGULAR);
  const double zeros[4] = {0};
  check_lu_refused(zeros, 2, TW_ESINGULAR);
  /* Only the pivots are tested, so a NaN or infinity must reach one wherever it starts: try every
   * position of a diagonally dominant matrix (no row exchanges) and of a random one. */
  const double bad[] = {NAN, INFINITY, -INFINITY};
  rng_seed(15);
  for (int n = 1; n <= 5; n++) {
    double dom[NN], rnd[NN];
    tw_mat_identity(dom, n);
    for (int i = 0; i < n * n; i++)
      dom[i] = dom[i] * 10.0 + 0.5;
    fill_random(rnd, n * n);
    for (int pos = 0; pos < n * n; pos++)
      for (size_t v = 0; v < sizeof bad / sizeof bad[0]; v++) {
        double t[NN];
        memcpy(t, dom, sizeof dom);
        t[pos] = bad[v];
        check_lu_refused(t, n, TW_ESINGULAR);
        memcpy(t, rnd, sizeof rnd);
        t[pos] = bad[v];
        check_lu_refused(t, n, TW_ESINGULAR);
      }
  }
}

static void test_sandwich_symmetric(void **state)
{
  (void)state;
  rng_seed(12);
  for (int n = 1; n <= MAXN; n++) {
    for (int m = 1; m <= MAXN + 3; m++) { /* m is not limited by TW_LINALG_MAX */
      double a[(MAXN + 3) * MAXN], at[(MAXN + 3) * MAXN], p[NN], ap[(MAXN + 3) * MAXN];
      double s[(MAXN + 3) * (MAXN + 3)], want[(MAXN + 3) * (MAXN + 3)];
      fill_random(a, m * n);
      random_spd(p, n);
      tw_mat_sandwich(s, a, p, m, n);
      for (int i = 0; i < m; i++)
        for (int j = 0; j < i; j++)
          assert_true(s[i * m + j] == s[j * m + i]); /* exactly */
      ref_mul(ap, a, p, m, n, n);
      ref_transpose(at, a, m, n);
      ref_mul(want, ap, at, m, n, m);
      assert_le(max_diff(s, want, m * m) / max_abs(want, m * m), 1e-13);
    }
  }
}

static void test_products(void **state)
{
  (void)state;
  rng_seed(13);
  const int dims[][3] = {{1, 1, 1}, {2, 3, 4}, {6, 6, 6}, {3, 9, 2}, {9, 9, 9}, {12, 5, 11}};
  for (size_t t = 0; t < sizeof dims / sizeof dims[0]; t++) {
    int r = dims[t][0], m = dims[t][1], n = dims[t][2];
    double a[12 * 12], b[12 * 12], bt[12 * 12], at[12 * 12], c[12 * 12], want[12 * 12];
    fill_random(a, r * m);
    fill_random(b, m * n);
    ref_mul(want, a, b, r, m, n);
    tw_mat_mul(c, a, b, r, m, n);
    assert_le(max_diff(c, want, r * n), 1e-14);
    ref_transpose(bt, b, m, n);
    tw_mat_mul_bt(c, a, bt, r, m, n);
    assert_le(max_diff(c, want, r * n), 1e-14);
    /* a^T b with a stored as its transpose: r x m = (m x r)^T. */
    ref_transpose(at, a, r, m);
    tw_mat_mul_at(c, at, b, m, r, n);
    assert_le(max_diff(c, want, r * n), 1e-14);
    tw_mat_transpose(c, a, r, m);
    assert_memory_equal(c, at, sizeof(double) * (size_t)(r * m));
  }

  /* An empty inner dimension is a zero product, not untouched memory. */
  double a[4] = {1, 2, 3, 4}, c[4];
  fill_sentinel(c, 4);
  tw_mat_mul(c, a, a, 2, 0, 2);
  for (int i = 0; i < 4; i++)
    assert_true(c[i] == 0.0);
  fill_sentinel(c, 4);
  tw_mat_mul_at(c, a, a, 0, 2, 2);
  for (int i = 0; i < 4; i++)
    assert_true(c[i] == 0.0);
  fill_sentinel(c, 4);
  tw_mat_sandwich(c, a, a, 2, 0);
  for (int i = 0; i < 4; i++)
    assert_true(c[i] == 0.0);
}

static void test_small_helpers(void **state)
{
  (void)state;
  double a[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  tw_mat_symmetrize(a, 3);
  const double sym[9] = {1, 3, 5, 3, 5, 7, 5, 7, 9};
  assert_memory_equal(a, sym, sizeof a);

  double id[9];
  fill_sentinel(id, 9);
  tw_mat_identity(id, 3);
  const double want_id[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  assert_memory_equal(id, want_id, sizeof id);

  const double x[3] = {1, 2, 3}, y[3] = {-2, 0.5, 4};
  assert_close(tw_v3_dot(x, y), 11.0, 0.0);
  assert_close(tw_v3_norm(x), sqrt(14.0), 1e-15);
  double c[3];
  tw_v3_cross(c, x, y);
  assert_close(c[0], 6.5, 0.0);
  assert_close(c[1], -10.0, 0.0);
  assert_close(c[2], 4.5, 0.0);
  assert_close(tw_v3_dot(c, x), 0.0, 1e-14);
  assert_close(tw_v3_dot(c, y), 0.0, 1e-14);

  double s[6] = {1, 2, 3, 4, 5, 6}, t[6] = {10, 20, 30, 40, 50, 60}, u[6];
  tw_mat_axpy(u, s, 0.5, t, 2, 3);
  const double want_u[6] = {6, 12, 18, 24, 30, 36};
  assert_memory_equal(u, want_u, sizeof u);
}

/* The header allows these aliasings; each must give the same bits as separate buffers. */
static void test_aliasing(void **state)
{
  (void)state;
  rng_seed(14);
  for (int n = 1; n <= MAXN; n++) {
    double a[NN], sep[NN], inplace[NN], d[MAXN], d2[MAXN], b[NN * 3];
    random_spd(a, n);

    assert_int_equal(tw_chol(sep, a, n), 0);
    memcpy(inplace, a, sizeof a);
    assert_int_equal(tw_chol(inplace, inplace, n), 0);
    assert_memory_equal(inplace, sep, sizeof(double) * (size_t)(n * n));

    double lsep[NN];
    memcpy(lsep, sep, sizeof sep);
    fill_random(b, n * 3);
    tw_chol_solve(sep, lsep, b, n, 3);
    memcpy(inplace, b, sizeof(double) * (size_t)(n * 3));
    tw_chol_solve(inplace, lsep, inplace, n, 3);
    assert_memory_equal(inplace, sep, sizeof(double) * (size_t)(n * 3));

    assert_int_equal(tw_ldlt(sep, d, a, n), 0);
    memcpy(inplace, a, sizeof a);
    assert_int_equal(tw_ldlt(inplace, d2, inplace, n), 0);
    assert_memory_equal(inplace, sep, sizeof(double) * (size_t)(n * n));
    assert_memory_equal(d2, d, sizeof(double) * (size_t)n);

    assert_int_equal(tw_spd_inv(sep, a, n), 0);
    memcpy(inplace, a, sizeof a);
    assert_int_equal(tw_spd_inv(inplace, inplace, n), 0);
    assert_memory_equal(inplace, sep, sizeof(double) * (size_t)(n * n));

    double g[NN];
    fill_random(g, n * n);
    assert_int_equal(tw_mat_inv(sep, g, n), 0);
    memcpy(inplace, g, sizeof g);
    assert_int_equal(tw_mat_inv(inplace, inplace, n), 0);
    assert_memory_equal(inplace, sep, sizeof(double) * (size_t)(n * n));

    assert_int_equal(tw_lu_solve(sep, g, b, n, 3), 0);
    memcpy(inplace, b, sizeof(double) * (size_t)(n * 3));
    assert_int_equal(tw_lu_solve(inplace, g, inplace, n, 3), 0);
    assert_memory_equal(inplace, sep, sizeof(double) * (size_t)(n * 3));

    tw_mat_axpy(sep, a, -2.0, g, n, n);
    memcpy(inplace, a, sizeof a);
    tw_mat_axpy(inplace, inplace, -2.0, g, n, n);
    assert_memory_equal(inplace, sep, sizeof(double) * (size_t)(n * n));
    memcpy(inplace, g, sizeof g);
    tw_mat_axpy(inplace, a, -2.0, inplace, n, n);
    assert_memory_equal(inplace, sep, sizeof(double) * (size_t)(n * n));
  }

  const double x[3] = {1, 2, 3}, y[3] = {-2, 0.5, 4};
  double c[3], cx[3], cy[3];
  tw_v3_cross(c, x, y);
  memcpy(cx, x, sizeof x);
  tw_v3_cross(cx, cx, y);
  assert_memory_equal(cx, c, sizeof c);
  memcpy(cy, y, sizeof y);
  tw_v3_cross(cy, x, cy);
  assert_memory_equal(cy, c, sizeof c);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_chol_reconstructs),
    cmocka_unit_test(test_chol_reads_lower_only),
    cmocka_unit_test(test_ldlt_spd),
    cmocka_unit_test(test_ldlt_indefinite),
    cmocka_unit_test(test_chol_solve_residual),
    cmocka_unit_test(test_lu_solve_residual),
    cmocka_unit_test(test_spd_inv),
    cmocka_unit_test(test_mat_inv),
    cmocka_unit_test(test_det),
    cmocka_unit_test(test_logdet),
    cmocka_unit_test(test_mahalanobis),
    cmocka_unit_test(test_spd_errors),
    cmocka_unit_test(test_ldlt_errors),
    cmocka_unit_test(test_lu_errors),
    cmocka_unit_test(test_sandwich_symmetric),
    cmocka_unit_test(test_products),
    cmocka_unit_test(test_small_helpers),
    cmocka_unit_test(test_aliasing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
