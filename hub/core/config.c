/*
 * config.c — the properties file, the environment overrides, and the table of hub.* keys.
 */
#include "hub/core/config.h"
#include "hub/core/log.h"
#include "hub/core/strbuf.h"

#include <ctype.h>
#include <libpq-fe.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

enum key_type { KEY_STRING, KEY_PATH, KEY_INT, KEY_BOOL };

struct key_def {
    const char *key;
    enum key_type type;
    const char *def;
    long min, max; /* for KEY_INT */
    const char *doc;
};

/* Every hub.* key: the one place its type, default and meaning are written down. */
static const struct key_def hub_keys[] = {
    {"hub.log.level", KEY_STRING, "info", 0, 0, "debug, info, warn or error"},
    {"hub.log.format", KEY_STRING, "logfmt", 0, 0, "logfmt or json"},
    {"hub.topic.prefix", KEY_STRING, "", 0, 0, "prefix put before every topic name"},
    {"hub.bootstrap_file", KEY_PATH, "", 0, 0,
     "file holding the bootstrap address (written by `hubctl broker`); used when "
     "kafka.bootstrap.servers is unset"},
    {"hub.reference_dir", KEY_PATH, "", 0, 0,
     "directory with districts.csv and other reference data (default: the source tree's "
     "schemas/reference)"},
    {"hub.pseudonym.key_file", KEY_PATH, "", 0, 0,
     "file with the city-wide pseudonym key (raw bytes, at least 32, mode 0600)"},
    {"hub.signing.required", KEY_BOOL, "true", 0, 0,
     "publishers refuse to start without a signing key, consumers dead-letter unsigned messages "
     "(reason signature); false only while districts move to signing: unsigned messages then "
     "pass, but a bad or unknown signature is still dead-lettered"},
    {"hub.signing.key_file", KEY_PATH, "", 0, 0,
     "publisher: the district's Ed25519 private key (PEM PKCS#8, mode 0600; `hubctl districts "
     "keygen`)"},
    {"hub.signing.key_id", KEY_STRING, "", 0, 0,
     "publisher: the id of hub.signing.key_file's key in the key table (sent in header "
     "hub.sig.key)"},
    {"hub.signing.key_dir", KEY_PATH, "", 0, 0,
     "publisher serving several districts (dev setup, tests): directory of <key_id>.pem private "
     "keys; each event is signed with its district's key from hub.signing.keys_file (instead of "
     "hub.signing.key_file)"},
    {"hub.signing.keys_file", KEY_PATH, "", 0, 0,
     "the districts' public keys (key_id,district,public_key,valid_from,valid_to,revoked_at) that "
     "consumers "
     "verify against (default: district-keys.csv in hub.reference_dir or the source tree's "
     "schemas/reference)"},
    {"hub.signing.max_delay_s", KEY_INT, "604800", 60, 2592000,
     "consumers: a version 2 signature made longer than this before the hub first saw the "
     "message is refused (reason signature, \"signing time out of range\"); allows for stopped "
     "consumers, and bounds how long after its valid_to a retired key's signatures are taken"},
    {"hub.clock.max_skew_s", KEY_INT, "300", 1, 86400,
     "how far ahead of the hub's clock an event may be: hub-publish refuses an occurred_at "
     "further in the future (exit 2), consumers dead-letter it (reason future) and refuse a "
     "signing time further ahead of the first sighting"},
    {"hub.signing.verify_threads", KEY_INT, "0", 0, 64,
     "consumers: threads verifying a batch's signatures (0: one per online CPU)"},
    {"hub.schools.file", KEY_PATH, "", 0, 0,
     "school directory CSV (the `hubctl schools import` format) that hub-publish seals handover "
     "content with; when empty, hub-publish reads PostgreSQL's hub.schools if pg.* is set"},
    {"hub.publish.flush_timeout_ms", KEY_INT, "30000", 100, 3600000,
     "how long hub-publish waits for the last acknowledgements"},
    {"hub.consumer.batch_max", KEY_INT, "2000", 1, 100000,
     "most messages a consumer writes in one PostgreSQL transaction"},
    {"hub.consumer.batch_wait_ms", KEY_INT, "50", 0, 60000,
     "how long a consumer waits to fill a batch (0: a batch is what is already queued, nothing "
     "is waited for; the notifier's example config, for latency)"},
    {"hub.consumer.retry_max_ms", KEY_INT, "10000", 100, 600000,
     "ceiling of the back-off between PostgreSQL retries"},
    {"hub.relay.batch_max", KEY_INT, "2000", 1, 10000,
     "hub-relay: most outbox rows claimed and published at once (at most one per child)"},
    {"hub.relay.poll_ms", KEY_INT, "1000", 10, 600000,
     "hub-relay: how often it looks at the outbox without being woken by a commit (NOTIFY)"},
    {"hub.relay.retry_max_ms", KEY_INT, "30000", 100, 3600000,
     "hub-relay: ceiling of the back-off of a row whose publishing failed, and between attempts "
     "to reach the district's database"},
    {"hub.relay.lease_s", KEY_INT, "900", 10, 86400,
     "hub-relay: a claimed row goes back to the outbox after this long even when the claiming "
     "session still lives (longer than kafka.message.timeout.ms)"},
    {"hub.relay.migrations_dir", KEY_PATH, "", 0, 0,
     "directory of the outbox migrations that `hub-relay --migrate` applies to the district's "
     "database (default: the source tree's deploy/outbox)"},
    {"hub.readmodel.group", KEY_STRING, "hub-readmodel", 0, 0, "consumer group of hub-readmodel"},
    {"hub.metrics.listen", KEY_STRING, "", 0, 0,
     "ADDRESS:PORT (loopback, e.g. 127.0.0.1:9464) where a consumer serves /metrics, /healthz "
     "and /readyz; empty: not served"},
    {"hub.notifier.group", KEY_STRING, "hub-notifier", 0, 0, "consumer group of hub-notifier"},
    {"hub.notifier.listen", KEY_STRING, "127.0.0.1:8470", 0, 0,
     "host:port of the notifier's receipt endpoint POST /v1/receipts (plain HTTP: keep it on "
     "loopback behind a TLS proxy; port 0 picks a free one; empty: off)"},
    {"hub.notifier.listen_port_file", KEY_PATH, "", 0, 0,
     "file the notifier writes the receipt endpoint's bound port to (for port 0; empty: none)"},
    {"hub.notifier.retry_for_s", KEY_INT, "259200", 1, 2592000,
     "how long the notifier retries a notification (from when it was queued) before it is "
     "failed; default 72 h"},
    {"hub.notifier.backoff_base_ms", KEY_INT, "5000", 10, 3600000,
     "first retry delay; doubled per failed attempt up to hub.notifier.backoff_max_s"},
    {"hub.notifier.backoff_max_s", KEY_INT, "21600", 1, 604800, "longest retry delay"},
    {"hub.notifier.jitter_pct", KEY_INT, "20", 0, 100,
     "a retry delay is shortened by a random 0..this percent, to spread retries"},
    {"hub.notifier.retry_after_max_s", KEY_INT, "86400", 0, 2592000,
     "longest Retry-After from a school that is honoured"},
    {"hub.notifier.timeout_s", KEY_INT, "30", 1, 300, "HTTP request timeout of one delivery"},
    {"hub.notifier.lease_s", KEY_INT, "300", 2, 86400,
     "how long a claimed notification stays with its worker while that worker's database "
     "session lives (at least twice hub.notifier.timeout_s)"},
    {"hub.notifier.parallel", KEY_INT, "16", 1, 256, "deliveries in flight at once"},
    {"hub.notifier.poll_ms", KEY_INT, "1000", 10, 60000,
     "how often the delivery worker looks for due retries without being woken"},
    {"hub.notifier.overdue_working_days", KEY_INT, "3", 0, 60,
     "a delivered handover not acknowledged after this many working days (Mon-Fri) gets one "
     "`overdue` receipt"},
    {"hub.notifier.overdue_scan_s", KEY_INT, "60", 1, 86400,
     "how often the notifier looks for overdue handovers"},
    {"hub.notifier.allow_http", KEY_BOOL, "false", 0, 0,
     "also deliver to http:// webhook URLs (tests, loopback); otherwise https only"},
    {"hub.notifier.allow_ranges", KEY_STRING, "", 0, 0,
     "address ranges (CIDR, comma-separated) a school's webhook may be at although not public "
     "(loopback, private, link-local); empty: public addresses only (tests, demo: 127.0.0.0/8)"},
    {"hub.notifier.ca_file", KEY_PATH, "", 0, 0,
     "CA bundle for verifying schools' HTTPS endpoints (empty: the system's)"},
    {"hub.notifier.receipt_max_skew_s", KEY_INT, "300", 10, 3600,
     "a school's receipt is refused when its webhook-timestamp is further than this from the "
     "clock"},
    {"hub.migrations_dir", KEY_PATH, "", 0, 0,
     "directory of the NNN_name.sql migrations that `hubctl migrate` applies (default: the "
     "source tree's deploy/migrations)"},
    {"hub.stats.k", KEY_INT, "5", 3, 1000,
     "statistics: smallest count published; counts from 1 to k-1 are shown as <k, medians and "
     "percentiles need at least k school starts"},
    {"hub.stats.threshold_days", KEY_INT, "14", 0, 3650,
     "statistics: a school start more than this many days after the placement start counts as "
     "over the threshold"},
    {"hub.stats.interval_s", KEY_INT, "3600", 1, 604800,
     "hub-stats: seconds between passes over the closed months (one pass also runs at start)"},
    {"hub.stats.close_after_days", KEY_INT, "5", 0, 366,
     "hub-stats: a month is closed, and published, this many days after its end (5: January "
     "closes on 6 February, 0: on 1 February)"},
    {"hub.stats.lookback_months", KEY_INT, "13", 1, 120,
     "hub-stats: how many of the most recent closed months each pass recomputes and publishes "
     "again when their figures changed"},
};
#define N_HUB_KEYS (sizeof hub_keys / sizeof hub_keys[0])

