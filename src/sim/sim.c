/* sim.c - the scenario simulator: truth for every launch and spent stage, then every sensor's
 * looks at every object; contract in triwatch/sim.h.
 *
 * Order of work, which is what makes the output reproducible: objects in launch order (missile,
 * then its stages in separation order); sensors in scenario order, each with its own random
 * stream; within a sensor, looks in time order, and within a look objects in index order, then
 * false alarms. Random numbers are drawn only for what is visible, so a sensor's stream depends
 * on nothing but the truth and its own parameters. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/grow.h"
#include "triwatch/error.h"
#include "triwatch/linalg.h"
#include "triwatch/rng.h"
#include "triwatch/sim.h"

#define STAGE_BACK_MPS 8.0 /* a spent stage separates from the missile: 8 m/s back */
#define STAGE_SIDE_MPS 6.0 /* and 6 m/s to the side (10 m/s in all; notional) */

typedef struct meas_buf {
  tw_meas *a;
  size_t n, cap;
  int oom;
} meas_buf;

static tw_meas *meas_push(meas_buf *b)
{
  if (tw__grow((void **)&b->a, &b->cap, b->n + 1, sizeof *b->a, 4096) < 0) {
    b->oom = 1;
    return NULL;
  }
  tw_meas *m = &b->a[b->n++];
  memset(m, 0, sizeof *m);
  return m;
}

void tw_sim_free(tw_sim *sim)
{
  if (!sim)
    return;
  for (int i = 0; i < sim->n_objects; i++)
    tw_traj_free(&sim->obj[i].traj);
  free(sim->obj);
  free(sim->meas);
  free(sim->first_det_s);
  memset(sim, 0, sizeof *sim);
}

/* Truth: the missile of each launch and the stages it drops. */
static int make_objects(tw_sim *sim, double dt_s, char *err, size_t err_len)
{
  const tw_scenario *scn = sim->scn;
  sim->obj = calloc((size_t)scn->n_launches * (1 + TW_MAX_STAGES), sizeof *sim->obj);
  if (!sim->obj)
    return TW_ENOMEM;
  for (int l = 0; l < scn->n_launches; l++) {
    const tw_scn_launch *la = &scn->launch[l];
    tw_traj_request req = {la->lat_deg * TW_DEG, la->lon_deg * TW_DEG, la->bearing_deg * TW_DEG,
                           la->apogee_km * 1e3, la->range_km * 1e3, la->cls};
    tw_sim_object *m = &sim->obj[sim->n_objects];
    char why[200];
    int rc = tw_traj_solve(&m->traj, &req, dt_s, why, sizeof why);
    if (rc < 0) {
      if (err && err_len)
        snprintf(err, err_len, "launch %s: %s", la->id, why[0] ? why : tw_strerror(rc));
      return rc;
    }
    snprintf(m->id, sizeof m->id, "%s", la->id);
    m->launch = l;
    m->t0_s = la->t_s;
    sim->n_objects++;

    /* each stage separates at its burnout; the last one burning separates at cut-off */
    const tw_traj *mt = &m->traj;
    int n_sep = 0;
    for (int e = 0; e < mt->n_events; e++) {
      const tw_traj_event *ev = &mt->events[e];
      if (ev->kind != TW_TEV_STAGING && ev->kind != TW_TEV_BURNOUT)
        continue;
      int stage = (ev->kind == TW_TEV_STAGING) ? ev->stage : n_sep;
      n_sep++;
      /* pushed back and to the side (springs, retro-rockets): behind the missile and off its
       * line, as the radars then see it */
      double v[3], side[3], speed = sqrt(ev->v[0] * ev->v[0] + ev->v[1] * ev->v[1] +
                                        ev->v[2] * ev->v[2]);
      tw_v3_cross(side, ev->v, ev->r);
      double sn = tw_v3_norm(side);
      for (int k = 0; k < 3; k++)
        v[k] = ev->v[k] * (1.0 - STAGE_BACK_MPS / fmax(speed, 1.0)) +
               (sn > 0.0 ? STAGE_SIDE_MPS * side[k] / sn : 0.0);
      tw_sim_object *s = &sim->obj[sim->n_objects];
      rc = tw_traj_coast(&s->traj, ev->t_s, ev->r, v, mt->rocket->stage[stage].beta_kg_m2, dt_s);
      if (rc < 0) {
        if (err && err_len)
          snprintf(err, err_len, "launch %s: stage %d: %s", la->id, stage + 1, tw_strerror(rc));
        return rc;
      }
      snprintf(s->id, sizeof s->id, "%s-S%d", la->id, stage + 1);
      s->launch = l;
      s->stage = stage + 1;
      s->t0_s = la->t_s;
      sim->n_objects++;
      if (ev->kind == TW_TEV_BURNOUT)
        break;
    }
  }
  for (int i = 0; i < sim->n_objects; i++) {
    double end = sim->obj[i].t0_s + sim->obj[i].traj.flight_time_s;
    if (end > sim->end_s)
      sim->end_s = end;
  }
  return 0;
}

