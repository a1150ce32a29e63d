/* test_threat.c - threat determination: impact probabilities per area from a ground ellipse and
 * the areas a predicted flight passes over, with times (triwatch/threat.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "triwatch/areas.h"
#include "triwatch/error.h"
#include "triwatch/geo.h"
#include "triwatch/predict.h"
#include "triwatch/threat.h"
#include "triwatch/traj.h"

#define AREAS_FILE TW_DATA_DIR "/areas.json"
#define MAX_OUT 128

static int setup(void **state) {
  tw_areas *a = NULL;
  char err[256] = "";
  int n = tw_areas_load(&a, AREAS_FILE, err, sizeof err);
  if (n < 0) print_error("%s\n", err);
  *state = a;
  return n > 0 ? 0 : -1;
}

static int teardown(void **state) {
  tw_areas_free(*state);
  return 0;
}

/* A circular ellipse of sigma_m at (lat_deg, lon_deg), coming down at t_s +- 2 s. */
static tw_ground_ellipse circle(double lat_deg, double lon_deg, double sigma_m, double t_s) {
  tw_ground_ellipse g = {.lat_rad = lat_deg * TW_DEG, .lon_rad = lon_deg * TW_DEG};
  g.cov_en_m2[0] = g.cov_en_m2[3] = sigma_m * sigma_m;
  for (int k = 0; k < 2; k++) {
    double r = sigma_m * (k ? TW_ELLIPSE_K95 : TW_ELLIPSE_K50);
    g.semi_major_m[k] = g.semi_minor_m[k] = r;
  }
  g.t_s = t_s;
  g.sigma_t_s = 2.0;
  g.n_ground = 12;
  return g;
}

static const tw_threat_area *find_entry(const tw_threat_area *e, int n, int area) {
  for (int i = 0; i < n; i++)
    if (e[i].area == area) return &e[i];
  return NULL;
}

/* Entries equal field by field (the struct has padding, so not memcmp). */
static void assert_entries_equal(const tw_threat_area *x, const tw_threat_area *y, int n) {
  for (int i = 0; i < n; i++) {
    assert_int_equal(x[i].area, y[i].area);
    assert_true(x[i].probability == y[i].probability);
    assert_true(x[i].t_s == y[i].t_s && x[i].sigma_t_s == y[i].sigma_t_s);
    assert_true(x[i].t_first_s == y[i].t_first_s && x[i].t_last_s == y[i].t_last_s);
  }
}

static void test_impact_aomori(void **state) {
  const tw_areas *a = *state;
  tw_ground_ellipse g = circle(40.82, 140.74, 10e3, 650.0);
  tw_threat_area out[MAX_OUT];
  int n = tw_threat_impact(a, &g, 4000, 42, out, MAX_OUT);
  assert_true(n >= 1);
  assert_true(n <= MAX_OUT);
  int jp02 = tw_areas_find(a, "JP-02");
  assert_true(jp02 >= 0);
  assert_int_equal(out[0].area, jp02); /* the most likely */
  assert_true(out[0].probability > 0.5);
  assert_true((out[0].t_s) == (650.0));
  assert_true((out[0].sigma_t_s) == (2.0));
  for (int i = 1; i < n; i++) assert_true(out[i - 1].probability >= out[i].probability);
}

