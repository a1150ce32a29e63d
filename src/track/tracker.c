/* tracker.c - multi-target tracker: IMM filters, gating, global nearest-neighbour assignment,
 * two-point initiation (radar points and triangulated infrared lines of sight), M-of-N
 * confirmation and deletion; contract in triwatch/tracker.h, design in docs/tracking.md. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/grow.h"
#include "track/measure.h"
#include "track/motion.h"
#include "triwatch/assign.h"
#include "triwatch/error.h"
#include "triwatch/geo.h"
#include "triwatch/kalman.h"
#include "triwatch/metrics.h"
#include "triwatch/tracker.h"

#define M TW_N_MODELS
#define HIST 16          /* recent truth labels kept per track (evaluation only) */
#define MAX_NATIONS 32
#define COARSE_MIN_M 20e3 /* coarse gate before the full prediction */
#define DUP_MAX_DIST_M 5000.0 /* tracks further apart are never duplicates */
#define STARVED_MAX 6          /* groups in a row a track may lose its gated report */

/* Mode switching rates (1/s): row = from, column = to (boost, ballistic, re-entry). */
static const double g_rates[M][M] = {
  {0.0, 1.0 / 20.0, 0.0},
  {1.0 / 2000.0, 0.0, 1.0 / 300.0},
  {0.0, 1.0 / 300.0, 0.0},
};

static const tw_motion_noise g_noise[M] = {
  {25.0, 50.0, 0.0},       /* boost: thrust direction and level change, staging */
  {0.01, 1e-4, 1e-14},     /* ballistic: gravity is known; J3/J4 and drag above the model */
  {4.0, 1e-4, 1e-11},      /* re-entry: dense air, uncertain drag */
};

typedef struct trk {
  tw_track pub;
  double xm[M][TW_MX], Pm[M][TW_MX2]; /* per model, at pub.t_s */
  /* prediction to the current group's time, cached between gating and update */
  double pred_t;
  double px[M][TW_MX], pP[M][TW_MX2], pc[M];
  double cx[TW_MX], cP[TW_MX2]; /* combined prediction */
  int hist[HIST], n_hist, hist_pos;
  int starved; /* groups in a row in which it gated a report that went to another track */
  int dead;
} trk;

typedef struct seed {
  double t_s, t_avail_s;
  double p[3], P[9]; /* a point: radar report or triangulated lines of sight */
  int sensor, object, used;
} seed;

typedef struct ir_seed {
  double t_s, t_avail_s;
  int sensor, object, used;
  double u[3];
} ir_seed;

/* A report's coarse position for the cheap proximity test: radar reports as points with a
 * radius covering their noise; infrared lines of sight are tested against every track. */
typedef struct rpt_t {
  double p[3], rad;
  int i;
} rpt_t;

struct tw_tracker {
  tw_tracker_config cfg;
  int n_sensors;
  tw_sensor *sensors;
  tw_site *sites;
  int *nation_of; /* sensor -> nation index */
  tw_time_ns epoch;
  double gate[5];   /* chi-square gate by measurement size */
  trk *tracks;
  int n_tracks;
  seed *seeds;
  int n_seeds;
  size_t cap_seeds;
  ir_seed *irs;
  int n_irs;
  size_t cap_irs;
  uint32_t next_id;
  double last_t;
  tw_tracker_stats st;
  /* assignment scratch, sized for the largest group seen so far */
  double *cost;
  int *row_to_col, *cand;
  void *work;
  size_t work_size, cost_cap, cap_rows;
  double last_dedup_s;
  double dup_gate;  /* chi-square(6) under which two tracks are one */
  tw_meas *group; /* the current group's valid reports */
  size_t cap_group;
  rpt_t *rpts;    /* the group's radar reports as points, sorted by x */
  size_t cap_rpts;
  int (*pairs)[2]; /* (track, report) pairs near enough for the full gate */
  size_t n_pairs, cap_pairs;
  int *col_of;    /* track -> its column in the cost matrix */
  unsigned char *flag;
};

void tw_tracker_config_default(tw_tracker_config *c)
{
  c->gate_chi2_p = 0.99999;
  c->confirm_hits = 3;
  c->tentative_timeout_s = 6.0;
  c->confirmed_timeout_s = 40.0;
  c->seed_window_s = 12.0;
  c->max_speed_mps = 8000.0;
  c->max_tracks = 2000;
  c->dedup_chi2 = 0;
  c->filter = TW_FILTER_EKF;
  c->log = NULL;
  c->log_ctx = NULL;
}

static void reject(tw_tracker *t, const tw_meas *m, const char *why)
{
  size_t n = ++t->st.rejected_bad;
  if (!t->cfg.log || (n > 20 && n % 1000 != 0))
    return;
  char line[200];
  snprintf(line, sizeof line, "report rejected (%zu so far): sensor %d, time %lld ns: %s", n,
           m->sensor, (long long)m->t_ns, why);
  t->cfg.log(t->cfg.log_ctx, line);
}

