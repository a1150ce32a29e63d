/* test_gravity.c - Earth gravity (triwatch/gravity.h): the acceleration is minus the gradient of
 * the potential for every model, checked by central differences at points from the surface to
 * beyond GEO and onto the poles; point-mass magnitude; J2 surface gravity at equator and pole. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "triwatch/geo.h"
#include "triwatch/gravity.h"

static const enum tw_gravity_model k_models[] = {TW_GRAVITY_POINT, TW_GRAVITY_J2,
                                                 TW_GRAVITY_J4};

static double norm3(const double v[3]) { return sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]); }

/* -grad V by central differences with step dx_m on each axis. */
static void num_accel(double a[3], const double r[3], enum tw_gravity_model model, double dx_m)
{
  for (int i = 0; i < 3; i++) {
    double rp[3] = {r[0], r[1], r[2]}, rm[3] = {r[0], r[1], r[2]};
    rp[i] += dx_m;
    rm[i] -= dx_m;
    a[i] = -(tw_gravity_potential(rp, model) - tw_gravity_potential(rm, model)) / (2.0 * dx_m);
  }
}

/* The same for the difference of two models: the perturbation alone, so that an error in a
 * small term (J3 is ~1e-6 of the total) cannot hide under the point mass. */
static void num_accel_diff(double a[3], const double r[3], enum tw_gravity_model hi,
                           enum tw_gravity_model lo, double dx_m)
{
  for (int i = 0; i < 3; i++) {
    double rp[3] = {r[0], r[1], r[2]}, rm[3] = {r[0], r[1], r[2]};
    rp[i] += dx_m;
    rm[i] -= dx_m;
    double vp = tw_gravity_potential(rp, hi) - tw_gravity_potential(rp, lo);
    double vm = tw_gravity_potential(rm, hi) - tw_gravity_potential(rm, lo);
    a[i] = -(vp - vm) / (2.0 * dx_m);
  }
}

/* Test points: geocentric latitude (deg) x longitude x radius, including the poles, points a
 * hair off them, the equator, the surface and GEO. */
static const double k_lat_deg[] = {-90.0, -89.9999, -67.0, -35.0, 0.0, 0.001,
                                   12.5,  45.0,     60.0,  89.999, 90.0};
static const double k_lon_deg[] = {0.0, 37.0, 127.5, -100.0};
static const double k_radius_m[] = {6356752.0, 6378137.0, 6578137.0, 7378137.0,
                                    12000e3,   26560e3,   42164e3,   60000e3};

#define N_LAT (sizeof k_lat_deg / sizeof k_lat_deg[0])
#define N_LON (sizeof k_lon_deg / sizeof k_lon_deg[0])
#define N_RAD (sizeof k_radius_m / sizeof k_radius_m[0])

static void point_at(double r[3], double lat_deg, double lon_deg, double radius_m)
{
  double lat = lat_deg * TW_DEG, lon = lon_deg * TW_DEG;
  r[0] = radius_m * cos(lat) * cos(lon);
  r[1] = radius_m * cos(lat) * sin(lon);
  r[2] = radius_m * sin(lat);
}

static void test_accel_is_minus_grad_potential(void **state)
{
  (void)state;
  double worst = 0.0;
  for (size_t m = 0; m < 3; m++)
    for (size_t i = 0; i < N_LAT; i++)
      for (size_t j = 0; j < N_LON; j++)
        for (size_t k = 0; k < N_RAD; k++) {
          double r[3], a[3], an[3];
          point_at(r, k_lat_deg[i], k_lon_deg[j], k_radius_m[k]);
          tw_gravity_accel(a, r, k_models[m]);
          /* step ~1e-6 r: rounding (eps |V| / dx ~ 1e-10 |a|) and truncation (~dx^2 / r^2 ~
           * 1e-12 |a|) both far below the 1e-7 asked */
          num_accel(an, r, k_models[m], 1e-6 * k_radius_m[k]);
          double d[3] = {a[0] - an[0], a[1] - an[1], a[2] - an[2]};
          double rel = norm3(d) / norm3(a);
          if (rel > worst)
            worst = rel;
          assert_true(rel < 1e-7);
        }
  assert_true(worst > 0.0); /* the two sides were computed independently */
}

