/* web.c - the node's HTTP server on libmicrohttpd (triwatch/web.h; design in docs/web.md).
 *
 * One internal polling thread serves every connection. Each request is first checked by
 * tw__web_check (web_req.c) on its raw target, taken from the URI log callback before
 * libmicrohttpd splits or decodes it, then routed: the SSE stream, the caller's handler, or a
 * static file. Every response we make carries the security headers.
 *
 * SSE clients. Each /api/events connection has its own response whose content reader drains the
 * client's byte queue (sse_client.buf). tw_web_publish appends to every queue under w->lock and
 * never touches a socket. A reader that finds its queue empty suspends its connection; publish
 * resumes it. A queue that would grow beyond the configured bound is freed and its connection
 * shut down (shutdown(2) on the socket wakes libmicrohttpd, which closes it), so memory per
 * client is at most the bound plus libmicrohttpd's own buffers.
 *
 * Locking: w->lock guards the client list, every queue, the kept state event and the counters.
 * It is taken inside libmicrohttpd's callbacks and, while held, publish and stop call
 * MHD_resume_connection; libmicrohttpd calls none of our callbacks under its own locks that
 * MHD_resume_connection takes, so there is no cycle. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "triwatch/web.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "triwatch/error.h"
#include "web/web_req.h"

#define DEFAULT_SSE_CLIENTS 32
#define DEFAULT_SSE_QUEUE (4u * 1024 * 1024)
#define TOKEN_MAX 256
/* libmicrohttpd's memory per connection: the request head must fit, so heads well above
 * TW_WEB_HEADER_MAX get its own 431 (or 414 when the request line alone does not fit). */
#define CONN_MEMORY (16 * 1024)
#define CONN_TIMEOUT_S 30
#define CONN_SPARE 64 /* connections beyond the SSE clients */
#define SSE_BLOCK (16 * 1024)
#define EVENT_NAME_MAX 64
/* Sent first on every stream: opens it at once (headers go out with the first bytes) and sets
 * EventSource's reconnection delay. */
#define SSE_HELLO ": triwatch\nretry: 3000\n\n"

typedef struct sse_client {
  struct sse_client *prev, *next;
  tw_web *w;
  struct MHD_Connection *conn;
  int fd;          /* the connection's socket, valid until sse_free (libmicrohttpd closes it
                      only after destroying the response) */
  char *buf;       /* pending bytes: buf[head .. head+len) */
  size_t cap, head, len;
  int suspended;   /* we suspended the connection and have not resumed it */
  int dropped;     /* over its bound: the stream ends with an error */
} sse_client;

struct tw_web {
  struct MHD_Daemon *d;
  tw_web_config cfg; /* its strings point to the copies below */
  char *bind_addr, *root_real, *token, *extra_host;
  int port;
  tw_web_handler h;
  void *ctx;
  pthread_mutex_t lock;
  sse_client *clients;
  char *last_state; /* the whole "event: state..." message, or NULL */
  size_t last_state_len;
  int stopping;
  tw_web_stats st; /* sse_clients and sse_queued_bytes kept current */
};

static void set_err(char *err, size_t n, const char *fmt, ...)
{
  va_list ap;
  if (!err || n == 0)
    return;
  va_start(ap, fmt);
  vsnprintf(err, n, fmt, ap);
  va_end(ap);
}

static void count_status(tw_web *w, unsigned status)
{
  pthread_mutex_lock(&w->lock);
  w->st.requests++;
  switch (status) {
  case 400: w->st.st_400++; break;
  case 401: w->st.st_401++; break;
  case 404: w->st.st_404++; break;
  case 405: w->st.st_405++; break;
  case 414: w->st.st_414++; break;
  case 421: w->st.st_421++; break;
  case 431: w->st.st_431++; break;
  default:
    if (status >= 400 && status < 500)
      w->st.st_4xx_other++;
    else if (status >= 500)
      w->st.st_5xx++;
  }
  pthread_mutex_unlock(&w->lock);
}

