/* nodecfg.c - a node's configuration file (YAML) into tw_nodecfg; contract in
 * triwatch/nodecfg.h, file reference in docs/node-config.md.
 *
 * The reading is src/core/yamlx.c's, as for scenarios: a guard pass over the event stream, then
 * a walk of the loaded document by the schema below. Keys are read in the order of the reference
 * (a later key's rule may depend on an earlier one: hub on group, address on
 * allow_non_loopback...), so with several mistakes the first reported is the first in that
 * order, not in the file. Nothing touches the file system but tw_nodecfg_load's read. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "core/yamlx.h"
#include "triwatch/error.h"
#include "triwatch/nodecfg.h"

#define MAX_INPUT (64 * 1024) /* bytes of config text; the largest sensible one is ~4 KiB */
#define NATION_FORM "a nation code ([A-Z0-9]{2,7}, e.g. KOR)"
#define LINK_FORM "NAT-NAT of two group members"
#define STR_(x) #x
#define STR(x) STR_(x)

/* ---- nations and links ------------------------------------------------------------------- */

/* Is z[0..n) a nation code, [A-Z0-9]{2,7}? */
static int nation_text(const char *z, size_t n)
{
  if (n < 2 || n >= TW_NODECFG_NATION_MAX)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!((z[i] >= 'A' && z[i] <= 'Z') || (z[i] >= '0' && z[i] <= '9')))
      return 0;
  return 1;
}

static int read_nation(tw__yx *c, const yaml_node_t *n, char *out)
{
  if (!n || n->type != YAML_SCALAR_NODE || !nation_text(tw__yx_sval(n), n->data.scalar.length))
    return tw__yx_fail(c, TW_EPARSE, tw__yx_line(n), "expected " NATION_FORM ", got %s",
                       tw__yx_show(c, n).s);
  memcpy(out, tw__yx_sval(n), n->data.scalar.length + 1);
  return 0;
}

/* The nation lists of tw_nodecfg; not const, which ISO C before C2X would not convert to. */
typedef char (*nations)[TW_NODECFG_NATION_MAX];

/* Index of z among a[0..count), or -1. */
static int find_nation(nations a, int count, const char *z)
{
  for (int i = 0; i < count; i++)
    if (strcmp(a[i], z) == 0)
      return i;
  return -1;
}

/* "USA, JPN, KOR" for messages. */
static void nation_list(char *out, size_t cap, nations a, int count)
{
  out[0] = '\0';
  for (int i = 0; i < count; i++) {
    if (i)
      tw__yx_append(out, cap, ", ");
    tw__yx_append(out, cap, a[i]);
  }
}

/* A list of min..TW_NODECFG_MAX_GROUP distinct nation codes into out; each must be in group when
 * group is given. what describes the list. */
static int read_nations(tw__yx *c, const yaml_node_t *n, size_t min, nations group, int n_group,
                        const char *what, nations out, int *count)
{
  int rc = tw__yx_read_seq(c, n, min, TW_NODECFG_MAX_GROUP, what);
  if (rc)
    return rc;
  size_t cnt = tw__yx_seq_len(n);
  for (size_t i = 0; i < cnt; i++) {
    const yaml_node_t *it = tw__yx_seq_item(c, n, i);
    size_t p = tw__yx_path_index(c, i);
    if ((rc = read_nation(c, it, out[i])))
      return rc;
    int dup = find_nation(out, (int)i, out[i]);
    if (dup >= 0)
      return tw__yx_fail(c, TW_EPARSE, tw__yx_line(it),
                         "expected each nation once, got %s again (also %.*s[%d])",
                         tw__yx_show(c, it).s, (int)p, c->path, dup);
    if (group && find_nation(group, n_group, out[i]) < 0) {
      char list[TW_NODECFG_MAX_GROUP * (TW_NODECFG_NATION_MAX + 2)];
      nation_list(list, sizeof list, group, n_group);
      return tw__yx_fail(c, TW_EPARSE, tw__yx_line(it), "expected a member of group (%s), got %s",
                         list, tw__yx_show(c, it).s);
    }
    tw__yx_path_pop(c, p);
  }
  *count = (int)cnt;
  return 0;
}

