/* triwatch/tracker.h - one nation's (or a combined) multi-target tracker: sensor reports in,
 * tracks out.
 *
 * Each track is an IMM over boost, ballistic and re-entry models sharing one 9-value ECEF state
 * [r (m), v (m/s), a_t, a_n (m/s^2, thrust along and normal to the velocity), kappa (m^2/kg,
 * 1/ballistic coefficient)]. Reports are associated by global nearest neighbour (Mahalanobis
 * gates, Jonker-Volgenant assignment); unassociated radar reports, and infrared lines of sight
 * triangulated from two satellites, start tentative tracks from two points; M-of-N confirms
 * them; silence deletes them. Reports must come in order of time of validity; a report older
 * than a track's estimate is not applied to it and is counted. Bad reports (NaN, unknown sensor,
 * wrong size) are counted and skipped, never a crash. docs/tracking.md has the design. */
#ifndef TRIWATCH_TRACKER_H
#define TRIWATCH_TRACKER_H

#include <stddef.h>
#include <stdint.h>

#include "triwatch/sensor.h"
#include "triwatch/sim.h"
#include "triwatch/time.h"
#include "triwatch/visibility.h"

#define TW_TRACK_NX 9

enum tw_track_status { TW_TRACK_TENTATIVE = 0, TW_TRACK_CONFIRMED = 1 };

typedef struct tw_track {
  uint32_t id;                 /* local track number, never reused */
  enum tw_track_status status;
  double t_s;                  /* time of the estimate: seconds after the tracker's epoch */
  double t_avail_s;            /* when the latest report used became available (its report time) */
  double x[TW_TRACK_NX];       /* IMM combined estimate, ECEF */
  double P[TW_TRACK_NX * TW_TRACK_NX];
  double mu[3];                /* probabilities of boost, ballistic, re-entry */
  int n_updates;
  double t_start_s;            /* first report */
  double t_confirmed_s;        /* < 0 while tentative */
  uint32_t nations;            /* bit i set: sensor nation index i contributed (tracker order) */
  int truth_object;            /* evaluation: the object most of its recent reports came from, or
                                  -1 (false alarms) */
  int truth_last;              /* evaluation: the object its latest report came from */
} tw_track;

enum tw_filter {
  TW_FILTER_EKF = 0, /* extended Kalman filter, Joseph-form updates (the default: fastest) */
  TW_FILTER_CKF = 1  /* cubature Kalman filter: 18 points through the models and the sensors */
};

typedef struct tw_tracker_config {
  enum tw_filter filter;   /* default TW_FILTER_EKF */
  double gate_chi2_p;      /* gate probability (default 0.99999) */
  int confirm_hits;        /* updates to confirm a tentative track (default 3) */
  double tentative_timeout_s; /* delete a tentative track silent this long (default 6) */
  double confirmed_timeout_s; /* delete a confirmed track silent this long (default 40) */
  double seed_window_s;    /* how long an unassociated report waits for a partner (default 12) */
  double max_speed_mps;    /* two-point initiation: fastest plausible target (default 8,000) */
  int max_tracks;          /* capacity (default 2,000) */
  int dedup_chi2;          /* also merge tracks whose states agree (chi-square); default 0: a
                              track that keeps losing its gated report to another is dropped */
  /* Told of each rejected report, one line without newline (NULL: silent). The first 20 are
   * told, then one in 1,000: a flood of bad input cannot flood the log. */
  void (*log)(void *ctx, const char *line);
  void *log_ctx;
} tw_tracker_config;

typedef struct tw_tracker_stats {
  size_t processed;        /* reports applied or considered */
  size_t rejected_bad;     /* NaN, inf, wrong size, unknown sensor */
  size_t out_of_order;     /* older than the track or the last batch: not applied */
  size_t initiated, confirmed, deleted;
  size_t capacity_full;    /* reports that could not start a track: no room */
} tw_tracker_stats;

typedef struct tw_tracker tw_tracker;

TW_API void tw_tracker_config_default(tw_tracker_config *c);
/* A tracker for reports of these sensors (copied), times counted from epoch. NULL on allocation
 * failure or invalid arguments. */
TW_API tw_tracker *tw_tracker_new(const tw_tracker_config *c, const tw_sensor *sensors,
                                  int n_sensors, tw_time_ns epoch);
TW_API void tw_tracker_free(tw_tracker *t);
/* Process reports in order of time of validity (a batch may mix sensors and times; it is split
 * into (time, sensor) groups). m->sensor indexes the tracker's sensors; m->object is kept for
 * evaluation only. Returns 0 or TW_ENOMEM (the tracker stays usable). */
TW_API int tw_tracker_process(tw_tracker *t, const tw_meas *m, size_t n);
/* Drop tracks silent past their timeout, or on the ground, as of time now_s. */
TW_API void tw_tracker_housekeep(tw_tracker *t, double now_s);
TW_API int tw_tracker_count(const tw_tracker *t);
/* The i-th current track (0 <= i < count); valid until the next process or housekeep call. */
TW_API const tw_track *tw_tracker_track(const tw_tracker *t, int i);
TW_API void tw_tracker_get_stats(const tw_tracker *t, tw_tracker_stats *s);

#endif
