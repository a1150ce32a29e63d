/* tak_client.c - a test tool: a TAK client stand-in that listens on 127.0.0.1, reads CoT events in
 * TAK protocol version 0 or 1, and prints each as one JSON line
 *   {"uid":..,"type":..,"time":..,"lat":..,"lon":..,"access":..,"how":..}
 * TCP: a stream per connection (v0 XML documents split after "</event>", v1 0xbf varint-length
 * frames), several connections in turn or at once; UDP: one event per datagram (v0 XML, v1 mesh
 * 0xbf 1 0xbf). A malformed event gives one "tak_client: ..." line on stderr and is skipped.
 * "ready PORT" goes to stderr once listening (PORT 0 picks a free port: read it there).
 *
 * usage: tak_client --udp PORT | --tcp PORT [--version 0|1] [--count N] [--timeout S]
 * Exits 0 after N events (default 1), 1 when S seconds (default 10) pass first, 2 on bad usage. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "triwatch/cot.h"
#include "triwatch/error.h"
#include "triwatch/tak.h"

#define MAX_CONN 8
#define BUF_BYTES (2 * TW_COT_MAX_BYTES + 16)

typedef struct conn {
  int fd;       /* -1: slot free */
  uint8_t *buf; /* unparsed bytes of the stream */
  size_t len;
} conn;

static int g_version;
static long g_printed;

static int64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void print_event(const tw_cot_event *e)
{
  char t[48];
  if (tw_time_format(t, sizeof t, e->time_ns, 3, 0, 1) < 0)
    snprintf(t, sizeof t, "?");
  json_t *o = json_pack("{s:s, s:s, s:s, s:f, s:f, s:s, s:s}", "uid", e->uid, "type", e->type,
                        "time", t, "lat", e->lat_deg, "lon", e->lon_deg, "access", e->access,
                        "how", e->how);
  char *z = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12)) : NULL;
  if (z) {
    printf("%s\n", z);
    fflush(stdout);
    g_printed++;
  } else {
    fprintf(stderr, "tak_client: event %s cannot be printed as JSON\n", e->uid);
  }
  free(z);
  json_decref(o);
}

static void decode_xml(const uint8_t *z, size_t n, const char *from)
{
  tw_cot_event e;
  char err[256] = "";
  int rc = tw_cot_read(&e, (const char *)z, n, err, sizeof err);
  if (rc < 0)
    fprintf(stderr, "tak_client: %s: bad CoT XML (%s): %s\n", from, tw_err_name(rc), err);
  else
    print_event(&e);
}

/* Position just after the first "</event>" in z[0..n), or 0 when there is none. */
static size_t end_of_event(const uint8_t *z, size_t n)
{
  static const char tok[] = "</event>";
  const size_t k = sizeof tok - 1;
  for (size_t i = 0; i + k <= n; i++)
    if (z[i] == '<' && memcmp(z + i, tok, k) == 0)
      return i + k;
  return 0;
}

/* Take whole events from the front of c->buf; keep a partial one for later. */
static void parse_stream(conn *c)
{
  size_t used = 0;
  for (;;) {
    const uint8_t *p = c->buf + used;
    size_t n = c->len - used;
    if (n == 0)
      break;
    if (g_version == 0) {
      size_t end = end_of_event(p, n);
      if (!end) {
        if (n >= TW_COT_MAX_BYTES) {
          fprintf(stderr, "tak_client: tcp: no </event> within %zu bytes: discarded\n", n);
          used = c->len;
        }
        break;
      }
      decode_xml(p, end, "tcp");
      used += end;
      continue;
    }
    /* v1: 0xbf, varint length, payload */
    if (p[0] != TW_TAK_MAGIC) {
      size_t skip = 1;
      while (skip < n && p[skip] != TW_TAK_MAGIC)
        skip++;
      fprintf(stderr, "tak_client: tcp: %zu bytes without the 0xbf magic: skipped\n", skip);
      used += skip;
      continue;
    }
    uint64_t len = 0;
    size_t i = 1;
    int shift = 0, whole = 0;
    for (; i < n && i <= 10; i++, shift += 7) {
      len |= (uint64_t)(p[i] & 0x7f) << shift;
      if (!(p[i] & 0x80)) {
        whole = 1;
        i++;
        break;
      }
    }
    if (!whole && i <= 10)
      break; /* the varint goes on in bytes not read yet */
    if (!whole || len > TW_TAK_MAX_PAYLOAD) {
      fprintf(stderr, "tak_client: tcp: bad frame length: skipping the magic byte\n");
      used += 1;
      continue;
    }
    if (n - i < len)
      break;
    tw_cot_event e;
    int rc = tw_tak_decode(&e, p + i, (size_t)len);
    if (rc < 0)
      fprintf(stderr, "tak_client: tcp: bad TakMessage of %zu bytes: %s\n", (size_t)len,
              tw_err_name(rc));
    else
      print_event(&e);
    used += i + (size_t)len;
  }
  memmove(c->buf, c->buf + used, c->len - used);
  c->len -= used;
}

