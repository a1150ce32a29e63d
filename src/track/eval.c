/* eval.c - scoring a nation's picture of a scenario against the truth; contract in
 * triwatch/eval.h, definitions in docs/evaluation.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/grow.h"
#include "track/measure.h"
#include "track/motion.h"
#include "triwatch/error.h"
#include "triwatch/eval.h"
#include "triwatch/gospa.h"
#include "triwatch/kalman.h"
#include "triwatch/predict.h"

#define GOSPA_C_KM 10.0
#define IPP_EVERY_S 10.0
#define SWAP_AFTER_FRAMES 10
#define SWAP_MIN_SEP_M 1000.0
#define LIVE_S 5.0

void tw_eval_free(tw_eval *e)
{
  if (!e)
    return;
  for (int i = 0; i < e->n_launches; i++)
    free(e->launch[i].ipp);
  free(e->launch);
  free(e->object);
  memset(e, 0, sizeof *e);
}

/* Per confirmed track: frames spent on each truth label, for majorities and swaps. */
typedef struct trk_hist {
  uint32_t id;
  int confirmed;
  int *frames;  /* [n_objects + 1]: index 0 is "false alarm" */
  int last_label, run, established;
} trk_hist;

typedef struct ctx {
  const tw_scenario *scn;
  tw_sim sim;
  tw_eval *out;
  trk_hist *hist;
  int n_hist;
  size_t cap_hist;
  double lpe_best_major_m[TW_SCN_MAX_LAUNCHES];
} ctx;

static trk_hist *hist_of(ctx *c, uint32_t id)
{
  for (int i = c->n_hist - 1; i >= 0; i--)
    if (c->hist[i].id == id)
      return &c->hist[i];
  if (tw__grow((void **)&c->hist, &c->cap_hist, (size_t)c->n_hist + 1, sizeof *c->hist, 64) < 0)
    return NULL;
  trk_hist *h = &c->hist[c->n_hist];
  memset(h, 0, sizeof *h);
  h->frames = calloc((size_t)c->sim.n_objects + 1, sizeof *h->frames);
  if (!h->frames)
    return NULL;
  h->id = id;
  h->last_label = -2;
  c->n_hist++;
  return h;
}

/* Truth state of object i at scenario time t; 0 if it is in flight then. */
static int truth_at(const tw_sim *sim, int i, double t, double r[3], double v[3])
{
  const tw_sim_object *o = &sim->obj[i];
  double tl = t - o->t0_s;
  if (o->traj.n_states == 0 || tl < o->traj.states[0].t_s || tl > o->traj.flight_time_s)
    return -1;
  tw_traj_state_at(&o->traj, tl, r, v);
  return 0;
}

/* A track's estimate carried to time t with its most probable model. */
static void track_at(const tw_track *k, double t, double x[TW_MX], double P[TW_MX2])
{
  memcpy(x, k->x, sizeof(double) * TW_MX);
  memcpy(P, k->P, sizeof(double) * TW_MX2);
  int m = 0;
  for (int j = 1; j < TW_N_MODELS; j++)
    if (k->mu[j] > k->mu[m])
      m = j;
  static const tw_motion_noise q[TW_N_MODELS] = {{25.0, 50.0, 0.0}, {0.01, 1e-4, 1e-14},
                                                 {4.0, 1e-4, 1e-11}};
  tw__motion_predict(x, P, (enum tw_motion_model)m, &q[m], t - k->t_s);
}

/* The confirmed track that best follows object obj (most updates), or NULL. */
static const tw_track *best_track(const tw_tracker *tr, int obj)
{
  const tw_track *best = NULL;
  for (int i = 0; i < tw_tracker_count(tr); i++) {
    const tw_track *k = tw_tracker_track(tr, i);
    if (k->status == TW_TRACK_CONFIRMED && k->truth_object == obj &&
        (!best || k->n_updates > best->n_updates))
      best = k;
  }
  return best;
}

