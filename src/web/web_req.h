/* web_req.h - the pure parts of the web server (no sockets, no libmicrohttpd): the request
 * checks of tw_web_check_request with the reason of a refusal, the routing of a normalised path,
 * and the mapping of a static path to a file name and MIME type. web_req.c implements them; the
 * fuzz target (fuzz/fuzz_web.c) is built from it alone. */
#ifndef TW_WEB_REQ_H
#define TW_WEB_REQ_H

#include <stddef.h>

#include "triwatch/web.h"

/* What serves a normalised path. */
enum tw__web_route {
  TW__WEB_STATIC = 0,  /* a file under the root */
  TW__WEB_HANDLER = 1, /* the handler: /api/... (not /api/events), /alerts.atom, /cap/... */
  TW__WEB_EVENTS = 2   /* /api/events, the SSE stream */
};

/* tw_web_check_request, and on a refusal *why (when why is not NULL) points to a static one-line
 * reason without status or newline ("Host must be ..."); on success *why is "". */
int tw__web_check(const tw_web_config *cfg, int port, const char *method, const char *url,
                  const char *host, const char *auth, size_t header_bytes, char *path_out,
                  size_t path_n, const char **why);

/* The route of a normalised path (as written by tw__web_check). */
enum tw__web_route tw__web_route_of(const char *path);

/* The file a static path names, relative to the root ("/" is "index.html"), written to rel
 * (NUL-terminated), and its MIME type from the extension allowlist (.html .js .css .json
 * .geojson .svg .png .ico .map .txt, case-insensitive) in *mime. Returns 0, or 404 for a path
 * that ends in '/' (other than "/"), has a segment starting with '.', has no allowed extension
 * or does not fit in n bytes; rel and *mime are then unchanged. */
int tw__web_static_name(const char *path, char *rel, size_t n, const char **mime);

/* 1 when a and b (a of na bytes, b NUL-terminated) are equal, else 0; the time taken depends on
 * na and strlen(b) only, never on where they differ. */
int tw__web_token_equal(const char *a, size_t na, const char *b);

/* 1 when path (normalised) is the node's data, which a configured token guards: /api/...,
 * /alerts.atom, /cap/...; 0 for the page's static files. */
int tw__web_is_data(const char *path);

#endif
