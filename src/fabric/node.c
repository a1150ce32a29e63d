/* node.c - one nation's node: sensors -> tracker -> bus -> fusion -> prediction, with the
 * recorder beside it; contract in triwatch/node.h, design in docs/fabric.md. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "core/grow.h"
#include "triwatch/bus.h"
#include "triwatch/cot.h"
#include "triwatch/error.h"
#include "triwatch/fusion.h"
#include "triwatch/node.h"
#include "triwatch/pki.h"
#include "triwatch/predict.h"
#include "triwatch/recorder.h"
#include "triwatch/sim.h"
#include "triwatch/tracker.h"
#include "fabric/node_out.h"

#ifndef TW_DDS_PLUGIN_DIR
#define TW_DDS_PLUGIN_DIR NULL
#endif

#define SHARE_EVERY_S 1.0   /* own tracks published this often (scenario time) */
#define FUSE_EVERY_S 1.0
#define PREDICT_EVERY_S 2.0 /* predictions feed the warnings */
#define STATE_EVERY_NS (500 * 1000 * 1000LL) /* the web state, wall clock */
#define HISTORY_N 300       /* points of each track kept for the web picture (1 a second) */
#define MAX_HIST_TRACKS 1024
#define HEALTH_EVERY_S 1.0
#define MAX_SEEN 512
#define POLL_BATCH 64

/* Timeline events already told, so each is told once. */
typedef struct seen {
  char key[128];
} seen;

struct tw_node {
  tw_nodecfg cfg;
  tw_scenario scn;
  tw_sim sim;
  tw_meas *rep; /* own sensors' reports, re-indexed to own[] */
  size_t n_rep, next;
  double window_s; /* largest latency of the own sensors: the re-ordering window */
  tw_sensor own[TW_MAX_SENSORS];
  int n_own;
  tw_tracker *trk;
  tw_bus *bus;
  tw_fusion *fus;
  tw_recorder *rec;
  FILE *tl;
  tw_time_ns start_wall;
  double speed, end_s;
  double next_share, next_fuse, next_pred, next_health;
  tw_bus_marking mark;
  char relset[128];
  seen told[MAX_SEEN];
  int n_told;
  double partner_latency_ms[TW_NODECFG_MAX_LINKS];
  tw_time_ns partner_heard[TW_NODECFG_MAX_LINKS];
  size_t link_received[TW_NODECFG_MAX_LINKS]; /* samples taken from each link */
  tw_bus_sample in[POLL_BATCH];
  int own_tracked; /* an own confirmed track has existed */
  int alerted[64];  /* GTNs this node has raised a launch alert for (first 64) */
  int n_alerted;
  uint32_t shared_ids[256]; /* own track ids published and not yet retired */
  int n_shared;
  double restored_until; /* partner tracks restored from the recording are valid to here */
  tw_node_stats st;
  tw__out *out;          /* warnings, web picture, TAK */
  double hold_s;
  tw_time_ns next_state; /* wall clock */
  struct hist {          /* recent positions of each system track, for the web picture */
    uint32_t gtn;
    int n, head;
    double last_t;
    float p[HISTORY_N][4]; /* t, lat, lon, alt */
  } *hist;
  int n_hist;
  struct pred {          /* the latest impact prediction of each system track */
    uint32_t gtn;
    double t;
    tw_ground_ellipse g;
  } *preds;
  size_t n_preds, cap_preds;
  struct srcmark {       /* the marking each partner track came with (for the picture) */
    char key[24];        /* "KOR#3" */
    char rel[128];
  } *marks;
  size_t n_marks, cap_marks;
};

