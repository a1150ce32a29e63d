/* warn.c - the alert policy: predictions in, area warnings and their lifecycle out
 * (triwatch/warn.h; docs/warnings.md "The alert policy").
 *
 * One warning per (area set, area, kind). Each warning remembers which tracks' predictions
 * support it. A later prediction of a supporting track that no longer threatens the area takes
 * that support away; a warning left with no support by contradiction (not by silence: a track
 * that is lost or stops predicting keeps its support) for cancel_after_s is cancelled, unless
 * the object has already reached the area, in which case it ends as passed when its time is
 * over. Ends are by the expected times: an overflight pass_margin_s after the last expected
 * moment over the area, an impact impact_margin_s after the expected impact. */
#include "triwatch/warn.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/grow.h"
#include "triwatch/error.h"
#include "triwatch/geo.h"
#include "triwatch/threat.h"
#include "triwatch/traj.h"

#define MAX_SUPPORT 8
#define GROUND_DT_S 2.0      /* spacing of the predicted ground track's states */
#define CANDIDATE_K 3.5      /* sigma radius of the ellipse that decides whether to sample */
#define REACHED_SLACK_S 5.0  /* support lost this close to the expected time: object reached it */
#define N_LEVELS 3           /* corridor levels: thirds of the half-width */

typedef struct support {
  uint32_t track;
  double t_s;
} support;

typedef struct warning {
  int eez, area;
  tw_warn_kind kind;
  int serial;
  int active;
  double first_warned_s;
  double expected_t_s;   /* impact time, or first time over the area */
  double last_over_s;    /* overflight: last expected time over the area */
  double probability;
  double lat_deg, lon_deg;
  double contradicted_s; /* < 0: supported */
  char contradiction[160];
  tw_ground_ellipse ellipse;
  support sup[MAX_SUPPORT];
  int n_sup;
} warning;

/* One area threatened by one prediction. */
typedef struct threat {
  int eez, area;
  tw_warn_kind kind;
  double probability;
  double t_first_s, t_last_s;
  double lat_deg, lon_deg;
  double distance_km; /* overflight: about how far from the nominal track (0: on it) */
} threat;

struct tw_warn {
  tw_warn_config c;
  const tw_areas *land, *eez;
  unsigned char *land_ok, *eez_ok; /* areas of a warned nation */
  warning *w;
  size_t n_w, cap_w;
  tw_warn_event *ev;
  size_t n_ev, cap_ev, head;
  int next_serial;
  threat *th;
  size_t n_th, cap_th;
  tw_threat_area *scratch;
  int n_scratch;
  int *hits;
  struct coast {
    uint32_t track;
    double since; /* coasting since (< 0: not coasting) */
  } *coast;
  size_t n_coast, cap_coast;
};

void tw_warn_config_default(tw_warn_config *c)
{
  memset(c, 0, sizeof *c);
  c->p_impact = 0.01;
  c->p_overflight = 0.05;
  c->corridor_km = 50.0;
  c->corridor_max_km = 150.0;
  c->max_ellipse_km = 1000.0;
  c->cancel_after_s = 10.0;
  c->pass_margin_s = 20.0;
  c->impact_margin_s = 60.0;
  c->update_dt_s = 10.0;
  c->settle_s = 10.0;
  c->thrust_gate_mps2 = 2.0;
  c->n_samples = 2000;
  c->seed = 1;
  snprintf(c->nations[0], sizeof c->nations[0], "JPN");
  snprintf(c->nations[1], sizeof c->nations[1], "KOR");
  snprintf(c->nations[2], sizeof c->nations[2], "USA");
  c->n_nations = 3;
}

const char *tw_warn_kind_name(tw_warn_kind k)
{
  return k == TW_WARN_OVERFLIGHT ? "overflight" : k == TW_WARN_IMPACT ? "impact" : NULL;
}

const char *tw_warn_event_name(tw_warn_event_kind k)
{
  static const char *const names[] = {"new", "update", "passed", "impacted", "cancel"};
  return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : NULL;
}

static const tw_areas *set_of(const tw_warn *w, int eez) { return eez ? w->eez : w->land; }

const char *tw_warn_area_code(const tw_warn *w, const tw_warn_event *e)
{
  return w && e ? tw_areas_code(set_of(w, e->eez), e->area) : NULL;
}