tw_tracker *tw_tracker_new(const tw_tracker_config *c, const tw_sensor *sensors, int n_sensors,
                           tw_time_ns epoch)
{
  if (n_sensors < 0 || n_sensors > TW_MAX_SENSORS || (n_sensors > 0 && !sensors))
    return NULL;
  tw_tracker *t = calloc(1, sizeof *t);
  if (!t)
    return NULL;
  if (c)
    t->cfg = *c;
  else
    tw_tracker_config_default(&t->cfg);
  if (t->cfg.max_tracks < 1)
    t->cfg.max_tracks = 1;
  t->n_sensors = n_sensors;
  t->epoch = epoch;
  t->sensors = calloc((size_t)(n_sensors ? n_sensors : 1), sizeof *t->sensors);
  t->sites = calloc((size_t)(n_sensors ? n_sensors : 1), sizeof *t->sites);
  t->nation_of = calloc((size_t)(n_sensors ? n_sensors : 1), sizeof *t->nation_of);
  t->tracks = calloc((size_t)t->cfg.max_tracks, sizeof *t->tracks);
  if (!t->sensors || !t->sites || !t->nation_of || !t->tracks) {
    tw_tracker_free(t);
    return NULL;
  }
  if (n_sensors)
    memcpy(t->sensors, sensors, (size_t)n_sensors * sizeof *sensors);
  for (int i = 0; i < n_sensors; i++) {
    tw_sensor_site_ecef(&sensors[i], t->sites[i].r);
    tw_enu_basis(t->sites[i].enu, sensors[i].lat_deg * TW_DEG, sensors[i].lon_deg * TW_DEG);
    int k = 0;
    while (k < i && strcmp(sensors[k].nation, sensors[i].nation) != 0)
      k++;
    t->nation_of[i] = (k < i) ? t->nation_of[k] : i;
  }
  for (int m = 1; m <= 4; m++)
    t->gate[m] = tw_chi2_quantile(t->cfg.gate_chi2_p, m);
  t->last_t = -1e300;
  t->last_dedup_s = -1e300;
  t->dup_gate = tw_chi2_quantile(0.99, 6);
  return t;
}

void tw_tracker_free(tw_tracker *t)
{
  if (!t)
    return;
  free(t->sensors);
  free(t->sites);
  free(t->nation_of);
  free(t->tracks);
  free(t->seeds);
  free(t->irs);
  free(t->cost);
  free(t->row_to_col);
  free(t->cand);
  free(t->work);
  free(t->group);
  free(t->rpts);
  free(t->pairs);
  free(t->col_of);
  free(t->flag);
  free(t);
}

int tw_tracker_count(const tw_tracker *t) { return t ? t->n_tracks : 0; }

const tw_track *tw_tracker_track(const tw_tracker *t, int i)
{
  return (t && i >= 0 && i < t->n_tracks) ? &t->tracks[i].pub : NULL;
}

void tw_tracker_get_stats(const tw_tracker *t, tw_tracker_stats *s)
{
  if (t && s)
    *s = t->st;
}

/* --- IMM ------------------------------------------------------------------------------------ */

static void transition(double pi[M][M], double dt)
{
  for (int i = 0; i < M; i++) {
    double leave = 0.0;
    for (int j = 0; j < M; j++) {
      pi[i][j] = (i == j) ? 0.0 : 1.0 - exp(-g_rates[i][j] * fabs(dt));
      leave += pi[i][j];
    }
    pi[i][i] = 1.0 - leave;
  }
}

static void combine(double x[TW_MX], double P[TW_MX2], const double xs[M][TW_MX],
                    const double Ps[M][TW_MX2], const double w[M])
{
  memset(x, 0, sizeof(double) * TW_MX);
  memset(P, 0, sizeof(double) * TW_MX2);
  for (int j = 0; j < M; j++)
    for (int i = 0; i < TW_MX; i++)
      x[i] += w[j] * xs[j][i];
  for (int j = 0; j < M; j++) {
    double d[TW_MX];
    for (int i = 0; i < TW_MX; i++)
      d[i] = xs[j][i] - x[i];
    for (int a = 0; a < TW_MX; a++)
      for (int b = 0; b < TW_MX; b++)
        P[a * TW_MX + b] += w[j] * (Ps[j][a * TW_MX + b] + d[a] * d[b]);
  }
}

/* --- cubature Kalman filter (the alternative to the EKF) ----------------------------------------
 * Third-degree spherical-radial cubature: 2n points x +- sqrt(n) columns of chol(P), equal
 * weights, so every weight is positive and the covariances stay positive semi-definite. */
#define NPT (2 * TW_MX)

static int cubature(double X[NPT][TW_MX], const double x[TW_MX], const double P[TW_MX2])
{
  double pts[(NPT + 1) * TW_MX], wm[NPT + 1], wc[NPT + 1];
  int rc = tw_ukf_sigma_points(pts, wm, wc, x, P, TW_MX, 1.0, 0.0, 0.0);
  if (rc < 0)
    return rc;
  memcpy(X, pts + TW_MX, sizeof(double) * NPT * TW_MX); /* the centre has weight 0 */
  return 0;
}