/* Is object o burning at its own time t (missile only, before cut-off)? */
static int burning(const tw_sim_object *o, double t)
{
  return o->stage == 0 && t >= 0.0 && t < o->traj.burnout_time_s;
}

static void radar_report(tw_meas *m, const tw_sensor *s, const double site[3], const double r[3],
                         const double v[3], const tw_aer *aer, tw_rng *rng)
{
  m->n_z = (s->sigma_rr_mps > 0.0) ? 4 : 3;
  m->sigma[0] = s->sigma_range_m;
  m->sigma[1] = m->sigma[2] = s->sigma_angle_rad;
  m->z[0] = aer->range_m + s->sigma_range_m * tw_rng_normal(rng);
  m->z[1] = tw_wrap_2pi(aer->az_rad + s->sigma_angle_rad * tw_rng_normal(rng));
  m->z[2] = aer->el_rad + s->sigma_angle_rad * tw_rng_normal(rng);
  if (m->n_z == 4) {
    double d[3] = {r[0] - site[0], r[1] - site[1], r[2] - site[2]};
    double rr = (d[0] * v[0] + d[1] * v[1] + d[2] * v[2]) / aer->range_m;
    m->sigma[3] = s->sigma_rr_mps;
    m->z[3] = rr + s->sigma_rr_mps * tw_rng_normal(rng);
  }
}

static void look(tw_sim *sim, meas_buf *mb, int si, tw_time_ns t_ns, double t, const double site[3],
                 tw_rng *rng)
{
  const tw_scenario *scn = sim->scn;
  const tw_sensor *s = &scn->sensor[si];
  tw_time_ns latency_ns = tw_time_from_s(s->latency_s);

  for (int i = 0; i < sim->n_objects; i++) {
    const tw_sim_object *o = &sim->obj[i];
    double tl = t - o->t0_s; /* on the object's clock */
    if (o->traj.n_states == 0 || tl < o->traj.states[0].t_s || tl > o->traj.flight_time_s)
      continue;
    double r[3], v[3];
    tw_traj_state_at(&o->traj, tl, r, v);
    tw_aer aer;
    if (s->kind == TW_SENSOR_IR) {
      if (!burning(o, tl) || tl < s->ir_delay_s)
        continue;
      tw_geodetic g;
      tw_ecef_to_geo(&g, r);
      if (g.h_m < s->ir_min_alt_km * 1e3)
        continue;
    }
    if (!tw_sensor_geometry(s, r, &aer))
      continue;
    if (tw_rng_uniform(rng) >= s->pd)
      continue;
    tw_meas *m = meas_push(mb);
    if (!m)
      return;
    m->t_ns = t_ns;
    m->t_report_ns = t_ns + latency_ns;
    m->sensor = si;
    m->object = i;
    if (s->kind == TW_SENSOR_IR) {
      m->n_z = 2;
      m->sigma[0] = m->sigma[1] = s->sigma_angle_rad;
      m->z[0] = tw_wrap_pi(aer.az_rad + s->sigma_angle_rad * tw_rng_normal(rng));
      m->z[1] = aer.el_rad + s->sigma_angle_rad * tw_rng_normal(rng);
    } else {
      radar_report(m, s, site, r, v, &aer, rng);
    }
  }

  /* false alarms: radar clutter and noise crossings, uniform over the coverage */
  if (s->kind != TW_SENSOR_RADAR || s->false_alarms_per_look <= 0.0)
    return;
  unsigned n_fa = tw_rng_poisson(rng, s->false_alarms_per_look);
  for (unsigned k = 0; k < n_fa; k++) {
    tw_meas *m = meas_push(mb);
    if (!m)
      return;
    m->t_ns = t_ns;
    m->t_report_ns = t_ns + latency_ns;
    m->sensor = si;
    m->object = -1;
    m->n_z = (s->sigma_rr_mps > 0.0) ? 4 : 3;
    m->z[0] = s->max_range_km * 1e3 * (0.05 + 0.95 * tw_rng_uniform(rng));
    m->z[1] = tw_wrap_2pi((s->boresight_deg + s->half_width_deg * (2.0 * tw_rng_uniform(rng) - 1.0)) * TW_DEG);
    m->z[2] = (s->min_elev_deg + 30.0 * tw_rng_uniform(rng)) * TW_DEG;
    m->sigma[0] = s->sigma_range_m;
    m->sigma[1] = m->sigma[2] = s->sigma_angle_rad;
    if (m->n_z == 4) {
      m->z[3] = 3000.0 * (2.0 * tw_rng_uniform(rng) - 1.0);
      m->sigma[3] = s->sigma_rr_mps;
    }
  }
}