static void test_impact_sea_of_japan(void **state) {
  const tw_areas *a = *state;
  tw_ground_ellipse g = circle(40.0, 135.0, 300e3, 700.0);
  tw_threat_area out[MAX_OUT];
  const int n_samples = 20000;
  int n = tw_threat_impact(a, &g, n_samples, 7, out, MAX_OUT);
  assert_true(n >= 4);
  assert_true(n <= MAX_OUT);
  /* the sea (and non-partner land) has the largest share */
  assert_int_equal(out[0].area, TW_THREAT_NONE);
  assert_true(out[0].probability > 0.5);
  int n_jp = 0;
  double sum = 0.0;
  for (int i = 0; i < n; i++) {
    sum += out[i].probability;
    assert_true(out[i].probability > 1e-3);
    if (i > 0) assert_true(out[i - 1].probability >= out[i].probability);
    if (out[i].area == TW_THREAT_NONE) continue;
    if (strcmp(tw_areas_nation(a, out[i].area), "JPN") == 0) {
      n_jp++;
      assert_true(out[i].probability < 0.2);
    }
  }
  assert_true(n_jp >= 3);
  /* Samples are counted once unless they fall on a shared border, and areas at or below 1e-3
   * are left out (some twenty here, together about 0.013: the sum is 0.987 for this seed). */
  assert_true(fabs(sum - 1.0) < 0.02);

  /* same seed, same answer; another seed, close */
  tw_threat_area again[MAX_OUT];
  int n2 = tw_threat_impact(a, &g, n_samples, 7, again, MAX_OUT);
  assert_int_equal(n2, n);
  assert_entries_equal(again, out, n);
  n2 = tw_threat_impact(a, &g, n_samples, 8, again, MAX_OUT);
  assert_true(n2 > 0);
  const tw_threat_area *sea = find_entry(again, n2 < MAX_OUT ? n2 : MAX_OUT, TW_THREAT_NONE);
  assert_non_null(sea);
  double sd = sqrt(out[0].probability * (1.0 - out[0].probability) / n_samples);
  assert_true(fabs(sea->probability - out[0].probability) < 6.0 * sd);

  /* max smaller than the count: the first max are written, the count returned */
  tw_threat_area two[2];
  assert_int_equal(tw_threat_impact(a, &g, n_samples, 7, two, 2), n);
  assert_entries_equal(two, out, 2);
  assert_int_equal(tw_threat_impact(a, &g, n_samples, 7, NULL, 0), n);
}

static void test_impact_degenerate_cov(void **state) {
  /* a zero covariance is a point: every sample at the centre */
  const tw_areas *a = *state;
  tw_ground_ellipse g = circle(40.82, 140.74, 0.0, 600.0);
  tw_threat_area out[4];
  int n = tw_threat_impact(a, &g, 100, 1, out, 4);
  assert_int_equal(n, 1);
  assert_string_equal(tw_areas_code(a, out[0].area), "JP-02");
  assert_true((out[0].probability) == (1.0));
}

static void test_impact_bad_args(void **state) {
  const tw_areas *a = *state;
  tw_ground_ellipse g = circle(40.82, 140.74, 10e3, 650.0);
  tw_threat_area out[4], before[4];
  memset(out, 0x5a, sizeof out);
  memcpy(before, out, sizeof out);
  assert_int_equal(tw_threat_impact(NULL, &g, 100, 1, out, 4), TW_EINVAL);
  assert_int_equal(tw_threat_impact(a, NULL, 100, 1, out, 4), TW_EINVAL);
  assert_int_equal(tw_threat_impact(a, &g, 0, 1, out, 4), TW_EINVAL);
  assert_int_equal(tw_threat_impact(a, &g, TW_THREAT_MAX_SAMPLES + 1, 1, out, 4), TW_EINVAL);
  assert_int_equal(tw_threat_impact(a, &g, 100, 1, out, -1), TW_EINVAL);
  assert_int_equal(tw_threat_impact(a, &g, 100, 1, NULL, 4), TW_EINVAL);
  tw_ground_ellipse bad = g;
  bad.lat_rad = NAN;
  assert_int_equal(tw_threat_impact(a, &bad, 100, 1, out, 4), TW_EINVAL);
  bad = g;
  bad.lat_rad = 2.0;
  assert_int_equal(tw_threat_impact(a, &bad, 100, 1, out, 4), TW_EINVAL);
  bad = g;
  bad.t_s = INFINITY;
  assert_int_equal(tw_threat_impact(a, &bad, 100, 1, out, 4), TW_EINVAL);
  bad = g;
  bad.cov_en_m2[0] = -1.0; /* negative variance */
  assert_int_equal(tw_threat_impact(a, &bad, 100, 1, out, 4), TW_EINVAL);
  bad = g;
  bad.cov_en_m2[1] = bad.cov_en_m2[2] = 2e8; /* |rho| > 1 */
  assert_int_equal(tw_threat_impact(a, &bad, 100, 1, out, 4), TW_EINVAL);
  bad = g;
  bad.cov_en_m2[1] = 1e7; /* not symmetric */
  assert_int_equal(tw_threat_impact(a, &bad, 100, 1, out, 4), TW_EINVAL);
  bad = g;
  bad.cov_en_m2[3] = NAN;
  assert_int_equal(tw_threat_impact(a, &bad, 100, 1, out, 4), TW_EINVAL);
  assert_memory_equal(out, before, sizeof out);
}

