/* warn/tak.c - TAK protocol v0/v1 framing with a minimal hand-written protobuf codec.
 *
 * Why by hand: we send one message shape with a dozen scalar fields; a hand encoder needs no
 * generated code, no allocation and gives the exact bytes the tests pin down. Protobuf wire
 * format (proto3): key = field << 3 | wire type; wire type 0 varint, 1 fixed64 (little endian
 * double), 2 length-delimited (varint length, bytes), 5 fixed32. Proto3 leaves out fields at
 * their default (empty string, 0), and so do we; fields are written in field-number order. */
#include "triwatch/tak.h"

#include <math.h>
#include <string.h>

#include "triwatch/error.h"
#include "warn/cot_detail.h"

enum { WT_VARINT = 0, WT_FIXED64 = 1, WT_LEN = 2, WT_FIXED32 = 5 };

/* Field numbers of takmessage.proto, cotevent.proto, detail.proto, track.proto. */
enum { TAKMSG_COTEVENT = 2 };
enum {
  COT_TYPE = 1, COT_ACCESS = 2, COT_UID = 5, COT_SENDTIME = 6, COT_STARTTIME = 7,
  COT_STALETIME = 8, COT_HOW = 9, COT_LAT = 10, COT_LON = 11, COT_HAE = 12, COT_CE = 13,
  COT_LE = 14, COT_DETAIL = 15
};
enum { DETAIL_XML = 1, DETAIL_TRACK = 7 };
enum { TRACK_SPEED = 1, TRACK_COURSE = 2 };

/* ---- writer: a cursor that remembers overflow instead of checking each call ---- */

typedef struct pbw {
  uint8_t *p;
  size_t n, len;
  int overflow;
} pbw;

static void put_byte(pbw *w, uint8_t b)
{
  if (w->len < w->n)
    w->p[w->len] = b;
  else
    w->overflow = 1;
  w->len++;
}

static void put_varint(pbw *w, uint64_t v)
{
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    put_byte(w, (uint8_t)(b | (v ? 0x80 : 0)));
  } while (v);
}

static size_t varint_len(uint64_t v)
{
  size_t k = 1;
  while (v >>= 7)
    k++;
  return k;
}

static void put_bytes(pbw *w, const void *z, size_t len)
{
  for (size_t i = 0; i < len; i++)
    put_byte(w, ((const uint8_t *)z)[i]);
}

static void put_key(pbw *w, unsigned field, unsigned wt)
{
  put_varint(w, (uint64_t)field << 3 | wt);
}

static void put_string(pbw *w, unsigned field, const char *z)
{
  size_t len = strlen(z);
  if (!len)
    return;
  put_key(w, field, WT_LEN);
  put_varint(w, len);
  put_bytes(w, z, len);
}

static void put_u64(pbw *w, unsigned field, uint64_t v)
{
  if (!v)
    return;
  put_key(w, field, WT_VARINT);
  put_varint(w, v);
}

static void put_double(pbw *w, unsigned field, double x)
{
  uint64_t u;
  if (x == 0)
    return; /* proto3 default; also -0.0, which reads back as 0 */
  memcpy(&u, &x, sizeof u);
  put_key(w, field, WT_FIXED64);
  for (int i = 0; i < 8; i++)
    put_byte(w, (uint8_t)(u >> (8 * i)));
}

/* Length-delimited submessage: encode into a scratch cursor to learn the length first. */
static void put_track(pbw *w, const tw_cot_event *e)
{
  pbw sizer = {NULL, 0, 0, 0};
  put_double(&sizer, TRACK_SPEED, e->speed_mps);
  put_double(&sizer, TRACK_COURSE, e->course_deg);
  put_key(w, DETAIL_TRACK, WT_LEN);
  put_varint(w, sizer.len);
  put_double(w, TRACK_SPEED, e->speed_mps);
  put_double(w, TRACK_COURSE, e->course_deg);
}

static size_t detail_len(const char *xml, const tw_cot_event *e)
{
  pbw sizer = {NULL, 0, 0, 0};
  put_string(&sizer, DETAIL_XML, xml);
  if (e->flags & TW_COT_HAS_TRACK)
    put_track(&sizer, e);
  return sizer.len;
}

