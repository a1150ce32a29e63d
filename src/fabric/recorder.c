/* recorder.c - the flight recorder: a queue preallocated at open, fed by the hot path and drained
 * into SQLite (WAL) by one writer thread; and the readers behind `triwatch records`.
 *
 * The queue is two rings sized at open and never grown:
 *
 *   slots  ring_entries fixed-size entries (time, kind, flags, where its strings are)
 *   bytes  ring_bytes of string data; each entry's strings lie back to back in one contiguous
 *          stretch (an entry that would cross the end starts again at the beginning instead)
 *
 * Positions are running 64-bit counts (head, tail, bhead, btail), taken modulo the ring size
 * when used; they never wrap in practice. Entries [tail, head) and bytes [btail, bhead) belong to
 * the writer until it has committed them: producers only ever write at head/bhead, so the writer
 * reads its slots and binds their strings (SQLITE_STATIC) without holding the lock. One mutex
 * guards the counters; producers hold it for the copy of one entry's strings, the writer only
 * to take or return a batch, never across database work.
 *
 * Losses: an entry that does not fit is counted (loss.full, with the first and last times).
 * The next entry that fits first queues a "dropped" marker slot carrying the count, so the
 * database shows the loss where it happened; if none comes, the writer writes the marker itself
 * as soon as it finds the queue empty (every queued entry then predates the drops).
 *
 * Database errors: a batch whose transaction fails for a reason that may pass (locked by another
 * process, disk full, I/O error, no memory) stays queued and is tried again after a pause that
 * doubles from batch_ms up to 1 s; meanwhile producers see the queue fill and drop (counted).
 * A batch is given up - its entries counted failed and, like drops, reported by a "dropped" row
 * (loss.db) - on any other error, or after three attempts once a flush or close waits on it. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "triwatch/error.h"
#include "triwatch/recorder.h"
#include "triwatch/time.h"

/* Log lines the writer keeps between two calls of the callback, and their length. */
#define REC_LOG_LINES 4
#define REC_LOG_LEN 640

/* PRAGMA application_id of a recording: "TWrc". */
#define REC_APP_ID 0x54577263

/* The string fields of an entry, in the order they lie in the byte ring. */
enum field { F_TOPIC, F_ORIGINATOR, F_RELTO, F_PARTNER, F_REASON, F_ALERT_ID, F_STATUS, F_PAYLOAD,
             F_COUNT };

/* Entries lost and not yet reported by a "dropped" row. */
typedef struct loss {
  uint64_t full, db;
  int64_t first_t, last_t;
} loss;

typedef struct slot {
  int64_t t_ns;           /* the event; for a marker the first dropped entry's time */
  int64_t t_last_ns;      /* marker: the last lost entry's time */
  int64_t n_full;         /* marker: entries refused, the queue being full */
  int64_t n_db;           /* marker: entries lost to database errors */
  uint64_t off;           /* running byte count where the strings start */
  uint32_t len[F_COUNT];  /* bytes of each string */
  uint16_t present;       /* bit f: field f was given (else NULL in the database) */
  uint8_t kind;           /* enum tw_rec_kind */
  uint8_t direction;      /* TW_REC_IN, TW_REC_OUT or 0 */
  uint8_t shared;         /* decisions */
  uint8_t truncated;      /* the payload was cut */
} slot;

struct tw_recorder {
  tw_rec_options opt;
  char *path;
  sqlite3 *db;
  sqlite3_stmt *ins;
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t wake;    /* the writer waits here for work */
  pthread_cond_t done;    /* tw_recorder_flush waits here for the writer */
  slot *slots;
  char *bytes;
  uint64_t head, tail;    /* slots: [tail, head) queued or being written */
  uint64_t bhead, btail;  /* bytes, likewise */
  int closing;
  int writer_waiting;
  uint64_t flush_head;    /* hurry: write every slot before this ... */
  uint64_t flush_drops;   /* ... and record this many drops */
  loss pending;           /* lost since the last marker */
  uint64_t drops_recorded; /* queue-full drops written (or failed) as markers */
  unsigned attempts;      /* failed attempts in a row (the writer's) */
  char errmsg[256];       /* the last database error (the writer's) */
  char log[REC_LOG_LINES][REC_LOG_LEN]; /* lines for opt.log, told by emit_log */
  int n_log;
  tw_rec_stats st;
};

static const char *const g_kind_name[] = {"?", "sample", "decision", "alert", "dropped"};

static void set_err(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t n, const char *fmt, ...)
{
  if (!err || n == 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, n, fmt, ap);
  va_end(ap);
}

/* ---- schema ------------------------------------------------------------------------------ */

static const char g_schema_sql[] =
  "CREATE TABLE tw_schema("
  "  version INTEGER NOT NULL,"
  "  created_t_ns INTEGER NOT NULL);"
  "CREATE TABLE records("
  "  seq INTEGER PRIMARY KEY,"
  "  t_ns INTEGER NOT NULL,"
  "  kind TEXT NOT NULL CHECK (kind IN ('sample','decision','alert','dropped')),"
  "  direction TEXT CHECK (direction IN ('in','out')),"
  "  topic TEXT,"
  "  originator TEXT,"
  "  releasable_to TEXT,"
  "  partner TEXT,"
  "  shared INTEGER CHECK (shared IN (0,1)),"
  "  reason TEXT,"
  "  alert_id TEXT,"
  "  status TEXT,"
  "  payload TEXT,"
  "  truncated INTEGER NOT NULL DEFAULT 0,"
  "  n_dropped INTEGER);"
  "CREATE INDEX records_t ON records(t_ns);";