static void make_link(tw_nodecfg_link *l, const char *x, const char *y)
{
  const char *a = strcmp(x, y) < 0 ? x : y, *b = a == x ? y : x;
  snprintf(l->a, sizeof l->a, "%s", a);
  snprintf(l->b, sizeof l->b, "%s", b);
  snprintf(l->name, sizeof l->name, "%s-%s", a, b);
}

static int cmp_link(const void *x, const void *y)
{
  return strcmp(((const tw_nodecfg_link *)x)->name, ((const tw_nodecfg_link *)y)->name);
}

static int cmp_nation(const void *x, const void *y) { return strcmp(x, y); }

/* One item of links: "A-B" (either order) of two different group members. */
static int read_link(tw__yx *c, const yaml_node_t *n, tw_nodecfg *g, tw_nodecfg_link *l)
{
  char z[2 * TW_NODECFG_NATION_MAX], why[64] = "";
  const char *dash = NULL;
  size_t len = 0;
  if (tw__yx_to_text(n, z, sizeof z) == 0) {
    len = strlen(z);
    dash = strchr(z, '-');
  }
  if (dash) {
    size_t na = (size_t)(dash - z), nb = len - na - 1;
    const char *a = z, *b = dash + 1;
    const char *bad = !nation_text(a, na) ? a : !nation_text(b, nb) ? b : NULL;
    size_t n_bad = bad == a ? na : nb;
    z[na] = '\0'; /* a ends at the dash */
    if (bad && n_bad)
      snprintf(why, sizeof why, " (%.*s is not a nation code)", (int)n_bad, bad);
    else if (bad)
      snprintf(why, sizeof why, " (a nation code on each side of '-')");
    else if (find_nation(g->group, g->n_group, a) < 0)
      snprintf(why, sizeof why, " (%s is not in group)", a);
    else if (find_nation(g->group, g->n_group, b) < 0)
      snprintf(why, sizeof why, " (%s is not in group)", b);
    else if (strcmp(a, b) == 0)
      snprintf(why, sizeof why, " (a link joins two different nations)");
    if (!why[0]) {
      make_link(l, a, b);
      return 0;
    }
  }
  return tw__yx_fail(c, TW_EPARSE, tw__yx_line(n), "expected " LINK_FORM ", got %s%s",
                     tw__yx_show(c, n).s, why);
}

static int read_links(tw__yx *c, const yaml_node_t *n, tw_nodecfg *g)
{
  int rc = tw__yx_read_seq(c, n, 1, TW_NODECFG_MAX_EDGES, "a list of links " LINK_FORM);
  if (rc)
    return rc;
  size_t cnt = tw__yx_seq_len(n);
  for (size_t i = 0; i < cnt; i++) {
    const yaml_node_t *it = tw__yx_seq_item(c, n, i);
    size_t p = tw__yx_path_index(c, i);
    if ((rc = read_link(c, it, g, &g->edge[i])))
      return rc;
    for (size_t j = 0; j < i; j++)
      if (strcmp(g->edge[j].name, g->edge[i].name) == 0)
        return tw__yx_fail(c, TW_EPARSE, tw__yx_line(it),
                           "expected each link once, got %s again (also links[%zu])",
                           tw__yx_show(c, it).s, j);
    tw__yx_path_pop(c, p);
  }
  g->n_edges = (int)cnt;
  return 0;
}

/* The sharing graph of the topology, sorted, and the node's own links out of it. */
static void derive_links(tw_nodecfg *g)
{
  if (g->topology == TW_NODECFG_HUB) {
    g->n_edges = 0;
    for (int i = 0; i < g->n_group; i++)
      if (strcmp(g->group[i], g->hub) != 0)
        make_link(&g->edge[g->n_edges++], g->hub, g->group[i]);
  } else if (g->topology == TW_NODECFG_MESH) {
    g->n_edges = 0;
    for (int i = 0; i < g->n_group; i++)
      for (int j = i + 1; j < g->n_group; j++)
        make_link(&g->edge[g->n_edges++], g->group[i], g->group[j]);
  }
  qsort(g->edge, (size_t)g->n_edges, sizeof g->edge[0], cmp_link);
  g->n_links = 0;
  for (int i = 0; i < g->n_edges; i++)
    if (strcmp(g->edge[i].a, g->nation) == 0 || strcmp(g->edge[i].b, g->nation) == 0)
      g->link[g->n_links++] = g->edge[i]; /* at most n_group - 1: the edges are distinct */
}

