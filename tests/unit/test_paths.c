/* test_paths.c — the data directory rule: environment, then source tree, then installed copy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "hub/core/paths.h"

static void test_paths_environment_wins(void **state)
{
    (void)state;
    char buf[256];
    setenv("HUB_MIGRATIONS_DIR", "/somewhere/migrations", 1);
    assert_int_equal(hub_data_dir(HUB_DATA_MIGRATIONS, buf, sizeof buf), 0);
    assert_string_equal(buf, "/somewhere/migrations");
    unsetenv("HUB_MIGRATIONS_DIR");
}

static void test_paths_source_tree_when_it_exists(void **state)
{
    (void)state;
    char buf[4096];
    unsetenv("HUB_REFERENCE_DIR");
    assert_int_equal(hub_data_dir(HUB_DATA_REFERENCE, buf, sizeof buf), 0);
    assert_string_equal(buf, HUB_SOURCE_DIR "/schemas/reference");
    assert_int_equal(hub_data_dir(HUB_DATA_MIGRATIONS, buf, sizeof buf), 0);
    assert_string_equal(buf, HUB_SOURCE_DIR "/deploy/migrations");
}

static void test_paths_too_small_buffer_is_an_error(void **state)
{
    (void)state;
    char buf[4];
    assert_int_equal(hub_data_dir(HUB_DATA_REFERENCE, buf, sizeof buf), HUB_ERANGE);
    assert_string_equal(buf, "");
    assert_int_equal(hub_data_dir((enum hub_data_kind)9, buf, sizeof buf), HUB_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths_environment_wins),
        cmocka_unit_test(test_paths_source_tree_when_it_exists),
        cmocka_unit_test(test_paths_too_small_buffer_is_an_error),
    };
    return cmocka_run_group_tests_name("paths", tests, NULL, NULL);
}
