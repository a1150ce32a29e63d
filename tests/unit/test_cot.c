/* test_cot.c - Cursor on Target XML: what we write validates against MITRE's event.xsd and reads
 * back; our types are in MITRE's types.txt; TAK clients' example messages read; hostile and
 * broken input is refused with a message naming the place. The event.xsd, types.txt and
 * examples are in ../shared/vectors/cot (TW_SHARED_VECTORS overrides the place); the tests that
 * need them skip with a message where they are absent. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include "triwatch/cot.h"
#include "triwatch/error.h"

#define T0_NS (INT64_C(1795846200) * 1000000000 + 123000000) /* 2026-11-28T06:10:00.123Z */

static const char *vectors_dir(void)
{
  const char *dir = getenv("TW_SHARED_VECTORS");
  return dir ? dir : TW_SHARED_VECTORS;
}

/* A launch point, as the warning service sends it. */
static void launch_event(tw_cot_event *e)
{
  tw_cot_init(e);
  strcpy(e->uid, "triwatch.JPN.launch.2026-0042");
  strcpy(e->type, TW_COT_TYPE_LAUNCH);
  strcpy(e->access, "REL TO USA, JPN, KOR");
  e->time_ns = e->start_ns = T0_NS;
  e->stale_ns = T0_NS + INT64_C(600) * 1000000000;
  e->lat_deg = 39.6601234;
  e->lon_deg = 124.7054321;
  e->hae_m = 35.0;
  e->ce_m = 2500.0;
  e->le_m = 100.0;
  strcpy(e->remarks, "Launch detected <SRBM?> & tracked \"4 sensors\" 'fused' \xe2\x80\x94 JPN");
}

/* An impact area linked to its track, with the track's course and speed. */
static void impact_event(tw_cot_event *e)
{
  launch_event(e);
  strcpy(e->uid, "triwatch.JPN.impact.2026-0042");
  strcpy(e->type, TW_COT_TYPE_IMPACT);
  e->lat_deg = -0.5;
  e->lon_deg = -179.9999999;
  e->hae_m = -12.5;
  e->remarks[0] = '\0';
  e->flags = TW_COT_HAS_TRACK | TW_COT_HAS_LINK;
  e->course_deg = 92.25;
  e->speed_mps = 2150.5;
  strcpy(e->link_uid, "triwatch.JPN.track.42");
  strcpy(e->link_type, "a-h-A-M");
  strcpy(e->link_relation, "p-p");
}

/* The smallest event: no access, no detail, unknown errors. */
static void bare_event(tw_cot_event *e)
{
  tw_cot_init(e);
  strcpy(e->uid, "x");
  strcpy(e->type, "a-h-A-M-B;extra");
  e->time_ns = e->start_ns = e->stale_ns = 0;
}

static void assert_same_event(const tw_cot_event *a, const tw_cot_event *b)
{
  assert_string_equal(a->uid, b->uid);
  assert_string_equal(a->type, b->type);
  assert_string_equal(a->how, b->how);
  assert_string_equal(a->access, b->access);
  assert_true(a->time_ns == b->time_ns);
  assert_true(a->start_ns == b->start_ns);
  assert_true(a->stale_ns == b->stale_ns);
  assert_true(fabs(a->lat_deg - b->lat_deg) < 1e-7);
  assert_true(fabs(a->lon_deg - b->lon_deg) < 1e-7);
  assert_true(fabs(a->hae_m - b->hae_m) < 0.1);
  assert_true(fabs(a->ce_m - b->ce_m) < 0.1);
  assert_true(fabs(a->le_m - b->le_m) < 0.1);
  assert_int_equal(a->flags, b->flags);
  if (a->flags & TW_COT_HAS_TRACK) {
    assert_true(fabs(a->course_deg - b->course_deg) < 0.01);
    assert_true(fabs(a->speed_mps - b->speed_mps) < 0.01);
  }
  assert_string_equal(a->remarks, b->remarks);
  assert_string_equal(a->link_uid, b->link_uid);
  assert_string_equal(a->link_type, b->link_type);
  assert_string_equal(a->link_relation, b->link_relation);
}

