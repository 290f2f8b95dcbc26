/*
 * hub-open — what a receiving school runs to read a handover's sealed content.
 *
 *   hub-open --key PRIVATE.pem --handover-id ID --placement-id ID --school-unit CODE
 *            [--base64] [FILE|-]
 *   hub-open --key PRIVATE.pem --delivery [--school-unit CODE] [BODY.json|-]
 *
 * With --delivery the input is a notification body exactly as the school's receiver got it
 * (NOTIFIER.md: store the raw body of every verified handover.created POST); the ids and the
 * sealed bytes are taken from it (hub_delivered_handover_parse), and --school-unit, when given,
 * must be the one the body is addressed to.
 * Reads the sealed bytes (raw, or base64 text with --base64) from FILE or stdin, opens them with
 * the school's X25519 private key (a PEM file of mode 0600) and the handover's ids, and prints the
 * content JSON on stdout. The work is hub_seal_open_handover() (hub/crypto/seal.h), which school
 * systems can link instead. Exit: 0 printed; 1 runtime failure; 2 usage, unreadable key or input,
 * or content that does not open (wrong key, altered or truncated bytes, other ids).
 */
#include "hub/core/app.h"
#include "hub/core/log.h"
#include "hub/crypto/seal.h"
#include "hub/notify/notifier.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

/* Sealed input larger than this is refused before it is read whole. */
#define OPEN_INPUT_MAX (4 * (HUB_SEAL_HEADER_LEN + HUB_SEAL_PLAIN_MAX))

static void usage(FILE *f)
{
    fprintf(f,
            "usage: hub-open --key PRIVATE.pem --handover-id ID --placement-id ID "
            "--school-unit CODE\n"
            "                [--base64] [FILE|-]\n"
            "       hub-open --key PRIVATE.pem --delivery [--school-unit CODE] [BODY.json|-]\n"
            "  Opens a handover's sealed content (FILE, or stdin) with the school's private "
            "key and prints\n"
            "  the content JSON. The ids are the handover event's handover_id, placement_id "
            "and\n"
            "  receiving_school_unit; content moved to another handover does not open.\n"
            "  --base64  the input is base64 text (line breaks allowed), not raw bytes\n"
            "  --delivery  the input is a handover.created notification body as the school's\n"
            "            receiver stored it; the ids and sealed_content come from it\n"
            "  Format: hub/crypto/seal.h. Exit: 0 ok, 1 failure, 2 usage or content that does not "
            "open.\n");
}

