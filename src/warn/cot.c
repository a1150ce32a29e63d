/* warn/cot.c - Cursor on Target XML: writing our events, reading TAK clients' safely.
 *
 * Writing goes through libxml2's xmlTextWriter so every string is escaped by the library; we
 * check beforehand what the writer cannot (the event.xsd patterns, ranges, finite numbers,
 * characters XML 1.0 forbids). Reading uses libxml2's DOM with XML_PARSE_NONET, without
 * XML_PARSE_NOENT / DTDLOAD, and refuses any document carrying a DTD before parsing it:
 * CoT never has one, and without one no entity can be declared, let alone expanded. */
#include "triwatch/cot.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlwriter.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triwatch/error.h"
#include "warn/cot_detail.h"
#include "warn/xmltext.h"

void tw_cot_init(tw_cot_event *e)
{
  if (!e)
    return;
  memset(e, 0, sizeof *e);
  memcpy(e->how, TW_COT_HOW_MACHINE, sizeof TW_COT_HOW_MACHINE);
  e->hae_m = TW_COT_UNKNOWN_ERR_M;
  e->ce_m = TW_COT_UNKNOWN_ERR_M;
  e->le_m = TW_COT_UNKNOWN_ERR_M;
}

/* ---- validation shared by the writer ---- */

static int is_word(int c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* The event.xsd patterns, restricted to ASCII: type "\w+(-\w+)*(;[^;]*)?" (min_first 1, any
 * first word) and how "\w(-\w+)*" (first word exactly one character). */
static int dashed_words_ok(const char *z, int first_one_char)
{
  size_t run = 0, nword = 0;
  for (; *z && *z != ';'; z++) {
    if (is_word((unsigned char)*z)) {
      run++;
    } else if (*z == '-' && run > 0) {
      if (nword == 0 && first_one_char && run != 1)
        return 0;
      nword++;
      run = 0;
    } else {
      return 0;
    }
  }
  if (run == 0 || (nword == 0 && first_one_char && run != 1))
    return 0;
  if (*z == ';') /* the free text after ';' must still be XML text */
    return !first_one_char && strchr(z + 1, ';') == NULL && tw__xml_text_ok(z + 1);
  return 1;
}


int tw__cot_event_ok(const tw_cot_event *e)
{
  const double nums[] = {e->lat_deg, e->lon_deg, e->hae_m, e->ce_m, e->le_m, e->course_deg,
                         e->speed_mps};
  for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
    if (!isfinite(nums[i]) || fabs(nums[i]) > 1e12) /* beyond any Earth-bound value */
      return 0;
  if (!memchr(e->uid, 0, sizeof e->uid) || !memchr(e->type, 0, sizeof e->type) ||
      !memchr(e->how, 0, sizeof e->how) || !memchr(e->access, 0, sizeof e->access) ||
      !memchr(e->remarks, 0, sizeof e->remarks) || !memchr(e->link_uid, 0, sizeof e->link_uid) ||
      !memchr(e->link_type, 0, sizeof e->link_type) ||
      !memchr(e->link_relation, 0, sizeof e->link_relation))
    return 0;
  if (!e->uid[0] || !tw__xml_text_ok(e->uid) || !tw__xml_text_ok(e->access) ||
      !tw__xml_text_ok(e->remarks))
    return 0;
  if (!dashed_words_ok(e->type, 0) || !dashed_words_ok(e->how, 1))
    return 0;
  if (e->lat_deg < -90 || e->lat_deg > 90 || e->lon_deg < -180 || e->lon_deg > 180)
    return 0;
  if (e->start_ns > e->stale_ns)
    return 0;
  if ((e->flags & TW_COT_HAS_LINK) &&
      (!e->link_uid[0] || !tw__xml_text_ok(e->link_uid) || !tw__xml_text_ok(e->link_type) ||
       !tw__xml_text_ok(e->link_relation)))
    return 0;
  return 1;
}

/* ---- writer ---- */

/* Attribute with a printf value; 0 or -1. */
static int wattrf(xmlTextWriterPtr w, const char *name, const char *fmt, ...)
{
  char v[64];
  va_list ap;
  va_start(ap, fmt);
  int len = vsnprintf(v, sizeof v, fmt, ap);
  va_end(ap);
  if (len < 0 || (size_t)len >= sizeof v)
    return -1;
  return xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST v) < 0 ? -1 : 0;
}