static void put_cot(pbw *w, const tw_cot_event *e, const char *xml)
{
  put_string(w, COT_TYPE, e->type);
  put_string(w, COT_ACCESS, e->access);
  put_string(w, COT_UID, e->uid);
  put_u64(w, COT_SENDTIME, (uint64_t)(e->time_ns / 1000000));
  put_u64(w, COT_STARTTIME, (uint64_t)(e->start_ns / 1000000));
  put_u64(w, COT_STALETIME, (uint64_t)(e->stale_ns / 1000000));
  put_string(w, COT_HOW, e->how);
  put_double(w, COT_LAT, e->lat_deg);
  put_double(w, COT_LON, e->lon_deg);
  put_double(w, COT_HAE, e->hae_m);
  put_double(w, COT_CE, e->ce_m);
  put_double(w, COT_LE, e->le_m);
  if (xml[0] || (e->flags & TW_COT_HAS_TRACK)) {
    put_key(w, COT_DETAIL, WT_LEN);
    put_varint(w, detail_len(xml, e));
    put_string(w, DETAIL_XML, xml);
    if (e->flags & TW_COT_HAS_TRACK)
      put_track(w, e);
  }
}

int tw_tak_encode(uint8_t *buf, size_t n, const tw_cot_event *e)
{
  /* detail XML: every character may become an entity of up to 6 bytes ("&quot;") */
  char xml[6 * (TW_COT_REMARKS_MAX + TW_COT_UID_MAX + TW_COT_TYPE_MAX + TW_COT_HOW_MAX) + 256];
  int rc;
  if (!buf || !e)
    return TW_EINVAL;
  /* the same validity rules as the XML writer, and times the uint64 ms fields can carry */
  if (!tw__cot_event_ok(e) || e->time_ns < 0 || e->start_ns < 0 || e->stale_ns < 0)
    return TW_EINVAL;
  if ((rc = tw__cot_detail_xml_write(xml, sizeof xml, e)) < 0)
    return rc;
  pbw sizer = {NULL, 0, 0, 0};
  put_cot(&sizer, e, xml);
  pbw w = {buf, n, 0, 0};
  put_key(&w, TAKMSG_COTEVENT, WT_LEN);
  put_varint(&w, sizer.len);
  put_cot(&w, e, xml);
  if (w.overflow || w.len > TW_TAK_MAX_PAYLOAD)
    return TW_ERANGE;
  return (int)w.len;
}

int tw_tak_frame_v0(uint8_t *buf, size_t n, const tw_cot_event *e)
{
  return tw_cot_write((char *)buf, n, e);
}

/* Header and payload into buf; the total length or an error. */
static int frame(uint8_t *buf, size_t n, const tw_cot_event *e, int mesh)
{
  int len;
  size_t hdr;
  if (!buf || !e)
    return TW_EINVAL;
  /* encode once at an offset no header can exceed, then move the payload up behind the
   * header (a stream header's varint is often shorter than the room left for it) */
  hdr = mesh ? 3 : 1 + varint_len(TW_TAK_MAX_PAYLOAD);
  if (n < hdr)
    return tw__cot_event_ok(e) ? TW_ERANGE : TW_EINVAL;
  if ((len = tw_tak_encode(buf + hdr, n - hdr, e)) < 0)
    return len;
  pbw w = {buf, n, 0, 0};
  put_byte(&w, TW_TAK_MAGIC);
  put_varint(&w, mesh ? 1 : (uint64_t)len);
  if (mesh)
    put_byte(&w, TW_TAK_MAGIC);
  memmove(buf + w.len, buf + hdr, (size_t)len);
  return (int)(w.len + (size_t)len);
}

int tw_tak_frame_stream(uint8_t *buf, size_t n, const tw_cot_event *e)
{
  return frame(buf, n, e, 0);
}

int tw_tak_frame_mesh(uint8_t *buf, size_t n, const tw_cot_event *e)
{
  return frame(buf, n, e, 1);
}

/* ---- reader ---- */

typedef struct pbr {
  const uint8_t *p, *end;
} pbr;

