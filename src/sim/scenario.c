/* scenario.c - scenario files (YAML) into tw_scenario; contract in triwatch/scenario.h, file
 * reference in docs/scenarios.md.
 *
 * Two passes over the text. The first (check_events) walks libyaml's event stream and rejects
 * what we never want to build or walk: nesting deeper than MAX_DEPTH, anchors and aliases (a
 * "billion laughs" file expands exponentially in any walker that follows aliases), explicit
 * tags, a second document, more than MAX_NODES nodes. Only a text that passes is loaded into a
 * libyaml document, which the second pass walks against the schema: every key known, none twice,
 * every value of its type and in its range. The walk follows the schema (a few levels deep), never
 * the input, so hostile input cannot make it recurse.
 *
 * Errors are one line, "origin:line: key.path: expected X, got Y". libyaml's marks are 0-based;
 * we keep them so inside and add 1 only when printing. */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "triwatch/error.h"
#include "triwatch/scenario.h"

#define MAX_INPUT (1024 * 1024) /* bytes of scenario text */
#define MAX_DEPTH 32            /* nested collections; a scenario needs 5 */
#define MAX_NODES 65536         /* a full scenario (32 launches, 64 sensors) has ~4,000 */
#define SHOW_MAX 40             /* bytes of an input value quoted in a message */
#define SENSOR_ID_EXAMPLE "KOR-GREENPINE-B1"
#define STR_(x) #x
#define STR(x) STR_(x)

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

typedef struct ctx {
  const char *origin;  /* names the text in messages */
  char *err;           /* the caller's message buffer (may be NULL) */
  size_t err_len;
  yaml_document_t *doc;/* second pass: the loaded document */
  char path[256];      /* key path of the node being read, e.g. "launches[0].site" */
} ctx;

/* A value quoted for a message; returned by value so it can sit in an argument list. Room for
 * the longest rendering, a list of 4 scalars of 16 bytes each escaped to 4 (see show). */
typedef struct shown {
  char s[4 * (2 + 16 * 4) + 16];
} shown;

/* ---- messages ---------------------------------------------------------------------------- */

/* Control characters (from the origin or the input) would break the one-line promise. */
static void one_line(char *z)
{
  for (; *z; z++)
    if ((unsigned char)*z < 0x20 || *z == 0x7f)
      *z = '?';
}

/* Write "origin:line: path: message" into the caller's buffer; returns rc. line0 is 0-based. */
PRINTF_LIKE(4, 5) static int fail(ctx *c, int rc, size_t line0, const char *fmt, ...)
{
  if (!c->err || !c->err_len)
    return rc;
  int n = snprintf(c->err, c->err_len, "%s:%zu: %s: ", c->origin, line0 + 1,
                   c->path[0] ? c->path : "(document)");
  if (n >= 0 && (size_t)n < c->err_len) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err + n, c->err_len - (size_t)n, fmt, ap);
    va_end(ap);
  }
  one_line(c->err);
  return rc;
}

/* Append z to out (capacity cap, NUL-terminated), cutting what does not fit. */
static void append(char *out, size_t cap, const char *z)
{
  size_t o = strlen(out);
  if (o + 1 < cap)
    snprintf(out + o, cap - o, "%s", z);
}

/* Append at most SHOW_MAX bytes of z[0..n) to out (capacity cap), control bytes as \xNN, cut at
 * a UTF-8 character boundary and marked "..." when long; quoted in '' when quote. */
static void put_text(char *out, size_t cap, const unsigned char *z, size_t n, int quote)
{
  char t[4 * SHOW_MAX + 8]; /* worst case: quotes, every byte escaped, "..." and NUL */
  size_t o = 0, cut = n > SHOW_MAX ? SHOW_MAX : n;
  while (cut < n && cut > 0 && (z[cut] & 0xC0) == 0x80)
    cut--;
  if (quote)
    t[o++] = '\'';
  for (size_t i = 0; i < cut; i++) {
    if (z[i] < 0x20 || z[i] == 0x7f)
      o += (size_t)snprintf(t + o, sizeof t - o, "\\x%02X", z[i]);
    else
      t[o++] = (char)z[i];
  }
  if (cut < n) {
    memcpy(t + o, "...", 3);
    o += 3;
  }
  if (quote)
    t[o++] = '\'';
  t[o] = '\0';
  append(out, cap, t);
}

static size_t line_of(const yaml_node_t *n) { return n ? n->start_mark.line : 0; }

static const char *sval(const yaml_node_t *n) { return (const char *)n->data.scalar.value; }

