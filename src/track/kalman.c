/* kalman.c - covariance prediction, Joseph-form update, sigma points; contract in
 * triwatch/kalman.h. */
#include <math.h>
#include <string.h>

#include "triwatch/error.h"
#include "triwatch/kalman.h"

#define NMAX TW_LINALG_MAX
#define MMAX TW_KF_MAX_Z

void tw_kf_predict_cov(double *P, const double *F, const double *Q, int n)
{
  double fp[NMAX * NMAX];
  tw_mat_sandwich(fp, F, P, n, n);
  for (int i = 0; i < n * n; i++)
    P[i] = fp[i] + Q[i];
  tw_mat_symmetrize(P, n);
}

int tw_kf_gate(double *d2, double *S, const double *P, const double *y, const double *H,
               const double *R, int n, int m)
{
  if (n < 1 || n > NMAX || m < 1 || m > MMAX)
    return TW_EINVAL;
  double s[MMAX * MMAX];
  tw_mat_sandwich(s, H, P, m, n);
  for (int i = 0; i < m * m; i++)
    s[i] += R[i];
  int rc = tw_spd_mahalanobis2(d2, s, y, m);
  if (rc < 0)
    return rc;
  if (S)
    memcpy(S, s, sizeof(double) * (size_t)(m * m));
  return 0;
}

int tw_kf_update(double *x, double *P, const double *y, const double *H, const double *R, int n,
                 int m, double *nis)
{
  return tw_kf_update_ll(x, P, y, H, R, n, m, nis, NULL);
}

int tw_kf_update_ll(double *x, double *P, const double *y, const double *H, const double *R, int n,
                    int m, double *nis, double *logdet_s)
{
  if (n < 1 || n > NMAX || m < 1 || m > MMAX)
    return TW_EINVAL;
  double s[MMAX * MMAX], l[MMAX * MMAX], pht[NMAX * MMAX], kt[MMAX * NMAX];
  double k[NMAX * MMAX], ikh[NMAX * NMAX], pn[NMAX * NMAX], krk[NMAX * NMAX];
  double sy[MMAX];

  tw_mat_mul_bt(pht, P, H, n, n, m); /* P H^T: n x m */
  tw_mat_mul(s, H, pht, m, n, m);    /* H P H^T */
  for (int i = 0; i < m * m; i++)
    s[i] += R[i];
  tw_mat_symmetrize(s, m);
  int rc = tw_chol(l, s, m);
  if (rc < 0)
    return rc;
  /* K^T = S^-1 (P H^T)^T: solve with the Cholesky factor, m x n */
  tw_mat_transpose(kt, pht, n, m);
  tw_chol_solve(kt, l, kt, m, n);
  tw_mat_transpose(k, kt, m, n);
  if (logdet_s) {
    double ld = 0.0;
    for (int i = 0; i < m; i++)
      ld += log(l[i * m + i]);
    *logdet_s = 2.0 * ld;
  }
  if (nis) {
    tw_chol_solve(sy, l, y, m, 1);
    double d = 0.0;
    for (int i = 0; i < m; i++)
      d += y[i] * sy[i];
    *nis = d;
  }
  /* Joseph form */
  tw_mat_mul(ikh, k, H, n, m, n);
  for (int i = 0; i < n * n; i++)
    ikh[i] = -ikh[i];
  for (int i = 0; i < n; i++)
    ikh[i * n + i] += 1.0;
  tw_mat_sandwich(pn, ikh, P, n, n);
  tw_mat_sandwich(krk, k, R, n, m);
  for (int i = 0; i < n; i++) {
    double dx = 0.0;
    for (int j = 0; j < m; j++)
      dx += k[i * m + j] * y[j];
    x[i] += dx;
  }
  for (int i = 0; i < n * n; i++)
    P[i] = pn[i] + krk[i];
  tw_mat_symmetrize(P, n);
  return 0;
}

int tw_ukf_sigma_points(double *X, double *wm, double *wc, const double *x, const double *P,
                        int n, double alpha, double beta, double kappa)
{
  if (n < 1 || n > NMAX || !(alpha > 0.0))
    return TW_EINVAL;
  double lambda = alpha * alpha * (n + kappa) - n;
  double c = n + lambda;
  if (!(c > 0.0))
    return TW_EINVAL;
  double a[NMAX * NMAX], l[NMAX * NMAX];
  for (int i = 0; i < n * n; i++)
    a[i] = c * P[i];
  int rc = tw_chol(l, a, n);
  if (rc < 0)
    return rc;
  memcpy(X, x, sizeof(double) * (size_t)n);
  for (int j = 0; j < n; j++) /* columns of L */
    for (int i = 0; i < n; i++) {
      X[(1 + j) * n + i] = x[i] + l[i * n + j];
      X[(1 + n + j) * n + i] = x[i] - l[i * n + j];
    }
  wm[0] = lambda / c;
  wc[0] = lambda / c + (1.0 - alpha * alpha + beta);
  for (int i = 1; i <= 2 * n; i++)
    wm[i] = wc[i] = 0.5 / c;
  return 0;
}
