/* test_geo.c - WGS-84 frames (triwatch/geo.h): geodetic/ECEF/ENU/AER round trips and known
 * values, Earth rotation angle and ECI/ECEF, and geodesics compared with PROJ's `geod` tool. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "triwatch/geo.h"
#include "triwatch/time.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Fail with both values and the tolerance when |got - want| > tol (also for NaN). */
#define assert_near(got, want, tol)                                                          \
  do {                                                                                        \
    double got_ = (got), want_ = (want), tol_ = (tol);                                        \
    if (!(fabs(got_ - want_) <= tol_))                                                        \
      fail_msg("%s = %.17g, want %.17g (diff %.3g > %.3g)", #got, got_, want_,                \
               got_ - want_, tol_);                                                           \
  } while (0)

static uint64_t rng_next(uint64_t *state) /* splitmix64 */
{
  uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static double rng_uniform(uint64_t *state, double lo, double hi)
{
  return lo + (hi - lo) * ((double)(rng_next(state) >> 11) * 0x1.0p-53);
}

static double dist3(const double a[3], const double b[3])
{
  return sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1])
              + (a[2] - b[2]) * (a[2] - b[2]));
}

/* The difference of two angles in (-pi, pi]. */
static double angle_diff(double a, double b) { return tw_wrap_pi(a - b); }

static void test_wrap(void **state)
{
  (void)state;
  assert_true(tw_wrap_pi(TW_PI) == TW_PI);
  assert_true(tw_wrap_pi(-TW_PI) == TW_PI);
  assert_true(tw_wrap_pi(0.0) == 0.0);
  assert_near(tw_wrap_pi(3 * TW_PI / 2), -TW_PI / 2, 1e-15);
  assert_near(tw_wrap_pi(-7.0), -7.0 + 2 * TW_PI, 1e-15);
  assert_true(tw_wrap_2pi(-1e-20) == 0.0); /* -1e-20 + 2 pi rounds to 2 pi */
  assert_true(tw_wrap_2pi(2 * TW_PI) == 0.0);
  assert_near(tw_wrap_2pi(-TW_PI / 2), 3 * TW_PI / 2, 1e-15);
  for (double a = -20.0; a < 20.0; a += 0.01) {
    double w = tw_wrap_pi(a), w2 = tw_wrap_2pi(a);
    assert_true(w > -TW_PI && w <= TW_PI);
    assert_true(w2 >= 0.0 && w2 < 2 * TW_PI);
    assert_near(sin(w), sin(a), 1e-14);
    assert_near(cos(w2), cos(a), 1e-14);
  }
}

static void check_ecef(double lat_deg, double lon_deg, double h_m, double x, double y, double z,
                       double tol_m)
{
  tw_geodetic g = {lat_deg * TW_DEG, lon_deg * TW_DEG, h_m};
  double r[3];
  tw_geo_to_ecef(r, &g);
  assert_near(r[0], x, tol_m);
  assert_near(r[1], y, tol_m);
  assert_near(r[2], z, tol_m);
}

