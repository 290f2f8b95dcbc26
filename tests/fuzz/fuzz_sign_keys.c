/*
 * fuzz_sign_keys.c — libFuzzer target for the districts' public key table reader
 * (hub_sign_keys_load_buffer, the parser behind hub_sign_keys_load and district-keys.csv).
 *
 * The text is read twice: without a districts table and against a small fixed one. Properties,
 * beyond "no crash, no read past the input, no leak": a refused text gives one of the documented
 * errors with a message naming the file and no table; a table accepted against the districts is
 * accepted without them too, with the same keys; every key id is well-formed and found again
 * under itself (and not under a prefix of itself), every validity range is ordered and, checked
 * against districts, every key's district is in the table.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hub/crypto/sign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char districts_csv[] = "code,name,valid_from,valid_to,successor\n"
                                    "farsta,Farsta,2007-01-01,,\n"
                                    "jarva,Järva,2023-07-01,,\n"
                                    "rinkeby-kista,Rinkeby-Kista,2007-01-01,2023-06-30,jarva\n";

static hub_districts_t *districts; /* read-only once made; lives for the whole run */

static void check_keys(const hub_sign_keys_t *t, const hub_districts_t *d)
{
    size_t n = hub_sign_keys_count(t);
    if (hub_sign_keys_at(t, n) != NULL)
        abort();
    for (size_t i = 0; i < n; i++) {
        const struct hub_sign_key *k = hub_sign_keys_at(t, i);
        size_t len = strlen(k->key_id);
        if (!hub_sign_key_id_ok(k->key_id) || k->valid_from > k->valid_to)
            abort();
        if (hub_sign_keys_find(t, k->key_id, len) != k)
            abort();
        if (len > 1 && hub_sign_keys_find(t, k->key_id, len - 1) == k)
            abort(); /* a prefix of the id must not find the key */
        if (d && !hub_districts_find(d, k->district))
            abort();
    }
}

static int load(const uint8_t *data, size_t size, const hub_districts_t *d, hub_sign_keys_t **t)
{
    struct hub_error err;
    int rc;

    memset(&err, 0, sizeof err);
    rc = hub_sign_keys_load_buffer((const char *)data, size, "keys.csv", d, t, &err);
    if (rc == 0) {
        check_keys(*t, d);
        return 0;
    }
    if (*t || err.code != rc || err.msg[0] == '\0' ||
        (rc != HUB_ECONFIG_SYNTAX && rc != HUB_ECONFIG_VALUE && rc != HUB_ENOMEM))
        abort();
    if (strncmp(err.msg, "keys.csv", 8) != 0)
        abort();
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hub_sign_keys_t *loose = NULL, *strict = NULL;
    struct hub_error err;

    if (!districts && hub_districts_load_buffer(districts_csv, sizeof districts_csv - 1,
                                                "districts.csv", &districts, &err) != 0)
        abort();
    int rc_loose = load(data, size, NULL, &loose);
    int rc_strict = load(data, size, districts, &strict);
    if (rc_strict == 0) {
        /* the districts only add a check: the same keys in the same order */
        if (rc_loose != 0 || hub_sign_keys_count(loose) != hub_sign_keys_count(strict))
            abort();
        for (size_t i = 0; i < hub_sign_keys_count(strict); i++) {
            const struct hub_sign_key *a = hub_sign_keys_at(loose, i);
            const struct hub_sign_key *b = hub_sign_keys_at(strict, i);
            if (strcmp(a->key_id, b->key_id) != 0 || strcmp(a->district, b->district) != 0 ||
                memcmp(a->public_key, b->public_key, sizeof a->public_key) != 0 ||
                a->valid_from != b->valid_from || a->valid_to != b->valid_to)
                abort();
        }
    }
    hub_sign_keys_destroy(loose);
    hub_sign_keys_destroy(strict);
    return 0;
}
