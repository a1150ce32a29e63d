/* fuzz_nodecfg.c - libFuzzer target for the node configuration parser (tw_nodecfg_parse).
 *
 * Besides "no crash, no leak, no hang", it checks the parser's promises: the result is 0 or one
 * of its documented codes; a failure leaves one line that starts with the origin (and, in a short
 * buffer, its terminated start); a success holds a configuration that keeps every rule of
 * docs/node-config.md - codes of their form, the node in its group, links derived from the
 * topology and sorted, the releasability set sorted and inside the group, addresses on loopback
 * unless allowed, the keys of the chosen source only. Built as the real fuzzer with clang
 * -DTW_FUZZ=ON, and always as fuzz_nodecfg_replay (replay_main.c), which ctest runs over the
 * corpus. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triwatch/error.h"
#include "triwatch/nodecfg.h"

#define ORIGIN "fuzz/node.yaml" /* with a directory, so relative sensor paths get joined */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *what, const char *detail)
{
  fprintf(stderr, "fuzz_nodecfg: broken promise: %s (%s)\n", what, detail);
  abort();
}

/* A NUL inside the array, and not at its start unless empty is allowed. */
static int terminated(const char *z, size_t size, int may_be_empty)
{
  return memchr(z, '\0', size) && (may_be_empty || z[0]);
}

static int is_code(const char *z, size_t size)
{
  if (!terminated(z, size, 0) || strlen(z) < 2 || strlen(z) > 7)
    return 0;
  for (; *z; z++)
    if (!((*z >= 'A' && *z <= 'Z') || (*z >= '0' && *z <= '9')))
      return 0;
  return 1;
}

static int in(const char (*a)[TW_NODECFG_NATION_MAX], int n, const char *z)
{
  for (int i = 0; i < n; i++)
    if (strcmp(a[i], z) == 0)
      return 1;
  return 0;
}

/* Dotted IPv4 by another route than the parser's; loopback unless allow. */
static int good_address(const char *z, int allow)
{
  unsigned p[4];
  int end = -1;
  if (!terminated(z, TW_NODECFG_ADDR_MAX, 0) ||
      sscanf(z, "%3u.%3u.%3u.%3u%n", &p[0], &p[1], &p[2], &p[3], &end) != 4 ||
      end != (int)strlen(z))
    return 0;
  for (int i = 0; i < 4; i++)
    if (p[i] > 255)
      return 0;
  return p[0] != 0 && p[0] < 224 && (allow || p[0] == 127);
}

static void check_links(const tw_nodecfg *c)
{
  char name[2 * TW_NODECFG_NATION_MAX];
  int own = 0;
  if (c->n_edges < 1 || c->n_edges > TW_NODECFG_MAX_EDGES)
    broken("edge count", "");
  for (int i = 0; i < c->n_edges; i++) {
    const tw_nodecfg_link *e = &c->edge[i];
    if (!is_code(e->a, sizeof e->a) || !is_code(e->b, sizeof e->b) || strcmp(e->a, e->b) >= 0)
      broken("edge ends", e->a);
    snprintf(name, sizeof name, "%s-%s", e->a, e->b);
    if (!terminated(e->name, sizeof e->name, 0) || strcmp(e->name, name) != 0)
      broken("edge name", e->name);
    if (!in(c->group, c->n_group, e->a) || !in(c->group, c->n_group, e->b))
      broken("edge outside the group", e->name);
    if (i && strcmp(c->edge[i - 1].name, e->name) >= 0)
      broken("edges not sorted or repeated", e->name);
    if (c->topology == TW_NODECFG_HUB && strcmp(e->a, c->hub) != 0 && strcmp(e->b, c->hub) != 0)
      broken("hub edge without the hub", e->name);
    if (strcmp(e->a, c->nation) == 0 || strcmp(e->b, c->nation) == 0) {
      if (own >= c->n_links || memcmp(&c->link[own], e, sizeof *e) != 0)
        broken("own links are not the edges with the nation", e->name);
      own++;
    }
  }
  if (own != c->n_links || own < 1 || own > TW_NODECFG_MAX_LINKS)
    broken("own link count", c->nation);
  if (c->topology == TW_NODECFG_HUB && c->n_edges != c->n_group - 1)
    broken("hub edge count", "");
  if (c->topology == TW_NODECFG_MESH && c->n_edges != c->n_group * (c->n_group - 1) / 2)
    broken("mesh edge count", "");
}

