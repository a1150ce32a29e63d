/* triwatch/cot.h - Cursor on Target (CoT 2.0) events: writing ours, reading TAK clients'.
 *
 * One event is one <event> with its <point> and an optional <detail>. We send tracks
 * (a-h-A-M-... atoms), launch points (b-d-l-b, "ballistic launch detection") and impact areas
 * (b-d-i-b, "ballistic impact"); the type tree is MITRE's types.txt. The access attribute carries
 * the releasability marking ("REL TO USA, JPN"). The XML we write validates against MITRE's
 * event.xsd; times are UTC with 'Z' and milliseconds. The reader takes untrusted input: no
 * network, no DTD (a document with one is refused, so no entity can be expanded), at most
 * TW_COT_MAX_BYTES bytes. Fixed-size strings: no allocation is left to the caller. */
#ifndef TRIWATCH_COT_H
#define TRIWATCH_COT_H

#include <stddef.h>

#include "triwatch/time.h"
#include "triwatch/visibility.h"

#define TW_COT_MAX_BYTES 65536 /* the reader refuses larger documents */
#define TW_COT_UID_MAX 128     /* sizes of the string fields, NUL included */
#define TW_COT_TYPE_MAX 64
#define TW_COT_HOW_MAX 16
#define TW_COT_ACCESS_MAX 128
#define TW_COT_REMARKS_MAX 512
#define TW_COT_UNKNOWN_ERR_M 9999999.0 /* ce/le/hae value CoT uses for "unknown" */

/* Event types we send (present in types.txt under b - Bits, d - Sensor detection events). */
#define TW_COT_TYPE_LAUNCH "b-d-l-b"     /* ballistic launch detection */
#define TW_COT_TYPE_IMPACT "b-d-i-b"     /* ballistic impact */
#define TW_COT_HOW_MACHINE "m-g"         /* machine generated */

enum tw_cot_flags {
  TW_COT_HAS_TRACK = 1u << 0, /* course_deg and speed_mps are set (<track>) */
  TW_COT_HAS_LINK = 1u << 1,  /* link_uid (and link_type, link_relation) are set (<link>) */
};

typedef struct tw_cot_event {
  char uid[TW_COT_UID_MAX];          /* globally unique, e.g. "triwatch.JPN.track.42" */
  char type[TW_COT_TYPE_MAX];        /* "b-d-l-b", "a-h-A-M-B" ... */
  char how[TW_COT_HOW_MAX];          /* "m-g" for ours */
  char access[TW_COT_ACCESS_MAX];    /* releasability, "" when absent */
  tw_time_ns time_ns;                /* when the event was generated, UTC */
  tw_time_ns start_ns;               /* validity starts, UTC */
  tw_time_ns stale_ns;               /* validity ends, UTC */
  double lat_deg, lon_deg;           /* WGS 84 geodetic, degrees */
  double hae_m;                      /* height above the WGS 84 ellipsoid, m */
  double ce_m, le_m;                 /* circular / linear error (1 sigma), m; 9999999 unknown */
  unsigned flags;                    /* enum tw_cot_flags */
  double course_deg;                 /* <track course>: degrees clockwise from true north */
  double speed_mps;                  /* <track speed>: m/s */
  char remarks[TW_COT_REMARKS_MAX];  /* <remarks> text, "" when absent */
  char link_uid[TW_COT_UID_MAX];     /* <link uid>: the parent event (e.g. the track) */
  char link_type[TW_COT_TYPE_MAX];   /* <link type> */
  char link_relation[TW_COT_HOW_MAX];/* <link relation>, "p-p" = parent */
} tw_cot_event;

/* Fill e with a blank event: empty strings, zero times, how "m-g", ce/le/hae unknown. */
TW_API void tw_cot_init(tw_cot_event *e);

/* Write e as a CoT XML document into buf (size n, NUL-terminated): the XML declaration, a
 * newline, then the <event> with nothing after "</event>" (TAK stream framing). Returns the
 * length written (without the NUL); TW_EINVAL for a NULL argument or an event that would not be
 * valid (empty uid, type not like "a-b-c", times not in order, lat/lon out of range, a number
 * not finite or beyond 1e12, strings not UTF-8 text), TW_ERANGE if buf is too small,
 * TW_ENOMEM. buf is unchanged on error. */
TW_API int tw_cot_write(char *buf, size_t n, const tw_cot_event *e);

/* Read one CoT XML document of n bytes (need not be NUL-terminated) into e. Unknown detail
 * elements are ignored; remarks longer than the field are cut at a character boundary.
 * Returns 0; TW_EINVAL for NULL arguments, TW_ERANGE for input over TW_COT_MAX_BYTES or a
 * uid/type/how/access too long, TW_EPARSE for anything malformed (not XML, a DTD, no <event> or
 * <point>, a missing or bad attribute). On error e is unchanged and, when err is not NULL, a
 * message naming the line and the field is left in err (size nerr). */
TW_API int tw_cot_read(tw_cot_event *e, const char *buf, size_t n, char *err, size_t nerr);

#endif