/* ---- addresses --------------------------------------------------------------------------- */

enum { ADDR_OK, ADDR_FORM, ADDR_NOT_UNICAST, ADDR_NOT_LOOPBACK };

/* Is z[0..n) a dotted IPv4 address, four decimal parts 0..255 without leading zeros, and one a
 * node may use (unicast; loopback unless allow)? */
static int check_ipv4(const char *z, size_t n, int allow)
{
  uint32_t a = 0;
  size_t i = 0;
  for (int part = 0; part < 4; part++) {
    unsigned v = 0, digits = 0;
    if (part && (i >= n || z[i++] != '.'))
      return ADDR_FORM;
    for (; i < n && z[i] >= '0' && z[i] <= '9' && digits < 4; i++, digits++)
      v = v * 10 + (unsigned)(z[i] - '0');
    if (!digits || v > 255 || (digits > 1 && z[i - digits] == '0'))
      return ADDR_FORM;
    a = a << 8 | v;
  }
  if (i != n)
    return ADDR_FORM;
  if (a >> 24 == 0 || a >> 28 >= 14) /* 0.0.0.0/8; multicast, reserved and broadcast */
    return ADDR_NOT_UNICAST;
  if (!allow && a >> 24 != 127)
    return ADDR_NOT_LOOPBACK;
  return ADDR_OK;
}

static int address_fail(tw__yx *c, const yaml_node_t *n, int why, const char *form)
{
  if (why == ADDR_NOT_LOOPBACK)
    return tw__yx_fail(c, TW_ERANGE, tw__yx_line(n),
                       "expected an address in 127.0.0.0/8 (loopback only, unless "
                       "allow_non_loopback: true), got %s",
                       tw__yx_show(c, n).s);
  if (why == ADDR_NOT_UNICAST)
    return tw__yx_fail(c, TW_ERANGE, tw__yx_line(n),
                       "expected a unicast address (not 0.0.0.0/8, multicast or reserved), got %s",
                       tw__yx_show(c, n).s);
  return tw__yx_fail(c, TW_EPARSE, tw__yx_line(n), "expected %s, got %s", form,
                     tw__yx_show(c, n).s);
}

static int read_address(tw__yx *c, const yaml_node_t *n, int allow, char *out)
{
  int why = tw__yx_to_text(n, out, TW_NODECFG_ADDR_MAX) ? ADDR_FORM
                                                        : check_ipv4(out, strlen(out), allow);
  if (why != ADDR_OK)
    return address_fail(c, n, why, "a dotted IPv4 address such as 127.0.0.1");
  return 0;
}

static int read_peers(tw__yx *c, const yaml_node_t *n, tw_nodecfg *g)
{
  int rc = tw__yx_read_seq(c, n, 1, TW_NODECFG_MAX_PEERS,
                           "a list of 1 to " STR(TW_NODECFG_MAX_PEERS) " IPv4 addresses");
  if (rc)
    return rc;
  size_t cnt = tw__yx_seq_len(n);
  for (size_t i = 0; i < cnt; i++) {
    const yaml_node_t *it = tw__yx_seq_item(c, n, i);
    size_t p = tw__yx_path_index(c, i);
    if ((rc = read_address(c, it, g->allow_non_loopback, g->peer[i])))
      return rc;
    for (size_t j = 0; j < i; j++)
      if (strcmp(g->peer[j], g->peer[i]) == 0)
        return tw__yx_fail(c, TW_EPARSE, tw__yx_line(it),
                           "expected each peer once, got %s again (also peers[%zu])",
                           tw__yx_show(c, it).s, j);
    tw__yx_path_pop(c, p);
  }
  g->n_peers = (int)cnt;
  return 0;
}

