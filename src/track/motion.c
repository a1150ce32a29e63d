/* motion.c - the trackers' motion models: ECEF dynamics with gravity (J2), Earth rotation,
 * thrust and drag; RK4 mean propagation and linearised covariance propagation. See motion.h for
 * the state layout. */
#include <math.h>
#include <string.h>

#include "track/motion.h"
#include "triwatch/atmosphere.h"
#include "triwatch/dynamics.h"
#include "triwatch/geo.h"
#include "triwatch/gravity.h"
#include "triwatch/linalg.h"

#define TAU_DECAY_S 0.5 /* how fast the ballistic models forget thrust */
#define MAX_STEP_S 1.0

/* Unit vector normal to v in the vertical plane (toward local up), from geocentric up. */
static void normal_dir(double n[3], const double r[3], const double v[3])
{
  double rn = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
  double vn = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
  double u[3] = {r[0] / rn, r[1] / rn, r[2] / rn};
  if (vn < 1e-3) {
    memcpy(n, u, sizeof u);
    return;
  }
  double vh[3] = {v[0] / vn, v[1] / vn, v[2] / vn};
  double d = u[0] * vh[0] + u[1] * vh[1] + u[2] * vh[2];
  double w[3] = {u[0] - d * vh[0], u[1] - d * vh[1], u[2] - d * vh[2]};
  double wn = sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
  if (wn < 1e-9) { /* flying straight up or down: any horizontal normal; take one */
    double e[3] = {-u[1], u[0], 0.0};
    double en = sqrt(e[0] * e[0] + e[1] * e[1]);
    if (en < 1e-9) {
      e[0] = 1.0;
      en = 1.0;
    }
    n[0] = e[0] / en;
    n[1] = e[1] / en;
    n[2] = 0.0;
    return;
  }
  n[0] = w[0] / wn;
  n[1] = w[1] / wn;
  n[2] = w[2] / wn;
}

static int has_drag(enum tw_motion_model m) { return m != TW_MODEL_BOOST; }

static void deriv(double dx[TW_MX], const double x[TW_MX], enum tw_motion_model m)
{
  static const tw_dynamics grav = {TW_FRAME_ECEF, TW_GRAVITY_J2, 0.0};
  const double *r = x, *v = x + 3;
  double a[3], n[3];
  tw_dynamics_accel(a, &grav, r, v);
  double vn = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
  normal_dir(n, r, v);
  for (int i = 0; i < 3; i++) {
    dx[i] = v[i];
    dx[3 + i] = a[i] + (vn > 1e-3 ? x[6] * v[i] / vn : 0.0) + x[7] * n[i];
  }
  if (has_drag(m) && x[8] > 0.0) {
    double rho = tw_atmos_density(tw_height_fast(r));
    for (int i = 0; i < 3; i++)
      dx[3 + i] -= 0.5 * rho * vn * v[i] * x[8];
  }
  dx[6] = dx[7] = dx[8] = 0.0; /* constant within a step; the decay is applied exactly */
}

