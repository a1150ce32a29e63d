/* yamlx.h - the strict YAML reading shared by the file parsers (scenario.c, nodecfg.c).
 *
 * Private to the library. A parser reads its text in two passes. tw__yx_load runs the first, a
 * guard over libyaml's event stream that refuses what we never want to build or walk (anchors
 * and aliases, tags, a second document, nesting deeper than TW__YX_MAX_DEPTH, more than
 * TW__YX_MAX_NODES nodes), and only then loads the libyaml document. The parser then walks the
 * document against its own schema with the readers below; each reader checks a node's type and
 * range and, when it refuses, writes the one-line message and returns its code.
 *
 * Messages are "origin:line: key.path: expected X, got Y". The context tracks the key path of the
 * node being read: a reader that descends calls tw__yx_path_key / tw__yx_path_index, and restores
 * the path with tw__yx_path_pop only on success, so a failure leaves the path of the culprit.
 * libyaml's marks are 0-based; they stay so inside and 1 is added only when printing.
 *
 * Nothing here allocates except libyaml (the loaded document) and tw__yx_read_file (the text). */
#ifndef TW_CORE_YAMLX_H
#define TW_CORE_YAMLX_H

#include <stddef.h>
#include <stdint.h>

#include <yaml.h>

#define TW__YX_MAX_DEPTH 32    /* nested collections */
#define TW__YX_MAX_NODES 65536 /* YAML nodes in one text */
#define TW__YX_SHOW_MAX 40     /* bytes of an input value quoted in a message */
#define TW__YX_MAX_KEYS 24     /* keys of one schema mapping (tw__yx_read_map) */

#if defined(__GNUC__)
#define TW__YX_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define TW__YX_PRINTF(f, a)
#endif

/* One parse. Set origin, err and err_len; the rest starts zeroed. */
typedef struct tw__yx {
  const char *origin;   /* names the text in messages */
  char *err;            /* the caller's message buffer (may be NULL) */
  size_t err_len;
  yaml_document_t *doc; /* second pass: the loaded document */
  char path[256];       /* key path of the node being read, e.g. "launches[0].site" */
} tw__yx;

/* A value quoted for a message; returned by value so it can sit in an argument list. Room for
 * the longest rendering, a list of 4 scalars of 16 bytes each escaped to 4 (see tw__yx_show). */
typedef struct tw__yx_shown {
  char s[4 * (2 + 16 * 4) + 16];
} tw__yx_shown;

/* A closed, open or half-open interval of numbers, with the unit for messages. */
typedef struct tw__yx_range {
  double lo, hi;
  int lo_open, hi_open;
  const char *unit;
} tw__yx_range;

/* ---- messages ---- */

/* Write "origin:line: path: message" into the caller's buffer (cut, always terminated, control
 * characters replaced by '?'); returns rc. line0 is 0-based; an empty path prints "(document)". */
TW__YX_PRINTF(4, 5) int tw__yx_fail(tw__yx *c, int rc, size_t line0, const char *fmt, ...);
/* Replace control characters in z by '?' (the one-line promise). */
void tw__yx_one_line(char *z);
/* Append z to out (capacity cap, NUL-terminated), cutting what does not fit. */
void tw__yx_append(char *out, size_t cap, const char *z);
/* Append at most TW__YX_SHOW_MAX bytes of z[0..n) to out (capacity cap), control bytes as \xNN,
 * cut at a UTF-8 character boundary and marked "..." when long; quoted in '' when quote. */
void tw__yx_put_text(char *out, size_t cap, const unsigned char *z, size_t n, int quote);
/* A node as the "got" part of a message: numbers bare, text quoted, short lists of scalars
 * written out ("[123, 126]"), other collections described, NULL or null as "nothing". */
tw__yx_shown tw__yx_show(tw__yx *c, const yaml_node_t *n);

/* ---- nodes ---- */

/* 0-based line where n starts; 0 for NULL. */
size_t tw__yx_line(const yaml_node_t *n);
/* The value of a scalar node (NUL-terminated by libyaml, but may hold NULs: use its length). */
const char *tw__yx_sval(const yaml_node_t *n);
int tw__yx_is_plain(const yaml_node_t *n);
/* Is n a scalar whose text is exactly z? */
int tw__yx_text_is(const yaml_node_t *n, const char *z);
/* The YAML 1.1 spellings of null (empty, ~, null, Null, NULL), plain only. */
int tw__yx_is_null(const yaml_node_t *n);
/* Is z[0..n) a plain decimal number, [+-]digits[.digits][(e|E)[+-]digits]? */
int tw__yx_decimal_text(const char *z, size_t n);
/* The node of an item or pair id in the loaded document; NULL when there is none. */
const yaml_node_t *tw__yx_node(tw__yx *c, yaml_node_item_t id);
/* Number of items of a sequence node. */
size_t tw__yx_seq_len(const yaml_node_t *n);
/* Item i of a sequence node (i < tw__yx_seq_len). */
const yaml_node_t *tw__yx_seq_item(tw__yx *c, const yaml_node_t *n, size_t i);