static int is_plain(const yaml_node_t *n)
{
  return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static int text_is(const yaml_node_t *n, const char *z)
{
  size_t len = strlen(z);
  return n->type == YAML_SCALAR_NODE && n->data.scalar.length == len &&
         memcmp(sval(n), z, len) == 0;
}

/* The YAML 1.1 spellings of null that libyaml leaves to us (it resolves no types). */
static int is_null(const yaml_node_t *n)
{
  return is_plain(n) && (n->data.scalar.length == 0 || text_is(n, "~") || text_is(n, "null") ||
                         text_is(n, "Null") || text_is(n, "NULL"));
}

/* Is z[0..n) a plain decimal number, [+-]digits[.digits][(e|E)[+-]digits] with a digit before
 * the exponent? Refuses what strtod would also take: hex, inf, nan, spaces. */
static int decimal_text(const char *z, size_t n)
{
  size_t i = 0, digits = 0;
  if (i < n && (z[i] == '+' || z[i] == '-'))
    i++;
  for (; i < n && z[i] >= '0' && z[i] <= '9'; i++)
    digits++;
  if (i < n && z[i] == '.')
    for (i++; i < n && z[i] >= '0' && z[i] <= '9'; i++)
      digits++;
  if (!digits)
    return 0;
  if (i < n && (z[i] == 'e' || z[i] == 'E')) {
    size_t exp_digits = 0;
    i++;
    if (i < n && (z[i] == '+' || z[i] == '-'))
      i++;
    for (; i < n && z[i] >= '0' && z[i] <= '9'; i++)
      exp_digits++;
    if (!exp_digits)
      return 0;
  }
  return i == n;
}

static const yaml_node_t *node_at(ctx *c, yaml_node_item_t id)
{
  return yaml_document_get_node(c->doc, id);
}

/* A node as the "got" part of a message: numbers bare, text quoted, short lists of scalars
 * written out ("[123, 126]"), other collections described. */
static shown show(ctx *c, const yaml_node_t *n)
{
  shown r;
  r.s[0] = '\0';
  if (!n) {
    strcpy(r.s, "nothing");
  } else if (n->type == YAML_SCALAR_NODE) {
    if (is_null(n))
      strcpy(r.s, "nothing");
    else
      put_text(r.s, sizeof r.s, n->data.scalar.value, n->data.scalar.length,
               !(is_plain(n) && decimal_text(sval(n), n->data.scalar.length)));
  } else if (n->type == YAML_SEQUENCE_NODE) {
    const yaml_node_item_t *a = n->data.sequence.items.start;
    size_t cnt = (size_t)(n->data.sequence.items.top - a);
    int simple = cnt > 0 && cnt <= 4;
    for (size_t i = 0; simple && i < cnt; i++) {
      const yaml_node_t *it = node_at(c, a[i]);
      simple = it && it->type == YAML_SCALAR_NODE && it->data.scalar.length <= 16;
    }
    if (!simple) {
      snprintf(r.s, sizeof r.s, cnt ? "a list of %zu item%s" : "an empty list", cnt,
               cnt == 1 ? "" : "s");
    } else {
      strcpy(r.s, "[");
      for (size_t i = 0; i < cnt; i++) {
        const yaml_node_t *it = node_at(c, a[i]);
        if (i)
          append(r.s, sizeof r.s, ", ");
        put_text(r.s, sizeof r.s, it->data.scalar.value, it->data.scalar.length,
                 !(is_plain(it) && decimal_text(sval(it), it->data.scalar.length)));
      }
      append(r.s, sizeof r.s, "]");
    }
  } else if (n->type == YAML_MAPPING_NODE) {
    size_t cnt = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    snprintf(r.s, sizeof r.s, cnt ? "a mapping with %zu key%s" : "an empty mapping", cnt,
             cnt == 1 ? "" : "s");
  } else {
    strcpy(r.s, "nothing");
  }
  return r;
}

/* ---- key paths --------------------------------------------------------------------------- */

static size_t path_key(ctx *c, const char *key)
{
  size_t old = strlen(c->path);
  snprintf(c->path + old, sizeof c->path - old, "%s%s", old ? "." : "", key);
  return old;
}

static size_t path_index(ctx *c, size_t i)
{
  size_t old = strlen(c->path);
  snprintf(c->path + old, sizeof c->path - old, "[%zu]", i);
  return old;
}

static void path_pop(ctx *c, size_t old) { c->path[old] = '\0'; }

/* ---- first pass: the event stream -------------------------------------------------------- */

typedef struct frame {
  int is_map;                /* else a sequence */
  int want_key;              /* mapping: the next node is a key */
  size_t index;              /* sequence: index of the current item */
  char key[4 * SHOW_MAX + 8];/* mapping: the current key, for messages */
} frame;

/* The key path of the node about to start, from the open collections. */
static void frames_path(ctx *c, const frame *st, int depth)
{
  c->path[0] = '\0';
  for (int i = 0; i < depth; i++) {
    if (!st[i].is_map)
      path_index(c, st[i].index);
    else if (!st[i].want_key)
      path_key(c, st[i].key);
    else
      break; /* the node is a key of this mapping */
  }
}

/* A node starts inside st[depth - 1]: remember it if it is a mapping key. */
static void node_begins(frame *st, int depth, const yaml_event_t *ev)
{
  frame *f = depth ? &st[depth - 1] : NULL;
  if (!f || !f->is_map || !f->want_key)
    return;
  f->key[0] = '\0';
  if (ev->type == YAML_SCALAR_EVENT)
    put_text(f->key, sizeof f->key, ev->data.scalar.value, ev->data.scalar.length, 0);
  else
    strcpy(f->key, "?");
}

/* A node inside st[depth - 1] is complete. */
static void node_ends(frame *st, int depth)
{
  if (!depth)
    return;
  frame *f = &st[depth - 1];
  if (f->is_map)
    f->want_key = !f->want_key;
  else
    f->index++;
}

/* libyaml's own error (syntax, encoding, memory) as our one line. */
static int yaml_fail(ctx *c, const yaml_parser_t *p, const char *text, size_t len)
{
  if (p->error == YAML_MEMORY_ERROR) {
    c->path[0] = '\0';
    return fail(c, TW_ENOMEM, 0, "expected memory to read YAML, got none");
  }
  size_t line0 = p->problem_mark.line;
  char where[96] = "";
  if (p->error == YAML_READER_ERROR) {
    /* encoding errors carry a byte offset, not a mark */
    size_t end = p->problem_offset < len ? p->problem_offset : len;
    line0 = 0;
    for (size_t i = 0; i < end; i++)
      line0 += text[i] == '\n';
    if (p->problem_value >= 0)
      snprintf(where, sizeof where, " (byte 0x%02X at offset %zu)", (unsigned)p->problem_value,
               p->problem_offset);
  } else if (p->context) {
    snprintf(where, sizeof where, " (%.40s at line %zu)", p->context, p->context_mark.line + 1);
  }
  if (c->err && c->err_len) {
    snprintf(c->err, c->err_len, "%s:%zu: YAML syntax: %s%s", c->origin, line0 + 1,
             p->problem ? p->problem : "malformed YAML", where);
    one_line(c->err);
  }
  return TW_EPARSE;
}

/* One event of the first pass; 0 to go on, else the error. */
static int check_event(ctx *c, const yaml_event_t *ev, frame *st, int *depth, size_t *nodes,
                       int *docs)
{
  const unsigned char *anchor = NULL, *tag = NULL;
  size_t line0 = ev->start_mark.line;
  shown z;
  switch (ev->type) {
  case YAML_DOCUMENT_START_EVENT:
    if (++*docs > 1) {
      c->path[0] = '\0';
      return fail(c, TW_EPARSE, line0, "expected one YAML document, got a second");
    }
    return 0;
  case YAML_ALIAS_EVENT:
    frames_path(c, st, *depth);
    z.s[0] = '\0';
    put_text(z.s, sizeof z.s, ev->data.alias.anchor,
             strlen((const char *)ev->data.alias.anchor), 0);
    return fail(c, TW_EPARSE, line0,
                "expected a plain value, got the alias *%s (anchors and aliases are not supported)",
                z.s);
  case YAML_SCALAR_EVENT:
    anchor = ev->data.scalar.anchor;
    tag = ev->data.scalar.tag;
    break;
  case YAML_SEQUENCE_START_EVENT:
    anchor = ev->data.sequence_start.anchor;
    tag = ev->data.sequence_start.tag;
    break;
  case YAML_MAPPING_START_EVENT:
    anchor = ev->data.mapping_start.anchor;
    tag = ev->data.mapping_start.tag;
    break;
  case YAML_SEQUENCE_END_EVENT:
  case YAML_MAPPING_END_EVENT:
    if (*depth > 0)
      --*depth;
    node_ends(st, *depth);
    return 0;
  default:
    return 0;
  }

  /* a node: scalar, sequence or mapping */
  frames_path(c, st, *depth);
  if (anchor || tag) {
    const unsigned char *w = anchor ? anchor : tag;
    z.s[0] = '\0';
    put_text(z.s, sizeof z.s, w, strlen((const char *)w), 0);
    return fail(c, TW_EPARSE, line0,
                "expected a plain value, got the %s %s%s (%s are not supported)",
                anchor ? "anchor" : "tag", anchor ? "&" : "", z.s,
                anchor ? "anchors and aliases" : "tags");
  }
  if (++*nodes > MAX_NODES)
    return fail(c, TW_ERANGE, line0, "expected at most %d YAML nodes, got more", MAX_NODES);
  node_begins(st, *depth, ev);
  if (ev->type == YAML_SCALAR_EVENT) {
    node_ends(st, *depth);
    return 0;
  }
  if (*depth == MAX_DEPTH)
    return fail(c, TW_EPARSE, line0, "expected at most %d levels of nesting, got deeper",
                MAX_DEPTH);
  frame *f = &st[(*depth)++];
  f->is_map = ev->type == YAML_MAPPING_START_EVENT;
  f->want_key = 1;
  f->index = 0;
  f->key[0] = '\0';
  return 0;
}

/* Pass 1: everything libyaml finds wrong, and what we refuse to load (see the file comment). */
static int check_events(ctx *c, const char *text, size_t len)
{
  yaml_parser_t p;
  frame st[MAX_DEPTH];
  int depth = 0, docs = 0, rc = 0;
  size_t nodes = 0;

  if (!yaml_parser_initialize(&p))
    return fail(c, TW_ENOMEM, 0, "expected memory to read YAML, got none");
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  for (;;) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&p, &ev)) {
      rc = yaml_fail(c, &p, text, len);
      break;
    }
    int end = ev.type == YAML_STREAM_END_EVENT;
    rc = check_event(c, &ev, st, &depth, &nodes, &docs);
    yaml_event_delete(&ev);
    if (rc || end)
      break;
  }
  yaml_parser_delete(&p);
  c->path[0] = '\0';
  return rc;
}