static void rk4(double x[TW_MX], enum tw_motion_model m, double h)
{
  double k1[TW_MX], k2[TW_MX], k3[TW_MX], k4[TW_MX], t[TW_MX];
  deriv(k1, x, m);
  for (int i = 0; i < TW_MX; i++)
    t[i] = x[i] + 0.5 * h * k1[i];
  deriv(k2, t, m);
  for (int i = 0; i < TW_MX; i++)
    t[i] = x[i] + 0.5 * h * k2[i];
  deriv(k3, t, m);
  for (int i = 0; i < TW_MX; i++)
    t[i] = x[i] + h * k3[i];
  deriv(k4, t, m);
  for (int i = 0; i < TW_MX; i++)
    x[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
}

/* Jacobian A = df/dx at x (9 x 9). Gravity gradient of the point mass (J2's is far below the
 * noise); drag's dependence on height through rho; the thrust and drag directions. */
static void jacobian(double A[TW_MX2], const double x[TW_MX], enum tw_motion_model m)
{
  const double w = TW_WGS84_OMEGA, mu = TW_WGS84_GM;
  const double *r = x, *v = x + 3;
  memset(A, 0, sizeof(double) * TW_MX2);
  for (int i = 0; i < 3; i++)
    A[i * TW_MX + 3 + i] = 1.0;
  double r2 = r[0] * r[0] + r[1] * r[1] + r[2] * r[2], rn = sqrt(r2);
  double k = mu / (r2 * rn);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      A[(3 + i) * TW_MX + j] = k * (3.0 * r[i] * r[j] / r2 - (i == j ? 1.0 : 0.0));
  A[3 * TW_MX + 0] += w * w; /* centrifugal */
  A[4 * TW_MX + 1] += w * w;
  A[3 * TW_MX + 4] += 2.0 * w; /* Coriolis: -2 w x v */
  A[4 * TW_MX + 3] -= 2.0 * w;

  double vn = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
  if (vn > 1e-3) {
    double vh[3] = {v[0] / vn, v[1] / vn, v[2] / vn}, n[3];
    normal_dir(n, r, v);
    /* d n / d v: n = w / |w|, w = u - (u . vh) vh, d vh / d v = (I - vh vh^T) / |v| */
    double u[3] = {r[0] / rn, r[1] / rn, r[2] / rn}, dvh[9], dw[9], dn[9];
    double uv = u[0] * vh[0] + u[1] * vh[1] + u[2] * vh[2];
    double w_[3] = {u[0] - uv * vh[0], u[1] - uv * vh[1], u[2] - uv * vh[2]};
    double wn = sqrt(w_[0] * w_[0] + w_[1] * w_[1] + w_[2] * w_[2]);
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++)
        dvh[i * 3 + j] = ((i == j ? 1.0 : 0.0) - vh[i] * vh[j]) / vn;
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) {
        double udv = u[0] * dvh[j] + u[1] * dvh[3 + j] + u[2] * dvh[6 + j]; /* (u^T dvh)_j */
        dw[i * 3 + j] = -(uv * dvh[i * 3 + j] + vh[i] * udv);
      }
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) {
        double acc = 0.0;
        for (int q = 0; q < 3; q++)
          acc += ((i == q ? 1.0 : 0.0) - n[i] * n[q]) * dw[q * 3 + j];
        dn[i * 3 + j] = wn > 1e-9 ? acc / wn : 0.0;
      }
    for (int i = 0; i < 3; i++) {
      A[(3 + i) * TW_MX + 6] = vh[i];
      A[(3 + i) * TW_MX + 7] = n[i];
      for (int j = 0; j < 3; j++) /* a_t d vh / dv + a_n d n / dv */
        A[(3 + i) * TW_MX + 3 + j] += x[6] * dvh[i * 3 + j] + x[7] * dn[i * 3 + j];
    }
  }
  if (has_drag(m) && x[8] > 0.0) {
    double h = tw_height_fast(r);
    double rho = tw_atmos_density(h);
    double drho = (tw_atmos_density(h + 50.0) - tw_atmos_density(h - 50.0)) / 100.0;
    double c = 0.5 * x[8];
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) {
        /* d(-c rho |v| v_i)/dv_j = -c rho (|v| delta_ij + v_i v_j / |v|) */
        A[(3 + i) * TW_MX + 3 + j] -=
          c * rho * (vn * (i == j ? 1.0 : 0.0) + (vn > 0 ? v[i] * v[j] / vn : 0.0));
        /* through rho(h), dh/dr ~ r / |r| */
        A[(3 + i) * TW_MX + j] -= c * drho * vn * v[i] * r[j] / rn;
      }
      A[(3 + i) * TW_MX + 8] = -0.5 * rho * vn * v[i];
    }
  }
  (void)m;
}

/* One step of h. In the ballistic models the thrust terms decay as exp(-t / tau): the step uses
 * their mean over the step, a tau (1 - e) / h with e = exp(-h / tau), which gives the exact
 * velocity change, then sets them to a e. F (if given) is corrected to match. */
