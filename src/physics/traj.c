/* traj.c - true trajectories: powered flight, coast and re-entry, and the solver that finds the
 * boost plan for a requested apogee and range; contract in triwatch/traj.h.
 *
 * Flight is split at every known discontinuity (end of the vertical rise, end of the pitch-over,
 * each stage's burnout, thrust cut-off), so each integration segment has a smooth right-hand side.
 *
 * The solver nests two monotone one-dimensional searches. For a pitch-over angle, the cut-off time
 * that reaches the requested apogee is found by bracketed false position (more burn, higher
 * apogee); over pitch angles, the range flown at that apogee grows as the trajectory flattens,
 * so a second bracketed search finds the requested range. Earth rotation bends the ground track,
 * so the pitch-over azimuth is then corrected until the impact lies on the requested bearing. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/grow.h"
#include "triwatch/atmosphere.h"
#include "triwatch/dynamics.h"
#include "triwatch/error.h"
#include "triwatch/linalg.h"
#include "triwatch/ode.h"
#include "triwatch/traj.h"

enum steer { STEER_VERTICAL, STEER_PITCH, STEER_GRAVITY_TURN, STEER_HOLD };

/* Everything the powered right-hand side needs for one segment. */
typedef struct boost_seg {
  const tw_rocket *rk;
  enum steer steer;
  double t_pitch0;      /* start of the pitch-over */
  double up[3], dir[3]; /* site vertical, and the horizontal unit toward the pitch azimuth */
  double pitch_rad, pitch_s;
  double m0_kg, t0_s;   /* mass at the segment's start and the start time */
  double mdot_kg_s, thrust_n, area_m2;
} boost_seg;

/* A flight in progress: events and samples collected across segments. */
typedef struct flight {
  tw_traj *out;
  int keep_states;
  size_t cap_states;
  double next_sample_s;
  int stage; /* burning stage for the samples, -1 in coast */
  int oom;
  double max_speed;
  double apogee_m, apogee_t, apogee_y[6];
  int stop_at_apogee;
} flight;

static const tw_dynamics g_coast_gravity = {TW_FRAME_ECEF, TW_GRAVITY_J4, 0.0};

static int boost_rhs(double t, const double *y, double *dy, void *ctx)
{
  const boost_seg *b = ctx;
  double a[3], dir[3];
  tw_dynamics_accel(a, &g_coast_gravity, y, y + 3);

  double m = b->m0_kg - b->mdot_kg_s * (t - b->t0_s);
  const double *v = y + 3;
  double speed = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
  double rho = tw_atmos_density(tw_height_fast(y));
  double k = -0.5 * rho * speed * b->rk->cd_boost * b->area_m2 / m;

  switch (b->steer) {
  case STEER_VERTICAL:
    memcpy(dir, b->up, sizeof dir);
    break;
  case STEER_PITCH: {
    double th = b->pitch_rad * (t - b->t_pitch0) / b->pitch_s;
    for (int i = 0; i < 3; i++)
      dir[i] = cos(th) * b->up[i] + sin(th) * b->dir[i];
    break;
  }
  case STEER_HOLD: {
    /* pitch_rad from the local (geocentric) vertical, in the plane of the horizontal velocity */
    double rn = sqrt(y[0] * y[0] + y[1] * y[1] + y[2] * y[2]), u[3], hz[3];
    for (int i = 0; i < 3; i++)
      u[i] = y[i] / rn;
    double vu = u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
    for (int i = 0; i < 3; i++)
      hz[i] = v[i] - vu * u[i];
    double hn = sqrt(hz[0] * hz[0] + hz[1] * hz[1] + hz[2] * hz[2]);
    for (int i = 0; i < 3; i++)
      dir[i] = cos(b->pitch_rad) * u[i] + sin(b->pitch_rad) * (hn > 1e-6 ? hz[i] / hn : b->dir[i]);
    break;
  }
  case STEER_GRAVITY_TURN:
  default:
    if (speed > 1.0)
      for (int i = 0; i < 3; i++)
        dir[i] = v[i] / speed;
    else
      memcpy(dir, b->up, sizeof dir);
    break;
  }
  double at = b->thrust_n / m;
  for (int i = 0; i < 3; i++) {
    dy[i] = v[i];
    dy[3 + i] = a[i] + k * v[i] + at * dir[i];
  }
  return 0;
}

/* --- events ------------------------------------------------------------------------------- */

static double ev_height(double t, const double *y, void *ctx)
{
  (void)t;
  (void)ctx;
  tw_geodetic g;
  tw_ecef_to_geo(&g, y);
  return g.h_m;
}

static double ev_edge(double t, const double *y, void *ctx)
{
  return ev_height(t, y, ctx) - TW_TRAJ_ATMOS_EDGE_M;
}

