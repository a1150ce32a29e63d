/* triwatch/gospa.h - the generalized optimal sub-pattern assignment (GOSPA) metric between a set of
 * true points and a set of estimates, with alpha = 2 (Rahmathullah, Garcia-Fernandez and
 * Svensson, "Generalized optimal sub-pattern assignment metric", FUSION 2017).
 *
 * For true points X = {x_1..x_nx} and estimates Y = {y_1..y_ny} in R^dim, cut-off c > 0 and order
 * p >= 1:
 *
 *   d(X, Y) = ( min over assignments g of  sum_{(i,j) in g} ||x_i - y_j||^p
 *                                        + c^p / 2 * (#missed + #false) )^(1/p)
 *
 * where g pairs true points with estimates one to one, only pairs closer than c may be paired,
 * #missed = nx - |g| true points are left unpaired and #false = ny - |g| estimates. (A pair at
 * distance >= c would cost at least c^p, the same as one miss and one false estimate.) This is
 * the alpha = 2 case of the paper's definition with distances cut off at c, and with alpha = 2
 * GOSPA is a metric on finite sets: zero only for equal sets, symmetric, triangle inequality. The
 * distance is Euclidean in the caller's units; d is in the same units.
 *
 * The optimal g is found by tw_assign (triwatch/assign.h) on the (||x_i - y_j|| / c)^p matrix,
 * so the cost is that of one assignment of nx rows and ny columns, and the memory the caller's
 * workspace: nx * ny doubles plus tw_assign's. Nothing is allocated. */
#ifndef TRIWATCH_GOSPA_H
#define TRIWATCH_GOSPA_H

#include <stddef.h>

#include "triwatch/visibility.h"

/* Bytes of workspace tw_gospa needs for nx true points and ny estimates, alignment slack
 * included (any pointer will do as work); 0 if either is negative or the size does not fit in
 * size_t. */
TW_API size_t tw_gospa_workspace(int nx, int ny);

/* GOSPA (alpha = 2) of the nx true points x and the ny estimates y, each a row of dim values
 * (row-major). *d receives the metric; the optional outputs (each may be NULL) its parts: *loc
 * the sum of ||x_i - y_j||^p over the paired points (all closer than c), *miss the number of true
 * points left unpaired, *fa the number of estimates left unpaired, so that
 * d^p = loc + c^p / 2 * (miss + fa) up to rounding. x may be NULL when nx is 0, y when ny is 0.
 * work is scratch of work_size >= tw_gospa_workspace(nx, ny) bytes, clobbered.
 * Returns 0, or TW_EINVAL for d or work NULL, nx or ny negative, dim < 1, c not a finite number
 * > 0, p not a finite number >= 1, a coordinate NaN or infinite, or the workspace too small; the
 * outputs are then unchanged. *loc overflows to infinity only if c^p does. */
TW_API int tw_gospa(double *d, const double *x, int nx, const double *y, int ny, int dim, double c,
                    double p, double *loc, double *miss, double *fa, void *work, size_t work_size);

#endif
