/* triwatch/ode.h - adaptive Dormand-Prince 5(4) integrator with dense output and event detection.
 *
 * Integrates dy/dt = f(t, y) for up to TW_ODE_MAX states from t0 toward t_end (either direction).
 * Events are scalar functions g(t, y); a sign change of g within a step (in the requested
 * direction) is located on the step's 4th-order continuous extension to |dt| <= event_tol_s, and
 * the state at the event is then recomputed by one exact Dormand-Prince step from the start of the
 * step, so it carries the integrator's full accuracy. A terminal event stops the integration
 * there. No allocation. */
#ifndef TRIWATCH_ODE_H
#define TRIWATCH_ODE_H

#include "triwatch/visibility.h"

#define TW_ODE_MAX 12
#define TW_ODE_MAX_EVENTS 8

/* Right-hand side; returns 0, or a negative TW_E* code that aborts the integration. */
typedef int (*tw_ode_fn)(double t, const double *y, double *dydt, void *ctx);
/* Event function: its zero crossings are events. */
typedef double (*tw_event_fn)(double t, const double *y, void *ctx);

/* Told of each event as it happens, in time order, with the exact state there. */
typedef void (*tw_event_hit_fn)(int index, double t, const double *y, void *ctx);

typedef struct tw_ode_event {
  tw_event_fn g;
  tw_event_hit_fn on_hit; /* may be NULL */
  void *ctx;              /* passed to g and on_hit */
  int direction;          /* +1: g rising through 0; -1: falling; 0: either */
  int terminal;           /* non-zero: stop the integration at this event */
} tw_ode_event;

typedef struct tw_ode_opts {
  double rtol;        /* relative tolerance per component (default 1e-9) */
  double atol;        /* absolute tolerance per component (default 1e-6) */
  double h0;          /* first step; 0: chosen automatically */
  double hmax;        /* largest |step|; 0: no limit */
  double event_tol_s; /* event time tolerance (default 1e-9 s) */
  long max_steps;     /* step budget (default 1,000,000) */
} tw_ode_opts;

/* One accepted step's continuous extension over [t0, t0 + h], valid between t0 and t1 (t1 is
 * t0 + h unless a terminal event cut the step short). */
typedef struct tw_ode_dense {
  int n;
  double t0, h, t1;
  double c[5][TW_ODE_MAX];
} tw_ode_dense;

/* Called after every accepted step with the step's interpolant; return non-zero to stop. */
typedef int (*tw_ode_observer)(const tw_ode_dense *d, void *ctx);

typedef struct tw_ode_result {
  double t;        /* where integration ended */
  int event;       /* index of the terminal event that stopped it, or -1 */
  long steps;      /* accepted steps */
  long rejected;   /* rejected steps */
  long nfev;       /* right-hand side evaluations */
} tw_ode_result;

/* Evaluate a dense output at t (clamped to [t0, t1]). */
TW_API void tw_ode_dense_eval(const tw_ode_dense *d, double t, double *y);

/* Integrate from (t0, y) to t_end. y (n values) holds the initial state and receives the final
 * one (at t_end or at the terminal event). opts may be NULL for defaults; events may be NULL
 * when n_events is 0; observer may be NULL.
 * Returns 0 on reaching t_end or a terminal event, 1 if the observer stopped it, TW_EINVAL for
 * bad arguments, TW_ESTEPS if the step budget ran out or the step size underflowed, or the
 * right-hand side's own error. On error y holds the last accepted state and res says where. */
TW_API int tw_ode_integrate(tw_ode_fn f, void *ctx, int n, double t0, double *y, double t_end,
                            const tw_ode_opts *opts, const tw_ode_event *events, int n_events,
                            tw_ode_observer observer, void *obs_ctx, tw_ode_result *res);

#endif
