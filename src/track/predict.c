/* predict.c - impact and launch point prediction by cubature sigma points; contract in
 * triwatch/predict.h.
 *
 * Why cubature and not the scaled unscented transform. The scaled UT puts 2n + 1 points at
 * x +- alpha sqrt(n + kappa) L_i with centre weights W0m = 1 - n / (alpha^2 (n + kappa)) and
 * W0c = W0m + 1 - alpha^2 + beta. With the usual kappa = 0 and alpha = 1e-3..1e-1 that is
 * W0m = -1e6..-99: the points sit so close to the mean that the mapping to the ground is
 * linearised again (the UT's reason to exist is lost), and the mean and covariance are small
 * differences of huge weighted sums. Where the mapping bends (a sigma point grazing the
 * atmosphere, a long lofted flight, an uncertain ballistic coefficient) the weighted sum with a
 * negative weight can come out indefinite: a ground "ellipse" with an imaginary axis.
 * alpha = 1, kappa = 0 gives W0 = 0 and all other weights 1/(2n): the third-degree
 * spherical-radial cubature rule (Arasaratnam & Haykin 2009), of the same order as the UT (the
 * mean exact for polynomials up to degree 3), with equal positive weights, so the ground
 * covariance is a sum of outer products and positive semi-definite by construction - no
 * fallback needed - and one trajectory fewer to fly (the centre point has weight 0). Its price:
 * the points sit at sqrt(n) sigma (2.6 sigma for n = 7, 3 for n = 9), further out than the UT's,
 * so a state whose 2.6-sigma neighbour is in orbit is reported as not coming down (TW_EUNREACH)
 * rather than silently averaged. For a warning system that is the honest answer: the covariance
 * reaches states that do not impact. The points are made by tw_ukf_sigma_points(alpha 1, beta 0,
 * kappa 0), which is this rule. */
#include <math.h>
#include <string.h>

#include "triwatch/dynamics.h"
#include "triwatch/error.h"
#include "triwatch/geo.h"
#include "triwatch/kalman.h"
#include "triwatch/ode.h"
#include "triwatch/predict.h"

#define NX_MAX 9                /* launch: [r, v, a] */
#define NPTS_MAX (2 * NX_MAX)

/* Integration settings. Tolerances: 1e-8 relative on ECEF positions (~6.4e6 m) is a few cm per
 * step, far below any track's uncertainty, and flies the 935 s from an IRBM's mid-course to the
 * ground in about 40 steps (0.1 m from the trajectory solver's 1e-10 flight). Events are located
 * to 1 us (7 mm at re-entry speed). The step budget (about 50 ms of work) only stops a
 * pathological sigma point; max_time_s is what bounds the flight. */
#define RTOL 1e-8
#define ATOL 1e-3
#define EVENT_TOL_S 1e-6
#define MAX_STEPS 100000L

/* Height above the ellipsoid along the geocentric radius (triwatch/dynamics.h): its zero set is
 * the ellipsoid itself, so the event lands exactly on height 0, without the geodetic iteration. */
static double ev_height(double t, const double *y, void *ctx)
{
  (void)t;
  (void)ctx;
  return tw_height_fast(y);
}

/* Climb rate: the velocity along the normal of the ellipsoid through the point scaled from
 * WGS-84 (x / a^2, y / a^2, z / b^2), which is the geodetic up on the ground and within
 * 5.3e-6 rad of it per 10 km of height: no geodetic iteration in the event function. */
static double ev_climb(double t, const double *y, void *ctx)
{
  (void)t;
  (void)ctx;
  const double ia2 = 1.0 / (TW_WGS84_A * TW_WGS84_A), ib2 = 1.0 / (TW_WGS84_B * TW_WGS84_B);
  double n[3] = {y[0] * ia2, y[1] * ia2, y[2] * ib2};
  double nn = tw_v3_norm(n);
  return (n[0] * y[3] + n[1] * y[4] + n[2] * y[5]) / nn;
}

