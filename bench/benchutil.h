/* benchutil.h - timing helpers shared by the benchmarks: monotonic clock, best-of-N repeats,
 * peak memory. Benchmarks report ratios to a peer measured in the same run, since the machines
 * they run on are shared and noisy. */
#ifndef TW_BENCHUTIL_H
#define TW_BENCHUTIL_H

/* Monotonic seconds. */
double bench_now(void);
/* Peak resident set size of this process in KiB (from getrusage). */
long bench_peak_rss_kib(void);
/* Keep a value alive so the compiler cannot drop the work that made it. */
void bench_sink(double v);

#endif