static int ckf_predict(double x[TW_MX], double P[TW_MX2], enum tw_motion_model m, double dt)
{
  double X[NPT][TW_MX], Q[TW_MX2];
  if (dt == 0.0)
    return 0;
  if (cubature(X, x, P) < 0)
    return TW_ENOTPD;
  double xm[TW_MX] = {0};
  for (int i = 0; i < NPT; i++) {
    tw__motion_predict_mean(X[i], m, dt);
    for (int a = 0; a < TW_MX; a++)
      xm[a] += X[i][a] / NPT;
  }
  tw__motion_process_noise(Q, &g_noise[m], dt);
  for (int a = 0; a < TW_MX; a++)
    for (int b = 0; b <= a; b++) {
      double c = 0.0;
      for (int i = 0; i < NPT; i++)
        c += (X[i][a] - xm[a]) * (X[i][b] - xm[b]);
      P[a * TW_MX + b] = P[b * TW_MX + a] = c / NPT + Q[a * TW_MX + b];
    }
  memcpy(x, xm, sizeof xm);
  return 0;
}

/* Cubature measurement update of (x, P) with report m; *d2 and *logdet for the likelihood. */
static int ckf_update(const tw_tracker *t, double x[TW_MX], double P[TW_MX2], const tw_meas *m,
                      const double *R, double *d2, double *logdet)
{
  int nz = m->n_z, kind = t->sensors[m->sensor].kind == TW_SENSOR_IR;
  double X[NPT][TW_MX], Z[NPT][4], zm[4] = {0}, S[16], Pxz[TW_MX * 4];
  if (cubature(X, x, P) < 0)
    return TW_ENOTPD;
  for (int i = 0; i < NPT; i++) {
    if (kind)
      tw__meas_ir(Z[i], NULL, X[i], &t->sites[m->sensor]);
    else
      tw__meas_radar(Z[i], NULL, X[i], &t->sites[m->sensor], nz);
  }
  /* angles: average their differences from the first point, so a wrap cannot split them */
  int ang = kind ? 0 : 1;
  for (int i = 0; i < NPT; i++)
    for (int a = 0; a < nz; a++)
      zm[a] += (a == ang ? tw_wrap_pi(Z[i][a] - Z[0][a]) : Z[i][a]) / NPT;
  zm[ang] += Z[0][ang];
  double dz[NPT][4];
  for (int i = 0; i < NPT; i++)
    for (int a = 0; a < nz; a++)
      dz[i][a] = (a == ang) ? tw_wrap_pi(Z[i][a] - zm[a]) : Z[i][a] - zm[a];
  for (int a = 0; a < nz; a++)
    for (int b = 0; b < nz; b++) {
      double c = 0.0;
      for (int i = 0; i < NPT; i++)
        c += dz[i][a] * dz[i][b];
      S[a * nz + b] = c / NPT + R[a * nz + b];
    }
  for (int a = 0; a < TW_MX; a++)
    for (int b = 0; b < nz; b++) {
      double c = 0.0;
      for (int i = 0; i < NPT; i++)
        c += (X[i][a] - x[a]) * dz[i][b];
      Pxz[a * nz + b] = c / NPT;
    }
  double L[16], y[4], Kt[4 * TW_MX], PxzT[4 * TW_MX];
  if (tw_chol(L, S, nz) < 0)
    return TW_ENOTPD;
  tw__innovation(y, m->z, zm, nz, kind);
  double sy[4];
  tw_chol_solve(sy, L, y, nz, 1);
  *d2 = 0.0;
  *logdet = 0.0;
  for (int a = 0; a < nz; a++) {
    *d2 += y[a] * sy[a];
    *logdet += 2.0 * log(L[a * nz + a]);
  }
  tw_mat_transpose(PxzT, Pxz, TW_MX, nz);
  tw_chol_solve(Kt, L, PxzT, nz, TW_MX); /* K^T = S^-1 Pxz^T */
  for (int a = 0; a < TW_MX; a++)
    for (int b = 0; b < nz; b++)
      x[a] += Kt[b * TW_MX + a] * y[b];
  /* P -= K S K^T = Pxz K^T */
  for (int a = 0; a < TW_MX; a++)
    for (int b = 0; b < TW_MX; b++) {
      double c = 0.0;
      for (int q = 0; q < nz; q++)
        c += Pxz[a * nz + q] * Kt[q * TW_MX + b];
      P[a * TW_MX + b] -= c;
    }
  tw_mat_symmetrize(P, TW_MX);
  return 0;
}

/* Mix and predict every model to time t; cache in k->p*, combined in k->c*. */
static void imm_predict(trk *k, double t, int use_ckf)
{
  if (k->pred_t == t)
    return;
  double dt = t - k->pub.t_s, pi[M][M];
  transition(pi, dt);
  for (int j = 0; j < M; j++) {
    double c = 0.0, w[M];
    for (int i = 0; i < M; i++)
      c += pi[i][j] * k->pub.mu[i];
    for (int i = 0; i < M; i++)
      w[i] = (c > 1e-300) ? pi[i][j] * k->pub.mu[i] / c : (i == j);
    k->pc[j] = c;
    combine(k->px[j], k->pP[j], (const double (*)[TW_MX])k->xm, (const double (*)[TW_MX2])k->Pm,
            w);
    if (!use_ckf || ckf_predict(k->px[j], k->pP[j], (enum tw_motion_model)j, dt) < 0)
      tw__motion_predict(k->px[j], k->pP[j], (enum tw_motion_model)j, &g_noise[j], dt);
  }
  double cs = k->pc[0] + k->pc[1] + k->pc[2], w[M];
  for (int j = 0; j < M; j++)
    w[j] = k->pc[j] / cs;
  combine(k->cx, k->cP, (const double (*)[TW_MX])k->px, (const double (*)[TW_MX2])k->pP, w);
  k->pred_t = t;
}