/* A database error as a TW_E* code: damage or a non-database file is bad input. */
static int db_code(int rc)
{
  switch (rc & 0xff) {
  case SQLITE_CORRUPT:
  case SQLITE_NOTADB:
  case SQLITE_FORMAT: return TW_EPARSE;
  case SQLITE_NOMEM: return TW_ENOMEM;
  default: return TW_EIO;
  }
}

static int db_fail(sqlite3 *db, int rc, const char *path, char *err, size_t n)
{
  set_err(err, n, "%s: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  return db_code(rc);
}

/* One integer from a one-row query, e.g. a PRAGMA. */
static int query_int(sqlite3 *db, const char *sql, int64_t *v)
{
  sqlite3_stmt *st;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (rc != SQLITE_OK)
    return rc;
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *v = sqlite3_column_int64(st, 0);
    rc = SQLITE_OK;
  } else if (rc == SQLITE_DONE) {
    *v = 0;
    rc = SQLITE_OK;
  }
  sqlite3_finalize(st);
  return rc;
}

/* What the file holds: 0 nothing yet (no tables), 1 a triwatch recording (*version set), or a
 * negative TW_E* with the message in err. */
static int check_schema(sqlite3 *db, const char *path, int64_t *version, char *err, size_t n)
{
  int64_t app_id = 0, n_tables = 0, has_schema = 0, has_records = 0; /* set by query_int */
  int rc = query_int(db, "PRAGMA application_id", &app_id);
  if (rc == SQLITE_OK)
    rc = query_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'", &n_tables);
  if (rc == SQLITE_OK)
    rc = query_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                       "name = 'tw_schema'", &has_schema);
  if (rc == SQLITE_OK)
    rc = query_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                       "name = 'records'", &has_records);
  if (rc != SQLITE_OK)
    return db_fail(db, rc, path, err, n);
  if (app_id != 0 && app_id != REC_APP_ID) {
    set_err(err, n, "%s: not a triwatch recording (application_id 0x%08" PRIx64 ")", path,
            (uint64_t)(uint32_t)app_id);
    return TW_EPARSE;
  }
  if (n_tables == 0)
    return 0;
  if (!has_schema || !has_records) {
    set_err(err, n, "%s: not a triwatch recording (no %s table)", path,
            has_schema ? "records" : "tw_schema");
    return TW_EPARSE;
  }
  rc = query_int(db, "SELECT max(version) FROM tw_schema", version);
  if (rc != SQLITE_OK)
    return db_fail(db, rc, path, err, n);
  if (*version > TW_REC_SCHEMA_VERSION || *version < 1) {
    set_err(err, n, "%s: recording schema version %" PRId64 ", this triwatch reads version %d",
            path, *version, TW_REC_SCHEMA_VERSION);
    return TW_EPARSE;
  }
  return 1;
}

/* ---- options ----------------------------------------------------------------------------- */

void tw_rec_options_default(tw_rec_options *o)
{
  if (!o)
    return;
  memset(o, 0, sizeof *o);
  o->ring_entries = 65536;
  o->ring_bytes = (size_t)32 << 20;
  o->payload_max = 65536;
  o->batch_rows = 1000;
  o->batch_ms = 50;
  o->busy_ms = 5000;
}

/* The most bytes one entry can take in the byte ring. */
static size_t entry_bytes_max(size_t payload_max)
{
  return 4 * (size_t)TW_REC_NAME_MAX + (payload_max > TW_REC_REASON_MAX ? payload_max
                                                                         : TW_REC_REASON_MAX);
}

static int check_options(const tw_rec_options *o, char *err, size_t n)
{
  if (o->ring_entries < 2 || o->ring_entries > ((size_t)1 << 28)) {
    set_err(err, n, "recorder: ring_entries %zu: expected 2 to 268,435,456", o->ring_entries);
    return TW_EINVAL;
  }
  if (o->payload_max < 1 || o->payload_max > ((size_t)1 << 28)) {
    set_err(err, n, "recorder: payload_max %zu: expected 1 to 256 MiB", o->payload_max);
    return TW_EINVAL;
  }
  if (o->ring_bytes < entry_bytes_max(o->payload_max) || o->ring_bytes > ((size_t)1 << 40)) {
    set_err(err, n, "recorder: ring_bytes %zu: expected at least %zu (payload_max + 2,048)",
            o->ring_bytes, entry_bytes_max(o->payload_max));
    return TW_EINVAL;
  }
  if (o->batch_rows < 1 || o->batch_ms < 1 || o->batch_ms > 3600000 || o->busy_ms > 600000) {
    set_err(err, n, "recorder: batch_rows %u, batch_ms %u, busy_ms %u: expected >= 1, "
            "1..3,600,000 and 0..600,000", o->batch_rows, o->batch_ms, o->busy_ms);
    return TW_EINVAL;
  }
  return 0;
}

/* ---- the writer -------------------------------------------------------------------------- */

/* Queue a line for the log callback (lock held); emit_log calls it without the lock, so a slow
 * log never holds up the producers. A burst beyond the lines kept is cut short. */
