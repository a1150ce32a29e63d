/* cmd_alerts.c - `triwatch alerts SCENARIO --out DIR [--nation USA|JPN|KOR|ALL] [--seed N]`:
 * simulate, track, predict, warn; write every CAP message and alerts.json; print each warned
 * area's lead time and, for one nation, what sharing with the others gains. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "triwatch/alerts.h"
#include "triwatch/error.h"

#ifndef TW_SOURCE_DIR
#define TW_SOURCE_DIR "."
#endif

static const char g_alerts_help[] =
  "usage: triwatch alerts SCENARIO --out DIR [--nation USA|JPN|KOR|ALL] [--seed N]\n"
  "                       [--p-impact P] [--p-overflight P] [--corridor-km KM]\n"
  "                       [--areas FILE] [--eez FILE|none]\n"
  "\n"
  "Simulates the scenario, tracks it with that nation's sensors (default ALL: everyone's),\n"
  "predicts impact points and ground tracks, and runs the alert policy: which prefectures,\n"
  "provinces, states and approximate EEZs to warn, when to update, end or cancel. Writes every\n"
  "CAP 1.2 message as DIR/ID.xml (status Exercise) and DIR/alerts.json: one entry per warning\n"
  "with area_code, area_name, kind (overflight|impact), first_warned_s, threat_time_s (the true\n"
  "time the object is over or hits the area; null if it never does), ended_s and cancelled,\n"
  "all in seconds after the first launch. Prints each warning's lead time; for one nation it\n"
  "also runs ALL and prints the lead time sharing gains per area. Policy thresholds: --p-impact\n"
  "(default 0.01), --p-overflight (0.05), --corridor-km (50). docs/warnings.md explains them.\n";

static const char *find_data(const char *name, char *buf, size_t n)
{
  snprintf(buf, n, "data/%s", name);
  struct stat st;
  if (stat(buf, &st) == 0)
    return buf;
  snprintf(buf, n, "%s/data/%s", TW_SOURCE_DIR, name);
  return buf;
}

static void fmt_s(char *buf, size_t n, double v)
{
  if (isnan(v))
    snprintf(buf, n, "-");
  else
    snprintf(buf, n, "T+%.0f", v);
}

static void print_table(const tw_alerts *a, const char *scenario)
{
  printf("%s, nation %s: first track T+%.0f s, first impact prediction T+%.0f s, %zu predictions\n",
         scenario, a->nation, a->first_track_s, a->first_prediction_s, a->n_predictions);
  if (a->n_areas == 0) {
    printf("  no area warned\n");
    return;
  }
  printf("  %-8s %-28s %-10s %8s %8s %8s %7s  %s\n", "area", "name", "kind", "warned", "threat",
         "ended", "lead s", "end");
  for (int i = 0; i < a->n_areas; i++) {
    const tw_alert_area *x = &a->area[i];
    char w[16], t[16], e[16], lead[16];
    fmt_s(w, sizeof w, x->first_warned_s);
    fmt_s(t, sizeof t, x->threat_time_s);
    fmt_s(e, sizeof e, x->ended_s);
    if (isnan(x->threat_time_s))
      snprintf(lead, sizeof lead, "-");
    else
      snprintf(lead, sizeof lead, "%.0f", x->threat_time_s - x->first_warned_s);
    printf("  %-8s %-28.28s %-10s %8s %8s %8s %7s  %s%s\n", x->code, x->name,
           tw_warn_kind_name(x->kind), w, t, e, lead, x->end,
           isnan(x->threat_time_s) ? " (never threatened)" : "");
    if (x->cancelled)
      printf("           why cancelled: %s\n", x->end_why);
  }
}

/* Lead time gained by sharing: per area and kind warned in either run. */
static void print_gain(const tw_alerts *one, const tw_alerts *all)
{
  printf("\nlead time gained by sharing (%s alone vs all three), per warned area:\n", one->nation);
  printf("  %-8s %-28s %-10s %10s %10s %8s\n", "area", "name", "kind", one->nation, "ALL", "gain s");
  for (int i = 0; i < all->n_areas; i++) {
    const tw_alert_area *x = &all->area[i];
    const tw_alert_area *y = NULL;
    for (int j = 0; j < one->n_areas && !y; j++)
      if (!strcmp(one->area[j].code, x->code) && one->area[j].kind == x->kind)
        y = &one->area[j];
    int seen = 0; /* print each (area, kind) once: its first warning */
    for (int j = 0; j < i; j++)
      seen |= !strcmp(all->area[j].code, x->code) && all->area[j].kind == x->kind;
    if (seen)
      continue;
    char a1[16], a2[16], g[24];
    fmt_s(a2, sizeof a2, x->first_warned_s);
    if (y) {
      fmt_s(a1, sizeof a1, y->first_warned_s);
      snprintf(g, sizeof g, "%.0f", y->first_warned_s - x->first_warned_s);
    } else {
      snprintf(a1, sizeof a1, "never");
      snprintf(g, sizeof g, "all (only ALL)");
    }
    printf("  %-8s %-28.28s %-10s %10s %10s %8s\n", x->code, x->name, tw_warn_kind_name(x->kind),
           a1, a2, g);
  }
  for (int j = 0; j < one->n_areas; j++) {
    int in_all = 0;
    for (int i = 0; i < all->n_areas; i++)
      in_all |= !strcmp(all->area[i].code, one->area[j].code) && all->area[i].kind == one->area[j].kind;
    if (!in_all)
      printf("  %-8s %-28.28s %-10s warned by %s alone only\n", one->area[j].code,
             one->area[j].name, tw_warn_kind_name(one->area[j].kind), one->nation);
  }
}

