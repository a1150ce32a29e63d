/* test_recorder.c - the recorder (triwatch/recorder.h): round trips through a real SQLite file
 * and back out as JSON lines, WAL, 100,000 samples while the writer runs, queue overflow
 * accounting (slots and bytes), hostile strings, bad arguments, draining on close, a database
 * locked by another process, reading while writing, reopening, damaged and foreign files, and
 * `triwatch records`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>

#include "triwatch/error.h"
#include "triwatch/recorder.h"

#define T0 INT64_C(1664835720000000000) /* 2022-10-03T22:22:00Z, the Aomori launch */

static char g_dir[64];

static double mono_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A fresh database path in the test's directory (the file does not exist). */
static const char *db_path(const char *name)
{
  static char path[8][256];
  static int k;
  char *p = path[k++ % 8];
  snprintf(p, sizeof path[0], "%s/%s", g_dir, name);
  const char *suffix[] = {"", "-wal", "-shm"};
  for (int i = 0; i < 3; i++) {
    char f[300];
    snprintf(f, sizeof f, "%s%s", p, suffix[i]);
    unlink(f);
  }
  return p;
}

static tw_recorder *open_ok(const char *path, const tw_rec_options *o)
{
  char err[256] = "";
  tw_recorder *r = tw_recorder_open_opts(path, o, err, sizeof err);
  if (!r)
    fail_msg("tw_recorder_open(%s): %s", path, err);
  return r;
}

/* Every row of path as parsed JSON objects (an array), via tw_recorder_dump_json. */
static json_t *dump(const char *path, int *rc_out)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_non_null(f);
  char err[256] = "";
  int rc = tw_recorder_dump_json(path, f, err, sizeof err);
  fclose(f);
  if (rc_out)
    *rc_out = rc;
  else if (rc < 0)
    fail_msg("dump %s: %d %s", path, rc, err);
  json_t *a = json_array();
  char *save = NULL;
  for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    json_error_t e;
    json_t *o = json_loads(line, 0, &e);
    if (!o)
      fail_msg("dump line is not JSON (%s): %s", e.text, line);
    json_array_append_new(a, o);
  }
  free(buf);
  if (!rc_out)
    assert_int_equal((int)json_array_size(a), rc);
  return a;
}

static const char *jget(json_t *o, const char *key)
{
  json_t *v = json_object_get(o, key);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

static void test_round_trip(void **state)
{
  (void)state;
  const char *path = db_path("round.db");
  tw_recorder *r = open_ok(path, NULL);
  assert_int_equal(tw_recorder_sample(r, T0 + 2, "tw_local_track", TW_REC_IN, "KOR",
                                      "JPN+KOR+USA", "KOR-USA", "{\"id\":7,\"x\":[1.5,2]}"), 0);
  assert_int_equal(tw_recorder_sample(r, T0 + 1, "tw_local_track", TW_REC_OUT, "USA",
                                      "JPN+USA", NULL, "[1,2,3]"), 0);
  assert_int_equal(tw_recorder_decision(r, T0 + 3, "tw_local_track", "KOR", 0,
                                        "relset JPN+USA lacks KOR", "USA", "JPN+USA"), 0);
  assert_int_equal(tw_recorder_decision(r, T0 + 3, "tw_local_track", "JPN", 1, "in relset",
                                        "USA", "JPN+USA"), 0);
  assert_int_equal(tw_recorder_alert(r, T0 + 4, "tw-JPN-0001", "new",
                                     "{\"areas\":[\"JP-02\"]}"), 0);
  tw_rec_stats st;
  assert_int_equal(tw_recorder_stats(r, &st), 0);
  assert_int_equal(st.enqueued, 5);
  tw_recorder_close(r);

  json_t *a = dump(path, NULL);
  assert_int_equal(json_array_size(a), 5);
  /* ordered by time: the OUT sample (T0+1) first although queued second */
  json_t *o = json_array_get(a, 0);
  assert_string_equal(jget(o, "kind"), "sample");
  assert_string_equal(jget(o, "direction"), "out");
  assert_string_equal(jget(o, "originator"), "USA");
  assert_string_equal(jget(o, "releasable_to"), "JPN+USA");
  assert_true(json_is_null(json_object_get(o, "partner")));
  assert_true(json_is_array(json_object_get(o, "payload")));
  assert_int_equal(json_integer_value(json_object_get(o, "t_ns")), T0 + 1);
  assert_int_equal(json_integer_value(json_object_get(o, "seq")), 2);
  assert_string_equal(jget(o, "time"), "2022-10-03T22:22:00.000000001Z");
  o = json_array_get(a, 1);
  assert_string_equal(jget(o, "direction"), "in");
  assert_string_equal(jget(o, "topic"), "tw_local_track");
  assert_string_equal(jget(o, "partner"), "KOR-USA");
  assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "payload"), "id")), 7);
  assert_null(json_object_get(o, "payload_invalid"));
  assert_null(json_object_get(o, "truncated"));
  /* equal times keep insertion order */
  o = json_array_get(a, 2);
  assert_string_equal(jget(o, "kind"), "decision");
  assert_true(json_is_false(json_object_get(o, "shared")));
  assert_string_equal(jget(o, "partner"), "KOR");
  assert_string_equal(jget(o, "reason"), "relset JPN+USA lacks KOR");
  assert_string_equal(jget(o, "direction"), "out");
  assert_true(json_is_true(json_object_get(json_array_get(a, 3), "shared")));
  o = json_array_get(a, 4);
  assert_string_equal(jget(o, "kind"), "alert");
  assert_string_equal(jget(o, "alert_id"), "tw-JPN-0001");
  assert_string_equal(jget(o, "status"), "new");
  assert_string_equal(jget(o, "topic"), "tw_alert");
  assert_true(json_is_null(json_object_get(o, "direction")));
  assert_string_equal(json_string_value(json_array_get(
                        json_object_get(json_object_get(o, "payload"), "areas"), 0)), "JP-02");
  json_decref(a);

  int64_t t = 0;
  assert_int_equal(tw_recorder_last_t(path, &t), 1);
  assert_int_equal(t, T0 + 4);
}

