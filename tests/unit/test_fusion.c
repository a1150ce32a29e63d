/* test_fusion.c - track-to-track fusion: covariance intersection is never overconfident (a
 * relayed duplicate leaves the covariance as it was; correlated errors stay covered where the
 * naive fusion fails), association gives one GTN per object and keeps it, wrong associations
 * are undone (expulsion) and duplicate GTNs merged, the source map survives churn, hostile
 * inputs are counted by reason and change nothing, and three nations' trackers on a real salvo
 * (missiles and spent stages) fuse into system tracks of one object each. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "track/motion.h"
#include "triwatch/error.h"
#include "triwatch/fusion.h"
#include "triwatch/geo.h"
#include "triwatch/linalg.h"
#include "triwatch/rng.h"
#include "triwatch/scenario.h"
#include "triwatch/sim.h"
#include "triwatch/tracker.h"

#define NX TW_FUSION_NX
#define NX2 (NX * NX)

/* ---- helpers ---------------------------------------------------------------------------- */

/* |a - b| within rtol of the covariance scale sqrt(a_ii a_jj), element by element. */
static void assert_cov_equal(const double *a, const double *b, int n, double rtol)
{
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      double scale = sqrt(a[i * n + i] * a[j * n + j]);
      if (!(fabs(a[i * n + j] - b[i * n + j]) <= rtol * scale))
        fail_msg("P(%d,%d): %.17g vs %.17g (scale %.3g)", i, j, a[i * n + j], b[i * n + j],
                 scale);
    }
}

static double trace(const double *P, int n)
{
  double s = 0.0;
  for (int i = 0; i < n; i++)
    s += P[i * n + i];
  return s;
}

/* A random SPD matrix with the scales of a track: m, m/s, m/s^2, m^2/kg. */
static void random_cov(double *P, tw_rng *rng)
{
  static const double s[NX] = {300, 200, 400, 20, 10, 30, 0.5, 0.5, 1e-4};
  double G[NX2], M[NX2];
  for (int i = 0; i < NX2; i++)
    G[i] = tw_rng_normal(rng);
  tw_mat_mul_bt(M, G, G, NX, NX, NX);
  for (int i = 0; i < NX; i++)
    M[i * NX + i] += 2.0;
  for (int i = 0; i < NX; i++)
    for (int j = 0; j < NX; j++)
      P[i * NX + j] = s[i] * M[i * NX + j] * s[j] / NX;
  tw_mat_symmetrize(P, NX);
}

/* Ballistic object k at time t (s): 300 km over the Sea of Japan at t = 0, 3 km/s, heading
 * east-north-east and climbing; objects k > 0 start offset_m further east each. */
static void truth_at(double x[NX], int k, double offset_m, double t)
{
  tw_geodetic g = {40.0 * TW_DEG, 132.0 * TW_DEG, 300e3};
  double r[3], E[9];
  tw_geo_to_ecef(r, &g);
  tw_enu_basis(E, g.lat_rad, g.lon_rad);
  const double venu[3] = {2600.0, 1200.0, 800.0};
  for (int i = 0; i < 3; i++) {
    x[i] = r[i] + k * offset_m * E[0 * 3 + i];
    x[3 + i] = venu[0] * E[0 * 3 + i] + venu[1] * E[1 * 3 + i] + venu[2] * E[2 * 3 + i];
  }
  x[6] = x[7] = 0.0;
  x[8] = TW_KAPPA_PRIOR;
  tw__motion_predict_mean(x, TW_MODEL_BALLISTIC, t);
}

/* A nation's track of object k at time t: the truth plus an error drawn from its diagonal P. */
static tw_fusion_input track_of(const char *orig, uint32_t id, int k, double offset_m, double t,
                                double sd_pos, double sd_vel, tw_rng *rng)
{
  tw_fusion_input in;
  memset(&in, 0, sizeof in);
  snprintf(in.originator, sizeof in.originator, "%s", orig);
  in.local_id = id;
  in.t_s = t;
  truth_at(in.x, k, offset_m, t);
  const double sd[NX] = {sd_pos, sd_pos, sd_pos, sd_vel, sd_vel, sd_vel, 0.5, 0.5, 1e-4};
  for (int i = 0; i < NX; i++) {
    in.P[i * NX + i] = sd[i] * sd[i];
    if (rng && i < 6)
      in.x[i] += sd[i] * tw_rng_normal(rng);
  }
  in.mu[TW_MODEL_BALLISTIC] = 1.0;
  return in;
}

static tw_fusion *new_fusion(void)
{
  tw_fusion *f = tw_fusion_new(NULL);
  assert_non_null(f);
  return f;
}

/* ---- covariance intersection ------------------------------------------------------------ */

/* Data incest: the relayed copy of an estimate we already hold must not shrink its covariance.
 * Naive fusion would halve P (and third it with two copies); CI gives P back. */