static void check_config(const tw_nodecfg *c)
{
  if (!is_code(c->nation, sizeof c->nation))
    broken("nation", "");
  if (c->domain < 0 || c->domain > TW_NODECFG_MAX_DOMAIN)
    broken("domain", "");
  if (c->n_group < 2 || c->n_group > TW_NODECFG_MAX_GROUP || !in(c->group, c->n_group, c->nation))
    broken("group", c->nation);
  for (int i = 0; i < c->n_group; i++)
    if (!is_code(c->group[i], sizeof c->group[i]) || in(c->group, i, c->group[i]))
      broken("group member", c->group[i]);
  if (c->topology == TW_NODECFG_HUB ? !in(c->group, c->n_group, c->hub) : c->hub[0] != '\0')
    broken("hub", c->hub);
  if (c->topology != TW_NODECFG_HUB && c->topology != TW_NODECFG_MESH &&
      c->topology != TW_NODECFG_LINKS)
    broken("topology", "");
  check_links(c);
  if (c->n_releasable < 1 || c->n_releasable > c->n_group ||
      !in(c->releasable_to, c->n_releasable, c->nation))
    broken("releasable_to", "");
  for (int i = 0; i < c->n_releasable; i++)
    if (!in(c->group, c->n_group, c->releasable_to[i]) ||
        (i && strcmp(c->releasable_to[i - 1], c->releasable_to[i]) >= 0))
      broken("releasable_to not sorted, repeated or outside the group", c->releasable_to[i]);
  if (c->relay != 0 && c->relay != 1)
    broken("relay", "");
  if ((c->secure != 0 && c->secure != 1) || !terminated(c->keys, sizeof c->keys, 1) ||
      (c->keys[0] != '\0') != c->secure)
    broken("keys", "");
  if (!terminated(c->data, sizeof c->data, 0))
    broken("data", "");
  if ((c->allow_non_loopback != 0 && c->allow_non_loopback != 1) ||
      !good_address(c->address, c->allow_non_loopback))
    broken("address", c->address);
  if (c->n_peers < 1 || c->n_peers > TW_NODECFG_MAX_PEERS)
    broken("peer count", "");
  for (int i = 0; i < c->n_peers; i++) {
    if (!good_address(c->peer[i], c->allow_non_loopback))
      broken("peer", c->peer[i]);
    for (int j = 0; j < i; j++)
      if (strcmp(c->peer[i], c->peer[j]) == 0)
        broken("repeated peer", c->peer[i]);
  }

  const tw_nodecfg_sensors *s = &c->sensors;
  if (!terminated(s->scenario, sizeof s->scenario, 1) || !terminated(s->file, sizeof s->file, 1))
    broken("sensor paths", "");
  int sim = s->source == TW_NODECFG_SIMULATE, replay = s->source == TW_NODECFG_REPLAY,
      live = s->source == TW_NODECFG_LIVE;
  if (sim + replay + live != 1 || (s->scenario[0] != '\0') != sim ||
      (s->file[0] != '\0') != replay || (s->port != 0) != live || (s->has_seed && !sim))
    broken("keys of another source", "");
  if (!(s->speed >= 0.1 && s->speed <= 1000) || (live && s->port < 1024) || s->port > 65535)
    broken("sensor value out of range", "");
  if (c->http_port == 0 ? c->http_address[0] != '\0'
                        : c->http_port < 1024 || c->http_port > 65535 ||
                              !good_address(c->http_address, c->allow_non_loopback))
    broken("http", c->http_address);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static tw_nodecfg c; /* ~9 kB; one per process is enough */
  char err[512];
  int rc = tw_nodecfg_parse(&c, (const char *)data, size, ORIGIN, err, sizeof err);
  if (rc != 0) {
    if (rc != TW_EPARSE && rc != TW_ERANGE && rc != TW_ENOMEM)
      broken("unexpected result code", err);
    if (strncmp(err, ORIGIN ":", sizeof ORIGIN) != 0 || strchr(err, '\n'))
      broken("message is not one line starting with the origin", err);
    /* a short buffer gets the start of the same message, terminated */
    char small[100];
    size_t cut = 1 + size % sizeof small;
    memset(small, 'Z', sizeof small);
    if (tw_nodecfg_parse(&c, (const char *)data, size, ORIGIN, small, cut) != rc ||
        strlen(small) >= cut || strncmp(small, err, strlen(small)) != 0 ||
        (cut < sizeof small && small[cut] != 'Z'))
      broken("message in a short buffer", small);
    return 0;
  }
  check_config(&c);
  return 0;
}