struct entry {
    char *key;
    char *value;
    char *origin;
};

struct hub_config {
    struct entry *entries;
    size_t n, cap;
};

static const struct key_def *find_def(const char *key)
{
    for (size_t i = 0; i < N_HUB_KEYS; i++)
        if (strcmp(hub_keys[i].key, key) == 0)
            return &hub_keys[i];
    return NULL;
}

static struct entry *find_entry(const hub_config_t *cfg, const char *key)
{
    for (size_t i = 0; i < cfg->n; i++)
        if (strcmp(cfg->entries[i].key, key) == 0)
            return &cfg->entries[i];
    return NULL;
}

static bool has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static int parse_long(const char *s, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0')
        return HUB_EINVAL;
    *out = v;
    return 0;
}

static int parse_bool(const char *s, bool *out)
{
    if (!strcmp(s, "true") || !strcmp(s, "1") || !strcmp(s, "yes") || !strcmp(s, "on"))
        *out = true;
    else if (!strcmp(s, "false") || !strcmp(s, "0") || !strcmp(s, "no") || !strcmp(s, "off"))
        *out = false;
    else
        return HUB_EINVAL;
    return 0;
}

/* Levenshtein distance of two short names (longer ones count as far apart). */
static size_t edit_distance(const char *a, const char *b)
{
    enum { MAXLEN = 128 };
    size_t la = strlen(a), lb = strlen(b);
    if (la >= MAXLEN || lb >= MAXLEN)
        return SIZE_MAX;
    size_t prev[MAXLEN + 1], cur[MAXLEN + 1];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof prev[0]);
    }
    return prev[lb];
}

