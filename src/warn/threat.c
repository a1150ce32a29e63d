/* threat.c - threat determination: impact probabilities per area by Monte Carlo over the ground
 * ellipse, and the areas a predicted flight passes over with their times (triwatch/threat.h).
 *
 * Why Monte Carlo and not the area of the polygon inside the ellipse: the areas are coastlines
 * with thousands of vertices and the Gaussian is not uniform over its ellipse; a few thousand
 * point queries against prepared geometries give the share to a percent in milliseconds, and the
 * error is known (sqrt(p (1 - p) / n)). */
#include "triwatch/threat.h"

#include <math.h>
#include <stdlib.h>

#include "triwatch/error.h"
#include "triwatch/geo.h"
#include "triwatch/rng.h"

#define MIN_PROBABILITY 1e-3

/* Order entries by probability, highest first, then by area index. */
static int by_probability(const void *pa, const void *pb) {
  const tw_threat_area *x = pa, *y = pb;
  if (x->probability != y->probability) return x->probability > y->probability ? -1 : 1;
  return (x->area > y->area) - (x->area < y->area);
}

/* Order entries by first time over the area, then by area index. */
static int by_first_time(const void *pa, const void *pb) {
  const tw_threat_area *x = pa, *y = pb;
  if (x->t_first_s != y->t_first_s) return x->t_first_s < y->t_first_s ? -1 : 1;
  return (x->area > y->area) - (x->area < y->area);
}

/* Factor the 2x2 east/north covariance as its eigen-decomposition: standard deviations sd[0] >=
 * sd[1] >= 0 along the axes at angle theta_rad (from east towards north) and its normal.
 * Returns 0, or TW_EINVAL when cov is not finite, symmetric and positive semi-definite (to
 * rounding). */
static int factor_cov(const double cov[4], double sd[2], double *theta_rad) {
  for (int i = 0; i < 4; i++)
    if (!isfinite(cov[i])) return TW_EINVAL;
  double ee = cov[0], nn = cov[3], en = 0.5 * (cov[1] + cov[2]);
  double scale = fmax(fabs(ee), fabs(nn));
  if (fabs(cov[1] - cov[2]) > 1e-9 * scale + 1e-300) return TW_EINVAL;
  if (ee < 0.0 || nn < 0.0) return TW_EINVAL;
  double mean = 0.5 * (ee + nn);
  double rad = hypot(0.5 * (ee - nn), en);
  double l1 = mean + rad, l2 = mean - rad;
  if (l2 < -1e-9 * l1) return TW_EINVAL;
  sd[0] = sqrt(l1);
  sd[1] = sqrt(fmax(l2, 0.0));
  *theta_rad = 0.5 * atan2(2.0 * en, ee - nn);
  return 0;
}

int tw_threat_impact(const tw_areas *a, const tw_ground_ellipse *g, int n_samples, uint64_t seed,
                     tw_threat_area *out, int max) {
  if (!a || !g || n_samples < 1 || n_samples > TW_THREAT_MAX_SAMPLES || max < 0
      || (max > 0 && !out))
    return TW_EINVAL;
  if (!isfinite(g->lat_rad) || fabs(g->lat_rad) > TW_PI / 2 || !isfinite(g->lon_rad)
      || !isfinite(g->t_s) || !isfinite(g->sigma_t_s) || g->sigma_t_s < 0.0)
    return TW_EINVAL;
  double sd[2], theta;
  if (factor_cov(g->cov_en_m2, sd, &theta) != 0) return TW_EINVAL;

  int n_areas = tw_areas_count(a);
  /* counts[0] is "no area", counts[1 + i] area i; hits holds one point query's answer */
  long *counts = calloc((size_t)n_areas + 1, sizeof *counts);
  int *hits = malloc(((size_t)n_areas + 1) * sizeof *hits);
  tw_threat_area *entries = malloc(((size_t)n_areas + 1) * sizeof *entries);
  int rc = TW_ENOMEM;
  if (!counts || !hits || !entries) goto out;

  tw_rng rng;
  tw_rng_seed_named(&rng, seed, "threat.impact");
  double c = cos(theta), s = sin(theta);
  for (int k = 0; k < n_samples; k++) {
    double z1 = tw_rng_normal(&rng) * sd[0], z2 = tw_rng_normal(&rng) * sd[1];
    double east_m = z1 * c - z2 * s, north_m = z1 * s + z2 * c;
    double lat = g->lat_rad, lon = g->lon_rad;
    double dist_m = hypot(east_m, north_m);
    if (dist_m > 0.0)
      tw_geodesic_direct(g->lat_rad, g->lon_rad, atan2(east_m, north_m), dist_m, &lat, &lon, NULL);
    int nh = tw_areas_hit_track(a, &lat, &lon, 1, hits, n_areas + 1);
    if (nh < 0) {
      rc = nh;
      goto out;
    }
    if (nh == 0) counts[0]++;
    for (int i = 0; i < nh && i <= n_areas; i++) counts[1 + hits[i]]++;
  }

  int n_entries = 0;
  for (int i = 0; i <= n_areas; i++) {
    double p = (double)counts[i] / n_samples;
    if (!(p > MIN_PROBABILITY)) continue;
    entries[n_entries++] = (tw_threat_area){.area = i == 0 ? TW_THREAT_NONE : i - 1,
                                            .probability = p,
                                            .t_s = g->t_s,
                                            .sigma_t_s = g->sigma_t_s,
                                            .t_first_s = g->t_s,
                                            .t_last_s = g->t_s};
  }
  qsort(entries, (size_t)n_entries, sizeof *entries, by_probability);
  for (int i = 0; i < n_entries && i < max; i++) out[i] = entries[i];
  rc = n_entries;
out:
  free(counts);
  free(hits);
  free(entries);
  return rc;
}