static void timeline(tw_node *n, double t, const char *fmt, ...)
{
  char text[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  if (n->tl) {
    fprintf(n->tl, "%.1f\t%s\t%s\n", t, n->cfg.nation, text);
    fflush(n->tl);
  }
  tw__out_timeline(n->out, t, text);
}

/* 1 the first time key is seen. */
static int first_time(tw_node *n, const char *key)
{
  for (int i = 0; i < n->n_told; i++)
    if (!strcmp(n->told[i].key, key))
      return 0;
  if (n->n_told < MAX_SEEN)
    snprintf(n->told[n->n_told++].key, sizeof n->told[0].key, "%s", key);
  return 1;
}

static tw_time_ns wall_now(void) { return tw_time_now(); }

static double scn_now(const tw_node *n)
{
  return (double)(wall_now() - n->start_wall) * 1e-9 * n->speed;
}

static const char *other_end(const tw_nodecfg_link *l, const char *me)
{
  return strcmp(l->a, me) ? l->a : l->b;
}

static int in_marking(const tw_bus_marking *m, const char *nation)
{
  for (int i = 0; i < m->n_rel; i++)
    if (!strcmp(m->rel[i], nation))
      return 1;
  return 0;
}

/* A track as JSON for the recorder: where it is for a reader, and its whole state (x, and the
 * upper triangle of P) so that a restarted node can take it back. */
static void track_json(char *buf, size_t n, const char *originator, const tw_track *t)
{
  tw_geodetic g;
  tw_ecef_to_geo(&g, t->x);
  int off = snprintf(buf, n,
                     "{\"originator\":\"%s\",\"track_id\":%u,\"t_s\":%.3f,\"lat\":%.5f,"
                     "\"lon\":%.5f,\"alt_m\":%.0f,\"sigma_pos_m\":%.1f,\"status\":%d,"
                     "\"mu\":[%.4f,%.4f,%.4f],\"x\":[",
                     originator, t->id, t->t_s, g.lat_rad / TW_DEG, g.lon_rad / TW_DEG, g.h_m,
                     sqrt(fabs(t->P[0] + t->P[10] + t->P[20])), (int)t->status, t->mu[0],
                     t->mu[1], t->mu[2]);
  for (int i = 0; i < TW_TRACK_NX && off < (int)n; i++)
    off += snprintf(buf + off, n - (size_t)off, "%s%.9g", i ? "," : "", t->x[i]);
  off += snprintf(buf + off, n > (size_t)off ? n - (size_t)off : 0, "],\"p\":[");
  for (int i = 0, k = 0; i < TW_TRACK_NX; i++)
    for (int j = i; j < TW_TRACK_NX && off < (int)n; j++, k++)
      off += snprintf(buf + off, n - (size_t)off, "%s%.9g", k ? "," : "",
                      t->P[i * TW_TRACK_NX + j]);
  if (off < (int)n)
    snprintf(buf + off, n - (size_t)off, "]}");
}

static void fusion_input(tw_fusion_input *in, const char *originator, const tw_track *t)
{
  memset(in, 0, sizeof *in);
  snprintf(in->originator, sizeof in->originator, "%s", originator);
  in->local_id = t->id;
  in->t_s = t->t_s;
  memcpy(in->x, t->x, sizeof in->x);
  memcpy(in->P, t->P, sizeof in->P);
  memcpy(in->mu, t->mu, sizeof in->mu);
}

/* --- restart: take back what the recording holds ---------------------------------------------- */

typedef struct restore_ctx {
  tw_node *n;
  int tracks, alerts;
  double now_s;
} restore_ctx;

/* Parse "key":[numbers] from a recorded payload into out (at most max); the count. */
static int json_numbers(const char *js, const char *key, double *out, int max)
{
  char pat[16];
  snprintf(pat, sizeof pat, "\"%s\":[", key);
  const char *p = js ? strstr(js, pat) : NULL;
  if (!p)
    return 0;
  p += strlen(pat);
  int k = 0;
  while (k < max && *p && *p != ']') {
    char *end;
    double v = strtod(p, &end);
    if (end == p)
      return -1;
    out[k++] = v;
    p = end;
    if (*p == ',')
      p++;
  }
  return k;
}

static int restore_row(void *ctx, const tw_rec_row *row)
{
  restore_ctx *rc = ctx;
  tw_node *n = rc->n;
  if (row->kind == TW_REC_ALERT && row->alert_id) {
    char key[96];
    snprintf(key, sizeof key, "alert %s %s", row->alert_id, row->status ? row->status : "");
    if (first_time(n, key))
      rc->alerts++;
    return 0;
  }
  if (row->kind != TW_REC_SAMPLE || row->direction != TW_REC_IN || !row->topic ||
      strcmp(row->topic, "tw_local_track") != 0 || !row->originator)
    return 0;
  double t = (double)(row->t_ns - n->scn.start) * 1e-9;
  if (t < rc->now_s - 30.0) /* older than the fusion's source timeout: not active */
    return 0;
  double x[TW_TRACK_NX], p[45], id = 0, mu[3] = {0, 1, 0}, ts[1];
  const char *q = row->payload ? strstr(row->payload, "\"track_id\":") : NULL;
  if (!q || json_numbers(row->payload, "x", x, TW_TRACK_NX) != TW_TRACK_NX ||
      json_numbers(row->payload, "p", p, 45) != 45)
    return 0;
  id = atof(q + 11);
  json_numbers(row->payload, "mu", mu, 3);
  const char *qt = strstr(row->payload, "\"t_s\":");
  ts[0] = qt ? atof(qt + 6) : t;
  tw_fusion_input in;
  memset(&in, 0, sizeof in);
  snprintf(in.originator, sizeof in.originator, "%s", row->originator);
  in.local_id = (uint32_t)id;
  in.t_s = ts[0];
  memcpy(in.x, x, sizeof x);
  for (int i = 0, k = 0; i < TW_TRACK_NX; i++)
    for (int j = i; j < TW_TRACK_NX; j++, k++)
      in.P[i * TW_TRACK_NX + j] = in.P[j * TW_TRACK_NX + i] = p[k];
  memcpy(in.mu, mu, sizeof mu);
  const char *why;
  if (tw_fusion_validate(&in, rc->now_s, &why) == 0 &&
      tw_fusion_update(n->fus, &in, rc->now_s, NULL) == 0)
    rc->tracks++;
  return 0;
}

/* A node restarted within its scenario takes back the partner tracks still active and the
 * alerts it knew from its recording; transient-local durability then brings the alerts again
 * and the partners' next updates refresh the tracks. */
static void restore(tw_node *n, const char *path)
{
  int64_t last;
  if (tw_recorder_last_t(path, &last) != 1)
    return;
  restore_ctx rc = {n, 0, 0, scn_now(n)};
  if (rc.now_s <= 0.0)
    return;
  tw_rec_filter f = {NULL, n->scn.start + tw_time_from_s(rc.now_s - 60.0), 1};
  tw_recorder_read(path, &f, restore_row, &rc, NULL, 0);
  f.has_since = 0;
  f.topic = "tw_alert";
  tw_recorder_read(path, &f, restore_row, &rc, NULL, 0);
  timeline(n, rc.now_s, "restarted: took back %d active partner track updates and %d alerts "
           "from %s (recorded up to T+%.1f s)", rc.tracks, rc.alerts, path,
           (double)(last - n->scn.start) * 1e-9);
}

/* The bus's rejections and failed writes, to standard error (it rate-limits them itself). */
static void log_line(void *ctx, const char *line)
{
  const tw_node *n = ctx;
  fprintf(stderr, "triwatchd %s: %s\n", n->cfg.nation, line);
}

/* --- open and close ----------------------------------------------------------------------- */

static int mkdirs(const char *path)
{
  char buf[TW_NODECFG_PATH_MAX];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; *p; p++)
    if (*p == '/') {
      *p = '\0';
      if (mkdir(buf, 0777) < 0 && errno != EEXIST)
        return -1;
      *p = '/';
    }
  return (mkdir(buf, 0777) < 0 && errno != EEXIST) ? -1 : 0;
}

static int own_reports(tw_node *n)
{
  int map[TW_MAX_SENSORS];
  n->n_own = 0;
  n->window_s = 0.0;
  for (int i = 0; i < n->scn.n_sensors; i++) {
    map[i] = -1;
    if (!strcmp(n->scn.sensor[i].nation, n->cfg.nation)) {
      map[i] = n->n_own;
      n->own[n->n_own++] = n->scn.sensor[i];
      if (n->scn.sensor[i].latency_s > n->window_s)
        n->window_s = n->scn.sensor[i].latency_s;
    }
  }
  n->rep = malloc((n->sim.n_meas ? n->sim.n_meas : 1) * sizeof *n->rep);
  if (!n->rep)
    return TW_ENOMEM;
  for (size_t i = 0; i < n->sim.n_meas; i++)
    if (map[n->sim.meas[i].sensor] >= 0) {
      n->rep[n->n_rep] = n->sim.meas[i];
      n->rep[n->n_rep].sensor = map[n->sim.meas[i].sensor];
      n->n_rep++;
    }
  return 0;
}

tw_node *tw_node_open(const tw_nodecfg *cfg, tw_time_ns start_wall, double duration_s,
                      FILE *tl, char *err, size_t en)
{
  return tw_node_open_with(cfg, NULL, start_wall, duration_s, tl, err, en);
}

int tw_node_http_port(const tw_node *n) { return n ? tw__out_http_port(n->out) : 0; }

