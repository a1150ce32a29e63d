/* cmd_records.c - `triwatch records DB [--json] [--topic T] [--since ISO8601]`: what a node's
 * recorder wrote (samples in and out with their markings, share decisions, alerts), as a table
 * or as JSON lines. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "triwatch/error.h"
#include "triwatch/recorder.h"
#include "triwatch/time.h"

static const char g_records_help[] =
  "usage: triwatch records DB [--json] [--topic TOPIC] [--since ISO8601]\n"
  "\n"
  "Lists what a node recorded in DB (an SQLite file written by its recorder): every sample in\n"
  "and out with its markings (originator, releasable-to set), every share decision, every alert,\n"
  "and any entries lost (queue full, database error); ordered by time. --json prints one JSON\n"
  "object per line (docs/fabric.md, \"The recorder\"). --topic keeps one topic; --since keeps\n"
  "what happened at or after a time (e.g. 2022-10-04T07:22:00+09:00). The file may be read while\n"
  "a node is writing it. Exit 1 if DB cannot be read, 2 if it is not a triwatch recording.\n";

/* Print s in a column of width w, control characters as '.', cut with '~' when too long. */
static void put_cell(FILE *f, const char *s, int w)
{
  int n = 0;
  if (!s)
    s = "-";
  for (; *s && n < w; s++, n++) {
    unsigned char c = (unsigned char)*s;
    if (n == w - 1 && s[1]) {
      fputc('~', f);
      n++;
      break;
    }
    fputc(c < 0x20 || c == 0x7f ? '.' : c, f);
  }
  fprintf(f, "%*s ", w - n, "");
}

/* Print up to max bytes of s, control characters as '.'. */
static void put_text(FILE *f, const char *s, size_t max)
{
  size_t n = 0;
  for (; s && *s && n < max; s++, n++) {
    unsigned char c = (unsigned char)*s;
    fputc(c < 0x20 || c == 0x7f ? '.' : c, f);
  }
  if (s && *s)
    fputs("...", f);
}

typedef struct table_ctx {
  FILE *out;
  int header_done;
} table_ctx;

static void print_header(table_ctx *t)
{
  if (!t->header_done)
    fprintf(t->out, "%-24s %-8s %-3s %-16s %-7s %-16s %-8s %s\n", "TIME (UTC)", "KIND", "DIR",
            "TOPIC", "ORIG", "REL TO", "PARTNER", "DETAIL");
  t->header_done = 1;
}

static int print_row(void *ctx, const tw_rec_row *row)
{
  table_ctx *t = ctx;
  FILE *f = t->out;
  char iso[48];
  print_header(t);
  static const char *const kind[] = {"?", "sample", "decision", "alert", "DROPPED"};
  if (tw_time_format(iso, sizeof iso, row->t_ns, 3, 0, 1) < 0)
    snprintf(iso, sizeof iso, "%lld", (long long)row->t_ns);
  fprintf(f, "%-24s %-8s %-3s ", iso, kind[row->kind],
          row->direction == TW_REC_IN ? "in" : row->direction == TW_REC_OUT ? "out" : "-");
  put_cell(f, row->topic, 16);
  put_cell(f, row->originator, 7);
  put_cell(f, row->releasable_to, 16);
  put_cell(f, row->partner, 8);
  switch (row->kind) {
  case TW_REC_SAMPLE:
    fprintf(f, "%zu B%s", row->payload_len, row->truncated ? " (truncated)" : "");
    break;
  case TW_REC_DECISION:
    fputs(row->shared == 1 ? "shared: " : "withheld: ", f);
    put_text(f, row->reason, 200);
    break;
  case TW_REC_ALERT:
    put_text(f, row->alert_id, 80);
    fputc(' ', f);
    put_text(f, row->status, 40);
    break;
  case TW_REC_DROPPED: {
    json_t *p = row->payload ? json_loadb(row->payload, row->payload_len, 0, NULL) : NULL;
    fprintf(f, "%lld entries lost (%lld: queue full, %lld: database error)",
            (long long)row->n_dropped,
            (long long)json_integer_value(json_object_get(p, "queue_full")),
            (long long)json_integer_value(json_object_get(p, "db_error")));
    json_decref(p);
    break;
  }
  }
  fputc('\n', f);
  return ferror(f) != 0;
}

typedef struct json_ctx {
  FILE *out;
  int rc;
} json_ctx;

static int print_json(void *ctx, const tw_rec_row *row)
{
  json_ctx *j = ctx;
  j->rc = tw_recorder_row_json(row, j->out);
  return j->rc < 0;
}

int cmd_records(int argc, char **argv)
{
  const char *db = NULL;
  int json = 0;
  tw_rec_filter filter = {0};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(g_records_help, stdout);
      return TW_EXIT_OK;
    } else if (!strcmp(a, "--json")) {
      json = 1;
    } else if (!strcmp(a, "--topic")) {
      if (++i >= argc || !*argv[i])
        return cli_usage("records: --topic needs a topic name");
      filter.topic = argv[i];
    } else if (!strcmp(a, "--since")) {
      if (++i >= argc)
        return cli_usage("records: --since needs a time (ISO 8601 with a zone)");
      tw_time_ns t;
      if (tw_time_parse(&t, argv[i]) < 0)
        return cli_usage("records: --since '%s': expected ISO 8601 with a zone, e.g. "
                         "2022-10-04T07:22:00+09:00", argv[i]);
      filter.since_ns = t;
      filter.has_since = 1;
    } else if (a[0] == '-' && a[1]) {
      return cli_usage("records: unknown option '%s' (try 'triwatch records --help')", a);
    } else if (db) {
      return cli_usage("records: one database only ('%s' and '%s')", db, a);
    } else {
      db = a;
    }
  }
  if (!db)
    return cli_usage("records: which database? (usage: triwatch records DB [--json])");

  char err[512] = "";
  int rc;
  json_ctx j = {stdout, 0};
  if (json) {
    rc = tw_recorder_read(db, &filter, print_json, &j, err, sizeof err);
  } else {
    table_ctx t = {stdout, 0};
    rc = tw_recorder_read(db, &filter, print_row, &t, err, sizeof err);
    if (rc >= 0)
      print_header(&t); /* an empty recording: the header alone */
  }
  if (rc < 0) {
    fprintf(stderr, "triwatch: records: %s\n", err[0] ? err : tw_strerror(rc));
    return rc == TW_EPARSE ? TW_EXIT_USAGE : TW_EXIT_FAIL;
  }
  if (j.rc < 0 || fflush(stdout) != 0 || ferror(stdout)) {
    fprintf(stderr, "triwatch: records: writing the listing failed\n");
    return TW_EXIT_FAIL;
  }
  return TW_EXIT_OK;
}
