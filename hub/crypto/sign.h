/*
 * sign.h — event authenticity: districts sign what they publish, consumers verify.
 *
 * Every message on an event topic carries an Ed25519 signature (RFC 8032, "pure" Ed25519, no
 * context, no pre-hash) by the publishing district's key, in two Kafka headers:
 *
 *     hub.sig       the 64-byte signature, raw bytes (not base64)
 *     hub.sig.key   the key id, ASCII (see "Key ids" below)
 *
 * The signed bytes ("canonical byte string") come in two versions, told apart by the header
 * `hub.sig.v`:
 *
 *   version 1 (no hub.sig.v header; what publishers before issue 14 sent):
 *     u32be(len(topic)) ‖ topic ‖ u32be(len(key)) ‖ key ‖ u32be(len(value)) ‖ value
 *
 *   version 2 (hub.sig.v = "2", and hub.sig.time = the signing instant as ASCII decimal
 *   milliseconds since the epoch, 1-15 digits):
 *     "SAMS-HUB-SIG-2" ‖ u64be(signing instant, ms) ‖ <the version 1 bytes>
 *
 * where u32be/u64be are big-endian unsigned; `topic` is the full topic name as the broker knows
 * it (hub.topic.prefix included, UTF-8, no terminating NUL); `key` and `value` are the Kafka
 * message key and value bytes exactly as produced (a null key or value counts as empty). Nothing
 * else is signed: not the partition, offset, Kafka timestamp or other headers. Example (v1):
 * topic "t", key "k", value "vv" → 00000001 74 00000001 6b 00000002 7676. The 14-byte tag keeps
 * the versions apart: a v1 string starts with a topic length below 2^16, the tag's first four
 * bytes read as 1.4e9. Because the topic is signed, a message moved to another topic (or a
 * mirror with another prefix) no longer verifies.
 *
 * Time. The Kafka timestamp is chosen by the producer and signed by nobody, so the hub never
 * judges a key on it (before issue 14 it did: a retired key could sign new events stamped on a
 * day it was valid). Two times are used instead:
 *   - first seen: when the hub first saw the message, by the consumer's clock, recorded per
 *     signature in hub.signature_sightings (hub/pg/sighting.h) before the message has any effect,
 *     and looked up again whenever the message is read again — after a crash, by another
 *     consumer, and by `hub-readmodel --rebuild`, which empties the read model but never the
 *     sightings. The signer cannot choose it, and a rebuild judges each message on the same
 *     time as the first run did.
 *   - signed at (version 2 only): the signer's own clock, bound into the signature. It must lie
 *     within [first seen − hub.signing.max_delay_s, first seen + hub.clock.max_skew_s]; outside,
 *     the message is refused (status `time`). The delay allows for consumers that were stopped;
 *     an old signing time is otherwise refused, so a retired key cannot sign new events dated
 *     back to its validity.
 * A key's validity days (valid_from..valid_to, Stockholm calendar) are checked on the signing
 * day (v2) or the first-seen day (v1). Revocation is judged on first seen only: a key with a
 * `revoked_at` signs nothing the hub first sees at or after that instant, whatever time the
 * signature claims, while history the hub saw before it stays valid on a rebuild.
 * A verifier in any language: rebuild these bytes, look the key id up in the key table, check
 * revocation, the time window and validity as above, and call Ed25519 verify with the key's
 * 32-byte public key.
 *
 * Key table (reference data, schemas/reference/district-keys.csv or hub.signing.keys_file):
 *
 *     key_id,district,public_key,valid_from,valid_to,revoked_at
 *     farsta-2026a,farsta,<base64 of the raw 32-byte public key>,2026-01-01,,
 *
 * The first non-comment line is that header (the five-column header without revoked_at, of
 * tables written before issue 14, is still read); lines starting with '#' and blank lines are
 * ignored; no quoting. A key is valid from `valid_from` to `valid_to` inclusive (Stockholm
 * calendar days, hub/core/date.h); an empty `valid_to` means open. A district may have several keys
 * (rotation: publish the new key with a valid_from, then close the old one with a valid_to).
 * `revoked_at` is empty, a date (from 00:00 Stockholm time that day) or an RFC 3339 instant:
 * revoking a leaked key sets it to the moment the leak is known. Key ids are 1-64 characters of
 * A-Z a-z 0-9 '.' '_' '-', starting with a letter or digit, and unique in the table.
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
#define HUB_SIG_VERSION_HEADER "hub.sig.v"
#define HUB_SIG_TIME_HEADER "hub.sig.time"
#define HUB_SIG_V2_TAG "SAMS-HUB-SIG-2"
#define HUB_SIG_V2_TAG_LEN 14
/* Defaults of hub.clock.max_skew_s and hub.signing.max_delay_s (see hub/config.c). */
#define HUB_SIGN_DEFAULT_SKEW_MS INT64_C(300000)
#define HUB_SIGN_DEFAULT_DELAY_MS INT64_C(604800000)
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

/*
 * The version 2 canonical byte string: the tag, u64be(signed_at_ms), then the version 1 string.
 * Same ownership and errors as hub_sign_canonical(); HUB_EINVAL for a negative signed_at_ms.
 */
HUB_MUST_CHECK int hub_sign_canonical_v2(int64_t signed_at_ms, const char *topic, size_t topic_len,
                                         const void *key, size_t key_len, const void *value,
                                         size_t value_len, uint8_t **out, size_t *len);

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
    int64_t revoked_at; /* ms since the epoch; INT64_MAX when not revoked */
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

/* As hub_sign_keys_load, from the CSV text `text` of `len` bytes (need not be NUL-terminated);
 * `name` stands for the file name in messages. */
