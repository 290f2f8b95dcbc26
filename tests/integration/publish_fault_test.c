/*
 * publish_fault_test.c — hub/publisher delivers every event exactly once through a faulty cluster.
 *
 * Hosts the dev broker in this process (deploy/hubctl/broker.h) so that it can inject faults into
 * the mock cluster, and publishes N_EVENTS generated events with hub_publisher_prepare_json() and
 * hub_publisher_send() in three phases:
 *   A. Produce requests fail with NOT_LEADER_FOR_PARTITION, REQUEST_TIMED_OUT (some after a delay),
 *      NOT_ENOUGH_REPLICAS and dropped connections, on the cluster's and each broker's error stack;
 *   B. one broker is down for DOWN_MS while sending goes on;
 *   C. more errors; then a flush.
 * Then every ticket must be ACKED, the injected broker errors must all have been served, and a
 * plain librdkafka consumer reading every partition of every topic from the beginning must find
 * every event id exactly once (invariant 7: idempotent, acks=all; no loss, no duplicates), each
 * keyed by its pseudonym, with nothing else on the topics.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hubctl/broker.h"
#include "hub/avro/codec.h"
#include "hub/core/config.h"
#include "hub/publish/publisher.h"

#define N_EVENTS 50000
#define N_CHILDREN 997
#define PHASE_A_END 20000
#define PHASE_B_END 40000
#define DOWN_BROKER 2
#define DOWN_MS 3000
#define FLUSH_TIMEOUT_MS 60000
#define CONSUME_TIMEOUT_MS 60000
#define KAFKA_API_PRODUCE 0 /* the ApiKey of ProduceRequest in the Kafka protocol */
#define EVENT_ID_FMT "0fa17e57-0000-4000-8000-%012zu"

