/* test_time.c - civil dates, ISO 8601 parse and format (triwatch/time.h): known instants,
 * a day-by-day walk against a naive calendar, round trips, and malformed text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "triwatch/error.h"
#include "triwatch/time.h"

#define SENTINEL INT64_C(0x5a5a5a5a5a5a5a5a)

/* splitmix64: a fixed, portable sequence, so a failure can be replayed. */
static uint64_t rng_next(uint64_t *state)
{
  uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static tw_time_ns parse_ok(const char *s)
{
  tw_time_ns t = SENTINEL;
  int rc = tw_time_parse(&t, s);
  if (rc != 0)
    fail_msg("tw_time_parse(\"%s\") = %d, expected 0", s, rc);
  return t;
}

static void test_known_instants(void **state)
{
  (void)state;
  assert_int_equal(parse_ok("1970-01-01T00:00:00Z"), 0);
  assert_int_equal(parse_ok("2022-10-03T22:22:00Z"), INT64_C(1664835720) * TW_NS_PER_S);
  assert_int_equal(parse_ok("2000-02-29T00:00:00Z"), INT64_C(951782400) * TW_NS_PER_S);
  assert_int_equal(parse_ok("1900-03-01T00:00:00Z"), INT64_C(-2203891200) * TW_NS_PER_S);
  assert_int_equal(parse_ok("2000-01-01T12:00:00Z"), INT64_C(946728000) * TW_NS_PER_S);
  assert_int_equal(parse_ok("1969-12-31T23:59:59.999999999Z"), -1);
  assert_int_equal(parse_ok("1678-01-01T00:00:00Z"), INT64_C(-9214560000) * TW_NS_PER_S);
  /* the last representable whole day of the range, at the latest offset */
  assert_int_equal(parse_ok("2261-12-31T23:59:59.999999999-23:59"),
                   (INT64_C(9214646399) + 1439 * 60) * TW_NS_PER_S + INT64_C(999999999));

  assert_int_equal(tw_days_from_civil(1970, 1, 1), 0);
  assert_int_equal(tw_days_from_civil(2000, 3, 1), 11017);
  assert_int_equal(tw_days_from_civil(1969, 12, 31), -1);
  assert_int_equal(tw_days_from_civil(0, 3, 1), -719468);
  assert_int_equal(tw_days_from_civil(-1, 12, 31), -719529); /* 1 BC is year 0: leap */
  assert_int_equal(tw_days_from_civil(0, 1, 1), -719528);
  assert_int_equal(tw_days_from_civil(INT64_C(40000000000000000), 1, 1), INT64_MAX);
  assert_int_equal(tw_days_from_civil(INT64_C(-40000000000000000), 1, 1), INT64_MIN);
}

static void test_fractions_and_offsets(void **state)
{
  (void)state;
  const tw_time_ns base = INT64_C(1664835720) * TW_NS_PER_S; /* 2022-10-03T22:22:00Z */
  assert_int_equal(parse_ok("2022-10-03T22:22:00.5Z"), base + 500000000);
  assert_int_equal(parse_ok("2022-10-03T22:22:00.000000001Z"), base + 1);
  assert_int_equal(parse_ok("2022-10-03T22:22:00.123456789Z"), base + 123456789);
  assert_int_equal(parse_ok("2022-10-03T22:22:00.120Z"), base + 120000000);
  assert_int_equal(parse_ok("2022-10-03 22:22:00Z"), base);
  assert_int_equal(parse_ok("2022-10-04T07:22:00+09:00"), base);
  assert_int_equal(parse_ok("2022-10-04T07:22:00+0900"), base);
  assert_int_equal(parse_ok("2022-10-03T12:22:00-10:00"), base);
  assert_int_equal(parse_ok("2022-10-03T12:22:00-1000"), base);
  assert_int_equal(parse_ok("2022-10-04T03:52:00+05:30"), base);
  assert_int_equal(parse_ok("2022-10-03T22:22:00+00:00"), base);
  assert_int_equal(parse_ok("2022-10-03T22:22:00-00:00"), base);
  assert_int_equal(parse_ok("2022-10-04T07:22:00.25+09:00"), base + 250000000);
  /* the offset crosses a year and a leap day */
  assert_int_equal(parse_ok("2024-03-01T08:59:59+09:00"), parse_ok("2024-02-29T23:59:59Z"));
  assert_int_equal(parse_ok("2022-12-31T20:00:00-10:00"), parse_ok("2023-01-01T06:00:00Z"));
}

static void check_format(tw_time_ns t, int frac_digits, int offset_min, int use_z,
                         const char *expected)
{
  char buf[40];
  memset(buf, 'x', sizeof buf);
  int n = tw_time_format(buf, sizeof buf, t, frac_digits, offset_min, use_z);
  assert_string_equal(buf, expected);
  assert_int_equal(n, (int)strlen(expected));
}

static void test_format(void **state)
{
  (void)state;
  check_format(0, 0, 0, 1, "1970-01-01T00:00:00Z");
  check_format(0, 0, 0, 0, "1970-01-01T00:00:00+00:00");
  check_format(0, 3, 0, 1, "1970-01-01T00:00:00.000Z");
  check_format(0, 0, 540, 1, "1970-01-01T09:00:00+09:00");
  check_format(0, 0, -600, 1, "1969-12-31T14:00:00-10:00");
  check_format(0, 0, -30, 1, "1969-12-31T23:30:00-00:30");
  check_format(0, 0, 345, 1, "1970-01-01T05:45:00+05:45");
  /* truncation toward the past, also before 1970 */
  check_format(-1, 9, 0, 1, "1969-12-31T23:59:59.999999999Z");
  check_format(-1, 3, 0, 1, "1969-12-31T23:59:59.999Z");
  check_format(-1, 0, 0, 1, "1969-12-31T23:59:59Z");
  check_format(-1500000000, 1, 0, 1, "1969-12-31T23:59:58.5Z");
  check_format(1999999999, 2, 0, 1, "1970-01-01T00:00:01.99Z");
  check_format(INT64_C(1664835720) * TW_NS_PER_S + 123456789, 6, 0, 1,
               "2022-10-03T22:22:00.123456Z");
  check_format(INT64_C(-2203891200) * TW_NS_PER_S, 0, 0, 1, "1900-03-01T00:00:00Z");
  /* the ends of int64, at the extreme offsets too */
  check_format(INT64_MAX, 9, 0, 1, "2262-04-11T23:47:16.854775807Z");
  check_format(INT64_MIN, 9, 0, 1, "1677-09-21T00:12:43.145224192Z");
  check_format(INT64_MAX, 0, 1439, 1, "2262-04-12T23:46:16+23:59");
  check_format(INT64_MIN, 0, -1439, 1, "1677-09-20T00:13:43-23:59");
}

static void test_format_errors(void **state)
{
  (void)state;
  char buf[40];
  const char *want = "2026-11-28T09:30:00+09:00";
  tw_time_ns t = parse_ok(want);

  memset(buf, 'x', sizeof buf);
  assert_int_equal(tw_time_format(buf, strlen(want), t, 0, 540, 1), TW_ERANGE);
  assert_int_equal(tw_time_format(buf, 0, t, 0, 540, 1), TW_ERANGE);
  for (size_t i = 0; i < sizeof buf; i++)
    assert_int_equal(buf[i], 'x'); /* unchanged on error */
  assert_int_equal(tw_time_format(buf, strlen(want) + 1, t, 0, 540, 1), (int)strlen(want));
  assert_string_equal(buf, want);

  assert_int_equal(tw_time_format(NULL, 40, t, 0, 0, 1), TW_EINVAL);
  assert_int_equal(tw_time_format(buf, sizeof buf, t, -1, 0, 1), TW_EINVAL);
  assert_int_equal(tw_time_format(buf, sizeof buf, t, 10, 0, 1), TW_EINVAL);
  assert_int_equal(tw_time_format(buf, sizeof buf, t, 0, 1440, 1), TW_EINVAL);
  assert_int_equal(tw_time_format(buf, sizeof buf, t, 0, -1440, 1), TW_EINVAL);
  assert_string_equal(buf, want);
}

/* CAP (Common Alerting Protocol) writes local time with its offset and no fraction. */
static void test_cap_format(void **state)
{
  (void)state;
  char buf[40];
  tw_time_ns t = parse_ok("2026-11-28T09:30:00+09:00");
  assert_int_equal(t, parse_ok("2026-11-28T00:30:00Z"));
  assert_int_equal(t, INT64_C(1795825800) * TW_NS_PER_S);
  assert_int_equal(tw_time_format(buf, sizeof buf, t, 0, 540, 1), 25);
  assert_string_equal(buf, "2026-11-28T09:30:00+09:00");
  assert_int_equal(tw_time_format(buf, sizeof buf, t, 0, 0, 1), 20);
  assert_string_equal(buf, "2026-11-28T00:30:00Z");
}

/* Walk every day from 1600-01-01 to 2400-12-31 with a naive calendar (month lengths, leap rule)
 * and compare both directions; then spot checks far out, negative years included. */
static void test_civil_walk(void **state)
{
  (void)state;
  static const unsigned n_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int64_t days = tw_days_from_civil(1600, 1, 1);
  assert_int_equal(days, -135140);
  for (int64_t y = 1600; y <= 2400; y++) {
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    for (unsigned m = 1; m <= 12; m++) {
      unsigned dim = n_days[m - 1] + (m == 2 && leap);
      for (unsigned d = 1; d <= dim; d++, days++) {
        int64_t y2;
        unsigned m2, d2;
        if (tw_days_from_civil(y, m, d) != days)
          fail_msg("days_from_civil(%lld-%u-%u) != %lld", (long long)y, m, d, (long long)days);
        tw_civil_from_days(days, &y2, &m2, &d2);
        if (y2 != y || m2 != m || d2 != d)
          fail_msg("civil_from_days(%lld) = %lld-%u-%u", (long long)days, (long long)y2, m2, d2);
      }
    }
  }
  /* Round trips over the whole int64 day range, including its ends. */
  uint64_t rng = 42;
  const int64_t ends[] = {INT64_MIN, INT64_MIN + 1, INT64_MAX, INT64_MAX - 1, -1, 0};
  for (int i = 0; i < 200000; i++) {
    int64_t day = i < 6 ? ends[i] : (int64_t)(rng_next(&rng) >> (i % 60));
    if (i >= 6 && (i & 1))
      day = -day;
    int64_t y;
    unsigned m, d;
    tw_civil_from_days(day, &y, &m, &d);
    assert_in_range(m, 1, 12);
    assert_in_range(d, 1, 31);
    if (y > INT64_C(-25000000000000000) && y < INT64_C(25000000000000000))
      assert_int_equal(tw_days_from_civil(y, m, d), day);
  }
  int64_t y;
  unsigned m, d;
  tw_civil_from_days(tw_days_from_civil(-4713, 11, 24), &y, &m, &d); /* JD 0 */
  assert_int_equal(y, -4713);
  assert_int_equal(m, 11);
  assert_int_equal(d, 24);
  /* JD 0 is noon of that day and 1970-01-01T00:00 is JD 2440587.5 */
  assert_int_equal(tw_days_from_civil(-4713, 11, 24), -2440588);
  assert_int_equal(tw_days_from_civil(1, 1, 1), -719162);
}

/* format(parse) and parse(format) for random instants, offsets and fraction lengths. */
static void test_round_trip(void **state)
{
  (void)state;
  const tw_time_ns lo = parse_ok("1678-01-01T00:00:00Z");
  const tw_time_ns hi = parse_ok("2261-12-31T23:59:59.999999999Z");
  uint64_t rng = 2026;
  char buf[40];
  int n_checked = 0;
  for (int i = 0; i < 200000; i++) {
    uint64_t x = rng_next(&rng) % ((uint64_t)hi - (uint64_t)lo + 1); /* above INT64_MAX */
    tw_time_ns t = lo + (tw_time_ns)(x / 2) + (tw_time_ns)(x - x / 2);
    if (i % 5 == 0)
      t -= t % TW_NS_PER_S; /* whole seconds too */
    int frac_digits = (int)(rng_next(&rng) % 10);
    int offset_min = (i % 3 == 0) ? 0 : (int)(rng_next(&rng) % 2879) - 1439;
    int use_z = (int)(rng_next(&rng) & 1);
    int n = tw_time_format(buf, sizeof buf, t, frac_digits, offset_min, use_z);
    assert_true(n > 0 && n < 40);
    tw_time_ns back = SENTINEL;
    int rc = tw_time_parse(&back, buf);
    if (rc == TW_EPARSE && (t < lo + 86400 * TW_NS_PER_S || t > hi - 86400 * TW_NS_PER_S))
      continue; /* the wall clock of an offset can fall in 1677 or 2262 */
    if (rc != 0)
      fail_msg("tw_time_parse(\"%s\") = %d (t = %lld)", buf, rc, (long long)t);
    /* truncation toward the past to a multiple of 10^(9 - frac_digits) ns */
    tw_time_ns unit = 1;
    for (int k = frac_digits; k < 9; k++)
      unit *= 10;
    tw_time_ns want = t - ((t % unit) + unit) % unit;
    if (back != want)
      fail_msg("\"%s\" -> %lld, want %lld (t = %lld)", buf, (long long)back, (long long)want,
               (long long)t);
    n_checked++;
  }
  assert_true(n_checked > 199000);
}

static void test_malformed(void **state)
{
  (void)state;
  static const char *const bad[] = {
    "",
    "2022",
    "2022-10-03",
    "2022-10-03T22:22:00",           /* no zone */
    "2022-10-03T22:22:00Zjunk",      /* trailing garbage */
    "2022-10-03T22:22:00Z ",
    "2022-10-03T22:22:00+09:00 ",
    "2022-10-03T22:22:00+09:00Z",
    "2022-10-03T22:22:00ZZ",
    " 2022-10-03T22:22:00Z",         /* leading space */
    "2022-13-01T00:00:00Z",          /* month 13 */
    "2022-00-01T00:00:00Z",          /* month 0 */
    "2022-01-00T00:00:00Z",          /* day 0 */
    "2022-01-32T00:00:00Z",
    "2022-04-31T00:00:00Z",          /* 31 April */
    "2022-06-31T00:00:00Z",
    "2022-02-30T00:00:00Z",
    "2023-02-29T00:00:00Z",          /* not a leap year */
    "1900-02-29T00:00:00Z",          /* century, not a leap year */
    "2100-02-29T00:00:00Z",
    "2022-10-03T24:00:00Z",          /* hour 24 */
    "2022-10-03T23:60:00Z",          /* minute 60 */
    "2022-10-03T23:59:60Z",          /* leap second: not represented */
    "2016-12-31T23:59:60Z",
    "2022-10-03T22:22:00.1234567890Z", /* 10 fraction digits */
    "2022-10-03T22:22:00.000000000000000000001Z",
    "2022-10-03T22:22:00.Z",         /* dot without digits */
    "2022-10-03T22:22:00,5Z",        /* comma */
    "2022-10-03T22:22:00.5",         /* fraction, no zone */
    "1677-12-31T23:59:59Z",          /* years outside 1678..2261 */
    "2262-01-01T00:00:00Z",
    "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "+2022-10-03T22:22:00Z",         /* signed and expanded years */
    "-2022-10-03T22:22:00Z",
    "12022-10-03T22:22:00Z",
    "99999999999999999999-01-01T00:00:00Z", /* would overflow */
    "2022-1-03T22:22:00Z",           /* short fields */
    "2022-10-3T22:22:00Z",
    "2022-10-03T2:22:00Z",
    "2022-10-03T22:2:00Z",
    "2022-10-03T22:22:0Z",
    "2022-10-03T22:22Z",             /* no seconds */
    "2022-10-03T22Z",
    "2022-10-03t22:22:00Z",          /* lower case */
    "2022-10-03T22:22:00z",
    "2022-10-03TT22:22:00Z",
    "2022-10-03_22:22:00Z",
    "2022/10/03T22:22:00Z",
    "2022-10-03T22.22.00Z",
    "20221003T222200Z",              /* basic format */
    "2022-10-03T22:22:00+09",        /* offset forms */
    "2022-10-03T22:22:00+9:00",
    "2022-10-03T22:22:00+09:0",
    "2022-10-03T22:22:00+090",
    "2022-10-03T22:22:00+09:00:00",
    "2022-10-03T22:22:00+24:00",
    "2022-10-03T22:22:00+09:60",
    "2022-10-03T22:22:00 +09:00",
    "2022-10-03T22:22:00++09:00",
    "2022-10-03T22:22:00UTC",
    "2022-10-03T22:22:00 Z",
    "2O22-10-03T22:22:00Z",          /* letter O */
    "2022-10-03T22:22:0\x01Z",
    "2022-10-03T22:22:00\xc2\xa0Z",  /* no-break space */
    "\xef\xbc\x92\xef\xbc\x90\xef\xbc\x92\xef\xbc\x92-10-03T22:22:00Z", /* full-width digits */
    "2022-10-03T22:22:00\xff",
    "\xff\xfe",
    "2022-1a-03T22:22:00Z",
    "2022-10-03T22:22:00.-5Z",
    "2022-10-03T22:22:00.+5Z",
    "2022-10-03T22:22:00.5.5Z",
    "2022-10-03T-2:22:00Z",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    tw_time_ns t = SENTINEL;
    int rc = tw_time_parse(&t, bad[i]);
    if (rc != TW_EPARSE || t != SENTINEL)
      fail_msg("tw_time_parse(\"%s\") = %d (t %s), expected TW_EPARSE", bad[i], rc,
               t == SENTINEL ? "untouched" : "changed");
  }
  tw_time_ns t = SENTINEL;
  assert_int_equal(tw_time_parse(&t, NULL), TW_EINVAL);
  assert_int_equal(tw_time_parse(NULL, "2022-10-03T22:22:00Z"), TW_EINVAL);
  assert_int_equal(t, SENTINEL);
}

/* Every prefix of valid strings is rejected, read from an exactly sized buffer (so that ASan
 * sees any read past the NUL); then random byte mutations never crash, and whatever parses
 * formats back to an equivalent instant. */
static void test_prefixes_and_mutations(void **state)
{
  (void)state;
  static const char *const good[] = {
    "2022-10-03T22:22:00Z",
    "2022-10-03T22:22:00.123456789+09:00",
    "2024-02-29 23:59:59.5-0930",
  };
  char tmp[64];
  for (size_t g = 0; g < sizeof good / sizeof good[0]; g++) {
    size_t len = strlen(good[g]);
    for (size_t k = 0; k < len; k++) {
      char *p = test_malloc(k + 1);
      memcpy(p, good[g], k);
      p[k] = '\0';
      tw_time_ns t = SENTINEL;
      if (tw_time_parse(&t, p) != TW_EPARSE)
        fail_msg("prefix \"%s\" not rejected", p);
      assert_int_equal(t, SENTINEL);
      test_free(p);
    }
  }
  uint64_t rng = 7;
  static const char alphabet[] = "0123456789-:+.TZ tz,\xff";
  int n_ok = 0;
  for (int i = 0; i < 100000; i++) {
    const char *src = good[i % 3];
    size_t len = strlen(src);
    memcpy(tmp, src, len + 1);
    int n_mut = 1 + (int)(rng_next(&rng) % 3);
    for (int k = 0; k < n_mut && len > 0; k++) {
      size_t at = (size_t)(rng_next(&rng) % len);
      int what = (int)(rng_next(&rng) % 4);
      if (what == 0) { /* replace */
        tmp[at] = alphabet[rng_next(&rng) % (sizeof alphabet - 1)];
      } else if (what == 1 && len > 1) { /* delete */
        memmove(tmp + at, tmp + at + 1, len - at);
        len--;
      } else if (what == 2 && len < sizeof tmp - 2) { /* insert */
        memmove(tmp + at + 1, tmp + at, len - at + 1);
        tmp[at] = alphabet[rng_next(&rng) % (sizeof alphabet - 1)];
        len++;
      } else { /* cut */
        tmp[at] = '\0';
        len = at;
      }
    }
    tw_time_ns t = SENTINEL;
    int rc = tw_time_parse(&t, tmp);
    if (rc == 0) {
      char buf[40];
      tw_time_ns back = SENTINEL;
      assert_true(tw_time_format(buf, sizeof buf, t, 9, 0, 1) > 0);
      assert_int_equal(tw_time_parse(&back, buf), 0);
      assert_int_equal(back, t);
      n_ok++;
    } else {
      assert_int_equal(rc, TW_EPARSE);
      assert_int_equal(t, SENTINEL);
    }
  }
  assert_true(n_ok > 0);
}

static void test_now(void **state)
{
  (void)state;
  tw_time_ns a = tw_time_now(), b = tw_time_now();
  assert_true(a > parse_ok("2024-01-01T00:00:00Z")); /* the clock of a machine that runs this */
  assert_true(b >= a - TW_NS_PER_S);                  /* realtime may step, but not this much */
}

static void test_seconds_conversion(void **state)
{
  (void)state;
  assert_int_equal(tw_time_from_s(1.5), 1500000000);
  assert_int_equal(tw_time_from_s(-1.5), -1500000000);
  assert_int_equal(tw_time_from_s(1e-9 * 0.4), 0);
  assert_true(tw_time_to_s(1500000000) == 1.5);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_known_instants),
    cmocka_unit_test(test_fractions_and_offsets),
    cmocka_unit_test(test_format),
    cmocka_unit_test(test_format_errors),
    cmocka_unit_test(test_cap_format),
    cmocka_unit_test(test_civil_walk),
    cmocka_unit_test(test_round_trip),
    cmocka_unit_test(test_malformed),
    cmocka_unit_test(test_prefixes_and_mutations),
    cmocka_unit_test(test_now),
    cmocka_unit_test(test_seconds_conversion),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
