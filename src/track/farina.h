/* farina.h - the Farina-Ristic-Benvenuti re-entry benchmark (IEEE T-AES 38(3), 2002): model,
 * truth generator, EKF and posterior Cramer-Rao lower bound, private to the library (tests and
 * bench/bench_farina.c use it).
 *
 * The scenario. A body re-enters in a vertical plane; a radar at the origin measures range and
 * elevation every T = 2 s. State s = [x, xdot, h, hdot] (m, m/s; x horizontal, h altitude, flat
 * Earth, constant g). The continuous dynamics, with V = |(xdot, hdot)|, are
 *
 *   xddot = -(g rho(h) V / (2 beta)) xdot
 *   hddot = -(g rho(h) V / (2 beta)) hdot - g
 *
 * Where the drag term comes from: drag force D = rho V^2 Cd A / 2 against the velocity, so the
 * deceleration is D / m = rho V^2 (Cd A / m) / 2. The paper's ballistic coefficient is
 * weight-based, beta = m g / (Cd A), in N/m^2 = kg m^-1 s^-2 (a mass-based one, m / (Cd A) in
 * kg/m^2, would be beta / g = 4,077 kg/m^2 here), so Cd A / m = g / beta and the acceleration
 * vector is -(g rho V / (2 beta)) v: the paper's -g rho(h) V xdot / (2 beta). Units check:
 * (m s^-2)(kg m^-3)(m s^-1) / (kg m^-1 s^-2) = s^-1, times a velocity = an acceleration.
 *
 * Density rho(h) = 1.227 exp(-1.093e-4 h) below 9,144 m, 1.754 exp(-1.49e-4 h) above (kg/m^3);
 * the two pieces differ by 0.7% at the seam.
 *
 * Discrete model. s_{k+1} = phi(s_k) + w_k, w_k ~ N(0, Q), Q = q blockdiag(Theta, Theta),
 * Theta = [[T^3/3, T^2/2], [T^2/2, T]], where phi is the deterministic flow over T, computed by
 * classical RK4 with `substeps` equal steps. The truth and the filter use the same phi, so the
 * filter's model is exact up to linearisation: what the benchmark measures is the EKF's
 * linearisation loss against the bound. The Jacobian F = d phi / d s is the exact derivative of
 * that RK4 map, propagated through the RK4 stages alongside the state (tangent-linear RK4:
 * dk_i = A(stage point) (dY + c dk_{i-1})), rather than by finite differences (step-size
 * trouble, 4 extra integrations) or by integrating the variational equation separately (the
 * Jacobian of a slightly different map). It ignores the density seam at 9,144 m, where phi is
 * not differentiable.
 *
 * Measurements z = [r, eps] + v, r = sqrt(x^2 + h^2), eps = atan2(h, x), v ~ N(0, R),
 * R = diag(sigma_r^2, sigma_eps^2).
 *
 * Monte Carlo. Every run starts the truth at the nominal state (x0 = 232 km, h0 = 88 km,
 * 2,290 m/s at 190 deg from +x, i.e. toward the radar and descending) and the filter, as the
 * paper does, at a draw from N(truth, P0), P0 = diag(1000^2, 20^2, 1000^2, 20^2), covariance P0.
 * The filter's first measurement is at t = T. The bound starts from J_0 = P0^-1 (the estimation
 * error at t = 0 is N(0, P0) either way) and follows Tichavsky's recursion for additive Gaussian
 * process noise,
 *
 *   J_{k+1} = D22 - D21 (J_k + D11)^-1 D12,
 *   D11 = E[F^T Q^-1 F], D12 = D21^T = -E[F]^T Q^-1, D22 = Q^-1 + E[H^T R^-1 H],
 *
 * F at the true s_k, H at the true s_{k+1}, the expectations being averages over the same Monte
 * Carlo truths the filter is scored on. */
#ifndef TW_TRACK_FARINA_H
#define TW_TRACK_FARINA_H

#include <stdint.h>

#include "triwatch/rng.h"

#define TW__FARINA_NX 4
#define TW__FARINA_NZ 2
/* Longest track a Monte Carlo run accumulates statistics for (steps after t = 0). */
#define TW__FARINA_MAX_STEPS 64
/* The benchmark's track: t = 0..114 s. The nominal truth lands at 119 s; at 114 s it is 1.4 km
 * up and the lowest of 5,000 noisy truths is still 780 m up, so every run has the same length. */
#define TW__FARINA_STEPS 57

/* Indices into the state. */
enum { TW__FARINA_X = 0, TW__FARINA_XDOT = 1, TW__FARINA_H = 2, TW__FARINA_HDOT = 3 };

typedef struct tw__farina_model {
  double T_s;                               /* sampling interval */
  double beta_pa;                           /* ballistic coefficient m g / (Cd A), kg m^-1 s^-2 */
  double g_mps2;                            /* gravity, constant, along -h */
  double q_m2ps3;                           /* process noise intensity q */
  double sigma_r_m;                         /* range noise, 1 sigma */
  double sigma_el_rad;                      /* elevation noise, 1 sigma */
  int substeps;                             /* RK4 steps per T */
  double x0[TW__FARINA_NX];                 /* nominal initial truth, m and m/s */
  double P0[TW__FARINA_NX * TW__FARINA_NX]; /* initial filter covariance */
  double Q[TW__FARINA_NX * TW__FARINA_NX];  /* process noise covariance over T */
  double R[TW__FARINA_NZ * TW__FARINA_NZ];  /* measurement noise covariance (m, rad) */
} tw__farina_model;

