/* test_ode.c - the Dormand-Prince integrator (triwatch/ode.h) against closed forms: energy and
 * Jacobi integrals of free flight, a Kepler propagator written here, a vertical throw for events,
 * exp(t) for dense output, and every documented error path.
 *
 * Tolerances are stated where they are used. The orbit tests run at rtol 1e-12, atol 1e-9 (m,
 * m/s): with |r| ~ 7e6 m and |v| ~ 8e3 m/s the relative part dominates, so each step is held to
 * ~1e-5 m and ~1e-8 m/s. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "triwatch/dynamics.h"
#include "triwatch/error.h"
#include "triwatch/geo.h"
#include "triwatch/ode.h"

static const tw_ode_opts k_tight = {1e-12, 1e-9, 0.0, 0.0, 0.0, 0};

static double norm3(const double v[3]) { return sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]); }

static double dist3(const double a[3], const double b[3])
{
  double d[3] = {a[0] - b[0], a[1] - b[1], a[2] - b[2]};
  return norm3(d);
}

/* State at radius r_m, speed v_mps, flight-path angle gamma above the local horizontal, in the
 * plane of inclination incl through the ascending node at longitude node (ECI = ECEF at t 0). */
static void make_state(double y[6], double r_m, double v_mps, double gamma_rad, double incl_rad,
                       double node_rad)
{
  /* in-plane unit vectors at the node: radial (p) and along-track (q) */
  double p[3] = {cos(node_rad), sin(node_rad), 0.0};
  double q[3] = {-sin(node_rad) * cos(incl_rad), cos(node_rad) * cos(incl_rad), sin(incl_rad)};
  for (int i = 0; i < 3; i++) {
    y[i] = r_m * p[i];
    y[3 + i] = v_mps * (sin(gamma_rad) * p[i] + cos(gamma_rad) * q[i]);
  }
}

/* ---------------------------------------------------------------------------------------------
 * Energy and the Jacobi integral */

typedef struct energy_watch {
  const tw_dynamics *dyn;
  double e0;
  double worst; /* largest |E - E0| / |E0| seen at any accepted step's end */
} energy_watch;

static int watch_energy(const tw_ode_dense *d, void *ctx)
{
  energy_watch *w = ctx;
  double y[6];
  tw_ode_dense_eval(d, d->t1, y);
  double rel = fabs(tw_dynamics_energy(w->dyn, y, y + 3) - w->e0) / fabs(w->e0);
  if (rel > w->worst)
    w->worst = rel;
  return 0;
}

/* Largest relative drift of tw_dynamics_energy over a drag-free arc of t_s seconds. */
static double energy_drift(const tw_dynamics *dyn, const double y0[6], double t_s)
{
  double y[6];
  memcpy(y, y0, sizeof y);
  energy_watch w = {dyn, tw_dynamics_energy(dyn, y0, y0 + 3), 0.0};
  tw_ode_result res;
  int rc = tw_ode_integrate(tw_dynamics_rhs, (void *)dyn, 6, 0.0, y, t_s, &k_tight, NULL, 0,
                            watch_energy, &w, &res);
  assert_int_equal(rc, 0);
  assert_true(res.t == t_s);
  assert_true(res.steps > 10);
  return w.worst;
}

/* ECI -> ECEF at t = 0 (the frames coincide): v_ecef = v_eci - omega x r. */
static void eci_to_rotating(double y[6])
{
  y[3] += TW_WGS84_OMEGA * y[1];
  y[4] -= TW_WGS84_OMEGA * y[0];
}

/* Missile-like burnout at r = 6,578 km (200 km up), 7.2 km/s, 20 deg above the horizon: a
 * suborbital arc whose Keplerian continuation dips to r ~ 3,600 km (point mass only). */
static void missile_state(double y[6])
{
  make_state(y, 6578e3, 7200.0, 20 * TW_DEG, 40 * TW_DEG, 0.7);
}

/* Elliptic orbit: perigee at r = 6,578 km, apogee ~9,700 km, period ~2 h, inclined 50 deg. */
static void orbit_state(double y[6])
{
  make_state(y, 6578e3, 8500.0, 0.0, 50 * TW_DEG, -1.1);
}

static void test_energy_point_mass_eci(void **state)
{
  (void)state;
  const tw_dynamics dyn = {TW_FRAME_ECI, TW_GRAVITY_POINT, 0};
  double y[6];
  missile_state(y);
  assert_true(energy_drift(&dyn, y, 7200.0) < 1e-9);
  orbit_state(y);
  assert_true(energy_drift(&dyn, y, 7200.0) < 1e-9);
}

