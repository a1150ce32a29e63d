/* triwatch/alerts.h - the whole warning chain offline: simulate a scenario, track it with one
 * nation's sensors (or everyone's), predict, run the alert policy (triwatch/warn.h), write every
 * CAP 1.2 message, and score each warning against the truth. What `triwatch alerts` runs.
 *
 * Reports reach the tracker at their report time (time of validity plus the sensor's latency), a
 * second's arrivals at a time in order of validity; a report older than its track by then is
 * refused by the tracker, as it would be live. So warning times include the sensors' latency.
 * Every confirmed track that has coasted for 10 s (boost model probability below one half and a
 * thrust estimate under 2 m/s^2) predicts its impact every 2 s. Times in the results are seconds
 * after the scenario's first launch. CAP messages have status Exercise (a simulated scenario)
 * and are sent on the scenario's clock. */
#ifndef TRIWATCH_ALERTS_H
#define TRIWATCH_ALERTS_H

#include <stddef.h>
#include <stdint.h>

#include "triwatch/areas.h"
#include "triwatch/scenario.h"
#include "triwatch/visibility.h"
#include "triwatch/warn.h"

#define TW_ALERTS_NEAR_KM 300.0 /* "near the truth": within this of the true ground track/impact */

typedef struct tw_alert_area {
  char code[24], name[64], nation[4];
  int eez;                 /* an approximate EEZ, not land */
  tw_warn_kind kind;
  int serial;              /* the warning's number */
  double first_warned_s;
  double expected_t_s;     /* the last expected time the policy gave */
  double threat_time_s;    /* true first time over it / of impact in it; NAN: never */
  double ended_s;          /* NAN: still open when the run ended */
  int cancelled;
  const char *end;         /* "passed", "impacted", "cancelled" or "open" */
  double max_probability;
  int near_truth;          /* within TW_ALERTS_NEAR_KM of the true ground track or an impact */
  char why[200];           /* why it was first warned */
  char end_why[200];       /* why it ended or was cancelled ("" while open) */
  int n_messages;
} tw_alert_area;

typedef struct tw_alert_msg {
  char id[64];             /* CAP identifier, also the file name (ID.xml) */
  double t_s;
  char *xml;
  size_t len;
} tw_alert_msg;

typedef struct tw_alerts {
  char nation[4];          /* "ALL" or the nation */
  double first_track_s;    /* first confirmed track; < 0 none */
  double first_prediction_s; /* first impact prediction; < 0 none */
  size_t n_predictions;
  int n_areas;
  tw_alert_area *area;
  int n_msgs;
  tw_alert_msg *msg;
} tw_alerts;

/* Run the chain for nation ("USA", "JPN", "KOR" or "ALL") with policy c (NULL: defaults) over
 * the land areas and the approximate EEZs (eez may be NULL). Returns 0 and fills out (release
 * with tw_alerts_free); TW_ENOENT when no sensor belongs to the nation (err says so), the
 * simulator's and the policy's errors, TW_ENOMEM; out is then empty. */
TW_API int tw_alerts_run(tw_alerts *out, const tw_scenario *scn, uint64_t seed, const char *nation,
                         const tw_warn_config *c, const tw_areas *land, const tw_areas *eez,
                         char *err, size_t err_len);
TW_API void tw_alerts_free(tw_alerts *a);

/* The alerts as the JSON list `triwatch alerts` writes (alerts.json): a malloc'd string, or NULL
 * when out of memory. */
TW_API char *tw_alerts_json(const tw_alerts *a);

#endif
