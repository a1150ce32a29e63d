/* triwatch/kalman.h - the Kalman filter building blocks every tracker here shares: covariance
 * prediction, the Joseph-form measurement update, and scaled unscented sigma points.
 *
 * Sizes: state n <= TW_LINALG_MAX (9), measurement m <= 6. Row-major arrays owned by the caller,
 * no allocation. The model (f, h, their Jacobians) stays with the caller: these functions only do
 * the algebra, so the same code serves the 2-D Farina benchmark and the ECEF trackers. On error
 * x and P are unchanged. */
#ifndef TRIWATCH_KALMAN_H
#define TRIWATCH_KALMAN_H

#include "triwatch/linalg.h"
#include "triwatch/visibility.h"

#define TW_KF_MAX_Z 6

/* P = F P F^T + Q (n x n); the result is exactly symmetric. */
TW_API void tw_kf_predict_cov(double *P, const double *F, const double *Q, int n);

/* Measurement update with innovation y = z - h(x) (m values; the caller wraps angles),
 * Jacobian H (m x n) and noise R (m x m), in Joseph form
 * P = (I - K H) P (I - K H)^T + K R K^T, which stays symmetric positive semi-definite under
 * rounding. *nis (may be NULL) receives y^T S^-1 y. Returns 0, TW_ENOTPD if S = H P H^T + R is
 * not positive definite, or TW_EINVAL. */
TW_API int tw_kf_update(double *x, double *P, const double *y, const double *H, const double *R,
                        int n, int m, double *nis);

/* tw_kf_update that also gives log det S (may be NULL): with *nis, the measurement's
 * log-likelihood -(nis + logdet_s + m ln 2 pi) / 2, as an IMM needs it, for one factorisation. */
TW_API int tw_kf_update_ll(double *x, double *P, const double *y, const double *H, const double *R,
                           int n, int m, double *nis, double *logdet_s);

/* Innovation covariance S = H P H^T + R and y^T S^-1 y for gating, without updating.
 * Returns 0 or TW_ENOTPD / TW_EINVAL; S (m x m) may be NULL. */
TW_API int tw_kf_gate(double *d2, double *S, const double *P, const double *y, const double *H,
                      const double *R, int n, int m);

/* Scaled unscented sigma points (Van der Merwe): X receives 2n + 1 rows of n values,
 * wm and wc the 2n + 1 mean and covariance weights. alpha (0, 1], beta (2 for Gaussians),
 * kappa (0 or 3 - n). Returns 0 or TW_ENOTPD if P is not positive definite. */
TW_API int tw_ukf_sigma_points(double *X, double *wm, double *wc, const double *x, const double *P,
                               int n, double alpha, double beta, double kappa);

#endif
