/*
 * test_sign_rotation.c — during a key rotation a district has two valid keys: the publisher signs
 * with the newer one (the larger valid_from), whatever the order of the key table's rows.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hub/core/config.h"
#include "hub/domain/district.h"
#include "hub/crypto/sign.h"

static char tmpdir[64];

static void write_text(const char *path, const char *content)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(content, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static void add_row(char *buf, size_t n, const char *id, const hub_sign_priv_t *k, const char *from)
{
    uint8_t pub[32];
    char b64[45];
    hub_sign_priv_public(k, pub);
    hub_sign_public_base64(pub, b64);
    size_t len = strlen(buf);
    snprintf(buf + len, n - len, "%s,farsta,%s,%s,\n", id, b64, from);
}

/* The key id the signer puts on an event of farsta, with the table's rows in the given order. */
static void signed_with(bool new_row_first, char *key_id, size_t n)
{
    const char *src = getenv("HUB_SOURCE_DIR");
    char path[4096], dir[128], table[128], pem[256];
    char buf[1024] = "key_id,district,public_key,valid_from,valid_to\n";
    hub_districts_t *d = NULL;
    hub_sign_priv_t *older = NULL, *newer = NULL;
    hub_signer_t *s = NULL;
    hub_config_t *cfg = NULL;
    struct hub_error err = {0};

    snprintf(path, sizeof path, "%s/schemas/reference/districts.csv",
             src && *src ? src : HUB_SOURCE_DIR);
    assert_int_equal(hub_districts_load(path, &d, NULL), 0);
    assert_int_equal(hub_sign_priv_generate(&older, NULL), 0);
    assert_int_equal(hub_sign_priv_generate(&newer, NULL), 0);
    /* Both valid today and open-ended: the rotation has started, the old key is not closed. */
    if (new_row_first)
        add_row(buf, sizeof buf, "farsta-2025", newer, "2025-01-01");
    add_row(buf, sizeof buf, "farsta-2021", older, "2021-01-01");
    if (!new_row_first)
        add_row(buf, sizeof buf, "farsta-2025", newer, "2025-01-01");
    snprintf(table, sizeof table, "%s/keys.csv", tmpdir);
    write_text(table, buf);
    snprintf(dir, sizeof dir, "%s/keys", tmpdir);
    mkdir(dir, 0700);
    snprintf(pem, sizeof pem, "%s/farsta-2021.pem", dir);
    assert_int_equal(hub_sign_priv_write_pem(older, pem, NULL), 0);
    snprintf(pem, sizeof pem, "%s/farsta-2025.pem", dir);
    assert_int_equal(hub_sign_priv_write_pem(newer, pem, NULL), 0);

    assert_int_equal(hub_config_load(NULL, &cfg, NULL), 0);
    assert_int_equal(hub_config_set(cfg, "hub.signing.key_dir", dir, "test", NULL), 0);
    assert_int_equal(hub_config_set(cfg, "hub.signing.keys_file", table, "test", NULL), 0);
    if (hub_signer_new(cfg, d, &s, &err) != 0)
        fail_msg("%s", err.msg);
    rd_kafka_headers_t *h = rd_kafka_headers_new(2);
    if (hub_signer_sign(s, "farsta", "placement-events", "k", 1, "v", 1, h, &err) != 0)
        fail_msg("%s", err.msg);
    const void *id = NULL;
    size_t id_len = 0;
    assert_int_equal(rd_kafka_header_get_last(h, HUB_SIG_KEY_HEADER, &id, &id_len), 0);
    assert_true(id_len < n);
    memcpy(key_id, id, id_len);
    key_id[id_len] = '\0';

    rd_kafka_headers_destroy(h);
    hub_signer_destroy(s);
    hub_config_destroy(cfg);
    unlink(pem);
    snprintf(pem, sizeof pem, "%s/farsta-2021.pem", dir);
    unlink(pem);
    rmdir(dir);
    unlink(table);
    hub_sign_priv_destroy(older);
    hub_sign_priv_destroy(newer);
    hub_districts_destroy(d);
}

static void test_signer_picks_the_newer_of_two_valid_keys(void **state)
{
    (void)state;
    char id[64];
    signed_with(false, id, sizeof id);
    assert_string_equal(id, "farsta-2025");
    signed_with(true, id, sizeof id);
    assert_string_equal(id, "farsta-2025");
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_sign_rotation_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return rmdir(tmpdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signer_picks_the_newer_of_two_valid_keys),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