const char *tw_warn_area_name(const tw_warn *w, const tw_warn_event *e)
{
  return w && e ? tw_areas_name(set_of(w, e->eez), e->area) : NULL;
}

static unsigned char *nation_mask(const tw_warn_config *c, const tw_areas *a)
{
  int n = tw_areas_count(a);
  unsigned char *m = calloc((size_t)n + 1, 1);
  if (!m)
    return NULL;
  for (int i = 0; i < n; i++)
    for (int k = 0; k < c->n_nations; k++)
      if (!strcmp(tw_areas_nation(a, i), c->nations[k]))
        m[i] = 1;
  return m;
}

tw_warn *tw_warn_new(const tw_warn_config *c, const tw_areas *land, const tw_areas *eez)
{
  if (!c || !land || !(c->p_impact > 0.0 && c->p_impact <= 1.0)
      || !(c->p_overflight > 0.0 && c->p_overflight <= 1.0) || !(c->corridor_km >= 0.0)
      || !(c->corridor_max_km >= c->corridor_km) || !(c->max_ellipse_km > 0.0)
      || !(c->cancel_after_s >= 0.0) || !(c->pass_margin_s >= 0.0)
      || !(c->impact_margin_s >= 0.0) || !(c->update_dt_s > 0.0) || !(c->settle_s >= 0.0)
      || !(c->thrust_gate_mps2 > 0.0) || c->n_samples < 1
      || c->n_samples > TW_THREAT_MAX_SAMPLES || c->n_nations < 1 || c->n_nations > 4)
    return NULL;
  tw_warn *w = calloc(1, sizeof *w);
  if (!w)
    return NULL;
  w->c = *c;
  w->land = land;
  w->eez = eez;
  w->next_serial = 1;
  int most = tw_areas_count(land);
  if (eez && tw_areas_count(eez) > most)
    most = tw_areas_count(eez);
  w->n_scratch = most + 1;
  w->scratch = malloc((size_t)w->n_scratch * sizeof *w->scratch);
  w->hits = malloc((size_t)w->n_scratch * sizeof *w->hits);
  w->land_ok = nation_mask(c, land);
  w->eez_ok = eez ? nation_mask(c, eez) : NULL;
  if (!w->scratch || !w->hits || !w->land_ok || (eez && !w->eez_ok)) {
    tw_warn_free(w);
    return NULL;
  }
  return w;
}

void tw_warn_free(tw_warn *w)
{
  if (!w)
    return;
  free(w->w);
  free(w->ev);
  free(w->th);
  free(w->scratch);
  free(w->hits);
  free(w->land_ok);
  free(w->eez_ok);
  free(w->coast);
  free(w);
}

/* --- threats of one prediction -------------------------------------------------------------- */

static int add_threat(tw_warn *w, const threat *t)
{
  for (size_t i = 0; i < w->n_th; i++) {
    threat *o = &w->th[i];
    if (o->eez == t->eez && o->area == t->area && o->kind == t->kind) {
      if (t->probability > o->probability) /* the nearer level wins */
        *o = *t;
      return 0;
    }
  }
  if (tw__grow((void **)&w->th, &w->cap_th, w->n_th + 1, sizeof *w->th, 16) < 0)
    return TW_ENOMEM;
  w->th[w->n_th++] = *t;
  return 0;
}

