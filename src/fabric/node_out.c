/* node_out.c - a node's warnings, web interface and TAK outputs (node_out.h). */
#include "fabric/node_out.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "core/grow.h"
#include "triwatch/areas.h"
#include "triwatch/error.h"
#include "triwatch/export.h"
#include "triwatch/takout.h"
#include "triwatch/time.h"
#include "triwatch/web.h"
#include "warn/capmsg.h"

#define MAX_TIMELINE 200

typedef struct msg {
  char id[64];
  int serial;
  double t_s;     /* scenario seconds */
  char *xml;
  size_t len;
} msg;

typedef struct warnrec { /* the latest state of each warning, for the API */
  int serial;
  char code[24], name[64];
  tw_warn_kind kind;
  const char *status;
  double first_warned_s, expected_t_s, probability;
  char why[200];
} warnrec;

struct tw__out {
  char nation[8];
  const tw_scenario *scn;
  double t0_s;
  tw__capctx cc;
  char sender[32];
  tw_areas *land, *eez;
  tw_warn *warn;
  tw_takout *tak[TW_NODE_MAX_TAK];
  int n_tak;
  tw_web *web;
  pthread_mutex_t mu;   /* guards everything below (the web threads read it) */
  char *state;
  size_t state_len;
  char *areas_geojson;
  size_t areas_len;
  msg *msgs;
  size_t n_msgs, cap_msgs;
  warnrec *recs;
  size_t n_recs, cap_recs;
  struct { double t; char text[240]; } tl[MAX_TIMELINE];
  int tl_head, tl_n;
  tw__out_event *pending;
  size_t cap_pending;
};

/* --- the web handler (server threads) ------------------------------------------------------- */

static char *dup_n(const char *s, size_t n)
{
  char *d = malloc(n + 1);
  if (d) {
    memcpy(d, s, n);
    d[n] = '\0';
  }
  return d;
}

static void atom_time(char *buf, size_t n, const tw__out *o, double t_s)
{
  tw_time_format(buf, n, o->scn->start + tw_time_from_s(t_s), 0, 0, 1);
}

/* The Atom feed: each warning's latest CAP message, newest first. Called with mu held. */
static char *atom_feed(tw__out *o, size_t *len)
{
  xmlBufferPtr buf = xmlBufferCreate();
  xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
  if (!w) {
    xmlBufferFree(buf);
    return NULL;
  }
  char t[48], id[128];
  double newest = 0.0;
  for (size_t i = 0; i < o->n_msgs; i++)
    newest = fmax(newest, o->msgs[i].t_s);
  xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL);
  xmlTextWriterStartElementNS(w, NULL, BAD_CAST "feed", BAD_CAST "http://www.w3.org/2005/Atom");
  snprintf(id, sizeof id, "urn:triwatch:%s:alerts", o->nation);
  xmlTextWriterWriteElement(w, BAD_CAST "id", BAD_CAST id);
  snprintf(id, sizeof id, "triwatch %s: current missile warnings (CAP 1.2)", o->nation);
  xmlTextWriterWriteElement(w, BAD_CAST "title", BAD_CAST id);
  atom_time(t, sizeof t, o, newest);
  xmlTextWriterWriteElement(w, BAD_CAST "updated", BAD_CAST t);
  xmlTextWriterStartElement(w, BAD_CAST "author");
  xmlTextWriterWriteElement(w, BAD_CAST "name", BAD_CAST o->sender);
  xmlTextWriterEndElement(w);
  xmlTextWriterStartElement(w, BAD_CAST "link");
  xmlTextWriterWriteAttribute(w, BAD_CAST "rel", BAD_CAST "self");
  xmlTextWriterWriteAttribute(w, BAD_CAST "href", BAD_CAST "/alerts.atom");
  xmlTextWriterEndElement(w);
  for (size_t k = o->n_msgs; k-- > 0;) {
    const msg *m = &o->msgs[k];
    int latest = 1; /* only the latest message of each warning */
    for (size_t j = k + 1; j < o->n_msgs && latest; j++)
      latest = o->msgs[j].serial != m->serial;
    if (!latest)
      continue;
    const warnrec *r = NULL;
    for (size_t j = 0; j < o->n_recs && !r; j++)
      if (o->recs[j].serial == m->serial)
        r = &o->recs[j];
    xmlTextWriterStartElement(w, BAD_CAST "entry");
    snprintf(id, sizeof id, "urn:triwatch:cap:%s", m->id);
    xmlTextWriterWriteElement(w, BAD_CAST "id", BAD_CAST id);
    char title[200];
    snprintf(title, sizeof title, "%s: %s %s (%s)", r ? r->status : "warning",
             r ? r->name : m->id, r ? tw_warn_kind_name(r->kind) : "", r ? r->code : "");
    xmlTextWriterWriteElement(w, BAD_CAST "title", BAD_CAST title);
    atom_time(t, sizeof t, o, m->t_s);
    xmlTextWriterWriteElement(w, BAD_CAST "updated", BAD_CAST t);
    if (r)
      xmlTextWriterWriteElement(w, BAD_CAST "summary", BAD_CAST r->why);
    char href[96];
    snprintf(href, sizeof href, "/cap/%s.xml", m->id);
    xmlTextWriterStartElement(w, BAD_CAST "link");
    xmlTextWriterWriteAttribute(w, BAD_CAST "rel", BAD_CAST "alternate");
    xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST "application/cap+xml");
    xmlTextWriterWriteAttribute(w, BAD_CAST "href", BAD_CAST href);
    xmlTextWriterEndElement(w);
    xmlTextWriterEndElement(w);
  }
  xmlTextWriterEndElement(w);
  int rc = xmlTextWriterEndDocument(w);
  xmlFreeTextWriter(w);
  char *out = rc < 0 ? NULL : dup_n((const char *)xmlBufferContent(buf), (size_t)xmlBufferLength(buf));
  if (out)
    *len = strlen(out);
  xmlBufferFree(buf);
  return out;
}