static void test_overflight_hwasong12(void **state) {
  const tw_areas *a = *state;
  tw_traj_request req = {.lat_rad = 40.6112 * TW_DEG,
                         .lon_rad = 126.4257 * TW_DEG,
                         .bearing_rad = 84.5 * TW_DEG,
                         .apogee_m = 970e3,
                         .range_m = 4500e3,
                         .cls = TW_CLASS_IRBM};
  tw_traj tr;
  char why[128] = "";
  int rc = tw_traj_solve(&tr, &req, 1.0, why, sizeof why);
  if (rc != 0) print_error("%s\n", why);
  assert_int_equal(rc, 0);
  tw_threat_area out[MAX_OUT];
  int n = tw_threat_overflight(a, tr.states, tr.n_states, 0.0, out, MAX_OUT);
  assert_true(n >= 1);
  assert_true(n <= MAX_OUT);
  int jp02 = tw_areas_find(a, "JP-02");
  const tw_threat_area *e = find_entry(out, n, jp02);
  assert_non_null(e);
  print_message("JP-02 overflown from T+%.0f s to T+%.0f s\n", e->t_first_s, e->t_last_s);
  assert_true(e->t_first_s >= 380.0 && e->t_first_s <= 440.0);
  assert_true(e->t_last_s >= e->t_first_s);
  assert_true((e->t_s) == (e->t_first_s));
  assert_true((e->probability) == (1.0));
  for (int i = 1; i < n; i++) assert_true(out[i - 1].t_first_s <= out[i].t_first_s);

  /* from after the passage over Aomori, it is no longer overflown */
  tw_threat_area later[MAX_OUT];
  int n_later = tw_threat_overflight(a, tr.states, tr.n_states, e->t_last_s + 5.0, later, MAX_OUT);
  assert_true(n_later >= 0);
  assert_null(find_entry(later, n_later < MAX_OUT ? n_later : MAX_OUT, jp02));
  /* after impact: nothing */
  assert_int_equal(tw_threat_overflight(a, tr.states, tr.n_states, tr.flight_time_s + 1.0, later,
                                        MAX_OUT),
                   0);
  tw_traj_free(&tr);
}

static void test_overflight_bad_args(void **state) {
  const tw_areas *a = *state;
  tw_geodetic p = {.lat_rad = 40.82 * TW_DEG, .lon_rad = 140.74 * TW_DEG, .h_m = 500e3};
  tw_traj_state st[2] = {{.t_s = 10.0}, {.t_s = 11.0}};
  tw_geo_to_ecef(st[0].r, &p);
  tw_geo_to_ecef(st[1].r, &p);
  tw_threat_area out[4], before[4];
  memset(out, 0x5a, sizeof out);
  memcpy(before, out, sizeof out);
  assert_int_equal(tw_threat_overflight(NULL, st, 2, 0.0, out, 4), TW_EINVAL);
  assert_int_equal(tw_threat_overflight(a, NULL, 2, 0.0, out, 4), TW_EINVAL);
  assert_int_equal(tw_threat_overflight(a, st, 0, 0.0, out, 4), TW_EINVAL);
  assert_int_equal(tw_threat_overflight(a, st, 2, NAN, out, 4), TW_EINVAL);
  assert_int_equal(tw_threat_overflight(a, st, 2, 0.0, out, -1), TW_EINVAL);
  assert_int_equal(tw_threat_overflight(a, st, 2, 0.0, NULL, 4), TW_EINVAL);
  tw_traj_state bad[2] = {st[1], st[0]}; /* times decreasing */
  assert_int_equal(tw_threat_overflight(a, bad, 2, 0.0, out, 4), TW_EINVAL);
  bad[0] = st[0];
  bad[1] = st[1];
  bad[1].r[2] = NAN;
  assert_int_equal(tw_threat_overflight(a, bad, 2, 0.0, out, 4), TW_EINVAL);
  assert_memory_equal(out, before, sizeof out);
  /* a valid call: the one point over Aomori */
  assert_int_equal(tw_threat_overflight(a, st, 2, 0.0, out, 4), 1);
  assert_string_equal(tw_areas_code(a, out[0].area), "JP-02");
  assert_true((out[0].t_first_s) == (10.0));
  assert_true((out[0].t_last_s) == (11.0));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_impact_aomori),
      cmocka_unit_test(test_impact_sea_of_japan),
      cmocka_unit_test(test_impact_degenerate_cov),
      cmocka_unit_test(test_impact_bad_args),
      cmocka_unit_test(test_overflight_hwasong12),
      cmocka_unit_test(test_overflight_bad_args),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