/* Predicted measurement of state x by sensor s; kind 0 radar, 1 IR. */
static void predict_z(const tw_tracker *t, int s, const double *x, double *zhat, double *H, int n_z)
{
  if (t->sensors[s].kind == TW_SENSOR_IR)
    tw__meas_ir(zhat, H, x, &t->sites[s]);
  else
    tw__meas_radar(zhat, H, x, &t->sites[s], n_z);
}

static void meas_R(const tw_meas *m, double *R)
{
  memset(R, 0, sizeof(double) * (size_t)(m->n_z * m->n_z));
  for (int i = 0; i < m->n_z; i++)
    R[i * m->n_z + i] = m->sigma[i] * m->sigma[i];
}

/* Update track k (already predicted to the report's time) with report m. */
static int imm_update(tw_tracker *t, trk *k, const tw_meas *m, double t_s, double t_avail)
{
  int kind = t->sensors[m->sensor].kind == TW_SENSOR_IR;
  double logl[M], R[16];
  meas_R(m, R);
  int ok = 0;
  for (int j = 0; j < M; j++) {
    double zhat[4], H[4 * TW_MX], y[4], d2, ld;
    logl[j] = -1e300;
    if (t->cfg.filter == TW_FILTER_CKF) {
      if (ckf_update(t, k->px[j], k->pP[j], m, R, &d2, &ld) < 0)
        continue;
    } else {
      predict_z(t, m->sensor, k->px[j], zhat, H, m->n_z);
      tw__innovation(y, m->z, zhat, m->n_z, kind);
      if (tw_kf_update_ll(k->px[j], k->pP[j], y, H, R, TW_MX, m->n_z, &d2, &ld) < 0)
        continue;
    }
    logl[j] = -0.5 * (d2 + ld) + log(fmax(k->pc[j], 1e-300));
    ok = 1;
  }
  if (!ok)
    return TW_ENOTPD;
  double mx = fmax(logl[0], fmax(logl[1], logl[2])), sum = 0.0, mu[M];
  for (int j = 0; j < M; j++)
    sum += (mu[j] = exp(logl[j] - mx));
  for (int j = 0; j < M; j++) {
    mu[j] /= sum;
    if (mu[j] < 1e-6) /* keep every model alive so it can take over */
      mu[j] = 1e-6;
  }
  sum = mu[0] + mu[1] + mu[2];
  for (int j = 0; j < M; j++) {
    k->pub.mu[j] = mu[j] / sum;
    memcpy(k->xm[j], k->px[j], sizeof k->xm[j]);
    memcpy(k->Pm[j], k->pP[j], sizeof k->Pm[j]);
  }
  combine(k->pub.x, k->pub.P, (const double (*)[TW_MX])k->xm, (const double (*)[TW_MX2])k->Pm,
          k->pub.mu);
  k->pub.t_s = t_s;
  k->pub.t_avail_s = fmax(k->pub.t_avail_s, t_avail);
  k->pred_t = NAN;
  k->pub.n_updates++;
  k->pub.nations |= 1u << (t->nation_of[m->sensor] % MAX_NATIONS);
  if (k->pub.status == TW_TRACK_TENTATIVE && k->pub.n_updates >= t->cfg.confirm_hits) {
    k->pub.status = TW_TRACK_CONFIRMED;
    k->pub.t_confirmed_s = t_avail;
    t->st.confirmed++;
  }
  /* truth label: the most frequent object among the recent reports */
  k->hist[k->hist_pos] = m->object;
  k->hist_pos = (k->hist_pos + 1) % HIST;
  if (k->n_hist < HIST)
    k->n_hist++;
  int best = -1, best_n = 0;
  for (int i = 0; i < k->n_hist; i++) {
    int n = 0;
    for (int j = 0; j < k->n_hist; j++)
      n += k->hist[j] == k->hist[i];
    if (n > best_n) {
      best_n = n;
      best = k->hist[i];
    }
  }
  k->pub.truth_object = best;
  k->pub.truth_last = m->object;
  return 0;
}

/* --- initiation ------------------------------------------------------------------------------ */

