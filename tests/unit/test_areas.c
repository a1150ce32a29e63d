/* test_areas.c - threatened areas: data/areas.json loads with the expected divisions, and the
 * ellipse and ground-track queries find the right ones (triwatch/areas.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "triwatch/areas.h"
#include "triwatch/error.h"
#include "triwatch/geo.h"

#define AREAS_FILE TW_DATA_DIR "/areas.json"

static int setup(void **state) {
  tw_areas *a = NULL;
  char err[256] = "";
  int n = tw_areas_load(&a, AREAS_FILE, err, sizeof err);
  if (n < 0) print_error("%s\n", err);
  *state = a;
  return n > 0 ? 0 : -1;
}

static int teardown(void **state) {
  tw_areas_free(*state);
  return 0;
}

static int contains(const int *hits, int n, int idx) {
  for (int i = 0; i < n; i++)
    if (hits[i] == idx) return 1;
  return 0;
}

static void test_counts(void **state) {
  const tw_areas *a = *state;
  int per[4] = {0}; /* JPN KOR PRK USA divisions, minor islands apart */
  const char *nations[4] = {"JPN", "KOR", "PRK", "USA"};
  for (int i = 0; i < tw_areas_count(a); i++) {
    const char *code = tw_areas_code(a, i);
    assert_non_null(code);
    assert_non_null(tw_areas_name(a, i));
    if (!strchr(code, '-')) continue; /* "JP": a nation's minor islands */
    for (int k = 0; k < 4; k++)
      if (strcmp(tw_areas_nation(a, i), nations[k]) == 0) per[k]++;
  }
  assert_int_equal(per[0], 47);
  assert_int_equal(per[1], 17);
  assert_int_equal(per[2], 11); /* Natural Earth has no separate Nampo (KP-14) */
  assert_int_equal(per[3], 4);  /* Alaska, Hawaii, Guam, Northern Mariana Islands */
  int i = tw_areas_find(a, "JP-02");
  assert_true(i >= 0);
  assert_string_equal(tw_areas_name(a, i), "Aomori");
  assert_string_equal(tw_areas_nation(a, i), "JPN");
  assert_true(tw_areas_find(a, "US-GU") >= 0);
  assert_int_equal(tw_areas_find(a, "XX-99"), TW_ENOENT);
  assert_null(tw_areas_code(a, -1));
  assert_null(tw_areas_code(a, tw_areas_count(a)));
}

static void test_point_in_aomori(void **state) {
  const tw_areas *a = *state;
  int hits[8];
  int n = tw_areas_hit_ellipse(a, 40.82 * TW_DEG, 140.74 * TW_DEG, 100.0, 100.0, 0.0, hits, 8);
  assert_int_equal(n, 1);
  assert_string_equal(tw_areas_code(a, hits[0]), "JP-02");
  /* the same as a one-point track */
  double lat = 40.82 * TW_DEG, lon = 140.74 * TW_DEG;
  n = tw_areas_hit_track(a, &lat, &lon, 1, hits, 8);
  assert_int_equal(n, 1);
  assert_string_equal(tw_areas_code(a, hits[0]), "JP-02");
}

static void test_holes(void **state) {
  /* Seoul is a hole in Gyeonggi: a point in central Seoul is Seoul only */
  const tw_areas *a = *state;
  int hits[8];
  int n = tw_areas_hit_ellipse(a, 37.56 * TW_DEG, 126.98 * TW_DEG, 100.0, 100.0, 0.0, hits, 8);
  assert_int_equal(n, 1);
  assert_string_equal(tw_areas_code(a, hits[0]), "KR-11");
}

static void test_sea_of_japan(void **state) {
  const tw_areas *a = *state;
  int hits[8];
  /* 40N 135E: some 300 km from Honshu, Hokkaido and the Korean coast */
  int n = tw_areas_hit_ellipse(a, 40.0 * TW_DEG, 135.0 * TW_DEG, 20e3, 10e3, 30 * TW_DEG, hits, 8);
  assert_int_equal(n, 0);
  /* grown to 400 km along the east-west axis it reaches Honshu */
  n = tw_areas_hit_ellipse(a, 40.0 * TW_DEG, 135.0 * TW_DEG, 500e3, 10e3, 90 * TW_DEG, hits, 8);
  assert_true(n > 0);
}

static void test_guam_antimeridian(void **state) {
  const tw_areas *a = *state;
  int hits[8];
  int n = tw_areas_hit_ellipse(a, 13.45 * TW_DEG, 144.78 * TW_DEG, 5e3, 5e3, 0.0, hits, 8);
  assert_int_equal(n, 1);
  assert_string_equal(tw_areas_code(a, hits[0]), "US-GU");
  /* an ellipse astride the antimeridian in the Aleutians reaches Alaska's islands on both sides */
  n = tw_areas_hit_ellipse(a, 52.0 * TW_DEG, 180.0 * TW_DEG, 600e3, 300e3, 90 * TW_DEG, hits, 8);
  assert_int_equal(n, 1);
  assert_string_equal(tw_areas_code(a, hits[0]), "US-AK");
  n = tw_areas_hit_ellipse(a, 52.0 * TW_DEG, -180.0 * TW_DEG, 600e3, 300e3, 90 * TW_DEG, hits, 8);
  assert_int_equal(n, 1);
}