static int get_varint(pbr *r, uint64_t *v)
{
  uint64_t x = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (r->p >= r->end)
      return TW_EPARSE;
    uint8_t b = *r->p++;
    if (shift == 63 && b > 1)
      return TW_EPARSE; /* more than 64 bits */
    x |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *v = x;
      return 0;
    }
  }
  return TW_EPARSE;
}

/* One field: its number, wire type, and for WT_LEN the sub-range; scalars in *v. */
typedef struct pbfield {
  unsigned num, wt;
  uint64_t v;
  pbr sub;
} pbfield;

static int get_field(pbr *r, pbfield *f)
{
  uint64_t key;
  int rc;
  if ((rc = get_varint(r, &key)) < 0)
    return rc;
  if ((key >> 3) == 0 || (key >> 3) > 0x1fffffff)
    return TW_EPARSE;
  f->num = (unsigned)(key >> 3);
  f->wt = (unsigned)(key & 7);
  switch (f->wt) {
  case WT_VARINT:
    return get_varint(r, &f->v);
  case WT_FIXED64:
  case WT_FIXED32: {
    size_t k = f->wt == WT_FIXED64 ? 8 : 4;
    if ((size_t)(r->end - r->p) < k)
      return TW_EPARSE;
    f->v = 0;
    for (size_t i = 0; i < k; i++)
      f->v |= (uint64_t)r->p[i] << (8 * i);
    r->p += k;
    return 0;
  }
  case WT_LEN: {
    uint64_t len;
    if ((rc = get_varint(r, &len)) < 0)
      return rc;
    if (len > (uint64_t)(r->end - r->p))
      return TW_EPARSE;
    f->sub.p = r->p;
    f->sub.end = r->p + len;
    r->p += len;
    return 0;
  }
  default:
    return TW_EPARSE; /* groups (3, 4) are not proto3 */
  }
}

static int take_string(const pbfield *f, char *dst, size_t n)
{
  size_t len = (size_t)(f->sub.end - f->sub.p);
  if (f->wt != WT_LEN)
    return TW_EPARSE;
  if (len >= n)
    return TW_ERANGE;
  if (memchr(f->sub.p, 0, len))
    return TW_EPARSE;
  memcpy(dst, f->sub.p, len);
  dst[len] = '\0';
  return 0;
}

static int take_double(const pbfield *f, double *x)
{
  if (f->wt != WT_FIXED64)
    return TW_EPARSE;
  memcpy(x, &f->v, sizeof *x);
  return isfinite(*x) ? 0 : TW_EPARSE;
}

static int take_ms(const pbfield *f, tw_time_ns *t)
{
  if (f->wt != WT_VARINT)
    return TW_EPARSE;
  if (f->v > (uint64_t)(INT64_MAX / 1000000))
    return TW_ERANGE;
  *t = (tw_time_ns)f->v * 1000000;
  return 0;
}

static int read_track(tw_cot_event *e, pbr r)
{
  pbfield f;
  int rc = 0;
  while (r.p < r.end && rc == 0) {
    if ((rc = get_field(&r, &f)) < 0)
      break;
    if (f.num == TRACK_SPEED)
      rc = take_double(&f, &e->speed_mps);
    else if (f.num == TRACK_COURSE)
      rc = take_double(&f, &e->course_deg);
  }
  e->flags |= TW_COT_HAS_TRACK;
  return rc;
}

static int read_detail(tw_cot_event *e, pbr r)
{
  pbfield f;
  int rc = 0;
  while (r.p < r.end && rc == 0) {
    if ((rc = get_field(&r, &f)) < 0)
      break;
    if (f.num == DETAIL_XML && f.wt == WT_LEN) {
      if (f.sub.end > f.sub.p)
        rc = tw__cot_detail_xml_read(e, (const char *)f.sub.p, (size_t)(f.sub.end - f.sub.p));
    } else if (f.num == DETAIL_TRACK && f.wt == WT_LEN) {
      rc = read_track(e, f.sub);
    } else if (f.num == DETAIL_XML || f.num == DETAIL_TRACK) {
      rc = TW_EPARSE;
    }
  }
  return rc;
}