static void writer_log(tw_recorder *r, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
static void writer_log(tw_recorder *r, const char *fmt, ...)
{
  if (!r->opt.log || r->n_log == REC_LOG_LINES)
    return;
  char *line = r->log[r->n_log++];
  int k = snprintf(line, REC_LOG_LEN, "recorder: %s: ", r->path);
  va_list ap;
  va_start(ap, fmt);
  if (k > 0 && k < REC_LOG_LEN)
    vsnprintf(line + k, (size_t)(REC_LOG_LEN - k), fmt, ap);
  va_end(ap);
}

/* Tell the log callback the queued lines (lock held on entry and exit, released meanwhile). */
static void emit_log(tw_recorder *r)
{
  if (!r->n_log)
    return;
  char lines[REC_LOG_LINES][REC_LOG_LEN];
  int n = r->n_log;
  memcpy(lines, r->log, sizeof lines);
  r->n_log = 0;
  pthread_mutex_unlock(&r->mu);
  for (int i = 0; i < n; i++)
    r->opt.log(r->opt.log_ctx, lines[i]);
  pthread_mutex_lock(&r->mu);
}

/* Count n entries lost between first_t and last_t. */
static void loss_add(loss *l, uint64_t full, uint64_t db, int64_t first_t, int64_t last_t)
{
  if (!l->full && !l->db) {
    l->first_t = first_t;
    l->last_t = last_t;
  } else {
    l->first_t = first_t < l->first_t ? first_t : l->first_t;
    l->last_t = last_t > l->last_t ? last_t : l->last_t;
  }
  l->full += full;
  l->db += db;
}

static int bind_field(sqlite3_stmt *st, int col, const slot *s, const char *strings,
                      const uint64_t *start, enum field f)
{
  if (!(s->present & (1u << f)))
    return sqlite3_bind_null(st, col);
  return sqlite3_bind_text(st, col, strings + start[f], (int)s->len[f], SQLITE_STATIC);
}

/* Insert one slot (statement bound, stepped, reset). */
static int insert_slot(tw_recorder *r, const slot *s)
{
  sqlite3_stmt *st = r->ins;
  const char *strings = r->bytes + s->off % r->opt.ring_bytes;
  uint64_t start[F_COUNT], at = 0;
  for (int f = 0; f < F_COUNT; f++) {
    start[f] = at;
    at += s->len[f];
  }
  char marker[128];
  int rc = sqlite3_bind_int64(st, 1, s->t_ns);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(st, 2, g_kind_name[s->kind], -1, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = s->direction ? sqlite3_bind_text(st, 3, s->direction == TW_REC_IN ? "in" : "out", -1,
                                          SQLITE_STATIC)
                      : sqlite3_bind_null(st, 3);
  static const int cols[][2] = {{4, F_TOPIC}, {5, F_ORIGINATOR}, {6, F_RELTO}, {7, F_PARTNER},
                                {9, F_REASON}, {10, F_ALERT_ID}, {11, F_STATUS}};
  for (size_t i = 0; rc == SQLITE_OK && i < sizeof cols / sizeof cols[0]; i++)
    rc = bind_field(st, cols[i][0], s, strings, start, (enum field)cols[i][1]);
  if (rc == SQLITE_OK)
    rc = s->kind == TW_REC_DECISION ? sqlite3_bind_int(st, 8, s->shared)
                                    : sqlite3_bind_null(st, 8);
  if (rc == SQLITE_OK) {
    if (s->kind == TW_REC_DROPPED) {
      int k = snprintf(marker, sizeof marker,
                       "{\"dropped\":%" PRId64 ",\"queue_full\":%" PRId64 ",\"db_error\":%" PRId64
                       ",\"first_t_ns\":%" PRId64 ",\"last_t_ns\":%" PRId64 "}",
                       s->n_full + s->n_db, s->n_full, s->n_db, s->t_ns, s->t_last_ns);
      rc = sqlite3_bind_text(st, 12, marker, k, SQLITE_STATIC);
    } else {
      rc = bind_field(st, 12, s, strings, start, F_PAYLOAD);
    }
  }
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int(st, 13, s->truncated);
  if (rc == SQLITE_OK)
    rc = s->kind == TW_REC_DROPPED ? sqlite3_bind_int64(st, 14, s->n_full + s->n_db)
                                   : sqlite3_bind_null(st, 14);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(st);
    rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
  }
  sqlite3_reset(st);
  return rc;
}

/* Write slots [first, first + k) in one transaction. Returns SQLITE_OK or the failing code
 * (the transaction is then rolled back; r->errmsg says why). */
static int write_batch(tw_recorder *r, uint64_t first, uint64_t k)
{
  int rc = sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
  for (uint64_t i = 0; i < k && rc == SQLITE_OK; i++)
    rc = insert_slot(r, &r->slots[(first + i) % r->opt.ring_entries]);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL);
  if (rc != SQLITE_OK) {
    snprintf(r->errmsg, sizeof r->errmsg, "%s", sqlite3_errmsg(r->db));
    if (!sqlite3_get_autocommit(r->db))
      sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
  }
  return rc;
}

/* Errors that may pass: another process holds the lock, the disk is full, I/O, memory. */
static int transient(int rc)
{
  switch (rc & 0xff) {
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
  case SQLITE_FULL:
  case SQLITE_IOERR:
  case SQLITE_NOMEM:
  case SQLITE_CANTOPEN:
  case SQLITE_PROTOCOL: return 1;
  default: return 0;
  }
}

static void deadline_after_ms(struct timespec *ts, unsigned ms)
{
  clock_gettime(CLOCK_MONOTONIC, ts);
  ts->tv_sec += ms / 1000;
  ts->tv_nsec += (long)(ms % 1000) * 1000000L;
  if (ts->tv_nsec >= 1000000000L) {
    ts->tv_sec++;
    ts->tv_nsec -= 1000000000L;
  }
}

/* Whether someone waits for the writer: a flush or close (lock held). */
static int writer_awaited(const tw_recorder *r)
{
  return r->closing || r->tail < r->flush_head || r->drops_recorded < r->flush_drops;
}

/* Whether the writer has a reason not to wait for the timer (lock held). */
static int writer_hurry(const tw_recorder *r)
{
  return writer_awaited(r) || r->head - r->tail >= r->opt.batch_rows ||
         r->bhead - r->btail >= r->opt.ring_bytes / 2 || r->pending.full || r->pending.db;
}

