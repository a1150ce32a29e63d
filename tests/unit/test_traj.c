/* test_traj.c - the trajectory solver against real flights: every launch of the project's copy of
 * the North Korean launch facts (tests/data/nk_launches.csv) is flown to within 1% of its apogee
 * and range, reported flight times are matched to 3%, and bad requests get clear errors. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "nk_launches.h"
#include "triwatch/error.h"
#include "triwatch/traj.h"

static nk_launch g_launch[NK_MAX_LAUNCHES];
static int g_n;

static int load_launches(void) { return g_n = nk_launches_load(g_launch, NK_MAX_LAUNCHES); }

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static tw_traj_request request_of(const nk_launch *l)
{
  tw_traj_request r = {l->lat * TW_DEG, l->lon * TW_DEG, l->bearing * TW_DEG, l->apogee_km * 1e3,
                       l->range_km * 1e3, TW_CLASS_AUTO};
  assert_int_equal(tw_class_parse(&r.cls, l->cls), 0);
  return r;
}

/* Done-when 2 of the foundation issue: reported flight times within 3%, apogee and range 1%. */
static void test_reported_flight_times(void **state)
{
  (void)state;
  int checked = 0;
  for (int i = 0; i < g_n; i++) {
    const nk_launch *l = &g_launch[i];
    if (l->flight_s < 0)
      continue;
    tw_traj_request r = request_of(l);
    tw_traj t;
    char why[200];
    int rc = tw_traj_solve(&t, &r, 0.0, why, sizeof why);
    if (rc != 0)
      fail_msg("%s: %s (%s)", l->id, tw_strerror(rc), why);
    double err = t.flight_time_s / l->flight_s - 1.0;
    printf("  %-32s flight %6.0f s, reported %5.0f s (%+.1f%%)\n", l->id, t.flight_time_s,
           l->flight_s, 100.0 * err);
    assert_true(fabs(err) <= 0.03);
    assert_true(fabs(t.apogee_m / r.apogee_m - 1.0) <= 0.01);
    assert_true(fabs(t.range_m / r.range_m - 1.0) <= 0.01);
    tw_traj_free(&t);
    checked++;
  }
  assert_true(checked >= 4);
}

/* Done-when 3: every launch, SRBM to lofted ICBM, within 1% - or a clear reason. */
static void test_all_launches(void **state)
{
  (void)state;
  int flown = 0, refused = 0;
  double worst_s = 0.0;
  for (int i = 0; i < g_n; i++) {
    const nk_launch *l = &g_launch[i];
    tw_traj_request r = request_of(l);
    tw_traj t;
    char why[200];
    double t0 = now_s();
    int rc = tw_traj_solve(&t, &r, 0.0, why, sizeof why);
    double dt = now_s() - t0;
    if (dt > worst_s)
      worst_s = dt;
    if (rc == TW_EUNREACH) {
      /* a refusal must say why, and a class with more energy must then fly it */
      printf("  %-32s %-5s refused: %s\n", l->id, l->cls, why);
      assert_true(strlen(why) > 20);
      r.cls = TW_CLASS_AUTO;
      rc = tw_traj_solve(&t, &r, 0.0, why, sizeof why);
      if (rc != 0)
        fail_msg("%s: automatic class also failed: %s", l->id, why);
      printf("  %-32s flown as %s instead\n", l->id, tw_class_name(t.cls));
      refused++;
    } else if (rc != 0) {
      fail_msg("%s: %s (%s)", l->id, tw_strerror(rc), why);
    } else {
      flown++;
    }
    assert_true(fabs(t.apogee_m / r.apogee_m - 1.0) <= 0.01);
    assert_true(fabs(t.range_m / r.range_m - 1.0) <= 0.01);
    assert_true(fabs(tw_wrap_pi(t.bearing_rad - r.bearing_rad)) <= 1e-4);
    tw_traj_free(&t);
  }
  printf("  %d of %d flown with their catalogued class, %d refused with a reason; slowest solve "
         "%.0f ms\n", flown, g_n, refused, worst_s * 1e3);
  assert_int_equal(flown + refused, g_n);
  assert_true(flown >= g_n - 2);
#ifdef NDEBUG /* optimised builds only: sanitizers and -O0 are slower by design */
  assert_true(worst_s < 1.0);
#endif
}

