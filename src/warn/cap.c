/* cap.c - CAP 1.2 alerts to and from XML with libxml2 (see triwatch/cap.h).
 *
 * Reading is the dangerous half: the document comes from outside. The parser runs with
 * XML_PARSE_NONET and without NOENT/DTDLOAD/XINCLUDE, and a SAX hook stops it at the first
 * DOCTYPE, before any entity declaration is seen, so nothing is ever fetched or expanded (XXE,
 * billion laughs). CAP never needs a DTD. */
#include "triwatch/cap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>

#include "triwatch/error.h"

#define CAP_NS "urn:oasis:names:tc:emergency:cap:1.2"
#define CAP_NS_11 "urn:oasis:names:tc:emergency:cap:1.1"

static const char *const status_names[] = {"Actual", "Exercise", "System", "Test", "Draft"};
static const char *const msg_type_names[] = {"Alert", "Update", "Cancel", "Ack", "Error"};
static const char *const scope_names[] = {"Public", "Restricted", "Private"};
static const char *const category_names[] = {"Geo",    "Met",    "Safety", "Security",
                                             "Rescue", "Fire",   "Health", "Env",
                                             "Transport", "Infra", "CBRNE", "Other"};
static const char *const urgency_names[] = {"Immediate", "Expected", "Future", "Past", "Unknown"};
static const char *const severity_names[] = {"Extreme", "Severe", "Moderate", "Minor", "Unknown"};
static const char *const certainty_names[] = {"Observed", "Likely", "Possible", "Unlikely",
                                              "Unknown"};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *tw_cap_status_name(tw_cap_status s)
{
  return (unsigned)s < COUNT(status_names) ? status_names[s] : NULL;
}

const char *tw_cap_msg_type_name(tw_cap_msg_type t)
{
  return (unsigned)t < COUNT(msg_type_names) ? msg_type_names[t] : NULL;
}

/* ---- times ---------------------------------------------------------------------------------- */

/* Strict CAP time "YYYY-MM-DDThh:mm:ss+hh:mm" (or '-'): 0, or TW_EPARSE. */
static int cap_time_parse(tw_time_ns *t, int *offset_min, const char *s)
{
  static const char shape[] = "dddd-dd-ddTdd:dd:dd+dd:dd";
  if (strlen(s) != sizeof(shape) - 1)
    return TW_EPARSE;
  for (size_t i = 0; shape[i]; i++) {
    char c = s[i];
    if (shape[i] == 'd' ? !(c >= '0' && c <= '9')
                        : shape[i] == '+' ? !(c == '+' || c == '-') : c != shape[i])
      return TW_EPARSE;
  }
  tw_time_ns v;
  if (tw_time_parse(&v, s) != 0)
    return TW_EPARSE;
  int off = ((s[20] - '0') * 10 + (s[21] - '0')) * 60 + (s[23] - '0') * 10 + (s[24] - '0');
  *t = v;
  *offset_min = s[19] == '-' ? -off : off;
  return 0;
}

/* ---- writing -------------------------------------------------------------------------------- */

/* identifier/sender: non-empty, no white space, commas, '<' or '&' (CAP 1.2 section 3.2.1). */
static int token_ok(const char *s)
{
  if (!s || !*s)
    return 0;
  for (; *s; s++)
    if (*s == ' ' || *s == ',' || *s == '<' || *s == '&' || *s == '\t' || *s == '\n' ||
        *s == '\r')
      return 0;
  return 1;
}

static int text_child(xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *text)
{
  return xmlNewTextChild(parent, ns, BAD_CAST name, BAD_CAST text) ? 0 : TW_ENOMEM;
}

static int time_child(xmlNodePtr parent, xmlNsPtr ns, const char *name, tw_time_ns t, int off)
{
  char buf[48];
  int rc = tw_time_format(buf, sizeof buf, t, 0, off, 0);
  if (rc < 0)
    return rc == TW_ERANGE ? TW_ERANGE : TW_EINVAL;
  tw_time_ns back;
  int off_back;
  if (cap_time_parse(&back, &off_back, buf) != 0)
    return TW_ERANGE; /* a year tw_time_parse cannot read back */
  return text_child(parent, ns, name, buf);
}

