/* triwatch/bus.h - one node's connection to the sharing fabric: Cyclone DDS topics, partitions
 * for releasability, QoS, and the checks every received sample must pass.
 *
 * docs/fabric.md is the contract. A node is an end of one or more links ("JPN-USA": the two
 * nations of an edge, sorted, joined by '-'). A sample goes out on one link in the partition
 * "<link>/<relset>" named by its marking (e.g. "KOR-USA/KOR+USA") and only if the relset holds
 * both ends of the link: otherwise publishing fails with TW_EPERM, nothing is sent, and the caller
 * records the withheld decision. A node reads, per link, the partitions whose relset holds it
 * ("<link>/" then N, N+*, *+N+* or *+N, as the permissions grant), and then checks every sample
 * itself (tw_bus_poll):
 * strings, numbers, the marking, that the marking names this node, and that it is exactly the
 * relset of the partition its writer published in, so a payload cannot claim a wider marking
 * than the partition that carried it.
 *
 * The bus builds its own Cyclone configuration, pinned to one IPv4 address (127.0.0.1 by
 * default) with multicast off and unicast peers; addresses outside 127.0.0.0/8 are refused
 * unless the caller says it made the network itself (network-namespace tests). Each bus is its
 * own Cyclone domain instance, so several nodes can share a process (tests, the local demo) -
 * except with DDS Security, where a process holds one bus per domain (docs/fabric.md).
 *
 * Time: library structs (tw_track, tw_ground_ellipse) count seconds from the bus's epoch
 * (config epoch_ns); the bus's own structs carry absolute tw_time_ns. Threads: publishing may
 * happen from any thread; tw_bus_poll from one thread at a time. */
#ifndef TRIWATCH_BUS_H
#define TRIWATCH_BUS_H

#include <stddef.h>
#include <stdint.h>

#include "triwatch/predict.h"
#include "triwatch/time.h"
#include "triwatch/tracker.h"
#include "triwatch/visibility.h"

#define TW_BUS_NATION_MAX 7      /* characters in a nation code, [A-Z0-9]{1,7} */
#define TW_BUS_MAX_NATIONS 16    /* in a marking's relset and in a config */
#define TW_BUS_MAX_LINKS 8       /* links of one node */
#define TW_BUS_MAX_PEERS 16
#define TW_BUS_LINK_MAX 15       /* characters in a link name "<A>-<B>" */
#define TW_BUS_ALERT_ID_MAX 64
#define TW_BUS_ALERT_STATUS_MAX 16
#define TW_BUS_ALERT_BODY_MAX 4096
#define TW_BUS_MAX_SOURCES 16    /* partner tracks behind one system track */
#define TW_BUS_MAX_HEALTH_LINKS 16
#define TW_BUS_DEFAULT_DOMAIN 42

enum tw_bus_kind {
  TW_BUS_LOCAL_TRACK = 0, /* topic tw_local_track */
  TW_BUS_SYSTEM_TRACK,    /* tw_system_track */
  TW_BUS_PREDICTION,      /* tw_prediction */
  TW_BUS_ALERT,           /* tw_alert */
  TW_BUS_HEALTH,          /* tw_health */
  TW_BUS_N_KINDS
};

/* Why a received sample was dropped (tw_bus_stats.rejected[] is indexed by these). */
enum tw_bus_reject {
  TW_BUS_REJ_NONE = 0,
  TW_BUS_REJ_STRING,         /* a string not NUL-terminated, or not of its form (nation code...) */
  TW_BUS_REJ_MARKING,        /* relset unsorted, duplicated, too long, naming an unknown nation,
                                lacking the originator; originator differing from the key */
  TW_BUS_REJ_NOT_RELEASABLE, /* the relset does not name this node */
  TW_BUS_REJ_PARTITION,      /* the writer's partition is not exactly "<link>/<relset>" of this
                                link and the sample's marking (or the writer is unknown) */
  TW_BUS_REJ_NUMBER,         /* NaN or infinity */
  TW_BUS_REJ_VALUE,          /* a finite number or code out of its range (probability outside
                                [0, 1], negative variance, unknown status, bad latitude...) */
  TW_BUS_REJ_N
};

/* Who owns a sample and who may see it. rel is sorted by strcmp, has no duplicates and holds the
 * originator. */
typedef struct tw_bus_marking {
  char originator[TW_BUS_NATION_MAX + 1];
  int n_rel;
  char rel[TW_BUS_MAX_NATIONS][TW_BUS_NATION_MAX + 1];
} tw_bus_marking;

typedef struct tw_bus_track_ref {
  char originator[TW_BUS_NATION_MAX + 1];
  uint32_t track_id;
} tw_bus_track_ref;

