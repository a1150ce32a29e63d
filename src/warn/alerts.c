/* alerts.c - simulate, track, predict, warn, write CAP, score against the truth
 * (triwatch/alerts.h). */
#include "triwatch/alerts.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/grow.h"
#include "triwatch/cap.h"
#include "triwatch/error.h"
#include "triwatch/geo.h"
#include "triwatch/predict.h"
#include "triwatch/sim.h"
#include "triwatch/threat.h"
#include "triwatch/tracker.h"
#include "warn/capmsg.h"

#define PREDICT_EVERY_S 2.0

static void set_err(char *err, size_t n, const char *msg)
{
  if (err && n)
    snprintf(err, n, "%s", msg);
}

void tw_alerts_free(tw_alerts *a)
{
  if (!a)
    return;
  for (int i = 0; i < a->n_msgs; i++)
    free(a->msg[i].xml);
  free(a->msg);
  free(a->area);
  memset(a, 0, sizeof *a);
}

typedef struct run {
  tw_alerts *out;
  size_t cap_area, cap_msg;
  const tw_scenario *scn;
  const tw_warn *w;
  const tw_areas *land, *eez;
  double t0_s;               /* first launch, scenario seconds */
  int offset_min;            /* UTC offset of the CAP times */
  char sender[32];
  int *last_msg;             /* per area record: index of its latest CAP message, -1 none */
} run;

/* --- truth ------------------------------------------------------------------------------------ */

/* True first time (scenario s) over each land area (overflight: the missile, stage 0) and of
 * impact in each land/EEZ area (every object); NAN where never. near[]: areas within
 * TW_ALERTS_NEAR_KM of a true ground point or impact. Arrays indexed by area (land), then
 * n_land + area (EEZ). */
static int truth_threats(const tw_sim *sim, const tw_areas *land, const tw_areas *eez, double *over,
                         double *impact, unsigned char *near)
{
  int n_land = tw_areas_count(land), n_eez = eez ? tw_areas_count(eez) : 0;
  int n_all = n_land + n_eez;
  for (int i = 0; i < n_all; i++)
    over[i] = impact[i] = NAN;
  int *hits = malloc(((size_t)n_all + 1) * sizeof *hits);
  tw_threat_area *ta = malloc(((size_t)n_land + 1) * sizeof *ta);
  int rc = TW_ENOMEM;
  if (!hits || !ta)
    goto out;
  for (int o = 0; o < sim->n_objects; o++) {
    const tw_sim_object *ob = &sim->obj[o];
    const tw_traj *tr = &ob->traj;
    if (tr->n_states == 0)
      continue;
    if (ob->stage == 0) {
      int n = tw_threat_overflight(land, tr->states, tr->n_states, tr->states[0].t_s, ta,
                                   n_land + 1);
      if ((rc = n) < 0)
        goto out;
      for (int i = 0; i < n && i <= n_land; i++)
        if (ta[i].area >= 0) {
          double t = ob->t0_s + ta[i].t_first_s;
          if (isnan(over[ta[i].area]) || t < over[ta[i].area])
            over[ta[i].area] = t;
        }
    }
    /* impact point */
    double la = tr->impact_lat_rad, lo = tr->impact_lon_rad, ti = ob->t0_s + tr->flight_time_s;
    for (int s = 0; s < 2; s++) {
      const tw_areas *a = s ? eez : land;
      if (!a)
        continue;
      int n = tw_areas_hit_track(a, &la, &lo, 1, hits, n_all);
      if ((rc = n) < 0)
        goto out;
      for (int i = 0; i < n && i < n_all; i++) {
        int k = (s ? n_land : 0) + hits[i];
        if (isnan(impact[k]) || ti < impact[k])
          impact[k] = ti;
      }
    }
    /* nearness: circles around ground points every ~50 km and the impact point (missile path
     * only; the stages fall close to it) */
    if (ob->stage != 0)
      continue;
    double last_lat = 1e9, last_lon = 1e9;
    for (size_t k = 0; k <= tr->n_states; k++) {
      double gl, gn;
      if (k < tr->n_states) {
        tw_geodetic g;
        tw_ecef_to_geo(&g, tr->states[k].r);
        gl = g.lat_rad;
        gn = g.lon_rad;
        if (last_lat < 1e8) {
          double d;
          tw_geodesic_inverse(last_lat, last_lon, gl, gn, &d, NULL, NULL);
          if (d < 50e3)
            continue;
        }
      } else {
        gl = la;
        gn = lo;
      }
      last_lat = gl;
      last_lon = gn;
      for (int s = 0; s < 2; s++) {
        const tw_areas *a = s ? eez : land;
        if (!a)
          continue;
        double r = TW_ALERTS_NEAR_KM * 1e3;
        int n = tw_areas_hit_ellipse(a, gl, gn, r, r, 0.0, hits, n_all);
        if ((rc = n) < 0)
          goto out;
        for (int i = 0; i < n && i < n_all; i++)
          near[(s ? n_land : 0) + hits[i]] = 1;
      }
    }
  }
  rc = 0;
out:
  free(hits);
  free(ta);
  return rc;
}

