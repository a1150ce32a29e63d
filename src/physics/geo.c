/* geo.c - WGS-84 frames and geodesics (contract in triwatch/geo.h). */
#include <geodesic.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>

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

/* The parametric angle t in [0, pi/2] of the point (A cos t, B sin t) of an ellipse nearest to
 * (P, Z), P > 0, Z >= 0: the one root in [0, pi/2] of
 *   f(t) = A P sin t - B Z cos t - (A^2 - B^2) sin t cos t,   f(0) <= 0 <= f(pi/2).
 * Newton from Bowring's start (exact on the ellipse) takes two or three steps. Near the centre
 * (inside the evolute, 43 km across, where f has several roots in [-pi, pi] and Bowring's
 * fixed-point iteration diverges) the root stays bracketed and a bad step becomes bisection. */
static double foot_angle(double A, double B, double P, double Z)
{
  const double c2 = A * A - B * B;
  double lo = 0.0, hi = TW_PI / 2;
  double t = atan2(A * Z, B * P);
  for (int i = 0; i < 100; i++) {
    double st = sin(t), ct = cos(t);
    double f = A * P * st - B * Z * ct - c2 * st * ct;
    double df = A * P * ct + B * Z * st - c2 * (ct * ct - st * st);
    if (f == 0.0)
      break;
    if (f < 0.0)
      lo = t;
    else
      hi = t;
    double next = t - f / df;
    int newton = next > lo && next < hi; /* false also for df == 0 and NaN */
    if (!newton)
      next = 0.5 * (lo + hi);
    double step = fabs(next - t);
    t = next;
    /* A Newton step of 1e-10 leaves an error near 1e-20 (f''/f' is of order one here); a
     * bracket of 1e-15 rad is 6 nm on the Earth. */
    if (newton ? step < 1e-10 : !(hi - lo > 1e-15))
      break;
  }
  return t;
}

/* The foot point on the meridian ellipse is found in the parametric latitude beta, or near the
 * poles (|z| > p) in its complement measured from the polar axis, where a double has finer
 * steps. The height is measured along the normal, which stays accurate at the poles and far
 * out. */
