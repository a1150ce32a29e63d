/* linalg.c - small dense linear algebra on the caller's stack (contract in triwatch/linalg.h).
 *
 * Every factorization works in a local TW_LINALG_MAX^2 buffer and copies out only on success, so
 * outputs are unchanged on error and may alias the inputs where the header allows it. Pointers
 * are restrict-qualified in the definitions only where the header forbids aliasing; the
 * declarations stay plain, which C11 treats as the same function type. */
#include <assert.h>
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "triwatch/error.h"
#include "triwatch/linalg.h"

#define NN (TW_LINALG_MAX * TW_LINALG_MAX)

static int bad_n(int n) { return n < 1 || n > TW_LINALG_MAX; }

/* A pivot outside (0, DBL_MAX] is a failure: "!(x > 0)" rejects NaN, and an infinite pivot would
 * silently zero the rest of its column instead of failing. */
static int good_pivot(double x) { return x > 0.0 && x <= DBL_MAX; }

static int all_finite(const double *a, int count)
{
  for (int i = 0; i < count; i++)
    if (!isfinite(a[i]))
      return 0;
  return 1;
}

/* Right-looking (outer-product) Cholesky into f (n x n, lower triangle only; the upper part is
 * left unwritten). At these sizes latency, not flops, sets the speed: the trailing update has no
 * loop-carried dependence, where the row-by-row form is a chain of dot products (1.2 to 1.4x
 * slower at 6x6). rd receives 1 / L_ii so that later divisions become multiplies. Reads only the lower
 * triangle of a. A NaN or infinity there reaches a later pivot and fails it. */
static inline int chol_factor(double *restrict f, double *restrict rd, const double *restrict a,
                              int n)
{
  for (int i = 0; i < n; i++)
    for (int j = 0; j <= i; j++)
      f[i * n + j] = a[i * n + j];
  for (int c = 0; c < n; c++) {
    double s = f[c * n + c];
    if (!good_pivot(s))
      return TW_ENOTPD;
    double d = sqrt(s), r = 1.0 / d, col[TW_LINALG_MAX];
    f[c * n + c] = d;
    rd[c] = r;
    for (int i = c + 1; i < n; i++) {
      col[i] = f[i * n + c] * r;
      f[i * n + c] = col[i];
    }
    for (int i = c + 1; i < n; i++) {
      double *fi = f + i * n;
      for (int j = c + 1; j <= i; j++)
        fi[j] -= col[i] * col[j];
    }
  }
  return 0;
}

/* Lower triangle of f into l (stride n), upper zeroed. The zeros go in column order because
 * GCC turns each short row of zeros into a memset call, which costs more than the whole copy. */
static inline void copy_lower(double *restrict l, const double *restrict f, int n)
{
  for (int i = 0; i < n; i++)
    for (int j = 0; j <= i; j++)
      l[i * n + j] = f[i * n + j];
  for (int j = 1; j < n; j++)
    for (int i = 0; i < j; i++)
      l[i * n + j] = 0.0;
}

/* In place: x (n x k) <- (L L^T)^-1 x. Row-oriented so the inner loops run along contiguous rows
 * of x whatever k is. */
static void llt_solve_inplace(double *restrict x, const double *restrict l, int n, int k)
{
  for (int i = 0; i < n; i++) {
    double *xi = x + (ptrdiff_t)i * k;
    const double *li = l + (ptrdiff_t)i * n;
    double r = 1.0 / li[i];
    for (int p = 0; p < i; p++) {
      const double *xp = x + (ptrdiff_t)p * k;
      double c = li[p];
      for (int j = 0; j < k; j++)
        xi[j] -= c * xp[j];
    }
    for (int j = 0; j < k; j++)
      xi[j] *= r;
  }
  for (int i = n - 1; i >= 0; i--) {
    double *xi = x + (ptrdiff_t)i * k;
    double r = 1.0 / l[(ptrdiff_t)i * n + i];
    for (int p = i + 1; p < n; p++) {
      const double *xp = x + (ptrdiff_t)p * k;
      double c = l[(ptrdiff_t)p * n + i];
      for (int j = 0; j < k; j++)
        xi[j] -= c * xp[j];
    }
    for (int j = 0; j < k; j++)
      xi[j] *= r;
  }
}

