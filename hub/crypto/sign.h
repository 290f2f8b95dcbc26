/*
 * sign.h — event authenticity: districts sign what they publish, consumers verify.
 *
 * Every message on an event topic carries an Ed25519 signature (RFC 8032, "pure" Ed25519, no
 * context, no pre-hash) by the publishing district's key, in two Kafka headers:
 *
 *     hub.sig       the 64-byte signature, raw bytes (not base64)
 *     hub.sig.key   the key id, ASCII (see "Key ids" below)
 *
 * The signed bytes ("canonical byte string", version 1) are three length-prefixed fields:
 *
 *     u32be(len(topic)) ‖ topic ‖ u32be(len(key)) ‖ key ‖ u32be(len(value)) ‖ value
 *
 * where u32be is the length in bytes as 4-byte big-endian unsigned; `topic` is the full topic
 * name as the broker knows it (hub.topic.prefix included, UTF-8, no terminating NUL); `key` and
 * `value` are the Kafka message key and value bytes exactly as produced (a null key or value
 * counts as empty). Nothing else is signed: not the partition, offset, timestamp or other
 * headers. Example: topic "t", key "k", value "vv" → 00000001 74 00000001 6b 00000002 7676.
 * A verifier in any language: rebuild these bytes, look the key id up in the key table, check
 * the key's validity dates against the message timestamp, and call Ed25519 verify with the
 * key's 32-byte public key. Because the topic is signed, a message moved to another topic (or
 * a mirror with another prefix) no longer verifies.
 *
 * Key table (reference data, schemas/reference/district-keys.csv or hub.signing.keys_file):
 *
 *     key_id,district,public_key,valid_from,valid_to
 *     farsta-2026a,farsta,<base64 of the raw 32-byte public key>,2026-01-01,
 *
 * The first non-comment line is that header; lines starting with '#' and blank lines are
 * ignored; no quoting. A key is valid from `valid_from` to `valid_to` inclusive (Stockholm
 * calendar days, hub/core/date.h); an empty `valid_to` means open. A district may have several keys
 * (rotation: publish the new key with a valid_from, then close the old one with a valid_to).
 * Key ids are 1-64 characters of A-Z a-z 0-9 '.' '_' '-', starting with a letter or digit, and
 * unique in the table. Revoking a leaked key: delete its row (its messages become "unknown key",
 * also on replay), since the Kafka timestamp that validity is checked against is not signed.
 *
 * Loaded tables and keys are read-only and may be shared between threads.
 */
#ifndef HUB_SIGN_H
#define HUB_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "hub/core/config.h"
#include "hub/domain/district.h"
#include "hub/core/err.h"

#define HUB_SIG_HEADER "hub.sig"
#define HUB_SIG_KEY_HEADER "hub.sig.key"
#define HUB_SIG_LEN 64
#define HUB_SIGN_PUBLIC_LEN 32
#define HUB_SIGN_KEY_ID_MAX 64 /* characters, without the NUL */
#define HUB_SIGN_KEYS_FILE "district-keys.csv"
/* The hub's own signing identity: the `district` of the key that hub-notifier signs receipts
 * with. It signs handover receipts and nothing else; no district may sign a receipt, so the
 * notifier never needs a district's private key. */
#define HUB_SIGN_HUB "hub"
#define HUB_SIGN_VERIFY_THREADS_MAX 64

/* ---- the canonical byte string ---- */

/*
 * Builds the canonical byte string of (topic, key, value) into a new buffer *out of *len bytes,
 * owned by the caller (free). `key`/`value` may be NULL when their length is 0. Returns 0,
 * HUB_ERANGE when a part is longer than UINT32_MAX bytes, or HUB_ENOMEM.
 */
HUB_MUST_CHECK int hub_sign_canonical(const char *topic, size_t topic_len, const void *key,
                                      size_t key_len, const void *value, size_t value_len,
                                      uint8_t **out, size_t *len);

/* ---- private keys (publishers, hubctl districts keygen) ---- */

typedef struct hub_sign_priv hub_sign_priv_t;

/* A fresh random Ed25519 key. Caller owns *out (hub_sign_priv_destroy). 0 or HUB_ECRYPTO. */
HUB_MUST_CHECK int hub_sign_priv_generate(hub_sign_priv_t **out, struct hub_error *err);

/* The key whose RFC 8032 secret (seed) is `seed` (test vectors). 0 or HUB_ECRYPTO. */
HUB_MUST_CHECK int hub_sign_priv_from_seed(const uint8_t seed[32], hub_sign_priv_t **out,
                                           struct hub_error *err);

/*
 * Reads an unencrypted PEM PKCS#8 Ed25519 private key from the secret file `path`
 * (hub_secret_file_read: owner-only mode required). Returns 0; HUB_ESECURITY, HUB_EIO or
 * HUB_ECONFIG_VALUE from the file check; HUB_ECRYPTO when it is not an Ed25519 private key in
 * PEM (the message names the file). The file's bytes are cleansed after parsing.
 */