/* A pg.* key must be one of libpq's connection keywords (PQconndefaults), so a typo is refused at
 * load time as a configuration error instead of failing every connection at run time. */
static int validate_pg_keyword(const char *key, const char *origin, struct hub_error *err)
{
    const char *kw = key + 3;
    PQconninfoOption *opts = PQconndefaults();
    if (!opts)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    int rc = 0;
    for (const PQconninfoOption *o = opts; o->keyword; o++) {
        if (strcmp(o->keyword, kw) == 0)
            goto out;
        size_t d = edit_distance(kw, o->keyword);
        if (d < best_d) {
            best_d = d;
            best = o->keyword;
        }
    }
    if (best && best_d <= 2)
        rc = hub_error_set(err, HUB_ECONFIG_UNKNOWN,
                           "%s: %s: not a libpq connection keyword (did you mean pg.%s?)", origin,
                           key, best);
    else
        rc = hub_error_set(err, HUB_ECONFIG_UNKNOWN,
                           "%s: %s: not a libpq connection keyword (host, port, dbname, user, "
                           "sslmode, ...)",
                           origin, key);
out:
    PQconninfoFree(opts);
    return rc;
}

static int validate(const char *key, const char *value, const char *origin, struct hub_error *err)
{
    if (!has_prefix(key, "hub.") && !has_prefix(key, "kafka.") && !has_prefix(key, "pg."))
        return hub_error_set(err, HUB_ECONFIG_UNKNOWN,
                             "%s: %s: unknown key (keys start with hub., kafka. or pg.)", origin,
                             key);
    if ((has_prefix(key, "kafka.") && key[6] == '\0') || (has_prefix(key, "pg.") && key[3] == '\0'))
        return hub_error_set(err, HUB_ECONFIG_SYNTAX, "%s: %s: empty key after the prefix", origin,
                             key);
    if (has_prefix(key, "pg."))
        return validate_pg_keyword(key, origin, err);
    if (!has_prefix(key, "hub."))
        return 0;
    const struct key_def *d = find_def(key);
    if (!d)
        return hub_error_set(err, HUB_ECONFIG_UNKNOWN,
                             "%s: %s: unknown key (see --help-config for the hub.* keys)", origin,
                             key);
    if (d->type == KEY_INT) {
        long v = 0;
        if (parse_long(value, &v) != 0)
            return hub_error_set(err, HUB_ECONFIG_VALUE, "%s: %s: '%s' is not a whole number",
                                 origin, key, value);
        if (v < d->min || v > d->max)
            return hub_error_set(err, HUB_ECONFIG_VALUE, "%s: %s: %ld is outside %ld..%ld", origin,
                                 key, v, d->min, d->max);
    } else if (d->type == KEY_BOOL) {
        bool b;
        if (parse_bool(value, &b) != 0)
            return hub_error_set(err, HUB_ECONFIG_VALUE, "%s: %s: '%s' is not true or false",
                                 origin, key, value);
    }
    return 0;
}