static void test_energy_j4_eci(void **state)
{
  (void)state;
  const tw_dynamics j2 = {TW_FRAME_ECI, TW_GRAVITY_J2, 0};
  const tw_dynamics j4 = {TW_FRAME_ECI, TW_GRAVITY_J4, 0};
  double y[6];
  orbit_state(y);
  assert_true(energy_drift(&j2, y, 7200.0) < 1e-9);
  assert_true(energy_drift(&j4, y, 7200.0) < 1e-9);
}

/* In the rotating frame kinetic + potential energy is not conserved, the Jacobi integral is. */
static void test_jacobi_ecef(void **state)
{
  (void)state;
  const tw_dynamics pm = {TW_FRAME_ECEF, TW_GRAVITY_POINT, 0};
  const tw_dynamics j4 = {TW_FRAME_ECEF, TW_GRAVITY_J4, 0};
  double y[6];
  missile_state(y);
  eci_to_rotating(y);
  assert_true(energy_drift(&pm, y, 7200.0) < 1e-9);
  orbit_state(y);
  eci_to_rotating(y);
  assert_true(energy_drift(&pm, y, 7200.0) < 1e-9);
  assert_true(energy_drift(&j4, y, 7200.0) < 1e-9);

  /* the same arc's plain v^2/2 + V does change: the test above is not vacuous */
  double y1[6];
  memcpy(y1, y, sizeof y1);
  assert_int_equal(tw_ode_integrate(tw_dynamics_rhs, (void *)&pm, 6, 0.0, y1, 1800.0, &k_tight,
                                    NULL, 0, NULL, NULL, NULL), 0);
  const tw_dynamics eci = {TW_FRAME_ECI, TW_GRAVITY_POINT, 0};
  double e0 = tw_dynamics_energy(&eci, y, y + 3), e1 = tw_dynamics_energy(&eci, y1, y1 + 3);
  assert_true(fabs(e1 - e0) / fabs(e0) > 1e-4);
}

/* ---------------------------------------------------------------------------------------------
 * Kepler: a closed-form two-body propagator, independent of the integrator. */

typedef struct kepler {
  double mu, a, e, n; /* semi-major axis (m), eccentricity, mean motion (rad/s) */
  double e_anom0;     /* eccentric anomaly at t = 0 */
  double r0[3], v0[3];
} kepler;

static void kepler_init(kepler *k, const double y[6], double mu)
{
  memcpy(k->r0, y, sizeof k->r0);
  memcpy(k->v0, y + 3, sizeof k->v0);
  double r = norm3(k->r0), v = norm3(k->v0);
  double rv = k->r0[0] * k->v0[0] + k->r0[1] * k->v0[1] + k->r0[2] * k->v0[2];
  k->mu = mu;
  k->a = 1.0 / (2.0 / r - v * v / mu); /* vis-viva */
  k->n = sqrt(mu / (k->a * k->a * k->a));
  double ecos = 1.0 - r / k->a, esin = rv / sqrt(mu * k->a);
  k->e = sqrt(ecos * ecos + esin * esin);
  k->e_anom0 = atan2(esin, ecos);
}

/* State at t by Kepler's equation (Newton) and the Lagrange f and g coefficients. */
static void kepler_at(const kepler *k, double t, double y[6])
{
  double m0 = k->e_anom0 - k->e * sin(k->e_anom0);
  double m = m0 + k->n * t;
  double ea = (k->e < 0.8) ? m : TW_PI; /* Danby's safe start for high e */
  for (int it = 0; it < 50; it++) {
    double dea = (ea - k->e * sin(ea) - m) / (1.0 - k->e * cos(ea));
    ea -= dea;
    if (fabs(dea) < 1e-15)
      break;
  }
  double de = ea - k->e_anom0;
  double r0 = norm3(k->r0);
  double f = 1.0 - k->a / r0 * (1.0 - cos(de));
  double g = t - (de - sin(de)) / k->n;
  double r[3];
  for (int i = 0; i < 3; i++)
    r[i] = f * k->r0[i] + g * k->v0[i];
  double rn = norm3(r);
  double fdot = -sqrt(k->mu * k->a) / (rn * r0) * sin(de);
  double gdot = 1.0 - k->a / rn * (1.0 - cos(de));
  for (int i = 0; i < 3; i++) {
    y[i] = r[i];
    y[3 + i] = fdot * k->r0[i] + gdot * k->v0[i];
  }
}

