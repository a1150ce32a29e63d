/* farina.c - the Farina-Ristic-Benvenuti re-entry benchmark: model, truth, EKF and PCRLB. The
 * model and its derivation are in farina.h. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "track/farina.h"
#include "triwatch/error.h"
#include "triwatch/geo.h"
#include "triwatch/kalman.h"
#include "triwatch/linalg.h"
#include "triwatch/metrics.h"

#define NX TW__FARINA_NX
#define NZ TW__FARINA_NZ
#define NN (NX * NX)

/* Density layers: rho = a exp(-k h). */
#define SEAM_M 9144.0
#define LOW_A 1.227
#define LOW_K 1.093e-4
#define HIGH_A 1.754
#define HIGH_K 1.49e-4

void tw__farina_model_update(tw__farina_model *m)
{
  double T = m->T_s;
  double th[4] = {T * T * T / 3.0, T * T / 2.0, T * T / 2.0, T};
  memset(m->Q, 0, sizeof m->Q);
  for (int b = 0; b < 2; b++) /* blocks for (x, xdot) and (h, hdot) */
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 2; j++)
        m->Q[(2 * b + i) * NX + 2 * b + j] = m->q_m2ps3 * th[i * 2 + j];
  m->R[0] = m->sigma_r_m * m->sigma_r_m;
  m->R[1] = m->R[2] = 0.0;
  m->R[3] = m->sigma_el_rad * m->sigma_el_rad;
}

void tw__farina_model_default(tw__farina_model *m)
{
  memset(m, 0, sizeof *m);
  m->T_s = 2.0;
  m->beta_pa = 40000.0;
  m->g_mps2 = 9.81;
  m->q_m2ps3 = 1.0;
  m->sigma_r_m = 100.0;
  m->sigma_el_rad = 0.017;
  m->substeps = 20;
  const double v = 2290.0, dir = 190.0 * TW_DEG;
  m->x0[TW__FARINA_X] = 232e3;
  m->x0[TW__FARINA_XDOT] = v * cos(dir);
  m->x0[TW__FARINA_H] = 88e3;
  m->x0[TW__FARINA_HDOT] = v * sin(dir);
  static const double sd[NX] = {1000.0, 20.0, 1000.0, 20.0};
  for (int i = 0; i < NX; i++)
    m->P0[i * NX + i] = sd[i] * sd[i];
  tw__farina_model_update(m);
}

/* rho and its decay rate k = -(d rho / dh) / rho */
static double density(double h_m, double *k)
{
  if (h_m < SEAM_M) {
    *k = LOW_K;
    return LOW_A * exp(-LOW_K * h_m);
  }
  *k = HIGH_K;
  return HIGH_A * exp(-HIGH_K * h_m);
}

double tw__farina_density(double h_m)
{
  double k;
  return density(h_m, &k);
}

void tw__farina_deriv(double ds[NX], double *A, const double s[NX], const tw__farina_model *m)
{
  double u = s[TW__FARINA_XDOT], w = s[TW__FARINA_HDOT];
  double k, v = sqrt(u * u + w * w);
  /* c = g rho / (2 beta): the drag deceleration is c V^2 */
  double c = m->g_mps2 * density(s[TW__FARINA_H], &k) / (2.0 * m->beta_pa);
  ds[TW__FARINA_X] = u;
  ds[TW__FARINA_XDOT] = -c * v * u;
  ds[TW__FARINA_H] = w;
  ds[TW__FARINA_HDOT] = -c * v * w - m->g_mps2;
  if (!A)
    return;
  /* d(V u)/du = V + u^2 / V, d(V u)/dw = u w / V; dc/dh = -k c */
  double uv = v > 0.0 ? u / v : 0.0, wv = v > 0.0 ? w / v : 0.0;
  memset(A, 0, sizeof(double) * NN);
  A[0 * NX + 1] = 1.0;
  A[1 * NX + 1] = -c * (v + u * uv);
  A[1 * NX + 2] = k * c * v * u;
  A[1 * NX + 3] = -c * u * wv;
  A[2 * NX + 3] = 1.0;
  A[3 * NX + 1] = -c * w * uv;
  A[3 * NX + 2] = k * c * v * w;
  A[3 * NX + 3] = -c * (v + w * wv);
}

