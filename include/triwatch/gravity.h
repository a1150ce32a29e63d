/* triwatch/gravity.h - Earth gravity: point mass, or zonal harmonics J2..J4 (WGS-84 / EGM96).
 *
 * Zonal terms are symmetric about the rotation axis, so the same acceleration holds in ECEF and
 * in our ECI (both share the z axis). Positions in metres, accelerations in m/s^2. */
#ifndef TRIWATCH_GRAVITY_H
#define TRIWATCH_GRAVITY_H

#include "triwatch/visibility.h"

#define TW_J2 1.08262982e-3   /* = -sqrt(5) * C20, EGM96 normalised C20 = -4.84165e-4 */
#define TW_J3 (-2.53243535e-6)
#define TW_J4 (-1.61933120e-6)

enum tw_gravity_model {
  TW_GRAVITY_POINT = 0, /* mu / r^2 */
  TW_GRAVITY_J2 = 2,    /* point mass + J2 */
  TW_GRAVITY_J4 = 4     /* point mass + J2, J3, J4 (the default for truth) */
};

/* Gravitational acceleration (not including centrifugal) at r. r must be non-zero. */
TW_API void tw_gravity_accel(double a[3], const double r[3], enum tw_gravity_model model);
/* Gravitational potential energy per unit mass (J/kg, negative) of the same model, a = -grad V. */
TW_API double tw_gravity_potential(const double r[3], enum tw_gravity_model model);

#endif