static void test_ecef_known(void **state)
{
  (void)state;
  check_ecef(0, 0, 0, TW_WGS84_A, 0, 0, 1e-9);
  check_ecef(0, 90, 0, 0, TW_WGS84_A, 0, 1e-9);
  check_ecef(0, 180, 0, -TW_WGS84_A, 0, 0, 1e-9);
  check_ecef(0, 0, 1000, TW_WGS84_A + 1000, 0, 0, 1e-9);
  check_ecef(90, 0, 0, 0, 0, TW_WGS84_B, 1e-9);
  check_ecef(-90, 0, 0, 0, 0, -TW_WGS84_B, 1e-9);
  check_ecef(90, 0, 100, 0, 0, TW_WGS84_B + 100, 1e-9);
  assert_near(TW_WGS84_B, 6356752.314245, 1e-6);
  /* From PROJ: echo "lon lat h" | cs2cs -f %.6f +proj=longlat +ellps=WGS84 +to +proj=geocent
   * +ellps=WGS84 (PROJ 9.1.1); six decimals printed, so 1e-5 m. */
  check_ecef(48.8562, 2.3508, 67.4, 4200996.789553, 172460.321537, 4780102.830875, 1e-5);
  check_ecef(39.0392, 125.7625, 38.0, -2899117.075548, 4025275.303978, 3995722.020517, 1e-5);
  check_ecef(38.9072, -77.0369, 0, 1114843.812610, -4843147.441358, 3984305.498069, 1e-5);
  check_ecef(13.4443, 144.7937, 35786000, -33508358.155380, 23643064.780939, 9793499.794511,
             1e-5);
  check_ecef(-45.0, -122.0, -10000, -2390211.339574, -3825137.738426, -4480277.341054, 1e-5);

  tw_geodetic g;
  double r_pole[3] = {0, 0, TW_WGS84_B + 5.0};
  tw_ecef_to_geo(&g, r_pole);
  assert_true(g.lat_rad == TW_PI / 2);
  assert_true(g.lon_rad == 0.0);
  assert_near(g.h_m, 5.0, 1e-9);
  double r_eq[3] = {-TW_WGS84_A - 7.0, -0.0, 0.0}; /* atan2(-0, -x) is -pi */
  tw_ecef_to_geo(&g, r_eq);
  assert_true(g.lat_rad == 0.0);
  assert_true(g.lon_rad == TW_PI);
  assert_near(g.h_m, 7.0, 1e-9);
}

/* geodetic -> ECEF -> geodetic -> ECEF over a grid, poles and the antimeridian included. */
static void test_geo_round_trip(void **state)
{
  (void)state;
  static const double lats[] = {-90, -89.9999, -89, -75, -60, -45, -30, -10, -1, -1e-9, 0, 1e-9,
                                0.5, 5, 20, 35.6762, 45, 52, 70, 85, 89.9999, 90};
  static const double lons[] = {-180, -179.9999, -135, -90, -45, -1e-9, 0, 1e-9, 30, 90, 125.7625,
                                179.9999, 180};
  static const double hs[] = {-10000, -9999.5, -1000, -1, 0, 1e-3, 1, 100, 1000, 10000, 1e5,
                              4e5, 1e6, 5e6, 2.02e7, 3.5786e7, 4e7};
  double worst = 0.0;
  for (size_t i = 0; i < N_ELEMS(lats); i++) {
    for (size_t j = 0; j < N_ELEMS(lons); j++) {
      for (size_t k = 0; k < N_ELEMS(hs); k++) {
        tw_geodetic g = {lats[i] * TW_DEG, lons[j] * TW_DEG, hs[k]}, g2;
        double r[3], r2[3];
        tw_geo_to_ecef(r, &g);
        tw_ecef_to_geo(&g2, r);
        tw_geo_to_ecef(r2, &g2);
        double d = dist3(r, r2);
        if (!(d <= 1e-6))
          fail_msg("lat %.10g lon %.10g h %.10g: round trip off by %.3g m", lats[i], lons[j],
                   hs[k], d);
        if (d > worst)
          worst = d;
        assert_true(g2.lon_rad > -TW_PI && g2.lon_rad <= TW_PI);
        assert_true(g2.lat_rad >= -TW_PI / 2 && g2.lat_rad <= TW_PI / 2);
        /* the coordinates themselves, where they are defined */
        assert_near(g2.lat_rad, g.lat_rad, 1e-14);
        assert_near(g2.h_m, g.h_m, 1e-7);
        if (fabs(lats[i]) < 90)
          assert_near(angle_diff(g2.lon_rad, g.lon_rad), 0.0, 1e-14);
      }
    }
  }
  print_message("geodetic round trip: worst %.3g m\n", worst);
}

/* ECEF -> geodetic -> ECEF for random points from the centre of the Earth to beyond GEO, where
 * the foot point of the deep interior is the hard case (several normals meet there). */