/* ---- second pass: typed values ----------------------------------------------------------- */

/* A plain decimal scalar as a finite double: 0, TW_EPARSE (not a number) or TW_ERANGE. */
static int to_number(const yaml_node_t *n, double *out)
{
  if (!n || !is_plain(n) || !decimal_text(sval(n), n->data.scalar.length))
    return TW_EPARSE;
  /* strtod follows LC_NUMERIC; under a locale with a decimal comma the end check fails and the
   * value is refused rather than misread (triwatch itself never calls setlocale) */
  char *end;
  double v = strtod(sval(n), &end);
  if (end != sval(n) + n->data.scalar.length || !isfinite(v))
    return TW_ERANGE;
  *out = v;
  return 0;
}

static int read_number(ctx *c, const yaml_node_t *n, const char *what, double *out)
{
  int rc = to_number(n, out);
  if (rc)
    return fail(c, rc, line_of(n), "expected %s, got %s", what, show(c, n).s);
  return 0;
}

typedef struct range {
  double lo, hi;
  int lo_open, hi_open;
  const char *unit;
} range;

static int in_range(const range *r, double v)
{
  return (r->lo_open ? v > r->lo : v >= r->lo) && (r->hi_open ? v < r->hi : v <= r->hi);
}

static void range_text(char *buf, size_t size, const range *r)
{
  snprintf(buf, size, "%s in %c%g, %g%c", r->unit, r->lo_open ? '(' : '[', r->lo, r->hi,
           r->hi_open ? ')' : ']');
}

/* A number within r: TW_EPARSE for a non-number, TW_ERANGE outside. */
static int read_in(ctx *c, const yaml_node_t *n, const range *r, double *out)
{
  char what[96];
  double v = 0.0; /* set by the read; gcc at -O2 cannot see it */
  range_text(what, sizeof what, r);
  int rc = read_number(c, n, what, &v);
  if (rc)
    return rc;
  if (!in_range(r, v))
    return fail(c, TW_ERANGE, line_of(n), "expected %s, got %s", what, show(c, n).s);
  *out = v;
  return 0;
}

/* A non-null scalar of fewer than size bytes without control characters (so no NUL from a
 * "\0" escape either) into out: 0, TW_EPARSE (not text) or TW_ERANGE (too long). */