typedef struct kepler_watch {
  const kepler *k;
  double worst_m; /* largest dense-output position error inside steps */
} kepler_watch;

static int watch_kepler(const tw_ode_dense *d, void *ctx)
{
  kepler_watch *w = ctx;
  for (int j = 1; j < 4; j++) {
    double t = d->t0 + 0.25 * j * (d->t1 - d->t0), y[6], yk[6];
    tw_ode_dense_eval(d, t, y);
    kepler_at(w->k, t, yk);
    double err = dist3(y, yk);
    if (err > w->worst_m)
      w->worst_m = err;
  }
  return 0;
}

static void check_kepler(double ecc)
{
  const double mu = TW_WGS84_GM, rp = 6578e3;
  const tw_dynamics dyn = {TW_FRAME_ECI, TW_GRAVITY_POINT, 0};
  /* start a quarter of the way from perigee in true anomaly, not at an apse */
  double a = rp / (1.0 - ecc), p = a * (1.0 - ecc * ecc), nu = 1.2;
  double r = p / (1.0 + ecc * cos(nu));
  double v = sqrt(mu * (2.0 / r - 1.0 / a));
  double gamma = atan2(ecc * sin(nu), 1.0 + ecc * cos(nu));
  double y0[6], y[6], yk[6];
  make_state(y0, r, v, gamma, 63.4 * TW_DEG, 2.0);
  kepler k;
  kepler_init(&k, y0, mu);
  assert_true(fabs(k.e - ecc) < 1e-12);
  assert_true(fabs(k.a - a) < 1e-6 * a);
  double period = 2.0 * TW_PI / k.n;

  memcpy(y, y0, sizeof y);
  double t = 0.0;
  kepler_watch w = {&k, 0.0};
  for (int i = 1; i <= 8; i++) { /* 7 interior points, then exactly one period */
    double t_next = period * i / 8.0;
    tw_ode_result res;
    assert_int_equal(tw_ode_integrate(tw_dynamics_rhs, (void *)&dyn, 6, t, y, t_next, &k_tight,
                                      NULL, 0, watch_kepler, &w, &res), 0);
    assert_true(res.t == t_next);
    t = t_next;
    kepler_at(&k, t, yk);
    assert_true(dist3(y, yk) < 1.0);            /* m */
    assert_true(dist3(y + 3, yk + 3) < 1e-3);   /* m/s */
  }
  assert_true(dist3(y, y0) < 1.0);
  assert_true(dist3(y + 3, y0 + 3) < 1e-3);
  /* the 4th-order interpolant inside the steps holds the same metre */
  assert_true(w.worst_m < 1.0);
}

static void test_kepler_e01(void **state)
{
  (void)state;
  check_kepler(0.1);
}

static void test_kepler_e07(void **state)
{
  (void)state;
  check_kepler(0.7);
}

/* ---------------------------------------------------------------------------------------------
 * Events on a vertical throw: z'' = -g, z(0) = 0, z'(0) = v0. */

#define G0 9.80665
#define V0 100.0

static int throw_rhs(double t, const double *y, double *dydt, void *ctx)
{
  (void)t;
  (void)ctx;
  dydt[0] = y[1];
  dydt[1] = -G0;
  return 0;
}

static void throw_exact(double t, double y[2])
{
  y[0] = V0 * t - 0.5 * G0 * t * t;
  y[1] = V0 - G0 * t;
}

typedef struct hit_log {
  int n;
  int index[16];
  double t[16];
  double y[16][2];
} hit_log;

static void log_hit(int index, double t, const double *y, void *ctx)
{
  hit_log *log = ctx;
  assert_true(log->n < 16);
  log->index[log->n] = index;
  log->t[log->n] = t;
  log->y[log->n][0] = y[0];
  log->y[log->n][1] = y[1];
  log->n++;
}

static double ev_vz(double t, const double *y, void *ctx)
{
  (void)t;
  (void)ctx;
  return y[1];
}

/* The event state is one fresh DP step (exact for a quadratic), so it matches the closed form at
 * the reported time to 1e-9 of the throw's scale (510 m, 100 m/s). */
