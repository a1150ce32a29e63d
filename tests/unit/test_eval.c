/* test_eval.c - tracking and prediction scored against the truth over the scenario library
 * (data/scenarios): impact-point consistency, Hwasong-12 accuracy and launch point, one track per
 * object in the salvos, and what sharing gains Japan. Each figure is printed beside its bar. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "triwatch/error.h"
#include "triwatch/eval.h"

static const char *const g_library[] = {
  "hwasong12-2022-10-04.yaml", "hwasong15-2017-11-29.yaml", "hwasong17-2022-11-18.yaml",
  "hwasong18-2023-04-13.yaml", "srbm-salvo-two-sites.yaml", "two-together-one-site.yaml",
};
#define N_LIB (sizeof g_library / sizeof g_library[0])

static tw_scenario g_scn;

static void load(const char *name)
{
  char path[1024], err[512];
  snprintf(path, sizeof path, "%s/%s", TW_SCENARIO_DIR, name);
  if (tw_scenario_load(&g_scn, path, err, sizeof err) < 0)
    fail_msg("%s", err);
}

static void run(tw_eval *e, const char *name, const char *nation)
{
  char err[512];
  load(name);
  int rc = tw_eval_run(e, &g_scn, g_scn.seed, nation, err, sizeof err);
  if (rc < 0)
    fail_msg("%s %s: %s (%s)", name, nation, tw_strerror(rc), err);
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Done-when 2: after burnout the true impact point is inside the 95% ellipse in >= 90% of the
 * predictions, and the ellipses are not absurdly large (median printed). */
static void test_consistency_over_library(void **state)
{
  (void)state;
  int inside = 0, total = 0;
  double *major = NULL;
  for (size_t s = 0; s < N_LIB; s++) {
    tw_eval e;
    run(&e, g_library[s], "ALL");
    int in_s = 0, n_s = 0;
    for (int l = 0; l < e.n_launches; l++)
      for (int i = 0; i < e.launch[l].n_ipp; i++) {
        const tw_eval_ipp *p = &e.launch[l].ipp[i];
        if (!p->after_burnout)
          continue;
        double *m = realloc(major, (size_t)(total + 1) * sizeof *m);
        assert_non_null(m);
        major = m;
        major[total++] = p->ellipse95_major_km;
        n_s++;
        in_s += p->truth_inside_95;
      }
    inside += in_s;
    printf("  %-28s %3d of %3d predictions after burnout with the truth inside the 95%% ellipse\n",
           g_library[s], in_s, n_s);
    tw_eval_free(&e);
  }
  assert_true(total > 100);
  qsort(major, (size_t)total, sizeof *major, cmp_double);
  double frac = (double)inside / total, med = major[total / 2];
  printf("  library: %d of %d = %.1f%% inside (bar: 90%%); median 95%% semi-major axis %.1f km, "
         "largest %.1f km\n", inside, total, 100.0 * frac, med, major[total - 1]);
  assert_true(frac >= 0.90);
  assert_true(frac < 1.0 || med < 50.0); /* not 100% by absurd ellipses */
  free(major);
}

/* Done-when 3: Hwasong-12, all sensors: 60 s after burnout the impact error is under 25 km and
 * the 95% semi-major axis under 100 km; the launch point is within 5 km. */
static void test_hwasong12_accuracy(void **state)
{
  (void)state;
  tw_eval e;
  run(&e, "hwasong12-2022-10-04.yaml", "ALL");
  const tw_eval_launch *l = &e.launch[0];
  const tw_eval_ipp *best = NULL;
  double want = l->burnout_s + 60.0;
  for (int i = 0; i < l->n_ipp; i++)
    if (!best || fabs(l->ipp[i].t_s - want) < fabs(best->t_s - want))
      best = &l->ipp[i];
  assert_non_null(best);
  printf("  T+%.0f s (burnout T+%.0f s + 60 s): impact error %.1f km (bar 25), 95%% ellipse "
         "%.1f x %.1f km (bar 100); launch point error %.1f km at T+%.0f s (bar 5)\n",
         best->t_s, l->burnout_s, best->error_km, best->ellipse95_major_km,
         best->ellipse95_minor_km, l->lpe_error_km, l->lpe_at_s);
  assert_true(fabs(best->t_s - want) <= 5.0);
  assert_true(best->error_km < 25.0);
  assert_true(best->ellipse95_major_km < 100.0);
  assert_true(l->lpe_error_km >= 0.0 && l->lpe_error_km < 5.0);
  tw_eval_free(&e);
}

/* Done-when 4: the salvos end with exactly one confirmed track per missile and per spent stage,
 * no swaps; GOSPA reported. */
static void test_salvos(void **state)
{
  (void)state;
  const char *salvos[] = {"srbm-salvo-two-sites.yaml", "two-together-one-site.yaml"};
  for (size_t s = 0; s < 2; s++) {
    tw_eval e;
    run(&e, salvos[s], "ALL");
    printf("  %s: %d confirmed tracks, %d false, %d swaps, GOSPA %.2f km\n", salvos[s],
           e.confirmed_tracks, e.false_tracks, e.swaps, e.gospa_mean);
    int expected = 0;
    for (int i = 0; i < e.n_objects; i++) {
      printf("    %-8s detected %d, confirmed tracks %d\n", e.object[i].id, e.object[i].detected,
             e.object[i].confirmed_tracks);
      if (e.object[i].detected) {
        assert_int_equal(e.object[i].confirmed_tracks, 1);
        expected++;
      }
    }
    assert_int_equal(e.confirmed_tracks, expected);
    assert_int_equal(e.swaps, 0);
    assert_int_equal(e.false_tracks, 0);
    tw_eval_free(&e);
  }
}

/* Done-when 5: sharing matters - Japan alone against all three nations' sensors. */
static void test_sharing_gains_japan_time(void **state)
{
  (void)state;
  tw_eval jpn, all;
  run(&jpn, "hwasong12-2022-10-04.yaml", "JPN");
  run(&all, "hwasong12-2022-10-04.yaml", "ALL");
  const tw_eval_launch *j = &jpn.launch[0], *a = &all.launch[0];
  printf("  first track: JPN T+%.0f s, ALL T+%.0f s: %.0f s gained\n", j->first_track_s,
         a->first_track_s, j->first_track_s - a->first_track_s);
  printf("  first 95%% ellipse under 100 km: JPN T+%.0f s, ALL T+%.0f s: %.0f s gained\n",
         j->first_ellipse95_under_100km_s, a->first_ellipse95_under_100km_s,
         j->first_ellipse95_under_100km_s - a->first_ellipse95_under_100km_s);
  assert_true(a->first_track_s >= 0 && j->first_track_s >= 0);
  assert_true(a->first_track_s < j->first_track_s);
  assert_true(a->first_ellipse95_under_100km_s >= 0);
  assert_true(j->first_ellipse95_under_100km_s < 0 ||
              a->first_ellipse95_under_100km_s <= j->first_ellipse95_under_100km_s);
  tw_eval_free(&jpn);
  tw_eval_free(&all);
}

static void test_unknown_nation(void **state)
{
  (void)state;
  tw_eval e;
  char err[256];
  load("two-together-one-site.yaml");
  assert_int_equal(tw_eval_run(&e, &g_scn, 1, "XYZ", err, sizeof err), TW_ENOENT);
  assert_non_null(strstr(err, "XYZ"));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_consistency_over_library),
    cmocka_unit_test(test_hwasong12_accuracy),
    cmocka_unit_test(test_salvos),
    cmocka_unit_test(test_sharing_gains_japan_time),
    cmocka_unit_test(test_unknown_nation),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
