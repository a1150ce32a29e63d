/* triwatch/recorder.h - the node's flight recorder: every sample in and out with its markings,
 * every share decision and every alert, in an SQLite database (WAL).
 *
 * The hot path (bus callbacks, tracker, sharing) calls tw_recorder_sample/_decision/_alert. They
 * copy their arguments into a queue preallocated at open (a ring of entry slots plus a ring of
 * bytes for the strings) and return: no allocation, no I/O, no waiting on the database. One
 * writer thread drains the queue into the database in transactions of up to batch_rows rows,
 * at least every batch_ms. Nothing is lost silently: an entry that finds the queue full is
 * refused and counted, and a row of kind "dropped" with the count goes into the database where
 * the loss happened (before the next entry that fits, or as soon as the writer finds the queue
 * empty). A payload longer than payload_max is recorded cut to payload_max bytes (at a UTF-8
 * character boundary) and flagged truncated. docs/fabric.md ("The recorder") has the schema.
 *
 * Threads: the enqueue functions, tw_recorder_flush and tw_recorder_stats may be called from any
 * number of threads at once; tw_recorder_close must not run concurrently with any of them, and
 * nothing may use the recorder after it. The readers (tw_recorder_read and friends) open the
 * file on their own read-only connection and may run while a recorder writes it. */
#ifndef TRIWATCH_RECORDER_H
#define TRIWATCH_RECORDER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "triwatch/visibility.h"

/* The database schema this code writes and reads; a file with a higher version is refused. */
#define TW_REC_SCHEMA_VERSION 1

/* Direction of a sample, relative to this node. */
#define TW_REC_IN 1
#define TW_REC_OUT 2

/* Longest accepted identifier (topic, originator, releasable_to, partner, alert id, status) and
 * reason, in bytes without the NUL; longer ones are refused with TW_EINVAL. */
#define TW_REC_NAME_MAX 255
#define TW_REC_REASON_MAX 1023

enum tw_rec_kind {
  TW_REC_SAMPLE = 1,   /* a sample received from or sent to a partner */
  TW_REC_DECISION = 2, /* whether a sample was shared with a partner, and why */
  TW_REC_ALERT = 3,    /* a change in one of this node's alerts */
  TW_REC_DROPPED = 4   /* n_dropped entries were lost here: the queue was full, or the
                          database failed (the payload says how many of each) */
};

typedef struct tw_rec_options {
  size_t ring_entries; /* entries the queue holds (default 65,536; at least 2) */
  size_t ring_bytes;   /* bytes for their strings (default 32 MiB; at least one largest entry,
                          payload_max + 2,048). Both rings are allocated and touched at open */
  size_t payload_max;  /* longer payloads are recorded truncated (default 65,536 bytes; at most
                          256 MiB) */
  unsigned batch_rows; /* rows per transaction; the writer also wakes when this many are queued
                          or half the bytes are used (default 1,000) */
  unsigned batch_ms;   /* the writer commits what is queued at least this often (default 50) */
  unsigned busy_ms;    /* how long one attempt waits for a lock another connection holds
                          (default 5,000); see tw_recorder_open_opts for what follows */
  /* Told of the writer's database trouble, one line without newline (NULL: silent): the first
   * failure of a streak, each batch given up, the recovery. Called on the writer thread. */
  void (*log)(void *ctx, const char *line);
  void *log_ctx;
} tw_rec_options;

typedef struct tw_rec_stats {
  uint64_t enqueued;    /* entries accepted into the queue */
  uint64_t written;     /* entries committed to the database */
  uint64_t dropped;     /* entries refused because the queue was full */
  uint64_t failed;      /* entries accepted but lost to a database error */
  uint64_t truncated;   /* entries whose payload was cut to payload_max */
  uint64_t queued;      /* entries in the queue now (enqueued - written - failed) */
  uint64_t queued_max;  /* most entries ever queued at once */
  uint64_t batches;     /* transactions committed */
} tw_rec_stats;

typedef struct tw_recorder tw_recorder;

TW_API void tw_rec_options_default(tw_rec_options *o);

/* Open (create if needed) the recording at path with default options and start its writer. A
 * new file gets the schema; an existing recording is appended to. Sets journal_mode=WAL and
 * synchronous=NORMAL. Returns NULL on failure with one line in err (size n; err may be NULL)
 * naming the file and what is wrong: cannot open, not a database, not a triwatch recording,
 * schema newer than TW_REC_SCHEMA_VERSION, WAL refused, out of memory. */
TW_API tw_recorder *tw_recorder_open(const char *path, char *err, size_t n);
/* The same with options (NULL: defaults); invalid options fail with a message in err.
 * When the database cannot be written (locked by another process, disk full, I/O error), the
 * writer keeps the batch queued and tries again after a pause doubling from batch_ms to 1 s;
 * the queue fills meanwhile and new entries are dropped (counted). A batch is given up on any
 * other error, or after three attempts while tw_recorder_flush or tw_recorder_close waits; its
 * entries are counted failed and a "dropped" row reports them once the database takes rows. */
TW_API tw_recorder *tw_recorder_open_opts(const char *path, const tw_rec_options *o,
                                          char *err, size_t n);