static void test_ci_duplicate_is_not_information(void **state)
{
  (void)state;
  tw_rng rng;
  tw_rng_seed(&rng, 1);
  for (int trial = 0; trial < 20; trial++) {
    double x1[NX] = {-3.1e6, 4.0e6, 3.9e6, 1500, -2000, 300, 0.1, -0.2, 1.25e-4}, P1[NX2];
    random_cov(P1, &rng);
    double xs[3 * NX], Ps[3 * NX2];
    for (int c = 0; c < 3; c++) {
      memcpy(xs + c * NX, x1, sizeof x1);
      memcpy(Ps + c * NX2, P1, sizeof P1);
    }
    static const enum tw_ci_weights ws[3] = {TW_CI_OPT_TRACE, TW_CI_OPT_DET, TW_CI_FAST};
    for (int w = 0; w < 3; w++)
      for (int n_src = 2; n_src <= 3; n_src++) {
        double x[NX], P[NX2], om[3];
        assert_true(tw_fusion_ci(x, P, om, xs, Ps, n_src, NX, ws[w]) >= 0);
        assert_cov_equal(P1, P, NX, 1e-9);
        for (int i = 0; i < NX; i++)
          assert_true(fabs(x[i] - x1[i]) <= 1e-9 * sqrt(P1[i * NX + i]));
        double s = 0.0;
        for (int i = 0; i < n_src; i++)
          s += om[i];
        assert_true(fabs(s - 1.0) < 1e-12);
      }
  }

  /* the same through the fusion centre: one estimate published as three nations' own */
  tw_fusion *f = new_fusion();
  tw_fusion_input in = track_of("USA", 1, 0, 0.0, 10.0, 150.0, 15.0, NULL);
  random_cov(in.P, &rng);
  const char *nations[3] = {"USA", "JPN", "KOR"};
  uint32_t g[3];
  for (int c = 0; c < 3; c++) {
    snprintf(in.originator, sizeof in.originator, "%s", nations[c]);
    assert_int_equal(tw_fusion_update(f, &in, 10.0, &g[c]), 0);
  }
  assert_int_equal(g[0], g[1]);
  assert_int_equal(g[0], g[2]);
  assert_int_equal(tw_fusion_fuse(f, 10.0), 1);
  const tw_system_track *st = tw_fusion_get(f, 0);
  assert_int_equal(st->n_sources, 3);
  assert_cov_equal(in.P, st->P, NX, 1e-9);
  /* and the same relayed sample twice (same originator and number) is one source, not two */
  snprintf(in.originator, sizeof in.originator, "USA");
  assert_int_equal(tw_fusion_update(f, &in, 10.0, NULL), 0);
  assert_int_equal(tw_fusion_get(f, 0)->n_sources, 3);
  tw_fusion_free(f);
}

/* Two estimates with complementary accuracy and errors correlated 0.9 (say, both built on one
 * shared sensor's reports): CI stays consistent, the naive independent fusion does not. */
static void test_ci_consistent_under_unknown_correlation(void **state)
{
  (void)state;
  enum { N = 6, DRAWS = 4000 };
  /* standard deviations: a is good in x and vx, b in y, vy and a little in z, vz */
  const double sa[N] = {10, 100, 30, 1, 10, 3}, sb[N] = {60, 8, 20, 8, 2, 2};
  double Ps[2 * N * N] = {0}, xs[2 * N];
  for (int i = 0; i < N; i++) {
    Ps[i * N + i] = sa[i] * sa[i];
    Ps[N * N + i * N + i] = sb[i] * sb[i];
  }
  double Pci[N * N], Pnaive[N * N], Ya[N * N], Yb[N * N], Yn[N * N], om[2];
  double x[N];
  assert_true(tw_spd_inv(Ya, Ps, N) == 0 && tw_spd_inv(Yb, Ps + N * N, N) == 0);
  for (int i = 0; i < N * N; i++)
    Yn[i] = Ya[i] + Yb[i];
  assert_int_equal(tw_spd_inv(Pnaive, Yn, N), 0);

  static const enum tw_ci_weights ws[3] = {TW_CI_OPT_TRACE, TW_CI_OPT_DET, TW_CI_FAST};
  for (int w = 0; w < 3; w++)
    for (int corr = 0; corr < 2; corr++) {
      const double rho = corr ? 0.9 : 0.0;
      tw_rng rng;
      tw_rng_seed(&rng, 42);
      double nees_ci = 0.0, nees_naive = 0.0;
      for (int d = 0; d < DRAWS; d++) {
        for (int i = 0; i < N; i++) { /* truth 0: the estimates are their errors */
          double z1 = tw_rng_normal(&rng), z2 = tw_rng_normal(&rng);
          xs[i] = sa[i] * z1;
          xs[N + i] = sb[i] * (rho * z1 + sqrt(1.0 - rho * rho) * z2);
        }
        assert_true(tw_fusion_ci(x, Pci, om, xs, Ps, 2, N, ws[w]) >= 0);
        double e2;
        assert_int_equal(tw_spd_mahalanobis2(&e2, Pci, x, N), 0);
        nees_ci += e2;
        double yn[N], xn[N];
        for (int i = 0; i < N; i++)
          yn[i] = xs[i] / (sa[i] * sa[i]) + xs[N + i] / (sb[i] * sb[i]);
        tw_mat_mul(xn, Pnaive, yn, N, N, 1);
        assert_int_equal(tw_spd_mahalanobis2(&e2, Pnaive, xn, N), 0);
        nees_naive += e2;
      }
      nees_ci /= DRAWS;
      nees_naive /= DRAWS;
      printf("  weights %d, rho %.1f: mean NEES (6 dof) CI %.2f (omega %.3f), naive %.2f\n", w,
             rho, nees_ci, om[0], nees_naive);
      assert_true(nees_ci <= N + 0.3);
      if (corr)
        assert_true(nees_naive > N * 1.3); /* the naive fusion is overconfident */
      else
        assert_true(fabs(nees_naive - N) < 0.3); /* and right when the errors are independent */
    }
}

/* For two sources the searched omega is at least as good as the fast one, on its criterion. */
static void test_ci_optimal_omega_beats_fast(void **state)
{
  (void)state;
  tw_rng rng;
  tw_rng_seed(&rng, 7);
  double gain_sum = 0.0;
  for (int trial = 0; trial < 50; trial++) {
    double xs[2 * NX] = {0}, Ps[2 * NX2], x[NX], Pt[NX2], Pd[NX2], Pf[NX2], om_t[2], om_f[2];
    random_cov(Ps, &rng);
    random_cov(Ps + NX2, &rng);
    for (int i = 0; i < NX; i++) /* make the accuracies differ, in places */
      for (int j = 0; j < NX; j++)
        Ps[NX2 + i * NX + j] *= (i < 3 ? 4.0 : 0.5) * (j < 3 ? 4.0 : 0.5) * (trial % 2 ? 1 : 0.3);
    assert_true(tw_fusion_ci(x, Pt, om_t, xs, Ps, 2, NX, TW_CI_OPT_TRACE) >= 0);
    assert_true(tw_fusion_ci(x, Pd, NULL, xs, Ps, 2, NX, TW_CI_OPT_DET) >= 0);
    assert_true(tw_fusion_ci(x, Pf, om_f, xs, Ps, 2, NX, TW_CI_FAST) >= 0);
    assert_true(trace(Pt, NX) <= trace(Pf, NX) * (1.0 + 1e-12));
    double ld_d, ld_f;
    assert_int_equal(tw_spd_logdet(&ld_d, Pd, NX), 0);
    assert_int_equal(tw_spd_logdet(&ld_f, Pf, NX), 0);
    assert_true(ld_d <= ld_f + 1e-9);
    /* and no worse than either source alone (omega 0 or 1 is among the candidates) */
    assert_true(trace(Pt, NX) <= fmin(trace(Ps, NX), trace(Ps + NX2, NX)) * (1.0 + 1e-12));
    gain_sum += 1.0 - trace(Pt, NX) / trace(Pf, NX);
  }
  printf("  optimal omega: trace %.1f%% below fast CI on average\n", 100.0 * gain_sum / 50);
}