HUB_MUST_CHECK int hub_sign_keys_load_buffer(const char *text, size_t len, const char *name,
                                             const hub_districts_t *districts,
                                             hub_sign_keys_t **out, struct hub_error *err);

/* Frees the table. Accepts NULL. */
void hub_sign_keys_destroy(hub_sign_keys_t *t);

size_t hub_sign_keys_count(const hub_sign_keys_t *t);

/* The key at `index` in file order, or NULL. Owned by the table. */
const struct hub_sign_key *hub_sign_keys_at(const hub_sign_keys_t *t, size_t index);

/* The key with id `key_id` (`len` bytes, not necessarily NUL-terminated), or NULL. */
const struct hub_sign_key *hub_sign_keys_find(const hub_sign_keys_t *t, const char *key_id,
                                              size_t len);

/* The time window of version 2 signatures (defaults HUB_SIGN_DEFAULT_SKEW_MS and
 * HUB_SIGN_DEFAULT_DELAY_MS): a signing time may be at most `max_skew_ms` after the first
 * sighting and at most `max_delay_ms` before it. Set before the table is shared. */
void hub_sign_keys_set_window(hub_sign_keys_t *t, int64_t max_skew_ms, int64_t max_delay_ms);

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
    HUB_SIG_EXPIRED_KEY,   /* signed (v2) or first seen (v1) after the key's valid_to */
    HUB_SIG_NOT_YET_VALID, /* signed (v2) or first seen (v1) before the key's valid_from */
    HUB_SIG_REVOKED_KEY,   /* first seen at or after the key's revoked_at */
    HUB_SIG_TIME,          /* v2: signing time outside the window around first seen */
    HUB_SIG_FORMAT,        /* hub.sig.v not a known version, or v2 without a good hub.sig.time */
};

/* The verdict on a message's signature bytes alone (key, canonical string, Ed25519), before the
 * policy checks of time, validity and revocation. */
enum hub_sig_crypto {
    HUB_SIG_CRYPTO_UNCHECKED = 0, /* not yet known: hub_sign_check() verifies the bytes itself */
    HUB_SIG_CRYPTO_OK,
    HUB_SIG_CRYPTO_BAD,
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
    int64_t
        seen_ms; /* when the hub first saw the message (hub/pg/sighting.h), ms since the epoch */
    const void *version; /* hub.sig.v header value, NULL when absent (version 1) */
    size_t version_len;
    const void *signed_at; /* hub.sig.time header value, NULL when absent */
    size_t signed_at_len;
    enum hub_sig_crypto crypto; /* set by hub_sign_ahead_start() once joined; else UNCHECKED */
};

struct hub_sig_result {
    enum hub_sig_status status;
    const struct hub_sign_key *key; /* the signer's key when found (also for BAD/EXPIRED) */
};

/* Fills `in` from a consumed message: topic, key, value, the signature headers, and seen_ms =
 * now (the caller replaces it with a recorded first sighting). Pointers point into `m`. */
void hub_sig_input_from_message(rd_kafka_message_t *m, struct hub_sig_input *in);

/* The bytes `in`'s signature covers, by its hub.sig.v: the version 1 or version 2 canonical
 * string. Caller frees *out. 0, HUB_EINVAL for a malformed version or hub.sig.time, or the
 * errors of hub_sign_canonical(). */
HUB_MUST_CHECK int hub_sig_canonical_of(const struct hub_sig_input *in, uint8_t **out, size_t *len);

/* Checks one message against the table. Thread-safe; allocates only the canonical string. */
void hub_sign_check(const hub_sign_keys_t *t, const struct hub_sig_input *in,
                    struct hub_sig_result *out);

/* Checks `n` messages using up to `threads` threads (1: on the caller's thread). */
void hub_sign_check_many(const hub_sign_keys_t *t, const struct hub_sig_input *in,
                         struct hub_sig_result *out, size_t n, int threads);

/*
 * Verifying ahead: the Ed25519 work of in[0..n) on up to `threads` background threads, while the
 * caller does something else (a consumer commits the previous batch meanwhile). Each in[i].crypto
 * is set by the time hub_sign_ahead_join() returns; until then `in` must stay valid and untouched.
 * A thread that cannot be started leaves its messages UNCHECKED (hub_sign_check() then verifies
 * them). Returns NULL when there is nothing to do or no memory; join accepts NULL.
 */
typedef struct hub_sign_ahead hub_sign_ahead_t;
hub_sign_ahead_t *hub_sign_ahead_start(const hub_sign_keys_t *t, struct hub_sig_input *in, size_t n,
                                       int threads);
void hub_sign_ahead_join(hub_sign_ahead_t *a);

/* A stable one-word name of a status: "ok", "missing", "bad", "unknown_key", "expired_key",
 * "not_yet_valid", "revoked_key", "time", "format". */
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

/* Signs (topic, key, value) at the current time with the key for `district` (version 2) and adds
 * hub.sig, hub.sig.key, hub.sig.v and hub.sig.time to `hdrs`. 0, HUB_ESIGNATURE (no key for the
 * district), HUB_ERANGE or HUB_ECRYPTO. */
HUB_MUST_CHECK int hub_signer_sign(const hub_signer_t *s, const char *district, const char *topic,
                                   const void *key, size_t key_len, const void *value,
                                   size_t value_len, rd_kafka_headers_t *hdrs,
                                   struct hub_error *err);

/* Number of private keys held. */
size_t hub_signer_count(const hub_signer_t *s);

/* Frees. Accepts NULL. */
void hub_signer_destroy(hub_signer_t *s);

#endif