static int read_cot(tw_cot_event *e, pbr r)
{
  pbfield f;
  int rc = 0;
  while (r.p < r.end && rc == 0) {
    if ((rc = get_field(&r, &f)) < 0)
      break;
    switch (f.num) {
    case COT_TYPE: rc = take_string(&f, e->type, sizeof e->type); break;
    case COT_ACCESS: rc = take_string(&f, e->access, sizeof e->access); break;
    case COT_UID: rc = take_string(&f, e->uid, sizeof e->uid); break;
    case COT_HOW: rc = take_string(&f, e->how, sizeof e->how); break;
    case COT_SENDTIME: rc = take_ms(&f, &e->time_ns); break;
    case COT_STARTTIME: rc = take_ms(&f, &e->start_ns); break;
    case COT_STALETIME: rc = take_ms(&f, &e->stale_ns); break;
    case COT_LAT: rc = take_double(&f, &e->lat_deg); break;
    case COT_LON: rc = take_double(&f, &e->lon_deg); break;
    case COT_HAE: rc = take_double(&f, &e->hae_m); break;
    case COT_CE: rc = take_double(&f, &e->ce_m); break;
    case COT_LE: rc = take_double(&f, &e->le_m); break;
    case COT_DETAIL: rc = f.wt == WT_LEN ? read_detail(e, f.sub) : TW_EPARSE; break;
    default: break; /* qos, opex and later fields */
    }
  }
  return rc;
}

int tw_tak_decode(tw_cot_event *e, const uint8_t *buf, size_t n)
{
  tw_cot_event tmp;
  pbr r = {buf, buf + n};
  pbfield f;
  int rc, seen = 0;
  if (!e || (!buf && n))
    return TW_EINVAL;
  if (n > TW_TAK_MAX_PAYLOAD)
    return TW_ERANGE;
  memset(&tmp, 0, sizeof tmp);
  while (r.p < r.end) {
    if ((rc = get_field(&r, &f)) < 0)
      return rc;
    if (f.num == TAKMSG_COTEVENT) {
      if (f.wt != WT_LEN)
        return TW_EPARSE;
      if ((rc = read_cot(&tmp, f.sub)) < 0)
        return rc;
      seen = 1;
    }
  }
  if (!seen || !tmp.uid[0] || !tmp.type[0])
    return TW_EPARSE;
  if (tmp.lat_deg < -90 || tmp.lat_deg > 90 || tmp.lon_deg < -180 || tmp.lon_deg > 180)
    return TW_EPARSE;
  *e = tmp;
  return 0;
}

int tw_tak_parse_stream(tw_cot_event *e, const uint8_t *buf, size_t n)
{
  pbr r = {buf, buf + n};
  uint64_t len;
  int rc;
  if (!e || !buf)
    return TW_EINVAL;
  if (n == 0)
    return 0;
  if (buf[0] != TW_TAK_MAGIC)
    return TW_EPARSE;
  r.p++;
  if (get_varint(&r, &len) < 0) {
    /* a varint cut off by the end of the buffer: wait for more, unless it is too long already */
    return n - 1 >= 10 ? TW_EPARSE : 0;
  }
  if (len > TW_TAK_MAX_PAYLOAD)
    return TW_ERANGE;
  if (len > (uint64_t)(r.end - r.p))
    return 0;
  if ((rc = tw_tak_decode(e, r.p, (size_t)len)) < 0)
    return rc;
  return (int)((size_t)(r.p - buf) + (size_t)len);
}

int tw_tak_parse_mesh(tw_cot_event *e, const uint8_t *buf, size_t n)
{
  pbr r = {buf, buf + n};
  uint64_t version;
  if (!e || !buf)
    return TW_EINVAL;
  if (n < 3 || buf[0] != TW_TAK_MAGIC)
    return TW_EPARSE;
  r.p++;
  if (get_varint(&r, &version) < 0 || r.p >= r.end || *r.p != TW_TAK_MAGIC)
    return TW_EPARSE;
  if (version != 1)
    return TW_ENOENT;
  r.p++;
  return tw_tak_decode(e, r.p, (size_t)(r.end - r.p));
}
