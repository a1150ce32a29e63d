/* gravity.c - point-mass and zonal (J2..J4) gravity; contract in triwatch/gravity.h. */
#include <math.h>

#include "triwatch/geo.h"
#include "triwatch/gravity.h"

/* a = -grad V with V = -mu/r [1 - sum_n Jn (R/r)^n Pn(z/r)], expanded by hand per term so the
 * common powers are computed once; tests check it against a numerical gradient of V. */
void tw_gravity_accel(double a[3], const double r[3], enum tw_gravity_model model)
{
  const double mu = TW_WGS84_GM, re = TW_WGS84_A;
  double r2 = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
  double rn = sqrt(r2);
  double mu_r3 = mu / (r2 * rn);
  double fxy = 1.0, fz = 1.0; /* multipliers of -mu x / r^3 (x, y) and -mu z / r^3 (z) */
  double fz0 = 0.0;           /* extra z term not proportional to z: -mu/r^2 * fz0 */

  if (model >= TW_GRAVITY_J2) {
    double s = r[2] / rn, s2 = s * s;
    double q = re / rn, q2 = q * q;
    fxy += 1.5 * TW_J2 * q2 * (1.0 - 5.0 * s2);
    fz += 1.5 * TW_J2 * q2 * (3.0 - 5.0 * s2);
    if (model >= TW_GRAVITY_J4) {
      double q3 = q2 * q, q4 = q2 * q2, s4 = s2 * s2;
      fxy += 2.5 * TW_J3 * q3 * (3.0 * s - 7.0 * s2 * s);
      fz0 += 2.5 * TW_J3 * q3 * (6.0 * s2 - 7.0 * s4 - 0.6);
      fxy -= 0.625 * TW_J4 * q4 * (3.0 - 42.0 * s2 + 63.0 * s4);
      fz -= 0.625 * TW_J4 * q4 * (15.0 - 70.0 * s2 + 63.0 * s4);
    }
  }
  a[0] = -mu_r3 * r[0] * fxy;
  a[1] = -mu_r3 * r[1] * fxy;
  a[2] = -mu_r3 * r[2] * fz - mu / r2 * fz0;
}

double tw_gravity_potential(const double r[3], enum tw_gravity_model model)
{
  const double mu = TW_WGS84_GM, re = TW_WGS84_A;
  double rn = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
  double s = r[2] / rn, s2 = s * s, q = re / rn;
  double sum = 0.0;
  if (model >= TW_GRAVITY_J2)
    sum += TW_J2 * q * q * 0.5 * (3.0 * s2 - 1.0);
  if (model >= TW_GRAVITY_J4) {
    sum += TW_J3 * q * q * q * 0.5 * (5.0 * s2 * s - 3.0 * s);
    sum += TW_J4 * q * q * q * q * 0.125 * (35.0 * s2 * s2 - 30.0 * s2 + 3.0);
  }
  return -mu / rn * (1.0 - sum);
}