/* Doolittle LU with partial pivoting, in place on f (n x n): afterwards the strict lower part
 * holds the unit-L multipliers, the rest U, and step c swapped rows c and piv[c]. Fails on an
 * exactly zero pivot, as LAPACK's dgetrf does, and on a non-finite one. That pivot test alone
 * catches a NaN or infinity anywhere in a: the search never picks a NaN, so a NaN row is left
 * for last and a NaN column spreads down to its own pivot step; an infinity is the largest
 * candidate in its column or, sitting right of a pivot, turns everything below it non-finite.
 * Overflow during elimination is caught the same way. */
static int lu_factor(double *restrict f, int *restrict piv, int n)
{
  for (int c = 0; c < n; c++) {
    int p = c;
    double best = fabs(f[c * n + c]);
    for (int i = c + 1; i < n; i++) {
      double v = fabs(f[i * n + c]);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    piv[c] = p;
    if (!good_pivot(best))
      return TW_ESINGULAR;
    if (p != c) {
      for (int j = 0; j < n; j++) {
        double t = f[c * n + j];
        f[c * n + j] = f[p * n + j];
        f[p * n + j] = t;
      }
    }
    const double *fc = f + c * n;
    double r = 1.0 / fc[c];
    for (int i = c + 1; i < n; i++) {
      double *fi = f + i * n;
      double m = fi[c] * r;
      fi[c] = m;
      for (int j = c + 1; j < n; j++)
        fi[j] -= m * fc[j];
    }
  }
  return 0;
}

/* In place: x (n x k) <- A^-1 x from lu_factor's f and piv. */
static void lu_solve_inplace(double *restrict x, const double *restrict f, const int *restrict piv,
                             int n, int k)
{
  for (int c = 0; c < n; c++) {
    if (piv[c] != c) {
      double *xc = x + (ptrdiff_t)c * k, *xp = x + (ptrdiff_t)piv[c] * k;
      for (int j = 0; j < k; j++) {
        double t = xc[j];
        xc[j] = xp[j];
        xp[j] = t;
      }
    }
  }
  for (int i = 1; i < n; i++) {
    double *xi = x + (ptrdiff_t)i * k;
    for (int p = 0; p < i; p++) {
      const double *xp = x + (ptrdiff_t)p * k;
      double c = f[i * n + p];
      for (int j = 0; j < k; j++)
        xi[j] -= c * xp[j];
    }
  }
  for (int i = n - 1; i >= 0; i--) {
    double *xi = x + (ptrdiff_t)i * k;
    double r = 1.0 / f[i * n + i];
    for (int p = i + 1; p < n; p++) {
      const double *xp = x + (ptrdiff_t)p * k;
      double c = f[i * n + p];
      for (int j = 0; j < k; j++)
        xi[j] -= c * xp[j];
    }
    for (int j = 0; j < k; j++)
      xi[j] *= r;
  }
}

/* The products below start each accumulator from the first term rather than from zero: GCC turns
 * a loop of zero stores into a memset call, which costs more than a small product. */
static void zero(double *a, ptrdiff_t count)
{
  for (ptrdiff_t i = 0; i < count; i++)
    a[i] = 0.0;
}

static inline __attribute__((always_inline)) void mul_n(double *restrict c,
                                                        const double *restrict a,
                                                        const double *restrict b, int r, int m,
                                                        int n)
{
  for (int i = 0; i < r; i++) {
    double *ci = c + (ptrdiff_t)i * n;
    const double *ai = a + (ptrdiff_t)i * m;
    for (int j = 0; j < n; j++)
      ci[j] = ai[0] * b[j];
    for (int k = 1; k < m; k++) {
      const double *bk = b + (ptrdiff_t)k * n;
      double aik = ai[k];
      for (int j = 0; j < n; j++)
        ci[j] += aik * bk[j];
    }
  }
}

void tw_mat_mul(double *restrict c, const double *restrict a, const double *restrict b, int r,
                int m, int n)
{
  if (m < 1) {
    zero(c, (ptrdiff_t)r * n);
    return;
  }
  if (r == 9 && m == 9 && n == 9) /* constant sizes of the hot path: unrolled copies */
    mul_n(c, a, b, 9, 9, 9);
  else if (r == 6 && m == 3 && n == 6)
    mul_n(c, a, b, 6, 3, 6);
  else if (r == 3 && m == 6 && n == 3)
    mul_n(c, a, b, 3, 6, 3);
  else if (r == 9 && m == 3 && n == 9)
    mul_n(c, a, b, 9, 3, 9);
  else
    mul_n(c, a, b, r, m, n);
}

void tw_mat_mul_bt(double *restrict c, const double *restrict a, const double *restrict b, int r,
                   int m, int n)
{
  for (int i = 0; i < r; i++) {
    const double *ai = a + (ptrdiff_t)i * m;
    for (int j = 0; j < n; j++) {
      const double *bj = b + (ptrdiff_t)j * m;
      double s = 0.0;
      for (int k = 0; k < m; k++)
        s += ai[k] * bj[k];
      c[(ptrdiff_t)i * n + j] = s;
    }
  }
}

void tw_mat_mul_at(double *restrict c, const double *restrict a, const double *restrict b, int r,
                   int m, int n)
{
  if (r < 1) {
    zero(c, (ptrdiff_t)m * n);
    return;
  }
  for (int i = 0; i < m; i++) {
    double *ci = c + (ptrdiff_t)i * n;
    for (int j = 0; j < n; j++)
      ci[j] = a[i] * b[j];
  }
  for (int k = 1; k < r; k++) {
    const double *ak = a + (ptrdiff_t)k * m, *bk = b + (ptrdiff_t)k * n;
    for (int i = 0; i < m; i++) {
      double *ci = c + (ptrdiff_t)i * n;
      double aki = ak[i];
      for (int j = 0; j < n; j++)
        ci[j] += aki * bk[j];
    }
  }
}

void tw_mat_transpose(double *restrict at, const double *restrict a, int r, int c)
{
  for (int i = 0; i < r; i++)
    for (int j = 0; j < c; j++)
      at[(ptrdiff_t)j * r + i] = a[(ptrdiff_t)i * c + j];
}

void tw_mat_axpy(double *c, const double *a, double s, const double *b, int r, int cols)
{
  ptrdiff_t count = (ptrdiff_t)r * cols;
  for (ptrdiff_t i = 0; i < count; i++)
    c[i] = a[i] + s * b[i];
}

/* One row of a P at a time, so the scratch is a single row whatever m is; only j <= i is
 * computed and mirrored, which is what makes s exactly symmetric. */
/* The body, inlined into constant-size copies below: with m and n known the compiler unrolls
 * the loops (the estimation hot path uses 9 x 9, 6 x 6 and 3 x 9). */
static inline __attribute__((always_inline)) void sandwich_n(double *restrict s,
                                                             const double *restrict a,
                                                             const double *restrict p, int m,
                                                             int n)
{
  double t[TW_LINALG_MAX];
  for (int i = 0; i < m; i++) {
    const double *ai = a + (ptrdiff_t)i * n;
    for (int l = 0; l < n; l++)
      t[l] = ai[0] * p[l];
    for (int k = 1; k < n; k++) {
      const double *pk = p + (ptrdiff_t)k * n;
      double aik = ai[k];
      for (int l = 0; l < n; l++)
        t[l] += aik * pk[l];
    }
    for (int j = 0; j <= i; j++) {
      const double *aj = a + (ptrdiff_t)j * n;
      double v = 0.0;
      for (int l = 0; l < n; l++)
        v += t[l] * aj[l];
      s[(ptrdiff_t)i * m + j] = v;
      s[(ptrdiff_t)j * m + i] = v;
    }
  }
}

void tw_mat_sandwich(double *restrict s, const double *restrict a, const double *restrict p, int m,
                     int n)
{
  assert(n <= TW_LINALG_MAX && "tw_mat_sandwich: n > TW_LINALG_MAX");
  if (n > TW_LINALG_MAX) { /* without asserts: fail visibly rather than overrun */
    for (ptrdiff_t i = 0; i < (ptrdiff_t)m * m; i++)
      s[i] = NAN;
    return;
  }
  if (n < 1) {
    zero(s, (ptrdiff_t)m * m);
    return;
  }
  if (m == 9 && n == 9)
    sandwich_n(s, a, p, 9, 9);
  else if (m == 6 && n == 6)
    sandwich_n(s, a, p, 6, 6);
  else if (m == 3 && n == 9)
    sandwich_n(s, a, p, 3, 9);
  else if (m == 3 && n == 6)
    sandwich_n(s, a, p, 3, 6);
  else if (m == 6 && n == 3)
    sandwich_n(s, a, p, 6, 3);
  else
    sandwich_n(s, a, p, m, n);
}

void tw_mat_symmetrize(double *a, int n)
{
  for (int i = 0; i < n; i++)
    for (int j = 0; j < i; j++) {
      double v = 0.5 * (a[(ptrdiff_t)i * n + j] + a[(ptrdiff_t)j * n + i]);
      a[(ptrdiff_t)i * n + j] = v;
      a[(ptrdiff_t)j * n + i] = v;
    }
}

void tw_mat_identity(double *a, int n)
{
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++)
      a[(ptrdiff_t)i * n + j] = i == j ? 1.0 : 0.0;
}