/* Events in order, samples consistent with events, interpolation between samples. */
static void test_events_and_samples(void **state)
{
  (void)state;
  tw_traj_request r = {40.6112 * TW_DEG, 126.4257 * TW_DEG, 83.0 * TW_DEG, 970e3, 4500e3,
                       TW_CLASS_IRBM};
  tw_traj t;
  assert_int_equal(tw_traj_solve(&t, &r, 1.0, NULL, 0), 0);
  assert_true(t.n_events >= 6);
  assert_int_equal(t.events[0].kind, TW_TEV_LAUNCH);
  assert_int_equal(t.events[t.n_events - 1].kind, TW_TEV_IMPACT);
  int seen_apogee = 0, seen_burnout = 0;
  for (int i = 1; i < t.n_events; i++) {
    assert_true(t.events[i].t_s >= t.events[i - 1].t_s);
    if (t.events[i].kind == TW_TEV_APOGEE) {
      seen_apogee++;
      assert_true(fabs(t.events[i].t_s - t.apogee_time_s) < 1e-6);
    }
    if (t.events[i].kind == TW_TEV_BURNOUT) {
      seen_burnout++;
      assert_true(fabs(t.events[i].t_s - t.burnout_time_s) < 1e-9);
    }
  }
  assert_int_equal(seen_apogee, 1);
  assert_int_equal(seen_burnout, 1);
  assert_true(fabs(t.burnout_time_s - t.plan.cutoff_s) < 1e-9);

  /* one sample a second, from 0 to the impact */
  assert_true(t.n_states >= (size_t)t.flight_time_s);
  assert_true(fabs(t.states[t.n_states - 1].t_s - t.flight_time_s) < 1e-9);
  for (size_t i = 1; i < t.n_states; i++)
    assert_true(t.states[i].t_s > t.states[i - 1].t_s);
  tw_geodetic g;
  tw_ecef_to_geo(&g, t.states[t.n_states - 1].r);
  assert_true(fabs(g.h_m) < 1e-3); /* last sample on the ellipsoid */

  /* interpolation: at a sample it returns the sample; between, it is smooth and close to both */
  double rr[3], vv[3];
  const tw_traj_state *s = &t.states[300];
  assert_int_equal(tw_traj_state_at(&t, s->t_s, rr, vv), 0);
  for (int k = 0; k < 3; k++)
    assert_true(fabs(rr[k] - s->r[k]) < 1e-6);
  assert_int_equal(tw_traj_state_at(&t, s->t_s + 0.5, rr, vv), 0);
  double d = 0;
  for (int k = 0; k < 3; k++)
    d += (rr[k] - s->r[k] - 0.5 * s->v[k]) * (rr[k] - s->r[k] - 0.5 * s->v[k]);
  assert_true(sqrt(d) < 10.0); /* within 10 m of a straight-line step over half a second */

  /* the apogee sample is near the apogee height */
  assert_true(fabs(t.apogee_m - 970e3) < 1.0);
  tw_traj_free(&t);
  assert_null(t.states);
  tw_traj_free(&t); /* twice is safe */
}

