/* triwatch/warn.h - the alert policy (DESIGN.md section 5): from a stream of predictions, which
 * areas to warn, when to update, when a warning ends (the object passed, or came down) and when
 * it is cancelled (a later prediction no longer threatens the area). docs/warnings.md has the
 * reasoning and the measured trade-off behind the defaults.
 *
 * The caller hands tw_warn_predict the prediction of each track whenever it has one (its
 * unpowered state with covariance, and the impact ellipse made from it), and tw_warn_tick once a
 * second or so; the engine keeps one warning per (area, kind) across tracks and returns what
 * changed as events. Two kinds of threat:
 *  - impact: the share of the impact distribution in the area (tw_threat_impact; land areas and
 *    the approximate EEZs alike) is at least p_impact;
 *  - overflight: the predicted ground track, flown from the state to the ground, passes over the
 *    area or within a corridor of it. The corridor's half-width is corridor_km plus the
 *    prediction's 95% impact semi-major axis scaled by the fraction of the remaining flight
 *    flown (the cross-track uncertainty grows along the flight), at most corridor_max_km. An
 *    area on the nominal ground track has probability 1; an area only in the corridor gets the
 *    one-sided tail of a normal whose 95% two-sided band is the corridor at the distance where
 *    it is first met (thirds of the half-width), and is warned when that is at least
 *    p_overflight.
 * Only areas of the nations listed in the config are warned (the launching state's own areas
 * are not). Times are seconds on the caller's clock. Not thread-safe: one engine per thread. */
#ifndef TRIWATCH_WARN_H
#define TRIWATCH_WARN_H

#include <stddef.h>
#include <stdint.h>

#include "triwatch/areas.h"
#include "triwatch/predict.h"
#include "triwatch/visibility.h"

typedef struct tw_warn_config {
  double p_impact;        /* warn for impact at this probability (default 0.01) */
  double p_overflight;    /* warn for overflight at this probability (default 0.05) */
  double corridor_km;     /* overflight corridor half-width at the object (default 50) */
  double corridor_max_km; /* at most (default 150) */
  double max_ellipse_km;  /* ignore predictions whose 95% semi-major exceeds this (default 1,000) */
  double cancel_after_s;  /* a warned area not threatened by any prediction for this long, its
                             expected time still ahead, is cancelled (default 10) */
  double pass_margin_s;   /* an overflight warning ends this long after the expected passage
                             (default 20) */
  double impact_margin_s; /* an impact warning ends this long after the expected impact (60) */
  double update_dt_s;     /* an expected time moving by more than this is an update (default 10) */
  double settle_s;        /* a track predicts for warnings after coasting this long (10) */
  double thrust_gate_mps2;/* ... coasting: |thrust estimate| under this (default 2) and boost
                             probability under one half */
  int n_samples;          /* impact sampling (default 2,000) */
  uint64_t seed;          /* sampling seed (default 1) */
  char nations[4][4];     /* nations whose areas are warned (default JPN, KOR, USA) */
  int n_nations;
} tw_warn_config;

TW_API void tw_warn_config_default(tw_warn_config *c);

typedef enum { TW_WARN_OVERFLIGHT, TW_WARN_IMPACT } tw_warn_kind;

typedef enum {
  TW_WARN_NEW,       /* an area is warned */
  TW_WARN_UPDATE,    /* its expected time or probability changed */
  TW_WARN_PASSED,    /* overflight over: the object is past the area */
  TW_WARN_IMPACTED,  /* impact over: the object has come down */
  TW_WARN_CANCEL     /* no longer threatened before its time: cancelled */
} tw_warn_event_kind;

typedef struct tw_warn_event {
  tw_warn_event_kind event;
  tw_warn_kind kind;
  int area;            /* index into the tw_areas it belongs to */
  int eez;             /* 1: area indexes the EEZ set, 0: the land areas */
  int serial;          /* the warning's number (1, 2, ...), the same for all its events */
  double t_s;          /* when it happened */
  double expected_t_s; /* expected overflight (first time over) or impact time */
  double probability;
  double lat_deg, lon_deg; /* impact: ellipse centre; overflight: first ground point over it */
  tw_ground_ellipse ellipse; /* the impact ellipse of the prediction behind the event */
  char why[200];       /* one line: why warned, updated, ended or cancelled */
} tw_warn_event;

typedef struct tw_warn tw_warn;

/* A new engine over the land areas (required) and the approximate EEZs (may be NULL); both must
 * outlive it. NULL on a bad config (a probability outside (0, 1], a negative width or time,
 * n_samples outside [1, TW_THREAT_MAX_SAMPLES], no nation) or out of memory. */
TW_API tw_warn *tw_warn_new(const tw_warn_config *c, const tw_areas *land, const tw_areas *eez);
TW_API void tw_warn_free(tw_warn *w);

/* Whether track `track` may predict for warnings at t_s: it must have coasted - thrust estimate
 * |thrust_mps2| under thrust_gate_mps2 and boost probability mu_boost under one half - without a
 * break for settle_s. Where a missile under power comes down depends on when its thrust stops,
 * and the first predictions after a stage separation are off by hundreds of km. Call it for
 * every track each time it is updated (the engine keeps each track's state). Returns 1 (it may
 * predict), 0 (not yet), TW_EINVAL (t_s or thrust not finite), TW_ENOMEM. */
TW_API int tw_warn_coasting(tw_warn *w, uint32_t track, double t_s, double thrust_mps2,
                            double mu_boost);

/* The prediction of track `track` at t_s: its ECEF state x6 = [r, v] now, unpowered, with
 * ballistic coefficient beta_kg_m2 (0: none), and g, the impact ellipse made from it
 * (tw_predict_impact). Flies the nominal ground track, finds the threatened areas and merges
 * them into the warnings. Returns the number of areas this prediction threatens (>= 0), or
 * TW_EINVAL (bad argument, non-finite state), TW_ESTEPS / TW_EUNREACH (the state does not come
 * down), TW_ENOMEM. A prediction whose 95% ellipse is larger than max_ellipse_km is counted but
 * threatens nothing (returns 0). */
TW_API int tw_warn_predict(tw_warn *w, uint32_t track, double t_s, const double x6[6],
                           double beta_kg_m2, const tw_ground_ellipse *g);

/* Let time pass to t_s: end warnings whose object has passed or come down, cancel those no
 * longer threatened. Call about once a second. Returns 0 or TW_EINVAL (t_s not finite). */
TW_API int tw_warn_tick(tw_warn *w, double t_s);

/* Take the events that happened since the last call, oldest first: writes up to max into out
 * and returns how many were written; the rest stay for the next call. */
TW_API int tw_warn_events(tw_warn *w, tw_warn_event *out, int max);

/* Area name/code/nation of an event (from the land or EEZ set). */
TW_API const char *tw_warn_area_code(const tw_warn *w, const tw_warn_event *e);
TW_API const char *tw_warn_area_name(const tw_warn *w, const tw_warn_event *e);

TW_API const char *tw_warn_kind_name(tw_warn_kind k);            /* "overflight", "impact" */
TW_API const char *tw_warn_event_name(tw_warn_event_kind k);     /* "new", "update", ... */

#endif
