/* test_cap.c - CAP 1.2 alerts: what we write validates against the OASIS schema and reads back;
 * the google/cap-library corpus (../shared/vectors/cap) reads or is refused with a clear error;
 * the XXE sample leaks nothing; CAP times are strict. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include "triwatch/cap.h"
#include "triwatch/error.h"
#include "triwatch/time.h"

static const char *vectors_dir(void)
{
  const char *env = getenv("TW_SHARED_VECTORS");
  return env && *env ? env : TW_SHARED_VECTORS;
}

/* The whole file at vectors/cap/<name>, malloc'd and NUL-terminated; NULL if absent. */
static char *slurp(const char *name, size_t *len)
{
  char path[1024];
  snprintf(path, sizeof path, "%s/cap/%s", vectors_dir(), name);
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  char *buf = NULL;
  long n;
  if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
      (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
    buf[n] = '\0';
    *len = (size_t)n;
  } else {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  return buf;
}

static void skip_without_vectors(void)
{
  char path[1024];
  snprintf(path, sizeof path, "%s/cap/cap12.xsd", vectors_dir());
  FILE *f = fopen(path, "rb");
  if (!f) {
    print_message("no %s: skipped\n", path);
    skip();
  }
  fclose(f);
}

static void quiet(void *ctx, const char *msg, ...)
{
  (void)ctx, (void)msg;
}

/* 0 if the document validates against cap12.xsd, else nonzero (network and entities off). */
static int xsd_validate(const char *xml, size_t len)
{
  char path[1024];
  snprintf(path, sizeof path, "%s/cap/cap12.xsd", vectors_dir());
  xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(path);
  assert_non_null(pc);
  xmlSchemaSetParserErrors(pc, quiet, quiet, NULL);
  xmlSchemaPtr schema = xmlSchemaParse(pc);
  assert_non_null(schema);
  xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema);
  assert_non_null(vc);
  xmlSchemaSetValidErrors(vc, quiet, quiet, NULL);
  xmlDocPtr doc = xmlReadMemory(xml, (int)len, "cap.xml", NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  int rc = doc ? xmlSchemaValidateDoc(vc, doc) : -1;
  xmlFreeDoc(doc);
  xmlSchemaFreeValidCtxt(vc);
  xmlSchemaFree(schema);
  xmlSchemaFreeParserCtxt(pc);
  return rc;
}

/* ---- our alerts ----------------------------------------------------------------------------- */

static double aomori_lat[] = {41.55, 40.22, 40.45, 41.25, 41.55};
static double aomori_lon[] = {139.85, 140.65, 141.75, 141.55, 139.85};
static tw_cap_polygon aomori_poly = {aomori_lat, aomori_lon, 5};
static tw_cap_geocode aomori_geo[] = {{"ISO3166-2", "JP-02"}};
static double sea_lat[] = {40.0, 40.0, 41.5, 40.0};
static double sea_lon[] = {142.0, 144.0, 143.0, 142.0};
static tw_cap_polygon sea_poly = {sea_lat, sea_lon, 4};
static tw_cap_geocode hokkaido_geo[] = {{"ISO3166-2", "JP-01"}, {"ISO3166-2", "JP-02"}};
static tw_cap_area areas[] = {
    {"Aomori Prefecture", &aomori_poly, 1, aomori_geo, 1},
    {"Hokkaido & Aomori <sea> \"east\"", &sea_poly, 1, hokkaido_geo, 2},
};
static tw_cap_ref refs[2];

static tw_time_ns t_of(const char *s)
{
  tw_time_ns t = 0;
  assert_int_equal(tw_time_parse(&t, s), 0);
  return t;
}

static tw_cap_alert make_alert(tw_cap_msg_type type)
{
  tw_cap_alert a;
  memset(&a, 0, sizeof a);
  a.identifier = type == TW_CAP_ALERT ? "JP-TW-2026-0001" : type == TW_CAP_UPDATE
                                                              ? "JP-TW-2026-0002"
                                                              : "JP-TW-2026-0003";
  a.sender = "triwatch@jp.example";
  a.sent = t_of("2026-11-28T09:30:00+09:00") + (int64_t)type * 60 * TW_NS_PER_S;
  a.sent_offset_min = 540;
  a.status = TW_CAP_EXERCISE;
  a.msg_type = type;
  a.scope = TW_CAP_PUBLIC;
  refs[0] = (tw_cap_ref){"triwatch@jp.example", "JP-TW-2026-0001",
                         t_of("2026-11-28T09:30:00+09:00"), 540};
  refs[1] = (tw_cap_ref){"triwatch@jp.example", "JP-TW-2026-0002",
                         t_of("2026-11-28T09:31:00+09:00"), 540};
  if (type != TW_CAP_ALERT) {
    a.refs = refs;
    a.n_refs = type == TW_CAP_UPDATE ? 1 : 2;
  }
  a.has_info = 1;
  a.info.categories = TW_CAP_CAT_SAFETY | TW_CAP_CAT_SECURITY;
  a.info.event = "Ballistic missile launch";
  a.info.urgency = TW_CAP_URG_IMMEDIATE;
  a.info.severity = TW_CAP_SEV_EXTREME;
  a.info.certainty = type == TW_CAP_ALERT ? TW_CAP_CERT_LIKELY : TW_CAP_CERT_OBSERVED;
  a.info.headline = type == TW_CAP_CANCEL ? "Missile passed" : "Missile launch - take cover";
  a.info.description = "A ballistic missile was launched at 09:28 JST. Fragments & debris <may> fall.";
  a.info.instruction = type == TW_CAP_CANCEL ? NULL : "Take shelter in a sturdy building.";
  a.info.areas = areas;
  a.info.n_areas = type == TW_CAP_CANCEL ? 1 : 2;
  return a;
}

static void write_ok(const tw_cap_alert *a, char **xml, size_t *len)
{
  assert_int_equal(tw_cap_write(xml, len, a), 0);
  assert_non_null(*xml);
  assert_int_equal(strlen(*xml), *len);
}

static void test_write_validates(void **state)
{
  (void)state;
  skip_without_vectors();
  tw_cap_msg_type types[] = {TW_CAP_ALERT, TW_CAP_UPDATE, TW_CAP_CANCEL};
  for (size_t i = 0; i < 3; i++) {
    tw_cap_alert a = make_alert(types[i]);
    char *xml;
    size_t len;
    write_ok(&a, &xml, &len);
    if (xsd_validate(xml, len) != 0)
      fail_msg("alert %zu does not validate:\n%s", i, xml);
    assert_non_null(strstr(xml, "xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\""));
    free(xml);
  }
  /* no info block at all, and a Test status */
  tw_cap_alert a = make_alert(TW_CAP_CANCEL);
  a.has_info = 0;
  a.status = TW_CAP_TEST;
  char *xml;
  size_t len;
  write_ok(&a, &xml, &len);
  assert_int_equal(xsd_validate(xml, len), 0);
  free(xml);
}

static void test_write_format(void **state)
{
  (void)state;
  tw_cap_alert a = make_alert(TW_CAP_UPDATE);
  char *xml;
  size_t len;
  write_ok(&a, &xml, &len);
  assert_non_null(strstr(xml, "<sent>2026-11-28T09:31:00+09:00</sent>"));
  assert_non_null(
      strstr(xml, "<references>triwatch@jp.example,JP-TW-2026-0001,2026-11-28T09:30:00+09:00"
                  "</references>"));
  assert_non_null(strstr(xml, "<polygon>41.55,139.85 40.22,140.65 40.45,141.75 41.25,141.55 "
                              "41.55,139.85</polygon>"));
  assert_non_null(strstr(xml, "<valueName>ISO3166-2</valueName>"));
  assert_non_null(strstr(xml, "<value>JP-02</value>"));
  assert_non_null(strstr(xml, "Fragments &amp; debris &lt;may&gt; fall."));
  assert_null(strstr(xml, "Z<"));
  free(xml);

  /* a negative offset and UTC: "-05:00", "+00:00", never "Z" */
  a.sent_offset_min = -300;
  write_ok(&a, &xml, &len);
  assert_non_null(strstr(xml, "<sent>2026-11-27T19:31:00-05:00</sent>"));
  free(xml);
  a.sent_offset_min = 0;
  write_ok(&a, &xml, &len);
  assert_non_null(strstr(xml, "<sent>2026-11-28T00:31:00+00:00</sent>"));
  free(xml);
}

static void test_write_rejects(void **state)
{
  (void)state;
  char *xml = (char *)"untouched";
  size_t len = 7;
  tw_cap_alert a = make_alert(TW_CAP_UPDATE);
  a.n_refs = 0; /* an update must reference what it updates */
  assert_int_equal(tw_cap_write(&xml, &len, &a), TW_EINVAL);
  a = make_alert(TW_CAP_ALERT);
  a.identifier = "has space";
  assert_int_equal(tw_cap_write(&xml, &len, &a), TW_EINVAL);
  a = make_alert(TW_CAP_ALERT);
  a.sender = "a,b";
  assert_int_equal(tw_cap_write(&xml, &len, &a), TW_EINVAL);
  a = make_alert(TW_CAP_ALERT);
  a.sent_offset_min = 1440;
  assert_int_equal(tw_cap_write(&xml, &len, &a), TW_EINVAL);
  a = make_alert(TW_CAP_ALERT);
  a.info.categories = 0;
  assert_int_equal(tw_cap_write(&xml, &len, &a), TW_EINVAL);
  a = make_alert(TW_CAP_ALERT);
  a.scope = TW_CAP_PRIVATE; /* would need <addresses> */
  assert_int_equal(tw_cap_write(&xml, &len, &a), TW_EINVAL);
  double lat[] = {40, 41, 41, 40}, lon[] = {140, 140, 141, 141}; /* not closed */
  tw_cap_polygon open = {lat, lon, 4};
  tw_cap_area area = {"open", &open, 1, NULL, 0};
  a = make_alert(TW_CAP_ALERT);
  a.info.areas = &area;
  a.info.n_areas = 1;
  assert_int_equal(tw_cap_write(&xml, &len, &a), TW_EINVAL);
  assert_int_equal(tw_cap_write(NULL, &len, &a), TW_EINVAL);
  assert_int_equal(tw_cap_write(&xml, &len, NULL), TW_EINVAL);
  assert_string_equal(xml, "untouched");
  assert_int_equal(len, 7);
}

static void expect_same(const tw_cap_alert *w, const tw_cap_alert *r)
{
  assert_string_equal(r->identifier, w->identifier);
  assert_string_equal(r->sender, w->sender);
  assert_true(r->sent == w->sent);
  assert_int_equal(r->sent_offset_min, w->sent_offset_min);
  assert_int_equal(r->status, w->status);
  assert_int_equal(r->msg_type, w->msg_type);
  assert_int_equal(r->scope, w->scope);
  assert_int_equal(r->n_refs, w->n_refs);
  for (size_t i = 0; i < w->n_refs; i++) {
    assert_string_equal(r->refs[i].sender, w->refs[i].sender);
    assert_string_equal(r->refs[i].identifier, w->refs[i].identifier);
    assert_true(r->refs[i].sent == w->refs[i].sent);
    assert_int_equal(r->refs[i].sent_offset_min, w->refs[i].sent_offset_min);
  }
  assert_int_equal(r->has_info, w->has_info);
  assert_int_equal(r->info.categories, w->info.categories);
  assert_string_equal(r->info.event, w->info.event);
  assert_int_equal(r->info.urgency, w->info.urgency);
  assert_int_equal(r->info.severity, w->info.severity);
  assert_int_equal(r->info.certainty, w->info.certainty);
  assert_string_equal(r->info.headline, w->info.headline);
  assert_string_equal(r->info.description, w->info.description);
  if (w->info.instruction)
    assert_string_equal(r->info.instruction, w->info.instruction);
  else
    assert_null(r->info.instruction);
  assert_int_equal(r->info.n_areas, w->info.n_areas);
  for (size_t i = 0; i < w->info.n_areas; i++) {
    const tw_cap_area *wa = &w->info.areas[i], *ra = &r->info.areas[i];
    assert_string_equal(ra->area_desc, wa->area_desc);
    assert_int_equal(ra->n_polygons, wa->n_polygons);
    for (size_t k = 0; k < wa->n_polygons; k++) {
      assert_int_equal(ra->polygons[k].n, wa->polygons[k].n);
      for (size_t j = 0; j < wa->polygons[k].n; j++) {
        assert_true(ra->polygons[k].lat_deg[j] == wa->polygons[k].lat_deg[j]);
        assert_true(ra->polygons[k].lon_deg[j] == wa->polygons[k].lon_deg[j]);
      }
    }
    assert_int_equal(ra->n_geocodes, wa->n_geocodes);
    for (size_t k = 0; k < wa->n_geocodes; k++) {
      assert_string_equal(ra->geocodes[k].value_name, wa->geocodes[k].value_name);
      assert_string_equal(ra->geocodes[k].value, wa->geocodes[k].value);
    }
  }
}

static void test_round_trip(void **state)
{
  (void)state;
  tw_cap_msg_type types[] = {TW_CAP_ALERT, TW_CAP_UPDATE, TW_CAP_CANCEL};
  for (size_t i = 0; i < 3; i++) {
    tw_cap_alert w = make_alert(types[i]), r;
    char *xml, err[256];
    size_t len;
    write_ok(&w, &xml, &len);
    int rc = tw_cap_read(&r, xml, len, err, sizeof err);
    if (rc != 0)
      fail_msg("read back alert %zu: %s\n%s", i, err, xml);
    expect_same(&w, &r);
    tw_cap_free(&r);
    assert_null(r.identifier);
    free(xml);
  }
}

/* Every prefix of a written alert either reads or fails cleanly (no crash, no leak). */
static void test_truncated(void **state)
{
  (void)state;
  tw_cap_alert w = make_alert(TW_CAP_UPDATE), r;
  char *xml, err[256];
  size_t len;
  write_ok(&w, &xml, &len);
  const char *end = strstr(xml, "</alert>");
  assert_non_null(end);
  size_t whole = (size_t)(end - xml) + strlen("</alert>");
  for (size_t n = 0; n < whole; n++) {
    memset(&r, 0xA5, sizeof r);
    int rc = tw_cap_read(&r, xml, n, err, sizeof err);
    assert_int_equal(rc, TW_EPARSE); /* the closing tag is missing until the end */
    assert_true(strlen(err) > 0);
    assert_true(r.sent_offset_min == (int)0xA5A5A5A5); /* unchanged */
  }
  assert_int_equal(tw_cap_read(&r, xml, whole, err, sizeof err), 0);
  tw_cap_free(&r);
  free(xml);
}

/* ---- the corpus ----------------------------------------------------------------------------- */

/* Valid alerts. The CAP 1.1 ones (namespace ...:cap:1.1) are valid CAP but not against the 1.2
 * schema, which xsd says: checked both ways below. */
static const struct {
  const char *name;
  int cap12;   /* validates against cap12.xsd */
  int has_info; /* no_optional_fields.cap has no <info> */
} good[] = {
    {"australia.cap", 1, 1},      {"canada.cap", 1, 1},         {"canada_signed.cap", 1, 1},
    {"wcatwc-warning.cap", 1, 1}, {"earthquake-iso8859-1.cap", 1, 1},
    {"earthquake.cap", 0, 1},     {"earthquake_signed.cap", 0, 1}, {"weather.cap", 0, 1},
    {"no_optional_fields.cap", 0, 0},
};

static void test_corpus_valid(void **state)
{
  (void)state;
  skip_without_vectors();
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    size_t len;
    char *xml = slurp(good[i].name, &len), err[256];
    assert_non_null(xml);
    assert_int_equal(xsd_validate(xml, len) == 0, good[i].cap12);
    tw_cap_alert a;
    int rc = tw_cap_read(&a, xml, len, err, sizeof err);
    if (rc != 0)
      fail_msg("%s: %s", good[i].name, err);
    assert_non_null(a.identifier);
    assert_non_null(a.sender);
    assert_int_equal(a.has_info, good[i].has_info);
    if (a.has_info)
      assert_non_null(a.info.event);
    tw_cap_free(&a);
    free(xml);
  }
  /* a few values from australia.cap and canada.cap (an Update with two references) */
  size_t len;
  char *xml = slurp("canada.cap", &len), err[256];
  tw_cap_alert a;
  assert_int_equal(tw_cap_read(&a, xml, len, err, sizeof err), 0);
  assert_int_equal(a.msg_type, TW_CAP_UPDATE);
  assert_true(a.n_refs >= 1);
  assert_string_equal(a.refs[0].sender, "cap@ec.gc.ca");
  assert_true(a.refs[0].sent == t_of("2012-05-02T21:45:05-00:00"));
  assert_true(a.n_info_skipped >= 1); /* the French block */
  tw_cap_free(&a);
  free(xml);
}

