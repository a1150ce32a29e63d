/* test_web.c - the node's HTTP server (triwatch/web.h) spoken to over real sockets on 127.0.0.1:
 * static files with their types and the security headers, every refusal of docs/web-api.md
 * ("Security") with its status, the handler's pass-through, and the SSE stream: the kept state
 * first, events in order, a client that never reads dropped at its bound, stop with clients
 * connected. tw_web_check_request is also tested alone with a table. */
#define _XOPEN_SOURCE 700 /* mkdtemp */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "triwatch/error.h"
#include "triwatch/web.h"

#define TOKEN "s3cret-Token_42"
#define OUTSIDE_SECRET "OUTSIDE-SECRET-CONTENT"
#define INDEX_HTML "<!doctype html><title>triwatch</title>\n"
#define APP_JS "console.log('triwatch');\n"

static char g_root[64], g_outside[64];

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void sleep_ms(int ms)
{
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
  nanosleep(&ts, NULL);
}

static void write_file(const char *dir, const char *name, const char *text)
{
  char path[256];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

/* The web root: the page, a subdirectory, a hidden file, a file of an unlisted type, a link to
 * a file inside the root and one to a file outside it. */
static int make_root(void **state)
{
  char path[256], target[256];
  (void)state;
  strcpy(g_root, "/tmp/tw_web_root_XXXXXX");
  strcpy(g_outside, "/tmp/tw_web_out_XXXXXX");
  if (!mkdtemp(g_root) || !mkdtemp(g_outside))
    return -1;
  write_file(g_root, "index.html", INDEX_HTML);
  write_file(g_root, "app.js", APP_JS);
  write_file(g_root, "style.css", "body{}\n");
  write_file(g_root, "areas.geojson", "{}\n");
  write_file(g_root, "notes.bin", "binary\n");
  write_file(g_root, ".hidden.txt", "hidden\n");
  snprintf(path, sizeof path, "%s/vendor", g_root);
  mkdir(path, 0755);
  write_file(path, "lib.js", "var lib;\n");
  write_file(g_outside, "secret.txt", OUTSIDE_SECRET "\n");
  snprintf(target, sizeof target, "%s/secret.txt", g_outside);
  snprintf(path, sizeof path, "%s/leak.txt", g_root);
  if (symlink(target, path) != 0)
    return -1;
  snprintf(path, sizeof path, "%s/passwd.txt", g_root);
  if (symlink("/etc/passwd", path) != 0)
    return -1;
  snprintf(path, sizeof path, "%s/alias.html", g_root);
  if (symlink("index.html", path) != 0)
    return -1;
  return 0;
}

static int remove_root(void **state)
{
  char cmd[200];
  (void)state;
  snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", g_root, g_outside);
  return system(cmd) == 0 ? 0 : -1;
}

/* The dynamic content of the tests. */
static int handler(void *ctx, const char *path, char **body, size_t *len, const char **type)
{
  const char *text = NULL;
  int status = 200;
  (void)ctx;
  if (strcmp(path, "/api/state") == 0) {
    text = "{\"node\":\"JPN\"}";
    *type = "application/json";
  } else if (strcmp(path, "/alerts.atom") == 0) {
    text = "<feed xmlns=\"http://www.w3.org/2005/Atom\"/>";
    *type = "application/atom+xml";
  } else if (strcmp(path, "/cap/triwatch-JPN-0007.xml") == 0) {
    text = "<alert/>";
    *type = "application/cap+xml";
  } else if (strcmp(path, "/api/teapot") == 0) {
    return 418;
  } else if (strcmp(path, "/api/broken") == 0) {
    return 7;
  } else {
    return 404;
  }
  *body = strdup(text);
  *len = strlen(text);
  return status;
}

static tw_web *start(const char *token, size_t queue_bytes, int max_clients)
{
  tw_web_config cfg = {0};
  tw_web *w = NULL;
  char err[200] = "";
  cfg.root = g_root;
  cfg.token = token;
  cfg.sse_client_queue_bytes = queue_bytes;
  cfg.sse_max_clients = max_clients;
  int rc = tw_web_start(&w, &cfg, handler, NULL, err, sizeof err);
  if (rc != 0)
    fail_msg("tw_web_start: %d %s", rc, err);
  assert_true(tw_web_port(w) > 0);
  return w;
}

static int connect_to(int port)
{
  struct sockaddr_in sa;
  struct timeval tv = {10, 0};
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
  return fd;
}

static void send_all(int fd, const char *p, size_t n)
{
  while (n > 0) {
    ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
    if (k <= 0)
      return; /* the server may close early on an oversize request: its answer is what counts */
    p += k;
    n -= (size_t)k;
  }
}

typedef struct {
  int status;
  char head[8192];
  char *body;
  size_t body_len;
  char raw[65536];
  size_t n;
} reply;

/* Send a raw request and read the reply until the server closes (requests say Connection:
 * close). status -1 when nothing came. */
static void exchange(int port, const char *req, size_t req_len, reply *r)
{
  int fd = connect_to(port);
  memset(r, 0, sizeof *r);
  r->status = -1;
  send_all(fd, req, req_len);
  for (;;) {
    ssize_t k = recv(fd, r->raw + r->n, sizeof r->raw - 1 - r->n, 0);
    if (k <= 0)
      break;
    r->n += (size_t)k;
    if (r->n == sizeof r->raw - 1)
      break;
  }
  close(fd);
  r->raw[r->n] = '\0';
  char *end = strstr(r->raw, "\r\n\r\n");
  if (!end || sscanf(r->raw, "HTTP/1.%*d %d", &r->status) != 1)
    return;
  size_t nh = (size_t)(end - r->raw) + 2;
  if (nh >= sizeof r->head)
    nh = sizeof r->head - 1;
  memcpy(r->head, r->raw, nh);
  r->head[nh] = '\0';
  r->body = end + 4;
  r->body_len = r->n - (size_t)(r->body - r->raw);
}

/* A request from method, target and extra header lines (each ending in CRLF). */
static void request(int port, const char *method, const char *target, const char *extra,
                    reply *r)
{
  size_t cap = strlen(method) + strlen(target) + (extra ? strlen(extra) : 0) + 100;
  char *req = malloc(cap);
  int n = snprintf(req, cap,
                   "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n%s\r\n", method,
                   target, port, extra ? extra : "");
  assert_true(n > 0 && (size_t)n < cap);
  exchange(port, req, (size_t)n, r);
  free(req);
}

/* The value of header name in r (case-insensitive name), or NULL; copied to a static buffer. */
static const char *header(const reply *r, const char *name)
{
  static char value[512];
  size_t nn = strlen(name);
  for (const char *p = strstr(r->head, "\r\n"); p; p = strstr(p + 2, "\r\n")) {
    if (strncasecmp(p + 2, name, nn) == 0 && p[2 + nn] == ':') {
      const char *v = p + 3 + nn, *e;
      while (*v == ' ')
        v++;
      e = strstr(v, "\r\n");
      size_t k = e ? (size_t)(e - v) : strlen(v);
      if (k >= sizeof value)
        k = sizeof value - 1;
      memcpy(value, v, k);
      value[k] = '\0';
      return value;
    }
  }
  return NULL;
}

static void assert_security_headers(const reply *r)
{
  const char *v;
  assert_non_null(v = header(r, "Cache-Control"));
  assert_string_equal(v, "no-store");
  assert_non_null(v = header(r, "X-Content-Type-Options"));
  assert_string_equal(v, "nosniff");
  assert_non_null(v = header(r, "Content-Security-Policy"));
  assert_string_equal(v, "default-src 'self'");
}

static void assert_status(const reply *r, int want)
{
  if (r->status != want)
    fail_msg("status %d, want %d; reply:\n%.400s", r->status, want, r->raw);
}

/* ---- static files -------------------------------------------------------------------------- */

static void test_static(void **state)
{
  (void)state;
  tw_web *w = start(NULL, 0, 0);
  int port = tw_web_port(w);
  reply *r = malloc(sizeof *r);
  static const struct {
    const char *path, *type, *body;
  } files[] = {
      {"/app.js", "text/javascript; charset=utf-8", APP_JS},
      {"/", "text/html; charset=utf-8", INDEX_HTML},
      {"/index.html", "text/html; charset=utf-8", INDEX_HTML},
      {"/alias.html", "text/html; charset=utf-8", INDEX_HTML}, /* a link inside the root */
      {"/style.css", "text/css; charset=utf-8", "body{}\n"},
      {"/areas.geojson", "application/geo+json", "{}\n"},
      {"/vendor/lib.js", "text/javascript; charset=utf-8", "var lib;\n"},
      {"/vendor//./lib.js?v=3", "text/javascript; charset=utf-8", "var lib;\n"},
      {"/%61pp.js", "text/javascript; charset=utf-8", APP_JS},
  };
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    request(port, "GET", files[i].path, NULL, r);
    assert_status(r, 200);
    assert_string_equal(header(r, "Content-Type"), files[i].type);
    assert_security_headers(r);
    assert_int_equal(r->body_len, strlen(files[i].body));
    assert_memory_equal(r->body, files[i].body, r->body_len);
  }
  /* HEAD: the same headers, no body */
  request(port, "HEAD", "/", NULL, r);
  assert_status(r, 200);
  assert_security_headers(r);
  assert_int_equal(atoi(header(r, "Content-Length")), (int)strlen(INDEX_HTML));
  assert_int_equal(r->body_len, 0);
  /* unknown, hidden, unlisted type, directory: 404 with the headers and a one-line body */
  const char *missing[] = {"/nope.html", "/.hidden.txt", "/notes.bin", "/vendor/", "/vendor",
                           "/api", "/leak.txt", "/passwd.txt"};
  for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
    request(port, "GET", missing[i], NULL, r);
    assert_status(r, 404);
    assert_security_headers(r);
    assert_string_equal(header(r, "Content-Type"), "text/plain; charset=utf-8");
    assert_non_null(strstr(r->body, "404 Not Found"));
    assert_null(strstr(r->body, OUTSIDE_SECRET));
    assert_null(strstr(r->body, "root:"));
  }
  tw_web_stats st;
  tw_web_get_stats(w, &st);
  assert_true(st.requests >= 18);
  assert_int_equal(st.st_404, 8);
  free(r);
  tw_web_stop(w);
}