tw_node *tw_node_open_with(const tw_nodecfg *cfg, const tw_node_outputs *outs,
                           tw_time_ns start_wall, double duration_s, FILE *tl, char *err,
                           size_t en)
{
  if (err && en)
    err[0] = '\0';
  if (!cfg) {
    if (err && en)
      snprintf(err, en, "node: no configuration");
    return NULL;
  }
  if (cfg->sensors.source != TW_NODECFG_SIMULATE) {
    if (err && en)
      snprintf(err, en, "node %s: sensors.source: only 'simulate' is implemented so far",
               cfg->nation);
    return NULL;
  }
  tw_node *n = calloc(1, sizeof *n);
  if (!n) {
    if (err && en)
      snprintf(err, en, "node %s: out of memory", cfg->nation);
    return NULL;
  }
  n->cfg = *cfg;
  n->tl = tl;
  n->start_wall = start_wall;
  n->speed = cfg->sensors.speed > 0.0 ? cfg->sensors.speed : 1.0;
  n->st.first_own_s = n->st.first_partner_s = n->st.first_system_s = -1.0;
  n->st.first_own_track_s = -1.0;
  char e2[512];

  if (tw_scenario_load(&n->scn, cfg->sensors.scenario, e2, sizeof e2) < 0) {
    if (err && en)
      snprintf(err, en, "node %s: %s", cfg->nation, e2);
    goto fail;
  }
  uint64_t seed = cfg->sensors.has_seed ? cfg->sensors.seed : n->scn.seed;
  if (tw_sim_run(&n->sim, &n->scn, seed, 1.0, e2, sizeof e2) < 0) {
    if (err && en)
      snprintf(err, en, "node %s: simulating %s: %s", cfg->nation, cfg->sensors.scenario, e2);
    goto fail;
  }
  if (own_reports(n) < 0)
    goto oom;
  n->end_s = duration_s > 0.0 ? duration_s : n->sim.end_s + 30.0;

  tw_tracker_config tc;
  tw_tracker_config_default(&tc);
  n->trk = tw_tracker_new(&tc, n->own, n->n_own, n->scn.start);
  tw_fusion_config fc;
  tw_fusion_config_default(&fc);
  n->fus = tw_fusion_new(&fc);
  if (!n->trk || !n->fus)
    goto oom;

  /* the marking of our own tracks */
  int off = 0;
  for (int i = 0; i < cfg->n_releasable; i++)
    off += snprintf(n->relset + off, sizeof n->relset - (size_t)off, "%s%s", i ? "+" : "",
                    cfg->releasable_to[i]);
  if (tw_bus_marking_make(&n->mark, cfg->nation, n->relset) < 0) {
    if (err && en)
      snprintf(err, en, "node %s: releasable_to: not a valid marking (%s)", cfg->nation,
               n->relset);
    goto fail;
  }

  /* the recorder */
  char path[TW_NODECFG_PATH_MAX + 16];
  if (mkdirs(cfg->data) < 0) {
    if (err && en)
      snprintf(err, en, "node %s: data: cannot create %s: %s", cfg->nation, cfg->data,
               strerror(errno));
    goto fail;
  }
  snprintf(path, sizeof path, "%s/%s.db", cfg->data, cfg->nation);
  restore(n, path); /* before the recorder appends: what a previous run left */
  n->rec = tw_recorder_open(path, e2, sizeof e2);
  if (!n->rec) {
    if (err && en)
      snprintf(err, en, "node %s: %s", cfg->nation, e2);
    goto fail;
  }

  /* the bus, with DDS Security when the config has keys */
  static char sec[8192];
  tw_bus_config bc;
  tw_bus_config_default(&bc);
  bc.nation = cfg->nation;
  bc.domain_id = (uint32_t)cfg->domain;
  bc.n_links = cfg->n_links;
  for (int i = 0; i < cfg->n_links; i++)
    bc.links[i] = cfg->link[i].name;
  bc.n_nations = cfg->n_group;
  for (int i = 0; i < cfg->n_group; i++)
    bc.nations[i] = cfg->group[i];
  bc.address = cfg->address;
  bc.n_peers = cfg->n_peers;
  for (int i = 0; i < cfg->n_peers; i++)
    bc.peers[i] = cfg->peer[i];
  bc.allow_non_loopback_peers = cfg->allow_non_loopback;
  bc.epoch_ns = n->scn.start;
  if (cfg->secure) {
    int rc = tw_pki_security_xml_libdir(sec, sizeof sec, cfg->keys, cfg->nation,
                                        TW_DDS_PLUGIN_DIR);
    if (rc < 0) {
      if (err && en)
        snprintf(err, en, "node %s: keys: %s has no usable PKI for %s (%s); make one with "
                 "'triwatch pki init'", cfg->nation, cfg->keys, cfg->nation, tw_strerror(rc));
      goto fail;
    }
    bc.security_xml = sec;
  }
  bc.log = log_line;
  bc.log_ctx = n;
  n->bus = tw_bus_open(&bc, e2, sizeof e2);
  if (!n->bus) {
    if (err && en)
      snprintf(err, en, "node %s: %s", cfg->nation, e2);
    goto fail;
  }
  tw__out_config oc = {cfg->nation, &n->scn, outs, cfg->http_address, cfg->http_port};
  n->hold_s = outs ? outs->hold_s : 0.0;
  n->out = tw__out_open(&oc, e2, sizeof e2);
  if (!n->out) {
    if (err && en)
      snprintf(err, en, "node %s: %s", cfg->nation, e2);
    goto fail;
  }
  if (tw__out_serving(n->out))
    timeline(n, 0.0, "web picture on http://%s:%d/", cfg->http_address[0] ? cfg->http_address
             : "127.0.0.1", tw__out_http_port(n->out));
  timeline(n, 0.0, "node up: %d sensors, links %s%s%s, %s, releasable to %s", n->n_own,
           cfg->link[0].name, cfg->n_links > 1 ? " " : "", cfg->n_links > 1 ? cfg->link[1].name : "",
           cfg->secure ? "DDS Security on" : "INSECURE", n->relset);
  return n;

oom:
  if (err && en)
    snprintf(err, en, "node %s: out of memory", cfg->nation);
fail:
  tw_node_close(n);
  return NULL;
}

void tw_node_close(tw_node *n)
{
  if (!n)
    return;
  tw__out_close(n->out);
  tw_bus_close(n->bus);
  tw_recorder_close(n->rec);
  free(n->hist);
  free(n->preds);
  free(n->marks);
  tw_fusion_free(n->fus);
  tw_tracker_free(n->trk);
  tw_sim_free(&n->sim);
  free(n->rep);
  free(n);
}

void tw_node_get_stats(const tw_node *n, tw_node_stats *s)
{
  if (n && s) {
    *s = n->st;
    s->system_tracks = tw_fusion_count(n->fus);
  }
}

/* --- the loop's parts ----------------------------------------------------------------------- */

