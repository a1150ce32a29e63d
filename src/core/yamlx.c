/* yamlx.c - strict YAML reading for the file parsers: the guard pass, typed node readers, key
 * paths and one-line messages (contract in yamlx.h).
 *
 * Why a guard pass before loading: a "billion laughs" file expands exponentially in any walker
 * that follows aliases, and deep nesting costs stack in libyaml's loader. So the event stream is
 * checked first (anchors, aliases, tags, documents, depth, node count), and only a text that
 * passes is loaded into a document. The parsers walk that document by their schema (a few levels
 * deep), never by the input, so hostile input cannot make them recurse. */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/yamlx.h"
#include "triwatch/error.h"

/* ---- messages ---------------------------------------------------------------------------- */

void tw__yx_one_line(char *z)
{
  for (; *z; z++)
    if ((unsigned char)*z < 0x20 || *z == 0x7f)
      *z = '?';
}

int tw__yx_fail(tw__yx *c, int rc, size_t line0, const char *fmt, ...)
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
  tw__yx_one_line(c->err);
  return rc;
}

void tw__yx_append(char *out, size_t cap, const char *z)
{
  size_t o = strlen(out);
  if (o + 1 < cap)
    snprintf(out + o, cap - o, "%s", z);
}

void tw__yx_put_text(char *out, size_t cap, const unsigned char *z, size_t n, int quote)
{
  char t[4 * TW__YX_SHOW_MAX + 8]; /* worst case: quotes, every byte escaped, "..." and NUL */
  size_t o = 0, cut = n > TW__YX_SHOW_MAX ? TW__YX_SHOW_MAX : n;
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
  tw__yx_append(out, cap, t);
}

/* ---- nodes ------------------------------------------------------------------------------- */

size_t tw__yx_line(const yaml_node_t *n) { return n ? n->start_mark.line : 0; }

const char *tw__yx_sval(const yaml_node_t *n) { return (const char *)n->data.scalar.value; }