/* Awkward scales and a nearly singular correlation: the answer stays finite, symmetric, PD. */
static void test_ci_conditioning(void **state)
{
  (void)state;
  double xs[2 * NX] = {0}, Ps[2 * NX2] = {0}, x[NX], P[NX2], L[NX2];
  const double sd[NX] = {1e4, 1e4, 1e4, 50, 50, 50, 1e-3, 1e-3, 1e-8};
  for (int s = 0; s < 2; s++)
    for (int i = 0; i < NX; i++)
      Ps[s * NX2 + i * NX + i] = sd[i] * sd[i] * (s ? 9.0 : 1.0);
  /* first source: x and vx correlated 1 - 1e-13 (singular to working precision) */
  double c = (1.0 - 1e-13) * sd[0] * sd[3];
  Ps[0 * NX + 3] = Ps[3 * NX + 0] = c;
  assert_int_equal(tw_fusion_ci(x, P, NULL, xs, Ps, 2, NX, TW_CI_OPT_TRACE), 1);
  for (int i = 0; i < NX2; i++)
    assert_true(isfinite(P[i]));
  for (int i = 0; i < NX; i++)
    for (int j = 0; j < NX; j++)
      assert_true(P[i * NX + j] == P[j * NX + i]);
  assert_int_equal(tw_chol(L, P, NX), 0);
  /* argument errors leave the outputs alone */
  double before = P[0];
  assert_int_equal(tw_fusion_ci(x, P, NULL, xs, Ps, 0, NX, TW_CI_FAST), TW_EINVAL);
  assert_int_equal(tw_fusion_ci(x, P, NULL, xs, Ps, 2, 10, TW_CI_FAST), TW_EINVAL);
  assert_int_equal(tw_fusion_ci(x, P, NULL, xs, Ps, TW_FUSION_MAX_SOURCES + 1, NX, TW_CI_FAST),
                   TW_EINVAL);
  Ps[NX2 + 4 * NX + 4] = -1.0;
  assert_int_equal(tw_fusion_ci(x, P, NULL, xs, Ps, 2, NX, TW_CI_FAST), TW_ENOTPD);
  assert_true(P[0] == before);
}

/* ---- association and GTNs --------------------------------------------------------------- */

static void test_same_object_one_gtn(void **state)
{
  (void)state;
  tw_rng rng;
  tw_rng_seed(&rng, 3);
  tw_fusion *f = new_fusion();
  tw_fusion_input a = track_of("USA", 11, 0, 0.0, 10.0, 100.0, 10.0, &rng);
  tw_fusion_input b = track_of("JPN", 4, 0, 0.0, 10.6, 300.0, 5.0, &rng); /* later, 1.8 km on */
  uint32_t ga = 0, gb = 0;
  assert_int_equal(tw_fusion_update(f, &a, 10.0, &ga), 0);
  assert_int_equal(tw_fusion_update(f, &b, 10.6, &gb), 0);
  assert_true(ga >= 1);
  assert_int_equal(ga, gb);
  assert_int_equal(tw_fusion_fuse(f, 11.0), 1);
  const tw_system_track *s = tw_fusion_find(f, ga);
  assert_non_null(s);
  assert_int_equal(s->n_sources, 2);
  assert_true(s->t_s == 11.0);
  assert_true(s->src[0].omega >= 0.0 && s->src[1].omega >= 0.0);
  assert_true(fabs(s->src[0].omega + s->src[1].omega - 1.0) < 1e-12);
  /* the fused estimate is near the truth and its position uncertainty below USA's */
  double xt[NX];
  truth_at(xt, 0, 0.0, 11.0);
  double e[3] = {s->x[0] - xt[0], s->x[1] - xt[1], s->x[2] - xt[2]};
  assert_true(tw_v3_norm(e) < 500.0);
  assert_true(s->P[0] + s->P[10] + s->P[20] < 3 * 100.0 * 100.0 + 3 * 11.0 * 11.0);
  tw_fusion_free(f);
}

static void test_objects_50km_apart_two_gtns(void **state)
{
  (void)state;
  tw_rng rng;
  tw_rng_seed(&rng, 4);
  tw_fusion *f = new_fusion();
  uint32_t g[4];
  tw_fusion_input in[4] = {
    track_of("USA", 1, 0, 50e3, 20.0, 200.0, 20.0, &rng),
    track_of("USA", 2, 1, 50e3, 20.0, 200.0, 20.0, &rng),
    track_of("KOR", 8, 1, 50e3, 20.5, 500.0, 30.0, &rng),
    track_of("KOR", 9, 0, 50e3, 20.5, 500.0, 30.0, &rng),
  };
  for (int i = 0; i < 4; i++)
    assert_int_equal(tw_fusion_update(f, &in[i], 21.0, &g[i]), 0);
  assert_int_equal(tw_fusion_count(f), 2);
  assert_true(g[0] != g[1]);
  assert_int_equal(g[2], g[1]);
  assert_int_equal(g[3], g[0]);
  assert_int_equal(tw_fusion_fuse(f, 21.0), 2);
  tw_fusion_free(f);
}

/* A source that falls silent is dropped from its system track and comes back to the same GTN;
 * a nation that renumbers its track after a gap joins the same GTN too; a GTN whose sources all
 * went is retired and never given again. */