/* After a failed attempt (lock held): the pause before the next one in ms, or 0 to give up. */
static unsigned retry_pause_ms(tw_recorder *r, int rc)
{
  r->attempts++;
  if (!transient(rc) || (writer_awaited(r) && r->attempts >= 3))
    return 0;
  if (r->attempts == 1)
    writer_log(r, "cannot write (%s), trying again", r->errmsg);
  unsigned ms = r->opt.batch_ms;
  for (unsigned i = 1; i < r->attempts && ms < 1000; i++)
    ms *= 2;
  return ms < 1000 ? ms : 1000;
}

/* After a successful write (lock held). */
static void writer_ok(tw_recorder *r)
{
  if (r->attempts)
    writer_log(r, "writing again after %u failed attempts", r->attempts);
  r->attempts = 0;
}

static void *writer_main(void *arg)
{
  tw_recorder *r = arg;
  unsigned pause_ms = 0;
  pthread_mutex_lock(&r->mu);
  for (;;) {
    struct timespec deadline;
    deadline_after_ms(&deadline, pause_ms ? pause_ms : r->opt.batch_ms);
    while (pause_ms ? !writer_awaited(r) : !writer_hurry(r)) {
      r->writer_waiting = 1;
      int rc = pthread_cond_timedwait(&r->wake, &r->mu, &deadline);
      r->writer_waiting = 0;
      if (rc == ETIMEDOUT)
        break;
    }
    pause_ms = 0;
    while (r->head != r->tail) {
      uint64_t first = r->tail, k = r->head - r->tail;
      if (k > r->opt.batch_rows)
        k = r->opt.batch_rows;
      pthread_mutex_unlock(&r->mu);
      int rc = write_batch(r, first, k);
      loss batch = {0, 0, 0, 0}, marked = {0, 0, 0, 0}; /* batch.db counts its entries */
      uint64_t bend = 0;
      for (uint64_t i = 0; i < k; i++) {
        const slot *s = &r->slots[(first + i) % r->opt.ring_entries];
        if (s->kind == TW_REC_DROPPED)
          loss_add(&marked, (uint64_t)s->n_full, (uint64_t)s->n_db, s->t_ns, s->t_last_ns);
        else
          loss_add(&batch, 0, 1, s->t_ns, s->t_ns);
        uint64_t end = s->off;
        for (int f = 0; f < F_COUNT; f++)
          end += s->len[f];
        if (end > bend)
          bend = end;
      }
      pthread_mutex_lock(&r->mu);
      if (rc != SQLITE_OK && (pause_ms = retry_pause_ms(r, rc)) != 0)
        break; /* the batch stays queued */
      if (rc == SQLITE_OK) {
        writer_ok(r);
        r->st.written += batch.db;
        r->st.batches++;
        r->drops_recorded += marked.full;
      } else {
        writer_log(r, "%" PRIu64 " entries lost after %u attempts (%s)", batch.db, r->attempts,
                   r->errmsg);
        r->attempts = 0;
        r->st.failed += batch.db;
        /* reported later by a "dropped" row, with the counts of the markers lost with them */
        if (batch.db)
          loss_add(&r->pending, 0, batch.db, batch.first_t, batch.last_t);
        if (marked.full || marked.db)
          loss_add(&r->pending, marked.full, marked.db, marked.first_t, marked.last_t);
      }
      r->tail += k;
      if (bend > r->btail)
        r->btail = bend;
      emit_log(r); /* before a flush returns */
      pthread_cond_broadcast(&r->done);
    }
    emit_log(r);
    if (pause_ms)
      continue;
    if ((r->pending.full || r->pending.db) && r->head == r->tail) {
      /* the queue is empty: everything written so far predates these losses */
      loss m = r->pending;
      slot s = {.t_ns = m.first_t, .t_last_ns = m.last_t, .n_full = (int64_t)m.full,
                .n_db = (int64_t)m.db, .kind = TW_REC_DROPPED};
      r->pending = (loss){0, 0, 0, 0};
      pthread_mutex_unlock(&r->mu);
      int rc = insert_slot(r, &s);
      if (rc != SQLITE_OK)
        snprintf(r->errmsg, sizeof r->errmsg, "%s", sqlite3_errmsg(r->db));
      pthread_mutex_lock(&r->mu);
      if (rc != SQLITE_OK && (pause_ms = retry_pause_ms(r, rc)) != 0) {
        loss_add(&r->pending, m.full, m.db, m.first_t, m.last_t);
        emit_log(r);
        continue;
      }
      if (rc == SQLITE_OK)
        writer_ok(r);
      else
        writer_log(r, "the count of %" PRIu64 " lost entries could not be recorded (%s)",
                   m.full + m.db, r->errmsg);
      r->attempts = 0;
      r->drops_recorded += m.full;
      emit_log(r);
      pthread_cond_broadcast(&r->done);
      continue; /* look again before waiting */
    }
    pthread_cond_broadcast(&r->done);
    if (r->closing && r->head == r->tail)
      break;
  }
  pthread_mutex_unlock(&r->mu);
  return NULL;
}

/* ---- open and close ---------------------------------------------------------------------- */

static void free_recorder(tw_recorder *r)
{
  if (!r)
    return;
  if (r->ins)
    sqlite3_finalize(r->ins);
  if (r->db)
    sqlite3_close(r->db);
  free(r->slots);
  free(r->bytes);
  free(r->path);
  free(r);
}

static const char g_insert_sql[] =
  "INSERT INTO records(t_ns, kind, direction, topic, originator, releasable_to, partner, shared,"
  " reason, alert_id, status, payload, truncated, n_dropped)"
  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";