static void test_traversal(void **state)
{
  (void)state;
  tw_web *w = start(NULL, 0, 0);
  int port = tw_web_port(w);
  reply *r = malloc(sizeof *r);
  const char *targets[] = {
      "/../etc/passwd", "/%2e%2e/etc/passwd", "/%2E%2E/%2e%2e/etc/passwd", "/%2e%2e/",
      "/a/..%2f..%2fetc/passwd", "/a/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/index.html%00.txt",
      "/%00", "/..\\..\\etc\\passwd", "/%5c..%5cetc%5cpasswd", "/vendor/../../etc/passwd",
      "/./../etc/passwd", "//etc/passwd", "/etc/passwd", "/leak.txt", "/passwd.txt",
      "/..", "/vendor/..", "/%252e%252e/etc/passwd", "/%zz", "/%2", "/.%2e/etc/passwd",
  };
  for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
    request(port, "GET", targets[i], NULL, r);
    if (r->status != 400 && r->status != 404)
      fail_msg("%s: status %d, want 400 or 404", targets[i], r->status);
    assert_null(strstr(r->raw, OUTSIDE_SECRET));
    assert_null(strstr(r->raw, "root:"));
    if (header(r, "Content-Security-Policy") == NULL)
      printf("  %s: %d without our headers (libmicrohttpd's own answer)\n", targets[i],
             r->status);
  }
  /* what each one gets: the doc's 400s come from our check */
  request(port, "GET", "/%2e%2e/etc/passwd", NULL, r);
  assert_status(r, 400);
  assert_security_headers(r);
  assert_non_null(strstr(r->body, "'..' segment"));
  request(port, "GET", "/a/..%2f..%2fetc/passwd", NULL, r);
  assert_status(r, 400);
  assert_non_null(strstr(r->body, "encoded '/'"));
  request(port, "GET", "/index.html%00.txt", NULL, r);
  assert_status(r, 400);
  assert_non_null(strstr(r->body, "encoded NUL"));
  request(port, "GET", "/%5c..%5cetc", NULL, r);
  assert_status(r, 400);
  request(port, "GET", "/leak.txt", NULL, r);
  assert_status(r, 404);
  free(r);
  tw_web_stop(w);
}

