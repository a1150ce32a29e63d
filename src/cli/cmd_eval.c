/* cmd_eval.c - `triwatch eval SCENARIO [--nation USA|JPN|KOR|ALL] [--seed N] [--json]
 * [--compare NATION]`: simulate, track with one nation's sensors (or all), score the picture. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "triwatch/error.h"
#include "triwatch/eval.h"

static const char g_eval_help[] =
  "usage: triwatch eval SCENARIO [--nation USA|JPN|KOR|ALL] [--seed N] [--json]\n"
  "                     [--compare NATION] [--filter ekf|ckf]\n"
  "\n"
  "Simulates the scenario, tracks with that nation's sensors only (ALL: every sensor as one\n"
  "picture) and scores the result against the truth: first detection and first track, an\n"
  "impact-point prediction with its 95% ellipse every 10 s, the launch-point error, GOSPA,\n"
  "NEES, RMSE beside the posterior Cramer-Rao bound. --json prints one JSON object (times in\n"
  "seconds after each launch). --compare NATION evaluates NATION and ALL and prints the seconds\n"
  "that sharing gains. --filter ckf tracks with the cubature Kalman filter instead of the EKF.\n"
  "docs/evaluation.md defines each figure.\n";

static json_t *num_or_null(double v) { return v < 0 ? json_null() : json_real(v); }

static json_t *to_json(const tw_eval *e)
{
  json_t *o = json_object(), *ls = json_array(), *objs = json_object();
  json_object_set_new(o, "scenario", json_string(e->scenario));
  json_object_set_new(o, "nation", json_string(e->nation));
  for (int l = 0; l < e->n_launches; l++) {
    const tw_eval_launch *el = &e->launch[l];
    json_t *ipp = json_array();
    for (int i = 0; i < el->n_ipp; i++) {
      const tw_eval_ipp *p = &el->ipp[i];
      json_array_append_new(ipp, json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:b, s:b, s:f, s:b}",
          "t_s", p->t_s, "error_km", p->error_km, "ellipse95_major_km", p->ellipse95_major_km,
          "ellipse95_minor_km", p->ellipse95_minor_km, "ellipse50_major_km",
          p->ellipse50_major_km, "ellipse50_minor_km", p->ellipse50_minor_km,
          "truth_inside_95", p->truth_inside_95, "truth_inside_50", p->truth_inside_50,
          "impact_time_error_s", p->impact_time_error_s, "after_burnout", p->after_burnout));
    }
    json_t *lj = json_object();
    json_object_set_new(lj, "id", json_string(el->id));
    json_object_set_new(lj, "first_detection_s", num_or_null(el->first_detection_s));
    json_object_set_new(lj, "first_track_s", num_or_null(el->first_track_s));
    json_object_set_new(lj, "first_ellipse95_under_100km_s",
                        num_or_null(el->first_ellipse95_under_100km_s));
    json_object_set_new(lj, "burnout_s", json_real(el->burnout_s));
    json_object_set_new(lj, "flight_s", json_real(el->flight_s));
    json_object_set_new(lj, "ipp", ipp);
    json_object_set_new(lj, "lpe_error_km", num_or_null(el->lpe_error_km));
    json_object_set_new(lj, "lpe_at_s", num_or_null(el->lpe_at_s));
    json_array_append_new(ls, lj);
  }
  json_object_set_new(o, "launches", ls);
  for (int i = 0; i < e->n_objects; i++)
    json_object_set_new(objs, e->object[i].id,
                        json_pack("{s:b, s:i}", "detected", e->object[i].detected,
                                  "confirmed_tracks", e->object[i].confirmed_tracks));
  json_object_set_new(o, "objects", objs);
  json_object_set_new(o, "gospa_mean", json_real(e->gospa_mean));
  json_object_set_new(o, "nees_mean", json_real(e->nees_mean));
  json_object_set_new(o, "rmse_pos_m", json_real(e->rmse_pos_m));
  json_object_set_new(o, "pcrlb_pos_m", json_real(e->pcrlb_pos_m));
  json_object_set_new(o, "rmse_pos_coast_m", json_real(e->rmse_pos_coast_m));
  json_object_set_new(o, "confirmed_tracks", json_integer(e->confirmed_tracks));
  json_object_set_new(o, "false_tracks", json_integer(e->false_tracks));
  json_object_set_new(o, "swaps", json_integer(e->swaps));
  json_object_set_new(o, "reports", json_integer((json_int_t)e->n_reports));
  json_object_set_new(o, "tracker", json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}",
      "processed", (json_int_t)e->tracker.processed, "rejected_bad",
      (json_int_t)e->tracker.rejected_bad, "out_of_order", (json_int_t)e->tracker.out_of_order,
      "initiated", (json_int_t)e->tracker.initiated, "confirmed",
      (json_int_t)e->tracker.confirmed, "deleted", (json_int_t)e->tracker.deleted));
  return o;
}

static void print_text(const tw_eval *e)
{
  printf("%s - %s sensors: %zu reports, %d confirmed tracks (%d false), %d swaps\n", e->scenario,
         e->nation, e->n_reports, e->confirmed_tracks, e->false_tracks, e->swaps);
  for (int l = 0; l < e->n_launches; l++) {
    const tw_eval_launch *el = &e->launch[l];
    printf("  %s: first detection T+%.0f s, first track T+%.0f s, launch point error %.1f km "
           "(at T+%.0f s); burnout T+%.0f s, impact T+%.0f s\n",
           el->id, el->first_detection_s, el->first_track_s, el->lpe_error_km, el->lpe_at_s,
           el->burnout_s, el->flight_s);
    int inside = 0, after = 0;
    for (int i = 0; i < el->n_ipp; i++)
      if (el->ipp[i].after_burnout) {
        after++;
        inside += el->ipp[i].truth_inside_95;
      }
    printf("    impact predictions: %d, %d after burnout with the truth inside the 95%% ellipse "
           "in %d; first 95%% ellipse under 100 km at T+%.0f s\n",
           el->n_ipp, after, inside, el->first_ellipse95_under_100km_s);
    for (int i = 0; i < el->n_ipp; i += (el->n_ipp > 12 ? el->n_ipp / 12 : 1))
      printf("    T+%5.0f s  error %8.1f km  95%% ellipse %8.1f x %7.1f km  %s  impact time %+6.1f s\n",
             el->ipp[i].t_s, el->ipp[i].error_km, el->ipp[i].ellipse95_major_km,
             el->ipp[i].ellipse95_minor_km, el->ipp[i].truth_inside_95 ? "inside " : "OUTSIDE",
             el->ipp[i].impact_time_error_s);
  }
  printf("  GOSPA %.2f km, NEES %.1f (6 dof), RMSE %.0f m; first missile in coast: RMSE %.0f m vs "
         "PCRLB %.0f m\n",
         e->gospa_mean, e->nees_mean, e->rmse_pos_m, e->rmse_pos_coast_m, e->pcrlb_pos_m);
}

void print_sharing_gain(const tw_eval *a, const tw_eval *all)
{
  printf("\nWhat sharing gains %s (%s alone vs all three nations' sensors):\n", a->nation,
         a->nation);
  printf("  %-4s %-34s %10s %10s %10s\n", "", "", a->nation, "ALL", "gained");
  for (int l = 0; l < a->n_launches; l++) {
    const tw_eval_launch *x = &a->launch[l], *y = &all->launch[l];
    struct {
      const char *what;
      double u, v;
    } rows[] = {
      {"first detection (s after launch)", x->first_detection_s, y->first_detection_s},
      {"first track", x->first_track_s, y->first_track_s},
      {"first 95% ellipse under 100 km", x->first_ellipse95_under_100km_s,
       y->first_ellipse95_under_100km_s},
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
      char u[16], v[16], g[16];
      snprintf(u, sizeof u, rows[r].u < 0 ? "never" : "%.0f", rows[r].u);
      snprintf(v, sizeof v, rows[r].v < 0 ? "never" : "%.0f", rows[r].v);
      if (rows[r].u >= 0 && rows[r].v >= 0)
        snprintf(g, sizeof g, "%+.0f s", rows[r].u - rows[r].v);
      else
        snprintf(g, sizeof g, "%s", rows[r].v >= 0 ? "only shared" : "-");
      printf("  %-4s %-34s %10s %10s %10s\n", r == 0 ? x->id : "", rows[r].what, u, v, g);
    }
  }
}

int cmd_eval(int argc, char **argv)
{
  const char *path = NULL, *nation = "ALL", *compare = NULL;
  unsigned long long seed = 0;
  int have_seed = 0, json = 0;
  tw_tracker_config cfg;
  tw_tracker_config_default(&cfg);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(g_eval_help, stdout);
      return TW_EXIT_OK;
    } else if (!strcmp(a, "--json")) {
      json = 1;
    } else if (!strcmp(a, "--nation") || !strcmp(a, "--compare")) {
      if (i + 1 >= argc)
        return cli_usage("eval: %s needs a nation (USA, JPN, KOR or ALL)", a);
      const char *v = argv[++i];
      if (strlen(v) == 0 || strlen(v) >= TW_NATION_MAX)
        return cli_usage("eval: %s expects a nation such as USA, JPN, KOR or ALL; got '%s'", a, v);
      if (!strcmp(a, "--nation"))
        nation = v;
      else
        compare = v;
    } else if (!strcmp(a, "--filter")) {
      const char *v = i + 1 < argc ? argv[++i] : "";
      if (!strcmp(v, "ekf"))
        cfg.filter = TW_FILTER_EKF;
      else if (!strcmp(v, "ckf"))
        cfg.filter = TW_FILTER_CKF;
      else
        return cli_usage("eval: --filter expects ekf or ckf; got '%s'", v);
    } else if (!strcmp(a, "--seed")) {
      if (i + 1 >= argc || cli_parse_uint(argv[i + 1], &seed) < 0)
        return cli_usage("eval: --seed expects a non-negative integer");
      i++;
      have_seed = 1;
    } else if (a[0] == '-' && a[1]) {
      return cli_usage("eval: unknown option '%s' (see 'triwatch eval --help')", a);
    } else if (!path) {
      path = a;
    } else {
      return cli_usage("eval: one scenario at a time; unexpected '%s'", a);
    }
  }
  if (!path)
    return cli_usage("eval: a SCENARIO file is required (see 'triwatch eval --help')");
  static tw_scenario scn;
  char err[512];
  if (tw_scenario_load(&scn, path, err, sizeof err) < 0) {
    fprintf(stderr, "triwatch: %s\n", err);
    return TW_EXIT_USAGE;
  }
  uint64_t s = have_seed ? seed : scn.seed;
  tw_eval e, all;
  int rc = tw_eval_run_cfg(&e, &scn, s, compare ? compare : nation, &cfg, err, sizeof err);
  if (rc < 0) {
    fprintf(stderr, "triwatch: eval: %s\n", err[0] ? err : tw_strerror(rc));
    return rc == TW_ENOENT || rc == TW_EUNREACH ? TW_EXIT_USAGE : TW_EXIT_FAIL;
  }
  if (compare) {
    rc = tw_eval_run_cfg(&all, &scn, s, "ALL", &cfg, err, sizeof err);
    if (rc < 0) {
      fprintf(stderr, "triwatch: eval: %s\n", err[0] ? err : tw_strerror(rc));
      tw_eval_free(&e);
      return TW_EXIT_FAIL;
    }
    print_text(&e);
    print_text(&all);
    print_sharing_gain(&e, &all);
    tw_eval_free(&all);
  } else if (json) {
    json_t *o = to_json(&e);
    json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(8));
    fputc('\n', stdout);
    json_decref(o);
  } else {
    print_text(&e);
  }
  tw_eval_free(&e);
  return TW_EXIT_OK;
}