static int wattr(xmlTextWriterPtr w, const char *name, const char *v)
{
  return xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST v) < 0 ? -1 : 0;
}

static int wtime(xmlTextWriterPtr w, const char *name, tw_time_ns t)
{
  char z[48];
  if (tw_time_format(z, sizeof z, t, 3, 0, 1) < 0)
    return -1;
  return wattr(w, name, z);
}

/* The detail children; with_track 0 leaves <track> out (TAK v1 carries it apart). */
static int write_detail_children(xmlTextWriterPtr w, const tw_cot_event *e, int with_track)
{
  if (with_track && (e->flags & TW_COT_HAS_TRACK)) {
    if (xmlTextWriterStartElement(w, BAD_CAST "track") < 0 ||
        wattrf(w, "course", "%.2f", e->course_deg) < 0 ||
        wattrf(w, "speed", "%.2f", e->speed_mps) < 0 || xmlTextWriterEndElement(w) < 0)
      return -1;
  }
  if (e->remarks[0] &&
      xmlTextWriterWriteElement(w, BAD_CAST "remarks", BAD_CAST e->remarks) < 0)
    return -1;
  if (e->flags & TW_COT_HAS_LINK) {
    if (xmlTextWriterStartElement(w, BAD_CAST "link") < 0 || wattr(w, "uid", e->link_uid) < 0 ||
        (e->link_type[0] && wattr(w, "type", e->link_type) < 0) ||
        (e->link_relation[0] && wattr(w, "relation", e->link_relation) < 0) ||
        xmlTextWriterEndElement(w) < 0)
      return -1;
  }
  return 0;
}

static int has_detail(const tw_cot_event *e)
{
  return (e->flags & (TW_COT_HAS_TRACK | TW_COT_HAS_LINK)) || e->remarks[0];
}

/* Copy the writer's buffer out without trailing whitespace; length or TW_ERANGE. */
static int copy_out(char *buf, size_t n, xmlBufferPtr b)
{
  size_t len = (size_t)xmlBufferLength(b);
  const char *z = (const char *)xmlBufferContent(b);
  while (len > 0 && (z[len - 1] == '\n' || z[len - 1] == ' '))
    len--;
  if (len >= n || len > (size_t)INT32_MAX)
    return TW_ERANGE;
  memcpy(buf, z, len);
  buf[len] = '\0';
  return (int)len;
}

int tw_cot_write(char *buf, size_t n, const tw_cot_event *e)
{
  xmlBufferPtr b = NULL;
  xmlTextWriterPtr w = NULL;
  int rc = TW_ENOMEM;
  if (!buf || !e || n == 0)
    return TW_EINVAL;
  if (!tw__cot_event_ok(e))
    return TW_EINVAL;
  if (!(b = xmlBufferCreate()))
    goto err_buffer;
  if (!(w = xmlNewTextWriterMemory(b, 0)))
    goto err_writer;
  if (xmlTextWriterStartDocument(w, "1.0", "UTF-8", "yes") < 0 ||
      xmlTextWriterStartElement(w, BAD_CAST "event") < 0 || wattr(w, "version", "2.0") < 0 ||
      wattr(w, "uid", e->uid) < 0 || wattr(w, "type", e->type) < 0 ||
      (e->access[0] && wattr(w, "access", e->access) < 0) || wtime(w, "time", e->time_ns) < 0 ||
      wtime(w, "start", e->start_ns) < 0 || wtime(w, "stale", e->stale_ns) < 0 ||
      wattr(w, "how", e->how) < 0)
    goto err_write;
  if (xmlTextWriterStartElement(w, BAD_CAST "point") < 0 ||
      wattrf(w, "lat", "%.7f", e->lat_deg) < 0 || wattrf(w, "lon", "%.7f", e->lon_deg) < 0 ||
      wattrf(w, "hae", "%.1f", e->hae_m) < 0 || wattrf(w, "ce", "%.1f", e->ce_m) < 0 ||
      wattrf(w, "le", "%.1f", e->le_m) < 0 || xmlTextWriterEndElement(w) < 0)
    goto err_write;
  if (has_detail(e)) {
    if (xmlTextWriterStartElement(w, BAD_CAST "detail") < 0 ||
        write_detail_children(w, e, 1) < 0 || xmlTextWriterEndElement(w) < 0)
      goto err_write;
  }
  if (xmlTextWriterEndElement(w) < 0 || xmlTextWriterEndDocument(w) < 0)
    goto err_write;
  xmlFreeTextWriter(w); /* flushes into b */
  w = NULL;
  rc = copy_out(buf, n, b);
err_write:
  if (w)
    xmlFreeTextWriter(w);
err_writer:
  xmlBufferFree(b);
err_buffer:
  return rc;
}

