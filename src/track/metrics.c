/* metrics.c - statistics for scoring estimators; contract in triwatch/metrics.h.
 *
 * The chi-square CDF is the regularized lower incomplete gamma function, F(x; k) = P(k/2, x/2),
 * computed by its power series below x = a + 1 and from the complement Q by Legendre's continued
 * fraction (modified Lentz) above, where each converges fast. The quantile starts from the
 * Wilson-Hilferty cube-root normal approximation (or, deep in a small-dof lower tail where that
 * goes negative, from P(a, y) ~ y^a / Gamma(a + 1)) and is refined by Newton's method on whichever
 * tail is the smaller, so that p near 1 keeps its relative precision, inside a bisection bracket
 * that catches any step leaving it. */
#include <float.h>
#include <math.h>

#include "triwatch/metrics.h"

#define MAX_TERMS 100000 /* series / fraction terms: ~ 10 sqrt(a) are needed near x = a */
#define MAX_NEWTON 300
#define TINY 1e-300

/* log(y^a e^-y / Gamma(a)) */
static double log_prefix(double a, double y) { return a * log(y) - y - lgamma(a); }

/* P(a, y) and Q(a, y) = 1 - P, for a > 0, y > 0. */
static void incomplete_gamma(double a, double y, double *p, double *q)
{
  if (y < a + 1.0) {
    double term = 1.0 / a, sum = term;
    for (int n = 1; n < MAX_TERMS; n++) {
      term *= y / (a + n);
      sum += term;
      if (term < sum * DBL_EPSILON)
        break;
    }
    *p = sum * exp(log_prefix(a, y));
    *q = 1.0 - *p;
    return;
  }
  /* Q = prefix / (y + 1 - a - 1(1 - a) / (y + 3 - a - 2(2 - a) / (y + 5 - a - ...))) */
  double b = y + 1.0 - a, c = 1.0 / TINY, d = 1.0 / b, f = d;
  for (int i = 1; i < MAX_TERMS; i++) {
    double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (fabs(d) < TINY)
      d = TINY;
    c = b + an / c;
    if (fabs(c) < TINY)
      c = TINY;
    d = 1.0 / d;
    double delta = d * c;
    f *= delta;
    if (fabs(delta - 1.0) < DBL_EPSILON)
      break;
  }
  *q = f * exp(log_prefix(a, y));
  *p = 1.0 - *q;
}

/* Standard normal quantile to ~5e-4 (Abramowitz & Stegun 26.2.23): only a starting point. */
static double normal_quantile_rough(double p)
{
  double pp = p < 0.5 ? p : 1.0 - p;
  double t = sqrt(-2.0 * log(pp));
  double z = t - (2.515517 + t * (0.802853 + t * 0.010328)) /
                   (1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308)));
  return p < 0.5 ? -z : z;
}

double tw_chi2_quantile(double p, double dof)
{
  if (!(p >= 0.0 && p <= 1.0) || !(dof > 0.0) || isinf(dof))
    return NAN;
  if (p == 0.0)
    return 0.0;
  if (p == 1.0)
    return INFINITY;
  double a = dof / 2.0;
  double z = normal_quantile_rough(p), c = 2.0 / (9.0 * dof);
  double x = 1.0 - c + z * sqrt(c);
  x = dof * x * x * x;
  if (!(x > 0.0)) {
    x = 2.0 * exp((log(p) + lgamma(a + 1.0)) / a);
    if (!(x > 0.0))
      return 0.0; /* below the smallest double */
  }
  /* g(x) increases with x and vanishes at the answer */
  int upper = p > 0.5;
  double target = upper ? 1.0 - p : p;
  double lo = 0.0, hi = INFINITY;
  for (int it = 0; it < MAX_NEWTON; it++) {
    double pl, qu;
    incomplete_gamma(a, x / 2.0, &pl, &qu);
    double g = upper ? target - qu : pl - target;
    if (g == 0.0)
      return x;
    if (g < 0.0)
      lo = x;
    else
      hi = x;
    double pdf = exp(log_prefix(a, x / 2.0)) / x;
    double xn = x - g / pdf;
    if (!(xn > lo && xn < hi))
      xn = isinf(hi) ? 2.0 * x : 0.5 * (lo + hi);
    if (fabs(xn - x) <= 4.0 * DBL_EPSILON * x || hi - lo <= 4.0 * DBL_EPSILON * x)
      return xn;
    x = xn;
  }
  return x;
}
