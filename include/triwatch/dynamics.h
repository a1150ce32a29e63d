/* triwatch/dynamics.h - equations of motion of a body in free flight: gravity (point mass or
 * zonal J2..J4), drag through the 1976 standard atmosphere, in a rotating (ECEF) or an inertial
 * (ECI) frame. State y = [r (m), v (m/s)], six values, in that frame. */
#ifndef TRIWATCH_DYNAMICS_H
#define TRIWATCH_DYNAMICS_H

#include "triwatch/gravity.h"
#include "triwatch/visibility.h"

enum tw_frame {
  TW_FRAME_ECEF = 0, /* rotating with the Earth: Coriolis and centrifugal terms added */
  TW_FRAME_ECI = 1   /* inertial, sharing ECEF's z axis; the atmosphere turns with the Earth */
};

typedef struct tw_dynamics {
  enum tw_frame frame;
  enum tw_gravity_model gravity;
  double beta_kg_m2; /* ballistic coefficient m / (Cd A); 0 means no drag */
} tw_dynamics;

/* Height above the ellipsoid from the geocentric radius, corrected for the tilt of the
 * ellipsoid normal: within 2 mm of the geodetic height at 1,000 km, without trigonometry. For
 * the right-hand side's drag term, where speed matters. */
TW_API double tw_height_fast(const double r[3]);

/* Acceleration of a body at (r, v) under d, without thrust. */
TW_API void tw_dynamics_accel(double a[3], const tw_dynamics *d, const double r[3],
                              const double v[3]);
/* tw_ode_fn for the same: ctx is a const tw_dynamics *. Always returns 0. */
TW_API int tw_dynamics_rhs(double t, const double *y, double *dydt, void *ctx);

/* Specific mechanical energy in the rotating frame (Jacobi integral: v^2/2 + V(r)
 * - |omega x r|^2 / 2), conserved by drag-free ECEF motion; in ECI simply v^2/2 + V(r). */
TW_API double tw_dynamics_energy(const tw_dynamics *d, const double r[3], const double v[3]);

#endif
