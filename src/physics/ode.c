/* ode.c - Dormand-Prince 5(4) with dense output and event location; contract in
 * triwatch/ode.h. Coefficients are the method's published tableau (Dormand & Prince 1980) and
 * its continuous extension (Hairer, Norsett & Wanner, Solving ODEs I, II.6). */
#include <math.h>
#include <string.h>

#include "triwatch/error.h"
#include "triwatch/ode.h"

/* Butcher tableau. */
static const double C2 = 1.0 / 5, C3 = 3.0 / 10, C4 = 4.0 / 5, C5 = 8.0 / 9;
static const double A21 = 1.0 / 5;
static const double A31 = 3.0 / 40, A32 = 9.0 / 40;
static const double A41 = 44.0 / 45, A42 = -56.0 / 15, A43 = 32.0 / 9;
static const double A51 = 19372.0 / 6561, A52 = -25360.0 / 2187, A53 = 64448.0 / 6561,
                    A54 = -212.0 / 729;
static const double A61 = 9017.0 / 3168, A62 = -355.0 / 33, A63 = 46732.0 / 5247,
                    A64 = 49.0 / 176, A65 = -5103.0 / 18656;
static const double B1 = 35.0 / 384, B3 = 500.0 / 1113, B4 = 125.0 / 192, B5 = -2187.0 / 6784,
                    B6 = 11.0 / 84;
/* error estimate: 5th-order minus embedded 4th-order weights */
static const double E1 = 71.0 / 57600, E3 = -71.0 / 16695, E4 = 71.0 / 1920,
                    E5 = -17253.0 / 339200, E6 = 22.0 / 525, E7 = -1.0 / 40;
/* continuous extension */
static const double D1 = -12715105075.0 / 11282082432, D3 = 87487479700.0 / 32700410799,
                    D4 = -10690763975.0 / 1880347072, D5 = 701980252875.0 / 199316789632,
                    D6 = -1453857185.0 / 822651844, D7 = 69997945.0 / 29380423;

typedef struct stage {
  double k[7][TW_ODE_MAX];
  double y5[TW_ODE_MAX];
} stage;

/* One Dormand-Prince step of size h from (t, y) with k1 = f(t, y) given in s->k[0]. Fills
 * s->k[1..6] (k[6] = f(t+h, y5), first-same-as-last) and s->y5. */
static int dp_step(tw_ode_fn f, void *ctx, int n, double t, const double *y, double h, stage *s,
                   long *nfev)
{
  double tmp[TW_ODE_MAX] = {0}; /* zeroed: gcc cannot see n <= TW_ODE_MAX */
  double (*k)[TW_ODE_MAX] = s->k;
  int rc;
  for (int i = 0; i < n; i++)
    tmp[i] = y[i] + h * A21 * k[0][i];
  if ((rc = f(t + C2 * h, tmp, k[1], ctx)) < 0)
    return rc;
  for (int i = 0; i < n; i++)
    tmp[i] = y[i] + h * (A31 * k[0][i] + A32 * k[1][i]);
  if ((rc = f(t + C3 * h, tmp, k[2], ctx)) < 0)
    return rc;
  for (int i = 0; i < n; i++)
    tmp[i] = y[i] + h * (A41 * k[0][i] + A42 * k[1][i] + A43 * k[2][i]);
  if ((rc = f(t + C4 * h, tmp, k[3], ctx)) < 0)
    return rc;
  for (int i = 0; i < n; i++)
    tmp[i] = y[i] + h * (A51 * k[0][i] + A52 * k[1][i] + A53 * k[2][i] + A54 * k[3][i]);
  if ((rc = f(t + C5 * h, tmp, k[4], ctx)) < 0)
    return rc;
  for (int i = 0; i < n; i++)
    tmp[i] = y[i] + h * (A61 * k[0][i] + A62 * k[1][i] + A63 * k[2][i] + A64 * k[3][i] +
                         A65 * k[4][i]);
  if ((rc = f(t + h, tmp, k[5], ctx)) < 0)
    return rc;
  for (int i = 0; i < n; i++)
    s->y5[i] = y[i] + h * (B1 * k[0][i] + B3 * k[2][i] + B4 * k[3][i] + B5 * k[4][i] +
                           B6 * k[5][i]);
  if ((rc = f(t + h, s->y5, k[6], ctx)) < 0)
    return rc;
  *nfev += 6;
  return 0;
}

static double err_norm(int n, const double *y, const stage *s, double h, double rtol,
                       double atol)
{
  const double (*k)[TW_ODE_MAX] = s->k;
  double sum = 0.0;
  for (int i = 0; i < n; i++) {
    double e = h * (E1 * k[0][i] + E3 * k[2][i] + E4 * k[3][i] + E5 * k[4][i] + E6 * k[5][i] +
                    E7 * k[6][i]);
    double ay = fabs(y[i]), ay5 = fabs(s->y5[i]);
    double sc = atol + rtol * (ay > ay5 ? ay : ay5); /* not fmax: a libm call on the hot path */
    sum += (e / sc) * (e / sc);
  }
  return sqrt(sum / n);
}

