/* test_bus.c - the bus over real Cyclone DDS on loopback: three nodes in one process (USA with
 * links JPN-USA and KOR-USA, JPN and KOR with one link each), releasability by link and marking,
 * withheld publishes, transient-local alerts for a late joiner, and a hostile participant whose
 * malformed samples must be dropped and counted. Plus the structural checks on hand-made samples
 * (unterminated strings and the like that Cyclone's own serializer cannot produce).
 *
 * With DDS Security (the development PKI of src/fabric/pki.c): USA and JPN, each in its own
 * process (a process holds one secured bus per domain), exchange a track, which shows that the
 * bus's writers and readers stay inside the partitions the permissions grant.
 *
 * Every wait is bounded (a few seconds). The DDS domain is picked from the process id so that
 * concurrent runs (the ASan build, other tests on domain 42) do not see each other. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "dds/dds.h"
#include "fabric/bus_wire.h"
#include "idl/triwatch.h"
#include "triwatch/bus.h"
#include "triwatch/error.h"
#include "triwatch/pki.h"

#define EPOCH_NS INT64_C(1790000000000000000) /* 2026-09-21 */
#define WAIT_MS 5000

static uint32_t g_domain;

static void quiet_log(void *ctx, const char *line)
{
  (void)ctx;
  (void)line;
}

static tw_bus *open_node(const char *nation, const char *link0, const char *link1)
{
  tw_bus_config c;
  tw_bus_config_default(&c);
  c.nation = nation;
  c.domain_id = g_domain;
  c.links[c.n_links++] = link0;
  if (link1 != NULL)
    c.links[c.n_links++] = link1;
  c.nations[c.n_nations++] = "JPN";
  c.nations[c.n_nations++] = "KOR";
  c.nations[c.n_nations++] = "USA";
  c.epoch_ns = EPOCH_NS;
  c.log = quiet_log;
  char err[256] = "";
  tw_bus *b = tw_bus_open(&c, err, sizeof err);
  if (b == NULL)
    fail_msg("tw_bus_open %s: %s", nation, err);
  return b;
}

static void wait_matched(tw_bus *b, const char *link)
{
  for (int ms = 0; ms < WAIT_MS; ms += 10) {
    if (tw_bus_link_matched(b, link) > 0)
      return;
    dds_sleepfor(DDS_MSECS(10));
  }
  fail_msg("link %s never matched", link);
}

/* Poll until a sample of this kind arrives (1) or the time is up (0); others are discarded. */
static int poll_kind(tw_bus *b, enum tw_bus_kind kind, int timeout_ms, tw_bus_sample *out)
{
  dds_time_t end = dds_time() + DDS_MSECS(timeout_ms);
  for (;;) {
    dds_time_t left = end - dds_time();
    int n = tw_bus_poll(b, left > 0 ? (int)(left / 1000000) : 0, out, 1);
    assert_true(n >= 0);
    if (n == 1 && out->kind == kind)
      return 1;
    if (left <= 0)
      return 0;
  }
}

static void make_track(tw_track *t, uint32_t id)
{
  memset(t, 0, sizeof *t);
  t->id = id;
  t->status = TW_TRACK_CONFIRMED;
  t->t_s = 12.5;
  t->t_avail_s = 12.75;
  for (int i = 0; i < TW_TRACK_NX; i++) {
    t->x[i] = 1000.0 * (i + 1) + 0.125;
    t->P[i * TW_TRACK_NX + i] = 10.0 + i;
  }
  t->P[0 * TW_TRACK_NX + 3] = t->P[3 * TW_TRACK_NX + 0] = 0.5;
  t->P[2 * TW_TRACK_NX + 8] = t->P[8 * TW_TRACK_NX + 2] = -1e-9;
  t->mu[0] = 0.75, t->mu[1] = 0.25, t->mu[2] = 0;
  t->n_updates = 5;
}

static void mark(tw_bus_marking *m, const char *originator, const char *relset)
{
  assert_int_equal(tw_bus_marking_make(m, originator, relset), 0);
}

/* ---- no DDS ---- */

static void test_marking(void **state)
{
  (void)state;
  tw_bus_marking m;
  char buf[64];
  assert_int_equal(tw_bus_marking_make(&m, "USA", "USA+KOR, JPN+KOR"), 0);
  assert_int_equal(m.n_rel, 3);
  assert_int_equal(tw_bus_relset_format(buf, sizeof buf, &m), 11);
  assert_string_equal(buf, "JPN+KOR+USA");
  assert_int_equal(tw_bus_relset_format(buf, 11, &m), TW_ERANGE);
  assert_int_equal(tw_bus_marking_make(&m, "USA", "JPN+KOR"), TW_EINVAL); /* no originator */
  assert_int_equal(tw_bus_marking_make(&m, "USA", "USA+jpn"), TW_EINVAL);
  assert_int_equal(tw_bus_marking_make(&m, "USA", "USA++JPN"), TW_EINVAL);
  assert_int_equal(tw_bus_marking_make(&m, "USA", "USA+ABCDEFGH"), TW_EINVAL);
  assert_int_equal(tw_bus_marking_make(&m, "usa", "USA"), TW_EINVAL);
  assert_int_equal(tw_bus_marking_make(&m, "USA", ""), TW_EINVAL);
  assert_int_equal(m.n_rel, 3); /* unchanged on error */
  assert_string_equal(tw_err_name(TW_EPERM), "TW_EPERM");
  assert_string_equal(tw_strerror(TW_EPERM), "not releasable to that partner");
}