int tw_threat_overflight(const tw_areas *a, const tw_traj_state *states, size_t n, double t0_s,
                         tw_threat_area *out, int max) {
  if (!a || !states || n == 0 || !isfinite(t0_s) || max < 0 || (max > 0 && !out))
    return TW_EINVAL;
  for (size_t i = 0; i < n; i++) {
    const tw_traj_state *st = &states[i];
    if (!isfinite(st->t_s) || !isfinite(st->r[0]) || !isfinite(st->r[1]) || !isfinite(st->r[2]))
      return TW_EINVAL;
    if (i > 0 && st->t_s < states[i - 1].t_s) return TW_EINVAL;
  }
  size_t i0 = 0;
  while (i0 < n && states[i0].t_s < t0_s) i0++;
  if (i0 == n) return 0;
  size_t m = n - i0;

  int n_areas = tw_areas_count(a);
  double *lat = malloc(m * sizeof *lat), *lon = malloc(m * sizeof *lon);
  int *hits = malloc(((size_t)n_areas + 1) * sizeof *hits);
  /* per area: first/last time a ground point lies in it (point_*), and first/last midpoint of a
   * segment crossing it (seg_*), for areas crossed between samples */
  double *point_first = malloc(((size_t)n_areas + 1) * sizeof *point_first);
  double *point_last = malloc(((size_t)n_areas + 1) * sizeof *point_last);
  double *seg_first = malloc(((size_t)n_areas + 1) * sizeof *seg_first);
  double *seg_last = malloc(((size_t)n_areas + 1) * sizeof *seg_last);
  tw_threat_area *entries = malloc(((size_t)n_areas + 1) * sizeof *entries);
  int rc = TW_ENOMEM;
  if (!lat || !lon || !hits || !point_first || !point_last || !seg_first || !seg_last || !entries)
    goto out;
  for (int i = 0; i < n_areas; i++)
    point_first[i] = point_last[i] = seg_first[i] = seg_last[i] = NAN;

  for (size_t k = 0; k < m; k++) {
    tw_geodetic gd;
    tw_ecef_to_geo(&gd, states[i0 + k].r);
    lat[k] = gd.lat_rad;
    lon[k] = gd.lon_rad;
    double t = states[i0 + k].t_s;
    int nh = tw_areas_hit_track(a, &lat[k], &lon[k], 1, hits, n_areas + 1);
    if (nh < 0) {
      rc = nh;
      goto out;
    }
    for (int i = 0; i < nh && i <= n_areas; i++) {
      if (isnan(point_first[hits[i]])) point_first[hits[i]] = t;
      point_last[hits[i]] = t;
    }
    if (k == 0) continue;
    nh = tw_areas_hit_track(a, &lat[k - 1], &lon[k - 1], 2, hits, n_areas + 1);
    if (nh < 0) {
      rc = nh;
      goto out;
    }
    double t_mid = 0.5 * (states[i0 + k - 1].t_s + t);
    for (int i = 0; i < nh && i <= n_areas; i++) {
      if (isnan(seg_first[hits[i]])) seg_first[hits[i]] = t_mid;
      seg_last[hits[i]] = t_mid;
    }
  }

  int n_entries = 0;
  for (int i = 0; i < n_areas; i++) {
    double first = point_first[i], last = point_last[i];
    if (isnan(first)) {
      first = seg_first[i];
      last = seg_last[i];
    }
    if (isnan(first)) continue;
    entries[n_entries++] = (tw_threat_area){.area = i,
                                            .probability = 1.0,
                                            .t_s = first,
                                            .sigma_t_s = 0.0,
                                            .t_first_s = first,
                                            .t_last_s = last};
  }
  qsort(entries, (size_t)n_entries, sizeof *entries, by_first_time);
  for (int i = 0; i < n_entries && i < max; i++) out[i] = entries[i];
  rc = n_entries;
out:
  free(lat);
  free(lon);
  free(hits);
  free(point_first);
  free(point_last);
  free(seg_first);
  free(seg_last);
  free(entries);
  return rc;
}