static void test_ecef_round_trip(void **state)
{
  (void)state;
  uint64_t rng = 1;
  for (int i = 0; i < 200000; i++) {
    double rmax = (i % 4 == 0) ? 1e5 : (i % 4 == 1) ? 6.4e6 : 5e7; /* 43 km evolute inside 1e5 */
    double r[3], r2[3];
    for (int k = 0; k < 3; k++)
      r[k] = rng_uniform(&rng, -rmax, rmax);
    if (i % 7 == 0)
      r[2] = 0.0; /* the equatorial plane */
    if (i % 11 == 0)
      r[0] = r[1] = 0.0; /* the polar axis */
    if (i % 13 == 0)
      r[1] = 1e-9 * r[0]; /* almost on it */
    tw_geodetic g;
    tw_ecef_to_geo(&g, r);
    tw_geo_to_ecef(r2, &g);
    double d = dist3(r, r2);
    if (!(d <= 1e-6))
      fail_msg("(%.17g, %.17g, %.17g): round trip off by %.3g m", r[0], r[1], r[2], d);
  }
  double centre[3] = {0, 0, 0}, r2[3];
  tw_geodetic g;
  tw_ecef_to_geo(&g, centre);
  tw_geo_to_ecef(r2, &g);
  assert_near(dist3(centre, r2), 0.0, 1e-6);
}

static const tw_geodetic origins[] = {
  {39.0392 * TW_DEG, 125.7625 * TW_DEG, 38.0},   /* Pyongyang */
  {40.8222 * TW_DEG, 140.7474 * TW_DEG, 10.0},   /* Aomori */
  {13.4443 * TW_DEG, 144.7937 * TW_DEG, 100.0},  /* Guam */
  {0.0, 0.0, 0.0},
  {-89.9999 * TW_DEG, -180.0 * TW_DEG, 2800.0},
  {90.0 * TW_DEG, 0.0, 0.0},
  {-33.8688 * TW_DEG, 151.2093 * TW_DEG, -50.0},
};

static void test_enu(void **state)
{
  (void)state;
  uint64_t rng = 2;
  for (size_t i = 0; i < N_ELEMS(origins); i++) {
    const tw_geodetic *o = &origins[i];
    double r0[3], enu[3], r[3], m[9];
    tw_geo_to_ecef(r0, o);
    tw_ecef_to_enu(enu, r0, o);
    assert_near(enu[0], 0.0, 1e-9);
    assert_near(enu[1], 0.0, 1e-9);
    assert_near(enu[2], 0.0, 1e-9);

    /* the basis is orthonormal and right-handed, up is the ellipsoid normal */
    tw_enu_basis(m, o->lat_rad, o->lon_rad);
    for (int a = 0; a < 3; a++)
      for (int b = 0; b < 3; b++)
        assert_near(m[3 * a] * m[3 * b] + m[3 * a + 1] * m[3 * b + 1] + m[3 * a + 2] * m[3 * b + 2],
                    a == b ? 1.0 : 0.0, 1e-15);
    assert_near(m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6])
                  + m[2] * (m[3] * m[7] - m[4] * m[6]), 1.0, 1e-15);
    double up[3];
    tw_geo_up(up, o->lat_rad, o->lon_rad);
    for (int k = 0; k < 3; k++)
      assert_near(m[6 + k], up[k], 1e-15);

    /* 1 km up along the normal is (0, 0, 1000) */
    tw_geodetic above = *o;
    above.h_m += 1000.0;
    tw_geo_to_ecef(r, &above);
    tw_ecef_to_enu(enu, r, o);
    assert_near(enu[0], 0.0, 1e-8);
    assert_near(enu[1], 0.0, 1e-8);
    assert_near(enu[2], 1000.0, 1e-8);

    for (int n = 0; n < 2000; n++) {
      double e[3] = {rng_uniform(&rng, -4e7, 4e7), rng_uniform(&rng, -4e7, 4e7),
                     rng_uniform(&rng, -4e7, 4e7)}, e2[3];
      tw_enu_to_ecef(r, e, o);
      tw_ecef_to_enu(e2, r, o);
      assert_near(dist3(e, e2), 0.0, 1e-7);
      assert_near(dist3(r, r0), sqrt(e[0] * e[0] + e[1] * e[1] + e[2] * e[2]), 1e-7);
    }
  }
  /* north of a point at mid latitude: a small step north along the meridian */
  tw_geodetic o = {45 * TW_DEG, 10 * TW_DEG, 0}, n = {45.001 * TW_DEG, 10 * TW_DEG, 0};
  double r[3], enu[3];
  tw_geo_to_ecef(r, &n);
  tw_ecef_to_enu(enu, r, &o);
  assert_near(enu[0], 0.0, 1e-9);
  assert_true(enu[1] > 111.0 && enu[1] < 112.0); /* 0.001 deg of meridian, about 111.1 m */
}