/* Queue resp (consumed) with the security headers; NULL resp (out of memory) closes. */
static enum MHD_Result send_resp(tw_web *w, struct MHD_Connection *c, unsigned status,
                                 struct MHD_Response *resp)
{
  enum MHD_Result ret;
  if (!resp)
    return MHD_NO;
  if (MHD_add_response_header(resp, "Cache-Control", "no-store") != MHD_YES ||
      MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff") != MHD_YES ||
      MHD_add_response_header(resp, "Content-Security-Policy", "default-src 'self'") != MHD_YES) {
    MHD_destroy_response(resp);
    return MHD_NO;
  }
  ret = MHD_queue_response(c, status, resp);
  MHD_destroy_response(resp);
  count_status(w, status);
  return ret;
}

/* A short text/plain answer: "STATUS Reason: why". */
static enum MHD_Result send_error(tw_web *w, struct MHD_Connection *c, unsigned status,
                                  const char *why)
{
  char body[256];
  const char *phrase = MHD_get_reason_phrase_for(status);
  int n = snprintf(body, sizeof body, "%u %s%s%s\n", status, phrase ? phrase : "",
                   why && *why ? ": " : "", why ? why : "");
  struct MHD_Response *resp;
  if (n < 0)
    return MHD_NO;
  if ((size_t)n >= sizeof body)
    n = (int)sizeof body - 1;
  resp = MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_MUST_COPY);
  if (!resp)
    return MHD_NO;
  MHD_add_response_header(resp, "Content-Type", "text/plain; charset=utf-8");
  if (status == 401)
    MHD_add_response_header(resp, "WWW-Authenticate", "Bearer");
  else if (status == 405)
    MHD_add_response_header(resp, "Allow", "GET, HEAD");
  else if (status == 503)
    MHD_add_response_header(resp, "Retry-After", "5");
  return send_resp(w, c, status, resp);
}

/* ---- SSE ---------------------------------------------------------------------------------- */

/* Free c's queue, end its stream with an error and wake its connection. Under w->lock. */
static void drop_client(tw_web *w, sse_client *c)
{
  w->st.sse_queued_bytes -= c->len;
  free(c->buf);
  c->buf = NULL;
  c->cap = c->head = c->len = 0;
  c->dropped = 1;
  w->st.sse_dropped++;
  if (c->suspended) {
    c->suspended = 0;
    MHD_resume_connection(c->conn);
  } else if (c->fd >= 0) {
    /* Waiting for a writable socket that never comes: make the wait end. */
    shutdown(c->fd, SHUT_RDWR);
  }
}

/* Append m[0..n) to c's queue, growing it up to bound; 0, or -1 (c must be dropped). Under lock. */
static int enqueue(tw_web *w, sse_client *c, const char *m, size_t n)
{
  size_t bound = w->cfg.sse_client_queue_bytes;
  if (c->len + n > bound)
    return -1;
  if (c->head + c->len + n > c->cap && c->head > 0) {
    memmove(c->buf, c->buf + c->head, c->len);
    c->head = 0;
  }
  if (c->len + n > c->cap) {
    size_t cap = c->cap ? c->cap : 4096;
    while (cap < c->len + n)
      cap *= 2;
    if (cap > bound)
      cap = bound;
    char *p = realloc(c->buf, cap);
    if (!p)
      return -1;
    c->buf = p;
    c->cap = cap;
  }
  memcpy(c->buf + c->head + c->len, m, n);
  c->len += n;
  w->st.sse_queued_bytes += n;
  if (w->st.sse_queued_bytes > w->st.sse_queued_peak_bytes)
    w->st.sse_queued_peak_bytes = w->st.sse_queued_bytes;
  if (c->suspended) {
    c->suspended = 0;
    MHD_resume_connection(c->conn);
  }
  return 0;
}

static ssize_t sse_read(void *cls, uint64_t pos, char *out, size_t max)
{
  sse_client *c = cls;
  tw_web *w = c->w;
  ssize_t n;
  (void)pos;
  pthread_mutex_lock(&w->lock);
  if (c->dropped) {
    n = MHD_CONTENT_READER_END_WITH_ERROR;
  } else if (w->stopping) {
    n = MHD_CONTENT_READER_END_OF_STREAM;
  } else if (c->len == 0) {
    /* Nothing to send: sleep until tw_web_publish or tw_web_stop resumes us. */
    c->suspended = 1;
    MHD_suspend_connection(c->conn);
    n = 0;
  } else {
    size_t k = c->len < max ? c->len : max;
    memcpy(out, c->buf + c->head, k);
    c->head += k;
    c->len -= k;
    if (c->len == 0)
      c->head = 0;
    w->st.sse_queued_bytes -= k;
    n = (ssize_t)k;
  }
  pthread_mutex_unlock(&w->lock);
  return n;
}

