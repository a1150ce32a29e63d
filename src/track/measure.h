/* measure.h - measurement models of the trackers (private): predicted measurements and their
 * Jacobians for radar (range, azimuth, elevation, range rate) and space-based infrared (line of
 * sight angles), and conversions of reports into ECEF positions for track initiation. State
 * layout in motion.h; Jacobians are m x 9, zero beyond the columns a model uses. */
#ifndef TW_TRACK_MEASURE_H
#define TW_TRACK_MEASURE_H

#include "track/motion.h"

/* Site geometry of a sensor, computed once. */
typedef struct tw_site {
  double r[3];   /* ECEF */
  double enu[9]; /* rows: east, north, up */
} tw_site;

/* Radar: zhat = (range, az, el[, range rate]) of state x from site s; n_z is 3 or 4. */
void tw__meas_radar(double *zhat, double *H, const double *x, const tw_site *s, int n_z);
/* Infrared: zhat = (los_lon, los_lat) of x from the satellite at s. */
void tw__meas_ir(double *zhat, double *H, const double *x, const tw_site *s);
/* Innovation z - zhat with angles wrapped; kind 0 radar, 1 infrared. */
void tw__innovation(double *y, const double *z, const double *zhat, int n_z, int kind);
/* A radar report (range, az, el with sigmas) as an ECEF point and its 3x3 covariance. */
void tw__radar_point(double r[3], double R[9], const double *z, const double *sigma,
                     const tw_site *s);
/* Closest approach of two lines of sight (satellite sites a, b; unit directions ua, ub; angle
 * sigmas sa, sb; ranges to the target ra, rb from a first guess): the midpoint, its covariance
 * from the rays' lateral information, and the miss distance. Returns 0, or -1 if the rays are
 * nearly parallel. */
int tw__triangulate(double p[3], double P[9], double *miss_m, const double a[3], const double ua[3],
                    double sa, const double b[3], const double ub[3], double sb);
/* Unit line of sight from (los_lon, los_lat). */
void tw__los_unit(double u[3], double lon, double lat);

#endif
