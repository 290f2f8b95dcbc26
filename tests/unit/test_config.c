/* test_config.c — the properties file, environment overrides and the hub.* key table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub/core/config.h"

static char *write_temp(const char *content)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/test_config_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
    close(fd);
    return path;
}

static void test_config_reads_keys_and_defaults(void **state)
{
    (void)state;
    char *p = write_temp("# comment\n\n kafka.bootstrap.servers = 127.0.0.1:9092 \n"
                         "pg.dbname=hub\nhub.topic.prefix=dev.\n! also a comment\n");
    hub_config_t *cfg = NULL;
    struct hub_error err = {0};
    assert_int_equal(hub_config_load(p, &cfg, &err), 0);
    assert_string_equal(hub_config_get(cfg, "kafka.bootstrap.servers"), "127.0.0.1:9092");
    assert_string_equal(hub_config_get(cfg, "hub.topic.prefix"), "dev.");
    assert_string_equal(hub_config_get(cfg, "hub.log.level"), "info");
    assert_string_equal(hub_config_origin(cfg, "hub.log.level"), "default");
    assert_int_equal(hub_config_get_int(cfg, "hub.consumer.batch_max"), 2000);
    assert_null(hub_config_get(cfg, "kafka.acks"));
    char topic[64];
    hub_config_topic(cfg, "placement-events", topic, sizeof topic);
    assert_string_equal(topic, "dev.placement-events");
    hub_config_destroy(cfg);
    unlink(p);
}

static void test_config_rejects_unknown_hub_key_naming_file_and_line(void **state)
{
    (void)state;
    char *p = write_temp("hub.log.level=info\n\nhub.no.such.key=1\n");
    hub_config_t *cfg = NULL;
    struct hub_error err = {0};
    assert_int_equal(hub_config_load(p, &cfg, &err), HUB_ECONFIG_UNKNOWN);
    assert_null(cfg);
    char want[128];
    snprintf(want, sizeof want, "%s:3: hub.no.such.key", p);
    assert_non_null(strstr(err.msg, want));
    unlink(p);
}

static void test_config_rejects_line_without_equals(void **state)
{
    (void)state;
    char *p = write_temp("kafka.acks=all\njust some words\n");
    hub_config_t *cfg = NULL;
    struct hub_error err = {0};
    assert_int_equal(hub_config_load(p, &cfg, &err), HUB_ECONFIG_SYNTAX);
    char want[128];
    snprintf(want, sizeof want, "%s:2:", p);
    assert_non_null(strstr(err.msg, want));
    unlink(p);
}

static void test_config_rejects_bad_integer_and_range(void **state)
{
    (void)state;
    hub_config_t *cfg = NULL;
    struct hub_error err = {0};
    char *p = write_temp("hub.consumer.batch_max=lots\n");
    assert_int_equal(hub_config_load(p, &cfg, &err), HUB_ECONFIG_VALUE);
    assert_non_null(strstr(err.msg, "hub.consumer.batch_max"));
    unlink(p);
    p = write_temp("hub.consumer.batch_max=0\n");
    assert_int_equal(hub_config_load(p, &cfg, &err), HUB_ECONFIG_VALUE);
    assert_non_null(strstr(err.msg, "outside"));
    unlink(p);
}

static void test_config_rejects_key_without_known_prefix(void **state)
{
    (void)state;
    hub_config_t *cfg = NULL;
    struct hub_error err = {0};
    char *p = write_temp("bootstrap.servers=x\n");
    assert_int_equal(hub_config_load(p, &cfg, &err), HUB_ECONFIG_UNKNOWN);
    unlink(p);
}

static void test_config_missing_file_is_io_error(void **state)
{
    (void)state;
    hub_config_t *cfg = NULL;
    struct hub_error err = {0};
    assert_int_equal(hub_config_load("/nonexistent/hub.conf", &cfg, &err), HUB_EIO);
    assert_non_null(strstr(err.msg, "/nonexistent/hub.conf"));
}

static void test_config_environment_overrides_file(void **state)
{
    (void)state;
    char *p = write_temp("kafka.bootstrap.servers=file:1\nhub.topic.prefix=file.\npg.host=/f\n");
    setenv("HUB_KAFKA_BOOTSTRAP_SERVERS", "env:2", 1);
    setenv("HUB_TOPIC_PREFIX", "env.", 1);
    setenv("HUB_PG_SSLMODE", "verify-full", 1);
    hub_config_t *cfg = NULL;
    struct hub_error err = {0};
    assert_int_equal(hub_config_load(p, &cfg, &err), 0);
    assert_string_equal(hub_config_get(cfg, "kafka.bootstrap.servers"), "env:2");
    assert_string_equal(hub_config_get(cfg, "hub.topic.prefix"), "env.");
    assert_string_equal(hub_config_get(cfg, "pg.sslmode"), "verify-full");
    assert_string_equal(hub_config_origin(cfg, "hub.topic.prefix"), "environment HUB_TOPIC_PREFIX");
    char *ci = NULL;
    assert_int_equal(hub_config_pg_conninfo(cfg, &ci), 0);
    assert_string_equal(ci, "host='/f' sslmode='verify-full'");
    free(ci);
    hub_config_destroy(cfg);
    unsetenv("HUB_KAFKA_BOOTSTRAP_SERVERS");
    unsetenv("HUB_TOPIC_PREFIX");
    unsetenv("HUB_PG_SSLMODE");
    unlink(p);
}

static void test_config_bad_env_value_names_the_variable(void **state)
{
    (void)state;
    setenv("HUB_CONSUMER_BATCH_MAX", "-5", 1);
    hub_config_t *cfg = NULL;
    struct hub_error err = {0};
    assert_int_equal(hub_config_load(NULL, &cfg, &err), HUB_ECONFIG_VALUE);
    assert_non_null(strstr(err.msg, "HUB_CONSUMER_BATCH_MAX"));
    unsetenv("HUB_CONSUMER_BATCH_MAX");
}

static void test_config_conninfo_quotes_values(void **state)
{
    (void)state;
    hub_config_t *cfg = NULL;
    struct hub_error err = {0};
    assert_int_equal(hub_config_load(NULL, &cfg, &err), 0);
    assert_int_equal(hub_config_set(cfg, "pg.password", "it's\\x", "test", &err), 0);
    char *ci = NULL;
    assert_int_equal(hub_config_pg_conninfo(cfg, &ci), 0);
    assert_string_equal(ci, "password='it\\'s\\\\x'");
    free(ci);
    hub_config_destroy(cfg);
}

static void test_config_bootstrap_from_file(void **state)
{
    (void)state;
    char *p = write_temp("127.0.0.1:4242,127.0.0.1:4243\n");
    char path[64];
    snprintf(path, sizeof path, "%s", p);
    hub_config_t *cfg = NULL;
    struct hub_error err = {0};
    char *bs = NULL;
    assert_int_equal(hub_config_load(NULL, &cfg, &err), 0);
    assert_int_equal(hub_config_bootstrap(cfg, &bs, &err), HUB_ECONFIG_MISSING);
    assert_non_null(strstr(err.msg, "kafka.bootstrap.servers"));
    assert_int_equal(hub_config_set(cfg, "hub.bootstrap_file", path, "test", &err), 0);
    assert_int_equal(hub_config_bootstrap(cfg, &bs, &err), 0);
    assert_string_equal(bs, "127.0.0.1:4242,127.0.0.1:4243");
    free(bs);
    unlink(path);
    assert_int_equal(hub_config_bootstrap(cfg, &bs, &err), HUB_EIO);
    assert_non_null(strstr(err.msg, path));
    hub_config_destroy(cfg);
}

static void test_config_help_lists_every_key_with_its_env_name(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    hub_config_print_help(f, false);
    fclose(f);
    assert_non_null(strstr(buf, "hub.pseudonym.key_file"));
    assert_non_null(strstr(buf, "HUB_PSEUDONYM_KEY_FILE"));
    /* no hub.* key may map to an env name that the kafka/pg overrides would claim */
    assert_null(strstr(buf, "env=HUB_KAFKA_"));
    assert_null(strstr(buf, "env=HUB_PG_"));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_reads_keys_and_defaults),
        cmocka_unit_test(test_config_rejects_unknown_hub_key_naming_file_and_line),
        cmocka_unit_test(test_config_rejects_line_without_equals),
        cmocka_unit_test(test_config_rejects_bad_integer_and_range),
        cmocka_unit_test(test_config_rejects_key_without_known_prefix),
        cmocka_unit_test(test_config_missing_file_is_io_error),
        cmocka_unit_test(test_config_environment_overrides_file),
        cmocka_unit_test(test_config_bad_env_value_names_the_variable),
        cmocka_unit_test(test_config_conninfo_quotes_values),
        cmocka_unit_test(test_config_bootstrap_from_file),
        cmocka_unit_test(test_config_help_lists_every_key_with_its_env_name),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