/* Append "%.6f" without trailing zeros to the growing buffer. */
static void coord_append(char *dst, size_t n, size_t *pos, double v)
{
  char num[32];
  int k = snprintf(num, sizeof num, "%.6f", v);
  while (k > 1 && num[k - 1] == '0')
    num[--k] = '\0';
  if (k > 1 && num[k - 1] == '.')
    num[--k] = '\0';
  if (!strcmp(num, "-0"))
    strcpy(num, "0");
  *pos += (size_t)snprintf(dst + *pos, *pos < n ? n - *pos : 0, "%s", num);
}

static int polygon_ok(const tw_cap_polygon *p)
{
  if (!p->lat_deg || !p->lon_deg || p->n < 4)
    return 0;
  for (size_t i = 0; i < p->n; i++)
    if (!(p->lat_deg[i] >= -90 && p->lat_deg[i] <= 90 && p->lon_deg[i] >= -180 &&
          p->lon_deg[i] <= 180))
      return 0;
  return p->lat_deg[0] == p->lat_deg[p->n - 1] && p->lon_deg[0] == p->lon_deg[p->n - 1];
}

static int polygon_child(xmlNodePtr parent, xmlNsPtr ns, const tw_cap_polygon *p)
{
  size_t cap = p->n * 2 * 24 + 1, pos = 0;
  char *s = malloc(cap);
  if (!s)
    return TW_ENOMEM;
  s[0] = '\0';
  for (size_t i = 0; i < p->n; i++) {
    if (i)
      pos += (size_t)snprintf(s + pos, cap - pos, " ");
    coord_append(s, cap, &pos, p->lat_deg[i]);
    pos += (size_t)snprintf(s + pos, cap - pos, ",");
    coord_append(s, cap, &pos, p->lon_deg[i]);
  }
  int rc = text_child(parent, ns, "polygon", s);
  free(s);
  return rc;
}

static int alert_ok(const tw_cap_alert *a)
{
  if (!token_ok(a->identifier) || !token_ok(a->sender) || a->sent_offset_min < -1439 ||
      a->sent_offset_min > 1439 || (unsigned)a->status >= COUNT(status_names) ||
      (unsigned)a->msg_type >= COUNT(msg_type_names) || a->scope != TW_CAP_PUBLIC)
    return 0;
  if ((a->msg_type == TW_CAP_UPDATE || a->msg_type == TW_CAP_CANCEL) && a->n_refs == 0)
    return 0;
  if (a->n_refs && !a->refs)
    return 0;
  for (size_t i = 0; i < a->n_refs; i++)
    if (!token_ok(a->refs[i].sender) || !token_ok(a->refs[i].identifier) ||
        a->refs[i].sent_offset_min < -1439 || a->refs[i].sent_offset_min > 1439)
      return 0;
  if (!a->has_info)
    return 1;
  const tw_cap_info *f = &a->info;
  if (!f->categories || f->categories >= (1u << COUNT(category_names)) || !f->event ||
      (unsigned)f->urgency >= COUNT(urgency_names) ||
      (unsigned)f->severity >= COUNT(severity_names) ||
      (unsigned)f->certainty >= COUNT(certainty_names) || (f->n_areas && !f->areas))
    return 0;
  for (size_t i = 0; i < f->n_areas; i++) {
    const tw_cap_area *ar = &f->areas[i];
    if (!ar->area_desc || (ar->n_polygons && !ar->polygons) || (ar->n_geocodes && !ar->geocodes))
      return 0;
    for (size_t k = 0; k < ar->n_polygons; k++)
      if (!polygon_ok(&ar->polygons[k]))
        return 0;
    for (size_t k = 0; k < ar->n_geocodes; k++)
      if (!ar->geocodes[k].value_name || !ar->geocodes[k].value)
        return 0;
  }
  return 1;
}