static void test_aer(void **state)
{
  (void)state;
  uint64_t rng = 3;
  for (size_t i = 0; i < N_ELEMS(origins); i++) {
    const tw_geodetic *o = &origins[i];
    double r[3], r2[3];

    /* straight up: el = 90 deg, range = the height difference */
    tw_geodetic up = *o;
    up.h_m += 500e3;
    tw_geo_to_ecef(r, &up);
    tw_aer aer;
    tw_ecef_to_aer(&aer, r, o);
    assert_near(aer.el_rad, TW_PI / 2, 1e-12);
    assert_near(aer.range_m, 500e3, 1e-7);
    assert_true(aer.az_rad >= 0.0 && aer.az_rad < 2 * TW_PI);

    /* due east, on the horizontal plane */
    double e[3] = {1000.0, 0.0, 0.0};
    tw_enu_to_ecef(r, e, o);
    tw_ecef_to_aer(&aer, r, o);
    assert_near(aer.az_rad, TW_PI / 2, 1e-12);
    assert_near(aer.el_rad, 0.0, 1e-12);
    assert_near(aer.range_m, 1000.0, 1e-9);

    for (int n = 0; n < 2000; n++) {
      tw_aer a = {rng_uniform(&rng, 0, 2 * TW_PI), rng_uniform(&rng, -TW_PI / 2 + 1e-6,
                  TW_PI / 2 - 1e-6), rng_uniform(&rng, 1.0, 4e7)}, b;
      tw_aer_to_ecef(r, &a, o);
      tw_ecef_to_aer(&b, r, o);
      assert_near(b.range_m, a.range_m, 1e-7);
      assert_near(b.el_rad, a.el_rad, 1e-12);
      assert_near(angle_diff(b.az_rad, a.az_rad), 0.0, 1e-9);
      assert_true(b.az_rad >= 0.0 && b.az_rad < 2 * TW_PI);
      tw_aer_to_ecef(r2, &b, o);
      assert_near(dist3(r, r2), 0.0, 1e-7);
    }
  }
}

static tw_time_ns parse_time(const char *s)
{
  tw_time_ns t = 0;
  assert_int_equal(tw_time_parse(&t, s), 0);
  return t;
}

