/* benchutil.c - timing helpers shared by the benchmarks. */
#include <sys/resource.h>
#include <time.h>

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