/* One RK4 step of dt from y (with tangent Y = dy/ds0 when Y is not NULL), in place. */
static void rk4_step(double y[NX], double *Y, double dt, const tw__farina_model *m)
{
  static const double a[4] = {0.0, 0.5, 0.5, 1.0}; /* stage offsets */
  static const double b[4] = {1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6};
  double k[NX] = {0}, dk[NN] = {0}, ys[NX], Ys[NN], A[NN];
  double yn[NX], Yn[NN];
  memcpy(yn, y, sizeof yn);
  if (Y)
    memcpy(Yn, Y, sizeof Yn);
  for (int st = 0; st < 4; st++) {
    for (int i = 0; i < NX; i++)
      ys[i] = y[i] + a[st] * dt * k[i];
    tw__farina_deriv(k, Y ? A : NULL, ys, m);
    for (int i = 0; i < NX; i++)
      yn[i] += b[st] * dt * k[i];
    if (Y) {
      for (int i = 0; i < NN; i++)
        Ys[i] = Y[i] + a[st] * dt * dk[i];
      tw_mat_mul(dk, A, Ys, NX, NX, NX);
      for (int i = 0; i < NN; i++)
        Yn[i] += b[st] * dt * dk[i];
    }
  }
  memcpy(y, yn, sizeof yn);
  if (Y)
    memcpy(Y, Yn, sizeof Yn);
}

void tw__farina_propagate(double sn[NX], double *F, const double s[NX], const tw__farina_model *m)
{
  double y[NX];
  memcpy(y, s, sizeof y);
  if (F)
    tw_mat_identity(F, NX);
  int n = m->substeps > 0 ? m->substeps : 1;
  double dt = m->T_s / n;
  for (int i = 0; i < n; i++)
    rk4_step(y, F, dt, m);
  memcpy(sn, y, sizeof y);
}

void tw__farina_measure(double z[NZ], double *H, const double s[NX])
{
  double x = s[TW__FARINA_X], h = s[TW__FARINA_H];
  double r2 = x * x + h * h, r = sqrt(r2);
  z[0] = r;
  z[1] = atan2(h, x);
  if (!H)
    return;
  memset(H, 0, sizeof(double) * NZ * NX);
  if (r2 == 0.0)
    return;
  H[0 * NX + TW__FARINA_X] = x / r;
  H[0 * NX + TW__FARINA_H] = h / r;
  H[1 * NX + TW__FARINA_X] = -h / r2;
  H[1 * NX + TW__FARINA_H] = x / r2;
}

/* v = L n, n standard normal: a draw from N(0, L L^T) */
static void draw(double v[NX], const double *L, tw_rng *rng)
{
  double n[NX];
  for (int i = 0; i < NX; i++)
    n[i] = tw_rng_normal(rng);
  tw_mat_mul(v, L, n, NX, NX, 1);
}

int tw__farina_truth(double (*s)[NX], double (*z)[NZ], int n_steps, const tw__farina_model *m,
                     tw_rng *rng)
{
  if (n_steps < 1)
    return TW_EINVAL;
  double lq[NN], w[NX];
  int rc = tw_chol(lq, m->Q, NX);
  if (rc < 0)
    return rc;
  memcpy(s[0], m->x0, sizeof s[0]);
  for (int k = 1; k <= n_steps; k++) {
    tw__farina_propagate(s[k], NULL, s[k - 1], m);
    draw(w, lq, rng);
    for (int i = 0; i < NX; i++)
      s[k][i] += w[i];
    if (!(s[k][TW__FARINA_H] > 0.0))
      return TW_ERANGE;
    tw__farina_measure(z[k], NULL, s[k]);
    z[k][0] += m->sigma_r_m * tw_rng_normal(rng);
    z[k][1] += m->sigma_el_rad * tw_rng_normal(rng);
  }
  return 0;
}

int tw__farina_ekf_step(double x[NX], double *P, const double z[NZ], const tw__farina_model *m,
                        double *nis)
{
  double xp[NX], Pp[NN], F[NN], zp[NZ], H[NZ * NX], y[NZ];
  tw__farina_propagate(xp, F, x, m);
  memcpy(Pp, P, sizeof Pp);
  tw_kf_predict_cov(Pp, F, m->Q, NX);
  tw__farina_measure(zp, H, xp);
  y[0] = z[0] - zp[0];
  y[1] = remainder(z[1] - zp[1], 2.0 * TW_PI);
  int rc = tw_kf_update(xp, Pp, y, H, m->R, NX, NZ, nis);
  if (rc < 0)
    return rc;
  memcpy(x, xp, sizeof xp);
  memcpy(P, Pp, sizeof Pp);
  return 0;
}

