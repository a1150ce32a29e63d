/* test_nodecfg.c - node configuration files (triwatch/nodecfg.h): good files parse to the right
 * values and derived links, the shipped config/ demo parses, and every file of the broken corpus
 * tests/data/nodecfg-bad fails cleanly with the line and key its first line announces
 * ("# expect: LINE KEY"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bad_corpus.h"

#include "triwatch/error.h"
#include "triwatch/nodecfg.h"
#include "triwatch/scenario.h"

#define BAD_DIR TW_TEST_DATA "/nodecfg-bad"
#define CONFIG_DIR TW_TEST_DATA "/../../config"

static tw_nodecfg g_cfg; /* ~9 kB: static, not on cmocka's stack */
static char g_err[1024];

static int parse_as(const char *origin, const char *text)
{
  memset(&g_cfg, 0, sizeof g_cfg);
  return tw_nodecfg_parse(&g_cfg, text, strlen(text), origin, g_err, sizeof g_err);
}

static int parse(const char *text) { return parse_as("t.yaml", text); }

static void parse_ok(const char *text)
{
  int rc = parse(text);
  if (rc != 0)
    fail_msg("parse failed (%s): %s\n--\n%s", tw_err_name(rc), g_err, text);
}

/* Parse and expect rc with a message that contains want. */
static void parse_bad(const char *text, int want_rc, const char *want)
{
  int rc = parse(text);
  if (rc != want_rc || !strstr(g_err, want))
    fail_msg("got %s \"%s\", expected %s with \"%s\"\n--\n%s", tw_err_name(rc), g_err,
             tw_err_name(want_rc), want, text);
}

/* The node's own links, joined by spaces, e.g. "JPN-USA KOR-USA". */
static const char *links_of(const tw_nodecfg_link *a, int n)
{
  static char out[TW_NODECFG_MAX_EDGES * TW_NODECFG_LINK_MAX];
  out[0] = '\0';
  for (int i = 0; i < n; i++)
    snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", i ? " " : "", a[i].name);
  return out;
}

static const char *nations_of(char (*a)[TW_NODECFG_NATION_MAX], int n)
{
  static char out[TW_NODECFG_MAX_GROUP * TW_NODECFG_NATION_MAX];
  out[0] = '\0';
  for (int i = 0; i < n; i++)
    snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", i ? " " : "", a[i]);
  return out;
}

#define INSECURE "insecure: true\n"
#define SIM "sensors: {source: simulate, scenario: s.yaml}\n"
#define BASE "nation: JPN\ngroup: [USA, JPN, KOR]\ndata: out\n" INSECURE SIM

/* Every key of docs/node-config.md, as the reference shows them. */
static void test_full_example(void **state)
{
  (void)state;
  int rc = parse_as("cfg/jpn.yaml",
                    "nation: JPN                  # [A-Z0-9]{2,7}, required\n"
                    "domain: 42\n"
                    "group: [USA, JPN, KOR]\n"
                    "topology: hub\n"
                    "hub: USA\n"
                    "releasable_to: [USA, JPN, KOR]\n"
                    "relay: auto\n"
                    "keys: out/pki\n"
                    "insecure: false\n"
                    "data: out\n"
                    "address: 127.0.0.1\n"
                    "peers: [127.0.0.1]\n"
                    "allow_non_loopback: false\n"
                    "sensors:\n"
                    "  source: simulate\n"
                    "  scenario: data/scenarios/hwasong12-2022-10-04.yaml\n"
                    "  seed: 7\n"
                    "  speed: 1.0\n"
                    "http: 127.0.0.1:8081\n");
  if (rc)
    fail_msg("%s", g_err);
  assert_string_equal(g_cfg.nation, "JPN");
  assert_int_equal(g_cfg.domain, 42);
  assert_int_equal(g_cfg.n_group, 3);
  assert_string_equal(nations_of(g_cfg.group, g_cfg.n_group), "USA JPN KOR"); /* as written */
  assert_int_equal(g_cfg.topology, TW_NODECFG_HUB);
  assert_string_equal(g_cfg.hub, "USA");
  assert_string_equal(links_of(g_cfg.edge, g_cfg.n_edges), "JPN-USA KOR-USA");
  assert_string_equal(links_of(g_cfg.link, g_cfg.n_links), "JPN-USA");
  assert_string_equal(g_cfg.link[0].a, "JPN");
  assert_string_equal(g_cfg.link[0].b, "USA");
  assert_string_equal(nations_of(g_cfg.releasable_to, g_cfg.n_releasable), "JPN KOR USA");
  assert_int_equal(g_cfg.relay, 0);
  assert_int_equal(g_cfg.secure, 1);
  assert_string_equal(g_cfg.keys, "out/pki");
  assert_string_equal(g_cfg.data, "out");
  assert_string_equal(g_cfg.address, "127.0.0.1");
  assert_int_equal(g_cfg.n_peers, 1);
  assert_string_equal(g_cfg.peer[0], "127.0.0.1");
  assert_int_equal(g_cfg.allow_non_loopback, 0);
  assert_int_equal(g_cfg.sensors.source, TW_NODECFG_SIMULATE);
  /* relative to the directory of the config file; keys and data are not */
  assert_string_equal(g_cfg.sensors.scenario, "cfg/data/scenarios/hwasong12-2022-10-04.yaml");
  assert_int_equal(g_cfg.sensors.has_seed, 1);
  assert_int_equal(g_cfg.sensors.seed, 7);
  assert_true(g_cfg.sensors.speed == 1.0);
  assert_string_equal(g_cfg.sensors.file, "");
  assert_int_equal(g_cfg.sensors.port, 0);
  assert_string_equal(g_cfg.http_address, "127.0.0.1");
  assert_int_equal(g_cfg.http_port, 8081);
}