static int count_rows(void *ctx, const tw_rec_row *row)
{
  (void)row;
  ++*(int *)ctx;
  return 0;
}

static void test_filters_and_last_t(void **state)
{
  (void)state;
  const char *path = db_path("filter.db");
  tw_recorder *r = open_ok(path, NULL);
  int64_t t = 42;
  tw_recorder_flush(r);
  assert_int_equal(tw_recorder_last_t(path, &t), 0); /* empty recording: 0, t unchanged */
  assert_int_equal(t, 42);
  for (int i = 0; i < 10; i++)
    assert_int_equal(tw_recorder_sample(r, T0 + i, i % 2 ? "tw_health" : "tw_local_track",
                                        TW_REC_IN, "JPN", "JPN+USA", "JPN-USA", "{}"), 0);
  assert_int_equal(tw_recorder_alert(r, T0 + 5, "a", "cancel", "{}"), 0);
  tw_recorder_close(r);
  int n = 0;
  tw_rec_filter f = {.topic = "tw_health"};
  assert_int_equal(tw_recorder_read(path, &f, count_rows, &n, NULL, 0), 5);
  assert_int_equal(n, 5);
  f = (tw_rec_filter){.since_ns = T0 + 5, .has_since = 1};
  assert_int_equal(tw_recorder_read(path, &f, count_rows, &n, NULL, 0), 6);
  f.topic = "tw_alert";
  assert_int_equal(tw_recorder_read(path, &f, count_rows, &n, NULL, 0), 1);
  assert_int_equal(tw_recorder_last_t(path, &t), 1);
  assert_int_equal(t, T0 + 9);

  /* reopening appends; the restarted node learns where it stopped */
  r = open_ok(path, NULL);
  assert_int_equal(tw_recorder_sample(r, T0 + 100, "tw_local_track", TW_REC_OUT, "JPN",
                                      "JPN+USA", "JPN-USA", "{}"), 0);
  tw_recorder_close(r);
  assert_int_equal(tw_recorder_read(path, NULL, count_rows, &n, NULL, 0), 12);
  assert_int_equal(tw_recorder_last_t(path, &t), 1);
  assert_int_equal(t, T0 + 100);
}

static void test_wal(void **state)
{
  (void)state;
  const char *path = db_path("wal.db");
  tw_recorder *r = open_ok(path, NULL);
  sqlite3 *db;
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
  sqlite3_finalize(st);
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT version FROM tw_schema", -1, &st, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int(st, 0), TW_REC_SCHEMA_VERSION);
  sqlite3_finalize(st);
  sqlite3_close(db);
  tw_recorder_close(r);
}

typedef struct producer {
  tw_recorder *r;
  int n;
  size_t ring_entries;
  int refused;
  int64_t *lat_ns; /* each call's duration */
} producer;

