/* benchutil.h - timing helpers shared by the benchmarks: monotonic clock, best-of-N repeats,
 * peak memory, and Cyclone's ddsperf as the peer of the bus benchmarks. Benchmarks report ratios
 * to a peer measured in the same run, since the machines they run on are shared and noisy. */
#ifndef TW_BENCHUTIL_H
#define TW_BENCHUTIL_H

#include <stdint.h>

/* Monotonic seconds. */
double bench_now(void);
/* Peak resident set size of this process in KiB (from getrusage). */
long bench_peak_rss_kib(void);
/* Keep a value alive so the compiler cannot drop the work that made it. */
void bench_sink(double v);

/* Round trip of Cyclone's `ddsperf` ping-pong on loopback: `ddsperf pong` and `ddsperf ping size
 * S` as two processes on this domain, each with CYCLONEDDS_URI pointing at a configuration
 * written under dir (pinned to 127.0.0.1, multicast off, unicast peer 127.0.0.1; removed after).
 * mode is ddsperf's "listener" (the pong is written from Cyclone's receive thread) or "waitset"
 * (an application thread wakes per sample). sec_ping and sec_pong are the <Security> elements of
 * each side, or both NULL for none. The ping runs for `seconds` and prints a line per second;
 * the first (discovery, handshakes) is dropped, and the medians over the rest of its 50% and 99%
 * figures are returned in *p50_us and *p99_us, doubled: ddsperf prints half the round trip
 * ("(tnow - tsent) / 2" in ddsperf.c). Returns 0, or -1 when ddsperf is missing, a file cannot
 * be written, or nothing was printed (outputs unchanged). Flushes stdio before forking. */
int bench_ddsperf(const char *dir, uint32_t domain, const char *mode, int size, int seconds,
                  const char *sec_ping, const char *sec_pong, double *p50_us, double *p99_us);

#endif