static int handler(void *ctx, const char *path, char **body, size_t *len, const char **ctype)
{
  tw__out *o = ctx;
  int status = 404;
  pthread_mutex_lock(&o->mu);
  if (!strcmp(path, "/api/state")) {
    if (o->state && (*body = dup_n(o->state, o->state_len))) {
      *len = o->state_len;
      *ctype = "application/json";
      status = 200;
    } else {
      status = o->state ? 500 : 503;
    }
  } else if (!strcmp(path, "/api/areas")) {
    if (o->areas_geojson && (*body = dup_n(o->areas_geojson, o->areas_len))) {
      *len = o->areas_len;
      *ctype = "application/geo+json";
      status = 200;
    }
  } else if (!strcmp(path, "/alerts.atom")) {
    if ((*body = atom_feed(o, len))) {
      *ctype = "application/atom+xml";
      status = 200;
    } else {
      status = 500;
    }
  } else if (!strncmp(path, "/cap/", 5)) {
    size_t n = strlen(path);
    for (size_t i = 0; i < o->n_msgs; i++) {
      size_t l = strlen(o->msgs[i].id);
      if (n == 5 + l + 4 && !strncmp(path + 5, o->msgs[i].id, l) && !strcmp(path + 5 + l, ".xml")) {
        if ((*body = dup_n(o->msgs[i].xml, o->msgs[i].len))) {
          *len = o->msgs[i].len;
          *ctype = "application/cap+xml";
          status = 200;
        } else {
          status = 500;
        }
        break;
      }
    }
  }
  pthread_mutex_unlock(&o->mu);
  if (status != 200) {
    static const char nf[] = "not found\n";
    *body = dup_n(nf, sizeof nf - 1);
    *len = *body ? sizeof nf - 1 : 0;
    *ctype = "text/plain; charset=utf-8";
  }
  return status;
}

/* --- open / close ----------------------------------------------------------------------------- */