static void assert_on_throw(double t, const double y[2])
{
  double ye[2];
  throw_exact(t, ye);
  assert_true(fabs(y[0] - ye[0]) < 1e-9 * 1000.0);
  assert_true(fabs(y[1] - ye[1]) < 1e-9 * 100.0);
}

/* Apogee as a non-terminal event: reported once, at v0/g, and the integration goes on. */
static void test_events_apogee(void **state)
{
  (void)state;
  hit_log log = {0};
  tw_ode_event ev = {ev_vz, log_hit, &log, 0, 0};
  double y[2] = {0.0, V0};
  tw_ode_result res;
  assert_int_equal(tw_ode_integrate(throw_rhs, NULL, 2, 0.0, y, 100.0, NULL, &ev, 1, NULL, NULL,
                                    &res), 0);
  assert_int_equal(log.n, 1);
  assert_int_equal(log.index[0], 0);
  assert_true(fabs(log.t[0] - V0 / G0) <= 1e-9);
  assert_true(fabs(log.y[0][1]) < 1e-9);
  assert_true(fabs(log.y[0][0] - V0 * V0 / (2 * G0)) < 1e-9);
  assert_int_equal(res.event, -1);
  assert_true(res.t == 100.0);
  assert_on_throw(100.0, y);
}

/* Events with their own altitude and a shared log. */
typedef struct alt_ev {
  double z_m;
  hit_log *log;
} alt_ev;

static double ev_alt(double t, const double *y, void *ctx)
{
  (void)t;
  return y[0] - ((const alt_ev *)ctx)->z_m;
}

static void log_alt(int index, double t, const double *y, void *ctx)
{
  log_hit(index, t, y, ((alt_ev *)ctx)->log);
}

static void test_events_terminal_ground(void **state)
{
  (void)state;
  hit_log log = {0};
  alt_ev ground = {0.0, &log};
  tw_ode_event ev[2] = {
    {ev_vz, log_hit, &log, 0, 0},
    {ev_alt, log_alt, &ground, -1, 1},
  };
  double y[2] = {0.0, V0};
  tw_ode_result res;
  int rc = tw_ode_integrate(throw_rhs, NULL, 2, 0.0, y, 100.0, NULL, ev, 2, NULL, NULL, &res);
  assert_int_equal(rc, 0);
  assert_int_equal(res.event, 1);
  assert_true(fabs(res.t - 2.0 * V0 / G0) <= 1e-9);
  /* y holds the event state: the throw's state at res.t, so z is off 0 by |vz| dt at most */
  assert_on_throw(res.t, y);
  assert_true(fabs(y[0]) <= V0 * 1e-9 + 1e-12);
  assert_true(fabs(y[1] + V0) < 1e-8);
  assert_int_equal(log.n, 2);
  assert_int_equal(log.index[0], 0);
  assert_true(fabs(log.t[0] - V0 / G0) <= 1e-9);
  assert_int_equal(log.index[1], 1);
  assert_true(log.t[1] == res.t);
  assert_true(log.y[1][0] == y[0] && log.y[1][1] == y[1]);
}

/* A crossing of 100 m on the way up and on the way down, filtered by direction. */
static int count_crossings(int direction, double *t_first)
{
  hit_log log = {0};
  alt_ev h100 = {100.0, &log};
  tw_ode_event ev = {ev_alt, log_alt, &h100, direction, 0};
  double y[2] = {0.0, V0};
  assert_int_equal(tw_ode_integrate(throw_rhs, NULL, 2, 0.0, y, 2.0 * V0 / G0 - 0.1, NULL, &ev,
                                    1, NULL, NULL, NULL), 0);
  for (int i = 0; i < log.n; i++)
    assert_on_throw(log.t[i], log.y[i]);
  *t_first = log.n ? log.t[0] : NAN;
  return log.n;
}

static void test_events_direction(void **state)
{
  (void)state;
  double disc = sqrt(V0 * V0 - 2.0 * G0 * 100.0);
  double t_up = (V0 - disc) / G0, t_down = (V0 + disc) / G0, t;
  assert_int_equal(count_crossings(+1, &t), 1);
  assert_true(fabs(t - t_up) <= 1e-9);
  assert_int_equal(count_crossings(-1, &t), 1);
  assert_true(fabs(t - t_down) <= 1e-9);
  assert_int_equal(count_crossings(0, &t), 2);
  assert_true(fabs(t - t_up) <= 1e-9);

  /* vz only falls through zero: a rising-only event never fires */
  hit_log log = {0};
  tw_ode_event ev = {ev_vz, log_hit, &log, +1, 0};
  double y[2] = {0.0, V0};
  assert_int_equal(tw_ode_integrate(throw_rhs, NULL, 2, 0.0, y, 15.0, NULL, &ev, 1, NULL, NULL,
                                    NULL), 0);
  assert_int_equal(log.n, 0);
}

