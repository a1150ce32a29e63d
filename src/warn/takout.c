/* warn/takout.c - CoT events to a TAK endpoint over UDP or TCP without ever blocking the caller.
 *
 * The TCP side is a small state machine driven by the caller's own calls (no thread):
 *   IDLE --(backoff over)--> CONNECTING --(writable, SO_ERROR 0)--> UP
 *     ^                            |  (refused, timed out)            |  (EOF, reset, send error)
 *     +----------------------------+----------------------------------+  backoff doubles
 * The queue is one byte buffer, allocated at open, holding framed events back to back in
 * [head, tail), and a ring of their lengths. off counts the bytes of the first event the current
 * connection has taken; a new connection starts that event again from its first byte, so the
 * stream the peer sees always begins at an event boundary. */
#include "triwatch/takout.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "triwatch/error.h"
#include "triwatch/tak.h"

#define FRAME_MAX (TW_TAK_MAX_PAYLOAD + 16) /* the largest framed event, header included */
#define DEFAULT_QUEUE_BYTES (256u * 1024u)
#define DEFAULT_BACKOFF_MIN_MS 100
#define DEFAULT_BACKOFF_MAX_MS 5000
#define CONNECT_TIMEOUT_MS 3000 /* a connect still pending after this is given up */
#define MIN_EVENT_BYTES 64      /* sizes the ring of lengths: no framed event is shorter */

enum { ST_IDLE, ST_CONNECTING, ST_UP };

struct tw_takout {
  tw_takout_proto proto;
  int version;
  struct sockaddr_storage addr;
  socklen_t addr_len;
  int fd;                   /* -1 while TCP is IDLE */
  int state;                /* ST_*: TCP only */
  int ever_up;              /* a TCP connection has been up before: the next one is a reconnect */
  int backoff_ms, backoff_min_ms, backoff_max_ms;
  int64_t next_try_ms;      /* IDLE: connect again at this monotonic time */
  int64_t connect_start_ms; /* CONNECTING: since when */
  uint8_t *q;               /* the queue: framed events in [head, tail) */
  size_t cap, head, tail, off;
  uint32_t *lens;           /* ring of the queued events' lengths */
  size_t lcap, lfirst, lcount;
  uint8_t *frame;           /* scratch for one framed event, FRAME_MAX bytes */
  tw_takout_stats st;
};

static int64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* host as an IP literal into *ss; *loopback says whether it is 127.0.0.0/8 or ::1. */
static int parse_host(const char *host, int port, struct sockaddr_storage *ss, socklen_t *len,
                      int *loopback)
{
  struct in_addr a4;
  struct in6_addr a6;
  memset(ss, 0, sizeof *ss);
  if (inet_pton(AF_INET, host, &a4) == 1) {
    struct sockaddr_in *sin = (struct sockaddr_in *)ss;
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)port);
    sin->sin_addr = a4;
    *len = sizeof *sin;
    *loopback = (ntohl(a4.s_addr) >> 24) == 127;
    return 0;
  }
  if (inet_pton(AF_INET6, host, &a6) == 1) {
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons((uint16_t)port);
    sin6->sin6_addr = a6;
    *len = sizeof *sin6;
    *loopback = IN6_IS_ADDR_LOOPBACK(&a6);
    return 0;
  }
  return TW_EINVAL;
}

/* ---- TCP connection state ---- */

static void conn_lost(tw_takout *o)
{
  if (o->fd >= 0)
    close(o->fd);
  o->fd = -1;
  o->state = ST_IDLE;
  o->off = 0; /* the next connection sends the first queued event again from its start */
  o->next_try_ms = now_ms() + o->backoff_ms;
  o->backoff_ms = o->backoff_ms > o->backoff_max_ms / 2 ? o->backoff_max_ms : 2 * o->backoff_ms;
}

static void conn_up(tw_takout *o)
{
  o->state = ST_UP;
  o->backoff_ms = o->backoff_min_ms;
  o->off = 0;
  if (o->ever_up)
    o->st.reconnects++;
  o->ever_up = 1;
}

