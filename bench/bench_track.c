/* bench_track.c - tracking throughput.
 *
 * 1. EKF measurement updates per second for the 6-state ballistic filter with a 3-D radar report
 *    (range, azimuth, elevation): the predicted report and its Jacobian, then the Joseph-form
 *    update. Ours (tw_kf_update) beside the same update written with CBLAS and LAPACKE calls
 *    (dgemm, dpotrf, dpotrs), on the same states and reports. Target: over 2 million/s.
 * 2. A scene of 1,000 ballistic objects seen by one radar once a second for 120 s, through the
 *    whole tracker (initiation, gating, assignment, IMM updates); wall time against the scene's
 *    120 s. Target: over 100x real time. Peak memory is printed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "benchutil.h"
#include "track/measure.h"
#include "track/motion.h"
#include "triwatch/kalman.h"
#include "triwatch/rng.h"
#include "triwatch/tracker.h"

#define N_CASES 256

typedef struct ekf_case {
  double x[6], P[36], z[3], R[9];
} ekf_case;

static tw_site g_site;

/* Predicted radar report and its 3 x 6 Jacobian for a 6-state [r, v]. */
static void radar6(double zh[3], double H[18], const double x[6])
{
  double x9[TW_MX] = {x[0], x[1], x[2], x[3], x[4], x[5], 0, 0, 0}, H9[3 * TW_MX];
  tw__meas_radar(zh, H9, x9, &g_site, 3);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 6; j++)
      H[i * 6 + j] = H9[i * TW_MX + j];
}

static void ours(ekf_case *c)
{
  double zh[3], H[18], y[3];
  radar6(zh, H, c->x);
  tw__innovation(y, c->z, zh, 3, 0);
  tw_kf_update(c->x, c->P, y, H, c->R, 6, 3, NULL);
}

/* The same update with BLAS/LAPACK: S = H P H' + R, K = P H' S^-1 (dpotrf/dpotrs),
 * P = (I - K H) P (I - K H)' + K R K'. */
static void peer(ekf_case *c)
{
  double zh[3], H[18], y[3], PHt[18], S[9], Kt[18], IKH[36], T[36], Pn[36], KR[18];
  radar6(zh, H, c->x);
  tw__innovation(y, c->z, zh, 3, 0);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, 6, 3, 6, 1.0, c->P, 6, H, 6, 0.0, PHt, 3);
  memcpy(S, c->R, sizeof S);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 3, 3, 6, 1.0, H, 6, PHt, 3, 1.0, S, 3);
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 3; j++)
      Kt[j * 6 + i] = PHt[i * 3 + j];
  if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', 3, S, 3) != 0)
    return;
  LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'L', 3, 6, S, 3, Kt, 6); /* K' = S^-1 (P H')' */
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 3; j++)
      c->x[i] += Kt[j * 6 + i] * y[j];
  for (int i = 0; i < 36; i++)
    IKH[i] = (i % 7 == 0) ? 1.0 : 0.0;
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, 6, 6, 3, -1.0, Kt, 6, H, 6, 1.0, IKH, 6);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 6, 6, 6, 1.0, IKH, 6, c->P, 6, 0.0, T, 6);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, 6, 6, 6, 1.0, T, 6, IKH, 6, 0.0, Pn, 6);
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, 6, 3, 3, 1.0, Kt, 6, c->R, 3, 0.0, KR, 3);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 6, 6, 3, 1.0, KR, 3, Kt, 6, 1.0, Pn, 6);
  memcpy(c->P, Pn, sizeof Pn);
}

