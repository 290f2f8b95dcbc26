/* test_migrate.c — the migrations directory: default location and file-name rules (no server:
 * these checks happen before hub_migrate touches the connection). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub/pg/migrate.h"

static void touch(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("SELECT 1;\n", f);
    fclose(f);
}

static void clean(const char *dir, const char *const *names)
{
    char path[512];
    for (size_t i = 0; names[i]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void test_migrate_default_dir_prefers_environment(void **state)
{
    (void)state;
    char buf[4096];
    setenv("HUB_MIGRATIONS_DIR", "/srv/hub/migrations", 1);
    assert_int_equal(hub_migrate_default_dir(buf, sizeof buf), 0);
    assert_string_equal(buf, "/srv/hub/migrations");
    setenv("HUB_MIGRATIONS_DIR", "", 1);
    assert_int_equal(hub_migrate_default_dir(buf, sizeof buf), 0);
    assert_string_equal(buf, HUB_SOURCE_DIR "/deploy/migrations");
    unsetenv("HUB_MIGRATIONS_DIR");
    assert_int_equal(hub_migrate_default_dir(buf, sizeof buf), 0);
    assert_string_equal(buf, HUB_SOURCE_DIR "/deploy/migrations");
}

static void test_migrate_default_dir_too_small_is_erange(void **state)
{
    (void)state;
    char buf[4];
    unsetenv("HUB_MIGRATIONS_DIR");
    assert_int_equal(hub_migrate_default_dir(buf, sizeof buf), HUB_ERANGE);
    assert_string_equal(buf, "");
}

static void test_migrate_source_tree_has_first_migration(void **state)
{
    (void)state;
    assert_int_equal(access(HUB_SOURCE_DIR "/deploy/migrations/001_readmodel.sql", R_OK), 0);
}

static void test_migrate_missing_dir_is_eio(void **state)
{
    (void)state;
    struct hub_error err = {0};
    int applied = -1;
    assert_int_equal(hub_migrate(NULL, "/nonexistent/hub-migrations", &applied, &err), HUB_EIO);
    assert_int_equal(applied, 0);
    assert_non_null(strstr(err.msg, "/nonexistent/hub-migrations"));
}

static void test_migrate_empty_dir_is_enotfound(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_migrate_XXXXXX";
    struct hub_error err = {0};
    assert_non_null(mkdtemp(dir));
    touch(dir, "README.md");
    assert_int_equal(hub_migrate(NULL, dir, NULL, &err), HUB_ENOTFOUND);
    const char *names[] = {"README.md", NULL};
    clean(dir, names);
}

static void test_migrate_refuses_badly_named_sql_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_migrate_XXXXXX";
    struct hub_error err = {0};
    assert_non_null(mkdtemp(dir));
    touch(dir, "001_ok.sql");
    touch(dir, "fix.sql");
    assert_int_equal(hub_migrate(NULL, dir, NULL, &err), HUB_EINVAL);
    assert_non_null(strstr(err.msg, "fix.sql"));
    const char *names[] = {"001_ok.sql", "fix.sql", NULL};
    clean(dir, names);
}

static void test_migrate_refuses_duplicate_versions(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_migrate_XXXXXX";
    struct hub_error err = {0};
    assert_non_null(mkdtemp(dir));
    touch(dir, "001_a.sql");
    touch(dir, "2_b.sql");
    touch(dir, "002_c.sql");
    assert_int_equal(hub_migrate(NULL, dir, NULL, &err), HUB_EINVAL);
    assert_non_null(strstr(err.msg, "same version 2"));
    const char *names[] = {"001_a.sql", "2_b.sql", "002_c.sql", NULL};
    clean(dir, names);
}

static void test_migrate_refuses_version_zero(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_migrate_XXXXXX";
    struct hub_error err = {0};
    assert_non_null(mkdtemp(dir));
    touch(dir, "000_zero.sql");
    assert_int_equal(hub_migrate(NULL, dir, NULL, &err), HUB_EINVAL);
    const char *names[] = {"000_zero.sql", NULL};
    clean(dir, names);
}

/* The schema's name goes into SQL text, so only a plain lowercase identifier is taken. */
static void test_migrate_schema_refuses_names_that_need_quoting(void **state)
{
    (void)state;
    const char *bad[] = {"",      "Hub",    "hub; drop table x", "1hub",
                         "hub.x", "hub\"x", "sams-outbox",       NULL};
    for (size_t i = 0; bad[i]; i++) {
        struct hub_error err = {0};
        int version = -1;
        assert_int_equal(
            hub_migrate_schema(NULL, HUB_SOURCE_DIR "/deploy/outbox", bad[i], NULL, &err),
            HUB_EINVAL);
        assert_non_null(strstr(err.msg, "schema name"));
        assert_int_equal(hub_migrate_schema_version(NULL, bad[i], &version, &err), HUB_EINVAL);
        assert_int_equal(version, 0);
    }
    struct hub_error err = {0};
    /* a good name gets as far as the directory */
    assert_int_equal(hub_migrate_schema(NULL, "/nonexistent/outbox", "sams_outbox", NULL, &err),
                     HUB_EIO);
}

static void test_migrate_source_tree_has_the_outbox(void **state)
{
    (void)state;
    assert_int_equal(access(HUB_SOURCE_DIR "/deploy/outbox/001_outbox.sql", R_OK), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate_default_dir_prefers_environment),
        cmocka_unit_test(test_migrate_default_dir_too_small_is_erange),
        cmocka_unit_test(test_migrate_source_tree_has_first_migration),
        cmocka_unit_test(test_migrate_missing_dir_is_eio),
        cmocka_unit_test(test_migrate_empty_dir_is_enotfound),
        cmocka_unit_test(test_migrate_refuses_badly_named_sql_file),
        cmocka_unit_test(test_migrate_refuses_duplicate_versions),
        cmocka_unit_test(test_migrate_refuses_version_zero),
        cmocka_unit_test(test_migrate_schema_refuses_names_that_need_quoting),
        cmocka_unit_test(test_migrate_source_tree_has_the_outbox),
    };
    return cmocka_run_group_tests_name("migrate", tests, NULL, NULL);
}