/* Only the required keys: everything else takes its documented default. */
static void test_defaults(void **state)
{
  (void)state;
  parse_ok(BASE);
  assert_int_equal(g_cfg.domain, TW_NODECFG_DEFAULT_DOMAIN);
  assert_int_equal(g_cfg.topology, TW_NODECFG_HUB);
  assert_string_equal(g_cfg.hub, "USA"); /* the first of group */
  assert_string_equal(links_of(g_cfg.link, g_cfg.n_links), "JPN-USA");
  assert_string_equal(nations_of(g_cfg.releasable_to, g_cfg.n_releasable), "JPN KOR USA");
  assert_int_equal(g_cfg.relay, 0);
  assert_int_equal(g_cfg.secure, 0);
  assert_string_equal(g_cfg.keys, "");
  assert_string_equal(g_cfg.address, "127.0.0.1");
  assert_int_equal(g_cfg.n_peers, 1);
  assert_string_equal(g_cfg.peer[0], "127.0.0.1");
  assert_string_equal(g_cfg.sensors.scenario, "s.yaml"); /* origin without a directory */
  assert_int_equal(g_cfg.sensors.has_seed, 0);
  assert_true(g_cfg.sensors.speed == 1.0);
  assert_string_equal(g_cfg.http_address, "");
  assert_int_equal(g_cfg.http_port, 0);

  /* keys: null is the same as no keys; http: null is no web picture */
  parse_ok("nation: JPN\ngroup: [USA, JPN]\ndata: out\nkeys: ~\n" INSECURE SIM "http: null\n");
  assert_int_equal(g_cfg.secure, 0);
  assert_int_equal(g_cfg.http_port, 0);
  /* peers default to the node's own address */
  parse_ok(BASE "address: 127.0.0.2\n");
  assert_string_equal(g_cfg.peer[0], "127.0.0.2");
}

static void test_topologies(void **state)
{
  (void)state;
  /* the hub: a link to every other member, and it relays */
  parse_ok("nation: USA\ngroup: [USA, JPN, KOR]\ndata: out\n" INSECURE SIM);
  assert_string_equal(links_of(g_cfg.link, g_cfg.n_links), "JPN-USA KOR-USA");
  assert_int_equal(g_cfg.relay, 1);
  /* a hub other than the first member; its ends sort either way */
  parse_ok("nation: KOR\ngroup: [AUS, JPN, KOR, USA]\nhub: JPN\ndata: out\n" INSECURE SIM);
  assert_string_equal(links_of(g_cfg.edge, g_cfg.n_edges), "AUS-JPN JPN-KOR JPN-USA");
  assert_string_equal(links_of(g_cfg.link, g_cfg.n_links), "JPN-KOR");
  assert_string_equal(g_cfg.link[0].a, "JPN");
  assert_int_equal(g_cfg.relay, 0);

  /* mesh: every pair; nobody relays unless told */
  parse_ok(BASE "topology: mesh\n");
  assert_string_equal(g_cfg.hub, "");
  assert_string_equal(links_of(g_cfg.edge, g_cfg.n_edges), "JPN-KOR JPN-USA KOR-USA");
  assert_string_equal(links_of(g_cfg.link, g_cfg.n_links), "JPN-KOR JPN-USA");
  assert_int_equal(g_cfg.relay, 0);

  /* links: any order in the file, stored sorted; other members' links are part of the graph
   * but not the node's own */
  parse_ok("nation: JPN\ngroup: [USA, JPN, KOR, AUS]\ntopology: links\n"
           "links: [USA-KOR, USA-JPN, JPN-AUS, AUS-USA]\nrelay: true\ndata: out\n" INSECURE SIM);
  assert_string_equal(links_of(g_cfg.edge, g_cfg.n_edges), "AUS-JPN AUS-USA JPN-USA KOR-USA");
  assert_string_equal(links_of(g_cfg.link, g_cfg.n_links), "AUS-JPN JPN-USA");
  assert_int_equal(g_cfg.relay, 1);
  parse_ok(BASE "topology: links\nlinks: [KOR-JPN]\n");
  assert_string_equal(links_of(g_cfg.link, g_cfg.n_links), "JPN-KOR");

  /* relay can be forced either way */
  parse_ok("nation: USA\ngroup: [USA, JPN]\nrelay: false\ndata: out\n" INSECURE SIM);
  assert_int_equal(g_cfg.relay, 0);
  parse_ok(BASE "relay: true\n");
  assert_int_equal(g_cfg.relay, 1);

  /* releasability narrower than the group, sorted */
  parse_ok(BASE "releasable_to: [USA, JPN]\n");
  assert_string_equal(nations_of(g_cfg.releasable_to, g_cfg.n_releasable), "JPN USA");
  parse_ok(BASE "releasable_to: [JPN]\n");
  assert_int_equal(g_cfg.n_releasable, 1);
}