/* --- CAP messages -------------------------------------------------------------------------------------- */

static int add_msg(run *r, tw_alert_area *ar, int rec, const tw_warn_event *e)
{
  tw_alerts *out = r->out;
  int rc = tw__grow((void **)&out->msg, &r->cap_msg, (size_t)out->n_msgs + 1, sizeof *out->msg, 16);
  if (rc < 0)
    return rc;
  tw_alert_msg *m = &out->msg[out->n_msgs];
  memset(m, 0, sizeof *m);
  snprintf(m->id, sizeof m->id, "triwatch-%s-%04d-%02d", out->nation, ar->serial, ar->n_messages + 1);
  m->t_s = e->t_s - r->t0_s;
  const tw_alert_msg *prev = r->last_msg[rec] >= 0 ? &out->msg[r->last_msg[rec]] : NULL;
  tw__capctx cc = {r->sender, r->offset_min, r->scn->start, r->t0_s, r->scn->name, 1};
  rc = tw__cap_event(&m->xml, &m->len, &cc, e, ar->code, ar->name, ar->eez, m->id,
                     prev ? prev->id : NULL, prev ? prev->t_s + r->t0_s : 0.0);
  if (rc < 0)
    return rc;
  r->last_msg[rec] = out->n_msgs;
  out->n_msgs++;
  ar->n_messages++;
  return 0;
}

/* --- events into records --------------------------------------------------------------------- */

static int on_event(run *r, const tw_warn_event *e)
{
  tw_alerts *out = r->out;
  int rec = -1;
  for (int i = 0; i < out->n_areas; i++)
    if (out->area[i].serial == e->serial)
      rec = i;
  if (rec < 0) {
    int rc = tw__grow((void **)&out->area, &r->cap_area, (size_t)out->n_areas + 1,
                      sizeof *out->area, 16);
    if (rc < 0)
      return rc;
    int *lm = realloc(r->last_msg, ((size_t)out->n_areas + 1) * sizeof *lm);
    if (!lm)
      return TW_ENOMEM;
    r->last_msg = lm;
    rec = out->n_areas++;
    lm[rec] = -1;
    tw_alert_area *ar = &out->area[rec];
    memset(ar, 0, sizeof *ar);
    snprintf(ar->code, sizeof ar->code, "%s", tw_warn_area_code(r->w, e));
    snprintf(ar->name, sizeof ar->name, "%s", tw_warn_area_name(r->w, e));
    snprintf(ar->nation, sizeof ar->nation, "%s",
             tw_areas_nation(e->eez ? r->eez : r->land, e->area));
    ar->eez = e->eez;
    ar->kind = e->kind;
    ar->serial = e->serial;
    ar->first_warned_s = e->t_s - r->t0_s;
    ar->threat_time_s = NAN;
    ar->ended_s = NAN;
    ar->end = "open";
    snprintf(ar->why, sizeof ar->why, "%s", e->why);
  }
  tw_alert_area *ar = &out->area[rec];
  ar->expected_t_s = e->expected_t_s - r->t0_s;
  if (e->probability > ar->max_probability)
    ar->max_probability = e->probability;
  if (e->event == TW_WARN_PASSED || e->event == TW_WARN_IMPACTED || e->event == TW_WARN_CANCEL) {
    ar->ended_s = e->t_s - r->t0_s;
    ar->cancelled = e->event == TW_WARN_CANCEL;
    ar->end = e->event == TW_WARN_PASSED ? "passed" : e->event == TW_WARN_IMPACTED ? "impacted"
                                                                                  : "cancelled";
    snprintf(ar->end_why, sizeof ar->end_why, "%s", e->why);
  }
  return add_msg(r, ar, rec, e);
}

static int drain(run *r, tw_warn *w)
{
  tw_warn_event ev[16];
  int n;
  while ((n = tw_warn_events(w, ev, 16)) > 0)
    for (int i = 0; i < n; i++) {
      int rc = on_event(r, &ev[i]);
      if (rc < 0)
        return rc;
    }
  return n;
}

