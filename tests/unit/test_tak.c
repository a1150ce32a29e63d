/* test_tak.c - TAK protocol framing: v1 streaming and mesh headers and the protobuf TakMessage
 * byte for byte against bytes worked out by hand from takproto/README.md and the .proto files;
 * decode round trips; truncated and malformed frames refused. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "triwatch/cot.h"
#include "triwatch/error.h"
#include "triwatch/tak.h"

#include "tak_small.h"



static void test_exact_bytes(void **state)
{
  (void)state;
  static const uint8_t payload[] = TAKMESSAGE_BYTES;
  static const uint8_t stream[] = "\xbf\x49" TAKMESSAGE_BYTES;   /* magic, varint 73 */
  static const uint8_t mesh[] = "\xbf\x01\xbf" TAKMESSAGE_BYTES; /* magic, version 1, magic */
  tw_cot_event e;
  uint8_t buf[256];
  tw_test_tak_small_event(&e);
  assert_int_equal(sizeof payload - 1, 73);

  assert_int_equal(tw_tak_encode(buf, sizeof buf, &e), sizeof payload - 1);
  assert_memory_equal(buf, payload, sizeof payload - 1);
  assert_int_equal(tw_tak_frame_stream(buf, sizeof buf, &e), sizeof stream - 1);
  assert_memory_equal(buf, stream, sizeof stream - 1);
  assert_int_equal(tw_tak_frame_mesh(buf, sizeof buf, &e), sizeof mesh - 1);
  assert_memory_equal(buf, mesh, sizeof mesh - 1);

  /* exactly big enough works, one byte less does not */
  assert_int_equal(tw_tak_frame_mesh(buf, sizeof mesh - 1, &e), sizeof mesh - 1);
  assert_int_equal(tw_tak_frame_mesh(buf, sizeof mesh - 2, &e), TW_ERANGE);
  assert_int_equal(tw_tak_encode(buf, sizeof payload - 2, &e), TW_ERANGE);

  /* and the hand-made bytes decode to the event */
  tw_cot_event back;
  assert_int_equal(tw_tak_parse_stream(&back, stream, sizeof stream - 1), sizeof stream - 1);
  assert_string_equal(back.uid, "U");
  assert_string_equal(back.type, "b-d-l-b");
  assert_string_equal(back.access, "REL TO USA, JPN");
  assert_string_equal(back.how, "m-g");
  assert_true(back.time_ns == e.time_ns && back.start_ns == e.start_ns &&
              back.stale_ns == e.stale_ns);
  assert_true(back.lat_deg == 0.5 && back.lon_deg == 1.0 && back.hae_m == 0.0 &&
              back.ce_m == 2.0 && back.le_m == 0.0);
  assert_int_equal(back.flags, 0);
  assert_int_equal(tw_tak_parse_mesh(&back, mesh, sizeof mesh - 1), 0);
  assert_string_equal(back.uid, "U");
}

static void full_event(tw_cot_event *e)
{
  tw_cot_init(e);
  strcpy(e->uid, "triwatch.KOR.impact.7");
  strcpy(e->type, "b-d-i-b");
  strcpy(e->access, "REL TO USA, JPN, KOR");
  e->time_ns = e->start_ns = INT64_C(1795853400123000000);
  e->stale_ns = e->start_ns + INT64_C(300000000000);
  e->lat_deg = 37.25;
  e->lon_deg = 131.875;
  e->hae_m = -3.5;
  e->ce_m = 12000;
  e->le_m = 50;
  e->flags = TW_COT_HAS_TRACK | TW_COT_HAS_LINK;
  e->course_deg = 101.5;
  e->speed_mps = 1875.25;
  strcpy(e->remarks, "impact area <approx> & \"EEZ\"");
  strcpy(e->link_uid, "triwatch.KOR.track.7");
  strcpy(e->link_type, "a-h-A-M");
  strcpy(e->link_relation, "p-p");
}

static void assert_same(const tw_cot_event *a, const tw_cot_event *b)
{
  assert_string_equal(a->uid, b->uid);
  assert_string_equal(a->type, b->type);
  assert_string_equal(a->access, b->access);
  assert_string_equal(a->how, b->how);
  assert_true(a->time_ns == b->time_ns && a->start_ns == b->start_ns &&
              a->stale_ns == b->stale_ns); /* whole ms here */
  assert_true(a->lat_deg == b->lat_deg && a->lon_deg == b->lon_deg && a->hae_m == b->hae_m &&
              a->ce_m == b->ce_m && a->le_m == b->le_m);
  assert_int_equal(a->flags, b->flags);
  assert_true(a->course_deg == b->course_deg && a->speed_mps == b->speed_mps);
  assert_string_equal(a->remarks, b->remarks);
  assert_string_equal(a->link_uid, b->link_uid);
  assert_string_equal(a->link_type, b->link_type);
  assert_string_equal(a->link_relation, b->link_relation);
}