static void test_gtn_stability(void **state)
{
  (void)state;
  tw_rng rng;
  tw_rng_seed(&rng, 5);
  tw_fusion *f = new_fusion();
  tw_fusion_stats st;
  uint32_t g = 0, gx;
  for (int t = 1; t <= 120; t++) {
    double ts = t;
    tw_fusion_input usa = track_of("USA", 1, 0, 0.0, ts, 80.0, 8.0, &rng);
    assert_int_equal(tw_fusion_update(f, &usa, ts, &gx), 0);
    if (t == 1)
      g = gx;
    assert_int_equal(gx, g);
    /* JPN/7 reports until 20 s, is silent till 60 s (dropped at 51 s), reports again until
     * 80 s; then JPN renumbers it 9 and reports from 95 s */
    if (t <= 20 || (t >= 60 && t <= 80)) {
      tw_fusion_input jpn = track_of("JPN", 7, 0, 0.0, ts - 0.4, 250.0, 10.0, &rng);
      assert_int_equal(tw_fusion_update(f, &jpn, ts, &gx), 0);
      assert_int_equal(gx, g);
    }
    if (t >= 95) {
      tw_fusion_input jpn = track_of("JPN", 9, 0, 0.0, ts - 0.4, 250.0, 10.0, &rng);
      assert_int_equal(tw_fusion_update(f, &jpn, ts, &gx), 0);
      assert_int_equal(gx, g);
    }
    assert_int_equal(tw_fusion_fuse(f, ts), 1);
    const tw_system_track *s = tw_fusion_get(f, 0);
    assert_int_equal(s->gtn, g);
    /* JPN/7's last report (19.6 s) times out at 50 s, its next (79.6 s) at 110 s */
    int want = (t < 50 || t >= 60) ? 2 : 1;
    if (t >= 95 && t < 110)
      want = 3; /* JPN/7 not yet timed out beside its successor JPN/9 */
    if (s->n_sources != want)
      fail_msg("t=%d: %d sources, expected %d", t, s->n_sources, want);
  }
  tw_fusion_get_stats(f, &st);
  assert_int_equal(st.reidentified, 1);
  assert_int_equal(st.sources_dropped, 2);
  assert_int_equal(st.system_created, 1);

  /* everybody silent: the system track goes; the object seen again gets a new GTN */
  assert_int_equal(tw_fusion_fuse(f, 200.0), 0);
  tw_fusion_input usa = track_of("KOR", 3, 0, 0.0, 201.0, 80.0, 8.0, &rng);
  assert_int_equal(tw_fusion_update(f, &usa, 201.0, &gx), 0);
  assert_true(gx > g);
  tw_fusion_get_stats(f, &st);
  assert_int_equal(st.system_deleted, 1);
  tw_fusion_free(f);
}

/* A salvo of four objects 10 km apart, three nations each (of different accuracy, reporting at
 * different times), 40 s: exactly four system tracks, each holding one track of each nation,
 * all of the same object. */
static void test_salvo_four_by_three(void **state)
{
  (void)state;
  tw_rng rng;
  tw_rng_seed(&rng, 6);
  tw_fusion *f = new_fusion();
  const char *nation[3] = {"USA", "JPN", "KOR"};
  const double sd_pos[3] = {60.0, 250.0, 400.0}, sd_vel[3] = {6.0, 15.0, 25.0};
  const double lag[3] = {0.0, 0.3, 0.7};
  for (int t = 0; t < 40; t++) {
    for (int n = 0; n < 3; n++)
      for (int k = 0; k < 4; k++) {
        int obj = (k + n) % 4; /* each nation lists the objects in another order */
        tw_fusion_input in = track_of(nation[n], (uint32_t)(100 * n + obj), obj, 10e3,
                                      t + lag[n], sd_pos[n], sd_vel[n], &rng);
        assert_int_equal(tw_fusion_update(f, &in, t + 1.0, NULL), 0);
      }
    assert_int_equal(tw_fusion_fuse(f, t + 1.0), 4);
  }
  for (int i = 0; i < 4; i++) {
    const tw_system_track *s = tw_fusion_get(f, i);
    assert_int_equal(s->n_sources, 3);
    uint32_t obj = s->src[0].local_id % 100;
    unsigned seen = 0;
    for (int j = 0; j < 3; j++) {
      assert_int_equal(s->src[j].local_id % 100, obj);
      for (int n = 0; n < 3; n++)
        if (!strcmp(s->src[j].originator, nation[n]))
          seen |= 1u << n;
    }
    assert_int_equal(seen, 7u);
  }
  tw_fusion_stats st;
  tw_fusion_get_stats(f, &st);
  assert_int_equal(st.system_created, 4);
  assert_int_equal(st.rejected, 0);
  tw_fusion_free(f);
}

/* A missile and its spent stage fly together, then part at 30 m/s from 5 s on; at the start
 * Korea's two tracks tie between the two system tracks and go to the wrong ones. Once the
 * objects part, decorrelation expels them and they find their own objects' GTNs. */
static void two_parting(double x[NX], int obj, double t)
{
  truth_at(x, 0, 0.0, t);
  if (obj == 1 && t > 5.0) {
    tw_geodetic g = {40.0 * TW_DEG, 132.0 * TW_DEG, 300e3};
    double E[9];
    tw_enu_basis(E, g.lat_rad, g.lon_rad);
    for (int i = 0; i < 3; i++) {
      x[i] += (t - 5.0) * 30.0 * E[i];
      x[3 + i] += 30.0 * E[i];
    }
  }
}