static void test_earth_rotation_angle(void **state)
{
  (void)state;
  const tw_time_ns j2000 = parse_time("2000-01-01T12:00:00Z");
  assert_near(tw_earth_rotation_angle(j2000), 2 * TW_PI * 0.7790572732640, 1e-15);

  /* SOFA's own test of iauEra00: UT1 = MJD 54388.0 (2007-10-15) gives 0.4022837240028158102. */
  assert_near(tw_earth_rotation_angle(parse_time("2007-10-15T00:00:00Z")), 0.4022837240028158102,
              4e-15);
  /* Far from J2000, where a plain 2 pi (0.779... + 1.0027... Du) in double is off by 1e-10 rad
   * and k Du with k = 0.0027... rounded to a double by 1e-13 rad. References: the formula in
   * 60-digit decimal arithmetic (Python's decimal module). */
  assert_near(tw_earth_rotation_angle(parse_time("1678-01-01T00:00:00Z")),
              1.83370307558392720004, 4e-15);
  assert_near(tw_earth_rotation_angle(parse_time("2261-06-30T17:45:12.345678901Z")),
              3.17374788021488063450, 4e-15);
  assert_near(tw_earth_rotation_angle(parse_time("2100-01-01T00:00:00Z")),
              1.73584573726490321022, 4e-15);
  assert_near(tw_earth_rotation_angle(parse_time("1800-07-04T12:34:56.789Z")),
              1.98212503926586713909, 4e-15);

  /* One turn of ERA takes 86400 / 1.00273781191135448 s = 86164.0989 s (the stellar day). */
  const double turn_s = 86400.0 / 1.00273781191135448;
  const tw_time_ns turn_ns = tw_time_from_s(turn_s);
  static const char *const when[] = {"2000-01-01T12:00:00Z", "1970-01-01T00:00:00Z",
                                     "2026-11-28T00:30:00Z", "1678-01-01T00:00:00Z",
                                     "2261-06-30T17:45:12.345678901Z", "1950-05-05T05:05:05Z"};
  for (size_t i = 0; i < N_ELEMS(when); i++) {
    tw_time_ns t = parse_time(when[i]);
    double era = tw_earth_rotation_angle(t);
    assert_true(era >= 0.0 && era < 2 * TW_PI);
    assert_near(angle_diff(tw_earth_rotation_angle(t + turn_ns), era), 0.0, 1e-9);
    /* The sidereal day, 86164.0905 s, is 8.4 ms shorter: ERA has 6.13e-7 rad to go. */
    double sidereal = tw_earth_rotation_angle(t + INT64_C(86164090500000));
    assert_near(angle_diff(sidereal, era), -6.128e-7, 1e-9);
    /* an hour turns it by the rate of the formula, to 1e-9 rad */
    double hour = tw_earth_rotation_angle(t + 3600 * TW_NS_PER_S);
    assert_near(angle_diff(hour, era), 2 * TW_PI * 1.00273781191135448 / 24.0, 1e-9);
  }
  /* The ends of int64 do not overflow; the angle stays in range. */
  assert_true(tw_earth_rotation_angle(INT64_MIN) >= 0.0);
  assert_true(tw_earth_rotation_angle(INT64_MAX) < 2 * TW_PI);
  /* smooth over a day boundary (where the whole-day split changes) */
  const tw_time_ns midnight = parse_time("2024-03-01T00:00:00Z");
  double before = tw_earth_rotation_angle(midnight - 1000);
  double after = tw_earth_rotation_angle(midnight + 1000);
  assert_near(angle_diff(after, before), 2000e-9 * 2 * TW_PI * 1.00273781191135448 / 86400.0,
              1e-14);
}