static trk *new_track(tw_tracker *t, const double p[3], const double P[9], const double q[3],
                      const double Q[9], double t1, double t2, double t_avail, int sensor,
                      int object)
{
  if (t->n_tracks >= t->cfg.max_tracks) {
    t->st.capacity_full++;
    return NULL;
  }
  trk *k = &t->tracks[t->n_tracks++];
  memset(k, 0, sizeof *k);
  double dt = t2 - t1, x[TW_MX] = {0}, C[TW_MX2] = {0};
  for (int i = 0; i < 3; i++) {
    x[i] = q[i];
    x[3 + i] = (q[i] - p[i]) / dt;
  }
  x[8] = TW_KAPPA_PRIOR;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      C[i * TW_MX + j] = Q[i * 3 + j];
      C[i * TW_MX + 3 + j] = C[(3 + j) * TW_MX + i] = Q[i * 3 + j] / dt;
      C[(3 + i) * TW_MX + 3 + j] = (P[i * 3 + j] + Q[i * 3 + j]) / (dt * dt);
    }
  for (int i = 3; i < 6; i++) /* acceleration unknown over the pair's interval */
    C[i * TW_MX + i] += 2500.0;
  C[6 * TW_MX + 6] = 30.0 * 30.0;
  C[7 * TW_MX + 7] = 15.0 * 15.0;
  C[8 * TW_MX + 8] = 0.09 * TW_KAPPA_PRIOR * TW_KAPPA_PRIOR; /* ln beta to +-0.3 (1 sigma) */
  /* first guess of the phase from height and climb */
  tw_geodetic g;
  tw_ecef_to_geo(&g, q);
  double up[3];
  tw_geo_up(up, g.lat_rad, g.lon_rad);
  double climb = up[0] * x[3] + up[1] * x[4] + up[2] * x[5];
  double mu[M] = {0.3, 0.69, 0.01};
  if (g.h_m < 80e3 && climb > 0.0) {
    mu[0] = 0.7;
    mu[1] = 0.29;
  } else if (g.h_m < 100e3 && climb < 0.0) {
    mu[0] = 0.01;
    mu[1] = 0.49;
    mu[2] = 0.5;
  }
  for (int j = 0; j < M; j++) {
    memcpy(k->xm[j], x, sizeof x);
    memcpy(k->Pm[j], C, sizeof C);
  }
  k->pub.id = ++t->next_id;
  k->pub.status = TW_TRACK_TENTATIVE;
  k->pub.t_s = t2;
  k->pub.t_avail_s = t_avail;
  memcpy(k->pub.x, x, sizeof x);
  memcpy(k->pub.P, C, sizeof C);
  memcpy(k->pub.mu, mu, sizeof mu);
  k->pub.n_updates = 2;
  k->pub.t_start_s = t1;
  k->pub.t_confirmed_s = -1.0;
  k->pub.nations = 1u << (t->nation_of[sensor] % MAX_NATIONS);
  k->pub.truth_object = k->pub.truth_last = object;
  k->hist[0] = k->hist[1] = object;
  k->n_hist = k->hist_pos = 2;
  k->pred_t = NAN;
  t->st.initiated++;
  return k;
}

static int push_seed(tw_tracker *t, const seed *s)
{
  if (tw__grow((void **)&t->seeds, &t->cap_seeds, (size_t)t->n_seeds + 1, sizeof *t->seeds, 256) <
      0)
    return TW_ENOMEM;
  t->seeds[t->n_seeds++] = *s;
  return 0;
}

/* A new point: pair it with an earlier one into a tentative track, or keep it as a seed. */
static int point_report(tw_tracker *t, const seed *s)
{
  int best = -1;
  double best_d = 1e300;
  for (int i = 0; i < t->n_seeds; i++) {
    const seed *o = &t->seeds[i];
    double dt = s->t_s - o->t_s;
    if (o->used || dt < 0.5 || dt > t->cfg.seed_window_s)
      continue;
    double d = sqrt((s->p[0] - o->p[0]) * (s->p[0] - o->p[0]) +
                    (s->p[1] - o->p[1]) * (s->p[1] - o->p[1]) +
                    (s->p[2] - o->p[2]) * (s->p[2] - o->p[2]));
    double slack = 3.0 * sqrt(o->P[0] + o->P[4] + o->P[8] + s->P[0] + s->P[4] + s->P[8]);
    if (d > t->cfg.max_speed_mps * dt + slack || d < 50.0 * dt - slack)
      continue; /* faster than any missile, or standing still (clutter) */
    double score = d / dt + (o->sensor == s->sensor ? 0.0 : 200.0); /* prefer one sensor */
    if (best < 0 || score < best_d) {
      best = i;
      best_d = score;
    }
  }
  if (best >= 0) {
    seed *o = &t->seeds[best];
    o->used = 1;
    new_track(t, o->p, o->P, s->p, s->P, o->t_s, s->t_s, s->t_avail_s, s->sensor,
              o->object == s->object ? s->object : -1);
    return 0;
  }
  return push_seed(t, s);
}

static int ir_report(tw_tracker *t, const tw_meas *m, double t_s, double t_avail)
{
  ir_seed s = {t_s, t_avail, m->sensor, m->object, 0, {0}};
  tw__los_unit(s.u, m->z[0], m->z[1]);
  /* triangulate with another satellite's line of sight of the same look */
  for (int i = 0; i < t->n_irs; i++) {
    ir_seed *o = &t->irs[i];
    if (o->used || o->sensor == s.sensor || fabs(o->t_s - t_s) > 0.5)
      continue;
    double p[3], P[9], miss;
    const tw_sensor *a = &t->sensors[o->sensor], *b = &t->sensors[s.sensor];
    if (tw__triangulate(p, P, &miss, t->sites[o->sensor].r, o->u, a->sigma_angle_rad,
                        t->sites[s.sensor].r, s.u, b->sigma_angle_rad) < 0)
      continue;
    if (miss * miss > 9.0 * 4.0 * (P[0] + P[4] + P[8]))
      continue;
    tw_geodetic g;
    tw_ecef_to_geo(&g, p);
    if (g.h_m < 0.0 || g.h_m > 2000e3)
      continue;
    o->used = 1;
    seed pt = {t_s, t_avail, {p[0], p[1], p[2]}, {0}, s.sensor,
               o->object == s.object ? s.object : -1, 0};
    memcpy(pt.P, P, sizeof P);
    return point_report(t, &pt);
  }
  if (tw__grow((void **)&t->irs, &t->cap_irs, (size_t)t->n_irs + 1, sizeof *t->irs, 64) < 0)
    return TW_ENOMEM;
  t->irs[t->n_irs++] = s;
  return 0;
}