static inline int chol_n(double *l, const double *a, int n)
{
  double f[NN], rd[TW_LINALG_MAX];
  int err = chol_factor(f, rd, a, n);
  if (err)
    return err;
  copy_lower(l, f, n);
  return 0;
}

/* The Cholesky-based functions give the 6-state case its own copy with a literal n, which the
 * compiler unrolls completely: about 1.5x faster than the general loops at that size. */
int tw_chol(double *l, const double *a, int n)
{
  if (bad_n(n))
    return TW_EINVAL;
  return n == 6 ? chol_n(l, a, 6) : chol_n(l, a, n);
}

/* Row by row; w holds row i of L times D, the partial sums that LDL^T would otherwise recompute
 * for every later column. Not on a hot path, so one general copy. */
int tw_ldlt(double *l, double *d, const double *a, int n)
{
  double f[NN], dd[TW_LINALG_MAX], rdd[TW_LINALG_MAX], w[TW_LINALG_MAX];
  if (bad_n(n))
    return TW_EINVAL;
  for (int i = 0; i < n; i++) {
    const double *ai = a + i * n;
    double *fi = f + i * n;
    for (int j = 0; j < i; j++) {
      const double *fj = f + j * n;
      double s = ai[j];
      for (int k = 0; k < j; k++)
        s -= w[k] * fj[k];
      w[j] = s;
      fi[j] = s * rdd[j];
    }
    double s = ai[i];
    for (int k = 0; k < i; k++)
      s -= w[k] * fi[k];
    /* Without pivoting a zero pivot cannot be stepped over; NaN and infinities are rejected for
     * the same reason as in chol_factor. */
    if (!good_pivot(fabs(s)))
      return TW_ESINGULAR;
    fi[i] = 1.0;
    dd[i] = s;
    rdd[i] = 1.0 / s;
  }
  copy_lower(l, f, n);
  memcpy(d, dd, sizeof *d * (size_t)n);
  return 0;
}

