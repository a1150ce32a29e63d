/* fuzz_web.c - libFuzzer target for the web server's request checks (tw_web_check_request) and
 * static file names (web_req.c).
 *
 * The input is a request head as text: "METHOD URL" on the first line, then "Host: ..." and
 * "Authorization: ..." lines in any order (a header that is absent is NULL); the total size
 * stands for the header bytes. Each input is checked twice, without and with a token, and the
 * target aborts on a broken promise: the result is 0 or one of 400, 401, 405, 414, 421, 431;
 * path_out is "" on a refusal; an accepted path starts with '/', fits TW_WEB_PATH_MAX, has no
 * "..", "/./" or "//", no '\', no control character; checking the accepted path again accepts
 * it unchanged (when it has no '%' or '?'); and a static name made from it is relative, without
 * ".." or hidden segments.
 * Built as the real fuzzer with clang -DTW_FUZZ=ON, and always as fuzz_web_replay
 * (replay_main.c), which ctest runs over the corpus. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triwatch/web.h"
#include "web/web_req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *what, const char *path)
{
  fprintf(stderr, "fuzz_web: broken promise: %s (path \"%s\")\n", what, path ? path : "");
  abort();
}

/* A malloc'd copy of s[0..n) (a NUL inside ends the string early, as in a C caller). */
static char *dup_n(const char *s, size_t n)
{
  char *p = malloc(n + 1);
  if (!p)
    abort();
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

static void check_path(const char *path)
{
  size_t n = strlen(path);
  if (path[0] != '/' || n > TW_WEB_PATH_MAX)
    broken("accepted path does not start with '/' or is too long", path);
  if (strstr(path, "//") || strstr(path, "/./") || strchr(path, '\\'))
    broken("accepted path not normalised", path);
  for (const char *p = path; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      broken("control character in accepted path", path);
  for (const char *p = path; (p = strstr(p, "/..")); p++)
    if (p[3] == '/' || p[3] == '\0')
      broken("'..' segment in accepted path", path);
  if (n >= 2 && strcmp(path + n - 2, "/.") == 0)
    broken("trailing '.' segment in accepted path", path);
}

static void check_static(const char *path)
{
  char rel[TW_WEB_PATH_MAX + 16];
  const char *mime = NULL;
  if (tw__web_static_name(path, rel, sizeof rel, &mime) != 0)
    return;
  if (!mime || rel[0] == '/' || rel[0] == '.' || strstr(rel, "/.") || strchr(rel, '\\'))
    broken("static name not relative, hidden or untyped", rel);
}

static void run(const tw_web_config *cfg, const char *method, const char *url, const char *host,
                const char *auth, size_t header_bytes)
{
  char path[TW_WEB_PATH_MAX + 1], again[TW_WEB_PATH_MAX + 1];
  memset(path, 'Z', sizeof path);
  int rc = tw_web_check_request(cfg, 8080, method, url, host, auth, header_bytes, path,
                                sizeof path);
  switch (rc) {
  case 0: break;
  case 400: case 401: case 405: case 414: case 421: case 431:
    if (path[0] != '\0')
      broken("path_out not empty on a refusal", path);
    return;
  default:
    broken("undocumented status", NULL);
  }
  if (!memchr(path, '\0', sizeof path))
    broken("path_out not terminated", NULL);
  check_path(path);
  /* normalising is idempotent: an accepted path without '%' or '?' (a decoded "%25" would be
   * decoded again, a decoded "%3f" would start a query) passes again, unchanged, with the token
   * as a header */
  char bearer[300];
  snprintf(bearer, sizeof bearer, "Bearer %s", cfg->token ? cfg->token : "");
  if (!strchr(path, '%') && !strchr(path, '?') &&
      (tw_web_check_request(cfg, 8080, "GET", path, "localhost:8080", bearer, 0, again,
                            sizeof again) != 0 || strcmp(path, again) != 0))
    broken("accepted path does not pass again unchanged", path);
  (void)tw__web_route_of(path);
  check_static(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *s = (const char *)data, *end = s + size;
  const char *line_end = memchr(s, '\n', size);
  const char *l1_end = line_end ? line_end : end;
  char *method = NULL, *url = NULL, *host = NULL, *auth = NULL;
  const char *sp = memchr(s, ' ', (size_t)(l1_end - s));
  if (sp) {
    method = dup_n(s, (size_t)(sp - s));
    url = dup_n(sp + 1, (size_t)(l1_end - sp - 1));
  } else {
    method = dup_n(s, (size_t)(l1_end - s));
  }
  for (const char *p = line_end ? line_end + 1 : end; p < end;) {
    const char *e = memchr(p, '\n', (size_t)(end - p));
    if (!e)
      e = end;
    size_t n = (size_t)(e - p);
    if (n >= 6 && strncmp(p, "Host: ", 6) == 0 && !host)
      host = dup_n(p + 6, n - 6);
    else if (n >= 15 && strncmp(p, "Authorization: ", 15) == 0 && !auth)
      auth = dup_n(p + 15, n - 15);
    p = e + 1;
  }
  tw_web_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.extra_host = "node-a.example";
  run(&cfg, method, url, host, auth, size);
  cfg.token = "s3cret-Token_42";
  run(&cfg, method, url, host, auth, size);
  /* the static names of a raw, unnormalised URL: no promise but no crash */
  if (url) {
    char rel[64];
    const char *mime;
    (void)tw__web_static_name(url, rel, sizeof rel, &mime);
  }
  free(method);
  free(url);
  free(host);
  free(auth);
  return 0;
}