int tw__yx_is_plain(const yaml_node_t *n)
{
  return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

int tw__yx_text_is(const yaml_node_t *n, const char *z)
{
  size_t len = strlen(z);
  return n->type == YAML_SCALAR_NODE && n->data.scalar.length == len &&
         memcmp(tw__yx_sval(n), z, len) == 0;
}

/* libyaml resolves no types: null is ours to recognise. */
int tw__yx_is_null(const yaml_node_t *n)
{
  return tw__yx_is_plain(n) &&
         (n->data.scalar.length == 0 || tw__yx_text_is(n, "~") || tw__yx_text_is(n, "null") ||
          tw__yx_text_is(n, "Null") || tw__yx_text_is(n, "NULL"));
}

/* Refuses what strtod would also take: hex, inf, nan, spaces. */
int tw__yx_decimal_text(const char *z, size_t n)
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

const yaml_node_t *tw__yx_node(tw__yx *c, yaml_node_item_t id)
{
  return yaml_document_get_node(c->doc, id);
}

size_t tw__yx_seq_len(const yaml_node_t *n)
{
  return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

const yaml_node_t *tw__yx_seq_item(tw__yx *c, const yaml_node_t *n, size_t i)
{
  return tw__yx_node(c, n->data.sequence.items.start[i]);
}

static int is_number(const yaml_node_t *n)
{
  return tw__yx_is_plain(n) && tw__yx_decimal_text(tw__yx_sval(n), n->data.scalar.length);
}

tw__yx_shown tw__yx_show(tw__yx *c, const yaml_node_t *n)
{
  tw__yx_shown r;
  r.s[0] = '\0';
  if (!n) {
    strcpy(r.s, "nothing");
  } else if (n->type == YAML_SCALAR_NODE) {
    if (tw__yx_is_null(n))
      strcpy(r.s, "nothing");
    else
      tw__yx_put_text(r.s, sizeof r.s, n->data.scalar.value, n->data.scalar.length,
                      !is_number(n));
  } else if (n->type == YAML_SEQUENCE_NODE) {
    size_t cnt = tw__yx_seq_len(n);
    int simple = cnt > 0 && cnt <= 4;
    for (size_t i = 0; simple && i < cnt; i++) {
      const yaml_node_t *it = tw__yx_seq_item(c, n, i);
      simple = it && it->type == YAML_SCALAR_NODE && it->data.scalar.length <= 16;
    }
    if (!simple) {
      snprintf(r.s, sizeof r.s, cnt ? "a list of %zu item%s" : "an empty list", cnt,
               cnt == 1 ? "" : "s");
    } else {
      strcpy(r.s, "[");
      for (size_t i = 0; i < cnt; i++) {
        const yaml_node_t *it = tw__yx_seq_item(c, n, i);
        if (i)
          tw__yx_append(r.s, sizeof r.s, ", ");
        tw__yx_put_text(r.s, sizeof r.s, it->data.scalar.value, it->data.scalar.length,
                        !is_number(it));
      }
      tw__yx_append(r.s, sizeof r.s, "]");
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

size_t tw__yx_path_key(tw__yx *c, const char *key)
{
  size_t old = strlen(c->path);
  snprintf(c->path + old, sizeof c->path - old, "%s%s", old ? "." : "", key);
  return old;
}

size_t tw__yx_path_index(tw__yx *c, size_t i)
{
  size_t old = strlen(c->path);
  snprintf(c->path + old, sizeof c->path - old, "[%zu]", i);
  return old;
}

void tw__yx_path_pop(tw__yx *c, size_t old) { c->path[old] = '\0'; }

/* ---- first pass: the event stream -------------------------------------------------------- */

typedef struct frame {
  int is_map;                         /* else a sequence */
  int want_key;                       /* mapping: the next node is a key */
  size_t index;                       /* sequence: index of the current item */
  char key[4 * TW__YX_SHOW_MAX + 8];  /* mapping: the current key, for messages */
} frame;

/* The key path of the node about to start, from the open collections. */
static void frames_path(tw__yx *c, const frame *st, int depth)
{
  c->path[0] = '\0';
  for (int i = 0; i < depth; i++) {
    if (!st[i].is_map)
      tw__yx_path_index(c, st[i].index);
    else if (!st[i].want_key)
      tw__yx_path_key(c, st[i].key);
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
    tw__yx_put_text(f->key, sizeof f->key, ev->data.scalar.value, ev->data.scalar.length, 0);
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
static int yaml_fail(tw__yx *c, const yaml_parser_t *p, const char *text, size_t len)
{
  if (p->error == YAML_MEMORY_ERROR) {
    c->path[0] = '\0';
    return tw__yx_fail(c, TW_ENOMEM, 0, "expected memory to read YAML, got none");
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
    tw__yx_one_line(c->err);
  }
  return TW_EPARSE;
}

/* One event of the first pass; 0 to go on, else the error. */
static int check_event(tw__yx *c, const yaml_event_t *ev, frame *st, int *depth, size_t *nodes,
                       int *docs)
{
  const unsigned char *anchor = NULL, *tag = NULL;
  size_t line0 = ev->start_mark.line;
  tw__yx_shown z;
  switch (ev->type) {
  case YAML_DOCUMENT_START_EVENT:
    if (++*docs > 1) {
      c->path[0] = '\0';
      return tw__yx_fail(c, TW_EPARSE, line0, "expected one YAML document, got a second");
    }
    return 0;
  case YAML_ALIAS_EVENT:
    frames_path(c, st, *depth);
    z.s[0] = '\0';
    tw__yx_put_text(z.s, sizeof z.s, ev->data.alias.anchor,
                    strlen((const char *)ev->data.alias.anchor), 0);
    return tw__yx_fail(
        c, TW_EPARSE, line0,
        "expected a plain value, got the alias *%s (anchors and aliases are not supported)", z.s);
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
    tw__yx_put_text(z.s, sizeof z.s, w, strlen((const char *)w), 0);
    return tw__yx_fail(c, TW_EPARSE, line0,
                       "expected a plain value, got the %s %s%s (%s are not supported)",
                       anchor ? "anchor" : "tag", anchor ? "&" : "", z.s,
                       anchor ? "anchors and aliases" : "tags");
  }
  if (++*nodes > TW__YX_MAX_NODES)
    return tw__yx_fail(c, TW_ERANGE, line0, "expected at most %d YAML nodes, got more",
                       TW__YX_MAX_NODES);
  node_begins(st, *depth, ev);
  if (ev->type == YAML_SCALAR_EVENT) {
    node_ends(st, *depth);
    return 0;
  }
  if (*depth == TW__YX_MAX_DEPTH)
    return tw__yx_fail(c, TW_EPARSE, line0, "expected at most %d levels of nesting, got deeper",
                       TW__YX_MAX_DEPTH);
  frame *f = &st[(*depth)++];
  f->is_map = ev->type == YAML_MAPPING_START_EVENT;
  f->want_key = 1;
  f->index = 0;
  f->key[0] = '\0';
  return 0;
}

/* Pass 1: everything libyaml finds wrong, and what we refuse to load (see the file comment). */
static int check_events(tw__yx *c, const char *text, size_t len)
{
  yaml_parser_t p;
  frame st[TW__YX_MAX_DEPTH];
  int depth = 0, docs = 0, rc = 0;
  size_t nodes = 0;

  if (!yaml_parser_initialize(&p))
    return tw__yx_fail(c, TW_ENOMEM, 0, "expected memory to read YAML, got none");
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

int tw__yx_load(tw__yx *c, const char *text, size_t len, yaml_document_t *doc)
{
  yaml_parser_t p;
  int rc = check_events(c, text, len);
  if (rc)
    return rc;
  if (!yaml_parser_initialize(&p))
    return tw__yx_fail(c, TW_ENOMEM, 0, "expected memory to read YAML, got none");
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  if (yaml_parser_load(&p, doc))
    c->doc = doc;
  else /* libyaml has deleted doc */
    rc = yaml_fail(c, &p, text, len);
  yaml_parser_delete(&p);
  return rc;
}

void tw__yx_unload(tw__yx *c)
{
  if (c->doc)
    yaml_document_delete(c->doc);
  c->doc = NULL;
}

int tw__yx_read_file(tw__yx *c, const char *path, size_t max, char **text, size_t *len)
{
  char *buf = NULL;
  int sys_err;
  FILE *f = fopen(path, "rb");
  if (!f) {
    sys_err = errno;
    goto err_io;
  }
  buf = malloc(max + 1);
  if (!buf) {
    fclose(f);
    return tw__yx_fail(c, TW_ENOMEM, 0, "expected memory to read the file, got none");
  }
  size_t n = fread(buf, 1, max + 1, f);
  if (ferror(f)) {
    sys_err = errno;
    free(buf);
    fclose(f);
    goto err_io;
  }
  fclose(f);
  if (n > max) {
    free(buf);
    return tw__yx_fail(c, TW_ERANGE, 0, "expected a file of at most %zu bytes, got more", max);
  }
  *text = buf;
  *len = n;
  return 0;

err_io:
  if (c->err && c->err_len) {
    snprintf(c->err, c->err_len, "%s: cannot read: %s", path, strerror(sys_err));
    tw__yx_one_line(c->err);
  }
  return TW_EIO;
}

/* ---- second pass: typed values ----------------------------------------------------------- */

int tw__yx_to_number(const yaml_node_t *n, double *out)
{
  if (!n || !is_number(n))
    return TW_EPARSE;
  /* strtod follows LC_NUMERIC; under a locale with a decimal comma the end check fails and the
   * value is refused rather than misread (triwatch itself never calls setlocale) */
  char *end;
  double v = strtod(tw__yx_sval(n), &end);
  if (end != tw__yx_sval(n) + n->data.scalar.length || !isfinite(v))
    return TW_ERANGE;
  *out = v;
  return 0;
}

int tw__yx_read_number(tw__yx *c, const yaml_node_t *n, const char *what, double *out)
{
  int rc = tw__yx_to_number(n, out);
  if (rc)
    return tw__yx_fail(c, rc, tw__yx_line(n), "expected %s, got %s", what, tw__yx_show(c, n).s);
  return 0;
}

int tw__yx_in_range(const tw__yx_range *r, double v)
{
  return (r->lo_open ? v > r->lo : v >= r->lo) && (r->hi_open ? v < r->hi : v <= r->hi);
}

static void range_text(char *buf, size_t size, const tw__yx_range *r)
{
  snprintf(buf, size, "%s in %c%g, %g%c", r->unit, r->lo_open ? '(' : '[', r->lo, r->hi,
           r->hi_open ? ')' : ']');
}

int tw__yx_read_in(tw__yx *c, const yaml_node_t *n, const tw__yx_range *r, double *out)
{
  char what[96];
  double v = 0.0; /* set by the read; gcc at -O2 cannot see it */
  range_text(what, sizeof what, r);
  int rc = tw__yx_read_number(c, n, what, &v);
  if (rc)
    return rc;
  if (!tw__yx_in_range(r, v))
    return tw__yx_fail(c, TW_ERANGE, tw__yx_line(n), "expected %s, got %s", what,
                       tw__yx_show(c, n).s);
  *out = v;
  return 0;
}

int tw__yx_read_uint(tw__yx *c, const yaml_node_t *n, uint64_t lo, uint64_t hi, uint64_t *out)
{
  char what[64];
  const char *z = n->type == YAML_SCALAR_NODE ? tw__yx_sval(n) : "";
  size_t len = n->type == YAML_SCALAR_NODE ? n->data.scalar.length : 0, i = z[0] == '-';
  uint64_t v = 0;
  snprintf(what, sizeof what, "an integer in [%" PRIu64 ", %" PRIu64 "]", lo, hi);
  if (!tw__yx_is_plain(n) || len == i)
    return tw__yx_fail(c, TW_EPARSE, tw__yx_line(n), "expected %s, got %s", what,
                       tw__yx_show(c, n).s);
  for (; i < len; i++) {
    if (z[i] < '0' || z[i] > '9')
      return tw__yx_fail(c, TW_EPARSE, tw__yx_line(n), "expected %s, got %s", what,
                         tw__yx_show(c, n).s);
    unsigned d = (unsigned)(z[i] - '0');
    if (v > (UINT64_MAX - d) / 10)
      return tw__yx_fail(c, TW_ERANGE, tw__yx_line(n), "expected %s, got %s", what,
                         tw__yx_show(c, n).s);
    v = v * 10 + d;
  }
  if (z[0] == '-' || v < lo || v > hi)
    return tw__yx_fail(c, TW_ERANGE, tw__yx_line(n), "expected %s, got %s", what,
                       tw__yx_show(c, n).s);
  *out = v;
  return 0;
}

int tw__yx_to_text(const yaml_node_t *n, char *out, size_t size)
{
  if (!n || n->type != YAML_SCALAR_NODE || tw__yx_is_null(n) || n->data.scalar.length == 0)
    return TW_EPARSE;
  size_t len = n->data.scalar.length;
  for (size_t i = 0; i < len; i++)
    if (n->data.scalar.value[i] < 0x20 || n->data.scalar.value[i] == 0x7f)
      return TW_EPARSE;
  if (len >= size)
    return TW_ERANGE;
  memcpy(out, tw__yx_sval(n), len);
  out[len] = '\0';
  return 0;
}

int tw__yx_read_text(tw__yx *c, const yaml_node_t *n, const char *what, char *out, size_t size)
{
  int rc = tw__yx_to_text(n, out, size);
  if (rc == TW_ERANGE)
    return tw__yx_fail(c, rc, tw__yx_line(n), "expected %s of at most %zu bytes, got %zu bytes",
                       what, size - 1, n->data.scalar.length);
  if (rc)
    return tw__yx_fail(c, rc, tw__yx_line(n),
                       "expected %s (non-empty text without control characters), got %s", what,
                       tw__yx_show(c, n).s);
  return 0;
}

int tw__yx_read_bool(tw__yx *c, const yaml_node_t *n, int *out)
{
  static const char *const k_bool[] = {"false", "true"};
  int v = 0, rc = tw__yx_read_word(c, n, k_bool, 2, "true or false", &v);
  if (rc == 0 && !tw__yx_is_plain(n)) /* 'true' is text, not a boolean */
    rc = tw__yx_fail(c, TW_EPARSE, tw__yx_line(n), "expected true or false, got %s",
                     tw__yx_show(c, n).s);
  if (rc == 0)
    *out = v;
  return rc;
}

int tw__yx_read_word(tw__yx *c, const yaml_node_t *n, const char *const *names, int count,
                     const char *what, int *out)
{
  for (int i = 0; n && i < count; i++) {
    if (tw__yx_text_is(n, names[i])) {
      *out = i;
      return 0;
    }
  }
  return tw__yx_fail(c, TW_EPARSE, tw__yx_line(n), "expected %s, got %s", what,
                     tw__yx_show(c, n).s);
}

int tw__yx_read_seq(tw__yx *c, const yaml_node_t *n, size_t min, size_t max, const char *what)
{
  if (!n || n->type != YAML_SEQUENCE_NODE || tw__yx_seq_len(n) < min)
    return tw__yx_fail(c, TW_EPARSE, tw__yx_line(n), "expected %s, got %s", what,
                       tw__yx_show(c, n).s);
  if (tw__yx_seq_len(n) > max)
    return tw__yx_fail(c, TW_ERANGE, tw__yx_line(n), "expected %s, got a list of %zu items",
                       what, tw__yx_seq_len(n));
  return 0;
}

int tw__yx_read_map(tw__yx *c, const yaml_node_t *n, const char *const *keys, int nkeys,
                    const char *what, const yaml_node_t **val)
{
  const yaml_node_t *key_node[TW__YX_MAX_KEYS];
  assert(nkeys <= TW__YX_MAX_KEYS);
  if (!n || n->type != YAML_MAPPING_NODE)
    return tw__yx_fail(c, TW_EPARSE, tw__yx_line(n), "expected %s, got %s", what,
                       tw__yx_show(c, n).s);
  for (int i = 0; i < nkeys; i++)
    val[i] = key_node[i] = NULL;
  for (const yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
       pr++) {
    const yaml_node_t *k = tw__yx_node(c, pr->key), *v = tw__yx_node(c, pr->value);
    int i = 0;
    if (!k || k->type != YAML_SCALAR_NODE)
      return tw__yx_fail(c, TW_EPARSE, tw__yx_line(k ? k : n), "expected %s, got a key that is %s",
                         what, tw__yx_show(c, k).s);
    while (i < nkeys && !tw__yx_text_is(k, keys[i]))
      i++;
    if (i == nkeys) {
      char list[512] = "";
      tw__yx_shown name = {""};
      for (int j = 0; j < nkeys; j++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", j ? ", " : "", keys[j]);
      tw__yx_put_text(name.s, sizeof name.s, k->data.scalar.value, k->data.scalar.length, 0);
      tw__yx_path_key(c, name.s);
      return tw__yx_fail(c, TW_EPARSE, tw__yx_line(k), "expected one of the keys %s, got %s", list,
                         tw__yx_show(c, k).s);
    }
    if (val[i]) {
      tw__yx_path_key(c, keys[i]);
      return tw__yx_fail(c, TW_EPARSE, tw__yx_line(k),
                         "expected each key once, got '%s' a second time (first at line %zu)",
                         keys[i], tw__yx_line(key_node[i]) + 1);
    }
    val[i] = v;
    key_node[i] = k;
  }
  return 0;
}

int tw__yx_missing(tw__yx *c, const yaml_node_t *map, const char *key, const char *what)
{
  tw__yx_path_key(c, key);
  return tw__yx_fail(c, TW_EPARSE, tw__yx_line(map),
                     "expected %s, got nothing (the key is missing)", what);
}

int tw__yx_parse_doc(const tw__yx_doc *d, void *out, const char *text, size_t len,
                     const char *origin, char *err, size_t n)
{
  tw__yx c = {.origin = origin ? origin : d->no_origin, .err = err, .err_len = n};
  if (err && n)
    err[0] = '\0';
  if (!out || (!text && len))
    return tw__yx_fail(&c, TW_EINVAL, 0, "expected a %s and its text, got NULL", d->what);
  if (len > d->max_input)
    return tw__yx_fail(&c, TW_ERANGE, 0, "expected at most %zu bytes, got %zu", d->max_input,
                       len);
  void *t = calloc(1, d->size);
  if (!t)
    return tw__yx_fail(&c, TW_ENOMEM, 0, "expected memory for a %s, got none", d->what);
  yaml_document_t doc;
  int rc = tw__yx_load(&c, text ? text : "", len, &doc);
  if (rc == 0) {
    const yaml_node_t *root = yaml_document_get_root_node(&doc);
    rc = root ? d->read(&c, root, t) : tw__yx_fail(&c, TW_EPARSE, 0, "%s", d->empty);
    tw__yx_unload(&c);
  }
  if (rc == 0)
    memcpy(out, t, d->size);
  free(t);
  return rc;
}

int tw__yx_load_doc(const tw__yx_doc *d, void *out, const char *path, char *err, size_t n)
{
  tw__yx c = {.origin = path ? path : d->no_origin, .err = err, .err_len = n};
  char *text;
  size_t len;
  if (err && n)
    err[0] = '\0';
  if (!out || !path)
    return tw__yx_fail(&c, TW_EINVAL, 0, "expected a %s and a path, got NULL", d->what);
  int rc = tw__yx_read_file(&c, path, d->max_input, &text, &len);
  if (rc)
    return rc;
  rc = tw__yx_parse_doc(d, out, text, len, path, err, n);
  free(text);
  return rc;
}
