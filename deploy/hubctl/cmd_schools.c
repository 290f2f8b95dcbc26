/*
 * cmd_schools.c — `hubctl schools`: the school directory (hub/directory/directory.h) and school
 * keys (hub/crypto/seal.h).
 *
 *   hubctl schools import --config FILE [--dry-run] [--republish] SCHOOLS.csv
 *   hubctl schools list   --config FILE [--csv]
 *   hubctl schools keygen --out-private FILE --out-public FILE
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "hub/core/app.h"
#include "hub/directory/directory.h"
#include "hub/kafka/kafka.h"
#include "hub/core/log.h"
#include "hub/pg/pg.h"
#include "hub/crypto/seal.h"
#include "hubctl.h"

static void schools_usage(FILE *f)
{
    fprintf(f,
            "usage: hubctl schools import --config FILE [--dry-run] [--republish] SCHOOLS.csv\n"
            "       hubctl schools list --config FILE [--csv]\n"
            "       hubctl schools keygen --out-private FILE --out-public FILE\n"
            "\n"
            "import  validates every row of SCHOOLS.csv (header: %s),\n"
            "        then in one transaction upserts the schools into hub.schools, marks schools "
            "absent from\n"
            "        the file as removed, publishes each added or changed school to the compacted "
            "topic\n"
            "        school-directory and a tombstone for each removed one (Avro, signed with the "
            "hub's key\n"
            "        in hub.signing.key_file), and commits once every message is acknowledged.\n"
            "        Unchanged schools are not touched: importing the same file again changes\n"
            "        nothing and publishes nothing. Problems are printed as FILE:LINE: column: "
            "what.\n"
            "          --dry-run    show what would change; change and publish nothing\n"
            "          --republish  also publish every unchanged school and a tombstone for every "
            "removed one\n"
            "list    prints the directory from hub.schools, removed schools included; --csv "
            "prints the\n"
            "        current schools in the import format instead\n"
            "keygen  makes an X25519 key pair for a school: the private key as PEM (PKCS#8) in a "
            "new file of\n"
            "        mode 0600 (never overwritten), the public key as base64 of its 32 bytes (the "
            "CSV's\n"
            "        public_key) in the other file and on stdout\n"
            "\n"
            "Exit codes: 0 done, 1 runtime failure (database, cluster), 2 usage or invalid "
            "input.\n",
            HUB_SCHOOLS_CSV_HEADER);
}

/* Parses the options shared by the subcommands; returns -1 after printing a usage error. */
struct schools_opts {
    const char *config, *out_private, *out_public;
    bool dry_run, republish, csv;
    int first_arg; /* index of the first operand in argv */
};

static int parse_opts(const char *sub, int argc, char **argv, struct schools_opts *o)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"dry-run", no_argument, NULL, 'n'},
        {"republish", no_argument, NULL, 'r'},
        {"csv", no_argument, NULL, 'v'},
        {"out-private", required_argument, NULL, 'k'},
        {"out-public", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    memset(o, 0, sizeof *o);
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            o->config = optarg;
            break;
        case 'n':
            o->dry_run = true;
            break;
        case 'r':
            o->republish = true;
            break;
        case 'v':
            o->csv = true;
            break;
        case 'k':
            o->out_private = optarg;
            break;
        case 'p':
            o->out_public = optarg;
            break;
        case 'h':
            schools_usage(stdout);
            return 1;
        case ':':
            hub_log_plain("hubctl schools %s: option '%s' needs a value", sub, argv[optind - 1]);
            return -1;
        default:
            hub_log_plain("hubctl schools %s: unknown option '%s'", sub, argv[optind - 1]);
            return -1;
        }
    }
    o->first_arg = optind;
    return 0;
}

static void print_problem(void *ud, const char *problem)
{
    size_t *n = ud;
    (*n)++;
    hub_log_plain("%s", problem);
}

static const char *change_word(enum hub_directory_change_kind k)
{
    return k == HUB_DIR_ADDED ? "added" : k == HUB_DIR_CHANGED ? "changed" : "removed";
}