void tw_ecef_to_geo(tw_geodetic *g, const double r[3])
{
  const double a = TW_WGS84_A, b = TW_WGS84_B;
  double p = hypot(r[0], r[1]), z = fabs(r[2]);
  double lon = (p > 0.0) ? atan2(r[1], r[0]) : 0.0;
  double sb, cb; /* sine and cosine of the parametric latitude of the foot point */

  if (lon <= -TW_PI) /* atan2 gives -pi for y = -0 or tiny negative y; the contract is (-pi, pi] */
    lon = TW_PI;
  if (p == 0.0) { /* on the polar axis (the pole is the nearest point even near the centre) */
    g->lat_rad = (r[2] >= 0.0) ? TW_PI / 2 : -TW_PI / 2;
    g->lon_rad = 0.0;
    g->h_m = z - b;
    return;
  }
  if (z <= p) {
    double beta = foot_angle(a, b, p, z);
    sb = sin(beta);
    cb = cos(beta);
  } else {
    double gamma = foot_angle(b, a, z, p); /* pi/2 - beta */
    sb = cos(gamma);
    cb = sin(gamma);
  }
  double lat = atan2(a * sb, b * cb);
  g->lat_rad = (r[2] < 0.0) ? -lat : lat;
  g->lon_rad = lon;
  g->h_m = (p - a * cb) * cos(lat) + (z - b * sb) * sin(lat);
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

void tw_ecef_to_enu(double enu[3], const double r[3], const tw_geodetic *o)
{
  double m[9], r0[3], d[3];
  tw_enu_basis(m, o->lat_rad, o->lon_rad);
  tw_geo_to_ecef(r0, o);
  for (int i = 0; i < 3; i++)
    d[i] = r[i] - r0[i];
  for (int i = 0; i < 3; i++) /* enu may alias r: d holds what is needed */
    enu[i] = m[3 * i] * d[0] + m[3 * i + 1] * d[1] + m[3 * i + 2] * d[2];
}

void tw_enu_to_ecef(double r[3], const double enu[3], const tw_geodetic *o)
{
  double m[9], r0[3], e[3] = {enu[0], enu[1], enu[2]};
  tw_enu_basis(m, o->lat_rad, o->lon_rad);
  tw_geo_to_ecef(r0, o);
  for (int i = 0; i < 3; i++) /* the transpose: the basis is orthonormal */
    r[i] = r0[i] + m[i] * e[0] + m[3 + i] * e[1] + m[6 + i] * e[2];
}

void tw_ecef_to_aer(tw_aer *aer, const double r[3], const tw_geodetic *o)
{
  double enu[3];
  tw_ecef_to_enu(enu, r, o);
  double horiz = hypot(enu[0], enu[1]);
  aer->az_rad = tw_wrap_2pi(atan2(enu[0], enu[1])); /* 0 straight up or down */
  aer->el_rad = atan2(enu[2], horiz);
  aer->range_m = hypot(horiz, enu[2]);
}

void tw_aer_to_ecef(double r[3], const tw_aer *aer, const tw_geodetic *o)
{
  double ce = cos(aer->el_rad), enu[3];
  enu[0] = aer->range_m * ce * sin(aer->az_rad);
  enu[1] = aer->range_m * ce * cos(aer->az_rad);
  enu[2] = aer->range_m * sin(aer->el_rad);
  tw_enu_to_ecef(r, enu, o);
}

/* ERA = 2 pi (0.7790572732640 + 1.00273781191135448 Du), Du in days from J2000.0 (2000-01-01
 * 12:00 UT1). Du reaches 1e5 days in our time range, where a double holds 2 pi Du only to 1e-10
 * rad, so whole turns are dropped exactly before any rounding: Du = d + f with d whole days and
 * f in [-0.5, 0.5), and the turns are d + f + 0.779... + k d + k f with k = 0.0027378...; d goes,
 * and k d = k_hi d + k_lo d where k_hi (32 significant bits) times d (< 2^17) is exact, so fmod
 * can drop its whole turns too. The rest sums terms below 2 to about 1e-16 turn. */
double tw_earth_rotation_angle(tw_time_ns t)
{
  const int64_t ns_per_day = 86400 * TW_NS_PER_S;
  const int64_t j2000_day = 10957;                          /* 2000-01-01 from 1970-01-01 */
  const double k_hi = 3010256031.0 / 1099511627776.0;       /* 2^-40 units */
  const double k_lo = 1.799763792860507965087890625e-13;    /* k - k_hi, exactly */

  int64_t day = t / ns_per_day, ns_of_day = t % ns_per_day; /* t % never overflows */
  if (ns_of_day < 0) {
    ns_of_day += ns_per_day;
    day--;
  }
  double d = (double)(day - j2000_day); /* exact: |d| < 1.1e5 */
  double f = (double)(ns_of_day - ns_per_day / 2) / (double)ns_per_day;
  double turns = (0.7790572732640 + f) + fmod(k_hi * d, 1.0) + k_lo * d + (k_hi + k_lo) * f;
  turns -= floor(turns);
  return tw_wrap_2pi(2.0 * TW_PI * turns);
}

/* r_ecef = R3(era) r_eci, and v_ecef = R3(era) v_eci - omega x r_ecef: the rotating frame sees
 * an inertially fixed point move west. */
void tw_eci_to_ecef(double r_ecef[3], double v_ecef[3], const double r_eci[3],
                    const double v_eci[3], tw_time_ns t)
{
  double era = tw_earth_rotation_angle(t), c = cos(era), s = sin(era);
  double x = c * r_eci[0] + s * r_eci[1], y = -s * r_eci[0] + c * r_eci[1], z = r_eci[2];
  if (v_ecef != NULL) {
    double v[3] = {0.0, 0.0, 0.0};
    if (v_eci != NULL) {
      v[0] = v_eci[0];
      v[1] = v_eci[1];
      v[2] = v_eci[2];
    }
    v_ecef[0] = c * v[0] + s * v[1] + TW_WGS84_OMEGA * y;
    v_ecef[1] = -s * v[0] + c * v[1] - TW_WGS84_OMEGA * x;
    v_ecef[2] = v[2];
  }
  r_ecef[0] = x;
  r_ecef[1] = y;
  r_ecef[2] = z;
}

void tw_ecef_to_eci(double r_eci[3], double v_eci[3], const double r_ecef[3],
                    const double v_ecef[3], tw_time_ns t)
{
  double era = tw_earth_rotation_angle(t), c = cos(era), s = sin(era);
  double x = r_ecef[0], y = r_ecef[1], z = r_ecef[2];
  if (v_eci != NULL) {
    double v[3] = {0.0, 0.0, 0.0};
    if (v_ecef != NULL) {
      v[0] = v_ecef[0];
      v[1] = v_ecef[1];
      v[2] = v_ecef[2];
    }
    double vx = v[0] - TW_WGS84_OMEGA * y, vy = v[1] + TW_WGS84_OMEGA * x; /* + omega x r */
    v_eci[0] = c * vx - s * vy;
    v_eci[1] = s * vx + c * vy;
    v_eci[2] = v[2];
  }
  r_eci[0] = c * x - s * y;
  r_eci[1] = s * x + c * y;
  r_eci[2] = z;
}

/* geod_init costs about a third of a geod_direct, so the WGS-84 geodesic is set up once; after
 * pthread_once it is only read, by any number of threads. */
static struct geod_geodesic wgs84_geod;
static pthread_once_t wgs84_geod_once = PTHREAD_ONCE_INIT;

static void wgs84_geod_init(void) { geod_init(&wgs84_geod, TW_WGS84_A, TW_WGS84_F); }

static const struct geod_geodesic *wgs84(void)
{
  pthread_once(&wgs84_geod_once, wgs84_geod_init);
  return &wgs84_geod;
}

void tw_geodesic_inverse(double lat1_rad, double lon1_rad, double lat2_rad, double lon2_rad,
                         double *dist_m, double *az1_rad, double *az2_rad)
{
  double s12, azi1, azi2;
  geod_inverse(wgs84(), lat1_rad / TW_DEG, lon1_rad / TW_DEG, lat2_rad / TW_DEG,
               lon2_rad / TW_DEG, &s12, &azi1, &azi2);
  if (dist_m != NULL)
    *dist_m = s12;
  if (az1_rad != NULL)
    *az1_rad = tw_wrap_pi(azi1 * TW_DEG);
  if (az2_rad != NULL)
    *az2_rad = tw_wrap_pi(azi2 * TW_DEG);
}

void tw_geodesic_direct(double lat1_rad, double lon1_rad, double az1_rad, double dist_m,
                        double *lat2_rad, double *lon2_rad, double *az2_rad)
{
  double lat2, lon2, azi2;
  geod_direct(wgs84(), lat1_rad / TW_DEG, lon1_rad / TW_DEG, az1_rad / TW_DEG, dist_m, &lat2,
              &lon2, &azi2);
  if (lat2_rad != NULL)
    *lat2_rad = lat2 * TW_DEG;
  if (lon2_rad != NULL)
    *lon2_rad = tw_wrap_pi(lon2 * TW_DEG);
  if (az2_rad != NULL)
    *az2_rad = tw_wrap_pi(azi2 * TW_DEG);
}