void tw_chol_solve(double *x, const double *l, const double *b, int n, int k)
{
  if (n < 1 || k < 1)
    return;
  if (x != b)
    memmove(x, b, sizeof *x * (size_t)n * (size_t)k);
  llt_solve_inplace(x, l, n, k);
}

/* A^-1 = L^-T L^-1 (LAPACK's dpotri route): W = L^-1 is built row by row, then W^T W is summed
 * as outer products of W's rows, so every inner loop runs along a contiguous row. */
static inline int spd_inv_n(double *ainv, const double *a, int n)
{
  double f[NN], rd[TW_LINALG_MAX], w[NN], v[NN];
  int err = chol_factor(f, rd, a, n);
  if (err)
    return err;
  for (int i = 0; i < n; i++) {
    const double *fi = f + i * n;
    double *wi = w + i * n;
    for (int j = 0; j < i; j++)
      wi[j] = 0.0;
    for (int k = 0; k < i; k++) {
      const double *wk = w + k * n;
      double c = fi[k];
      for (int j = 0; j <= k; j++)
        wi[j] += c * wk[j];
    }
    for (int j = 0; j < i; j++)
      wi[j] *= -rd[i];
    wi[i] = rd[i];
  }
  for (int i = 0; i < n * n; i++)
    v[i] = 0.0;
  for (int k = 0; k < n; k++) {
    const double *wk = w + k * n;
    for (int i = 0; i <= k; i++) {
      double *vi = v + i * n;
      double c = wk[i];
      for (int j = 0; j <= i; j++)
        vi[j] += c * wk[j];
    }
  }
  for (int i = 0; i < n; i++)
    for (int j = 0; j <= i; j++) {
      ainv[i * n + j] = v[i * n + j];
      ainv[j * n + i] = v[i * n + j];
    }
  return 0;
}