static int read_input(FILE *f, uint8_t **out, size_t *len)
{
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 4096;
            uint8_t *b;
            if (ncap > OPEN_INPUT_MAX + 1)
                ncap = OPEN_INPUT_MAX + 1;
            if (ncap == cap) {
                free(buf);
                return HUB_ERANGE;
            }
            if (!(b = realloc(buf, ncap))) {
                free(buf);
                return HUB_ENOMEM;
            }
            buf = b;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(buf);
        return HUB_EIO;
    }
    *out = buf;
    *len = n;
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"key", required_argument, NULL, 'k'},
                                         {"handover-id", required_argument, NULL, 'H'},
                                         {"placement-id", required_argument, NULL, 'P'},
                                         {"school-unit", required_argument, NULL, 'S'},
                                         {"base64", no_argument, NULL, 'b'},
                                         {"delivery", no_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *key_path = NULL, *handover = NULL, *placement = NULL, *unit = NULL;
    const char *input = "-";
    bool base64 = false, delivery = false;
    struct hub_delivered_handover body = {0};
    struct hub_error err = {0};
    EVP_PKEY *key = NULL;
    uint8_t *data = NULL, *sealed = NULL;
    size_t data_len = 0, sealed_len = 0, content_len = 0;
    char *content = NULL;
    int exit_code = 2, c, rc;

    hub_log_setup("hub-open", HUB_LOG_INFO, HUB_LOG_LOGFMT);
    /* it holds private keys (a school's sealing key, a district's signing key): never in a core */
    if (hub_app_no_core_dumps() != 0) {
        hub_log_plain("hub-open: cannot turn core dumps off (setrlimit/prctl refused)");
        return 1;
    }
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'k':
            key_path = optarg;
            break;
        case 'H':
            handover = optarg;
            break;
        case 'P':
            placement = optarg;
            break;
        case 'S':
            unit = optarg;
            break;
        case 'b':
            base64 = true;
            break;
        case 'd':
            delivery = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc)
        input = argv[optind++];
    if (delivery && (handover || placement || base64)) {
        hub_log_plain("hub-open: --delivery takes the ids and the content from the body: leave out "
                      "--handover-id, --placement-id and --base64");
        usage(stderr);
        return 2;
    }
    if (!key_path || (!delivery && (!handover || !placement || !unit)) || optind < argc) {
        hub_log_plain("hub-open: --key, --handover-id, --placement-id and --school-unit are "
                      "required, and at most one input file");
        usage(stderr);
        return 2;
    }
    if (hub_seal_private_key_load(key_path, &key, &err) != 0) {
        hub_log_plain("hub-open: %s", err.msg);
        goto out;
    }
    FILE *f = strcmp(input, "-") == 0 ? stdin : fopen(input, "rb");
    if (!f) {
        hub_log_plain("hub-open: %s: cannot open: %s", input, strerror(errno));
        goto out;
    }
    rc = read_input(f, &data, &data_len);
    if (f != stdin)
        fclose(f);
    if (rc) {
        hub_log_plain("hub-open: %s: %s", input,
                      rc == HUB_ERANGE ? "too large for sealed content" : "cannot read");
        exit_code = rc == HUB_ERANGE ? 2 : 1;
        goto out;
    }
    if (delivery) {
        if (hub_delivered_handover_parse((const char *)data, data_len, &body, &err) != 0) {
            hub_log_plain("hub-open: %s: %s", input, err.msg);
            exit_code = err.code == HUB_ENOMEM ? 1 : 2;
            goto out;
        }
        if (!body.sealed) {
            hub_log_plain("hub-open: %s: handover %s carries no sealed content (null)", input,
                          body.handover_id);
            goto out;
        }
        if (unit && strcmp(unit, body.receiving_school_unit) != 0) {
            hub_log_plain("hub-open: %s: addressed to school unit %s, not %s", input,
                          body.receiving_school_unit, unit);
            goto out;
        }
        handover = body.handover_id;
        placement = body.placement_id;
        unit = body.receiving_school_unit;
        sealed = body.sealed;
        sealed_len = body.sealed_len;
        body.sealed = NULL;
    } else if (base64) {
        if (hub_seal_base64_decode((const char *)data, data_len, &sealed, &sealed_len, &err)) {
            hub_log_plain("hub-open: %s: %s", input, err.msg);
            exit_code = err.code == HUB_ENOMEM ? 1 : 2;
            goto out;
        }
    } else {
        sealed = data;
        sealed_len = data_len;
        data = NULL;
    }
    if (hub_seal_open_handover(key, handover, placement, unit, sealed, sealed_len, &content,
                               &content_len, &err) != 0) {
        hub_log_plain("hub-open: %s: %s", input, err.msg);
        exit_code = err.code == HUB_ENOMEM || err.code == HUB_ECRYPTO ? 1 : 2;
        goto out;
    }
    if (fwrite(content, 1, content_len, stdout) != content_len || fputc('\n', stdout) == EOF ||
        fflush(stdout) != 0) {
        hub_log_plain("hub-open: cannot write the content: %s", strerror(errno));
        exit_code = 1;
        goto out;
    }
    exit_code = 0;
out:
    if (content) {
        OPENSSL_cleanse(content, content_len);
        free(content);
    }
    free(sealed);
    free(data);
    hub_delivered_handover_clear(&body);
    EVP_PKEY_free(key);
    return exit_code;
}