static void test_eci_ecef(void **state)
{
  (void)state;
  uint64_t rng = 4;
  const tw_time_ns t0 = parse_time("2026-11-28T00:30:00Z");
  for (int n = 0; n < 1000; n++) {
    tw_time_ns t = t0 + (tw_time_ns)(rng_next(&rng) % (uint64_t)(400 * 86400 * TW_NS_PER_S));
    double r[3], v[3], re[3], ve[3], r2[3], v2[3];
    for (int k = 0; k < 3; k++) {
      r[k] = rng_uniform(&rng, -4.5e7, 4.5e7);
      v[k] = rng_uniform(&rng, -8e3, 8e3);
    }
    tw_eci_to_ecef(re, ve, r, v, t);
    tw_ecef_to_eci(r2, v2, re, ve, t);
    assert_near(dist3(r, r2), 0.0, 1e-7);
    assert_near(dist3(v, v2), 0.0, 1e-9);
    assert_near(re[2], r[2], 0.0);
    assert_near(sqrt(re[0] * re[0] + re[1] * re[1]), sqrt(r[0] * r[0] + r[1] * r[1]), 1e-7);
    /* position only */
    tw_eci_to_ecef(r2, NULL, r, v, t);
    assert_near(dist3(re, r2), 0.0, 0.0);
  }

  /* At ERA = era the ECEF x axis points to ECI (cos era, sin era). */
  double era = tw_earth_rotation_angle(t0);
  double x_eci[3] = {cos(era), sin(era), 0.0}, x_ecef[3];
  tw_eci_to_ecef(x_ecef, NULL, x_eci, NULL, t0);
  assert_near(x_ecef[0], 1.0, 1e-15);
  assert_near(x_ecef[1], 0.0, 1e-15);

  /* A point fixed on the Earth moves east in ECI at omega x r (465 m/s at the equator). */
  double r_ecef[3] = {TW_WGS84_A, 0, 0}, v_ecef[3] = {0, 0, 0}, r_eci[3], v_eci[3];
  tw_ecef_to_eci(r_eci, v_eci, r_ecef, v_ecef, t0);
  assert_near(v_eci[0], -TW_WGS84_OMEGA * r_eci[1], 1e-12);
  assert_near(v_eci[1], TW_WGS84_OMEGA * r_eci[0], 1e-12);
  assert_near(sqrt(v_eci[0] * v_eci[0] + v_eci[1] * v_eci[1]), TW_WGS84_A * TW_WGS84_OMEGA, 1e-9);
  tw_ecef_to_eci(r_eci, v_eci, r_ecef, NULL, t0); /* NULL input velocity = at rest */
  assert_near(sqrt(v_eci[0] * v_eci[0] + v_eci[1] * v_eci[1]), TW_WGS84_A * TW_WGS84_OMEGA, 1e-9);

  /* The ECEF velocity is the time derivative of the ECEF position of a body moving straight in
   * ECI: a central difference over +-1 s (its error, about 3e-5 m/s here, and the 2e-9 gap
   * between TW_WGS84_OMEGA and the ERA rate stay under 1e-4 m/s). A wrong sign of omega x r
   * would be off by 1 km/s. */
  double r0[3] = {7.0e6, -1.2e6, 2.0e6}, v0[3] = {1.5e3, 6.8e3, 2.1e3};
  for (int k = 0; k < 5; k++) {
    tw_time_ns t = t0 + k * 7919 * TW_NS_PER_S;
    double rp[3], rm[3], re[3], ve[3], a[3], b[3];
    for (int j = 0; j < 3; j++) {
      a[j] = r0[j] + v0[j];
      b[j] = r0[j] - v0[j];
    }
    tw_eci_to_ecef(rp, NULL, a, NULL, t + TW_NS_PER_S);
    tw_eci_to_ecef(rm, NULL, b, NULL, t - TW_NS_PER_S);
    tw_eci_to_ecef(re, ve, r0, v0, t);
    for (int j = 0; j < 3; j++)
      assert_near(ve[j], (rp[j] - rm[j]) / 2.0, 1e-4);
  }
}

/* ---- geodesics against PROJ's geod(1) ---- */

static int have_geod(void) { return system("command -v geod >/dev/null 2>&1") == 0; }

/* Run `geod +ellps=WGS84 <args>` on one input line and read three numbers. Returns 0 or -1. */
static int run_geod(const char *args, const char *line, double out[3])
{
  char cmd[512];
  snprintf(cmd, sizeof cmd, "echo '%s' | geod +ellps=WGS84 %s", line, args);
  FILE *f = popen(cmd, "r");
  if (f == NULL)
    return -1;
  int n = fscanf(f, "%lf %lf %lf", &out[0], &out[1], &out[2]);
  int rc = pclose(f);
  if (n != 3 || rc != 0) {
    print_error("`%s` gave %d numbers, exit status %d\n", cmd, n, rc);
    return -1;
  }
  return 0;
}

