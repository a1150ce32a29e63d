/* geo.c - WGS-84 frames and geodesics (contract in triwatch/geo.h). */
#include <math.h>

#include "triwatch/geo.h"

double tw_wrap_pi(double a)
{
  a = fmod(a, 2.0 * TW_PI);
  if (a <= -TW_PI)
    a += 2.0 * TW_PI;
  else if (a > TW_PI)
    a -= 2.0 * TW_PI;
  return a;
}

double tw_wrap_2pi(double a)
{
  a = fmod(a, 2.0 * TW_PI);
  if (a < 0.0)
    a += 2.0 * TW_PI;
  if (a >= 2.0 * TW_PI) /* fmod of a tiny negative number rounds up */
    a = 0.0;
  return a;
}

void tw_geo_to_ecef(double r[3], const tw_geodetic *g)
{
  double sl = sin(g->lat_rad), cl = cos(g->lat_rad);
  double n = TW_WGS84_A / sqrt(1.0 - TW_WGS84_E2 * sl * sl); /* prime vertical radius */
  r[0] = (n + g->h_m) * cl * cos(g->lon_rad);
  r[1] = (n + g->h_m) * cl * sin(g->lon_rad);
  r[2] = (n * (1.0 - TW_WGS84_E2) + g->h_m) * sl;
}

/* Newton iteration on the parametric form: start from Bowring's estimate, which is already
 * within a millimetre near the surface; three more steps reach machine precision everywhere
 * outside a small sphere at the centre (handled apart). */
void tw_ecef_to_geo(tw_geodetic *g, const double r[3])
{
  const double a = TW_WGS84_A, b = TW_WGS84_B, e2 = TW_WGS84_E2;
  const double ep2 = e2 / (1.0 - e2);
  double p = hypot(r[0], r[1]);
  double lon = (p > 0.0) ? atan2(r[1], r[0]) : 0.0;

  if (p < 1e-9) { /* on the polar axis */
    g->lat_rad = (r[2] >= 0.0) ? TW_PI / 2 : -TW_PI / 2;
    g->lon_rad = 0.0;
    g->h_m = fabs(r[2]) - b;
    return;
  }
  double beta = atan2(r[2] * a, p * b); /* reduced latitude, first guess */
  double lat = 0.0;
  for (int i = 0; i < 4; i++) {
    double sb = sin(beta), cb = cos(beta);
    lat = atan2(r[2] + ep2 * b * sb * sb * sb, p - e2 * a * cb * cb * cb);
    double nb = atan2(b * sin(lat), a * cos(lat));
    if (fabs(nb - beta) < 1e-15)
      break;
    beta = nb;
  }
  double sl = sin(lat), cl = cos(lat);
  double n = a / sqrt(1.0 - e2 * sl * sl);
  double h;
  if (fabs(cl) > 0.5)
    h = p / cl - n;
  else
    h = r[2] / sl - n * (1.0 - e2);
  g->lat_rad = lat;
  g->lon_rad = lon;
  g->h_m = h;
}

void tw_geo_up(double up[3], double lat_rad, double lon_rad)
{
  double cl = cos(lat_rad);
  up[0] = cl * cos(lon_rad);
  up[1] = cl * sin(lon_rad);
  up[2] = sin(lat_rad);
}

void tw_enu_basis(double m[9], double lat_rad, double lon_rad)
{
  double sl = sin(lat_rad), cl = cos(lat_rad), so = sin(lon_rad), co = cos(lon_rad);
  m[0] = -so;      m[1] = co;       m[2] = 0.0;  /* east */
  m[3] = -sl * co; m[4] = -sl * so; m[5] = cl;   /* north */
  m[6] = cl * co;  m[7] = cl * so;  m[8] = sl;   /* up */
}