/* Speed above 20 m/s: a rocket this slow left its pad a second or so earlier, a few metres
 * below; going further back the thrust direction along the velocity is undefined. */
static double ev_slow(double t, const double *y, void *ctx)
{
  (void)t;
  (void)ctx;
  return tw_v3_norm(y + 3) - 20.0;
}

/* Backward boost model: ECEF J2-J4 gravity, Coriolis and centrifugal terms, no drag (the
 * tracker's a already holds whatever non-gravitational acceleration it saw), plus a. */
typedef struct boost_model {
  tw_dynamics grav;
  double a[3];     /* constant thrust (turn == 0) */
  int turn;        /* 1: thrust a_t along the velocity and a_n normal to it (gravity turn) */
  double at, an;   /* thrust now, along and normal to the velocity, m/s^2 */
  double k_s;      /* exhaust speed / thrust now: time to burn the whole mass at this rate */
} boost_model;

static int boost_rhs(double t, const double *y, double *dydt, void *ctx)
{
  const boost_model *m = ctx;
  dydt[0] = y[3];
  dydt[1] = y[4];
  dydt[2] = y[5];
  tw_dynamics_accel(dydt + 3, &m->grav, y, y + 3);
  if (!m->turn) {
    dydt[3] += m->a[0];
    dydt[4] += m->a[1];
    dydt[5] += m->a[2];
    return 0;
  }
  /* rocket equation at constant mass flow: a(t) = v_e / (t_b - t), so going back by -t the
   * thrust acceleration is a_now k / (k - t), t <= 0 */
  double scale = m->k_s / (m->k_s - t);
  double rn = tw_v3_norm(y), vn = tw_v3_norm(y + 3), u[3] = {y[0] / rn, y[1] / rn, y[2] / rn};
  if (vn < 1.0) { /* at rest on the pad: thrust straight up */
    double a = scale * hypot(m->at, m->an);
    for (int i = 0; i < 3; i++)
      dydt[3 + i] += a * u[i];
    return 0;
  }
  double vh[3] = {y[3] / vn, y[4] / vn, y[5] / vn}, d = tw_v3_dot(u, vh), w[3];
  for (int i = 0; i < 3; i++)
    w[i] = u[i] - d * vh[i];
  double wn = tw_v3_norm(w);
  for (int i = 0; i < 3; i++)
    dydt[3 + i] += scale * (m->at * vh[i] + (wn > 1e-9 ? m->an * w[i] / wn : 0.0));
  return 0;
}

/* Fly y (6: r, v) from time 0 in time direction dir (+1 or -1) for at most span_s until its
 * height falls through 0 along the integration. A state at or below the ground already met it:
 * it is traced the other way in time to where its height came up through 0 along that
 * integration. On success y[0..2] holds the ground point and *dt_s its time offset. Returns 0,
 * TW_EUNREACH, or the integrator's error. */
static int to_ground(tw_ode_fn f, void *ctx, double y[6], double dir, double span_s, double *dt_s)
{
  const tw_ode_opts opts = {RTOL, ATOL, 0.0, 0.0, EVENT_TOL_S, MAX_STEPS};
  tw_ode_event ev = {ev_height, NULL, NULL, -1, 1};
  double h0 = tw_height_fast(y);
  if (h0 == 0.0) {
    *dt_s = 0.0;
    return 0;
  }
  if (h0 < 0.0) {
    ev.direction = 1;
    dir = -dir;
  }
  tw_ode_result res;
  int rc = tw_ode_integrate(f, ctx, 6, 0.0, y, dir * span_s, &opts, &ev, 1, NULL, NULL, &res);
  if (rc < 0)
    return rc;
  if (res.event != 0)
    return TW_EUNREACH;
  *dt_s = res.t;
  return 0;
}

/* The first time the backward flight went down through height 0 (the fallback launch point). */
typedef struct ground_mark {
  int hit;
  double t_s, r[3];
} ground_mark;

static void on_ground(int index, double t, const double *y, void *ctx)
{
  (void)index;
  ground_mark *g = ctx;
  if (!g->hit) {
    g->hit = 1;
    g->t_s = t;
    memcpy(g->r, y, sizeof g->r);
  }
}