/* |a - b| modulo 360 deg */
static double deg_diff(double a, double b) { return fabs(remainder(a - b, 360.0)); }

struct geo_pair {
  const char *name;
  double lat1, lon1, lat2, lon2; /* degrees */
};

static const struct geo_pair pairs[] = {
  {"Pyongyang -> Aomori", 39.0392, 125.7625, 40.8222, 140.7474},
  {"Tokyo -> Guam", 35.6762, 139.6503, 13.4443, 144.7937},
  {"Seoul -> Washington", 37.5665, 126.9780, 38.9072, -77.0369},
  {"Sydney -> Honolulu (antimeridian)", -33.8688, 151.2093, 21.3069, -157.8583},
  {"Kwajalein -> Vandenberg", 8.7167, 167.7333, 34.7420, -120.5724},
  {"near-antipodal", 10.0, 20.0, -9.9, -160.3},
  {"near-antipodal, equator", 0.5, 0.0, -0.3, 179.4},
  {"from the north pole", 90.0, 0.0, 45.0, 45.0},
  {"along a meridian", 0.0, 0.0, 60.0, 0.0},
  {"along the equator", 0.0, 10.0, 0.0, 100.0},
  {"nine metres", 35.0, 135.0, 35.0, 135.0001},
  {"south polar", -89.5, -170.0, -88.0, 20.0},
};

static void test_geodesic_inverse_vs_geod(void **state)
{
  (void)state;
  if (!have_geod()) {
    print_message("`geod` (PROJ, Debian package proj-bin) is not installed: skipping\n");
    skip();
  }
  for (size_t i = 0; i < N_ELEMS(pairs); i++) {
    const struct geo_pair *p = &pairs[i];
    char line[128];
    double want[3]; /* az12 (deg), back azimuth at point 2 (deg), distance (m) */
    snprintf(line, sizeof line, "%.10f %.10f %.10f %.10f", p->lat1, p->lon1, p->lat2, p->lon2);
    assert_int_equal(run_geod("-I -f %.12f -F %.6f", line, want), 0);

    double s, az1, az2;
    tw_geodesic_inverse(p->lat1 * TW_DEG, p->lon1 * TW_DEG, p->lat2 * TW_DEG, p->lon2 * TW_DEG,
                        &s, &az1, &az2);
    /* geod prints the back azimuth, from point 2 toward point 1; ours is the forward azimuth
     * at point 2, onward: they differ by 180 deg. */
    if (!(fabs(s - want[2]) <= 1e-3 && deg_diff(az1 / TW_DEG, want[0]) <= 1e-8
          && deg_diff(az2 / TW_DEG + 180.0, want[1]) <= 1e-8))
      fail_msg("%s: ours s %.6f az1 %.12f az2+180 %.12f; geod %.6f %.12f %.12f", p->name, s,
               az1 / TW_DEG, az2 / TW_DEG + 180.0, want[2], want[0], want[1]);
  }
}

/* Without geod: the direct problem undoes the inverse, ranges, NULL outputs. */
static void test_geodesic_consistency(void **state)
{
  (void)state;
  for (size_t i = 0; i < N_ELEMS(pairs); i++) {
    const struct geo_pair *p = &pairs[i];
    double s, az1, az2, lat2, lon2, az2d;
    tw_geodesic_inverse(p->lat1 * TW_DEG, p->lon1 * TW_DEG, p->lat2 * TW_DEG, p->lon2 * TW_DEG,
                        &s, &az1, &az2);
    assert_true(s > 0 && s < 20004e3);
    assert_true(az1 > -TW_PI && az1 <= TW_PI);
    assert_true(az2 > -TW_PI && az2 <= TW_PI);
    tw_geodesic_direct(p->lat1 * TW_DEG, p->lon1 * TW_DEG, az1, s, &lat2, &lon2, &az2d);
    assert_near(lat2, p->lat2 * TW_DEG, 1e-12);
    if (fabs(p->lat2) < 90)
      assert_near(angle_diff(lon2, p->lon2 * TW_DEG), 0.0, 1e-12);
    assert_true(lon2 > -TW_PI && lon2 <= TW_PI);
    assert_near(angle_diff(az2d, az2), 0.0, 1e-10);
  }
  /* a quarter meridian, 10001965.729 m on WGS-84 */
  double s = 0;
  tw_geodesic_inverse(0.0, 0.3, TW_PI / 2, 0.3, &s, NULL, NULL);
  assert_near(s, 10001965.729, 1e-3);
  /* every output may be NULL */
  tw_geodesic_inverse(0.1, 0.2, 0.3, 0.4, NULL, NULL, NULL);
  tw_geodesic_direct(0.1, 0.2, 0.3, 1e6, NULL, NULL, NULL);
}

