/* triwatch/cap.h - OASIS Common Alerting Protocol 1.2 messages: one alert with one info block,
 * written as schema-valid XML and read back safely (no DTD, no external entities, no network).
 *
 * Times are CAP style, "2026-11-28T09:30:00+09:00": no "Z", no fraction, the offset required.
 * Strings in a tw_cap_alert are NUL-terminated UTF-8. tw_cap_read allocates them (and the arrays)
 * with malloc and tw_cap_free releases them; a caller that fills an alert for tw_cap_write may
 * point them anywhere and must then not call tw_cap_free. */
#ifndef TRIWATCH_CAP_H
#define TRIWATCH_CAP_H

#include <stddef.h>

#include "triwatch/time.h"
#include "triwatch/visibility.h"

/* Largest document tw_cap_read accepts, in bytes. */
#define TW_CAP_MAX_BYTES (1024 * 1024)

typedef enum {
  TW_CAP_ACTUAL, TW_CAP_EXERCISE, TW_CAP_SYSTEM, TW_CAP_TEST, TW_CAP_DRAFT
} tw_cap_status;

typedef enum {
  TW_CAP_ALERT, TW_CAP_UPDATE, TW_CAP_CANCEL, TW_CAP_ACK, TW_CAP_ERROR
} tw_cap_msg_type;

typedef enum { TW_CAP_PUBLIC, TW_CAP_RESTRICTED, TW_CAP_PRIVATE } tw_cap_scope;

/* <category> values as bits (an info block has one or more). */
enum {
  TW_CAP_CAT_GEO = 1u << 0, TW_CAP_CAT_MET = 1u << 1, TW_CAP_CAT_SAFETY = 1u << 2,
  TW_CAP_CAT_SECURITY = 1u << 3, TW_CAP_CAT_RESCUE = 1u << 4, TW_CAP_CAT_FIRE = 1u << 5,
  TW_CAP_CAT_HEALTH = 1u << 6, TW_CAP_CAT_ENV = 1u << 7, TW_CAP_CAT_TRANSPORT = 1u << 8,
  TW_CAP_CAT_INFRA = 1u << 9, TW_CAP_CAT_CBRNE = 1u << 10, TW_CAP_CAT_OTHER = 1u << 11
};

typedef enum {
  TW_CAP_URG_IMMEDIATE, TW_CAP_URG_EXPECTED, TW_CAP_URG_FUTURE, TW_CAP_URG_PAST,
  TW_CAP_URG_UNKNOWN
} tw_cap_urgency;

typedef enum {
  TW_CAP_SEV_EXTREME, TW_CAP_SEV_SEVERE, TW_CAP_SEV_MODERATE, TW_CAP_SEV_MINOR,
  TW_CAP_SEV_UNKNOWN
} tw_cap_severity;

/* CAP 1.1's "Very Likely" is read as Likely. */
typedef enum {
  TW_CAP_CERT_OBSERVED, TW_CAP_CERT_LIKELY, TW_CAP_CERT_POSSIBLE, TW_CAP_CERT_UNLIKELY,
  TW_CAP_CERT_UNKNOWN
} tw_cap_certainty;

/* A message this one updates or cancels: <references> holds "sender,identifier,sent" triples. */
typedef struct {
  char *sender;
  char *identifier;
  tw_time_ns sent;    /* ns since the Unix epoch, UTC */
  int sent_offset_min; /* the UTC offset the time is written with, minutes */
} tw_cap_ref;

/* A closed ring (first point == last, at least 4 points), WGS 84. */
typedef struct {
  double *lat_deg; /* n latitudes, -90..90 */
  double *lon_deg; /* n longitudes, -180..180 */
  size_t n;
} tw_cap_polygon;

/* <geocode>: e.g. value_name "ISO3166-2", value "JP-02". */
typedef struct {
  char *value_name;
  char *value;
} tw_cap_geocode;

typedef struct {
  char *area_desc;
  tw_cap_polygon *polygons;
  size_t n_polygons;
  tw_cap_geocode *geocodes;
  size_t n_geocodes;
} tw_cap_area;

typedef struct {
  unsigned categories; /* TW_CAP_CAT_* bits, at least one */
  char *event;
  tw_cap_urgency urgency;
  tw_cap_severity severity;
  tw_cap_certainty certainty;
  char *headline;    /* optional (NULL) */
  char *description; /* optional */
  char *instruction; /* optional */
  tw_cap_area *areas;
  size_t n_areas;
} tw_cap_info;

typedef struct {
  char *identifier; /* no spaces, commas, '<' or '&' */
  char *sender;     /* likewise */
  tw_time_ns sent;
  int sent_offset_min; /* -1439..1439: the offset <sent> is written with (540 for Japan) */
  tw_cap_status status;
  tw_cap_msg_type msg_type;
  tw_cap_scope scope;
  tw_cap_ref *refs; /* required (n_refs >= 1) by tw_cap_write for Update and Cancel */
  size_t n_refs;
  int has_info; /* 0: no <info> (a bare cancel) */
  tw_cap_info info;
  size_t n_info_skipped; /* tw_cap_read: further <info> blocks (other languages) not kept */
} tw_cap_alert;

/* Write a as CAP 1.2 XML (UTF-8, namespace urn:oasis:names:tc:emergency:cap:1.2, elements in the
 * schema's order). Only scope Public is written (Restricted and Private need <restriction> or
 * <addresses>, which the struct does not carry). On success *xml is a malloc'd NUL-terminated
 * document of *len bytes (the caller frees it) and 0 is returned. TW_EINVAL for NULL arguments or
 * an alert that would not be valid CAP (missing or malformed identifier/sender, bad enum, offset,
 * no references on an Update or Cancel, no category, open or out-of-range polygon...), TW_ERANGE
 * for a time outside 1678..2261, TW_ENOMEM when out of memory; *xml and *len are unchanged on
 * error. */
TW_API int tw_cap_write(char **xml, size_t *len, const tw_cap_alert *a);

/* Parse a CAP 1.2 (or 1.1) alert of len bytes (no NUL needed). The parse never fetches anything:
 * no network, no external entities, and a document with a DOCTYPE is rejected outright. Unknown
 * optional CAP elements and elements of other namespaces (signatures) are skipped; only the first
 * <info> is kept. Text is trimmed of surrounding white space. Returns 0 and fills *a (release it
 * with tw_cap_free). On error returns TW_EPARSE (not XML, DOCTYPE, not a CAP alert, a required
 * element missing or repeated, a bad value or time), TW_ERANGE (over TW_CAP_MAX_BYTES),
 * TW_EINVAL (NULL a or xml) or TW_ENOMEM, leaves *a unchanged and, if err is not NULL, writes a
 * message naming the line and element into err (size n, NUL-terminated, possibly truncated). */
TW_API int tw_cap_read(tw_cap_alert *a, const char *xml, size_t len, char *err, size_t n);

/* Release what tw_cap_read allocated in a and zero it. NULL is a no-op. */
TW_API void tw_cap_free(tw_cap_alert *a);

/* CAP names of the enum values ("Actual", "Update", "Immediate"...); NULL if out of range. */
TW_API const char *tw_cap_status_name(tw_cap_status s);
TW_API const char *tw_cap_msg_type_name(tw_cap_msg_type t);

#endif