/* A node N00 in a group of the 16 nations N00..N15, then extra keys. */
static const char *group_of_16(const char *extra)
{
  static char text[8192];
  int len = snprintf(text, sizeof text, "nation: N00\ndata: d\n" INSECURE SIM "group: [");
  for (int i = 0; i < TW_NODECFG_MAX_GROUP; i++)
    len += snprintf(text + len, sizeof text - (size_t)len, "%sN%02d", i ? ", " : "", i);
  snprintf(text + len, sizeof text - (size_t)len, "]\n%s", extra);
  return text;
}

static void test_limits(void **state)
{
  (void)state;
  /* a mesh of 16: 15 own links, 120 edges */
  parse_ok(group_of_16("topology: mesh\n"));
  assert_int_equal(g_cfg.n_group, TW_NODECFG_MAX_GROUP);
  assert_int_equal(g_cfg.n_links, TW_NODECFG_MAX_LINKS);
  assert_int_equal(g_cfg.n_edges, TW_NODECFG_MAX_EDGES);
  assert_string_equal(g_cfg.edge[0].name, "N00-N01");
  assert_string_equal(g_cfg.edge[TW_NODECFG_MAX_EDGES - 1].name, "N14-N15");
  /* the same graph listed as links, backwards */
  static char links[4096];
  int len = snprintf(links, sizeof links, "topology: links\nlinks: [");
  for (int i = TW_NODECFG_MAX_GROUP - 1, k = 0; i >= 0; i--)
    for (int j = i - 1; j >= 0; j--, k++)
      len += snprintf(links + len, sizeof links - (size_t)len, "%sN%02d-N%02d", k ? ", " : "", i,
                      j);
  snprintf(links + len, sizeof links - (size_t)len, "]\n");
  parse_ok(group_of_16(links));
  assert_int_equal(g_cfg.topology, TW_NODECFG_LINKS);
  assert_int_equal(g_cfg.n_edges, TW_NODECFG_MAX_EDGES);
  assert_int_equal(g_cfg.n_links, TW_NODECFG_MAX_LINKS);
  assert_string_equal(g_cfg.link[0].name, "N00-N01");
  assert_string_equal(g_cfg.edge[TW_NODECFG_MAX_EDGES - 1].name, "N14-N15");

  /* 17 members are one too many */
  parse_bad("nation: N00\ndata: d\n" INSECURE SIM
            "group: [N00, N01, N02, N03, N04, N05, N06, N07, N08, N09, N10, N11, N12, N13, N14,"
            " N15, N16]\n",
            TW_ERANGE,
            "t.yaml:5: group: expected a list of 2 to 16 nation codes, got a list of 17 items");

  /* domain at its bounds */
  parse_ok(BASE "domain: 0\n");
  assert_int_equal(g_cfg.domain, 0);
  parse_ok(BASE "domain: 230\n");
  assert_int_equal(g_cfg.domain, 230);
  parse_bad(BASE "domain: 231\n", TW_ERANGE, "t.yaml:6: domain: expected an integer in [0, 230]");
  parse_bad(BASE "domain: -1\n", TW_ERANGE, "domain: expected an integer in [0, 230], got -1");
  parse_bad(BASE "domain: '42'\n", TW_EPARSE, "domain: expected an integer in [0, 230], got '42'");
  parse_bad(BASE "domain: 4.2e1\n", TW_EPARSE, "domain: expected an integer");
}

/* Paths under sensors are resolved against the directory of the config file. */
static void test_paths(void **state)
{
  (void)state;
#define REPLAY(file) "nation: JPN\ngroup: [USA, JPN]\ndata: out\n" INSECURE \
                     "sensors: {source: replay, file: " file "}\n"
  assert_int_equal(parse_as("cfg/x.yaml", REPLAY("/abs/m.jsonl")), 0);
  assert_string_equal(g_cfg.sensors.file, "/abs/m.jsonl");
  assert_int_equal(parse_as("/x.yaml", REPLAY("m.jsonl")), 0);
  assert_string_equal(g_cfg.sensors.file, "/m.jsonl");
  assert_int_equal(parse_as("a/b/x.yaml", REPLAY("../m.jsonl")), 0);
  assert_string_equal(g_cfg.sensors.file, "a/b/../m.jsonl");
  assert_int_equal(parse_as("x.yaml", REPLAY("m.jsonl")), 0);
  assert_string_equal(g_cfg.sensors.file, "m.jsonl");
  assert_string_equal(g_cfg.data, "out"); /* never resolved */
#undef REPLAY

  /* the longest path fits with the directory in front; one byte more does not */
  static char text[4096], path[TW_NODECFG_PATH_MAX];
  memset(path, 'p', sizeof path);
  path[TW_NODECFG_PATH_MAX - 1 - 4] = '\0'; /* "cfg/" + 1019 bytes = 1023 */
  snprintf(text, sizeof text, "nation: JPN\ngroup: [USA, JPN]\ndata: out\n" INSECURE
           "sensors: {source: replay, file: %s}\n", path);
  assert_int_equal(parse_as("cfg/x.yaml", text), 0);
  assert_int_equal(strlen(g_cfg.sensors.file), TW_NODECFG_PATH_MAX - 1);
  assert_int_equal(parse_as("cfgs/x.yaml", text), TW_ERANGE);
  assert_non_null(strstr(g_err, "cfgs/x.yaml:5: sensors.file: expected the measurements file of "
                                "at most 1023 bytes with the directory of the configuration "
                                "file, got 1024 bytes"));
}