static void make_dense(tw_ode_dense *d, int n, double t, const double *y, double h,
                       const stage *s)
{
  const double (*k)[TW_ODE_MAX] = s->k;
  d->n = n;
  d->t0 = t;
  d->h = h;
  d->t1 = t + h;
  for (int i = 0; i < n; i++) {
    double dy = s->y5[i] - y[i];
    double bspl = h * k[0][i] - dy;
    d->c[0][i] = y[i];
    d->c[1][i] = dy;
    d->c[2][i] = bspl;
    d->c[3][i] = dy - h * k[6][i] - bspl;
    d->c[4][i] = h * (D1 * k[0][i] + D3 * k[2][i] + D4 * k[3][i] + D5 * k[4][i] +
                      D6 * k[5][i] + D7 * k[6][i]);
  }
}

void tw_ode_dense_eval(const tw_ode_dense *d, double t, double *y)
{
  double th_max = (d->h != 0.0) ? (d->t1 - d->t0) / d->h : 0.0;
  double th = (d->h != 0.0) ? (t - d->t0) / d->h : 0.0;
  if (th < 0.0)
    th = 0.0;
  if (th > th_max)
    th = th_max;
  double th1 = 1.0 - th;
  for (int i = 0; i < d->n; i++)
    y[i] = d->c[0][i] +
           th * (d->c[1][i] + th1 * (d->c[2][i] + th * (d->c[3][i] + th1 * d->c[4][i])));
}

static int crossed(double g0, double g1, int direction)
{
  if (direction >= 0 && g0 < 0.0 && g1 >= 0.0)
    return 1;
  if (direction <= 0 && g0 > 0.0 && g1 <= 0.0)
    return 1;
  return 0;
}

/* Root of event ev inside the step described by d, by the Illinois variant of false position
 * on the interpolant; g0, g1 are the values at the step's ends. */
static double locate(const tw_ode_event *ev, const tw_ode_dense *d, double g0, double g1,
                     double tol_s)
{
  double a = d->t0, b = d->t0 + d->h, ga = g0, gb = g1;
  double y[TW_ODE_MAX];
  int side = 0;
  for (int it = 0; it < 100 && fabs(b - a) > tol_s; it++) {
    double c = (a * gb - b * ga) / (gb - ga);
    if (!(c > fmin(a, b) && c < fmax(a, b))) /* degenerate: fall back to bisection */
      c = 0.5 * (a + b);
    tw_ode_dense_eval(d, c, y);
    double gc = ev->g(c, y, ev->ctx);
    if ((gc < 0.0) == (ga < 0.0) && gc != 0.0) {
      a = c;
      ga = gc;
      if (side == -1)
        gb *= 0.5;
      side = -1;
    } else {
      b = c;
      gb = gc;
      if (side == 1)
        ga *= 0.5;
      side = 1;
      if (gc == 0.0)
        break;
    }
  }
  return b; /* the end where the crossing has happened */
}

static double initial_step(tw_ode_fn f, void *ctx, int n, double t0, const double *y,
                           const double *f0, double dir, const tw_ode_opts *o, long *nfev)
{
  double d0 = 0, d1 = 0, y1[TW_ODE_MAX], f1[TW_ODE_MAX];
  for (int i = 0; i < n; i++) {
    double sc = o->atol + o->rtol * fabs(y[i]);
    d0 += (y[i] / sc) * (y[i] / sc);
    d1 += (f0[i] / sc) * (f0[i] / sc);
  }
  d0 = sqrt(d0 / n);
  d1 = sqrt(d1 / n);
  double h0 = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
  for (int i = 0; i < n; i++)
    y1[i] = y[i] + dir * h0 * f0[i];
  if (f(t0 + dir * h0, y1, f1, ctx) < 0)
    return h0;
  (*nfev)++;
  double d2 = 0;
  for (int i = 0; i < n; i++) {
    double sc = o->atol + o->rtol * fabs(y[i]);
    d2 += ((f1[i] - f0[i]) / sc) * ((f1[i] - f0[i]) / sc);
  }
  d2 = sqrt(d2 / n) / h0;
  double m = fmax(d1, d2);
  double h1 = (m <= 1e-15) ? fmax(1e-6, h0 * 1e-3) : pow(0.01 / m, 0.2);
  return fmin(100.0 * h0, h1);
}