/* Queue a sample. direction is TW_REC_IN or TW_REC_OUT; topic, originator, releasable_to
 * ("JPN+KOR+USA") and payload_json are required, partner (the link or peer, e.g. "KOR-USA") may
 * be NULL. The payload is stored as given (it need not be valid JSON). Returns 0 when queued,
 * 1 when queued with the payload truncated, TW_EINVAL for a NULL required argument, a bad
 * direction or an identifier longer than TW_REC_NAME_MAX (nothing is queued nor counted), and
 * TW_ENOMEM when the queue is full (the entry is counted as dropped). Never blocks on I/O and
 * never allocates; it may wait briefly for another thread's enqueue (a copy of its strings). */
TW_API int tw_recorder_sample(tw_recorder *r, int64_t t_ns, const char *topic, int direction,
                              const char *originator, const char *releasable_to,
                              const char *partner, const char *payload_json);
/* Queue a share decision: the sample of topic and markings (originator, releasable_to) was sent
 * to partner (shared = 1) or withheld (shared = 0), for reason (up to TW_REC_REASON_MAX bytes).
 * Recorded with direction "out". All strings required. Returns as tw_recorder_sample. */
TW_API int tw_recorder_decision(tw_recorder *r, int64_t t_ns, const char *topic,
                                const char *partner, int shared, const char *reason,
                                const char *originator, const char *releasable_to);
/* Queue a change of one of this node's alerts: its id, new status ("new", "update", "cancel",
 * ...) and its JSON. Recorded under topic "tw_alert", no direction or markings. All strings
 * required. Returns as tw_recorder_sample. */
TW_API int tw_recorder_alert(tw_recorder *r, int64_t t_ns, const char *alert_id,
                             const char *status, const char *json);

/* Wait until every entry queued before the call (and every drop counted before it) is in the
 * database or failed. For tests, checkpoints and orderly shutdown, never the hot path. Returns
 * 0, or TW_EINVAL if r is NULL. */
TW_API int tw_recorder_flush(tw_recorder *r);
/* Copy the counters. TW_EINVAL if an argument is NULL. */
TW_API int tw_recorder_stats(tw_recorder *r, tw_rec_stats *s);
/* Write everything queued (and the count of any pending drops), stop the writer and close the
 * database (the WAL is checkpointed). NULL is a no-op. */
TW_API void tw_recorder_close(tw_recorder *r);

/* One recorded row, as the readers hand it out. Strings are NUL-terminated and valid only
 * during the callback; NULL where the row has no such field. payload may hold any bytes,
 * including invalid UTF-8 (payload_len counts them). */
typedef struct tw_rec_row {
  int64_t seq;               /* insertion order, from 1 */
  int64_t t_ns;              /* time of the event, ns since the Unix epoch (UTC) */
  enum tw_rec_kind kind;
  int direction;             /* TW_REC_IN, TW_REC_OUT, or 0 (alerts and dropped rows) */
  const char *topic, *originator, *releasable_to, *partner;
  int shared;                /* decisions: 1 shared, 0 withheld; else -1 */
  const char *reason;
  const char *alert_id, *status;
  const char *payload;
  size_t payload_len;
  int truncated;             /* the payload was cut to the recorder's payload_max */
  int64_t n_dropped;         /* dropped rows: how many entries were lost; else 0 */
} tw_rec_row;

typedef struct tw_rec_filter {
  const char *topic;         /* only this topic (NULL: all) */
  int64_t since_ns;          /* only rows at or after this time ... */
  int has_since;             /* ... if nonzero */
} tw_rec_filter;

/* Call fn for each row of the recording at path that passes filter (NULL: all), ordered by t_ns
 * then insertion; stop early if fn returns nonzero. Returns the number of rows handed to fn, or:
 * TW_ENOENT (no such file), TW_EPARSE (not an SQLite database, damaged, not a triwatch
 * recording, or a newer schema), TW_EIO (other database errors), TW_EINVAL (NULL path or fn);
 * err (size n, may be NULL) then holds one line naming the file and the problem. */
TW_API int tw_recorder_read(const char *path, const tw_rec_filter *filter,
                            int (*fn)(void *ctx, const tw_rec_row *row), void *ctx, char *err,
                            size_t n);
/* Write one row as one line of JSON: seq, t_ns, time (ISO 8601 UTC), kind
 * ("sample"|"decision"|"alert"|"dropped"), topic, direction ("in"|"out"|null), originator,
 * releasable_to, partner, and per kind shared + reason, alert_id + status, n_dropped; payload as
 * JSON when it is a valid JSON object or array, else as a string with "payload_invalid": true;
 * "truncated": true when cut. Invalid UTF-8 in strings becomes U+FFFD. Returns 0, TW_EIO if
 * writing fails, TW_ENOMEM. */
TW_API int tw_recorder_row_json(const tw_rec_row *row, FILE *out);
/* All rows of the recording at path as JSON lines (tw_recorder_row_json) to out. Returns the
 * number of rows or an error as tw_recorder_read (TW_EIO also when writing out fails). */
TW_API int tw_recorder_dump_json(const char *path, FILE *out, char *err, size_t n);
/* The latest t_ns recorded at path, for a restarted node. Returns 1 and sets *t_ns, 0 if the
 * recording has no rows (*t_ns unchanged), or an error code as tw_recorder_read (call that for
 * the message). */
TW_API int tw_recorder_last_t(const char *path, int64_t *t_ns);

#endif