static void test_write_read_round_trip(void **state)
{
  (void)state;
  void (*makers[])(tw_cot_event *) = {launch_event, impact_event, bare_event};
  for (size_t i = 0; i < sizeof makers / sizeof makers[0]; i++) {
    tw_cot_event e, back;
    char xml[4096], err[256];
    makers[i](&e);
    int len = tw_cot_write(xml, sizeof xml, &e);
    assert_true(len > 0);
    assert_int_equal((size_t)len, strlen(xml));
    /* TAK v0 stream rules: declaration, newline, the event, nothing after </event> */
    assert_true(strncmp(xml, "<?xml ", 6) == 0);
    assert_non_null(strstr(xml, "?>\n<event "));
    assert_string_equal(xml + len - 8, "</event>");
    assert_int_equal(tw_cot_read(&back, xml, (size_t)len, err, sizeof err), 0);
    assert_same_event(&e, &back);
  }
}

static void test_write_format(void **state)
{
  (void)state;
  tw_cot_event e;
  char xml[4096];
  launch_event(&e);
  assert_true(tw_cot_write(xml, sizeof xml, &e) > 0);
  assert_non_null(strstr(xml, "time=\"2026-11-28T06:10:00.123Z\""));
  assert_non_null(strstr(xml, "stale=\"2026-11-28T06:20:00.123Z\""));
  assert_non_null(strstr(xml, "access=\"REL TO USA, JPN, KOR\""));
  assert_non_null(strstr(xml, "how=\"m-g\""));
  assert_non_null(strstr(xml, "type=\"b-d-l-b\""));
  assert_non_null(strstr(xml, "&lt;SRBM?&gt; &amp; tracked"));
}

static void test_write_rejects(void **state)
{
  (void)state;
  tw_cot_event e;
  char xml[4096];
  memset(xml, 'Z', sizeof xml);
#define REJECT(stmt, want)                                                                        \
  do {                                                                                            \
    launch_event(&e);                                                                             \
    stmt;                                                                                         \
    assert_int_equal(tw_cot_write(xml, sizeof xml, &e), want);                                    \
    assert_int_equal(xml[0], 'Z');                                                                \
  } while (0)
  REJECT(e.uid[0] = '\0', TW_EINVAL);
  REJECT(strcpy(e.type, "b--d"), TW_EINVAL);
  REJECT(strcpy(e.type, "b-d-"), TW_EINVAL);
  REJECT(strcpy(e.type, "b d"), TW_EINVAL);
  REJECT(strcpy(e.type, "a;b;c"), TW_EINVAL);
  REJECT(strcpy(e.type, "a-h-A;\xcd\x22"), TW_EINVAL); /* suffix not UTF-8: found by fuzz_cot */
  REJECT(strcpy(e.how, "mg-g"), TW_EINVAL);
  REJECT(e.lat_deg = 90.5, TW_EINVAL);
  REJECT(e.lon_deg = -181, TW_EINVAL);
  REJECT(e.hae_m = NAN, TW_EINVAL);
  REJECT(e.ce_m = INFINITY, TW_EINVAL);
  REJECT(e.stale_ns = e.start_ns - 1, TW_EINVAL);
  REJECT(strcpy(e.remarks, "bell \a"), TW_EINVAL);
  REJECT(strcpy(e.access, "\xff\xfe"), TW_EINVAL);
  REJECT(strcpy(e.remarks, "overlong \xc0\x93"), TW_EINVAL); /* found by fuzz_cot */
  REJECT(strcpy(e.remarks, "surrogate \xed\xa0\x80"), TW_EINVAL);
  REJECT(strcpy(e.remarks, "U+FFFE \xef\xbf\xbe"), TW_EINVAL);
  REJECT(strcpy(e.uid, "cut \xe2\x80"), TW_EINVAL);
  REJECT(memset(e.uid, 'u', sizeof e.uid), TW_EINVAL);
  REJECT((e.flags = TW_COT_HAS_LINK, e.link_uid[0] = '\0'), TW_EINVAL);
#undef REJECT
  launch_event(&e);
  assert_int_equal(tw_cot_write(xml, 100, &e), TW_ERANGE);
  assert_int_equal(xml[0], 'Z');
  assert_int_equal(tw_cot_write(NULL, 10, &e), TW_EINVAL);
  assert_int_equal(tw_cot_write(xml, sizeof xml, NULL), TW_EINVAL);
}