/* The <references> text: "sender,identifier,sent" triples separated by one space. */
static int refs_child(xmlNodePtr parent, xmlNsPtr ns, const tw_cap_alert *a)
{
  size_t cap = 1;
  for (size_t i = 0; i < a->n_refs; i++)
    cap += strlen(a->refs[i].sender) + strlen(a->refs[i].identifier) + 48;
  char *s = malloc(cap);
  if (!s)
    return TW_ENOMEM;
  size_t pos = 0;
  int rc = 0;
  s[0] = '\0';
  for (size_t i = 0; i < a->n_refs && rc == 0; i++) {
    char t[48];
    tw_time_ns back;
    int off_back;
    if (tw_time_format(t, sizeof t, a->refs[i].sent, 0, a->refs[i].sent_offset_min, 0) < 0 ||
        cap_time_parse(&back, &off_back, t) != 0)
      rc = TW_ERANGE;
    else
      pos += (size_t)snprintf(s + pos, cap - pos, "%s%s,%s,%s", i ? " " : "", a->refs[i].sender,
                              a->refs[i].identifier, t);
  }
  if (rc == 0)
    rc = text_child(parent, ns, "references", s);
  free(s);
  return rc;
}

static int info_child(xmlNodePtr parent, xmlNsPtr ns, const tw_cap_info *f)
{
  xmlNodePtr info = xmlNewChild(parent, ns, BAD_CAST "info", NULL);
  if (!info)
    return TW_ENOMEM;
  int rc = 0;
  for (size_t c = 0; c < COUNT(category_names) && rc == 0; c++)
    if (f->categories & (1u << c))
      rc = text_child(info, ns, "category", category_names[c]);
  if (rc == 0)
    rc = text_child(info, ns, "event", f->event);
  if (rc == 0)
    rc = text_child(info, ns, "urgency", urgency_names[f->urgency]);
  if (rc == 0)
    rc = text_child(info, ns, "severity", severity_names[f->severity]);
  if (rc == 0)
    rc = text_child(info, ns, "certainty", certainty_names[f->certainty]);
  if (rc == 0 && f->headline)
    rc = text_child(info, ns, "headline", f->headline);
  if (rc == 0 && f->description)
    rc = text_child(info, ns, "description", f->description);
  if (rc == 0 && f->instruction)
    rc = text_child(info, ns, "instruction", f->instruction);
  for (size_t i = 0; i < f->n_areas && rc == 0; i++) {
    const tw_cap_area *ar = &f->areas[i];
    xmlNodePtr area = xmlNewChild(info, ns, BAD_CAST "area", NULL);
    if (!area)
      return TW_ENOMEM;
    rc = text_child(area, ns, "areaDesc", ar->area_desc);
    for (size_t k = 0; k < ar->n_polygons && rc == 0; k++)
      rc = polygon_child(area, ns, &ar->polygons[k]);
    for (size_t k = 0; k < ar->n_geocodes && rc == 0; k++) {
      xmlNodePtr g = xmlNewChild(area, ns, BAD_CAST "geocode", NULL);
      if (!g)
        return TW_ENOMEM;
      rc = text_child(g, ns, "valueName", ar->geocodes[k].value_name);
      if (rc == 0)
        rc = text_child(g, ns, "value", ar->geocodes[k].value);
    }
  }
  return rc;
}