static void test_decorrelation_after_staging(void **state)
{
  (void)state;
  tw_fusion *f = new_fusion();
  const struct {
    const char *orig;
    uint32_t id;
    int obj;
  } trk[4] = {{"USA", 10, 0}, {"USA", 11, 1}, {"KOR", 20, 1}, {"KOR", 21, 0}};
  uint32_t g[4];
  for (int t = 0; t <= 40; t++) {
    for (int i = 0; i < 4; i++) {
      tw_fusion_input in = track_of(trk[i].orig, trk[i].id, 0, 0.0, t, 50.0, 5.0, NULL);
      two_parting(in.x, trk[i].obj, t);
      assert_int_equal(tw_fusion_update(f, &in, t, &g[i]), 0);
    }
    if (t == 0) { /* the tie went the wrong way for both Korean tracks */
      assert_int_equal(g[2], g[0]);
      assert_int_equal(g[3], g[1]);
    }
    tw_fusion_fuse(f, t);
  }
  assert_int_equal(tw_fusion_count(f), 2);
  assert_int_equal(g[3], g[0]); /* KOR/21 with USA/10: object 0 */
  assert_int_equal(g[2], g[1]); /* KOR/20 with USA/11: object 1 */
  assert_int_equal(tw_fusion_get(f, 0)->gtn, g[0]);
  assert_int_equal(tw_fusion_get(f, 0)->n_sources, 2);
  assert_int_equal(tw_fusion_get(f, 1)->n_sources, 2);
  tw_fusion_stats st;
  tw_fusion_get_stats(f, &st);
  assert_true(st.decorrelated >= 2);
  printf("  %zu expelled, %zu system tracks made, %zu merged\n", st.decorrelated,
         st.system_created, st.merged);
  tw_fusion_free(f);
}

/* Japan's first estimates are 5 km off (a bias its filter does not know of), so its track
 * starts a GTN of its own; as the bias fades the two system tracks agree and merge into the
 * lower GTN, and Japan's later reports go there. */
static void test_merge_duplicate_system_tracks(void **state)
{
  (void)state;
  tw_fusion *f = new_fusion();
  uint32_t gu = 0, gj = 0, gj0 = 0;
  for (int t = 0; t <= 30; t++) {
    tw_fusion_input u = track_of("USA", 1, 0, 0.0, t, 60.0, 6.0, NULL);
    tw_fusion_input j = track_of("JPN", 5, 0, 0.0, t + 0.5, 300.0, 10.0, NULL);
    double bias = t < 10 ? 5000.0 * (10 - t) / 10.0 : 0.0;
    j.x[0] += bias;
    assert_int_equal(tw_fusion_update(f, &u, t + 1.0, &gu), 0);
    assert_int_equal(tw_fusion_update(f, &j, t + 1.0, &gj), 0);
    if (t == 0) {
      gj0 = gj;
      assert_true(gj0 > gu);
    }
    tw_fusion_fuse(f, t + 1.0);
  }
  assert_int_equal(gj, gu);
  assert_int_equal(tw_fusion_count(f), 1);
  assert_null(tw_fusion_find(f, gj0));
  tw_fusion_stats st;
  tw_fusion_get_stats(f, &st);
  assert_int_equal(st.merged, 1);
  assert_int_equal(st.system_created, 2);
  tw_fusion_free(f);
}

/* Sources come and go by the hundred (Japan renumbers its track of each object every second)
 * while the US keeps its tracks: the source map forgets the dead (after memory_s, or all of
 * them when it fills) and must keep finding the live ones. */
static void test_source_map_churn(void **state)
{
  (void)state;
  for (int pass = 0; pass < 2; pass++) {
    tw_fusion_config c;
    tw_fusion_config_default(&c);
    c.max_system_tracks = 4;  /* a map of 128 entries */
    c.exclusive_s = 0.0;      /* a successor joins at once */
    c.source_timeout_s = 3.0;
    c.memory_s = pass ? 600.0 : 5.0; /* forgotten by age, or when the map fills */
    tw_fusion *f = tw_fusion_new(&c);
    assert_non_null(f);
    uint32_t g_usa[4] = {0};
    for (int t = 0; t < 200; t++) {
      for (int k = 0; k < 4; k++) {
        uint32_t g;
        tw_fusion_input u = track_of("USA", (uint32_t)k, k, 100e3, t, 80.0, 8.0, NULL);
        assert_int_equal(tw_fusion_update(f, &u, t, &g), 0);
        if (t == 0)
          g_usa[k] = g;
        assert_int_equal(g, g_usa[k]);
        tw_fusion_input j = track_of("JPN", (uint32_t)(1000 + 4 * t + k), k, 100e3, t, 200.0,
                                     10.0, NULL);
        assert_int_equal(tw_fusion_update(f, &j, t, &g), 0);
        assert_int_equal(g, g_usa[k]);
      }
      assert_int_equal(tw_fusion_fuse(f, t), 4);
      for (int i = 0; i < 4; i++) {
        const tw_system_track *s = tw_fusion_get(f, i);
        assert_int_equal(s->gtn, g_usa[i]);
        assert_true(s->n_sources >= 2 && s->n_sources <= 5); /* USA + JPN of the last 3 s */
        for (int a = 0; a < s->n_sources; a++)
          for (int b = a + 1; b < s->n_sources; b++)
            assert_false(s->src[a].local_id == s->src[b].local_id &&
                         !strcmp(s->src[a].originator, s->src[b].originator));
      }
    }
    tw_fusion_stats st;
    tw_fusion_get_stats(f, &st);
    assert_int_equal(st.system_created, 4);
    assert_int_equal(st.capacity_full, 0);
    assert_true(st.sources_dropped >= 4 * 190);
    tw_fusion_free(f);
  }
}

