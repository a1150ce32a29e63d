/* gospa.c - GOSPA metric with alpha = 2 as one assignment problem; contract in
 * triwatch/gospa.h.
 *
 * GOSPA^p = min_g sum_g d_ij^p + c^p/2 (nx - |g|) + c^p/2 (ny - |g|). tw_assign charges a miss
 * per unassigned row and nothing per unassigned column, so the true points are the rows, each
 * pair costs d_ij^p, and a row's miss costs c^p: that total is sum_g d^p + c^p (nx - |g|), which
 * differs from GOSPA^p by the constant c^p/2 (ny - nx) and so has the same minimiser. Pairs with
 * d_ij >= c are forbidden: they can cost no less than the miss and false estimate they replace.
 *
 * Everything is scaled by c: entries (d_ij / c)^p in [0, 1), miss cost 1. The assignment then
 * sees numbers of one magnitude whatever the units, c^p never has to be formed for the solver,
 * and a coordinate difference that overflows simply lands outside the gate. The result is
 * d = c * (sum_g (d/c)^p + (miss + fa) / 2)^(1/p).
 *
 * Workspace: double cost[nx * ny], int row_to_col[nx], then tw_assign's (which aligns itself). */
#include <math.h>
#include <stdint.h>

#include "triwatch/assign.h"
#include "triwatch/error.h"
#include "triwatch/gospa.h"

#define ALIGN_SLACK (_Alignof(double) - 1)

size_t tw_gospa_workspace(int nx, int ny)
{
  size_t assign = tw_assign_workspace(nx, ny);
  if (assign == 0)
    return 0;
  size_t r = (size_t)nx, n = (size_t)ny;
  if (n != 0 && r > (SIZE_MAX / 4) / sizeof(double) / n)
    return 0;
  size_t cells = r * n * sizeof(double), rows = r * sizeof(int);
  if (cells > SIZE_MAX / 4 || rows > SIZE_MAX / 4 || assign > SIZE_MAX / 4)
    return 0;
  return ALIGN_SLACK + cells + rows + assign;
}

static int all_finite(const double *a, size_t count)
{
  for (size_t k = 0; k < count; k++)
    if (!isfinite(a[k]))
      return 0;
  return 1;
}

int tw_gospa(double *d, const double *x, int nx, const double *y, int ny, int dim, double c,
             double p, double *loc, double *miss, double *fa, void *work, size_t work_size)
{
  if (!d || !work || nx < 0 || ny < 0 || dim < 1 || (!x && nx > 0) || (!y && ny > 0))
    return TW_EINVAL;
  if (!(isfinite(c) && c > 0.0) || !(isfinite(p) && p >= 1.0))
    return TW_EINVAL;
  size_t need = tw_gospa_workspace(nx, ny);
  if (need == 0 || work_size < need)
    return TW_EINVAL;
  if ((size_t)dim > SIZE_MAX / sizeof(double) / ((size_t)(nx > ny ? nx : ny) + 1))
    return TW_EINVAL;
  if ((nx && !all_finite(x, (size_t)nx * (size_t)dim)) ||
      (ny && !all_finite(y, (size_t)ny * (size_t)dim)))
    return TW_EINVAL;

  uintptr_t base = ((uintptr_t)work + ALIGN_SLACK) & ~(uintptr_t)ALIGN_SLACK;
  double *cost = (double *)base;
  int *row_to_col = (int *)(cost + (size_t)nx * (size_t)ny);
  void *assign_work = row_to_col + nx;
  size_t assign_size = work_size - (size_t)((char *)assign_work - (char *)work);

  const double half_p = 0.5 * p;
  for (int i = 0; i < nx; i++) {
    const double *xi = x + (size_t)i * (size_t)dim;
    for (int j = 0; j < ny; j++) {
      const double *yj = y + (size_t)j * (size_t)dim;
      double r2 = 0.0; /* (||x_i - y_j|| / c)^2 */
      for (int k = 0; k < dim; k++) {
        double t = (xi[k] - yj[k]) / c;
        r2 += t * t;
      }
      double e = INFINITY;
      if (r2 < 1.0)
        e = p == 2.0 ? r2 : pow(r2, half_p);
      cost[(size_t)i * (size_t)ny + (size_t)j] = e;
    }
  }

  int rc = tw_assign(cost, nx, ny, 1.0, row_to_col, NULL, assign_work, assign_size);
  if (rc < 0)
    return rc; /* cannot happen: every argument was checked above */

  double sum = 0.0; /* sum of (d/c)^p over the pairs */
  int n_pairs = 0;
  for (int i = 0; i < nx; i++) {
    int j = row_to_col[i];
    if (j >= 0) {
      sum += cost[(size_t)i * (size_t)ny + (size_t)j];
      n_pairs++;
    }
  }
  double n_miss = (double)(nx - n_pairs), n_fa = (double)(ny - n_pairs);
  double inner = sum + 0.5 * (n_miss + n_fa);
  *d = c * (p == 2.0 ? sqrt(inner) : p == 1.0 ? inner : pow(inner, 1.0 / p));
  if (loc)
    *loc = pow(c, p) * sum;
  if (miss)
    *miss = n_miss;
  if (fa)
    *fa = n_fa;
  return 0;
}