/* Own reports whose time of validity is past the re-ordering window. */
static int feed_reports(tw_node *n, double t)
{
  size_t j = n->next;
  while (j < n->n_rep && (double)(n->rep[j].t_ns - n->scn.start) * 1e-9 <= t - n->window_s)
    j++;
  if (j == n->next)
    return 0;
  if (n->st.first_own_s < 0.0) /* may well be clutter: the timeline waits for a track */
    n->st.first_own_s = (double)(n->rep[n->next].t_report_ns - n->scn.start) * 1e-9;
  int rc = tw_tracker_process(n->trk, n->rep + n->next, j - n->next);
  n->st.reports += j - n->next;
  n->next = j;
  return rc;
}

/* Own tracks the tracker has dropped: tell the partners (their readers forget the instance). */
static void retire_dropped(tw_node *n)
{
  int w = 0;
  for (int i = 0; i < n->n_shared; i++) {
    int alive = 0;
    for (int k = 0; k < tw_tracker_count(n->trk) && !alive; k++)
      alive = tw_tracker_track(n->trk, k)->id == n->shared_ids[i];
    if (alive) {
      n->shared_ids[w++] = n->shared_ids[i];
      continue;
    }
    for (int l = 0; l < n->cfg.n_links; l++)
      tw_bus_retire(n->bus, TW_BUS_LOCAL_TRACK, n->cfg.link[l].name, &n->mark,
                    n->shared_ids[i], NULL);
  }
  n->n_shared = w;
}

static void remember_shared(tw_node *n, uint32_t id)
{
  for (int i = 0; i < n->n_shared; i++)
    if (n->shared_ids[i] == id)
      return;
  if (n->n_shared < (int)(sizeof n->shared_ids / sizeof n->shared_ids[0]))
    n->shared_ids[n->n_shared++] = id;
}

static void share_own(tw_node *n, double t)
{
  tw_time_ns now = n->scn.start + tw_time_from_s(t);
  retire_dropped(n);
  for (int i = 0; i < tw_tracker_count(n->trk); i++) {
    const tw_track *k = tw_tracker_track(n->trk, i);
    if (k->status != TW_TRACK_CONFIRMED)
      continue;
    char key[64], json[3072];
    snprintf(key, sizeof key, "own %u", k->id);
    if (first_time(n, key))
      timeline(n, k->t_confirmed_s, "our track %s#%u confirmed (%d updates since our sensors' "
               "first report of it at T+%.0f s)", n->cfg.nation, k->id, k->n_updates, k->t_start_s);
    if (!n->own_tracked) {
      n->own_tracked = 1;
      n->st.first_own_track_s = k->t_confirmed_s;
    }
    tw_fusion_input in;
    fusion_input(&in, n->cfg.nation, k);
    tw_fusion_update(n->fus, &in, t, NULL);
    track_json(json, sizeof json, n->cfg.nation, k);
    for (int l = 0; l < n->cfg.n_links; l++) {
      const char *link = n->cfg.link[l].name, *peer = other_end(&n->cfg.link[l], n->cfg.nation);
      if (!in_marking(&n->mark, peer)) {
        n->st.withheld++;
        tw_recorder_decision(n->rec, now, "tw_local_track", link, 0,
                             "marking does not include the partner", n->cfg.nation, n->relset);
        continue;
      }
      if (tw_bus_publish_track(n->bus, link, k, &n->mark) == 0) {
        n->st.published++;
        remember_shared(n, k->id);
        tw_recorder_sample(n->rec, now, "tw_local_track", TW_REC_OUT, n->cfg.nation, n->relset,
                           link, json);
        tw_recorder_decision(n->rec, now, "tw_local_track", link, 1, "releasable", n->cfg.nation,
                             n->relset);
      }
    }
  }
}

/* Pass a partner track on to our other links, within its marking. */
static void relay(tw_node *n, const tw_bus_sample *s, double t, const char *json)
{
  tw_time_ns now = n->scn.start + tw_time_from_s(t);
  char rel[128];
  tw_bus_relset_format(rel, sizeof rel, &s->marking);
  for (int l = 0; l < n->cfg.n_links; l++) {
    const char *link = n->cfg.link[l].name, *peer = other_end(&n->cfg.link[l], n->cfg.nation);
    if (!strcmp(link, s->link) || !strcmp(peer, s->u.local.originator))
      continue;
    char key[64];
    if (!in_marking(&s->marking, peer)) {
      n->st.withheld++;
      tw_recorder_decision(n->rec, now, "tw_local_track", link, 0,
                           "relay: marking does not include the partner", s->u.local.originator,
                           rel);
      snprintf(key, sizeof key, "withheld %s %u %s", s->u.local.originator, s->u.local.track.id,
               peer);
      if (first_time(n, key))
        timeline(n, t, "withheld %s#%u from %s: marked REL TO %s", s->u.local.originator,
                 s->u.local.track.id, peer, rel);
      continue;
    }
    if (tw_bus_publish_track(n->bus, link, &s->u.local.track, &s->marking) == 0) {
      n->st.relayed++;
      tw_recorder_sample(n->rec, now, "tw_local_track", TW_REC_OUT, s->u.local.originator, rel, link, json);
      tw_recorder_decision(n->rec, now, "tw_local_track", link, 1, "relay within marking",
                           s->u.local.originator, rel);
      snprintf(key, sizeof key, "relay %s %u %s", s->u.local.originator, s->u.local.track.id,
               peer);
      if (first_time(n, key))
        timeline(n, t, "relayed %s#%u to %s over %s (REL TO %s)", s->u.local.originator,
                 s->u.local.track.id, peer, link, rel);
    }
  }
}

static void remember_mark(tw_node *n, const char *orig, uint32_t id, const char *rel)
{
  char key[24];
  snprintf(key, sizeof key, "%s#%u", orig, id);
  for (size_t i = 0; i < n->n_marks; i++)
    if (!strcmp(n->marks[i].key, key)) {
      snprintf(n->marks[i].rel, sizeof n->marks[i].rel, "%s", rel);
      return;
    }
  if (tw__grow((void **)&n->marks, &n->cap_marks, n->n_marks + 1, sizeof *n->marks, 64) < 0)
    return; /* out of memory: the picture shows the track as ours only (track_marking) */
  size_t k = n->n_marks++;
  snprintf(n->marks[k].key, sizeof n->marks[k].key, "%s", key);
  snprintf(n->marks[k].rel, sizeof n->marks[k].rel, "%s", rel);
}