int tw__cot_detail_xml_write(char *buf, size_t n, const tw_cot_event *e)
{
  xmlBufferPtr b = NULL;
  xmlTextWriterPtr w = NULL;
  int rc = TW_ENOMEM;
  if (!buf || !e || n == 0)
    return TW_EINVAL;
  if (!tw__xml_text_ok(e->remarks) ||
      ((e->flags & TW_COT_HAS_LINK) &&
       (!tw__xml_text_ok(e->link_uid) || !tw__xml_text_ok(e->link_type) ||
        !tw__xml_text_ok(e->link_relation))))
    return TW_EINVAL;
  if (!(b = xmlBufferCreate()))
    goto err_buffer;
  if (!(w = xmlNewTextWriterMemory(b, 0)))
    goto err_writer;
  if (write_detail_children(w, e, 0) < 0)
    goto err_write;
  xmlFreeTextWriter(w);
  w = NULL;
  rc = copy_out(buf, n, b);
err_write:
  if (w)
    xmlFreeTextWriter(w);
err_writer:
  xmlBufferFree(b);
err_buffer:
  return rc;
}

/* ---- reader ---- */

static void set_err(char *err, size_t nerr, const char *fmt, ...)
{
  va_list ap;
  if (!err || nerr == 0)
    return;
  va_start(ap, fmt);
  vsnprintf(err, nerr, fmt, ap);
  va_end(ap);
}

/* Does the text hold a DTD? Checked on the raw bytes, before libxml2 sees them. */
static int has_dtd(const char *z, size_t n)
{
  static const char k[] = "<!DOCTYPE";
  for (size_t i = 0; i + sizeof k - 1 <= n; i++)
    if (z[i] == '<' && memcmp(z + i, k, sizeof k - 1) == 0)
      return 1;
  return 0;
}

/* Copy attribute name of node into dst (size n). 1 copied, 0 absent, TW_ERANGE too long. */
static int get_attr(const xmlNode *node, const char *name, char *dst, size_t n)
{
  xmlChar *v = xmlGetNoNsProp(node, BAD_CAST name);
  int rc;
  if (!v)
    return 0;
  size_t len = strlen((const char *)v);
  if (len >= n) {
    rc = TW_ERANGE;
  } else {
    memcpy(dst, v, len + 1);
    rc = 1;
  }
  xmlFree(v);
  return rc;
}

/* Required string attribute; 0 or a TW_E* code with the message set. */
static int req_str(const xmlNode *node, const char *name, char *dst, size_t n, char *err,
                   size_t nerr)
{
  int rc = get_attr(node, name, dst, n);
  if (rc == 1 && dst[0])
    return 0;
  if (rc == TW_ERANGE) {
    set_err(err, nerr, "line %ld: <%s> attribute '%s': longer than %zu bytes",
            xmlGetLineNo(node), (const char *)node->name, name, n - 1);
    return TW_ERANGE;
  }
  set_err(err, nerr, "line %ld: <%s> attribute '%s': missing or empty", xmlGetLineNo(node),
          (const char *)node->name, name);
  return TW_EPARSE;
}

/* Number attribute; 1 read, 0 absent (when optional), or a TW_E* code with the message set. */
static int get_num(const xmlNode *node, const char *name, double *x, int required, char *err,
                   size_t nerr)
{
  char z[64], *end;
  int rc = get_attr(node, name, z, sizeof z);
  if (rc == 0 && !required)
    return 0;
  if (rc == 1) {
    double v = strtod(z, &end);
    if (end != z && *end == '\0' && isfinite(v)) {
      *x = v;
      return 1;
    }
  }
  set_err(err, nerr, "line %ld: <%s> attribute '%s': expected a finite number",
          xmlGetLineNo(node), (const char *)node->name, name);
  return TW_EPARSE;
}