/* Every event we write is valid against MITRE's event.xsd. */
static void test_schema_valid(void **state)
{
  (void)state;
  char path[1024];
  snprintf(path, sizeof path, "%s/cot/event.xsd", vectors_dir());
  FILE *f = fopen(path, "r");
  if (!f) {
    printf("  skipped: %s not found (set TW_SHARED_VECTORS)\n", path);
    skip();
  }
  fclose(f);
  xmlSchemaParserCtxtPtr pctx = xmlSchemaNewParserCtxt(path);
  assert_non_null(pctx);
  xmlSchemaPtr schema = xmlSchemaParse(pctx);
  assert_non_null(schema);
  xmlSchemaValidCtxtPtr vctx = xmlSchemaNewValidCtxt(schema);
  assert_non_null(vctx);

  void (*makers[])(tw_cot_event *) = {launch_event, impact_event, bare_event};
  for (size_t i = 0; i < sizeof makers / sizeof makers[0]; i++) {
    tw_cot_event e;
    char xml[4096];
    makers[i](&e);
    int len = tw_cot_write(xml, sizeof xml, &e);
    assert_true(len > 0);
    xmlDocPtr doc = xmlReadMemory(xml, len, "ours.cot", NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    int v = xmlSchemaValidateDoc(vctx, doc);
    if (v != 0)
      fprintf(stderr, "not valid against event.xsd:\n%s\n", xml);
    assert_int_equal(v, 0);
    xmlFreeDoc(doc);
  }
  /* and the schema does catch a broken event (so the check above means something) */
  static const char bad[] = "<event version='2.0' uid='x' type='b--d' time='2026-11-28T00:00:00Z'"
                            " start='2026-11-28T00:00:00Z' stale='2026-11-28T00:00:00Z' how='m-g'>"
                            "<point lat='0' lon='0' hae='0' ce='0' le='0'/></event>";
  xmlDocPtr doc = xmlReadMemory(bad, (int)strlen(bad), "bad.cot", NULL, XML_PARSE_NONET);
  assert_non_null(doc);
  assert_int_not_equal(xmlSchemaValidateDoc(vctx, doc), 0);
  xmlFreeDoc(doc);
  xmlSchemaFreeValidCtxt(vctx);
  xmlSchemaFree(schema);
  xmlSchemaFreeParserCtxt(pctx);
}

/* Is the dash-separated CoT type a path in the types.txt tree? Lines look like
 * "P               l - launch": a status column, then the code letter indented 4 per level
 * from column 8. */
static int type_in_tree(FILE *f, const char *type)
{
  char line[512], path[16] = {0};
  size_t ncomp = (strlen(type) + 1) / 2;
  rewind(f);
  while (fgets(line, sizeof line, f)) {
    size_t col = 1;
    while (line[col] == ' ')
      col++;
    if (col < 8 || (col - 8) % 4 != 0 || !line[col] || strncmp(line + col + 1, " - ", 3) != 0)
      continue;
    size_t depth = (col - 8) / 4;
    if (depth >= sizeof path)
      continue;
    path[depth] = line[col];
    path[depth + 1] = '\0';
    if (depth + 1 == ncomp) {
      size_t k = 0;
      while (k < ncomp && path[k] == type[2 * k])
        k++;
      if (k == ncomp)
        return 1;
    }
  }
  return 0;
}

static void test_types_in_types_txt(void **state)
{
  (void)state;
  char path[1024];
  snprintf(path, sizeof path, "%s/cot/types.txt", vectors_dir());
  FILE *f = fopen(path, "r");
  if (!f) {
    printf("  skipped: %s not found (set TW_SHARED_VECTORS)\n", path);
    skip();
  }
  assert_true(type_in_tree(f, TW_COT_TYPE_LAUNCH));
  assert_true(type_in_tree(f, TW_COT_TYPE_IMPACT));
  assert_true(type_in_tree(f, "b-d-l"));
  assert_false(type_in_tree(f, "b-d-q-b")); /* the walk does say no */
  assert_false(type_in_tree(f, "b-d-l-z"));
  fclose(f);
}

/* TAK clients' own messages read without error. */
static void test_read_examples(void **state)
{
  (void)state;
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/cot/examples", vectors_dir());
  DIR *d = opendir(dir);
  if (!d) {
    printf("  skipped: %s not found (set TW_SHARED_VECTORS)\n", dir);
    skip();
  }
  int nread = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    size_t len = strlen(de->d_name);
    if (len < 4 || strcmp(de->d_name + len - 4, ".cot") != 0)
      continue;
    char path[2048], buf[TW_COT_MAX_BYTES], err[256];
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    tw_cot_event e;
    int rc = tw_cot_read(&e, buf, n, err, sizeof err);
    if (rc != 0)
      fprintf(stderr, "%s: %s\n", de->d_name, err);
    assert_int_equal(rc, 0);
    assert_true(e.uid[0] && e.type[0] && e.stale_ns >= e.start_ns);
    /* and what we make of it writes again */
    char xml[4096];
    assert_true(tw_cot_write(xml, sizeof xml, &e) > 0);
    nread++;
  }
  closedir(d);
  assert_true(nread >= 10);
}