static void take_partner(tw_node *n, double t)
{
  int got = tw_bus_poll(n->bus, 10, n->in, POLL_BATCH);
  tw_time_ns now = n->scn.start + tw_time_from_s(t);
  for (int i = 0; i < got; i++) {
    const tw_bus_sample *s = &n->in[i];
    n->st.received++;
    for (int l = 0; l < n->cfg.n_links; l++)
      if (!strcmp(n->cfg.link[l].name, s->link))
        n->link_received[l]++;
    if (s->kind == TW_BUS_HEALTH && !s->retired) {
      for (int l = 0; l < n->cfg.n_links; l++)
        if (!strcmp(n->cfg.link[l].name, s->link)) {
          n->partner_latency_ms[l] = (double)(s->t_recv_ns - s->t_source_ns) * 1e-6;
          n->partner_heard[l] = s->t_recv_ns;
        }
      continue;
    }
    if (s->kind == TW_BUS_ALERT && !s->retired) {
      char rel[128], key[96];
      tw_bus_relset_format(rel, sizeof rel, &s->marking);
      tw_recorder_sample(n->rec, now, "tw_alert", TW_REC_IN, s->marking.originator, rel, s->link,
                         s->u.alert.body);
      snprintf(key, sizeof key, "alert %s %s", s->u.alert.id, s->u.alert.status);
      if (first_time(n, key)) {
        tw_recorder_alert(n->rec, now, s->u.alert.id, s->u.alert.status, s->u.alert.body);
        if (n->cfg.relay) /* the hub passes alerts on, within their marking, like tracks */
          for (int l = 0; l < n->cfg.n_links; l++) {
            const char *peer = other_end(&n->cfg.link[l], n->cfg.nation);
            if (strcmp(n->cfg.link[l].name, s->link) && strcmp(peer, s->marking.originator) &&
                in_marking(&s->marking, peer) &&
                tw_bus_publish_alert(n->bus, n->cfg.link[l].name, &s->u.alert, &s->marking) == 0)
              tw_recorder_decision(n->rec, now, "tw_alert", n->cfg.link[l].name, 1,
                                   "relay within marking", s->marking.originator, rel);
          }
      }
      continue;
    }
    if (s->kind != TW_BUS_LOCAL_TRACK || s->retired ||
        !strcmp(s->u.local.originator, n->cfg.nation))
      continue;
    char rel[128], json[3072], key[64];
    tw_bus_relset_format(rel, sizeof rel, &s->marking);
    track_json(json, sizeof json, s->u.local.originator, &s->u.local.track);
    tw_recorder_sample(n->rec, now, "tw_local_track", TW_REC_IN, s->u.local.originator, rel,
                       s->link, json);
    tw_fusion_input in;
    fusion_input(&in, s->u.local.originator, &s->u.local.track);
    const char *why = NULL;
    if (tw_fusion_validate(&in, t, &why) != 0) {
      n->st.rejected++;
      tw_recorder_decision(n->rec, now, "tw_local_track", s->link, 0, why ? why : "invalid",
                           s->u.local.originator, rel);
      if (n->st.rejected <= 20 || n->st.rejected % 1000 == 0) /* logged, but never a flood */
        fprintf(stderr, "triwatchd %s: rejected %s#%u over %s (%zu so far): %s\n",
                n->cfg.nation, s->u.local.originator, s->u.local.track.id, s->link,
                n->st.rejected, why ? why : "invalid");
      continue;
    }
    remember_mark(n, s->u.local.originator, s->u.local.track.id, rel);
    snprintf(key, sizeof key, "in %s %u", s->u.local.originator, s->u.local.track.id);
    if (first_time(n, key)) {
      if (n->st.first_partner_s < 0.0)
        n->st.first_partner_s = t;
      timeline(n, t, "received %s#%u over %s (REL TO %s)", s->u.local.originator,
               s->u.local.track.id, s->link, rel);
    }
    tw_fusion_update(n->fus, &in, t, NULL);
    if (n->cfg.relay)
      relay(n, s, t, json);
  }
}

/* A launch alert for a new system track: raised once per GTN by this node, published on every
 * link within our marking (reliable, keep-all, transient-local: late joiners and restarted
 * partners get it), and recorded. Warnings with areas come with the warnings module. */
static void raise_alert(tw_node *n, const tw_system_track *s, double t, const char *who)
{
  for (int i = 0; i < n->n_alerted; i++)
    if (n->alerted[i] == (int)s->gtn)
      return;
  if (n->n_alerted >= (int)(sizeof n->alerted / sizeof n->alerted[0]))
    return;
  n->alerted[n->n_alerted++] = (int)s->gtn;
  tw_bus_alert a;
  memset(&a, 0, sizeof a);
  tw_geodetic g;
  tw_ecef_to_geo(&g, s->x);
  snprintf(a.id, sizeof a.id, "%s-launch-%u", n->cfg.nation, s->gtn);
  a.t_ns = n->scn.start + tw_time_from_s(t);
  snprintf(a.status, sizeof a.status, "launch");
  snprintf(a.body, sizeof a.body,
           "{\"kind\":\"launch\",\"gtn\":%u,\"t_s\":%.1f,\"lat\":%.3f,\"lon\":%.3f,"
           "\"alt_km\":%.1f,\"sources\":\"%s\"}",
           s->gtn, t, g.lat_rad / TW_DEG, g.lon_rad / TW_DEG, g.h_m / 1e3, who);
  for (int l = 0; l < n->cfg.n_links; l++)
    tw_bus_publish_alert(n->bus, n->cfg.link[l].name, &a, &n->mark);
  tw_recorder_alert(n->rec, a.t_ns, a.id, a.status, a.body);
  timeline(n, t, "alert %s raised: launch detected (GTN %u)", a.id, s->gtn);
}

static void fuse_and_tell(tw_node *n, double t)
{
  tw_fusion_fuse(n->fus, t);
  for (int i = 0; i < tw_fusion_count(n->fus); i++) {
    const tw_system_track *s = tw_fusion_get(n->fus, i);
    char key[64], who[160] = "";
    int off = 0, own = 0;
    for (int k = 0; k < s->n_sources && off < (int)sizeof who - 20; k++) {
      off += snprintf(who + off, sizeof who - (size_t)off, "%s%s#%u", k ? " + " : "",
                      s->src[k].originator, s->src[k].local_id);
      own |= !strcmp(s->src[k].originator, n->cfg.nation);
    }
    raise_alert(n, s, t, who);
    snprintf(key, sizeof key, "gtn %u %d", s->gtn, s->n_sources);
    if (!first_time(n, key))
      continue;
    if (n->st.first_system_s < 0.0)
      n->st.first_system_s = t;
    if (!own && !n->own_tracked)
      timeline(n, t, "fused picture shows system track GTN %u from partner data (%s), before "
               "any %s sensor has tracked it", s->gtn, who, n->cfg.nation);
    else
      timeline(n, t, "system track GTN %u fuses %s", s->gtn, who);
  }
}