/* ---- refusals -------------------------------------------------------------------------------- */

static void test_host(void **state)
{
  (void)state;
  tw_web *w = start(NULL, 0, 0);
  int port = tw_web_port(w);
  reply *r = malloc(sizeof *r);
  char req[512];
  const char *hosts[] = {"evil.example", "evil.example:%d", "127.0.0.1", "127.0.0.1:1",
                         "127.0.0.2:%d", "localhost.:%d", "[::2]:%d", "0.0.0.0:%d"};
  for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
    char host[64];
    snprintf(host, sizeof host, hosts[i], port);
    int n = snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
                     host);
    exchange(port, req, (size_t)n, r);
    assert_status(r, 421);
    assert_security_headers(r);
    assert_null(strstr(r->body, "doctype"));
  }
  const char *good[] = {"localhost:%d", "LocalHost:%d", "[::1]:%d", "127.0.0.1:%d"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    char host[64];
    snprintf(host, sizeof host, good[i], port);
    int n = snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
                     host);
    exchange(port, req, (size_t)n, r);
    assert_status(r, 200);
  }
  /* HTTP/1.0 without Host: 421 too */
  exchange(port, "GET / HTTP/1.0\r\n\r\n", 18, r);
  assert_status(r, 421);
  free(r);
  tw_web_stop(w);
}

static void test_token(void **state)
{
  (void)state;
  tw_web *w = start(TOKEN, 0, 0);
  int port = tw_web_port(w);
  reply *r = malloc(sizeof *r);
  request(port, "GET", "/api/state", NULL, r);
  assert_status(r, 401);
  assert_security_headers(r);
  assert_string_equal(header(r, "WWW-Authenticate"), "Bearer");
  request(port, "GET", "/api/state", "Authorization: Bearer wrong\r\n", r);
  assert_status(r, 401);
  request(port, "GET", "/alerts.atom", "Authorization: Bearer " TOKEN "x\r\n", r);
  assert_status(r, 401);
  request(port, "GET", "/cap/triwatch-JPN-0007.xml", "Authorization: Basic " TOKEN "\r\n", r);
  assert_status(r, 401);
  request(port, "GET", "/api/state?token=" TOKEN, NULL, r); /* query only on /api/events */
  assert_status(r, 401);
  /* the page's own files are public: a browser loads them before it can send a header */
  request(port, "GET", "/", NULL, r);
  assert_status(r, 200);
  assert_memory_equal(r->body, INDEX_HTML, strlen(INDEX_HTML));
  request(port, "GET", "/api/state", "Authorization: bearer  " TOKEN "\r\n", r);
  assert_status(r, 200);
  /* EventSource cannot set headers: ?token= on /api/events (the stream stays open: read the
   * head only) */
  int fd = connect_to(port);
  char req[256], buf[2048];
  int n = snprintf(req, sizeof req,
                   "GET /api/events?x=1&token=%s HTTP/1.1\r\nHost: localhost:%d\r\n\r\n", TOKEN,
                   port);
  send_all(fd, req, (size_t)n);
  ssize_t k = recv(fd, buf, sizeof buf - 1, 0);
  assert_true(k > 12);
  buf[k] = '\0';
  assert_non_null(strstr(buf, "HTTP/1.1 200"));
  assert_non_null(strstr(buf, "Content-Type: text/event-stream"));
  close(fd);
  request(port, "GET", "/api/events?token=nope", NULL, r);
  assert_status(r, 401);
  tw_web_stats st;
  tw_web_get_stats(w, &st);
  assert_int_equal(st.st_401, 6);
  free(r);
  tw_web_stop(w);
}