/* Out of order, capacity, argument errors. */
static void test_edges(void **state)
{
  (void)state;
  tw_fusion_config c;
  tw_fusion_config_default(&c);
  c.max_system_tracks = 2;
  tw_fusion *f = tw_fusion_new(&c);
  assert_non_null(f);
  uint32_t g;
  tw_fusion_input a = track_of("USA", 1, 0, 100e3, 10.0, 100.0, 10.0, NULL);
  tw_fusion_input b = track_of("USA", 2, 1, 100e3, 10.0, 100.0, 10.0, NULL);
  tw_fusion_input d = track_of("USA", 3, 2, 100e3, 10.0, 100.0, 10.0, NULL);
  assert_int_equal(tw_fusion_update(f, &a, 10.0, &g), 0);
  assert_int_equal(tw_fusion_update(f, &b, 10.0, &g), 0);
  assert_int_equal(tw_fusion_update(f, &d, 10.0, &g), TW_ENOMEM);
  tw_fusion_input old = track_of("USA", 1, 0, 100e3, 9.0, 100.0, 10.0, NULL);
  assert_int_equal(tw_fusion_update(f, &old, 10.0, &g), 0);
  assert_true(tw_fusion_get(f, 0)->src[0].t_s == 10.0);
  /* a new source whose estimate the next fuse would drop at once starts nothing */
  tw_fusion_input late = track_of("JPN", 4, 0, 100e3, 10.0, 100.0, 10.0, NULL);
  g = 99;
  assert_int_equal(tw_fusion_update(f, &late, 45.0, &g), 0);
  assert_int_equal(g, 0);
  tw_fusion_stats st;
  tw_fusion_get_stats(f, &st);
  assert_int_equal(st.capacity_full, 1);
  assert_int_equal(st.out_of_order, 1);
  assert_int_equal(st.stale, 1);
  assert_int_equal(tw_fusion_count(f), 2);
  assert_null(tw_fusion_get(f, 2));
  assert_null(tw_fusion_get(f, -1));
  assert_null(tw_fusion_find(f, 99));
  assert_int_equal(tw_fusion_fuse(f, NAN), TW_EINVAL);
  assert_int_equal(tw_fusion_update(f, NULL, 10.0, NULL), TW_EINVAL);
  assert_int_equal(tw_fusion_update(f, &a, INFINITY, NULL), TW_EINVAL);
  tw_fusion_free(f);
  c.gate_chi2_p = 1.0;
  assert_null(tw_fusion_new(&c));
  tw_fusion_config_default(&c);
  c.source_timeout_s = 1e9;
  assert_null(tw_fusion_new(&c));
  tw_fusion_free(NULL);
}

/* ---- validation ------------------------------------------------------------------------- */

static int g_logged;

static void count_log(void *ctx, const char *line)
{
  (void)ctx;
  assert_non_null(strstr(line, "fusion: rejected"));
  g_logged++;
}

typedef struct hostile {
  const char *what;
  int reason;
  int code;
} hostile;

static void make_hostile(tw_fusion_input *in, int i)
{
  switch (i) {
  case 0: in->x[1] = NAN; break;
  case 1: in->P[4 * NX + 4] = INFINITY; break;
  case 2: in->P[0 * NX + 1] = 0.3 * in->P[0]; break; /* P(1,0) stays 0 */
  case 3: /* a correlation above 1 */
    in->P[0 * NX + 3] = in->P[3 * NX + 0] = 1.5 * sqrt(in->P[0] * in->P[3 * NX + 3]);
    break;
  case 4: in->t_s = 10.0 + 3600.0; break;
  case 5: snprintf(in->originator, sizeof in->originator, "usa"); break;
  case 6: in->x[8] = -1e-4; break;
  case 7: in->x[3] = 1e6; break;
  case 8: in->t_s = 10.0 - 7200.0; break;
  case 9: memcpy(in->originator, "ABCDEFGH", 8); break; /* no NUL */
  case 10: snprintf(in->originator, sizeof in->originator, "U"); break;
  case 11: in->x[0] = in->x[1] = in->x[2] = 0.0; break; /* the Earth's centre */
  case 12: in->x[0] = 2e8; break;
  case 13: in->x[6] = 5000.0; break;
  case 14: in->mu[0] = 0.5; break;
  case 15: in->P[0] = 1e-6; break; /* 1 mm: no sensor of ours is that good */
  case 16: in->P[8 * NX + 8] = -1e-10; break;
  case 17: in->x[5] = -INFINITY; break;
  case 18: in->mu[2] = NAN; break;
  case 19: memcpy(in->originator, "US\0\0\0\0\0\0", 8); in->originator[1] = '-'; break;
  }
}