/* Non-terminal events come in time order, each with its state; the terminal one ends it. */
static void test_events_in_time_order(void **state)
{
  (void)state;
  hit_log log = {0};
  alt_ev h100 = {100.0, &log}, h300 = {300.0, &log}, ground = {0.0, &log};
  tw_ode_event ev[4] = {
    {ev_alt, log_alt, &ground, -1, 1},
    {ev_alt, log_alt, &h300, 0, 0},
    {ev_vz, log_hit, &log, 0, 0},
    {ev_alt, log_alt, &h100, 0, 0},
  };
  double y[2] = {0.0, V0};
  tw_ode_result res;
  assert_int_equal(tw_ode_integrate(throw_rhs, NULL, 2, 0.0, y, 100.0, NULL, ev, 4, NULL, NULL,
                                    &res), 0);
  /* 100 up, 300 up, apogee, 300 down, 100 down, ground */
  static const int order[6] = {3, 1, 2, 1, 3, 0};
  assert_int_equal(log.n, 6);
  for (int i = 0; i < 6; i++) {
    assert_int_equal(log.index[i], order[i]);
    if (i > 0)
      assert_true(log.t[i] > log.t[i - 1]);
    assert_on_throw(log.t[i], log.y[i]);
  }
  double d1 = sqrt(V0 * V0 - 2.0 * G0 * 100.0), d3 = sqrt(V0 * V0 - 2.0 * G0 * 300.0);
  const double t_exact[6] = {(V0 - d1) / G0, (V0 - d3) / G0, V0 / G0,
                             (V0 + d3) / G0, (V0 + d1) / G0, 2.0 * V0 / G0};
  for (int i = 0; i < 6; i++)
    assert_true(fabs(log.t[i] - t_exact[i]) <= 1e-9);
  assert_int_equal(res.event, 0);
}

/* Two events inside one step: the quadratic makes the error estimate 0, so a first step over the
 * whole 8 s is accepted; the later-listed event happens first and must be reported first. (Both
 * must still be above their altitudes at the step's end: a sign change is all that is seen.) */
static void test_two_events_one_step(void **state)
{
  (void)state;
  hit_log log = {0};
  alt_ev h400 = {400.0, &log}, h300 = {300.0, &log};
  tw_ode_event ev[2] = {
    {ev_alt, log_alt, &h400, +1, 0},
    {ev_alt, log_alt, &h300, +1, 0},
  };
  tw_ode_opts o = {0};
  o.h0 = 15.0;
  double y[2] = {0.0, V0};
  tw_ode_result res;
  assert_int_equal(tw_ode_integrate(throw_rhs, NULL, 2, 0.0, y, 8.0, &o, ev, 2, NULL, NULL,
                                    &res), 0);
  assert_int_equal(res.steps, 1);
  assert_int_equal(log.n, 2);
  assert_int_equal(log.index[0], 1);
  assert_int_equal(log.index[1], 0);
  assert_true(log.t[0] < log.t[1]);
  assert_true(fabs(log.t[0] - (V0 - sqrt(V0 * V0 - 2.0 * G0 * 300.0)) / G0) <= 1e-9);
  assert_true(fabs(log.t[1] - (V0 - sqrt(V0 * V0 - 2.0 * G0 * 400.0)) / G0) <= 1e-9);
  assert_on_throw(log.t[0], log.y[0]);
  assert_on_throw(log.t[1], log.y[1]);
}

