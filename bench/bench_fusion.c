/* bench_fusion.c - track-to-track fusion throughput.
 *
 * 1,000 ballistic objects, each tracked by three nations (USA, JPN, KOR, of different accuracy,
 * reporting 0, 0.3 and 0.6 s before the fusion time), for 20 rounds of one second:
 * 1. tw_fusion_update of a known source (validation, map lookup, copy);
 * 2. tw_fusion_fuse: per system track, each source propagated to the fusion time (RK4 mean and
 *    linearised covariance), decorrelation tests, covariance intersection with fast weights,
 *    then the merge sweep. The peer is the naive independent fusion in information form
 *    (P^-1 = sum P_i^-1) of the same sources after the same propagation;
 * 3. the fusion arithmetic alone, without propagation: CI of 3 sources (fast weights) against
 *    the naive fusion, and CI of 2 sources with the omega searched (trace) against fast weights.
 * Rates are best of 5. The naive fusion is cheaper and wrong for correlated errors (it counts a
 * relayed estimate twice); the ratio is the price of never being overconfident. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchutil.h"
#include "track/motion.h"
#include "triwatch/fusion.h"
#include "triwatch/geo.h"
#include "triwatch/linalg.h"
#include "triwatch/rng.h"

#define N_OBJ 1000
#define N_NAT 3
#define ROUNDS 20
#define REPEATS 5
#define NX TW_FUSION_NX
#define NX2 (NX * NX)

static const char *const g_nation[N_NAT] = {"USA", "JPN", "KOR"};
static const double g_sd_pos[N_NAT] = {80.0, 250.0, 200.0};
static const double g_sd_vel[N_NAT] = {8.0, 15.0, 12.0};
static const double g_lag[N_NAT] = {0.0, 0.3, 0.6};
static const tw_motion_noise g_q = {0.01, 1e-4, 1e-14}; /* ballistic, as fusion.c's */

/* The true states at each source's time of validity, and one round's inputs: the truth plus an
 * error drawn afresh from the source's P (inputs of every round at once would be 46 MB). */
static double g_truth[N_OBJ][N_NAT][NX];
static tw_fusion_input g_in[N_OBJ][N_NAT];
static double g_L[N_NAT][NX2]; /* Cholesky factors of each nation's P */

static void draw_inputs(tw_rng *rng)
{
  for (int k = 0; k < N_OBJ; k++)
    for (int n = 0; n < N_NAT; n++) {
      double z[NX], e[NX];
      for (int i = 0; i < NX; i++)
        z[i] = tw_rng_normal(rng);
      tw_mat_mul(e, g_L[n], z, NX, NX, 1);
      for (int i = 0; i < NX; i++)
        g_in[k][n].x[i] = g_truth[k][n][i] + (i < 6 ? e[i] : 0.0);
    }
}

static void initial_inputs(tw_rng *rng)
{
  for (int k = 0; k < N_OBJ; k++) {
    /* a 25 x 40 grid 0.3 degrees apart over the Sea of Japan, 300 km up, heading east */
    tw_geodetic g = {(36.0 + 0.3 * (k / 40)) * TW_DEG, (128.0 + 0.3 * (k % 40)) * TW_DEG, 300e3};
    double r[3], E[9];
    tw_geo_to_ecef(r, &g);
    tw_enu_basis(E, g.lat_rad, g.lon_rad);
    for (int n = 0; n < N_NAT; n++) {
      tw_fusion_input *in = &g_in[k][n];
      double *x = g_truth[k][n];
      memset(in, 0, sizeof *in);
      snprintf(in->originator, sizeof in->originator, "%s", g_nation[n]);
      in->local_id = (uint32_t)(k * 7 + n + 1);
      in->t_s = -g_lag[n];
      for (int i = 0; i < 3; i++) {
        x[i] = r[i];
        x[3 + i] = 2600.0 * E[i] + 1200.0 * E[3 + i] + 800.0 * E[6 + i];
      }
      x[6] = x[7] = 0.0;
      x[8] = 1.0 / 8000.0;
      tw__motion_predict_mean(x, TW_MODEL_BALLISTIC, in->t_s);
      const double sd[NX] = {g_sd_pos[n], g_sd_pos[n], g_sd_pos[n], g_sd_vel[n], g_sd_vel[n],
                             g_sd_vel[n], 0.5, 0.5, 1e-4};
      for (int i = 0; i < NX; i++)
        in->P[i * NX + i] = sd[i] * sd[i];
      for (int i = 0; i < 3; i++) /* a filter's position-velocity correlation */
        in->P[i * NX + 3 + i] = in->P[(3 + i) * NX + i] = 0.5 * sd[i] * sd[3 + i];
      if (k == 0)
        tw_chol(g_L[n], in->P, NX);
      in->mu[TW_MODEL_BALLISTIC] = 1.0;
    }
  }
  draw_inputs(rng);
}