/* http: ADDRESS:PORT. */
static int read_http(tw__yx *c, const yaml_node_t *n, tw_nodecfg *g)
{
  const char *form = "ADDRESS:PORT such as 127.0.0.1:8081";
  char z[32];
  const char *colon = NULL;
  if (tw__yx_to_text(n, z, sizeof z) == 0)
    colon = strrchr(z, ':');
  if (!colon)
    return address_fail(c, n, ADDR_FORM, form);
  size_t na = (size_t)(colon - z), np = strlen(colon + 1);
  int why = na < TW_NODECFG_ADDR_MAX ? check_ipv4(z, na, g->allow_non_loopback) : ADDR_FORM;
  long port = 0;
  for (size_t i = 0; why == ADDR_OK && i < np; i++) {
    if (colon[1 + i] < '0' || colon[1 + i] > '9' || np > 5 || colon[1] == '0')
      why = ADDR_FORM;
    else
      port = port * 10 + (colon[1 + i] - '0');
  }
  if (why == ADDR_OK && !np)
    why = ADDR_FORM;
  if (why != ADDR_OK)
    return address_fail(c, n, why, form);
  if (port < 1024 || port > 65535)
    return tw__yx_fail(c, TW_ERANGE, tw__yx_line(n),
                       "expected a port in [1024, 65535] after the address, got %s",
                       tw__yx_show(c, n).s);
  memcpy(g->http_address, z, na);
  g->http_address[na] = '\0';
  g->http_port = (int)port;
  return 0;
}

/* ---- paths ------------------------------------------------------------------------------- */

/* A path for the sensors: as written when absolute or when the origin has no directory, else
 * joined to the origin's directory ("config/jpn.yaml" + "x.yaml" -> "config/x.yaml"). */
static int read_path_beside(tw__yx *c, const yaml_node_t *n, const char *what, char *out)
{
  char z[TW_NODECFG_PATH_MAX];
  int rc = tw__yx_read_text(c, n, what, z, sizeof z);
  if (rc)
    return rc;
  const char *slash = strrchr(c->origin, '/');
  size_t dir = z[0] != '/' && slash ? (size_t)(slash - c->origin) + 1 : 0;
  if (dir + strlen(z) >= TW_NODECFG_PATH_MAX)
    return tw__yx_fail(c, TW_ERANGE, tw__yx_line(n),
                       "expected %s of at most %d bytes with the directory of the configuration "
                       "file, got %zu bytes",
                       what, TW_NODECFG_PATH_MAX - 1, dir + strlen(z));
  memcpy(out, c->origin, dir);
  strcpy(out + dir, z);
  return 0;
}

/* ---- sensors ----------------------------------------------------------------------------- */

enum { SK_SOURCE, SK_SCENARIO, SK_SEED, SK_SPEED, SK_FILE, SK_PORT, N_SK };
static const char *const k_sensor_keys[N_SK] = {
  [SK_SOURCE] = "source", [SK_SCENARIO] = "scenario", [SK_SEED] = "seed",
  [SK_SPEED] = "speed",   [SK_FILE] = "file",         [SK_PORT] = "port",
};
static const char *const k_sources[] = {
  [TW_NODECFG_SIMULATE] = "simulate", [TW_NODECFG_REPLAY] = "replay", [TW_NODECFG_LIVE] = "live",
};
#define FOR(s) (1u << (s))
/* The sources each key applies to. */
static const unsigned k_sensor_for[N_SK] = {
  [SK_SOURCE] = FOR(TW_NODECFG_SIMULATE) | FOR(TW_NODECFG_REPLAY) | FOR(TW_NODECFG_LIVE),
  [SK_SCENARIO] = FOR(TW_NODECFG_SIMULATE),
  [SK_SEED] = FOR(TW_NODECFG_SIMULATE),
  [SK_SPEED] = FOR(TW_NODECFG_SIMULATE) | FOR(TW_NODECFG_REPLAY),
  [SK_FILE] = FOR(TW_NODECFG_REPLAY),
  [SK_PORT] = FOR(TW_NODECFG_LIVE),
};
/* The key each source needs, and what it is. */
static const struct {
  int key;
  const char *what;
} k_sensor_needs[] = {
  [TW_NODECFG_SIMULATE] = {SK_SCENARIO, "the scenario file to simulate"},
  [TW_NODECFG_REPLAY] = {SK_FILE, "a measurements.jsonl written by `triwatch sim`"},
  [TW_NODECFG_LIVE] = {SK_PORT, "a UDP port in [1024, 65535]"},
};
static const tw__yx_range k_speed = {0.1, 1000, 0, 0, "a factor"};

