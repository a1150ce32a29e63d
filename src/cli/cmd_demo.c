/* cmd_demo.c - `triwatch demo`: three national nodes (three triwatchd processes) on loopback with
 * DDS Security on, playing one scenario on a shared clock; their timelines merged into one, and
 * each node's recording left in DIR/<NATION>.db. `--offline` runs the one-process version. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "triwatch/error.h"
#include "triwatch/pki.h"
#include "triwatch/time.h"

#ifndef TW_SOURCE_DIR
#define TW_SOURCE_DIR "."
#endif

static const char g_demo_help[] =
  "usage: triwatch demo [--scenario NAME|FILE] [--speed X] [--duration S] [--data DIR]\n"
  "                     [--domain N] [--http-port-base P] [--hold S] [--headless] [--offline]\n"
  "\n"
  "Starts three nodes - USA, JPN, KOR, three triwatchd processes - on 127.0.0.1 with DDS\n"
  "Security on (a development PKI is made in DIR/pki), plays the scenario on a shared clock\n"
  "(default the 2022-10-04 Hwasong-12 over Aomori, at 20x real time) and prints one merged\n"
  "timeline: who saw what when, what was shared and relayed, the fused picture, predictions.\n"
  "Each node's recording is left in DIR/<NATION>.db (default DIR: out/demo); read it with\n"
  "'triwatch records DIR/JPN.db'; their diagnostics in DIR/<NATION>.log.\n"
  "Each node serves its own live picture on 127.0.0.1: USA on port P, JPN P+1, KOR P+2\n"
  "(--http-port-base, default 8081); the URLs are printed first: open one in a browser.\n"
  "--hold S keeps the nodes (and their pictures) up S wall seconds after the scenario ends.\n"
  "--headless: no web pictures.\n"
  "--offline: the same flight in one process without the bus (timeline, sensors, sharing).\n";

#define N_NODES 3
static const char *const g_nations[N_NODES] = {"USA", "JPN", "KOR"};

typedef struct line {
  double t;
  int node;
  char text[512];
} line;

typedef struct child {
  pid_t pid;
  int fd;
  char buf[8192];
  size_t used;
  double last_t;
  int done;
} child;

static volatile sig_atomic_t g_interrupted;
static void on_int(int sig)
{
  (void)sig;
  g_interrupted = 1;
}

/* The directory this executable lives in (to find triwatchd beside it). */
static void exe_dir(char *buf, size_t n)
{
  ssize_t k = readlink("/proc/self/exe", buf, n - 1);
  if (k <= 0) {
    snprintf(buf, n, ".");
    return;
  }
  buf[k] = '\0';
  char *slash = strrchr(buf, '/');
  if (slash)
    *slash = '\0';
}

static int file_exists(const char *p)
{
  struct stat st;
  return stat(p, &st) == 0;
}

/* A scenario by file or by name in data/scenarios (of the working directory, or the source). */
static int find_scenario(char *out, size_t n, const char *arg)
{
  const char *dirs[] = {"data/scenarios", TW_SOURCE_DIR "/data/scenarios"};
  if (strchr(arg, '/') || strstr(arg, ".yaml")) {
    if (!realpath(arg, out))
      return -1;
    return 0;
  }
  for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s.yaml", dirs[i], arg);
    if (file_exists(p) && realpath(p, out))
      return 0;
  }
  (void)n;
  return -1;
}

static int write_config(const char *dir, const char *nation, const char *scenario, double speed,
                        int domain, int http_port)
{
  char path[PATH_MAX + 16], lower[8];
  size_t k = 0;
  for (; nation[k] && k < sizeof lower - 1; k++)
    lower[k] = (char)(nation[k] - 'A' + 'a');
  lower[k] = '\0';
  snprintf(path, sizeof path, "%s/%s.yaml", dir, lower);
  FILE *f = fopen(path, "w");
  if (!f)
    return -1;
  fprintf(f,
          "# written by 'triwatch demo': the %s node of the three-node hub demo on loopback\n"
          "nation: %s\n"
          "domain: %d\n"
          "group: [USA, JPN, KOR]\n"
          "topology: hub\n"
          "hub: USA\n"
          "relay: auto\n"
          "keys: %s/pki\n"
          "data: %s\n"
          "address: 127.0.0.1\n"
          "peers: [127.0.0.1]\n"
          "sensors:\n"
          "  source: simulate\n"
          "  scenario: %s\n"
          "  speed: %g\n",
          nation, nation, domain, dir, dir, scenario, speed);
  if (http_port > 0)
    fprintf(f, "http: 127.0.0.1:%d\n", http_port);
  return fclose(f) == 0 ? 0 : -1;
}

