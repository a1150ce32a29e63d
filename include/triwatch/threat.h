/* triwatch/threat.h - threat determination (DESIGN.md section 5): which areas an impact
 * distribution or a predicted flight threatens, with probabilities and times.
 *
 * Impact: Monte Carlo over the ground ellipse's 2-D Gaussian (east/north covariance at its
 * centre), each sample placed on the ellipsoid by a geodesic from the centre and tested against
 * the areas with a point query. Overflight: the ground points of a predicted flight's states,
 * tested one by one and segment by segment against the areas.
 *
 * Angles are radians, lengths metres, times seconds on the caller's clock. Both functions
 * allocate a little scratch memory (one entry per area) and are not for the per-measurement
 * path. A tw_areas may be queried by one thread at a time, so these may too. Outputs are
 * unchanged on error. */
#ifndef TRIWATCH_THREAT_H
#define TRIWATCH_THREAT_H

#include <stddef.h>
#include <stdint.h>

#include "triwatch/areas.h"
#include "triwatch/predict.h"
#include "triwatch/traj.h"
#include "triwatch/visibility.h"

/* The area index of the "no area" entry of tw_threat_impact: samples outside every area of the
 * set - the sea, or the land of a nation the area file does not hold (China, Russia). */
#define TW_THREAT_NONE (-1)

/* Largest n_samples accepted by tw_threat_impact (a bound on the run time: one GEOS point query
 * per sample, some tens of microseconds each). */
#define TW_THREAT_MAX_SAMPLES 10000000

typedef struct tw_threat_area {
  int area;           /* index into the tw_areas, or TW_THREAT_NONE */
  double probability; /* impact: share of the samples in the area; overflight: 1 */
  double t_s;         /* impact: expected impact time; overflight: first time over the area */
  double sigma_t_s;   /* impact: 1-sigma of the impact time; overflight: 0 */
  double t_first_s;   /* overflight: first and last time over the area (state times, */
  double t_last_s;    /* within one sample interval); impact: both t_s */
} tw_threat_area;

/* Probability that the impact of ground ellipse g falls in each area: n_samples points drawn
 * from N(centre, cov_en_m2) in the local east/north plane (tw_rng seeded with seed, so the same
 * seed gives the same answer) and mapped to latitude/longitude by the geodesic direct problem
 * from the centre (distance and azimuth of the east/north offset). A sample in several areas
 * (their shared border) counts for each. Every area with a probability above 1e-3 gets an entry,
 * and so does TW_THREAT_NONE (the share outside every area) when above 1e-3; entries are sorted
 * by probability, highest first (ties by area index), with t_s = g->t_s and sigma_t_s =
 * g->sigma_t_s. Writes up to max entries into out (may be NULL when max is 0) and returns the
 * number of entries, which may exceed max. TW_EINVAL for a bad argument (NULL set or ellipse,
 * n_samples outside [1, TW_THREAT_MAX_SAMPLES], a non-finite ellipse field, a covariance that is
 * not symmetric positive semi-definite, max < 0, out NULL with max > 0); TW_ENOMEM; out is then
 * unchanged. */
TW_API int tw_threat_impact(const tw_areas *a, const tw_ground_ellipse *g, int n_samples,
                            uint64_t seed, tw_threat_area *out, int max);

/* Areas the ground track of a predicted flight passes over while in flight from t0_s: states
 * (n >= 1, in time order, ECEF positions) with t_s >= t0_s, each put beneath itself on the
 * ellipsoid. An area is overflown when a ground point lies in it or the geodesic between two
 * consecutive ground points crosses it; t_first_s/t_last_s are the first and last state times
 * whose ground point lies in it, or, for an area only crossed between samples, the midpoint time
 * of the first/last such segment. Entries are sorted by t_first_s (order of passage; ties by
 * area index), probability 1, t_s = t_first_s, sigma_t_s 0. Writes and returns as
 * tw_threat_impact (0 when no state is at or after t0_s). TW_EINVAL for a bad argument (NULL
 * set or states, n == 0, a non-finite t0_s or state time or position, times decreasing, max < 0,
 * out NULL with max > 0); TW_ENOMEM; out is then unchanged. */
TW_API int tw_threat_overflight(const tw_areas *a, const tw_traj_state *states, size_t n,
                                double t0_s, tw_threat_area *out, int max);

#endif
