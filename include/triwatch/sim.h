/* triwatch/sim.h - the scenario simulator: true flights of every launch and spent stage, and what
 * each nation's sensors report of them.
 *
 * Deterministic: the same scenario and seed give the same objects and measurements, bit for bit.
 * Each sensor draws from its own random stream (seeded from the scenario seed and its id), so
 * adding or removing one sensor leaves the others' reports unchanged. */
#ifndef TRIWATCH_SIM_H
#define TRIWATCH_SIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "triwatch/scenario.h"
#include "triwatch/traj.h"
#include "triwatch/visibility.h"

#define TW_SIM_OBJ_ID_MAX 48

typedef struct tw_sim_object {
  char id[TW_SIM_OBJ_ID_MAX]; /* "M1" (the missile and its re-entry vehicle), "M1-S1" (spent
                                 stage 1 of M1) */
  int launch;                 /* index of its launch in the scenario */
  int stage;                  /* spent stage number (1-based), 0 for the missile */
  double t0_s;                /* scenario time (s after start) of the trajectory's time 0 */
  tw_traj traj;               /* times relative to t0_s: launch for the missile, the missile's
                                 launch also for its stages (their states begin at separation) */
} tw_sim_object;

typedef struct tw_meas {
  tw_time_ns t_ns;        /* time of validity */
  tw_time_ns t_report_ns; /* when the report leaves the sensor (t_ns + latency) */
  int sensor;             /* index into the scenario's sensors */
  int object;             /* index of the true object; -1 for a false alarm */
  int n_z;                /* radar: 3 (range m, az rad, el rad) or 4 (+ range rate m/s);
                             IR: 2 (line-of-sight longitude and latitude, rad, see sensor.h) */
  double z[4];
  double sigma[4];        /* 1-sigma noise of each component */
} tw_meas;

typedef struct tw_sim {
  const tw_scenario *scn;
  uint64_t seed;
  int n_objects;
  tw_sim_object *obj;
  size_t n_meas;
  tw_meas *meas;          /* sorted by time of validity, then sensor, then object */
  double end_s;           /* last impact, seconds after start */
  /* first detection (true, not false alarm) of each launch's objects by each sensor, seconds
   * after that launch; < 0 if never: first_det_s[launch * n_sensors + sensor] */
  double *first_det_s;
} tw_sim;

/* Simulate scn with seed (pass scn->seed unless overridden). truth_dt_s is the interval of the
 * kept truth states (1 s is typical). On error returns TW_EUNREACH (a launch no boost can fly,
 * with its id and reason in err), TW_ENOMEM or TW_EINVAL; *sim is then empty. */
TW_API int tw_sim_run(tw_sim *sim, const tw_scenario *scn, uint64_t seed, double truth_dt_s,
                      char *err, size_t err_len);
TW_API void tw_sim_free(tw_sim *sim);

/* Writers of the simulator's files: one JSON object per line.
 * truth.jsonl: {"t_ns", "t", "object", "kind": "missile"|"stage", "phase": "boost"|"coast",
 *   "r_ecef_m": [x,y,z], "v_ecef_mps": [..], "lat_deg", "lon_deg", "alt_m"} per kept state.
 * measurements.jsonl: {"t_ns", "t", "t_report_ns", "sensor", "nation", "kind": "radar"|"ir",
 *   "z": {...}, "sigma": {...}, "truth": object id | "false alarm"}.
 * Return 0 or TW_EIO. */
TW_API int tw_sim_write_truth(const tw_sim *sim, FILE *f);
TW_API int tw_sim_write_measurements(const tw_sim *sim, FILE *f);

#endif
