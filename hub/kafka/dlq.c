/*
 * dlq.c — dead-letter headers, stable ids, and letters that fit.
 */
#include "hub/kafka/dlq.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

static void hex(const unsigned char *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(data ? data : "", len, md, &n, EVP_sha256(), NULL) != 1 || n != 32) {
        snprintf(out, 65, "%s", "unavailable");
        return;
    }
    hex(md, 32, out);
}

void hub_dlq_id(const char *consumer, const char *topic, int32_t partition, int64_t offset,
                char id[HUB_DLQ_ID_HEX + 1])
{
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "hub.dlq.v1|%s|%s|%" PRId32 "|%" PRId64, consumer, topic,
                     partition, offset);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
    char full[65];
    sha256_hex(buf, len, full);
    memcpy(id, full, HUB_DLQ_ID_HEX);
    id[HUB_DLQ_ID_HEX] = '\0';
}

/* Bytes a header adds to a record, generously (name, value, two varints). */
static size_t header_cost(const char *name, size_t vlen)
{
    return strlen(name) + vlen + 10;
}

int hub_dlq_letter_build(const struct hub_dlq_origin *o, const void *key, size_t key_len,
                         const void *value, size_t value_len, size_t limit, bool omit_value,
                         struct hub_dlq_letter *out)
{
    char part[16], off[24];
    memset(out, 0, sizeof *out);
    snprintf(part, sizeof part, "%" PRId32, o->partition);
    snprintf(off, sizeof off, "%" PRId64, o->offset);
    hub_dlq_id(o->consumer, o->topic, o->partition, o->offset, out->id);

    const char *names[] = {
        "hub.reason",        "hub.detail",   "hub.source.topic", "hub.source.partition",
        "hub.source.offset", "hub.consumer", "hub.dlq.id"};
    const char *vals[] = {o->reason, o->detail, o->topic, part, off, o->consumer, out->id};
    size_t n_hdr = sizeof names / sizeof names[0];
    size_t hdr_bytes = 0;
    for (size_t i = 0; i < n_hdr; i++)
        hdr_bytes += header_cost(names[i], strlen(vals[i]));

    rd_kafka_headers_t *hd = rd_kafka_headers_new(n_hdr + 4);
    if (!hd)
        return HUB_ENOMEM;
    for (size_t i = 0; i < n_hdr; i++)
        rd_kafka_header_add(hd, names[i], -1, vals[i], -1);

    bool fits = hdr_bytes + key_len + value_len + HUB_DLQ_OVERHEAD <= limit;
    out->key = key;
    out->key_len = key_len;
    if (fits && !omit_value) {
        out->value = value;
        out->value_len = value_len;
    } else {
        char len[24], digest[65];
        snprintf(len, sizeof len, "%zu", value_len);
        sha256_hex(value, value_len, digest);
        rd_kafka_header_add(hd, "hub.value.omitted", -1, len, -1);
        rd_kafka_header_add(hd, "hub.value.sha256", -1, digest, -1);
        out->value_omitted = true;
        if (key_len > HUB_DLQ_KEY_KEEP_MAX) {
            snprintf(len, sizeof len, "%zu", key_len);
            sha256_hex(key, key_len, digest);
            rd_kafka_header_add(hd, "hub.key.omitted", -1, len, -1);
            rd_kafka_header_add(hd, "hub.key.sha256", -1, digest, -1);
            out->key = NULL;
            out->key_len = 0;
        }
    }
    out->headers = hd;
    return 0;
}
