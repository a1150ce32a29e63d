/* triwatch/metrics.h - statistics for scoring estimators: error metrics and the distributions
 * their consistency tests need.
 *
 * Today: the chi-square quantile, for NEES/NIS acceptance intervals (the mean NEES of N runs of
 * an n-dof state lies, with 95% probability, in [chi2(0.025, nN), chi2(0.975, nN)] / N).
 * Pure functions, no allocation, no state. */
#ifndef TRIWATCH_METRICS_H
#define TRIWATCH_METRICS_H

#include "triwatch/visibility.h"

/* Quantile of the chi-square distribution with dof degrees of freedom (any real dof > 0): the x
 * with P(X <= x) = p. Accurate to about 1e-12 relative for dof up to 1e5. Returns 0 for p = 0,
 * +INFINITY for p = 1, and NaN if p is outside [0, 1], dof <= 0, or either is NaN or infinite. */
TW_API double tw_chi2_quantile(double p, double dof);

#endif