static int read_err(const char *xml, char *err, size_t nerr)
{
  tw_cot_event e;
  memset(&e, 0x5a, sizeof e);
  int rc = tw_cot_read(&e, xml, strlen(xml), err, nerr);
  for (size_t i = 0; rc != 0 && i < sizeof e; i++)
    assert_int_equal(((unsigned char *)&e)[i], 0x5a); /* unchanged on error */
  return rc;
}

#define EV_HEAD "<event version='2.0' uid='u1' type='b-d-l-b' how='m-g' "
#define EV_TIMES                                                                                  \
  "time='2026-11-28T06:10:00.5Z' start='2026-11-28T06:10:00Z' stale='2026-11-28T06:20:00Z'"
#define EV_POINT "<point lat='40' lon='125' hae='0' ce='10' le='10'/>"

static void test_read_rejects(void **state)
{
  (void)state;
  char err[256];
  /* a well-formed one, to anchor the others */
  assert_int_equal(read_err(EV_HEAD EV_TIMES ">" EV_POINT "</event>", err, sizeof err), 0);

  assert_int_equal(read_err("not xml", err, sizeof err), TW_EPARSE);
  assert_non_null(strstr(err, "line 1"));
  assert_int_equal(read_err(EV_HEAD EV_TIMES ">\n" EV_POINT "\n</evnt>", err, sizeof err),
                   TW_EPARSE);
  assert_non_null(strstr(err, "line 3"));
  assert_int_equal(read_err("<alert/>", err, sizeof err), TW_EPARSE);
  assert_non_null(strstr(err, "<event>"));
  assert_int_equal(read_err(EV_HEAD EV_TIMES "></event>", err, sizeof err), TW_EPARSE);
  assert_non_null(strstr(err, "<point>"));
  assert_int_equal(read_err(EV_HEAD ">" EV_POINT "</event>", err, sizeof err), TW_EPARSE);
  assert_non_null(strstr(err, "'time'"));
  assert_int_equal(read_err(EV_HEAD "time='2026-11-28 06:10' start='2026-11-28T06:10:00Z' "
                            "stale='2026-11-28T06:20:00Z'>" EV_POINT "</event>",
                            err, sizeof err),
                   TW_EPARSE);
  assert_non_null(strstr(err, "'time'"));
  assert_int_equal(read_err(EV_HEAD EV_TIMES "><point lat='91' lon='0' hae='0' ce='0' le='0'/>"
                            "</event>", err, sizeof err),
                   TW_EPARSE);
  assert_int_equal(read_err(EV_HEAD EV_TIMES "><point lat='x' lon='0' hae='0' ce='0' le='0'/>"
                            "</event>", err, sizeof err),
                   TW_EPARSE);
  assert_non_null(strstr(err, "'lat'"));
  assert_int_equal(read_err(EV_HEAD EV_TIMES "><point lat='1' lon='0' hae='0' ce='0'/>"
                            "</event>", err, sizeof err),
                   TW_EPARSE);
  assert_non_null(strstr(err, "'le'"));
  assert_int_equal(read_err("<event version='1.0' uid='u' type='a' how='m-g' " EV_TIMES ">"
                            EV_POINT "</event>", err, sizeof err),
                   TW_EPARSE);
  assert_non_null(strstr(err, "'version'"));

  /* an external entity (XXE) and an entity bomb are refused before any expansion */
  assert_int_equal(read_err("<?xml version='1.0'?><!DOCTYPE event [<!ENTITY x SYSTEM "
                            "'file:///etc/passwd'>]>" EV_HEAD EV_TIMES ">" EV_POINT
                            "<detail><remarks>&x;</remarks></detail></event>", err, sizeof err),
                   TW_EPARSE);
  assert_non_null(strstr(err, "DTD"));
  assert_int_equal(read_err("<!DOCTYPE e [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;'>]>"
                            EV_HEAD EV_TIMES ">" EV_POINT "<detail><remarks>&b;&b;</remarks>"
                            "</detail></event>", err, sizeof err),
                   TW_EPARSE);
  /* an undeclared entity is not well-formed */
  assert_int_equal(read_err(EV_HEAD EV_TIMES ">" EV_POINT "<detail><remarks>&x;</remarks>"
                            "</detail></event>", err, sizeof err),
                   TW_EPARSE);

  /* too large */
  size_t big = TW_COT_MAX_BYTES + 1;
  char *z = malloc(big + 1);
  assert_non_null(z);
  memset(z, ' ', big);
  z[big] = '\0';
  assert_int_equal(read_err(z, err, sizeof err), TW_ERANGE);
  free(z);

  /* a uid longer than the field */
  char longuid[TW_COT_UID_MAX + 300];
  int k = snprintf(longuid, sizeof longuid, "<event version='2.0' uid='");
  memset(longuid + k, 'u', TW_COT_UID_MAX);
  snprintf(longuid + k + TW_COT_UID_MAX, sizeof longuid - (size_t)k - TW_COT_UID_MAX,
           "' type='a' how='m-g' %s>%s</event>", EV_TIMES, EV_POINT);
  assert_int_equal(read_err(longuid, err, sizeof err), TW_ERANGE);
  assert_non_null(strstr(err, "'uid'"));

  /* NULLs; err may be NULL */
  tw_cot_event e;
  assert_int_equal(tw_cot_read(NULL, "x", 1, NULL, 0), TW_EINVAL);
  assert_int_equal(tw_cot_read(&e, NULL, 1, NULL, 0), TW_EINVAL);
  assert_int_equal(tw_cot_read(&e, "x", 1, NULL, 0), TW_EPARSE);
}