/* The response is gone: libmicrohttpd no longer uses the connection's socket for it. */
static void sse_free(void *cls)
{
  sse_client *c = cls;
  tw_web *w = c->w;
  pthread_mutex_lock(&w->lock);
  if (c->prev)
    c->prev->next = c->next;
  else
    w->clients = c->next;
  if (c->next)
    c->next->prev = c->prev;
  w->st.sse_queued_bytes -= c->len;
  w->st.sse_clients--;
  pthread_mutex_unlock(&w->lock);
  free(c->buf);
  free(c);
}

static enum MHD_Result serve_events(tw_web *w, struct MHD_Connection *conn)
{
  const union MHD_ConnectionInfo *info =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
  sse_client *c = calloc(1, sizeof *c);
  struct MHD_Response *resp;
  if (!c)
    return send_error(w, conn, 503, "out of memory");
  c->w = w;
  c->conn = conn;
  c->fd = info ? info->connect_fd : -1;
  pthread_mutex_lock(&w->lock);
  if (w->stopping || w->st.sse_clients >= w->cfg.sse_max_clients) {
    pthread_mutex_unlock(&w->lock);
    free(c);
    return send_error(w, conn, 503, "too many event-stream clients");
  }
  if (enqueue(w, c, SSE_HELLO, strlen(SSE_HELLO)) != 0 ||
      (w->last_state && enqueue(w, c, w->last_state, w->last_state_len) != 0)) {
    w->st.sse_queued_bytes -= c->len;
    pthread_mutex_unlock(&w->lock);
    free(c->buf);
    free(c);
    return send_error(w, conn, 503, "the stream's start does not fit in a client queue");
  }
  c->next = w->clients;
  if (w->clients)
    w->clients->prev = c;
  w->clients = c;
  w->st.sse_clients++;
  pthread_mutex_unlock(&w->lock);
  /* From here sse_free owns c, also when the response cannot be made or queued. */
  resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, SSE_BLOCK, sse_read, c, sse_free);
  if (!resp) {
    sse_free(c);
    return MHD_NO;
  }
  if (MHD_add_response_header(resp, "Content-Type", "text/event-stream; charset=utf-8") !=
      MHD_YES) {
    MHD_destroy_response(resp);
    return MHD_NO;
  }
  return send_resp(w, conn, 200, resp);
}

/* ---- handler and static files ------------------------------------------------------------- */