/* From the ground impact back in time: to the start, and to apogee as a terminal event. */
static void test_backward(void **state)
{
  (void)state;
  const double t_impact = 2.0 * V0 / G0;
  double y[2];
  throw_exact(t_impact, y);
  tw_ode_result res;
  assert_int_equal(tw_ode_integrate(throw_rhs, NULL, 2, t_impact, y, 0.0, NULL, NULL, 0, NULL,
                                    NULL, &res), 0);
  assert_true(res.t == 0.0);
  assert_true(fabs(y[0]) < 1e-9 && fabs(y[1] - V0) < 1e-9);

  hit_log log = {0};
  tw_ode_event ev = {ev_vz, log_hit, &log, 0, 1};
  throw_exact(t_impact, y);
  assert_int_equal(tw_ode_integrate(throw_rhs, NULL, 2, t_impact, y, 0.0, NULL, &ev, 1, NULL,
                                    NULL, &res), 0);
  assert_int_equal(res.event, 0);
  assert_true(fabs(res.t - V0 / G0) <= 1e-9);
  assert_on_throw(res.t, y);
  assert_int_equal(log.n, 1);

  /* direction counts along the integration: going back from the impact, z rises through 100 m
   * at the descent's crossing and falls through it at the ascent's */
  double disc = sqrt(V0 * V0 - 2.0 * G0 * 100.0);
  for (int dir = -1; dir <= 1; dir += 2) {
    hit_log h = {0};
    alt_ev h100 = {100.0, &h};
    tw_ode_event e100 = {ev_alt, log_alt, &h100, dir, 0};
    throw_exact(t_impact, y);
    assert_int_equal(tw_ode_integrate(throw_rhs, NULL, 2, t_impact, y, 0.0, NULL, &e100, 1, NULL,
                                      NULL, NULL), 0);
    assert_int_equal(h.n, 1);
    assert_true(fabs(h.t[0] - (V0 + dir * disc) / G0) <= 1e-9);
    assert_on_throw(h.t[0], h.y[0]);
  }

}

/* ---------------------------------------------------------------------------------------------
 * Dense output on y' = y. */

static int exp_rhs(double t, const double *y, double *dydt, void *ctx)
{
  (void)t;
  (void)ctx;
  dydt[0] = y[0];
  return 0;
}

typedef struct exp_watch {
  double worst; /* largest relative error of the interpolant */
  long calls;
  double t_last; /* where the previous step ended */
} exp_watch;

static int watch_exp(const tw_ode_dense *d, void *ctx)
{
  exp_watch *w = ctx;
  w->calls++;
  assert_true(d->t0 == w->t_last); /* steps are contiguous */
  w->t_last = d->t1;
  for (int j = 0; j <= 10; j++) {
    double t = d->t0 + 0.1 * j * (d->t1 - d->t0), y;
    tw_ode_dense_eval(d, t, &y);
    double rel = fabs(y - exp(t)) / exp(t);
    if (rel > w->worst)
      w->worst = rel;
  }
  return 0;
}

static void test_dense_exp(void **state)
{
  (void)state;
  tw_ode_opts o = {1e-10, 1e-12, 0.0, 0.0, 0.0, 0};
  exp_watch w = {0.0, 0, 0.0};
  double y = 1.0;
  tw_ode_result res;
  assert_int_equal(tw_ode_integrate(exp_rhs, NULL, 1, 0.0, &y, 5.0, &o, NULL, 0, watch_exp, &w,
                                    &res), 0);
  assert_int_equal(w.calls, res.steps);
  assert_true(w.calls > 5);
  assert_true(w.t_last == 5.0);
  assert_true(w.worst < 1e-8);
  assert_true(fabs(y - exp(5.0)) / exp(5.0) < 1e-8);

  /* and backward, from t = 5 to 0 */
  exp_watch wb = {0.0, 0, 5.0};
  y = exp(5.0);
  assert_int_equal(tw_ode_integrate(exp_rhs, NULL, 1, 5.0, &y, 0.0, &o, NULL, 0, watch_exp, &wb,
                                    &res), 0);
  assert_true(wb.t_last == 0.0);
  assert_true(wb.worst < 1e-8);
  assert_true(fabs(y - 1.0) < 1e-8);

  /* clamped outside the step */
  tw_ode_dense d = {0};
  d.n = 1;
  d.t0 = 1.0;
  d.h = 2.0;
  d.t1 = 2.0;
  d.c[0][0] = 1.0;
  d.c[1][0] = 4.0;
  double v;
  tw_ode_dense_eval(&d, 0.0, &v);
  assert_true(v == 1.0);
  tw_ode_dense_eval(&d, 10.0, &v); /* t1 is half-way: theta = 0.5 */
  assert_true(fabs(v - 3.0) < 1e-15);
}

static int stop_after_three(const tw_ode_dense *d, void *ctx)
{
  (void)d;
  return ++*(int *)ctx >= 3;
}