static void make_cases(ekf_case *c, tw_rng *rng)
{
  for (int k = 0; k < N_CASES; k++) {
    tw_geodetic g = {(38.0 + 4.0 * tw_rng_uniform(rng)) * TW_DEG,
                     (130.0 + 6.0 * tw_rng_uniform(rng)) * TW_DEG, 300e3 + 500e3 * tw_rng_uniform(rng)};
    tw_geo_to_ecef(c[k].x, &g);
    for (int i = 3; i < 6; i++)
      c[k].x[i] = 3000.0 * (2.0 * tw_rng_uniform(rng) - 1.0);
    memset(c[k].P, 0, sizeof c[k].P);
    for (int i = 0; i < 6; i++)
      c[k].P[i * 7] = i < 3 ? 400.0 : 25.0;
    c[k].P[3] = c[k].P[18] = 50.0; /* some r-v correlation */
    double zh[3], H[18];
    radar6(zh, H, c[k].x);
    memset(c[k].R, 0, sizeof c[k].R);
    c[k].R[0] = 15.0 * 15.0;
    c[k].R[4] = c[k].R[8] = 0.5e-3 * 0.5e-3;
    for (int i = 0; i < 3; i++)
      c[k].z[i] = zh[i] + sqrt(c[k].R[i * 4]) * tw_rng_normal(rng);
  }
}

static double rate(void (*fn)(ekf_case *), const ekf_case *base, long n_iter)
{
  static ekf_case work[N_CASES];
  double best = 1e30;
  for (int rep = 0; rep < 5; rep++) {
    memcpy(work, base, sizeof work);
    double t0 = bench_now();
    for (long it = 0; it < n_iter; it++) {
      ekf_case *c = &work[it % N_CASES];
      if (it % N_CASES == 0 && it)
        memcpy(work, base, sizeof work); /* same starting states every pass */
      fn(c);
    }
    double dt = bench_now() - t0;
    if (dt < best)
      best = dt;
    bench_sink(work[0].x[0]);
  }
  return (double)n_iter / best;
}

static void bench_ekf(void)
{
  tw_geodetic s = {37.0 * TW_DEG, 127.5 * TW_DEG, 100.0};
  tw_geo_to_ecef(g_site.r, &s);
  tw_enu_basis(g_site.enu, s.lat_rad, s.lon_rad);
  static ekf_case base[N_CASES], a[N_CASES], b[N_CASES];
  tw_rng rng;
  tw_rng_seed(&rng, 42);
  make_cases(base, &rng);
  /* agreement once */
  memcpy(a, base, sizeof a);
  memcpy(b, base, sizeof b);
  double dmax = 0.0;
  for (int k = 0; k < N_CASES; k++) {
    ours(&a[k]);
    peer(&b[k]);
    for (int i = 0; i < 6; i++)
      dmax = fmax(dmax, fabs(a[k].x[i] - b[k].x[i]) / fmax(1.0, fabs(b[k].x[i])));
    for (int i = 0; i < 36; i++)
      dmax = fmax(dmax, fabs(a[k].P[i] - b[k].P[i]) / fmax(1.0, fabs(b[k].P[i])));
  }
  long n = 2000000;
  double r_ours = rate(ours, base, n), r_peer = rate(peer, base, n);
  printf("EKF update, 6 states, radar (range, az, el), Joseph form, best of 5 x %ld:\n", n);
  printf("  %-36s %12.0f updates/s\n", "triwatch (tw_kf_update)", r_ours);
  printf("  %-36s %12.0f updates/s\n", "CBLAS dgemm + LAPACKE dpotrf/dpotrs", r_peer);
  printf("  ratio %.2f; largest relative difference %.1e; target > 2,000,000/s: %s\n",
         r_ours / r_peer, dmax, r_ours > 2e6 ? "met" : "NOT MET");
}

/* --- the 1,000-track scene ---------------------------------------------------------------- */

#define N_OBJ 1000
#define SCENE_S 120