static int read_sensors(tw__yx *c, const yaml_node_t *n, tw_nodecfg_sensors *s)
{
  const yaml_node_t *v[N_SK];
  size_t p0 = strlen(c->path);
  int src = 0;
  int rc = tw__yx_read_map(c, n, k_sensor_keys, N_SK,
                           "a mapping with source and its keys (scenario, file or port)", v);
  if (rc)
    return rc;
  if (!v[SK_SOURCE])
    return tw__yx_missing(c, n, "source", "simulate, replay or live");
  tw__yx_path_key(c, "source");
  if ((rc = tw__yx_read_word(c, v[SK_SOURCE], k_sources, 3, "simulate, replay or live", &src)))
    return rc;
  tw__yx_path_pop(c, p0);
  s->source = (enum tw_nodecfg_source)src;

  for (int k = 0; k < N_SK; k++) {
    if (!v[k] || (k_sensor_for[k] & FOR(src)))
      continue;
    char users[64] = "";
    for (int t = 0; t < 3; t++)
      if (k_sensor_for[k] & FOR(t)) {
        tw__yx_append(users, sizeof users, users[0] ? " or " : "");
        tw__yx_append(users, sizeof users, k_sources[t]);
      }
    tw__yx_path_key(c, k_sensor_keys[k]);
    return tw__yx_fail(c, TW_EPARSE, tw__yx_line(v[k]),
                       "expected no %s with source: %s (it is for source: %s), got %s",
                       k_sensor_keys[k], k_sources[src], users, tw__yx_show(c, v[k]).s);
  }
  if (!v[k_sensor_needs[src].key])
    return tw__yx_missing(c, n, k_sensor_keys[k_sensor_needs[src].key],
                          k_sensor_needs[src].what);

  if (v[SK_SCENARIO]) {
    tw__yx_path_key(c, "scenario");
    if ((rc = read_path_beside(c, v[SK_SCENARIO], "the scenario file", s->scenario)))
      return rc;
    tw__yx_path_pop(c, p0);
  }
  if (v[SK_SEED]) {
    tw__yx_path_key(c, "seed");
    if ((rc = tw__yx_read_uint(c, v[SK_SEED], 0, UINT64_MAX, &s->seed)))
      return rc;
    s->has_seed = 1;
    tw__yx_path_pop(c, p0);
  }
  s->speed = 1.0;
  if (v[SK_SPEED]) {
    tw__yx_path_key(c, "speed");
    if ((rc = tw__yx_read_in(c, v[SK_SPEED], &k_speed, &s->speed)))
      return rc;
    tw__yx_path_pop(c, p0);
  }
  if (v[SK_FILE]) {
    tw__yx_path_key(c, "file");
    if ((rc = read_path_beside(c, v[SK_FILE], "the measurements file", s->file)))
      return rc;
    tw__yx_path_pop(c, p0);
  }
  if (v[SK_PORT]) {
    uint64_t port = 0;
    tw__yx_path_key(c, "port");
    if ((rc = tw__yx_read_uint(c, v[SK_PORT], 1024, 65535, &port)))
      return rc;
    s->port = (int)port;
    tw__yx_path_pop(c, p0);
  }
  return 0;
}

/* ---- the whole file ---------------------------------------------------------------------- */