/* Rate of change of geodetic height: the velocity along the ellipsoid normal. */
static double ev_climb(double t, const double *y, void *ctx)
{
  (void)t;
  (void)ctx;
  tw_geodetic g;
  double up[3];
  tw_ecef_to_geo(&g, y);
  tw_geo_up(up, g.lat_rad, g.lon_rad);
  return up[0] * y[3] + up[1] * y[4] + up[2] * y[5];
}

static void add_event(flight *f, enum tw_traj_event_kind kind, double t, const double *y, int stage)
{
  tw_traj *o = f->out;
  if (o->n_events >= TW_TRAJ_MAX_EVENTS)
    return;
  tw_traj_event *e = &o->events[o->n_events++];
  e->kind = kind;
  e->t_s = t;
  memcpy(e->r, y, 3 * sizeof(double));
  memcpy(e->v, y + 3, 3 * sizeof(double));
  e->stage = stage;
}

static void on_edge(int idx, double t, const double *y, void *ctx)
{
  (void)idx;
  flight *f = ctx;
  add_event(f, (ev_climb(t, y, NULL) > 0.0) ? TW_TEV_EXO : TW_TEV_REENTRY, t, y, -1);
}

static void on_apogee(int idx, double t, const double *y, void *ctx)
{
  (void)idx;
  flight *f = ctx;
  double h = ev_height(t, y, NULL);
  if (h > f->apogee_m) {
    f->apogee_m = h;
    f->apogee_t = t;
    memcpy(f->apogee_y, y, sizeof f->apogee_y);
  }
}

/* The apogee event goes in at its place in time once the flight is over (a depressed flight can
 * pass a local maximum under power before its true apogee). */
static void insert_apogee(flight *f)
{
  tw_traj *o = f->out;
  if (o->n_events >= TW_TRAJ_MAX_EVENTS || f->apogee_m < 0.0)
    return;
  int i = o->n_events;
  while (i > 0 && o->events[i - 1].t_s > f->apogee_t) {
    o->events[i] = o->events[i - 1];
    i--;
  }
  o->n_events++;
  tw_traj_event *e = &o->events[i];
  e->kind = TW_TEV_APOGEE;
  e->t_s = f->apogee_t;
  memcpy(e->r, f->apogee_y, 3 * sizeof(double));
  memcpy(e->v, f->apogee_y + 3, 3 * sizeof(double));
  e->stage = -1;
}

/* --- sampling ----------------------------------------------------------------------------- */

static int push_state(flight *f, double t, const double *y)
{
  tw_traj *o = f->out;
  if (tw__grow((void **)&o->states, &f->cap_states, o->n_states + 1, sizeof *o->states, 1024) <
      0) {
    f->oom = 1;
    return -1;
  }
  tw_traj_state *s = &o->states[o->n_states++];
  s->t_s = t;
  memcpy(s->r, y, 3 * sizeof(double));
  memcpy(s->v, y + 3, 3 * sizeof(double));
  s->stage = f->stage;
  return 0;
}

static int observe(const tw_ode_dense *d, void *ctx)
{
  flight *f = ctx;
  double y[6];
  tw_ode_dense_eval(d, d->t1, y);
  double speed = sqrt(y[3] * y[3] + y[4] * y[4] + y[5] * y[5]);
  if (speed > f->max_speed)
    f->max_speed = speed;
  double h = ev_height(d->t1, y, NULL);
  if (h > f->apogee_m) { /* still climbing at the end of a segment */
    f->apogee_m = h;
    f->apogee_t = d->t1;
    memcpy(f->apogee_y, y, sizeof f->apogee_y);
  }
  if (!f->keep_states)
    return 0;
  while (f->next_sample_s <= d->t1 + 1e-9) {
    tw_ode_dense_eval(d, f->next_sample_s, y);
    if (push_state(f, f->next_sample_s, y) < 0)
      return 1;
    f->next_sample_s += f->out->sample_dt_s;
  }
  return 0;
}

/* --- flight ------------------------------------------------------------------------------- */

/* The achieved figures of a flight that came down at time t in state y. */
static void finish(tw_traj *out, const flight *f, double t, const double y[6])
{
  tw_geodetic imp;
  tw_ecef_to_geo(&imp, y);
  out->flight_time_s = t;
  out->impact_lat_rad = imp.lat_rad;
  out->impact_lon_rad = imp.lon_rad;
  tw_geodesic_inverse(out->site.lat_rad, out->site.lon_rad, imp.lat_rad, imp.lon_rad,
                      &out->range_m, &out->bearing_rad, NULL);
  out->bearing_rad = tw_wrap_2pi(out->bearing_rad);
  out->apogee_m = f->apogee_m;
  out->apogee_time_s = f->apogee_t;
  out->max_speed_mps = f->max_speed;
}