/* Impact threats in one area set: sample only when a partner area is within CANDIDATE_K sigma. */
static int impact_threats(tw_warn *w, int eez, uint32_t track, const tw_ground_ellipse *g)
{
  const tw_areas *a = set_of(w, eez);
  const unsigned char *ok = eez ? w->eez_ok : w->land_ok;
  if (!a)
    return 0;
  double k = CANDIDATE_K / TW_ELLIPSE_K95;
  double big = fmax(g->semi_major_m[1] * k, 1.0), small = fmax(g->semi_minor_m[1] * k, 1.0);
  int n = tw_areas_hit_ellipse(a, g->lat_rad, g->lon_rad, big, fmin(small, big),
                               g->orientation_rad, w->hits, w->n_scratch);
  if (n < 0)
    return n;
  int any = 0;
  for (int i = 0; i < n && i < w->n_scratch; i++)
    any |= ok[w->hits[i]];
  if (!any)
    return 0;
  n = tw_threat_impact(a, g, w->c.n_samples, w->c.seed ^ ((uint64_t)track << 32), w->scratch,
                       w->n_scratch);
  if (n < 0)
    return n;
  for (int i = 0; i < n && i < w->n_scratch; i++) {
    const tw_threat_area *e = &w->scratch[i];
    if (e->area == TW_THREAT_NONE || !ok[e->area] || e->probability < w->c.p_impact)
      continue;
    threat t = {eez, e->area, TW_WARN_IMPACT, e->probability, g->t_s, g->t_s,
                g->lat_rad / TW_DEG, g->lon_rad / TW_DEG, 0.0};
    int rc = add_threat(w, &t);
    if (rc < 0)
      return rc;
  }
  return 0;
}

/* One-sided normal tail: the chance the true ground track lies beyond d, the corridor half-width
 * hw being its two-sided 95% band. */
static double tail(double d, double hw)
{
  double sigma = hw / 1.959963984540054;
  return sigma > 0.0 ? 0.5 * erfc(d / (sigma * sqrt(2.0))) : (d > 0.0 ? 0.0 : 0.5);
}

/* Overflight threats: the nominal ground track (probability 1) and the corridor around it. */
static int overflight_threats(tw_warn *w, double t_s, const double x6[6], double beta,
                              const tw_ground_ellipse *g)
{
  tw_traj tr;
  int rc = tw_traj_coast(&tr, t_s, x6, x6 + 3, beta, GROUND_DT_S);
  if (rc < 0)
    return rc;
  size_t m = tr.n_states;
  double *lat = malloc((m + 1) * sizeof *lat), *lon = malloc((m + 1) * sizeof *lon);
  double *az = malloc((m + 1) * sizeof *az), *hw = malloc((m + 1) * sizeof *hw);
  rc = TW_ENOMEM;
  if (!lat || !lon || !az || !hw || m < 2)
    goto out;
  double t_end = tr.states[m - 1].t_s;
  for (size_t i = 0; i < m; i++) {
    tw_geodetic p;
    tw_ecef_to_geo(&p, tr.states[i].r);
    lat[i] = p.lat_rad;
    lon[i] = p.lon_rad;
    double frac = t_end > t_s ? (tr.states[i].t_s - t_s) / (t_end - t_s) : 1.0;
    hw[i] = fmin(w->c.corridor_max_km, w->c.corridor_km + g->semi_major_m[1] * 1e-3 * frac) * 1e3;
  }
  for (size_t i = 0; i < m; i++) {
    size_t a = i + 1 < m ? i : i - 1;
    tw_geodesic_inverse(lat[a], lon[a], lat[a + 1], lon[a + 1], NULL, &az[i], NULL);
  }

  /* on the nominal track */
  int n = tw_threat_overflight(w->land, tr.states, m, t_s, w->scratch, w->n_scratch);
  if ((rc = n) < 0)
    goto out;
  for (int i = 0; i < n && i < w->n_scratch; i++) {
    const tw_threat_area *e = &w->scratch[i];
    if (e->area == TW_THREAT_NONE || !w->land_ok[e->area])
      continue;
    size_t k = 0;
    while (k + 1 < m && tr.states[k].t_s < e->t_first_s)
      k++;
    threat t = {0, e->area, TW_WARN_OVERFLIGHT, 1.0, e->t_first_s, e->t_last_s,
                lat[k] / TW_DEG, lon[k] / TW_DEG, 0.0};
    if ((rc = add_threat(w, &t)) < 0)
      goto out;
  }

  /* the corridor, quad by quad at each level, nearest level first */
  for (int lv = 1; lv <= N_LEVELS; lv++) {
    double f = (double)lv / N_LEVELS;
    for (size_t i = 0; i + 1 < m; i++) {
      double q_lat[5], q_lon[5];
      size_t idx[2] = {i, i + 1};
      for (int s = 0; s < 2; s++) {
        size_t j = idx[s];
        tw_geodesic_direct(lat[j], lon[j], az[j] - TW_PI / 2, f * hw[j], &q_lat[s], &q_lon[s], NULL);
        tw_geodesic_direct(lat[j], lon[j], az[j] + TW_PI / 2, f * hw[j], &q_lat[3 - s],
                           &q_lon[3 - s], NULL);
      }
      q_lat[4] = q_lat[0];
      q_lon[4] = q_lon[0];
      n = tw_areas_hit_polygon(w->land, q_lat, q_lon, 5, w->hits, w->n_scratch);
      if (n < 0)
        continue; /* a degenerate quad: its neighbours cover it */
      for (int h = 0; h < n && h < w->n_scratch; h++) {
        int area = w->hits[h];
        if (!w->land_ok[area])
          continue;
        double d_km = (f - 0.5 / N_LEVELS) * hw[i] * 1e-3;
        double p = tail(d_km, hw[i] * 1e-3);
        if (p < w->c.p_overflight)
          continue;
        /* merge: first and last quad times */
        threat *o = NULL;
        for (size_t k = 0; k < w->n_th; k++)
          if (!w->th[k].eez && w->th[k].area == area && w->th[k].kind == TW_WARN_OVERFLIGHT)
            o = &w->th[k];
        if (o) {
          if (o->distance_km > 0.0 && o->distance_km >= d_km - 1e-9) {
            o->t_first_s = fmin(o->t_first_s, tr.states[i].t_s);
            o->t_last_s = fmax(o->t_last_s, tr.states[i + 1].t_s);
          }
          continue;
        }
        threat t = {0, area, TW_WARN_OVERFLIGHT, p, tr.states[i].t_s, tr.states[i + 1].t_s,
                    lat[i] / TW_DEG, lon[i] / TW_DEG, d_km};
        if ((rc = add_threat(w, &t)) < 0)
          goto out;
      }
    }
  }
  rc = 0;
out:
  free(lat);
  free(lon);
  free(az);
  free(hw);
  tw_traj_free(&tr);
  return rc;
}