static void test_method_and_sizes(void **state)
{
  (void)state;
  tw_web *w = start(NULL, 0, 0);
  int port = tw_web_port(w);
  reply *r = malloc(sizeof *r);
  request(port, "POST", "/api/state", "Content-Length: 5\r\n", r);
  assert_status(r, 405);
  assert_security_headers(r);
  assert_string_equal(header(r, "Allow"), "GET, HEAD");
  request(port, "PUT", "/index.html", "Content-Length: 0\r\n", r);
  assert_status(r, 405);
  request(port, "DELETE", "/index.html", NULL, r);
  assert_status(r, 405);
  request(port, "OPTIONS", "/", NULL, r);
  assert_status(r, 405);

  /* a 2 KiB path: 414 from our check */
  char *path = malloc(2100);
  path[0] = '/';
  memset(path + 1, 'a', 2047);
  strcpy(path + 2048, ".html");
  request(port, "GET", path, NULL, r);
  assert_status(r, 414);
  assert_security_headers(r);
  free(path);

  /* 10 KiB of headers: over the doc's 8 KiB, within libmicrohttpd's memory: our 431 */
  char *hdrs = malloc(70 * 1024);
  hdrs[0] = '\0';
  for (int i = 0; i < 10; i++)
    sprintf(hdrs + strlen(hdrs), "X-Pad-%d: %01000d\r\n", i, 0);
  request(port, "GET", "/", hdrs, r);
  assert_status(r, 431);
  assert_security_headers(r);

  /* 64 KiB of headers: libmicrohttpd's own limit answers (431, without our headers: it never
   * reaches the server) and the server still answers afterwards */
  char *req = malloc(80 * 1024);
  int n = snprintf(req, 80 * 1024, "GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n", port);
  for (int i = 0; i < 64; i++)
    n += snprintf(req + n, 80 * 1024 - (size_t)n, "X-Pad-%02d: %01013d\r\n", i, 0);
  n += snprintf(req + n, 80 * 1024 - (size_t)n, "\r\n");
  exchange(port, req, (size_t)n, r);
  printf("  64 KiB of headers: status %d\n", r->status);
  assert_status(r, 431);
  request(port, "GET", "/", NULL, r);
  assert_status(r, 200);
  free(req);
  free(hdrs);
  free(r);
  tw_web_stop(w);
}

static void test_handler(void **state)
{
  (void)state;
  tw_web *w = start(NULL, 0, 0);
  int port = tw_web_port(w);
  reply *r = malloc(sizeof *r);
  request(port, "GET", "/api/state?ignored=1", NULL, r);
  assert_status(r, 200);
  assert_security_headers(r);
  assert_string_equal(header(r, "Content-Type"), "application/json");
  assert_memory_equal(r->body, "{\"node\":\"JPN\"}", r->body_len);
  request(port, "HEAD", "/api/state", NULL, r);
  assert_status(r, 200);
  assert_int_equal(r->body_len, 0);
  request(port, "GET", "/alerts.atom", NULL, r);
  assert_status(r, 200);
  assert_string_equal(header(r, "Content-Type"), "application/atom+xml");
  request(port, "GET", "/cap/triwatch-JPN-0007.xml", NULL, r);
  assert_status(r, 200);
  assert_string_equal(header(r, "Content-Type"), "application/cap+xml");
  request(port, "GET", "/api/nothing", NULL, r);
  assert_status(r, 404);
  assert_security_headers(r);
  request(port, "GET", "/cap/none.xml", NULL, r);
  assert_status(r, 404);
  request(port, "GET", "/api/teapot", NULL, r);
  assert_status(r, 418);
  request(port, "GET", "/api/broken", NULL, r);
  assert_status(r, 500);
  free(r);
  tw_web_stop(w);
}

/* ---- SSE ------------------------------------------------------------------------------ */

static void wait_clients(tw_web *w, int n)
{
  tw_web_stats st;
  double t0 = now_s();
  for (;;) {
    tw_web_get_stats(w, &st);
    if (st.sse_clients == n)
      return;
    if (now_s() - t0 > 5)
      fail_msg("%d SSE clients, want %d", st.sse_clients, n);
    sleep_ms(2);
  }
}