static int spawn(child *c, const char *daemon, const char *cfg, const char *log, tw_time_ns start,
                 double duration, double hold)
{
  int pfd[2];
  if (pipe(pfd) < 0)
    return -1;
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    char s_start[32], s_dur[32], s_hold[32];
    snprintf(s_start, sizeof s_start, "%lld", (long long)start);
    snprintf(s_dur, sizeof s_dur, "%g", duration);
    snprintf(s_hold, sizeof s_hold, "%g", hold);
    char *args[12];
    int k = 0;
    args[k++] = "triwatchd";
    args[k++] = "--config";
    args[k++] = (char *)cfg;
    args[k++] = "--start-at";
    args[k++] = s_start;
    if (duration > 0) {
      args[k++] = "--duration";
      args[k++] = s_dur;
    }
    if (hold > 0) {
      args[k++] = "--hold";
      args[k++] = s_hold;
    }
    args[k] = NULL;
    dup2(pfd[1], STDOUT_FILENO);
    close(pfd[0]);
    close(pfd[1]);
    int lfd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644); /* its diagnostics, and Cyclone's */
    if (lfd >= 0) {
      dup2(lfd, STDERR_FILENO);
      close(lfd);
    }
    execv(daemon, args);
    fprintf(stderr, "triwatch: demo: cannot run %s: %s\n", daemon, strerror(errno));
    _exit(127);
  }
  close(pfd[1]);
  c->pid = pid;
  c->fd = pfd[0];
  c->used = 0;
  c->last_t = -1e9;
  c->done = 0;
  return 0;
}

static int by_t(const void *a, const void *b)
{
  const line *x = a, *y = b;
  if (x->t != y->t)
    return x->t < y->t ? -1 : 1;
  return x->node - y->node;
}

static void print_line(const line *l)
{
  static int marked[N_NODES]; /* '>>' marks each node's first such moment only */
  int highlight = strstr(l->text, "before any") != NULL && !marked[l->node];
  if (highlight)
    marked[l->node] = 1;
  printf("%s T+%6.1f s  %-4s %s\n", highlight ? ">>" : "  ", l->t, g_nations[l->node], l->text);
}

