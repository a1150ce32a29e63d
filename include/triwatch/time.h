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
 * Strict: every field has exactly its digits (ASCII only), 'T' and 'Z' are upper case, the zone
 * is required, nothing may follow it. Years 1678..2261 (inside the int64 nanosecond range at any
 * offset); offsets up to 23:59 either way; no leap second (ss 60 is rejected). Returns 0 and
 * stores the instant, TW_EPARSE for malformed or impossible text (month 13, Feb 30, hour 24...),
 * TW_EINVAL if t or s is NULL. Reads s only up to its NUL. *t is unchanged on error. */
TW_API int tw_time_parse(tw_time_ns *t, const char *s);

/* Format t as ISO 8601 into buf (size n, NUL-terminated). frac_digits (0..9) digits of fraction
 * after the seconds (truncated toward the past, also before 1970). offset_min (-1439..1439): the
 * UTC offset to show, in minutes, the wall-clock time being that of the offset; with use_z != 0
 * and offset_min == 0 the zone is written "Z", else "+hh:mm" or "-hh:mm" (CAP style:
 * "2026-11-28T09:30:00+09:00"). Any t formats (years 1677..2262); tw_time_parse reads back the
 * years 1678..2261. Returns the length written, or TW_ERANGE if buf is too small (40 bytes always
 * suffice) or TW_EINVAL for bad arguments (buf NULL, frac_digits or offset_min out of range);
 * buf is unchanged on error. */
TW_API int tw_time_format(char *buf, size_t n, tw_time_ns t, int frac_digits, int offset_min,
                          int use_z);

/* Days since 1970-01-01 for a proleptic Gregorian date (negative before 1970; year 0 is 1 BC,
 * a leap year), and back. m is 1..12 (another m gives some other day, without harm); d is not
 * checked against the month, so Feb 30 is Mar 1 or 2 and d = 0 the day before the 1st. Exact for
 * |y| <= 2.5e16; beyond, tw_days_from_civil returns INT64_MAX or INT64_MIN. tw_civil_from_days
 * is exact for every int64 day count. */
TW_API int64_t tw_days_from_civil(int64_t y, unsigned m, unsigned d);
TW_API void tw_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* Seconds as double from ns, and ns from seconds (rounded to nearest; NaN gives 0, values beyond
 * the int64 range saturate). */
static inline double tw_time_to_s(tw_time_ns t) { return (double)t * 1e-9; }
static inline tw_time_ns tw_time_from_s(double s)
{
  if (!(s == s))
    return 0; /* NaN */
  if (s >= 9.2e9)
    return INT64_MAX; /* saturate rather than overflow */
  if (s <= -9.2e9)
    return INT64_MIN;
  return (tw_time_ns)(s * 1e9 + (s >= 0 ? 0.5 : -0.5));
}

/* The current wall-clock time (CLOCK_REALTIME); 0 if the clock cannot be read. */
TW_API tw_time_ns tw_time_now(void);

#endif
