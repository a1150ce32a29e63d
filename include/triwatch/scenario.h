/* triwatch/scenario.h - scenario files: launches, salvos and the sensors that watch them.
 *
 * A scenario is a YAML file (docs/scenarios.md is the reference):
 *
 *   name: Hwasong-12 over Aomori
 *   start: 2022-10-03T22:22:00Z     # UTC
 *   seed: 7                         # optional; same seed, same output
 *   launches:
 *     - id: M1
 *       class: IRBM                 # SRBM | MRBM | IRBM | ICBM; optional
 *       site: [40.611, 126.426]     # lat, lon in degrees
 *       bearing_deg: 80
 *       apogee_km: 970
 *       range_km: 4500
 *       t_s: 0                      # launch time after start, seconds
 *   sensors: default                # or a list of operations, see below
 *
 * `sensors` is `default` (the three-nation set of tw_sensor_defaults), `none`, or a list whose
 * items are `default` (start from the default set) or one-key maps: `remove: ID`,
 * `override: {id: ID, field: value...}`, `add: {id:, nation:, kind: radar|ir, site: [lat, lon],
 * ...}`; fields as in tw_sensor. Absent `sensors` means `default`. A list not starting with
 * `default` starts from no sensors. The sensor keys are id, nation, kind, site (for lat_deg and
 * lon_deg), alt_m, boresight_deg, half_width_deg, max_range_km, min_elev_deg, revisit_s, pd,
 * sigma_range_m, sigma_angle_rad, sigma_rr_mps, false_alarms_per_look, latency_s, ir_delay_s,
 * ir_min_alt_km; every added or overridden sensor must pass tw_sensor_validate.
 *
 * Strict: unknown or repeated keys, quoted numbers, anchors/aliases and tags are errors. Limits:
 * 1 MiB of text, 32 levels of nesting, 65,536 YAML nodes, TW_SCN_MAX_LAUNCHES launches,
 * TW_MAX_SENSORS sensors.
 *
 * Errors name the file, line and key and what was expected:
 *   "scn.yaml:7: launches[0].site: expected [lat, lon] with lat in [-90, 90], got [123, 126]" */
#ifndef TRIWATCH_SCENARIO_H
#define TRIWATCH_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "triwatch/rocket.h"
#include "triwatch/sensor.h"
#include "triwatch/time.h"
#include "triwatch/visibility.h"

#define TW_SCN_MAX_LAUNCHES 32
#define TW_SCN_NAME_MAX 128
#define TW_SCN_ID_MAX 32

typedef struct tw_scn_launch {
  char id[TW_SCN_ID_MAX];    /* unique within the scenario */
  enum tw_missile_class cls; /* TW_CLASS_AUTO when not given */
  double lat_deg, lon_deg;   /* launch site */
  double bearing_deg;        /* [0, 360) */
  double apogee_km, range_km;/* > 0 */
  double t_s;                /* launch time after start, >= 0 */
  int line;                  /* line of the entry in the file (for messages) */
} tw_scn_launch;

typedef struct tw_scenario {
  char name[TW_SCN_NAME_MAX];
  tw_time_ns start;          /* UTC */
  uint64_t seed;             /* 1 when not given */
  int has_seed;
  int n_launches;
  tw_scn_launch launch[TW_SCN_MAX_LAUNCHES];
  int n_sensors;
  tw_sensor sensor[TW_MAX_SENSORS]; /* resolved: defaults with the file's operations applied */
} tw_scenario;

/* Parse scenario text (len bytes, need not be NUL-terminated). origin names the text in
 * messages (a path). On error returns TW_EPARSE (or TW_ERANGE for values out of range, TW_ENOMEM)
 * and writes one line "origin:line: key: what was expected, what was found" into err (cut to
 * err_len, always terminated; err may be NULL); *s is then unchanged. TW_EINVAL for s NULL, or
 * text NULL with len > 0. Never reads outside text, whatever its content. Thread-safe. */
TW_API int tw_scenario_parse(tw_scenario *s, const char *text, size_t len, const char *origin,
                             char *err, size_t err_len);
/* Read and parse a file (at most 1 MiB). TW_EIO with the path and the system's reason in err
 * when it cannot be read. */
TW_API int tw_scenario_load(tw_scenario *s, const char *path, char *err, size_t err_len);

#endif