static int open_events(int port)
{
  char req[256];
  int fd = connect_to(port);
  int n = snprintf(req, sizeof req, "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n",
                   port);
  send_all(fd, req, (size_t)n);
  return fd;
}

/* Read the stream until it holds want events ("event: " lines); the text from the first event
 * on goes to out (chunk framing is removed roughly: lines that are hex sizes are skipped). */
static void read_events(int fd, int want, char *out, size_t cap)
{
  char buf[8192];
  size_t n = 0;
  double t0 = now_s();
  out[0] = '\0';
  for (;;) {
    int count = 0;
    for (const char *p = out; (p = strstr(p, "event: ")); p++)
      count++;
    if (count >= want)
      return;
    if (now_s() - t0 > 5)
      fail_msg("got %d events of %d:\n%s", count, want, out);
    ssize_t k = recv(fd, buf, sizeof buf - 1, 0);
    assert_true(k > 0);
    buf[k] = '\0';
    /* keep only "event:" and "data:" lines */
    for (char *line = strtok(buf, "\r\n"); line; line = strtok(NULL, "\r\n"))
      if (strncmp(line, "event: ", 7) == 0 || strncmp(line, "data: ", 6) == 0) {
        size_t len = strlen(line);
        assert_true(n + len + 2 < cap);
        memcpy(out + n, line, len);
        out[n + len] = '\n';
        n += len + 1;
        out[n] = '\0';
      }
  }
}

static void test_sse_order(void **state)
{
  (void)state;
  tw_web *w = start(NULL, 0, 0);
  int port = tw_web_port(w);
  char text[4096];
  assert_int_equal(tw_web_publish(w, "state", "{\"t_s\":1}", 9), 0);
  assert_int_equal(tw_web_publish(w, "state", "{\"t_s\":2}", 9), 0); /* the last one is kept */
  assert_int_equal(tw_web_publish(w, "timeline", "before", 6), 0);   /* not kept */
  int fd = open_events(port);
  wait_clients(w, 1);
  assert_int_equal(tw_web_publish(w, "timeline", "{\"t_s\":3,\"text\":\"a\"}", 20), 1);
  assert_int_equal(tw_web_publish(w, "timeline", "{\"t_s\":4,\"text\":\"b\"}", 20), 1);
  assert_int_equal(tw_web_publish(w, "state", "{\"t_s\":5}", 9), 1);
  read_events(fd, 4, text, sizeof text);
  assert_string_equal(text, "event: state\ndata: {\"t_s\":2}\n"
                            "event: timeline\ndata: {\"t_s\":3,\"text\":\"a\"}\n"
                            "event: timeline\ndata: {\"t_s\":4,\"text\":\"b\"}\n"
                            "event: state\ndata: {\"t_s\":5}\n");
  /* a second client starts from the latest state */
  int fd2 = open_events(port);
  wait_clients(w, 2);
  read_events(fd2, 1, text, sizeof text);
  assert_string_equal(text, "event: state\ndata: {\"t_s\":5}\n");
  /* refused events */
  assert_int_equal(tw_web_publish(w, "state", "a\nb", 3), TW_EINVAL);
  assert_int_equal(tw_web_publish(w, "state", "a\rb", 3), TW_EINVAL);
  assert_int_equal(tw_web_publish(w, "state", "a\0b", 3), TW_EINVAL);
  assert_int_equal(tw_web_publish(w, "bad name", "x", 1), TW_EINVAL);
  assert_int_equal(tw_web_publish(w, "", "x", 1), TW_EINVAL);
  assert_int_equal(tw_web_publish(NULL, "state", "x", 1), TW_EINVAL);
  close(fd);
  close(fd2);
  /* closed clients leave once the server notices (at the next write) */
  double t0 = now_s();
  tw_web_stats st;
  do {
    tw_web_publish(w, "timeline", "tick", 4);
    sleep_ms(10);
    tw_web_get_stats(w, &st);
  } while (st.sse_clients > 0 && now_s() - t0 < 5);
  assert_int_equal(st.sse_clients, 0);
  assert_int_equal(st.sse_queued_bytes, 0);
  tw_web_stop(w);
}

static void test_sse_limit(void **state)
{
  (void)state;
  tw_web *w = start(NULL, 0, 2);
  int port = tw_web_port(w);
  reply *r = malloc(sizeof *r);
  int a = open_events(port), b = open_events(port);
  wait_clients(w, 2);
  request(port, "GET", "/api/events", NULL, r);
  assert_status(r, 503);
  assert_security_headers(r);
  close(a);
  close(b);
  free(r);
  tw_web_stop(w);
}

/* A client that never reads: its queue reaches the bound, it is dropped and its connection
 * closed; the bytes queued never exceed the bound; a reading client beside it gets everything. */