/* Fly a boost state y (6) under m backward from time 0 for at most span_s to its launch: the
 * point where its climb rate falls through 0 (the rocket stood still, up to the model), put on
 * the ground beneath. Why not where the height falls through 0: a rocket leaves the pad at rest,
 * so near the launch its backward path is tangent to the ground, h ~ (t - t_launch)^2; a state
 * error that lowers that path by dh moves the crossing by sqrt(2 dh / a) - 100 m of height is
 * 3.6 s at 15 m/s^2 of net climb acceleration - a square-root map no sigma-point (or linear)
 * method can carry: the crossing time comes out skewed, several seconds late on average. The
 * rest point moves smoothly (t = t0 - climb rate / acceleration) and is the same point for an
 * exact model. Only when the flight does not stop descending within span_s (net acceleration
 * not upward: a thrust hypothesis below gravity) is the first crossing of height 0 taken. On
 * success y[0..2] holds the ground point and *dt_s its time offset (<= 0). Returns 0,
 * TW_EUNREACH, or the integrator's error. */
static int back_to_launch(boost_model *m, double y[6], double span_s, double *dt_s)
{
  const tw_ode_opts opts = {RTOL, ATOL, 0.0, 0.0, EVENT_TOL_S, MAX_STEPS};
  ground_mark mark = {0, 0.0, {0, 0, 0}};
  tw_ode_event ev[3] = {
    {ev_climb, NULL, NULL, -1, 1},
    {ev_height, on_ground, &mark, -1, 0},
    {ev_slow, NULL, NULL, -1, 1}, /* gravity turn: at walking pace the rocket is on its pad */
  };
  tw_ode_result res;
  int rc = tw_ode_integrate(boost_rhs, m, 6, 0.0, y, -span_s, &opts, ev, m->turn ? 3 : 2, NULL,
                            NULL, &res);
  if (rc < 0)
    return rc;
  if (res.event == 0 || res.event == 2) {
    tw_geodetic g;
    tw_ecef_to_geo(&g, y);
    g.h_m = 0.0;
    tw_geo_to_ecef(y, &g);
    *dt_s = res.t;
    return 0;
  }
  if (!mark.hit)
    return TW_EUNREACH;
  memcpy(y, mark.r, sizeof mark.r);
  *dt_s = mark.t_s;
  return 0;
}

/* Ground points r_g (n of them, ECEF) and their time offsets dt_s, equally weighted, to the
 * ellipse: mean in ECEF put on the ellipsoid, spread in the east/north plane there. */