/* Merge the sensors' report runs (each already in time order) by (time, sensor). A stable merge:
 * reports of one look keep their generation order (objects by index, then false alarms). */
static tw_meas *merge_runs(const tw_meas *a, const size_t *run_start, int n_runs, size_t n)
{
  tw_meas *out = malloc((n ? n : 1) * sizeof *out);
  size_t pos[TW_MAX_SENSORS];
  if (!out)
    return NULL;
  for (int r = 0; r < n_runs; r++)
    pos[r] = run_start[r];
  for (size_t k = 0; k < n; k++) {
    int best = -1;
    for (int r = 0; r < n_runs; r++) {
      if (pos[r] >= run_start[r + 1])
        continue;
      if (best < 0 || a[pos[r]].t_ns < a[pos[best]].t_ns)
        best = r; /* runs are in sensor order, so a tie keeps the lower sensor */
    }
    out[k] = a[pos[best]++];
  }
  return out;
}

int tw_sim_run(tw_sim *sim, const tw_scenario *scn, uint64_t seed, double truth_dt_s, char *err,
               size_t err_len)
{
  if (err && err_len)
    err[0] = '\0';
  if (!sim || !scn || !(truth_dt_s > 0.0))
    return TW_EINVAL;
  memset(sim, 0, sizeof *sim);
  sim->scn = scn;
  sim->seed = seed;
  int rc = make_objects(sim, truth_dt_s, err, err_len);
  if (rc < 0)
    goto fail;

  meas_buf mb = {0};
  size_t run_start[TW_MAX_SENSORS + 1];
  for (int si = 0; si < scn->n_sensors; si++) {
    const tw_sensor *s = &scn->sensor[si];
    double site[3];
    tw_sensor_site_ecef(s, site);
    tw_rng rng;
    tw_rng_seed_named(&rng, seed, s->id);
    tw_time_ns step_ns = tw_time_from_s(s->revisit_s);
    run_start[si] = mb.n;
    for (int64_t k = 0;; k++) {
      tw_time_ns dt_ns = k * step_ns;
      double t = (double)dt_ns * 1e-9;
      if (t > sim->end_s)
        break;
      look(sim, &mb, si, scn->start + dt_ns, t, site, &rng);
      if (mb.oom) {
        rc = TW_ENOMEM;
        free(mb.a);
        goto fail;
      }
    }
  }
  run_start[scn->n_sensors] = mb.n;
  sim->meas = merge_runs(mb.a, run_start, scn->n_sensors, mb.n);
  free(mb.a);
  if (!sim->meas) {
    rc = TW_ENOMEM;
    goto fail;
  }
  sim->n_meas = mb.n;

  size_t nfd = (size_t)scn->n_launches * (size_t)(scn->n_sensors > 0 ? scn->n_sensors : 1);
  sim->first_det_s = malloc(nfd * sizeof *sim->first_det_s);
  if (!sim->first_det_s) {
    rc = TW_ENOMEM;
    goto fail;
  }
  for (size_t i = 0; i < nfd; i++)
    sim->first_det_s[i] = -1.0;
  for (size_t i = 0; i < sim->n_meas; i++) {
    const tw_meas *m = &sim->meas[i];
    if (m->object < 0)
      continue;
    int l = sim->obj[m->object].launch;
    double t = (double)(m->t_ns - scn->start) * 1e-9 - scn->launch[l].t_s;
    double *fd = &sim->first_det_s[(size_t)l * (size_t)scn->n_sensors + (size_t)m->sensor];
    if (*fd < 0.0 || t < *fd)
      *fd = t;
  }
  return 0;

fail:
  tw_sim_free(sim);
  return rc;
}