static void test_sensors(void **state)
{
  (void)state;
#define HEAD "nation: JPN\ngroup: [USA, JPN]\ndata: out\n" INSECURE
  parse_ok(HEAD "sensors: {source: replay, file: m.jsonl, speed: 1000}\n");
  assert_int_equal(g_cfg.sensors.source, TW_NODECFG_REPLAY);
  assert_string_equal(g_cfg.sensors.file, "m.jsonl");
  assert_string_equal(g_cfg.sensors.scenario, "");
  assert_true(g_cfg.sensors.speed == 1000.0);
  parse_ok(HEAD "sensors: {source: live, port: 40123}\n");
  assert_int_equal(g_cfg.sensors.source, TW_NODECFG_LIVE);
  assert_int_equal(g_cfg.sensors.port, 40123);
  parse_ok(HEAD "sensors: {source: live, port: 1024}\n");
  parse_ok(HEAD "sensors: {source: live, port: 65535}\n");
  parse_ok(HEAD "sensors: {source: simulate, scenario: a.yaml, speed: 0.1, seed: 0}\n");
  assert_true(g_cfg.sensors.speed == 0.1);
  assert_int_equal(g_cfg.sensors.has_seed, 1);
  assert_int_equal(g_cfg.sensors.seed, 0);
  parse_ok(HEAD "sensors: {source: simulate, scenario: a.yaml, seed: 18446744073709551615}\n");
  assert_true(g_cfg.sensors.seed == UINT64_MAX);

  parse_bad(HEAD "sensors: {source: live, port: 1023}\n", TW_ERANGE,
            "t.yaml:5: sensors.port: expected an integer in [1024, 65535], got 1023");
  parse_bad(HEAD "sensors: {source: live, port: 65536}\n", TW_ERANGE, "sensors.port:");
  parse_bad(HEAD "sensors: {source: replay, file: m.jsonl, speed: 0.09}\n", TW_ERANGE,
            "sensors.speed: expected a factor in [0.1, 1000], got 0.09");
  parse_bad(HEAD "sensors: {source: replay, file: m.jsonl, speed: fast}\n", TW_EPARSE,
            "sensors.speed: expected a factor in [0.1, 1000], got 'fast'");
  parse_bad(HEAD "sensors: {source: live, port: 40000, speed: 2}\n", TW_EPARSE,
            "sensors.speed: expected no speed with source: live (it is for source: simulate or "
            "replay), got 2");
  parse_bad(HEAD "sensors: {source: replay, file: m.jsonl, seed: 1}\n", TW_EPARSE,
            "sensors.seed: expected no seed with source: replay (it is for source: simulate)");
  parse_bad(HEAD "sensors: {source: simulate}\n", TW_EPARSE,
            "t.yaml:5: sensors.scenario: expected the scenario file to simulate, got nothing (the "
            "key is missing)");
  parse_bad(HEAD "sensors: {source: replay}\n", TW_EPARSE, "sensors.file: expected a "
                                                           "measurements.jsonl");
  parse_bad(HEAD "sensors: {source: live}\n", TW_EPARSE, "sensors.port: expected a UDP port");
  parse_bad(HEAD "sensors: {scenario: a.yaml}\n", TW_EPARSE,
            "sensors.source: expected simulate, replay or live, got nothing (the key is missing)");
  parse_bad(HEAD "sensors: {source: Simulate, scenario: a.yaml}\n", TW_EPARSE,
            "sensors.source: expected simulate, replay or live, got 'Simulate'");
  parse_bad(HEAD "sensors: simulate\n", TW_EPARSE,
            "t.yaml:5: sensors: expected a mapping with source and its keys (scenario, file or "
            "port), got 'simulate'");
#undef HEAD
}

