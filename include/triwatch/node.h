/* triwatch/node.h - one nation's node: its sensors, its tracker, the bus to its partners,
 * fusion of everyone's tracks, predictions, and the recorder; what triwatchd runs.
 *
 * The node plays its sensor reports in (scaled) real time from a common start instant, so nodes
 * started as separate processes share one scenario clock: seconds after the scenario's start,
 * t_scn = (wall - start_wall) * speed. Reports are fed to the tracker in order of time of
 * validity once the slowest of the node's sensors would have delivered them (a re-ordering
 * window of its largest latency). It then shares its confirmed tracks on each of its links
 * within their marking, fuses what it receives with its own, relays partner tracks when it is a
 * relay (never widening a marking), predicts impact points of fused tracks, records every
 * sample in and out and every share decision, and writes a timeline of what it learns, one line
 * per event: "<t_scn>\t<NATION>\t<text>". docs/fabric.md has the design. */
#ifndef TRIWATCH_NODE_H
#define TRIWATCH_NODE_H

#include <signal.h>
#include <stdio.h>

#include "triwatch/nodecfg.h"
#include "triwatch/time.h"
#include "triwatch/visibility.h"

typedef struct tw_node tw_node;

typedef struct tw_node_stats {
  size_t reports;          /* own sensor reports fed to the tracker */
  size_t published;        /* own tracks sent (per link) */
  size_t received;         /* partner samples taken from the bus */
  size_t relayed;          /* partner tracks passed on */
  size_t withheld;         /* shares refused by a marking */
  size_t rejected;         /* partner tracks refused by validation */
  int system_tracks;       /* fused tracks now */
  double first_own_s;      /* first own sensor report (scenario time), < 0 none */
  double first_own_track_s;/* first own confirmed track, < 0 none */
  double first_partner_s;  /* first partner track received, < 0 none */
  double first_system_s;   /* first fused system track, < 0 none */
} tw_node_stats;

/* What a node tells people besides its partners (docs/warnings.md, docs/web-api.md). */
#define TW_NODE_MAX_TAK 4
typedef struct tw_node_outputs {
  const char *areas_path;  /* land areas (data/areas.json) for warnings; NULL: none warned */
  const char *eez_path;    /* approximate EEZs (data/eez.json); NULL: none */
  const char *web_root;    /* the page's files (build/web); NULL: the JSON API only */
  const char *http_token;  /* bearer token for the web interface; NULL: none */
  int http_port;           /* -1: as the config's http says (none if it has none); 0: an
                              ephemeral port on the config's (or 127.0.0.1) address */
  double hold_s;           /* keep serving the picture this long (wall s) after the run */
  int n_tak;               /* CoT outputs to TAK clients on 127.0.0.1 */
  struct {
    int tcp;               /* 0: UDP, 1: TCP */
    int version;           /* TAK protocol 0 (XML) or 1 (protobuf) */
    int port;
  } tak[TW_NODE_MAX_TAK];
} tw_node_outputs;

/* Open a node from its configuration. start_wall is the wall-clock instant (CLOCK_REALTIME) at
 * which scenario time 0 is played; duration_s (> 0) bounds the run in scenario seconds (0: until
 * the last impact plus 30 s). timeline receives the node's timeline (may be NULL). Returns NULL
 * with one line in err on failure (scenario, PKI, bus, recorder). */
TW_API tw_node *tw_node_open(const tw_nodecfg *cfg, tw_time_ns start_wall, double duration_s,
                             FILE *timeline, char *err, size_t n);
/* The same with outputs (NULL: as tw_node_open: none). An output that cannot start (the web
 * port taken, a TAK address refused) fails the open with one line in err. */
TW_API tw_node *tw_node_open_with(const tw_nodecfg *cfg, const tw_node_outputs *out,
                                  tw_time_ns start_wall, double duration_s, FILE *timeline,
                                  char *err, size_t n);
/* The port the node's web interface listens on (127.0.0.1 unless configured), 0 if none. */
TW_API int tw_node_http_port(const tw_node *node);
/* Run until the scenario is over or *stop becomes non-zero. Returns 0, or a negative TW_E*
 * code on a fatal error. */
TW_API int tw_node_run(tw_node *node, volatile sig_atomic_t *stop);
TW_API void tw_node_get_stats(const tw_node *node, tw_node_stats *s);
/* Close the bus, flush and close the recorder, free. NULL is a no-op. */
TW_API void tw_node_close(tw_node *node);

#endif