int tw_cap_write(char **xml, size_t *len, const tw_cap_alert *a)
{
  if (!xml || !len || !a || !alert_ok(a))
    return TW_EINVAL;
  xmlInitParser();
  int rc = TW_ENOMEM;
  xmlChar *out = NULL;
  int out_len = 0;
  xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
  if (!doc)
    goto err_doc;
  xmlNodePtr root = xmlNewNode(NULL, BAD_CAST "alert");
  if (!root)
    goto err_build;
  xmlDocSetRootElement(doc, root);
  xmlNsPtr ns = xmlNewNs(root, BAD_CAST CAP_NS, NULL);
  if (!ns)
    goto err_build;
  xmlSetNs(root, ns);
  if ((rc = text_child(root, ns, "identifier", a->identifier)) != 0 ||
      (rc = text_child(root, ns, "sender", a->sender)) != 0 ||
      (rc = time_child(root, ns, "sent", a->sent, a->sent_offset_min)) != 0 ||
      (rc = text_child(root, ns, "status", status_names[a->status])) != 0 ||
      (rc = text_child(root, ns, "msgType", msg_type_names[a->msg_type])) != 0 ||
      (rc = text_child(root, ns, "scope", scope_names[a->scope])) != 0)
    goto err_build;
  if (a->n_refs && (rc = refs_child(root, ns, a)) != 0)
    goto err_build;
  if (a->has_info && (rc = info_child(root, ns, &a->info)) != 0)
    goto err_build;
  rc = TW_ENOMEM;
  xmlDocDumpFormatMemoryEnc(doc, &out, &out_len, "UTF-8", 1);
  if (!out || out_len <= 0)
    goto err_build;
  char *copy = malloc((size_t)out_len + 1);
  if (!copy)
    goto err_build;
  memcpy(copy, out, (size_t)out_len);
  copy[out_len] = '\0';
  *xml = copy;
  *len = (size_t)out_len;
  rc = 0;
err_build:
  xmlFree(out);
  xmlFreeDoc(doc);
err_doc:
  return rc;
}

/* ---- reading -------------------------------------------------------------------------------- */

typedef struct {
  char *err;
  size_t n;
  int rc; /* first error */
} reader;

static int fail(reader *r, int rc, const xmlNode *node, const char *fmt, ...)
{
  if (r->rc == 0)
    r->rc = rc;
  else
    return r->rc;
  if (r->err && r->n) {
    int k = 0;
    if (node)
      k = snprintf(r->err, r->n, "line %ld: <%s>: ", xmlGetLineNo(node), (const char *)node->name);
    if (k < 0 || (size_t)k >= r->n)
      return rc;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err + k, r->n - (size_t)k, fmt, ap);
    va_end(ap);
  }
  return rc;
}

static const char *ns_of(const xmlNode *n)
{
  return n->ns && n->ns->href ? (const char *)n->ns->href : "";
}

static int is_cap_elem(const xmlNode *n, const char *cap_ns)
{
  return n->type == XML_ELEMENT_NODE && !strcmp(ns_of(n), cap_ns);
}

/* The trimmed text of an element, malloc'd; NULL on error (recorded in r). */
static char *text_of(reader *r, const xmlNode *n, int allow_empty)
{
  xmlChar *raw = xmlNodeGetContent(n);
  if (!raw) {
    fail(r, TW_ENOMEM, n, "out of memory");
    return NULL;
  }
  const char *s = (const char *)raw;
  size_t len = strlen(s);
  while (len && strchr(" \t\r\n", s[len - 1]))
    len--;
  while (len && strchr(" \t\r\n", *s))
    s++, len--;
  char *out = NULL;
  if (!len && !allow_empty)
    fail(r, TW_EPARSE, n, "empty");
  else if (!(out = malloc(len + 1)))
    fail(r, TW_ENOMEM, n, "out of memory");
  else {
    memcpy(out, s, len);
    out[len] = '\0';
  }
  xmlFree(raw);
  return out;
}

/* Store the element's text into *dst, which must still be unset (singleton elements). */
static int take_text(reader *r, char **dst, const xmlNode *n)
{
  if (*dst)
    return fail(r, TW_EPARSE, n, "repeated");
  *dst = text_of(r, n, 0);
  return *dst ? 0 : r->rc;
}

