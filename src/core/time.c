/* time.c - integer-nanosecond UTC time, proleptic Gregorian calendar and ISO 8601 text
 * (contract in triwatch/time.h).
 *
 * The calendar arithmetic counts days in 400-year eras (146097 days each) of years that start
 * on 1 March, so that the leap day is the last day of its year and month lengths from March on
 * follow a fixed 5-month pattern (31 30 31 30 31). No table, no loop, exact for negative days. */
#include <string.h>
#include <time.h>

#include "triwatch/error.h"
#include "triwatch/time.h"

#define DAYS_PER_ERA    INT64_C(146097) /* 400 Gregorian years */
#define DAYS_0000_0301  INT64_C(719468) /* from 0000-03-01 to 1970-01-01 */
#define SECS_PER_DAY    INT64_C(86400)
#define YEAR_MIN        1678 /* tw_time_parse: every instant of these years, at any offset, */
#define YEAR_MAX        2261 /* fits in int64 nanoseconds (1677-09-21 .. 2262-04-11) */
#define OFFSET_MAX_MIN  (23 * 60 + 59)
/* Beyond this the day count of a year would not fit in int64. */
#define CIVIL_YEAR_LIMIT INT64_C(25000000000000000)

/* Floor division by b > 0 with the remainder in [0, b); never overflows, where a - q * b
 * would for a near INT64_MIN. */
static int64_t floor_divmod(int64_t a, int64_t b, int64_t *rem)
{
  int64_t q = a / b, r = a % b;
  if (r < 0) {
    r += b;
    q--;
  }
  *rem = r;
  return q;
}

/* Days in the months of a March-based year before month mp (0 = March .. 11 = February):
 * 0 31 61 92 122 153 184 214 245 275 306 337. */
static unsigned days_before_month(unsigned mp) { return (153 * mp + 2) / 5; }

int64_t tw_days_from_civil(int64_t y, unsigned m, unsigned d)
{
  if (y > CIVIL_YEAR_LIMIT)
    return INT64_MAX;
  if (y < -CIVIL_YEAR_LIMIT)
    return INT64_MIN;
  unsigned mp = (m + 9) % 12; /* March = 0; any m gives some month, never UB */
  if (mp >= 10)               /* January and February belong to the previous March-year */
    y--;
  int64_t yoe; /* year of era, 0..399 */
  int64_t era = floor_divmod(y, 400, &yoe);
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + days_before_month(mp) + (int64_t)d - 1;
  return era * DAYS_PER_ERA + doe - DAYS_0000_0301;
}

void tw_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
  /* Shift the origin to 0000-03-01 without computing days + 719468, which could overflow. */
  int64_t doe;
  int64_t era = floor_divmod(days, DAYS_PER_ERA, &doe);
  doe += DAYS_0000_0301 % DAYS_PER_ERA;
  era += DAYS_0000_0301 / DAYS_PER_ERA;
  if (doe >= DAYS_PER_ERA) {
    doe -= DAYS_PER_ERA;
    era++;
  }
  /* Centuries of an era have 36524 days, the last 36525 (it ends on 29 February of a year
   * divisible by 400); years of a century 365 days, every fourth 366 (ends on 29 February). */
  int64_t century = (4 * doe + 3) / DAYS_PER_ERA;    /* 0..3 */
  int64_t doc = doe - century * 36524;               /* day of century */
  int64_t yoc = (4 * doc + 3) / 1461;                /* year of century, 0..99 */
  unsigned doy = (unsigned)(doc - (1461 * yoc) / 4); /* day of the March-year, 0..365 */
  unsigned mp = (5 * doy + 2) / 153;                 /* month, 0 = March */
  *d = doy - days_before_month(mp) + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = era * 400 + century * 100 + yoc + (*m <= 2);
}

static int is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(int y, int m)
{
  static const unsigned char n_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return (m == 2 && is_leap(y)) ? 29 : n_days[m - 1];
}

/* Read exactly n decimal digits at *pz into *v and advance. Stops at the first non-digit, so it
 * never reads past the terminating NUL. Returns 0, or -1 if fewer than n digits are there. */
static int read_digits(const char **pz, int n, int *v)
{
  const char *z = *pz;
  int x = 0;
  for (int i = 0; i < n; i++, z++) {
    if (*z < '0' || *z > '9')
      return -1;
    x = x * 10 + (*z - '0');
  }
  *v = x;
  *pz = z;
  return 0;
}

/* Consume the character c at *pz. Returns 0, or -1 if another character is there. */
static int read_char(const char **pz, char c)
{
  if (**pz != c)
    return -1;
  (*pz)++;
  return 0;
}