static int64_t now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int by_value(const void *a, const void *b)
{
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* Enqueue n samples as fast as the queue takes them: a producer that would rather wait than
 * drop (the daemon drops; this test wants to see every row arrive). */
static void *produce(void *arg)
{
  producer *p = arg;
  char payload[64];
  for (int i = 0; i < p->n; i++) {
    if (i % 1024 == 0) {
      tw_rec_stats st;
      tw_recorder_stats(p->r, &st);
      while (st.queued > p->ring_entries / 2) {
        nanosleep(&(struct timespec){0, 200000}, NULL);
        tw_recorder_stats(p->r, &st);
      }
    }
    snprintf(payload, sizeof payload, "{\"i\":%d}", i);
    int64_t t = now_ns();
    int rc = tw_recorder_sample(p->r, T0 + i, "tw_local_track", TW_REC_IN, "KOR", "JPN+KOR+USA",
                                "KOR-USA", payload);
    p->lat_ns[i] = now_ns() - t;
    if (rc != 0)
      p->refused++;
  }
  return NULL;
}

typedef struct order_ctx {
  int64_t next_i;
  int64_t last_seq;
  int bad;
} order_ctx;

static int check_order(void *ctx, const tw_rec_row *row)
{
  order_ctx *c = ctx;
  char want[64];
  snprintf(want, sizeof want, "{\"i\":%lld}", (long long)c->next_i);
  if (row->t_ns != T0 + c->next_i || row->seq <= c->last_seq || strcmp(row->payload, want))
    c->bad++;
  c->next_i++;
  c->last_seq = row->seq;
  return 0;
}

static void test_many_samples(void **state)
{
  (void)state;
  const char *path = db_path("many.db");
  const int n = 100000;
  tw_rec_options o;
  tw_rec_options_default(&o);
  tw_recorder *r = open_ok(path, &o);
  producer p = {r, n, o.ring_entries, 0, calloc((size_t)n, sizeof(int64_t))};
  assert_non_null(p.lat_ns);
  pthread_t th;
  double t0 = mono_s();
  assert_int_equal(pthread_create(&th, NULL, produce, &p), 0);
  pthread_join(th, NULL);
  tw_rec_stats st;
  tw_recorder_stats(r, &st);
  tw_recorder_close(r);
  double dt = mono_s() - t0;
  assert_int_equal(p.refused, 0);
  assert_int_equal(st.enqueued, n);
  assert_int_equal(st.dropped, 0);
  qsort(p.lat_ns, (size_t)n, sizeof p.lat_ns[0], by_value);
  print_message("  100,000 samples from one thread while the writer runs: %.3f s, %.0f rows/s; "
                "enqueue p50 %lld ns, p99 %lld ns, p99.9 %lld ns, max %lld ns\n", dt, n / dt,
                (long long)p.lat_ns[n / 2], (long long)p.lat_ns[n * 99 / 100],
                (long long)p.lat_ns[n * 999 / 1000], (long long)p.lat_ns[n - 1]);
  free(p.lat_ns);
  order_ctx c = {0, 0, 0};
  assert_int_equal(tw_recorder_read(path, NULL, check_order, &c, NULL, 0), n);
  assert_int_equal(c.bad, 0);
  assert_int_equal(c.next_i, n);

  /* the writer alone: fill the queue with the writer asleep, then time the drain in close */
  path = db_path("drain.db");
  o.ring_entries = 131072;
  o.batch_rows = 1000000;
  o.batch_ms = 3600000;
  r = open_ok(path, &o);
  char payload[512];
  double e0 = mono_s();
  for (int i = 0; i < n; i++) {
    snprintf(payload, sizeof payload, "{\"i\":%d,\"x\":[-3052456.25,4043870.5,3850123.75],"
             "\"v\":[1234.5,-2345.25,3456.125]}", i);
    assert_int_equal(tw_recorder_sample(r, T0 + i, "tw_local_track", TW_REC_IN, "KOR",
                                        "JPN+KOR+USA", "KOR-USA", payload), 0);
  }
  double e1 = mono_s();
  tw_recorder_stats(r, &st);
  assert_int_equal(st.written, 0); /* the writer slept through it */
  tw_recorder_close(r);
  double e2 = mono_s();
  print_message("  enqueue (incl. formatting the payload): %.0f ns/sample; writer: %.0f rows/s "
                "(~130-byte payloads, 1,000 rows per transaction)\n",
                1e9 * (e1 - e0) / n, n / (e2 - e1));
  int m = 0;
  assert_int_equal(tw_recorder_read(path, NULL, count_rows, &m, NULL, 0), n);
}

typedef struct mp_producer {
  tw_recorder *r;
  int id, n, refused;
} mp_producer;

static void *produce_tagged(void *arg)
{
  mp_producer *p = arg;
  char payload[64];
  for (int i = 0; i < p->n; i++) {
    snprintf(payload, sizeof payload, "{\"p\":%d,\"i\":%d}", p->id, i);
    if (tw_recorder_sample(p->r, T0, "tw_local_track", TW_REC_IN, "KOR", "JPN+KOR+USA",
                           "KOR-USA", payload) != 0)
      p->refused++;
  }
  return NULL;
}

typedef struct mp_check {
  int next[4];
  int bad;
} mp_check;

static int check_tagged(void *ctx, const tw_rec_row *row)
{
  mp_check *c = ctx;
  int p, i;
  if (sscanf(row->payload, "{\"p\":%d,\"i\":%d}", &p, &i) != 2 || p < 0 || p > 3 ||
      i != c->next[p]++)
    c->bad++;
  return 0;
}

/* Four threads at once (bus callbacks, the tracker...): nothing lost, each thread's entries in
 * the order it queued them (equal times keep insertion order). */
static void test_many_producers(void **state)
{
  (void)state;
  const char *path = db_path("mp.db");
  tw_rec_options o;
  tw_rec_options_default(&o);
  o.ring_entries = 131072; /* room for all: this is about concurrency, not overflow */
  tw_recorder *r = open_ok(path, &o);
  mp_producer p[4];
  pthread_t th[4];
  for (int k = 0; k < 4; k++) {
    p[k] = (mp_producer){r, k, 25000, 0};
    assert_int_equal(pthread_create(&th[k], NULL, produce_tagged, &p[k]), 0);
  }
  for (int k = 0; k < 4; k++) {
    pthread_join(th[k], NULL);
    assert_int_equal(p[k].refused, 0);
  }
  tw_recorder_close(r);
  mp_check c = {{0}, 0};
  assert_int_equal(tw_recorder_read(path, NULL, check_tagged, &c, NULL, 0), 100000);
  assert_int_equal(c.bad, 0);
  for (int k = 0; k < 4; k++)
    assert_int_equal(c.next[k], 25000);
}

/* Writer asleep unless flushed or closed: overflow is deterministic. */
static void sleepy_options(tw_rec_options *o)
{
  tw_rec_options_default(o);
  o->batch_rows = 1000000;
  o->batch_ms = 3600000;
}

static void test_overflow_slots(void **state)
{
  (void)state;
  const char *path = db_path("slots.db");
  tw_rec_options o;
  sleepy_options(&o);
  o.ring_entries = 8;
  tw_recorder *r = open_ok(path, &o);
  for (int i = 0; i < 20; i++)
    assert_int_equal(tw_recorder_sample(r, T0 + i, "t", TW_REC_IN, "A", "A", NULL, "{}"),
                     i < 8 ? 0 : TW_ENOMEM);
  tw_rec_stats st;
  tw_recorder_stats(r, &st);
  assert_int_equal(st.enqueued, 8);
  assert_int_equal(st.dropped, 12);
  assert_int_equal(st.queued, 8);
  assert_int_equal(st.queued_max, 8);
  /* space returns: the writer records the drops as soon as the queue is empty */
  assert_int_equal(tw_recorder_flush(r), 0);
  tw_recorder_stats(r, &st);
  assert_int_equal(st.written, 8);
  assert_int_equal(st.queued, 0);
  for (int i = 20; i < 30; i++)
    assert_int_equal(tw_recorder_sample(r, T0 + i, "t", TW_REC_IN, "A", "A", NULL, "{}"),
                     i < 28 ? 0 : TW_ENOMEM);
  tw_recorder_close(r); /* drains, and records the last 2 drops */

  json_t *a = dump(path, NULL);
  assert_int_equal(json_array_size(a), 8 + 1 + 8 + 1);
  json_t *d = json_array_get(a, 8);
  assert_string_equal(jget(d, "kind"), "dropped");
  assert_int_equal(json_integer_value(json_object_get(d, "n_dropped")), 12);
  assert_int_equal(json_integer_value(json_object_get(d, "t_ns")), T0 + 8);
  assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "payload"),
                                                      "last_t_ns")), T0 + 19);
  assert_int_equal(json_integer_value(json_object_get(json_array_get(a, 9), "t_ns")), T0 + 20);
  d = json_array_get(a, 17);
  assert_string_equal(jget(d, "kind"), "dropped");
  assert_int_equal(json_integer_value(json_object_get(d, "n_dropped")), 2);
  json_decref(a);
}

