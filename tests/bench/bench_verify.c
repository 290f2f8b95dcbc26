/*
 * bench_verify.c — the raw Ed25519 verify rate over the very messages hub-readmodel verified.
 *
 * Reads every message of the event topics named by the config (from the beginning, until the end
 * of every partition), rebuilds each canonical byte string and finds its public key before the
 * clock starts, then times:
 *   raw      one thread, a bare loop of EVP_DigestVerifyInit_ex + EVP_DigestVerify per message
 *            (one EVP_MD_CTX, parsed keys): the ceiling of one core;
 *   check    one thread, hub_sign_check() per message (headers → canonical string → lookup →
 *            validity → verify), what the consumer does per message;
 *   parallel hub_sign_check_many() with THREADS threads, as the consumer calls it per batch.
 * Prints `messages=N raw_per_s=R check_per_s=C parallel_per_s=P threads=T`; exits 1 if any
 * signature fails (they were all made by hub-publish).
 *
 *   bench_verify CONFIG THREADS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "hub/core/config.h"
#include "hub/kafka/kafka.h"
#include "hub/crypto/sign.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *why)
{
    fprintf(stderr, "bench_verify: %s: %s\n", what, why ? why : "");
    exit(1);
}

struct prepared {
    uint8_t *canon;
    size_t len;
    EVP_PKEY *pkey;
};

/* Every message of the event topics, from the beginning until every partition's end. */
static rd_kafka_message_t **read_all(const hub_config_t *cfg, rd_kafka_t **rk_out, size_t *n_out)
{
    struct hub_error err = {0};
    rd_kafka_conf_t *conf = NULL;
    char errstr[512];
    if (hub_kafka_conf_new(cfg, HUB_KAFKA_CONSUMER, "bench-verify", &conf, &err) != 0)
        die("kafka config", err.msg);
    if (rd_kafka_conf_set(conf, "group.id", "bench-verify", errstr, sizeof errstr) ||
        rd_kafka_conf_set(conf, "enable.partition.eof", "true", errstr, sizeof errstr) ||
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof errstr))
        die("kafka config", errstr);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (!rk)
        die("kafka consumer", errstr);
    static const char *const topics[] = {HUB_TOPIC_PLACEMENT, HUB_TOPIC_SCHOOL_START,
                                         HUB_TOPIC_HANDOVER, NULL};
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(64);
    for (size_t t = 0; topics[t]; t++) {
        char name[256];
        const struct rd_kafka_metadata *md = NULL;
        hub_config_topic(cfg, topics[t], name, sizeof name);
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, name, NULL);
        if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            for (int p = 0; md->topic_cnt == 1 && p < md->topics[0].partition_cnt; p++)
                rd_kafka_topic_partition_list_add(parts, name, md->topics[0].partitions[p].id)
                    ->offset = RD_KAFKA_OFFSET_BEGINNING;
            rd_kafka_metadata_destroy(md);
        }
        rd_kafka_topic_destroy(rkt);
    }
    if (rd_kafka_assign(rk, parts))
        die("assign", NULL);
    int left = parts->cnt;
    size_t n = 0, cap = 1024;
    rd_kafka_message_t **msgs = malloc(cap * sizeof *msgs);
    double deadline = now_s() + 120;
    while (left > 0 && now_s() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 500);
        if (!m)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            left--;
            rd_kafka_message_destroy(m);
            continue;
        }
        if (m->err)
            die("consume", rd_kafka_message_errstr(m));
        if (n == cap) {
            cap *= 2;
            msgs = realloc(msgs, cap * sizeof *msgs);
        }
        if (!msgs)
            die("out of memory", NULL);
        msgs[n++] = m;
    }
    if (left > 0)
        die("consume", "did not reach the end of every partition in 120 s");
    rd_kafka_topic_partition_list_destroy(parts);
    *rk_out = rk; /* destroyed after the messages */
    *n_out = n;
    return msgs;
}

