/* test_warn.c - the alert policy (triwatch/warn.h): which areas a prediction threatens, and the
 * lifecycle of a warning: new, update, passed, impacted, cancelled (and not cancelled by silence
 * or by another track). */
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
#include "triwatch/traj.h"
#include "triwatch/warn.h"

#define AREAS_FILE TW_DATA_DIR "/areas.json"

static tw_areas *g_areas;

static int setup(void **state)
{
  (void)state;
  char err[256] = "";
  int n = tw_areas_load(&g_areas, AREAS_FILE, err, sizeof err);
  if (n < 0)
    print_error("%s\n", err);
  return n > 0 ? 0 : -1;
}

static int teardown(void **state)
{
  (void)state;
  tw_areas_free(g_areas);
  return 0;
}

/* Fly from the Hwasong-12 site to (lat, lon) over apogee_km; state at t_s with its impact
 * ellipse from a small covariance. */
static void flight(double lat, double lon, double apogee_km, double t_s, double x6[6],
                   tw_ground_ellipse *g, double *impact_s)
{
  double site_lat = 40.6112 * TW_DEG, site_lon = 126.4257 * TW_DEG, d, az;
  tw_geodesic_inverse(site_lat, site_lon, lat * TW_DEG, lon * TW_DEG, &d, &az, NULL);
  tw_traj_request req = {site_lat, site_lon, az, apogee_km * 1e3, d, TW_CLASS_AUTO};
  tw_traj tr;
  char why[160] = "";
  int rc = tw_traj_solve(&tr, &req, 1.0, why, sizeof why);
  if (rc)
    print_error("%s\n", why);
  assert_int_equal(rc, 0);
  assert_true(t_s > tr.burnout_time_s);
  assert_int_equal(tw_traj_state_at(&tr, t_s, x6, x6 + 3), 0);
  double P[36] = {0};
  for (int i = 0; i < 3; i++) {
    P[i * 7] = 200.0 * 200.0;
    P[(i + 3) * 7] = 2.0 * 2.0;
  }
  assert_int_equal(tw_predict_impact(g, t_s, x6, P, 0.0, 0.0, 7200.0), 0);
  *impact_s = tr.flight_time_s;
  tw_traj_free(&tr);
}

static int take(tw_warn *w, tw_warn_event *ev, int max)
{
  int n = tw_warn_events(w, ev, max);
  assert_true(n >= 0);
  for (int i = 0; i < n; i++)
    print_message("  %s %s %s at T+%.0f: %s\n", tw_warn_event_name(ev[i].event),
                  tw_warn_kind_name(ev[i].kind), tw_warn_area_code(w, &ev[i]), ev[i].t_s, ev[i].why);
  return n;
}

static const tw_warn_event *find(const tw_warn *w, const tw_warn_event *ev, int n,
                                 tw_warn_event_kind k, tw_warn_kind kind, const char *code)
{
  for (int i = 0; i < n; i++)
    if (ev[i].event == k && ev[i].kind == kind && !strcmp(tw_warn_area_code(w, &ev[i]), code))
      return &ev[i];
  return NULL;
}

/* The Hwasong-12 flight from after burnout: overflight of Aomori, nothing for impact (open sea),
 * the warning ends after the passage; nothing is warned in North Korea. */