static void test_observer_stops(void **state)
{
  (void)state;
  int calls = 0;
  double y = 1.0;
  tw_ode_opts o = {0};
  o.hmax = 0.1;
  tw_ode_result res;
  assert_int_equal(tw_ode_integrate(exp_rhs, NULL, 1, 0.0, &y, 5.0, &o, NULL, 0,
                                    stop_after_three, &calls, &res), 1);
  assert_int_equal(calls, 3);
  assert_int_equal(res.steps, 3);
  assert_true(res.t > 0.0 && res.t <= 0.3 + 1e-12);
  assert_true(fabs(y - exp(res.t)) < 1e-5);
}

/* Steps capped at hmax = 0.1 from 0 to 1 add up to 0.9999999999999999, not 1: the last sliver
 * must not be taken for a step-size underflow. */
static int zero_rhs(double t, const double *y, double *dydt, void *ctx)
{
  (void)t;
  (void)y;
  (void)ctx;
  dydt[0] = 0.0;
  return 0;
}

static void test_lands_on_t_end(void **state)
{
  (void)state;
  tw_ode_opts o = {0};
  o.h0 = 0.1;
  o.hmax = 0.1;
  double y = 3.0;
  tw_ode_result res;
  assert_int_equal(tw_ode_integrate(zero_rhs, NULL, 1, 0.0, &y, 1.0, &o, NULL, 0, NULL, NULL,
                                    &res), 0);
  assert_true(res.t == 1.0);
  assert_true(y == 3.0);
  assert_true(res.steps <= 10);

  /* t0 == t_end: nothing to do */
  y = 2.0;
  assert_int_equal(tw_ode_integrate(exp_rhs, NULL, 1, 4.0, &y, 4.0, NULL, NULL, 0, NULL, NULL,
                                    &res), 0);
  assert_true(y == 2.0 && res.t == 4.0 && res.steps == 0);
}

/* ---------------------------------------------------------------------------------------------
 * Errors */

static void test_bad_arguments(void **state)
{
  (void)state;
  double y[TW_ODE_MAX + 1] = {1.0};
  tw_ode_result res;
  assert_int_equal(tw_ode_integrate(NULL, NULL, 1, 0.0, y, 1.0, NULL, NULL, 0, NULL, NULL, &res),
                   TW_EINVAL);
  assert_int_equal(tw_ode_integrate(exp_rhs, NULL, 0, 0.0, y, 1.0, NULL, NULL, 0, NULL, NULL,
                                    &res), TW_EINVAL);
  assert_int_equal(tw_ode_integrate(exp_rhs, NULL, -1, 0.0, y, 1.0, NULL, NULL, 0, NULL, NULL,
                                    &res), TW_EINVAL);
  assert_int_equal(tw_ode_integrate(exp_rhs, NULL, TW_ODE_MAX + 1, 0.0, y, 1.0, NULL, NULL, 0,
                                    NULL, NULL, &res), TW_EINVAL);
  assert_int_equal(tw_ode_integrate(exp_rhs, NULL, 1, 0.0, y, NAN, NULL, NULL, 0, NULL, NULL,
                                    &res), TW_EINVAL);
  assert_int_equal(tw_ode_integrate(exp_rhs, NULL, 1, NAN, y, 1.0, NULL, NULL, 0, NULL, NULL,
                                    &res), TW_EINVAL);
  assert_int_equal(tw_ode_integrate(exp_rhs, NULL, 1, 0.0, y, INFINITY, NULL, NULL, 0, NULL,
                                    NULL, &res), TW_EINVAL);
  assert_int_equal(tw_ode_integrate(exp_rhs, NULL, 1, 0.0, NULL, 1.0, NULL, NULL, 0, NULL, NULL,
                                    &res), TW_EINVAL);
  assert_int_equal(tw_ode_integrate(exp_rhs, NULL, 1, 0.0, y, 1.0, NULL, NULL, 1, NULL, NULL,
                                    &res), TW_EINVAL);
  assert_int_equal(tw_ode_integrate(exp_rhs, NULL, 1, 0.0, y, 1.0, NULL, NULL,
                                    TW_ODE_MAX_EVENTS + 1, NULL, NULL, &res), TW_EINVAL);
  assert_true(y[0] == 1.0); /* unchanged */
}

static int range_after_1s(double t, const double *y, double *dydt, void *ctx)
{
  ++*(long *)ctx;
  if (t > 1.0)
    return TW_ERANGE;
  dydt[0] = y[0];
  return 0;
}

