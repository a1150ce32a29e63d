/* tak_small.h - the small CoT event whose TAK protocol bytes are worked out by hand (from the
 * spec in ../shared/vectors/takproto/), shared by test_tak.c and test_takout.c. */
#ifndef TW_TEST_TAK_SMALL_H
#define TW_TEST_TAK_SMALL_H

#include "triwatch/cot.h"

/* The known small event: times 1 s and 61 s after 1970, lat 0.5, lon 1.0, hae 0, ce 2, le 0. */
void tw_test_tak_small_event(tw_cot_event *e);

/* CotEvent of small_event, fields in number order; key = field << 3 | wire type. Proto3 leaves
 * out hae (12) and le (14), both 0.0. 71 bytes. */
#define COTEVENT_BYTES                                                                            \
  "\x0a\x07" "b-d-l-b"           /* 1 type, wire 2, len 7 */                                       \
  "\x12\x0f" "REL TO USA, JPN"   /* 2 access, len 15 */                                            \
  "\x2a\x01" "U"                 /* 5 uid, len 1 */                                                \
  "\x30\xe8\x07"                 /* 6 sendTime, wire 0: 1000 ms = 0x3e8 -> e8 07 */                \
  "\x38\xe8\x07"                 /* 7 startTime 1000 ms */                                         \
  "\x40\xc8\xdc\x03"             /* 8 staleTime 61000 ms = 0xee48 -> c8 dc 03 */                   \
  "\x4a\x03" "m-g"               /* 9 how, len 3 */                                                \
  "\x51\x00\x00\x00\x00\x00\x00\xe0\x3f" /* 10 lat, wire 1: 0.5 = 0x3fe0000000000000 LE */         \
  "\x59\x00\x00\x00\x00\x00\x00\xf0\x3f" /* 11 lon 1.0 = 0x3ff0000000000000 */                     \
  "\x69\x00\x00\x00\x00\x00\x00\x00\x40" /* 13 ce 2.0 = 0x4000000000000000 */

/* TakMessage: field 2 cotEvent, wire 2 (0x12), length 71 (0x47). 73 bytes. */
#define TAKMESSAGE_BYTES "\x12\x47" COTEVENT_BYTES

#endif