int tw_spd_inv(double *ainv, const double *a, int n)
{
  if (bad_n(n))
    return TW_EINVAL;
  return n == 6 ? spd_inv_n(ainv, a, 6) : spd_inv_n(ainv, a, n);
}

int tw_lu_solve(double *x, const double *a, const double *b, int n, int k)
{
  double f[NN];
  int piv[TW_LINALG_MAX];
  if (bad_n(n) || k < 1)
    return TW_EINVAL;
  memcpy(f, a, sizeof f[0] * (size_t)(n * n));
  int err = lu_factor(f, piv, n);
  if (err)
    return err;
  if (x != b)
    memmove(x, b, sizeof *x * (size_t)n * (size_t)k);
  lu_solve_inplace(x, f, piv, n, k);
  return 0;
}

int tw_mat_inv(double *ainv, const double *a, int n)
{
  double f[NN], x[NN];
  int piv[TW_LINALG_MAX];
  if (bad_n(n))
    return TW_EINVAL;
  memcpy(f, a, sizeof f[0] * (size_t)(n * n));
  int err = lu_factor(f, piv, n);
  if (err)
    return err;
  tw_mat_identity(x, n);
  lu_solve_inplace(x, f, piv, n, n);
  memcpy(ainv, x, sizeof *ainv * (size_t)(n * n));
  return 0;
}

double tw_mat_det(const double *a, int n)
{
  double f[NN];
  int piv[TW_LINALG_MAX];
  /* lu_factor fails a NaN pivot like a zero one, but such a determinant is NaN, not 0. */
  if (bad_n(n) || !all_finite(a, n * n))
    return NAN;
  memcpy(f, a, sizeof f[0] * (size_t)(n * n));
  if (lu_factor(f, piv, n))
    return 0.0;
  double det = 1.0;
  for (int i = 0; i < n; i++)
    det *= piv[i] != i ? -f[i * n + i] : f[i * n + i];
  return det;
}

/* One log of the product instead of n logs, which would cost more than the factorization; the
 * product's few ulps of rounding are harmless, and it is only trusted inside the normal range. */
static inline int logdet_n(double *logdet, const double *a, int n)
{
  double f[NN], rd[TW_LINALG_MAX];
  int err = chol_factor(f, rd, a, n);
  if (err)
    return err;
  double prod = 1.0;
  for (int i = 0; i < n; i++)
    prod *= f[i * n + i];
  if (prod >= DBL_MIN && prod <= DBL_MAX) {
    *logdet = 2.0 * log(prod);
  } else {
    double s = 0.0;
    for (int i = 0; i < n; i++)
      s += log(f[i * n + i]);
    *logdet = 2.0 * s;
  }
  return 0;
}

int tw_spd_logdet(double *logdet, const double *a, int n)
{
  if (bad_n(n))
    return TW_EINVAL;
  return n == 6 ? logdet_n(logdet, a, 6) : logdet_n(logdet, a, n);
}

/* x^T (L L^T)^-1 x = |L^-1 x|^2: one forward substitution, no back substitution. */
static inline int mahalanobis2_n(double *d2, const double *a, const double *x, int n)
{
  double f[NN], rd[TW_LINALG_MAX], y[TW_LINALG_MAX];
  int err = chol_factor(f, rd, a, n);
  if (err)
    return err;
  double acc = 0.0;
  for (int i = 0; i < n; i++) {
    const double *fi = f + i * n;
    double s = x[i];
    for (int k = 0; k < i; k++)
      s -= fi[k] * y[k];
    y[i] = s * rd[i];
    acc += y[i] * y[i];
  }
  *d2 = acc;
  return 0;
}

int tw_spd_mahalanobis2(double *d2, const double *a, const double *x, int n)
{
  if (bad_n(n))
    return TW_EINVAL;
  return n == 6 ? mahalanobis2_n(d2, a, x, 6) : mahalanobis2_n(d2, a, x, n);
}

double tw_v3_dot(const double a[3], const double b[3])
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

void tw_v3_cross(double c[3], const double a[3], const double b[3])
{
  /* Through locals so c may alias a or b. */
  double x = a[1] * b[2] - a[2] * b[1];
  double y = a[2] * b[0] - a[0] * b[2];
  double z = a[0] * b[1] - a[1] * b[0];
  c[0] = x;
  c[1] = y;
  c[2] = z;
}

double tw_v3_norm(const double a[3])
{
  return sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
}
