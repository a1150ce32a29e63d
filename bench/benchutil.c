/* benchutil.c - timing helpers shared by the benchmarks, and ddsperf as a peer. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"

static volatile double g_sink;

double bench_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

long bench_peak_rss_kib(void)
{
  struct rusage ru;
  return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

void bench_sink(double v) { g_sink += v; }

/* --- ddsperf ---------------------------------------------------------------------------------- */

#define PERF_MAX_LINES 64

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* A loopback-only Cyclone configuration with an optional <Security> element, as a file. */
static int write_perf_config(const char *path, const char *security)
{
  FILE *f = fopen(path, "w");
  if (f == NULL)
    return -1;
  fprintf(f,
          "<CycloneDDS><Domain id=\"any\"><General><Interfaces><NetworkInterface "
          "address=\"127.0.0.1\"/></Interfaces><AllowMulticast>false</AllowMulticast></General>"
          "<Discovery><ParticipantIndex>auto</ParticipantIndex><MaxAutoParticipantIndex>20"
          "</MaxAutoParticipantIndex><Peers><Peer Address=\"127.0.0.1\"/></Peers></Discovery>"
          "%s</Domain></CycloneDDS>\n",
          security != NULL ? security : "");
  return fclose(f) == 0 ? 0 : -1;
}

int bench_ddsperf(const char *dir, uint32_t domain, const char *mode, int size, int seconds,
                  const char *sec_ping, const char *sec_pong, double *p50_us, double *p99_us)
{
  char path_ping[512], path_pong[512], uri[600], cmd[256];
  snprintf(path_ping, sizeof path_ping, "%s/tw_ddsperf_%d_ping.xml", dir, (int)getpid());
  snprintf(path_pong, sizeof path_pong, "%s/tw_ddsperf_%d_pong.xml", dir, (int)getpid());
  int rc = -1;
  pid_t child = -1;
  FILE *p = NULL;
  if (write_perf_config(path_ping, sec_ping) != 0 || write_perf_config(path_pong, sec_pong) != 0)
    goto done;

  snprintf(uri, sizeof uri, "file://%s", path_pong);
  setenv("CYCLONEDDS_URI", uri, 1);
  fflush(NULL); /* or the child would print our buffered lines again */
  child = fork();
  if (child == 0) {
    char dom[16], dur[16];
    snprintf(dom, sizeof dom, "%u", (unsigned)domain);
    snprintf(dur, sizeof dur, "%d", seconds + 2);
    if (freopen("/dev/null", "w", stdout) == NULL || freopen("/dev/null", "w", stderr) == NULL)
      _exit(127);
    execlp("ddsperf", "ddsperf", "-i", dom, "-D", dur, "pong", mode, (char *)NULL);
    _exit(127);
  }
  struct timespec pause = {0, 300000000};
  nanosleep(&pause, NULL);
  snprintf(uri, sizeof uri, "file://%s", path_ping);
  setenv("CYCLONEDDS_URI", uri, 1);
  snprintf(cmd, sizeof cmd, "ddsperf -i %u -D %d ping size %d %s 2>&1", (unsigned)domain,
           seconds, size, mode);
  p = popen(cmd, "r");
  double a50[PERF_MAX_LINES], a99[PERF_MAX_LINES];
  int n = 0, lines = 0;
  char line[512];
  while (p != NULL && fgets(line, sizeof line, p) != NULL) {
    const char *q50 = strstr(line, " 50% "), *q99 = strstr(line, " 99% ");
    if (strstr(line, " size ") == NULL || q50 == NULL || q99 == NULL)
      continue;
    if (lines++ == 0 || n == PERF_MAX_LINES)
      continue; /* the first second has discovery in it */
    if (sscanf(q50, " 50%% %lfus", &a50[n]) == 1 && sscanf(q99, " 99%% %lfus", &a99[n]) == 1)
      n++;
  }
  if (n > 0) {
    qsort(a50, (size_t)n, sizeof a50[0], cmp_double);
    qsort(a99, (size_t)n, sizeof a99[0], cmp_double);
    *p50_us = 2 * a50[n / 2];
    *p99_us = 2 * a99[n / 2];
    rc = 0;
  }
done:
  if (p != NULL)
    pclose(p);
  if (child > 0) {
    kill(child, SIGTERM);
    waitpid(child, NULL, 0);
  }
  unsetenv("CYCLONEDDS_URI");
  remove(path_ping);
  remove(path_pong);
  return rc;
}