static int cmd_import(int argc, char **argv)
{
    struct schools_opts o;
    struct hub_error err = {0};
    struct hub_directory_changes ch = {0};
    hub_config_t *cfg = NULL;
    hub_directory_t *d = NULL;
    size_t problems = 0;
    unsigned flags = 0;
    int rc = parse_opts("import", argc, argv, &o);

    if (rc)
        return rc > 0 ? HUBCTL_EXIT_OK : HUBCTL_EXIT_USAGE;
    if (!o.config || o.first_arg != argc - 1) {
        hub_log_plain("hubctl schools import: needs --config FILE and one SCHOOLS.csv");
        return HUBCTL_EXIT_USAGE;
    }
    if ((rc = hub_app_start("hubctl", o.config, &cfg)) != HUB_EXIT_OK)
        return rc;
    rc = HUBCTL_EXIT_USAGE;
    if (hub_directory_load_csv(argv[o.first_arg], print_problem, &problems, &d, &err) != 0) {
        if (problems)
            hub_log_plain("hubctl schools import: %zu problem%s; nothing changed", problems,
                          problems == 1 ? "" : "s");
        else
            hub_log_plain("hubctl schools import: %s", err.msg);
        if (err.code != HUB_EINVAL)
            rc = HUBCTL_EXIT_FAILURE;
        goto out;
    }
    flags = (o.dry_run ? HUB_DIRECTORY_DRY_RUN : 0) | (o.republish ? HUB_DIRECTORY_REPUBLISH : 0);
    if (hub_directory_import(cfg, d, flags, &ch, &err) != 0) {
        hub_log_plain("hubctl schools import: %s", err.msg);
        rc = err.code == HUB_EINVAL || err.code == HUB_ECONFIG_VALUE ||
                     err.code == HUB_ECONFIG_MISSING
                 ? HUBCTL_EXIT_USAGE
                 : HUBCTL_EXIT_FAILURE;
        goto out;
    }
    for (size_t i = 0; i < ch.n; i++)
        printf("%s %s\n", change_word(ch.v[i].kind), ch.v[i].unit);
    printf("%s: %zu schools: %zu added, %zu changed, %zu removed, %zu unchanged; ",
           argv[o.first_arg], hub_directory_count(d), ch.added, ch.changed, ch.removed,
           ch.unchanged);
    if (o.dry_run)
        printf("dry run: nothing changed or published\n");
    else
        printf("%zu message%s acknowledged on %s\n", ch.published, ch.published == 1 ? "" : "s",
               HUB_TOPIC_SCHOOL_DIRECTORY);
    rc = fflush(stdout) == 0 ? HUBCTL_EXIT_OK : HUBCTL_EXIT_FAILURE;
out:
    hub_directory_changes_free(&ch);
    hub_directory_destroy(d);
    hub_config_destroy(cfg);
    return rc;
}

/* Prints `s` left-aligned in `width` characters (UTF-8 code points, not bytes). */
static void put_padded(const char *s, size_t width)
{
    size_t chars = 0;
    for (const char *p = s; *p; p++)
        if (((unsigned char)*p & 0xC0) != 0x80)
            chars++;
    fputs(s, stdout);
    for (; chars < width; chars++)
        fputc(' ', stdout);
}