HUB_MUST_CHECK int hub_sign_priv_load(const char *path, hub_sign_priv_t **out,
                                      struct hub_error *err);

/*
 * Writes the key as PEM PKCS#8 ("BEGIN PRIVATE KEY") to a NEW file `path`, created with mode
 * 0600; an existing file is never overwritten (HUB_EIO naming it). Returns 0, HUB_EIO or
 * HUB_ECRYPTO; on failure a partly written file is removed.
 */
HUB_MUST_CHECK int hub_sign_priv_write_pem(const hub_sign_priv_t *k, const char *path,
                                           struct hub_error *err);

/* The 32-byte raw public key. */
void hub_sign_priv_public(const hub_sign_priv_t *k, uint8_t pub[HUB_SIGN_PUBLIC_LEN]);

/* Signs `len` bytes of `msg` into `sig`. 0 or HUB_ECRYPTO. */
HUB_MUST_CHECK int hub_sign_priv_sign(const hub_sign_priv_t *k, const uint8_t *msg, size_t len,
                                      uint8_t sig[HUB_SIG_LEN], struct hub_error *err);

/* Frees (the key material is cleansed by OpenSSL). Accepts NULL. */
void hub_sign_priv_destroy(hub_sign_priv_t *k);

/* Verifies `sig` over `msg` with a raw 32-byte public key: 0, HUB_ESIGNATURE or HUB_ECRYPTO. */
HUB_MUST_CHECK int hub_sign_verify_raw(const uint8_t pub[HUB_SIGN_PUBLIC_LEN], const uint8_t *msg,
                                       size_t len, const uint8_t sig[HUB_SIG_LEN]);

/* Standard base64 (with '=' padding) of the 32-byte public key into `out` (45 bytes). */
void hub_sign_public_base64(const uint8_t pub[HUB_SIGN_PUBLIC_LEN], char out[45]);

/* True when `s` is a well-formed key id (see above). */
bool hub_sign_key_id_ok(const char *s);

/* ---- the public key table ---- */

struct hub_sign_key {
    char key_id[HUB_SIGN_KEY_ID_MAX + 1];
    char district[HUB_DISTRICT_CODE_MAX];
    uint8_t public_key[HUB_SIGN_PUBLIC_LEN];
    int32_t valid_from; /* first day (days since 1970-01-01, Stockholm calendar) */
    int32_t valid_to;   /* last day, INT32_MAX when open */
};

typedef struct hub_sign_keys hub_sign_keys_t;

/*
 * Loads the key table at `path` into *out, owned by the caller (hub_sign_keys_destroy). When
 * `districts` is not NULL every district column must name a district in it. An empty table
 * (header only) is valid. Returns 0; HUB_EIO (cannot read); HUB_ECONFIG_SYNTAX (header, field
 * count, over-long line); HUB_ECONFIG_VALUE for a bad field: key id, district, public key (not
 * the base64 of 32 bytes), dates, duplicate key id. Messages read
 * "FILE:LINE: column N (FIELD): what is wrong".
 */
HUB_MUST_CHECK int hub_sign_keys_load(const char *path, const hub_districts_t *districts,
                                      hub_sign_keys_t **out, struct hub_error *err);

/* Frees the table. Accepts NULL. */
void hub_sign_keys_destroy(hub_sign_keys_t *t);

size_t hub_sign_keys_count(const hub_sign_keys_t *t);

/* The key at `index` in file order, or NULL. Owned by the table. */
const struct hub_sign_key *hub_sign_keys_at(const hub_sign_keys_t *t, size_t index);

/* The key with id `key_id` (`len` bytes, not necessarily NUL-terminated), or NULL. */
const struct hub_sign_key *hub_sign_keys_find(const hub_sign_keys_t *t, const char *key_id,
                                              size_t len);

/* True when `k` is valid on `day`. */
bool hub_sign_key_valid_on(const struct hub_sign_key *k, int32_t day);

/* Verifies with a key of a loaded table (its parsed public key is cached): 0, HUB_ESIGNATURE or
 * HUB_ECRYPTO. Thread-safe. */
HUB_MUST_CHECK int hub_sign_key_verify(const struct hub_sign_key *k, const uint8_t *msg, size_t len,
                                       const uint8_t sig[HUB_SIG_LEN]);

/*
 * The key table's path: hub.signing.keys_file when set; else hub.reference_dir/district-keys.csv;
 * else $HUB_REFERENCE_DIR/district-keys.csv; else the source tree's
 * schemas/reference/district-keys.csv. Returns 0 or HUB_ERANGE (buffer too small).
 */
HUB_MUST_CHECK int hub_sign_keys_path(const hub_config_t *cfg, char *buf, size_t n);

