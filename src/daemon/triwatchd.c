/* triwatchd.c - the node daemon: one nation's node, from its configuration file, until its
 * scenario ends or it is told to stop (SIGINT, SIGTERM). Everything it does is in the library
 * (triwatch/node.h); this file only reads arguments and wires signals. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triwatch/error.h"
#include "triwatch/node.h"

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
  (void)sig;
  g_stop = 1;
}

static int usage(FILE *f, int rc)
{
  fprintf(f, "usage: triwatchd --config FILE [--start-at NS] [--duration S]\n\n"
             "Runs one nation's node from FILE (docs/node-config.md). --start-at is the wall\n"
             "clock (nanoseconds since the Unix epoch) at which scenario time 0 plays, so that\n"
             "several nodes share one clock (default: 3 s from now). --duration bounds the run\n"
             "in scenario seconds (default: until the last impact plus 30 s). The timeline goes\n"
             "to standard output, one event a line: <scenario s>\\t<NATION>\\t<text>.\n");
  return rc;
}

int main(int argc, char **argv)
{
  const char *cfg_path = NULL;
  tw_time_ns start = 0;
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
  if (!start)
    start = tw_time_now() + 3 * TW_NS_PER_S;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  tw_node *node = tw_node_open(&cfg, start, duration, stdout, err, sizeof err);
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