static int plan_valid(const tw_rocket *rk, const tw_boost_plan *p)
{
  return rk && p && (p->steering == TW_STEER_GRAVITY_TURN || p->steering == TW_STEER_DEPRESSED) &&
         isfinite(p->pitch_rad) && p->pitch_rad >= 0.0 && p->pitch_rad < TW_PI / 2 &&
         isfinite(p->azimuth_rad) && isfinite(p->cutoff_s) && p->cutoff_s > 0.0 &&
         p->cutoff_s <= tw_rocket_burn_s(rk) + 1e-9;
}

static int fly(tw_traj *out, const tw_rocket *rk, const tw_geodetic *site_in,
               const tw_boost_plan *plan, double sample_dt_s, int stop_at_apogee)
{
  tw_geodetic site = *site_in;
  site.h_m = 0.0;
  memset(out, 0, sizeof *out);
  if (!plan_valid(rk, plan))
    return TW_EINVAL;
  out->cls = rk->cls;
  out->rocket = rk;
  out->site = site;
  out->plan = *plan;
  out->n_flights = 1;
  out->sample_dt_s = sample_dt_s > 0.0 ? sample_dt_s : 0.0;

  flight f = {0};
  f.out = out;
  f.keep_states = sample_dt_s > 0.0;
  f.apogee_m = -1e9;
  f.stop_at_apogee = stop_at_apogee;

  double y[6];
  tw_geo_to_ecef(y, &site);
  y[3] = y[4] = y[5] = 0.0;
  add_event(&f, TW_TEV_LAUNCH, 0.0, y, -1);
  f.stage = 0;
  if (f.keep_states && push_state(&f, 0.0, y) < 0)
    goto oom;
  f.next_sample_s = out->sample_dt_s;

  boost_seg b = {0};
  b.rk = rk;
  tw_geo_up(b.up, site.lat_rad, site.lon_rad);
  {
    double enu[9];
    tw_enu_basis(enu, site.lat_rad, site.lon_rad);
    double se = sin(plan->azimuth_rad), ce = cos(plan->azimuth_rad);
    for (int i = 0; i < 3; i++)
      b.dir[i] = se * enu[i] + ce * enu[3 + i];
  }
  b.pitch_rad = plan->pitch_rad;
  b.pitch_s = rk->pitch_s;
  b.t_pitch0 = rk->vertical_s;

  /* mass of the whole stack at lift-off */
  double m = rk->payload_kg;
  for (int i = 0; i < rk->n_stages; i++)
    m += rk->stage[i].prop_kg + rk->stage[i].dry_kg;

  tw_ode_opts opts = {1e-10, 1e-4, 0.0, 0.0, 1e-7, 200000};
  tw_ode_event ev[3] = {
    {ev_height, NULL, &f, -1, 1},      /* meets the ground */
    {ev_edge, on_edge, &f, 0, 0},      /* 100 km, either way */
    {ev_climb, on_apogee, &f, -1, 0},  /* a highest point (terminal in coast when asked) */
  };
  int rc = 0;
  double t = 0.0, t_stage0 = 0.0;
  tw_ode_result res;

  for (int s = 0; s < rk->n_stages && t < plan->cutoff_s; s++) {
    const tw_stage *st = &rk->stage[s];
    double t_stage_end = fmin(t_stage0 + st->burn_s, plan->cutoff_s);
    b.mdot_kg_s = st->prop_kg / st->burn_s;
    b.thrust_n = b.mdot_kg_s * st->isp_s * TW_G0;
    b.area_m2 = st->area_m2;
    f.stage = s;
    /* split the stage at the steering changes that fall inside it */
    double cuts[3] = {rk->vertical_s, rk->vertical_s + rk->pitch_s, t_stage_end};
    for (int c = 0; c < 3; c++) {
      double t_end = fmin(cuts[c], t_stage_end);
      if (t_end <= t)
        continue;
      b.steer = (t < rk->vertical_s - 1e-12) ? STEER_VERTICAL
                : (t < rk->vertical_s + rk->pitch_s - 1e-12) ? STEER_PITCH
                : (plan->steering == TW_STEER_DEPRESSED)     ? STEER_HOLD
                                                             : STEER_GRAVITY_TURN;
      b.m0_kg = m - b.mdot_kg_s * (t - t_stage0);
      b.t0_s = t;
      if (b.steer == STEER_PITCH && fabs(t - rk->vertical_s) < 1e-12)
        add_event(&f, TW_TEV_PITCH_OVER, t, y, -1);
      rc = tw_ode_integrate(boost_rhs, &b, 6, t, y, t_end, &opts, ev, 3, observe, &f, &res);
      if (rc < 0)
        goto fail;
      if (f.oom)
        goto oom;
      if (res.event == 0) {
        rc = TW_EUNREACH; /* back on the ground under power */
        goto fail;
      }
      t = t_end;
    }
    m -= st->prop_kg * (t - t_stage0) / st->burn_s; /* propellant burnt (all of it unless cut) */
    m -= st->dry_kg;                               /* the stage separates */
    if (t < plan->cutoff_s - 1e-9)
      add_event(&f, TW_TEV_STAGING, t, y, s);
    t_stage0 = t;
  }
  out->burnout_time_s = t;
  add_event(&f, TW_TEV_BURNOUT, t, y, -1);

  /* unpowered flight of the re-entry vehicle */
  f.stage = -1;
  tw_dynamics coast = {TW_FRAME_ECEF, TW_GRAVITY_J4, rk->rv_beta_kg_m2};
  ev[2].terminal = stop_at_apogee;
  rc = tw_ode_integrate(tw_dynamics_rhs, &coast, 6, t, y, t + 86400.0, &opts, ev, 3, observe, &f,
                        &res);
  if (rc < 0)
    goto fail;
  if (f.oom)
    goto oom;
  if (res.event == 2 && stop_at_apogee) {
    insert_apogee(&f);
    out->apogee_m = f.apogee_m;
    out->apogee_time_s = f.apogee_t;
    out->max_speed_mps = f.max_speed;
    return 0;
  }
  if (res.event != 0) {
    rc = TW_ESTEPS; /* a day without impact: in orbit */
    goto fail;
  }
  t = res.t;
  insert_apogee(&f);
  add_event(&f, TW_TEV_IMPACT, t, y, -1);
  if (f.keep_states && (out->n_states == 0 || out->states[out->n_states - 1].t_s < t - 1e-9) &&
      push_state(&f, t, y) < 0)
    goto oom;

  finish(out, &f, t, y);
  return 0;

oom:
  rc = TW_ENOMEM;
fail:
  tw_traj_free(out);
  return rc;
}