static void test_overflight_lifecycle(void **state)
{
  (void)state;
  tw_warn_config c;
  tw_warn_config_default(&c);
  tw_warn *w = tw_warn_new(&c, g_areas, NULL);
  assert_non_null(w);
  double x6[6], t_imp;
  tw_ground_ellipse g;
  flight(33.3869, 176.8822, 970.0, 200.0, x6, &g, &t_imp);
  int n = tw_warn_predict(w, 7, 200.0, x6, 0.0, &g);
  assert_true(n >= 1);
  tw_warn_event ev[32];
  n = take(w, ev, 32);
  const tw_warn_event *e = find(w, ev, n, TW_WARN_NEW, TW_WARN_OVERFLIGHT, "JP-02");
  assert_non_null(e);
  assert_true(e->expected_t_s > 380.0 && e->expected_t_s < 450.0);
  assert_true(strstr(e->why, "Aomori") != NULL);
  for (int i = 0; i < n; i++) {
    assert_true(strncmp(tw_warn_area_code(w, &ev[i]), "KP", 2) != 0);
    assert_int_equal(ev[i].kind, TW_WARN_OVERFLIGHT); /* impact is in the open ocean */
  }
  /* the same prediction again: nothing new */
  assert_true(tw_warn_predict(w, 7, 202.0, x6, 0.0, &g) >= 1);
  assert_int_equal(take(w, ev, 32), 0);
  /* time passes without predictions (the track is lost): not cancelled, ended after passing */
  for (double t = 203.0; t < e->expected_t_s; t += 1.0)
    assert_int_equal(tw_warn_tick(w, t), 0);
  assert_int_equal(take(w, ev, 32), 0);
  for (double t = 400.0; t < 600.0; t += 1.0)
    assert_int_equal(tw_warn_tick(w, t), 0);
  n = take(w, ev, 32);
  e = find(w, ev, n, TW_WARN_PASSED, TW_WARN_OVERFLIGHT, "JP-02");
  assert_non_null(e);
  assert_true(e->t_s > 420.0);
  assert_null(find(w, ev, n, TW_WARN_CANCEL, TW_WARN_OVERFLIGHT, "JP-02"));
  tw_warn_free(w);
}

/* A short flight into Aomori: an impact warning; the same track then predicts the open sea and
 * the warning is cancelled after cancel_after_s, saying why; another track that never
 * threatened the area does not cancel it. */
static void test_impact_and_cancel(void **state)
{
  (void)state;
  tw_warn_config c;
  tw_warn_config_default(&c);
  tw_warn *w = tw_warn_new(&c, g_areas, NULL);
  assert_non_null(w);
  double x6[6], t_imp, y6[6], t_far;
  tw_ground_ellipse g, far;
  flight(40.75, 140.75, 300.0, 240.0, x6, &g, &t_imp); /* lands near Aomori city */
  flight(41.0, 133.0, 300.0, 240.0, y6, &far, &t_far); /* the Sea of Japan */
  tw_warn_event ev[32];
  assert_true(tw_warn_predict(w, 1, 240.0, x6, 0.0, &g) >= 1);
  int n = take(w, ev, 32);
  const tw_warn_event *e = find(w, ev, n, TW_WARN_NEW, TW_WARN_IMPACT, "JP-02");
  assert_non_null(e);
  assert_true(e->probability > 0.5);
  assert_true(fabs(e->expected_t_s - t_imp) < 5.0);
  /* another track, elsewhere: no effect on Aomori's warning */
  assert_true(tw_warn_predict(w, 2, 241.0, y6, 0.0, &far) >= 0);
  n = take(w, ev, 32);
  for (int i = 0; i < n; i++)
    assert_true(strcmp(tw_warn_area_code(w, &ev[i]), "JP-02") != 0);
  for (double t = 241.0; t < 270.0; t += 1.0)
    tw_warn_tick(w, t);
  assert_int_equal(take(w, ev, 32), 0);
  /* track 1 now predicts the Sea of Japan: cancel after cancel_after_s with the reason */
  assert_true(tw_warn_predict(w, 1, 270.0, y6, 0.0, &far) >= 0);
  tw_warn_tick(w, 270.0 + c.cancel_after_s - 1.0);
  n = take(w, ev, 32);
  assert_null(find(w, ev, n, TW_WARN_CANCEL, TW_WARN_IMPACT, "JP-02"));
  tw_warn_tick(w, 270.0 + c.cancel_after_s);
  n = take(w, ev, 32);
  e = find(w, ev, n, TW_WARN_CANCEL, TW_WARN_IMPACT, "JP-02");
  assert_non_null(e);
  assert_true(strstr(e->why, "no longer threatened") != NULL);
  assert_true(strstr(e->why, "Aomori") != NULL);
  tw_warn_free(w);
}

