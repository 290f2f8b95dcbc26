/*
 * err.h — the one error convention of libhub.
 *
 * Functions return 0 on success and a negative HUB_E* code on failure. Where the caller needs
 * words, they also take a `struct hub_error *` (may be NULL) that receives the code and a one-line
 * message naming what failed and where ("events.jsonl:12: start_date: 2026-02-30 is not a date").
 * Messages never contain a personnummer, a name or sealed content.
 *
 * Codes are grouped by module so that tests can assert the exact class of an error.
 */
#ifndef HUB_ERR_H
#define HUB_ERR_H

#include <stddef.h>

#define HUB_MUST_CHECK __attribute__((warn_unused_result))

enum hub_err {
    HUB_OK = 0,
    /* general */
    HUB_EINVAL = -1, /* invalid argument or input */
    HUB_ENOMEM = -2, /* allocation failed */
    HUB_EIO = -3,    /* file or socket I/O failed */
    HUB_ENOTFOUND = -4,
    HUB_ERANGE = -5,    /* value out of range */
    HUB_ESECURITY = -6, /* e.g. secret file readable by group/world */
    HUB_ETIMEOUT = -7,
    HUB_EINTERNAL = -8,
    /* config (-20..-29) */
    HUB_ECONFIG_SYNTAX = -20,  /* malformed line */
    HUB_ECONFIG_UNKNOWN = -21, /* unknown hub.* key */
    HUB_ECONFIG_VALUE = -22,   /* value of the wrong type or range */
    HUB_ECONFIG_MISSING = -23, /* required key absent */
    /* personnummer and other identifiers (-30..-39) */
    HUB_EPNR_FORMAT = -30,    /* wrong length, letters, bad separator */
    HUB_EPNR_DATE = -31,      /* not a real calendar date (incl. samordningsnummer day-60) */
    HUB_EPNR_CHECKSUM = -32,  /* Luhn check digit wrong */
    HUB_ESCHOOL_UNIT = -33,   /* skolenhetskod not 8 digits */
    HUB_EKOMMUN = -34,        /* kommunkod not 4 digits */
    HUB_EENUM = -35,          /* not one of a fixed set (placement form, legal basis, ...) */
    HUB_EDISTRICT = -36,      /* unknown district code */
    HUB_EDISTRICT_DATE = -37, /* district not valid on that date */
    HUB_EDATE = -38,          /* malformed or impossible date/time */
    HUB_EUUID = -39,          /* malformed uuid */
    /* Avro codec (-40..-59) */
    HUB_EAVRO_MAGIC = -40,       /* not single-object encoding (no C3 01) */
    HUB_EAVRO_TRUNCATED = -41,   /* body ends before the record does */
    HUB_EAVRO_FINGERPRINT = -42, /* no compiled-in schema has this fingerprint */
    HUB_EAVRO_ENUM = -43,        /* enum index out of range */
    HUB_EAVRO_UNION = -44,       /* union branch index out of range */
    HUB_EAVRO_NEGLEN = -45,      /* negative length for bytes/string */
    HUB_EAVRO_HUGELEN = -46,     /* length larger than the remaining buffer */
    HUB_EAVRO_TRAILING = -47,    /* bytes left after the record */
    HUB_EAVRO_SCHEMA = -48,      /* a schema does not parse or is not compatible */
    HUB_EAVRO_VALUE = -49,       /* decoded value violates the domain (e.g. bad uuid) */
    HUB_EAVRO_VARINT = -50,      /* varint longer than 10 bytes */
    /* Kafka (-60..-69) */
    HUB_EKAFKA = -60,
    HUB_EKAFKA_UNDELIVERED = -61,
    /* PostgreSQL (-70..-79) */
    HUB_EPG = -70,
    HUB_EPG_CONNECT = -71,
    HUB_EPG_SCHEMA = -72, /* database schema newer than this program knows */
    /* crypto (-80..-89) */
    HUB_ECRYPTO = -80,
    HUB_ESIGNATURE = -81,
    HUB_ESEAL_TRUNCATED = -82, /* sealed content shorter than its header (hub/crypto/seal.h) */
    HUB_ESEAL_VERSION = -83,   /* sealed content of an unknown format version */
    HUB_ESEAL_KEY = -84,       /* a key is not a usable X25519 key (wrong type, low order) */
    HUB_ESEAL_AUTH = -85,      /* authentication failed: wrong key, or bytes or AAD altered */
};

#define HUB_ERROR_MSG_MAX 512

struct hub_error {
    int code;
    char msg[HUB_ERROR_MSG_MAX];
};

/* Fills `err` (if not NULL) with `code` and a printf-style message; returns `code`. */
int hub_error_set(struct hub_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes the message already in `err` with printf-style text (e.g. "FILE:LINE: "). */
void hub_error_prefix(struct hub_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Resets `err` to HUB_OK with an empty message. Accepts NULL. */
void hub_error_clear(struct hub_error *err);

/* A short stable name for a code ("EPNR_CHECKSUM"); never NULL. */
const char *hub_err_name(int code);

#endif
