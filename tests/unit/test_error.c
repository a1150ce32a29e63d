/* test_error.c - the TW_E* table: every code has a distinct name and a message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "triwatch/error.h"

static void test_names_and_messages(void **state)
{
  (void)state;
  assert_string_equal(tw_err_name(TW_EINVAL), "TW_EINVAL");
  assert_string_equal(tw_strerror(TW_ENOTPD), "matrix is not positive definite");
  assert_string_equal(tw_strerror(-9999), "unknown error");
  assert_string_equal(tw_err_name(0), "TW_OK");
  const int codes[] = {
#define X(name, value, msg) name,
    TW_ERRNO_MAP(X)
#undef X
  };
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    assert_true(codes[i] < 0);
    for (size_t j = i + 1; j < sizeof codes / sizeof codes[0]; j++) {
      assert_int_not_equal(codes[i], codes[j]);
      assert_string_not_equal(tw_err_name(codes[i]), tw_err_name(codes[j]));
    }
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_names_and_messages),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
