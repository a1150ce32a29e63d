/* triwatch/eval.h - score a nation's tracking of a scenario against the truth: detection and
 * track times, impact-point predictions with their ellipses every 10 s, the launch-point error,
 * GOSPA, NEES, RMSE beside the posterior Cramer-Rao bound, track counts and swaps.
 *
 * The scenario is simulated, the nation's reports (or everyone's, nation "ALL") are fed to one
 * tracker in order of time of validity, and the picture is scored once a second. Times are
 * seconds after the launch in question, measured when the information is available (report
 * times, i.e. including each sensor's latency). docs/evaluation.md defines every figure. */
#ifndef TRIWATCH_EVAL_H
#define TRIWATCH_EVAL_H

#include <stdint.h>

#include "triwatch/scenario.h"
#include "triwatch/sim.h"
#include "triwatch/tracker.h"
#include "triwatch/visibility.h"

typedef struct tw_eval_ipp {
  double t_s;                 /* seconds after launch */
  double error_km;            /* predicted centre to the true impact point */
  double ellipse95_major_km, ellipse95_minor_km; /* semi-axes */
  double ellipse50_major_km, ellipse50_minor_km;
  double impact_time_error_s; /* predicted minus true */
  int truth_inside_95, truth_inside_50;
  int after_burnout;          /* the truth had burnt out by t_s */
} tw_eval_ipp;

typedef struct tw_eval_launch {
  char id[TW_SCN_ID_MAX];
  double first_detection_s;   /* < 0: never */
  double first_track_s;       /* first confirmed track on the launch; < 0: never */
  double first_ellipse95_under_100km_s; /* < 0: never */
  double burnout_s, flight_s; /* truth */
  double lpe_error_km;        /* < 0: no launch-point estimate */
  double lpe_at_s;            /* when it was made (seconds after launch) */
  int n_ipp;
  tw_eval_ipp *ipp;
} tw_eval_launch;

typedef struct tw_eval_object {
  char id[TW_SIM_OBJ_ID_MAX];
  int detected;               /* reports of it reached the tracker */
  int confirmed_tracks;       /* distinct confirmed tracks whose majority truth it was */
} tw_eval_object;

typedef struct tw_eval {
  char scenario[TW_SCN_NAME_MAX];
  char nation[TW_NATION_MAX]; /* "ALL" or a nation */
  int n_launches;
  tw_eval_launch *launch;
  int n_objects;
  tw_eval_object *object;
  double gospa_mean;          /* km, c = 10 km, p = 2, over detected live objects, every second */
  double nees_mean;           /* position-velocity NEES (6 dof) of labelled confirmed tracks */
  double rmse_pos_m;          /* position RMSE of labelled confirmed tracks, same samples */
  double pcrlb_pos_m;         /* the bound for the first missile over its tracked coast frames */
  double rmse_pos_coast_m;    /* the first missile's RMSE over those same frames */
  int confirmed_tracks;       /* confirmed over the run */
  int false_tracks;           /* confirmed tracks whose majority truth was a false alarm */
  int swaps;                  /* confirmed tracks whose truth changed after 10 s on one object */
  tw_tracker_stats tracker;
  size_t n_reports;           /* reports fed to the tracker */
} tw_eval;

/* Evaluate scn with seed for nation ("USA", "JPN", ... or "ALL"). Returns 0; TW_ENOENT if no
 * sensor belongs to that nation (err says which nations there are); the simulator's errors;
 * TW_ENOMEM. out owns its arrays (tw_eval_free). */
TW_API int tw_eval_run(tw_eval *out, const tw_scenario *scn, uint64_t seed, const char *nation,
                       char *err, size_t err_len);
/* The same with a tracker configuration (NULL: defaults), e.g. the cubature filter. */
TW_API int tw_eval_run_cfg(tw_eval *out, const tw_scenario *scn, uint64_t seed,
                           const char *nation, const tw_tracker_config *cfg, char *err,
                           size_t err_len);
TW_API void tw_eval_free(tw_eval *e);

#endif
