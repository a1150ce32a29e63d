/* test_dynamics.c - free-flight equations of motion (triwatch/dynamics.h): the fast height
 * against the exact geodetic height, the drag term's direction and size in both frames, air that
 * turns with the Earth, and the rotating frame's terms against the inertial frame's. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "triwatch/atmosphere.h"
#include "triwatch/dynamics.h"
#include "triwatch/geo.h"

#define W TW_WGS84_OMEGA

static double norm3(const double v[3]) { return sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]); }
static double dot3(const double a[3], const double b[3])
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static void point(double r[3], double lat_deg, double lon_deg, double h_m)
{
  tw_geodetic g = {lat_deg * TW_DEG, lon_deg * TW_DEG, h_m};
  tw_geo_to_ecef(r, &g);
}

/* Within 1 m of tw_ecef_to_geo from 5 km below the ellipsoid to 1,000 km, every latitude. */
static void test_height_fast(void **state)
{
  (void)state;
  static const double lon_deg[] = {0.0, 127.5, -71.0};
  double worst = 0.0;
  for (int ih = -5; ih <= 1000; ih += 5)
    for (int ilat = -720; ilat <= 720; ilat++) /* every 1/8 degree, poles included */
      for (size_t j = 0; j < 3; j++) {
        double r[3];
        point(r, ilat / 8.0, lon_deg[j], 1e3 * ih);
        tw_geodetic g;
        tw_ecef_to_geo(&g, r);
        double err = fabs(tw_height_fast(r) - g.h_m);
        if (err > worst)
          worst = err;
      }
  assert_true(worst < 1.0);
  /* on the ellipsoid itself and along the axis and the equator, where radius and normal agree */
  double r[3];
  for (int lat = -90; lat <= 90; lat += 15) {
    point(r, lat, 33.0, 0.0);
    assert_true(fabs(tw_height_fast(r)) < 1e-6);
  }
  const double pole[3] = {0.0, 0.0, TW_WGS84_B + 5e5}, eq[3] = {0.0, -TW_WGS84_A - 5e5, 0.0};
  assert_true(fabs(tw_height_fast(pole) - 5e5) < 1e-6);
  assert_true(fabs(tw_height_fast(eq) - 5e5) < 1e-6);
}

/* Drag alone: the difference of the accelerations with and without it. */
static void drag_of(double a[3], const tw_dynamics *d, const double r[3], const double v[3])
{
  tw_dynamics nodrag = *d;
  nodrag.beta_kg_m2 = 0.0;
  double with[3], without[3];
  tw_dynamics_accel(with, d, r, v);
  tw_dynamics_accel(without, &nodrag, r, v);
  for (int i = 0; i < 3; i++)
    a[i] = with[i] - without[i];
}

/* a_drag = -rho |v_rel| v_rel / (2 beta), v_rel the velocity through the air. */
static void check_drag(const tw_dynamics *d, const double r[3], const double v[3],
                       const double v_rel[3])
{
  double a[3];
  drag_of(a, d, r, v);
  double s = norm3(v_rel), rho = tw_atmos_density(tw_height_fast(r));
  double want = 0.5 * rho * s * s / d->beta_kg_m2;
  assert_true(want > 0.0);
  assert_true(fabs(norm3(a) - want) < 1e-12 * want + 1e-15);
  /* antiparallel to v_rel */
  assert_true(dot3(a, v_rel) / (norm3(a) * s) < -1.0 + 1e-12);
}

static void test_drag_direction_and_size(void **state)
{
  (void)state;
  const tw_dynamics ecef = {TW_FRAME_ECEF, TW_GRAVITY_J4, 2000.0};
  const tw_dynamics eci = {TW_FRAME_ECI, TW_GRAVITY_J4, 2000.0};
  static const double h_m[] = {0.0, 10e3, 40e3, 85e3, 120e3};
  for (size_t i = 0; i < sizeof h_m / sizeof h_m[0]; i++) {
    double r[3], v[3] = {-1500.0, 2500.0, -3000.0};
    point(r, 39.0, 127.0, h_m[i]);
    /* ECEF: the air is at rest, v_rel = v */
    check_drag(&ecef, r, v, v);
    /* ECI: the air turns with the Earth, v_rel = v - omega x r */
    double v_rel[3] = {v[0] + W * r[1], v[1] - W * r[0], v[2]};
    check_drag(&eci, r, v, v_rel);
  }
  /* a heavier body slows less, in proportion */
  double r[3], v[3] = {0.0, 0.0, -2000.0}, a1[3], a2[3];
  point(r, 0.0, 0.0, 30e3);
  tw_dynamics light = {TW_FRAME_ECEF, TW_GRAVITY_POINT, 1000.0}, heavy = light;
  heavy.beta_kg_m2 = 4000.0;
  drag_of(a1, &light, r, v);
  drag_of(a2, &heavy, r, v);
  assert_true(fabs(norm3(a1) / norm3(a2) - 4.0) < 1e-12);
  /* no air above 1,000 km, and none with beta = 0 */
  point(r, 10.0, 10.0, 1001e3);
  drag_of(a1, &light, r, v);
  assert_true(a1[0] == 0.0 && a1[1] == 0.0 && a1[2] == 0.0);
}