/* --- groups of reports ----------------------------------------------------------------------- */

/* NULL if m is a report the tracker can use, else why not. */
static const char *bad_report(const tw_tracker *t, const tw_meas *m)
{
  if (m->sensor < 0 || m->sensor >= t->n_sensors)
    return "unknown sensor";
  int ir = t->sensors[m->sensor].kind == TW_SENSOR_IR;
  if (ir ? m->n_z != 2 : (m->n_z != 3 && m->n_z != 4))
    return "wrong number of values for the sensor's kind";
  for (int i = 0; i < m->n_z; i++)
    if (!isfinite(m->z[i]) || !(m->sigma[i] > 0.0) || !isfinite(m->sigma[i]))
      return "a value or its sigma is not a finite number (sigmas must be > 0)";
  if (!ir && !(m->z[0] > 0.0 && m->z[0] < 1e8))
    return "range outside (0, 100,000 km)";
  if (!ir && !(fabs(m->z[2]) <= TW_PI / 2))
    return "elevation outside [-90, 90] degrees";
  if (ir && !(fabs(m->z[1]) <= TW_PI / 2))
    return "line-of-sight latitude outside [-90, 90] degrees";
  return NULL;
}

/* Scratch for a group of `rows` reports against `cols` tracks: grown, never shrunk, so the hot
 * path allocates only when a batch is the largest yet. */
static int ensure_scratch(tw_tracker *t, int rows, int cols)
{
  size_t need = (size_t)rows * (size_t)cols, ws = tw_assign_workspace(rows, cols);
  if (tw__grow((void **)&t->cost, &t->cost_cap, need ? need : 1, sizeof *t->cost, 1024) < 0 ||
      tw__grow((void **)&t->row_to_col, &t->cap_rows, rows > 0 ? (size_t)rows : 1,
               sizeof *t->row_to_col, 64) < 0 ||
      tw__grow(&t->work, &t->work_size, ws ? ws : 1, 1, 4096) < 0)
    return TW_ENOMEM;
  if (!t->cand) { /* per-track arrays, sized once for the capacity */
    t->cand = malloc((size_t)t->cfg.max_tracks * sizeof *t->cand);
    t->col_of = malloc((size_t)t->cfg.max_tracks * sizeof *t->col_of);
    t->flag = malloc((size_t)t->cfg.max_tracks);
    if (!t->cand || !t->col_of || !t->flag)
      return TW_ENOMEM;
  }
  return 0;
}

static int by_x(const void *a, const void *b)
{
  double x = ((const rpt_t *)a)->p[0], y = ((const rpt_t *)b)->p[0];
  return (x > y) - (x < y);
}

/* Linear extrapolation of a track and how far its report may be from it before the full test. */
static double coarse_reach(const trk *k, double dt, double p[3])
{
  for (int i = 0; i < 3; i++)
    p[i] = k->pub.x[i] + k->pub.x[3 + i] * dt;
  double sig = sqrt(k->pub.P[0] + k->pub.P[10] + k->pub.P[20]);
  return COARSE_MIN_M + 10.0 * sig + 50.0 * dt * dt;
}

static int near_ray(const tw_tracker *t, const double p[3], double lim, const tw_meas *m)
{
  const tw_site *s = &t->sites[m->sensor];
  double u[3], d[3] = {p[0] - s->r[0], p[1] - s->r[1], p[2] - s->r[2]};
  tw__los_unit(u, m->z[0], m->z[1]);
  double along = tw_v3_dot(d, u), off2 = tw_v3_dot(d, d) - along * along;
  return along > 0.0 && off2 < 25.0 * lim * lim;
}

static int add_pair(tw_tracker *t, int track, int meas)
{
  if (tw__grow((void **)&t->pairs, &t->cap_pairs, t->n_pairs + 1, sizeof *t->pairs, 1024) < 0)
    return TW_ENOMEM;
  t->pairs[t->n_pairs][0] = track;
  t->pairs[t->n_pairs][1] = meas;
  t->n_pairs++;
  return 0;
}