enum {
  K_NATION, K_DOMAIN, K_GROUP, K_TOPOLOGY, K_HUB, K_LINKS, K_RELEASABLE, K_RELAY, K_KEYS,
  K_INSECURE, K_DATA, K_ALLOW, K_ADDRESS, K_PEERS, K_SENSORS, K_HTTP, N_K
};
static const char *const k_keys[N_K] = {
  [K_NATION] = "nation",         [K_DOMAIN] = "domain",
  [K_GROUP] = "group",           [K_TOPOLOGY] = "topology",
  [K_HUB] = "hub",               [K_LINKS] = "links",
  [K_RELEASABLE] = "releasable_to", [K_RELAY] = "relay",
  [K_KEYS] = "keys",             [K_INSECURE] = "insecure",
  [K_DATA] = "data",             [K_ALLOW] = "allow_non_loopback",
  [K_ADDRESS] = "address",       [K_PEERS] = "peers",
  [K_SENSORS] = "sensors",       [K_HTTP] = "http",
};
static const char *const k_topologies[] = {
  [TW_NODECFG_HUB] = "hub", [TW_NODECFG_MESH] = "mesh", [TW_NODECFG_LINKS] = "links",
};

/* A key that applies only to one topology ("hub" to hub, "links" to links). */
static int only_with(tw__yx *c, const tw_nodecfg *g, const yaml_node_t *v, int key,
                     enum tw_nodecfg_topology t)
{
  if (!v || g->topology == t)
    return 0;
  tw__yx_path_key(c, k_keys[key]);
  return tw__yx_fail(c, TW_EPARSE, tw__yx_line(v),
                     "expected no %s with topology: %s (it is for topology: %s), got %s",
                     k_keys[key], k_topologies[g->topology], k_topologies[t],
                     tw__yx_show(c, v).s);
}

/* group, topology, hub, links, releasable_to, relay: who this node shares with, and how. */
static int read_sharing(tw__yx *c, const yaml_node_t *root, const yaml_node_t **v, tw_nodecfg *g)
{
  char list[TW_NODECFG_MAX_GROUP * (TW_NODECFG_NATION_MAX + 2)];
  int rc, word = 0;

  tw__yx_path_key(c, "group");
  if ((rc = read_nations(c, v[K_GROUP], 2, NULL, 0,
                         "a list of 2 to " STR(TW_NODECFG_MAX_GROUP) " nation codes", g->group,
                         &g->n_group)))
    return rc;
  if (find_nation(g->group, g->n_group, g->nation) < 0)
    return tw__yx_fail(c, TW_EPARSE, tw__yx_line(v[K_GROUP]),
                       "expected a list that holds this node's nation %s, got %s", g->nation,
                       tw__yx_show(c, v[K_GROUP]).s);
  tw__yx_path_pop(c, 0);

  if (v[K_TOPOLOGY]) {
    tw__yx_path_key(c, "topology");
    if ((rc = tw__yx_read_word(c, v[K_TOPOLOGY], k_topologies, 3, "hub, mesh or links", &word)))
      return rc;
    tw__yx_path_pop(c, 0);
  }
  g->topology = (enum tw_nodecfg_topology)word;
  if ((rc = only_with(c, g, v[K_HUB], K_HUB, TW_NODECFG_HUB)) ||
      (rc = only_with(c, g, v[K_LINKS], K_LINKS, TW_NODECFG_LINKS)))
    return rc;

  if (g->topology == TW_NODECFG_HUB) {
    strcpy(g->hub, g->group[0]);
    if (v[K_HUB]) {
      tw__yx_path_key(c, "hub");
      if ((rc = read_nation(c, v[K_HUB], g->hub)))
        return rc;
      if (find_nation(g->group, g->n_group, g->hub) < 0) {
        nation_list(list, sizeof list, g->group, g->n_group);
        return tw__yx_fail(c, TW_EPARSE, tw__yx_line(v[K_HUB]),
                           "expected a member of group (%s), got %s", list,
                           tw__yx_show(c, v[K_HUB]).s);
      }
      tw__yx_path_pop(c, 0);
    }
  } else if (g->topology == TW_NODECFG_LINKS) {
    if (!v[K_LINKS])
      return tw__yx_missing(c, root, "links", "the list of links " LINK_FORM);
    tw__yx_path_key(c, "links");
    if ((rc = read_links(c, v[K_LINKS], g)))
      return rc;
  }
  derive_links(g);
  if (!g->n_links)
    return tw__yx_fail(c, TW_EPARSE, tw__yx_line(v[K_LINKS]),
                       "expected at least one link with %s at one end, got %s", g->nation,
                       tw__yx_show(c, v[K_LINKS]).s);
  tw__yx_path_pop(c, 0);

  if (v[K_RELEASABLE]) {
    tw__yx_path_key(c, "releasable_to");
    if ((rc = read_nations(c, v[K_RELEASABLE], 1, g->group, g->n_group,
                           "a list of nation codes from group", g->releasable_to,
                           &g->n_releasable)))
      return rc;
    if (find_nation(g->releasable_to, g->n_releasable, g->nation) < 0)
      return tw__yx_fail(c, TW_EPARSE, tw__yx_line(v[K_RELEASABLE]),
                         "expected a list that holds this node's nation %s, got %s", g->nation,
                         tw__yx_show(c, v[K_RELEASABLE]).s);
    tw__yx_path_pop(c, 0);
  } else {
    memcpy(g->releasable_to, g->group, sizeof g->group);
    g->n_releasable = g->n_group;
  }
  qsort(g->releasable_to, (size_t)g->n_releasable, sizeof g->releasable_to[0], cmp_nation);

  static const char *const k_relay[] = {"false", "true", "auto"};
  word = 2;
  if (v[K_RELAY]) {
    tw__yx_path_key(c, "relay");
    if ((rc = tw__yx_read_word(c, v[K_RELAY], k_relay, 3, "auto, true or false", &word)))
      return rc;
    if (word != 2 && !tw__yx_is_plain(v[K_RELAY])) /* 'true' is text, not a boolean */
      return tw__yx_fail(c, TW_EPARSE, tw__yx_line(v[K_RELAY]),
                         "expected auto, true or false, got %s", tw__yx_show(c, v[K_RELAY]).s);
    tw__yx_path_pop(c, 0);
  }
  g->relay = word == 2 ? g->topology == TW_NODECFG_HUB && strcmp(g->hub, g->nation) == 0 : word;
  return 0;
}