int tw_traj_coast(tw_traj *out, double t0_s, const double r[3], const double v[3],
                  double beta_kg_m2, double sample_dt_s)
{
  if (!out || !r || !v || !isfinite(t0_s) || !(beta_kg_m2 >= 0.0))
    return TW_EINVAL;
  memset(out, 0, sizeof *out);
  out->sample_dt_s = sample_dt_s > 0.0 ? sample_dt_s : 0.0;
  out->n_flights = 1;
  tw_ecef_to_geo(&out->site, r);
  out->site.h_m = 0.0;

  flight f = {0};
  f.out = out;
  f.keep_states = sample_dt_s > 0.0;
  f.apogee_m = -1e9;
  f.stage = -1;
  double y[6] = {r[0], r[1], r[2], v[0], v[1], v[2]};
  add_event(&f, TW_TEV_RELEASE, t0_s, y, -1);
  f.apogee_m = ev_height(t0_s, y, NULL); /* released falling: the release is the highest point */
  f.apogee_t = t0_s;
  memcpy(f.apogee_y, y, sizeof y);
  int rc = 0;
  if (f.keep_states) {
    if (push_state(&f, t0_s, y) < 0)
      goto oom;
    f.next_sample_s = (floor(t0_s / sample_dt_s) + 1.0) * sample_dt_s;
  }
  tw_dynamics coast = {TW_FRAME_ECEF, TW_GRAVITY_J4, beta_kg_m2};
  tw_ode_opts opts = {1e-10, 1e-4, 0.0, 0.0, 1e-7, 200000};
  tw_ode_event ev[3] = {
    {ev_height, NULL, &f, -1, 1},
    {ev_edge, on_edge, &f, 0, 0},
    {ev_climb, on_apogee, &f, -1, 0},
  };
  tw_ode_result res;
  if (ev_height(t0_s, y, NULL) <= 0.0) {
    rc = TW_EINVAL; /* released underground */
    goto fail;
  }
  rc = tw_ode_integrate(tw_dynamics_rhs, &coast, 6, t0_s, y, t0_s + 86400.0, &opts, ev, 3, observe,
                        &f, &res);
  if (rc < 0)
    goto fail;
  if (f.oom)
    goto oom;
  if (res.event != 0) {
    rc = TW_ESTEPS;
    goto fail;
  }
  if (f.apogee_t > t0_s)
    insert_apogee(&f);
  add_event(&f, TW_TEV_IMPACT, res.t, y, -1);
  if (f.keep_states && out->states[out->n_states - 1].t_s < res.t - 1e-9 && push_state(&f, res.t, y) < 0)
    goto oom;
  finish(out, &f, res.t, y);
  return 0;
oom:
  rc = TW_ENOMEM;
fail:
  tw_traj_free(out);
  return rc;
}

int tw_traj_fly(tw_traj *out, const tw_rocket *rk, const tw_geodetic *site,
                const tw_boost_plan *plan, double sample_dt_s)
{
  if (!out || !site)
    return TW_EINVAL;
  return fly(out, rk, site, plan, sample_dt_s, 0);
}

void tw_traj_free(tw_traj *t)
{
  if (!t)
    return;
  free(t->states);
  memset(t, 0, sizeof *t);
}

/* --- solver ------------------------------------------------------------------------------- */