int tw__farina_pcrlb_step(double *J, const double *D11, const double *Fbar, const double *Qinv,
                          const double *HRH, int n)
{
  double a[TW_LINALG_MAX * TW_LINALG_MAX], qf[TW_LINALG_MAX * TW_LINALG_MAX];
  double jn[TW_LINALG_MAX * TW_LINALG_MAX], l[TW_LINALG_MAX * TW_LINALG_MAX];
  if (n < 1 || n > TW_LINALG_MAX)
    return TW_EINVAL;
  /* J' = Q^-1 + HRH - (Q^-1 Fbar) (J + D11)^-1 (Q^-1 Fbar)^T */
  for (int i = 0; i < n * n; i++)
    a[i] = J[i] + D11[i];
  int rc = tw_spd_inv(a, a, n);
  if (rc < 0)
    return rc;
  tw_mat_mul(qf, Qinv, Fbar, n, n, n);
  tw_mat_sandwich(jn, qf, a, n, n);
  for (int i = 0; i < n * n; i++)
    jn[i] = Qinv[i] + HRH[i] - jn[i];
  tw_mat_symmetrize(jn, n);
  rc = tw_chol(l, jn, n);
  if (rc < 0)
    return rc;
  memcpy(J, jn, sizeof(double) * (size_t)(n * n));
  return 0;
}

/* Sums over runs, per step, of what the bound and the scores need. */
typedef struct accum {
  double e2_pos[TW__FARINA_MAX_STEPS + 1];
  double nees[TW__FARINA_MAX_STEPS + 1];
  double h[TW__FARINA_MAX_STEPS + 1];
  double F[TW__FARINA_MAX_STEPS + 1][NN];   /* F at the truth s_{k-1} */
  double FQF[TW__FARINA_MAX_STEPS + 1][NN]; /* F^T Q^-1 F */
  double HRH[TW__FARINA_MAX_STEPS + 1][NN]; /* H^T R^-1 H at the truth s_k */
} accum;

/* Score the estimate x, P against the truth s at step k. */
static int score(accum *acc, int k, const double s[NX], const double x[NX], const double *P)
{
  double e[NX], d2;
  for (int i = 0; i < NX; i++)
    e[i] = s[i] - x[i];
  int rc = tw_spd_mahalanobis2(&d2, P, e, NX);
  if (rc < 0)
    return rc;
  acc->nees[k] += d2;
  acc->e2_pos[k] += e[TW__FARINA_X] * e[TW__FARINA_X] + e[TW__FARINA_H] * e[TW__FARINA_H];
  acc->h[k] += s[TW__FARINA_H];
  return 0;
}

/* One Monte Carlo run into acc. */
static int one_run(accum *acc, double *h_min_end, const tw__farina_model *m, const double *Qinv,
                   const double *Rinv, int n_steps, uint64_t seed, int run)
{
  double s[TW__FARINA_MAX_STEPS + 1][NX], z[TW__FARINA_MAX_STEPS + 1][NZ];
  double x[NX], P[NN], lp[NN], F[NN], H[NZ * NX], tmp[NN], zs[NZ], sn[NX];
  tw_rng rng;
  char name[32];
  snprintf(name, sizeof name, "farina-run-%d", run);
  tw_rng_seed_named(&rng, seed, name);
  int rc = tw__farina_truth(s, z, n_steps, m, &rng);
  if (rc < 0)
    return rc;
  if (s[n_steps][TW__FARINA_H] < *h_min_end)
    *h_min_end = s[n_steps][TW__FARINA_H];
  /* the bound's expectations along this truth */
  for (int k = 1; k <= n_steps; k++) {
    tw__farina_propagate(sn, F, s[k - 1], m);
    tw_mat_mul(tmp, Qinv, F, NX, NX, NX);
    double fqf[NN];
    tw_mat_mul_at(fqf, F, tmp, NX, NX, NX);
    tw__farina_measure(zs, H, s[k]);
    double hrh[NN], rh[NZ * NX];
    tw_mat_mul(rh, Rinv, H, NZ, NZ, NX);
    tw_mat_mul_at(hrh, H, rh, NZ, NX, NX);
    for (int i = 0; i < NN; i++) {
      acc->F[k][i] += F[i];
      acc->FQF[k][i] += fqf[i];
      acc->HRH[k][i] += hrh[i];
    }
  }
  /* the filter, started at a draw from N(truth, P0) */
  rc = tw_chol(lp, m->P0, NX);
  if (rc < 0)
    return rc;
  double d[NX];
  draw(d, lp, &rng);
  for (int i = 0; i < NX; i++)
    x[i] = s[0][i] + d[i];
  memcpy(P, m->P0, sizeof P);
  rc = score(acc, 0, s[0], x, P);
  for (int k = 1; rc == 0 && k <= n_steps; k++) {
    rc = tw__farina_ekf_step(x, P, z[k], m, NULL);
    if (rc == 0)
      rc = score(acc, k, s[k], x, P);
  }
  return rc;
}