static int by_report(const void *pa, const void *pb)
{
  const tw_meas *a = pa, *b = pb;
  if (a->t_report_ns != b->t_report_ns)
    return a->t_report_ns < b->t_report_ns ? -1 : 1;
  return (a->t_ns > b->t_ns) - (a->t_ns < b->t_ns);
}

static int by_validity(const void *pa, const void *pb)
{
  const tw_meas *a = pa, *b = pb;
  if (a->t_ns != b->t_ns)
    return a->t_ns < b->t_ns ? -1 : 1;
  return (a->sensor > b->sensor) - (a->sensor < b->sensor);
}

/* --- the run ---------------------------------------------------------------------------------- */

int tw_alerts_run(tw_alerts *out, const tw_scenario *scn, uint64_t seed, const char *nation,
                  const tw_warn_config *c, const tw_areas *land, const tw_areas *eez, char *err,
                  size_t err_len)
{
  set_err(err, err_len, "");
  if (!out || !scn || !nation || !land || scn->n_launches < 1)
    return TW_EINVAL;
  memset(out, 0, sizeof *out);
  snprintf(out->nation, sizeof out->nation, "%s", nation);
  out->first_track_s = out->first_prediction_s = -1.0;
  int all = !strcmp(nation, "ALL");
  int map[TW_MAX_SENSORS], n_sub = 0;
  tw_sensor sub[TW_MAX_SENSORS];
  for (int i = 0; i < scn->n_sensors; i++) {
    map[i] = -1;
    if (all || !strcmp(scn->sensor[i].nation, nation)) {
      map[i] = n_sub;
      sub[n_sub++] = scn->sensor[i];
    }
  }
  if (n_sub == 0) {
    char msg[96];
    snprintf(msg, sizeof msg, "no sensor belongs to nation '%s'", nation);
    set_err(err, err_len, msg);
    return TW_ENOENT;
  }
  tw_warn_config cfg;
  if (c)
    cfg = *c;
  else
    tw_warn_config_default(&cfg);
  cfg.seed ^= seed;

  run r = {0};
  r.out = out;
  r.scn = scn;
  r.land = land;
  r.eez = eez;
  r.t0_s = scn->launch[0].t_s;
  for (int l = 1; l < scn->n_launches; l++)
    r.t0_s = fmin(r.t0_s, scn->launch[l].t_s);
  r.offset_min = !strcmp(nation, "USA") ? 0 : 540; /* JST and KST are both UTC+9 */
  snprintf(r.sender, sizeof r.sender, "triwatch-%c%c%c", tolower((unsigned char)nation[0]),
           tolower((unsigned char)nation[1]), tolower((unsigned char)nation[2]));

  tw_sim sim;
  int rc = tw_sim_run(&sim, scn, seed, 1.0, err, err_len);
  if (rc < 0)
    return rc;
  tw_warn *w = tw_warn_new(&cfg, land, eez);
  tw_tracker *tr = tw_tracker_new(NULL, sub, n_sub, scn->start);
  tw_meas *rep = malloc((sim.n_meas ? sim.n_meas : 1) * sizeof *rep);
  int n_all = tw_areas_count(land) + (eez ? tw_areas_count(eez) : 0);
  double *over = malloc(((size_t)n_all + 1) * sizeof *over);
  double *impact = malloc(((size_t)n_all + 1) * sizeof *impact);
  unsigned char *near = calloc((size_t)n_all + 1, 1);
  r.w = w;
  rc = TW_ENOMEM;
  if (!w || !tr || !rep || !over || !impact || !near)
    goto done;
  size_t n_rep = 0;
  for (size_t i = 0; i < sim.n_meas; i++)
    if (map[sim.meas[i].sensor] >= 0) {
      rep[n_rep] = sim.meas[i];
      rep[n_rep].sensor = map[sim.meas[i].sensor];
      n_rep++;
    }

  qsort(rep, n_rep, sizeof *rep, by_report);
  size_t next = 0;
  double next_pred = 0.0;
  for (double t = 0.0; t <= sim.end_s + 120.0; t += 1.0) {
    /* the reports that have arrived by t (their report time), in order of time of validity */
    size_t j = next;
    while (j < n_rep && (double)(rep[j].t_report_ns - scn->start) * 1e-9 <= t + 1e-9)
      j++;
    if (j > next) {
      qsort(rep + next, j - next, sizeof *rep, by_validity);
      if ((rc = tw_tracker_process(tr, rep + next, j - next)) < 0)
        goto done;
    }
    next = j;
    tw_tracker_housekeep(tr, t);
    int predict = t + 1e-9 >= next_pred;
    if (predict)
      next_pred = t + PREDICT_EVERY_S;
    for (int i = 0; i < tw_tracker_count(tr); i++) {
      const tw_track *k = tw_tracker_track(tr, i);
      if (k->status != TW_TRACK_CONFIRMED)
        continue;
      if (out->first_track_s < 0.0)
        out->first_track_s = t - r.t0_s;
      /* coasted long enough (tw_warn_coasting: counted from its first confirmed second), and
       * updated lately */
      int coasted = tw_warn_coasting(w, k->id, t, k->x[6], k->mu[0]);
      if (coasted < 0) {
        rc = coasted;
        goto done;
      }
      if (!predict || !coasted || t - k->t_s > 30.0)
        continue;
      tw_ground_ellipse g;
      double beta;
      if (tw_predict_impact_track(&g, k->t_s, k->x, k->P, &beta) < 0)
        continue;
      if (out->first_prediction_s < 0.0)
        out->first_prediction_s = t - r.t0_s;
      out->n_predictions++;
      rc = tw_warn_predict(w, k->id, t, k->x, beta, &g);
      if (rc == TW_ENOMEM)
        goto done;
    }
    if ((rc = tw_warn_tick(w, t)) < 0 || (rc = drain(&r, w)) < 0)
      goto done;
  }

  /* score against the truth */
  if ((rc = truth_threats(&sim, land, eez, over, impact, near)) < 0)
    goto done;
  int n_land = tw_areas_count(land);
  for (int i = 0; i < out->n_areas; i++) {
    tw_alert_area *ar = &out->area[i];
    const tw_areas *a = ar->eez ? eez : land;
    int idx = tw_areas_find(a, ar->code);
    if (idx < 0)
      continue;
    int k = (ar->eez ? n_land : 0) + idx;
    double tt = ar->kind == TW_WARN_OVERFLIGHT ? over[k] : impact[k];
    ar->threat_time_s = isnan(tt) ? NAN : tt - r.t0_s;
    ar->near_truth = near[k];
  }
  rc = 0;
done:
  free(over);
  free(impact);
  free(near);
  free(rep);
  free(r.last_msg);
  tw_tracker_free(tr);
  tw_warn_free(w);
  tw_sim_free(&sim);
  if (rc < 0)
    tw_alerts_free(out);
  return rc;
}