/* --- warnings ---------------------------------------------------------------------------------- */

static int emit(tw_warn *w, tw_warn_event_kind ev, const warning *x, double t_s, const char *fmt,
                ...)
{
  if (tw__grow((void **)&w->ev, &w->cap_ev, w->n_ev + 1, sizeof *w->ev, 32) < 0)
    return TW_ENOMEM;
  tw_warn_event *e = &w->ev[w->n_ev++];
  memset(e, 0, sizeof *e);
  e->event = ev;
  e->kind = x->kind;
  e->area = x->area;
  e->eez = x->eez;
  e->serial = x->serial;
  e->t_s = t_s;
  e->expected_t_s = x->expected_t_s;
  e->probability = x->probability;
  e->lat_deg = x->lat_deg;
  e->lon_deg = x->lon_deg;
  e->ellipse = x->ellipse;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->why, sizeof e->why, fmt, ap);
  va_end(ap);
  return 0;
}

static const char *name_of(const tw_warn *w, const warning *x)
{
  return tw_areas_name(set_of(w, x->eez), x->area);
}

static void describe(char *buf, size_t n, const tw_warn *w, const warning *x, const threat *t,
                     uint32_t track, double t_s)
{
  if (t->kind == TW_WARN_IMPACT)
    snprintf(buf, n, "impact probability %.0f%% in %s at about T+%.0f s (track %u at T+%.0f s, "
             "95%% ellipse %.0f x %.0f km)", 100.0 * t->probability, name_of(w, x), t->t_first_s,
             track, t_s, x->ellipse.semi_major_m[1] * 1e-3, x->ellipse.semi_minor_m[1] * 1e-3);
  else if (t->distance_km <= 0.0)
    snprintf(buf, n, "predicted ground track crosses %s from about T+%.0f s (track %u at T+%.0f s)",
             name_of(w, x), t->t_first_s, track, t_s);
  else
    snprintf(buf, n, "predicted ground track passes about %.0f km from %s at about T+%.0f s, "
             "within its uncertainty corridor (overflight chance %.0f%%; track %u at T+%.0f s)",
             t->distance_km, name_of(w, x), t->t_first_s, 100.0 * t->probability, track, t_s);
}

