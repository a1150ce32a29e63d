/* triwatch/nodecfg.h - the configuration file of one node (triwatchd): its nation, its sharing
 * group and topology, DDS settings, where its reports come from and where it records.
 *
 * A YAML file (docs/node-config.md is the reference; config/ holds the three-node demo):
 *
 *   nation: JPN                     # [A-Z0-9]{2,7}
 *   group: [USA, JPN, KOR]          # the partners, this node included
 *   topology: hub                   # hub (default) | mesh | links
 *   keys: out/demo/pki              # made by `triwatch pki init`; or insecure: true
 *   data: out/demo                  # the recorder writes <data>/<NATION>.db
 *   sensors:
 *     source: simulate              # simulate | replay | live
 *     scenario: ../data/scenarios/hwasong12-2022-10-04.yaml
 *
 * and optionally domain, hub, links, releasable_to, relay, insecure, address, peers,
 * allow_non_loopback, http, and under sensors seed, speed, file, port.
 *
 * The parser also works out what the rest of the node needs and stores it: the topology's edges
 * and the node's own links (sorted "A-B" names, A < B), the relay flag, the sorted releasability
 * set. Paths under sensors (scenario, file) are resolved against the directory of the config
 * file; keys and data are kept as written (relative to the daemon's working directory). Nothing
 * is looked up on the file system: a path is only text until the daemon opens it.
 *
 * Strict like the scenario reader: unknown or repeated keys, quoted numbers, yes/no for booleans,
 * anchors/aliases and tags are errors, and so is a key that does not apply (hub without
 * topology: hub, links without topology: links, file with source: simulate...). Limits: 64 KiB of
 * text, 32 levels of nesting, 65,536 YAML nodes.
 *
 * Errors name the file, line and key and what was expected:
 *   "jpn.yaml:5: links[1]: expected NAT-NAT of two group members, got 'JPN-AUS' (AUS is not in
 *    group)" */
#ifndef TRIWATCH_NODECFG_H
#define TRIWATCH_NODECFG_H

#include <stddef.h>
#include <stdint.h>

#include "triwatch/visibility.h"

#define TW_NODECFG_NATION_MAX 8   /* bytes of a nation code with its NUL: [A-Z0-9]{2,7} */
#define TW_NODECFG_MAX_GROUP 16   /* nations in a sharing group */
#define TW_NODECFG_MAX_EDGES (TW_NODECFG_MAX_GROUP * (TW_NODECFG_MAX_GROUP - 1) / 2)
#define TW_NODECFG_MAX_LINKS (TW_NODECFG_MAX_GROUP - 1) /* links of one node */
#define TW_NODECFG_LINK_MAX 16    /* bytes of a link name "A-B" with its NUL */
#define TW_NODECFG_ADDR_MAX 16    /* bytes of a dotted IPv4 address with its NUL */
#define TW_NODECFG_MAX_PEERS 16
#define TW_NODECFG_PATH_MAX 1024  /* bytes of a path with its NUL (after resolving) */
#define TW_NODECFG_DEFAULT_DOMAIN 42
#define TW_NODECFG_MAX_DOMAIN 230 /* as the PKI: the DDSI ports of 30 participants fit 16 bits */

enum tw_nodecfg_topology {
  TW_NODECFG_HUB = 0, /* one relay nation linked to every other member (the real one) */
  TW_NODECFG_MESH,    /* every member linked to every other */
  TW_NODECFG_LINKS    /* the edges listed in the file */
};

enum tw_nodecfg_source {
  TW_NODECFG_SIMULATE = 0, /* run a scenario through the simulator, in (scaled) real time */
  TW_NODECFG_REPLAY,       /* play back a measurements.jsonl written by `triwatch sim` */
  TW_NODECFG_LIVE          /* JSON-lines reports on a UDP port of the node's address */
};

/* An edge of the sharing graph; also the partition prefix of docs/fabric.md. */
typedef struct tw_nodecfg_link {
  char name[TW_NODECFG_LINK_MAX]; /* "A-B" */
  char a[TW_NODECFG_NATION_MAX];  /* the two ends, a < b by strcmp */
  char b[TW_NODECFG_NATION_MAX];
} tw_nodecfg_link;