static void test_config_rejected(void **state)
{
  (void)state;
  tw_bus_config c;
  char err[256];
  const struct {
    const char *field, *value, *expect;
  } cases[] = {
    {"nation", "usa", "nation"},
    {"link", "USA-JPN", "links[0]"},          /* unsorted */
    {"link", "JPN-KOR", "not an end"},        /* not ours */
    {"address", "192.0.2.1", "address"},      /* outside 127.0.0.0/8 */
    {"address", "localhost", "address"},      /* names are refused */
    {"peer", "192.0.2.7", "peers[0]"},
    {"peer", "127.0.0.1:7400", "peers[0]"},
    {"security", "<Security/><Discovery><Peers><Peer Address=\"192.0.2.1\"/></Peers></Discovery>",
     "security_xml"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    tw_bus_config_default(&c);
    c.nation = "USA";
    c.links[c.n_links++] = "JPN-USA";
    if (strcmp(cases[i].field, "nation") == 0)
      c.nation = cases[i].value;
    else if (strcmp(cases[i].field, "link") == 0)
      c.links[0] = cases[i].value;
    else if (strcmp(cases[i].field, "address") == 0)
      c.address = cases[i].value;
    else if (strcmp(cases[i].field, "peer") == 0)
      c.peers[c.n_peers++] = cases[i].value;
    else
      c.security_xml = cases[i].value;
    err[0] = '\0';
    tw_bus *b = tw_bus_open(&c, err, sizeof err);
    if (b != NULL) {
      tw_bus_close(b);
      fail_msg("case %zu (%s = %s) was accepted", i, cases[i].field, cases[i].value);
    }
    if (strstr(err, cases[i].expect) == NULL)
      fail_msg("case %zu: \"%s\" does not name %s", i, err, cases[i].expect);
  }
}

static void fill_marking(tw_Marking *w, tw_Nation rel[], const char *originator, int n, ...)
{
  va_list ap;
  va_start(ap, n);
  memset(w, 0, sizeof *w);
  strcpy(w->originator, originator);
  for (int i = 0; i < n; i++)
    strcpy(rel[i], va_arg(ap, const char *));
  va_end(ap);
  w->releasable_to._buffer = rel;
  w->releasable_to._length = w->releasable_to._maximum = (uint32_t)n;
}

/* Hand-made samples that no honest serializer makes: each must give its reason. */
static void test_wire_checks(void **state)
{
  (void)state;
  tw__bus_view v = {.nation = "USA", .n_nations = 3, .nations = {"JPN", "KOR", "USA"},
                    .epoch_ns = EPOCH_NS};
  tw_track t;
  make_track(&t, 9);
  tw_bus_marking m;
  mark(&m, "KOR", "KOR+USA");
  tw_LocalTrack w;
  tw_Nation rel[TW_BUS_MAX_NATIONS];
  assert_int_equal(tw__bus_local_to_wire(&w, rel, &t, &m, EPOCH_NS), 0);
  assert_int_equal(tw__bus_validate(&v, TW_BUS_LOCAL_TRACK, &w), TW_BUS_REJ_NONE);

  /* the round trip keeps everything the wire carries, and P comes back symmetric */
  tw_bus_sample *s = calloc(1, sizeof *s);
  assert_non_null(s);
  tw__bus_from_wire(&v, TW_BUS_LOCAL_TRACK, &w, 0, s);
  assert_string_equal(s->u.local.originator, "KOR");
  assert_int_equal(s->u.local.track.id, 9);
  assert_memory_equal(s->u.local.track.x, t.x, sizeof t.x);
  assert_memory_equal(s->u.local.track.P, t.P, sizeof t.P);
  assert_true(s->u.local.track.t_s == 12.5 && s->u.local.track.t_avail_s == 12.75);
  assert_int_equal(s->u.local.t_ns, EPOCH_NS + INT64_C(12500000000));

  tw_LocalTrack bad;
#define EXPECT(reason, mutate)                                                                  \
  do {                                                                                          \
    bad = w;                                                                                    \
    mutate;                                                                                     \
    assert_int_equal(tw__bus_validate(&v, TW_BUS_LOCAL_TRACK, &bad), reason);                   \
  } while (0)
  EXPECT(TW_BUS_REJ_STRING, memset(bad.originator, 'K', sizeof bad.originator)); /* no NUL */
  EXPECT(TW_BUS_REJ_STRING, strcpy(bad.originator, "kor"));
  EXPECT(TW_BUS_REJ_STRING, strcpy(bad.originator, ""));
  EXPECT(TW_BUS_REJ_STRING, memset(bad.marking.originator, 'K', sizeof bad.marking.originator));
  tw_Nation rel2[TW_BUS_MAX_NATIONS];
  EXPECT(TW_BUS_REJ_STRING, (fill_marking(&bad.marking, rel2, "KOR", 2, "KOR", "US A")));
  EXPECT(TW_BUS_REJ_MARKING, (fill_marking(&bad.marking, rel2, "KOR", 2, "USA", "KOR")));
  EXPECT(TW_BUS_REJ_MARKING, (fill_marking(&bad.marking, rel2, "KOR", 3, "KOR", "KOR", "USA")));
  EXPECT(TW_BUS_REJ_MARKING, (fill_marking(&bad.marking, rel2, "KOR", 2, "AUS", "KOR")));
  EXPECT(TW_BUS_REJ_MARKING, (fill_marking(&bad.marking, rel2, "KOR", 0)));
  EXPECT(TW_BUS_REJ_MARKING, (fill_marking(&bad.marking, rel2, "JPN", 3, "JPN", "KOR", "USA")));
  EXPECT(TW_BUS_REJ_MARKING, bad.marking.releasable_to._length = 17);
  EXPECT(TW_BUS_REJ_NOT_RELEASABLE, (fill_marking(&bad.marking, rel2, "KOR", 2, "JPN", "KOR")));
  EXPECT(TW_BUS_REJ_NUMBER, bad.x[4] = NAN);
  EXPECT(TW_BUS_REJ_NUMBER, bad.p[44] = INFINITY);
  EXPECT(TW_BUS_REJ_NUMBER, bad.mu[1] = -NAN);
  EXPECT(TW_BUS_REJ_VALUE, bad.p[tw__bus_tri(3, 3)] = -1);
  EXPECT(TW_BUS_REJ_VALUE, bad.mu[0] = 1.5);
  EXPECT(TW_BUS_REJ_VALUE, bad.status = 2);
  EXPECT(TW_BUS_REJ_VALUE, bad.t_ns = INT64_MIN);
  EXPECT(TW_BUS_REJ_VALUE, bad.t_avail_ns = INT64_MAX);
#undef EXPECT

  /* alerts: the text must be clean UTF-8 without controls; id and status tokens */
  tw_bus_alert a = {.id = "USA-1", .t_ns = EPOCH_NS, .status = "warning",
                    .body = "<alert>\xe6\x97\xa5\xe6\x9c\xac</alert>\n"};
  tw_Alert wa, badalert;
  mark(&m, "USA", "KOR+USA");
  assert_int_equal(tw__bus_alert_to_wire(&wa, rel, &a, &m), 0);
  assert_int_equal(tw__bus_validate(&v, TW_BUS_ALERT, &wa), TW_BUS_REJ_NONE);
  const char *bodies[] = {"bell\a", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "cut\xe6\x97"};
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    badalert = wa;
    strcpy(badalert.body, bodies[i]);
    assert_int_equal(tw__bus_validate(&v, TW_BUS_ALERT, &badalert), TW_BUS_REJ_STRING);
  }
  badalert = wa;
  memset(badalert.body, 'x', sizeof badalert.body); /* unterminated */
  assert_int_equal(tw__bus_validate(&v, TW_BUS_ALERT, &badalert), TW_BUS_REJ_STRING);
  badalert = wa;
  strcpy(badalert.id, "USA 1");
  assert_int_equal(tw__bus_validate(&v, TW_BUS_ALERT, &badalert), TW_BUS_REJ_STRING);

  /* health: a sequence longer than its bound */
  tw_bus_health h = {.node = "USA", .t_ns = EPOCH_NS, .n_links = 1,
                     .links = {{.partner = "KOR", .latency_ms = 0.3, .last_heard_ns = EPOCH_NS}}};
  tw_Health wh;
  tw_PartnerLink pl[TW_BUS_MAX_HEALTH_LINKS];
  assert_int_equal(tw__bus_health_to_wire(&wh, rel, pl, &h, &m), 0);
  assert_int_equal(tw__bus_validate(&v, TW_BUS_HEALTH, &wh), TW_BUS_REJ_NONE);
  wh.links._length = 17;
  assert_int_equal(tw__bus_validate(&v, TW_BUS_HEALTH, &wh), TW_BUS_REJ_VALUE);
  wh.links._length = 1;
  pl[0].latency_ms = NAN;
  assert_int_equal(tw__bus_validate(&v, TW_BUS_HEALTH, &wh), TW_BUS_REJ_NUMBER);
  free(s);
}