static int take_enum(reader *r, int *dst, int *seen, const xmlNode *n,
                     const char *const *names, size_t count)
{
  if (*seen)
    return fail(r, TW_EPARSE, n, "repeated");
  char *s = text_of(r, n, 1);
  if (!s)
    return r->rc;
  int rc = 0;
  size_t i;
  for (i = 0; i < count && strcmp(s, names[i]); i++)
    ;
  if (i < count) {
    *dst = (int)i;
    *seen = 1;
  } else if (names == certainty_names && !strcmp(s, "Very Likely")) {
    *dst = TW_CAP_CERT_LIKELY;
    *seen = 1;
  } else {
    char list[160] = "";
    for (size_t k = 0; k < count; k++)
      snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k ? "|" : "", names[k]);
    rc = fail(r, TW_EPARSE, n, "'%.40s' is not one of %s", s, list);
  }
  free(s);
  return rc;
}

static int take_time(reader *r, tw_time_ns *t, int *off, const char *s, const xmlNode *n)
{
  if (cap_time_parse(t, off, s) != 0)
    return fail(r, TW_EPARSE, n, "'%.40s' is not a CAP time (YYYY-MM-DDThh:mm:ss+hh:mm)", s);
  return 0;
}

static void free_area(tw_cap_area *ar)
{
  free(ar->area_desc);
  for (size_t k = 0; k < ar->n_polygons; k++) {
    free(ar->polygons[k].lat_deg);
    free(ar->polygons[k].lon_deg);
  }
  free(ar->polygons);
  for (size_t k = 0; k < ar->n_geocodes; k++) {
    free(ar->geocodes[k].value_name);
    free(ar->geocodes[k].value);
  }
  free(ar->geocodes);
}

void tw_cap_free(tw_cap_alert *a)
{
  if (!a)
    return;
  free(a->identifier);
  free(a->sender);
  for (size_t i = 0; i < a->n_refs; i++) {
    free(a->refs[i].sender);
    free(a->refs[i].identifier);
  }
  free(a->refs);
  free(a->info.event);
  free(a->info.headline);
  free(a->info.description);
  free(a->info.instruction);
  for (size_t i = 0; i < a->info.n_areas; i++)
    free_area(&a->info.areas[i]);
  free(a->info.areas);
  memset(a, 0, sizeof *a);
}

/* arr (count items of size sz) grown by one zeroed item at its end: the new base, or NULL
 * (recorded in r, arr still valid). */
static void *grow(reader *r, void *arr, size_t count, size_t sz, const xmlNode *n)
{
  if (count >= 100000) {
    fail(r, TW_ERANGE, n, "too many");
    return NULL;
  }
  char *p = realloc(arr, (count + 1) * sz);
  if (!p) {
    fail(r, TW_ENOMEM, n, "out of memory");
    return NULL;
  }
  memset(p + count * sz, 0, sz);
  return p;
}

/* out = a new zeroed last item of arr (count grows), or NULL on error. */
#define PUSH(r, arr, count, node, out)                                                         \
  do {                                                                                         \
    void *base_ = grow((r), (arr), (count), sizeof *(arr), (node));                            \
    if (base_) {                                                                               \
      (arr) = base_;                                                                           \
      (out) = &(arr)[(count)++];                                                               \
    } else {                                                                                   \
      (out) = NULL;                                                                            \
    }                                                                                          \
  } while (0)