static void test_hwasong12_track(void **state) {
  const tw_areas *a = *state;
  enum { N = 31 };
  double lat[N], lon[N];
  for (int i = 0; i < N; i++)
    tw_geodesic_direct(40.6 * TW_DEG, 126.4 * TW_DEG, 84.5 * TW_DEG, 100e3 * i, &lat[i], &lon[i], NULL);
  int hits[32];
  int n = tw_areas_hit_track(a, lat, lon, N, hits, 32);
  assert_true(n > 0 && n <= 32);
  for (int i = 0; i < n; i++) print_message("track over %s %s\n", tw_areas_code(a, hits[i]), tw_areas_name(a, hits[i]));
  assert_true(contains(hits, n, tw_areas_find(a, "JP-02")));
  int kp = 0;
  for (int i = 0; i < n; i++) kp += strncmp(tw_areas_code(a, hits[i]), "KP-", 3) == 0;
  assert_true(kp >= 1);
  /* max smaller than the count: the count still comes back, only max are written */
  int one[1] = {-7};
  assert_int_equal(tw_areas_hit_track(a, lat, lon, N, one, 1), n);
  assert_int_equal(one[0], hits[0]);
}

static void test_errors(void **state) {
  const tw_areas *a = *state;
  int hits[4] = {-7, -7, -7, -7};
  assert_int_equal(tw_areas_hit_ellipse(a, 0.0, 0.0, 10.0, 20.0, 0.0, hits, 4), TW_EINVAL);
  assert_int_equal(tw_areas_hit_ellipse(a, 2.0, 0.0, 10.0, 10.0, 0.0, hits, 4), TW_EINVAL);
  assert_int_equal(tw_areas_hit_ellipse(NULL, 0.0, 0.0, 10.0, 10.0, 0.0, hits, 4), TW_EINVAL);
  double lat = 0.0, lon = 0.0 / 0.0;
  assert_int_equal(tw_areas_hit_track(a, &lat, &lon, 1, hits, 4), TW_EINVAL);
  assert_int_equal(hits[0], -7);

  tw_areas *b = (tw_areas *)0x1;
  char err[256];
  assert_int_equal(tw_areas_load(&b, TW_DATA_DIR "/no-such-file.json", err, sizeof err), TW_EIO);
  assert_ptr_equal(b, (tw_areas *)0x1);
  assert_non_null(strstr(err, "no-such-file.json"));
}

static void test_malformed(void **state) {
  (void)state;
  static const char *bad[] = {
    "{}", "[]", "[{\"code\":\"X-1\",\"name\":\"x\",\"nation\":\"XXX\"}]",
    "[{\"code\":\"X-1\",\"name\":\"x\",\"nation\":\"XXX\",\"rings\":[[[0,0],[1,0]]]}]",
    "[{\"code\":\"X-1\",\"name\":\"x\",\"nation\":\"XXX\",\"rings\":[[[0,0],[1,0],[1,\"a\"]]]}]",
    "[{\"code\":\"X-1\",\"name\":\"x\",\"nation\":\"XXX\",\"rings\":[[[0,0],[1,0],[1,95]]]}]",
    "[{\"code\":\"X-1\",\"name\":\"x\",\"nation\":\"XXX\",\"rings\":[[[0,0],[1,0],[1,1]]]",
  };
  char path[64]; /* per process: the plain and the sanitizer builds may run at once */
  snprintf(path, sizeof path, "/tmp/tw_test_areas_%ld.json", (long)getpid());
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(bad[i], f);
    fclose(f);
    tw_areas *b = NULL;
    char err[256] = "";
    assert_int_equal(tw_areas_load(&b, path, err, sizeof err), TW_EPARSE);
    assert_null(b);
    assert_non_null(strstr(err, path));
  }
  /* an open ring is closed; a bow-tie is repaired, not rejected */
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("[{\"code\":\"X-1\",\"name\":\"x\",\"nation\":\"XXX\",\"rings\":[[[0,0],[1,0],[1,1]],"
        "[[10,0],[11,1],[11,0],[10,1],[10,0]]]}]", f);
  fclose(f);
  tw_areas *b = NULL;
  assert_int_equal(tw_areas_load(&b, path, NULL, 0), 1);
  int hits[1];
  assert_int_equal(tw_areas_hit_ellipse(b, 0.5 * TW_DEG, 0.9 * TW_DEG, 10.0, 10.0, 0.0, hits, 1), 1);
  assert_int_equal(tw_areas_hit_ellipse(b, 0.5 * TW_DEG, 10.1 * TW_DEG, 10.0, 10.0, 0.0, hits, 1), 1);
  tw_areas_free(b);
  remove(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_counts),
    cmocka_unit_test(test_point_in_aomori),
    cmocka_unit_test(test_holes),
    cmocka_unit_test(test_sea_of_japan),
    cmocka_unit_test(test_guam_antimeridian),
    cmocka_unit_test(test_hwasong12_track),
    cmocka_unit_test(test_errors),
    cmocka_unit_test(test_malformed),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