static void advance_inputs(double dt_s, tw_rng *rng)
{
  for (int k = 0; k < N_OBJ; k++)
    for (int n = 0; n < N_NAT; n++) {
      tw__motion_predict_mean(g_truth[k][n], TW_MODEL_BALLISTIC, dt_s);
      g_in[k][n].t_s += dt_s;
    }
  draw_inputs(rng);
}

/* The peer: naive fusion of one object's sources at t, after the same propagation. */
static int naive_fuse(double x[NX], double P[NX2], const tw_fusion_input *src, int n_src,
                      double t_s, int propagate)
{
  double Y[NX2] = {0}, y[NX] = {0};
  for (int i = 0; i < n_src; i++) {
    double xi[NX], Pi[NX2], Yi[NX2], dx[NX], yi[NX];
    memcpy(xi, src[i].x, sizeof xi);
    memcpy(Pi, src[i].P, sizeof Pi);
    if (propagate)
      tw__motion_predict(xi, Pi, TW_MODEL_BALLISTIC, &g_q, t_s - src[i].t_s);
    if (tw_spd_inv(Yi, Pi, NX) != 0)
      return -1;
    for (int k = 0; k < NX; k++)
      dx[k] = xi[k] - src[0].x[k];
    tw_mat_mul(yi, Yi, dx, NX, NX, 1);
    for (int k = 0; k < NX2; k++)
      Y[k] += Yi[k];
    for (int k = 0; k < NX; k++)
      y[k] += yi[k];
  }
  if (tw_spd_inv(P, Y, NX) != 0)
    return -1;
  tw_mat_mul(x, P, y, NX, NX, 1);
  for (int k = 0; k < NX; k++)
    x[k] += src[0].x[k];
  return 0;
}