/* A fused track of the common picture. */
typedef struct tw_bus_system_track {
  char node[TW_BUS_NATION_MAX + 1];   /* the node that fused it */
  uint32_t gtn;                   /* global track number */
  tw_time_ns t_ns;                /* time of validity */
  double x[TW_TRACK_NX];          /* as tw_track.x (ECEF) */
  double P[TW_TRACK_NX * TW_TRACK_NX]; /* full symmetric 9x9, row-major */
  int n_sources;
  tw_bus_track_ref sources[TW_BUS_MAX_SOURCES];
} tw_bus_system_track;

/* Launch and impact areas for a system track. Ellipse times t_s count from the bus's epoch;
 * n_ground is not carried (0 on receipt). */
typedef struct tw_bus_prediction {
  char node[TW_BUS_NATION_MAX + 1];
  uint32_t gtn;
  tw_time_ns t_ns;                /* time of the state it was predicted from */
  int has_impact, has_launch;
  tw_ground_ellipse impact, launch;
} tw_bus_prediction;

typedef struct tw_bus_alert {
  char id[TW_BUS_ALERT_ID_MAX + 1];         /* globally unique */
  tw_time_ns t_ns;                          /* issued or last updated */
  char status[TW_BUS_ALERT_STATUS_MAX + 1]; /* token [A-Za-z0-9_.:-]+: warning, cancel.. */
  char body[TW_BUS_ALERT_BODY_MAX + 1];     /* UTF-8 text (CAP 1.2...); no control characters
                                               but tab, CR, LF */
} tw_bus_alert;

typedef struct tw_bus_partner_link {
  char partner[TW_BUS_NATION_MAX + 1];
  double latency_ms;        /* one-way; < 0 unknown */
  tw_time_ns last_heard_ns; /* 0: never */
} tw_bus_partner_link;

typedef struct tw_bus_health {
  char node[TW_BUS_NATION_MAX + 1];
  tw_time_ns t_ns;          /* when sent */
  int n_links;
  tw_bus_partner_link links[TW_BUS_MAX_HEALTH_LINKS];
} tw_bus_health;

/* A received sample that passed the checks. */
typedef struct tw_bus_sample {
  enum tw_bus_kind kind;
  /* 1: the publisher retired the instance (a track was dropped, an alert withdrawn). The key is
   * set (u.local.originator + u.local.track.id, u.system.node + gtn, u.prediction.node + gtn,
   * u.alert.id, u.health.node); marking and payload are set only when the last data came with
   * the news (a late joiner), else zero. Retirements can repeat: they are idempotent. */
  int retired;
  char link[TW_BUS_LINK_MAX + 1];  /* the link it came over */
  tw_bus_marking marking;          /* checked: names this node, equals the writer's partition */
  tw_time_ns t_source_ns;          /* the writer's timestamp (its clock) */
  tw_time_ns t_recv_ns;            /* when tw_bus_poll took it (this node's clock) */
  union {
    struct {
      char originator[TW_BUS_NATION_MAX + 1];
      tw_track track;   /* t_s, t_avail_s on the bus's epoch; P full; t_start_s = t_s,
                           t_confirmed_s = t_s or -1, nations 0, truth_* -1 (not carried) */
      tw_time_ns t_ns, t_avail_ns; /* the same times as sent */
    } local;
    tw_bus_system_track system;
    tw_bus_prediction prediction;
    tw_bus_alert alert;
    tw_bus_health health;
  } u;
} tw_bus_sample;

typedef struct tw_bus_stats {
  uint64_t published[TW_BUS_N_KINDS]; /* samples written (retirements not counted) */
  uint64_t withheld;                  /* publishes refused with TW_EPERM */
  uint64_t received[TW_BUS_N_KINDS];  /* samples delivered by tw_bus_poll (with retirements) */
  uint64_t rejected[TW_BUS_REJ_N];    /* received samples dropped, by reason */
} tw_bus_stats;

typedef struct tw_bus_config {
  const char *nation;          /* this node, e.g. "USA" */
  uint32_t domain_id;          /* DDS domain on the network (default 42) */
  int n_links;
  const char *links[TW_BUS_MAX_LINKS];     /* e.g. "JPN-USA", "KOR-USA": sorted ends, one ours */
  int n_nations;
  const char *nations[TW_BUS_MAX_NATIONS]; /* every nation a marking may name (ours and our
                                              links' ends are added); others are dropped */
  const char *address;         /* this node's interface, dotted IPv4 (NULL: "127.0.0.1") */
  int n_peers;
  const char *peers[TW_BUS_MAX_PEERS];     /* unicast discovery peers, dotted IPv4 (0: 127.0.0.1) */
  int allow_non_loopback_peers; /* 1 only in tests that made their own network namespaces:
                                   permits address and peers outside 127.0.0.0/8 */
  const char *security_xml;    /* a <Security>...</Security> fragment for the Cyclone domain
                                  (tw_pki_security_xml makes it), or NULL: no DDS Security. It may
                                  not carry network settings (General, Discovery...) */
  int max_auto_participant_index; /* participants per host Cyclone will look for (default 20) */
  tw_time_ns epoch_ns;         /* the origin of t_s in tw_track and tw_ground_ellipse */
  /* Told of each rejected sample and failed write, one line without newline (NULL: silent).
   * The first 20 are told, then one in 1,000. Called from the polling or publishing thread. */
  void (*log)(void *ctx, const char *line);
  void *log_ctx;
} tw_bus_config;