/* Open the database, check or create the schema, WAL on. */
static int open_db(tw_recorder *r, char *err, size_t n)
{
  const char *path = r->path;
  /* one thread at a time uses the connection (open, then the writer): no SQLite mutexes */
  int rc = sqlite3_open_v2(path, &r->db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    return db_fail(r->db, rc, path, err, n);
  sqlite3_busy_timeout(r->db, (int)r->opt.busy_ms);
  int64_t version = 0;
  int have = check_schema(r->db, path, &version, err, n); /* before WAL: leave others' files be */
  if (have < 0)
    return have;
  char *mode = NULL;
  sqlite3_stmt *st;
  rc = sqlite3_prepare_v2(r->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      const char *m = (const char *)sqlite3_column_text(st, 0);
      mode = m ? strdup(m) : NULL;
      rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
  }
  if (rc != SQLITE_OK)
    return db_fail(r->db, rc, path, err, n);
  int wal = mode && !strcmp(mode, "wal");
  if (!wal)
    set_err(err, n, "%s: the database refused WAL mode (journal_mode is %s)", path,
            mode ? mode : "unknown");
  free(mode);
  if (!wal)
    return TW_EIO;
  rc = sqlite3_exec(r->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    return db_fail(r->db, rc, path, err, n);
  /* again inside the transaction: another process may have created it meanwhile */
  have = check_schema(r->db, path, &version, err, n);
  if (have == 0) {
    char sql[160];
    snprintf(sql, sizeof sql,
             "PRAGMA application_id=%d; INSERT INTO tw_schema VALUES (%d, %" PRId64 ");",
             REC_APP_ID, TW_REC_SCHEMA_VERSION, (int64_t)tw_time_now());
    rc = sqlite3_exec(r->db, g_schema_sql, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
      rc = sqlite3_exec(r->db, sql, NULL, NULL, NULL);
    have = rc == SQLITE_OK ? 1 : db_fail(r->db, rc, path, err, n);
  }
  if (have < 0) {
    sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
    return have;
  }
  rc = sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v3(r->db, g_insert_sql, -1, SQLITE_PREPARE_PERSISTENT, &r->ins, NULL);
  if (rc != SQLITE_OK)
    return db_fail(r->db, rc, path, err, n);
  return 0;
}

tw_recorder *tw_recorder_open_opts(const char *path, const tw_rec_options *o, char *err,
                                   size_t n)
{
  set_err(err, n, "%s", "");
  if (!path || !*path) {
    set_err(err, n, "recorder: no file name");
    return NULL;
  }
  tw_rec_options def;
  if (!o) {
    tw_rec_options_default(&def);
    o = &def;
  }
  if (check_options(o, err, n) < 0)
    return NULL;
  tw_recorder *r = calloc(1, sizeof *r);
  if (!r)
    goto err_nomem;
  r->opt = *o;
  r->path = strdup(path);
  r->slots = malloc(o->ring_entries * sizeof *r->slots);
  r->bytes = malloc(o->ring_bytes);
  if (!r->path || !r->slots || !r->bytes)
    goto err_nomem;
  /* Touch every page now: the hot path must not take page faults (microseconds each) on the
   * queue's first lap. Not with zeros: compilers turn malloc + memset 0 into calloc, which
   * leaves the pages unmapped. Every slot and byte is written before it is read. */
  memset(r->slots, 0xa5, o->ring_entries * sizeof *r->slots);
  memset(r->bytes, 0xa5, o->ring_bytes);
  if (open_db(r, err, n) < 0)
    goto err_free;
  if (pthread_mutex_init(&r->mu, NULL) != 0)
    goto err_sync;
  pthread_condattr_t ca;
  if (pthread_condattr_init(&ca) != 0)
    goto err_mutex;
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  int crc = pthread_cond_init(&r->wake, &ca);
  pthread_condattr_destroy(&ca);
  if (crc != 0)
    goto err_mutex;
  if (pthread_cond_init(&r->done, NULL) != 0)
    goto err_wake;
  if (pthread_create(&r->thread, NULL, writer_main, r) != 0)
    goto err_done;
  return r;

err_done:
  pthread_cond_destroy(&r->done);
err_wake:
  pthread_cond_destroy(&r->wake);
err_mutex:
  pthread_mutex_destroy(&r->mu);
err_sync:
  set_err(err, n, "%s: cannot start the recorder's writer thread", path);
  goto err_free;
err_nomem:
  set_err(err, n, "%s: out of memory for the recorder's queue", path);
err_free:
  free_recorder(r);
  return NULL;
}

tw_recorder *tw_recorder_open(const char *path, char *err, size_t n)
{
  return tw_recorder_open_opts(path, NULL, err, n);
}

void tw_recorder_close(tw_recorder *r)
{
  if (!r)
    return;
  pthread_mutex_lock(&r->mu);
  r->closing = 1;
  pthread_cond_signal(&r->wake);
  pthread_mutex_unlock(&r->mu);
  pthread_join(r->thread, NULL);
  pthread_cond_destroy(&r->done);
  pthread_cond_destroy(&r->wake);
  pthread_mutex_destroy(&r->mu);
  free_recorder(r);
}

int tw_recorder_flush(tw_recorder *r)
{
  if (!r)
    return TW_EINVAL;
  pthread_mutex_lock(&r->mu);
  uint64_t head = r->head, drops = r->st.dropped;
  if (head > r->flush_head)
    r->flush_head = head;
  if (drops > r->flush_drops)
    r->flush_drops = drops;
  pthread_cond_signal(&r->wake);
  while (r->tail < head || r->drops_recorded < drops)
    pthread_cond_wait(&r->done, &r->mu);
  pthread_mutex_unlock(&r->mu);
  return 0;
}

int tw_recorder_stats(tw_recorder *r, tw_rec_stats *s)
{
  if (!r || !s)
    return TW_EINVAL;
  pthread_mutex_lock(&r->mu);
  *s = r->st;
  pthread_mutex_unlock(&r->mu);
  s->queued = s->enqueued - s->written - s->failed;
  return 0;
}

/* ---- the hot path ------------------------------------------------------------------------ */

/* Length of s if at most max bytes, else -1. */
static long bounded_len(const char *s, size_t max)
{
  size_t k = strnlen(s, max + 1);
  return k > max ? -1 : (long)k;
}

/* Reserve len contiguous bytes (lock held). 0 and *off set, or -1 when there is no room. */
static int reserve_bytes(tw_recorder *r, uint64_t len, uint64_t *off)
{
  uint64_t size = r->opt.ring_bytes, start = r->bhead, pos = start % size;
  if (pos + len > size) {
    start += size - pos; /* would cross the end: begin again at the start */
    if (r->bhead == r->btail)
      r->btail = start; /* nothing queued: the skipped stretch is free */
  }
  if (start + len - r->btail > size)
    return -1;
  *off = start;
  r->bhead = start + len;
  return 0;
}

/* Queue one entry: proto has kind, t_ns and flags; str[f] (NULL: absent) with len[f] bytes. */
static int enqueue(tw_recorder *r, slot *proto, const char *const str[F_COUNT],
                   const size_t len[F_COUNT])
{
  uint64_t total = 0;
  for (int f = 0; f < F_COUNT; f++) {
    proto->len[f] = str[f] ? (uint32_t)len[f] : 0;
    if (str[f])
      proto->present |= (uint16_t)(1u << f);
    total += proto->len[f];
  }
  pthread_mutex_lock(&r->mu);
  const loss *l = &r->pending;
  uint64_t need = l->full || l->db ? 2 : 1;
  if (r->head - r->tail + need > r->opt.ring_entries || reserve_bytes(r, total, &proto->off)) {
    loss_add(&r->pending, 1, 0, proto->t_ns, proto->t_ns);
    r->st.dropped++;
    pthread_mutex_unlock(&r->mu);
    return TW_ENOMEM;
  }
  if (need == 2) {
    r->slots[r->head++ % r->opt.ring_entries] =
      (slot){.t_ns = l->first_t, .t_last_ns = l->last_t, .off = proto->off,
             .n_full = (int64_t)l->full, .n_db = (int64_t)l->db, .kind = TW_REC_DROPPED};
    r->pending = (loss){0, 0, 0, 0};
  }
  char *p = r->bytes + proto->off % r->opt.ring_bytes;
  for (int f = 0; f < F_COUNT; f++) {
    if (proto->len[f])
      memcpy(p, str[f], proto->len[f]);
    p += proto->len[f];
  }
  r->slots[r->head++ % r->opt.ring_entries] = *proto;
  r->st.enqueued++;
  r->st.truncated += proto->truncated;
  uint64_t queued = r->st.enqueued - r->st.written - r->st.failed;
  if (queued > r->st.queued_max)
    r->st.queued_max = queued;
  if (r->writer_waiting && (r->head - r->tail >= r->opt.batch_rows ||
                            r->bhead - r->btail >= r->opt.ring_bytes / 2))
    pthread_cond_signal(&r->wake);
  pthread_mutex_unlock(&r->mu);
  return proto->truncated ? 1 : 0;
}

/* Measure the identifiers; -1 if one is too long. */
static int measure_names(const char *const str[F_COUNT], size_t len[F_COUNT], unsigned fields)
{
  for (int f = 0; f < F_COUNT; f++) {
    if (!(fields & (1u << f)) || !str[f])
      continue;
    long k = bounded_len(str[f], f == F_REASON ? TW_REC_REASON_MAX : TW_REC_NAME_MAX);
    if (k < 0)
      return -1;
    len[f] = (size_t)k;
  }
  return 0;
}

/* Measure a payload, cutting it at payload_max (on a UTF-8 character boundary). */
static void measure_payload(const tw_recorder *r, const char *s, size_t *len, uint8_t *truncated)
{
  size_t max = r->opt.payload_max, k = strnlen(s, max + 1);
  *truncated = k > max;
  if (k > max) {
    k = max;
    for (int back = 0; back < 3 && k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80; back++)
      k--;
    if (((unsigned char)s[k] & 0xC0) == 0x80) /* not UTF-8 anyway: cut where asked */
      k = max;
  }
  *len = k;
}

#define NAME_FIELDS ((1u << F_TOPIC) | (1u << F_ORIGINATOR) | (1u << F_RELTO) | \
                     (1u << F_PARTNER) | (1u << F_REASON) | (1u << F_ALERT_ID) | (1u << F_STATUS))

int tw_recorder_sample(tw_recorder *r, int64_t t_ns, const char *topic, int direction,
                       const char *originator, const char *releasable_to, const char *partner,
                       const char *payload_json)
{
  if (!r || !topic || !originator || !releasable_to || !payload_json ||
      (direction != TW_REC_IN && direction != TW_REC_OUT))
    return TW_EINVAL;
  const char *str[F_COUNT] = {[F_TOPIC] = topic, [F_ORIGINATOR] = originator,
                              [F_RELTO] = releasable_to, [F_PARTNER] = partner,
                              [F_PAYLOAD] = payload_json};
  size_t len[F_COUNT] = {0};
  slot s = {.t_ns = t_ns, .kind = TW_REC_SAMPLE, .direction = (uint8_t)direction};
  if (measure_names(str, len, NAME_FIELDS) < 0)
    return TW_EINVAL;
  measure_payload(r, payload_json, &len[F_PAYLOAD], &s.truncated);
  return enqueue(r, &s, str, len);
}

int tw_recorder_decision(tw_recorder *r, int64_t t_ns, const char *topic, const char *partner,
                         int shared, const char *reason, const char *originator,
                         const char *releasable_to)
{
  if (!r || !topic || !partner || !reason || !originator || !releasable_to ||
      (shared != 0 && shared != 1))
    return TW_EINVAL;
  const char *str[F_COUNT] = {[F_TOPIC] = topic, [F_ORIGINATOR] = originator,
                              [F_RELTO] = releasable_to, [F_PARTNER] = partner,
                              [F_REASON] = reason};
  size_t len[F_COUNT] = {0};
  slot s = {.t_ns = t_ns, .kind = TW_REC_DECISION, .direction = TW_REC_OUT,
            .shared = (uint8_t)shared};
  if (measure_names(str, len, NAME_FIELDS) < 0)
    return TW_EINVAL;
  return enqueue(r, &s, str, len);
}

int tw_recorder_alert(tw_recorder *r, int64_t t_ns, const char *alert_id, const char *status,
                      const char *json)
{
  if (!r || !alert_id || !status || !json)
    return TW_EINVAL;
  const char *str[F_COUNT] = {[F_TOPIC] = "tw_alert", [F_ALERT_ID] = alert_id,
                              [F_STATUS] = status, [F_PAYLOAD] = json};
  size_t len[F_COUNT] = {0};
  slot s = {.t_ns = t_ns, .kind = TW_REC_ALERT};
  if (measure_names(str, len, NAME_FIELDS) < 0)
    return TW_EINVAL;
  measure_payload(r, json, &len[F_PAYLOAD], &s.truncated);
  return enqueue(r, &s, str, len);
}

/* ---- readers ----------------------------------------------------------------------------- */

/* Open path read-only and check it is a recording this code reads. */
static int open_reader(const char *path, sqlite3 **db, char *err, size_t n)
{
  struct stat sb;
  *db = NULL;
  if (stat(path, &sb) != 0) {
    set_err(err, n, "%s: %s", path, strerror(errno));
    return errno == ENOENT ? TW_ENOENT : TW_EIO;
  }
  if (S_ISDIR(sb.st_mode)) {
    set_err(err, n, "%s: is a directory, not a recording", path);
    return TW_EIO;
  }
  int rc = sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL);
  if (rc != SQLITE_OK) {
    rc = db_fail(*db, rc, path, err, n);
    sqlite3_close(*db);
    *db = NULL;
    return rc;
  }
  sqlite3_busy_timeout(*db, 5000);
  int64_t version;
  int have = check_schema(*db, path, &version, err, n);
  if (have == 0) {
    set_err(err, n, "%s: not a triwatch recording (%s)", path,
            sb.st_size == 0 ? "empty file" : "no tables");
    have = TW_EPARSE;
  }
  if (have < 0) {
    sqlite3_close(*db);
    *db = NULL;
    return have;
  }
  return 0;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
  return sqlite3_column_type(st, i) == SQLITE_NULL ? NULL
                                                   : (const char *)sqlite3_column_text(st, i);
}

int tw_recorder_read(const char *path, const tw_rec_filter *filter,
                     int (*fn)(void *ctx, const tw_rec_row *row), void *ctx, char *err,
                     size_t n)
{
  if (!path || !fn) {
    set_err(err, n, "recorder: no file name or no callback");
    return TW_EINVAL;
  }
  sqlite3 *db;
  int ret = open_reader(path, &db, err, n);
  if (ret < 0)
    return ret;
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db,
    "SELECT seq, t_ns, kind, direction, topic, originator, releasable_to, partner, shared,"
    " reason, alert_id, status, payload, truncated, n_dropped FROM records"
    " WHERE (?1 IS NULL OR topic = ?1) AND t_ns >= ?2 ORDER BY t_ns, seq", -1, &st, NULL);
  if (rc == SQLITE_OK && filter && filter->topic)
    rc = sqlite3_bind_text(st, 1, filter->topic, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int64(st, 2, filter && filter->has_since ? filter->since_ns : INT64_MIN);
  if (rc != SQLITE_OK) {
    ret = db_fail(db, rc, path, err, n);
    goto out;
  }
  ret = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    tw_rec_row row = {0};
    row.seq = sqlite3_column_int64(st, 0);
    row.t_ns = sqlite3_column_int64(st, 1);
    const char *kind = col_text(st, 2), *dir = col_text(st, 3);
    for (int k = TW_REC_SAMPLE; k <= TW_REC_DROPPED; k++)
      if (kind && !strcmp(kind, g_kind_name[k]))
        row.kind = (enum tw_rec_kind)k;
    if (!row.kind) {
      set_err(err, n, "%s: row %" PRId64 ": unknown kind '%s'", path, row.seq,
              kind ? kind : "(null)");
      ret = TW_EPARSE;
      goto out;
    }
    row.direction = !dir ? 0 : !strcmp(dir, "in") ? TW_REC_IN : TW_REC_OUT;
    row.topic = col_text(st, 4);
    row.originator = col_text(st, 5);
    row.releasable_to = col_text(st, 6);
    row.partner = col_text(st, 7);
    row.shared = sqlite3_column_type(st, 8) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 8);
    row.reason = col_text(st, 9);
    row.alert_id = col_text(st, 10);
    row.status = col_text(st, 11);
    row.payload = col_text(st, 12);
    row.payload_len = row.payload ? (size_t)sqlite3_column_bytes(st, 12) : 0;
    row.truncated = sqlite3_column_int(st, 13) != 0;
    row.n_dropped = sqlite3_column_int64(st, 14);
    ret++;
    if (fn(ctx, &row))
      goto out;
  }
  if (rc != SQLITE_DONE)
    ret = db_fail(db, rc, path, err, n);