static warning *find_active(tw_warn *w, int eez, int area, tw_warn_kind kind)
{
  for (size_t i = 0; i < w->n_w; i++) {
    warning *x = &w->w[i];
    if (x->active && x->eez == eez && x->area == area && x->kind == kind)
      return x;
  }
  return NULL;
}

static void add_support(warning *x, uint32_t track, double t_s)
{
  for (int i = 0; i < x->n_sup; i++)
    if (x->sup[i].track == track) {
      x->sup[i].t_s = t_s;
      return;
    }
  if (x->n_sup == MAX_SUPPORT) { /* forget the stalest */
    int old = 0;
    for (int i = 1; i < x->n_sup; i++)
      if (x->sup[i].t_s < x->sup[old].t_s)
        old = i;
    x->sup[old] = x->sup[--x->n_sup];
  }
  x->sup[x->n_sup++] = (support){track, t_s};
}

static int drop_support(warning *x, uint32_t track)
{
  for (int i = 0; i < x->n_sup; i++)
    if (x->sup[i].track == track) {
      x->sup[i] = x->sup[--x->n_sup];
      return 1;
    }
  return 0;
}

/* A warning takes the latest threat's times, probability, place and ellipse. */
static void take_threat(warning *x, const threat *t, const tw_ground_ellipse *g)
{
  x->expected_t_s = t->t_first_s;
  x->last_over_s = t->t_last_s;
  x->probability = t->probability;
  x->lat_deg = t->lat_deg;
  x->lon_deg = t->lon_deg;
  x->ellipse = *g;
}

static int merge(tw_warn *w, uint32_t track, double t_s, const tw_ground_ellipse *g)
{
  int rc;
  for (size_t i = 0; i < w->n_th; i++) {
    const threat *t = &w->th[i];
    warning *x = find_active(w, t->eez, t->area, t->kind);
    char why[200];
    if (!x) {
      if ((rc = tw__grow((void **)&w->w, &w->cap_w, w->n_w + 1, sizeof *w->w, 16)) < 0)
        return rc;
      x = &w->w[w->n_w++];
      memset(x, 0, sizeof *x);
      x->eez = t->eez;
      x->area = t->area;
      x->kind = t->kind;
      x->serial = w->next_serial++;
      x->active = 1;
      x->first_warned_s = t_s;
      take_threat(x, t, g);
      x->contradicted_s = -1.0;
      add_support(x, track, t_s);
      describe(why, sizeof why, w, x, t, track, t_s);
      if ((rc = emit(w, TW_WARN_NEW, x, t_s, "%s", why)) < 0)
        return rc;
      continue;
    }
    add_support(x, track, t_s);
    x->contradicted_s = -1.0;
    int moved = fabs(t->t_first_s - x->expected_t_s) > w->c.update_dt_s;
    int changed = (t->probability >= 0.5) != (x->probability >= 0.5);
    take_threat(x, t, g);
    if (moved || changed) {
      describe(why, sizeof why, w, x, t, track, t_s);
      if ((rc = emit(w, TW_WARN_UPDATE, x, t_s, "%s", why)) < 0)
        return rc;
    }
  }
  /* warnings this track supported and no longer threatens: support withdrawn */
  for (size_t i = 0; i < w->n_w; i++) {
    warning *x = &w->w[i];
    if (!x->active)
      continue;
    int still = 0;
    for (size_t k = 0; k < w->n_th && !still; k++)
      still = w->th[k].eez == x->eez && w->th[k].area == x->area && w->th[k].kind == x->kind;
    if (still || !drop_support(x, track))
      continue;
    if (t_s >= x->expected_t_s - REACHED_SLACK_S)
      continue; /* the object has reached it: it ends by time, as passed or impacted */
    if (x->n_sup == 0 && x->contradicted_s < 0.0) {
      x->contradicted_s = t_s;
      if (x->kind == TW_WARN_IMPACT)
        snprintf(x->contradiction, sizeof x->contradiction,
                 "track %u at T+%.0f s predicts impact at %.2fN %.2fE (95%% ellipse %.0f km): "
                 "under %.0f%% in %s", track, t_s, g->lat_rad / TW_DEG, g->lon_rad / TW_DEG,
                 g->semi_major_m[1] * 1e-3, 100.0 * w->c.p_impact, name_of(w, x));
      else
        snprintf(x->contradiction, sizeof x->contradiction,
                 "track %u at T+%.0f s: predicted ground track no longer passes over or near %s "
                 "(impact %.2fN %.2fE)", track, t_s, name_of(w, x), g->lat_rad / TW_DEG,
                 g->lon_rad / TW_DEG);
    }
  }
  return 0;
}

