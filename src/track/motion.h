/* motion.h - motion models of the trackers (private).
 *
 * State, 9 values, ECEF, shared by every model of the IMM so that mixing is plain averaging:
 *
 *   index  0..2  r      position, m
 *          3..5  v      velocity, m/s
 *          6     a_t    thrust acceleration along the velocity, m/s^2
 *          7     a_n    acceleration normal to the velocity in the vertical plane (up-ish), m/s^2
 *          8     kappa  inverse ballistic coefficient 1/beta, m^2/kg (drag = -rho |v| v kappa / 2)
 *
 * A gravity turn thrusts along the velocity (a_n = 0); attitude-held depressed flights need a_n.
 * Models:
 *   BOOST      a_t, a_n random walks; no drag term (the stack's drag is inside a_t); kappa frozen
 *   BALLISTIC  a_t, a_n decay to 0 in TAU_DECAY_S; drag with kappa, kappa a slow random walk
 *   REENTRY    as BALLISTIC with larger noise on velocity and kappa (dense air, uncertain drag)
 * Gravity in the model is point mass + J2 (the truth has J2-J4: the difference is process noise).
 */
#ifndef TW_TRACK_MOTION_H
#define TW_TRACK_MOTION_H

#define TW_MX 9
#define TW_MX2 (TW_MX * TW_MX)

enum tw_motion_model { TW_MODEL_BOOST = 0, TW_MODEL_BALLISTIC = 1, TW_MODEL_REENTRY = 2 };
#define TW_N_MODELS 3

#define TW_KAPPA_PRIOR (1.0 / 8000.0) /* m^2/kg: a typical re-entry vehicle, beta 8,000 kg/m^2 */

typedef struct tw_motion_noise {
  double q_v;     /* white acceleration on v, m^2/s^3 */
  double q_a;     /* white jerk on a_t and a_n, m^2/s^5 */
  double q_kappa; /* random walk of kappa, (m^2/kg)^2 / s */
} tw_motion_noise;

/* Predict (x, P) of model m over dt_s (either sign; 0 leaves both unchanged). The mean is
 * integrated by RK4 in steps of at most 1 s (0.2 s in
 * the drag models below 100 km); the covariance by the linearised transition of each
 * step and the model's process noise. */
void tw__motion_predict(double x[TW_MX], double P[TW_MX2], enum tw_motion_model m,
                        const tw_motion_noise *q, double dt_s);

/* Process noise of model noise q over dt_s: white acceleration into (r, v) per axis, white jerk
 * into a_t and a_n, random walk of kappa. */
void tw__motion_process_noise(double Q[TW_MX2], const tw_motion_noise *q, double dt_s);

/* Mean only (for predictions without covariance). */
void tw__motion_predict_mean(double x[TW_MX], enum tw_motion_model m, double dt_s);

#endif
