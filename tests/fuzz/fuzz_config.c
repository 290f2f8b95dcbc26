/*
 * fuzz_config.c — libFuzzer target for the properties file reader (hub_config_load_buffer, the
 * parser behind hub_config_load and every program's --config FILE).
 *
 * Properties, beyond "no crash, no read past the input, no leak": a refused file gives one of the
 * documented errors with a message naming the file, and no config; an accepted one holds no NUL
 * byte (which would cut its line short, silently), gives values that every typed getter accepts
 * and a libpq conninfo, and, written out again as key=value lines, reads back to the very same
 * keys and values (nothing the reader keeps is lost on the way).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/core/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "hub.conf"

struct dump {
    FILE *f;
    const char *prefix;
};

static int dump_one(const char *key, const char *value, void *ud)
{
    struct dump *d = ud;
    fprintf(d->f, "%s%s=%s\n", d->prefix, key, value);
    return 0;
}

struct cmp {
    const hub_config_t *other;
    const char *prefix;
};

static int compare_one(const char *key, const char *value, void *ud)
{
    struct cmp *c = ud;
    char full[1024];
    snprintf(full, sizeof full, "%s%s", c->prefix, key);
    const char *v = hub_config_get(c->other, full);
    if (!v || strcmp(v, value) != 0)
        abort(); /* a value changed or vanished on the way out and back */
    return 0;
}

static const char *const prefixes[] = {"hub.", "kafka.", "pg."};
#define N_PREFIXES (sizeof prefixes / sizeof prefixes[0])

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hub_config_t *cfg = NULL, *again = NULL;
    struct hub_error err;
    char *text = NULL, *conninfo = NULL;
    size_t text_len = 0;
    int rc;

    memset(&err, 0, sizeof err);
    rc = hub_config_load_buffer((const char *)data, size, NAME, &cfg, &err);
    if (rc != 0) {
        if (cfg || err.code != rc || strncmp(err.msg, NAME ":", sizeof NAME) != 0)
            abort();
        if (rc != HUB_ECONFIG_SYNTAX && rc != HUB_ECONFIG_UNKNOWN && rc != HUB_ECONFIG_VALUE &&
            rc != HUB_ENOMEM)
            abort();
        return 0;
    }
    if (memchr(data, 0, size))
        abort(); /* a NUL cuts a line short: what follows it would be lost without a word */
    /* typed getters of every hub.* key hold (values were validated at load) */
    (void)hub_config_get_int(cfg, "hub.stats.k");
    (void)hub_config_get_bool(cfg, "hub.notifier.allow_http");
    if (hub_config_pg_conninfo(cfg, &conninfo) != 0 || !conninfo)
        abort();
    free(conninfo);

    FILE *f = open_memstream(&text, &text_len);
    if (!f)
        abort();
    for (size_t i = 0; i < N_PREFIXES; i++) {
        struct dump d = {f, prefixes[i]};
        (void)hub_config_foreach(cfg, prefixes[i], dump_one, &d);
    }
    fclose(f);
    if (hub_config_load_buffer(text, text_len, "again.conf", &again, &err) != 0)
        abort(); /* what was accepted, written out, must be accepted again */
    for (size_t i = 0; i < N_PREFIXES; i++) {
        struct cmp a = {again, prefixes[i]}, b = {cfg, prefixes[i]};
        (void)hub_config_foreach(cfg, prefixes[i], compare_one, &a);
        (void)hub_config_foreach(again, prefixes[i], compare_one, &b);
    }
    free(text);
    hub_config_destroy(again);
    hub_config_destroy(cfg);
    return 0;
}
