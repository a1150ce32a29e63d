/* bench_bus.c - round-trip latency of a local track over the bus, beside Cyclone's own ddsperf.
 *
 * Ours: two processes on loopback. The child is USA: it polls its bus and publishes every track
 * it gets straight back on the same link. The parent is KOR: it publishes a LocalTrack on
 * KOR-USA marked REL TO KOR+USA and times the trip from tw_bus_publish_track to tw_bus_poll
 * returning the echo - conversion, checks (marking, partition) and the waitset included, both
 * ways. 10,000 trips after 500 warm-up ones; p50 and p99.
 *
 * Peer: `ddsperf pong` and `ddsperf ping size 528` (528 bytes: about our LocalTrack's serialized
 * size), two processes started here with CYCLONEDDS_URI pointing at a loopback-pinned config
 * this program writes; run twice, in ddsperf's default listener mode (the pong is written from
 * Cyclone's receive thread: no thread switch) and in its waitset mode (an application thread
 * wakes for each sample, as with tw_bus_poll). ddsperf prints half the round trip
 * ("(tnow - tsent) / 2" in ddsperf.c), so its figures are doubled here to compare like with
 * like; its per-second 50% and 99% lines are parsed and the median over the seconds (the first,
 * with discovery, dropped) is taken (bench_ddsperf in benchutil.c).
 * Domains are picked from the process id so a concurrent run elsewhere does not mix in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"
#include "triwatch/bus.h"
#include "triwatch/error.h"

#define N_TRIPS 10000
#define N_WARM 500
#define STOP_ID 0xffffffffu
#define PERF_SECONDS 6

static void sleep_ms(int ms)
{
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
  nanosleep(&ts, NULL);
}

static tw_bus *open_node(const char *nation, uint32_t domain)
{
  tw_bus_config c;
  tw_bus_config_default(&c);
  c.nation = nation;
  c.domain_id = domain;
  c.links[c.n_links++] = "KOR-USA";
  char err[256];
  tw_bus *b = tw_bus_open(&c, err, sizeof err);
  if (b == NULL)
    fprintf(stderr, "bench_bus: %s\n", err);
  return b;
}

/* USA: echo every track back until the stop track or 10 s of silence. */
static int pong(uint32_t domain)
{
  tw_bus *b = open_node("USA", domain);
  if (b == NULL)
    return 1;
  tw_bus_sample *s = malloc(sizeof *s);
  int idle_ms = 0;
  while (s != NULL && idle_ms < 10000) {
    int n = tw_bus_poll(b, 100, s, 1);
    if (n <= 0) {
      idle_ms += 100;
      continue;
    }
    idle_ms = 0;
    if (s->kind != TW_BUS_LOCAL_TRACK || s->retired)
      continue;
    if (s->u.local.track.id == STOP_ID)
      break;
    tw_bus_publish_track(b, s->link, &s->u.local.track, &s->marking);
  }
  free(s);
  tw_bus_close(b);
  return 0;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* KOR: N_WARM + N_TRIPS round trips; the times of the last N_TRIPS in us into rtt. */
static int ping(uint32_t domain, double *rtt, int *n_lost)
{
  tw_bus *b = open_node("KOR", domain);
  if (b == NULL)
    return -1;
  tw_bus_sample *s = malloc(sizeof *s);
  tw_bus_marking m;
  tw_bus_marking_make(&m, "KOR", "KOR+USA");
  tw_track t;
  memset(&t, 0, sizeof t);
  t.id = 1;
  t.status = TW_TRACK_CONFIRMED;
  t.t_s = 1.0e9; /* seconds after the epoch (0): a 2001 date */
  t.t_avail_s = t.t_s;
  for (int i = 0; i < TW_TRACK_NX; i++) {
    t.x[i] = 1e6 + i;
    t.P[i * TW_TRACK_NX + i] = 100.0;
  }
  t.mu[1] = 1;
  for (int ms = 0; ms < 5000 && tw_bus_link_matched(b, "KOR-USA") == 0; ms += 10)
    sleep_ms(10);
  *n_lost = 0;
  for (int i = 0; s != NULL && i < N_WARM + N_TRIPS; i++) {
    t.n_updates = i;
    double t0 = bench_now();
    if (tw_bus_publish_track(b, "KOR-USA", &t, &m) != 0)
      break;
    int got = 0;
    while (!got && bench_now() - t0 < 1.0) {
      if (tw_bus_poll(b, 1000, s, 1) == 1 && s->kind == TW_BUS_LOCAL_TRACK && !s->retired &&
          s->u.local.track.n_updates == i)
        got = 1;
    }
    double t1 = bench_now();
    if (!got) {
      if (i >= N_WARM && ++*n_lost > 10)
        break;
      i--; /* try again: the partner may not have matched yet */
      continue;
    }
    if (i >= N_WARM)
      rtt[i - N_WARM] = (t1 - t0) * 1e6;
  }
  t.id = STOP_ID;
  tw_bus_publish_track(b, "KOR-USA", &t, &m);
  sleep_ms(200); /* let it go out before the writer disappears */
  free(s);
  tw_bus_close(b);
  return *n_lost > 10 ? -1 : 0;
}

int main(void)
{
  uint32_t base = 140 + (uint32_t)getpid() % 40 * 2;
  fflush(stdout);
  pid_t child = fork();
  if (child < 0)
    return 1;
  if (child == 0)
    _exit(pong(base));
  static double rtt[N_TRIPS];
  int n_lost = 0;
  int rc = ping(base, rtt, &n_lost);
  int status = 0;
  waitpid(child, &status, 0);
  if (rc != 0) {
    fprintf(stderr, "bench_bus: round trips failed (%d lost)\n", n_lost);
    return 1;
  }
  qsort(rtt, N_TRIPS, sizeof rtt[0], cmp_double);
  double b50 = rtt[N_TRIPS / 2], b99 = rtt[N_TRIPS - N_TRIPS / 100];

  printf("LocalTrack round trip KOR->USA->KOR over tw_bus, 2 processes, loopback, %d trips:\n",
         N_TRIPS);
  printf("  tw_bus            p50 %7.1f us   p99 %7.1f us   (%d lost and resent)\n", b50, b99,
         n_lost);
  const char *modes[] = {"listener", "waitset"};
  for (int i = 0; i < 2; i++) {
    double d50, d99;
    if (bench_ddsperf("/tmp", base + 1, modes[i], 528, PERF_SECONDS, NULL, NULL, &d50, &d99) !=
        0) {
      printf("  ddsperf %-8s  not available (cyclonedds-tools not installed, or no output)\n",
             modes[i]);
      continue;
    }
    printf("  ddsperf %-8s  p50 %7.1f us   p99 %7.1f us   ratio tw_bus/ddsperf: p50 %.2f, "
           "p99 %.2f\n", modes[i], d50, d99, b50 / d50, b99 / d99);
  }
  printf("  (ddsperf: ping size 528, its printed half round trips x 2)\n");
  return 0;
}
