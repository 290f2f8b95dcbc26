/*
 * cmd_districts.c — `hubctl districts`: the districts' signing keys (hub/crypto/sign.h).
 *
 *   hubctl districts keygen --district CODE --out-private FILE [--key-id ID]
 *                           [--valid-from DATE] [--valid-to DATE] [--districts CSV]
 *   hubctl districts check-keys [--config FILE] [--keys CSV] [--districts CSV]
 *
 * keygen makes a district's Ed25519 key pair: the private key goes to a new file (mode 0600,
 * never overwritten) for the district's publisher (hub.signing.key_file), and one row of the
 * public key table (key_id,district,public_key,valid_from,valid_to) is printed on stdout for
 * whoever keeps the consumers' district-keys.csv. check-keys loads a key table as the consumers
 * would, checks its districts against districts.csv and lists districts valid today without a
 * key valid today.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hub/core/config.h"
#include "hub/core/date.h"
#include "hub/domain/district.h"
#include "hub/core/log.h"
#include "hub/crypto/sign.h"
#include "hubctl.h"

#define PATH_MAX_LEN 4096

static void districts_usage(FILE *f)
{
    fprintf(f,
            "usage: hubctl districts keygen --district CODE --out-private FILE [--key-id ID]\n"
            "                               [--valid-from DATE] [--valid-to DATE] [--districts "
            "CSV]\n"
            "       hubctl districts check-keys [--config FILE] [--keys CSV] [--districts CSV]\n"
            "\n"
            "keygen: makes an Ed25519 key pair for district CODE. The private key is written as "
            "PEM PKCS#8\nto FILE, a new file of mode 0600 (an existing file is never "
            "overwritten): give it to the\ndistrict's publisher as hub.signing.key_file, with "
            "hub.signing.key_id=ID. The public key is\nprinted as one row for the key table "
            "(key_id,district,public_key,valid_from,valid_to) that\nconsumers verify against "
            "(hub.signing.keys_file).\n"
            "  --key-id ID       default CODE-YYYYMMDD of --valid-from\n"
            "  --valid-from DATE first day the key is valid (default: today, Stockholm)\n"
            "  --valid-to DATE   last day (default: open; close it when rotating to a new key)\n"
            "  --districts CSV   the district table CODE must be in (default: districts.csv of "
            "the\n                    source tree or $HUB_REFERENCE_DIR)\n"
            "\n"
            "check-keys: loads the key table (--keys, else hub.signing.keys_file of --config, else "
            "the\ndefault) as the consumers do, checks every district in it, and lists districts "
            "valid today\nthat have no key valid today.\n"
            "\n"
            "Exit codes: 0 ok, 1 runtime failure, 2 usage or invalid input.\n");
}

static int load_districts(const char *opt, hub_districts_t **out)
{
    char path[PATH_MAX_LEN];
    struct hub_error err = {0};
    if (opt && *opt) {
        if ((size_t)snprintf(path, sizeof path, "%s", opt) >= sizeof path) {
            hub_log_plain("hubctl districts: --districts: path too long");
            return HUBCTL_EXIT_USAGE;
        }
    } else if (hub_districts_default_path(path, sizeof path) != 0) {
        hub_log_plain("hubctl districts: districts.csv path too long");
        return HUBCTL_EXIT_USAGE;
    }
    if (hub_districts_load(path, out, &err) != 0) {
        hub_log_plain("hubctl districts: %s", err.msg);
        return HUBCTL_EXIT_USAGE;
    }
    return HUBCTL_EXIT_OK;
}

static int32_t today_stockholm(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return hub_days_stockholm_from_ms((int64_t)ts.tv_sec * 1000);
}

static int parse_day(const char *opt, const char *s, int32_t *out)
{
    struct hub_date d;
    struct hub_error err = {0};
    if (hub_date_parse_iso(s, &d, &err) != 0) {
        hub_log_plain("hubctl districts keygen: %s: %s", opt, err.msg);
        return HUBCTL_EXIT_USAGE;
    }
    *out = hub_date_to_days(&d);
    return HUBCTL_EXIT_OK;
}

static int cmd_keygen(int argc, char **argv)
{
    static const struct option opts[] = {
        {"district", required_argument, NULL, 'd'}, {"out-private", required_argument, NULL, 'o'},
        {"key-id", required_argument, NULL, 'k'},   {"valid-from", required_argument, NULL, 'f'},
        {"valid-to", required_argument, NULL, 't'}, {"districts", required_argument, NULL, 'D'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    const char *district = NULL, *out = NULL, *key_id = NULL, *districts_csv = NULL;
    int32_t from = today_stockholm(), to = INT32_MAX;
    hub_districts_t *districts = NULL;
    hub_sign_priv_t *priv = NULL;
    struct hub_error err = {0};
    int c, code;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            district = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'k':
            key_id = optarg;
            break;
        case 'f':
            if ((code = parse_day("--valid-from", optarg, &from)) != HUBCTL_EXIT_OK)
                return code;
            break;
        case 't':
            if ((code = parse_day("--valid-to", optarg, &to)) != HUBCTL_EXIT_OK)
                return code;
            break;
        case 'D':
            districts_csv = optarg;
            break;
        case 'h':
            districts_usage(stdout);
            return HUBCTL_EXIT_OK;
        default:
            districts_usage(stderr);
            return HUBCTL_EXIT_USAGE;
        }
    }
    if (!district || !out || optind != argc) {
        hub_log_plain("hubctl districts keygen: --district and --out-private are required");
        return HUBCTL_EXIT_USAGE;
    }
    if (to < from) {
        hub_log_plain("hubctl districts keygen: --valid-to is before --valid-from");
        return HUBCTL_EXIT_USAGE;
    }
    if ((code = load_districts(districts_csv, &districts)) != HUBCTL_EXIT_OK)
        return code;
    char from_iso[HUB_DATE_ISO_LEN], to_iso[HUB_DATE_ISO_LEN] = "", id[HUB_SIGN_KEY_ID_MAX + 1];
    code = HUBCTL_EXIT_USAGE;
    if (strcmp(district, HUB_SIGN_HUB) != 0 && !hub_districts_find(districts, district)) {
        hub_log_plain("hubctl districts keygen: --district: %s is not in the district table",
                      district);
        goto out;
    }
    if (hub_date_format(from, from_iso) != 0 || (to != INT32_MAX && hub_date_format(to, to_iso))) {
        hub_log_plain("hubctl districts keygen: a date is out of range");
        goto out;
    }
    if (key_id)
        snprintf(id, sizeof id, "%s", key_id);
    else
        snprintf(id, sizeof id, "%s-%.4s%.2s%.2s", district, from_iso, from_iso + 5, from_iso + 8);
    if (!hub_sign_key_id_ok(id) || (key_id && strlen(key_id) > HUB_SIGN_KEY_ID_MAX)) {
        hub_log_plain("hubctl districts keygen: --key-id: must be 1-64 characters of A-Z a-z 0-9 "
                      ". _ -, starting with a letter or digit");
        goto out;
    }
    code = HUBCTL_EXIT_FAILURE;
    if (hub_sign_priv_generate(&priv, &err) != 0 || hub_sign_priv_write_pem(priv, out, &err) != 0) {
        hub_log_plain("hubctl districts keygen: %s", err.msg);
        goto out;
    }
    uint8_t pub[HUB_SIGN_PUBLIC_LEN];
    char b64[45];
    hub_sign_priv_public(priv, pub);
    hub_sign_public_base64(pub, b64);
    printf("%s,%s,%s,%s,%s\n", id, district, b64, from_iso, to_iso);
    code = fflush(stdout) == 0 ? HUBCTL_EXIT_OK : HUBCTL_EXIT_FAILURE;
out:
    hub_sign_priv_destroy(priv);
    hub_districts_destroy(districts);
    return code;
}

static int cmd_check_keys(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"keys", required_argument, NULL, 'k'},
                                         {"districts", required_argument, NULL, 'D'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *config = NULL, *keys_csv = NULL, *districts_csv = NULL;
    hub_config_t *cfg = NULL;
    hub_districts_t *districts = NULL;
    hub_sign_keys_t *keys = NULL;
    struct hub_error err = {0};
    char path[PATH_MAX_LEN];
    int c, code;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 'k':
            keys_csv = optarg;
            break;
        case 'D':
            districts_csv = optarg;
            break;
        case 'h':
            districts_usage(stdout);
            return HUBCTL_EXIT_OK;
        default:
            districts_usage(stderr);
            return HUBCTL_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        districts_usage(stderr);
        return HUBCTL_EXIT_USAGE;
    }
    if (hub_config_load(config, &cfg, &err) != 0) {
        hub_log_plain("hubctl districts check-keys: %s", err.msg);
        return HUBCTL_EXIT_USAGE;
    }
    code = HUBCTL_EXIT_USAGE;
    if (keys_csv ? (size_t)snprintf(path, sizeof path, "%s", keys_csv) >= sizeof path
                 : hub_sign_keys_path(cfg, path, sizeof path) != 0) {
        hub_log_plain("hubctl districts check-keys: key table path too long");
        goto out;
    }
    if ((code = load_districts(districts_csv, &districts)) != HUBCTL_EXIT_OK)
        goto out;
    code = HUBCTL_EXIT_USAGE;
    if (hub_sign_keys_load(path, districts, &keys, &err) != 0) {
        hub_log_plain("hubctl districts check-keys: %s", err.msg);
        goto out;
    }
    int32_t day = today_stockholm();
    size_t uncovered = 0;
    for (size_t i = 0; i < hub_districts_count(districts); i++) {
        const struct hub_district *d = hub_districts_at(districts, i);
        bool has = false;
        if (!hub_district_valid_on(d, day))
            continue;
        for (size_t k = 0; k < hub_sign_keys_count(keys) && !has; k++) {
            const struct hub_sign_key *key = hub_sign_keys_at(keys, k);
            has = strcmp(key->district, d->code) == 0 && hub_sign_key_valid_on(key, day);
        }
        if (!has) {
            printf("no key valid today: %s\n", d->code);
            uncovered++;
        }
    }
    printf("%s: %zu keys; %zu districts valid today have no key valid today\n", path,
           hub_sign_keys_count(keys), uncovered);
    code = HUBCTL_EXIT_OK;
out:
    hub_sign_keys_destroy(keys);
    hub_districts_destroy(districts);
    hub_config_destroy(cfg);
    return code;
}

int hubctl_cmd_districts(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        districts_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? HUBCTL_EXIT_USAGE : HUBCTL_EXIT_OK;
    }
    if (strcmp(argv[1], "keygen") == 0)
        return cmd_keygen(argc - 1, argv + 1);
    if (strcmp(argv[1], "check-keys") == 0)
        return cmd_check_keys(argc - 1, argv + 1);
    hub_log_plain("hubctl districts: unknown subcommand '%s' (keygen, check-keys)", argv[1]);
    return HUBCTL_EXIT_USAGE;
}