static void test_hostile_inputs_rejected(void **state)
{
  (void)state;
  static const hostile cases[] = {
    {"NaN in the state", TW_FUSION_REJ_NONFINITE, TW_EINVAL},
    {"infinity in P", TW_FUSION_REJ_NONFINITE, TW_EINVAL},
    {"P not symmetric", TW_FUSION_REJ_P_ASYMMETRIC, TW_EINVAL},
    {"P not positive definite", TW_FUSION_REJ_P_NOTPD, TW_ENOTPD},
    {"an hour in the future", TW_FUSION_REJ_FUTURE, TW_ERANGE},
    {"lower-case originator", TW_FUSION_REJ_ORIGINATOR, TW_EINVAL},
    {"kappa negative", TW_FUSION_REJ_KAPPA, TW_ERANGE},
    {"speed 1e6 m/s", TW_FUSION_REJ_SPEED, TW_ERANGE},
    {"two hours old", TW_FUSION_REJ_STALE, TW_ERANGE},
    {"originator without NUL", TW_FUSION_REJ_ORIGINATOR, TW_EINVAL},
    {"one-letter originator", TW_FUSION_REJ_ORIGINATOR, TW_EINVAL},
    {"at the Earth's centre", TW_FUSION_REJ_POSITION, TW_ERANGE},
    {"200,000 km out", TW_FUSION_REJ_POSITION, TW_ERANGE},
    {"thrust 500 g", TW_FUSION_REJ_ACCEL, TW_ERANGE},
    {"mu summing to 1.5", TW_FUSION_REJ_MU, TW_ERANGE},
    {"position known to 1 mm", TW_FUSION_REJ_P_RANGE, TW_ERANGE},
    {"negative variance", TW_FUSION_REJ_P_NOTPD, TW_ENOTPD},
    {"velocity -inf", TW_FUSION_REJ_NONFINITE, TW_EINVAL},
    {"NaN in mu", TW_FUSION_REJ_NONFINITE, TW_EINVAL},
    {"punctuation in originator", TW_FUSION_REJ_ORIGINATOR, TW_EINVAL},
  };
  const int n_cases = (int)(sizeof cases / sizeof cases[0]);
  tw_fusion_config c;
  tw_fusion_config_default(&c);
  c.log = count_log;
  tw_fusion *f = tw_fusion_new(&c);
  assert_non_null(f);
  g_logged = 0;
  /* a picture to protect: two objects, two nations */
  tw_rng rng;
  tw_rng_seed(&rng, 9);
  for (int k = 0; k < 2; k++) {
    tw_fusion_input a = track_of("USA", (uint32_t)k, k, 80e3, 9.5, 100.0, 10.0, &rng);
    tw_fusion_input b = track_of("KOR", (uint32_t)k, k, 80e3, 9.8, 300.0, 20.0, &rng);
    assert_int_equal(tw_fusion_update(f, &a, 10.0, NULL), 0);
    assert_int_equal(tw_fusion_update(f, &b, 10.0, NULL), 0);
  }
  assert_int_equal(tw_fusion_fuse(f, 10.0), 2);
  tw_system_track before[2];
  for (int i = 0; i < 2; i++)
    before[i] = *tw_fusion_get(f, i);

  tw_fusion_stats st0, st;
  tw_fusion_get_stats(f, &st0);
  for (int i = 0; i < n_cases; i++) {
    /* the hostile sample claims to be a known source, or a new one */
    tw_fusion_input in = track_of("USA", (uint32_t)(i % 2 ? 0 : 50), 0, 80e3, 10.0, 100.0, 10.0,
                                  &rng);
    make_hostile(&in, i);
    const char *why = NULL;
    int rc = tw_fusion_validate(&in, 10.0, &why);
    if (rc != cases[i].code)
      fail_msg("%s: validate gave %d (%s), expected %d", cases[i].what, rc, why, cases[i].code);
    assert_non_null(why);
    assert_true(strlen(why) > 10);
    tw_fusion_get_stats(f, &st0);
    assert_int_equal(tw_fusion_update(f, &in, 10.0, NULL), cases[i].code);
    tw_fusion_get_stats(f, &st);
    if (st.reject[cases[i].reason] != st0.reject[cases[i].reason] + 1)
      fail_msg("%s: not counted as %s", cases[i].what, tw_fusion_reject_name(cases[i].reason));
    assert_int_equal(st.rejected, st0.rejected + 1);
    assert_int_equal(st.accepted, st0.accepted);
    assert_int_equal(tw_fusion_count(f), 2);
    for (int k = 0; k < 2; k++)
      assert_memory_equal(&before[k], tw_fusion_get(f, k), sizeof before[k]);
  }
  /* and after fusing again, the picture is what the good inputs alone make */
  assert_int_equal(tw_fusion_fuse(f, 10.0), 2);
  for (int k = 0; k < 2; k++) {
    const tw_system_track *s = tw_fusion_get(f, k);
    assert_int_equal(s->n_sources, 2);
    assert_memory_equal(before[k].P, s->P, sizeof s->P);
    assert_memory_equal(before[k].x, s->x, sizeof s->x);
  }
  assert_int_equal(g_logged, n_cases);
  tw_fusion_get_stats(f, &st);
  assert_int_equal(st.rejected, (size_t)n_cases);
  for (int r = 0; r < TW_FUSION_N_REJECT; r++)
    assert_true(st.reject[r] >= 1); /* every reason was exercised */

  /* misuse, and the names */
  const char *why = NULL;
  assert_int_equal(tw_fusion_validate(NULL, 0.0, &why), TW_EINVAL);
  assert_true(why && *why);
  tw_fusion_input good = track_of("USA", 1, 0, 0.0, 0.0, 100.0, 10.0, NULL);
  assert_int_equal(tw_fusion_validate(&good, NAN, NULL), TW_EINVAL);
  assert_int_equal(tw_fusion_validate(&good, 0.0, &why), 0);
  assert_string_equal(why, "");
  assert_string_equal(tw_fusion_reject_name(TW_FUSION_REJ_SPEED), "speed");
  assert_string_equal(tw_fusion_reject_name(-1), "?");
  assert_string_equal(tw_fusion_reject_name(TW_FUSION_N_REJECT), "?");
  tw_fusion_free(f);
}

/* ---- three nations' trackers on a real salvo -------------------------------------------- */

typedef struct nation_run {
  const char *code;
  tw_tracker *tr;
  tw_meas *rep;
  size_t n_rep, next;
} nation_run;

/* The SRBM salvo (four missiles from two sites) through one tracker per nation, each nation's
 * confirmed tracks into one fusion centre every second: every track passes validation, and at
 * the end of the salvo's flight every system track holds the tracks of one object only. */