/* --- writers ------------------------------------------------------------------------------ */

static int write_line(FILE *f, json_t *o)
{
  int rc = json_dumpf(o, f, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
  json_decref(o);
  if (rc < 0 || fputc('\n', f) == EOF)
    return TW_EIO;
  return 0;
}

static json_t *vec3(const double a[3], double scale)
{
  return json_pack("[f, f, f]", round(a[0] * scale) / scale, round(a[1] * scale) / scale,
                   round(a[2] * scale) / scale);
}

int tw_sim_write_truth(const tw_sim *sim, FILE *f)
{
  size_t *next = calloc((size_t)sim->n_objects + 1, sizeof *next);
  if (!next)
    return TW_ENOMEM;
  int rc = 0;
  for (;;) { /* merge the objects' states by time, ties in object order */
    int best = -1;
    double best_t = 0.0;
    for (int i = 0; i < sim->n_objects; i++) {
      const tw_sim_object *o = &sim->obj[i];
      if (next[i] >= o->traj.n_states)
        continue;
      double t = o->t0_s + o->traj.states[next[i]].t_s;
      if (best < 0 || t < best_t) {
        best = i;
        best_t = t;
      }
    }
    if (best < 0)
      break;
    const tw_sim_object *o = &sim->obj[best];
    const tw_traj_state *st = &o->traj.states[next[best]++];
    tw_time_ns t_ns = sim->scn->start + tw_time_from_s(best_t);
    char iso[48];
    tw_time_format(iso, sizeof iso, t_ns, 3, 0, 1);
    tw_geodetic g;
    tw_ecef_to_geo(&g, st->r);
    json_t *line = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:f, s:f, s:f}",
        "t_ns", (json_int_t)t_ns, "t", iso, "object", o->id,
        "kind", o->stage ? "stage" : "missile", "phase", st->stage >= 0 ? "boost" : "coast",
        "r_ecef_m", vec3(st->r, 1e3), "v_ecef_mps", vec3(st->v, 1e3),
        "lat_deg", round(g.lat_rad / TW_DEG * 1e7) / 1e7,
        "lon_deg", round(g.lon_rad / TW_DEG * 1e7) / 1e7, "alt_m", round(g.h_m * 1e3) / 1e3);
    if (!line || (rc = write_line(f, line)) < 0) {
      rc = line ? rc : TW_ENOMEM;
      break;
    }
  }
  free(next);
  return rc;
}

int tw_sim_write_measurements(const tw_sim *sim, FILE *f)
{
  static const char *radar_keys[4] = {"range_m", "az_rad", "el_rad", "range_rate_mps"};
  static const char *ir_keys[2] = {"los_lon_rad", "los_lat_rad"};
  for (size_t i = 0; i < sim->n_meas; i++) {
    const tw_meas *m = &sim->meas[i];
    const tw_sensor *s = &sim->scn->sensor[m->sensor];
    const char **keys = (s->kind == TW_SENSOR_IR) ? ir_keys : radar_keys;
    char iso[48];
    tw_time_format(iso, sizeof iso, m->t_ns, 3, 0, 1);
    json_t *z = json_object(), *sg = json_object();
    for (int k = 0; k < m->n_z; k++) {
      json_object_set_new(z, keys[k], json_real(m->z[k]));
      json_object_set_new(sg, keys[k], json_real(m->sigma[k]));
    }
    json_t *line = json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:o, s:o, s:s}",
        "t_ns", (json_int_t)m->t_ns, "t", iso, "t_report_ns", (json_int_t)m->t_report_ns,
        "sensor", s->id, "nation", s->nation, "kind", s->kind == TW_SENSOR_IR ? "ir" : "radar",
        "z", z, "sigma", sg, "truth", m->object >= 0 ? sim->obj[m->object].id : "false alarm");
    if (!line)
      return TW_ENOMEM;
    int rc = write_line(f, line);
    if (rc < 0)
      return rc;
  }
  return 0;
}