out:
  sqlite3_finalize(st);
  sqlite3_close(db);
  return ret;
}

int tw_recorder_last_t(const char *path, int64_t *t_ns)
{
  if (!path || !t_ns)
    return TW_EINVAL;
  sqlite3 *db;
  int ret = open_reader(path, &db, NULL, 0);
  if (ret < 0)
    return ret;
  sqlite3_stmt *st;
  int rc = sqlite3_prepare_v2(db, "SELECT max(t_ns) FROM records", -1, &st, NULL);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      ret = sqlite3_column_type(st, 0) == SQLITE_NULL ? 0 : 1;
      if (ret)
        *t_ns = sqlite3_column_int64(st, 0);
    } else {
      ret = db_code(rc);
    }
    sqlite3_finalize(st);
  } else {
    ret = db_code(rc);
  }
  sqlite3_close(db);
  return ret;
}

/* ---- JSON -------------------------------------------------------------------------------- */

/* Bytes in the valid UTF-8 character at s (n bytes left), or 0 if none starts there. The same
 * rules as jansson: no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_char(const unsigned char *s, size_t n)
{
  unsigned char c = s[0];
  size_t k;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    k = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    k = 3;
    lo = c == 0xE0 ? 0xA0 : 0x80;
    hi = c == 0xED ? 0x9F : 0xBF;
  } else if (c >= 0xF0 && c <= 0xF4) {
    k = 4;
    lo = c == 0xF0 ? 0x90 : 0x80;
    hi = c == 0xF4 ? 0x8F : 0xBF;
  } else {
    return 0;
  }
  if (n < k || s[1] < lo || s[1] > hi)
    return 0;
  for (size_t i = 2; i < k; i++)
    if ((s[i] & 0xC0) != 0x80)
      return 0;
  return k;
}

/* A JSON string of n bytes at s, invalid UTF-8 replaced by U+FFFD; json null if s is NULL. */
static json_t *jstr(const char *s, size_t n)
{
  if (!s)
    return json_null();
  json_t *v = json_stringn(s, n);
  if (v)
    return v;
  char *fixed = malloc(3 * n + 1);
  if (!fixed)
    return NULL;
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    size_t k = utf8_char((const unsigned char *)s + i, n - i);
    if (k) {
      memcpy(fixed + o, s + i, k);
      o += k;
      i += k;
    } else {
      memcpy(fixed + o, "\xEF\xBF\xBD", 3);
      o += 3;
      i++;
    }
  }
  v = json_stringn(fixed, o);
  free(fixed);
  return v;
}