typedef struct tw_nodecfg_sensors {
  enum tw_nodecfg_source source;
  char scenario[TW_NODECFG_PATH_MAX]; /* simulate: the scenario file, resolved; "" otherwise */
  uint64_t seed;                      /* simulate: replaces the scenario's seed when has_seed */
  int has_seed;
  double speed;                       /* simulate, replay: playback factor in [0.1, 1000]; 1 */
  char file[TW_NODECFG_PATH_MAX];     /* replay: the measurements.jsonl, resolved; "" otherwise */
  int port;                           /* live: UDP port on address, 1024..65535; 0 otherwise */
} tw_nodecfg_sensors;

typedef struct tw_nodecfg {
  char nation[TW_NODECFG_NATION_MAX];  /* this node */
  int domain;                          /* DDS domain id, 0..TW_NODECFG_MAX_DOMAIN; 42 */
  int n_group;                         /* 2..TW_NODECFG_MAX_GROUP */
  char group[TW_NODECFG_MAX_GROUP][TW_NODECFG_NATION_MAX]; /* as written, distinct, has nation */
  enum tw_nodecfg_topology topology;
  char hub[TW_NODECFG_NATION_MAX];     /* hub topology: the relay nation (default group[0]); ""
                                          for mesh and links */
  int n_edges;                         /* the sharing graph as this file describes it, sorted by
                                          name: hub: hub-X for every other X; mesh: every pair;
                                          links: the listed ones */
  tw_nodecfg_link edge[TW_NODECFG_MAX_EDGES];
  int n_links;                         /* this node's own links: the edges it is an end of, sorted
                                          by name; at least one */
  tw_nodecfg_link link[TW_NODECFG_MAX_LINKS];
  int n_releasable;                    /* default marking of this node's own tracks: sorted by */
  char releasable_to[TW_NODECFG_MAX_GROUP][TW_NODECFG_NATION_MAX]; /* strcmp, distinct, members
                                          of group, has nation; default the whole group */
  int relay;                           /* 1: pass partner tracks on to other partners (within
                                          their marking); auto = 1 for the hub, else 0 */
  int secure;                          /* 1: DDS Security with the PKI in keys; 0: insecure: true */
  char keys[TW_NODECFG_PATH_MAX];      /* as written; "" when not secure */
  char data[TW_NODECFG_PATH_MAX];      /* as written; the recorder writes <data>/<NATION>.db */
  int allow_non_loopback;              /* 1: address, peers and http may leave 127.0.0.0/8 */
  char address[TW_NODECFG_ADDR_MAX];   /* this node's IPv4 address; "127.0.0.1" */
  int n_peers;                         /* 1..TW_NODECFG_MAX_PEERS; default: [address] */
  char peer[TW_NODECFG_MAX_PEERS][TW_NODECFG_ADDR_MAX]; /* unicast discovery peers, distinct */
  tw_nodecfg_sensors sensors;
  char http_address[TW_NODECFG_ADDR_MAX]; /* the web picture; "" and port 0 when not served */
  int http_port;                       /* 1024..65535 */
} tw_nodecfg;

/* Parse config text (len bytes, need not be NUL-terminated). origin names the text in messages
 * and is the path the sensors' relative paths are resolved against (its directory; none when it
 * has no '/', or is NULL). On error returns TW_EPARSE (malformed, wrong type, unknown, missing or
 * duplicate key, a rule between keys broken) or TW_ERANGE (a value of the right type out of its
 * range, a list too long, a path too long) or TW_ENOMEM, writes one line "origin:line: key:
 * expected what, got what" into err (cut to n, always terminated; err may be NULL), and leaves *c
 * unchanged. TW_EINVAL for c NULL, or text NULL with len > 0. Never reads outside text, whatever
 * its content. Thread-safe. */
TW_API int tw_nodecfg_parse(tw_nodecfg *c, const char *text, size_t len, const char *origin,
                            char *err, size_t n);
/* Read and parse a file (at most 64 KiB). TW_EIO with the path and the system's reason in err
 * when it cannot be read. */
TW_API int tw_nodecfg_load(tw_nodecfg *c, const char *path, char *err, size_t n);

#endif