typedef struct solver {
  const tw_rocket *rk;
  tw_geodetic site;
  double apogee_m, range_m, bearing_rad;
  double target_lat_rad, target_lon_rad; /* the impact point asked for */
  enum tw_steering steering;
  int flights;
  double best_range_m; /* longest range seen at the requested apogee (for the message) */
  char *why;
  size_t why_len;
} solver;

static void say(solver *s, const char *fmt, ...)
{
  if (!s->why || s->why_len == 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->why, s->why_len, fmt, ap);
  va_end(ap);
}

/* A signed pitch: negative pitches over away from the bearing (needed when Earth rotation alone
 * carries a near-vertical flight past the target). */
static tw_boost_plan signed_plan(const solver *s, double pitch, double cutoff)
{
  tw_boost_plan p = {s->steering, fabs(pitch), s->bearing_rad, cutoff};
  if (pitch < 0.0)
    p.azimuth_rad = tw_wrap_2pi(s->bearing_rad + TW_PI);
  return p;
}

static int fly_counted(solver *s, tw_traj *t, const tw_boost_plan *p, int stop_at_apogee)
{
  s->flights++;
  return fly(t, s->rk, &s->site, p, 0.0, stop_at_apogee);
}

/* Apogee reached with this pitch and cut-off; < 0 when the flight meets the ground under power. */
static double apogee_of(solver *s, double pitch, double cutoff)
{
  tw_traj t;
  tw_boost_plan p = signed_plan(s, pitch, cutoff);
  if (fly_counted(s, &t, &p, 1) < 0)
    return -1.0;
  return t.apogee_m;
}

/* Bracketed false position (Illinois) for f(x) = 0 on [a, b] with f(a), f(b) of opposite signs;
 * stops when |f| <= ftol or the bracket is below xtol. */
typedef double (*scalar_fn)(solver *s, double x, void *ctx);

static double illinois(solver *s, scalar_fn fn, void *ctx, double a, double fa, double b, double fb,
                       double ftol, double xtol, double *fx)
{
  int side = 0;
  double c = a, fc = fa;
  for (int it = 0; it < 80; it++) {
    c = (a * fb - b * fa) / (fb - fa);
    if (!(c > fmin(a, b) && c < fmax(a, b)))
      c = 0.5 * (a + b);
    fc = fn(s, c, ctx);
    if (!isfinite(fc) || fabs(fc) <= ftol || fabs(b - a) <= xtol)
      break;
    if ((fc < 0.0) == (fa < 0.0)) {
      a = c;
      fa = fc;
      if (side == -1)
        fb *= 0.5;
      side = -1;
    } else {
      b = c;
      fb = fc;
      if (side == 1)
        fa *= 0.5;
      side = 1;
    }
  }
  *fx = fc;
  return c;
}

static double apogee_miss(solver *s, double cutoff, void *ctx)
{
  double pitch = *(const double *)ctx;
  return apogee_of(s, pitch, cutoff) - s->apogee_m;
}

/* Cut-off time that reaches the requested apogee at this pitch, to 1e-5. Returns 0, or 1 when
 * even a full burn falls short, or -1 when the flight meets the ground under power. */
static int cutoff_for(solver *s, double pitch, double *cutoff)
{
  double t_full = tw_rocket_burn_s(s->rk);
  double t_min = fmin(s->rk->vertical_s + s->rk->pitch_s, t_full) * 0.5;
  double f_hi = apogee_of(s, pitch, t_full);
  *cutoff = t_full;
  if (f_hi < 0.0)
    return -1;
  f_hi -= s->apogee_m;
  if (f_hi < 0.0)
    return 1;
  double f_lo = apogee_of(s, pitch, t_min) - s->apogee_m;
  if (f_lo >= 0.0) { /* even the shortest burn climbs too high: take it */
    *cutoff = t_min;
    return 0;
  }
  double fx;
  *cutoff = illinois(s, apogee_miss, &pitch, t_min, f_lo, t_full, f_hi, 1e-5 * s->apogee_m, 1e-6,
                     &fx);
  return 0;
}

typedef struct range_ctx {
  int status; /* as cutoff_for */
  double cutoff;
} range_ctx;

/* Distance flown along the requested bearing at the requested apogee with this pitch, minus the
 * requested range; NaN when the pitch cannot reach the apogee (rc->status says why). */
static double range_miss(solver *s, double pitch, void *ctx)
{
  range_ctx *rc = ctx;
  rc->status = cutoff_for(s, pitch, &rc->cutoff);
  if (rc->status != 0)
    return NAN;
  tw_traj t;
  tw_boost_plan p = signed_plan(s, pitch, rc->cutoff);
  if (fly_counted(s, &t, &p, 0) < 0) {
    rc->status = -1;
    return NAN;
  }
  if (t.range_m > s->best_range_m)
    s->best_range_m = t.range_m;
  return t.range_m * cos(t.bearing_rad - s->bearing_rad) - s->range_m;
}