static int cmd_list(int argc, char **argv)
{
    struct schools_opts o;
    struct hub_error err = {0};
    hub_config_t *cfg = NULL;
    hub_directory_t *d = NULL;
    PGconn *conn = NULL;
    int rc = parse_opts("list", argc, argv, &o);

    if (rc)
        return rc > 0 ? HUBCTL_EXIT_OK : HUBCTL_EXIT_USAGE;
    if (!o.config || o.first_arg != argc) {
        hub_log_plain("hubctl schools list: needs --config FILE and nothing else");
        return HUBCTL_EXIT_USAGE;
    }
    if ((rc = hub_app_start("hubctl", o.config, &cfg)) != HUB_EXIT_OK)
        return rc;
    rc = HUBCTL_EXIT_FAILURE;
    if (hub_pg_connect(cfg, &conn, &err) != 0 || hub_directory_load_pg(conn, &d, &err) != 0) {
        hub_log_plain("hubctl schools list: %s", err.msg);
        goto out;
    }
    if (o.csv) {
        if (hub_directory_write_csv(stdout, d, false, &err) != 0) {
            hub_log_plain("hubctl schools list: %s", err.msg);
            goto out;
        }
        rc = HUBCTL_EXIT_OK;
        goto out;
    }
    printf("skolenhetskod  huvudman_type  kommunkod  public_key  webhook  status                  "
           "    name\n");
    size_t current = 0;
    for (size_t i = 0; i < hub_directory_count(d); i++) {
        const struct hub_school *s = hub_directory_at(d, i);
        char status[HUB_DIRECTORY_TS_STR + 16];
        snprintf(status, sizeof status, "%s%s", s->removed ? "removed " : "current",
                 s->removed ? s->removed_at : "");
        put_padded(s->unit, 15);
        put_padded(hub_huvudman_name(s->huvudman), 15);
        put_padded(s->kommun, 11);
        put_padded(!s->public_key ? "-" : s->public_key_ok ? "yes" : "UNUSABLE", 12);
        put_padded(s->webhook_url ? "yes" : "-", 9);
        put_padded(status, 30);
        printf("%s\n", s->name);
        current += !s->removed;
    }
    printf("%zu schools, %zu current, %zu removed\n", hub_directory_count(d), current,
           hub_directory_count(d) - current);
    rc = fflush(stdout) == 0 ? HUBCTL_EXIT_OK : HUBCTL_EXIT_FAILURE;
out:
    hub_directory_destroy(d);
    PQfinish(conn);
    hub_config_destroy(cfg);
    return rc;
}

static int cmd_keygen(int argc, char **argv)
{
    struct schools_opts o;
    struct hub_error err = {0};
    char pub[HUB_SEAL_PUB_B64_LEN];
    int rc = parse_opts("keygen", argc, argv, &o);

    if (rc)
        return rc > 0 ? HUBCTL_EXIT_OK : HUBCTL_EXIT_USAGE;
    if (!o.out_private || !o.out_public || o.first_arg != argc) {
        hub_log_plain("hubctl schools keygen: needs --out-private FILE and --out-public FILE");
        return HUBCTL_EXIT_USAGE;
    }
    if (strcmp(o.out_private, o.out_public) == 0) {
        hub_log_plain("hubctl schools keygen: the private and public files must differ");
        return HUBCTL_EXIT_USAGE;
    }
    if (hub_seal_keygen_files(o.out_private, o.out_public, pub, &err) != 0) {
        hub_log_plain("hubctl schools keygen: %s", err.msg);
        return HUBCTL_EXIT_FAILURE;
    }
    printf("%s\n", pub);
    hub_log_plain("hubctl schools keygen: private key in %s (mode 0600; give it only to the "
                  "school), public key in %s",
                  o.out_private, o.out_public);
    return fflush(stdout) == 0 ? HUBCTL_EXIT_OK : HUBCTL_EXIT_FAILURE;
}

int hubctl_cmd_schools(int argc, char **argv)
{
    if (argc < 2) {
        schools_usage(stderr);
        return HUBCTL_EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0 || strcmp(sub, "help") == 0) {
        schools_usage(stdout);
        return HUBCTL_EXIT_OK;
    }
    if (strcmp(sub, "import") == 0)
        return cmd_import(argc - 1, argv + 1);
    if (strcmp(sub, "list") == 0)
        return cmd_list(argc - 1, argv + 1);
    if (strcmp(sub, "keygen") == 0)
        return cmd_keygen(argc - 1, argv + 1);
    hub_log_plain("hubctl schools: unknown subcommand '%s' (import, list or keygen)", sub);
    schools_usage(stderr);
    return HUBCTL_EXIT_USAGE;
}