static json_t *num_or_null(double v) { return isnan(v) ? json_null() : json_real(round(v * 10.0) / 10.0); }

char *tw_alerts_json(const tw_alerts *a)
{
  json_t *arr = json_array();
  if (!arr)
    return NULL;
  for (int i = 0; a && i < a->n_areas; i++) {
    const tw_alert_area *x = &a->area[i];
    json_t *o = json_object();
    if (!o) {
      json_decref(arr);
      return NULL;
    }
    json_object_set_new(o, "area_code", json_string(x->code));
    json_object_set_new(o, "area_name", json_string(x->name));
    json_object_set_new(o, "kind", json_string(tw_warn_kind_name(x->kind)));
    json_object_set_new(o, "first_warned_s", num_or_null(x->first_warned_s));
    json_object_set_new(o, "threat_time_s", num_or_null(x->threat_time_s));
    json_object_set_new(o, "ended_s", num_or_null(x->ended_s));
    json_object_set_new(o, "cancelled", json_boolean(x->cancelled));
    json_object_set_new(o, "nation", json_string(x->nation));
    json_object_set_new(o, "eez_approximate", json_boolean(x->eez));
    json_object_set_new(o, "end", json_string(x->end));
    json_object_set_new(o, "expected_t_s", num_or_null(x->expected_t_s));
    json_object_set_new(o, "lead_s", isnan(x->threat_time_s)
                                         ? json_null()
                                         : num_or_null(x->threat_time_s - x->first_warned_s));
    json_object_set_new(o, "max_probability", json_real(round(x->max_probability * 1e3) / 1e3));
    json_object_set_new(o, "near_truth", json_boolean(x->near_truth));
    json_object_set_new(o, "why", json_string(x->why));
    json_object_set_new(o, "end_why", json_string(x->end_why));
    json_object_set_new(o, "messages", json_integer(x->n_messages));
    json_array_append_new(arr, o);
  }
  char *s = json_dumps(arr, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
  json_decref(arr);
  return s;
}