int hub_config_set(hub_config_t *cfg, const char *key, const char *value, const char *origin,
                   struct hub_error *err)
{
    int rc = validate(key, value, origin, err);
    if (rc)
        return rc;
    struct entry *e = find_entry(cfg, key);
    char *v = strdup(value);
    char *o = strdup(origin);
    if (!v || !o) {
        free(v);
        free(o);
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    }
    if (e) {
        free(e->value);
        free(e->origin);
        e->value = v;
        e->origin = o;
        return 0;
    }
    if (cfg->n == cfg->cap) {
        size_t cap = cfg->cap ? cfg->cap * 2 : 16;
        struct entry *ne = realloc(cfg->entries, cap * sizeof *ne);
        if (!ne) {
            free(v);
            free(o);
            return hub_error_set(err, HUB_ENOMEM, "out of memory");
        }
        cfg->entries = ne;
        cfg->cap = cap;
    }
    char *k = strdup(key);
    if (!k) {
        free(v);
        free(o);
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    }
    cfg->entries[cfg->n++] = (struct entry){k, v, o};
    return 0;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Reads key=value lines from `f`; `path` names it in messages. */
static int load_stream(hub_config_t *cfg, FILE *f, const char *path, struct hub_error *err)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned lineno = 0;
    int rc = 0;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (strlen(line) != (size_t)len) {
            /* what follows a NUL would be dropped without a word */
            rc = hub_error_set(err, HUB_ECONFIG_SYNTAX, "%s:%u: contains a NUL byte", path, lineno);
            break;
        }
        char *s = trim(line);
        if (*s == '\0' || *s == '#' || *s == '!')
            continue;
        char *eq = strchr(s, '=');
        char origin[512];
        snprintf(origin, sizeof origin, "%s:%u", path, lineno);
        if (!eq) {
            rc = hub_error_set(err, HUB_ECONFIG_SYNTAX, "%s: expected key=value", origin);
            break;
        }
        *eq = '\0';
        char *key = trim(s);
        char *value = trim(eq + 1);
        if (*key == '\0') {
            rc = hub_error_set(err, HUB_ECONFIG_SYNTAX, "%s: empty key before '='", origin);
            break;
        }
        rc = hub_config_set(cfg, key, value, origin, err);
        if (rc)
            break;
    }
    if (rc == 0 && ferror(f))
        rc = hub_error_set(err, HUB_EIO, "%s: read error", path);
    free(line);
    return rc;
}