static void test_sse_slow_client(void **state)
{
  (void)state;
  const size_t bound = 256 * 1024;
  tw_web *w = start(NULL, bound, 0);
  int port = tw_web_port(w);
  int rcvbuf = 4096;
  int slow = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa;
  char *data = malloc(32 * 1024);
  tw_web_stats st;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  setsockopt(slow, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  assert_int_equal(connect(slow, (struct sockaddr *)&sa, sizeof sa), 0);
  char req[256];
  int n = snprintf(req, sizeof req, "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n",
                   port);
  send_all(slow, req, (size_t)n);
  wait_clients(w, 1);
  memset(data, 'x', 32 * 1024);
  /* 1,000 events of 32 KiB = 32 MiB offered to a client that reads nothing */
  size_t peak = 0;
  for (int i = 0; i < 1000; i++) {
    tw_web_publish(w, "state", data, 32 * 1024);
    tw_web_get_stats(w, &st);
    if (st.sse_queued_bytes > peak)
      peak = st.sse_queued_bytes;
    assert_true(st.sse_queued_bytes <= bound);
  }
  tw_web_get_stats(w, &st);
  printf("  slow client: dropped %llu, peak queued %zu bytes (bound %zu)\n",
         (unsigned long long)st.sse_dropped, st.sse_queued_peak_bytes, bound);
  assert_int_equal(st.sse_dropped, 1);
  assert_true(st.sse_queued_peak_bytes <= bound);
  /* its connection is closed: reading it now ends (after what the kernel had buffered) */
  double t0 = now_s();
  for (;;) {
    char buf[65536];
    ssize_t k = recv(slow, buf, sizeof buf, 0);
    if (k <= 0)
      break;
    assert_true(now_s() - t0 < 5);
  }
  wait_clients(w, 0);
  tw_web_get_stats(w, &st);
  assert_int_equal(st.sse_queued_bytes, 0);
  close(slow);
  free(data);
  tw_web_stop(w);
}

static void test_stop_with_clients(void **state)
{
  (void)state;
  tw_web *w = start(NULL, 64 * 1024 * 1024, 0);
  int port = tw_web_port(w);
  int fds[4];
  char *data = malloc(64 * 1024);
  memset(data, 'y', 64 * 1024);
  for (int i = 0; i < 4; i++)
    fds[i] = open_events(port);
  wait_clients(w, 4);
  /* some queued bytes waiting on clients that do not read */
  for (int i = 0; i < 64; i++)
    tw_web_publish(w, "state", data, 64 * 1024);
  double t0 = now_s();
  tw_web_stop(w);
  double dt = now_s() - t0;
  printf("  stop with 4 SSE clients: %.3f s\n", dt);
  assert_true(dt < 1.0);
  for (int i = 0; i < 4; i++)
    close(fds[i]);
  free(data);
}

static void test_start_errors(void **state)
{
  (void)state;
  tw_web_config cfg = {0};
  tw_web *w = (tw_web *)0x1;
  char err[200];
  cfg.bind_addr = "10.1.2.3"; /* never bound: refused before any socket */
  assert_int_equal(tw_web_start(&w, &cfg, NULL, NULL, err, sizeof err), TW_EINVAL);
  assert_non_null(strstr(err, "token"));
  assert_ptr_equal(w, (tw_web *)0x1);
  cfg.bind_addr = "localhost";
  assert_int_equal(tw_web_start(&w, &cfg, NULL, NULL, err, sizeof err), TW_EINVAL);
  cfg.bind_addr = NULL;
  cfg.port = 70000;
  assert_int_equal(tw_web_start(&w, &cfg, NULL, NULL, err, sizeof err), TW_EINVAL);
  cfg.port = 0;
  cfg.token = "has space";
  assert_int_equal(tw_web_start(&w, &cfg, NULL, NULL, err, sizeof err), TW_EINVAL);
  cfg.token = NULL;
  cfg.root = "/nonexistent/triwatch/web";
  assert_int_equal(tw_web_start(&w, &cfg, NULL, NULL, err, sizeof err), TW_EINVAL);
  assert_non_null(strstr(err, "/nonexistent"));
  assert_int_equal(tw_web_start(NULL, &cfg, NULL, NULL, err, sizeof err), TW_EINVAL);
  /* the port taken: TW_EIO */
  cfg.root = NULL;
  tw_web *a = NULL;
  assert_int_equal(tw_web_start(&a, &cfg, NULL, NULL, err, sizeof err), 0);
  cfg.port = tw_web_port(a);
  assert_int_equal(tw_web_start(&w, &cfg, NULL, NULL, err, sizeof err), TW_EIO);
  /* without root or handler everything is 404 */
  reply *r = malloc(sizeof *r);
  request(tw_web_port(a), "GET", "/", NULL, r);
  assert_status(r, 404);
  request(tw_web_port(a), "GET", "/api/state", NULL, r);
  assert_status(r, 404);
  free(r);
  tw_web_stop(a);
  tw_web_stop(NULL);
  assert_int_equal(tw_web_port(NULL), -1);
}

/* ---- tw_web_check_request alone ------------------------------------------------------- */

static void test_check_table(void **state)
{
  (void)state;
  static const struct {
    const char *method, *url, *host, *auth;
    size_t header_bytes;
    int token; /* 1: the config has TOKEN */
    int want;
    const char *path; /* on 0 */
  } cases[] = {
      {"GET", "/", "127.0.0.1:8080", NULL, 100, 0, 0, "/"},
      {"HEAD", "/index.html", "localhost:8080", NULL, 100, 0, 0, "/index.html"},
      {"GET", "/a//b/./c/", "[::1]:8080", NULL, 100, 0, 0, "/a/b/c/"},
      {"GET", "/a/.", "[::1]:8080", NULL, 100, 0, 0, "/a/"},
      {"GET", "/%41%62?x=%2e%2e/", "127.0.0.1:8080", NULL, 100, 0, 0, "/Ab"},
      {"GET", "/node-a", "NODE-A:8080", NULL, 100, 0, 0, "/node-a"}, /* extra_host */
      {"GET", "/", "node-a", NULL, 100, 0, 421, NULL},               /* port 80 implied */
      {"GET", "/", "127.0.0.1:8080", NULL, 8192, 0, 0, "/"},
      {"GET", "/", "127.0.0.1:8080", NULL, 8193, 0, 431, NULL},
      {"GET", "/", NULL, NULL, 100, 0, 421, NULL},
      {"GET", "/", "", NULL, 100, 0, 421, NULL},
      {"GET", "/", "127.0.0.1:08080", NULL, 100, 0, 0, "/"},
      {"GET", "/", "127.0.0.1:80800", NULL, 100, 0, 421, NULL},
      {"GET", "/", "127.0.0.1:", NULL, 100, 0, 421, NULL},
      {"GET", "/", "127.0.0.1:8080 ", NULL, 100, 0, 421, NULL},
      {"GET", "/", "[::1]", NULL, 100, 0, 421, NULL},
      {"GET", "/", "[::1", NULL, 100, 0, 421, NULL},
      {"GET", "/", "[::1]x:8080", NULL, 100, 0, 421, NULL},
      {"GET", "/", "attacker.example:8080", NULL, 100, 0, 421, NULL},
      {"GET", "/../x", "127.0.0.1:8080", NULL, 100, 0, 400, NULL},
      {"GET", "/..", "127.0.0.1:8080", NULL, 100, 0, 400, NULL},
      {"GET", "/%2E%2e/x", "127.0.0.1:8080", NULL, 100, 0, 400, NULL},
      {"GET", "/a%2fb", "127.0.0.1:8080", NULL, 100, 0, 400, NULL},
      {"GET", "/a%2Fb", "127.0.0.1:8080", NULL, 100, 0, 400, NULL},
      {"GET", "/a%00b", "127.0.0.1:8080", NULL, 100, 0, 400, NULL},
      {"GET", "/a\\b", "127.0.0.1:8080", NULL, 100, 0, 400, NULL},
      {"GET", "/a%5Cb", "127.0.0.1:8080", NULL, 100, 0, 400, NULL},
      {"GET", "/a%0ab", "127.0.0.1:8080", NULL, 100, 0, 400, NULL},
      {"GET", "/a%g0", "127.0.0.1:8080", NULL, 100, 0, 400, NULL},
      {"GET", "/a%4", "127.0.0.1:8080", NULL, 100, 0, 400, NULL},
      {"GET", "/a%", "127.0.0.1:8080", NULL, 100, 0, 400, NULL},
      {"GET", "a", "127.0.0.1:8080", NULL, 100, 0, 400, NULL},
      {"GET", "", "127.0.0.1:8080", NULL, 100, 0, 400, NULL},
      {"GET", "http://127.0.0.1:8080/", "127.0.0.1:8080", NULL, 100, 0, 400, NULL},
      {"GET", "*", "127.0.0.1:8080", NULL, 100, 0, 400, NULL},
      {"GET", "/...", "127.0.0.1:8080", NULL, 100, 0, 0, "/..."},
      {"GET", "/..a/a..", "127.0.0.1:8080", NULL, 100, 0, 0, "/..a/a.."},
      {"POST", "/", "127.0.0.1:8080", NULL, 100, 0, 405, NULL},
      {"get", "/", "127.0.0.1:8080", NULL, 100, 0, 405, NULL},
      {"OPTIONS", "/", "127.0.0.1:8080", NULL, 100, 0, 405, NULL},
      {NULL, "/", "127.0.0.1:8080", NULL, 100, 0, 400, NULL},
      {"GET", NULL, "127.0.0.1:8080", NULL, 100, 0, 400, NULL},
      {"GET", "/", "127.0.0.1:8080", NULL, 100, 1, 0, "/"}, /* the page is public */
      {"GET", "/app.js", "127.0.0.1:8080", NULL, 100, 1, 0, "/app.js"},
      {"GET", "/api/state", "127.0.0.1:8080", NULL, 100, 1, 401, NULL},
      {"GET", "/alerts.atom", "127.0.0.1:8080", NULL, 100, 1, 401, NULL},
      {"GET", "/cap/x.xml", "127.0.0.1:8080", NULL, 100, 1, 401, NULL},
      {"GET", "/api/state", "127.0.0.1:8080", "Bearer " TOKEN, 100, 1, 0, "/api/state"},
      {"GET", "/api/state", "127.0.0.1:8080", "  BEARER   " TOKEN "  ", 100, 1, 0, "/api/state"},
      {"GET", "/api/state", "127.0.0.1:8080", "Bearer " TOKEN "!", 100, 1, 401, NULL},
      {"GET", "/api/state", "127.0.0.1:8080", "Bearer s3cret", 100, 1, 401, NULL},
      {"GET", "/api/state", "127.0.0.1:8080", "Bearer", 100, 1, 401, NULL},
      {"GET", "/api/state", "127.0.0.1:8080", "Bearer" TOKEN, 100, 1, 401, NULL},
      {"GET", "/api/state", "127.0.0.1:8080", "Basic " TOKEN, 100, 1, 401, NULL},
      {"GET", "/api/state", "127.0.0.1:8080", TOKEN, 100, 1, 401, NULL},
      {"GET", "/api/events?token=" TOKEN, "127.0.0.1:8080", NULL, 100, 1, 0, "/api/events"},
      {"GET", "/api/events?a=b&token=s3cret%2DToken_42", "127.0.0.1:8080", NULL, 100, 1, 0,
       "/api/events"},
      {"GET", "/api/events?token=" TOKEN "x", "127.0.0.1:8080", NULL, 100, 1, 401, NULL},
      {"GET", "/api/events?token=%zz", "127.0.0.1:8080", NULL, 100, 1, 401, NULL},
      {"GET", "/api/events?xtoken=" TOKEN, "127.0.0.1:8080", NULL, 100, 1, 401, NULL},
      {"GET", "/api/state?token=" TOKEN, "127.0.0.1:8080", NULL, 100, 1, 401, NULL},
      {"GET", "/api/./events?token=" TOKEN, "127.0.0.1:8080", NULL, 100, 1, 0, "/api/events"},
      {"POST", "/api/state", "127.0.0.1:8080", NULL, 100, 1, 401, NULL}, /* who before what */
      {"POST", "/", "127.0.0.1:8080", NULL, 100, 1, 405, NULL}, /* the public page: what */
      {"POST", "/", "evil:8080", NULL, 100, 1, 421, NULL},
      {"GET", "/../x", "evil:8080", NULL, 100, 0, 421, NULL},
      {"GET", "/../x", "127.0.0.1:8080", NULL, 9000, 0, 431, NULL},
  };
  tw_web_config cfg = {0};
  char path[TW_WEB_PATH_MAX + 1];
  cfg.extra_host = "node-a";
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    cfg.token = cases[i].token ? TOKEN : NULL;
    memset(path, 'Z', sizeof path);
    int rc = tw_web_check_request(&cfg, 8080, cases[i].method, cases[i].url, cases[i].host,
                                  cases[i].auth, cases[i].header_bytes, path, sizeof path);
    if (rc != cases[i].want)
      fail_msg("case %zu (%s %s Host %s): %d, want %d", i, cases[i].method, cases[i].url,
               cases[i].host, rc, cases[i].want);
    if (rc == 0)
      assert_string_equal(path, cases[i].path);
    else
      assert_string_equal(path, "");
  }
  /* path lengths: 1,024 bytes pass, 1,025 are 414; a short output buffer is 414 */
  char *url = malloc(1100);
  url[0] = '/';
  memset(url + 1, 'p', 1023);
  url[1024] = '\0';
  assert_int_equal(tw_web_check_request(NULL, 80, "GET", url, "localhost", NULL, 0, path,
                                        sizeof path), 0);
  assert_int_equal(strlen(path), 1024);
  strcpy(url + 1024, "q?token=x");
  assert_int_equal(tw_web_check_request(NULL, 80, "GET", url, "localhost", NULL, 0, path,
                                        sizeof path), 414);
  assert_int_equal(tw_web_check_request(NULL, 80, "GET", "/abc", "localhost", NULL, 0, path, 4),
                   414);
  assert_int_equal(tw_web_check_request(NULL, 80, "GET", "/abc", "localhost", NULL, 0, path, 5),
                   0);
  assert_int_equal(tw_web_check_request(NULL, 80, "GET", "/abc", "localhost", NULL, 0, NULL, 0),
                   414);
  /* extra_host with its own port */
  cfg.token = NULL;
  cfg.extra_host = "node-a:9000";
  assert_int_equal(tw_web_check_request(&cfg, 8080, "GET", "/", "node-a:9000", NULL, 0, path,
                                        sizeof path), 0);
  assert_int_equal(tw_web_check_request(&cfg, 8080, "GET", "/", "node-a:8080", NULL, 0, path,
                                        sizeof path), 421);
  free(url);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_check_table),
      cmocka_unit_test(test_start_errors),
      cmocka_unit_test(test_static),
      cmocka_unit_test(test_traversal),
      cmocka_unit_test(test_host),
      cmocka_unit_test(test_token),
      cmocka_unit_test(test_method_and_sizes),
      cmocka_unit_test(test_handler),
      cmocka_unit_test(test_sse_order),
      cmocka_unit_test(test_sse_limit),
      cmocka_unit_test(test_sse_slow_client),
      cmocka_unit_test(test_stop_with_clients),
  };
  return cmocka_run_group_tests(tests, make_root, remove_root);
}