static void test_overflow_bytes(void **state)
{
  (void)state;
  const char *path = db_path("bytes.db");
  tw_rec_options o;
  sleepy_options(&o);
  o.payload_max = 8192;
  o.ring_bytes = 10000; /* the writer wakes at half: keep below 5,000 until the drop */
  tw_recorder *r = open_ok(path, &o);
  static char big[8000];
  memset(big, 'x', sizeof big - 1);
  big[4000] = '\0';
  assert_int_equal(tw_recorder_sample(r, T0, "t", TW_REC_OUT, "A", "A", NULL, big), 0);
  big[4000] = 'x';
  big[7000] = '\0';
  assert_int_equal(tw_recorder_sample(r, T0 + 1, "t", TW_REC_OUT, "A", "A", NULL, big),
                   TW_ENOMEM);
  /* a small one fits: it is queued behind a marker for the big one */
  assert_int_equal(tw_recorder_sample(r, T0 + 2, "t", TW_REC_OUT, "A", "A", NULL, "{}"), 0);
  tw_rec_stats st;
  tw_recorder_stats(r, &st);
  assert_int_equal(st.written, 0);
  assert_int_equal(st.dropped, 1);
  tw_recorder_close(r);
  json_t *a = dump(path, NULL);
  assert_int_equal(json_array_size(a), 3);
  assert_string_equal(jget(json_array_get(a, 0), "kind"), "sample");
  assert_string_equal(jget(json_array_get(a, 1), "kind"), "dropped");
  assert_int_equal(json_integer_value(json_object_get(json_array_get(a, 1), "seq")), 2);
  assert_int_equal(json_integer_value(json_object_get(json_array_get(a, 1), "n_dropped")), 1);
  assert_int_equal(json_integer_value(json_object_get(json_array_get(a, 2), "t_ns")), T0 + 2);
  json_decref(a);

  /* a ring of exactly one largest entry still takes entries after wrapping round */
  path = db_path("bytes-min.db");
  o.ring_bytes = 8192 + 4 * TW_REC_NAME_MAX;
  o.batch_ms = 1;
  r = open_ok(path, &o);
  big[7000] = 'x';
  big[sizeof big - 1] = '\0';
  for (int i = 0; i < 50; i++) {
    big[0] = (char)('a' + i % 26);
    int rc = tw_recorder_sample(r, T0 + i, "t", TW_REC_OUT, "A", "A", NULL, big + (i % 7) * 1000);
    assert_true(rc == 0 || rc == TW_ENOMEM);
    if (rc == TW_ENOMEM) {
      tw_recorder_flush(r);
      assert_int_equal(tw_recorder_sample(r, T0 + i, "t", TW_REC_OUT, "A", "A", NULL,
                                          big + (i % 7) * 1000), 0);
    }
  }
  tw_recorder_stats(r, &st);
  assert_int_equal(st.enqueued, 50);
  tw_recorder_close(r);
}

typedef struct log_sink {
  pthread_mutex_t mu;
  char lines[16][640];
  int n;
  sqlite3 *release_on_loss; /* COMMIT this connection when a batch is given up */
} log_sink;

static void sink_log(void *ctx, const char *line)
{
  log_sink *k = ctx;
  pthread_mutex_lock(&k->mu);
  if (k->n < 16)
    snprintf(k->lines[k->n++], sizeof k->lines[0], "%s", line);
  if (k->release_on_loss && strstr(line, "entries lost")) {
    sqlite3_exec(k->release_on_loss, "COMMIT", NULL, NULL, NULL);
    k->release_on_loss = NULL;
  }
  pthread_mutex_unlock(&k->mu);
}

static int sink_has(log_sink *k, const char *what)
{
  pthread_mutex_lock(&k->mu);
  int found = 0;
  for (int i = 0; i < k->n; i++)
    found |= strstr(k->lines[i], what) != NULL;
  pthread_mutex_unlock(&k->mu);
  return found;
}

/* Another process holds the write lock: the writer keeps the rows and tries again; once a
 * close waits on it, it gives up after three attempts, counts and logs the loss, and a "dropped"
 * row reports it when the database takes rows again. */