int tw_time_parse(tw_time_ns *t, const char *s)
{
  int year, month, day, hour, minute, second, frac_ns = 0, off_min = 0;
  const char *z = s;

  if (t == NULL || s == NULL)
    return TW_EINVAL;
  if (read_digits(&z, 4, &year) || read_char(&z, '-') || read_digits(&z, 2, &month)
      || read_char(&z, '-') || read_digits(&z, 2, &day))
    return TW_EPARSE;
  if (*z != 'T' && *z != ' ')
    return TW_EPARSE;
  z++;
  if (read_digits(&z, 2, &hour) || read_char(&z, ':') || read_digits(&z, 2, &minute)
      || read_char(&z, ':') || read_digits(&z, 2, &second))
    return TW_EPARSE;
  if (*z == '.') {
    int n_digits = 0;
    for (z++; *z >= '0' && *z <= '9'; z++) {
      if (++n_digits > 9)
        return TW_EPARSE;
      frac_ns = frac_ns * 10 + (*z - '0');
    }
    if (n_digits == 0)
      return TW_EPARSE;
    for (; n_digits < 9; n_digits++)
      frac_ns *= 10;
  }
  if (*z == 'Z') {
    z++;
  } else if (*z == '+' || *z == '-') {
    int sign = (*z == '-') ? -1 : 1, off_h, off_m;
    z++;
    if (read_digits(&z, 2, &off_h))
      return TW_EPARSE;
    if (*z == ':')
      z++;
    if (read_digits(&z, 2, &off_m) || off_h > 23 || off_m > 59)
      return TW_EPARSE;
    off_min = sign * (off_h * 60 + off_m);
  } else {
    return TW_EPARSE; /* no zone: local time of an unknown place is not an instant */
  }
  if (*z != '\0')
    return TW_EPARSE;

  if (year < YEAR_MIN || year > YEAR_MAX || month < 1 || month > 12 || day < 1
      || day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 59)
    return TW_EPARSE;

  /* |secs| < 9.22e9 for these years, so secs * 1e9 + frac_ns cannot overflow. */
  int64_t secs = tw_days_from_civil(year, (unsigned)month, (unsigned)day) * SECS_PER_DAY
                 + hour * 3600 + minute * 60 + second - (int64_t)off_min * 60;
  *t = secs * TW_NS_PER_S + frac_ns;
  return 0;
}

/* Write v as exactly width decimal digits (v must be below 10^width). Returns the end. */
static char *put_digits(char *z, int64_t v, int width)
{
  for (int i = width - 1; i >= 0; i--) {
    z[i] = (char)('0' + v % 10);
    v /= 10;
  }
  return z + width;
}

int tw_time_format(char *buf, size_t n, tw_time_ns t, int frac_digits, int offset_min,
                   int use_z)
{
  char tmp[40];
  char *z = tmp;

  if (buf == NULL || frac_digits < 0 || frac_digits > 9 || offset_min < -OFFSET_MAX_MIN
      || offset_min > OFFSET_MAX_MIN)
    return TW_EINVAL;

  int64_t ns, sod;
  int64_t secs = floor_divmod(t, TW_NS_PER_S, &ns); /* toward the past */
  secs += (int64_t)offset_min * 60;                 /* local wall-clock seconds */
  int64_t days = floor_divmod(secs, SECS_PER_DAY, &sod);
  int64_t year;
  unsigned month, day;
  tw_civil_from_days(days, &year, &month, &day);

  /* Every int64 t at every offset allowed falls in the years 1677..2262: four digits. */
  z = put_digits(z, year, 4);
  *z++ = '-';
  z = put_digits(z, month, 2);
  *z++ = '-';
  z = put_digits(z, day, 2);
  *z++ = 'T';
  z = put_digits(z, sod / 3600, 2);
  *z++ = ':';
  z = put_digits(z, sod / 60 % 60, 2);
  *z++ = ':';
  z = put_digits(z, sod % 60, 2);
  if (frac_digits > 0) {
    int64_t v = ns;
    for (int i = frac_digits; i < 9; i++)
      v /= 10;
    *z++ = '.';
    z = put_digits(z, v, frac_digits);
  }
  if (offset_min == 0 && use_z) {
    *z++ = 'Z';
  } else {
    int a = offset_min < 0 ? -offset_min : offset_min;
    *z++ = offset_min < 0 ? '-' : '+';
    z = put_digits(z, a / 60, 2);
    *z++ = ':';
    z = put_digits(z, a % 60, 2);
  }
  *z = '\0';

  size_t len = (size_t)(z - tmp);
  if (len >= n)
    return TW_ERANGE;
  memcpy(buf, tmp, len + 1);
  return (int)len;
}

tw_time_ns tw_time_now(void)
{
  struct timespec ts;
  if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
    return 0; /* CLOCK_REALTIME is mandatory in POSIX; this does not happen */
  return (tw_time_ns)ts.tv_sec * TW_NS_PER_S + ts.tv_nsec;
}