static void test_addresses(void **state)
{
  (void)state;
  static const struct {
    const char *v;
    int allow, rc;
  } cases[] = {
    {"127.0.0.1", 0, 0},          {"127.255.255.254", 0, 0},    {"'127.0.0.9'", 0, 0},
    {"10.0.0.1", 0, TW_ERANGE},   {"10.0.0.1", 1, 0},           {"192.168.1.2", 1, 0},
    {"128.0.0.1", 0, TW_ERANGE},  {"0.0.0.0", 1, TW_ERANGE},    {"224.0.0.1", 1, TW_ERANGE},
    {"239.255.0.1", 1, TW_ERANGE}, {"255.255.255.255", 1, TW_ERANGE},
    {"localhost", 0, TW_EPARSE},  {"127.0.0.01", 0, TW_EPARSE}, {"127.0.1", 0, TW_EPARSE},
    {"127.0.0.1.", 0, TW_EPARSE}, {"127.0.0.256", 0, TW_EPARSE}, {"127.0.0.1 ", 0, 0},
    {"'127.0.0.1 '", 0, TW_EPARSE}, {"::1", 0, TW_EPARSE},      {"127.0.0.1:80", 0, TW_EPARSE},
    {"127.0.0.1/8", 0, TW_EPARSE}, {"1270.0.0.1", 0, TW_EPARSE}, {"~", 0, TW_EPARSE},
    {"[127.0.0.1]", 0, TW_EPARSE}, {"+127.0.0.1", 0, TW_EPARSE}, {"127.0.0.-1", 0, TW_EPARSE},
  };
  char text[512];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    snprintf(text, sizeof text, BASE "allow_non_loopback: %s\naddress: %s\n",
             cases[i].allow ? "true" : "false", cases[i].v);
    int rc = parse(text);
    if (rc != cases[i].rc)
      fail_msg("address: %s (allow %d) gave %s (%s), expected %s", cases[i].v, cases[i].allow,
               tw_err_name(rc), g_err, tw_err_name(cases[i].rc));
    if (rc)
      assert_non_null(strstr(g_err, "t.yaml:7: address: expected "));
  }
  parse_bad(BASE "address: 10.1.2.3\n", TW_ERANGE,
            "t.yaml:6: address: expected an address in 127.0.0.0/8 (loopback only, unless "
            "allow_non_loopback: true), got '10.1.2.3'");
  parse_ok(BASE "allow_non_loopback: true\naddress: 10.0.0.2\npeers: [10.0.0.1, 10.0.0.3]\n");
  assert_string_equal(g_cfg.address, "10.0.0.2");
  assert_int_equal(g_cfg.n_peers, 2);
  assert_string_equal(g_cfg.peer[1], "10.0.0.3");
  parse_bad(BASE "peers: [127.0.0.1, 10.0.0.1]\n", TW_ERANGE, "t.yaml:6: peers[1]: expected an "
                                                              "address in 127.0.0.0/8");
  parse_bad(BASE "peers: [127.0.0.1, 127.0.0.1]\n", TW_EPARSE,
            "peers[1]: expected each peer once, got '127.0.0.1' again (also peers[0])");
  parse_bad(BASE "peers: []\n", TW_EPARSE, "peers: expected a list of 1 to 16 IPv4 addresses, got "
                                           "an empty list");
  parse_bad(BASE "peers: 127.0.0.1\n", TW_EPARSE, "peers: expected a list of 1 to 16");
  /* allow_non_loopback is a boolean, strictly */
  parse_bad(BASE "allow_non_loopback: yes\n", TW_EPARSE,
            "allow_non_loopback: expected true or false, got 'yes'");

  /* http */
  parse_ok(BASE "http: 127.0.0.1:65535\n");
  assert_int_equal(g_cfg.http_port, 65535);
  parse_ok(BASE "http: '127.0.0.5:1024'\n");
  assert_string_equal(g_cfg.http_address, "127.0.0.5");
  parse_bad(BASE "http: 127.0.0.1:80\n", TW_ERANGE,
            "t.yaml:6: http: expected a port in [1024, 65535] after the address, got "
            "'127.0.0.1:80'");
  parse_bad(BASE "http: 10.0.0.1:8080\n", TW_ERANGE, "http: expected an address in 127.0.0.0/8");
  parse_bad(BASE "http: 8081\n", TW_EPARSE, "http: expected ADDRESS:PORT such as "
                                            "127.0.0.1:8081, got 8081");
  parse_bad(BASE "http: '127.0.0.1:'\n", TW_EPARSE, "http: expected ADDRESS:PORT");
  parse_bad(BASE "http: 127.0.0.1:08081\n", TW_EPARSE, "http: expected ADDRESS:PORT");
  parse_bad(BASE "http: 127.0.0.1:123456\n", TW_EPARSE, "http: expected ADDRESS:PORT");
  parse_bad(BASE "http: localhost:8081\n", TW_EPARSE, "http: expected ADDRESS:PORT");
}

/* The demo of config/: three nodes of one hub, each file parses, and the scenario it names
 * (relative to config/) is the Hwasong-12 one and loads. */