/* ---- over DDS ---- */

static void test_three_nodes(void **state)
{
  (void)state;
  tw_bus *usa = open_node("USA", "JPN-USA", "KOR-USA");
  tw_bus *jpn = open_node("JPN", "JPN-USA", NULL);
  tw_bus *kor = open_node("KOR", "KOR-USA", NULL);
  wait_matched(kor, "KOR-USA");
  wait_matched(usa, "KOR-USA");
  wait_matched(usa, "JPN-USA");
  wait_matched(jpn, "JPN-USA");
  tw_bus_sample *s = calloc(1, sizeof *s);
  assert_non_null(s);
  tw_track t;
  tw_bus_marking m;

  /* KOR -> USA on KOR-USA, REL TO KOR+USA: USA gets it, JPN (not on the link) does not */
  make_track(&t, 17);
  mark(&m, "KOR", "KOR+USA");
  assert_int_equal(tw_bus_publish_track(kor, "KOR-USA", &t, &m), 0);
  assert_int_equal(poll_kind(usa, TW_BUS_LOCAL_TRACK, WAIT_MS, s), 1);
  assert_int_equal(s->retired, 0);
  assert_string_equal(s->link, "KOR-USA");
  assert_string_equal(s->u.local.originator, "KOR");
  assert_string_equal(s->marking.originator, "KOR");
  assert_int_equal(s->marking.n_rel, 2);
  assert_int_equal(s->u.local.track.id, 17);
  assert_memory_equal(s->u.local.track.x, t.x, sizeof t.x);
  assert_memory_equal(s->u.local.track.P, t.P, sizeof t.P);
  assert_true(s->u.local.track.t_s == 12.5);
  assert_int_equal(s->u.local.track.status, TW_TRACK_CONFIRMED);
  assert_true(s->t_recv_ns >= s->t_source_ns);
  assert_int_equal(poll_kind(jpn, TW_BUS_LOCAL_TRACK, 300, s), 0);

  /* USA -> JPN on JPN-USA, REL TO JPN+USA: JPN gets it, KOR does not */
  make_track(&t, 4);
  mark(&m, "USA", "JPN+USA");
  assert_int_equal(tw_bus_publish_track(usa, "JPN-USA", &t, &m), 0);
  assert_int_equal(poll_kind(jpn, TW_BUS_LOCAL_TRACK, WAIT_MS, s), 1);
  assert_string_equal(s->link, "JPN-USA");
  assert_string_equal(s->u.local.originator, "USA");
  assert_int_equal(s->u.local.track.id, 4);
  assert_int_equal(poll_kind(kor, TW_BUS_LOCAL_TRACK, 300, s), 0);

  /* a marking without the link's other end is withheld: TW_EPERM, nothing sent */
  tw_bus_stats st0, st1;
  tw_bus_get_stats(usa, &st0);
  mark(&m, "USA", "KOR+USA");
  assert_int_equal(tw_bus_publish_track(usa, "JPN-USA", &t, &m), TW_EPERM);
  mark(&m, "KOR", "KOR+USA"); /* a KOR track relayed to JPN: not releasable to JPN */
  assert_int_equal(tw_bus_publish_track(usa, "JPN-USA", &t, &m), TW_EPERM);
  tw_bus_get_stats(usa, &st1);
  assert_int_equal(st1.withheld - st0.withheld, 2);
  assert_int_equal(st1.published[TW_BUS_LOCAL_TRACK], st0.published[TW_BUS_LOCAL_TRACK]);
  assert_int_equal(poll_kind(jpn, TW_BUS_LOCAL_TRACK, 300, s), 0);
  assert_int_equal(poll_kind(kor, TW_BUS_LOCAL_TRACK, 300, s), 0);
  /* misuse */
  assert_int_equal(tw_bus_publish_track(usa, "JPN-KOR", &t, &m), TW_EINVAL);
  mark(&m, "USA", "AUS+JPN+USA"); /* AUS is not in the config */
  assert_int_equal(tw_bus_publish_track(usa, "JPN-USA", &t, &m), TW_EINVAL);
  mark(&m, "USA", "JPN+USA");
  t.x[0] = NAN;
  assert_int_equal(tw_bus_publish_track(usa, "JPN-USA", &t, &m), TW_EINVAL);

  /* the hub relays a KOR track released to all three to JPN, keeping the KOR key */
  make_track(&t, 17);
  mark(&m, "KOR", "JPN+KOR+USA");
  assert_int_equal(tw_bus_publish_track(usa, "JPN-USA", &t, &m), 0);
  assert_int_equal(poll_kind(jpn, TW_BUS_LOCAL_TRACK, WAIT_MS, s), 1);
  assert_string_equal(s->u.local.originator, "KOR");
  assert_int_equal(s->marking.n_rel, 3);

  /* the other kinds, USA -> JPN */
  mark(&m, "USA", "JPN+USA");
  tw_bus_system_track sys = {.node = "USA", .gtn = 1001, .t_ns = EPOCH_NS + 5, .n_sources = 2,
                             .sources = {{"KOR", 17}, {"USA", 4}}};
  memcpy(sys.x, t.x, sizeof sys.x);
  memcpy(sys.P, t.P, sizeof sys.P);
  assert_int_equal(tw_bus_publish_system_track(usa, "JPN-USA", &sys, &m), 0);
  assert_int_equal(poll_kind(jpn, TW_BUS_SYSTEM_TRACK, WAIT_MS, s), 1);
  assert_int_equal(s->u.system.gtn, 1001);
  assert_int_equal(s->u.system.n_sources, 2);
  assert_string_equal(s->u.system.sources[0].originator, "KOR");
  assert_memory_equal(s->u.system.P, sys.P, sizeof sys.P);

  tw_bus_prediction pr = {.node = "USA", .gtn = 1001, .t_ns = EPOCH_NS + 5, .has_impact = 1};
  pr.impact.lat_rad = 0.7;
  pr.impact.lon_rad = 2.4;
  pr.impact.semi_major_m[0] = 3000, pr.impact.semi_major_m[1] = 6000;
  pr.impact.semi_minor_m[0] = 1000, pr.impact.semi_minor_m[1] = 2000;
  pr.impact.orientation_rad = 1.0;
  pr.impact.t_s = 600.5;
  pr.impact.sigma_t_s = 4;
  assert_int_equal(tw_bus_publish_prediction(usa, "JPN-USA", &pr, &m), 0);
  assert_int_equal(poll_kind(jpn, TW_BUS_PREDICTION, WAIT_MS, s), 1);
  assert_true(s->u.prediction.has_impact && !s->u.prediction.has_launch);
  assert_true(fabs(s->u.prediction.impact.lat_rad - 0.7) < 1e-15);
  assert_true(fabs(s->u.prediction.impact.orientation_rad - 1.0) < 1e-15);
  assert_true(s->u.prediction.impact.t_s == 600.5);

  tw_bus_health h = {.node = "USA", .t_ns = tw_time_now(), .n_links = 2,
                     .links = {{"JPN", 0.2, EPOCH_NS}, {"KOR", -1, 0}}};
  assert_int_equal(tw_bus_publish_health(usa, "JPN-USA", &h, &m), 0);
  assert_int_equal(poll_kind(jpn, TW_BUS_HEALTH, WAIT_MS, s), 1);
  assert_int_equal(s->u.health.n_links, 2);
  assert_string_equal(s->u.health.links[1].partner, "KOR");
  assert_true(s->t_recv_ns >= s->u.health.t_ns); /* the latency the daemon will compute */

  /* a track dropped by KOR's tracker is retired: USA is told, with the key */
  mark(&m, "KOR", "KOR+USA");
  assert_int_equal(tw_bus_retire(kor, TW_BUS_LOCAL_TRACK, "KOR-USA", &m, 17, NULL), 0);
  assert_int_equal(poll_kind(usa, TW_BUS_LOCAL_TRACK, WAIT_MS, s), 1);
  assert_int_equal(s->retired, 1);
  assert_string_equal(s->u.local.originator, "KOR");
  assert_int_equal(s->u.local.track.id, 17);
  assert_int_equal(tw_bus_retire(kor, TW_BUS_LOCAL_TRACK, "KOR-USA", &m, 99, NULL), TW_ENOENT);

  tw_bus_stats st;
  tw_bus_get_stats(usa, &st);
  for (int r = 0; r < TW_BUS_REJ_N; r++)
    assert_int_equal(st.rejected[r], 0);
  free(s);
  tw_bus_close(kor);
  tw_bus_close(jpn);
  tw_bus_close(usa);
}

