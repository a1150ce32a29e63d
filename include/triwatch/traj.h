/* triwatch/traj.h - true missile trajectories: fly a boost plan, or solve for the plan that flies
 * a requested (site, bearing, apogee, ground range).
 *
 * Flight is integrated in ECEF (Coriolis and centrifugal terms included) under J2-J4 gravity and
 * 1976-standard-atmosphere drag, with thrust per triwatch/rocket.h, from lift-off to impact on
 * the WGS-84 ellipsoid (height 0). Times are seconds after launch. */
#ifndef TRIWATCH_TRAJ_H
#define TRIWATCH_TRAJ_H

#include <stddef.h>

#include "triwatch/geo.h"
#include "triwatch/rocket.h"
#include "triwatch/visibility.h"

#define TW_TRAJ_MAX_EVENTS 16
#define TW_TRAJ_ATMOS_EDGE_M 100e3 /* the Karman line: where "exo-atmospheric" starts */

enum tw_traj_event_kind {
  TW_TEV_LAUNCH,
  TW_TEV_PITCH_OVER, /* end of the vertical rise */
  TW_TEV_STAGING,    /* a stage burns out and separates (stage = its index) */
  TW_TEV_BURNOUT,    /* thrust terminated: the powered flight ends */
  TW_TEV_EXO,        /* climbs through 100 km */
  TW_TEV_APOGEE,
  TW_TEV_REENTRY,    /* descends through 100 km */
  TW_TEV_IMPACT,
  TW_TEV_RELEASE     /* a coasting object (spent stage) starts its own flight */
};

typedef struct tw_traj_state {
  double t_s;  /* seconds after launch */
  double r[3]; /* ECEF position, m */
  double v[3]; /* ECEF velocity, m/s */
  int stage;   /* index of the burning stage, or -1 in unpowered flight */
} tw_traj_state;

typedef struct tw_traj_event {
  enum tw_traj_event_kind kind;
  double t_s;
  double r[3], v[3]; /* ECEF */
  int stage;         /* for TW_TEV_STAGING: the stage that separated; else -1 */
} tw_traj_event;

typedef struct tw_traj_request {
  double lat_rad, lon_rad; /* launch site (on the ellipsoid) */
  double bearing_rad;      /* direction of flight from the site, clockwise from north */
  double apogee_m;         /* highest point above the ellipsoid */
  double range_m;          /* geodesic distance from the site to the impact point */
  enum tw_missile_class cls; /* TW_CLASS_AUTO: the smallest class able to fly it */
} tw_traj_request;

typedef struct tw_traj {
  enum tw_missile_class cls;
  const tw_rocket *rocket;
  tw_geodetic site;
  tw_boost_plan plan;
  /* achieved */
  double flight_time_s;   /* launch to impact */
  double burnout_time_s;  /* end of powered flight */
  double apogee_m, apogee_time_s;
  double range_m;         /* geodesic, site to impact */
  double bearing_rad;     /* geodesic azimuth from the site to the impact point */
  double impact_lat_rad, impact_lon_rad;
  double max_speed_mps;   /* Earth-relative */
  int n_events;
  tw_traj_event events[TW_TRAJ_MAX_EVENTS]; /* in time order */
  /* sampled states, every sample_dt_s from 0, plus the impact; owned, see tw_traj_free */
  tw_traj_state *states;
  size_t n_states;
  double sample_dt_s;
  int n_flights; /* trajectories flown to find this one (1 for tw_traj_fly) */
} tw_traj;

/* Fly plan with rocket rk from site (its height is ignored: launch from the ellipsoid).
 * sample_dt_s > 0 keeps states at that interval; <= 0 keeps none. On success out owns its
 * states (tw_traj_free). Returns 0; TW_EUNREACH if the missile meets the ground under power;
 * TW_EINVAL for a bad plan; TW_ENOMEM; or an integrator error. out is zeroed on error. */
TW_API int tw_traj_fly(tw_traj *out, const tw_rocket *rk, const tw_geodetic *site,
                       const tw_boost_plan *plan, double sample_dt_s);

/* Fly an unpowered object (a spent stage, a re-entry vehicle) from (r, v) in ECEF at t0_s to
 * impact, with drag of ballistic coefficient beta_kg_m2 (0: none). Times stay on the caller's
 * clock (t0_s is not reset to 0); samples fall on multiples of sample_dt_s after t0_s's first
 * sample at t0_s. rocket is NULL, cls TW_CLASS_AUTO, site the point under the release. Returns as
 * tw_traj_fly (TW_ESTEPS if it does not come down within a day). */
TW_API int tw_traj_coast(tw_traj *out, double t0_s, const double r[3], const double v[3],
                         double beta_kg_m2, double sample_dt_s);

/* Find the boost plan that flies req to within 1e-6 of its apogee and range and 1e-5 rad of its
 * bearing, and fly it (as tw_traj_fly). Returns 0; TW_EINVAL for an invalid request;
 * TW_EUNREACH when no plan of the class can fly it; TW_ENOMEM. When why is not NULL it receives
 * a one-line reason on failure (e.g. "an SRBM reaches at most 420 km apogee"). */
TW_API int tw_traj_solve(tw_traj *out, const tw_traj_request *req, double sample_dt_s, char *why,
                         size_t why_len);

/* State at t_s (seconds after launch) by cubic Hermite interpolation between the kept samples
 * (clamped to the flight). Returns 0, or TW_ENOENT if no states were kept. */
TW_API int tw_traj_state_at(const tw_traj *t, double t_s, double r[3], double v[3]);

/* The class the solver picks for TW_CLASS_AUTO, from the vacuum burnout speed the request
 * needs. */
TW_API enum tw_missile_class tw_traj_auto_class(const tw_traj_request *req);

TW_API const char *tw_traj_event_name(enum tw_traj_event_kind k);

/* Release the states of t and zero it. Safe on a zeroed tw_traj. */
TW_API void tw_traj_free(tw_traj *t);

#endif