static void test_database_locked(void **state)
{
  (void)state;
  const char *path = db_path("locked.db");
  log_sink sink = {.n = 0};
  pthread_mutex_init(&sink.mu, NULL);
  tw_rec_options o;
  tw_rec_options_default(&o);
  o.batch_ms = 10;
  o.busy_ms = 20;
  o.log = sink_log;
  o.log_ctx = &sink;
  tw_recorder *r = open_ok(path, &o);
  sqlite3 *other;
  assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
  assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
  for (int i = 0; i < 10; i++)
    assert_int_equal(tw_recorder_sample(r, T0 + i, "t", TW_REC_IN, "A", "A", NULL, "{}"), 0);
  nanosleep(&(struct timespec){0, 300000000}, NULL);
  tw_rec_stats st;
  tw_recorder_stats(r, &st);
  assert_int_equal(st.written, 0);
  assert_int_equal(st.failed, 0);
  assert_int_equal(st.queued, 10);
  assert_true(sink_has(&sink, "cannot write (database is locked), trying again"));
  assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
  tw_recorder_flush(r);
  tw_recorder_stats(r, &st);
  assert_int_equal(st.written, 10);
  assert_true(sink_has(&sink, "writing again after"));

  /* locked again while closing: given up, counted, and reported once the lock is gone */
  assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
  for (int i = 10; i < 15; i++)
    assert_int_equal(tw_recorder_sample(r, T0 + i, "t", TW_REC_IN, "A", "A", NULL, "{}"), 0);
  pthread_mutex_lock(&sink.mu);
  sink.release_on_loss = other;
  pthread_mutex_unlock(&sink.mu);
  tw_recorder_close(r);
  assert_true(sink_has(&sink, "5 entries lost after 3 attempts (database is locked)"));
  sqlite3_close(other);
  json_t *a = dump(path, NULL);
  assert_int_equal(json_array_size(a), 11);
  json_t *d = json_array_get(a, 10);
  assert_string_equal(jget(d, "kind"), "dropped");
  assert_int_equal(json_integer_value(json_object_get(d, "n_dropped")), 5);
  assert_int_equal(json_integer_value(json_object_get(d, "t_ns")), T0 + 10);
  json_t *p = json_object_get(d, "payload");
  assert_int_equal(json_integer_value(json_object_get(p, "db_error")), 5);
  assert_int_equal(json_integer_value(json_object_get(p, "queue_full")), 0);
  assert_int_equal(json_integer_value(json_object_get(p, "last_t_ns")), T0 + 14);
  json_decref(a);
  pthread_mutex_destroy(&sink.mu);
}

typedef struct raw_ctx {
  const char *want_payload;
  size_t want_len;
  int found;
} raw_ctx;

static int find_raw(void *ctx, const tw_rec_row *row)
{
  raw_ctx *c = ctx;
  if (row->payload && row->payload_len == c->want_len &&
      !memcmp(row->payload, c->want_payload, c->want_len))
    c->found++;
  return 0;
}

static void test_hostile_strings(void **state)
{
  (void)state;
  const char *path = db_path("strings.db");
  tw_rec_options o;
  tw_rec_options_default(&o);
  o.payload_max = 100;
  tw_recorder *r = open_ok(path, &o);
  const char *topic = "top\"ic\n\\ with \xe6\x9d\xb1\xe4\xba\xac"; /* quotes, newline, 東京 */
  const char *reason = "withheld: \"REL TO\" lacks \xed\x95\x9c\xea\xb5\xad\r\n\ttab";
  assert_int_equal(tw_recorder_decision(r, T0, topic, "KOR", 0, reason, "USA", "JPN+USA"), 0);
  assert_int_equal(tw_recorder_sample(r, T0 + 1, topic, TW_REC_IN, "KOR", "JPN+KOR+USA", NULL,
                                      "{\"unterminated\": "), 0);
  assert_int_equal(tw_recorder_sample(r, T0 + 2, "t", TW_REC_IN, "K\xffR", "\xc0\xafUSA", NULL,
                                      "bad \xff\xfe utf-8"), 0);
  assert_int_equal(tw_recorder_sample(r, T0 + 3, "t", TW_REC_IN, "KOR", "KOR", NULL, "\"str\""),
                   0);
  assert_int_equal(tw_recorder_sample(r, T0 + 4, "t", TW_REC_IN, "KOR", "KOR", NULL, ""), 0);
  /* 120 bytes with a 3-byte character across the 100-byte cut: cut before it, flagged */
  char longp[121];
  memset(longp, 'a', 120);
  memcpy(longp + 98, "\xe6\x9d\xb1", 3);
  longp[120] = '\0';
  assert_int_equal(tw_recorder_sample(r, T0 + 5, "t", TW_REC_OUT, "KOR", "KOR", NULL, longp), 1);
  assert_int_equal(tw_recorder_alert(r, T0 + 6, "id\"1", "new\n", longp), 1);
  tw_rec_stats st;
  tw_recorder_stats(r, &st);
  assert_int_equal(st.truncated, 2);
  tw_recorder_close(r);

  json_t *a = dump(path, NULL);
  assert_int_equal(json_array_size(a), 7);
  json_t *x = json_array_get(a, 0);
  assert_string_equal(jget(x, "topic"), topic);
  assert_string_equal(jget(x, "reason"), reason);
  x = json_array_get(a, 1);
  assert_string_equal(jget(x, "payload"), "{\"unterminated\": ");
  assert_true(json_is_true(json_object_get(x, "payload_invalid")));
  x = json_array_get(a, 2);
  assert_string_equal(jget(x, "originator"), "K\xef\xbf\xbdR");
  assert_string_equal(jget(x, "releasable_to"), "\xef\xbf\xbd\xef\xbf\xbdUSA");
  assert_string_equal(jget(x, "payload"), "bad \xef\xbf\xbd\xef\xbf\xbd utf-8");
  x = json_array_get(a, 3); /* a JSON scalar is kept as the text it was */
  assert_string_equal(jget(x, "payload"), "\"str\"");
  assert_true(json_is_true(json_object_get(x, "payload_invalid")));
  assert_string_equal(jget(json_array_get(a, 4), "payload"), "");
  x = json_array_get(a, 5);
  assert_true(json_is_true(json_object_get(x, "truncated")));
  assert_int_equal(strlen(jget(x, "payload")), 98);
  x = json_array_get(a, 6);
  assert_string_equal(jget(x, "alert_id"), "id\"1");
  assert_string_equal(jget(x, "status"), "new\n");
  assert_true(json_is_true(json_object_get(x, "truncated")));
  json_decref(a);

  /* the raw bytes come back exactly through tw_recorder_read */
  raw_ctx c = {"bad \xff\xfe utf-8", 12, 0};
  assert_int_equal(tw_recorder_read(path, NULL, find_raw, &c, NULL, 0), 7);
  assert_int_equal(c.found, 1);
}