static int write_file(const char *dir, const char *name, const char *data, size_t len)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
    fprintf(stderr, "triwatch: alerts: cannot write %s: %s\n", path, strerror(errno));
    return -1;
  }
  return 0;
}

static int parse_p(const char *opt, const char *v, double *out)
{
  double x;
  if (!v || cli_parse_double(v, &x) < 0 || !(x > 0.0 && x <= 1.0))
    return cli_usage("alerts: %s expects a probability in (0, 1]; got '%s'", opt, v ? v : "");
  *out = x;
  return 0;
}

int cmd_alerts(int argc, char **argv)
{
  const char *path = NULL, *out = NULL, *nation = "ALL", *areas_path = NULL, *eez_path = NULL;
  unsigned long long seed = 0;
  int have_seed = 0;
  tw_warn_config cfg;
  tw_warn_config_default(&cfg);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(g_alerts_help, stdout);
      return TW_EXIT_OK;
    } else if (!strcmp(a, "--out") || !strcmp(a, "--areas") || !strcmp(a, "--eez")) {
      if (!v || !v[0])
        return cli_usage("alerts: %s needs a path", a);
      *(!strcmp(a, "--out") ? &out : !strcmp(a, "--areas") ? &areas_path : &eez_path) = v;
      i++;
    } else if (!strcmp(a, "--nation")) {
      if (!v || (strcmp(v, "USA") && strcmp(v, "JPN") && strcmp(v, "KOR") && strcmp(v, "ALL")))
        return cli_usage("alerts: --nation expects USA, JPN, KOR or ALL; got '%s'", v ? v : "");
      nation = v;
      i++;
    } else if (!strcmp(a, "--seed")) {
      if (!v || cli_parse_uint(v, &seed) < 0)
        return cli_usage("alerts: --seed expects a non-negative integer; got '%s'", v ? v : "");
      have_seed = 1;
      i++;
    } else if (!strcmp(a, "--p-impact") || !strcmp(a, "--p-overflight")) {
      if (parse_p(a, v, !strcmp(a, "--p-impact") ? &cfg.p_impact : &cfg.p_overflight))
        return TW_EXIT_USAGE;
      i++;
    } else if (!strcmp(a, "--corridor-km")) {
      double x;
      if (!v || cli_parse_double(v, &x) < 0 || x < 0.0 || x > 1000.0)
        return cli_usage("alerts: --corridor-km expects 0..1000; got '%s'", v ? v : "");
      cfg.corridor_km = x;
      cfg.corridor_max_km = fmax(cfg.corridor_max_km, x);
      i++;
    } else if (a[0] == '-' && a[1]) {
      return cli_usage("alerts: unknown option '%s' (see 'triwatch alerts --help')", a);
    } else if (!path) {
      path = a;
    } else {
      return cli_usage("alerts: one scenario at a time; unexpected '%s'", a);
    }
  }
  if (!path)
    return cli_usage("alerts: a SCENARIO file is required (see 'triwatch alerts --help')");
  if (!out)
    return cli_usage("alerts: --out DIR is required (where the CAP messages and alerts.json go)");

  static tw_scenario scn;
  char err[512], buf1[4096], buf2[4096];
  if (tw_scenario_load(&scn, path, err, sizeof err) < 0) {
    fprintf(stderr, "triwatch: %s\n", err);
    return TW_EXIT_USAGE;
  }
  tw_areas *land = NULL, *eez = NULL;
  if (!areas_path)
    areas_path = find_data("areas.json", buf1, sizeof buf1);
  if (tw_areas_load(&land, areas_path, err, sizeof err) < 0) {
    fprintf(stderr, "triwatch: alerts: %s\n", err);
    return TW_EXIT_FAIL;
  }
  int eez_given = eez_path != NULL;
  if (!eez_path)
    eez_path = find_data("eez.json", buf2, sizeof buf2);
  if (strcmp(eez_path, "none") && tw_areas_load(&eez, eez_path, err, sizeof err) < 0) {
    if (eez_given) {
      fprintf(stderr, "triwatch: alerts: %s\n", err);
      tw_areas_free(land);
      return TW_EXIT_FAIL;
    }
    fprintf(stderr, "triwatch: alerts: no approximate EEZ data (%s); impact in EEZs not "
            "warned\n", err);
    eez = NULL;
  }
  if (mkdir(out, 0777) < 0 && errno != EEXIST) {
    fprintf(stderr, "triwatch: alerts: cannot create %s: %s\n", out, strerror(errno));
    tw_areas_free(land);
    tw_areas_free(eez);
    return TW_EXIT_FAIL;
  }
  uint64_t s = have_seed ? seed : scn.seed;
  fprintf(stderr, "alerts: %s, nation %s, seed %llu: simulating, tracking, warning...\n", scn.name,
          nation, (unsigned long long)s);
  tw_alerts res, all;
  int rc = tw_alerts_run(&res, &scn, s, nation, &cfg, land, eez, err, sizeof err);
  int exit_code = TW_EXIT_OK;
  if (rc < 0) {
    fprintf(stderr, "triwatch: alerts: %s\n", err[0] ? err : tw_strerror(rc));
    exit_code = rc == TW_ENOENT ? TW_EXIT_USAGE : TW_EXIT_FAIL;
    goto done;
  }
  for (int i = 0; i < res.n_msgs && exit_code == TW_EXIT_OK; i++) {
    char name[96];
    snprintf(name, sizeof name, "%s.xml", res.msg[i].id);
    if (write_file(out, name, res.msg[i].xml, res.msg[i].len) < 0)
      exit_code = TW_EXIT_FAIL;
  }
  char *js = tw_alerts_json(&res);
  if (!js || write_file(out, "alerts.json", js, strlen(js)) < 0)
    exit_code = TW_EXIT_FAIL;
  free(js);
  print_table(&res, scn.name);
  printf("wrote %d CAP messages and alerts.json (%d warnings) to %s\n", res.n_msgs, res.n_areas, out);
  if (exit_code == TW_EXIT_OK && strcmp(nation, "ALL")) {
    fprintf(stderr, "alerts: again with every nation's sensors, for the comparison...\n");
    rc = tw_alerts_run(&all, &scn, s, "ALL", &cfg, land, eez, err, sizeof err);
    if (rc < 0) {
      fprintf(stderr, "triwatch: alerts: ALL: %s\n", err[0] ? err : tw_strerror(rc));
      exit_code = TW_EXIT_FAIL;
    } else {
      print_gain(&res, &all);
      tw_alerts_free(&all);
    }
  }
  tw_alerts_free(&res);
done:
  tw_areas_free(land);
  tw_areas_free(eez);
  return exit_code;
}
