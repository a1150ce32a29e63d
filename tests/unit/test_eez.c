/* test_eez.c - the partners' approximate exclusive economic zones: data/eez.json (made by
 * scripts/areas/eez.mjs) loads with tw_areas_load like data/areas.json, and point queries land in
 * the zone of the nearest partner's land within 200 nmi, in none on land or far out at sea. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <string.h>

#include "triwatch/areas.h"
#include "triwatch/error.h"
#include "triwatch/geo.h"

#define EEZ_FILE TW_DATA_DIR "/eez.json"

static int setup(void **state) {
  tw_areas *a = NULL;
  char err[256] = "";
  int n = tw_areas_load(&a, EEZ_FILE, err, sizeof err);
  if (n < 0) print_error("%s\n", err);
  *state = a;
  return n > 0 ? 0 : -1;
}

static int teardown(void **state) {
  tw_areas_free(*state);
  return 0;
}

/* The zone code at one point, "" for none; fails on more than one. */
static const char *zone_at(const tw_areas *a, double lat_deg, double lon_deg) {
  double lat = lat_deg * TW_DEG, lon = lon_deg * TW_DEG;
  int hits[4];
  int n = tw_areas_hit_track(a, &lat, &lon, 1, hits, 4);
  if (n != 0) print_message("%.2fN %.2fE: %d zone(s), first %s\n", lat_deg, lon_deg, n, n > 0 ? tw_areas_code(a, hits[0]) : "-");
  assert_true(n == 0 || n == 1); /* zones do not overlap */
  return n == 1 ? tw_areas_code(a, hits[0]) : "";
}

static void test_zones(void **state) {
  const tw_areas *a = *state;
  static const char *codes[] = {"JP-EEZ", "KR-EEZ", "US-AK-EEZ", "US-GU-EEZ", "US-HI-EEZ", "US-MP-EEZ"};
  assert_int_equal(tw_areas_count(a), 6);
  for (int i = 0; i < 6; i++) {
    int k = tw_areas_find(a, codes[i]);
    assert_true(k >= 0);
    const char *name = tw_areas_name(a, k), *suffix = " (approximate)";
    assert_true(strlen(name) > strlen(suffix));
    assert_string_equal(name + strlen(name) - strlen(suffix), suffix);
    assert_string_equal(tw_areas_nation(a, k), i == 0 ? "JPN" : i == 1 ? "KOR" : "USA");
  }
}

/* The file as written: every ring closed, at least a triangle, longitudes in [-180, 180]. */
static void test_rings_closed(void **state) {
  (void)state;
  json_error_t jerr;
  json_t *root = json_load_file(EEZ_FILE, 0, &jerr);
  assert_non_null(root);
  size_t i, j, k;
  json_t *area, *ring, *pt;
  int n_rings = 0;
  json_array_foreach(root, i, area) {
    json_array_foreach(json_object_get(area, "rings"), j, ring) {
      size_t n = json_array_size(ring);
      assert_true(n >= 4);
      assert_true(json_equal(json_array_get(ring, 0), json_array_get(ring, n - 1)));
      json_array_foreach(ring, k, pt) {
        double lon = json_number_value(json_array_get(pt, 0));
        assert_true(lon >= -180.0 && lon <= 180.0);
      }
      n_rings++;
    }
  }
  assert_true(n_rings >= 6);
  json_decref(root);
}

static void test_japan(void **state) {
  const tw_areas *a = *state;
  assert_string_equal(zone_at(a, 35.7, 141.0), "JP-EEZ"); /* 11 km off Choshi */
  assert_string_equal(zone_at(a, 35.7, 142.0), "JP-EEZ"); /* 100 km off Choshi */
  assert_string_equal(zone_at(a, 35.68, 139.76), "");     /* Tokyo: land is not EEZ */
  assert_string_equal(zone_at(a, 37.0, 147.0), "");       /* 500 km east of Honshu */
  /* Minamitorishima, 1,800 km from Honshu, has its own circle */
  assert_string_equal(zone_at(a, 24.3, 156.0), "JP-EEZ");
  /* 34.0N 129.1E, 120 km south of Busan, is 14 km from Tsushima: Japan's side */
  assert_string_equal(zone_at(a, 34.0, 129.1), "JP-EEZ");
}

static void test_korea(void **state) {
  const tw_areas *a = *state;
  /* 165 km south-west of Busan: 38 km from Korean islands, 127 km from Japan's */
  assert_string_equal(zone_at(a, 34.0, 127.8), "KR-EEZ");
  /* the Yellow Sea 74 km off China (347 km from Korea): China's side */
  assert_string_equal(zone_at(a, 36.0, 121.5), "");
  /* the Sea of Japan at 40N 134E: Russia 308 km, Japan 378 km, Korea 382 km away */
  assert_string_equal(zone_at(a, 40.0, 134.0), "");
  assert_string_equal(zone_at(a, 37.57, 126.98), ""); /* Seoul */
}

static void test_united_states(void **state) {
  const tw_areas *a = *state;
  /* 95 km east of Guam, 101 km from Rota: Guam's, 3 km from the Guam / Marianas median */
  assert_string_equal(zone_at(a, 13.4, 145.8), "US-GU-EEZ");
  assert_string_equal(zone_at(a, 12.8, 144.8), "US-GU-EEZ");
  assert_string_equal(zone_at(a, 15.2, 146.5), "US-MP-EEZ"); /* east of Saipan */
  assert_string_equal(zone_at(a, 19.0, -153.0), "US-HI-EEZ"); /* east of Hawaii island */
  /* the Aleutian zone on both sides of the antimeridian (split there, as areas.json splits
   * Alaska's islands) */
  assert_string_equal(zone_at(a, 52.0, 178.0), "US-AK-EEZ");
  assert_string_equal(zone_at(a, 51.0, -176.6), "US-AK-EEZ");
  double lat[2] = {51.5 * TW_DEG, 51.5 * TW_DEG}, lon[2] = {179.5 * TW_DEG, -179.5 * TW_DEG};
  int hits[4];
  int n = tw_areas_hit_track(a, lat, lon, 2, hits, 4);
  assert_int_equal(n, 1);
  assert_string_equal(tw_areas_code(a, hits[0]), "US-AK-EEZ");
  assert_string_equal(zone_at(a, 51.5, 180.0), "US-AK-EEZ");
  assert_string_equal(zone_at(a, 51.5, -180.0), "US-AK-EEZ");
}

/* An impact ellipse off Noto reaches the zone; one over open ocean does not. */
static void test_ellipse(void **state) {
  const tw_areas *a = *state;
  int hits[4];
  int n = tw_areas_hit_ellipse(a, 39.0 * TW_DEG, 136.0 * TW_DEG, 50e3, 20e3, 0.0, hits, 4);
  assert_int_equal(n, 1);
  assert_string_equal(tw_areas_code(a, hits[0]), "JP-EEZ");
  n = tw_areas_hit_ellipse(a, 30.0 * TW_DEG, 165.0 * TW_DEG, 50e3, 20e3, 0.0, hits, 4);
  assert_int_equal(n, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_zones),
    cmocka_unit_test(test_rings_closed),
    cmocka_unit_test(test_japan),
    cmocka_unit_test(test_korea),
    cmocka_unit_test(test_united_states),
    cmocka_unit_test(test_ellipse),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