/* A prediction whose ellipse is too large to act on threatens nothing. */
static void test_large_ellipse_ignored(void **state)
{
  (void)state;
  tw_warn_config c;
  tw_warn_config_default(&c);
  c.max_ellipse_km = 1.0;
  tw_warn *w = tw_warn_new(&c, g_areas, NULL);
  double x6[6], t_imp;
  tw_ground_ellipse g;
  flight(40.75, 140.75, 300.0, 240.0, x6, &g, &t_imp);
  g.semi_major_m[1] = 5e3;
  assert_int_equal(tw_warn_predict(w, 1, 240.0, x6, 0.0, &g), 0);
  tw_warn_event ev[4];
  assert_int_equal(tw_warn_events(w, ev, 4), 0);
  tw_warn_free(w);
}

/* The coasting gate: settle_s of coast without a break; thrust or a boost-probable filter
 * restarts the count; tracks are counted apart. */
static void test_coasting(void **state)
{
  (void)state;
  tw_warn_config c;
  tw_warn_config_default(&c);
  tw_warn *w = tw_warn_new(&c, g_areas, NULL);
  assert_non_null(w);
  assert_int_equal(tw_warn_coasting(w, 1, 100.0, 20.0, 0.9), 0); /* burning */
  assert_int_equal(tw_warn_coasting(w, 1, 101.0, 0.1, 0.1), 0);  /* coasting from 101 */
  assert_int_equal(tw_warn_coasting(w, 1, 110.5, 0.1, 0.1), 0);
  assert_int_equal(tw_warn_coasting(w, 1, 111.0, 0.1, 0.1), 1);
  assert_int_equal(tw_warn_coasting(w, 2, 111.0, 0.1, 0.1), 0);  /* another track: its own */
  assert_int_equal(tw_warn_coasting(w, 1, 112.0, 0.1, 0.6), 0);  /* boost probable again */
  assert_int_equal(tw_warn_coasting(w, 1, 113.0, -3.0, 0.1), 0); /* thrust, either sign */
  assert_int_equal(tw_warn_coasting(w, 1, 114.0, 0.0, 0.0), 0);
  assert_int_equal(tw_warn_coasting(w, 1, 124.0, 0.0, 0.0), 1);
  assert_int_equal(tw_warn_coasting(w, 1, NAN, 0.0, 0.0), TW_EINVAL);
  tw_warn_free(w);
}

static void test_bad_arguments(void **state)
{
  (void)state;
  tw_warn_config c;
  tw_warn_config_default(&c);
  assert_null(tw_warn_new(&c, NULL, NULL));
  tw_warn_config b = c;
  b.p_impact = 0.0;
  assert_null(tw_warn_new(&b, g_areas, NULL));
  b = c;
  b.corridor_max_km = c.corridor_km - 1.0;
  assert_null(tw_warn_new(&b, g_areas, NULL));
  b = c;
  b.n_nations = 0;
  assert_null(tw_warn_new(&b, g_areas, NULL));
  tw_warn *w = tw_warn_new(&c, g_areas, NULL);
  assert_non_null(w);
  double x6[6] = {NAN, 0, 0, 0, 0, 0};
  tw_ground_ellipse g = {0};
  assert_int_equal(tw_warn_predict(w, 1, 0.0, x6, 0.0, &g), TW_EINVAL);
  assert_int_equal(tw_warn_tick(w, NAN), TW_EINVAL);
  assert_int_equal(tw_warn_events(w, NULL, 1), TW_EINVAL);
  assert_string_equal(tw_warn_kind_name(TW_WARN_IMPACT), "impact");
  assert_string_equal(tw_warn_event_name(TW_WARN_CANCEL), "cancel");
  assert_null(tw_warn_event_name((tw_warn_event_kind)99));
  tw_warn_free(w);
  tw_warn_free(NULL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_overflight_lifecycle),
    cmocka_unit_test(test_impact_and_cancel),
    cmocka_unit_test(test_large_ellipse_ignored),
    cmocka_unit_test(test_coasting),
    cmocka_unit_test(test_bad_arguments),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