int tw_ode_integrate(tw_ode_fn f, void *ctx, int n, double t0, double *y, double t_end,
                     const tw_ode_opts *opts, const tw_ode_event *events, int n_events,
                     tw_ode_observer observer, void *obs_ctx, tw_ode_result *res)
{
  tw_ode_opts o = {1e-9, 1e-6, 0.0, 0.0, 1e-9, 1000000};
  tw_ode_result r = {t0, -1, 0, 0, 0};
  stage s;
  double g_old[TW_ODE_MAX_EVENTS];
  int rc = 0;

  if (!f || !y || n < 1 || n > TW_ODE_MAX || n_events < 0 || n_events > TW_ODE_MAX_EVENTS ||
      (n_events > 0 && !events) || !isfinite(t0) || !isfinite(t_end))
    return TW_EINVAL;
  if (opts) {
    if (opts->rtol > 0)
      o.rtol = opts->rtol;
    if (opts->atol > 0)
      o.atol = opts->atol;
    o.h0 = opts->h0;
    o.hmax = opts->hmax;
    if (opts->event_tol_s > 0)
      o.event_tol_s = opts->event_tol_s;
    if (opts->max_steps > 0)
      o.max_steps = opts->max_steps;
  }
  double dir = (t_end >= t0) ? 1.0 : -1.0;
  double t = t0;

  if ((rc = f(t, y, s.k[0], ctx)) < 0)
    goto out;
  r.nfev = 1;
  for (int e = 0; e < n_events; e++)
    g_old[e] = events[e].g(t, y, events[e].ctx);
  double h = (o.h0 > 0) ? o.h0 : initial_step(f, ctx, n, t, y, s.k[0], dir, &o, &r.nfev);
  if (o.hmax > 0)
    h = fmin(h, o.hmax);

  int last_rejected = 0;
  while (dir * (t_end - t) > 0.0) {
    if (r.steps + r.rejected >= o.max_steps) {
      rc = TW_ESTEPS;
      goto out;
    }
    /* Negated so that a NaN step (initial_step's answer when f(t0, y0) is NaN) ends here too. */
    if (!(h >= 1e-12 * fmax(1.0, fabs(t)))) {
      rc = TW_ESTEPS; /* step size underflow: the problem is stiff or singular here */
      goto out;
    }
    /* Steps that do not add up exactly to t_end (hmax = 0.1 over [0, 1] ends at
     * 0.9999999999999999) would leave a sliver below the underflow limit: take it in this step. */
    int final = 0;
    double rest = fabs(t_end - t);
    if (!(rest - h > 1e-12 * fmax(1.0, fabs(t_end)))) {
      h = rest;
      final = 1;
    }
    double hs = dir * h;
    if ((rc = dp_step(f, ctx, n, t, y, hs, &s, &r.nfev)) < 0)
      goto out;
    double err = err_norm(n, y, &s, hs, o.rtol, o.atol);
    if (!(err <= 1.0)) { /* reject (NaN too) */
      r.rejected++;
      double fac = isfinite(err) ? fmax(0.2, 0.9 * pow(err, -0.2)) : 0.2;
      h *= fac;
      last_rejected = 1;
      continue;
    }
    r.steps++;
    tw_ode_dense d;
    if (observer || n_events > 0) /* the interpolant costs a pass over k: build it when used */
      make_dense(&d, n, t, y, hs, &s);
    double t_new = final ? t_end : t + hs;

    /* events within this step, in time order */
    double g_new[TW_ODE_MAX_EVENTS];
    int hit[TW_ODE_MAX_EVENTS], n_hit = 0;
    double t_hit[TW_ODE_MAX_EVENTS];
    for (int e = 0; e < n_events; e++) {
      g_new[e] = events[e].g(t_new, s.y5, events[e].ctx);
      if (crossed(g_old[e], g_new[e], events[e].direction)) {
        t_hit[e] = locate(&events[e], &d, g_old[e], g_new[e], o.event_tol_s);
        hit[n_hit++] = e;
      }
    }
    for (int i = 1; i < n_hit; i++) /* insertion sort by time along the direction */
      for (int j = i; j > 0 && dir * t_hit[hit[j]] < dir * t_hit[hit[j - 1]]; j--) {
        int tmp = hit[j];
        hit[j] = hit[j - 1];
        hit[j - 1] = tmp;
      }
    for (int i = 0; i < n_hit; i++) {
      int e = hit[i];
      stage se;
      memcpy(se.k[0], s.k[0], sizeof(double) * (size_t)n);
      if ((rc = dp_step(f, ctx, n, t, y, t_hit[e] - t, &se, &r.nfev)) < 0)
        goto out;
      if (events[e].on_hit)
        events[e].on_hit(e, t_hit[e], se.y5, events[e].ctx);
      if (events[e].terminal) {
        memcpy(y, se.y5, sizeof(double) * (size_t)n);
        t = t_hit[e];
        r.event = e;
        d.t1 = t; /* the observer sees the step only up to the event */
        if (observer)
          observer(&d, obs_ctx);
        goto out;
      }
    }
    memcpy(g_old, g_new, sizeof(double) * (size_t)n_events);

    memcpy(y, s.y5, sizeof(double) * (size_t)n);
    memcpy(s.k[0], s.k[6], sizeof(double) * (size_t)n);
    t = t_new;
    if (observer && observer(&d, obs_ctx)) {
      rc = 1;
      goto out;
    }
    double fac = (err > 0.0) ? 0.9 * pow(err, -0.2) : 5.0;
    fac = fmin(5.0, fmax(0.2, fac));
    if (last_rejected)
      fac = fmin(1.0, fac);
    last_rejected = 0;
    if (!final)
      h *= fac;
    if (o.hmax > 0)
      h = fmin(h, o.hmax);
  }
out:
  r.t = t;
  if (res)
    *res = r;
  return rc;
}
