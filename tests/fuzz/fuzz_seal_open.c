/*
 * fuzz_seal_open.c — libFuzzer target for hub_seal_open() and the other parsers of
 * hub/crypto/seal.h.
 *
 * Any input, taken as sealed content for a fixed school key and handover AAD, must open (only
 * the seed sealed for that key does) or fail with one of the documented seal errors and a
 * message, never crash, read past the input or leak. The same bytes also go through the base64
 * decoder and, when 44 bytes long, the public-key parser; and, as plaintext, must seal and open
 * back to themselves. Also built with replay_main.c to run the seed corpus in ctest.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hub/crypto/seal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The AAD of the seed corpus (tests/fuzz/corpus/seal_open/valid.bin, made with
 * tests/integration/seal_interop.py for the private key 01 02 … 20 hex). */
static const char aad[] = "00000000-0000-4000-8000-000000000001|"
                          "00000000-0000-4000-8000-000000000002|99018001";

static int known_error(int rc)
{
    return rc == HUB_ESEAL_TRUNCATED || rc == HUB_ESEAL_VERSION || rc == HUB_ESEAL_KEY ||
           rc == HUB_ESEAL_AUTH || rc == HUB_ERANGE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t priv[HUB_SEAL_KEY_LEN], pub[HUB_SEAL_KEY_LEN];
    struct hub_error err = {0};
    uint8_t *plain = NULL, *sealed = NULL, *bytes = NULL;
    size_t plain_len = 0, sealed_len = 0, n = 0;
    int rc;

    for (int i = 0; i < HUB_SEAL_KEY_LEN; i++)
        priv[i] = (uint8_t)(i + 1);
    rc = hub_seal_open_raw(priv, (const uint8_t *)aad, strlen(aad), data, size, &plain, &plain_len,
                           &err);
    if (rc == 0) {
        if (plain_len != size - HUB_SEAL_HEADER_LEN || plain[plain_len] != '\0')
            abort();
        free(plain);
    } else if (!known_error(rc) || err.code != rc || err.msg[0] == '\0' || plain || plain_len) {
        abort();
    }

    rc = hub_seal_base64_decode((const char *)data, size, &bytes, &n, &err);
    if (rc == 0)
        free(bytes);
    else if (rc != HUB_EINVAL || bytes)
        abort();

    if (size == HUB_SEAL_PUB_B64_LEN - 1) {
        char text[HUB_SEAL_PUB_B64_LEN];
        memcpy(text, data, size);
        text[size] = '\0';
        rc = hub_seal_public_key_parse(text, pub, &err);
        if (rc != 0 && rc != HUB_ESEAL_KEY)
            abort();
    }

    /* As plaintext: seals for the fixed key and opens back to the same bytes. */
    if (size <= 4096) {
        EVP_PKEY *k = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, priv, sizeof priv);
        if (!k || hub_seal_public_key_of(k, pub, &err) != 0)
            abort();
        EVP_PKEY_free(k);
        if (hub_seal(pub, data, size, data, size, &sealed, &sealed_len, &err) != 0)
            abort();
        if (hub_seal_open_raw(priv, data, size, sealed, sealed_len, &plain, &plain_len, &err) !=
                0 ||
            plain_len != size || (size && memcmp(plain, data, size) != 0))
            abort();
        free(plain);
        free(sealed);
    }
    return 0;
}