static int get_time(const xmlNode *node, const char *name, tw_time_ns *t, char *err, size_t nerr)
{
  char z[64];
  if (get_attr(node, name, z, sizeof z) != 1 || tw_time_parse(t, z) < 0) {
    set_err(err, nerr,
            "line %ld: <%s> attribute '%s': expected a time like 2026-11-28T09:30:00.000Z",
            xmlGetLineNo(node), (const char *)node->name, name);
    return TW_EPARSE;
  }
  return 0;
}

/* Copy z into dst (size n), cut at a UTF-8 character boundary if too long. */
static void copy_cut(char *dst, size_t n, const char *z)
{
  size_t len = strlen(z);
  if (len >= n) {
    len = n - 1;
    while (len > 0 && ((unsigned char)z[len] & 0xC0) == 0x80)
      len--;
  }
  memcpy(dst, z, len);
  dst[len] = '\0';
}

static int is_elem(const xmlNode *node, const char *name)
{
  return node->type == XML_ELEMENT_NODE && strcmp((const char *)node->name, name) == 0;
}

static int read_detail(tw_cot_event *e, const xmlNode *detail, char *err, size_t nerr)
{
  int rc;
  for (const xmlNode *c = detail->children; c; c = c->next) {
    if (is_elem(c, "track")) {
      double course = 0, speed = 0;
      if ((rc = get_num(c, "course", &course, 0, err, nerr)) < 0 ||
          (rc = get_num(c, "speed", &speed, 0, err, nerr)) < 0)
        return rc;
      e->course_deg = course;
      e->speed_mps = speed;
      e->flags |= TW_COT_HAS_TRACK;
    } else if (is_elem(c, "remarks")) {
      xmlChar *z = xmlNodeGetContent(c);
      if (!z)
        return TW_ENOMEM;
      copy_cut(e->remarks, sizeof e->remarks, (const char *)z);
      xmlFree(z);
    } else if (is_elem(c, "link") && !(e->flags & TW_COT_HAS_LINK) &&
               xmlHasProp(c, BAD_CAST "uid")) {
      /* the first link to another event; links without uid (shape vertices) are not ours */
      if ((rc = req_str(c, "uid", e->link_uid, sizeof e->link_uid, err, nerr)) < 0)
        return rc;
      if (get_attr(c, "type", e->link_type, sizeof e->link_type) < 0)
        e->link_type[0] = '\0';
      if (get_attr(c, "relation", e->link_relation, sizeof e->link_relation) < 0)
        e->link_relation[0] = '\0';
      e->flags |= TW_COT_HAS_LINK;
    }
  }
  return 0;
}

static int read_event(tw_cot_event *e, const xmlNode *ev, char *err, size_t nerr)
{
  double version = 0;
  const xmlNode *point = NULL, *detail = NULL;
  int rc;
  if ((rc = get_num(ev, "version", &version, 1, err, nerr)) < 0)
    return rc;
  if (version < 2) {
    set_err(err, nerr, "line %ld: <event> attribute 'version': expected 2.0 or later",
            xmlGetLineNo(ev));
    return TW_EPARSE;
  }
  if ((rc = req_str(ev, "uid", e->uid, sizeof e->uid, err, nerr)) < 0 ||
      (rc = req_str(ev, "type", e->type, sizeof e->type, err, nerr)) < 0 ||
      (rc = req_str(ev, "how", e->how, sizeof e->how, err, nerr)) < 0 ||
      (rc = get_time(ev, "time", &e->time_ns, err, nerr)) < 0 ||
      (rc = get_time(ev, "start", &e->start_ns, err, nerr)) < 0 ||
      (rc = get_time(ev, "stale", &e->stale_ns, err, nerr)) < 0)
    return rc;
  if (get_attr(ev, "access", e->access, sizeof e->access) < 0) {
    set_err(err, nerr, "line %ld: <event> attribute 'access': longer than %zu bytes",
            xmlGetLineNo(ev), sizeof e->access - 1);
    return TW_ERANGE;
  }
  for (const xmlNode *c = ev->children; c; c = c->next) {
    if (is_elem(c, "point") && !point)
      point = c;
    else if (is_elem(c, "detail") && !detail)
      detail = c;
  }
  if (!point) {
    set_err(err, nerr, "line %ld: <event>: no <point>", xmlGetLineNo(ev));
    return TW_EPARSE;
  }
  if ((rc = get_num(point, "lat", &e->lat_deg, 1, err, nerr)) < 0 ||
      (rc = get_num(point, "lon", &e->lon_deg, 1, err, nerr)) < 0 ||
      (rc = get_num(point, "hae", &e->hae_m, 1, err, nerr)) < 0 ||
      (rc = get_num(point, "ce", &e->ce_m, 1, err, nerr)) < 0 ||
      (rc = get_num(point, "le", &e->le_m, 1, err, nerr)) < 0)
    return rc;
  if (e->lat_deg < -90 || e->lat_deg > 90 || e->lon_deg < -180 || e->lon_deg > 180) {
    set_err(err, nerr, "line %ld: <point>: lat must be in -90..90, lon in -180..180",
            xmlGetLineNo(point));
    return TW_EPARSE;
  }
  return detail ? read_detail(e, detail, err, nerr) : 0;
}

