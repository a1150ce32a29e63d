/* triwatch/time.h - time as integer nanoseconds since the Unix epoch, UTC (leap seconds not
 * counted, as POSIX time); ISO 8601 text in and out. */
#ifndef TRIWATCH_TIME_H
#define TRIWATCH_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "triwatch/visibility.h"

typedef int64_t tw_time_ns;

#define TW_NS_PER_S INT64_C(1000000000)

/* Parse "YYYY-MM-DDThh:mm:ss[.f{1,9}](Z|+hh:mm|-hh:mm)" (also a space for 'T', and "+hhmm").
 * Years 1678..2261 (the int64 nanosecond range). Returns 0 and stores the instant, or TW_EPARSE
 * for malformed or impossible text (month 13, Feb 30, hour 24...). *t is unchanged on error. */
TW_API int tw_time_parse(tw_time_ns *t, const char *s);

/* Format t as ISO 8601 into buf (size n, NUL-terminated). frac_digits (0..9) digits of fraction
 * after the seconds (truncated toward the past). offset_min: the UTC offset to show, in minutes;
 * with use_z != 0 and offset_min == 0 the zone is written "Z", else "+hh:mm" (CAP style:
 * "2026-11-28T09:30:00+09:00"). Returns the length written, or TW_ERANGE if buf is too small
 * (40 bytes always suffice) or TW_EINVAL for bad arguments. */
TW_API int tw_time_format(char *buf, size_t n, tw_time_ns t, int frac_digits, int offset_min,
                          int use_z);

/* Days since 1970-01-01 for a proleptic Gregorian date, and back. */
TW_API int64_t tw_days_from_civil(int64_t y, unsigned m, unsigned d);
TW_API void tw_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* Seconds as double from ns, and ns from seconds (rounded to nearest). */
static inline double tw_time_to_s(tw_time_ns t) { return (double)t * 1e-9; }
static inline tw_time_ns tw_time_from_s(double s)
{
  return (tw_time_ns)(s * 1e9 + (s >= 0 ? 0.5 : -0.5));
}

/* The current wall-clock time (CLOCK_REALTIME). */
TW_API tw_time_ns tw_time_now(void);

#endif