/* ---- key paths: each returns the old length, to give to tw__yx_path_pop ---- */

size_t tw__yx_path_key(tw__yx *c, const char *key);
size_t tw__yx_path_index(tw__yx *c, size_t i);
void tw__yx_path_pop(tw__yx *c, size_t old);

/* ---- the text ---- */

/* Both passes over text[0..len): on success 0, the document loaded into *doc and c->doc set
 * (free it with tw__yx_unload); on error the message and TW_EPARSE, TW_ERANGE (too many nodes)
 * or TW_ENOMEM, and nothing to free. An empty text loads a document without a root node. */
int tw__yx_load(tw__yx *c, const char *text, size_t len, yaml_document_t *doc);
void tw__yx_unload(tw__yx *c);
/* Read a whole file of at most max bytes into *text (malloc'd, the caller frees; *len its
 * size). c->origin should be the path. On error nothing is allocated and the message says why:
 * TW_EIO "path: cannot read: reason", TW_ERANGE (larger than max), TW_ENOMEM. */
int tw__yx_read_file(tw__yx *c, const char *path, size_t max, char **text, size_t *len);

/* One parser's document reader: fill out from the root node; 0 or a TW_E* code with the message
 * set through c. */
typedef int (*tw__yx_root_fn)(tw__yx *c, const yaml_node_t *root, void *out);

/* What the two public entry points of a parser share. A parser describes itself once: */
typedef struct tw__yx_doc {
  const char *what;       /* "scenario", "configuration": in messages */
  const char *empty;      /* the message for an empty file ("expected ..., got an empty file") */
  const char *no_origin;  /* origin to name when the caller gives none, e.g. "<scenario>" */
  size_t size;            /* sizeof the output struct */
  size_t max_input;       /* bytes */
  tw__yx_root_fn read;
} tw__yx_doc;

/* Parse text into *out through a zeroed heap copy, so that *out is unchanged on error. */
int tw__yx_parse_doc(const tw__yx_doc *d, void *out, const char *text, size_t len,
                     const char *origin, char *err, size_t n);
/* Read the file at path (at most d->max_input bytes) and parse it as tw__yx_parse_doc. */
int tw__yx_load_doc(const tw__yx_doc *d, void *out, const char *path, char *err, size_t n);

/* ---- readers of typed values: 0, or the message and its code ---- */

/* A plain decimal scalar as a finite double: 0, TW_EPARSE (not a number) or TW_ERANGE; no
 * message. */
int tw__yx_to_number(const yaml_node_t *n, double *out);
/* The same with the message "expected <what>, got ...". */
int tw__yx_read_number(tw__yx *c, const yaml_node_t *n, const char *what, double *out);
int tw__yx_in_range(const tw__yx_range *r, double v);
/* A number within r ("expected km in (0, 15000], got ..."): TW_EPARSE or TW_ERANGE. */
int tw__yx_read_in(tw__yx *c, const yaml_node_t *n, const tw__yx_range *r, double *out);
/* A plain unsigned decimal integer in [lo, hi] ("expected an integer in [lo, hi], got ...");
 * TW_EPARSE for anything but [-]digits, TW_ERANGE outside (negative numbers included). */
int tw__yx_read_uint(tw__yx *c, const yaml_node_t *n, uint64_t lo, uint64_t hi, uint64_t *out);
/* A non-null scalar of fewer than size bytes without control characters (so no NUL from a "\0"
 * escape either) into out: 0, TW_EPARSE (not text) or TW_ERANGE (too long); no message. */
int tw__yx_to_text(const yaml_node_t *n, char *out, size_t size);
/* The same with messages naming what. */
int tw__yx_read_text(tw__yx *c, const yaml_node_t *n, const char *what, char *out, size_t size);
/* Plain true or false (not quoted, no yes/no/on/off): 1 or 0 in *out, else TW_EPARSE. */
int tw__yx_read_bool(tw__yx *c, const yaml_node_t *n, int *out);
/* One of the words names[0..count), plain or quoted ("expected <what>, got ..."): its index in
 * *out, else TW_EPARSE. */
int tw__yx_read_word(tw__yx *c, const yaml_node_t *n, const char *const *names, int count,
                     const char *what, int *out);
/* Is n a sequence of min..max items? Else "expected <what>, got ..." at the line of n:
 * TW_EPARSE for another type or too few items, TW_ERANGE for too many. */
int tw__yx_read_seq(tw__yx *c, const yaml_node_t *n, size_t min, size_t max, const char *what);
/* Read mapping n whose keys all come from keys[0..nkeys), none twice: val[i] is then the value
 * of keys[i], or NULL when absent. what describes the mapping, for messages. */
int tw__yx_read_map(tw__yx *c, const yaml_node_t *n, const char *const *keys, int nkeys,
                    const char *what, const yaml_node_t **val);
/* "key: expected <what>, got nothing (the key is missing)" at the line of map; TW_EPARSE. */
int tw__yx_missing(tw__yx *c, const yaml_node_t *map, const char *key, const char *what);

#endif