static void test_bad_arguments(void **state)
{
  (void)state;
  const char *path = db_path("args.db");
  char err[256];
  tw_recorder *r = open_ok(path, NULL);
  char name[TW_REC_NAME_MAX + 2];
  memset(name, 'N', sizeof name - 1);
  name[sizeof name - 1] = '\0'; /* one byte too long */
  char reason[TW_REC_REASON_MAX + 2];
  memset(reason, 'r', sizeof reason - 1);
  reason[sizeof reason - 1] = '\0';

  assert_int_equal(tw_recorder_sample(NULL, 0, "t", TW_REC_IN, "A", "A", NULL, "{}"), TW_EINVAL);
  assert_int_equal(tw_recorder_sample(r, 0, NULL, TW_REC_IN, "A", "A", NULL, "{}"), TW_EINVAL);
  assert_int_equal(tw_recorder_sample(r, 0, "t", 0, "A", "A", NULL, "{}"), TW_EINVAL);
  assert_int_equal(tw_recorder_sample(r, 0, "t", 3, "A", "A", NULL, "{}"), TW_EINVAL);
  assert_int_equal(tw_recorder_sample(r, 0, "t", TW_REC_IN, NULL, "A", NULL, "{}"), TW_EINVAL);
  assert_int_equal(tw_recorder_sample(r, 0, "t", TW_REC_IN, "A", NULL, NULL, "{}"), TW_EINVAL);
  assert_int_equal(tw_recorder_sample(r, 0, "t", TW_REC_IN, "A", "A", NULL, NULL), TW_EINVAL);
  assert_int_equal(tw_recorder_sample(r, 0, name, TW_REC_IN, "A", "A", NULL, "{}"), TW_EINVAL);
  assert_int_equal(tw_recorder_sample(r, 0, "t", TW_REC_IN, "A", name, NULL, "{}"), TW_EINVAL);
  assert_int_equal(tw_recorder_sample(r, 0, "t", TW_REC_IN, "A", "A", name, "{}"), TW_EINVAL);
  name[TW_REC_NAME_MAX] = '\0'; /* exactly the limit is fine */
  assert_int_equal(tw_recorder_sample(r, 0, name, TW_REC_IN, name, name, name, "{}"), 0);
  assert_int_equal(tw_recorder_decision(r, 0, "t", "B", 2, "r", "A", "A"), TW_EINVAL);
  assert_int_equal(tw_recorder_decision(r, 0, "t", NULL, 1, "r", "A", "A"), TW_EINVAL);
  assert_int_equal(tw_recorder_decision(r, 0, "t", "B", 1, NULL, "A", "A"), TW_EINVAL);
  assert_int_equal(tw_recorder_decision(r, 0, "t", "B", 1, reason, "A", "A"), TW_EINVAL);
  reason[TW_REC_REASON_MAX] = '\0';
  assert_int_equal(tw_recorder_decision(r, 0, "t", "B", 1, reason, "A", "A"), 0);
  assert_int_equal(tw_recorder_alert(r, 0, NULL, "new", "{}"), TW_EINVAL);
  assert_int_equal(tw_recorder_alert(r, 0, "a", NULL, "{}"), TW_EINVAL);
  assert_int_equal(tw_recorder_alert(r, 0, "a", "new", NULL), TW_EINVAL);
  assert_int_equal(tw_recorder_flush(NULL), TW_EINVAL);
  assert_int_equal(tw_recorder_stats(r, NULL), TW_EINVAL);
  tw_rec_stats st;
  assert_int_equal(tw_recorder_stats(r, &st), 0);
  assert_int_equal(st.enqueued, 2); /* refused calls are neither queued nor counted as drops */
  assert_int_equal(st.dropped, 0);
  tw_recorder_close(r);
  tw_recorder_close(NULL);

  assert_null(tw_recorder_open(NULL, err, sizeof err));
  tw_rec_options o;
  tw_rec_options_default(&o);
  o.ring_entries = 1;
  assert_null(tw_recorder_open_opts(db_path("x.db"), &o, err, sizeof err));
  assert_non_null(strstr(err, "ring_entries"));
  tw_rec_options_default(&o);
  o.ring_bytes = o.payload_max;
  assert_null(tw_recorder_open_opts(db_path("x.db"), &o, err, sizeof err));
  assert_non_null(strstr(err, "ring_bytes"));
  assert_int_equal(access(db_path("x.db"), F_OK), -1); /* bad options create no file */
  assert_int_equal(tw_recorder_dump_json(path, NULL, err, sizeof err), TW_EINVAL);
  assert_int_equal(tw_recorder_read(NULL, NULL, count_rows, NULL, err, sizeof err), TW_EINVAL);
  assert_int_equal(tw_recorder_read(path, NULL, NULL, NULL, err, sizeof err), TW_EINVAL);
  assert_int_equal(tw_recorder_last_t(path, NULL), TW_EINVAL);
}

static void write_file(const char *path, const void *data, size_t n)
{
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, n, f), n);
  fclose(f);
}