static int load_file(hub_config_t *cfg, const char *path, struct hub_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return hub_error_set(err, HUB_EIO, "%s: cannot open: %s", path, strerror(errno));
    int rc = load_stream(cfg, f, path, err);
    fclose(f);
    return rc;
}

static int load_buffer(hub_config_t *cfg, const char *text, size_t len, const char *name,
                       struct hub_error *err)
{
    static const char empty[1] = "";
    /* mode "r" reads exactly `len` bytes */
    FILE *f = fmemopen((void *)(text ? text : empty), len, "r");
    if (!f)
        return hub_error_set(err, HUB_ENOMEM, "%s: cannot read from memory: %s", name,
                             strerror(errno));
    int rc = load_stream(cfg, f, name, err);
    fclose(f);
    return rc;
}

/* HUB_KAFKA_BOOTSTRAP_SERVERS → kafka.bootstrap.servers; HUB_PG_SSLMODE → pg.sslmode. */
static int apply_env_prefixed(hub_config_t *cfg, const char *name, const char *value,
                              struct hub_error *err)
{
    char key[256];
    const char *rest;
    const char *prefix;
    char sep;
    if (has_prefix(name, "HUB_KAFKA_")) {
        rest = name + 10;
        prefix = "kafka.";
        sep = '.';
    } else if (has_prefix(name, "HUB_PG_")) {
        rest = name + 7;
        prefix = "pg.";
        sep = '_';
    } else {
        return 0;
    }
    if (*rest == '\0')
        return 0;
    size_t n = (size_t)snprintf(key, sizeof key, "%s", prefix);
    for (const char *p = rest; *p && n + 1 < sizeof key; p++)
        key[n++] = *p == '_' ? sep : (char)tolower((unsigned char)*p);
    key[n] = '\0';
    char origin[300];
    snprintf(origin, sizeof origin, "environment %s", name);
    return hub_config_set(cfg, key, value, origin, err);
}

static void env_name_of(const char *key, char *buf, size_t n)
{
    size_t j = (size_t)snprintf(buf, n, "HUB_");
    for (const char *p = key + 4; *p && j + 1 < n; p++)
        buf[j++] = (*p == '.') ? '_' : (char)toupper((unsigned char)*p);
    buf[j] = '\0';
}

/* True when HUB_<name> is no configuration variable but looks like one mistyped: close to a hub.*
 * key's variable, or in the section of one (HUB_NOTIFIER_…). The closest is put in `best`. */
static bool looks_like_config_variable(const char *name, char *best, size_t n)
{
    size_t best_d = SIZE_MAX;
    bool in_section = false;
    best[0] = '\0';
    for (size_t i = 0; i < N_HUB_KEYS; i++) {
        char env[128];
        env_name_of(hub_keys[i].key, env, sizeof env);
        if (strcmp(env, name) == 0)
            return false;
        size_t d = edit_distance(name, env);
        if (d < best_d) {
            best_d = d;
            snprintf(best, n, "%s", env);
        }
        /* hub.<section>.<key>: HUB_<SECTION>_ is ours */
        const char *dot = strchr(hub_keys[i].key + 4, '.');
        if (dot) {
            size_t plen = 4 + (size_t)(dot - (hub_keys[i].key + 4)) + 1;
            if (strncmp(name, env, plen) == 0)
                in_section = true;
        }
    }
    return in_section || best_d <= 2;
}

/* A HUB_* variable that is no configuration variable is ignored, with a warning when it looks
 * like a mistyped one. Not refused: HUB_* is also the namespace of the project's scripts and
 * tests (HUB_BUILD_DIR, HUB_STATE_DIR, …) and of an environment shared between units, so a
 * stranger there must not stop a program; a mistyped key in the file is refused instead. */