static enum MHD_Result serve_dynamic(tw_web *w, struct MHD_Connection *conn, const char *path)
{
  char *body = NULL;
  size_t len = 0;
  const char *type = NULL;
  int status = w->h ? w->h(w->ctx, path, &body, &len, &type) : 404;
  struct MHD_Response *resp;
  if (status < 100 || status > 599) {
    free(body);
    return send_error(w, conn, 500, "the handler failed");
  }
  if ((!body || len == 0) && status >= 400) {
    free(body);
    return send_error(w, conn, (unsigned)status, status == 404 ? "no such path" : "");
  }
  if (!body)
    len = 0;
  resp = MHD_create_response_from_buffer(len, body ? body : (void *)"",
                                         body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
  if (!resp) {
    free(body);
    return MHD_NO;
  }
  MHD_add_response_header(resp, "Content-Type", type ? type : "application/octet-stream");
  return send_resp(w, conn, (unsigned)status, resp);
}

static enum MHD_Result serve_static(tw_web *w, struct MHD_Connection *conn, const char *path)
{
  char rel[TW_WEB_PATH_MAX + 16], *full = NULL, *real = NULL;
  const char *mime, *mime_real;
  size_t nroot;
  struct stat st;
  int fd = -1;
  struct MHD_Response *resp;
  if (!w->root_real || tw__web_static_name(path, rel, sizeof rel, &mime) != 0)
    goto not_found;
  nroot = strlen(w->root_real);
  full = malloc(nroot + strlen(rel) + 2);
  if (!full)
    return send_error(w, conn, 503, "out of memory");
  snprintf(full, nroot + strlen(rel) + 2, "%s/%s", w->root_real, rel);
  real = realpath(full, NULL);
  /* The file as resolved (symbolic links followed) must lie under the root and pass the same
   * name checks: a link inside the root to a file outside it, or to a hidden or unlisted file,
   * is not served. */
  if (!real || strncmp(real, w->root_real, nroot) != 0 || real[nroot] != '/' ||
      tw__web_static_name(real + nroot, rel, sizeof rel, &mime_real) != 0)
    goto not_found;
  fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
    goto not_found;
  resp = MHD_create_response_from_fd64((uint64_t)st.st_size, fd); /* owns fd now */
  if (!resp)
    goto not_found;
  fd = -1;
  free(full);
  free(real);
  MHD_add_response_header(resp, "Content-Type", mime);
  return send_resp(w, conn, 200, resp);
not_found:
  if (fd >= 0)
    close(fd);
  free(full);
  free(real);
  return send_error(w, conn, 404, "no such file");
}

/* ---- libmicrohttpd callbacks -------------------------------------------------------------- */

struct head_sum {
  size_t bytes;
  int n_host, n_auth;
};

static enum MHD_Result sum_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
  struct head_sum *s = cls;
  (void)kind;
  s->bytes += strlen(key) + (value ? strlen(value) : 0) + 4; /* ": " and CRLF */
  if (strcasecmp(key, "Host") == 0)
    s->n_host++;
  else if (strcasecmp(key, "Authorization") == 0)
    s->n_auth++;
  return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **req_cls)
{
  tw_web *w = cls;
  struct head_sum hs = {0, 0, 0};
  char path[TW_WEB_PATH_MAX + 1];
  const char *why;
  /* The raw target from uri_log (url itself is not decoded either: see unescape_none). */
  const char *raw = *req_cls ? (const char *)*req_cls : url;
  int status;
  (void)version;
  (void)upload_data;
  (void)upload_size;
  MHD_get_connection_values(conn, MHD_HEADER_KIND, sum_header, &hs);
  if (hs.n_host > 1 || hs.n_auth > 1)
    return send_error(w, conn, 400, "repeated Host or Authorization header");
  status = tw__web_check(&w->cfg, w->port, method, raw,
                         MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host"),
                         MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization"),
                         hs.bytes, path, sizeof path, &why);
  if (status != 0)
    return send_error(w, conn, (unsigned)status, why);
  switch (tw__web_route_of(path)) {
  case TW__WEB_EVENTS: return serve_events(w, conn);
  case TW__WEB_HANDLER: return serve_dynamic(w, conn, path);
  case TW__WEB_STATIC: break;
  }
  return serve_static(w, conn, path);
}

static void *uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
  (void)cls;
  (void)conn;
  return strdup(uri); /* NULL when out of memory: on_request falls back to its url */
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
  (void)cls;
  (void)conn;
  (void)toe;
  free(*req_cls);
  *req_cls = NULL;
}

/* Keep the path as sent: tw__web_check decodes it itself and refuses what decoding would hide
 * (an encoded '/', NUL or '\'). Query arguments are not used. */
static size_t unescape_none(void *cls, struct MHD_Connection *conn, char *s)
{
  (void)cls;
  (void)conn;
  return strlen(s);
}

/* ---- public API --------------------------------------------------------------------------- */

static char *dup_opt(const char *s, int *failed)
{
  char *p;
  if (!s)
    return NULL;
  p = strdup(s);
  if (!p)
    *failed = 1;
  return p;
}

static void free_web(tw_web *w)
{
  free(w->bind_addr);
  free(w->root_real);
  free(w->token);
  free(w->extra_host);
  free(w->last_state);
  pthread_mutex_destroy(&w->lock);
  free(w);
}