int cmd_demo(int argc, char **argv)
{
  const char *scenario_arg = "hwasong12-2022-10-04", *data = "out/demo";
  double speed = 20.0, duration = 0.0;
  double domain_d = 42.0;
  int domain = 42, headless = 0;
  double port_base = 8081.0, hold = 0.0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(g_demo_help, stdout);
      return TW_EXIT_OK;
    } else if (!strcmp(a, "--offline")) {
      return demo_offline(argc, argv);
    } else if (!strcmp(a, "--headless")) {
      headless = 1;
      continue;
    } else if (!v) {
      return cli_usage("demo: %s needs a value (see 'triwatch demo --help')", a);
    } else if (!strcmp(a, "--scenario")) {
      scenario_arg = v;
    } else if (!strcmp(a, "--data")) {
      data = v;
    } else if (!strcmp(a, "--speed")) {
      if (cli_parse_double(v, &speed) < 0 || !(speed >= 0.1 && speed <= 1000.0))
        return cli_usage("demo: --speed expects a factor in [0.1, 1000]; got '%s'", v);
    } else if (!strcmp(a, "--domain")) {
      if (cli_parse_double(v, &domain_d) < 0 || domain_d != floor(domain_d) ||
          !(domain_d >= 0 && domain_d <= 230))
        return cli_usage("demo: --domain expects a DDS domain id in [0, 230]; got '%s'", v);
      domain = (int)domain_d;
    } else if (!strcmp(a, "--http-port-base")) {
      if (cli_parse_double(v, &port_base) < 0 || port_base != floor(port_base) ||
          !(port_base >= 1024 && port_base <= 65533))
        return cli_usage("demo: --http-port-base expects a port in [1024, 65533]; got '%s'", v);
    } else if (!strcmp(a, "--hold")) {
      if (cli_parse_double(v, &hold) < 0 || !(hold >= 0.0 && hold <= 86400.0))
        return cli_usage("demo: --hold expects wall seconds in [0, 86400]; got '%s'", v);
    } else if (!strcmp(a, "--duration")) {
      if (cli_parse_double(v, &duration) < 0 || !(duration > 0.0 && duration < 1e6))
        return cli_usage("demo: --duration expects scenario seconds in (0, 1e6); got '%s'", v);
    } else {
      return cli_usage("demo: unknown option '%s' (see 'triwatch demo --help')", a);
    }
    i++;
  }
  char scenario[PATH_MAX], dir[PATH_MAX], daemon[PATH_MAX], err[1024];
  if (find_scenario(scenario, sizeof scenario, scenario_arg) < 0)
    return cli_usage("demo: --scenario: no scenario '%s' (a file, or a name in data/scenarios)",
                     scenario_arg);
  char mk[PATH_MAX + 16];
  snprintf(mk, sizeof mk, "%s", data);
  for (char *p = mk + 1; *p; p++)
    if (*p == '/') {
      *p = '\0';
      mkdir(mk, 0777);
      *p = '/';
    }
  if (mkdir(mk, 0777) < 0 && errno != EEXIST) {
    fprintf(stderr, "triwatch: demo: cannot create %s: %s\n", data, strerror(errno));
    return TW_EXIT_FAIL;
  }
  if (!realpath(data, dir)) {
    fprintf(stderr, "triwatch: demo: %s: %s\n", data, strerror(errno));
    return TW_EXIT_FAIL;
  }
  exe_dir(daemon, sizeof daemon);
  strncat(daemon, "/triwatchd", sizeof daemon - strlen(daemon) - 1);
  if (access(daemon, X_OK) != 0) {
    fprintf(stderr, "triwatch: demo: %s is missing (build it: make build)\n", daemon);
    return TW_EXIT_FAIL;
  }

  /* a fresh development PKI (made again when the domain changed) and fresh recordings */
  char pki[PATH_MAX + 8], cmd_db[PATH_MAX + 16];
  snprintf(pki, sizeof pki, "%s/pki", dir);
  for (int i = 0; i < N_NODES; i++) {
    snprintf(cmd_db, sizeof cmd_db, "%s/%s.db", dir, g_nations[i]);
    unlink(cmd_db);
    strncat(cmd_db, "-wal", sizeof cmd_db - strlen(cmd_db) - 1);
    unlink(cmd_db);
  }
  char gov[PATH_MAX + 32], want[64];
  snprintf(gov, sizeof gov, "%s/governance.xml", pki);
  snprintf(want, sizeof want, "<id>%d</id>", domain);
  FILE *gf = fopen(gov, "r");
  char gbuf[4096] = "";
  if (gf) {
    size_t k = fread(gbuf, 1, sizeof gbuf - 1, gf);
    gbuf[k] = '\0';
    fclose(gf);
  }
  if (file_exists(pki) && !strstr(gbuf, want)) { /* another domain's PKI: set it aside */
    char old[PATH_MAX + 32];
    snprintf(old, sizeof old, "%s.old-%lld", pki, (long long)(tw_time_now() / TW_NS_PER_S));
    rename(pki, old);
  }
  if (!file_exists(pki)) {
    tw_pki_opts o;
    tw_pki_opts_init(&o);
    o.partners = g_nations;
    o.n_partners = N_NODES;
    o.hub = "USA";
    o.domain_id = domain;
    o.out_dir = pki;
    if (tw_pki_init(&o, err, sizeof err) < 0) {
      fprintf(stderr, "triwatch: demo: %s\n", err);
      return TW_EXIT_FAIL;
    }
  }
  for (int i = 0; i < N_NODES; i++)
    if (write_config(dir, g_nations[i], scenario, speed, domain,
                     headless ? 0 : (int)port_base + i) < 0) {
      fprintf(stderr, "triwatch: demo: cannot write the %s config in %s\n", g_nations[i], dir);
      return TW_EXIT_FAIL;
    }

  printf("triwatch demo: three nodes on 127.0.0.1, DDS Security on (PKI in %s)\n", pki);
  printf("scenario %s at %gx real time; topology: hub (JPN-USA, KOR-USA; USA relays)\n",
         scenario, speed);
  if (!headless)
    printf("live pictures (open one in a browser): USA http://127.0.0.1:%d/  JPN "
           "http://127.0.0.1:%d/  KOR http://127.0.0.1:%d/\n", (int)port_base, (int)port_base + 1,
           (int)port_base + 2);
  printf("timeline in scenario seconds after the first launch; '>>' marks the moment sharing "
         "first pays at each node\n\n");
  fflush(stdout);

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_int;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  child ch[N_NODES];
  tw_time_ns start = tw_time_now() + 4 * TW_NS_PER_S; /* time for discovery and handshakes */
  for (int i = 0; i < N_NODES; i++) {
    char cfg[PATH_MAX + 16], log[PATH_MAX + 16], lower[8];
    for (int k = 0; k < 4; k++)
      lower[k] = g_nations[i][k] ? (char)(g_nations[i][k] - 'A' + 'a') : '\0';
    snprintf(cfg, sizeof cfg, "%s/%s.yaml", dir, lower);
    snprintf(log, sizeof log, "%s/%s.log", dir, g_nations[i]);
    if (spawn(&ch[i], daemon, cfg, log, start, duration, headless ? 0.0 : hold) < 0) {
      fprintf(stderr, "triwatch: demo: cannot start %s: %s\n", g_nations[i], strerror(errno));
      for (int k = 0; k < i; k++)
        kill(ch[k].pid, SIGTERM);
      return TW_EXIT_FAIL;
    }
  }

  /* merge: print a line once every node still running has reached its time */
  static line pend[4096];
  int n_pend = 0, alive = N_NODES;
  double jpn_partner = -1.0, jpn_own = -1.0;
  char jpn_sources[128] = "";
  while (alive > 0) {
    if (g_interrupted)
      for (int i = 0; i < N_NODES; i++)
        if (!ch[i].done)
          kill(ch[i].pid, SIGTERM);
    struct pollfd pf[N_NODES];
    for (int i = 0; i < N_NODES; i++) {
      pf[i].fd = ch[i].done ? -1 : ch[i].fd;
      pf[i].events = POLLIN;
    }
    if (poll(pf, N_NODES, 500) < 0 && errno != EINTR)
      break;
    for (int i = 0; i < N_NODES; i++) {
      if (ch[i].done || !(pf[i].revents & (POLLIN | POLLHUP)))
        continue;
      ssize_t k = read(ch[i].fd, ch[i].buf + ch[i].used, sizeof ch[i].buf - 1 - ch[i].used);
      if (k <= 0) {
        ch[i].done = 1;
        alive--;
        close(ch[i].fd);
        continue;
      }
      ch[i].used += (size_t)k;
      ch[i].buf[ch[i].used] = '\0';
      char *s = ch[i].buf, *nl;
      while ((nl = strchr(s, '\n'))) {
        *nl = '\0';
        char *tab1 = strchr(s, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
        if (tab2 && n_pend < (int)(sizeof pend / sizeof pend[0])) {
          line *l = &pend[n_pend++];
          l->t = atof(s);
          l->node = i;
          snprintf(l->text, sizeof l->text, "%s", tab2 + 1);
          if (l->t > ch[i].last_t)
            ch[i].last_t = l->t;
          if (i == 1 && strstr(l->text, "before any") && jpn_partner < 0) {
            jpn_partner = l->t;
            const char *o = strstr(l->text, "data ("), *c = o ? strchr(o, ')') : NULL;
            if (o && c && c - (o + 6) < (long)sizeof jpn_sources)
              snprintf(jpn_sources, sizeof jpn_sources, "%.*s", (int)(c - (o + 6)), o + 6);
          }
          if (i == 1 && strstr(l->text, "our track JPN#") && jpn_own < 0)
            jpn_own = l->t;
        }
        s = nl + 1;
      }
      ch[i].used -= (size_t)(s - ch[i].buf);
      memmove(ch[i].buf, s, ch[i].used);
    }
    double horizon = 1e300;
    for (int i = 0; i < N_NODES; i++)
      if (!ch[i].done && ch[i].last_t < horizon)
        horizon = ch[i].last_t;
    qsort(pend, (size_t)n_pend, sizeof pend[0], by_t);
    int printed = 0;
    while (printed < n_pend && pend[printed].t <= horizon - 2.0)
      print_line(&pend[printed++]);
    memmove(pend, pend + printed, (size_t)(n_pend - printed) * sizeof pend[0]);
    n_pend -= printed;
    fflush(stdout);
  }
  qsort(pend, (size_t)n_pend, sizeof pend[0], by_t);
  for (int i = 0; i < n_pend; i++)
    print_line(&pend[i]);
  int failed = 0;
  for (int i = 0; i < N_NODES; i++) {
    int status = 0;
    waitpid(ch[i].pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "triwatch: demo: the %s node ended badly (status %d); see %s/%s.log\n",
              g_nations[i], WIFEXITED(status) ? WEXITSTATUS(status) : -1, dir, g_nations[i]);
      failed = 1;
    }
  }
  printf("\n");
  if (jpn_partner >= 0)
    printf("Japan's fused picture showed the launch at T+%.0f s from partner data (%s); Japan's "
           "own first track came at T+%.0f s.\n", jpn_partner, jpn_sources, jpn_own);
  printf("Recordings: %s/{USA,JPN,KOR}.db - 'triwatch records %s/JPN.db --json'; node logs: "
         "%s/{USA,JPN,KOR}.log\n", dir, dir, dir);
  return failed ? TW_EXIT_FAIL : TW_EXIT_OK;
}
