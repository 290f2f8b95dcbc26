/* test_kafka_conf.c — one shared kafka.* configuration serves producers and consumers: each role
 * gets the properties that apply to it, and no program warns about the other role's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/core/config.h"
#include "hub/core/log.h"
#include "hub/kafka/kafka.h"

/* The shared configuration deploy/run.sh writes: consumer timeouts next to a producer setting. */
static hub_config_t *shared_config(void)
{
    hub_config_t *cfg = NULL;
    struct hub_error err = {0};
    assert_int_equal(hub_config_load(NULL, &cfg, &err), 0);
    assert_int_equal(hub_config_set(cfg, "kafka.bootstrap.servers", "127.0.0.1:1", "test", &err),
                     0);
    assert_int_equal(hub_config_set(cfg, "kafka.session.timeout.ms", "6000", "test", &err), 0);
    assert_int_equal(hub_config_set(cfg, "kafka.heartbeat.interval.ms", "500", "test", &err), 0);
    assert_int_equal(hub_config_set(cfg, "kafka.linger.ms", "7", "test", &err), 0);
    assert_int_equal(hub_config_set(cfg, "kafka.socket.timeout.ms", "4000", "test", &err), 0);
    return cfg;
}

static void conf_value(rd_kafka_conf_t *conf, const char *key, char *buf, size_t n)
{
    size_t len = n;
    assert_int_equal(rd_kafka_conf_get(conf, key, buf, &len), RD_KAFKA_CONF_OK);
}

static void test_kafka_producer_does_not_warn_about_consumer_keys(void **state)
{
    (void)state;
    hub_config_t *cfg = shared_config();
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    hub_log_setup("test", HUB_LOG_DEBUG, HUB_LOG_LOGFMT);
    hub_log_set_stream(f);
    hub_producer_t *p = NULL;
    struct hub_error err = {0};
    int rc = hub_producer_new(cfg, "test", NULL, NULL, &p, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, 0);
    hub_producer_destroy(p);
    hub_log_set_stream(NULL);
    assert_int_equal(fclose(f), 0);
    if (buf && strstr(buf, "ignored"))
        print_error("%s", buf);
    assert_true(buf == NULL || strstr(buf, "consumer property") == NULL);
    assert_true(buf == NULL || strstr(buf, "ignored by this") == NULL);
    free(buf);
    hub_config_destroy(cfg);
}

static void test_kafka_each_role_gets_its_keys(void **state)
{
    (void)state;
    hub_config_t *cfg = shared_config();
    struct hub_error err = {0};
    rd_kafka_conf_t *cons = NULL, *prod = NULL;
    char v[64];
    assert_int_equal(hub_kafka_conf_new(cfg, HUB_KAFKA_CONSUMER, "c", &cons, &err), 0);
    assert_int_equal(hub_kafka_conf_new(cfg, HUB_KAFKA_PRODUCER, "p", &prod, &err), 0);
    /* the consumer has its timeouts, the producer its linger, both the shared socket timeout */
    conf_value(cons, "session.timeout.ms", v, sizeof v);
    assert_string_equal(v, "6000");
    conf_value(cons, "heartbeat.interval.ms", v, sizeof v);
    assert_string_equal(v, "500");
    conf_value(prod, "linger.ms", v, sizeof v);
    assert_string_equal(v, "7");
    conf_value(prod, "socket.timeout.ms", v, sizeof v);
    assert_string_equal(v, "4000");
    conf_value(cons, "socket.timeout.ms", v, sizeof v);
    assert_string_equal(v, "4000");
    /* and not the other role's */
    conf_value(prod, "session.timeout.ms", v, sizeof v);
    assert_string_not_equal(v, "6000");
    conf_value(cons, "linger.ms", v, sizeof v);
    assert_string_not_equal(v, "7");
    rd_kafka_conf_destroy(cons);
    rd_kafka_conf_destroy(prod);
    hub_config_destroy(cfg);
}

static void test_kafka_unknown_key_is_still_refused(void **state)
{
    (void)state;
    hub_config_t *cfg = shared_config();
    struct hub_error err = {0};
    rd_kafka_conf_t *conf = NULL;
    assert_int_equal(hub_config_set(cfg, "kafka.sesion.timeout.ms", "6000", "hub.conf:3", &err), 0);
    assert_int_equal(hub_kafka_conf_new(cfg, HUB_KAFKA_PRODUCER, "p", &conf, &err),
                     HUB_ECONFIG_VALUE);
    assert_null(conf);
    assert_non_null(strstr(err.msg, "hub.conf:3: kafka.sesion.timeout.ms"));
    hub_config_destroy(cfg);
}

/* The consumer's prefetch follows hub.consumer.batch_max (two and a half batches: the one in hand,
 * the one verified ahead and what arrives meanwhile); a kafka.* key still has the last word. */
static void test_kafka_prefetch_follows_batch_size(void **state)
{
    (void)state;
    hub_config_t *cfg = shared_config();
    struct hub_error err = {0};
    rd_kafka_conf_t *conf = NULL;
    char v[64];
    assert_int_equal(hub_kafka_conf_new(cfg, HUB_KAFKA_CONSUMER, "c", &conf, &err), 0);
    conf_value(conf, "queued.min.messages", v, sizeof v);
    assert_string_equal(v, "5000"); /* batch_max 2000 by default */
    rd_kafka_conf_destroy(conf);

    assert_int_equal(hub_config_set(cfg, "hub.consumer.batch_max", "8000", "test", &err), 0);
    assert_int_equal(hub_kafka_conf_new(cfg, HUB_KAFKA_CONSUMER, "c", &conf, &err), 0);
    conf_value(conf, "queued.min.messages", v, sizeof v);
    assert_string_equal(v, "20000");
    rd_kafka_conf_destroy(conf);

    assert_int_equal(hub_config_set(cfg, "kafka.queued.min.messages", "3000", "test", &err), 0);
    assert_int_equal(hub_kafka_conf_new(cfg, HUB_KAFKA_CONSUMER, "c", &conf, &err), 0);
    conf_value(conf, "queued.min.messages", v, sizeof v);
    assert_string_equal(v, "3000");
    rd_kafka_conf_destroy(conf);
    hub_config_destroy(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kafka_producer_does_not_warn_about_consumer_keys),
        cmocka_unit_test(test_kafka_each_role_gets_its_keys),
        cmocka_unit_test(test_kafka_unknown_key_is_still_refused),
        cmocka_unit_test(test_kafka_prefetch_follows_batch_size),
    };
    return cmocka_run_group_tests_name("kafka_conf", tests, NULL, NULL);
}
