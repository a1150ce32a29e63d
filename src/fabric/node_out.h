/* node_out.h - what a node tells people (private to the library): area warnings from its
 * predictions (triwatch/warn.h) as CAP messages, the web picture and its JSON API, SSE and Atom
 * feed (triwatch/web.h, docs/web-api.md), and CoT events to TAK clients (triwatch/takout.h).
 * node.c drives it from its loop thread; the web server's threads read only what this module
 * guards with its mutex (the state document and the messages). */
#ifndef TW_FABRIC_NODE_OUT_H
#define TW_FABRIC_NODE_OUT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "triwatch/cot.h"
#include "triwatch/node.h"
#include "triwatch/predict.h"
#include "triwatch/scenario.h"
#include "triwatch/warn.h"

typedef struct tw__out tw__out;

typedef struct tw__out_config {
  const char *nation;
  const tw_scenario *scn;
  const tw_node_outputs *o;   /* what to serve and where (may be NULL: warnings only if the
                                 default areas file exists, no web, no TAK) */
  const char *http_address;   /* from the node's config ("" none) */
  int http_port;
} tw__out_config;

/* One warning event as the node publishes it: the event, its CAP message and identifier. */
typedef struct tw__out_event {
  tw_warn_event e;
  char code[24], name[64];
  char id[64];
  const char *xml;            /* owned by the module, valid until the next tw__out_tick */
  size_t len;
} tw__out_event;

tw__out *tw__out_open(const tw__out_config *c, char *err, size_t n);
void tw__out_close(tw__out *o);

/* Whether system track gtn has coasted long enough to warn from (tw_warn_coasting): call it
 * for every system track each round; thrust_mps2 its fused thrust estimate, mu_boost the
 * largest boost probability of its sources. 1 yes, 0 no (or no warnings configured). */
int tw__out_coasting(tw__out *o, uint32_t gtn, double t, double thrust_mps2, double mu_boost);
/* Its prediction at t (scenario s): x9 its fused state, beta its ballistic coefficient, g its
 * impact ellipse; only for a track tw__out_coasting said 1 for. */
void tw__out_predict(tw__out *o, uint32_t gtn, double t, const double x9[9], double beta,
                     const tw_ground_ellipse *g);
/* Let time pass; returns the warning events since the last call (at most max) in ev. */
int tw__out_tick(tw__out *o, double t, tw__out_event *ev, int max);

/* The current alerts as a JSON array per docs/web-api.md (new reference). */
json_t *tw__out_alerts_json(tw__out *o, double t);
/* Replace the state document (takes json, malloc'd) and send sse (the same without the track
 * histories) to SSE clients. */
void tw__out_set_state(tw__out *o, char *json, size_t len, const char *sse, size_t sse_len);
/* A timeline line: kept (the last 200) and sent to SSE clients. */
void tw__out_timeline(tw__out *o, double t, const char *text);
json_t *tw__out_timeline_json(tw__out *o);
/* A CoT event to every TAK output. */
void tw__out_cot(tw__out *o, const tw_cot_event *e);
/* The web server's port (0: not serving). */
int tw__out_http_port(const tw__out *o);
int tw__out_serving(const tw__out *o);
/* 1 when CoT goes to at least one TAK client. */
int tw__out_has_tak(const tw__out *o);

#endif
