/* fabric/bus.c - the node's Cyclone DDS participant: configuration pinned to one address,
 * topics, one publisher per (link, relset) partition, one subscriber per link, and the checks on
 * every received sample (bus_wire.c does the per-field work).
 *
 * Each bus creates its own Cyclone domain instance under a process-local domain id and tells
 * Cyclone to use the configured domain on the network (Discovery/ExternalDomainId): several
 * nodes in one process (tests, the demo) then behave exactly as separate processes would, each
 * with its own sockets and participant index. Not with DDS Security: the access control plugin
 * checks the local domain id against the governance, so a secured bus takes the configured id
 * itself, and a process holds one secured bus per domain.
 *
 * A node reads, per link, the partitions "<link>/" followed by N, N+*, *+N+* or *+N (N: its
 * nation): the relsets that hold N exactly, as the permissions of src/fabric/pki.c grant them.
 * The looser pattern of the first contract, *N* after the link, would also match a partner whose
 * code contains N.
 *
 * Writers are made per (link, relset) because the partition is a publisher's QoS. They are made
 * at open for the relsets a link will use in practice (so partners match them before the first
 * sample), and on first use for any other: a volatile sample written before the partner has
 * matched a new writer is lost, which periodic tracks recover from at their next update and
 * transient-local alerts do not suffer from. */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dds/dds.h"
#include "fabric/bus_wire.h"
#include "triwatch/bus.h"
#include "triwatch/error.h"

#define MAX_PUBS 256           /* (link, relset) publishers per node */
#define EAGER_RELSETS_MAX 16   /* per link; beyond, relsets are made on first use */
#define PARTITION_CACHE 64     /* remembered partitions of partner writers */
#define TAKE_BATCH 16
#define ALERT_READER_MAX_SAMPLES 8192 /* a flood of alerts cannot take more than this (x 4 KiB) */
#define LOCAL_DOMAIN_BASE 1000000u    /* process-local Cyclone domain ids start here */

static const char *const g_topic_names[TW_BUS_N_KINDS] = {
  "tw_local_track", "tw_system_track", "tw_prediction", "tw_alert", "tw_health",
};
static const dds_topic_descriptor_t *const g_descs[TW_BUS_N_KINDS] = {
  &tw_LocalTrack_desc, &tw_SystemTrack_desc, &tw_Prediction_desc, &tw_Alert_desc,
  &tw_Health_desc,
};

typedef struct pub_entry {
  int link;
  char relset[TW__BUS_RELSET_MAX];
  dds_entity_t publisher;
  dds_entity_t writer[TW_BUS_N_KINDS];
} pub_entry;

typedef struct partition_entry {
  dds_instance_handle_t writer;        /* 0: empty */
  char partition[TW__BUS_PARTITION_MAX]; /* "" when the writer has not exactly one */
} partition_entry;

struct tw_bus {
  tw__bus_view view;                   /* our nation, the known nations, the epoch */
  int n_links;
  char links[TW_BUS_MAX_LINKS][TW_BUS_LINK_MAX + 1];
  char other[TW_BUS_MAX_LINKS][TW_BUS_NATION_MAX + 1]; /* the far end of each link */
  dds_entity_t domain, participant, waitset;
  dds_entity_t topic[TW_BUS_N_KINDS];
  dds_entity_t reader[TW_BUS_MAX_LINKS][TW_BUS_N_KINDS];
  void (*log)(void *ctx, const char *line);
  void *log_ctx;

  pthread_mutex_t lock;                /* guards pubs, stats and the log counter */
  int n_pubs;
  pub_entry pubs[MAX_PUBS];
  tw_bus_stats stats;
  uint64_t n_log_events;

  /* poll side, one thread */
  int next_reader;
  int next_partition;
  partition_entry partitions[PARTITION_CACHE];
};

static atomic_uint g_next_local_domain;

/* ---- small helpers ---- */

static void set_err(char *err, size_t n, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t n, const char *fmt, ...)
{
  if (err == NULL || n == 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, n, fmt, ap);
  va_end(ap);
}