int tw_web_start(tw_web **out, const tw_web_config *cfg, tw_web_handler h, void *ctx,
                 char *err, size_t n)
{
  struct sockaddr_in sa4;
  struct sockaddr_in6 sa6;
  struct sockaddr *sa;
  int v6, loopback, failed = 0;
  tw_web *w;
  const char *addr;
  if (!out || !cfg) {
    set_err(err, n, "web: no configuration");
    return TW_EINVAL;
  }
  addr = cfg->bind_addr ? cfg->bind_addr : "127.0.0.1";
  memset(&sa4, 0, sizeof sa4);
  memset(&sa6, 0, sizeof sa6);
  if (cfg->port < 0 || cfg->port > 65535) {
    set_err(err, n, "web: port %d out of range 0..65535", cfg->port);
    return TW_EINVAL;
  }
  if (inet_pton(AF_INET, addr, &sa4.sin_addr) == 1) {
    v6 = 0;
    sa4.sin_family = AF_INET;
    sa4.sin_port = htons((uint16_t)cfg->port);
    loopback = (ntohl(sa4.sin_addr.s_addr) >> 24) == 127;
    sa = (struct sockaddr *)&sa4;
  } else if (inet_pton(AF_INET6, addr, &sa6.sin6_addr) == 1) {
    v6 = 1;
    sa6.sin6_family = AF_INET6;
    sa6.sin6_port = htons((uint16_t)cfg->port);
    loopback = IN6_IS_ADDR_LOOPBACK(&sa6.sin6_addr);
    sa = (struct sockaddr *)&sa6;
  } else {
    set_err(err, n, "web: bind address \"%s\" is not a numeric IPv4 or IPv6 address", addr);
    return TW_EINVAL;
  }
  if (cfg->token && *cfg->token) {
    size_t len = strlen(cfg->token);
    if (len > TOKEN_MAX) {
      set_err(err, n, "web: token longer than %d bytes", TOKEN_MAX);
      return TW_EINVAL;
    }
    for (size_t i = 0; i < len; i++)
      if ((unsigned char)cfg->token[i] <= 0x20 || (unsigned char)cfg->token[i] >= 0x7f) {
        set_err(err, n, "web: token has a space, control or non-ASCII character at byte %zu", i);
        return TW_EINVAL;
      }
  } else if (!loopback) {
    set_err(err, n, "web: bind address %s is not loopback: a token is required", addr);
    return TW_EINVAL;
  }
  if (cfg->sse_max_clients < 0) {
    set_err(err, n, "web: sse_max_clients %d is negative", cfg->sse_max_clients);
    return TW_EINVAL;
  }
  w = calloc(1, sizeof *w);
  if (!w || pthread_mutex_init(&w->lock, NULL) != 0) {
    free(w);
    set_err(err, n, "web: out of memory");
    return TW_ENOMEM;
  }
  w->bind_addr = dup_opt(addr, &failed);
  w->token = cfg->token && *cfg->token ? dup_opt(cfg->token, &failed) : NULL;
  w->extra_host = cfg->extra_host && *cfg->extra_host ? dup_opt(cfg->extra_host, &failed) : NULL;
  if (failed) {
    free_web(w);
    set_err(err, n, "web: out of memory");
    return TW_ENOMEM;
  }
  if (cfg->root) {
    struct stat st;
    w->root_real = realpath(cfg->root, NULL);
    if (!w->root_real || stat(w->root_real, &st) != 0 || !S_ISDIR(st.st_mode)) {
      int e = errno;
      set_err(err, n, "web: root %s: %s", cfg->root,
              w->root_real ? "not a directory" : strerror(e));
      free_web(w);
      return e == ENOMEM ? TW_ENOMEM : TW_EINVAL;
    }
    if (strcmp(w->root_real, "/") == 0)
      w->root_real[0] = '\0'; /* so that root + "/" + name is "/name" */
  }
  w->cfg.bind_addr = w->bind_addr;
  w->cfg.port = cfg->port;
  w->cfg.root = w->root_real;
  w->cfg.token = w->token;
  w->cfg.extra_host = w->extra_host;
  w->cfg.sse_max_clients = cfg->sse_max_clients ? cfg->sse_max_clients : DEFAULT_SSE_CLIENTS;
  w->cfg.sse_client_queue_bytes =
      cfg->sse_client_queue_bytes ? cfg->sse_client_queue_bytes : DEFAULT_SSE_QUEUE;
  w->h = h;
  w->ctx = ctx;
  w->d = MHD_start_daemon(
      MHD_USE_AUTO_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | (v6 ? MHD_USE_IPv6 : 0),
      (uint16_t)cfg->port, NULL, NULL, on_request, w,
      MHD_OPTION_SOCK_ADDR, sa,
      MHD_OPTION_CONNECTION_LIMIT, (unsigned)(w->cfg.sse_max_clients + CONN_SPARE),
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONN_TIMEOUT_S,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
      MHD_OPTION_URI_LOG_CALLBACK, uri_log, (void *)w,
      MHD_OPTION_NOTIFY_COMPLETED, on_completed, (void *)w,
      MHD_OPTION_UNESCAPE_CALLBACK, unescape_none, (void *)w,
      MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
      MHD_OPTION_END);
  if (!w->d) {
    int e = errno;
    set_err(err, n, "web: cannot serve on %s port %d: %s", addr, cfg->port,
            e ? strerror(e) : "libmicrohttpd would not start");
    free_web(w);
    return TW_EIO;
  }
  {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(w->d, MHD_DAEMON_INFO_BIND_PORT);
    w->port = info ? (int)info->port : cfg->port;
  }
  *out = w;
  return 0;
}