static void test_bad_files(void **state)
{
  (void)state;
  char err[512];
  int64_t t;
  const char *path = db_path("missing.db");
  assert_int_equal(tw_recorder_dump_json(path, stdout, err, sizeof err), TW_ENOENT);
  assert_non_null(strstr(err, path));
  assert_int_equal(tw_recorder_last_t(path, &t), TW_ENOENT);

  path = db_path("garbage.db");
  char junk[4096];
  for (size_t i = 0; i < sizeof junk; i++)
    junk[i] = (char)(i * 7 + 3);
  write_file(path, junk, sizeof junk);
  assert_int_equal(tw_recorder_dump_json(path, stdout, err, sizeof err), TW_EPARSE);
  assert_non_null(strstr(err, path));
  assert_non_null(strstr(err, "not a database"));
  assert_null(tw_recorder_open(path, err, sizeof err));
  assert_non_null(strstr(err, "not a database"));

  path = db_path("empty.db");
  write_file(path, "", 0);
  assert_int_equal(tw_recorder_dump_json(path, stdout, err, sizeof err), TW_EPARSE);
  assert_non_null(strstr(err, "not a triwatch recording"));

  /* someone else's database: refused, and left as it was (not switched to WAL) */
  path = db_path("other.db");
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "CREATE TABLE people(name TEXT)", NULL, NULL, NULL), 0);
  sqlite3_close(db);
  assert_null(tw_recorder_open(path, err, sizeof err));
  assert_non_null(strstr(err, "not a triwatch recording"));
  assert_int_equal(tw_recorder_dump_json(path, stdout, err, sizeof err), TW_EPARSE);
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  sqlite3_stmt *st;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(st, 0), "delete");
  sqlite3_finalize(st);
  sqlite3_close(db);

  /* a recording from a newer triwatch: refused by the writer and the readers */
  path = db_path("newer.db");
  tw_recorder_close(open_ok(path, NULL));
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "UPDATE tw_schema SET version = 99", NULL, NULL, NULL), 0);
  sqlite3_close(db);
  assert_null(tw_recorder_open(path, err, sizeof err));
  assert_non_null(strstr(err, "schema version 99"));
  assert_int_equal(tw_recorder_dump_json(path, stdout, err, sizeof err), TW_EPARSE);
  assert_int_equal(tw_recorder_last_t(path, &t), TW_EPARSE);

  /* a recording cut short: damage is reported, not a crash */
  path = db_path("cut.db");
  tw_recorder *r = open_ok(path, NULL);
  for (int i = 0; i < 3000; i++)
    tw_recorder_sample(r, T0 + i, "tw_local_track", TW_REC_IN, "KOR", "KOR+USA", "KOR-USA",
                       "{\"padding\":\"......................................................\"}");
  tw_recorder_close(r);
  FILE *f = fopen(path, "r+b");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fclose(f);
  assert_int_equal(truncate(path, size / 2), 0);
  FILE *devnull = fopen("/dev/null", "w");
  int rc = tw_recorder_dump_json(path, devnull, err, sizeof err);
  fclose(devnull);
  assert_int_equal(rc, TW_EPARSE);
  assert_non_null(strstr(err, path));
}

static void test_close_drains_full_queue(void **state)
{
  (void)state;
  const char *path = db_path("full.db");
  tw_rec_options o;
  sleepy_options(&o);
  o.ring_entries = 5000;
  tw_recorder *r = open_ok(path, &o);
  for (int i = 0; i < 5000; i++)
    assert_int_equal(tw_recorder_alert(r, T0 + i, "a", "update", "{\"k\":1}"), 0);
  assert_int_equal(tw_recorder_alert(r, T0 + 5000, "a", "update", "{}"), TW_ENOMEM);
  tw_rec_stats st;
  tw_recorder_stats(r, &st);
  assert_int_equal(st.queued, 5000);
  assert_int_equal(st.written, 0);
  tw_recorder_close(r);
  int n = 0;
  assert_int_equal(tw_recorder_read(path, NULL, count_rows, &n, NULL, 0), 5001);
  json_t *a = dump(path, NULL);
  json_t *last = json_array_get(a, 5000);
  assert_string_equal(jget(last, "kind"), "dropped");
  assert_int_equal(json_integer_value(json_object_get(last, "n_dropped")), 1);
  json_decref(a);
}

typedef struct reader_ctx {
  const char *path;
  atomic_int stop;
  int reads, errors, shrank;
} reader_ctx;

static void *read_loop(void *arg)
{
  reader_ctx *c = arg;
  int prev = 0;
  while (!atomic_load(&c->stop)) {
    int n = 0;
    char err[256];
    int rc = tw_recorder_read(c->path, NULL, count_rows, &n, err, sizeof err);
    if (rc < 0) {
      c->errors++;
      fprintf(stderr, "read while writing: %s\n", err);
      continue;
    }
    if (rc < prev)
      c->shrank++;
    prev = rc;
    c->reads++;
  }
  return NULL;
}