static int to_text(const yaml_node_t *n, char *out, size_t size)
{
  if (!n || n->type != YAML_SCALAR_NODE || is_null(n) || n->data.scalar.length == 0)
    return TW_EPARSE;
  size_t len = n->data.scalar.length;
  for (size_t i = 0; i < len; i++)
    if (n->data.scalar.value[i] < 0x20 || n->data.scalar.value[i] == 0x7f)
      return TW_EPARSE;
  if (len >= size)
    return TW_ERANGE;
  memcpy(out, sval(n), len);
  out[len] = '\0';
  return 0;
}

static int read_text(ctx *c, const yaml_node_t *n, const char *what, char *out, size_t size)
{
  int rc = to_text(n, out, size);
  if (rc == TW_ERANGE)
    return fail(c, rc, line_of(n), "expected %s of at most %zu bytes, got %zu bytes", what,
                size - 1, n->data.scalar.length);
  if (rc)
    return fail(c, rc, line_of(n),
                "expected %s (non-empty text without control characters), got %s", what,
                show(c, n).s);
  return 0;
}

/* [lat, lon] in degrees. */
static int read_site(ctx *c, const yaml_node_t *n, double *lat, double *lon)
{
  static const range k_lat = {-90, 90, 0, 0, "degrees"}, k_lon = {-180, 180, 0, 0, "degrees"};
  double v[2];
  int rc = TW_EPARSE;
  if (n && n->type == YAML_SEQUENCE_NODE &&
      n->data.sequence.items.top - n->data.sequence.items.start == 2) {
    rc = to_number(node_at(c, n->data.sequence.items.start[0]), &v[0]);
    if (!rc)
      rc = to_number(node_at(c, n->data.sequence.items.start[1]), &v[1]);
  }
  if (rc)
    return fail(c, rc, line_of(n), "expected [lat, lon] (two numbers, degrees), got %s",
                show(c, n).s);
  if (!in_range(&k_lat, v[0]))
    return fail(c, TW_ERANGE, line_of(n), "expected [lat, lon] with lat in [-90, 90], got %s",
                show(c, n).s);
  if (!in_range(&k_lon, v[1]))
    return fail(c, TW_ERANGE, line_of(n), "expected [lat, lon] with lon in [-180, 180], got %s",
                show(c, n).s);
  *lat = v[0];
  *lon = v[1];
  return 0;
}

#define MAX_KEYS 24

/* Read mapping n whose keys all come from keys[0..nkeys), none twice: val[i] is then the value
 * of keys[i], or NULL when absent. what describes the mapping, for messages. */