/* The perturbations J2 (vs point mass) and J3+J4 (vs J2) each against their own potential. */
static void test_perturbations_match_potential(void **state)
{
  (void)state;
  for (size_t i = 0; i < N_LAT; i++)
    for (size_t j = 0; j < N_LON; j++)
      for (size_t k = 0; k < 4; k++) { /* up to 1,000 km: where J3 and J4 are largest */
        double r[3], a_hi[3], a_lo[3], an[3];
        point_at(r, k_lat_deg[i], k_lon_deg[j], k_radius_m[k]);
        const enum tw_gravity_model pairs[2][2] = {{TW_GRAVITY_J2, TW_GRAVITY_POINT},
                                                   {TW_GRAVITY_J4, TW_GRAVITY_J2}};
        for (int p = 0; p < 2; p++) {
          tw_gravity_accel(a_hi, r, pairs[p][0]);
          tw_gravity_accel(a_lo, r, pairs[p][1]);
          /* a 100 m step: the difference of two ~6e7 J/kg potentials rounds to ~1e-8 J/kg */
          num_accel_diff(an, r, pairs[p][0], pairs[p][1], 100.0);
          double da[3] = {a_hi[0] - a_lo[0], a_hi[1] - a_lo[1], a_hi[2] - a_lo[2]};
          double d[3] = {da[0] - an[0], da[1] - an[1], da[2] - an[2]};
          assert_true(norm3(da) > 0.0);
          assert_true(norm3(d) < 1e-4 * norm3(da) + 1e-11);
        }
      }
}

static void test_point_mass(void **state)
{
  (void)state;
  for (size_t i = 0; i < N_LAT; i++)
    for (size_t k = 0; k < N_RAD; k++) {
      double r[3], a[3];
      point_at(r, k_lat_deg[i], 20.0, k_radius_m[k]);
      tw_gravity_accel(a, r, TW_GRAVITY_POINT);
      double rn = norm3(r), g = TW_WGS84_GM / (rn * rn);
      assert_true(fabs(norm3(a) - g) < 1e-14 * g);
      for (int c = 0; c < 3; c++) /* pointing at the centre */
        assert_true(fabs(a[c] + g * r[c] / rn) < 1e-14 * g);
      assert_true(fabs(tw_gravity_potential(r, TW_GRAVITY_POINT) + TW_WGS84_GM / rn) <
                  1e-14 * TW_WGS84_GM / rn);
    }
}

/* Gravitation alone (no centrifugal term): 9.814 m/s^2 on the equator, 9.832 at the pole. */
static void test_j2_surface_values(void **state)
{
  (void)state;
  const double eq[3] = {TW_WGS84_A, 0.0, 0.0}, pole[3] = {0.0, 0.0, TW_WGS84_B};
  double a[3];
  tw_gravity_accel(a, eq, TW_GRAVITY_J2);
  assert_true(fabs(norm3(a) - 9.814) < 2e-3);
  assert_true(a[0] < 0.0 && a[1] == 0.0 && a[2] == 0.0);
  tw_gravity_accel(a, pole, TW_GRAVITY_J2);
  assert_true(fabs(norm3(a) - 9.832) < 2e-3);
  assert_true(a[0] == 0.0 && a[1] == 0.0 && a[2] < 0.0);
  /* J2 pulls harder than the point mass on the equator and less at the pole */
  double p[3];
  tw_gravity_accel(p, eq, TW_GRAVITY_POINT);
  tw_gravity_accel(a, eq, TW_GRAVITY_J2);
  assert_true(norm3(a) > norm3(p));
  tw_gravity_accel(p, pole, TW_GRAVITY_POINT);
  tw_gravity_accel(a, pole, TW_GRAVITY_J2);
  assert_true(norm3(a) < norm3(p));
  /* J4 moves these by well under a part in 1e4 */
  double a4[3];
  tw_gravity_accel(a4, eq, TW_GRAVITY_J4);
  tw_gravity_accel(a, eq, TW_GRAVITY_J2);
  assert_true(fabs(norm3(a4) - norm3(a)) < 1e-4 * norm3(a));
}

/* Zonal symmetry: the field turns with longitude; J2 and J4 are even in z, J3 odd. */
static void test_symmetry(void **state)
{
  (void)state;
  double r[3], rs[3], a[3], as[3];
  point_at(r, 33.0, 0.0, 6578137.0);
  point_at(rs, 33.0, 90.0, 6578137.0);
  tw_gravity_accel(a, r, TW_GRAVITY_J4);
  tw_gravity_accel(as, rs, TW_GRAVITY_J4);
  assert_true(fabs(as[1] - a[0]) < 1e-13 && fabs(as[2] - a[2]) < 1e-13);

  double rn[3] = {r[0], r[1], -r[2]}, an[3];
  tw_gravity_accel(a, r, TW_GRAVITY_J2);
  tw_gravity_accel(an, rn, TW_GRAVITY_J2);
  assert_true(a[0] == an[0] && a[2] == -an[2]);
  /* with J3 the north-south mirror breaks, by a J3-sized amount */
  tw_gravity_accel(a, r, TW_GRAVITY_J4);
  tw_gravity_accel(an, rn, TW_GRAVITY_J4);
  double asym = fabs(a[2] + an[2]) / norm3(a);
  assert_true(asym > 1e-7 && asym < 1e-5);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_accel_is_minus_grad_potential),
    cmocka_unit_test(test_perturbations_match_potential),
    cmocka_unit_test(test_point_mass),
    cmocka_unit_test(test_j2_surface_values),
    cmocka_unit_test(test_symmetry),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