static void test_shipped_configs(void **state)
{
  (void)state;
  static const struct {
    const char *file, *nation, *links;
    int relay, http_port;
  } nodes[] = {
    {"usa.yaml", "USA", "JPN-USA KOR-USA", 1, 8081},
    {"jpn.yaml", "JPN", "JPN-USA", 0, 8082},
    {"kor.yaml", "KOR", "KOR-USA", 0, 8083},
  };
  static tw_scenario scn;
  for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", CONFIG_DIR, nodes[i].file);
    int rc = tw_nodecfg_load(&g_cfg, path, g_err, sizeof g_err);
    if (rc)
      fail_msg("%s: %s", nodes[i].file, g_err);
    assert_string_equal(g_cfg.nation, nodes[i].nation);
    assert_int_equal(g_cfg.domain, 42);
    assert_string_equal(nations_of(g_cfg.group, g_cfg.n_group), "USA JPN KOR");
    assert_int_equal(g_cfg.topology, TW_NODECFG_HUB);
    assert_string_equal(g_cfg.hub, "USA");
    assert_string_equal(links_of(g_cfg.link, g_cfg.n_links), nodes[i].links);
    assert_int_equal(g_cfg.relay, nodes[i].relay);
    assert_string_equal(nations_of(g_cfg.releasable_to, g_cfg.n_releasable), "JPN KOR USA");
    assert_int_equal(g_cfg.secure, 1);
    assert_string_equal(g_cfg.keys, "out/demo/pki");
    assert_string_equal(g_cfg.data, "out/demo");
    assert_string_equal(g_cfg.address, "127.0.0.1");
    assert_int_equal(g_cfg.n_peers, 1);
    assert_string_equal(g_cfg.peer[0], "127.0.0.1");
    assert_int_equal(g_cfg.allow_non_loopback, 0);
    assert_int_equal(g_cfg.sensors.source, TW_NODECFG_SIMULATE);
    assert_string_equal(g_cfg.sensors.scenario,
                        CONFIG_DIR "/../data/scenarios/hwasong12-2022-10-04.yaml");
    assert_string_equal(g_cfg.http_address, "127.0.0.1");
    assert_int_equal(g_cfg.http_port, nodes[i].http_port);
    rc = tw_scenario_load(&scn, g_cfg.sensors.scenario, g_err, sizeof g_err);
    if (rc)
      fail_msg("%s: its scenario: %s", nodes[i].file, g_err);
    assert_string_equal(scn.name, "Hwasong-12 over Aomori, 2022-10-04");
  }
}

static int load_bad(const char *path, char *err, size_t n)
{
  memset(&g_cfg, 0x5a, sizeof g_cfg);
  return tw_nodecfg_load(&g_cfg, path, err, n);
}

static void test_bad_corpus(void **state)
{
  (void)state;
  char why[1024];
  int n = bad_corpus_check(BAD_DIR, load_bad, why, sizeof why);
  if (n < 0)
    fail_msg("%s", why);
  assert_true(n >= 20);
}

static void test_edge_inputs(void **state)
{
  (void)state;
  char err[64];
  assert_int_equal(tw_nodecfg_parse(&g_cfg, NULL, 0, "e.yaml", err, sizeof err), TW_EPARSE);
  assert_non_null(strstr(err, "e.yaml:1: (document): expected a node configuration"));
  assert_int_equal(tw_nodecfg_parse(&g_cfg, "", 0, NULL, err, sizeof err), TW_EPARSE);
  assert_non_null(strstr(err, "<nodecfg>:1: "));
  assert_int_equal(tw_nodecfg_parse(&g_cfg, NULL, 5, "e.yaml", err, sizeof err), TW_EINVAL);
  assert_int_equal(tw_nodecfg_parse(NULL, "", 0, "e.yaml", err, sizeof err), TW_EINVAL);

  /* the message is cut to the buffer, always terminated; no buffer at all is fine */
  assert_int_equal(tw_nodecfg_parse(&g_cfg, "x: 1", 4, "e.yaml", err, 8), TW_EPARSE);
  assert_string_equal(err, "e.yaml:");
  assert_int_equal(tw_nodecfg_parse(&g_cfg, "x: 1", 4, "e.yaml", err, 1), TW_EPARSE);
  assert_string_equal(err, "");
  assert_int_equal(tw_nodecfg_parse(&g_cfg, "x: 1", 4, "e.yaml", NULL, 0), TW_EPARSE);

  /* text without a terminating NUL, in a block of exactly its size; cut anywhere */
  const char *good = BASE "http: 127.0.0.1:8081\n";
  size_t len = strlen(good);
  char *exact = malloc(len);
  assert_non_null(exact);
  memcpy(exact, good, len);
  assert_int_equal(tw_nodecfg_parse(&g_cfg, exact, len, "x.yaml", err, sizeof err), 0);
  for (size_t cut = 0; cut < len; cut++) {
    int rc = tw_nodecfg_parse(&g_cfg, exact, cut, "x.yaml", err, sizeof err);
    assert_true(rc == 0 || rc == TW_EPARSE || rc == TW_ERANGE);
  }
  free(exact);

  /* more than 64 KiB is refused before parsing; 64 KiB of comments is an empty file */
  size_t big = 64 * 1024 + 1;
  char *huge = malloc(big);
  assert_non_null(huge);
  memset(huge, '#', big);
  assert_int_equal(tw_nodecfg_parse(&g_cfg, huge, big, "h.yaml", err, sizeof err), TW_ERANGE);
  assert_int_equal(tw_nodecfg_parse(&g_cfg, huge, big - 1, "h.yaml", err, sizeof err), TW_EPARSE);
  free(huge);
}