/* Parse n bytes into a document; NULL with the message set (and *rc) on error. */
static xmlDocPtr parse(const char *buf, size_t n, int *rc, char *err, size_t nerr)
{
  xmlParserCtxtPtr ctxt;
  xmlDocPtr doc;
  *rc = TW_EPARSE;
  if (n > TW_COT_MAX_BYTES) {
    set_err(err, nerr, "CoT document of %zu bytes: the limit is %d", n, TW_COT_MAX_BYTES);
    *rc = TW_ERANGE;
    return NULL;
  }
  if (has_dtd(buf, n)) {
    set_err(err, nerr, "CoT document with a <!DOCTYPE>: DTDs are refused");
    return NULL;
  }
  xmlInitParser();
  if (!(ctxt = xmlNewParserCtxt())) {
    set_err(err, nerr, "out of memory");
    *rc = TW_ENOMEM;
    return NULL;
  }
  doc = xmlCtxtReadMemory(ctxt, buf, (int)n, NULL, NULL,
                          XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (!doc || !ctxt->wellFormed || doc->intSubset || doc->extSubset) {
    const xmlError *xe = xmlCtxtGetLastError(ctxt);
    if (xe && xe->message) {
      size_t len = strlen(xe->message);
      while (len > 0 && xe->message[len - 1] == '\n')
        len--;
      set_err(err, nerr, "line %d: not well-formed XML: %.*s", xe->line, (int)len, xe->message);
    } else {
      set_err(err, nerr, "not well-formed XML (or a DTD)");
    }
    xmlFreeDoc(doc);
    doc = NULL;
  }
  xmlFreeParserCtxt(ctxt);
  return doc;
}

int tw_cot_read(tw_cot_event *e, const char *buf, size_t n, char *err, size_t nerr)
{
  tw_cot_event tmp;
  xmlDocPtr doc;
  const xmlNode *root;
  int rc;
  if (err && nerr)
    err[0] = '\0';
  if (!e || !buf) {
    set_err(err, nerr, "no event or no input");
    return TW_EINVAL;
  }
  if (!(doc = parse(buf, n, &rc, err, nerr)))
    return rc;
  root = xmlDocGetRootElement(doc);
  if (!root || !is_elem(root, "event")) {
    set_err(err, nerr, "line %ld: expected the root element <event>",
            root ? xmlGetLineNo(root) : 1L);
    rc = TW_EPARSE;
    goto done;
  }
  memset(&tmp, 0, sizeof tmp);
  if ((rc = read_event(&tmp, root, err, nerr)) == 0)
    *e = tmp;
done:
  xmlFreeDoc(doc);
  return rc;
}

int tw__cot_detail_xml_read(tw_cot_event *e, const char *xml, size_t n)
{
  static const char open[] = "<detail>", close[] = "</detail>";
  char *z;
  xmlDocPtr doc;
  int rc;
  if (n > TW_COT_MAX_BYTES)
    return TW_ERANGE;
  if (!(z = malloc(sizeof open + n + sizeof close)))
    return TW_ENOMEM;
  memcpy(z, open, sizeof open - 1);
  memcpy(z + sizeof open - 1, xml, n);
  memcpy(z + sizeof open - 1 + n, close, sizeof close);
  doc = parse(z, sizeof open - 1 + n + sizeof close - 1, &rc, NULL, 0);
  free(z);
  if (!doc)
    return rc;
  rc = read_detail(e, xmlDocGetRootElement(doc), NULL, 0);
  xmlFreeDoc(doc);
  return rc;
}