static int read_map(ctx *c, const yaml_node_t *n, const char *const *keys, int nkeys,
                    const char *what, const yaml_node_t **val)
{
  const yaml_node_t *key_node[MAX_KEYS];
  assert(nkeys <= MAX_KEYS);
  if (!n || n->type != YAML_MAPPING_NODE)
    return fail(c, TW_EPARSE, line_of(n), "expected %s, got %s", what, show(c, n).s);
  for (int i = 0; i < nkeys; i++)
    val[i] = key_node[i] = NULL;
  for (const yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
       pr++) {
    const yaml_node_t *k = node_at(c, pr->key), *v = node_at(c, pr->value);
    int i = 0;
    if (!k || k->type != YAML_SCALAR_NODE)
      return fail(c, TW_EPARSE, line_of(k ? k : n), "expected %s, got a key that is %s", what,
                  show(c, k).s);
    while (i < nkeys && !text_is(k, keys[i]))
      i++;
    if (i == nkeys) {
      char list[512] = "";
      shown name = {""};
      for (int j = 0; j < nkeys; j++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", j ? ", " : "", keys[j]);
      put_text(name.s, sizeof name.s, k->data.scalar.value, k->data.scalar.length, 0);
      path_key(c, name.s);
      return fail(c, TW_EPARSE, line_of(k), "expected one of the keys %s, got %s", list,
                  show(c, k).s);
    }
    if (val[i]) {
      path_key(c, keys[i]);
      return fail(c, TW_EPARSE, line_of(k),
                  "expected each key once, got '%s' a second time (first at line %zu)", keys[i],
                  line_of(key_node[i]) + 1);
    }
    val[i] = v;
    key_node[i] = k;
  }
  return 0;
}

static int missing(ctx *c, const yaml_node_t *map, const char *key, const char *what)
{
  path_key(c, key);
  return fail(c, TW_EPARSE, line_of(map), "expected %s, got nothing (the key is missing)", what);
}

/* ---- launches ---------------------------------------------------------------------------- */

enum { LK_ID, LK_CLASS, LK_SITE, LK_BEARING, LK_APOGEE, LK_RANGE, LK_T, N_LK };
static const char *const k_launch_keys[N_LK] = {
  [LK_ID] = "id",           [LK_CLASS] = "class",         [LK_SITE] = "site",
  [LK_BEARING] = "bearing_deg", [LK_APOGEE] = "apogee_km", [LK_RANGE] = "range_km",
  [LK_T] = "t_s",
};
static const range k_bearing = {0, 360, 0, 1, "degrees"};
static const range k_apogee = {0, 20000, 1, 0, "km"};
static const range k_range = {0, 15000, 1, 0, "km"};
static const range k_t = {0, 86400, 0, 0, "seconds"};

static int read_launch(ctx *c, const yaml_node_t *n, tw_scenario *s, int idx)
{
  tw_scn_launch *l = &s->launch[idx];
  const yaml_node_t *v[N_LK];
  size_t p0 = strlen(c->path);
  int rc = read_map(c, n, k_launch_keys, N_LK,
                    "a launch: a mapping with id, site, bearing_deg, apogee_km, range_km "
                    "(class and t_s optional)",
                    v);
  if (rc)
    return rc;
  l->line = (int)line_of(n) + 1;

  static const struct {
    int key;
    const char *what;
  } k_required[] = {
    {LK_ID, "a launch id (text)"},
    {LK_SITE, "[lat, lon] in degrees"},
    {LK_BEARING, "degrees in [0, 360)"},
    {LK_APOGEE, "km in (0, 20000]"},
    {LK_RANGE, "km in (0, 15000]"},
  };
  for (size_t i = 0; i < sizeof k_required / sizeof k_required[0]; i++)
    if (!v[k_required[i].key])
      return missing(c, n, k_launch_keys[k_required[i].key], k_required[i].what);

  path_key(c, "id");
  if ((rc = read_text(c, v[LK_ID], "a launch id", l->id, sizeof l->id)))
    return rc;
  for (int j = 0; j < idx; j++)
    if (strcmp(s->launch[j].id, l->id) == 0)
      return fail(c, TW_EPARSE, line_of(v[LK_ID]),
                  "expected an id no other launch has, got %s (also launches[%d], line %d)",
                  show(c, v[LK_ID]).s, j, s->launch[j].line);
  path_pop(c, p0);

  l->cls = TW_CLASS_AUTO;
  if (v[LK_CLASS]) {
    char name[32];
    path_key(c, "class");
    if (to_text(v[LK_CLASS], name, sizeof name) || tw_class_parse(&l->cls, name))
      return fail(c, TW_EPARSE, line_of(v[LK_CLASS]),
                  "expected SRBM, MRBM, IRBM, ICBM or auto (a suffix such as -lofted is "
                  "allowed), got %s",
                  show(c, v[LK_CLASS]).s);
    path_pop(c, p0);
  }

  path_key(c, "site");
  if ((rc = read_site(c, v[LK_SITE], &l->lat_deg, &l->lon_deg)))
    return rc;
  path_pop(c, p0);

  static const struct {
    int key;
    const range *r;
    size_t off;
  } k_numbers[] = {
    {LK_BEARING, &k_bearing, offsetof(tw_scn_launch, bearing_deg)},
    {LK_APOGEE, &k_apogee, offsetof(tw_scn_launch, apogee_km)},
    {LK_RANGE, &k_range, offsetof(tw_scn_launch, range_km)},
    {LK_T, &k_t, offsetof(tw_scn_launch, t_s)},
  };
  l->t_s = 0.0;
  for (size_t i = 0; i < sizeof k_numbers / sizeof k_numbers[0]; i++) {
    if (!v[k_numbers[i].key])
      continue;
    path_key(c, k_launch_keys[k_numbers[i].key]);
    if ((rc = read_in(c, v[k_numbers[i].key], k_numbers[i].r,
                      (double *)((char *)l + k_numbers[i].off))))
      return rc;
    path_pop(c, p0);
  }
  return 0;
}

static int read_launches(ctx *c, const yaml_node_t *n, tw_scenario *s)
{
  const char *what = "a list of 1 to " STR(TW_SCN_MAX_LAUNCHES) " launches";
  if (n->type != YAML_SEQUENCE_NODE || n->data.sequence.items.top == n->data.sequence.items.start)
    return fail(c, TW_EPARSE, line_of(n), "expected %s, got %s", what, show(c, n).s);
  size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
  for (size_t i = 0; i < cnt; i++) {
    const yaml_node_t *item = node_at(c, n->data.sequence.items.start[i]);
    size_t p = path_index(c, i);
    if (i == TW_SCN_MAX_LAUNCHES)
      return fail(c, TW_ERANGE, line_of(item), "expected at most %d launches, got %zu",
                  TW_SCN_MAX_LAUNCHES, cnt);
    int rc = read_launch(c, item, s, (int)i);
    if (rc)
      return rc;
    path_pop(c, p);
  }
  s->n_launches = (int)cnt;
  return 0;
}

/* ---- sensors ----------------------------------------------------------------------------- */

/* Keys of `add` and `override`: the tw_sensor fields, the site as [lat, lon]. */
enum {
  SK_ID, SK_NATION, SK_KIND, SK_SITE, SK_ALT, SK_BORESIGHT, SK_HALF_WIDTH, SK_MAX_RANGE,
  SK_MIN_ELEV, SK_REVISIT, SK_PD, SK_SIGMA_RANGE, SK_SIGMA_ANGLE, SK_SIGMA_RR, SK_FALSE_ALARMS,
  SK_LATENCY, SK_IR_DELAY, SK_IR_MIN_ALT, N_SK
};
static const char *const k_sensor_keys[N_SK] = {
  [SK_ID] = "id",
  [SK_NATION] = "nation",
  [SK_KIND] = "kind",
  [SK_SITE] = "site",
  [SK_ALT] = "alt_m",
  [SK_BORESIGHT] = "boresight_deg",
  [SK_HALF_WIDTH] = "half_width_deg",
  [SK_MAX_RANGE] = "max_range_km",
  [SK_MIN_ELEV] = "min_elev_deg",
  [SK_REVISIT] = "revisit_s",
  [SK_PD] = "pd",
  [SK_SIGMA_RANGE] = "sigma_range_m",
  [SK_SIGMA_ANGLE] = "sigma_angle_rad",
  [SK_SIGMA_RR] = "sigma_rr_mps",
  [SK_FALSE_ALARMS] = "false_alarms_per_look",
  [SK_LATENCY] = "latency_s",
  [SK_IR_DELAY] = "ir_delay_s",
  [SK_IR_MIN_ALT] = "ir_min_alt_km",
};
/* Where each number goes, and what tw_sensor_validate (sensor.c) accepts for it: the text only
 * explains a refusal, the check itself is tw_sensor_validate's. Keep the two in step. */
static const struct sensor_number {
  size_t off;
  const char *valid;
} k_sensor_numbers[N_SK] = {
  [SK_ALT] = {offsetof(tw_sensor, alt_m), "metres in [-500, 1e8]"},
  [SK_BORESIGHT] = {offsetof(tw_sensor, boresight_deg), "degrees in [0, 360]"},
  [SK_HALF_WIDTH] = {offsetof(tw_sensor, half_width_deg), "degrees in (0, 180]"},
  [SK_MAX_RANGE] = {offsetof(tw_sensor, max_range_km), "km in (0, 40000] for a radar"},
  [SK_MIN_ELEV] = {offsetof(tw_sensor, min_elev_deg), "degrees in [-5, 90)"},
  [SK_REVISIT] = {offsetof(tw_sensor, revisit_s), "seconds in [0.01, 3600]"},
  [SK_PD] = {offsetof(tw_sensor, pd), "a probability in (0, 1]"},
  [SK_SIGMA_RANGE] = {offsetof(tw_sensor, sigma_range_m), "metres in (0, 1e5) for a radar"},
  [SK_SIGMA_ANGLE] = {offsetof(tw_sensor, sigma_angle_rad), "radians in (0, 0.5)"},
  [SK_SIGMA_RR] = {offsetof(tw_sensor, sigma_rr_mps), "m/s in [0, 1e4), 0 = not measured"},
  [SK_FALSE_ALARMS] = {offsetof(tw_sensor, false_alarms_per_look), "a mean count in [0, 100]"},
  [SK_LATENCY] = {offsetof(tw_sensor, latency_s), "seconds in [0, 3600]"},
  [SK_IR_DELAY] = {offsetof(tw_sensor, ir_delay_s), "seconds in [0, 3600]"},
  [SK_IR_MIN_ALT] = {offsetof(tw_sensor, ir_min_alt_km), "km in [0, 1000]"},
};

/* What an added sensor starts from before its own keys apply (docs/scenarios.md lists them):
 * an all-round radar of 1,000 km, and an IR satellite like the default GEO pair. */
static const tw_sensor k_new_radar = {
  .kind = TW_SENSOR_RADAR, .alt_m = 0.0, .boresight_deg = 0.0, .half_width_deg = 180.0,
  .max_range_km = 1000.0, .min_elev_deg = 1.0, .revisit_s = 1.0, .pd = 0.9,
  .sigma_range_m = 30.0, .sigma_angle_rad = 1e-3, .sigma_rr_mps = 0.0,
  .false_alarms_per_look = 0.01, .latency_s = 1.0, .source = "added by the scenario file",
};
static const tw_sensor k_new_ir = {
  .kind = TW_SENSOR_IR, .alt_m = TW_GEO_ALT_M, .half_width_deg = 180.0, .revisit_s = 2.0,
  .pd = 0.95, .sigma_angle_rad = 20e-6, .latency_s = 10.0, .ir_delay_s = 30.0,
  .ir_min_alt_km = 12.0, .source = "added by the scenario file",
};

static int find_sensor(const tw_scenario *s, const char *id)
{
  for (int i = 0; i < s->n_sensors; i++)
    if (strcmp(s->sensor[i].id, id) == 0)
      return i;
  return -1;
}

static int read_kind(ctx *c, const yaml_node_t *n, enum tw_sensor_kind *kind)
{
  if (text_is(n, "radar"))
    *kind = TW_SENSOR_RADAR;
  else if (text_is(n, "ir"))
    *kind = TW_SENSOR_IR;
  else
    return fail(c, TW_EPARSE, line_of(n), "expected radar or ir, got %s", show(c, n).s);
  return 0;
}

/* The keys of an add/override mapping other than id onto t, then tw_sensor_validate. */
static int apply_sensor(ctx *c, const yaml_node_t *map, const yaml_node_t **v, tw_sensor *t)
{
  size_t p0 = strlen(c->path);
  int rc = 0;
  for (int i = SK_NATION; i < N_SK && !rc; i++) {
    if (!v[i])
      continue;
    path_key(c, k_sensor_keys[i]);
    if (i == SK_NATION)
      rc = read_text(c, v[i], "a nation code such as KOR", t->nation, sizeof t->nation);
    else if (i == SK_KIND)
      rc = read_kind(c, v[i], &t->kind);
    else if (i == SK_SITE)
      rc = read_site(c, v[i], &t->lat_deg, &t->lon_deg);
    else
      rc = read_number(c, v[i], k_sensor_numbers[i].valid,
                       (double *)((char *)t + k_sensor_numbers[i].off));
    if (!rc)
      path_pop(c, p0);
  }
  if (rc)
    return rc;

  const char *field = NULL;
  if (tw_sensor_validate(t, &field) == 0)
    return 0;
  int i = 0;
  if (field && (strcmp(field, "lat") == 0 || strcmp(field, "lon") == 0))
    field = "site";
  while (i < N_SK && !(field && strcmp(k_sensor_keys[i], field) == 0))
    i++;
  const char *valid = i < N_SK && k_sensor_numbers[i].valid ? k_sensor_numbers[i].valid
                                                            : "a value tw_sensor_validate accepts";
  path_key(c, i < N_SK ? k_sensor_keys[i] : field ? field : "?");
  if (i < N_SK && v[i])
    return fail(c, TW_ERANGE, line_of(v[i]), "expected %s, got %s", valid, show(c, v[i]).s);
  double was = i < N_SK && k_sensor_numbers[i].valid
                   ? *(const double *)((const char *)t + k_sensor_numbers[i].off)
                   : NAN;
  return fail(c, TW_ERANGE, line_of(map), "expected %s, got %g (not set here: kept from before)",
              valid, was);
}

static int op_remove(ctx *c, const yaml_node_t *n, tw_scenario *s)
{
  char id[TW_SENSOR_ID_MAX];
  int k = -1;
  if (to_text(n, id, sizeof id) == 0)
    k = find_sensor(s, id);
  if (k < 0)
    return fail(c, TW_EPARSE, line_of(n),
                "expected the id of a sensor in the set, got no sensor %s (ids are like "
                SENSOR_ID_EXAMPLE ")",
                show(c, n).s);
  memmove(&s->sensor[k], &s->sensor[k + 1], (size_t)(s->n_sensors - k - 1) * sizeof s->sensor[0]);
  s->n_sensors--;
  return 0;
}

static int op_override(ctx *c, const yaml_node_t *n, tw_scenario *s)
{
  const yaml_node_t *v[N_SK];
  char id[TW_SENSOR_ID_MAX];
  int k = -1;
  int rc = read_map(c, n, k_sensor_keys, N_SK,
                    "a mapping with id and the fields to change", v);
  if (rc)
    return rc;
  if (!v[SK_ID])
    return missing(c, n, "id", "the id of the sensor to change");
  if (to_text(v[SK_ID], id, sizeof id) == 0)
    k = find_sensor(s, id);
  if (k < 0) {
    path_key(c, "id");
    return fail(c, TW_EPARSE, line_of(v[SK_ID]),
                "expected the id of a sensor in the set, got no sensor %s (ids are like "
                SENSOR_ID_EXAMPLE ")",
                show(c, v[SK_ID]).s);
  }
  tw_sensor t = s->sensor[k];
  if ((rc = apply_sensor(c, n, v, &t)))
    return rc;
  t.source = "default values changed by the scenario file";
  s->sensor[k] = t;
  return 0;
}

static int op_add(ctx *c, const yaml_node_t *n, tw_scenario *s)
{
  const yaml_node_t *v[N_SK];
  size_t p0 = strlen(c->path);
  int rc = read_map(c, n, k_sensor_keys, N_SK,
                    "a sensor: a mapping with id, nation, kind, site and optional fields", v);
  if (rc)
    return rc;
  static const struct {
    int key;
    const char *what;
  } k_required[] = {
    {SK_ID, "a sensor id (text)"},
    {SK_NATION, "a nation code such as KOR"},
    {SK_KIND, "radar or ir"},
    {SK_SITE, "[lat, lon] in degrees"},
  };
  for (size_t i = 0; i < sizeof k_required / sizeof k_required[0]; i++)
    if (!v[k_required[i].key])
      return missing(c, n, k_sensor_keys[k_required[i].key], k_required[i].what);

  tw_sensor t;
  enum tw_sensor_kind kind = TW_SENSOR_RADAR; /* set by read_kind; gcc cannot see it */
  path_key(c, "kind");
  if ((rc = read_kind(c, v[SK_KIND], &kind)))
    return rc;
  path_pop(c, p0);
  t = kind == TW_SENSOR_RADAR ? k_new_radar : k_new_ir;
  path_key(c, "id");
  if ((rc = read_text(c, v[SK_ID], "a sensor id", t.id, sizeof t.id)))
    return rc;
  if (find_sensor(s, t.id) >= 0)
    return fail(c, TW_EPARSE, line_of(v[SK_ID]), "expected an id not already in the set, got %s",
                show(c, v[SK_ID]).s);
  path_pop(c, p0);
  if (s->n_sensors == TW_MAX_SENSORS)
    return fail(c, TW_ERANGE, line_of(n), "expected at most %d sensors in the set, got one more",
                TW_MAX_SENSORS);
  if ((rc = apply_sensor(c, n, v, &t)))
    return rc;
  s->sensor[s->n_sensors++] = t;
  return 0;
}

/* One item of the sensors list: `default` (first only) or a one-key mapping. */
static int read_sensor_op(ctx *c, const yaml_node_t *n, size_t idx, tw_scenario *s)
{
  static const char *const k_ops[] = {"remove", "override", "add"};
  static int (*const k_op_fn[])(ctx *, const yaml_node_t *, tw_scenario *) = {
    op_remove, op_override, op_add};
  const char *what = "default or a one-key mapping (remove: ID, override: {...} or add: {...})";
  if (n->type == YAML_SCALAR_NODE && text_is(n, "default")) {
    if (idx != 0)
      return fail(c, TW_EPARSE, line_of(n),
                  "expected default only as the first item, got it as item %zu", idx);
    s->n_sensors = tw_sensor_defaults(s->sensor, TW_MAX_SENSORS);
    return 0;
  }
  if (n->type != YAML_MAPPING_NODE ||
      n->data.mapping.pairs.top - n->data.mapping.pairs.start != 1)
    return fail(c, TW_EPARSE, line_of(n), "expected %s, got %s", what, show(c, n).s);
  const yaml_node_t *k = node_at(c, n->data.mapping.pairs.start[0].key);
  const yaml_node_t *v = node_at(c, n->data.mapping.pairs.start[0].value);
  for (size_t i = 0; k && i < sizeof k_ops / sizeof k_ops[0]; i++) {
    if (text_is(k, k_ops[i])) {
      path_key(c, k_ops[i]);
      return k_op_fn[i](c, v, s);
    }
  }
  return fail(c, TW_EPARSE, line_of(k ? k : n), "expected remove, override or add, got %s",
              show(c, k).s);
}

static int read_sensors(ctx *c, const yaml_node_t *n, tw_scenario *s)
{
  if (n->type == YAML_SCALAR_NODE && text_is(n, "default")) {
    s->n_sensors = tw_sensor_defaults(s->sensor, TW_MAX_SENSORS);
    return 0;
  }
  if (n->type == YAML_SCALAR_NODE && text_is(n, "none")) {
    s->n_sensors = 0;
    return 0;
  }
  if (n->type != YAML_SEQUENCE_NODE)
    return fail(c, TW_EPARSE, line_of(n),
                "expected default, none or a list of operations (default, remove, override, "
                "add), got %s",
                show(c, n).s);
  s->n_sensors = 0;
  size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
  for (size_t i = 0; i < cnt; i++) {
    size_t p = path_index(c, i);
    int rc = read_sensor_op(c, node_at(c, n->data.sequence.items.start[i]), i, s);
    if (rc)
      return rc;
    path_pop(c, p);
  }
  return 0;
}

/* ---- the whole file ---------------------------------------------------------------------- */

static int read_seed(ctx *c, const yaml_node_t *n, uint64_t *seed)
{
  const char *what = "an integer in [0, 18446744073709551615]";
  const char *z = n->type == YAML_SCALAR_NODE ? sval(n) : "";
  size_t len = n->type == YAML_SCALAR_NODE ? n->data.scalar.length : 0, i = z[0] == '-';
  uint64_t v = 0;
  if (!is_plain(n) || len == i)
    return fail(c, TW_EPARSE, line_of(n), "expected %s, got %s", what, show(c, n).s);
  for (; i < len; i++) {
    if (z[i] < '0' || z[i] > '9')
      return fail(c, TW_EPARSE, line_of(n), "expected %s, got %s", what, show(c, n).s);
    unsigned d = (unsigned)(z[i] - '0');
    if (v > (UINT64_MAX - d) / 10)
      return fail(c, TW_ERANGE, line_of(n), "expected %s, got %s", what, show(c, n).s);
    v = v * 10 + d;
  }
  if (z[0] == '-')
    return fail(c, TW_ERANGE, line_of(n), "expected %s, got %s", what, show(c, n).s);
  *seed = v;
  return 0;
}

enum { TK_NAME, TK_START, TK_SEED, TK_LAUNCHES, TK_SENSORS, N_TK };
static const char *const k_top_keys[N_TK] = {
  [TK_NAME] = "name", [TK_START] = "start", [TK_SEED] = "seed", [TK_LAUNCHES] = "launches",
  [TK_SENSORS] = "sensors",
};

static int read_scenario(ctx *c, const yaml_node_t *root, tw_scenario *s)
{
  const yaml_node_t *v[N_TK];
  char when[64];
  int rc = read_map(c, root, k_top_keys, N_TK,
                    "a scenario: a mapping with name, start and launches", v);
  if (rc)
    return rc;
  if (!v[TK_NAME])
    return missing(c, root, "name", "the scenario's name (text)");
  if (!v[TK_START])
    return missing(c, root, "start", "a UTC time like 2022-10-03T22:22:00Z");
  if (!v[TK_LAUNCHES])
    return missing(c, root, "launches", "a list of 1 to " STR(TW_SCN_MAX_LAUNCHES) " launches");

  path_key(c, "name");
  if ((rc = read_text(c, v[TK_NAME], "the scenario's name", s->name, sizeof s->name)))
    return rc;
  path_pop(c, 0);

  path_key(c, "start");
  if (to_text(v[TK_START], when, sizeof when) || tw_time_parse(&s->start, when))
    return fail(c, TW_EPARSE, line_of(v[TK_START]),
                "expected a time like 2022-10-03T22:22:00Z (ISO 8601 with its zone), got %s",
                show(c, v[TK_START]).s);
  path_pop(c, 0);

  s->seed = 1;
  s->has_seed = 0;
  if (v[TK_SEED]) {
    path_key(c, "seed");
    if ((rc = read_seed(c, v[TK_SEED], &s->seed)))
      return rc;
    s->has_seed = 1;
    path_pop(c, 0);
  }

  path_key(c, "launches");
  if ((rc = read_launches(c, v[TK_LAUNCHES], s)))
    return rc;
  path_pop(c, 0);

  if (!v[TK_SENSORS]) {
    s->n_sensors = tw_sensor_defaults(s->sensor, TW_MAX_SENSORS);
    return 0;
  }
  path_key(c, "sensors");
  if ((rc = read_sensors(c, v[TK_SENSORS], s)))
    return rc;
  path_pop(c, 0);
  return 0;
}

static int parse_text(ctx *c, tw_scenario *s, const char *text, size_t len)
{
  yaml_parser_t p;
  yaml_document_t doc;
  int rc = check_events(c, text, len);
  if (rc)
    return rc;
  if (!yaml_parser_initialize(&p))
    return fail(c, TW_ENOMEM, 0, "expected memory to read YAML, got none");
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  if (!yaml_parser_load(&p, &doc)) { /* libyaml has deleted doc */
    rc = yaml_fail(c, &p, text, len);
    goto err_parser;
  }
  c->doc = &doc;
  const yaml_node_t *root = yaml_document_get_root_node(&doc);
  if (!root)
    rc = fail(c, TW_EPARSE, 0,
              "expected a scenario (a mapping with name, start and launches), got an empty file");
  else
    rc = read_scenario(c, root, s);
  c->doc = NULL;
  yaml_document_delete(&doc);
err_parser:
  yaml_parser_delete(&p);
  return rc;
}

int tw_scenario_parse(tw_scenario *s, const char *text, size_t len, const char *origin, char *err,
                      size_t err_len)
{
  ctx c = {.origin = origin ? origin : "<scenario>", .err = err, .err_len = err_len};
  if (err && err_len)
    err[0] = '\0';
  if (!s || (!text && len))
    return fail(&c, TW_EINVAL, 0, "expected a scenario and its text, got NULL");
  if (len > MAX_INPUT)
    return fail(&c, TW_ERANGE, 0, "expected at most %d bytes, got %zu", MAX_INPUT, len);
  tw_scenario *t = calloc(1, sizeof *t);
  if (!t)
    return fail(&c, TW_ENOMEM, 0, "expected memory for a scenario, got none");
  int rc = parse_text(&c, t, text ? text : "", len);
  if (rc == 0)
    *s = *t;
  free(t);
  return rc;
}

int tw_scenario_load(tw_scenario *s, const char *path, char *err, size_t err_len)
{
  ctx c = {.origin = path ? path : "<scenario>", .err = err, .err_len = err_len};
  char *buf = NULL;
  int rc, sys_err;
  if (err && err_len)
    err[0] = '\0';
  if (!s || !path)
    return fail(&c, TW_EINVAL, 0, "expected a scenario and a path, got NULL");
  FILE *f = fopen(path, "rb");
  if (!f) {
    sys_err = errno;
    goto err_io;
  }
  buf = malloc(MAX_INPUT + 1);
  if (!buf) {
    rc = fail(&c, TW_ENOMEM, 0, "expected memory to read the file, got none");
    goto done;
  }
  size_t n = fread(buf, 1, MAX_INPUT + 1, f);
  if (ferror(f)) {
    sys_err = errno;
    free(buf);
    fclose(f);
    goto err_io;
  }
  if (n > MAX_INPUT)
    rc = fail(&c, TW_ERANGE, 0, "expected a file of at most %d bytes, got more", MAX_INPUT);
  else
    rc = tw_scenario_parse(s, buf, n, path, err, err_len);
done:
  free(buf);
  fclose(f);
  return rc;

err_io:
  if (err && err_len) {
    snprintf(err, err_len, "%s: cannot read: %s", path, strerror(sys_err));
    one_line(err);
  }
  return TW_EIO;
}
