/* triwatch/linalg.h - small dense linear algebra for estimation, on the caller's stack.
 *
 * Matrices are row-major arrays of double, n <= TW_LINALG_MAX (9), owned by the caller:
 * element (i, j) of an r x c matrix a is a[i * c + j]. No function allocates. Output arrays may
 * alias inputs only where a function says so. Symmetric inputs are read from both triangles
 * unless stated. On error the outputs are unchanged. "n out of range" below means n < 1 or
 * n > TW_LINALG_MAX. The void functions cannot fail: the products take any sizes, and the one
 * limit among them, tw_mat_sandwich's n <= TW_LINALG_MAX, is asserted (with asserts off, s is
 * filled with NaN). */
#ifndef TRIWATCH_LINALG_H
#define TRIWATCH_LINALG_H

#include "triwatch/visibility.h"

#define TW_LINALG_MAX 9

/* c (r x n) = a (r x m) * b (m x n). c must not alias a or b. */
TW_API void tw_mat_mul(double *c, const double *a, const double *b, int r, int m, int n);
/* c (r x n) = a (r x m) * b^T, b being n x m. c must not alias a or b. */
TW_API void tw_mat_mul_bt(double *c, const double *a, const double *b, int r, int m, int n);
/* c (m x n) = a^T * b, a being r x m and b r x n. c must not alias a or b. */
TW_API void tw_mat_mul_at(double *c, const double *a, const double *b, int r, int m, int n);
/* at (c x r) = a^T, a being r x c. at must not alias a. */
TW_API void tw_mat_transpose(double *at, const double *a, int r, int c);
/* c = a + s * b, all r x c; c may alias a or b. */
TW_API void tw_mat_axpy(double *c, const double *a, double s, const double *b, int r, int cols);
/* Symmetric product: s (m x m) = a (m x n) * p (n x n) * a^T; p symmetric, n <= TW_LINALG_MAX,
 * m unbounded. s is symmetric exactly (the lower triangle is mirrored). s must not alias a or p. */
TW_API void tw_mat_sandwich(double *s, const double *a, const double *p, int m, int n);
/* Make a (n x n) exactly symmetric: a = (a + a^T) / 2. */
TW_API void tw_mat_symmetrize(double *a, int n);
/* a = I (n x n). */
TW_API void tw_mat_identity(double *a, int n);

/* Cholesky: a (n x n, symmetric positive definite) = L L^T; l receives L (lower, upper zeroed).
 * Only the lower triangle of a is read (as for every Cholesky-based function below). l may alias
 * a. Returns 0, TW_ENOTPD if a pivot is not a positive finite number (a not positive definite, or
 * a NaN or infinity in the lower triangle), TW_EINVAL if n is out of range. */
TW_API int tw_chol(double *l, const double *a, int n);
/* LDL^T: a (n x n, symmetric, non-singular pivots) = L D L^T with unit lower L; l receives L
 * (upper zeroed), d receives the n diagonal entries of D. Only the lower triangle of a is read.
 * l may alias a. Returns 0, TW_ESINGULAR if a pivot is zero or not finite, TW_EINVAL if n is out
 * of range. Works for indefinite matrices without pivoting, so it is only as stable as the
 * leading minors are far from singular. */
TW_API int tw_ldlt(double *l, double *d, const double *a, int n);
/* Solve a x = b for x (n x k), given l = chol(a) (only its lower triangle is read). x may alias
 * b. No size limit and nothing to check: l from a successful tw_chol has a positive diagonal. */
TW_API void tw_chol_solve(double *x, const double *l, const double *b, int n, int k);
/* Inverse of a symmetric positive definite matrix: ainv (n x n) via Cholesky; may alias a.
 * Returns 0 or TW_ENOTPD / TW_EINVAL. The result is exactly symmetric. */
TW_API int tw_spd_inv(double *ainv, const double *a, int n);
/* General solve a x = b (a n x n, b n x k) by LU with partial pivoting; x may alias b.
 * Returns 0, TW_ESINGULAR if a pivot is exactly zero or a has a NaN or infinite entry, TW_EINVAL
 * if n is out of range or k < 1. Near-singular matrices are not detected (as in LAPACK). */
TW_API int tw_lu_solve(double *x, const double *a, const double *b, int n, int k);
/* General inverse by LU with partial pivoting; ainv may alias a. Returns 0, TW_ESINGULAR (as for
 * tw_lu_solve), TW_EINVAL. */
TW_API int tw_mat_inv(double *ainv, const double *a, int n);
/* Determinant of a general n x n matrix by LU (0 when a pivot is exactly zero); NaN if n is out
 * of range or a has a NaN or infinite entry. */
TW_API double tw_mat_det(const double *a, int n);
/* log(det(a)) of a symmetric positive definite matrix via Cholesky; returns 0 and stores it in
 * *logdet, or TW_ENOTPD / TW_EINVAL. */
TW_API int tw_spd_logdet(double *logdet, const double *a, int n);
/* Quadratic form x^T a^-1 x for symmetric positive definite a (n x n) via Cholesky: the squared
 * Mahalanobis distance. Returns 0 and stores it in *d2, or TW_ENOTPD / TW_EINVAL. */
TW_API int tw_spd_mahalanobis2(double *d2, const double *a, const double *x, int n);

/* 3-vectors. tw_v3_cross's c may alias a or b. */
TW_API double tw_v3_dot(const double a[3], const double b[3]);
TW_API void tw_v3_cross(double c[3], const double a[3], const double b[3]);
TW_API double tw_v3_norm(const double a[3]);

#endif