/* keys, insecure, data: the PKI and the recorder's directory. */
static int read_dirs(tw__yx *c, const yaml_node_t *root, const yaml_node_t **v, tw_nodecfg *g)
{
  const char *pki = "the PKI directory made by `triwatch pki init`, or insecure: true to run "
                    "without DDS Security";
  int rc, insecure = 0;
  if (v[K_INSECURE]) {
    tw__yx_path_key(c, "insecure");
    if ((rc = tw__yx_read_bool(c, v[K_INSECURE], &insecure)))
      return rc;
    tw__yx_path_pop(c, 0);
  }
  g->secure = v[K_KEYS] && !tw__yx_is_null(v[K_KEYS]);
  if (g->secure) {
    tw__yx_path_key(c, "keys");
    if ((rc = tw__yx_read_text(c, v[K_KEYS], "the PKI directory", g->keys, sizeof g->keys)))
      return rc;
    tw__yx_path_pop(c, 0);
    if (insecure) {
      tw__yx_path_key(c, "insecure");
      return tw__yx_fail(c, TW_EPARSE, tw__yx_line(v[K_INSECURE]),
                         "expected false when keys is set (DDS Security on), got true");
    }
  } else if (!insecure) {
    if (!v[K_KEYS])
      return tw__yx_missing(c, root, "keys", pki);
    tw__yx_path_key(c, "keys");
    return tw__yx_fail(c, TW_EPARSE, tw__yx_line(v[K_KEYS]), "expected %s, got nothing", pki);
  }

  tw__yx_path_key(c, "data");
  if ((rc = tw__yx_read_text(c, v[K_DATA], "the recorder's directory", g->data, sizeof g->data)))
    return rc;
  tw__yx_path_pop(c, 0);
  return 0;
}