int tw__farina_monte_carlo(tw__farina_stats *st, const tw__farina_model *m, int n_runs,
                           int n_steps, uint64_t seed)
{
  accum acc; /* 27 kB */
  double Qinv[NN], Rinv[NZ * NZ], J[NN], Jinv[NN];
  if (n_runs < 1 || n_steps < 1 || n_steps > TW__FARINA_MAX_STEPS)
    return TW_EINVAL;
  int rc = tw_spd_inv(Qinv, m->Q, NX);
  if (rc == 0)
    rc = tw_spd_inv(Rinv, m->R, NZ);
  if (rc < 0)
    return rc;
  memset(&acc, 0, sizeof acc);
  memset(st, 0, sizeof *st);
  st->n_runs = n_runs;
  st->n_steps = n_steps;
  st->h_min_end_m = INFINITY;
  for (int i = 0; i < n_runs; i++) {
    rc = one_run(&acc, &st->h_min_end_m, m, Qinv, Rinv, n_steps, seed, i);
    if (rc < 0)
      return rc;
  }
  rc = tw_spd_inv(J, m->P0, NX);
  if (rc < 0)
    return rc;
  for (int k = 0; k <= n_steps; k++) {
    if (k > 0) {
      double D11[NN], Fbar[NN], HRH[NN];
      for (int i = 0; i < NN; i++) {
        D11[i] = acc.FQF[k][i] / n_runs;
        Fbar[i] = acc.F[k][i] / n_runs;
        HRH[i] = acc.HRH[k][i] / n_runs;
      }
      rc = tw__farina_pcrlb_step(J, D11, Fbar, Qinv, HRH, NX);
      if (rc < 0)
        return rc;
    }
    rc = tw_spd_inv(Jinv, J, NX);
    if (rc < 0)
      return rc;
    st->t_s[k] = k * m->T_s;
    st->rmse_pos_m[k] = sqrt(acc.e2_pos[k] / n_runs);
    st->crlb_pos_m[k] = sqrt(Jinv[TW__FARINA_X * NX + TW__FARINA_X] +
                             Jinv[TW__FARINA_H * NX + TW__FARINA_H]);
    st->nees[k] = acc.nees[k] / n_runs;
    st->h_true_m[k] = acc.h[k] / n_runs;
  }
  return 0;
}

void tw__farina_summarize(tw__farina_summary *sum, const tw__farina_stats *st)
{
  int n = 0;
  memset(sum, 0, sizeof *sum);
  sum->ratio_min = INFINITY;
  sum->ratio_max = -INFINITY;
  /* the mean of N runs of a 4-dof NEES is chi-square with 4N dof, divided by N */
  double dof = (double)TW__FARINA_NX * st->n_runs;
  sum->nees_lo = tw_chi2_quantile(0.025, dof) / st->n_runs;
  sum->nees_hi = tw_chi2_quantile(0.975, dof) / st->n_runs;
  for (int k = 0; k <= st->n_steps; k++) {
    sum->nees_mean += st->nees[k] / (st->n_steps + 1);
    if (st->nees[k] >= sum->nees_lo && st->nees[k] <= sum->nees_hi)
      sum->n_nees_inside++;
    if (2 * k <= st->n_steps)
      continue;
    double r = st->rmse_pos_m[k] / st->crlb_pos_m[k];
    sum->ratio_mean += r;
    sum->ratio_min = fmin(sum->ratio_min, r);
    sum->ratio_max = fmax(sum->ratio_max, r);
    n++;
  }
  sum->ratio_mean /= n;
}