/* The areas and EEZs as GeoJSON with properties code, name, nation, kind (land|eez). */
static char *areas_geojson(const tw_areas *land, const tw_areas *eez, size_t *len)
{
  tw_export *e = tw_export_new();
  if (!e)
    return NULL;
  for (int s = 0; s < 2; s++) {
    const tw_areas *a = s ? eez : land;
    for (int i = 0; a && i < tw_areas_count(a); i++)
      if (tw_export_area(e, a, i, s ? "eez" : "land") < 0) {
        tw_export_free(e);
        return NULL;
      }
  }
  char *js = NULL;
  size_t n = 0;
  int rc = tw_export_geojson(e, &js, &n);
  tw_export_free(e);
  if (rc < 0)
    return NULL;
  /* the contract's "code" beside the exporter's "id" */
  json_error_t jerr;
  json_t *root = json_loadb(js, n, 0, &jerr);
  free(js);
  json_t *feats = root ? json_object_get(root, "features") : NULL;
  size_t i;
  json_t *f;
  json_array_foreach(feats, i, f) {
    json_t *p = json_object_get(f, "properties");
    json_t *id = p ? json_object_get(p, "id") : NULL;
    if (id)
      json_object_set(p, "code", id);
  }
  char *out = root ? json_dumps(root, JSON_COMPACT) : NULL;
  json_decref(root);
  if (out)
    *len = strlen(out);
  return out;
}

tw__out *tw__out_open(const tw__out_config *c, char *err, size_t en)
{
  tw__out *o = calloc(1, sizeof *o);
  if (!o) {
    snprintf(err, en, "out of memory");
    return NULL;
  }
  pthread_mutex_init(&o->mu, NULL);
  snprintf(o->nation, sizeof o->nation, "%s", c->nation);
  o->scn = c->scn;
  o->t0_s = c->scn->launch[0].t_s;
  for (int l = 1; l < c->scn->n_launches; l++)
    o->t0_s = fmin(o->t0_s, c->scn->launch[l].t_s);
  snprintf(o->sender, sizeof o->sender, "triwatch-");
  for (size_t i = 0; c->nation[i] && i < 7; i++)
    o->sender[9 + i] = (char)tolower((unsigned char)c->nation[i]);
  o->cc = (tw__capctx){o->sender, strcmp(c->nation, "USA") ? 540 : 0, c->scn->start, o->t0_s,
                        c->scn->name, 1};
  const tw_node_outputs *out = c->o;
  char e2[512];
  if (out && out->areas_path) {
    if (tw_areas_load(&o->land, out->areas_path, e2, sizeof e2) < 0) {
      snprintf(err, en, "areas: %s", e2);
      goto fail;
    }
    if (out->eez_path && tw_areas_load(&o->eez, out->eez_path, e2, sizeof e2) < 0) {
      snprintf(err, en, "EEZ: %s", e2);
      goto fail;
    }
    tw_warn_config wc;
    tw_warn_config_default(&wc);
    if (!(o->warn = tw_warn_new(&wc, o->land, o->eez))) {
      snprintf(err, en, "warnings: out of memory");
      goto fail;
    }
    o->areas_geojson = areas_geojson(o->land, o->eez, &o->areas_len);
  }
  for (int i = 0; out && i < out->n_tak && i < TW_NODE_MAX_TAK; i++) {
    tw_takout_config tc;
    memset(&tc, 0, sizeof tc);
    tc.proto = out->tak[i].tcp ? TW_TAKOUT_TCP : TW_TAKOUT_UDP;
    tc.host = "127.0.0.1";
    tc.port = out->tak[i].port;
    tc.version = out->tak[i].version;
    int rc = tw_takout_open(&o->tak[o->n_tak], &tc);
    if (rc < 0) {
      snprintf(err, en, "TAK output %d (%s 127.0.0.1:%d v%d): %s", i + 1,
               out->tak[i].tcp ? "tcp" : "udp", out->tak[i].port, out->tak[i].version,
               tw_strerror(rc));
      goto fail;
    }
    o->n_tak++;
  }
  int port = out && out->http_port >= 0 ? out->http_port : c->http_port;
  int want_web = (out && out->http_port >= 0) || (c->http_address && c->http_address[0]);
  if (want_web) {
    tw_web_config wc;
    memset(&wc, 0, sizeof wc);
    wc.bind_addr = c->http_address && c->http_address[0] ? c->http_address : "127.0.0.1";
    wc.port = port;
    wc.root = out ? out->web_root : NULL;
    wc.token = out ? out->http_token : NULL;
    if (tw_web_start(&o->web, &wc, handler, o, e2, sizeof e2) < 0) {
      snprintf(err, en, "web: %s", e2);
      goto fail;
    }
  }
  return o;
fail:
  tw__out_close(o);
  return NULL;
}