static void store_prediction(tw_node *n, uint32_t gtn, const tw_ground_ellipse *g)
{
  size_t k = n->n_preds;
  for (size_t i = 0; i < n->n_preds && k == n->n_preds; i++)
    if (n->preds[i].gtn == gtn)
      k = i;
  if (k == n->n_preds) {
    if (tw__grow((void **)&n->preds, &n->cap_preds, n->n_preds + 1, sizeof *n->preds, 16) < 0)
      return;
    n->n_preds++;
  }
  n->preds[k].gtn = gtn;
  n->preds[k].t = g->t_s;
  n->preds[k].g = *g;
}

static void predict_and_tell(tw_node *n, double t)
{
  for (int i = 0; i < tw_fusion_count(n->fus); i++) {
    const tw_system_track *s = tw_fusion_get(n->fus, i);
    if (s->n_sources == 0)
      continue;
    double mu_boost = 0.0; /* the sources' most confident "under power" */
    for (int k = 0; k < s->n_sources; k++)
      mu_boost = fmax(mu_boost, s->src[k].mu_boost);
    int coasted = tw__out_coasting(n->out, s->gtn, t, s->x[6], mu_boost);
    if (fabs(s->x[6]) > 2.0)
      continue; /* still under power: where it falls depends on when the thrust stops */
    tw_ground_ellipse g;
    double beta;
    if (tw_predict_impact_track(&g, s->t_s, s->x, s->P, &beta) < 0)
      continue;
    if (coasted == 1)
      tw__out_predict(n->out, s->gtn, t, s->x, beta, &g);
    store_prediction(n, s->gtn, &g);
    tw_bus_prediction p;
    memset(&p, 0, sizeof p);
    snprintf(p.node, sizeof p.node, "%s", n->cfg.nation);
    p.gtn = s->gtn;
    p.t_ns = n->scn.start + tw_time_from_s(s->t_s);
    p.has_impact = 1;
    p.impact = g;
    for (int l = 0; l < n->cfg.n_links; l++)
      tw_bus_publish_prediction(n->bus, n->cfg.link[l].name, &p, &n->mark);
    double major = g.semi_major_m[1] / 1e3;
    int bucket = major < 25 ? 3 : major < 100 ? 2 : major < 500 ? 1 : 0;
    char key[64];
    snprintf(key, sizeof key, "pred %u %d", s->gtn, bucket);
    if (first_time(n, key))
      timeline(n, t, "GTN %u impact predicted at %.2fN %.2fE, 95%% ellipse %.0f x %.0f km, "
               "T+%.0f s +- %.0f s", s->gtn, g.lat_rad / TW_DEG, g.lon_rad / TW_DEG, major,
               g.semi_minor_m[1] / 1e3, g.t_s, g.sigma_t_s);
  }
}

static void health(tw_node *n)
{
  tw_bus_health h;
  memset(&h, 0, sizeof h);
  snprintf(h.node, sizeof h.node, "%s", n->cfg.nation);
  h.t_ns = wall_now();
  h.n_links = n->cfg.n_links;
  for (int l = 0; l < n->cfg.n_links && l < TW_BUS_MAX_HEALTH_LINKS; l++) {
    snprintf(h.links[l].partner, sizeof h.links[l].partner, "%s",
             other_end(&n->cfg.link[l], n->cfg.nation));
    h.links[l].latency_ms = n->partner_heard[l] ? n->partner_latency_ms[l] : -1.0;
    h.links[l].last_heard_ns = n->partner_heard[l];
  }
  for (int l = 0; l < n->cfg.n_links; l++)
    tw_bus_publish_health(n->bus, n->cfg.link[l].name, &h, &n->mark);
}

/* --- warnings, the web picture, CoT -------------------------------------------------------- */

/* Warning events: published to partners as alerts (CAP in the body), recorded, told, and the
 * impact areas sent to TAK. */
static void warn_and_tell(tw_node *n, double t)
{
  tw__out_event ev[32];
  int k = tw__out_tick(n->out, t, ev, 32);
  for (int i = 0; i < k; i++) {
    const tw__out_event *x = &ev[i];
    tw_bus_alert a;
    memset(&a, 0, sizeof a);
    snprintf(a.id, sizeof a.id, "%s", x->id);
    a.t_ns = n->scn.start + tw_time_from_s(t);
    snprintf(a.status, sizeof a.status, "%s", tw_warn_event_name(x->e.event));
    if (x->xml && x->len <= TW_BUS_ALERT_BODY_MAX)
      memcpy(a.body, x->xml, x->len);
    else
      snprintf(a.body, sizeof a.body, "%s", x->e.why);
    for (int l = 0; l < n->cfg.n_links; l++)
      tw_bus_publish_alert(n->bus, n->cfg.link[l].name, &a, &n->mark);
    tw_recorder_alert(n->rec, a.t_ns, a.id, a.status, a.body);
    timeline(n, t, "warning %s %s %s (%s): %s", tw_warn_event_name(x->e.event),
             tw_warn_kind_name(x->e.kind), x->code, x->name, x->e.why);
    if (x->e.kind == TW_WARN_IMPACT && x->e.event == TW_WARN_NEW) {
      tw_cot_event c;
      tw_cot_init(&c);
      snprintf(c.uid, sizeof c.uid, "triwatch.%s.impact.%d", n->cfg.nation, x->e.serial);
      snprintf(c.type, sizeof c.type, "%s", TW_COT_TYPE_IMPACT);
      snprintf(c.how, sizeof c.how, "%s", TW_COT_HOW_MACHINE);
      snprintf(c.access, sizeof c.access, "REL TO %.100s", n->relset);
      c.time_ns = c.start_ns = a.t_ns;
      c.stale_ns = n->scn.start + tw_time_from_s(x->e.expected_t_s + 120.0);
      c.lat_deg = x->e.lat_deg;
      c.lon_deg = x->e.lon_deg;
      c.hae_m = 0.0;
      c.ce_m = x->e.ellipse.semi_major_m[0] / 1.1774;
      c.le_m = TW_COT_UNKNOWN_ERR_M;
      snprintf(c.remarks, sizeof c.remarks, "%s", x->e.why);
      tw__out_cot(n->out, &c);
    }
  }
}

static struct hist *hist_of(tw_node *n, uint32_t gtn)
{
  for (int i = 0; i < n->n_hist; i++)
    if (n->hist[i].gtn == gtn)
      return &n->hist[i];
  if (!n->hist && !(n->hist = calloc(MAX_HIST_TRACKS, sizeof *n->hist)))
    return NULL;
  int k = n->n_hist < MAX_HIST_TRACKS ? n->n_hist++ : (int)(gtn % MAX_HIST_TRACKS);
  memset(&n->hist[k], 0, sizeof n->hist[k]);
  n->hist[k].gtn = gtn;
  n->hist[k].last_t = -1e9;
  return &n->hist[k];
}