static void test_alert_late_joiner(void **state)
{
  (void)state;
  tw_bus *usa = open_node("USA", "JPN-USA", "KOR-USA");
  tw_bus_marking m;
  mark(&m, "USA", "JPN+KOR+USA");
  tw_bus_alert a = {.id = "USA-20260921-1", .t_ns = EPOCH_NS, .status = "warning",
                    .body = "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"/>"};
  assert_int_equal(tw_bus_publish_alert(usa, "KOR-USA", &a, &m), 0);
  strcpy(a.id, "USA-20260921-2");
  assert_int_equal(tw_bus_publish_alert(usa, "KOR-USA", &a, &m), 0);

  /* KOR joins after both were published and still gets both */
  tw_bus *kor = open_node("KOR", "KOR-USA", NULL);
  tw_bus_sample *s = calloc(2, sizeof *s);
  assert_non_null(s);
  int got = 0;
  while (got < 2 && poll_kind(kor, TW_BUS_ALERT, WAIT_MS, &s[got]) == 1)
    got++;
  assert_int_equal(got, 2);
  assert_string_equal(s[0].u.alert.status, "warning");
  assert_string_equal(s[0].u.alert.body, a.body);
  assert_true(strcmp(s[0].u.alert.id, s[1].u.alert.id) != 0);
  assert_int_equal(s[0].marking.n_rel, 3);

  /* retiring the first: KOR is told; a node joining now gets only the second as active (and
   * perhaps the retirement of the first, if KOR had not yet acknowledged it) */
  assert_int_equal(tw_bus_retire(usa, TW_BUS_ALERT, "KOR-USA", &m, 0, "USA-20260921-1"), 0);
  assert_int_equal(poll_kind(kor, TW_BUS_ALERT, WAIT_MS, s), 1);
  assert_int_equal(s->retired, 1);
  assert_string_equal(s->u.alert.id, "USA-20260921-1");
  tw_bus *kor2 = open_node("KOR", "KOR-USA", NULL);
  int active = 0;
  while (poll_kind(kor2, TW_BUS_ALERT, active ? 500 : WAIT_MS, s) == 1) {
    if (s->retired) {
      assert_string_equal(s->u.alert.id, "USA-20260921-1");
    } else {
      assert_string_equal(s->u.alert.id, "USA-20260921-2");
      active++;
    }
  }
  assert_int_equal(active, 1);
  free(s);
  tw_bus_close(kor2);
  tw_bus_close(kor);
  tw_bus_close(usa);
}

/* A participant that is not a tw_bus writes whatever it likes into partitions USA reads. */
typedef struct hostile {
  dds_entity_t domain, participant, topic_track, topic_alert;
} hostile;

static void hostile_open(hostile *h)
{
  char xml[1024];
  snprintf(xml, sizeof xml,
           "<CycloneDDS><Domain id=\"any\"><General><Interfaces><NetworkInterface "
           "address=\"127.0.0.1\"/></Interfaces><AllowMulticast>false</AllowMulticast></General>"
           "<Discovery><ExternalDomainId>%u</ExternalDomainId><ParticipantIndex>auto"
           "</ParticipantIndex><MaxAutoParticipantIndex>20</MaxAutoParticipantIndex><Peers>"
           "<Peer Address=\"127.0.0.1\"/></Peers></Discovery></Domain></CycloneDDS>",
           (unsigned)g_domain);
  h->domain = dds_create_domain(2000000, xml);
  assert_true(h->domain > 0);
  h->participant = dds_create_participant(2000000, NULL, NULL);
  assert_true(h->participant > 0);
  h->topic_track = dds_create_topic(h->participant, &tw_LocalTrack_desc, "tw_local_track", NULL,
                                    NULL);
  h->topic_alert = dds_create_topic(h->participant, &tw_Alert_desc, "tw_alert", NULL, NULL);
  assert_true(h->topic_track > 0 && h->topic_alert > 0);
}

/* A writer in n partitions, once a reader has matched it. */
static dds_entity_t hostile_writer(hostile *h, dds_entity_t topic, int n, const char **parts,
                                   int alert)
{
  dds_qos_t *q = dds_create_qos();
  dds_qset_partition(q, (uint32_t)n, parts);
  dds_entity_t pub = dds_create_publisher(h->participant, q, NULL);
  dds_delete_qos(q);
  q = dds_create_qos();
  dds_qset_reliability(q, DDS_RELIABILITY_RELIABLE, DDS_SECS(1));
  if (alert) {
    dds_qset_durability(q, DDS_DURABILITY_TRANSIENT_LOCAL);
    dds_qset_history(q, DDS_HISTORY_KEEP_ALL, 0);
  }
  dds_entity_t w = dds_create_writer(pub, topic, q, NULL);
  dds_delete_qos(q);
  assert_true(w > 0);
  dds_publication_matched_status_t st = {0};
  for (int ms = 0; ms < WAIT_MS && st.current_count == 0; ms += 10) {
    dds_get_publication_matched_status(w, &st);
    if (st.current_count == 0)
      dds_sleepfor(DDS_MSECS(10));
  }
  assert_true(st.current_count > 0);
  return w;
}

static void test_hostile_samples(void **state)
{
  (void)state;
  tw_bus *usa = open_node("USA", "JPN-USA", "KOR-USA");
  hostile h;
  hostile_open(&h);
  const char *p_ku[] = {"KOR-USA/KOR+USA"};
  const char *p_jku[] = {"KOR-USA/JPN+KOR+USA"};
  const char *p_two[] = {"KOR-USA/KOR+USA", "KOR-USA/JPN+KOR+USA"};
  dds_entity_t w_ku = hostile_writer(&h, h.topic_track, 1, p_ku, 0);
  dds_entity_t w_jku = hostile_writer(&h, h.topic_track, 1, p_jku, 0);
  dds_entity_t w_two = hostile_writer(&h, h.topic_track, 2, p_two, 0);
  dds_entity_t w_alert = hostile_writer(&h, h.topic_alert, 1, p_ku, 1);

  tw_track t;
  make_track(&t, 1);
  tw_bus_marking m;
  mark(&m, "KOR", "KOR+USA");
  tw_LocalTrack good, bad;
  tw_Nation rel[TW_BUS_MAX_NATIONS], rel2[TW_BUS_MAX_NATIONS];
  assert_int_equal(tw__bus_local_to_wire(&good, rel, &t, &m, EPOCH_NS), 0);

  uint64_t want[TW_BUS_REJ_N] = {0};
  uint32_t id = 100;
#define SEND(writer, reason, mutate)                                                            \
  do {                                                                                          \
    bad = good;                                                                                 \
    bad.track_id = id++;                                                                        \
    mutate;                                                                                     \
    assert_int_equal(dds_write(writer, &bad), 0);                                               \
    want[reason]++;                                                                             \
  } while (0)
  SEND(w_ku, TW_BUS_REJ_NUMBER, bad.x[0] = NAN);
  SEND(w_ku, TW_BUS_REJ_NUMBER, bad.p[3] = -INFINITY);
  SEND(w_ku, TW_BUS_REJ_VALUE, bad.mu[2] = 2);
  SEND(w_ku, TW_BUS_REJ_VALUE, bad.status = 7);
  SEND(w_ku, TW_BUS_REJ_VALUE, bad.t_ns = -5);
  SEND(w_ku, TW_BUS_REJ_STRING,
       (strcpy(bad.originator, "kor"), strcpy(bad.marking.originator, "kor")));
  SEND(w_ku, TW_BUS_REJ_MARKING, (fill_marking(&bad.marking, rel2, "KOR", 2, "USA", "KOR")));
  SEND(w_ku, TW_BUS_REJ_MARKING, (fill_marking(&bad.marking, rel2, "KOR", 3, "KOR", "USA", "ZZZ")));
  SEND(w_ku, TW_BUS_REJ_MARKING, strcpy(bad.originator, "JPN")); /* key differs from marking */
  /* claims more than its partition: a relay would widen it to JPN */
  SEND(w_ku, TW_BUS_REJ_PARTITION,
       (fill_marking(&bad.marking, rel2, "KOR", 3, "JPN", "KOR", "USA")));
  /* claims less than its partition */
  SEND(w_jku, TW_BUS_REJ_PARTITION, (void)0);
  /* a writer in two partitions at once */
  SEND(w_two, TW_BUS_REJ_PARTITION, (void)0);
  SEND(w_ku, TW_BUS_REJ_NOT_RELEASABLE, (fill_marking(&bad.marking, rel2, "KOR", 2, "JPN", "KOR")));
#undef SEND
  tw_Alert al;
  tw_bus_alert a = {.id = "KOR-1", .t_ns = EPOCH_NS, .status = "warning", .body = "x"};
  assert_int_equal(tw__bus_alert_to_wire(&al, rel, &a, &m), 0);
  strcpy(al.body, "<alert>\x1b[2J</alert>"); /* a terminal escape */
  assert_int_equal(dds_write(w_alert, &al), 0);
  want[TW_BUS_REJ_STRING]++;
  /* and one honest sample from the same participant, to show the path works */
  good.track_id = 42;
  assert_int_equal(dds_write(w_ku, &good), 0);

  uint64_t n_want = 0;
  for (int r = 0; r < TW_BUS_REJ_N; r++)
    n_want += want[r];
  tw_bus_sample *s = calloc(8, sizeof *s);
  assert_non_null(s);
  int delivered = 0;
  tw_bus_stats st;
  dds_time_t end = dds_time() + DDS_MSECS(WAIT_MS);
  for (;;) {
    int n = tw_bus_poll(usa, 100, s, 8);
    assert_true(n >= 0);
    for (int i = 0; i < n; i++) {
      assert_int_equal(s[i].kind, TW_BUS_LOCAL_TRACK);
      assert_int_equal(s[i].u.local.track.id, 42);
      delivered++;
    }
    tw_bus_get_stats(usa, &st);
    uint64_t n_got = 0;
    for (int r = 0; r < TW_BUS_REJ_N; r++)
      n_got += st.rejected[r];
    if ((n_got >= n_want && delivered == 1) || dds_time() > end)
      break;
  }
  assert_int_equal(delivered, 1);
  for (int r = 0; r < TW_BUS_REJ_N; r++)
    if (st.rejected[r] != want[r])
      fail_msg("reason %s: %llu rejected, %llu expected", tw_bus_reject_name(r),
               (unsigned long long)st.rejected[r], (unsigned long long)want[r]);
  free(s);
  dds_delete(h.domain);
  tw_bus_close(usa);
}

/* ---- with DDS Security, one node per process ---- */

#define PLUGIN_DIR "/usr/lib/x86_64-linux-gnu/libddsc0debian"

static tw_bus *open_secured(const char *nation, const char *link, const char *pki_dir,
                            uint32_t domain, char *err, size_t n)
{
  static char xml[8192];
  if (tw_pki_security_xml_libdir(xml, sizeof xml, pki_dir, nation, PLUGIN_DIR) < 0) {
    snprintf(err, n, "no security xml for %s in %s", nation, pki_dir);
    return NULL;
  }
  tw_bus_config c;
  tw_bus_config_default(&c);
  c.nation = nation;
  c.domain_id = domain;
  c.links[c.n_links++] = link;
  c.nations[c.n_nations++] = "KOR";
  c.security_xml = xml;
  c.epoch_ns = EPOCH_NS;
  return tw_bus_open(&c, err, n);
}

/* The JPN process: exit 0 once USA's track 77 arrives, 2 if it does not within 10 s. */
static int secured_jpn(const char *pki_dir, uint32_t domain)
{
  char err[512];
  tw_bus *b = open_secured("JPN", "JPN-USA", pki_dir, domain, err, sizeof err);
  if (b == NULL) {
    fprintf(stderr, "secured JPN: %s\n", err);
    return 1;
  }
  tw_bus_sample *s = malloc(sizeof *s);
  int rc = 2;
  dds_time_t end = dds_time() + DDS_SECS(10);
  while (s != NULL && rc == 2 && dds_time() < end)
    if (tw_bus_poll(b, 100, s, 1) == 1 && s->kind == TW_BUS_LOCAL_TRACK &&
        s->u.local.track.id == 77 && strcmp(s->u.local.originator, "USA") == 0)
      rc = 0;
  free(s);
  tw_bus_close(b);
  return rc;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

static void test_secured_pair(void **state)
{
  (void)state;
  if (access(PLUGIN_DIR "/libdds_security_ac.so", R_OK) != 0)
    skip();
  char dir[] = "/tmp/tw_test_bus_pki_XXXXXX";
  assert_non_null(mkdtemp(dir));
  char pki[sizeof dir + 8], err[512], why[600] = "";
  snprintf(pki, sizeof pki, "%s/pki", dir);
  uint32_t domain = g_domain + 1;
  const char *partners[] = {"USA", "JPN", "KOR"}, *links[] = {"JPN-USA", "KOR-USA"};
  tw_pki_opts o;
  tw_pki_opts_init(&o);
  o.partners = partners, o.n_partners = 3;
  o.links = links, o.n_links = 2;
  o.domain_id = (int)domain;
  o.out_dir = pki;
  pid_t child = -1;
  int status = -1;
  tw_bus *usa = NULL;
  if (tw_pki_init(&o, err, sizeof err) != 0) {
    snprintf(why, sizeof why, "tw_pki_init: %s", err);
    goto done;
  }
  char dom[16];
  snprintf(dom, sizeof dom, "%u", (unsigned)domain);
  child = fork();
  if (child == 0) {
    execl("/proc/self/exe", "test_bus", "--secured-jpn", pki, dom, (char *)NULL);
    _exit(127);
  }
  usa = open_secured("USA", "JPN-USA", pki, domain, err, sizeof err);
  if (usa == NULL) {
    snprintf(why, sizeof why, "secured USA: %s", err);
    goto done;
  }
  /* a second secured bus for the same domain in one process is refused, saying why */
  tw_bus *again = open_secured("USA", "JPN-USA", pki, domain, err, sizeof err);
  if (again != NULL || strstr(err, "one secured bus per domain") == NULL) {
    tw_bus_close(again);
    snprintf(why, sizeof why, "second secured bus: \"%s\"", err);
    goto done;
  }
  tw_track t;
  make_track(&t, 77);
  tw_bus_marking m;
  mark(&m, "USA", "JPN+USA");
  for (int ms = 0; ms < 12000; ms += 100) {
    if (tw_bus_link_matched(usa, "JPN-USA") > 0 &&
        tw_bus_publish_track(usa, "JPN-USA", &t, &m) != 0) {
      snprintf(why, sizeof why, "secured USA could not publish");
      break;
    }
    if (waitpid(child, &status, WNOHANG) == child)
      break;
    dds_sleepfor(DDS_MSECS(100));
  }
done:
  if (child > 0 && status == -1) {
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
  }
  tw_bus_close(usa);
  nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  if (why[0] != '\0')
    fail_msg("%s", why);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
}

int main(int argc, char **argv)
{
  if (argc == 4 && strcmp(argv[1], "--secured-jpn") == 0)
    return secured_jpn(argv[2], (uint32_t)strtoul(argv[3], NULL, 10));
  g_domain = 100 + (uint32_t)getpid() % 120;
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_marking),
    cmocka_unit_test(test_config_rejected),
    cmocka_unit_test(test_wire_checks),
    cmocka_unit_test(test_three_nodes),
    cmocka_unit_test(test_alert_late_joiner),
    cmocka_unit_test(test_hostile_samples),
    cmocka_unit_test(test_secured_pair),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