static void summarize(tw_ground_ellipse *out, double t_s, const double (*r_g)[3],
                      const double *dt_s, int n)
{
  double m[3] = {0, 0, 0}, mt = 0.0, w = 1.0 / n;
  for (int i = 0; i < n; i++) {
    for (int k = 0; k < 3; k++)
      m[k] += w * r_g[i][k];
    mt += w * dt_s[i];
  }
  tw_geodetic c;
  tw_ecef_to_geo(&c, m);
  c.h_m = 0.0;

  /* The ENU coordinates of the points are an affine map of their ECEF ones, so their mean is
   * that of m: (0, 0, -depth of m under the ellipsoid). Centred anyway, against rounding. */
  double en[NPTS_MAX][2], me = 0.0, mn = 0.0;
  for (int i = 0; i < n; i++) {
    double enu[3];
    tw_ecef_to_enu(enu, r_g[i], &c);
    en[i][0] = enu[0];
    en[i][1] = enu[1];
    me += w * enu[0];
    mn += w * enu[1];
  }
  double cee = 0.0, cen = 0.0, cnn = 0.0, vt = 0.0;
  for (int i = 0; i < n; i++) {
    double de = en[i][0] - me, dn = en[i][1] - mn, dt = dt_s[i] - mt;
    cee += w * de * de;
    cen += w * de * dn;
    cnn += w * dn * dn;
    vt += w * dt * dt;
  }

  /* Eigenvalues of [[cee, cen], [cen, cnn]]; the major axis makes the angle
   * phi = atan2(2 cen, cee - cnn) / 2 with east, counter-clockwise: azimuth pi/2 - phi. */
  double half_tr = 0.5 * (cee + cnn), d = hypot(0.5 * (cee - cnn), cen);
  double l1 = half_tr + d, l2 = fmax(half_tr - d, 0.0);
  double az = 0.5 * TW_PI - 0.5 * atan2(2.0 * cen, cee - cnn);
  if (az >= TW_PI)
    az -= TW_PI;
  if (az < 0.0)
    az += TW_PI;

  out->lat_rad = c.lat_rad;
  out->lon_rad = c.lon_rad;
  out->semi_major_m[0] = TW_ELLIPSE_K50 * sqrt(l1);
  out->semi_major_m[1] = TW_ELLIPSE_K95 * sqrt(l1);
  out->semi_minor_m[0] = TW_ELLIPSE_K50 * sqrt(l2);
  out->semi_minor_m[1] = TW_ELLIPSE_K95 * sqrt(l2);
  out->orientation_rad = az;
  out->cov_en_m2[0] = cee;
  out->cov_en_m2[1] = cen;
  out->cov_en_m2[2] = cen;
  out->cov_en_m2[3] = cnn;
  out->t_s = t_s + mt;
  out->sigma_t_s = sqrt(vt);
  out->n_ground = n;
}

static int all_finite(const double *a, int n)
{
  for (int i = 0; i < n; i++)
    if (!isfinite(a[i]))
      return 0;
  return 1;
}

/* Cubature points of (x, P), n-dim, into X (2n rows): tw_ukf_sigma_points with alpha 1, beta 0,
 * kappa 0 gives the rule with a zero-weight centre row, which is dropped. */
static int cubature_points(double *X, const double *x, const double *P, int n)
{
  double xs[(2 * NX_MAX + 1) * NX_MAX], wm[2 * NX_MAX + 1], wc[2 * NX_MAX + 1];
  int rc = tw_ukf_sigma_points(xs, wm, wc, x, P, n, 1.0, 0.0, 0.0);
  if (rc < 0)
    return rc;
  memcpy(X, xs + n, sizeof(double) * (size_t)(2 * n * n));
  return 0;
}

int tw_predict_impact(tw_ground_ellipse *out, double t_s, const double x[6], const double P[36],
                      double beta_kg_m2, double sigma_log_beta, double max_time_s)
{
  if (!out || !x || !P || !isfinite(t_s) || !all_finite(x, 6) || !all_finite(P, 36) ||
      !(beta_kg_m2 >= 0.0) || !isfinite(beta_kg_m2) || !(sigma_log_beta >= 0.0) ||
      !isfinite(sigma_log_beta) || !(max_time_s > 0.0) || !isfinite(max_time_s) ||
      (beta_kg_m2 == 0.0 && sigma_log_beta > 0.0))
    return TW_EINVAL;

  /* augmented [r, v, ln beta] when beta is uncertain */
  int n = (sigma_log_beta > 0.0) ? 7 : 6;
  double xa[7], pa[49] = {0};
  memcpy(xa, x, sizeof(double) * 6);
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 6; j++)
      pa[i * n + j] = P[i * 6 + j];
  if (n == 7) {
    xa[6] = log(beta_kg_m2);
    pa[48] = sigma_log_beta * sigma_log_beta;
  }
  double X[2 * 7 * 7];
  int rc = cubature_points(X, xa, pa, n);
  if (rc < 0)
    return rc;

  double r_g[NPTS_MAX][3], dt[NPTS_MAX];
  for (int i = 0; i < 2 * n; i++) {
    const double *xi = X + i * n;
    tw_dynamics dyn = {TW_FRAME_ECEF, TW_GRAVITY_J4, (n == 7) ? exp(xi[6]) : beta_kg_m2};
    double y[6];
    memcpy(y, xi, sizeof y);
    if ((rc = to_ground(tw_dynamics_rhs, &dyn, y, 1.0, max_time_s, &dt[i])) < 0)
      return rc;
    memcpy(r_g[i], y, sizeof r_g[i]);
  }
  summarize(out, t_s, (const double(*)[3])r_g, dt, 2 * n);
  return 0;
}