/* Invalid: invalid.cap misses <scope> (the schema says so too); noaa_errors.cap and
 * canada_errors.cap have empty <references> (an empty string passes the schema, CAP's rule on
 * references does not), and noaa_errors.cap has empty <urgency> etc. */
static void test_corpus_invalid(void **state)
{
  (void)state;
  skip_without_vectors();
  static const struct {
    const char *name, *needle;
    int xsd_rejects;
  } bad[] = {
      {"invalid.cap", "<alert>: missing <scope>", 1},
      {"noaa_errors.cap", "<references>: empty", 1},
      {"canada_errors.cap", "<references>: empty", 0},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    size_t len;
    char *xml = slurp(bad[i].name, &len), err[256];
    assert_non_null(xml);
    assert_int_equal(xsd_validate(xml, len) != 0, bad[i].xsd_rejects);
    tw_cap_alert a;
    memset(&a, 0, sizeof a);
    assert_int_equal(tw_cap_read(&a, xml, len, err, sizeof err), TW_EPARSE);
    if (!strstr(err, bad[i].needle))
      fail_msg("%s: error '%s' lacks '%s'", bad[i].name, err, bad[i].needle);
    assert_null(a.identifier);
    free(xml);
  }
}

static int contains(const char *s, const char *needle)
{
  return s && strstr(s, needle);
}