/*
 * True when a message about `event_district` may be signed by `signer_district`: the same
 * district, or one it was merged into (its successor chain in `districts`), which takes over the
 * former district's records.
 */
bool hub_sign_signer_covers(const hub_districts_t *districts, const char *signer_district,
                            const char *event_district);

/* ---- verifying messages (consumers) ---- */

enum hub_sig_status {
    HUB_SIG_OK = 0,
    HUB_SIG_MISSING,       /* no hub.sig or no hub.sig.key header */
    HUB_SIG_BAD,           /* wrong length, or does not verify (altered, or another key) */
    HUB_SIG_UNKNOWN_KEY,   /* key id not in the table */
    HUB_SIG_EXPIRED_KEY,   /* message timestamp after the key's valid_to */
    HUB_SIG_NOT_YET_VALID, /* message timestamp before the key's valid_from */
};

/* What is needed to check one message; pointers borrowed. */
struct hub_sig_input {
    const char *topic; /* full topic name as received, NUL-terminated */
    const void *key;
    size_t key_len;
    const void *value;
    size_t value_len;
    const void *sig; /* hub.sig header value, NULL when absent */
    size_t sig_len;
    const void *key_id; /* hub.sig.key header value, NULL when absent */
    size_t key_id_len;
    int64_t timestamp_ms; /* message timestamp; validity is checked on its Stockholm day */
};

struct hub_sig_result {
    enum hub_sig_status status;
    const struct hub_sign_key *key; /* the signer's key when found (also for BAD/EXPIRED) */
};

/* Fills `in` from a consumed message: topic, key, value, the two headers, and the timestamp
 * (now when the message has none). Pointers point into `m`. */
void hub_sig_input_from_message(rd_kafka_message_t *m, struct hub_sig_input *in);

/* Checks one message against the table. Thread-safe; allocates only the canonical string. */
void hub_sign_check(const hub_sign_keys_t *t, const struct hub_sig_input *in,
                    struct hub_sig_result *out);

/* Checks `n` messages using up to `threads` threads (1: on the caller's thread). */
void hub_sign_check_many(const hub_sign_keys_t *t, const struct hub_sig_input *in,
                         struct hub_sig_result *out, size_t n, int threads);

/* A stable one-word name of a status: "ok", "missing", "bad", "unknown_key", "expired_key",
 * "not_yet_valid". */
const char *hub_sig_status_name(enum hub_sig_status s);

/* One line for a dead letter's hub.detail: which check failed, the key id and district, dates.
 * Never echoes header bytes that are not a well-formed key id. */
void hub_sig_describe(const struct hub_sig_input *in, const struct hub_sig_result *r, char *buf,
                      size_t n);

/* ---- signing messages (publishers) ---- */

typedef struct hub_signer hub_signer_t;

/*
 * Opens the publisher's signing keys from cfg (hub.signing.*), for events of the districts in
 * `districts` (borrowed; kept for successor lookups):
 *  - hub.signing.key_file + hub.signing.key_id: one district's key (the production case). When
 *    the key table has the key id, the public key must match and the key must be valid today;
 *    then only events the key's district covers can be signed. A key id absent from the table
 *    is allowed (the publisher may not have the consumers' table) and logged as a warning.
 *  - hub.signing.key_dir: a directory of <key_id>.pem files for a publisher that serves several
 *    districts (the dev setup, tests, a shared case system); the key table says whose each key
 *    is; each event is signed with its district's newest key valid today, or its successor's.
 * Without either, with hub.signing.required=true (default) this fails with HUB_ECONFIG_MISSING
 * naming hub.signing.key_file; with required=false *out is NULL (publish unsigned).
 */
HUB_MUST_CHECK int hub_signer_new(const hub_config_t *cfg, const hub_districts_t *districts,
                                  hub_signer_t **out, struct hub_error *err);

/* 0 when an event of `district` can be signed; else HUB_ESIGNATURE saying which key(s) the
 * signer holds. */
HUB_MUST_CHECK int hub_signer_check_district(const hub_signer_t *s, const char *district,
                                             struct hub_error *err);

/* Signs (topic, key, value) with the key for `district` and adds hub.sig and hub.sig.key to
 * `hdrs`. 0, HUB_ESIGNATURE (no key for the district), HUB_ERANGE or HUB_ECRYPTO. */
HUB_MUST_CHECK int hub_signer_sign(const hub_signer_t *s, const char *district, const char *topic,
                                   const void *key, size_t key_len, const void *value,
                                   size_t value_len, rd_kafka_headers_t *hdrs,
                                   struct hub_error *err);

/* Number of private keys held. */
size_t hub_signer_count(const hub_signer_t *s);

/* Frees. Accepts NULL. */
void hub_signer_destroy(hub_signer_t *s);

#endif
