/* triwatch/rocket.h - notional multi-stage ballistic missiles by class, and how they are steered.
 *
 * A profile is a stack of stages burning in turn at constant mass flow, each dropped at its
 * burnout, carrying a re-entry vehicle. Values are notional, sized so each class can fly the
 * public envelope of North Korean launches of that class; docs/physics.md gives the reasoning.
 * Steering is a vertical rise, a pitch-over toward an azimuth, then either a gravity turn (thrust
 * along the Earth-relative velocity) or, for depressed flight, a held thrust attitude, until
 * thrust is cut off. */
#ifndef TRIWATCH_ROCKET_H
#define TRIWATCH_ROCKET_H

#include "triwatch/visibility.h"

#define TW_MAX_STAGES 3
#define TW_G0 9.80665 /* standard gravity, m/s^2 (for specific impulse) */

enum tw_missile_class {
  TW_CLASS_AUTO = 0, /* choose from the trajectory's energy */
  TW_CLASS_SRBM,
  TW_CLASS_MRBM,
  TW_CLASS_IRBM,
  TW_CLASS_ICBM,
};

typedef struct tw_stage {
  double burn_s;  /* burn time at full thrust */
  double isp_s;   /* specific impulse */
  double prop_kg; /* propellant */
  double dry_kg;  /* structure, dropped at burnout */
  double area_m2; /* reference area of the stack while this stage burns */
  double beta_kg_m2; /* ballistic coefficient of the spent stage after separation */
} tw_stage;

typedef struct tw_rocket {
  enum tw_missile_class cls;
  const char *name;
  int n_stages;
  tw_stage stage[TW_MAX_STAGES];
  double payload_kg;    /* re-entry vehicle */
  double cd_boost;      /* drag coefficient of the stack in powered flight */
  double rv_beta_kg_m2; /* ballistic coefficient of the re-entry vehicle */
  double vertical_s;    /* vertical rise before pitch-over */
  double pitch_s;       /* duration of the pitch-over */
  const char *note;     /* where the numbers come from */
} tw_rocket;

enum tw_steering {
  TW_STEER_GRAVITY_TURN = 0, /* after the pitch-over, thrust along the velocity */
  TW_STEER_DEPRESSED = 1     /* after the pitch-over, thrust held at pitch_rad from the local
                                vertical: flat, low trajectories (KN-23 style depressed flight) */
};

typedef struct tw_boost_plan {
  enum tw_steering steering;
  double pitch_rad;   /* pitch-over angle from the vertical, reached at vertical_s + pitch_s */
  double azimuth_rad; /* direction of the pitch-over, clockwise from north */
  double cutoff_s;    /* thrust termination, seconds after launch; at most the total burn time */
} tw_boost_plan;

/* The built-in profile of a class (never NULL for SRBM..ICBM; NULL for anything else). */
TW_API const tw_rocket *tw_rocket_profile(enum tw_missile_class c);
/* "SRBM".."ICBM", "auto"; "?" for anything else. */
TW_API const char *tw_class_name(enum tw_missile_class c);
/* Parse a class name, case-insensitive; "ICBM-lofted" and similar suffixes map to the class.
 * Returns 0 or TW_EPARSE. */
TW_API int tw_class_parse(enum tw_missile_class *c, const char *s);
/* Total burn time of all stages. */
TW_API double tw_rocket_burn_s(const tw_rocket *rk);
/* Ideal (Tsiolkovsky) velocity change of the full stack, m/s. */
TW_API double tw_rocket_delta_v(const tw_rocket *rk);

#endif