void tw__out_close(tw__out *o)
{
  if (!o)
    return;
  tw_web_stop(o->web); /* first: no handler runs after this */
  for (int i = 0; i < o->n_tak; i++) {
    tw_takout_flush(o->tak[i], 200);
    tw_takout_close(o->tak[i]);
  }
  tw_warn_free(o->warn);
  tw_areas_free(o->land);
  tw_areas_free(o->eez);
  for (size_t i = 0; i < o->n_msgs; i++)
    free(o->msgs[i].xml);
  free(o->msgs);
  free(o->recs);
  free(o->state);
  free(o->areas_geojson);
  free(o->pending);
  pthread_mutex_destroy(&o->mu);
  free(o);
}

int tw__out_http_port(const tw__out *o) { return o && o->web ? tw_web_port(o->web) : 0; }
int tw__out_serving(const tw__out *o) { return o && o->web; }
int tw__out_has_tak(const tw__out *o) { return o && o->n_tak > 0; }

/* --- warnings --------------------------------------------------------------------------------- */

int tw__out_coasting(tw__out *o, uint32_t gtn, double t, double thrust_mps2, double mu_boost)
{
  return o && o->warn ? tw_warn_coasting(o->warn, gtn, t, thrust_mps2, mu_boost) : 0;
}

void tw__out_predict(tw__out *o, uint32_t gtn, double t, const double x9[9], double beta,
                     const tw_ground_ellipse *g)
{
  if (o && o->warn)
    tw_warn_predict(o->warn, gtn, t, x9, beta, g);
}

static const char *status_of(tw_warn_event_kind k)
{
  switch (k) {
  case TW_WARN_PASSED: return "passed";
  case TW_WARN_IMPACTED: return "impacted";
  case TW_WARN_CANCEL: return "cancelled";
  default: return "warning";
  }
}

int tw__out_tick(tw__out *o, double t, tw__out_event *ev, int max)
{
  if (!o || !o->warn)
    return 0;
  tw_warn_tick(o->warn, t);
  tw_warn_event e[16];
  int n_out = 0, got;
  while (n_out < max && (got = tw_warn_events(o->warn, e, max - n_out < 16 ? max - n_out : 16)) > 0) {
    for (int i = 0; i < got; i++) {
      tw__out_event *x = &ev[n_out++];
      memset(x, 0, sizeof *x);
      x->e = e[i];
      snprintf(x->code, sizeof x->code, "%s", tw_warn_area_code(o->warn, &e[i]));
      snprintf(x->name, sizeof x->name, "%s", tw_warn_area_name(o->warn, &e[i]));
      pthread_mutex_lock(&o->mu);
      /* the warning's record and its previous message */
      warnrec *r = NULL;
      for (size_t j = 0; j < o->n_recs && !r; j++)
        if (o->recs[j].serial == e[i].serial)
          r = &o->recs[j];
      if (!r && tw__grow((void **)&o->recs, &o->cap_recs, o->n_recs + 1, sizeof *o->recs, 16) == 0) {
        r = &o->recs[o->n_recs++];
        memset(r, 0, sizeof *r);
        r->serial = e[i].serial;
        snprintf(r->code, sizeof r->code, "%s", x->code);
        snprintf(r->name, sizeof r->name, "%s", x->name);
        r->kind = e[i].kind;
        r->first_warned_s = e[i].t_s;
        snprintf(r->why, sizeof r->why, "%s", e[i].why);
      }
      if (r) {
        r->status = status_of(e[i].event);
        r->expected_t_s = e[i].expected_t_s;
        r->probability = e[i].probability;
        if (e[i].event != TW_WARN_NEW)
          snprintf(r->why, sizeof r->why, "%s", e[i].why);
      }
      const msg *prev = NULL;
      int n_prev = 0;
      for (size_t j = 0; j < o->n_msgs; j++)
        if (o->msgs[j].serial == e[i].serial) {
          prev = &o->msgs[j];
          n_prev++;
        }
      snprintf(x->id, sizeof x->id, "triwatch-%s-%04d-%02d", o->nation, e[i].serial, n_prev + 1);
      char prev_id[64] = "";
      double prev_t = 0.0;
      if (prev) {
        snprintf(prev_id, sizeof prev_id, "%s", prev->id);
        prev_t = prev->t_s;
      }
      char *xml = NULL;
      size_t len = 0;
      if (tw__cap_event(&xml, &len, &o->cc, &e[i], x->code, x->name, e[i].eez, x->id,
                        prev ? prev_id : NULL, prev_t) == 0 &&
          tw__grow((void **)&o->msgs, &o->cap_msgs, o->n_msgs + 1, sizeof *o->msgs, 16) == 0) {
        msg *m = &o->msgs[o->n_msgs++];
        snprintf(m->id, sizeof m->id, "%s", x->id);
        m->serial = e[i].serial;
        m->t_s = e[i].t_s;
        m->xml = xml;
        m->len = len;
        x->xml = xml;
        x->len = len;
      } else {
        free(xml);
      }
      pthread_mutex_unlock(&o->mu);
    }
  }
  return n_out;
}