/* allow_non_loopback, address, peers: where the node listens and whom it asks. */
static int read_network(tw__yx *c, const yaml_node_t **v, tw_nodecfg *g)
{
  int rc;
  if (v[K_ALLOW]) {
    tw__yx_path_key(c, "allow_non_loopback");
    if ((rc = tw__yx_read_bool(c, v[K_ALLOW], &g->allow_non_loopback)))
      return rc;
    tw__yx_path_pop(c, 0);
  }
  strcpy(g->address, "127.0.0.1");
  if (v[K_ADDRESS]) {
    tw__yx_path_key(c, "address");
    if ((rc = read_address(c, v[K_ADDRESS], g->allow_non_loopback, g->address)))
      return rc;
    tw__yx_path_pop(c, 0);
  }
  if (v[K_PEERS]) {
    tw__yx_path_key(c, "peers");
    if ((rc = read_peers(c, v[K_PEERS], g)))
      return rc;
    tw__yx_path_pop(c, 0);
  } else {
    strcpy(g->peer[0], g->address);
    g->n_peers = 1;
  }
  return 0;
}

static int read_nodecfg(tw__yx *c, const yaml_node_t *root, tw_nodecfg *g)
{
  const yaml_node_t *v[N_K];
  int rc = tw__yx_read_map(c, root, k_keys, N_K,
                           "a node configuration: a mapping with nation, group, data and sensors",
                           v);
  if (rc)
    return rc;
  static const struct {
    int key;
    const char *what;
  } k_required[] = {
    {K_NATION, NATION_FORM},
    {K_GROUP, "a list of 2 to " STR(TW_NODECFG_MAX_GROUP) " nation codes"},
    {K_DATA, "the recorder's directory"},
    {K_SENSORS, "a mapping with source and its keys"},
  };
  for (size_t i = 0; i < sizeof k_required / sizeof k_required[0]; i++)
    if (!v[k_required[i].key])
      return tw__yx_missing(c, root, k_keys[k_required[i].key], k_required[i].what);

  tw__yx_path_key(c, "nation");
  if ((rc = read_nation(c, v[K_NATION], g->nation)))
    return rc;
  tw__yx_path_pop(c, 0);

  g->domain = TW_NODECFG_DEFAULT_DOMAIN;
  if (v[K_DOMAIN]) {
    uint64_t d = 0;
    tw__yx_path_key(c, "domain");
    if ((rc = tw__yx_read_uint(c, v[K_DOMAIN], 0, TW_NODECFG_MAX_DOMAIN, &d)))
      return rc;
    g->domain = (int)d;
    tw__yx_path_pop(c, 0);
  }

  if ((rc = read_sharing(c, root, v, g)) || (rc = read_dirs(c, root, v, g)) ||
      (rc = read_network(c, v, g)))
    return rc;

  tw__yx_path_key(c, "sensors");
  if ((rc = read_sensors(c, v[K_SENSORS], &g->sensors)))
    return rc;
  tw__yx_path_pop(c, 0);

  if (v[K_HTTP] && !tw__yx_is_null(v[K_HTTP])) {
    tw__yx_path_key(c, "http");
    if ((rc = read_http(c, v[K_HTTP], g)))
      return rc;
    tw__yx_path_pop(c, 0);
  }
  return 0;
}

static int read_root(tw__yx *c, const yaml_node_t *root, void *out)
{
  return read_nodecfg(c, root, out);
}

static const tw__yx_doc g_doc = {
  "configuration",
  "expected a node configuration (a mapping with nation, group, data and sensors), got an empty "
  "file",
  "<nodecfg>", sizeof(tw_nodecfg), MAX_INPUT, read_root};

int tw_nodecfg_parse(tw_nodecfg *cfg, const char *text, size_t len, const char *origin, char *err, size_t n)
{
  return tw__yx_parse_doc(&g_doc, cfg, text, len, origin, err, n);
}

int tw_nodecfg_load(tw_nodecfg *cfg, const char *path, char *err, size_t n)
{
  return tw__yx_load_doc(&g_doc, cfg, path, err, n);
}