typedef struct tw_bus tw_bus;

/* Defaults: domain 42, 127.0.0.1, MaxAutoParticipantIndex 20, no links, no security. */
TW_API void tw_bus_config_default(tw_bus_config *c);

/* Join the fabric: a Cyclone domain and participant configured as above, the five topics, a
 * subscriber per link reading the partitions of the link whose relset holds us and, per link,
 * publishers for the relsets made of the config's nations that hold both ends (when there are at
 * most 16 per link; others are made on first use, see docs/fabric.md "The bus"). Returns the
 * bus, or NULL with a one-line reason in err (size n; may be NULL) naming the field that was
 * wrong: a bad nation code or link, a link we are not an end of, an address that is not dotted
 * IPv4 or is outside 127.0.0.0/8, a security fragment carrying network settings, or Cyclone
 * refusing the configuration (bad security files, a second secured bus for the same domain in
 * this process). The config's strings are copied. */
TW_API tw_bus *tw_bus_open(const tw_bus_config *c, char *err, size_t n);
/* Leave the fabric: every writer, reader and the domain are deleted (partners see our instances
 * disappear). NULL is fine. */
TW_API void tw_bus_close(tw_bus *b);

/* Publish on one of our links. The marking must be valid (codes, sorted, unique, originator in
 * it, every nation in the config) and hold both ends of the link: TW_EPERM otherwise (counted as
 * withheld; nothing is sent). The payload must be finite and in range (TW_EINVAL otherwise).
 * Returns 0; TW_EINVAL (NULL, unknown link, bad marking or payload); TW_EPERM; TW_ENOMEM (no room
 * for another partition's writers); TW_EIO (Cyclone refused the write, logged). */
/* A local track: the key is (m->originator, t->id), so a relay keeps the originator's key. */
TW_API int tw_bus_publish_track(tw_bus *b, const char *link, const tw_track *t,
                                const tw_bus_marking *m);
TW_API int tw_bus_publish_system_track(tw_bus *b, const char *link, const tw_bus_system_track *s,
                                       const tw_bus_marking *m);
TW_API int tw_bus_publish_prediction(tw_bus *b, const char *link, const tw_bus_prediction *p,
                                     const tw_bus_marking *m);
/* Alerts are kept (transient-local, keep-all) for partners that join later, until retired. */
TW_API int tw_bus_publish_alert(tw_bus *b, const char *link, const tw_bus_alert *a,
                                const tw_bus_marking *m);
TW_API int tw_bus_publish_health(tw_bus *b, const char *link, const tw_bus_health *h,
                                 const tw_bus_marking *m);

/* Retire an instance published earlier with this link and marking: partners receive a sample
 * with retired = 1, and the instance's resources are freed on both sides (call it for every
 * track the tracker deletes and every alert no longer active). The key: (m->originator, number)
 * for local tracks, (node = m->originator, number = gtn) for system tracks and predictions, id
 * for alerts, node = m->originator for health. Returns as the publish functions; TW_ENOENT if
 * there is no such instance. */
TW_API int tw_bus_retire(tw_bus *b, enum tw_bus_kind kind, const char *link,
                         const tw_bus_marking *m, uint32_t number, const char *id);

/* Wait up to timeout_ms (0: do not wait) for samples and store up to max of them (the checked
 * ones) in out. Returns how many (0 on timeout), or TW_EINVAL. Samples that fail the checks are
 * counted in the stats, logged, and not returned. */
TW_API int tw_bus_poll(tw_bus *b, int timeout_ms, tw_bus_sample *out, int max);

/* The fewest partner readers any of our local-track writers on this link (one per relset made
 * so far) is matched with: > 0 means the partner listens in every partition we have. TW_EINVAL
 * for an unknown link. */
TW_API int tw_bus_link_matched(tw_bus *b, const char *link);

TW_API void tw_bus_get_stats(tw_bus *b, tw_bus_stats *s);

/* Build a marking from "KOR+USA" style text (any order, '+' or ',' between codes; duplicates
 * collapsed): sorted, checked codes, originator required in it. Returns 0 or TW_EINVAL (m
 * unchanged). */
TW_API int tw_bus_marking_make(tw_bus_marking *m, const char *originator, const char *relset);
/* "JPN+KOR+USA" into buf (size n). Returns the length, TW_ERANGE if buf is too small, TW_EINVAL. */
TW_API int tw_bus_relset_format(char *buf, size_t n, const tw_bus_marking *m);

/* "local_track", ...; "?" for anything else. */
TW_API const char *tw_bus_kind_name(int kind);
/* "string", "marking", "not_releasable", "partition", "number", "value"; "?" otherwise. */
TW_API const char *tw_bus_reject_name(int reason);

#endif