static void test_unchanged_on_error(void **state)
{
  (void)state;
  static tw_nodecfg before;
  memset(&g_cfg, 0x5a, sizeof g_cfg);
  memcpy(&before, &g_cfg, sizeof before);
  /* fails at the very last key, after everything else was read */
  const char *bad = BASE "http: 127.0.0.1:1\n";
  assert_int_equal(tw_nodecfg_parse(&g_cfg, bad, strlen(bad), "u.yaml", g_err, sizeof g_err),
                   TW_ERANGE);
  assert_memory_equal(&g_cfg, &before, sizeof before);
}

static void test_load(void **state)
{
  (void)state;
  assert_int_equal(tw_nodecfg_load(&g_cfg, BAD_DIR "/no-such-file.yaml", g_err, sizeof g_err),
                   TW_EIO);
  assert_non_null(strstr(g_err, "no-such-file.yaml: cannot read: "));
  assert_int_equal(tw_nodecfg_load(&g_cfg, BAD_DIR, g_err, sizeof g_err), TW_EIO);
  assert_int_equal(tw_nodecfg_load(&g_cfg, NULL, g_err, sizeof g_err), TW_EINVAL);
  assert_int_equal(tw_nodecfg_load(NULL, BAD_DIR, g_err, sizeof g_err), TW_EINVAL);
}