int main(void)
{
  tw_rng rng;
  tw_rng_seed(&rng, 2023);
  tw_fusion_config c;
  tw_fusion_config_default(&c);
  c.max_system_tracks = 2 * N_OBJ;
  c.weights = TW_CI_FAST; /* three sources use fast weights anyway */

  double best_upd = 1e30, best_fuse = 1e30, best_peer = 1e30;
  int n_sys = 0;
  size_t decorrelated = 0, merged = 0;
  for (int rep = 0; rep < REPEATS; rep++) {
    tw_fusion *f = tw_fusion_new(&c);
    if (!f) {
      fprintf(stderr, "bench_fusion: tw_fusion_new failed\n");
      return 1;
    }
    initial_inputs(&rng);
    double t_upd = 0.0, t_fuse = 0.0, t_peer = 0.0;
    for (int r = 0; r <= ROUNDS; r++) {
      double t = r;
      double t0 = bench_now();
      for (int k = 0; k < N_OBJ; k++)
        for (int n = 0; n < N_NAT; n++)
          if (tw_fusion_update(f, &g_in[k][n], t, NULL) != 0)
            return 1;
      double t1 = bench_now();
      n_sys = tw_fusion_fuse(f, t);
      double t2 = bench_now();
      double sum = 0.0;
      for (int k = 0; k < N_OBJ; k++) {
        double x[NX], P[NX2];
        if (naive_fuse(x, P, g_in[k], N_NAT, t, 1) == 0)
          sum += P[0];
      }
      double t3 = bench_now();
      bench_sink(sum);
      if (r > 0) { /* round 0 associates every source: not the steady state */
        t_upd += t1 - t0;
        t_fuse += t2 - t1;
        t_peer += t3 - t2;
      }
      advance_inputs(1.0, &rng);
    }
    tw_fusion_stats st;
    tw_fusion_get_stats(f, &st);
    decorrelated = st.decorrelated;
    merged = st.merged;
    tw_fusion_free(f);
    if (t_upd < best_upd)
      best_upd = t_upd;
    if (t_fuse < best_fuse)
      best_fuse = t_fuse;
    if (t_peer < best_peer)
      best_peer = t_peer;
  }
  double upd_rate = (double)ROUNDS * N_OBJ * N_NAT / best_upd;
  double fuse_rate = (double)ROUNDS * N_OBJ / best_fuse;
  double peer_rate = (double)ROUNDS * N_OBJ / best_peer;
  printf("Fusion, %d objects x %d nations, %d rounds of 1 s, best of %d (system tracks: %d; "
         "sources expelled %zu, merges %zu):\n", N_OBJ, N_NAT, ROUNDS, REPEATS, n_sys,
         decorrelated, merged);
  printf("  %-58s %10.0f /s\n", "tw_fusion_update, known source", upd_rate);
  printf("  %-58s %10.0f /s\n", "tw_fusion_fuse: fused system tracks (3 sources propagated)",
         fuse_rate);
  printf("  %-58s %10.0f /s\n", "peer: naive information fusion, same propagation", peer_rate);
  printf("  ratio %.2f; a 1 Hz picture of 1,000 objects costs %.1f ms per round\n",
         fuse_rate / peer_rate, 1e3 * N_OBJ / fuse_rate + 1e3 * N_OBJ * N_NAT / upd_rate);

  /* the arithmetic alone: sources already at the fusion time */
  enum { KERNEL_ITERS = 200000 };
  double xs[N_NAT * NX], Ps[N_NAT * NX2];
  for (int n = 0; n < N_NAT; n++) {
    memcpy(xs + n * NX, g_in[0][n].x, sizeof g_in[0][n].x);
    memcpy(Ps + n * NX2, g_in[0][n].P, sizeof g_in[0][n].P);
  }
  double best_ci3 = 1e30, best_nv3 = 1e30, best_opt2 = 1e30, best_fast2 = 1e30;
  for (int rep = 0; rep < REPEATS; rep++) {
    double x[NX], P[NX2], sum = 0.0;
    double t0 = bench_now();
    for (int i = 0; i < KERNEL_ITERS; i++) {
      tw_fusion_ci(x, P, NULL, xs, Ps, 3, NX, TW_CI_FAST);
      sum += P[0];
    }
    double t1 = bench_now();
    for (int i = 0; i < KERNEL_ITERS; i++) {
      naive_fuse(x, P, g_in[0], 3, 0.0, 0);
      sum += P[0];
    }
    double t2 = bench_now();
    for (int i = 0; i < KERNEL_ITERS / 10; i++) {
      tw_fusion_ci(x, P, NULL, xs, Ps, 2, NX, TW_CI_OPT_TRACE);
      sum += P[0];
    }
    double t3 = bench_now();
    for (int i = 0; i < KERNEL_ITERS; i++) {
      tw_fusion_ci(x, P, NULL, xs, Ps, 2, NX, TW_CI_FAST);
      sum += P[0];
    }
    double t4 = bench_now();
    bench_sink(sum);
    best_ci3 = fmin(best_ci3, t1 - t0);
    best_nv3 = fmin(best_nv3, t2 - t1);
    best_opt2 = fmin(best_opt2, (t3 - t2) * 10.0);
    best_fast2 = fmin(best_fast2, t4 - t3);
  }
  printf("Fusion arithmetic only, 9 states, best of %d:\n", REPEATS);
  printf("  %-58s %10.0f /s\n", "CI, 3 sources, fast weights (tw_fusion_ci)",
         KERNEL_ITERS / best_ci3);
  printf("  %-58s %10.0f /s\n", "peer: naive information fusion, 3 sources",
         KERNEL_ITERS / best_nv3);
  printf("  ratio %.2f\n", best_nv3 / best_ci3);
  printf("  %-58s %10.0f /s\n", "CI, 2 sources, omega searched for the trace",
         KERNEL_ITERS / best_opt2);
  printf("  %-58s %10.0f /s\n", "CI, 2 sources, fast weights", KERNEL_ITERS / best_fast2);
  printf("  ratio %.2f\n", best_fast2 / best_opt2);
  printf("Peak memory: %ld KiB\n", bench_peak_rss_kib());
  return 0;
}