/* The paper's parameters (above) with `substeps` = 20 (0.1 s RK4 steps). */
void tw__farina_model_default(tw__farina_model *m);
/* Recompute Q and R from T_s, q_m2ps3, sigma_r_m and sigma_el_rad after changing any of them. */
void tw__farina_model_update(tw__farina_model *m);

/* Air density (kg/m^3) at altitude h_m. */
double tw__farina_density(double h_m);
/* Continuous dynamics: ds = f(s); A (may be NULL) receives df/ds, 4 x 4 row-major. */
void tw__farina_deriv(double ds[TW__FARINA_NX], double *A, const double s[TW__FARINA_NX],
                      const tw__farina_model *m);
/* Discrete map: sn = phi(s) over T_s; F (may be NULL) receives d phi / d s (4 x 4). sn may alias
 * s. */
void tw__farina_propagate(double sn[TW__FARINA_NX], double *F, const double s[TW__FARINA_NX],
                          const tw__farina_model *m);
/* Measurement z = [r (m), eps (rad)] of s; H (may be NULL) receives dz/ds (2 x 4). At the radar
 * itself (r = 0) H is zero. */
void tw__farina_measure(double z[TW__FARINA_NZ], double *H, const double s[TW__FARINA_NX]);

/* One truth run: s[k] for k = 0..n_steps (n_steps + 1 rows of 4, caller-owned) and the noisy
 * measurements z[k] for k = 1..n_steps (z[0] is left untouched), drawn from rng. Returns 0, or
 * TW_ERANGE if the truth reaches the ground (h <= 0) by step n_steps (s and z are then partly
 * written), TW_EINVAL if n_steps < 1. */
int tw__farina_truth(double (*s)[TW__FARINA_NX], double (*z)[TW__FARINA_NZ], int n_steps,
                     const tw__farina_model *m, tw_rng *rng);

/* EKF cycle: predict x, P (4, 4 x 4) over T_s and update with measurement z. *nis (may be NULL)
 * receives the normalised innovation squared. Returns 0, or TW_ENOTPD if the innovation
 * covariance is not positive definite (x and P are then unchanged). */
int tw__farina_ekf_step(double x[TW__FARINA_NX], double *P, const double z[TW__FARINA_NZ],
                        const tw__farina_model *m, double *nis);

/* One step of Tichavsky's recursion in the additive-Gaussian form above: J (n x n, n <= 9) is
 * replaced by J_{k+1} given D11 = E[F^T Q^-1 F], Fbar = E[F], Qinv = Q^-1 and HRH =
 * E[H^T R^-1 H]. Returns 0, TW_EINVAL if n is out of range, or TW_ENOTPD if J + D11 or the
 * result is not positive definite; J is unchanged on error. */
int tw__farina_pcrlb_step(double *J, const double *D11, const double *Fbar, const double *Qinv,
                          const double *HRH, int n);

/* Per-step results of a Monte Carlo experiment; entry k is at t = k T_s, k = 0..n_steps. */
typedef struct tw__farina_stats {
  int n_runs;
  int n_steps;
  double t_s[TW__FARINA_MAX_STEPS + 1];
  double rmse_pos_m[TW__FARINA_MAX_STEPS + 1]; /* sqrt(mean((x - xhat)^2 + (h - hhat)^2)) */
  double crlb_pos_m[TW__FARINA_MAX_STEPS + 1]; /* sqrt([J^-1]_xx + [J^-1]_hh) */
  double nees[TW__FARINA_MAX_STEPS + 1];       /* mean over runs of e^T P^-1 e, 4 dof */
  double h_true_m[TW__FARINA_MAX_STEPS + 1];   /* mean true altitude */
  double h_min_end_m; /* lowest true altitude at the last step over all runs */
} tw__farina_stats;

/* n_runs Monte Carlo runs of n_steps steps: truth, EKF and the bound. Run i draws from its own
 * stream, tw_rng_seed_named(seed, "farina-run-<i>"), so a run does not depend on how many others
 * there are (the first 200 runs of 1,000 are the 200 runs of the same seed). Returns 0,
 * TW_EINVAL (n_runs < 1, n_steps outside 1..TW__FARINA_MAX_STEPS), TW_ERANGE (a truth reached
 * the ground: lower n_steps), TW_ENOTPD (a filter or bound covariance lost positive
 * definiteness); st is then unspecified. */
int tw__farina_monte_carlo(tw__farina_stats *st, const tw__farina_model *m, int n_runs,
                           int n_steps, uint64_t seed);

/* The benchmark's verdict on a Monte Carlo experiment. "Last half" is the steps k > n_steps / 2. */
typedef struct tw__farina_summary {
  double ratio_mean, ratio_min, ratio_max; /* RMSE / PCRLB (position) over the last half */
  double nees_mean;          /* mean NEES averaged over every step, k = 0..n_steps */
  double nees_lo, nees_hi;   /* 95% interval of a one-step mean NEES over n_runs runs */
  int n_nees_inside;         /* steps whose mean NEES is inside it (of n_steps + 1) */
} tw__farina_summary;

/* Fill sum from st. */
void tw__farina_summarize(tw__farina_summary *sum, const tw__farina_stats *st);

#endif