static void bench_scene(void)
{
  tw_sensor radar = {0};
  snprintf(radar.id, sizeof radar.id, "BENCH-RADAR");
  snprintf(radar.nation, sizeof radar.nation, "USA");
  radar.kind = TW_SENSOR_RADAR;
  radar.lat_deg = 39.0;
  radar.lon_deg = 133.0;
  radar.half_width_deg = 180.0;
  radar.max_range_km = 4000.0;
  radar.min_elev_deg = 0.0;
  radar.revisit_s = 1.0;
  radar.pd = 1.0;
  radar.sigma_range_m = 15.0;
  radar.sigma_angle_rad = 0.5e-3;
  tw_site site;
  tw_sensor_site_ecef(&radar, site.r);
  tw_enu_basis(site.enu, radar.lat_deg * TW_DEG, radar.lon_deg * TW_DEG);

  /* objects on a 40 x 25 grid 40 km apart, 400-700 km up, drag-free, random headings */
  static double x[N_OBJ][TW_MX];
  tw_rng rng;
  tw_rng_seed(&rng, 7);
  for (int i = 0; i < N_OBJ; i++) {
    tw_geodetic g = {(36.0 + 0.36 * (i / 40)) * TW_DEG, (128.0 + 0.45 * (i % 40)) * TW_DEG,
                     400e3 + 300e3 * tw_rng_uniform(&rng)};
    tw_geo_to_ecef(x[i], &g);
    double enu[9];
    tw_enu_basis(enu, g.lat_rad, g.lon_rad);
    double hd = 2 * TW_PI * tw_rng_uniform(&rng), sp = 2000.0 + 2000.0 * tw_rng_uniform(&rng);
    double ve[3] = {sp * sin(hd), sp * cos(hd), 200.0 * (2 * tw_rng_uniform(&rng) - 1)};
    for (int k = 0; k < 3; k++)
      x[i][3 + k] = enu[k] * ve[0] + enu[3 + k] * ve[1] + enu[6 + k] * ve[2];
    x[i][6] = x[i][7] = x[i][8] = 0.0;
  }
  /* the reports, made beforehand so only tracking is timed */
  tw_meas *rep = malloc((size_t)N_OBJ * SCENE_S * sizeof *rep);
  if (!rep)
    return;
  size_t n = 0;
  for (int s = 0; s < SCENE_S; s++) {
    for (int i = 0; i < N_OBJ; i++) {
      if (s > 0)
        tw__motion_predict_mean(x[i], TW_MODEL_BALLISTIC, 1.0);
      tw_meas *m = &rep[n++];
      memset(m, 0, sizeof *m);
      m->t_ns = (tw_time_ns)s * TW_NS_PER_S;
      m->t_report_ns = m->t_ns;
      m->object = i;
      m->n_z = 3;
      tw__meas_radar(m->z, NULL, x[i], &site, 3);
      m->sigma[0] = radar.sigma_range_m;
      m->sigma[1] = m->sigma[2] = radar.sigma_angle_rad;
      for (int k = 0; k < 3; k++)
        m->z[k] += m->sigma[k] * tw_rng_normal(&rng);
    }
  }
  long rss0 = bench_peak_rss_kib();
  double best = 1e30;
  int confirmed = 0;
  for (int rep_i = 0; rep_i < 3; rep_i++) {
    tw_tracker *tr = tw_tracker_new(NULL, &radar, 1, 0);
    double t0 = bench_now();
    for (int s = 0; s < SCENE_S; s++)
      tw_tracker_process(tr, rep + (size_t)s * N_OBJ, N_OBJ);
    double dt = bench_now() - t0;
    if (dt < best)
      best = dt;
    confirmed = 0;
    for (int k = 0; k < tw_tracker_count(tr); k++)
      confirmed += tw_tracker_track(tr, k)->status == TW_TRACK_CONFIRMED;
    tw_tracker_free(tr);
  }
  printf("\nScene: %d objects, one radar at 1 Hz, %d s of reports (%zu), whole tracker:\n", N_OBJ,
         SCENE_S, n);
  printf("  wall %.3f s for %d s of scene: %.0fx real time (target > 100x: %s); %d confirmed "
         "tracks at the end\n",
         best, SCENE_S, SCENE_S / best, SCENE_S / best > 100.0 ? "met" : "NOT MET", confirmed);
  printf("  peak RSS %ld KiB (%ld KiB before the tracker ran)\n", bench_peak_rss_kib(), rss0);
  free(rep);
}

int main(void)
{
  bench_ekf();
  bench_scene();
  return 0;
}