json_t *tw__out_alerts_json(tw__out *o, double t)
{
  (void)t;
  json_t *arr = json_array();
  if (!o || !arr)
    return arr;
  pthread_mutex_lock(&o->mu);
  for (size_t i = 0; i < o->n_recs; i++) {
    const warnrec *r = &o->recs[i];
    json_t *a = json_object();
    char id[64];
    snprintf(id, sizeof id, "triwatch-%s-%04d", o->nation, r->serial);
    json_object_set_new(a, "id", json_string(id));
    json_object_set_new(a, "area_code", json_string(r->code));
    json_object_set_new(a, "area_name", json_string(r->name));
    json_object_set_new(a, "kind", json_string(tw_warn_kind_name(r->kind)));
    json_object_set_new(a, "status", json_string(r->status ? r->status : "warning"));
    json_object_set_new(a, "expected_t_s", json_real(r->expected_t_s));
    json_object_set_new(a, "first_warned_s", json_real(r->first_warned_s));
    json_object_set_new(a, "probability", json_real(r->probability));
    json_object_set_new(a, "why", json_string(r->why));
    json_array_append_new(arr, a);
  }
  pthread_mutex_unlock(&o->mu);
  return arr;
}

/* --- web state, timeline, CoT ----------------------------------------------------------------- */

void tw__out_set_state(tw__out *o, char *json, size_t len, const char *sse, size_t sse_len)
{
  if (!o || !json) {
    free(json);
    return;
  }
  pthread_mutex_lock(&o->mu);
  free(o->state);
  o->state = json;
  o->state_len = len;
  pthread_mutex_unlock(&o->mu);
  if (o->web)
    tw_web_publish(o->web, "state", sse, sse_len); /* the server copies what it queues */
}

void tw__out_timeline(tw__out *o, double t, const char *text)
{
  if (!o)
    return;
  pthread_mutex_lock(&o->mu);
  int k = (o->tl_head + o->tl_n) % MAX_TIMELINE;
  if (o->tl_n == MAX_TIMELINE)
    o->tl_head = (o->tl_head + 1) % MAX_TIMELINE;
  else
    o->tl_n++;
  o->tl[k].t = t;
  snprintf(o->tl[k].text, sizeof o->tl[k].text, "%s", text);
  pthread_mutex_unlock(&o->mu);
  if (o->web) {
    json_t *j = json_pack("{s:f, s:s}", "t_s", t, "text", o->tl[k].text);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    if (s)
      tw_web_publish(o->web, "timeline", s, strlen(s));
    free(s);
    json_decref(j);
  }
}

json_t *tw__out_timeline_json(tw__out *o)
{
  json_t *arr = json_array();
  if (!o || !arr)
    return arr;
  pthread_mutex_lock(&o->mu);
  for (int i = 0; i < o->tl_n; i++) {
    int k = (o->tl_head + i) % MAX_TIMELINE;
    json_array_append_new(arr, json_pack("{s:f, s:s}", "t_s", o->tl[k].t, "text", o->tl[k].text));
  }
  pthread_mutex_unlock(&o->mu);
  return arr;
}

void tw__out_cot(tw__out *o, const tw_cot_event *e)
{
  for (int i = 0; o && i < o->n_tak; i++)
    tw_takout_send(o->tak[i], e);
}