static void on_datagram(const uint8_t *z, size_t n)
{
  if (g_version == 0) {
    decode_xml(z, n, "udp");
    return;
  }
  tw_cot_event e;
  int rc = tw_tak_parse_mesh(&e, z, n);
  if (rc < 0)
    fprintf(stderr, "tak_client: udp: bad mesh datagram of %zu bytes: %s\n", n, tw_err_name(rc));
  else
    print_event(&e);
}

static int usage(void)
{
  fprintf(stderr,
          "usage: tak_client --udp PORT | --tcp PORT [--version 0|1] [--count N] [--timeout S]\n");
  return 2;
}

int main(int argc, char **argv)
{
  int udp = -1, port = -1;
  long count = 1;
  double timeout_s = 10;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!v)
      return usage();
    if (!strcmp(a, "--udp") || !strcmp(a, "--tcp")) {
      udp = a[2] == 'u';
      port = atoi(v);
    } else if (!strcmp(a, "--version")) {
      g_version = atoi(v);
    } else if (!strcmp(a, "--count")) {
      count = atol(v);
    } else if (!strcmp(a, "--timeout")) {
      timeout_s = atof(v);
    } else {
      return usage();
    }
    i++;
  }
  if (udp < 0 || port < 0 || port > 65535 || (g_version != 0 && g_version != 1) || count < 1 ||
      !(timeout_s > 0))
    return usage();

  int one = 1, lfd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
  struct sockaddr_in a;
  socklen_t alen = sizeof a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* loopback only, always */
  if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      bind(lfd, (struct sockaddr *)&a, sizeof a) < 0 || (!udp && listen(lfd, MAX_CONN) < 0) ||
      getsockname(lfd, (struct sockaddr *)&a, &alen) < 0) {
    fprintf(stderr, "tak_client: cannot listen on 127.0.0.1:%d: %s\n", port, strerror(errno));
    return 1;
  }
  fprintf(stderr, "ready %d\n", ntohs(a.sin_port));

  static uint8_t dgram[65536];
  conn cs[MAX_CONN];
  for (int i = 0; i < MAX_CONN; i++)
    cs[i] = (conn){-1, NULL, 0};
  int64_t deadline = now_ms() + (int64_t)(timeout_s * 1000);
  while (g_printed < count) {
    struct pollfd p[1 + MAX_CONN];
    int np = 0, idx[1 + MAX_CONN];
    p[np] = (struct pollfd){lfd, POLLIN, 0};
    idx[np++] = -1;
    for (int i = 0; i < MAX_CONN; i++)
      if (cs[i].fd >= 0) {
        p[np] = (struct pollfd){cs[i].fd, POLLIN, 0};
        idx[np++] = i;
      }
    int64_t left = deadline - now_ms();
    if (left <= 0) {
      fprintf(stderr, "tak_client: timeout: %ld of %ld events\n", g_printed, count);
      return 1;
    }
    if (poll(p, (nfds_t)np, left > 100 ? 100 : (int)left) <= 0)
      continue;
    if (p[0].revents & POLLIN) {
      if (udp) {
        ssize_t n = recv(lfd, dgram, sizeof dgram, 0);
        if (n >= 0)
          on_datagram(dgram, (size_t)n);
      } else {
        int fd = accept(lfd, NULL, NULL), slot = -1;
        for (int i = 0; i < MAX_CONN && fd >= 0 && slot < 0; i++)
          if (cs[i].fd < 0)
            slot = i;
        if (fd >= 0 && slot >= 0 && (cs[slot].buf = malloc(BUF_BYTES))) {
          cs[slot].fd = fd;
          cs[slot].len = 0;
        } else if (fd >= 0) {
          fprintf(stderr, "tak_client: too many connections: one refused\n");
          close(fd);
        }
      }
    }
    for (int k = 1; k < np; k++) {
      conn *c = &cs[idx[k]];
      if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      ssize_t n = recv(c->fd, c->buf + c->len, BUF_BYTES - c->len, 0);
      if (n > 0) {
        c->len += (size_t)n;
        parse_stream(c);
        continue;
      }
      if (n < 0 && errno == EINTR)
        continue;
      if (c->len)
        fprintf(stderr, "tak_client: tcp: connection closed inside an event (%zu bytes)\n", c->len);
      close(c->fd);
      free(c->buf);
      *c = (conn){-1, NULL, 0};
    }
  }
  for (int i = 0; i < MAX_CONN; i++)
    if (cs[i].fd >= 0) {
      close(cs[i].fd);
      free(cs[i].buf);
    }
  close(lfd);
  return 0;
}
