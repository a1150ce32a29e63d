/* dynamics.c - free-flight equations of motion; contract in triwatch/dynamics.h. */
#include <math.h>

#include "triwatch/atmosphere.h"
#include "triwatch/dynamics.h"
#include "triwatch/geo.h"

/* The radial height r - rho (rho: the ellipsoid's radius under r) overstates the geodetic height
 * because the ellipsoid normal there is tilted from the radius by delta, tan delta =
 * e2 sin cos / (1 - e2 cos^2) (geocentric latitude), up to 3.4e-3 rad: by h delta^2 / 2, 4.9 m at
 * 1,000 km and 45 degrees. Treating the meridian near the foot as a circle of radius ~rho, the
 * height above it is h (1 - delta^2 / 2 * rho / r), which leaves under 2 mm at 1,000 km (7 cm at
 * GEO) and needs no trigonometry. */
double tw_height_fast(const double r[3])
{
  double p2 = r[0] * r[0] + r[1] * r[1], z2 = r[2] * r[2];
  double r2 = p2 + z2;
  double c2 = (r2 > 0.0) ? p2 / r2 : 0.0; /* cos^2 of the geocentric latitude */
  double k = 1.0 - TW_WGS84_E2 * c2;
  double rn = sqrt(r2), rho = TW_WGS84_B / sqrt(k);
  double h = rn - rho;
  if (!(r2 > 0.0))
    return h;
  double tan2 = TW_WGS84_E2 * TW_WGS84_E2 * (p2 / r2) * (z2 / r2) / (k * k);
  return h - 0.5 * h * tan2 * rho / rn;
}

void tw_dynamics_accel(double a[3], const tw_dynamics *d, const double r[3], const double v[3])
{
  const double w = TW_WGS84_OMEGA;
  tw_gravity_accel(a, r, d->gravity);

  double vr[3] = {v[0], v[1], v[2]}; /* velocity relative to the air */
  if (d->frame == TW_FRAME_ECEF) {
    a[0] += 2.0 * w * v[1] + w * w * r[0];
    a[1] += -2.0 * w * v[0] + w * w * r[1];
  } else {
    vr[0] += w * r[1];
    vr[1] -= w * r[0];
  }
  if (d->beta_kg_m2 > 0.0) {
    double h = tw_height_fast(r);
    if (h < 1000e3) {
      double rho = tw_atmos_density(h);
      double s = sqrt(vr[0] * vr[0] + vr[1] * vr[1] + vr[2] * vr[2]);
      double k = -0.5 * rho * s / d->beta_kg_m2;
      a[0] += k * vr[0];
      a[1] += k * vr[1];
      a[2] += k * vr[2];
    }
  }
}

int tw_dynamics_rhs(double t, const double *y, double *dydt, void *ctx)
{
  (void)t;
  dydt[0] = y[3];
  dydt[1] = y[4];
  dydt[2] = y[5];
  tw_dynamics_accel(dydt + 3, (const tw_dynamics *)ctx, y, y + 3);
  return 0;
}

double tw_dynamics_energy(const tw_dynamics *d, const double r[3], const double v[3])
{
  double e = 0.5 * (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]) + tw_gravity_potential(r, d->gravity);
  if (d->frame == TW_FRAME_ECEF)
    e -= 0.5 * TW_WGS84_OMEGA * TW_WGS84_OMEGA * (r[0] * r[0] + r[1] * r[1]);
  return e;
}