static void test_round_trip(void **state)
{
  (void)state;
  tw_cot_event e, back;
  uint8_t buf[8192];
  full_event(&e);
  int len = tw_tak_frame_stream(buf, sizeof buf, &e);
  assert_true(len > 3);
  /* payload over 127 bytes: a two-byte varint length */
  assert_true(len - 3 > 127);
  assert_int_equal(buf[0], 0xbf);
  assert_int_equal((buf[1] & 0x7f) | (buf[2] << 7), len - 3);
  assert_true(buf[1] & 0x80);
  assert_false(buf[2] & 0x80);
  memset(&back, 0, sizeof back);
  assert_int_equal(tw_tak_parse_stream(&back, buf, (size_t)len), len);
  assert_same(&e, &back);

  len = tw_tak_frame_mesh(buf, sizeof buf, &e);
  assert_true(len > 3);
  memset(&back, 0, sizeof back);
  assert_int_equal(tw_tak_parse_mesh(&back, buf, (size_t)len), 0);
  assert_same(&e, &back);

  /* the longest remarks, all escaped ("&" -> "&amp;"), still fit */
  memset(e.remarks, '&', sizeof e.remarks - 1);
  e.remarks[sizeof e.remarks - 1] = '\0';
  len = tw_tak_frame_stream(buf, sizeof buf, &e);
  assert_true(len > (int)sizeof e.remarks * 5);
  assert_int_equal(tw_tak_parse_stream(&back, buf, (size_t)len), len);
  assert_same(&e, &back);

  /* v0 is the XML */
  len = tw_tak_frame_v0(buf, sizeof buf, &e);
  assert_true(len > 0);
  char err[256];
  assert_int_equal(tw_cot_read(&back, (const char *)buf, (size_t)len, err, sizeof err), 0);
  assert_same(&e, &back);
}

/* A stream: two messages back to back, read piece by piece. */
static void test_stream_pieces(void **state)
{
  (void)state;
  tw_cot_event a, b, back;
  uint8_t buf[4096];
  tw_test_tak_small_event(&a);
  full_event(&b);
  int la = tw_tak_frame_stream(buf, sizeof buf, &a);
  int lb = tw_tak_frame_stream(buf + la, sizeof buf - (size_t)la, &b);
  assert_true(la > 0 && lb > 0);
  for (int cut = 0; cut < la; cut++)
    assert_int_equal(tw_tak_parse_stream(&back, buf, (size_t)cut), 0); /* need more */
  assert_int_equal(tw_tak_parse_stream(&back, buf, (size_t)(la + lb)), la);
  assert_string_equal(back.uid, "U");
  assert_int_equal(tw_tak_parse_stream(&back, buf + la, (size_t)lb), lb);
  assert_same(&b, &back);
}

static void test_decode_rejects_and_skips(void **state)
{
  (void)state;
  tw_cot_event e;
  memset(&e, 0x5a, sizeof e);
  tw_cot_event before = e;

  /* a TakControl (field 1: {minProtoVersion (1) = 1}) ahead of the event is skipped */
  static const uint8_t with_control[] = "\x0a\x02\x08\x01" TAKMESSAGE_BYTES;
  assert_int_equal(tw_tak_decode(&e, with_control, sizeof with_control - 1), 0);
  assert_string_equal(e.uid, "U");
  e = before;

  static const uint8_t stream[] = "\xbf\x49" TAKMESSAGE_BYTES;
  uint8_t bad[sizeof stream];
  memcpy(bad, stream, sizeof stream);
  bad[0] = 0xbe; /* wrong magic */
  assert_int_equal(tw_tak_parse_stream(&e, bad, sizeof stream - 1), TW_EPARSE);
  memcpy(bad, stream, sizeof stream);
  bad[3] = 0x48; /* cotEvent length 72 > what follows inside the frame */
  assert_int_equal(tw_tak_parse_stream(&e, bad, sizeof stream - 1), TW_EPARSE);
  memcpy(bad, stream, sizeof stream);
  bad[4] = 0x0b; /* type field with wire type 3 (group) */
  assert_int_equal(tw_tak_parse_stream(&e, bad, sizeof stream - 1), TW_EPARSE);
  static const uint8_t huge[] = "\xbf\xff\xff\xff\xff\x0f";
  assert_int_equal(tw_tak_parse_stream(&e, huge, sizeof huge - 1), TW_ERANGE);
  static const uint8_t endless[] = "\xbf\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff";
  assert_int_equal(tw_tak_parse_stream(&e, endless, sizeof endless - 1), TW_EPARSE);
  assert_int_equal(tw_tak_decode(&e, (const uint8_t *)"", 0), TW_EPARSE); /* no cotEvent */

  static const uint8_t mesh2[] = "\xbf\x02\xbf" TAKMESSAGE_BYTES;
  assert_int_equal(tw_tak_parse_mesh(&e, mesh2, sizeof mesh2 - 1), TW_ENOENT);
  static const uint8_t mesh_bad[] = "\xbf\x01\xbe" TAKMESSAGE_BYTES;
  assert_int_equal(tw_tak_parse_mesh(&e, mesh_bad, sizeof mesh_bad - 1), TW_EPARSE);
  assert_memory_equal(&e, &before, sizeof e); /* unchanged on error */

  /* detail XML carrying a DTD is refused like any CoT XML */
  static const uint8_t dtd[] = "\x12\x1e\x0a\x01x\x2a\x01U\x7a\x16\x0a\x14<!DOCTYPE a [ ]><a/>";
  assert_int_equal(tw_tak_decode(&e, dtd, sizeof dtd - 1), TW_EPARSE);

  /* encoder refuses what the XML writer refuses, and times before 1970 */
  tw_cot_event s;
  uint8_t buf[256];
  tw_test_tak_small_event(&s);
  s.lat_deg = 100;
  assert_int_equal(tw_tak_frame_stream(buf, sizeof buf, &s), TW_EINVAL);
  tw_test_tak_small_event(&s);
  s.time_ns = s.start_ns = -1000000;
  assert_int_equal(tw_tak_encode(buf, sizeof buf, &s), TW_EINVAL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_exact_bytes),
    cmocka_unit_test(test_round_trip),
    cmocka_unit_test(test_stream_pieces),
    cmocka_unit_test(test_decode_rejects_and_skips),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
