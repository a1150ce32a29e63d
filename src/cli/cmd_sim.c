/* cmd_sim.c - `triwatch sim SCENARIO --out DIR [--seed N]`: simulate a scenario, write the truth
 * and every sensor report as JSON lines, and print who first saw each launch, when. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "triwatch/error.h"
#include "triwatch/sim.h"

static const char g_sim_help[] =
  "usage: triwatch sim SCENARIO --out DIR [--seed N]\n"
  "\n"
  "Simulates the scenario (a YAML file, see docs/scenarios.md): true flights of every launch\n"
  "and spent stage, and what each sensor reports. Writes DIR/truth.jsonl and\n"
  "DIR/measurements.jsonl and prints each sensor's first detection of each launch. The same\n"
  "seed (--seed, else the scenario's) gives byte-identical files.\n";

typedef struct det {
  double t_s;
  int sensor;
} det;

static int by_det(const void *a, const void *b)
{
  const det *x = a, *y = b;
  if (x->t_s != y->t_s)
    return x->t_s < y->t_s ? -1 : 1;
  return x->sensor - y->sensor;
}

static double mono_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int write_file(const char *dir, const char *name, const tw_sim *sim,
                      int (*writer)(const tw_sim *, FILE *))
{
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f) {
    fprintf(stderr, "triwatch: sim: cannot write %s: %s\n", path, strerror(errno));
    return -1;
  }
  int rc = writer(sim, f);
  if (fclose(f) != 0 || rc < 0) {
    fprintf(stderr, "triwatch: sim: writing %s failed: %s\n", path,
            rc < 0 ? tw_strerror(rc) : strerror(errno));
    return -1;
  }
  return 0;
}

void print_first_detections(FILE *f, const tw_sim *sim)
{
  const tw_scenario *scn = sim->scn;
  det *d = malloc((size_t)(scn->n_sensors > 0 ? scn->n_sensors : 1) * sizeof *d);
  if (!d)
    return;
  for (int l = 0; l < scn->n_launches; l++) {
    const tw_scn_launch *la = &scn->launch[l];
    char iso[48];
    tw_time_format(iso, sizeof iso, scn->start + tw_time_from_s(la->t_s), 0, 0, 1);
    const tw_sim_object *m = NULL;
    for (int i = 0; i < sim->n_objects; i++)
      if (sim->obj[i].launch == l && sim->obj[i].stage == 0)
        m = &sim->obj[i];
    fprintf(f, "\n%s: %s launched %s, %.0f km apogee, %.0f km range, flight %.0f s\n", la->id,
            m ? tw_class_name(m->traj.cls) : "?", iso, la->apogee_km, la->range_km,
            m ? m->traj.flight_time_s : 0.0);
    fprintf(f, "  first detection after launch, by sensor:\n");
    int n = 0;
    for (int s = 0; s < scn->n_sensors; s++) {
      d[n].t_s = sim->first_det_s[(size_t)l * (size_t)scn->n_sensors + (size_t)s];
      d[n].sensor = s;
      n++;
    }
    qsort(d, (size_t)n, sizeof *d, by_det);
    for (int pass = 0; pass < 2; pass++) /* detections in time order, then those that never did */
      for (int k = 0; k < n; k++) {
        const tw_sensor *s = &scn->sensor[d[k].sensor];
        if ((d[k].t_s >= 0.0) != (pass == 0))
          continue;
        if (pass == 0)
          fprintf(f, "    T+%7.1f s  %-24s %s %s\n", d[k].t_s, s->id, s->nation,
                  s->kind == TW_SENSOR_IR ? "infrared" : "radar");
        else
          fprintf(f, "    never       %-24s %s %s\n", s->id, s->nation,
                  s->kind == TW_SENSOR_IR ? "infrared" : "radar");
      }
  }
  free(d);
}

int cmd_sim(int argc, char **argv)
{
  const char *path = NULL, *out = NULL;
  unsigned long long seed = 0;
  int have_seed = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(g_sim_help, stdout);
      return TW_EXIT_OK;
    } else if (!strcmp(a, "--out")) {
      if (i + 1 >= argc)
        return cli_usage("sim: --out needs a directory");
      out = argv[++i];
    } else if (!strcmp(a, "--seed")) {
      if (i + 1 >= argc || cli_parse_uint(argv[i + 1], &seed) < 0)
        return cli_usage("sim: --seed expects a non-negative integer%s%s%s",
                         i + 1 < argc ? "; got '" : "", i + 1 < argc ? argv[i + 1] : "",
                         i + 1 < argc ? "'" : "");
      i++;
      have_seed = 1;
    } else if (a[0] == '-' && a[1]) {
      return cli_usage("sim: unknown option '%s' (see 'triwatch sim --help')", a);
    } else if (!path) {
      path = a;
    } else {
      return cli_usage("sim: one scenario at a time; unexpected '%s'", a);
    }
  }
  if (!path)
    return cli_usage("sim: a SCENARIO file is required (see 'triwatch sim --help')");
  if (!out)
    return cli_usage("sim: --out DIR is required");

  static tw_scenario scn;
  char err[512];
  int rc = tw_scenario_load(&scn, path, err, sizeof err);
  if (rc < 0) {
    fprintf(stderr, "triwatch: %s\n", err);
    return TW_EXIT_USAGE;
  }
  if (mkdir(out, 0777) < 0 && errno != EEXIST) {
    fprintf(stderr, "triwatch: sim: cannot create %s: %s\n", out, strerror(errno));
    return TW_EXIT_FAIL;
  }
  tw_sim sim;
  double t0 = mono_s();
  rc = tw_sim_run(&sim, &scn, have_seed ? seed : scn.seed, 1.0, err, sizeof err);
  double dt = mono_s() - t0;
  if (rc < 0) {
    fprintf(stderr, "triwatch: sim: %s: %s\n", path, err[0] ? err : tw_strerror(rc));
    return rc == TW_EUNREACH || rc == TW_EINVAL ? TW_EXIT_USAGE : TW_EXIT_FAIL;
  }
  size_t n_fa = 0;
  for (size_t i = 0; i < sim.n_meas; i++)
    n_fa += sim.meas[i].object < 0;
  printf("%s (seed %llu): %d launch%s, %d objects, %d sensors\n", scn.name,
         (unsigned long long)sim.seed, scn.n_launches, scn.n_launches == 1 ? "" : "es",
         sim.n_objects, scn.n_sensors);
  printf("simulated %.0f s of flight in %.2f s: %zu reports (%zu false alarms)\n", sim.end_s, dt,
         sim.n_meas, n_fa);
  print_first_detections(stdout, &sim);
  int bad = write_file(out, "truth.jsonl", &sim, tw_sim_write_truth) < 0 ||
            write_file(out, "measurements.jsonl", &sim, tw_sim_write_measurements) < 0;
  if (!bad)
    printf("\nwrote %s/truth.jsonl and %s/measurements.jsonl\n", out, out);
  tw_sim_free(&sim);
  return bad ? TW_EXIT_FAIL : TW_EXIT_OK;
}