static void test_three_nations_salvo(void **state)
{
  (void)state;
  static tw_scenario scn;
  char err[512];
  if (tw_scenario_load(&scn, TW_SCENARIO_DIR "/srbm-salvo-two-sites.yaml", err, sizeof err) < 0)
    fail_msg("%s", err);
  tw_sim sim;
  assert_int_equal(tw_sim_run(&sim, &scn, scn.seed, 1.0, err, sizeof err), 0);
  nation_run nr[3] = {{"USA", NULL, NULL, 0, 0}, {"JPN", NULL, NULL, 0, 0},
                      {"KOR", NULL, NULL, 0, 0}};
  for (int n = 0; n < 3; n++) {
    int map[TW_MAX_SENSORS], n_sub = 0;
    tw_sensor sub[TW_MAX_SENSORS];
    for (int i = 0; i < scn.n_sensors; i++) {
      map[i] = -1;
      if (!strcmp(scn.sensor[i].nation, nr[n].code)) {
        map[i] = n_sub;
        sub[n_sub++] = scn.sensor[i];
      }
    }
    nr[n].tr = tw_tracker_new(NULL, sub, n_sub, scn.start);
    nr[n].rep = malloc((sim.n_meas + 1) * sizeof *nr[n].rep);
    assert_true(nr[n].tr && nr[n].rep);
    for (size_t i = 0; i < sim.n_meas; i++)
      if (map[sim.meas[i].sensor] >= 0) {
        nr[n].rep[nr[n].n_rep] = sim.meas[i];
        nr[n].rep[nr[n].n_rep++].sensor = map[sim.meas[i].sensor];
      }
  }
  tw_fusion *f = new_fusion();
  long frames = 0, pure_frames = 0, nees_n = 0, nees_in99 = 0, split = 0, obj_frames = 0;
  double nees_sum = 0.0;
  for (double t = 0.0; t <= sim.end_s; t += 1.0) {
    for (int n = 0; n < 3; n++) {
      nation_run *r = &nr[n];
      size_t j = r->next;
      while (j < r->n_rep && (double)(r->rep[j].t_ns - scn.start) * 1e-9 <= t + 1e-9)
        j++;
      if (j > r->next)
        assert_true(tw_tracker_process(r->tr, r->rep + r->next, j - r->next) >= 0);
      r->next = j;
      tw_tracker_housekeep(r->tr, t);
      for (int i = 0; i < tw_tracker_count(r->tr); i++) {
        const tw_track *k = tw_tracker_track(r->tr, i);
        if (k->status != TW_TRACK_CONFIRMED)
          continue;
        tw_fusion_input in;
        memset(&in, 0, sizeof in);
        snprintf(in.originator, sizeof in.originator, "%s", r->code);
        in.local_id = k->id;
        in.t_s = k->t_s;
        memcpy(in.x, k->x, sizeof in.x);
        memcpy(in.P, k->P, sizeof in.P);
        memcpy(in.mu, k->mu, sizeof in.mu);
        const char *why;
        if (tw_fusion_validate(&in, t, &why) != 0)
          fail_msg("%s track %u at %.0f s: %s", r->code, k->id, t, why);
        assert_int_equal(tw_fusion_update(f, &in, t, NULL), 0);
      }
    }
    tw_fusion_fuse(f, t);
    /* purity: every source of a system track follows the same object (the trackers' labels,
     * looked up again by number); and consistency: the fused NEES against the truth */
    for (int i = 0; i < tw_fusion_count(f); i++) {
      const tw_system_track *s = tw_fusion_get(f, i);
      int obj = -2, pure = 1;
      for (int q = 0; q < s->n_sources; q++)
        for (int n = 0; n < 3; n++)
          if (!strcmp(s->src[q].originator, nr[n].code))
            for (int k = 0; k < tw_tracker_count(nr[n].tr); k++) {
              const tw_track *tk = tw_tracker_track(nr[n].tr, k);
              if (tk->id != s->src[q].local_id)
                continue;
              if (obj == -2)
                obj = tk->truth_object;
              else if (tk->truth_object != obj)
                pure = 0;
            }
      frames++;
      pure_frames += pure;
      int fresh = 1;
      for (int q = 0; q < s->n_sources; q++)
        fresh &= s->src[q].t_s >= t - 2.0;
      if (pure && fresh && obj >= 0 && s->n_sources >= 2) {
        double r[3], v[3];
        const tw_sim_object *o = &sim.obj[obj];
        double tl = t - o->t0_s;
        if (o->traj.n_states && tl >= o->traj.states[0].t_s && tl <= o->traj.flight_time_s &&
            tw_traj_state_at(&o->traj, tl, r, v) == 0) {
          double e[6], P6[36], d2;
          for (int q = 0; q < 3; q++) {
            e[q] = s->x[q] - r[q];
            e[3 + q] = s->x[3 + q] - v[q];
          }
          for (int a = 0; a < 6; a++)
            for (int b = 0; b < 6; b++)
              P6[a * 6 + b] = s->P[a * NX + b];
          if (tw_spd_mahalanobis2(&d2, P6, e, 6) == 0) {
            nees_sum += d2;
            nees_n++;
            nees_in99 += d2 <= 16.81; /* chi-square, 6 dof, 99% */
          }
        }
      }
    }
    /* splits: an object followed by confirmed tracks of two nations that sit on different GTNs */
    for (int obj = 0; obj < sim.n_objects; obj++) {
      uint32_t g0 = 0;
      int holders = 0, differ = 0;
      for (int i = 0; i < tw_fusion_count(f); i++) {
        const tw_system_track *s = tw_fusion_get(f, i);
        for (int q = 0; q < s->n_sources; q++)
          for (int n = 0; n < 3; n++)
            if (!strcmp(s->src[q].originator, nr[n].code))
              for (int k = 0; k < tw_tracker_count(nr[n].tr); k++) {
                const tw_track *tk = tw_tracker_track(nr[n].tr, k);
                if (tk->id == s->src[q].local_id && tk->truth_object == obj &&
                    tk->status == TW_TRACK_CONFIRMED && tk->t_s >= t - 5.0) {
                  holders++;
                  if (!g0)
                    g0 = s->gtn;
                  else if (s->gtn != g0)
                    differ = 1;
                }
              }
      }
      if (holders >= 2) {
        obj_frames++;
        split += differ;
      }
    }
  }
  tw_fusion_stats st;
  tw_fusion_get_stats(f, &st);
  printf("  %zu inputs, %zu system tracks made, %zu merged, %zu sources expelled; %ld of %ld "
         "system-track frames pure; objects split over GTNs in %ld of %ld frames; fused NEES "
         "(6 dof, fresh sources) mean %.2f, %ld of %ld inside the 99%% bound\n",
         st.accepted, st.system_created, st.merged, st.decorrelated, pure_frames, frames, split,
         obj_frames, nees_n ? nees_sum / nees_n : 0.0, nees_in99, nees_n);
  assert_int_equal(st.rejected, 0);
  assert_true(frames > 0 && pure_frames >= frames * 97 / 100);
  assert_true(nees_n > 0 && nees_in99 >= nees_n * 9 / 10);
  assert_true(obj_frames > 0 && split <= obj_frames / 10);
  for (int n = 0; n < 3; n++) {
    tw_tracker_free(nr[n].tr);
    free(nr[n].rep);
  }
  tw_fusion_free(f);
  tw_sim_free(&sim);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_ci_duplicate_is_not_information),
    cmocka_unit_test(test_ci_consistent_under_unknown_correlation),
    cmocka_unit_test(test_ci_optimal_omega_beats_fast),
    cmocka_unit_test(test_ci_conditioning),
    cmocka_unit_test(test_same_object_one_gtn),
    cmocka_unit_test(test_objects_50km_apart_two_gtns),
    cmocka_unit_test(test_gtn_stability),
    cmocka_unit_test(test_salvo_four_by_three),
    cmocka_unit_test(test_decorrelation_after_staging),
    cmocka_unit_test(test_merge_duplicate_system_tracks),
    cmocka_unit_test(test_source_map_churn),
    cmocka_unit_test(test_edges),
    cmocka_unit_test(test_hostile_inputs_rejected),
    cmocka_unit_test(test_three_nations_salvo),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