/* Launch point common to both boost models: cubature points of (x, P), each flown back by the
 * model make_model builds for it (0 on success, or a TW_E* code). */
typedef int (*model_fn)(boost_model *m, const double *xi, double exhaust_mps);

static int const_thrust(boost_model *m, const double *xi, double exhaust_mps)
{
  (void)exhaust_mps;
  *m = (boost_model){{TW_FRAME_ECEF, TW_GRAVITY_J4, 0.0}, {xi[6], xi[7], xi[8]}, 0, 0, 0, 0};
  return 0;
}

static int turn_thrust(boost_model *m, const double *xi, double exhaust_mps)
{
  double a = hypot(xi[6], xi[7]);
  if (!(a > 0.5)) /* no thrust to speak of: this hypothesis is not under power */
    return TW_EUNREACH;
  *m = (boost_model){{TW_FRAME_ECEF, TW_GRAVITY_J4, 0.0}, {0, 0, 0}, 1, xi[6], xi[7],
                     exhaust_mps / a};
  return 0;
}

static int launch_point(tw_ground_ellipse *out, double t_s, const double x[9], const double P[81],
                        model_fn make_model, double exhaust_mps, double max_back_s)
{
  if (!out || !x || !P || !isfinite(t_s) || !all_finite(x, 9) || !all_finite(P, 81) ||
      !(max_back_s > 0.0) || !isfinite(max_back_s) || !(exhaust_mps > 0.0) ||
      !isfinite(exhaust_mps))
    return TW_EINVAL;
  double X[2 * 9 * 9];
  int rc = cubature_points(X, x, P, 9);
  if (rc < 0)
    return rc;
  double r_g[NPTS_MAX][3], dt[NPTS_MAX];
  for (int i = 0; i < 18; i++) {
    const double *xi = X + i * 9;
    boost_model m;
    double y[6];
    if ((rc = make_model(&m, xi, exhaust_mps)) < 0)
      return rc;
    memcpy(y, xi, sizeof y);
    if ((rc = back_to_launch(&m, y, max_back_s, &dt[i])) < 0)
      return rc;
    memcpy(r_g[i], y, sizeof r_g[i]);
  }
  summarize(out, t_s, (const double(*)[3])r_g, dt, 18);
  return 0;
}

int tw_predict_launch(tw_ground_ellipse *out, double t_s, const double x[9], const double P[81],
                      double max_back_s)
{
  return launch_point(out, t_s, x, P, const_thrust, 1.0, max_back_s);
}

int tw_predict_launch_turn(tw_ground_ellipse *out, double t_s, const double x[9],
                           const double P[81], double exhaust_mps, double max_back_s)
{
  return launch_point(out, t_s, x, P, turn_thrust, exhaust_mps, max_back_s);
}

int tw_predict_impact_track(tw_ground_ellipse *out, double t_s, const double x9[9],
                            const double P9[81], double *beta_out)
{
  if (!out || !x9 || !P9)
    return TW_EINVAL;
  double x6[6], P6[36];
  for (int i = 0; i < 6; i++) {
    x6[i] = x9[i];
    for (int j = 0; j < 6; j++)
      P6[i * 6 + j] = P9[i * 9 + j];
  }
  if (!isfinite(x9[8]) || !isfinite(P9[80]))
    return TW_EINVAL;
  double kappa = fmin(fmax(x9[8], 1e-5), 2e-3);
  double sig = fmin(fmax(sqrt(fmax(P9[80], 0.0)) / kappa, 0.05), 1.5);
  int rc = tw_predict_impact(out, t_s, x6, P6, 1.0 / kappa, sig, 4.0 * 3600.0);
  if (rc == 0 && beta_out)
    *beta_out = 1.0 / kappa;
  return rc;
}