static void warn_unknown_env(const char *name)
{
    char best[128];
    if (!has_prefix(name, "HUB_") || has_prefix(name, "HUB_KAFKA_") || has_prefix(name, "HUB_PG_"))
        return;
    if (!looks_like_config_variable(name, best, sizeof best))
        return;
    hub_log(HUB_LOG_WARN, "environment variable is no configuration variable; ignored",
            "variable=%s did_you_mean=%s", name, best);
}

static int apply_env(hub_config_t *cfg, struct hub_error *err)
{
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq)
            continue;
        char name[256];
        size_t nlen = (size_t)(eq - *e);
        if (nlen >= sizeof name)
            continue;
        memcpy(name, *e, nlen);
        name[nlen] = '\0';
        int rc = apply_env_prefixed(cfg, name, eq + 1, err);
        if (rc)
            return rc;
        warn_unknown_env(name);
    }
    for (size_t i = 0; i < N_HUB_KEYS; i++) {
        char name[128];
        env_name_of(hub_keys[i].key, name, sizeof name);
        const char *v = getenv(name);
        if (v) {
            char origin[160];
            snprintf(origin, sizeof origin, "environment %s", name);
            int rc = hub_config_set(cfg, hub_keys[i].key, v, origin, err);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* The file at `path`, or else `text` (named `name`), or neither; then the environment. */
static int load(const char *path, const char *text, size_t len, const char *name,
                hub_config_t **out, struct hub_error *err)
{
    hub_config_t *cfg = calloc(1, sizeof *cfg);
    int rc;
    *out = NULL;
    if (!cfg)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    if (path) {
        rc = load_file(cfg, path, err);
        if (rc)
            goto fail;
    } else if (name) {
        rc = load_buffer(cfg, text, len, name, err);
        if (rc)
            goto fail;
    }
    rc = apply_env(cfg, err);
    if (rc)
        goto fail;
    *out = cfg;
    return 0;
fail:
    hub_config_destroy(cfg);
    return rc;
}

int hub_config_load(const char *path, hub_config_t **out, struct hub_error *err)
{
    return load(path, NULL, 0, NULL, out, err);
}

int hub_config_load_buffer(const char *text, size_t len, const char *name, hub_config_t **out,
                           struct hub_error *err)
{
    *out = NULL;
    if (!name || (!text && len))
        return hub_error_set(err, HUB_EINVAL, "config: no text given");
    return load(NULL, text, len, name, out, err);
}

void hub_config_destroy(hub_config_t *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < cfg->n; i++) {
        free(cfg->entries[i].key);
        free(cfg->entries[i].value);
        free(cfg->entries[i].origin);
    }
    free(cfg->entries);
    free(cfg);
}

const char *hub_config_get(const hub_config_t *cfg, const char *key)
{
    const struct entry *e = find_entry(cfg, key);
    if (e)
        return e->value;
    const struct key_def *d = find_def(key);
    return d ? d->def : NULL;
}

long hub_config_get_int(const hub_config_t *cfg, const char *key)
{
    const char *v = hub_config_get(cfg, key);
    long n = 0;
    if (!v || parse_long(v, &n) != 0)
        return 0;
    return n;
}

bool hub_config_get_bool(const hub_config_t *cfg, const char *key)
{
    const char *v = hub_config_get(cfg, key);
    bool b = false;
    if (v)
        (void)parse_bool(v, &b);
    return b;
}

int hub_config_foreach(const hub_config_t *cfg, const char *prefix,
                       int (*fn)(const char *key, const char *value, void *ud), void *ud)
{
    size_t plen = strlen(prefix);
    for (size_t i = 0; i < cfg->n; i++) {
        if (strncmp(cfg->entries[i].key, prefix, plen) == 0) {
            int rc = fn(cfg->entries[i].key + plen, cfg->entries[i].value, ud);
            if (rc)
                return rc;
        }
    }
    return 0;
}

const char *hub_config_origin(const hub_config_t *cfg, const char *key)
{
    const struct entry *e = find_entry(cfg, key);
    if (e)
        return e->origin;
    return find_def(key) ? "default" : "unset";
}

static int conninfo_pair(const char *key, const char *value, void *ud)
{
    struct hub_strbuf *b = ud;
    if (b->len)
        hub_strbuf_char(b, ' ');
    hub_strbuf_str(b, key);
    hub_strbuf_str(b, "='");
    for (const char *p = value; *p; p++) {
        if (*p == '\'' || *p == '\\')
            hub_strbuf_char(b, '\\');
        hub_strbuf_char(b, *p);
    }
    hub_strbuf_char(b, '\'');
    return b->failed ? HUB_ENOMEM : 0;
}

int hub_config_pg_conninfo(const hub_config_t *cfg, char **out)
{
    struct hub_strbuf b = HUB_STRBUF_INIT;
    *out = NULL;
    int rc = hub_config_foreach(cfg, "pg.", conninfo_pair, &b);
    if (rc) {
        hub_strbuf_free(&b);
        return rc;
    }
    *out = hub_strbuf_take(&b);
    return *out ? 0 : HUB_ENOMEM;
}

int hub_config_bootstrap(const hub_config_t *cfg, char **out, struct hub_error *err)
{
    const char *servers = hub_config_get(cfg, "kafka.bootstrap.servers");
    *out = NULL;
    if (servers && *servers) {
        *out = strdup(servers);
        return *out ? 0 : hub_error_set(err, HUB_ENOMEM, "out of memory");
    }
    const char *file = hub_config_get(cfg, "hub.bootstrap_file");
    if (!file || !*file)
        return hub_error_set(err, HUB_ECONFIG_MISSING,
                             "kafka.bootstrap.servers: not set (nor hub.bootstrap_file); start the "
                             "dev broker with `hubctl broker --bootstrap-file FILE` or name a "
                             "cluster");
    FILE *f = fopen(file, "r");
    if (!f)
        return hub_error_set(err, HUB_EIO,
                             "hub.bootstrap_file: %s: cannot open: %s (is the dev broker running?)",
                             file, strerror(errno));
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *s = trim(buf);
    if (*s == '\0')
        return hub_error_set(err, HUB_ECONFIG_VALUE, "hub.bootstrap_file: %s: empty", file);
    *out = strdup(s);
    return *out ? 0 : hub_error_set(err, HUB_ENOMEM, "out of memory");
}

void hub_config_topic(const hub_config_t *cfg, const char *name, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s", hub_config_get(cfg, "hub.topic.prefix"), name);
}

void hub_config_print_help(FILE *f, bool markdown)
{
    static const char *const type_names[] = {"string", "path", "integer", "boolean"};
    if (markdown)
        fprintf(f, "| key | type | default | meaning |\n|---|---|---|---|\n");
    for (size_t i = 0; i < N_HUB_KEYS; i++) {
        const struct key_def *d = &hub_keys[i];
        char env[128];
        env_name_of(d->key, env, sizeof env);
        if (markdown)
            fprintf(f, "| `%s` (`%s`) | %s | %s%s%s | %s |\n", d->key, env, type_names[d->type],
                    *d->def ? "`" : "", *d->def ? d->def : "(empty)", *d->def ? "`" : "", d->doc);
        else
            fprintf(f, "%-32s %-8s default=%-10s env=%s\n    %s\n", d->key, type_names[d->type],
                    *d->def ? d->def : "\"\"", env, d->doc);
    }
    if (markdown)
        fprintf(f, "| `kafka.*` (`HUB_KAFKA_*`) | string | | passed to librdkafka without the "
                   "prefix (TLS, SASL, timeouts…); a producer gets only producer and common "
                   "properties, a consumer only consumer and common ones, so one file serves "
                   "both; `acks` and `enable.idempotence` cannot be weakened |\n"
                   "| `pg.*` (`HUB_PG_*`) | string | | libpq connection keywords (`host`, `port`, "
                   "`dbname`, `user`, `sslmode`, …; any other key is refused at start); unset ones "
                   "come from libpq's `PG*` "
                   "environment |\n");
    else
        fprintf(f, "kafka.*  passed to librdkafka without the prefix (env HUB_KAFKA_*)\n"
                   "pg.*     libpq connection keywords, others refused (env HUB_PG_*)\n");
}