static int add_ipp(tw_eval_launch *el, const tw_eval_ipp *p)
{
  size_t cap = (size_t)el->n_ipp; /* exact size so far: grow it */
  if (tw__grow((void **)&el->ipp, &cap, (size_t)el->n_ipp + 1, sizeof *el->ipp, 16) < 0)
    return TW_ENOMEM;
  el->ipp[el->n_ipp++] = *p;
  return 0;
}

/* Impact prediction from a track at scenario time t, scored against the truth of missile obj. */
static int score_ipp(ctx *c, int l, int obj, const tw_track *k, double t)
{
  const tw_sim_object *o = &c->sim.obj[obj];
  double x[TW_MX], P[TW_MX2];
  track_at(k, t, x, P);
  tw_ground_ellipse g;
  if (tw_predict_impact_track(&g, t, x, P, NULL) < 0)
    return 0; /* no prediction possible from this state (still climbing out, say) */
  double d, az;
  tw_geodesic_inverse(g.lat_rad, g.lon_rad, o->traj.impact_lat_rad, o->traj.impact_lon_rad, &d,
                      &az, NULL);
  double e = d * sin(az), n = d * cos(az), m2 = 1e300;
  tw_spd_mahalanobis2(&m2, g.cov_en_m2, (double[2]){e, n}, 2);
  double t_launch = c->scn->launch[l].t_s;
  tw_eval_ipp p = {
    .t_s = t - t_launch,
    .error_km = d / 1e3,
    .ellipse95_major_km = g.semi_major_m[1] / 1e3,
    .ellipse95_minor_km = g.semi_minor_m[1] / 1e3,
    .ellipse50_major_km = g.semi_major_m[0] / 1e3,
    .ellipse50_minor_km = g.semi_minor_m[0] / 1e3,
    .impact_time_error_s = g.t_s - (o->t0_s + o->traj.flight_time_s),
    .truth_inside_95 = m2 <= TW_ELLIPSE_K95 * TW_ELLIPSE_K95,
    .truth_inside_50 = m2 <= TW_ELLIPSE_K50 * TW_ELLIPSE_K50,
    .after_burnout = t - t_launch > o->traj.burnout_time_s,
  };
  tw_eval_launch *el = &c->out->launch[l];
  if (el->first_ellipse95_under_100km_s < 0 && p.ellipse95_major_km < 100.0)
    el->first_ellipse95_under_100km_s = p.t_s;
  return add_ipp(el, &p);
}

/* Launch point from a confirmed track on a launch while it is under power: the gravity-turn
 * backward flight with the rocket equation (an exhaust speed of 2,700 m/s, typical of the
 * solid and storable-liquid motors in question). */
#define LPE_EXHAUST_MPS 2700.0
#define LPE_EVERY_S 1.0
static void score_lpe(ctx *c, int l, const tw_track *k, double t)
{
  tw_eval_launch *el = &c->out->launch[l];
  double x[TW_MX], P[TW_MX2];
  if (k->mu[TW_MODEL_BOOST] < 0.5 || fmod(t - c->scn->launch[l].t_s, LPE_EVERY_S) != 0.0)
    return;
  track_at(k, t, x, P);
  if (!(x[6] > 2.0 * sqrt(P[60]))) /* thrust not yet established */
    return;
  tw_ground_ellipse g;
  if (tw_predict_launch_turn(&g, t, x, P, LPE_EXHAUST_MPS, 400.0) < 0)
    return;
  /* keep the most certain estimate made while the track was under power */
  if (el->lpe_error_km >= 0 && g.semi_major_m[1] >= c->lpe_best_major_m[l])
    return;
  c->lpe_best_major_m[l] = g.semi_major_m[1];
  const tw_scn_launch *la = &c->scn->launch[l];
  double d;
  tw_geodesic_inverse(g.lat_rad, g.lon_rad, la->lat_deg * TW_DEG, la->lon_deg * TW_DEG, &d, NULL,
                      NULL);
  el->lpe_error_km = d / 1e3;
  el->lpe_at_s = t - la->t_s;
}