/* Phase 1: pitch (signed) and cut-off that fly the requested apogee and, to 1e-4, the requested
 * distance along the bearing. The cross-range left by Earth rotation is Newton's to remove. */
static int bracket_pitch(solver *s, double *pitch, double *cutoff)
{
  const double p_max = 85.0 * TW_DEG;
  range_ctx rc;
  double lo = 0.0, f_lo = range_miss(s, 0.0, &rc);
  if (rc.status == 1) {
    say(s, "an %s reaches at most %.0f km apogee", s->rk->name,
        apogee_of(s, 0.0, tw_rocket_burn_s(s->rk)) / 1e3);
    return TW_EUNREACH;
  }
  if (rc.status < 0) {
    say(s, "the %s cannot fly a vertical trajectory to %.0f km", s->rk->name, s->apogee_m / 1e3);
    return TW_EUNREACH;
  }
  /* step away from the vertical, toward the target or away from it, until the range is passed */
  double dir = (f_lo < 0.0) ? 1.0 : -1.0;
  double hi = lo, f_hi = f_lo;
  int found = 0;
  for (double step = 0.05 * TW_DEG; fabs(hi) < p_max; step *= 1.5) {
    double next = dir * fmin(fabs(hi) + step, p_max);
    double fn = range_miss(s, next, &rc);
    if (rc.status != 0) {
      /* too flat to reach the apogee: close in on the flattest pitch that still does */
      double good = hi, bad = next;
      for (int k = 0; k < 40 && fabs(bad - good) > 1e-5 * TW_DEG; k++) {
        double mid = 0.5 * (good + bad);
        double fm = range_miss(s, mid, &rc);
        if (rc.status != 0) {
          bad = mid;
        } else if ((fm > 0.0) == (f_lo > 0.0)) {
          good = lo = mid;
          f_lo = fm;
        } else {
          hi = mid;
          f_hi = fm;
          found = 1;
          break;
        }
      }
      break;
    }
    if ((fn > 0.0) != (f_lo > 0.0)) {
      hi = next;
      f_hi = fn;
      found = 1;
      break;
    }
    lo = hi = next;
    f_lo = fn;
  }
  if (!found) {
    if (dir > 0.0)
      say(s, "at %.0f km apogee an %s flies at most %.0f km%s", s->apogee_m / 1e3, s->rk->name,
          s->best_range_m / 1e3,
          s->steering != TW_STEER_DEPRESSED ? ""
          : s->rk->cls < TW_CLASS_ICBM ? ", even depressed (lifting glides are not modelled; a "
                                         "larger class has the energy)"
                                       : ", even depressed");
    else
      say(s, "at %.0f km apogee an %s flies no shorter than %.0f km", s->apogee_m / 1e3,
          s->rk->name, (f_lo + s->range_m) / 1e3);
    return TW_EUNREACH;
  }
  double fx;
  *pitch = illinois(s, range_miss, &rc, lo, f_lo, hi, f_hi, 1e-4 * s->range_m, 1e-9, &fx);
  *cutoff = rc.cutoff;
  if (rc.status != 0) {
    say(s, "the %s solution left the apogee the class can reach", s->rk->name);
    return TW_ENOCONV;
  }
  return 0;
}

/* Phase 2 residual: apogee error relative to the apogee, and the impact point's east and north
 * offsets from the target relative to the range. x = (pitch east, pitch north, cut-off). */
static int newton_residual(solver *s, const double x[3], double r[3])
{
  double pitch = hypot(x[0], x[1]);
  double t_full = tw_rocket_burn_s(s->rk);
  if (!(pitch < 89.0 * TW_DEG) || !(x[2] > 0.0 && x[2] <= t_full + 1e-9))
    return TW_ERANGE;
  tw_boost_plan p = {s->steering, pitch, pitch > 0.0 ? tw_wrap_2pi(atan2(x[0], x[1])) : 0.0,
                     fmin(x[2], t_full)};
  tw_traj t;
  int rc = fly_counted(s, &t, &p, 0);
  if (rc < 0)
    return rc;
  double d, az;
  tw_geodesic_inverse(s->target_lat_rad, s->target_lon_rad, t.impact_lat_rad, t.impact_lon_rad,
                      &d, &az, NULL);
  r[0] = (t.apogee_m - s->apogee_m) / s->apogee_m;
  r[1] = d * sin(az) / s->range_m;
  r[2] = d * cos(az) / s->range_m;
  return 0;
}

static double norm3(const double r[3]) { return sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]); }

/* Phase 2: Newton's method on (pitch east, pitch north, cut-off) with a finite-difference
 * Jacobian and step halving, until apogee and impact point are within 1e-8 of the request. */