int tw_web_port(const tw_web *w)
{
  return w ? w->port : -1;
}

int tw_web_publish(tw_web *w, const char *event, const char *data, size_t len)
{
  size_t nev, nmsg;
  char *msg;
  int count = 0;
  if (!w || !event || (!data && len > 0))
    return TW_EINVAL;
  nev = strlen(event);
  if (nev == 0 || nev > EVENT_NAME_MAX)
    return TW_EINVAL;
  for (size_t i = 0; i < nev; i++) {
    char ch = event[i];
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
          ch == '_' || ch == '-'))
      return TW_EINVAL;
  }
  for (size_t i = 0; i < len; i++)
    if (data[i] == '\n' || data[i] == '\r' || data[i] == '\0')
      return TW_EINVAL;
  nmsg = 7 + nev + 7 + len + 2; /* "event: " NAME "\ndata: " DATA "\n\n" */
  msg = malloc(nmsg);
  if (!msg)
    return TW_ENOMEM;
  memcpy(msg, "event: ", 7);
  memcpy(msg + 7, event, nev);
  memcpy(msg + 7 + nev, "\ndata: ", 7);
  if (len)
    memcpy(msg + 14 + nev, data, len);
  memcpy(msg + 14 + nev + len, "\n\n", 2);
  pthread_mutex_lock(&w->lock);
  if (strcmp(event, "state") == 0) {
    free(w->last_state);
    w->last_state = msg; /* kept: each client gets a copy in its queue */
    w->last_state_len = nmsg;
  }
  for (sse_client *c = w->clients; c; c = c->next) {
    if (c->dropped)
      continue;
    if (enqueue(w, c, msg, nmsg) != 0)
      drop_client(w, c);
    else
      count++;
  }
  w->st.sse_events++;
  pthread_mutex_unlock(&w->lock);
  if (strcmp(event, "state") != 0)
    free(msg);
  return count;
}

void tw_web_get_stats(const tw_web *w, tw_web_stats *s)
{
  if (!s)
    return;
  if (!w) {
    memset(s, 0, sizeof *s);
    return;
  }
  tw_web *mw = (tw_web *)w; /* the lock is not part of the value */
  pthread_mutex_lock(&mw->lock);
  *s = w->st;
  pthread_mutex_unlock(&mw->lock);
}

void tw_web_stop(tw_web *w)
{
  if (!w)
    return;
  /* libmicrohttpd refuses to stop with suspended connections: wake every stream, which now ends
   * (sse_read sees stopping) instead of sleeping again. */
  pthread_mutex_lock(&w->lock);
  w->stopping = 1;
  for (sse_client *c = w->clients; c; c = c->next)
    if (c->suspended) {
      c->suspended = 0;
      MHD_resume_connection(c->conn);
    }
  pthread_mutex_unlock(&w->lock);
  MHD_stop_daemon(w->d);
  free_web(w);
}
