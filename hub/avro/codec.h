/*
 * codec.h — events ⇄ Avro single-object encoding, where every schema version ever published
 * keeps decoding.
 *
 * Wire format (Avro spec, "single-object encoding"): C3 01, the 8-byte little-endian CRC-64-AVRO
 * fingerprint of the writer schema's Parsing Canonical Form, then the Avro binary body. Every
 * schemas/<record>/v<N>.avsc is compiled into libhub (hub/avro/schemas.h); a codec parses them
 * once. The newest version of each record is the *reader shape*, the one struct hub_event holds and
 * the one we encode with. Decoding looks the writer schema up by fingerprint among all versions,
 * then maps the writer's fields by name into the reader shape: fields the writer lacks get the
 * reader schema's "default", fields the reader lacks are skipped, enum symbols are mapped by name,
 * and Avro's promotions (int→long, string↔bytes) apply.
 *
 * Why our own reader and writer rather than Avro-C's value API: decoding must survive hostile
 * bytes with a distinct error per fault and never read past the buffer, and Avro-C resolves
 * neither defaults nor old writers (TECH-NOTES). So each (writer version → C struct) pair is
 * compiled once, at creation, into a small program of typed ops over bounds-checked primitives
 * (hub/avro/avro_bin.h): no per-message allocation (bar sealed content), no name lookups, no
 * intermediate generic value. Encoding uses the same field tables to write straight from the struct
 * into one buffer, for the same reasons; tests/integration/test_avro_interop.sh proves the bytes
 * are the standard ones against Apache Avro's Python implementation, and tests/bench/bench_codec
 * compares the speed with Avro-C.
 *
 * Checks on decoded values (all HUB_EAVRO_VALUE): uuids are 36-character lowercase canonical
 * form, the child pseudonym is 64 lowercase hex digits, school units are 8 digits, kommun codes 4
 * digits, district codes [a-z0-9-]+, free text is UTF-8, every string fits its fixed buffer and
 * holds no NUL, birth years lie in 1900-2999, scope arrays hold at most HUB_SCOPE_MAX entries.
 * Encoding applies the same checks, so we never publish what we would refuse to read. Messages name
 * the record, version, field and byte offset, never a value (values may be personal data).
 *
 * Threads: after creation (and any hub_codec_add_writer_schema() calls) a codec is read-only;
 * encode and decode may then run concurrently on one codec.
 *
 * Adding a record type (e.g. monthly_stats):
 *   1. schemas/monthly_stats/v1.avsc (the directory name is the record's key; re-run cmake);
 *   2. in hub/domain/event.h, a HUB_EV_MONTHLY_STATS, its name "monthly_stats" in
 *      hub_event_type_symbols, and its struct in the union of struct hub_event;
 *   3. in hub/avro/codec.c, a slot table naming each schema field, its C member and kind, and its
 * row in `bindings[]`. hub_codec_new() then checks table against schema (names, types, enum symbols
 * in the order of the C enum) and fails with the first mismatch. Until step 3 the record already
 * decodes through hub_codec_decode_json(). A new version of an existing record is just
 * schemas/<record>/v<N+1>.avsc plus, for new fields, new slots (and struct members);
 * tests/unit/test_schemas.c refuses versions that older data could not be read with.
 */
#ifndef HUB_CODEC_H
#define HUB_CODEC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/avro/avro_schema.h"
#include "hub/core/err.h"
#include "hub/domain/event.h"
#include "hub/avro/schemas.h"

#define HUB_CODEC_HEADER_LEN 10 /* C3 01 + 8-byte fingerprint */

typedef struct hub_codec hub_codec_t;

/* What a codec knows about one writer schema. Strings are owned by the codec. */
struct hub_codec_schema_info {
    const char *record;    /* "placement" */
    int version;           /* N of schemas/<record>/vN.avsc; 0 for one added at run time */
    uint64_t fingerprint;  /* CRC-64-AVRO of the canonical form */
    const char *canonical; /* Parsing Canonical Form */
    int type;              /* enum hub_event_type, or -1 if the record has no C binding */
};

/* Creates a codec holding every schema compiled into the binary. Returns 0, HUB_ENOMEM, or
 * HUB_EAVRO_SCHEMA if a schema does not parse, an older version cannot be read as the newest, or
 * a C binding does not match its schema. Free with hub_codec_destroy(). */
int hub_codec_new(hub_codec_t **out, struct hub_error *err) HUB_MUST_CHECK;

/* Like hub_codec_new() but from an explicit list of schema texts (tools and tests); the texts
 * are copied. */