/* Pairs (track, report) close enough for the full gate, found through reports sorted by x. */
static int coarse_pairs(tw_tracker *t, const tw_meas *m, int n, double t_s)
{
  int ir = t->sensors[m[0].sensor].kind == TW_SENSOR_IR;
  t->n_pairs = 0;
  if (!ir && tw__grow((void **)&t->rpts, &t->cap_rpts, (size_t)n, sizeof *t->rpts, 64) < 0)
    return TW_ENOMEM;
  double max_rad = 0.0;
  if (!ir) {
    for (int i = 0; i < n; i++) {
      double R[9];
      tw__radar_point(t->rpts[i].p, R, m[i].z, m[i].sigma, &t->sites[m[i].sensor]);
      t->rpts[i].rad = 5.0 * sqrt(R[0] + R[4] + R[8]);
      t->rpts[i].i = i;
      if (t->rpts[i].rad > max_rad)
        max_rad = t->rpts[i].rad;
    }
    qsort(t->rpts, (size_t)n, sizeof *t->rpts, by_x);
  }
  for (int k = 0; k < t->n_tracks; k++) {
    trk *tk = &t->tracks[k];
    if (tk->dead || tk->pub.t_s > t_s + 1e-9)
      continue;
    double p[3], lim = coarse_reach(tk, t_s - tk->pub.t_s, p);
    if (ir) {
      for (int i = 0; i < n; i++)
        if (near_ray(t, p, lim, &m[i]) && add_pair(t, k, i) < 0)
          return TW_ENOMEM;
      continue;
    }
    double lo = p[0] - lim - max_rad, hi = p[0] + lim + max_rad;
    int a = 0, b = n; /* first report with x >= lo */
    while (a < b) {
      int mid = (a + b) / 2;
      if (t->rpts[mid].p[0] < lo)
        a = mid + 1;
      else
        b = mid;
    }
    for (int j = a; j < n && t->rpts[j].p[0] <= hi; j++) {
      const rpt_t *r = &t->rpts[j];
      double dx = p[0] - r->p[0], dy = p[1] - r->p[1], dz = p[2] - r->p[2], l = lim + r->rad;
      if (dx * dx + dy * dy + dz * dz < l * l && add_pair(t, k, r->i) < 0)
        return TW_ENOMEM;
    }
  }
  return 0;
}

static int process_group(tw_tracker *t, const tw_meas *m, int n)
{
  double t_s = (double)(m[0].t_ns - t->epoch) * 1e-9;
  if (t_s < t->last_t - 1e-9)
    t->st.out_of_order += (size_t)n; /* still offered to tracks that are older */
  else
    t->last_t = t_s;

  int rc = ensure_scratch(t, n, t->n_tracks);
  if (rc < 0 || (rc = coarse_pairs(t, m, n, t_s)) < 0)
    return rc;
  /* candidate tracks (columns): those in a pair, in track order */
  int nc = 0;
  for (size_t q = 0; q < t->n_pairs; q++) {
    int k = t->pairs[q][0];
    if (nc == 0 || t->cand[nc - 1] != k) {
      t->cand[nc] = k;
      t->col_of[k] = nc++;
      imm_predict(&t->tracks[k], t_s, t->cfg.filter == TW_FILTER_CKF);
    }
  }
  for (size_t q = 0; q < (size_t)n * (size_t)nc; q++)
    t->cost[q] = TW_ASSIGN_FORBIDDEN;
  for (size_t q = 0; q < t->n_pairs; q++) {
    int k = t->pairs[q][0], i = t->pairs[q][1], c = t->col_of[k];
    const trk *tk = &t->tracks[k];
    double R[16], zhat[4], H[4 * TW_MX], y[4], d2;
    meas_R(&m[i], R);
    predict_z(t, m[i].sensor, tk->cx, zhat, H, m[i].n_z);
    tw__innovation(y, m[i].z, zhat, m[i].n_z, t->sensors[m[i].sensor].kind == TW_SENSOR_IR);
    if (tw_kf_gate(&d2, NULL, tk->cP, y, H, R, TW_MX, m[i].n_z) == 0 && d2 <= t->gate[m[i].n_z])
      t->cost[(size_t)i * (size_t)nc + (size_t)c] = d2;
  }
  double total;
  if (nc > 0) {
    rc = tw_assign(t->cost, n, nc, t->gate[4], t->row_to_col, &total, t->work, t->work_size);
    if (rc < 0)
      return rc;
  } else {
    for (int i = 0; i < n; i++)
      t->row_to_col[i] = -1;
  }
  /* a track that gated a report but got none lost it to another track: twice the same object.
   * Starved long enough, it goes (two real objects each get their own report). */
  for (int c = 0; c < nc; c++)
    t->flag[c] = 0; /* bit 0: gated a report, bit 1: got one */
  for (size_t q = 0; q < t->n_pairs; q++) {
    int c = t->col_of[t->pairs[q][0]], i = t->pairs[q][1];
    if (t->cost[(size_t)i * (size_t)nc + (size_t)c] < TW_ASSIGN_FORBIDDEN)
      t->flag[c] |= 1;
  }
  for (int i = 0; i < n; i++)
    if (t->row_to_col[i] >= 0)
      t->flag[t->row_to_col[i]] |= 2;
  for (int c = 0; c < nc; c++) {
    trk *tk = &t->tracks[t->cand[c]];
    if (t->flag[c] & 2)
      tk->starved = 0;
    else if ((t->flag[c] & 1) && ++tk->starved >= STARVED_MAX)
      tk->dead = 1;
  }
  for (int i = 0; i < n; i++) {
    double t_avail = (double)(m[i].t_report_ns - t->epoch) * 1e-9;
    t->st.processed++;
    if (t->row_to_col[i] >= 0) {
      trk *tk = &t->tracks[t->cand[t->row_to_col[i]]];
      imm_update(t, tk, &m[i], t_s, t_avail);
      continue;
    }
    if (t->sensors[m[i].sensor].kind == TW_SENSOR_IR) {
      rc = ir_report(t, &m[i], t_s, t_avail);
    } else {
      seed s = {t_s, t_avail, {0}, {0}, m[i].sensor, m[i].object, 0};
      tw__radar_point(s.p, s.P, m[i].z, m[i].sigma, &t->sites[m[i].sensor]);
      rc = point_report(t, &s);
    }
    if (rc < 0)
      return rc;
  }
  return 0;
}

