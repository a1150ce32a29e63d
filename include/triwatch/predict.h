/* triwatch/predict.h - where a ballistic missile will come down and where it came from: the
 * impact point (forward to the ellipsoid) and the launch point (backward to it) of a track state
 * with its covariance, each reported as a ground ellipse and a time with its spread.
 *
 * Uncertainty is carried by cubature sigma points (the spherical-radial rule: 2n points at
 * x +- sqrt(n) columns of chol(P), equal weights 1/(2n)), each flown exactly to the ground in ECEF
 * under J2-J4 gravity. Equal positive weights keep the ground covariance positive semi-definite
 * whatever the nonlinearity, which the scaled unscented transform with small alpha does not
 * (its negative centre weight); predict.c gives the reasoning. The ground points are averaged in
 * ECEF and the mean is put on the ellipsoid; the spread is taken in the east/north tangent plane
 * there, which is exact to a few metres for spreads up to a few hundred km.
 *
 * No allocation; 12 or 14 (impact, beta known or not) or 18 (launch) trajectory integrations per
 * call, about 0.3 ms for an IRBM from mid-course (docs/estimation.md). Outputs are
 * unchanged on error. */
#ifndef TRIWATCH_PREDICT_H
#define TRIWATCH_PREDICT_H

#include "triwatch/visibility.h"

/* Chi-square (2 degrees of freedom) radii of the 50% and 95% ellipses: sqrt(-2 ln(1 - p)). */
#define TW_ELLIPSE_K50 1.1774100225154747
#define TW_ELLIPSE_K95 2.4477468306808161

typedef struct tw_ground_ellipse {
  double lat_rad, lon_rad;   /* centre: the weighted mean of the sigma points' ground points
                                (geodetic, on the WGS-84 ellipsoid; longitude in (-pi, pi]) */
  double semi_major_m[2];    /* [0]: 50% ellipse, [1]: 95% ellipse */
  double semi_minor_m[2];
  double orientation_rad;    /* azimuth of the major axis, clockwise from north, [0, pi) */
  double cov_en_m2[4];       /* 2x2 east/north covariance at the centre, row-major, m^2 */
  double t_s;                /* time of reaching the ground on the caller's clock */
  double sigma_t_s;          /* 1-sigma spread of that time */
  int n_ground;              /* sigma points that reached the ground (all, on success) */
} tw_ground_ellipse;

/* Impact point: propagate the ECEF state x = [r (m), v (m/s)] (6) with covariance P (6x6,
 * row-major; only its lower triangle is read) at time t_s forward to height 0 under J2-J4
 * gravity and drag with an uncertain ballistic coefficient: beta_kg_m2 is its median (0: no drag,
 * and then sigma_log_beta must be 0), sigma_log_beta the 1-sigma of ln(beta) (0: known). Sigma
 * points over the 7-dim [r, v, ln beta] (6-dim when beta is known). max_time_s (> 0) bounds the
 * flight. A sigma point that is already below the ground at t_s is traced back to where it went
 * down. Returns 0; TW_ENOTPD (P not positive definite); TW_EUNREACH (some sigma point does not
 * come down within max_time_s, e.g. the state is in orbit or still climbing far out); TW_ESTEPS
 * (the integrator gave up on a sigma point: a state deep inside the Earth or absurdly fast);
 * TW_EINVAL (NULL pointer, a non-finite number, a negative beta or sigma, max_time_s <= 0). */
TW_API int tw_predict_impact(tw_ground_ellipse *out, double t_s, const double x[6],
                             const double P[36], double beta_kg_m2, double sigma_log_beta,
                             double max_time_s);

/* Impact point of a track: x9 = [r (3), v (3), a_t, a_n, kappa] is the tracker's (and the
 * fusion's) state, P9 its 9x9 covariance (row-major). The ballistic coefficient is 1/kappa with
 * kappa clamped to [1e-5, 2e-3] m^2/kg (beta 500..100,000 kg/m^2), and the spread of ln beta
 * is sigma(kappa)/kappa clamped to [0.05, 1.5]; the flight is bounded at 4 h. The state is
 * taken as unpowered: the caller decides whether it is (where a missile under power comes down
 * depends on when its thrust stops). beta_out (may be NULL) receives the beta used. Returns as
 * tw_predict_impact. */
TW_API int tw_predict_impact_track(tw_ground_ellipse *out, double t_s, const double x9[9],
                                   const double P9[81], double *beta_out);

/* Launch point: propagate a boost-phase ECEF state x = [r, v, a] (9; a (m/s^2) the
 * non-gravitational acceleration - thrust net of drag - taken as constant over the whole backward
 * flight) with covariance P (9x9, lower triangle read) backward in time, without drag, to the
 * launch: the point where the climb rate falls to 0 (the rocket stood still on the pad, up to
 * the model), put on the ellipsoid beneath it; a sigma point that never stops descending (its
 * thrust does not beat gravity) takes its first crossing of height 0 instead. Not the crossing
 * of height 0 first: a rocket leaves the pad at rest, tangent to the ground, and the crossing
 * time is a square root of the state error (predict.c). t_s of the result is the estimated
 * launch time; max_back_s (> 0) is how far back to look. The pad's own height does not matter:
 * the rest point is found wherever it is and the ground point is the one beneath it. A constant
 * thrust is a crude model of a rocket whose acceleration grows as it burns its propellant and
 * turns as it steers: docs/estimation.md gives the errors to expect, which grow fast with the
 * time since launch (1 km and 2 s at 30 s, 7 km and 12 s at 60 s for the IRBM profile). Returns
 * as tw_predict_impact (TW_EUNREACH: some sigma point neither stops descending nor reaches the
 * ground within max_back_s). */
TW_API int tw_predict_launch(tw_ground_ellipse *out, double t_s, const double x[9],
                             const double P[81], double max_back_s);

/* Launch point of a gravity-turn boost: x = [r (3), v (3), a_t, a_n, unused] is the tracker's
 * state (thrust a_t along the velocity and a_n normal to it in the vertical plane), P its 9x9
 * covariance. Flown backward with the thrust following the velocity (a gravity turn seen in
 * reverse) and its magnitude falling as the rocket equation says at constant mass flow:
 * a(t) = a_now k / (k + (t_now - t)), k = exhaust_mps / a_now (2,500-3,000 m/s for the rockets in
 * question). Same outputs and returns as tw_predict_launch; TW_EUNREACH also when a sigma point
 * has no thrust (the state is not under power). */
TW_API int tw_predict_launch_turn(tw_ground_ellipse *out, double t_s, const double x[9],
                                  const double P[81], double exhaust_mps, double max_back_s);

#endif
