/* triwatch/sensor.h - the sensors of the three nations: what each is, where it is, what it can
 * see, and what it reports.
 *
 * Radars report range, azimuth, elevation (and range rate where the sensor has it) from their
 * site. Space-based infrared reports the line of sight from the satellite to the plume as two
 * angles of the ECEF unit vector u: los_lon = atan2(u_y, u_x), los_lat = asin(u_z). */
#ifndef TRIWATCH_SENSOR_H
#define TRIWATCH_SENSOR_H

#include <stdint.h>

#include "triwatch/geo.h"
#include "triwatch/visibility.h"

#define TW_SENSOR_ID_MAX 32
#define TW_NATION_MAX 8
#define TW_MAX_SENSORS 64
#define TW_GEO_ALT_M 35786e3 /* geostationary altitude */

enum tw_sensor_kind {
  TW_SENSOR_RADAR = 0,
  TW_SENSOR_IR = 1 /* space-based infrared on a geostationary satellite */
};

typedef struct tw_sensor {
  char id[TW_SENSOR_ID_MAX];   /* unique, e.g. "KOR-GREENPINE-B1" */
  char nation[TW_NATION_MAX];  /* owner: "USA", "JPN", "KOR", ... */
  enum tw_sensor_kind kind;
  double lat_deg, lon_deg;     /* site (IR: sub-satellite point, lat 0) */
  double alt_m;                /* site height above the ellipsoid (IR: TW_GEO_ALT_M) */
  double boresight_deg;        /* radar sector centre, azimuth clockwise from north */
  double half_width_deg;       /* radar sector half width; 180 = all round */
  double max_range_km;         /* radar: instrumented range; IR: unused */
  double min_elev_deg;         /* radar: lowest elevation it looks at */
  double revisit_s;            /* time between looks at a target */
  double pd;                   /* detection probability per look, (0, 1] */
  double sigma_range_m;        /* radar range noise (1 sigma) */
  double sigma_angle_rad;      /* angle noise per axis (1 sigma), radar and IR */
  double sigma_rr_mps;         /* range-rate noise; 0 = range rate not measured */
  double false_alarms_per_look;/* mean false reports per look (Poisson) */
  double latency_s;            /* from measurement to report */
  double ir_delay_s;           /* IR: first report this long after launch at the earliest */
  double ir_min_alt_km;        /* IR: the plume must be above this height (clouds) */
  const char *source;          /* where the values come from, or "notional" (static string) */
} tw_sensor;

/* The default three-nation set of ../shared/DESIGN.md section 4. Returns the count (<= max)
 * copied into out. */
TW_API int tw_sensor_defaults(tw_sensor *out, int max);

/* Check a sensor's values; returns 0 or TW_ERANGE with the offending field's name in *field. */
TW_API int tw_sensor_validate(const tw_sensor *s, const char **field);

/* Geometry of a target at ECEF r seen by radar s: fills aer and returns 1 if the sensor can see
 * it - above min_elev (so the line of sight clears the Earth), inside the sector and within
 * range - else 0. For IR sensors returns 1 when the line of sight does not meet the Earth
 * (aer then holds the ECEF line-of-sight angles in az_rad = los_lon, el_rad = los_lat). */
TW_API int tw_sensor_geometry(const tw_sensor *s, const double r[3], tw_aer *aer);

/* The site (ECEF) of a sensor. */
TW_API void tw_sensor_site_ecef(const tw_sensor *s, double r[3]);

#endif