/* "REL TO A, B": the nations every source's marking releases to (own tracks: our marking). */
static void track_marking(tw_node *n, const tw_system_track *s, char *out, size_t len)
{
  char acc[TW_NODECFG_MAX_GROUP][TW_NODECFG_NATION_MAX];
  int n_acc = -1;
  for (int k = 0; k < s->n_sources; k++) {
    char key[24];
    snprintf(key, sizeof key, "%s#%u", s->src[k].originator, s->src[k].local_id);
    const char *rel = !strcmp(s->src[k].originator, n->cfg.nation) ? n->relset : NULL;
    for (size_t i = 0; i < n->n_marks && !rel; i++)
      if (!strcmp(n->marks[i].key, key))
        rel = n->marks[i].rel;
    if (!rel) /* not known (restored from a recording): claim no more than that we hold it */
      rel = n->cfg.nation;
    char these[TW_NODECFG_MAX_GROUP][TW_NODECFG_NATION_MAX];
    int m = 0;
    for (const char *p = rel; *p && m < TW_NODECFG_MAX_GROUP;) {
      size_t l = strcspn(p, "+");
      snprintf(these[m++], TW_NODECFG_NATION_MAX, "%.*s", (int)l, p);
      p += l + (p[l] == '+');
    }
    if (n_acc < 0) {
      memcpy(acc, these, sizeof these);
      n_acc = m;
    } else {
      int w = 0;
      for (int i = 0; i < n_acc; i++)
        for (int j = 0; j < m; j++)
          if (!strcmp(acc[i], these[j])) {
            memmove(acc[w++], acc[i], sizeof acc[i]);
            break;
          }
      n_acc = w;
    }
  }
  int off = snprintf(out, len, "REL TO ");
  for (int i = 0; i < n_acc && off < (int)len; i++)
    off += snprintf(out + off, len - (size_t)off, "%s%s", i ? ", " : "", acc[i]);
  if (n_acc < 0)
    snprintf(out, len, "REL TO %s", n->cfg.nation);
}

static void iso_utc(char *buf, size_t len, tw_time_ns t) { tw_time_format(buf, len, t, 0, 0, 1); }

/* The node's picture as docs/web-api.md's state document, to the web picture, and the tracks
 * to TAK. */
static void publish_state(tw_node *n, double t)
{
  int web = tw__out_serving(n->out);
  if (!web && !tw__out_has_tak(n->out))
    return; /* nobody to tell */
  json_t *root = web ? json_object() : NULL, *tracks = web ? json_array() : NULL;
  json_t *hists = web ? json_array() : NULL; /* parallel to tracks */
  if (web && (!root || !tracks || !hists)) {
    json_decref(root);
    json_decref(tracks);
    json_decref(hists);
    return;
  }
  char buf[64];
  tw_time_ns now_ns = n->scn.start + tw_time_from_s(t);
  for (int i = 0; i < tw_fusion_count(n->fus); i++) {
    const tw_system_track *s = tw_fusion_get(n->fus, i);
    if (s->n_sources == 0)
      continue;
    tw_geodetic g;
    tw_ecef_to_geo(&g, s->x);
    double speed = sqrt(s->x[3] * s->x[3] + s->x[4] * s->x[4] + s->x[5] * s->x[5]);
    double up = (s->x[0] * s->x[3] + s->x[1] * s->x[4] + s->x[2] * s->x[5]) /
                sqrt(s->x[0] * s->x[0] + s->x[1] * s->x[1] + s->x[2] * s->x[2]);
    const char *phase = fabs(s->x[6]) > 2.0 ? "boost" : g.h_m < 100e3 && up < 0 ? "reentry"
                                                                                : "ballistic";
    char id[32], mark[160];
    snprintf(id, sizeof id, "%s-%u", n->cfg.nation, s->gtn);
    track_marking(n, s, mark, sizeof mark);
    struct hist *h = hist_of(n, s->gtn);
    if (h && s->t_s - h->last_t >= 1.0) {
      int k = (h->head + h->n) % HISTORY_N;
      if (h->n == HISTORY_N)
        h->head = (h->head + 1) % HISTORY_N;
      else
        h->n++;
      h->p[k][0] = (float)s->t_s;
      h->p[k][1] = (float)(g.lat_rad / TW_DEG);
      h->p[k][2] = (float)(g.lon_rad / TW_DEG);
      h->p[k][3] = (float)g.h_m;
      h->last_t = s->t_s;
    }
    /* CoT: the track */
    tw_cot_event c;
    tw_cot_init(&c);
    snprintf(c.uid, sizeof c.uid, "triwatch.%s.track.%u", n->cfg.nation, s->gtn);
    snprintf(c.type, sizeof c.type, "a-h-A-M-B");
    snprintf(c.how, sizeof c.how, "%s", TW_COT_HOW_MACHINE);
    snprintf(c.access, sizeof c.access, "%.120s", mark);
    c.time_ns = c.start_ns = now_ns;
    c.stale_ns = now_ns + 30 * TW_NS_PER_S;
    c.lat_deg = g.lat_rad / TW_DEG;
    c.lon_deg = g.lon_rad / TW_DEG;
    c.hae_m = g.h_m;
    c.ce_m = sqrt(fabs(s->P[0] + s->P[10] + s->P[20]));
    c.le_m = c.ce_m;
    c.flags = TW_COT_HAS_TRACK;
    double enu[9];
    tw_enu_basis(enu, g.lat_rad, g.lon_rad);
    double ve = enu[0] * s->x[3] + enu[1] * s->x[4] + enu[2] * s->x[5];
    double vn = enu[3] * s->x[3] + enu[4] * s->x[4] + enu[5] * s->x[5];
    c.course_deg = fmod(atan2(ve, vn) / TW_DEG + 360.0, 360.0);
    c.speed_mps = speed;
    tw__out_cot(n->out, &c);
    if (!web)
      continue;
    json_t *src = json_array(), *hj = json_array();
    for (int k = 0; k < s->n_sources; k++) {
      char w[24];
      snprintf(w, sizeof w, "%s#%u", s->src[k].originator, s->src[k].local_id);
      json_array_append_new(src, json_string(w));
    }
    for (int k = 0; h && k < h->n; k++) {
      const float *p = h->p[(h->head + k) % HISTORY_N];
      json_array_append_new(hj, json_pack("[f,f,f,f]", (double)p[0], (double)p[1], (double)p[2],
                                          (double)p[3]));
    }
    json_array_append_new(tracks, json_pack("{s:s, s:s, s:o, s:f, s:f, s:f, s:f, s:s, s:s, s:f}",
        "id", id, "nation", s->src[0].originator, "sources", src, "lat", g.lat_rad / TW_DEG,
        "lon", g.lon_rad / TW_DEG, "alt_m", g.h_m, "speed_mps", speed, "phase", phase,
        "marking", mark, "t_s", s->t_s));
    json_array_append_new(hists, hj);
  }
  if (!web)
    return;
  json_t *preds = json_array();
  for (size_t i = 0; i < n->n_preds; i++) {
    const struct pred *p = &n->preds[i];
    int live = 0;
    for (int k = 0; k < tw_fusion_count(n->fus) && !live; k++)
      live = tw_fusion_get(n->fus, k)->gtn == p->gtn;
    if (!live || p->g.t_s < t)
      continue;
    char id[32];
    snprintf(id, sizeof id, "%s-%u", n->cfg.nation, p->gtn);
    const tw_ground_ellipse *g = &p->g;
    json_array_append_new(preds, json_pack("{s:s, s:f, s:{s:f, s:f, s:f, s:f, s:{s:f, s:f, s:f}, s:{s:f, s:f, s:f}}, s:n}",
        "track", id, "t_s", t, "impact", "lat", g->lat_rad / TW_DEG, "lon", g->lon_rad / TW_DEG,
        "t_s", g->t_s, "sigma_t_s", g->sigma_t_s, "e50", "a_m", g->semi_major_m[0], "b_m",
        g->semi_minor_m[0], "az_deg", g->orientation_rad / TW_DEG, "e95", "a_m",
        g->semi_major_m[1], "b_m", g->semi_minor_m[1], "az_deg", g->orientation_rad / TW_DEG,
        "launch"));
    /* the launch: where this node first held the track (a detection point, not a back-flown
     * estimate: the fused state keeps no boost history) */
    struct hist *h = NULL;
    for (int k = 0; k < n->n_hist && !h; k++)
      if (n->hist[k].gtn == p->gtn && n->hist[k].n > 0)
        h = &n->hist[k];
    if (h) {
      const float *q = h->p[h->head];
      json_object_set_new(json_array_get(preds, json_array_size(preds) - 1), "launch",
                          json_pack("{s:f, s:f, s:f, s:s}", "lat", (double)q[1], "lon",
                                    (double)q[2], "t_s", (double)q[0], "kind", "first_detection"));
    }
  }
  json_t *partners = json_array();
  tw_time_ns wall = wall_now();
  for (int l = 0; l < n->cfg.n_links; l++) {
    double heard = n->partner_heard[l]
                       ? (double)(n->partner_heard[l] - n->start_wall) * 1e-9 * n->speed : -1.0;
    int up = n->partner_heard[l] && wall - n->partner_heard[l] < 5 * TW_NS_PER_S;
    json_array_append_new(partners, json_pack("{s:s, s:s, s:b, s:f, s:f, s:I}",
        "nation", other_end(&n->cfg.link[l], n->cfg.nation), "link", n->cfg.link[l].name,
        "up", up, "last_heard_s", heard, "latency_ms",
        n->partner_heard[l] ? n->partner_latency_ms[l] : -1.0, "received",
        (json_int_t)n->link_received[l]));
  }
  iso_utc(buf, sizeof buf, n->scn.start);
  json_object_set_new(root, "node", json_string(n->cfg.nation));
  json_object_set_new(root, "scenario", json_pack("{s:s, s:s, s:b}", "name", n->scn.name,
                                                  "start_utc", buf, "exercise", 1));
  json_object_set_new(root, "t_s", json_real(t));
  iso_utc(buf, sizeof buf, now_ns);
  json_object_set_new(root, "utc", json_string(buf));
  json_object_set_new(root, "tracks", tracks);
  json_object_set_new(root, "predictions", preds);
  json_object_set_new(root, "alerts", tw__out_alerts_json(n->out, t));
  json_object_set_new(root, "partners", partners);
  json_object_set_new(root, "timeline", tw__out_timeline_json(n->out));
  /* the stream gets the picture without the histories (a page keeps its own from successive
   * states); /api/state gets them too, for a page that opens mid-flight */
  char *sse = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(9));
  for (size_t i = 0; i < json_array_size(tracks); i++)
    json_object_set(json_array_get(tracks, i), "history", json_array_get(hists, i));
  char *js = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(9));
  json_decref(root);
  json_decref(hists);
  if (js && sse)
    tw__out_set_state(n->out, js, strlen(js), sse, strlen(sse));
  else
    free(js);
  free(sse);
}