static void test_rhs_error_aborts(void **state)
{
  (void)state;
  long calls = 0;
  double y = 1.0;
  tw_ode_result res;
  assert_int_equal(tw_ode_integrate(range_after_1s, &calls, 1, 0.0, &y, 5.0, NULL, NULL, 0, NULL,
                                    NULL, &res), TW_ERANGE);
  assert_true(res.t <= 1.0);
  assert_true(fabs(y - exp(res.t)) < 1e-5); /* the last accepted state (default atol 1e-6) */
  assert_true(calls < 1000);

  /* failing at the very first evaluation */
  calls = 0;
  y = 1.0;
  assert_int_equal(tw_ode_integrate(range_after_1s, &calls, 1, 2.0, &y, 5.0, NULL, NULL, 0, NULL,
                                    NULL, &res), TW_ERANGE);
  assert_true(y == 1.0 && res.t == 2.0 && calls == 1);
}

static void test_step_budget(void **state)
{
  (void)state;
  tw_ode_opts o = {0};
  o.hmax = 0.01;
  o.max_steps = 10;
  double y = 1.0;
  tw_ode_result res;
  assert_int_equal(tw_ode_integrate(exp_rhs, NULL, 1, 0.0, &y, 1.0, &o, NULL, 0, NULL, NULL,
                                    &res), TW_ESTEPS);
  assert_int_equal(res.steps + res.rejected, 10);
  assert_true(res.t > 0.0 && res.t < 0.11);
  assert_true(fabs(y - exp(res.t)) < 1e-5);
}

typedef struct nan_ctx {
  double t_bad; /* NaN from here on */
  long calls;
} nan_ctx;

static int nan_rhs(double t, const double *y, double *dydt, void *ctx)
{
  nan_ctx *c = ctx;
  c->calls++;
  dydt[0] = (t >= c->t_bad) ? NAN : -y[0];
  return 0;
}

/* A right-hand side that returns NaN must end in an error, quickly, not in a million rejected
 * steps. */
static void test_nan_rhs_terminates(void **state)
{
  (void)state;
  const double starts[] = {0.0, 1.0};
  for (int i = 0; i < 2; i++) {
    nan_ctx c = {starts[i], 0};
    double y = 1.0;
    tw_ode_result res;
    int rc = tw_ode_integrate(nan_rhs, &c, 1, 0.0, &y, 10.0, NULL, NULL, 0, NULL, NULL, &res);
    assert_int_equal(rc, TW_ESTEPS);
    assert_true(c.calls < 2000);
    assert_true(isfinite(y));
    assert_true(res.t <= starts[i]);
  }
  /* with an hmax too (fmin would quietly replace a NaN step by hmax) */
  nan_ctx c = {0.0, 0};
  tw_ode_opts o = {0};
  o.hmax = 1.0;
  double y = 1.0;
  assert_int_equal(tw_ode_integrate(nan_rhs, &c, 1, 0.0, &y, 10.0, &o, NULL, 0, NULL, NULL,
                                    NULL), TW_ESTEPS);
  assert_true(c.calls < 2000);
  /* and a NaN initial state */
  c.t_bad = 100.0;
  c.calls = 0;
  y = NAN;
  assert_int_equal(tw_ode_integrate(nan_rhs, &c, 1, 0.0, &y, 10.0, NULL, NULL, 0, NULL, NULL,
                                    NULL), TW_ESTEPS);
  assert_true(c.calls < 2000);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_energy_point_mass_eci),
    cmocka_unit_test(test_energy_j4_eci),
    cmocka_unit_test(test_jacobi_ecef),
    cmocka_unit_test(test_kepler_e01),
    cmocka_unit_test(test_kepler_e07),
    cmocka_unit_test(test_events_apogee),
    cmocka_unit_test(test_events_terminal_ground),
    cmocka_unit_test(test_events_direction),
    cmocka_unit_test(test_events_in_time_order),
    cmocka_unit_test(test_two_events_one_step),
    cmocka_unit_test(test_backward),
    cmocka_unit_test(test_dense_exp),
    cmocka_unit_test(test_observer_stops),
    cmocka_unit_test(test_lands_on_t_end),
    cmocka_unit_test(test_bad_arguments),
    cmocka_unit_test(test_rhs_error_aborts),
    cmocka_unit_test(test_step_budget),
    cmocka_unit_test(test_nan_rhs_terminates),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
