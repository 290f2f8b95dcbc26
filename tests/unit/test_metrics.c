/* test_metrics.c — the metrics registry's text format and the ops endpoints over real HTTP. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/core/metrics.h"
#include "hub/core/ops_http.h"

static void test_metrics_render_counters_gauges_and_histograms(void **state)
{
    (void)state;
    hub_metrics_t *m = hub_metrics_new();
    assert_non_null(m);
    hub_metrics_describe(m, "hub_consumed_total", "counter", "messages read");
    hub_metrics_add(m, "hub_consumed_total", "topic", "placement-events", 3);
    hub_metrics_add(m, "hub_consumed_total", "topic", "placement-events", 2);
    hub_metrics_add(m, "hub_consumed_total", "topic", "odd\"name", 1);
    hub_metrics_set(m, "hub_lag", NULL, NULL, 7);
    hub_metrics_observe(m, "hub_batch_seconds", 0.003);
    hub_metrics_observe(m, "hub_batch_seconds", 20);
    assert_true(hub_metrics_get(m, "hub_consumed_total", "topic", "placement-events") == 5);
    char *out = NULL;
    size_t len = 0;
    assert_int_equal(hub_metrics_render(m, &out, &len), 0);
    assert_non_null(strstr(out, "# HELP hub_consumed_total messages read\n"
                                "# TYPE hub_consumed_total counter\n"
                                "hub_consumed_total{topic=\"placement-events\"} 5\n"));
    assert_non_null(strstr(out, "hub_consumed_total{topic=\"odd\\\"name\"} 1\n"));
    assert_non_null(strstr(out, "hub_lag 7\n"));
    assert_non_null(strstr(out, "hub_batch_seconds_bucket{le=\"0.001\"} 0\n"));
    assert_non_null(strstr(out, "hub_batch_seconds_bucket{le=\"0.005\"} 1\n"));
    assert_non_null(strstr(out, "hub_batch_seconds_bucket{le=\"10\"} 1\n"));
    assert_non_null(strstr(out, "hub_batch_seconds_bucket{le=\"+Inf\"} 2\n"));
    assert_non_null(strstr(out, "hub_batch_seconds_count 2\n"));
    free(out);
    hub_metrics_destroy(m);
}

struct body {
    char buf[4096];
    size_t n;
};

static size_t collect(char *p, size_t size, size_t nmemb, void *ud)
{
    struct body *b = ud;
    size_t n = size * nmemb;
    if (b->n + n >= sizeof b->buf)
        n = sizeof b->buf - b->n - 1;
    memcpy(b->buf + b->n, p, n);
    b->n += n;
    b->buf[b->n] = '\0';
    return size * nmemb;
}

static long get(int port, const char *path, struct body *b)
{
    char url[128];
    long code = 0;
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    memset(b, 0, sizeof *b);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(c);
    return code;
}

static bool ready_flag;

static bool is_ready(void *ud, char *why, size_t n)
{
    (void)ud;
    if (!ready_flag)
        snprintf(why, n, "database not answering");
    return ready_flag;
}

/* Every exporter's process metrics and the build: names and units of the Prometheus clients. */
static void test_metrics_render_process_metrics_and_build_info(void **state)
{
    (void)state;
    hub_metrics_t *m = hub_metrics_new();
    char *out = NULL;
    size_t len = 0;
    assert_non_null(m);
    assert_int_equal(hub_metrics_render(m, &out, &len), 0);
    assert_non_null(strstr(out, "hub_build_info{version=\"" HUB_VERSION "\"} 1\n"));
    const char *rss = strstr(out, "\nprocess_resident_memory_bytes ");
    assert_non_null(rss);
    assert_true(strtod(rss + strlen("\nprocess_resident_memory_bytes "), NULL) > 1e5);
    const char *cpu = strstr(out, "# TYPE process_cpu_seconds_total counter\n");
    assert_non_null(cpu);
    const char *start = strstr(out, "\nprocess_start_time_seconds ");
    assert_non_null(start);
    double t = strtod(start + strlen("\nprocess_start_time_seconds "), NULL);
    assert_true(t > 1.7e9 && t < 4e9); /* an epoch time, not ticks */
    const char *fds = strstr(out, "\nprocess_open_fds ");
    assert_non_null(fds);
    assert_true(strtol(fds + strlen("\nprocess_open_fds "), NULL, 10) >= 3);
    free(out);
    hub_metrics_destroy(m);
}

static void test_ops_http_serves_metrics_health_and_readiness(void **state)
{
    (void)state;
    hub_metrics_t *m = hub_metrics_new();
    hub_ops_http_t *s = NULL;
    struct hub_error err = {0};
    struct body b;
    hub_metrics_add(m, "hub_consumed_total", "topic", "placement-events", 42);
    assert_int_equal(hub_ops_http_start("127.0.0.1:0", m, is_ready, NULL, &s, &err), 0);
    int port = hub_ops_http_port(s);
    assert_true(port > 0);
    assert_int_equal(get(port, "/metrics", &b), 200);
    assert_non_null(strstr(b.buf, "hub_consumed_total{topic=\"placement-events\"} 42"));
    assert_int_equal(get(port, "/healthz", &b), 200);
    ready_flag = false;
    assert_int_equal(get(port, "/readyz", &b), 503);
    assert_non_null(strstr(b.buf, "database not answering"));
    ready_flag = true;
    assert_int_equal(get(port, "/readyz", &b), 200);
    assert_int_equal(get(port, "/nothing-here", &b), 404);
    hub_ops_http_stop(s);
    hub_metrics_destroy(m);
}

static void test_ops_http_refuses_a_malformed_listen_address(void **state)
{
    (void)state;
    hub_metrics_t *m = hub_metrics_new();
    hub_ops_http_t *s = NULL;
    struct hub_error err = {0};
    assert_int_equal(hub_ops_http_start("localhost", m, NULL, NULL, &s, &err), HUB_ECONFIG_VALUE);
    assert_non_null(strstr(err.msg, "hub.metrics.listen"));
    assert_int_equal(hub_ops_http_start("127.0.0.1:99999", m, NULL, NULL, &s, &err),
                     HUB_ECONFIG_VALUE);
    assert_null(s);
    hub_metrics_destroy(m);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metrics_render_counters_gauges_and_histograms),
        cmocka_unit_test(test_metrics_render_process_metrics_and_build_info),
        cmocka_unit_test(test_ops_http_serves_metrics_health_and_readiness),
        cmocka_unit_test(test_ops_http_refuses_a_malformed_listen_address),
    };
    int rc = cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
