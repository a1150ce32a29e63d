/* bench_sim.c - simulator speed: the Hwasong-17 scenario (69 minutes of flight, every default
 * sensor) simulated and written as JSON lines, against the scenario's own real duration. The
 * issue's bar: at least 1,000 times faster than real time. */
#include <stdio.h>
#include <stdlib.h>

#include "benchutil.h"
#include "triwatch/error.h"
#include "triwatch/sim.h"

#ifndef TW_SCENARIO_DIR
#define TW_SCENARIO_DIR "data/scenarios"
#endif

int main(void)
{
  static tw_scenario scn;
  char err[512];
  const char *path = TW_SCENARIO_DIR "/hwasong17-2022-11-18.yaml";
  if (tw_scenario_load(&scn, path, err, sizeof err) < 0) {
    fprintf(stderr, "bench_sim: %s\n", err);
    return 1;
  }
  double best_run = 1e9, best_all = 1e9, flight_s = 0;
  size_t n_meas = 0;
  for (int rep = 0; rep < 5; rep++) {
    tw_sim sim;
    double t0 = bench_now();
    if (tw_sim_run(&sim, &scn, scn.seed, 1.0, err, sizeof err) < 0) {
      fprintf(stderr, "bench_sim: %s\n", err);
      return 1;
    }
    double t1 = bench_now();
    FILE *f = fopen("/dev/null", "w");
    tw_sim_write_truth(&sim, f);
    tw_sim_write_measurements(&sim, f);
    fclose(f);
    double t2 = bench_now();
    if (t1 - t0 < best_run)
      best_run = t1 - t0;
    if (t2 - t0 < best_all)
      best_all = t2 - t0;
    flight_s = sim.end_s;
    n_meas = sim.n_meas;
    tw_sim_free(&sim);
  }
  printf("scenario: %s, %d sensors, %zu reports\n", scn.name, scn.n_sensors, n_meas);
  printf("%-44s %10s %14s\n", "", "wall (s)", "x real time");
  printf("%-44s %10.1f %14s\n", "real flight (first launch to last impact)", flight_s, "1");
  printf("%-44s %10.4f %14.0f\n", "simulate (truth + every sensor's looks)", best_run,
         flight_s / best_run);
  printf("%-44s %10.4f %14.0f\n", "simulate and write JSON lines", best_all, flight_s / best_all);
  printf("target: >= 1000x real time: %s\n", flight_s / best_all >= 1000.0 ? "met" : "NOT MET");
  printf("peak RSS %ld KiB\n", bench_peak_rss_kib());
  return 0;
}