int tw_tracker_process(tw_tracker *t, const tw_meas *m, size_t n)
{
  if (!t || (n > 0 && !m))
    return TW_EINVAL;
  size_t i = 0;
  while (i < n) {
    /* a group: same time, same sensor; bad reports counted and left out */
    size_t j = i;
    int nb = 0;
    while (j < n && m[j].t_ns == m[i].t_ns && m[j].sensor == m[i].sensor)
      j++;
    if (tw__grow((void **)&t->group, &t->cap_group, j - i, sizeof *t->group, 64) < 0)
      return TW_ENOMEM;
    for (size_t k = i; k < j; k++) {
      const char *why = bad_report(t, &m[k]);
      if (!why)
        t->group[nb++] = m[k];
      else
        reject(t, &m[k], why);
    }
    if (nb > 0) {
      int rc = process_group(t, t->group, nb);
      if (rc < 0)
        return rc;
    }
    tw_tracker_housekeep(t, (double)(m[i].t_ns - t->epoch) * 1e-9);
    i = j;
  }
  return 0;
}

/* Two tracks on one object: the same state within their joint uncertainty. Kept: the one with
 * the smaller position uncertainty (the better informed); the other is marked dead. Once a second
 * of tracker time, with a cheap distance test first. */
static void drop_duplicates(tw_tracker *t, double now_s)
{
  if (now_s - t->last_dedup_s < 1.0)
    return;
  t->last_dedup_s = now_s;
  for (int i = 0; i < t->n_tracks; i++) {
    trk *a = &t->tracks[i];
    if (a->dead)
      continue;
    for (int j = i + 1; j < t->n_tracks && !a->dead; j++) {
      trk *b = &t->tracks[j];
      if (b->dead)
        continue;
      double dt = a->pub.t_s - b->pub.t_s, d[6];
      for (int k = 0; k < 3; k++) { /* b carried to a's time: enough over a second or two */
        d[k] = a->pub.x[k] - (b->pub.x[k] + b->pub.x[3 + k] * dt);
        d[3 + k] = a->pub.x[3 + k] - b->pub.x[3 + k];
      }
      if (d[0] * d[0] + d[1] * d[1] + d[2] * d[2] > DUP_MAX_DIST_M * DUP_MAX_DIST_M || fabs(dt) > 5.0)
        continue;
      double S[36], d2;
      for (int r = 0; r < 6; r++)
        for (int c = 0; c < 6; c++)
          S[r * 6 + c] = a->pub.P[r * TW_MX + c] + b->pub.P[r * TW_MX + c];
      if (tw_spd_mahalanobis2(&d2, S, d, 6) < 0 || d2 > t->dup_gate)
        continue;
      double ta = a->pub.P[0] + a->pub.P[10] + a->pub.P[20];
      double tb = b->pub.P[0] + b->pub.P[10] + b->pub.P[20];
      trk *loser = (a->pub.status != b->pub.status) ? (a->pub.status == TW_TRACK_CONFIRMED ? b : a)
                   : (ta <= tb ? b : a);
      loser->dead = 1;
    }
  }
}

void tw_tracker_housekeep(tw_tracker *t, double now_s)
{
  if (!t)
    return;
  if (t->cfg.dedup_chi2)
    drop_duplicates(t, now_s);
  int w = 0;
  for (int k = 0; k < t->n_tracks; k++) {
    trk *tk = &t->tracks[k];
    double silent = now_s - tk->pub.t_s;
    double limit = tk->pub.status == TW_TRACK_CONFIRMED ? t->cfg.confirmed_timeout_s
                                                        : t->cfg.tentative_timeout_s;
    tw_geodetic g;
    tw_ecef_to_geo(&g, tk->pub.x);
    if (tk->dead || silent > limit || g.h_m < -1000.0) {
      t->st.deleted++;
      continue;
    }
    if (w != k)
      t->tracks[w] = *tk;
    w++;
  }
  t->n_tracks = w;
  /* seeds past their window */
  w = 0;
  for (int i = 0; i < t->n_seeds; i++)
    if (!t->seeds[i].used && now_s - t->seeds[i].t_s <= t->cfg.seed_window_s)
      t->seeds[w++] = t->seeds[i];
  t->n_seeds = w;
  w = 0;
  for (int i = 0; i < t->n_irs; i++)
    if (!t->irs[i].used && now_s - t->irs[i].t_s <= 2.0)
      t->irs[w++] = t->irs[i];
  t->n_irs = w;
}