/* A body at rest on (or above) the rotating Earth, seen from ECI, moves with the air: no drag. */
static void test_corotating_air(void **state)
{
  (void)state;
  const tw_dynamics eci = {TW_FRAME_ECI, TW_GRAVITY_J4, 500.0};
  for (int lat = -80; lat <= 80; lat += 20) {
    double r[3];
    point(r, lat, 45.0 + lat, 5e3);
    double v[3] = {-W * r[1], W * r[0], 0.0}; /* omega x r */
    double a[3];
    drag_of(a, &eci, r, v);
    assert_true(norm3(a) == 0.0);
    /* while the same velocity in ECEF is a 300+ m/s wind */
    const tw_dynamics ecef = {TW_FRAME_ECEF, TW_GRAVITY_J4, 500.0};
    drag_of(a, &ecef, r, v);
    assert_true(norm3(a) > 0.0);
  }
}

/* At t = 0 the frames coincide; the ECEF acceleration must be the ECI one seen from the turning
 * frame: a_ecef = a_eci - 2 omega x v_ecef - omega x (omega x r), drag included. */
static void test_frames_agree(void **state)
{
  (void)state;
  for (int k = 0; k < 2; k++) {
    double beta = k ? 3000.0 : 0.0;
    const tw_dynamics ecef = {TW_FRAME_ECEF, TW_GRAVITY_J4, beta};
    const tw_dynamics eci = {TW_FRAME_ECI, TW_GRAVITY_J4, beta};
    double r[3], v_ecef[3] = {2100.0, -900.0, 3100.0};
    point(r, 41.0, 129.0, 60e3);
    double v_eci[3] = {v_ecef[0] - W * r[1], v_ecef[1] + W * r[0], v_ecef[2]};
    double a_r[3], a_i[3];
    tw_dynamics_accel(a_r, &ecef, r, v_ecef);
    tw_dynamics_accel(a_i, &eci, r, v_eci);
    double want[3] = {a_i[0] + 2.0 * W * v_ecef[1] + W * W * r[0],
                      a_i[1] - 2.0 * W * v_ecef[0] + W * W * r[1], a_i[2]};
    for (int i = 0; i < 3; i++)
      assert_true(fabs(a_r[i] - want[i]) < 1e-12);

    /* and the energies: Jacobi = E_inertial - omega . (r x v_eci) */
    double lz = r[0] * v_eci[1] - r[1] * v_eci[0];
    double e_r = tw_dynamics_energy(&ecef, r, v_ecef), e_i = tw_dynamics_energy(&eci, r, v_eci);
    assert_true(fabs(e_r - (e_i - W * lz)) < 1e-12 * fabs(e_i));
  }
}

static void test_rhs(void **state)
{
  (void)state;
  const tw_dynamics d = {TW_FRAME_ECI, TW_GRAVITY_J2, 1000.0};
  double y[6], dydt[6], a[3];
  point(y, -12.0, 160.0, 70e3);
  y[3] = 100.0;
  y[4] = -7000.0;
  y[5] = 200.0;
  assert_int_equal(tw_dynamics_rhs(12.5, y, dydt, (void *)&d), 0);
  tw_dynamics_accel(a, &d, y, y + 3);
  for (int i = 0; i < 3; i++) {
    assert_true(dydt[i] == y[3 + i]);
    assert_true(dydt[3 + i] == a[i]);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_height_fast),
    cmocka_unit_test(test_drag_direction_and_size),
    cmocka_unit_test(test_corotating_air),
    cmocka_unit_test(test_frames_agree),
    cmocka_unit_test(test_rhs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