static void test_read_while_writing(void **state)
{
  (void)state;
  const char *path = db_path("live.db");
  tw_rec_options o;
  tw_rec_options_default(&o);
  o.batch_ms = 5;
  tw_recorder *r = open_ok(path, &o);
  for (int i = 0; i < 1000; i++)
    tw_recorder_sample(r, T0 + i, "tw_local_track", TW_REC_OUT, "USA", "JPN+USA", "JPN-USA",
                       "{}");
  tw_recorder_flush(r);
  int n = 0;
  assert_int_equal(tw_recorder_read(path, NULL, count_rows, &n, NULL, 0), 1000);
  int64_t t;
  assert_int_equal(tw_recorder_last_t(path, &t), 1);
  assert_int_equal(t, T0 + 999);

  reader_ctx c = {path, 0, 0, 0, 0};
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, read_loop, &c), 0);
  for (int i = 1000; i < 21000; i++) {
    assert_int_equal(tw_recorder_sample(r, T0 + i, "tw_local_track", TW_REC_OUT, "USA",
                                        "JPN+USA", "JPN-USA", "{}"), 0);
    if (i % 2000 == 0)
      nanosleep(&(struct timespec){0, 2000000}, NULL);
  }
  tw_recorder_flush(r);
  nanosleep(&(struct timespec){0, 20000000}, NULL);
  atomic_store(&c.stop, 1);
  pthread_join(th, NULL);
  assert_int_equal(c.errors, 0);
  assert_int_equal(c.shrank, 0);
  assert_true(c.reads > 0);
  assert_int_equal(tw_recorder_read(path, NULL, count_rows, &n, NULL, 0), 21000);
  tw_recorder_close(r);
}

/* Run a command line, capturing its stdout and stderr into files; returns its exit status. */
static int run(const char *cmd, const char *out, const char *errf)
{
  char line[2048];
  snprintf(line, sizeof line, "%s >%s 2>%s", cmd, out, errf);
  int st = system(line);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *slurp(const char *path)
{
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
  s[n] = '\0';
  fclose(f);
  return s;
}

static void test_cli(void **state)
{
  (void)state;
  const char *cli = getenv("TW_CLI");
  if (!cli || access(cli, X_OK) != 0)
    skip();
  const char *path = db_path("cli.db");
  tw_recorder *r = open_ok(path, NULL);
  tw_recorder_sample(r, T0, "tw_local_track", TW_REC_IN, "KOR", "JPN+KOR+USA", "KOR-USA",
                     "{\"id\":1}");
  tw_recorder_decision(r, T0 + 1000000000, "tw_local_track", "JPN", 0, "not releasable\nto JPN",
                       "KOR", "KOR+USA");
  tw_recorder_alert(r, T0 + 2000000000, "tw-1", "new", "{}");
  tw_recorder_close(r);

  char cmd[1024], out[300], errf[300], want[300];
  snprintf(out, sizeof out, "%s/cli.out", g_dir);
  snprintf(errf, sizeof errf, "%s/cli.err", g_dir);
  snprintf(want, sizeof want, "%s/cli.want", g_dir);
  FILE *w = fopen(want, "w");
  assert_int_equal(tw_recorder_dump_json(path, w, NULL, 0), 3);
  fclose(w);
  snprintf(cmd, sizeof cmd, "'%s' records '%s' --json", cli, path);
  assert_int_equal(run(cmd, out, errf), 0);
  char *a = slurp(out), *b = slurp(want);
  assert_string_equal(a, b);
  free(a);
  free(b);

  snprintf(cmd, sizeof cmd, "'%s' records '%s'", cli, path);
  assert_int_equal(run(cmd, out, errf), 0);
  a = slurp(out);
  assert_non_null(strstr(a, "withheld: not releasable.to JPN"));
  assert_non_null(strstr(a, "2022-10-03T22:22:00.000Z"));
  assert_non_null(strstr(a, "JPN+KOR+USA"));
  free(a);

  snprintf(cmd, sizeof cmd, "'%s' records '%s' --json --topic tw_alert --since "
           "2022-10-04T07:22:01+09:00", cli, path);
  assert_int_equal(run(cmd, out, errf), 0);
  a = slurp(out);
  assert_non_null(strstr(a, "\"alert_id\":\"tw-1\""));
  assert_ptr_equal(strchr(a, '\n'), a + strlen(a) - 1); /* the alert only */
  free(a);

  snprintf(cmd, sizeof cmd, "'%s' records '%s/nothing.db'", cli, g_dir);
  assert_int_equal(run(cmd, out, errf), 1);
  a = slurp(errf);
  assert_non_null(strstr(a, "nothing.db"));
  assert_ptr_equal(strchr(a, '\n'), a + strlen(a) - 1); /* one line */
  free(a);

  const char *bad = db_path("cli-bad.db");
  const char *text = "SQLite format 3 but not really: text pretending to be a database\n";
  write_file(bad, text, strlen(text));
  snprintf(cmd, sizeof cmd, "'%s' records '%s' --json", cli, bad);
  assert_int_equal(run(cmd, out, errf), 2);
  a = slurp(errf);
  assert_non_null(strstr(a, "cli-bad.db"));
  assert_ptr_equal(strchr(a, '\n'), a + strlen(a) - 1);
  free(a);

  snprintf(cmd, sizeof cmd, "'%s' records '%s' --since yesterday", cli, path);
  assert_int_equal(run(cmd, out, errf), 2);
  snprintf(cmd, sizeof cmd, "'%s' records", cli);
  assert_int_equal(run(cmd, out, errf), 2);
}

static int setup(void **state)
{
  (void)state;
  snprintf(g_dir, sizeof g_dir, "/tmp/tw_recorder.XXXXXX");
  return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
  return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_round_trip),
    cmocka_unit_test(test_filters_and_last_t),
    cmocka_unit_test(test_wal),
    cmocka_unit_test(test_many_samples),
    cmocka_unit_test(test_many_producers),
    cmocka_unit_test(test_overflow_slots),
    cmocka_unit_test(test_overflow_bytes),
    cmocka_unit_test(test_hostile_strings),
    cmocka_unit_test(test_bad_arguments),
    cmocka_unit_test(test_bad_files),
    cmocka_unit_test(test_close_drains_full_queue),
    cmocka_unit_test(test_database_locked),
    cmocka_unit_test(test_read_while_writing),
    cmocka_unit_test(test_cli),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