static void test_bad_requests(void **state)
{
  (void)state;
  tw_traj t;
  char why[200];
  tw_traj_request ok = {39.0 * TW_DEG, 125.7 * TW_DEG, 80.0 * TW_DEG, 500e3, 1000e3,
                        TW_CLASS_AUTO};
  tw_traj_request r = ok;
  r.lat_rad = 123.0 * TW_DEG;
  assert_int_equal(tw_traj_solve(&t, &r, 0.0, why, sizeof why), TW_EINVAL);
  assert_non_null(strstr(why, "latitude"));
  r = ok;
  r.range_m = -5e3;
  assert_int_equal(tw_traj_solve(&t, &r, 0.0, why, sizeof why), TW_EINVAL);
  assert_non_null(strstr(why, "range"));
  r = ok;
  r.apogee_m = NAN;
  assert_int_equal(tw_traj_solve(&t, &r, 0.0, why, sizeof why), TW_EINVAL);
  assert_non_null(strstr(why, "apogee"));
  r = ok;
  r.bearing_rad = INFINITY;
  assert_int_equal(tw_traj_solve(&t, &r, 0.0, why, sizeof why), TW_EINVAL);
  r = ok;
  r.cls = (enum tw_missile_class)42;
  assert_int_equal(tw_traj_solve(&t, &r, 0.0, why, sizeof why), TW_EINVAL);
  assert_int_equal(tw_traj_solve(NULL, &ok, 0.0, why, sizeof why), TW_EINVAL);

  /* beyond every class: a clear reason, not a wrong answer */
  r = ok;
  r.cls = TW_CLASS_SRBM;
  r.apogee_m = 3000e3;
  assert_int_equal(tw_traj_solve(&t, &r, 0.0, why, sizeof why), TW_EUNREACH);
  assert_non_null(strstr(why, "SRBM"));
  r = ok;
  r.cls = TW_CLASS_AUTO;
  r.apogee_m = 15000e3;
  r.range_m = 100e3;
  assert_int_equal(tw_traj_solve(&t, &r, 0.0, why, sizeof why), TW_EUNREACH);
  assert_true(strlen(why) > 10);
  assert_null(t.states);
}

static void test_class_names(void **state)
{
  (void)state;
  enum tw_missile_class c;
  assert_int_equal(tw_class_parse(&c, "icbm-lofted"), 0);
  assert_int_equal(c, TW_CLASS_ICBM);
  assert_int_equal(tw_class_parse(&c, "SRBM"), 0);
  assert_int_equal(c, TW_CLASS_SRBM);
  assert_int_equal(tw_class_parse(&c, "SRBMX"), TW_EPARSE);
  assert_int_equal(tw_class_parse(&c, ""), TW_EPARSE);
  assert_int_equal(tw_class_parse(&c, NULL), TW_EPARSE);
  for (int k = TW_CLASS_SRBM; k <= TW_CLASS_ICBM; k++) {
    const tw_rocket *rk = tw_rocket_profile((enum tw_missile_class)k);
    assert_non_null(rk);
    assert_true(tw_rocket_delta_v(rk) > 3000.0);
  }
  assert_null(tw_rocket_profile(TW_CLASS_AUTO));
  /* the automatic class grows with the energy the flight needs */
  tw_traj_request r = {39.0 * TW_DEG, 125.7 * TW_DEG, 80.0 * TW_DEG, 100e3, 350e3, TW_CLASS_AUTO};
  assert_int_equal(tw_traj_auto_class(&r), TW_CLASS_SRBM);
  r.apogee_m = 970e3;
  r.range_m = 4500e3;
  assert_int_equal(tw_traj_auto_class(&r), TW_CLASS_IRBM);
  r.apogee_m = 6000e3;
  r.range_m = 1000e3;
  assert_int_equal(tw_traj_auto_class(&r), TW_CLASS_ICBM);
}

int main(void)
{
  if (load_launches() < 20) {
    fprintf(stderr, "test_traj: cannot read %s/nk_launches.csv\n", TW_TEST_DATA);
    return 1;
  }
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_reported_flight_times),
    cmocka_unit_test(test_all_launches),
    cmocka_unit_test(test_events_and_samples),
    cmocka_unit_test(test_bad_requests),
    cmocka_unit_test(test_class_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