struct geo_shot {
  const char *name;
  double lat1, lon1, az1, s; /* degrees, metres */
};

static const struct geo_shot shots[] = {
  {"Pyongyang, east-north-east", 39.0392, 125.7625, 76.438011762, 1294468.935},
  {"Tokyo, south", 35.6762, 139.6503, 170.0, 2.5e6},
  {"equator, north-east, 10000 km", 0.0, 0.0, 45.0, 1e7},
  {"Sydney, across the antimeridian", -33.8688, 151.2093, 60.0, 8e6},
  {"almost half round", 10.0, 20.0, 90.0, 19.9e6},
  {"west, short", 51.5, -0.12, -90.0, 1234.5},
  {"over the south pole", -80.0, 30.0, 180.0, 2.5e6},
};

static void test_geodesic_direct_vs_geod(void **state)
{
  (void)state;
  if (!have_geod()) {
    print_message("`geod` (PROJ, Debian package proj-bin) is not installed: skipping\n");
    skip();
  }
  for (size_t i = 0; i < N_ELEMS(shots); i++) {
    const struct geo_shot *p = &shots[i];
    char line[128];
    double want[3]; /* lat2, lon2, back azimuth at point 2 (deg) */
    snprintf(line, sizeof line, "%.10f %.10f %.10f %.6f", p->lat1, p->lon1, p->az1, p->s);
    assert_int_equal(run_geod("-f %.12f -F %.6f", line, want), 0);

    double lat2, lon2, az2;
    tw_geodesic_direct(p->lat1 * TW_DEG, p->lon1 * TW_DEG, p->az1 * TW_DEG, p->s, &lat2, &lon2,
                       &az2);
    /* 1e-8 deg of position is about 1 mm */
    if (!(fabs(lat2 / TW_DEG - want[0]) <= 1e-8 && deg_diff(lon2 / TW_DEG, want[1]) <= 1e-8
          && deg_diff(az2 / TW_DEG + 180.0, want[2]) <= 1e-8))
      fail_msg("%s: ours %.12f %.12f %.12f; geod %.12f %.12f %.12f", p->name, lat2 / TW_DEG,
               lon2 / TW_DEG, az2 / TW_DEG + 180.0, want[0], want[1], want[2]);
    assert_true(lon2 > -TW_PI && lon2 <= TW_PI);

    double s;
    tw_geodesic_inverse(p->lat1 * TW_DEG, p->lon1 * TW_DEG, lat2, lon2, &s, NULL, NULL);
    assert_near(s, p->s, 1e-6);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_wrap),
    cmocka_unit_test(test_ecef_known),
    cmocka_unit_test(test_geo_round_trip),
    cmocka_unit_test(test_ecef_round_trip),
    cmocka_unit_test(test_enu),
    cmocka_unit_test(test_aer),
    cmocka_unit_test(test_earth_rotation_angle),
    cmocka_unit_test(test_eci_ecef),
    cmocka_unit_test(test_geodesic_consistency),
    cmocka_unit_test(test_geodesic_inverse_vs_geod),
    cmocka_unit_test(test_geodesic_direct_vs_geod),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
