/* test_vectors_nk.c - the project's copy of the North Korean launch facts
 * (tests/data/nk_launches.csv) agrees with ../shared/vectors/nk/launches.json, where that is
 * present (TW_SHARED_VECTORS overrides the place); skipped with a message where it is not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "nk_launches.h"

static nk_launch g_launch[NK_MAX_LAUNCHES];
static int g_n;

static int load_launches(void) { return g_n = nk_launches_load(g_launch, NK_MAX_LAUNCHES); }

/* The project's copy of the facts matches the shared vectors, where those are present. */
static void test_facts_match_vectors(void **state)
{
  (void)state;
  const char *dir = getenv("TW_SHARED_VECTORS");
  char path[1024];
  snprintf(path, sizeof path, "%s/nk/launches.json", dir ? dir : TW_SHARED_VECTORS);
  json_error_t err;
  json_t *root = json_load_file(path, 0, &err);
  if (!root) {
    printf("  skipped: %s not found (set TW_SHARED_VECTORS)\n", path);
    skip();
  }
  json_t *arr = json_object_get(root, "launches");
  assert_int_equal((int)json_array_size(arr), g_n);
  for (int i = 0; i < g_n; i++) {
    json_t *o = json_array_get(arr, (size_t)i);
    assert_string_equal(json_string_value(json_object_get(o, "id")), g_launch[i].id);
    assert_true(json_number_value(json_object_get(o, "apogee_km")) == g_launch[i].apogee_km);
    assert_true(json_number_value(json_object_get(o, "range_km")) == g_launch[i].range_km);
    assert_true(json_number_value(json_object_get(o, "lat")) == g_launch[i].lat);
    json_t *ft = json_object_get(o, "reported_flight_time_s");
    assert_true(ft ? json_number_value(ft) == g_launch[i].flight_s : g_launch[i].flight_s < 0);
  }
  json_decref(root);
}


int main(void)
{
  if (load_launches() < 20) {
    fprintf(stderr, "test_vectors_nk: cannot read %s/nk_launches.csv\n", TW_TEST_DATA);
    return 1;
  }
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_facts_match_vectors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