/* Long remarks are cut at a character boundary, not refused. */
static void test_read_long_remarks(void **state)
{
  (void)state;
  static char xml[8192];
  char err[256];
  int k = snprintf(xml, sizeof xml, EV_HEAD EV_TIMES ">" EV_POINT "<detail><remarks>a");
  for (int i = 0; i < 600; i++)
    k += snprintf(xml + k, sizeof xml - (size_t)k, "\xc3\xa9"); /* e-acute, 2 bytes */
  snprintf(xml + k, sizeof xml - (size_t)k, "</remarks></detail></event>");
  tw_cot_event e;
  assert_int_equal(tw_cot_read(&e, xml, strlen(xml), err, sizeof err), 0);
  assert_true(strlen(e.remarks) < TW_COT_REMARKS_MAX);
  assert_int_equal(strlen(e.remarks) % 2, 1); /* "a" + whole characters */
  assert_true(xmlCheckUTF8((const xmlChar *)e.remarks));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_write_read_round_trip),
    cmocka_unit_test(test_write_format),
    cmocka_unit_test(test_write_rejects),
    cmocka_unit_test(test_schema_valid),
    cmocka_unit_test(test_types_in_types_txt),
    cmocka_unit_test(test_read_examples),
    cmocka_unit_test(test_read_rejects),
    cmocka_unit_test(test_read_long_remarks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
