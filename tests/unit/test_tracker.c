/* test_tracker.c - the tracker on hostile and awkward input (NaN, infinities, impossible values,
 * unknown sensors, wrong sizes, reports out of order, an empty batch): each is counted, logged
 * and skipped, never a crash; and a real two-missile launch is tracked to one track per object
 * (small enough to run under the sanitizers). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "triwatch/error.h"
#include "triwatch/eval.h"
#include "triwatch/tracker.h"

static int g_logged;

static void count_log(void *ctx, const char *line)
{
  (void)ctx;
  assert_non_null(strstr(line, "rejected"));
  g_logged++;
}

static tw_meas good_radar(double t_s)
{
  tw_meas m = {0};
  m.t_ns = (tw_time_ns)(t_s * 1e9);
  m.t_report_ns = m.t_ns;
  m.sensor = 0;
  m.object = 0;
  m.n_z = 3;
  m.z[0] = 500e3;
  m.z[1] = 0.5;
  m.z[2] = 0.2;
  m.sigma[0] = 40.0;
  m.sigma[1] = m.sigma[2] = 2e-3;
  return m;
}

static void test_hostile_reports(void **state)
{
  (void)state;
  tw_sensor s[2];
  assert_true(tw_sensor_defaults(s, 2) == 2); /* an infrared satellite and another */
  tw_sensor radar[1];
  tw_sensor all[TW_MAX_SENSORS];
  int n = tw_sensor_defaults(all, TW_MAX_SENSORS);
  int ri = -1;
  for (int i = 0; i < n && ri < 0; i++)
    if (all[i].kind == TW_SENSOR_RADAR)
      ri = i;
  assert_true(ri >= 0);
  radar[0] = all[ri];
  tw_tracker_config c;
  tw_tracker_config_default(&c);
  c.log = count_log;
  g_logged = 0;
  tw_tracker *t = tw_tracker_new(&c, radar, 1, 0);
  assert_non_null(t);

  tw_meas bad[12];
  for (int i = 0; i < 12; i++)
    bad[i] = good_radar(1.0);
  bad[0].z[0] = NAN;
  bad[1].z[1] = INFINITY;
  bad[2].sigma[0] = 0.0;
  bad[3].sigma[2] = -1.0;
  bad[4].z[0] = -5.0;            /* negative range */
  bad[5].z[2] = 4.0;             /* elevation beyond the zenith */
  bad[6].sensor = 7;             /* unknown sensor */
  bad[7].sensor = -1;
  bad[8].n_z = 2;                /* wrong size for a radar */
  bad[9].n_z = 99;
  bad[10].sigma[1] = NAN;
  bad[11].z[0] = 1e300;
  assert_int_equal(tw_tracker_process(t, bad, 12), 0);
  tw_tracker_stats st;
  tw_tracker_get_stats(t, &st);
  assert_int_equal(st.rejected_bad, 12);
  assert_int_equal(g_logged, 12);
  assert_int_equal(tw_tracker_count(t), 0);

  /* a flood of bad reports is counted in full but logged sparingly */
  for (int k = 0; k < 3000; k++)
    assert_int_equal(tw_tracker_process(t, &bad[0], 1), 0);
  tw_tracker_get_stats(t, &st);
  assert_int_equal(st.rejected_bad, 3012);
  assert_true(g_logged <= 20 + 4);

  /* out of order: a report older than the last batch is counted */
  tw_meas a = good_radar(10.0), b = good_radar(5.0);
  assert_int_equal(tw_tracker_process(t, &a, 1), 0);
  assert_int_equal(tw_tracker_process(t, &b, 1), 0);
  tw_tracker_get_stats(t, &st);
  assert_int_equal(st.out_of_order, 1);

  /* empty batch, NULL tracker */
  assert_int_equal(tw_tracker_process(t, NULL, 0), 0);
  assert_int_equal(tw_tracker_process(NULL, &a, 1), TW_EINVAL);
  assert_null(tw_tracker_track(t, 99));
  tw_tracker_free(t);
  tw_tracker_free(NULL);
  assert_null(tw_tracker_new(NULL, NULL, 3, 0));
}

/* Two SRBMs launched together from one site, all sensors: one confirmed track per object, the
 * truth inside every 95% impact ellipse after burnout - with either filter. */
static void test_two_together(void **state)
{
  (void)state;
  static tw_scenario scn;
  char err[512];
  if (tw_scenario_load(&scn, TW_SCENARIO_DIR "/two-together-one-site.yaml", err, sizeof err) < 0)
    fail_msg("%s", err);
  /* with the EKF and with the cubature filter */
  for (int f = 0; f < 2; f++) {
    tw_tracker_config cfg;
    tw_tracker_config_default(&cfg);
    cfg.filter = f ? TW_FILTER_CKF : TW_FILTER_EKF;
    tw_eval e;
    assert_int_equal(tw_eval_run_cfg(&e, &scn, scn.seed, "ALL", &cfg, err, sizeof err), 0);
    for (int i = 0; i < e.n_objects; i++)
      if (e.object[i].detected)
        assert_int_equal(e.object[i].confirmed_tracks, 1);
    assert_int_equal(e.swaps, 0);
    assert_int_equal(e.false_tracks, 0);
    assert_int_equal(e.tracker.rejected_bad, 0);
    for (int l = 0; l < e.n_launches; l++) {
      assert_true(e.launch[l].first_track_s > 0.0);
      assert_true(e.launch[l].n_ipp > 5);
      for (int i = 0; i < e.launch[l].n_ipp; i++)
        if (e.launch[l].ipp[i].after_burnout)
          assert_true(e.launch[l].ipp[i].truth_inside_95);
    }
    printf("  %s: GOSPA %.2f km, NEES %.1f, RMSE %.0f m\n", f ? "CKF" : "EKF", e.gospa_mean,
           e.nees_mean, e.rmse_pos_m);
    tw_eval_free(&e);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_hostile_reports),
    cmocka_unit_test(test_two_together),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