int tw_node_run(tw_node *n, volatile sig_atomic_t *stop)
{
  if (!n)
    return TW_EINVAL;
  publish_state(n, 0.0); /* the web picture has a (still empty) state from the start */
  /* wait for the common start, listening meanwhile so discovery completes */
  while (!(stop && *stop) && scn_now(n) < 0.0)
    take_partner(n, 0.0);
  for (;;) {
    if (stop && *stop)
      break;
    double t = scn_now(n);
    if (t > n->end_s)
      break;
    int rc = feed_reports(n, t);
    if (rc < 0)
      return rc;
    tw_tracker_housekeep(n->trk, t - n->window_s);
    if (t >= n->next_share) {
      share_own(n, t);
      n->next_share = t + SHARE_EVERY_S;
    }
    take_partner(n, t);
    if (t >= n->next_fuse) {
      fuse_and_tell(n, t);
      n->next_fuse = t + FUSE_EVERY_S;
    }
    if (t >= n->next_pred) {
      predict_and_tell(n, t);
      n->next_pred = t + PREDICT_EVERY_S;
    }
    warn_and_tell(n, t);
    if (wall_now() >= n->next_state) {
      publish_state(n, t);
      n->next_state = wall_now() + STATE_EVERY_NS;
    }
    if (t >= n->next_health) {
      health(n);
      n->next_health = t + HEALTH_EVERY_S * n->speed;
    }
  }
  if (n->hold_s > 0.0 && tw__out_serving(n->out)) {
    double t_end = scn_now(n);
    timeline(n, t_end, "scenario over; the picture stays up %.0f s", n->hold_s);
    publish_state(n, t_end);
    tw_time_ns until = wall_now() + (tw_time_ns)(n->hold_s * 1e9);
    while (!(stop && *stop) && wall_now() < until) {
      take_partner(n, t_end);
      struct timespec ts = {0, 200 * 1000 * 1000};
      nanosleep(&ts, NULL);
    }
  }
  tw_node_stats s;
  tw_node_get_stats(n, &s);
  tw_bus_stats bs;
  tw_bus_get_stats(n->bus, &bs);
  uint64_t bus_rej = 0;
  for (int r = 0; r < TW_BUS_REJ_N; r++)
    bus_rej += bs.rejected[r];
  timeline(n, scn_now(n), "node down: %zu own reports, %zu tracks shared, %zu received, %zu "
           "relayed, %zu withheld, %zu rejected by validation, %llu rejected by the bus, %d "
           "system tracks", s.reports, s.published, s.received, s.relayed, s.withheld, s.rejected,
           (unsigned long long)bus_rej, s.system_tracks);
  return 0;
}