static void test_xee(void **state)
{
  (void)state;
  skip_without_vectors();
  size_t len;
  char *xml = slurp("xee.cap", &len), err[256];
  assert_non_null(xml);
  tw_cap_alert a;
  memset(&a, 0, sizeof a);
  int rc = tw_cap_read(&a, xml, len, err, sizeof err);
  if (rc == 0) {
    /* were it accepted, no field may carry a resolved entity */
    assert_false(contains(a.info.headline, "root:") || contains(a.info.description, "root:"));
    tw_cap_free(&a);
  }
  assert_int_equal(rc, TW_EPARSE);
  assert_non_null(strstr(err, "DOCTYPE"));

  /* a local file entity, which a careless parser would inline */
  static const char local[] =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE alert [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
      "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>&x;</identifier>"
      "</alert>";
  assert_int_equal(tw_cap_read(&a, local, sizeof local - 1, err, sizeof err), TW_EPARSE);
  assert_non_null(strstr(err, "DOCTYPE"));
  free(xml);
}

/* ---- times and other hand-made documents ---------------------------------------------------- */

static int read_with_sent(const char *sent, tw_cap_alert *a, char *err, size_t n)
{
  char doc[1024];
  snprintf(doc, sizeof doc,
           "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>x1</identifier>"
           "<sender>s</sender><sent>%s</sent><status>Actual</status><msgType>Alert</msgType>"
           "<scope>Public</scope></alert>",
           sent);
  return tw_cap_read(a, doc, strlen(doc), err, n);
}

static void test_times(void **state)
{
  (void)state;
  tw_cap_alert a;
  char err[256];
  assert_int_equal(read_with_sent("2026-11-28T09:30:00+09:00", &a, err, sizeof err), 0);
  assert_true(a.sent == t_of("2026-11-28T00:30:00Z"));
  assert_int_equal(a.sent_offset_min, 540);
  assert_false(a.has_info);
  tw_cap_free(&a);
  assert_int_equal(read_with_sent(" 2026-11-28T09:30:00-03:30\n", &a, err, sizeof err), 0);
  assert_int_equal(a.sent_offset_min, -210);
  tw_cap_free(&a);
  assert_int_equal(read_with_sent("2012-05-02T23:21:04-00:00", &a, err, sizeof err), 0);
  assert_int_equal(a.sent_offset_min, 0);
  tw_cap_free(&a);

  static const char *const bad[] = {
      "2026-11-28T09:30:00Z",       "2026-11-28T09:30:00.5+09:00", "2026-11-28T09:30:00+0900",
      "2026-11-28 09:30:00+09:00",  "2026-02-30T09:30:00+09:00",   "2026-11-28T24:30:00+09:00",
      "2026-11-28T09:30:00",        "2026-11-28t09:30:00+09:00",   "",
      "2026-11-28T09:30:00+09:00x", "2026-11-28T09:30:60+09:00",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_equal(read_with_sent(bad[i], &a, err, sizeof err), TW_EPARSE);
    if (!strstr(err, "<sent>") || !strstr(err, "CAP time"))
      fail_msg("'%s': %s", bad[i], err);
  }
}

static void test_bad_documents(void **state)
{
  (void)state;
  tw_cap_alert a;
  memset(&a, 0, sizeof a);
  char err[256];
  static const struct {
    const char *doc, *needle;
  } cases[] = {
      {"", "empty"},
      {"not xml", "not well-formed"},
      {"<alert><identifier>x</identifier></alert>", "not a CAP alert"},
      {"<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>x</identifier>"
       "<identifier>y</identifier></alert>",
       "<identifier>: repeated"},
      {"<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>x</identifier>"
       "<sender>s</sender><sent>2026-11-28T09:30:00+09:00</sent><status>Real</status></alert>",
       "<status>: 'Real' is not one of Actual|"},
      {"<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>x</identifier>"
       "<sender>s</sender><sent>2026-11-28T09:30:00+09:00</sent><status>Actual</status>"
       "<msgType>Alert</msgType><scope>Public</scope><info><category>Safety</category>"
       "<event>e</event><urgency>Immediate</urgency><severity>Extreme</severity>"
       "<certainty>Likely</certainty><area><areaDesc>d</areaDesc>"
       "<polygon>40,140 41,140 41,141 40,141</polygon></area></info></alert>",
       "<polygon>: the polygon is not closed"},
      {"<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>x</identifier>"
       "<sender>s</sender><sent>2026-11-28T09:30:00+09:00</sent><status>Actual</status>"
       "<msgType>Alert</msgType><scope>Public</scope><info><category>Safety</category>"
       "<event>e</event><urgency>Immediate</urgency><severity>Extreme</severity>"
       "<certainty>Likely</certainty><area><areaDesc>d</areaDesc>"
       "<polygon>40,140 41,140 91,141 40,140</polygon></area></info></alert>",
       "<polygon>: '91,141' is not a lat,lon point"},
      {"<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>x</identifier>"
       "<sender>s</sender><sent>2026-11-28T09:30:00+09:00</sent><status>Actual</status>"
       "<msgType>Update</msgType><scope>Public</scope><references>s,x</references></alert>",
       "<references>: 's,x' is not sender,identifier,sent"},
      {"<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>x</identifier>"
       "<sender>s</sender><sent>2026-11-28T09:30:00+09:00</sent><status>Actual</status>"
       "<msgType>Alert</msgType><scope>Public</scope><info><category>Safety</category>"
       "</info></alert>",
       "<info>: missing <event>"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int rc = tw_cap_read(&a, cases[i].doc, strlen(cases[i].doc), err, sizeof err);
    assert_int_equal(rc, TW_EPARSE);
    if (!strstr(err, cases[i].needle))
      fail_msg("case %zu: error '%s' lacks '%s'", i, err, cases[i].needle);
    assert_null(a.identifier);
  }
  /* over the size limit: refused before parsing */
  size_t big = TW_CAP_MAX_BYTES + 1;
  char *doc = calloc(big, 1);
  assert_non_null(doc);
  assert_int_equal(tw_cap_read(&a, doc, big, err, sizeof err), TW_ERANGE);
  assert_non_null(strstr(err, "limit"));
  free(doc);
  assert_int_equal(tw_cap_read(NULL, "x", 1, err, sizeof err), TW_EINVAL);
  assert_int_equal(tw_cap_read(&a, "x", 1, NULL, 0), TW_EPARSE); /* no err buffer is fine */
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_write_validates), cmocka_unit_test(test_write_format),
      cmocka_unit_test(test_write_rejects),   cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_truncated),       cmocka_unit_test(test_corpus_valid),
      cmocka_unit_test(test_corpus_invalid),  cmocka_unit_test(test_xee),
      cmocka_unit_test(test_times),           cmocka_unit_test(test_bad_documents),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  xmlCleanupParser();
  return rc;
}