int hub_codec_new_from(const struct hub_schema_text *schemas, size_t n, hub_codec_t **out,
                       struct hub_error *err) HUB_MUST_CHECK;

/* Frees a codec. Accepts NULL. */
void hub_codec_destroy(hub_codec_t *c);

/* Adds a writer schema this build does not carry (e.g. a newer version learnt from elsewhere), so
 * that its bytes decode into today's struct (fields it added are skipped). Matched to a record by
 * the full name of its root record. Returns 0 (also if already known), HUB_EAVRO_SCHEMA (no such
 * record, or not readable as the current version), or HUB_ENOMEM. Enum symbols the current
 * version lacks are accepted here and fail only the messages that carry them (HUB_EAVRO_ENUM).
 * Not thread-safe against concurrent encode/decode. */
int hub_codec_add_writer_schema(hub_codec_t *c, const char *json, size_t len,
                                struct hub_error *err) HUB_MUST_CHECK;

/* Encodes `ev` with the newest schema of its type into a new buffer: `*buf` (malloc'd, the
 * caller frees it) holds `*len` bytes. Returns 0, HUB_EAVRO_VALUE (a field fails its check; the
 * message names it), HUB_EAVRO_SCHEMA (type without a C binding), or HUB_ENOMEM. */
int hub_codec_encode(const hub_codec_t *c, const struct hub_event *ev, uint8_t **buf, size_t *len,
                     struct hub_error *err) HUB_MUST_CHECK;

/* Encodes into the caller's buffer of `cap` bytes (no allocation). Returns as hub_codec_encode,
 * or HUB_ERANGE if `cap` is too small; hub_codec_encoded_size_max() bytes always suffice. */
int hub_codec_encode_into(const hub_codec_t *c, const struct hub_event *ev, uint8_t *buf,
                          size_t cap, size_t *len, struct hub_error *err) HUB_MUST_CHECK;

/* An upper bound on the encoded size of `ev` (header included); 0 for an unknown type. */
size_t hub_codec_encoded_size_max(const hub_codec_t *c, const struct hub_event *ev);

/* Decodes a single-object encoded message into `out`, which is overwritten (treat it as
 * uninitialised). On success the caller owns `out` and releases it with hub_event_clear(); on
 * failure `out` is zeroed and owns nothing. Never reads outside buf[0..len). Errors:
 * HUB_EAVRO_MAGIC (not C3 01), HUB_EAVRO_FINGERPRINT (unknown writer schema),
 * HUB_EAVRO_TRUNCATED, HUB_EAVRO_VARINT, HUB_EAVRO_NEGLEN, HUB_EAVRO_HUGELEN, HUB_EAVRO_ENUM,
 * HUB_EAVRO_UNION, HUB_EAVRO_TRAILING, HUB_EAVRO_VALUE, HUB_EAVRO_SCHEMA (record without a C
 * binding), HUB_ENOMEM. */
int hub_codec_decode(const hub_codec_t *c, const uint8_t *buf, size_t len, struct hub_event *out,
                     struct hub_error *err) HUB_MUST_CHECK;

/* Decodes any record the codec knows, bound to C or not, into a JSON object in the shape of the
 * newest version of that record (defaults filled, see hub/avro/avro_value.h for the value mapping).
 * `*out` is a new reference (json_decref it); `info` (may be NULL) describes the writer schema.
 * Errors as hub_codec_decode(), but no domain checks. */
int hub_codec_decode_json(const hub_codec_t *c, const uint8_t *buf, size_t len, json_t **out,
                          struct hub_codec_schema_info *info, struct hub_error *err) HUB_MUST_CHECK;

/* Describes the writer schema of a message from its header alone. Returns 0, HUB_EAVRO_MAGIC,
 * HUB_EAVRO_TRUNCATED or HUB_EAVRO_FINGERPRINT. */
int hub_codec_lookup(const hub_codec_t *c, const uint8_t *buf, size_t len,
                     struct hub_codec_schema_info *info, struct hub_error *err) HUB_MUST_CHECK;

/* The schema events of `type` are encoded with (the newest version), owned by the codec; NULL if
 * the type has no schema. */
const hub_avro_schema_t *hub_codec_schema(const hub_codec_t *c, enum hub_event_type type);

/* The number of writer schemas the codec knows, and the i-th of them (0 <= i < count). */
size_t hub_codec_schema_count(const hub_codec_t *c);
void hub_codec_schema_info_at(const hub_codec_t *c, size_t i, struct hub_codec_schema_info *info);

#endif