/* Rate-limited: the first 20 events, then one in 1,000. */
static void bus_log(tw_bus *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bus_log(tw_bus *b, const char *fmt, ...)
{
  if (b->log == NULL)
    return;
  pthread_mutex_lock(&b->lock);
  uint64_t k = b->n_log_events++;
  pthread_mutex_unlock(&b->lock);
  if (k >= 20 && k % 1000 != 0)
    return;
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  b->log(b->log_ctx, line);
}

const char *tw_bus_kind_name(int kind)
{
  static const char *const names[TW_BUS_N_KINDS] = {"local_track", "system_track", "prediction",
                                                    "alert", "health"};
  return kind >= 0 && kind < TW_BUS_N_KINDS ? names[kind] : "?";
}

const char *tw_bus_reject_name(int reason)
{
  static const char *const names[TW_BUS_REJ_N] = {"none",      "string", "marking",
                                                  "not_releasable", "partition", "number",
                                                  "value"};
  return reason >= 0 && reason < TW_BUS_REJ_N ? names[reason] : "?";
}

static int cmp_code(const void *a, const void *b) { return strcmp(a, b); }

/* Split "A-B" into its ends; 0 if it is a link (two valid codes, sorted, distinct). */
static int parse_link(const char *link, char a[TW_BUS_NATION_MAX + 1],
                      char b[TW_BUS_NATION_MAX + 1])
{
  const char *dash = link != NULL ? strchr(link, '-') : NULL;
  if (dash == NULL || strlen(link) > TW_BUS_LINK_MAX || (size_t)(dash - link) > TW_BUS_NATION_MAX)
    return -1;
  memcpy(a, link, (size_t)(dash - link));
  a[dash - link] = '\0';
  if (strlen(dash + 1) > TW_BUS_NATION_MAX)
    return -1;
  strcpy(b, dash + 1);
  if (!tw__bus_nation_ok(a, TW_BUS_NATION_MAX + 1) ||
      !tw__bus_nation_ok(b, TW_BUS_NATION_MAX + 1) || strcmp(a, b) >= 0)
    return -1;
  return 0;
}

/* Dotted IPv4 only (no names: a name could resolve anywhere). 0 if acceptable. */
static int address_ok(const char *s, int allow_non_loopback)
{
  struct in_addr a;
  if (s == NULL || inet_pton(AF_INET, s, &a) != 1)
    return -1;
  uint32_t h = ntohl(a.s_addr);
  if ((h >> 24) == 127)
    return 0;
  if (!allow_non_loopback)
    return -1;
  /* even in a namespace of our own: no wildcard, broadcast or multicast */
  return h == 0 || h == 0xffffffffu || (h >> 28) == 0xe ? -1 : 0;
}

static int add_nation(tw__bus_view *v, const char *code)
{
  for (int i = 0; i < v->n_nations; i++)
    if (strcmp(v->nations[i], code) == 0)
      return 0;
  if (v->n_nations == TW_BUS_MAX_NATIONS)
    return -1;
  strcpy(v->nations[v->n_nations++], code);
  return 0;
}

static int link_index(const tw_bus *b, const char *link)
{
  if (link == NULL)
    return -1;
  for (int i = 0; i < b->n_links; i++)
    if (strcmp(b->links[i], link) == 0)
      return i;
  return -1;
}

static int marking_has(const tw_bus_marking *m, const char *code)
{
  for (int i = 0; i < m->n_rel; i++)
    if (strcmp(m->rel[i], code) == 0)
      return 1;
  return 0;
}

/* ---- markings ---- */

static int marking_valid(const tw_bus_marking *m)
{
  if (!tw__bus_nation_ok(m->originator, sizeof m->originator) || m->n_rel < 1 ||
      m->n_rel > TW_BUS_MAX_NATIONS)
    return 0;
  for (int i = 0; i < m->n_rel; i++) {
    if (!tw__bus_nation_ok(m->rel[i], sizeof m->rel[i]))
      return 0;
    if (i > 0 && strcmp(m->rel[i - 1], m->rel[i]) >= 0)
      return 0;
  }
  return marking_has(m, m->originator);
}

int tw_bus_marking_make(tw_bus_marking *m, const char *originator, const char *relset)
{
  if (m == NULL || originator == NULL || relset == NULL ||
      !tw__bus_nation_ok(originator, TW_BUS_NATION_MAX + 1))
    return TW_EINVAL;
  tw_bus_marking t;
  memset(&t, 0, sizeof t);
  strcpy(t.originator, originator);
  const char *s = relset;
  for (;;) {
    while (*s == ' ')
      s++;
    size_t len = strcspn(s, "+, ");
    char code[TW_BUS_NATION_MAX + 1];
    if (len == 0 || len > TW_BUS_NATION_MAX)
      return TW_EINVAL;
    memcpy(code, s, len);
    code[len] = '\0';
    if (!tw__bus_nation_ok(code, sizeof code))
      return TW_EINVAL;
    if (!marking_has(&t, code)) {
      if (t.n_rel == TW_BUS_MAX_NATIONS)
        return TW_EINVAL;
      strcpy(t.rel[t.n_rel++], code);
    }
    s += len;
    while (*s == ' ')
      s++;
    if (*s == '\0')
      break;
    if (*s != '+' && *s != ',')
      return TW_EINVAL;
    s++;
  }
  qsort(t.rel, (size_t)t.n_rel, sizeof t.rel[0], cmp_code);
  if (!marking_has(&t, originator))
    return TW_EINVAL;
  *m = t;
  return 0;
}

int tw_bus_relset_format(char *buf, size_t n, const tw_bus_marking *m)
{
  if (buf == NULL || m == NULL || m->n_rel < 1 || m->n_rel > TW_BUS_MAX_NATIONS)
    return TW_EINVAL;
  size_t len = 0;
  for (int i = 0; i < m->n_rel; i++) {
    size_t k = strnlen(m->rel[i], sizeof m->rel[i]);
    if (k == sizeof m->rel[i])
      return TW_EINVAL;
    if (len + (i > 0) + k + 1 > n)
      return TW_ERANGE;
    if (i > 0)
      buf[len++] = '+';
    memcpy(buf + len, m->rel[i], k);
    len += k;
  }
  buf[len] = '\0';
  return (int)len;
}

/* ---- entities ---- */

static dds_qos_t *data_qos(enum tw_bus_kind kind, int reader)
{
  dds_qos_t *q = dds_create_qos();
  if (q == NULL)
    return NULL;
  if (kind == TW_BUS_ALERT) {
    dds_qset_reliability(q, DDS_RELIABILITY_RELIABLE, DDS_SECS(1));
    dds_qset_history(q, DDS_HISTORY_KEEP_ALL, 0);
    dds_qset_durability(q, DDS_DURABILITY_TRANSIENT_LOCAL);
    /* What a late joiner gets is the durability service's history, not the writer's: the
     * latest version of each alert not yet retired. Keep-all there would make Cyclone keep
     * every sample ever written, retired alerts included (whc.c: "KEEP_ALL on transient
     * local, so we can never ever delete anything"). */
    if (!reader)
      dds_qset_durability_service(q, 0, DDS_HISTORY_KEEP_LAST, 1, DDS_LENGTH_UNLIMITED,
                                  DDS_LENGTH_UNLIMITED, DDS_LENGTH_UNLIMITED);
    if (reader)
      dds_qset_resource_limits(q, ALERT_READER_MAX_SAMPLES, DDS_LENGTH_UNLIMITED,
                               DDS_LENGTH_UNLIMITED);
  } else {
    dds_qset_reliability(q, DDS_RELIABILITY_RELIABLE, DDS_MSECS(100));
    dds_qset_history(q, DDS_HISTORY_KEEP_LAST, 1);
    dds_qset_durability(q, DDS_DURABILITY_VOLATILE);
  }
  if (reader)
    dds_qset_ignorelocal(q, DDS_IGNORELOCAL_PARTICIPANT);
  return q;
}

static dds_entity_t make_writer(tw_bus *b, dds_entity_t publisher, enum tw_bus_kind kind)
{
  dds_qos_t *q = data_qos(kind, 0);
  if (q == NULL)
    return DDS_RETCODE_OUT_OF_RESOURCES;
  dds_entity_t w = dds_create_writer(publisher, b->topic[kind], q, NULL);
  dds_delete_qos(q);
  return w;
}

/* The publisher for "<link>/<relset>" (made if needed, with all its writers), or NULL. Called
 * with the lock held, or from tw_bus_open. */
static pub_entry *get_pub(tw_bus *b, int link, const char *relset)
{
  for (int i = 0; i < b->n_pubs; i++)
    if (b->pubs[i].link == link && strcmp(b->pubs[i].relset, relset) == 0)
      return &b->pubs[i];
  if (b->n_pubs == MAX_PUBS)
    return NULL;
  char partition[TW__BUS_PARTITION_MAX];
  snprintf(partition, sizeof partition, "%s/%s", b->links[link], relset);
  dds_qos_t *q = dds_create_qos();
  if (q == NULL)
    return NULL;
  dds_qset_partition1(q, partition);
  dds_entity_t pub = dds_create_publisher(b->participant, q, NULL);
  dds_delete_qos(q);
  if (pub < 0)
    return NULL;
  pub_entry *p = &b->pubs[b->n_pubs];
  memset(p, 0, sizeof *p);
  p->link = link;
  strcpy(p->relset, relset);
  p->publisher = pub;
  for (int k = 0; k < TW_BUS_N_KINDS; k++) {
    p->writer[k] = make_writer(b, pub, (enum tw_bus_kind)k);
    if (p->writer[k] < 0) {
      dds_delete(pub); /* deletes the writers made so far */
      return NULL;
    }
  }
  b->n_pubs++;
  return p;
}

/* Publishers for every relset of known nations holding both ends of the link, when there are
 * at most EAGER_RELSETS_MAX of them; else only for the two ends. */
static int make_eager_pubs(tw_bus *b, int link)
{
  char a[TW_BUS_NATION_MAX + 1], z[TW_BUS_NATION_MAX + 1];
  parse_link(b->links[link], a, z);
  const char *extra[TW_BUS_MAX_NATIONS];
  int n_extra = 0;
  for (int i = 0; i < b->view.n_nations; i++)
    if (strcmp(b->view.nations[i], a) != 0 && strcmp(b->view.nations[i], z) != 0)
      extra[n_extra++] = b->view.nations[i];
  unsigned n_sets = n_extra < 16 && (1u << n_extra) <= EAGER_RELSETS_MAX ? 1u << n_extra : 1u;
  for (unsigned mask = 0; mask < n_sets; mask++) {
    tw_bus_marking m;
    memset(&m, 0, sizeof m);
    strcpy(m.rel[m.n_rel++], a);
    strcpy(m.rel[m.n_rel++], z);
    for (int i = 0; i < n_extra; i++)
      if (mask & (1u << i))
        strcpy(m.rel[m.n_rel++], extra[i]);
    qsort(m.rel, (size_t)m.n_rel, sizeof m.rel[0], cmp_code);
    char relset[TW__BUS_RELSET_MAX];
    tw_bus_relset_format(relset, sizeof relset, &m);
    if (get_pub(b, link, relset) == NULL)
      return -1;
  }
  return 0;
}

static int make_readers(tw_bus *b, int link, char *err, size_t n)
{
  static const char *const forms[4] = {"%s/%s", "%s/%s+*", "%s/*+%s+*", "%s/*+%s"};
  char parts[4][TW__BUS_PARTITION_MAX];
  const char *pp[4];
  for (int i = 0; i < 4; i++) {
    snprintf(parts[i], sizeof parts[i], forms[i], b->links[link], b->view.nation);
    pp[i] = parts[i];
  }
  dds_qos_t *q = dds_create_qos();
  if (q == NULL)
    return -1;
  dds_qset_partition(q, 4, pp);
  dds_entity_t sub = dds_create_subscriber(b->participant, q, NULL);
  dds_delete_qos(q);
  if (sub < 0) {
    set_err(err, n, "bus: cannot make the subscriber for %s: %s", b->links[link],
            dds_strretcode(sub));
    return -1;
  }
  for (int k = 0; k < TW_BUS_N_KINDS; k++) {
    dds_qos_t *rq = data_qos((enum tw_bus_kind)k, 1);
    dds_entity_t r = rq != NULL ? dds_create_reader(sub, b->topic[k], rq, NULL) : -1;
    dds_delete_qos(rq);
    dds_entity_t rc = r > 0 ? dds_create_readcondition(r, DDS_ANY_STATE) : -1;
    if (rc <= 0 || dds_waitset_attach(b->waitset, rc, 0) < 0) {
      set_err(err, n, "bus: cannot make the %s reader on %s: %s%s", g_topic_names[k],
              b->links[link], dds_strretcode(r < 0 ? r : rc),
              r == DDS_RETCODE_NOT_ALLOWED_BY_SECURITY ? " (not in our permissions)" : "");
      return -1;
    }
    b->reader[link][k] = r;
  }
  return 0;
}

/* The Cyclone configuration: one address, no multicast, unicast peers. Returns a malloc'd
 * string or NULL. */
static char *build_xml(const tw_bus_config *c, const char *address, uint32_t domain_id)
{
  size_t cap = 1024 + (size_t)TW_BUS_MAX_PEERS * 64 +
               (c->security_xml != NULL ? strlen(c->security_xml) : 0);
  char *x = malloc(cap);
  if (x == NULL)
    return NULL;
  int mapi = c->max_auto_participant_index > 0 ? c->max_auto_participant_index : 20;
  size_t len = (size_t)snprintf(
    x, cap,
    "<CycloneDDS><Domain id=\"any\">"
    "<General><Interfaces><NetworkInterface address=\"%s\"/></Interfaces>"
    "<AllowMulticast>false</AllowMulticast></General>"
    "<Discovery><ExternalDomainId>%u</ExternalDomainId>"
    "<ParticipantIndex>auto</ParticipantIndex>"
    "<MaxAutoParticipantIndex>%d</MaxAutoParticipantIndex><Peers>",
    address, (unsigned)domain_id, mapi);
  if (c->n_peers == 0)
    len += (size_t)snprintf(x + len, cap - len, "<Peer Address=\"127.0.0.1\"/>");
  for (int i = 0; i < c->n_peers; i++)
    len += (size_t)snprintf(x + len, cap - len, "<Peer Address=\"%s\"/>", c->peers[i]);
  snprintf(x + len, cap - len, "</Peers></Discovery>%s</Domain></CycloneDDS>",
           c->security_xml != NULL ? c->security_xml : "");
  return x;
}

/* Reject a security fragment that would change where Cyclone talks. */
static const char *security_forbidden(const char *s)
{
  static const char *const bad[] = {"<General", "<Discovery", "<Peer", "<Interfaces",
                                    "<NetworkInterface", "Multicast", "<Domain", "<CycloneDDS",
                                    "<Partitioning", "<TCP", "<SharedMemory"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    if (strstr(s, bad[i]) != NULL)
      return bad[i];
  return NULL;
}

/* Everything in the config that does not need Cyclone. 0 or -1 with err set. */
static int check_config(tw_bus *b, const tw_bus_config *c, char *err, size_t n)
{
  if (c->nation == NULL || !tw__bus_nation_ok(c->nation, TW_BUS_NATION_MAX + 1)) {
    set_err(err, n, "bus config: nation \"%s\": expected 1-7 of [A-Z0-9]",
            c->nation != NULL ? c->nation : "(null)");
    return -1;
  }
  strcpy(b->view.nation, c->nation);
  if (c->domain_id > 230) {
    set_err(err, n, "bus config: domain_id %u: expected 0..230", (unsigned)c->domain_id);
    return -1;
  }
  if (c->epoch_ns < 0 || c->epoch_ns > TW__BUS_T_MAX_NS) {
    set_err(err, n, "bus config: epoch_ns %lld: expected 0..%lld", (long long)c->epoch_ns,
            (long long)TW__BUS_T_MAX_NS);
    return -1;
  }
  if (c->max_auto_participant_index < 0 || c->max_auto_participant_index > 120) {
    set_err(err, n, "bus config: max_auto_participant_index %d: expected 1..120 (0: 20)",
            c->max_auto_participant_index);
    return -1;
  }
  if (c->n_nations < 0 || c->n_nations > TW_BUS_MAX_NATIONS || c->n_links < 0 ||
      c->n_links > TW_BUS_MAX_LINKS || c->n_peers < 0 || c->n_peers > TW_BUS_MAX_PEERS) {
    set_err(err, n, "bus config: n_nations %d, n_links %d, n_peers %d: expected 0..%d, %d, %d",
            c->n_nations, c->n_links, c->n_peers, TW_BUS_MAX_NATIONS, TW_BUS_MAX_LINKS,
            TW_BUS_MAX_PEERS);
    return -1;
  }
  for (int i = 0; i < c->n_nations; i++) {
    if (c->nations[i] == NULL || !tw__bus_nation_ok(c->nations[i], TW_BUS_NATION_MAX + 1)) {
      set_err(err, n, "bus config: nations[%d] \"%s\": expected 1-7 of [A-Z0-9]", i,
              c->nations[i] != NULL ? c->nations[i] : "(null)");
      return -1;
    }
    add_nation(&b->view, c->nations[i]);
  }
  if (add_nation(&b->view, c->nation) != 0)
    goto err_too_many;
  for (int i = 0; i < c->n_links; i++) {
    char a[TW_BUS_NATION_MAX + 1], z[TW_BUS_NATION_MAX + 1];
    if (parse_link(c->links[i], a, z) != 0) {
      set_err(err, n, "bus config: links[%d] \"%s\": expected two nation codes, sorted, joined "
              "by '-'", i, c->links[i] != NULL ? c->links[i] : "(null)");
      return -1;
    }
    if (strcmp(a, c->nation) != 0 && strcmp(z, c->nation) != 0) {
      set_err(err, n, "bus config: links[%d] \"%s\": %s is not an end of it", i, c->links[i],
              c->nation);
      return -1;
    }
    if (link_index(b, c->links[i]) >= 0) {
      set_err(err, n, "bus config: links[%d] \"%s\" is listed twice", i, c->links[i]);
      return -1;
    }
    if (add_nation(&b->view, a) != 0 || add_nation(&b->view, z) != 0)
      goto err_too_many;
    strcpy(b->links[b->n_links], c->links[i]);
    strcpy(b->other[b->n_links], strcmp(a, c->nation) == 0 ? z : a);
    b->n_links++;
  }
  qsort(b->view.nations, (size_t)b->view.n_nations, sizeof b->view.nations[0], cmp_code);
  if (c->address != NULL && address_ok(c->address, c->allow_non_loopback_peers) != 0) {
    set_err(err, n, "bus config: address \"%s\": expected dotted IPv4 in 127.0.0.0/8",
            c->address);
    return -1;
  }
  for (int i = 0; i < c->n_peers; i++) {
    if (address_ok(c->peers[i], c->allow_non_loopback_peers) != 0) {
      set_err(err, n, "bus config: peers[%d] \"%s\": expected dotted IPv4 in 127.0.0.0/8", i,
              c->peers[i] != NULL ? c->peers[i] : "(null)");
      return -1;
    }
  }
  const char *bad = c->security_xml != NULL ? security_forbidden(c->security_xml) : NULL;
  if (bad != NULL) {
    set_err(err, n, "bus config: security_xml: carries \"%s\"; only security settings allowed",
            bad);
    return -1;
  }
  return 0;
err_too_many:
  set_err(err, n, "bus config: more than %d nations between nations, nation and links",
          TW_BUS_MAX_NATIONS);
  return -1;
}

void tw_bus_config_default(tw_bus_config *c)
{
  memset(c, 0, sizeof *c);
  c->domain_id = TW_BUS_DEFAULT_DOMAIN;
  c->max_auto_participant_index = 20;
}

tw_bus *tw_bus_open(const tw_bus_config *c, char *err, size_t n)
{
  if (c == NULL) {
    set_err(err, n, "bus: no config");
    return NULL;
  }
  tw_bus *b = calloc(1, sizeof *b);
  if (b == NULL) {
    set_err(err, n, "bus: out of memory");
    return NULL;
  }
  if (check_config(b, c, err, n) != 0)
    goto err_config;
  b->view.epoch_ns = c->epoch_ns;
  b->log = c->log;
  b->log_ctx = c->log_ctx;
  if (pthread_mutex_init(&b->lock, NULL) != 0) {
    set_err(err, n, "bus: cannot make a mutex");
    goto err_config;
  }

  char *xml = build_xml(c, c->address != NULL ? c->address : "127.0.0.1", c->domain_id);
  if (xml == NULL) {
    set_err(err, n, "bus: out of memory");
    goto err_mutex;
  }
  dds_domainid_t local_id = c->security_xml != NULL
                              ? c->domain_id
                              : LOCAL_DOMAIN_BASE + atomic_fetch_add(&g_next_local_domain, 1);
  b->domain = dds_create_domain(local_id, xml);
  free(xml);
  if (b->domain < 0) {
    set_err(err, n, "bus: Cyclone refused the configuration for %s (domain %u): %s%s", c->nation,
            (unsigned)c->domain_id, dds_strretcode(b->domain),
            c->security_xml != NULL && b->domain == DDS_RETCODE_PRECONDITION_NOT_MET
              ? " (a process holds one secured bus per domain)" : "");
    goto err_mutex;
  }
  b->participant = dds_create_participant(local_id, NULL, NULL);
  if (b->participant < 0) {
    set_err(err, n, "bus: cannot make the participant for %s: %s (security configuration?)",
            c->nation, dds_strretcode(b->participant));
    goto err_domain;
  }
  for (int k = 0; k < TW_BUS_N_KINDS; k++) {
    b->topic[k] = dds_create_topic(b->participant, g_descs[k], g_topic_names[k], NULL, NULL);
    if (b->topic[k] < 0) {
      set_err(err, n, "bus: cannot make topic %s: %s", g_topic_names[k],
              dds_strretcode(b->topic[k]));
      goto err_domain;
    }
  }
  b->waitset = dds_create_waitset(b->participant);
  if (b->waitset < 0) {
    set_err(err, n, "bus: cannot make a waitset: %s", dds_strretcode(b->waitset));
    goto err_domain;
  }
  for (int l = 0; l < b->n_links; l++) {
    if (make_readers(b, l, err, n) != 0)
      goto err_domain;
    if (make_eager_pubs(b, l) != 0) {
      set_err(err, n, "bus: cannot make the writers for link %s", b->links[l]);
      goto err_domain;
    }
  }
  return b;

err_domain:
  dds_delete(b->domain);
err_mutex:
  pthread_mutex_destroy(&b->lock);
err_config:
  free(b);
  return NULL;
}

void tw_bus_close(tw_bus *b)
{
  if (b == NULL)
    return;
  dds_delete(b->domain);
  pthread_mutex_destroy(&b->lock);
  free(b);
}

/* ---- publishing ---- */

/* The link's index if a sample with this marking may go out on it; TW_EINVAL or TW_EPERM. */
static int route(tw_bus *b, const char *link, const tw_bus_marking *m)
{
  int l = link_index(b, link);
  if (l < 0 || m == NULL || !marking_valid(m))
    return TW_EINVAL;
  for (int i = 0; i < m->n_rel; i++) {
    int known = 0;
    for (int j = 0; j < b->view.n_nations; j++)
      known |= strcmp(m->rel[i], b->view.nations[j]) == 0;
    if (!known)
      return TW_EINVAL;
  }
  if (!marking_has(m, b->other[l]) || !marking_has(m, b->view.nation)) {
    pthread_mutex_lock(&b->lock);
    b->stats.withheld++;
    pthread_mutex_unlock(&b->lock);
    return TW_EPERM;
  }
  return l;
}

/* The writer for (link, marking's relset, kind), made if needed; <= 0 if it cannot be. */
static dds_entity_t writer_for(tw_bus *b, int link, const tw_bus_marking *m, enum tw_bus_kind kind)
{
  char relset[TW__BUS_RELSET_MAX];
  if (tw_bus_relset_format(relset, sizeof relset, m) < 0)
    return 0;
  pthread_mutex_lock(&b->lock);
  pub_entry *p = get_pub(b, link, relset);
  dds_entity_t w = p != NULL ? p->writer[kind] : 0;
  pthread_mutex_unlock(&b->lock);
  if (w <= 0)
    bus_log(b, "bus: %s: no writer for %s on %s/%s (all %d partitions in use, or Cyclone "
            "refused: permissions?)", b->view.nation, g_topic_names[kind], b->links[link],
            relset, MAX_PUBS);
  return w;
}

static int write_sample(tw_bus *b, int link, const tw_bus_marking *m, enum tw_bus_kind kind,
                        const void *sample)
{
  dds_entity_t w = writer_for(b, link, m, kind);
  if (w <= 0)
    return TW_ENOMEM;
  dds_return_t rc = dds_write(w, sample);
  if (rc != DDS_RETCODE_OK) {
    bus_log(b, "bus: %s: writing %s on %s failed: %s", b->view.nation, g_topic_names[kind],
            b->links[link], dds_strretcode(rc));
    return TW_EIO;
  }
  pthread_mutex_lock(&b->lock);
  b->stats.published[kind]++;
  pthread_mutex_unlock(&b->lock);
  return 0;
}

int tw_bus_publish_track(tw_bus *b, const char *link, const tw_track *t, const tw_bus_marking *m)
{
  if (b == NULL || t == NULL)
    return TW_EINVAL;
  int l = route(b, link, m);
  if (l < 0)
    return l;
  tw_LocalTrack w;
  tw_Nation rel[TW_BUS_MAX_NATIONS];
  if (tw__bus_local_to_wire(&w, rel, t, m, b->view.epoch_ns) != 0 ||
      tw__bus_validate(&b->view, TW_BUS_LOCAL_TRACK, &w) != TW_BUS_REJ_NONE)
    return TW_EINVAL;
  return write_sample(b, l, m, TW_BUS_LOCAL_TRACK, &w);
}

int tw_bus_publish_system_track(tw_bus *b, const char *link, const tw_bus_system_track *s,
                                const tw_bus_marking *m)
{
  if (b == NULL || s == NULL)
    return TW_EINVAL;
  int l = route(b, link, m);
  if (l < 0)
    return l;
  tw_SystemTrack w;
  tw_Nation rel[TW_BUS_MAX_NATIONS];
  tw_TrackRef refs[TW_BUS_MAX_SOURCES];
  if (tw__bus_system_to_wire(&w, rel, refs, s, m) != 0 ||
      tw__bus_validate(&b->view, TW_BUS_SYSTEM_TRACK, &w) != TW_BUS_REJ_NONE)
    return TW_EINVAL;
  return write_sample(b, l, m, TW_BUS_SYSTEM_TRACK, &w);
}

int tw_bus_publish_prediction(tw_bus *b, const char *link, const tw_bus_prediction *p,
                              const tw_bus_marking *m)
{
  if (b == NULL || p == NULL)
    return TW_EINVAL;
  int l = route(b, link, m);
  if (l < 0)
    return l;
  tw_Prediction w;
  tw_Nation rel[TW_BUS_MAX_NATIONS];
  if (tw__bus_prediction_to_wire(&w, rel, p, m, b->view.epoch_ns) != 0 ||
      tw__bus_validate(&b->view, TW_BUS_PREDICTION, &w) != TW_BUS_REJ_NONE)
    return TW_EINVAL;
  return write_sample(b, l, m, TW_BUS_PREDICTION, &w);
}

int tw_bus_publish_alert(tw_bus *b, const char *link, const tw_bus_alert *a,
                         const tw_bus_marking *m)
{
  if (b == NULL || a == NULL)
    return TW_EINVAL;
  int l = route(b, link, m);
  if (l < 0)
    return l;
  tw_Alert w;
  tw_Nation rel[TW_BUS_MAX_NATIONS];
  if (tw__bus_alert_to_wire(&w, rel, a, m) != 0 ||
      tw__bus_validate(&b->view, TW_BUS_ALERT, &w) != TW_BUS_REJ_NONE)
    return TW_EINVAL;
  return write_sample(b, l, m, TW_BUS_ALERT, &w);
}

int tw_bus_publish_health(tw_bus *b, const char *link, const tw_bus_health *h,
                          const tw_bus_marking *m)
{
  if (b == NULL || h == NULL)
    return TW_EINVAL;
  int l = route(b, link, m);
  if (l < 0)
    return l;
  tw_Health w;
  tw_Nation rel[TW_BUS_MAX_NATIONS];
  tw_PartnerLink links[TW_BUS_MAX_HEALTH_LINKS];
  if (tw__bus_health_to_wire(&w, rel, links, h, m) != 0 ||
      tw__bus_validate(&b->view, TW_BUS_HEALTH, &w) != TW_BUS_REJ_NONE)
    return TW_EINVAL;
  return write_sample(b, l, m, TW_BUS_HEALTH, &w);
}

int tw_bus_retire(tw_bus *b, enum tw_bus_kind kind, const char *link, const tw_bus_marking *m,
                  uint32_t number, const char *id)
{
  if (b == NULL || (unsigned)kind >= TW_BUS_N_KINDS)
    return TW_EINVAL;
  int l = route(b, link, m);
  if (l < 0)
    return l;
  /* a key-only sample of the kind */
  union {
    tw_LocalTrack local;
    tw_SystemTrack system;
    tw_Prediction prediction;
    tw_Alert alert;
    tw_Health health;
  } key;
  memset(&key, 0, sizeof key);
  switch (kind) {
  case TW_BUS_LOCAL_TRACK:
    strcpy(key.local.originator, m->originator);
    key.local.track_id = number;
    break;
  case TW_BUS_SYSTEM_TRACK:
    strcpy(key.system.node, m->originator);
    key.system.gtn = number;
    break;
  case TW_BUS_PREDICTION:
    strcpy(key.prediction.node, m->originator);
    key.prediction.gtn = number;
    break;
  case TW_BUS_ALERT:
    if (id == NULL || strlen(id) > TW_BUS_ALERT_ID_MAX)
      return TW_EINVAL;
    strcpy(key.alert.id, id);
    break;
  default:
    strcpy(key.health.node, m->originator);
    break;
  }
  if (tw__bus_validate_key(kind, &key) != TW_BUS_REJ_NONE)
    return TW_EINVAL;
  dds_entity_t w = writer_for(b, l, m, kind);
  if (w <= 0)
    return TW_ENOMEM;
  dds_instance_handle_t ih = dds_lookup_instance(w, &key);
  if (ih == DDS_HANDLE_NIL)
    return TW_ENOENT;
  dds_return_t rc = dds_dispose_ih(w, ih);
  if (rc == DDS_RETCODE_OK)
    rc = dds_unregister_instance_ih(w, ih);
  if (rc != DDS_RETCODE_OK) {
    bus_log(b, "bus: %s: retiring a %s on %s failed: %s", b->view.nation, g_topic_names[kind],
            b->links[l], dds_strretcode(rc));
    return TW_EIO;
  }
  return 0;
}

/* ---- receiving ---- */

/* The single partition of a partner's writer ("" if it has several or none), or NULL when the
 * writer is not known (any more). Remembered: handles are never reused. */
static const char *writer_partition(tw_bus *b, dds_entity_t reader, dds_instance_handle_t wh)
{
  for (int i = 0; i < PARTITION_CACHE; i++)
    if (b->partitions[i].writer == wh)
      return b->partitions[i].partition;
  dds_builtintopic_endpoint_t *ep = dds_get_matched_publication_data(reader, wh);
  if (ep == NULL)
    return NULL;
  partition_entry *e = &b->partitions[b->next_partition];
  b->next_partition = (b->next_partition + 1) % PARTITION_CACHE;
  e->writer = wh;
  e->partition[0] = '\0';
  uint32_t np = 0;
  char **ps = NULL;
  if (ep->qos != NULL && dds_qget_partition(ep->qos, &np, &ps)) {
    if (np == 1 && strlen(ps[0]) < sizeof e->partition)
      strcpy(e->partition, ps[0]);
    for (uint32_t i = 0; i < np; i++)
      dds_free(ps[i]);
    dds_free(ps);
  }
  dds_builtintopic_free_endpoint(ep);
  return e->partition;
}

/* Check one taken sample into *out. 1 if it is to be delivered, else 0 (counted if rejected). */
static int accept_sample(tw_bus *b, int link, enum tw_bus_kind kind, dds_entity_t reader,
                         const void *wire, const dds_sample_info_t *si, tw_bus_sample *out)
{
  int reason;
  /* A disposed instance is retired whether or not data came with the news: a late joiner can
   * get an alert's last data already marked disposed. */
  int retired = si->instance_state == DDS_IST_NOT_ALIVE_DISPOSED;
  const char *part;
  char want[TW__BUS_PARTITION_MAX];
  int n = snprintf(want, sizeof want, "%s/", b->links[link]);
  if (si->valid_data) {
    reason = tw__bus_validate(&b->view, kind, wire);
    if (reason == TW_BUS_REJ_NONE) {
      tw__bus_from_wire(&b->view, kind, wire, 0, out);
      tw_bus_relset_format(want + n, sizeof want - (size_t)n, &out->marking);
      part = writer_partition(b, reader, si->publication_handle);
      if (part == NULL || strcmp(part, want) != 0)
        reason = TW_BUS_REJ_PARTITION;
    }
  } else if (retired) {
    reason = tw__bus_validate_key(kind, wire);
    if (reason == TW_BUS_REJ_NONE) {
      tw__bus_from_wire(&b->view, kind, wire, 1, out);
      part = writer_partition(b, reader, si->publication_handle);
      if (part == NULL || strncmp(part, want, (size_t)n) != 0)
        reason = TW_BUS_REJ_PARTITION;
    }
  } else {
    return 0; /* a writer unregistered or left: nothing to tell */
  }
  if (reason != TW_BUS_REJ_NONE) {
    pthread_mutex_lock(&b->lock);
    b->stats.rejected[reason]++;
    pthread_mutex_unlock(&b->lock);
    bus_log(b, "bus: %s: dropped a %s%s on %s from writer %016llx: %s", b->view.nation,
            g_topic_names[kind], retired ? " retirement" : "", b->links[link],
            (unsigned long long)si->publication_handle, tw_bus_reject_name(reason));
    return 0;
  }
  out->retired = retired;
  strcpy(out->link, b->links[link]);
  out->t_source_ns = si->source_timestamp;
  out->t_recv_ns = tw_time_now();
  pthread_mutex_lock(&b->lock);
  b->stats.received[kind]++;
  pthread_mutex_unlock(&b->lock);
  return 1;
}

/* Take what is there, readers in turn (a different one first each call), into out[0..max). */
static int take_some(tw_bus *b, tw_bus_sample *out, int max)
{
  int total = b->n_links * TW_BUS_N_KINDS, n = 0;
  for (int i = 0; i < total && n < max; i++) {
    int idx = (b->next_reader + i) % total;
    int l = idx / TW_BUS_N_KINDS;
    enum tw_bus_kind k = (enum tw_bus_kind)(idx % TW_BUS_N_KINDS);
    dds_entity_t r = b->reader[l][k];
    for (;;) {
      void *buf[TAKE_BATCH] = {NULL};
      dds_sample_info_t si[TAKE_BATCH];
      int want = max - n < TAKE_BATCH ? max - n : TAKE_BATCH;
      dds_return_t got = dds_take(r, buf, si, (size_t)want, (uint32_t)want);
      if (got <= 0)
        break;
      for (int j = 0; j < got; j++)
        n += accept_sample(b, l, k, r, buf[j], &si[j], &out[n]);
      dds_return_loan(r, buf, got);
      if (got < want || n >= max)
        break;
    }
  }
  if (total > 0)
    b->next_reader = (b->next_reader + 1) % total;
  return n;
}

int tw_bus_poll(tw_bus *b, int timeout_ms, tw_bus_sample *out, int max)
{
  if (b == NULL || out == NULL || max < 0 || timeout_ms < 0)
    return TW_EINVAL;
  if (max == 0)
    return 0;
  dds_time_t deadline = dds_time() + DDS_MSECS(timeout_ms);
  for (;;) {
    int n = take_some(b, out, max);
    if (n > 0 || dds_time() >= deadline)
      return n;
    dds_waitset_wait_until(b->waitset, NULL, 0, deadline);
  }
}

int tw_bus_link_matched(tw_bus *b, const char *link)
{
  int l = b != NULL ? link_index(b, link) : -1;
  if (l < 0)
    return TW_EINVAL;
  int least = -1;
  pthread_mutex_lock(&b->lock);
  for (int i = 0; i < b->n_pubs; i++) {
    dds_publication_matched_status_t st;
    if (b->pubs[i].link != l)
      continue;
    if (dds_get_publication_matched_status(b->pubs[i].writer[TW_BUS_LOCAL_TRACK], &st) != 0)
      st.current_count = 0;
    if (least < 0 || (int)st.current_count < least)
      least = (int)st.current_count;
  }
  pthread_mutex_unlock(&b->lock);
  return least < 0 ? 0 : least;
}

void tw_bus_get_stats(tw_bus *b, tw_bus_stats *s)
{
  if (b == NULL || s == NULL)
    return;
  pthread_mutex_lock(&b->lock);
  *s = b->stats;
  pthread_mutex_unlock(&b->lock);
}