static json_t *jstr0(const char *s) { return jstr(s, s ? strlen(s) : 0); }

int tw_recorder_row_json(const tw_rec_row *row, FILE *out)
{
  if (!row || !out || row->kind < TW_REC_SAMPLE || row->kind > TW_REC_DROPPED)
    return TW_EINVAL;
  char iso[48];
  if (tw_time_format(iso, sizeof iso, row->t_ns, 9, 0, 1) < 0)
    iso[0] = '\0';
  json_t *o = json_object();
  if (!o)
    return TW_ENOMEM;
  int bad = 0;
  bad |= json_object_set_new(o, "seq", json_integer(row->seq));
  bad |= json_object_set_new(o, "t_ns", json_integer(row->t_ns));
  bad |= json_object_set_new(o, "time", json_string(iso));
  bad |= json_object_set_new(o, "kind", json_string(g_kind_name[row->kind]));
  bad |= json_object_set_new(o, "topic", jstr0(row->topic));
  bad |= json_object_set_new(o, "direction", row->direction == TW_REC_IN    ? json_string("in")
                                             : row->direction == TW_REC_OUT ? json_string("out")
                                                                            : json_null());
  bad |= json_object_set_new(o, "originator", jstr0(row->originator));
  bad |= json_object_set_new(o, "releasable_to", jstr0(row->releasable_to));
  bad |= json_object_set_new(o, "partner", jstr0(row->partner));
  if (row->kind == TW_REC_DECISION) {
    bad |= json_object_set_new(o, "shared", json_boolean(row->shared == 1));
    bad |= json_object_set_new(o, "reason", jstr0(row->reason));
  }
  if (row->kind == TW_REC_ALERT) {
    bad |= json_object_set_new(o, "alert_id", jstr0(row->alert_id));
    bad |= json_object_set_new(o, "status", jstr0(row->status));
  }
  if (row->kind == TW_REC_DROPPED)
    bad |= json_object_set_new(o, "n_dropped", json_integer(row->n_dropped));
  if (row->payload) {
    json_t *p = NULL;
    if (!row->truncated)
      p = json_loadb(row->payload, row->payload_len, 0, NULL);
    if (p) {
      bad |= json_object_set_new(o, "payload", p);
    } else {
      bad |= json_object_set_new(o, "payload", jstr(row->payload, row->payload_len));
      bad |= json_object_set_new(o, "payload_invalid", json_true());
    }
  }
  if (row->truncated)
    bad |= json_object_set_new(o, "truncated", json_true());
  char *line = bad ? NULL : json_dumps(o, JSON_COMPACT);
  json_decref(o);
  if (!line)
    return TW_ENOMEM;
  int rc = (fputs(line, out) < 0 || fputc('\n', out) == EOF) ? TW_EIO : 0;
  free(line);
  return rc;
}

typedef struct dump_ctx {
  FILE *out;
  int rc;
} dump_ctx;

static int dump_row(void *ctx, const tw_rec_row *row)
{
  dump_ctx *d = ctx;
  d->rc = tw_recorder_row_json(row, d->out);
  return d->rc < 0;
}

int tw_recorder_dump_json(const char *path, FILE *out, char *err, size_t n)
{
  if (!out) {
    set_err(err, n, "recorder: no output");
    return TW_EINVAL;
  }
  dump_ctx d = {out, 0};
  int rc = tw_recorder_read(path, NULL, dump_row, &d, err, n);
  if (rc >= 0 && d.rc < 0) {
    set_err(err, n, "%s: writing the dump failed: %s", path, tw_strerror(d.rc));
    return d.rc;
  }
  return rc;
}