/* Messages say what was expected for the common mistakes (the corpus checks line and key). */
static void test_messages(void **state)
{
  (void)state;
  parse_bad(BASE "topology: links\nlinks: [USA-JPN, JPN-AUS]\n", TW_EPARSE,
            "t.yaml:7: links[1]: expected NAT-NAT of two group members, got 'JPN-AUS' (AUS is "
            "not in group)");
  parse_bad(BASE "topology: links\nlinks: [JPN-JPN]\n", TW_EPARSE,
            "links[0]: expected NAT-NAT of two group members, got 'JPN-JPN' (a link joins two "
            "different nations)");
  parse_bad(BASE "topology: links\nlinks: [JPN_USA]\n", TW_EPARSE,
            "links[0]: expected NAT-NAT of two group members, got 'JPN_USA'");
  parse_bad(BASE "topology: links\nlinks: [JPN-usa]\n", TW_EPARSE,
            "got 'JPN-usa' (usa is not a nation code)");
  parse_bad(BASE "topology: links\nlinks: [JPN-]\n", TW_EPARSE,
            "got 'JPN-' (a nation code on each side of '-')");
  parse_bad(BASE "topology: links\nlinks: [JPN-USA-KOR]\n", TW_EPARSE,
            "got 'JPN-USA-KOR' (USA-KOR is not a nation code)");
  parse_bad(BASE "topology: links\nlinks: [JPN-USA, USA-JPN]\n", TW_EPARSE,
            "links[1]: expected each link once, got 'USA-JPN' again (also links[0])");
  parse_bad(BASE "topology: links\nlinks: [KOR-USA]\n", TW_EPARSE,
            "t.yaml:7: links: expected at least one link with JPN at one end, got ['KOR-USA']");
  parse_bad(BASE "topology: links\n", TW_EPARSE,
            "t.yaml:1: links: expected the list of links NAT-NAT of two group members, got "
            "nothing (the key is missing)");
  parse_bad(BASE "links: [JPN-USA]\n", TW_EPARSE,
            "t.yaml:6: links: expected no links with topology: hub (it is for topology: links), "
            "got ['JPN-USA']");
  parse_bad(BASE "topology: mesh\nhub: USA\n", TW_EPARSE,
            "t.yaml:7: hub: expected no hub with topology: mesh (it is for topology: hub)");
  parse_bad(BASE "hub: AUS\n", TW_EPARSE,
            "t.yaml:6: hub: expected a member of group (USA, JPN, KOR), got 'AUS'");
  parse_bad(BASE "topology: star\n", TW_EPARSE,
            "topology: expected hub, mesh or links, got 'star'");
  parse_bad("nation: AUS\ngroup: [USA, JPN, KOR]\ndata: out\n" INSECURE SIM, TW_EPARSE,
            "t.yaml:2: group: expected a list that holds this node's nation AUS, got ['USA', "
            "'JPN', 'KOR']");
  parse_bad("nation: JPN\ngroup: [USA, JPN, USA]\ndata: out\n" INSECURE SIM, TW_EPARSE,
            "t.yaml:2: group[2]: expected each nation once, got 'USA' again (also group[0])");
  parse_bad("nation: JPN\ngroup: [JPN]\ndata: out\n" INSECURE SIM, TW_EPARSE,
            "group: expected a list of 2 to 16 nation codes, got ['JPN']");
  parse_bad("nation: Japan\ngroup: [USA, JPN]\ndata: out\n" INSECURE SIM, TW_EPARSE,
            "t.yaml:1: nation: expected a nation code ([A-Z0-9]{2,7}, e.g. KOR), got 'Japan'");
  parse_bad("nation: JAPANESE\ngroup: [USA, JPN]\ndata: out\n" INSECURE SIM, TW_EPARSE,
            "nation: expected a nation code");
  parse_bad("nation: J\ngroup: [USA, JPN]\ndata: out\n" INSECURE SIM, TW_EPARSE,
            "nation: expected a nation code");
  parse_bad(BASE "releasable_to: [USA, KOR]\n", TW_EPARSE,
            "t.yaml:6: releasable_to: expected a list that holds this node's nation JPN, got "
            "['USA', 'KOR']");
  parse_bad(BASE "releasable_to: [JPN, AUS]\n", TW_EPARSE,
            "releasable_to[1]: expected a member of group (USA, JPN, KOR), got 'AUS'");
  parse_bad(BASE "releasable_to: []\n", TW_EPARSE,
            "releasable_to: expected a list of nation codes from group, got an empty list");
  parse_bad(BASE "relay: yes\n", TW_EPARSE, "relay: expected auto, true or false, got 'yes'");
  parse_bad(BASE "relay: 'true'\n", TW_EPARSE, "relay: expected auto, true or false, got 'true'");
  /* words may be quoted, booleans may not */
  parse_ok(BASE "relay: \"auto\"\ntopology: 'mesh'\n");
  assert_int_equal(g_cfg.topology, TW_NODECFG_MESH);
  parse_bad("nation: JPN\ngroup: [USA, JPN]\ndata: out\ninsecure: \"true\"\n" SIM, TW_EPARSE,
            "t.yaml:4: insecure: expected true or false, got 'true'");

  /* DDS Security is on unless insecure: true says otherwise, explicitly */
  parse_bad("nation: JPN\ngroup: [USA, JPN]\ndata: out\n" SIM, TW_EPARSE,
            "t.yaml:1: keys: expected the PKI directory made by `triwatch pki init`, or "
            "insecure: true to run without DDS Security, got nothing (the key is missing)");
  parse_bad("nation: JPN\ngroup: [USA, JPN]\ndata: out\nkeys:\n" SIM, TW_EPARSE,
            "t.yaml:4: keys: expected the PKI directory made by `triwatch pki init`, or "
            "insecure: true to run without DDS Security, got nothing");
  parse_bad("nation: JPN\ngroup: [USA, JPN]\ndata: out\nkeys: k\ninsecure: true\n" SIM,
            TW_EPARSE, "t.yaml:5: insecure: expected false when keys is set (DDS Security on), "
                       "got true");
  parse_bad("nation: JPN\ngroup: [USA, JPN]\ndata: out\ninsecure: false\n" SIM, TW_EPARSE,
            "t.yaml:1: keys: expected the PKI directory");
  parse_bad("nation: JPN\ngroup: [USA, JPN]\ndata: out\ninsecure: 1\n" SIM, TW_EPARSE,
            "insecure: expected true or false, got 1");

  parse_bad("nation: JPN\ngroup: [USA, JPN]\n" INSECURE SIM, TW_EPARSE,
            "t.yaml:1: data: expected the recorder's directory, got nothing (the key is "
            "missing)");
  parse_bad("nation: JPN\ngroup: [USA, JPN]\ndata: [a]\n" INSECURE SIM, TW_EPARSE,
            "t.yaml:3: data: expected the recorder's directory (non-empty text without control "
            "characters), got ['a']");
  parse_bad("nation: JPN\ngroup: [USA, JPN]\ndata: out\n" INSECURE, TW_EPARSE,
            "sensors: expected a mapping with source and its keys, got nothing (the key is "
            "missing)");
  parse_bad(BASE "nations: [USA]\n", TW_EPARSE,
            "t.yaml:6: nations: expected one of the keys nation, domain, group, topology, hub, "
            "links, releasable_to, relay, keys, insecure, data, allow_non_loopback, address, "
            "peers, sensors, http, got 'nations'");
  parse_bad(BASE "nation: KOR\n", TW_EPARSE,
            "t.yaml:6: nation: expected each key once, got 'nation' a second time (first at "
            "line 1)");
  parse_bad("- nation: JPN\n", TW_EPARSE,
            "t.yaml:1: (document): expected a node configuration: a mapping with nation, "
            "group, data and sensors, got a list of 1 item");
  parse_bad(BASE "x: &a 1\n", TW_EPARSE, "t.yaml:6: x: expected a plain value, got the anchor &a");
  parse_bad(BASE "peers: !!seq [127.0.0.1]\n", TW_EPARSE,
            "t.yaml:6: peers: expected a plain value, got the tag tag:yaml.org,2002:seq");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_full_example),
    cmocka_unit_test(test_defaults),
    cmocka_unit_test(test_topologies),
    cmocka_unit_test(test_limits),
    cmocka_unit_test(test_paths),
    cmocka_unit_test(test_sensors),
    cmocka_unit_test(test_addresses),
    cmocka_unit_test(test_shipped_configs),
    cmocka_unit_test(test_bad_corpus),
    cmocka_unit_test(test_edge_inputs),
    cmocka_unit_test(test_unchanged_on_error),
    cmocka_unit_test(test_load),
    cmocka_unit_test(test_messages),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