int tw_warn_coasting(tw_warn *w, uint32_t track, double t_s, double thrust_mps2, double mu_boost)
{
  if (!w || !isfinite(t_s) || !isfinite(thrust_mps2) || !isfinite(mu_boost))
    return TW_EINVAL;
  struct coast *c = NULL;
  for (size_t i = 0; i < w->n_coast && !c; i++)
    if (w->coast[i].track == track)
      c = &w->coast[i];
  if (!c) {
    if (tw__grow((void **)&w->coast, &w->cap_coast, w->n_coast + 1, sizeof *w->coast, 16) < 0)
      return TW_ENOMEM;
    c = &w->coast[w->n_coast++];
    c->track = track;
    c->since = -1.0;
  }
  if (fabs(thrust_mps2) >= w->c.thrust_gate_mps2 || mu_boost >= 0.5)
    c->since = -1.0;
  else if (c->since < 0.0)
    c->since = t_s;
  return c->since >= 0.0 && t_s - c->since >= w->c.settle_s;
}

int tw_warn_predict(tw_warn *w, uint32_t track, double t_s, const double x6[6], double beta_kg_m2,
                    const tw_ground_ellipse *g)
{
  if (!w || !x6 || !g || !isfinite(t_s) || !isfinite(beta_kg_m2) || beta_kg_m2 < 0.0)
    return TW_EINVAL;
  for (int i = 0; i < 6; i++)
    if (!isfinite(x6[i]))
      return TW_EINVAL;
  if (!isfinite(g->lat_rad) || !isfinite(g->lon_rad) || !isfinite(g->t_s)
      || !(g->semi_major_m[1] > 0.0) || !(g->semi_minor_m[1] > 0.0))
    return TW_EINVAL;
  w->n_th = 0;
  if (g->semi_major_m[1] > w->c.max_ellipse_km * 1e3)
    return 0;
  int rc = impact_threats(w, 0, track, g);
  if (rc >= 0)
    rc = impact_threats(w, 1, track, g);
  if (rc >= 0)
    rc = overflight_threats(w, t_s, x6, beta_kg_m2, g);
  if (rc < 0)
    return rc;
  if ((rc = merge(w, track, t_s, g)) < 0)
    return rc;
  return (int)w->n_th;
}

int tw_warn_tick(tw_warn *w, double t_s)
{
  if (!w || !isfinite(t_s))
    return TW_EINVAL;
  int rc;
  for (size_t i = 0; i < w->n_w; i++) {
    warning *x = &w->w[i];
    if (!x->active)
      continue;
    if (x->kind == TW_WARN_OVERFLIGHT && t_s >= x->last_over_s + w->c.pass_margin_s) {
      x->active = 0;
      if ((rc = emit(w, TW_WARN_PASSED, x, t_s, "the object passed %s at about T+%.0f s",
                     name_of(w, x), x->last_over_s)) < 0)
        return rc;
    } else if (x->kind == TW_WARN_IMPACT && t_s >= x->expected_t_s + w->c.impact_margin_s) {
      x->active = 0;
      if ((rc = emit(w, TW_WARN_IMPACTED, x, t_s, "the object came down at about T+%.0f s",
                     x->expected_t_s)) < 0)
        return rc;
    } else if (x->contradicted_s >= 0.0 && t_s >= x->contradicted_s + w->c.cancel_after_s) {
      x->active = 0;
      if ((rc = emit(w, TW_WARN_CANCEL, x, t_s, "no longer threatened: %s", x->contradiction)) < 0)
        return rc;
    }
  }
  return 0;
}

int tw_warn_events(tw_warn *w, tw_warn_event *out, int max)
{
  if (!w || max < 0 || (max > 0 && !out))
    return TW_EINVAL;
  int n = 0;
  while (w->head < w->n_ev && n < max)
    out[n++] = w->ev[w->head++];
  if (w->head == w->n_ev)
    w->head = w->n_ev = 0;
  return n;
}
