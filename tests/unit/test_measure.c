/* test_measure.c - the trackers' measurement and motion models against numerical derivatives:
 * radar and infrared Jacobians, the radar point conversion, two-ray triangulation, and the motion
 * model's covariance transition against finite differences of its own mean propagation. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "track/measure.h"
#include "track/motion.h"
#include "triwatch/geo.h"
#include "triwatch/sensor.h"

static void site_of(tw_site *s, double lat, double lon, double h)
{
  tw_geodetic g = {lat * TW_DEG, lon * TW_DEG, h};
  tw_geo_to_ecef(s->r, &g);
  tw_enu_basis(s->enu, g.lat_rad, g.lon_rad);
}

static void target(double x[TW_MX])
{
  tw_geodetic g = {39.5 * TW_DEG, 131.0 * TW_DEG, 600e3};
  tw_geo_to_ecef(x, &g);
  x[3] = 2100.0;
  x[4] = -3900.0;
  x[5] = 1500.0;
  x[6] = 20.0;
  x[7] = -3.0;
  x[8] = 1.0 / 8000.0;
}

static void check_jacobian(int ir, int n_z)
{
  tw_site s;
  if (ir)
    site_of(&s, 0.0, 110.0, TW_GEO_ALT_M);
  else
    site_of(&s, 36.9, 127.5, 100.0);
  double x[TW_MX], z0[4], H[4 * TW_MX];
  target(x);
  if (ir)
    tw__meas_ir(z0, H, x, &s);
  else
    tw__meas_radar(z0, H, x, &s, n_z);
  for (int j = 0; j < 6; j++) {
    double xp[TW_MX], xm[TW_MX], zp[4], zm[4];
    double h = j < 3 ? 1.0 : 0.01;
    memcpy(xp, x, sizeof xp);
    memcpy(xm, x, sizeof xm);
    xp[j] += h;
    xm[j] -= h;
    if (ir) {
      tw__meas_ir(zp, NULL, xp, &s);
      tw__meas_ir(zm, NULL, xm, &s);
    } else {
      tw__meas_radar(zp, NULL, xp, &s, n_z);
      tw__meas_radar(zm, NULL, xm, &s, n_z);
    }
    for (int i = 0; i < n_z; i++) {
      double num = (zp[i] - zm[i]) / (2 * h), ana = H[i * TW_MX + j];
      double tol = 1e-6 * fabs(num) + (i == 0 || i == 3 ? 1e-9 : 1e-12);
      if (fabs(num - ana) > tol)
        fail_msg("%s z%d / x%d: numerical %.9g analytic %.9g", ir ? "ir" : "radar", i, j, num, ana);
    }
  }
}

static void test_radar_jacobian(void **state)
{
  (void)state;
  check_jacobian(0, 3);
  check_jacobian(0, 4);
}

static void test_ir_jacobian(void **state)
{
  (void)state;
  check_jacobian(1, 2);
}

static void test_radar_point_round_trip(void **state)
{
  (void)state;
  tw_site s;
  site_of(&s, 36.9, 127.5, 100.0);
  double x[TW_MX], z[4], p[3], R[9], sg[3] = {40.0, 2e-3, 2e-3};
  target(x);
  tw__meas_radar(z, NULL, x, &s, 3);
  tw__radar_point(p, R, z, sg, &s);
  for (int i = 0; i < 3; i++)
    assert_true(fabs(p[i] - x[i]) < 1e-6);
  /* variance: range sigma_r^2, azimuth (range cos(el) sigma)^2, elevation (range sigma)^2 */
  double tr = R[0] + R[4] + R[8], ra = z[0] * cos(z[2]) * 2e-3, re = z[0] * 2e-3;
  assert_true(fabs(tr - (40.0 * 40.0 + ra * ra + re * re)) < 1e-6 * tr);
}

static void test_triangulation(void **state)
{
  (void)state;
  tw_site a, b;
  site_of(&a, 0.0, 110.0, TW_GEO_ALT_M);
  site_of(&b, 0.0, 165.0, TW_GEO_ALT_M);
  double x[TW_MX], za[2], zb[2], ua[3], ub[3], p[3], P[9], miss;
  target(x);
  tw__meas_ir(za, NULL, x, &a);
  tw__meas_ir(zb, NULL, x, &b);
  tw__los_unit(ua, za[0], za[1]);
  tw__los_unit(ub, zb[0], zb[1]);
  assert_int_equal(tw__triangulate(p, P, &miss, a.r, ua, 20e-6, b.r, ub, 20e-6), 0);
  assert_true(miss < 1e-3);
  for (int i = 0; i < 3; i++)
    assert_true(fabs(p[i] - x[i]) < 1e-2);
  assert_true(P[0] > 0 && P[4] > 0 && P[8] > 0);
  assert_true(sqrt(P[0] + P[4] + P[8]) < 5000.0); /* ~1 km per axis from 40,000 km */
  /* parallel rays cannot be triangulated */
  assert_int_equal(tw__triangulate(p, P, &miss, a.r, ua, 20e-6, a.r, ua, 20e-6), -1);
}

/* The covariance transition F must be the derivative of the mean propagation. */
static void test_motion_transition(void **state)
{
  (void)state;
  for (int m = 0; m < TW_N_MODELS; m++) {
    double x[TW_MX], P[TW_MX2] = {0};
    target(x);
    if (m != TW_MODEL_BOOST) {
      tw_geodetic g = {39.5 * TW_DEG, 131.0 * TW_DEG, 60e3}; /* in the air: drag matters */
      tw_geo_to_ecef(x, &g);
    }
    for (int j = 0; j < TW_MX; j++) { /* unit perturbations along each axis, one at a time */
      double h = j < 3 ? 1.0 : j < 6 ? 0.01 : j < 8 ? 1e-3 : 1e-7;
      double xp[TW_MX], xm[TW_MX], P0[TW_MX2] = {0};
      memcpy(xp, x, sizeof xp);
      memcpy(xm, x, sizeof xm);
      xp[j] += h;
      xm[j] -= h;
      tw__motion_predict_mean(xp, (enum tw_motion_model)m, 1.0);
      tw__motion_predict_mean(xm, (enum tw_motion_model)m, 1.0);
      /* column j of F: propagate P0 = e_j e_j^T with no noise and read P[i][j] = F_ij F_jj... use
       * the mean difference instead and compare with F through P = F e_j e_j^T F^T */
      double xc[TW_MX];
      memcpy(xc, x, sizeof xc);
      P0[j * TW_MX + j] = 1.0;
      tw_motion_noise zero = {0, 0, 0};
      tw__motion_predict(xc, P0, (enum tw_motion_model)m, &zero, 1.0);
      for (int i = 0; i < TW_MX; i++) {
        double num = (xp[i] - xm[i]) / (2 * h);
        double fij2 = P0[i * TW_MX + i]; /* = F_ij^2 */
        double ana = sqrt(fmax(fij2, 0.0));
        if (fabs(fabs(num) - ana) > 5e-2 * fabs(num) + 1e-5) /* F: second order in the step */
          fail_msg("model %d: dx%d/dx%d numerical %.9g, |F| %.9g", m, i, j, num, ana);
      }
    }
    (void)P;
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_radar_jacobian),
    cmocka_unit_test(test_ir_jacobian),
    cmocka_unit_test(test_radar_point_round_trip),
    cmocka_unit_test(test_triangulation),
    cmocka_unit_test(test_motion_transition),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