int main(int argc, char **argv)
{
    struct hub_error err = {0};
    hub_config_t *cfg = NULL;
    hub_sign_keys_t *keys = NULL;
    char path[4096];
    if (argc != 3)
        die("usage", "bench_verify CONFIG THREADS");
    int threads = (int)strtol(argv[2], NULL, 10);
    if (threads < 1 || threads > HUB_SIGN_VERIFY_THREADS_MAX)
        die("THREADS", "not 1..64");
    if (hub_config_load(argv[1], &cfg, &err) != 0)
        die("config", err.msg);
    if (hub_sign_keys_path(cfg, path, sizeof path) != 0 ||
        hub_sign_keys_load(path, NULL, &keys, &err) != 0)
        die("key table", err.msg);

    size_t n = 0;
    rd_kafka_t *rk = NULL;
    rd_kafka_message_t **msgs = read_all(cfg, &rk, &n);
    if (n == 0)
        die("messages", "none on the event topics");
    struct hub_sig_input *in = calloc(n, sizeof *in);
    struct hub_sig_result *out = calloc(n, sizeof *out);
    struct prepared *pr = calloc(n, sizeof *pr);
    EVP_PKEY **pkeys = calloc(hub_sign_keys_count(keys), sizeof *pkeys);
    if (!in || !out || !pr || !pkeys)
        die("out of memory", NULL);
    for (size_t k = 0; k < hub_sign_keys_count(keys); k++)
        pkeys[k] = EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL,
                                                  hub_sign_keys_at(keys, k)->public_key, 32);
    for (size_t i = 0; i < n; i++) {
        hub_sig_input_from_message(msgs[i], &in[i]);
        if (!in[i].sig || in[i].sig_len != HUB_SIG_LEN)
            die("messages", "one is not signed");
        const struct hub_sign_key *k = hub_sign_keys_find(keys, in[i].key_id, in[i].key_id_len);
        if (!k)
            die("messages", "one is signed with a key not in the table");
        for (size_t j = 0; j < hub_sign_keys_count(keys); j++)
            if (hub_sign_keys_at(keys, j) == k)
                pr[i].pkey = pkeys[j];
        if (hub_sig_canonical_of(&in[i], &pr[i].canon, &pr[i].len) != 0)
            die("canonical", NULL);
    }

    /* raw: the bare OpenSSL loop */
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t good = 0;
    double t0 = now_s();
    for (size_t i = 0; i < n; i++) {
        EVP_MD_CTX_reset(ctx);
        if (EVP_DigestVerifyInit_ex(ctx, NULL, NULL, NULL, NULL, pr[i].pkey, NULL) == 1 &&
            EVP_DigestVerify(ctx, in[i].sig, HUB_SIG_LEN, pr[i].canon, pr[i].len) == 1)
            good++;
    }
    double raw_s = now_s() - t0;
    EVP_MD_CTX_free(ctx);
    if (good != n)
        die("raw", "a signature does not verify");

    /* check: the library's per-message path on one thread */
    t0 = now_s();
    for (size_t i = 0; i < n; i++)
        hub_sign_check(keys, &in[i], &out[i]);
    double check_s = now_s() - t0;
    for (size_t i = 0; i < n; i++)
        if (out[i].status != HUB_SIG_OK)
            die("check", hub_sig_status_name(out[i].status));

    /* parallel: as the consumer verifies a batch */
    memset(out, 0, n * sizeof *out);
    t0 = now_s();
    hub_sign_check_many(keys, in, out, n, threads);
    double par_s = now_s() - t0;
    for (size_t i = 0; i < n; i++)
        if (out[i].status != HUB_SIG_OK)
            die("parallel", hub_sig_status_name(out[i].status));

    printf("messages=%zu raw_per_s=%.0f check_per_s=%.0f parallel_per_s=%.0f threads=%d\n", n,
           (double)n / raw_s, (double)n / check_s, (double)n / par_s, threads);

    for (size_t i = 0; i < n; i++) {
        free(pr[i].canon);
        rd_kafka_message_destroy(msgs[i]);
    }
    for (size_t k = 0; k < hub_sign_keys_count(keys); k++)
        EVP_PKEY_free(pkeys[k]);
    free(pkeys);
    free(msgs);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    free(in);
    free(out);
    free(pr);
    hub_sign_keys_destroy(keys);
    hub_config_destroy(cfg);
    return 0;
}