static int newton_polish(solver *s, tw_boost_plan *plan)
{
  double x[3] = {plan->pitch_rad * sin(plan->azimuth_rad), plan->pitch_rad * cos(plan->azimuth_rad),
                 plan->cutoff_s};
  const double dx_fd[3] = {1e-7, 1e-7, 1e-5};
  double r[3];
  int rc = newton_residual(s, x, r);
  if (rc < 0)
    return rc;
  for (int it = 0; it < 25 && norm3(r) > 1e-8; it++) {
    double jac[9], rhs[3] = {-r[0], -r[1], -r[2]}, step[3];
    for (int j = 0; j < 3; j++) {
      double xp[3] = {x[0], x[1], x[2]}, rp[3];
      double h = dx_fd[j];
      xp[j] += h;
      if (newton_residual(s, xp, rp) < 0) { /* at a bound: difference backwards */
        h = -h;
        xp[j] = x[j] + h;
        if ((rc = newton_residual(s, xp, rp)) < 0)
          return rc;
      }
      for (int i = 0; i < 3; i++)
        jac[i * 3 + j] = (rp[i] - r[i]) / h;
    }
    if ((rc = tw_lu_solve(step, jac, rhs, 3, 1)) < 0)
      return TW_ENOCONV;
    double lambda = 1.0, xn[3], rn[3];
    int improved = 0;
    for (int k = 0; k < 12; k++, lambda *= 0.5) {
      for (int i = 0; i < 3; i++)
        xn[i] = x[i] + lambda * step[i];
      xn[2] = fmin(xn[2], tw_rocket_burn_s(s->rk));
      if (newton_residual(s, xn, rn) == 0 && norm3(rn) < norm3(r)) {
        improved = 1;
        break;
      }
    }
    if (!improved)
      break;
    memcpy(x, xn, sizeof x);
    memcpy(r, rn, sizeof r);
  }
  if (!(norm3(r) <= 1e-6)) {
    say(s, "the %s solution stalled %.3f km from the target (apogee off by %.3f km)",
        s->rk->name, hypot(r[1], r[2]) * s->range_m / 1e3, r[0] * s->apogee_m / 1e3);
    return (x[2] >= tw_rocket_burn_s(s->rk) - 1e-9) ? TW_EUNREACH : TW_ENOCONV;
  }
  plan->pitch_rad = hypot(x[0], x[1]);
  plan->azimuth_rad = tw_wrap_2pi(atan2(x[0], x[1]));
  plan->cutoff_s = x[2];
  return 0;
}

enum tw_missile_class tw_traj_auto_class(const tw_traj_request *req)
{
  /* Vacuum two-body arc from the surface through an apogee at r_a with half the range angle
   * on each side: e = (r_a - r0) / (r_a - r0 cos psi), a = p / (1 - e^2), p = r_a (1 - e). */
  const double r0 = TW_WGS84_A, mu = TW_WGS84_GM;
  double ra = r0 + req->apogee_m, psi = 0.5 * req->range_m / r0;
  double e = (ra - r0) / (ra - r0 * cos(psi));
  double p = ra * (1.0 - e), a = p / (1.0 - e * e);
  double v2 = mu * (2.0 / r0 - 1.0 / a);
  /* the minimum-energy range of that speed: sin(phi / 2) = nu / (2 - nu), nu = v^2 r0 / mu */
  double nu = v2 * r0 / mu;
  double r_eq = (nu >= 1.0) ? 1e9 : 2.0 * r0 * asin(fmin(1.0, nu / (2.0 - nu)));
  if (r_eq < 1000e3)
    return TW_CLASS_SRBM;
  if (r_eq < 3000e3)
    return TW_CLASS_MRBM;
  if (r_eq < 5500e3)
    return TW_CLASS_IRBM;
  return TW_CLASS_ICBM;
}

static int request_valid(const tw_traj_request *r, char *why, size_t n)
{
  const char *bad = NULL;
  if (!(fabs(r->lat_rad) <= TW_PI / 2))
    bad = "site latitude must be within [-90, 90] degrees";
  else if (!(fabs(r->lon_rad) <= 2 * TW_PI))
    bad = "site longitude must be within [-360, 360] degrees";
  else if (!isfinite(r->bearing_rad))
    bad = "bearing must be a finite number of degrees";
  else if (!(r->apogee_m >= 1e3 && r->apogee_m <= 20000e3))
    bad = "apogee must be between 1 and 20,000 km";
  else if (!(r->range_m >= 10e3 && r->range_m <= 15000e3))
    bad = "range must be between 10 and 15,000 km";
  else if (r->cls < TW_CLASS_AUTO || r->cls > TW_CLASS_ICBM)
    bad = "class must be SRBM, MRBM, IRBM or ICBM";
  if (bad && why && n)
    snprintf(why, n, "%s", bad);
  return bad == NULL;
}

/* Gravity turn first; a flight too flat for it (the class flies too short at that apogee) is
 * tried again with depressed steering. */
