/* web_req.c - the request checks, routing and static file names of the web server (web_req.h):
 * pure functions of their arguments, the first thing every request meets. */
#include "web/web_req.h"

#include <string.h>

#include "triwatch/web.h"

static int lower(int c)
{
  return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int eq_nocase(const char *a, size_t na, const char *b)
{
  size_t nb = strlen(b);
  if (na != nb)
    return 0;
  for (size_t i = 0; i < na; i++)
    if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
      return 0;
  return 1;
}

static int hexval(int c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

int tw__web_token_equal(const char *a, size_t na, const char *b)
{
  size_t nb = strlen(b);
  volatile unsigned diff = na != nb;
  if (nb == 0)
    return na == 0;
  for (size_t i = 0; i < na; i++)
    diff |= (unsigned char)a[i] ^ (unsigned char)b[i % nb];
  return diff == 0;
}

/* Split "name[:port]" or "[v6][:port]" into the name *name of *nname bytes (brackets kept) and
 * *port, the port or -1 when absent. 0, or -1 when the form is wrong (empty name, bad port). */
static int split_host(const char *s, const char **name, size_t *nname, long *port)
{
  const char *colon;
  if (s[0] == '[') {
    const char *end = strchr(s, ']');
    if (!end)
      return -1;
    colon = end[1] == ':' ? end + 1 : NULL;
    if (!colon && end[1] != '\0')
      return -1;
  } else {
    colon = strchr(s, ':');
  }
  *name = s;
  *nname = colon ? (size_t)(colon - s) : strlen(s);
  *port = -1;
  if (*nname == 0)
    return -1;
  if (colon) {
    const char *p = colon + 1;
    long v = 0;
    if (!*p || strlen(p) > 5)
      return -1;
    for (; *p; p++) {
      if (*p < '0' || *p > '9')
        return -1;
      v = v * 10 + (*p - '0');
    }
    *port = v;
  }
  return 0;
}

static int host_ok(const tw_web_config *cfg, int port, const char *host)
{
  static const char *const names[] = {"127.0.0.1", "localhost", "[::1]"};
  const char *name;
  size_t nname;
  long hport;
  if (!host || split_host(host, &name, &nname, &hport) != 0)
    return 0;
  int port_ok = hport == port || (hport < 0 && port == 80);
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (port_ok && eq_nocase(name, nname, names[i]))
      return 1;
  if (cfg && cfg->extra_host && *cfg->extra_host) {
    const char *xname;
    size_t nx;
    long xport;
    if (split_host(cfg->extra_host, &xname, &nx, &xport) != 0)
      return 0;
    if (nx != nname)
      return 0;
    for (size_t i = 0; i < nx; i++)
      if (lower((unsigned char)xname[i]) != lower((unsigned char)name[i]))
        return 0;
    if (xport >= 0) /* the extra name was given with its port: that port */
      return hport == xport || (hport < 0 && xport == 80);
    return port_ok;
  }
  return 0;
}

/* Percent-decode and normalise the path part raw[0..n) into out (at most outn bytes with NUL).
 * 0, 400 (*why set) or 414 (no room). */
static int normalise(const char *raw, size_t n, char *out, size_t outn, const char **why)
{
  /* Decoded segment boundaries are found on the raw '/' only: an encoded '/' is refused. */
  size_t o = 0, i = 0;
  if (n == 0 || raw[0] != '/') {
    *why = "the path must start with '/'";
    return 400;
  }
  if (outn < 2)
    return 414;
  out[o++] = '/';
  while (i < n) {
    while (i < n && raw[i] == '/')
      i++;
    if (i >= n)
      break;
    size_t seg = o;
    while (i < n && raw[i] != '/') {
      int c = (unsigned char)raw[i];
      if (c == '%') {
        int hi = i + 2 < n ? hexval((unsigned char)raw[i + 1]) : -1;
        int lo = i + 2 < n ? hexval((unsigned char)raw[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
          *why = "bad percent-encoding in the path";
          return 400;
        }
        c = hi * 16 + lo;
        i += 3;
        if (c == 0) {
          *why = "encoded NUL in the path";
          return 400;
        }
        if (c == '/') {
          *why = "encoded '/' in the path";
          return 400;
        }
      } else {
        i++;
      }
      if (c == '\\') {
        *why = "backslash in the path";
        return 400;
      }
      if (c < 0x20 || c == 0x7f) {
        *why = "control character in the path";
        return 400;
      }
      if (o + 1 >= outn)
        return 414;
      out[o++] = (char)c;
    }
    size_t len = o - seg;
    if (len == 2 && out[seg] == '.' && out[seg + 1] == '.') {
      *why = "'..' segment in the path";
      return 400;
    }
    if (len == 1 && out[seg] == '.') {
      o = seg; /* "." names the directory it is in: dropped */
      continue;
    }
    if (i < n) { /* a raw '/' follows: separator or trailing slash */
      if (o + 1 >= outn)
        return 414;
      out[o++] = '/';
    }
  }
  /* "/a/." leaves "/a/"; "/a//" leaves "/a/": both name the directory, which is what they meant. */
  out[o] = '\0';
  return 0;
}

/* The node's data (the API, the Atom feed, CAP messages) is what a token guards; the page's own
 * files are public code, and a browser could not send the header to load them anyway. */
int tw__web_is_data(const char *path)
{
  return strncmp(path, "/api/", 5) == 0 || strcmp(path, "/alerts.atom") == 0 ||
         strncmp(path, "/cap/", 5) == 0;
}

/* The value of the first "token=" parameter of query q[0..n), decoded, compared to want. */
static int query_token_ok(const char *q, size_t n, const char *want)
{
  char val[512];
  size_t i = 0;
  while (i < n) {
    size_t end = i;
    while (end < n && q[end] != '&')
      end++;
    if (end - i >= 6 && memcmp(q + i, "token=", 6) == 0) {
      size_t v = 0;
      for (size_t k = i + 6; k < end; k++) {
        int c = (unsigned char)q[k];
        if (c == '%') {
          int hi = k + 2 < end ? hexval((unsigned char)q[k + 1]) : -1;
          int lo = k + 2 < end ? hexval((unsigned char)q[k + 2]) : -1;
          if (hi < 0 || lo < 0)
            return 0;
          c = hi * 16 + lo;
          k += 2;
        } else if (c == '+') {
          c = ' ';
        }
        if (v >= sizeof val)
          return 0;
        val[v++] = (char)c;
      }
      return tw__web_token_equal(val, v, want);
    }
    i = end + 1;
  }
  return 0;
}

static int bearer_ok(const char *auth, const char *want)
{
  size_t n;
  if (!auth)
    return 0;
  while (*auth == ' ' || *auth == '\t')
    auth++;
  if (!eq_nocase(auth, 6, "bearer") || (auth[6] != ' ' && auth[6] != '\t'))
    return 0;
  auth += 6;
  while (*auth == ' ' || *auth == '\t')
    auth++;
  n = strlen(auth);
  while (n > 0 && (auth[n - 1] == ' ' || auth[n - 1] == '\t'))
    n--;
  return tw__web_token_equal(auth, n, want);
}

int tw__web_check(const tw_web_config *cfg, int port, const char *method, const char *url,
                  const char *host, const char *auth, size_t header_bytes, char *path_out,
                  size_t path_n, const char **why)
{
  const char *dummy;
  int rc;
  if (!why)
    why = &dummy;
  *why = "";
  if (path_out && path_n > 0)
    path_out[0] = '\0';
  if (header_bytes > TW_WEB_HEADER_MAX) {
    *why = "request headers larger than 8 KiB";
    return 431;
  }
  if (!host_ok(cfg, port, host)) {
    *why = "Host must be 127.0.0.1:PORT, localhost:PORT or [::1]:PORT";
    return 421;
  }
  if (!method || !url) {
    *why = "no method or no URL";
    return 400;
  }
  const char *q = strchr(url, '?');
  size_t n = q ? (size_t)(q - url) : strlen(url);
  if (n > TW_WEB_PATH_MAX) {
    *why = "path longer than 1024 bytes";
    return 414;
  }
  if (!path_out || path_n == 0) {
    *why = "path longer than the output buffer";
    return 414;
  }
  rc = normalise(url, n, path_out, path_n, why);
  if (rc == 414)
    *why = "path longer than the output buffer";
  if (rc != 0) {
    path_out[0] = '\0';
    return rc;
  }
  const char *token = cfg ? cfg->token : NULL;
  if (token && *token && tw__web_is_data(path_out)) {
    int ok = bearer_ok(auth, token);
    if (!ok && q && strcmp(path_out, "/api/events") == 0)
      ok = query_token_ok(q + 1, strlen(q + 1), token);
    if (!ok) {
      path_out[0] = '\0';
      *why = auth ? "wrong bearer token" : "a bearer token is required";
      return 401;
    }
  }
  if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
    path_out[0] = '\0';
    *why = "only GET and HEAD are allowed";
    return 405;
  }
  return 0;
}

int tw_web_check_request(const tw_web_config *cfg, int port, const char *method, const char *url,
                         const char *host, const char *auth, size_t header_bytes, char *path_out,
                         size_t path_n)
{
  return tw__web_check(cfg, port, method, url, host, auth, header_bytes, path_out, path_n, NULL);
}

enum tw__web_route tw__web_route_of(const char *path)
{
  if (strcmp(path, "/api/events") == 0)
    return TW__WEB_EVENTS;
  if (strncmp(path, "/api/", 5) == 0 || strcmp(path, "/alerts.atom") == 0 ||
      strncmp(path, "/cap/", 5) == 0)
    return TW__WEB_HANDLER;
  return TW__WEB_STATIC;
}

int tw__web_static_name(const char *path, char *rel, size_t n, const char **mime)
{
  static const struct {
    const char *ext, *mime;
  } types[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".geojson", "application/geo+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".map", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
  };
  const char *name = strcmp(path, "/") == 0 ? "/index.html" : path;
  size_t len = strlen(name);
  if (name[0] != '/' || name[len - 1] == '/' || strstr(name, "/.") || len > n)
    return 404;
  const char *dot = strrchr(name, '.');
  if (!dot || strchr(dot, '/'))
    return 404;
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
    if (eq_nocase(dot, strlen(dot), types[i].ext)) {
      memcpy(rel, name + 1, len); /* without the '/', with the NUL */
      *mime = types[i].mime;
      return 0;
    }
  }
  return 404;
}