static int parse_refs(reader *r, tw_cap_alert *a, const xmlNode *n)
{
  if (a->n_refs)
    return fail(r, TW_EPARSE, n, "repeated");
  char *s = text_of(r, n, 1);
  if (!s)
    return r->rc;
  int rc = 0;
  char *save = NULL;
  for (char *tok = strtok_r(s, " \t\r\n", &save); tok && rc == 0;
       tok = strtok_r(NULL, " \t\r\n", &save)) {
    char *c1 = strchr(tok, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
    if (!c1 || !c2 || c1 == tok || c2 == c1 + 1 || strchr(c2 + 1, ',')) {
      rc = fail(r, TW_EPARSE, n, "'%.60s' is not sender,identifier,sent", tok);
      break;
    }
    *c1 = *c2 = '\0';
    tw_cap_ref *ref;
    PUSH(r, a->refs, a->n_refs, n, ref);
    if (!ref || !(ref->sender = strdup(tok)) || !(ref->identifier = strdup(c1 + 1))) {
      rc = r->rc ? r->rc : fail(r, TW_ENOMEM, n, "out of memory");
      break;
    }
    rc = take_time(r, &ref->sent, &ref->sent_offset_min, c2 + 1, n);
  }
  if (rc == 0 && a->n_refs == 0)
    rc = fail(r, TW_EPARSE, n, "empty (an update or cancel must name what it references)");
  free(s);
  return rc;
}

static int parse_polygon(reader *r, tw_cap_area *ar, const xmlNode *n)
{
  char *s = text_of(r, n, 0);
  if (!s)
    return r->rc;
  tw_cap_polygon *p;
  PUSH(r, ar->polygons, ar->n_polygons, n, p);
  int rc = p ? 0 : r->rc;
  size_t cap = 0;
  char *save = NULL;
  for (char *tok = strtok_r(s, " \t\r\n", &save); tok && rc == 0;
       tok = strtok_r(NULL, " \t\r\n", &save)) {
    char *end;
    double lat = strtod(tok, &end), lon = 0;
    int ok = end != tok && *end == ',';
    if (ok) {
      char *lon_s = end + 1;
      lon = strtod(lon_s, &end);
      ok = end != lon_s && *end == '\0';
    }
    if (!ok || !(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180)) {
      rc = fail(r, TW_EPARSE, n, "'%.40s' is not a lat,lon point in degrees", tok);
      break;
    }
    if (p->n == cap) {
      size_t ncap = cap ? 2 * cap : 16;
      double *la = realloc(p->lat_deg, ncap * sizeof *la);
      if (la)
        p->lat_deg = la;
      double *lo = la ? realloc(p->lon_deg, ncap * sizeof *lo) : NULL;
      if (!la || !lo) {
        rc = fail(r, TW_ENOMEM, n, "out of memory");
        break;
      }
      p->lon_deg = lo;
      cap = ncap;
    }
    p->lat_deg[p->n] = lat;
    p->lon_deg[p->n] = lon;
    p->n++;
  }
  if (rc == 0 && p->n < 4)
    rc = fail(r, TW_EPARSE, n, "a polygon needs at least 4 points, has %zu", p->n);
  if (rc == 0 && (p->lat_deg[0] != p->lat_deg[p->n - 1] || p->lon_deg[0] != p->lon_deg[p->n - 1]))
    rc = fail(r, TW_EPARSE, n, "the polygon is not closed (first point != last)");
  free(s);
  return rc;
}

static int parse_geocode(reader *r, tw_cap_area *ar, const xmlNode *n, const char *cap_ns)
{
  tw_cap_geocode *g;
  PUSH(r, ar->geocodes, ar->n_geocodes, n, g);
  if (!g)
    return r->rc;
  for (const xmlNode *c = n->children; c; c = c->next) {
    if (!is_cap_elem(c, cap_ns))
      continue;
    int rc = 0;
    if (!strcmp((const char *)c->name, "valueName"))
      rc = take_text(r, &g->value_name, c);
    else if (!strcmp((const char *)c->name, "value"))
      rc = take_text(r, &g->value, c);
    if (rc)
      return rc;
  }
  if (!g->value_name)
    return fail(r, TW_EPARSE, n, "missing <valueName>");
  if (!g->value)
    return fail(r, TW_EPARSE, n, "missing <value>");
  return 0;
}

static int parse_area(reader *r, tw_cap_info *f, const xmlNode *n, const char *cap_ns)
{
  tw_cap_area *ar;
  PUSH(r, f->areas, f->n_areas, n, ar);
  if (!ar)
    return r->rc;
  for (const xmlNode *c = n->children; c; c = c->next) {
    if (!is_cap_elem(c, cap_ns))
      continue;
    const char *name = (const char *)c->name;
    int rc = 0;
    if (!strcmp(name, "areaDesc"))
      rc = take_text(r, &ar->area_desc, c);
    else if (!strcmp(name, "polygon"))
      rc = parse_polygon(r, ar, c);
    else if (!strcmp(name, "geocode"))
      rc = parse_geocode(r, ar, c, cap_ns);
    if (rc)
      return rc;
  }
  if (!ar->area_desc)
    return fail(r, TW_EPARSE, n, "missing <areaDesc>");
  return 0;
}

static int parse_info(reader *r, tw_cap_info *f, const xmlNode *n, const char *cap_ns)
{
  int seen_u = 0, seen_s = 0, seen_c = 0, v;
  for (const xmlNode *c = n->children; c; c = c->next) {
    if (!is_cap_elem(c, cap_ns))
      continue;
    const char *name = (const char *)c->name;
    int rc = 0;
    if (!strcmp(name, "category")) {
      int seen = 0;
      rc = take_enum(r, &v, &seen, c, category_names, COUNT(category_names));
      if (rc == 0)
        f->categories |= 1u << v;
    } else if (!strcmp(name, "event")) {
      rc = take_text(r, &f->event, c);
    } else if (!strcmp(name, "urgency")) {
      rc = take_enum(r, &v, &seen_u, c, urgency_names, COUNT(urgency_names));
      f->urgency = (tw_cap_urgency)v;
    } else if (!strcmp(name, "severity")) {
      rc = take_enum(r, &v, &seen_s, c, severity_names, COUNT(severity_names));
      f->severity = (tw_cap_severity)v;
    } else if (!strcmp(name, "certainty")) {
      rc = take_enum(r, &v, &seen_c, c, certainty_names, COUNT(certainty_names));
      f->certainty = (tw_cap_certainty)v;
    } else if (!strcmp(name, "headline")) {
      rc = take_text(r, &f->headline, c);
    } else if (!strcmp(name, "description")) {
      rc = take_text(r, &f->description, c);
    } else if (!strcmp(name, "instruction")) {
      rc = take_text(r, &f->instruction, c);
    } else if (!strcmp(name, "area")) {
      rc = parse_area(r, f, c, cap_ns);
    }
    if (rc)
      return rc;
  }
  if (!f->categories)
    return fail(r, TW_EPARSE, n, "missing <category>");
  if (!f->event)
    return fail(r, TW_EPARSE, n, "missing <event>");
  if (!seen_u)
    return fail(r, TW_EPARSE, n, "missing <urgency>");
  if (!seen_s)
    return fail(r, TW_EPARSE, n, "missing <severity>");
  if (!seen_c)
    return fail(r, TW_EPARSE, n, "missing <certainty>");
  return 0;
}

static int parse_alert(reader *r, tw_cap_alert *a, const xmlNode *root)
{
  const char *cap_ns = ns_of(root);
  if (strcmp((const char *)root->name, "alert") ||
      (strcmp(cap_ns, CAP_NS) && strcmp(cap_ns, CAP_NS_11)))
    return fail(r, TW_EPARSE, root, "not a CAP alert (expected <alert xmlns=\"%s\">)", CAP_NS);
  int seen_sent = 0, seen_st = 0, seen_mt = 0, seen_sc = 0, v;
  for (const xmlNode *c = root->children; c; c = c->next) {
    if (!is_cap_elem(c, cap_ns))
      continue;
    const char *name = (const char *)c->name;
    int rc = 0;
    if (!strcmp(name, "identifier")) {
      rc = take_text(r, &a->identifier, c);
    } else if (!strcmp(name, "sender")) {
      rc = take_text(r, &a->sender, c);
    } else if (!strcmp(name, "sent")) {
      char *s = seen_sent ? NULL : text_of(r, c, 1);
      if (seen_sent)
        rc = fail(r, TW_EPARSE, c, "repeated");
      else if (!s)
        rc = r->rc;
      else
        rc = take_time(r, &a->sent, &a->sent_offset_min, s, c);
      seen_sent = 1;
      free(s);
    } else if (!strcmp(name, "status")) {
      rc = take_enum(r, &v, &seen_st, c, status_names, COUNT(status_names));
      a->status = (tw_cap_status)v;
    } else if (!strcmp(name, "msgType")) {
      rc = take_enum(r, &v, &seen_mt, c, msg_type_names, COUNT(msg_type_names));
      a->msg_type = (tw_cap_msg_type)v;
    } else if (!strcmp(name, "scope")) {
      rc = take_enum(r, &v, &seen_sc, c, scope_names, COUNT(scope_names));
      a->scope = (tw_cap_scope)v;
    } else if (!strcmp(name, "references")) {
      rc = parse_refs(r, a, c);
    } else if (!strcmp(name, "info")) {
      if (a->has_info) {
        a->n_info_skipped++;
      } else {
        a->has_info = 1;
        rc = parse_info(r, &a->info, c, cap_ns);
      }
    }
    if (rc)
      return rc;
  }
  static const char *const required[] = {"identifier", "sender", "sent", "status", "msgType",
                                         "scope"};
  int have[] = {a->identifier != NULL, a->sender != NULL, seen_sent, seen_st, seen_mt, seen_sc};
  for (size_t i = 0; i < COUNT(required); i++)
    if (!have[i])
      return fail(r, TW_EPARSE, root, "missing <%s>", required[i]);
  return 0;
}

/* SAX hook: the parser saw "<!DOCTYPE"; stop before the internal subset is read. */
static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *ext_id,
                       const xmlChar *sys_id)
{
  (void)name, (void)ext_id, (void)sys_id;
  xmlParserCtxtPtr ctxt = ctx;
  *(int *)ctxt->_private = 1;
  xmlStopParser(ctxt);
}