static void conn_start(tw_takout *o)
{
  o->fd = socket(o->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (o->fd < 0) {
    conn_lost(o);
    return;
  }
  if (connect(o->fd, (const struct sockaddr *)&o->addr, o->addr_len) == 0) {
    conn_up(o);
  } else if (errno == EINPROGRESS || errno == EINTR) {
    o->state = ST_CONNECTING;
    o->connect_start_ms = now_ms();
  } else {
    conn_lost(o);
  }
}

static void conn_check_connecting(tw_takout *o)
{
  struct pollfd p = {o->fd, POLLOUT, 0};
  int err = 0;
  socklen_t len = sizeof err;
  if (poll(&p, 1, 0) <= 0) {
    if (now_ms() - o->connect_start_ms > CONNECT_TIMEOUT_MS)
      conn_lost(o);
    return;
  }
  if (getsockopt(o->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0)
    conn_lost(o);
  else
    conn_up(o);
}

/* Read and discard what the peer sends (a TAK server may talk); notice EOF and errors, so a
 * peer that closed is found before we write into a dead connection. */
static void conn_check_peer(tw_takout *o)
{
  uint8_t buf[4096];
  for (int i = 0; i < 16; i++) {
    ssize_t n = recv(o->fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
      return;
    conn_lost(o); /* n == 0: EOF; else reset or another error */
    return;
  }
}

/* Drop the first queued event from the ring; the byte range moves on. */
static void queue_pop(tw_takout *o)
{
  o->head += o->lens[o->lfirst];
  o->lfirst = (o->lfirst + 1) % o->lcap;
  o->lcount--;
  if (o->lcount == 0)
    o->head = o->tail = 0;
}

static void conn_write(tw_takout *o)
{
  while (o->lcount > 0) {
    ssize_t n = send(o->fd, o->q + o->head + o->off, o->tail - o->head - o->off,
                     MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        conn_lost(o);
      return;
    }
    o->off += (size_t)n;
    while (o->lcount > 0 && o->off >= o->lens[o->lfirst]) {
      o->off -= o->lens[o->lfirst];
      queue_pop(o);
      o->st.sent++;
    }
  }
}

/* One step of the state machine; never waits. */
static void service(tw_takout *o)
{
  if (o->state == ST_IDLE && now_ms() >= o->next_try_ms)
    conn_start(o);
  if (o->state == ST_CONNECTING)
    conn_check_connecting(o);
  if (o->state == ST_UP)
    conn_check_peer(o);
  if (o->state == ST_UP)
    conn_write(o);
}

/* Append a framed event of len bytes; 0 or TW_ERANGE (no room). */
static int queue_push(tw_takout *o, const uint8_t *z, size_t len)
{
  if (o->lcount == o->lcap)
    return TW_ERANGE;
  if (o->tail + len > o->cap) {
    if (o->tail - o->head + len > o->cap)
      return TW_ERANGE;
    memmove(o->q, o->q + o->head, o->tail - o->head);
    o->tail -= o->head;
    o->head = 0;
  }
  memcpy(o->q + o->tail, z, len);
  o->tail += len;
  o->lens[(o->lfirst + o->lcount) % o->lcap] = (uint32_t)len;
  o->lcount++;
  return 0;
}

/* ---- public ---- */

int tw_takout_open(tw_takout **out, const tw_takout_config *cfg)
{
  struct sockaddr_storage ss;
  socklen_t ss_len;
  int loopback = 0, rc;
  if (!out || !cfg || !cfg->host || cfg->port < 1 || cfg->port > 65535 ||
      (cfg->version != 0 && cfg->version != 1) ||
      (cfg->proto != TW_TAKOUT_UDP && cfg->proto != TW_TAKOUT_TCP) || cfg->backoff_min_ms < 0 ||
      cfg->backoff_max_ms < 0)
    return TW_EINVAL;
  if (parse_host(cfg->host, cfg->port, &ss, &ss_len, &loopback) < 0)
    return TW_EINVAL;
  if (!loopback && !cfg->allow_non_loopback)
    return TW_EPERM; /* before any socket exists: nothing can have been sent */

  tw_takout *o = calloc(1, sizeof *o);
  if (!o)
    return TW_ENOMEM;
  o->proto = cfg->proto;
  o->version = cfg->version;
  o->addr = ss;
  o->addr_len = ss_len;
  o->fd = -1;
  o->backoff_min_ms = cfg->backoff_min_ms ? cfg->backoff_min_ms : DEFAULT_BACKOFF_MIN_MS;
  o->backoff_max_ms = cfg->backoff_max_ms ? cfg->backoff_max_ms : DEFAULT_BACKOFF_MAX_MS;
  if (o->backoff_max_ms < o->backoff_min_ms)
    o->backoff_max_ms = o->backoff_min_ms;
  o->backoff_ms = o->backoff_min_ms;
  rc = TW_ENOMEM;
  if (!(o->frame = malloc(FRAME_MAX)))
    goto err_free;
  if (o->proto == TW_TAKOUT_UDP) {
    o->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (o->fd < 0) {
      rc = TW_EIO;
      goto err_free;
    }
    o->st.connected = 1;
  } else {
    o->cap = cfg->queue_bytes ? cfg->queue_bytes : DEFAULT_QUEUE_BYTES;
    if (o->cap < FRAME_MAX)
      o->cap = FRAME_MAX;
    o->lcap = o->cap / MIN_EVENT_BYTES + 1;
    if (!(o->q = malloc(o->cap)) || !(o->lens = malloc(o->lcap * sizeof *o->lens)))
      goto err_free;
    o->state = ST_IDLE;
    o->next_try_ms = now_ms();
    service(o);
  }
  *out = o;
  return 0;

err_free:
  free(o->lens);
  free(o->q);
  free(o->frame);
  free(o);
  return rc;
}

/* The event framed for our protocol and version into o->frame; its length or an error. */
static int encode(tw_takout *o, const tw_cot_event *e)
{
  if (o->version == 0)
    return tw_tak_frame_v0(o->frame, FRAME_MAX, e);
  if (o->proto == TW_TAKOUT_UDP)
    return tw_tak_frame_mesh(o->frame, FRAME_MAX, e);
  return tw_tak_frame_stream(o->frame, FRAME_MAX, e);
}

int tw_takout_send(tw_takout *o, const tw_cot_event *e)
{
  int len;
  if (!o || !e)
    return TW_EINVAL;
  if ((len = encode(o, e)) < 0)
    return len;
  if (o->proto == TW_TAKOUT_UDP) {
    for (int attempt = 0; attempt < 2; attempt++) {
      ssize_t n = sendto(o->fd, o->frame, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT,
                         (const struct sockaddr *)&o->addr, o->addr_len);
      if (n == len) {
        o->st.sent++;
        return 0;
      }
      /* a refusal of an earlier datagram reported now, or a signal: this one was not sent */
      if (n >= 0 || (errno != ECONNREFUSED && errno != EINTR))
        break;
    }
    o->st.dropped++;
    return TW_EIO;
  }
  if (queue_push(o, o->frame, (size_t)len) < 0) {
    o->st.dropped++;
    service(o);
    return TW_ERANGE;
  }
  service(o);
  return 0;
}

int tw_takout_flush(tw_takout *o, int timeout_ms)
{
  if (!o || timeout_ms < 0)
    return TW_EINVAL;
  if (o->proto == TW_TAKOUT_UDP)
    return 0;
  int64_t deadline = now_ms() + timeout_ms;
  for (;;) {
    service(o);
    int64_t left = deadline - now_ms();
    if (o->lcount == 0 || left <= 0)
      break;
    /* wait for the socket when there is one, else for the backoff; short slices either way */
    int slice = left < 10 ? (int)left : 10;
    if (o->fd >= 0) {
      struct pollfd p = {o->fd, (short)(POLLOUT | (o->state == ST_UP ? POLLIN : 0)), 0};
      poll(&p, 1, slice);
    } else {
      poll(NULL, 0, slice);
    }
  }
  return (int)o->lcount;
}

void tw_takout_stats_get(const tw_takout *o, tw_takout_stats *st)
{
  if (!o || !st)
    return;
  *st = o->st;
  if (o->proto == TW_TAKOUT_TCP) {
    st->queued = o->lcount;
    st->connected = o->state == ST_UP;
  }
}

void tw_takout_close(tw_takout *o)
{
  if (!o)
    return;
  if (o->fd >= 0)
    close(o->fd);
  free(o->lens);
  free(o->q);
  free(o->frame);
  free(o);
}
