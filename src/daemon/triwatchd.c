/* triwatchd.c - the node daemon: one nation's node, from its configuration file, until its
 * scenario ends or it is told to stop (SIGINT, SIGTERM). Everything it does is in the library
 * (triwatch/node.h); this file only reads arguments and wires signals. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "triwatch/error.h"
#include "triwatch/node.h"

#ifndef TW_SOURCE_DIR
#define TW_SOURCE_DIR "."
#endif
#ifndef TW_WEB_ROOT
#define TW_WEB_ROOT "web"
#endif

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
  (void)sig;
  g_stop = 1;
}

/* data/NAME in the working directory, else in the source tree; NULL if neither exists. */
static const char *default_path(const char *name)
{
  static char buf[2][4096];
  static int k;
  struct stat st;
  char *b = buf[k++ % 2];
  snprintf(b, sizeof buf[0], "data/%s", name);
  if (stat(b, &st) == 0)
    return b;
  snprintf(b, sizeof buf[0], "%s/data/%s", TW_SOURCE_DIR, name);
  return stat(b, &st) == 0 ? b : NULL;
}

static int usage(FILE *f, int rc)
{
  fprintf(f, "usage: triwatchd --config FILE [--start-at NS] [--duration S] [--http-port P]\n"
             "                 [--web-root DIR] [--http-token-file F] [--areas F] [--eez F]\n"
             "                 [--tak udp|tcp:PORT[:v1]]... [--hold S]\n\n"
             "Runs one nation's node from FILE (docs/node-config.md). --start-at is the wall\n"
             "clock (nanoseconds since the Unix epoch) at which scenario time 0 plays, so that\n"
             "several nodes share one clock (default: 3 s from now). --duration bounds the run\n"
             "in scenario seconds (default: until the last impact plus 30 s). The timeline goes\n"
             "to standard output, one event a line: <scenario s>\\t<NATION>\\t<text>.\n\n"
             "Warnings: the areas (default data/areas.json) and approximate EEZs (data/eez.json)\n"
             "the node warns for; 'none' turns them off. Web picture and API (docs/web-api.md):\n"
             "on the config's http address, or --http-port (0: any free port), files from\n"
             "--web-root (default the build's web/), optional bearer token read from a file.\n"
             "--tak sends CoT events to a TAK client on 127.0.0.1 (protocol v0 XML, or v1).\n"
             "--hold keeps the web picture up S wall seconds after the scenario ends.\n");
  return rc;
}

int main(int argc, char **argv)
{
  const char *cfg_path = NULL, *token_file = NULL;
  tw_time_ns start = 0;
  tw_node_outputs outs;
  memset(&outs, 0, sizeof outs);
  outs.http_port = -1;
  outs.areas_path = default_path("areas.json");
  outs.eez_path = default_path("eez.json");
  struct stat st;
  outs.web_root = stat(TW_WEB_ROOT, &st) == 0 ? TW_WEB_ROOT : NULL;
  double duration = 0.0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    char *end = NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h"))
      return usage(stdout, 0);
    if (!v) {
      fprintf(stderr, "triwatchd: %s needs a value\n", a);
      return 2;
    }
    i++;
    if (!strcmp(a, "--config")) {
      cfg_path = v;
    } else if (!strcmp(a, "--start-at")) {
      long long s = strtoll(v, &end, 10);
      if (!*v || *end || s <= 0) {
        fprintf(stderr, "triwatchd: --start-at expects nanoseconds since the Unix epoch; got '%s'\n", v);
        return 2;
      }
      start = (tw_time_ns)s;
    } else if (!strcmp(a, "--duration")) {
      duration = strtod(v, &end);
      if (!*v || *end || !(duration > 0.0 && duration < 1e6)) {
        fprintf(stderr, "triwatchd: --duration expects seconds in (0, 1e6); got '%s'\n", v);
        return 2;
      }
    } else if (!strcmp(a, "--http-port")) {
      long p = strtol(v, &end, 10);
      if (!*v || *end || p < 0 || p > 65535) {
        fprintf(stderr, "triwatchd: --http-port expects 0..65535; got '%s'\n", v);
        return 2;
      }
      outs.http_port = (int)p;
    } else if (!strcmp(a, "--hold")) {
      outs.hold_s = strtod(v, &end);
      if (!*v || *end || !(outs.hold_s >= 0.0 && outs.hold_s <= 86400.0)) {
        fprintf(stderr, "triwatchd: --hold expects wall seconds in [0, 86400]; got '%s'\n", v);
        return 2;
      }
    } else if (!strcmp(a, "--web-root")) {
      outs.web_root = v;
    } else if (!strcmp(a, "--http-token-file")) {
      token_file = v;
    } else if (!strcmp(a, "--areas") || !strcmp(a, "--eez")) {
      const char *path = strcmp(v, "none") ? v : NULL;
      if (!strcmp(a, "--areas"))
        outs.areas_path = path;
      else
        outs.eez_path = path;
    } else if (!strcmp(a, "--tak")) {
      char proto[8] = "";
      int port = 0, ver = 0, k = 0;
      if (outs.n_tak >= TW_NODE_MAX_TAK ||
          sscanf(v, "%7[a-z]:%d%n", proto, &port, &k) < 2 || (strcmp(proto, "udp") && strcmp(proto, "tcp")) ||
          port < 1 || port > 65535 || (v[k] && strcmp(v + k, ":v1") && strcmp(v + k, ":v0"))) {
        fprintf(stderr, "triwatchd: --tak expects udp:PORT or tcp:PORT, optionally :v1 (at most "
                "%d); got '%s'\n", TW_NODE_MAX_TAK, v);
        return 2;
      }
      ver = !strcmp(v + k, ":v1");
      outs.tak[outs.n_tak].tcp = !strcmp(proto, "tcp");
      outs.tak[outs.n_tak].port = port;
      outs.tak[outs.n_tak].version = ver;
      outs.n_tak++;
    } else {
      fprintf(stderr, "triwatchd: unknown option '%s' (see --help)\n", a);
      return 2;
    }
  }
  if (!cfg_path) {
    fprintf(stderr, "triwatchd: --config FILE is required (see --help)\n");
    return 2;
  }
  static tw_nodecfg cfg;
  char err[1024];
  if (tw_nodecfg_load(&cfg, cfg_path, err, sizeof err) < 0) {
    fprintf(stderr, "triwatchd: %s\n", err);
    return 2;
  }
  static char token[256];
  if (token_file) {
    FILE *tf = fopen(token_file, "r");
    if (!tf || !fgets(token, sizeof token, tf)) {
      fprintf(stderr, "triwatchd: --http-token-file %s: cannot read a token\n", token_file);
      if (tf)
        fclose(tf);
      return 2;
    }
    fclose(tf);
    token[strcspn(token, "\r\n")] = '\0';
    outs.http_token = token;
  }
  if (!start)
    start = tw_time_now() + 3 * TW_NS_PER_S;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  tw_node *node = tw_node_open_with(&cfg, &outs, start, duration, stdout, err, sizeof err);
  if (!node) {
    fprintf(stderr, "triwatchd: %s\n", err);
    return 1;
  }
  int rc = tw_node_run(node, &g_stop);
  tw_node_close(node);
  if (rc < 0) {
    fprintf(stderr, "triwatchd: %s: %s\n", cfg.nation, tw_strerror(rc));
    return 1;
  }
  return 0;
}