int tw_cap_read(tw_cap_alert *a, const char *xml, size_t len, char *err, size_t n)
{
  reader r = {err, n, 0};
  if (err && n)
    err[0] = '\0';
  if (!a || !xml)
    return fail(&r, TW_EINVAL, NULL, "no alert or no document");
  if (len > TW_CAP_MAX_BYTES)
    return fail(&r, TW_ERANGE, NULL, "document of %zu bytes is over the %d byte limit", len,
                TW_CAP_MAX_BYTES);
  xmlInitParser();
  tw_cap_alert tmp;
  memset(&tmp, 0, sizeof tmp);
  int doctype = 0;
  xmlDocPtr doc = NULL;
  xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(xml, (int)len);
  if (!ctxt) {
    fail(&r, len ? TW_ENOMEM : TW_EPARSE, NULL, len ? "out of memory" : "empty document");
    goto err_ctxt;
  }
  xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                              XML_PARSE_NOCDATA);
  ctxt->_private = &doctype;
  ctxt->sax->internalSubset = on_doctype;
  ctxt->sax->externalSubset = NULL;
  xmlParseDocument(ctxt);
  doc = ctxt->myDoc;
  if (doctype) {
    fail(&r, TW_EPARSE, NULL, "line %d: DOCTYPE not allowed (CAP needs no DTD; entities refused)",
         ctxt->input ? ctxt->input->line : 0);
    goto err_parse;
  }
  if (!ctxt->wellFormed || !doc) {
    const xmlError *e = &ctxt->lastError;
    char msg[200];
    snprintf(msg, sizeof msg, "%s", e->message ? e->message : "not well-formed XML\n");
    msg[strcspn(msg, "\n")] = '\0';
    fail(&r, TW_EPARSE, NULL, "line %d: not well-formed XML: %s", e->line, msg);
    goto err_parse;
  }
  xmlNodePtr root = xmlDocGetRootElement(doc);
  if (!root) {
    fail(&r, TW_EPARSE, NULL, "no root element");
    goto err_parse;
  }
  if (parse_alert(&r, &tmp, root) == 0)
    *a = tmp;
err_parse:
  if (r.rc)
    tw_cap_free(&tmp);
  xmlFreeDoc(doc);
  ctxt->myDoc = NULL;
  xmlFreeParserCtxt(ctxt);
err_ctxt:
  return r.rc;
}