int tw_eval_run(tw_eval *out, const tw_scenario *scn, uint64_t seed, const char *nation,
                char *err, size_t err_len)
{
  return tw_eval_run_cfg(out, scn, seed, nation, NULL, err, err_len);
}

int tw_eval_run_cfg(tw_eval *out, const tw_scenario *scn, uint64_t seed, const char *nation,
                    const tw_tracker_config *cfg, char *err, size_t err_len)
{
  if (err && err_len)
    err[0] = '\0';
  if (!out || !scn || !nation)
    return TW_EINVAL;
  memset(out, 0, sizeof *out);
  ctx c = {0};
  c.scn = scn;
  c.out = out;
  snprintf(out->scenario, sizeof out->scenario, "%s", scn->name);
  snprintf(out->nation, sizeof out->nation, "%s", nation);
  int all = !strcmp(nation, "ALL");

  /* the nation's sensors, in scenario order */
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
    if (err && err_len)
      snprintf(err, err_len, "no sensor belongs to nation '%s'", nation);
    return TW_ENOENT;
  }
  int rc = tw_sim_run(&c.sim, scn, seed, 1.0, err, err_len);
  if (rc < 0)
    return rc;
  tw_sim *sim = &c.sim;

  /* the nation's reports, re-indexed to its sensors */
  tw_meas *rep = malloc((sim->n_meas ? sim->n_meas : 1) * sizeof *rep);
  out->launch = calloc((size_t)scn->n_launches, sizeof *out->launch);
  out->object = calloc((size_t)sim->n_objects, sizeof *out->object);
  double *pcrlb_P = calloc(TW_MX2, sizeof(double));
  tw_tracker *tr = tw_tracker_new(cfg, sub, n_sub, scn->start);
  if (!rep || !out->launch || !out->object || !pcrlb_P || !tr) {
    rc = TW_ENOMEM;
    goto done;
  }
  size_t n_rep = 0;
  for (size_t i = 0; i < sim->n_meas; i++)
    if (map[sim->meas[i].sensor] >= 0) {
      rep[n_rep] = sim->meas[i];
      rep[n_rep].sensor = map[sim->meas[i].sensor];
      n_rep++;
    }
  out->n_reports = n_rep;
  out->n_launches = scn->n_launches;
  out->n_objects = sim->n_objects;
  for (int l = 0; l < scn->n_launches; l++) {
    tw_eval_launch *el = &out->launch[l];
    snprintf(el->id, sizeof el->id, "%s", scn->launch[l].id);
    el->first_detection_s = el->first_track_s = el->first_ellipse95_under_100km_s = -1.0;
    el->lpe_error_km = el->lpe_at_s = -1.0;
  }
  for (int i = 0; i < sim->n_objects; i++)
    snprintf(out->object[i].id, sizeof out->object[i].id, "%s", sim->obj[i].id);
  for (size_t i = 0; i < n_rep; i++) {
    if (rep[i].object < 0)
      continue;
    int l = sim->obj[rep[i].object].launch;
    double t = (double)(rep[i].t_report_ns - scn->start) * 1e-9 - scn->launch[l].t_s;
    tw_eval_launch *el = &out->launch[l];
    if (el->first_detection_s < 0 || t < el->first_detection_s)
      el->first_detection_s = t;
  }
  for (int l = 0; l < scn->n_launches; l++)
    for (int i = 0; i < sim->n_objects; i++)
      if (sim->obj[i].launch == l && sim->obj[i].stage == 0) {
        out->launch[l].burnout_s = sim->obj[i].traj.burnout_time_s;
        out->launch[l].flight_s = sim->obj[i].traj.flight_time_s;
      }

  /* the bound: the filter's covariance recursion along the true path of the first missile */
  int pc_obj = 0, pc_started = 0;
  double pc_t = 0.0;
  double sum_b2 = 0, sum_e2_coast = 0, gospa_sum = 0, nees_sum = 0, e2_sum = 0;
  long n_b = 0, n_gospa = 0, n_nees = 0;
  int *detected = calloc((size_t)sim->n_objects, sizeof *detected);
  double *truth_pts = calloc((size_t)sim->n_objects * 3 + 3, sizeof(double));
  if (!detected || !truth_pts) {
    free(detected);
    free(truth_pts);
    rc = TW_ENOMEM;
    goto done;
  }

  size_t next = 0;
  double next_ipp[TW_SCN_MAX_LAUNCHES];
  for (int l = 0; l < scn->n_launches; l++)
    next_ipp[l] = scn->launch[l].t_s + IPP_EVERY_S;
  for (double t = 0.0; t <= sim->end_s + 1.0; t += 1.0) {
    size_t j = next;
    while (j < n_rep && (double)(rep[j].t_ns - scn->start) * 1e-9 <= t + 1e-9)
      j++;
    for (size_t k = next; k < j; k++) {
      if (rep[k].object >= 0)
        detected[rep[k].object] = 1;
      /* the bound's information from each report of the first missile */
      if (rep[k].object == pc_obj) {
        double tk = (double)(rep[k].t_ns - scn->start) * 1e-9, r[3], v[3];
        if (truth_at(sim, pc_obj, tk, r, v) == 0) {
          double xt[TW_MX] = {r[0], r[1], r[2], v[0], v[1], v[2], 0, 0, TW_KAPPA_PRIOR};
          int boost = tk - sim->obj[pc_obj].t0_s < sim->obj[pc_obj].traj.burnout_time_s;
          if (!pc_started) {
            memset(pcrlb_P, 0, TW_MX2 * sizeof(double));
            for (int i = 0; i < 3; i++) {
              pcrlb_P[i * TW_MX + i] = 1e6;
              pcrlb_P[(3 + i) * TW_MX + 3 + i] = 1e6;
            }
            pcrlb_P[60] = 900.0;
            pcrlb_P[70] = 225.0;
            pcrlb_P[80] = TW_KAPPA_PRIOR * TW_KAPPA_PRIOR;
            pc_started = 1;
          } else {
            static const tw_motion_noise q[2] = {{25.0, 50.0, 0.0}, {0.01, 1e-4, 1e-14}};
            double xp[TW_MX];
            memcpy(xp, xt, sizeof xp);
            tw__motion_predict(xp, pcrlb_P, boost ? TW_MODEL_BOOST : TW_MODEL_BALLISTIC,
                               &q[!boost], tk - pc_t);
          }
          pc_t = tk;
          const tw_sensor *s = &sub[rep[k].sensor];
          double H[4 * TW_MX], zhat[4], R[16] = {0}, y[4] = {0};
          tw_site site;
          tw_sensor_site_ecef(s, site.r);
          tw_enu_basis(site.enu, s->lat_deg * TW_DEG, s->lon_deg * TW_DEG);
          if (s->kind == TW_SENSOR_IR)
            tw__meas_ir(zhat, H, xt, &site);
          else
            tw__meas_radar(zhat, H, xt, &site, rep[k].n_z);
          for (int i = 0; i < rep[k].n_z; i++)
            R[i * rep[k].n_z + i] = rep[k].sigma[i] * rep[k].sigma[i];
          double xd[TW_MX];
          memcpy(xd, xt, sizeof xd);
          tw_kf_update(xd, pcrlb_P, y, H, R, TW_MX, rep[k].n_z, NULL);
        }
      }
    }
    if (j > next && (rc = tw_tracker_process(tr, rep + next, j - next)) < 0)
      break;
    next = j;
    tw_tracker_housekeep(tr, t);

    /* confirmed tracks: labels, first tracks, swaps */
    int nt = tw_tracker_count(tr);
    for (int i = 0; i < nt; i++) {
      const tw_track *k = tw_tracker_track(tr, i);
      if (k->status != TW_TRACK_CONFIRMED)
        continue;
      trk_hist *h = hist_of(&c, k->id);
      if (!h) {
        rc = TW_ENOMEM;
        break;
      }
      int lab = k->truth_object;
      h->frames[lab + 1]++;
      if (lab == h->last_label) {
        if (++h->run >= SWAP_AFTER_FRAMES)
          h->established = 1;
      } else {
        /* a swap: the track moved from one object to another it could tell apart (1 km) */
        double ra[3], rb[3], va[3];
        if (h->established && lab >= 0 && h->last_label >= 0 &&
            truth_at(sim, lab, t, ra, va) == 0 && truth_at(sim, h->last_label, t, rb, va) == 0 &&
            hypot(hypot(ra[0] - rb[0], ra[1] - rb[1]), ra[2] - rb[2]) > SWAP_MIN_SEP_M)
          out->swaps++;
        h->last_label = lab;
        h->run = 1;
      }
      if (lab >= 0) {
        int l = sim->obj[lab].launch;
        tw_eval_launch *el = &out->launch[l];
        double ft = k->t_confirmed_s - scn->launch[l].t_s;
        if (el->first_track_s < 0 || ft < el->first_track_s)
          el->first_track_s = ft;
      }
    }
    if (rc < 0)
      break;

    /* GOSPA over the detected live objects; RMSE and NEES of labelled tracks */
    int nx = 0;
    for (int i = 0; i < sim->n_objects; i++) {
      double r[3], v[3];
      if (detected[i] && truth_at(sim, i, t, r, v) == 0) {
        for (int a = 0; a < 3; a++)
          truth_pts[nx * 3 + a] = r[a] / 1e3;
        nx++;
      }
    }
    double *yp = malloc(((size_t)nt + 1) * 3 * sizeof(double));
    if (!yp) {
      rc = TW_ENOMEM;
      break;
    }
    int ny = 0;
    for (int i = 0; i < nt; i++) {
      const tw_track *k = tw_tracker_track(tr, i);
      if (k->status != TW_TRACK_CONFIRMED)
        continue;
      double x[TW_MX], P[TW_MX2], r[3], v[3];
      track_at(k, t, x, P);
      for (int a = 0; a < 3; a++)
        yp[ny * 3 + a] = x[a] / 1e3;
      ny++;
      /* accuracy and consistency of live tracks (updated in the last LIVE_S seconds) */
      if (k->truth_last >= 0 && t - k->t_s <= LIVE_S &&
          truth_at(sim, k->truth_last, t, r, v) == 0) {
        double d[6] = {x[0] - r[0], x[1] - r[1], x[2] - r[2], x[3] - v[0], x[4] - v[1],
                       x[5] - v[2]};
        double P6[36], nees;
        for (int a = 0; a < 6; a++)
          for (int b = 0; b < 6; b++)
            P6[a * 6 + b] = P[a * TW_MX + b];
        e2_sum += d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
        if (getenv("TW_EVAL_DEBUG"))
          fprintf(stderr, "t=%5.0f trk %3u obj %-6s upd %4d mu %.2f %.2f %.2f err %8.0f m  vel %6.1f at %6.1f an %6.1f k %.2e\n",
                  t, k->id, sim->obj[k->truth_last].id, k->n_updates, k->mu[0], k->mu[1],
                  k->mu[2], sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]),
                  sqrt(d[3] * d[3] + d[4] * d[4] + d[5] * d[5]), x[6], x[7], x[8]);
        if (tw_spd_mahalanobis2(&nees, P6, d, 6) == 0) {
          nees_sum += nees;
          n_nees++;
        }
        if (k->truth_last == pc_obj && pc_started &&
            t - sim->obj[pc_obj].t0_s > sim->obj[pc_obj].traj.burnout_time_s) {
          /* the bound at this frame: its covariance carried from the last report */
          double Pb[TW_MX2], xb[TW_MX] = {r[0], r[1], r[2], v[0], v[1], v[2], 0, 0,
                                            TW_KAPPA_PRIOR};
          static const tw_motion_noise qb = {0.01, 1e-4, 1e-14};
          memcpy(Pb, pcrlb_P, sizeof Pb);
          double xs[TW_MX];
          memcpy(xs, xb, sizeof xs);
          tw__motion_predict(xs, Pb, TW_MODEL_BALLISTIC, &qb, t - pc_t);
          sum_b2 += Pb[0] + Pb[10] + Pb[20];
          sum_e2_coast += d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
          n_b++;
        }
      }
    }
    if (nx > 0 || ny > 0) {
      size_t ws = tw_gospa_workspace(nx, ny);
      void *w = malloc(ws ? ws : 1);
      double g = 0.0;
      if (w && tw_gospa(&g, truth_pts, nx, yp, ny, 3, GOSPA_C_KM, 2.0, NULL, NULL, NULL, w, ws) ==
                 0) {
        gospa_sum += g;
        n_gospa++;
      }
      free(w);
    }
    free(yp);

    /* launch point (once) and impact point (every 10 s) per launch */
    for (int l = 0; l < scn->n_launches; l++) {
      int obj = -1;
      for (int i = 0; i < sim->n_objects; i++)
        if (sim->obj[i].launch == l && sim->obj[i].stage == 0)
          obj = i;
      const tw_track *k = best_track(tr, obj);
      if (!k)
        continue;
      score_lpe(&c, l, k, t);
      double t_imp = sim->obj[obj].t0_s + sim->obj[obj].traj.flight_time_s;
      /* no impact prediction while the track is under power: where it falls depends on when
       * the thrust stops, which nobody outside knows */
      if (t + 1e-9 >= next_ipp[l] && t < t_imp && k->mu[TW_MODEL_BOOST] < 0.5) {
        if ((rc = score_ipp(&c, l, obj, k, t)) < 0)
          break;
      }
      while (next_ipp[l] <= t + 1e-9)
        next_ipp[l] += IPP_EVERY_S;
    }
    if (rc < 0)
      break;
  }
  free(detected);
  free(truth_pts);
  if (rc < 0)
    goto done;

  out->gospa_mean = n_gospa ? gospa_sum / (double)n_gospa : 0.0;
  out->nees_mean = n_nees ? nees_sum / (double)n_nees : 0.0;
  out->rmse_pos_m = n_nees ? sqrt(e2_sum / (double)n_nees) : 0.0;
  out->pcrlb_pos_m = n_b ? sqrt(sum_b2 / (double)n_b) : 0.0;
  out->rmse_pos_coast_m = n_b ? sqrt(sum_e2_coast / (double)n_b) : 0.0;
  for (int h = 0; h < c.n_hist; h++) {
    int best = 0;
    for (int i = 1; i <= sim->n_objects; i++)
      if (c.hist[h].frames[i] > c.hist[h].frames[best])
        best = i;
    out->confirmed_tracks++;
    if (best == 0)
      out->false_tracks++;
    else
      out->object[best - 1].confirmed_tracks++;
  }
  for (int i = 0; i < sim->n_objects; i++)
    for (size_t k = 0; k < n_rep; k++)
      if (rep[k].object == i) {
        out->object[i].detected = 1;
        break;
      }
  tw_tracker_get_stats(tr, &out->tracker);

done:
  for (int h = 0; h < c.n_hist; h++)
    free(c.hist[h].frames);
  free(c.hist);
  free(rep);
  free(pcrlb_P);
  tw_tracker_free(tr);
  tw_sim_free(&c.sim);
  if (rc < 0)
    tw_eval_free(out);
  return rc;
}