static void step(double x[TW_MX], double *F, enum tw_motion_model m, double h)
{
  if (m == TW_MODEL_BOOST) {
    rk4(x, m, h);
    return;
  }
  double e = exp(-fabs(h) / TAU_DECAY_S), g = TAU_DECAY_S * (1.0 - e) / fabs(h);
  double a0[2] = {x[6], x[7]};
  x[6] *= g;
  x[7] *= g;
  if (F) /* the columns of a_t, a_n were computed for the averaged values: scale to a0 */
    for (int i = 0; i < 6; i++) {
      F[i * TW_MX + 6] *= g;
      F[i * TW_MX + 7] *= g;
    }
  rk4(x, m, h);
  x[6] = a0[0] * e;
  x[7] = a0[1] * e;
  if (F) {
    F[6 * TW_MX + 6] = e;
    F[7 * TW_MX + 7] = e;
  }
}

void tw__motion_process_noise(double Q[TW_MX2], const tw_motion_noise *q, double dt_s)
{
  double ah = fabs(dt_s);
  memset(Q, 0, sizeof(double) * TW_MX2);
  for (int i = 0; i < 3; i++) {
    Q[i * TW_MX + i] = q->q_v * ah * ah * ah / 3.0;
    Q[i * TW_MX + 3 + i] = Q[(3 + i) * TW_MX + i] = q->q_v * ah * ah / 2.0;
    Q[(3 + i) * TW_MX + 3 + i] = q->q_v * ah;
  }
  Q[6 * TW_MX + 6] = Q[7 * TW_MX + 7] = q->q_a * ah;
  Q[8 * TW_MX + 8] = q->q_kappa * ah;
}

/* Steps: at most 1 s, and 0.2 s where drag changes fast (a descent through dense air). */
static int n_steps(const double x[TW_MX], enum tw_motion_model m, double dt_s)
{
  double max = MAX_STEP_S;
  if (m != TW_MODEL_BOOST && tw_height_fast(x) < 100e3)
    max = 0.2;
  return (int)ceil(fabs(dt_s) / max);
}

void tw__motion_predict_mean(double x[TW_MX], enum tw_motion_model m, double dt_s)
{
  int n = n_steps(x, m, dt_s);
  if (n < 1)
    return;
  double h = dt_s / n;
  for (int s = 0; s < n; s++)
    step(x, NULL, m, h);
}

void tw__motion_predict(double x[TW_MX], double P[TW_MX2], enum tw_motion_model m,
                        const tw_motion_noise *q, double dt_s)
{
  int n = n_steps(x, m, dt_s);
  if (n < 1)
    return;
  double h = dt_s / n, ah = fabs(h);
  for (int s = 0; s < n; s++) {
    double A[TW_MX2], F[TW_MX2], A2[TW_MX2], Q[TW_MX2], xa[TW_MX];
    memcpy(xa, x, sizeof xa);
    if (m != TW_MODEL_BOOST) { /* linearise where the step's averaged thrust terms are */
      double g = TAU_DECAY_S * (1.0 - exp(-ah / TAU_DECAY_S)) / ah;
      xa[6] *= g;
      xa[7] *= g;
    }
    jacobian(A, xa, m);
    /* F = I + A h + A^2 h^2 / 2 */
    tw_mat_mul(A2, A, A, TW_MX, TW_MX, TW_MX);
    for (int i = 0; i < TW_MX2; i++)
      F[i] = A[i] * h + 0.5 * A2[i] * h * h;
    for (int i = 0; i < TW_MX; i++)
      F[i * TW_MX + i] += 1.0;
    step(x, F, m, h);
    /* process noise: white acceleration into (r, v) per axis, white jerk into a, random walk
     * of kappa; the jerk's effect on v and r through the thrust direction is left to the
     * transition of the next step. */
    tw__motion_process_noise(Q, q, ah);
    double fp[TW_MX2];
    tw_mat_sandwich(fp, F, P, TW_MX, TW_MX);
    for (int i = 0; i < TW_MX2; i++)
      P[i] = fp[i] + Q[i];
  }
}