static int solve_class(tw_traj *out, const tw_traj_request *req, enum tw_missile_class cls,
                       double sample_dt_s, char *why, size_t why_len)
{
  solver s = {0};
  s.rk = tw_rocket_profile(cls);
  s.site.lat_rad = req->lat_rad;
  s.site.lon_rad = req->lon_rad;
  s.apogee_m = req->apogee_m;
  s.range_m = req->range_m;
  s.bearing_rad = tw_wrap_2pi(req->bearing_rad);
  s.why = why;
  s.why_len = why_len;
  tw_geodesic_direct(s.site.lat_rad, s.site.lon_rad, s.bearing_rad, s.range_m, &s.target_lat_rad,
                     &s.target_lon_rad, NULL);

  int rc = TW_EUNREACH;
  const enum tw_steering modes[] = {TW_STEER_GRAVITY_TURN, TW_STEER_DEPRESSED};
  for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
    double pitch, cutoff;
    s.steering = modes[m];
    s.best_range_m = 0.0;
    rc = bracket_pitch(&s, &pitch, &cutoff);
    if (rc == TW_EUNREACH && s.best_range_m > 0.0 && s.best_range_m < s.range_m)
      continue; /* too flat for this steering: the next may fly it */
    if (rc < 0)
      return rc;
    tw_boost_plan plan = signed_plan(&s, pitch, cutoff);
    if ((rc = newton_polish(&s, &plan)) < 0)
      return rc;
    if ((rc = fly(out, s.rk, &s.site, &plan, sample_dt_s, 0)) < 0)
      return rc;
    out->n_flights = s.flights + 1;
    return 0;
  }
  return rc;
}

int tw_traj_solve(tw_traj *out, const tw_traj_request *req, double sample_dt_s, char *why,
                  size_t why_len)
{
  if (why && why_len)
    why[0] = '\0';
  if (!out || !req)
    return TW_EINVAL;
  memset(out, 0, sizeof *out);
  if (!request_valid(req, why, why_len))
    return TW_EINVAL;
  enum tw_missile_class cls = req->cls;
  int automatic = (cls == TW_CLASS_AUTO);
  if (automatic)
    cls = tw_traj_auto_class(req);
  for (;;) {
    int rc = solve_class(out, req, cls, sample_dt_s, why, why_len);
    if (rc != TW_EUNREACH || !automatic || cls == TW_CLASS_ICBM)
      return rc;
    cls = (enum tw_missile_class)(cls + 1); /* the next class up may have the energy */
  }
}

int tw_traj_state_at(const tw_traj *t, double t_s, double r[3], double v[3])
{
  if (!t || t->n_states == 0)
    return TW_ENOENT;
  const tw_traj_state *s = t->states;
  size_t n = t->n_states;
  if (t_s <= s[0].t_s || n == 1) {
    memcpy(r, s[0].r, sizeof(double) * 3);
    memcpy(v, s[0].v, sizeof(double) * 3);
    return 0;
  }
  if (t_s >= s[n - 1].t_s) {
    memcpy(r, s[n - 1].r, sizeof(double) * 3);
    memcpy(v, s[n - 1].v, sizeof(double) * 3);
    return 0;
  }
  size_t lo = 0, hi = n - 1; /* s[lo].t_s <= t_s < s[hi].t_s */
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (s[mid].t_s <= t_s)
      lo = mid;
    else
      hi = mid;
  }
  const tw_traj_state *a = &s[lo], *b = &s[hi];
  double h = b->t_s - a->t_s, u = (t_s - a->t_s) / h;
  double u2 = u * u, u3 = u2 * u;
  double h00 = 2 * u3 - 3 * u2 + 1, h10 = u3 - 2 * u2 + u, h01 = -2 * u3 + 3 * u2,
         h11 = u3 - u2;
  double d00 = (6 * u2 - 6 * u) / h, d10 = 3 * u2 - 4 * u + 1, d01 = (-6 * u2 + 6 * u) / h,
         d11 = 3 * u2 - 2 * u;
  for (int i = 0; i < 3; i++) {
    r[i] = h00 * a->r[i] + h10 * h * a->v[i] + h01 * b->r[i] + h11 * h * b->v[i];
    v[i] = d00 * a->r[i] + d10 * a->v[i] + d01 * b->r[i] + d11 * b->v[i];
  }
  return 0;
}

const char *tw_traj_event_name(enum tw_traj_event_kind k)
{
  switch (k) {
  case TW_TEV_LAUNCH: return "launch";
  case TW_TEV_PITCH_OVER: return "pitch-over";
  case TW_TEV_STAGING: return "staging";
  case TW_TEV_BURNOUT: return "burnout";
  case TW_TEV_EXO: return "exo-atmospheric";
  case TW_TEV_APOGEE: return "apogee";
  case TW_TEV_REENTRY: return "re-entry";
  case TW_TEV_IMPACT: return "impact";
  case TW_TEV_RELEASE: return "release";
  }
  return "?";
}
