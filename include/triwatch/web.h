/* triwatch/web.h - the node's HTTP server: static page, dynamic API through one handler, and
 * Server-Sent Events, with the checks of docs/web-api.md ("Security") in front of everything.
 *
 * The server runs on libmicrohttpd's own thread (one internal polling thread); nothing here
 * blocks the caller except tw_web_start and tw_web_stop. docs/web.md has the design: the order
 * of the checks, the status codes, and how SSE clients are bounded.
 *
 * Threads: tw_web_publish, tw_web_port and tw_web_get_stats may be called from any number of
 * threads at once; tw_web_stop must not run concurrently with any of them, and nothing may use
 * the server after it. tw_web_check_request is pure and may be called anywhere. */
#ifndef TRIWATCH_WEB_H
#define TRIWATCH_WEB_H

#include <stddef.h>
#include <stdint.h>

#include "triwatch/visibility.h"

/* Longest path part of a request target, in bytes as sent (before percent-decoding): 414 above. */
#define TW_WEB_PATH_MAX 1024
/* Largest request head (the sum of header names and values) the checks accept: 431 above. */
#define TW_WEB_HEADER_MAX 8192

typedef struct tw_web tw_web;

typedef struct tw_web_config {
  const char *bind_addr;  /* numeric IPv4 or IPv6 address; NULL: "127.0.0.1" */
  int port;               /* TCP port, 0..65535; 0: an ephemeral port (tw_web_port tells) */
  const char *root;       /* directory of static files; NULL: no static files (404) */
  const char *token;      /* bearer token (printable ASCII, no space) or NULL for none; required
                             when bind_addr is not a loopback address */
  const char *extra_host; /* one more accepted Host name ("node-a" or "node-a:8080"), or NULL */
  int sse_max_clients;    /* concurrent /api/events clients; 0: 32; more get 503 */
  size_t sse_client_queue_bytes; /* 0: 4 MiB. A client with more than this waiting to be sent
                                    is dropped (its connection closed), never buffered further */
} tw_web_config;

/* Counters since tw_web_start. A status answered by libmicrohttpd itself (a request head over
 * its memory limit, a malformed request line) never reaches the server and is not counted. */
typedef struct tw_web_stats {
  uint64_t requests;      /* requests answered by the server, any status */
  uint64_t st_400, st_401, st_404, st_405, st_414, st_421, st_431; /* answered with that status */
  uint64_t st_4xx_other;  /* any other 4xx (503 and other 5xx in st_5xx) */
  uint64_t st_5xx;
  int sse_clients;        /* /api/events clients connected now */
  size_t sse_queued_bytes;      /* bytes waiting in all SSE client queues now */
  size_t sse_queued_peak_bytes; /* the most sse_queued_bytes has been */
  uint64_t sse_events;    /* tw_web_publish calls accepted */
  uint64_t sse_dropped;   /* clients dropped for falling further behind than their queue */
} tw_web_stats;

/* The dynamic content. Called on the server's thread for GET and HEAD of every path under
 * /api/ except /api/events, of /alerts.atom and of every path under /cap/, after the request
 * passed every check; path is the normalised path (percent-decoded, no query). It returns the
 * HTTP status (100..599; anything else is answered 500) and may set *body to a malloc'd buffer
 * of *len bytes, which the server frees, and *content_type to a static string (NULL:
 * "application/octet-stream"). With no body, an error status gets a short text/plain one. The
 * handler must be safe to call from a thread other than the one that started the server. */
typedef int (*tw_web_handler)(void *ctx, const char *path, char **body, size_t *len,
                              const char **content_type);

/* Start serving per cfg: bind to cfg->bind_addr:cfg->port, explicitly (no wildcard address).
 * h may be NULL (every dynamic path is then 404); ctx is passed to it. The strings in cfg are
 * copied. On success *out is the server and 0 is returned. On error *out is unchanged, err holds
 * one line (up to n bytes) and the result is TW_EINVAL (NULL arguments, a bind_addr that is not
 * a numeric address, a port out of range, a non-loopback bind_addr without a token, a token
 * with spaces or control characters, a root that is not a directory), TW_ENOMEM, or TW_EIO (the
 * address cannot be bound, libmicrohttpd would not start). */
TW_API int tw_web_start(tw_web **out, const tw_web_config *cfg, tw_web_handler h, void *ctx,
                        char *err, size_t n);

/* The TCP port the server listens on (the real one when 0 was asked); -1 for NULL. */
TW_API int tw_web_port(const tw_web *w);

/* Send "event: EVENT\ndata: DATA\n\n" to every client of /api/events; data is len bytes and need
 * not be NUL-terminated. Never blocks on a client: the bytes are copied into each client's queue
 * and the client's connection sends them when its socket is ready. A client whose queue would
 * exceed cfg->sse_client_queue_bytes is dropped: its queue freed, its connection closed and
 * counted in sse_dropped. The last "state" event is kept and sent first to each new client.
 * Returns the number of clients the event was queued for (0 or more), or TW_EINVAL (NULL
 * arguments, an event name that is empty, longer than 64 bytes or not [A-Za-z0-9_-], data with
 * a CR, LF or NUL) or TW_ENOMEM (nothing queued, the kept state unchanged). */
TW_API int tw_web_publish(tw_web *w, const char *event, const char *data, size_t len);

/* Fill *s with the counters (all zero for a NULL w). */
TW_API void tw_web_get_stats(const tw_web *w, tw_web_stats *s);

/* Stop serving: close every connection, SSE clients included (each stream ends at once, without
 * waiting for its queue to drain), join the server's thread, free everything. NULL is a no-op. */
TW_API void tw_web_stop(tw_web *w);

/* The checks applied to every request before anything else, in this order (docs/web.md):
 * header_bytes over TW_WEB_HEADER_MAX 431; Host missing or not "127.0.0.1:PORT",
 * "localhost:PORT", "[::1]:PORT" or cfg->extra_host with ":PORT" (names case-insensitive; no
 * port in Host means 80; an extra_host written "name:port" needs that port instead) 421; path
 * part of url (before '?') longer than TW_WEB_PATH_MAX 414; path not starting with '/', with a
 * control character, a bad escape, an encoded NUL, '/' or '\', a raw '\' or a ".." segment
 * (after decoding) 400; a token configured and neither "Authorization: Bearer TOKEN" nor (path
 * /api/events only) a "token=TOKEN" query parameter matching it (compared in constant time)
 * 401; method other than GET and HEAD 405. port is the
 * port Host must name. On 0 the normalised path - percent-decoded, "." and empty segments
 * removed, a trailing '/' kept, no query - is written to path_out (NUL-terminated; a path that
 * does not fit in path_n bytes is 414). On a 4xx status path_out holds "" when path_n > 0.
 * method and url NULL are 400; host and auth may be NULL (absent); cfg NULL is as all defaults. */
TW_API int tw_web_check_request(const tw_web_config *cfg, int port, const char *method,
                                const char *url, const char *host, const char *auth,
                                size_t header_bytes, char *path_out, size_t path_n);

#endif