static int failures;

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void check(bool ok, const char *fmt, ...)
{
    if (ok)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("FAIL: publish_fault_test: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    failures++;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Luhn check digit of the first nine digits of the 10-digit form. */
static int luhn(const char *nine)
{
    int sum = 0;
    for (int i = 0; i < 9; i++) {
        int d = (nine[i] - '0') * (i % 2 == 0 ? 2 : 1);
        sum += d / 10 + d % 10;
    }
    return (10 - sum % 10) % 10;
}

/* A synthetic 12-digit personnummer for child `c` (born 2008-2017, valid check digit). */
static void child_pnr(size_t c, char out[14])
{
    char d[13];
    snprintf(d, sizeof d, "%04zu%02zu%02zu%03zu", 2008 + c % 10, 1 + c / 10 % 12, 1 + c % 28,
             c % 1000);
    d[11] = (char)('0' + luhn(d + 2));
    d[12] = '\0';
    snprintf(out, 14, "%.8s-%.4s", d, d + 8);
}

/* The JSON input of event i (a mix of all four types). */
static int event_json(size_t i, char *buf, size_t cap)
{
    char pnr[14], id[48], pl[48];
    static const char contact[] =
        "{\"name\":\"Anna Handläggare\",\"role\":\"skolsamordnare\",\"phone\":\"08-508 000 00\","
        "\"email\":\"anna@example.se\"}";
    child_pnr(i % N_CHILDREN, pnr);
    snprintf(id, sizeof id, EVENT_ID_FMT, i);
    snprintf(pl, sizeof pl, "a1b2c3d4-0000-4000-8000-%012zu", i / 4);
    int day = 1 + (int)(i % 28), n = -1;
    switch (i % 4) {
    case 0:
        n = snprintf(buf, cap,
                     "{\"type\":\"placement\",\"event_id\":\"%s\",\"occurred_at\":\"2026-03-%02d"
                     "T09:15:00+01:00\",\"district\":\"farsta\",\"personnummer\":\"%s\","
                     "\"placement_id\":\"%s\",\"action\":\"started\",\"legal_basis\":\"SoL\","
                     "\"placement_form\":\"familjehem\",\"start_date\":\"2026-03-%02d\","
                     "\"school_change\":true}",
                     id, day, pnr, pl, day);
        break;
    case 1:
        n = snprintf(buf, cap,
                     "{\"type\":\"school_start\",\"event_id\":\"%s\",\"occurred_at\":\"2026-04-%02d"
                     "T08:00:00+02:00\",\"district\":\"jarva\",\"personnummer\":\"%s\","
                     "\"placement_id\":\"%s\",\"school_unit\":\"%08zu\",\"school_form\":"
                     "\"grundskola\",\"start_date\":\"2026-04-%02d\"}",
                     id, day, pnr, pl, 10000000 + i % 5000, day);
        break;
    case 2:
        n = snprintf(buf, cap,
                     "{\"type\":\"handover\",\"event_id\":\"%s\",\"occurred_at\":\"2026-03-%02d"
                     "T14:00:00+01:00\",\"district\":\"bromma\",\"personnummer\":\"%s\","
                     "\"handover_id\":\"%s\",\"placement_id\":\"%s\",\"receiving_school_unit\":"
                     "\"12345678\",\"planned_start_date\":\"2026-03-%02d\",\"legal_ground\":"
                     "\"consent_guardian\",\"contact\":%s}",
                     id, day, pnr, id, pl, day, contact);
        break;
    default:
        n = snprintf(buf, cap,
                     "{\"type\":\"contact_change\",\"event_id\":\"%s\",\"occurred_at\":\"2026-04-"
                     "%02dT09:00:00+02:00\",\"district\":\"sodermalm\",\"old_contact\":%s,"
                     "\"new_contact\":%s,\"school_units\":[\"12345678\"],\"placements\":[\"%s\"],"
                     "\"effective_date\":\"2026-04-%02d\"}",
                     id, day, contact, contact, pl, day);
        break;
    }
    return n > 0 && (size_t)n < cap ? n : -1;
}

/* Index of an event id made by EVENT_ID_FMT, or -1. */
static long event_index(const char *id)
{
    static const char prefix[] = "0fa17e57-0000-4000-8000-";
    if (strncmp(id, prefix, sizeof prefix - 1) != 0)
        return -1;
    char *end = NULL;
    long v = strtol(id + sizeof prefix - 1, &end, 10);
    return end && *end == '\0' && v >= 0 && v < N_EVENTS ? v : -1;
}

/* Sends msgs[from..to), serving delivery reports as it goes. Returns how many failed to enqueue. */
static size_t send_range(hub_publisher_t *pub, struct hub_pub_msg *msgs, size_t from, size_t to)
{
    size_t failed = 0;
    for (size_t i = from; i < to; i++) {
        struct hub_error err = {0};
        size_t ticket;
        if (hub_publisher_send(pub, &msgs[i], &ticket, &err) != 0) {
            if (failed++ < 5)
                fprintf(stderr, "send %zu: %s\n", i, err.msg);
        } else if (ticket != i) {
            check(false, "event %zu got ticket %zu", i, ticket);
        }
        hub_pub_msg_clear(&msgs[i]);
        if ((i & 255) == 0)
            hub_publisher_poll(pub);
    }
    return failed;
}

static void inject_produce_errors(rd_kafka_mock_cluster_t *mc)
{
    /* Cluster-wide: whichever broker serves the next Produce requests answers with these. */
    static const rd_kafka_resp_err_t errs[] = {
        RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
        RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,      RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
        RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,        RD_KAFKA_RESP_ERR__TRANSPORT,
        RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,        RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
    };
    rd_kafka_mock_push_request_errors_array(mc, KAFKA_API_PRODUCE, sizeof errs / sizeof errs[0],
                                            errs);
    /* Per broker, some answered late as a slow broker would. */
    for (int32_t b = 1; b <= HUB_BROKER_DEFAULT_BROKERS; b++) {
        rd_kafka_resp_err_t e = rd_kafka_mock_broker_push_request_error_rtts(
            mc, b, KAFKA_API_PRODUCE, 4, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, 200,
            RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, 0, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, 0,
            RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, 50);
        check(e == RD_KAFKA_RESP_ERR_NO_ERROR, "push errors on broker %d: %s", (int)b,
              rd_kafka_err2str(e));
    }
}

/* Reads every partition of every hub topic from its low to its high watermark; counts each event
 * id in seen[] and checks its key. Returns the number of messages read. */
static size_t consume_all(hub_broker_t *broker, const hub_codec_t *codec, unsigned char *seen)
{
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    size_t n_read = 0;
    if (rd_kafka_conf_set(conf, "bootstrap.servers", hub_broker_bootstraps(broker), errstr,
                          sizeof errstr) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "group.id", "publish-fault-test", errstr, sizeof errstr) !=
            RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof errstr) !=
            RD_KAFKA_CONF_OK) {
        check(false, "consumer config: %s", errstr);
        rd_kafka_conf_destroy(conf);
        return 0;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (!rk) {
        check(false, "consumer: %s", errstr);
        rd_kafka_conf_destroy(conf);
        return 0;
    }
    rd_kafka_poll_set_consumer(rk);

    /* Every partition that holds anything, with the offset it must be read to. */
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(256);
    size_t n_topics = hub_broker_topic_count(broker);
    int64_t *high = NULL;
    size_t remaining = 0;
    for (size_t t = 0; t < n_topics; t++) {
        for (int32_t p = 0; p < HUB_BROKER_DEFAULT_PARTITIONS; p++) {
            int64_t lo = 0, hi = 0;
            rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(
                rk, hub_broker_topic(broker, t), p, &lo, &hi, 10000);
            check(e == RD_KAFKA_RESP_ERR_NO_ERROR, "watermarks of %s[%d]: %s",
                  hub_broker_topic(broker, t), (int)p, rd_kafka_err2str(e));
            check(lo == 0, "%s[%d] starts at offset %" PRId64 ": data was dropped",
                  hub_broker_topic(broker, t), (int)p, lo);
            if (e || hi <= lo)
                continue;
            rd_kafka_topic_partition_t *tp =
                rd_kafka_topic_partition_list_add(parts, hub_broker_topic(broker, t), p);
            tp->offset = lo;
            tp->opaque = (void *)(intptr_t)hi; /* read up to here */
            remaining++;
        }
    }
    high = calloc((size_t)parts->cnt + 1, sizeof *high);
    for (int i = 0; i < parts->cnt; i++)
        high[i] = (int64_t)(intptr_t)parts->elems[i].opaque;
    rd_kafka_resp_err_t e = rd_kafka_assign(rk, parts);
    check(e == RD_KAFKA_RESP_ERR_NO_ERROR, "assign: %s", rd_kafka_err2str(e));

    int64_t deadline = now_ms() + CONSUME_TIMEOUT_MS;
    struct hub_event ev;
    while (remaining > 0 && now_ms() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 500);
        if (!m)
            continue;
        if (m->err) {
            check(false, "consume: %s", rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            continue;
        }
        n_read++;
        const char *topic = rd_kafka_topic_name(m->rkt);
        struct hub_error err = {0};
        if (hub_codec_decode(codec, m->payload, m->len, &ev, &err) != 0) {
            check(false, "%s[%d]@%" PRId64 ": does not decode: %s", topic, (int)m->partition,
                  m->offset, err.msg);
        } else {
            long idx = event_index(ev.common.event_id);
            check(idx >= 0, "%s[%d]@%" PRId64 ": unknown event id %s", topic, (int)m->partition,
                  m->offset, ev.common.event_id);
            if (idx >= 0 && seen[idx] < 255)
                seen[idx]++;
            const char *want_key =
                hub_event_type_is_child(ev.type) ? ev.common.child : ev.common.district;
            check(m->key_len == strlen(want_key) && memcmp(m->key, want_key, m->key_len) == 0,
                  "%s: the key is not the %s", ev.common.event_id,
                  hub_event_type_is_child(ev.type) ? "pseudonym" : "district");
            hub_event_clear(&ev);
        }
        for (int i = 0; i < parts->cnt; i++) {
            rd_kafka_topic_partition_t *tp = &parts->elems[i];
            if (tp->partition == m->partition && strcmp(tp->topic, topic) == 0 && high[i] > 0 &&
                m->offset + 1 >= high[i]) {
                high[i] = 0;
                remaining--;
            }
        }
        rd_kafka_message_destroy(m);
    }
    check(remaining == 0, "%zu partitions not read to their end within %d ms", remaining,
          CONSUME_TIMEOUT_MS);
    free(high);
    rd_kafka_topic_partition_list_destroy(parts);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return n_read;
}

static int write_key(const char *path)
{
    static const char key[] = "publish-fault-test: a pseudonym key of 32+ bytes";
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t n = fwrite(key, 1, sizeof key - 1, f);
    if (fclose(f) != 0 || n != sizeof key - 1)
        return -1;
    return chmod(path, 0600);
}

int main(void)
{
    struct hub_error err = {0};
    hub_broker_t *broker = NULL;
    hub_config_t *cfg = NULL;
    hub_publisher_t *pub = NULL;
    hub_codec_t *codec = NULL;
    struct hub_pub_msg *msgs = NULL;
    unsigned char *seen = NULL;
    char dir[] = "/tmp/publish-fault-test.XXXXXX", key_path[64];
    bool have_dir = false;
    int64_t t0 = now_ms();

    unsetenv("HUB_KAFKA_BOOTSTRAP_SERVERS");
    if (hub_broker_new(NULL, &broker, &err) != 0) {
        fprintf(stderr, "FAIL: publish_fault_test: broker: %s\n", err.msg);
        return 1;
    }
    rd_kafka_mock_cluster_t *mc = hub_broker_mock(broker);
    if (!mkdtemp(dir)) {
        check(false, "mkdtemp failed");
        goto out;
    }
    have_dir = true;
    snprintf(key_path, sizeof key_path, "%s/pseudonym.key", dir);
    if (write_key(key_path) != 0) {
        check(false, "cannot write %s", key_path);
        goto out;
    }
    if (hub_config_load(NULL, &cfg, &err) != 0 ||
        hub_config_set(cfg, "kafka.bootstrap.servers", hub_broker_bootstraps(broker), "test",
                       &err) != 0 ||
        hub_config_set(cfg, "hub.pseudonym.key_file", key_path, "test", &err) != 0 ||
        /* unsigned: signing (hub/crypto/sign.h) costs and is tested elsewhere */
        hub_config_set(cfg, "hub.signing.required", "false", "test", &err) != 0 ||
        hub_publisher_new(cfg, "publish-fault-test", 0, &pub, &err) != 0 ||
        hub_codec_new(&codec, &err) != 0) {
        check(false, "setup: %s", err.msg);
        goto out;
    }

    /* Validate and encode everything first, as hub-publish does. */
    int64_t t_setup = now_ms();
    msgs = calloc(N_EVENTS, sizeof *msgs);
    seen = calloc(N_EVENTS, 1);
    if (!msgs || !seen) {
        check(false, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < N_EVENTS; i++) {
        char json[2048];
        struct hub_input_problems probs;
        int len = event_json(i, json, sizeof json);
        if (len < 0 || hub_publisher_prepare_json(pub, json, (size_t)len, &msgs[i], &probs) != 0) {
            check(false, "event %zu does not prepare: %s", i,
                  len < 0   ? "too long"
                  : probs.n ? probs.p[0].text
                            : "?");
            goto out;
        }
    }
    int64_t t1 = now_ms();

    /* A: transient errors on Produce. */
    inject_produce_errors(mc);
    size_t not_enqueued = send_range(pub, msgs, 0, PHASE_A_END);
    hub_publisher_poll(pub);

    /* B: one broker down for DOWN_MS while sending goes on. */
    rd_kafka_resp_err_t e = rd_kafka_mock_broker_set_down(mc, DOWN_BROKER);
    check(e == RD_KAFKA_RESP_ERR_NO_ERROR, "set_down: %s", rd_kafka_err2str(e));
    int64_t down_at = now_ms();
    not_enqueued += send_range(pub, msgs, PHASE_A_END, PHASE_B_END);
    while (now_ms() - down_at < DOWN_MS) {
        hub_publisher_poll(pub);
        sleep_ms(20);
    }
    size_t acked_b, failed_b, pending_b;
    hub_publisher_counts(pub, &acked_b, &failed_b, &pending_b);
    e = rd_kafka_mock_broker_set_up(mc, DOWN_BROKER);
    check(e == RD_KAFKA_RESP_ERR_NO_ERROR, "set_up: %s", rd_kafka_err2str(e));

    /* C: more errors, the rest, and wait for every report. */
    inject_produce_errors(mc);
    not_enqueued += send_range(pub, msgs, PHASE_B_END, N_EVENTS);
    int frc = hub_publisher_flush(pub, FLUSH_TIMEOUT_MS);
    int64_t t2 = now_ms();

    check(not_enqueued == 0, "%zu events were not enqueued", not_enqueued);
    check(frc == 0, "flush did not finish within %d ms", FLUSH_TIMEOUT_MS);
    check(pending_b > 0, "no event was waiting while broker %d was down: the fault did not bite",
          DOWN_BROKER);
    size_t acked, failed, pending;
    hub_publisher_counts(pub, &acked, &failed, &pending);
    check(acked == N_EVENTS && failed == 0 && pending == 0,
          "outcomes: %zu acked, %zu failed, %zu pending of %d", acked, failed, pending, N_EVENTS);
    check(hub_publisher_tickets(pub) == N_EVENTS, "%zu tickets for %d events",
          hub_publisher_tickets(pub), N_EVENTS);
    size_t not_acked = 0;
    for (size_t t = 0; t < hub_publisher_tickets(pub); t++) {
        const char *reason = NULL;
        if (hub_publisher_outcome(pub, t, &reason) != HUB_PUB_ACKED && not_acked++ < 5)
            fprintf(stderr, "ticket %zu (%s): not acknowledged: %s\n", t,
                    hub_publisher_event_id(pub, t), reason);
    }
    check(not_acked == 0, "%zu tickets are not ACKED", not_acked);
    for (int32_t b = 1; b <= HUB_BROKER_DEFAULT_BROKERS; b++) {
        size_t left = 0;
        e = rd_kafka_mock_broker_error_stack_cnt(mc, b, KAFKA_API_PRODUCE, &left);
        check(e == RD_KAFKA_RESP_ERR_NO_ERROR && left == 0,
              "broker %d: %zu injected Produce errors never served", (int)b, left);
    }

    /* Every event exactly once on the topics, nothing else. */
    size_t n_read = consume_all(broker, codec, seen);
    int64_t t3 = now_ms();
    size_t missing = 0, dupes = 0;
    for (size_t i = 0; i < N_EVENTS; i++) {
        if (seen[i] == 0 && missing++ < 5)
            fprintf(stderr, "event " EVENT_ID_FMT " is not on the topics\n", i);
        if (seen[i] > 1 && dupes++ < 5)
            fprintf(stderr, "event " EVENT_ID_FMT " is on the topics %d times\n", i, seen[i]);
    }
    check(missing == 0, "%zu events missing", missing);
    check(dupes == 0, "%zu events duplicated", dupes);
    check(n_read == N_EVENTS, "%zu messages on the topics, expected %d", n_read, N_EVENTS);

    printf("publish_fault_test: %d events: setup %" PRId64 " ms, prepare %" PRId64
           " ms, publish+flush %" PRId64
           " ms (%zu waiting while broker %d was down), consume %" PRId64 " ms; %zu read, "
           "%zu missing, %zu duplicated\n",
           N_EVENTS, t_setup - t0, t1 - t_setup, t2 - t1, pending_b, DOWN_BROKER, t3 - t2, n_read,
           missing, dupes);
out:
    if (msgs)
        for (size_t i = 0; i < N_EVENTS; i++)
            hub_pub_msg_clear(&msgs[i]);
    free(msgs);
    free(seen);
    hub_codec_destroy(codec);
    hub_publisher_destroy(pub);
    hub_config_destroy(cfg);
    hub_broker_destroy(broker);
    if (have_dir) {
        unlink(key_path);
        rmdir(dir);
    }
    if (failures)
        return 1;
    printf("PASS: publish_fault_test\n");
    return 0;
}
