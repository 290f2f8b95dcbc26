/*
 * hub-publish — publish district events from JSON lines.
 *
 *   hub-publish --config FILE [--dry-run] [--skip-invalid] [EVENTS.jsonl ...]
 *
 * Every line is validated first; with any invalid line nothing is published (unless
 * --skip-invalid). Then every event is sent and the program waits for each acknowledgement.
 * Exit: 0 all acknowledged; 1 some event not acknowledged (each is named); 2 usage, config or
 * invalid input.
 */
#include "hub/core/app.h"
#include "hub/core/log.h"
#include "hub/publish/publisher.h"

#include "hub/core/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLUSH_SLICE_MS 200
#define INTERRUPTED_WAIT_MS 5000

struct prepared {
    struct hub_pub_msg *msgs;
    size_t n, cap;
    size_t invalid_lines;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: hub-publish --config FILE [--dry-run] [--skip-invalid] [EVENTS.jsonl ...]\n"
               "  Reads events as JSON lines (stdin when no file is named), validates them all,\n"
               "  then publishes them and waits for every acknowledgement.\n"
               "  --dry-run       validate only; publish nothing\n"
               "  --skip-invalid  publish the valid lines, still report the others (exit 2)\n"
               "  --help-config   list the hub.* configuration keys\n"
               "  Input format: producers/INPUT.md. Exit: 0 ok, 1 not acknowledged, 2 "
               "usage/invalid.\n");
}

static int keep(struct prepared *pp, struct hub_pub_msg *m)
{
    if (pp->n == pp->cap) {
        size_t cap = pp->cap ? pp->cap * 2 : 1024;
        struct hub_pub_msg *nm = realloc(pp->msgs, cap * sizeof *nm);
        if (!nm)
            return HUB_ENOMEM;
        pp->msgs = nm;
        pp->cap = cap;
    }
    pp->msgs[pp->n++] = *m;
    return 0;
}

/* True when the `len` bytes at `s` are only white space (a NUL byte is not: such a line is
 * reported as invalid, never skipped). */
static bool blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

/* Validates and encodes every line of `f`; problems are printed as NAME:LINE: text. */
static int prepare_stream(hub_publisher_t *pub, FILE *f, const char *name, struct prepared *pp)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long lineno = 0;
    int rc = 0;
    while ((len = getline(&line, &cap, f)) >= 0) {
        struct hub_pub_msg m;
        struct hub_input_problems probs;
        lineno++;
        if (blank(line, (size_t)len))
            continue;
        if (hub_publisher_prepare_json(pub, line, (size_t)len, &m, &probs) != 0) {
            pp->invalid_lines++;
            for (size_t i = 0; i < probs.n; i++)
                hub_log_plain("%s:%lu: %s", name, lineno, probs.p[i].text);
            if (probs.n_dropped)
                hub_log_plain("%s:%lu: (%zu more problems)", name, lineno, probs.n_dropped);
            continue;
        }
        if (keep(pp, &m) != 0) {
            hub_pub_msg_clear(&m);
            hub_log_plain("hub-publish: out of memory");
            rc = HUB_ENOMEM;
            break;
        }
    }
    if (ferror(f)) {
        hub_log_plain("%s: read error: %s", name, strerror(errno));
        rc = HUB_EIO;
    }
    free(line);
    return rc;
}

/* Waits for the outstanding acknowledgements up to timeout_ms, in short slices so that SIGINT or
 * SIGTERM shortens the wait to INTERRUPTED_WAIT_MS. */
static void wait_for_acks(hub_publisher_t *pub, long timeout_ms)
{
    long waited = 0, since_stop = -1;
    while (waited < timeout_ms && hub_publisher_flush(pub, FLUSH_SLICE_MS) != 0) {
        waited += FLUSH_SLICE_MS;
        if (hub_app_stopping()) {
            if (since_stop < 0)
                hub_log_plain("hub-publish: interrupted; waiting up to %d ms for acknowledgements",
                              INTERRUPTED_WAIT_MS);
            since_stop = since_stop < 0 ? 0 : since_stop + FLUSH_SLICE_MS;
            if (since_stop >= INTERRUPTED_WAIT_MS)
                break;
        }
    }
}

int main(int argc, char **argv)
{
    const char *config_path = NULL;
    bool dry_run = false, skip_invalid = false;
    hub_config_t *cfg = NULL;
    hub_publisher_t *pub = NULL;
    struct prepared pp = {0};
    struct hub_error err = {0};
    int exit_code = HUB_EXIT_FAILURE;
    int first;
    const struct hub_cli_opt opts[] = {{"dry-run", 'n', NULL, &dry_run},
                                       {"skip-invalid", 's', NULL, &skip_invalid},
                                       {NULL, 0, NULL, NULL}};
    const struct hub_cli cli = {"hub-publish", usage, opts, true};

    if ((exit_code = hub_cli_parse(&cli, argc, argv, &config_path, &first)) != HUB_CLI_RUN)
        return exit_code;
    if ((exit_code = hub_app_start("hub-publish", config_path, &cfg)) != HUB_EXIT_OK)
        return exit_code;
    if (hub_publisher_new(cfg, "hub-publish", dry_run ? HUB_PUBLISHER_OFFLINE : 0, &pub, &err) !=
        0) {
        hub_log_plain("hub-publish: %s", err.msg);
        exit_code = HUB_EXIT_USAGE;
        goto out;
    }

    /* Pass 1: validate and encode everything before anything is sent. */
    exit_code = HUB_EXIT_OK;
    if (first == argc) {
        if (prepare_stream(pub, stdin, "<stdin>", &pp) != 0)
            exit_code = HUB_EXIT_FAILURE;
    }
    for (int i = first; i < argc && exit_code == HUB_EXIT_OK; i++) {
        FILE *f = fopen(argv[i], "r");
        if (!f) {
            hub_log_plain("%s: cannot open: %s", argv[i], strerror(errno));
            exit_code = HUB_EXIT_USAGE;
            break;
        }
        if (prepare_stream(pub, f, argv[i], &pp) != 0)
            exit_code = HUB_EXIT_FAILURE;
        fclose(f);
    }
    if (exit_code != HUB_EXIT_OK)
        goto out;
    if (dry_run || (pp.invalid_lines && !skip_invalid)) {
        hub_log_plain("hub-publish: %zu valid, %zu invalid line%s; nothing published%s", pp.n,
                      pp.invalid_lines, pp.invalid_lines == 1 ? "" : "s",
                      dry_run ? " (dry run)" : "");
        exit_code = pp.invalid_lines ? HUB_EXIT_USAGE : HUB_EXIT_OK;
        goto out;
    }

    /* Pass 2: send, then wait for every acknowledgement. SIGINT/SIGTERM stop the sending; what
     * was sent still gets a short wait for its acknowledgements, and everything else is named. */
    hub_app_on_signals();
    size_t not_enqueued = 0, sent = 0;
    for (; sent < pp.n && !hub_app_stopping(); sent++) {
        size_t ticket;
        if (hub_publisher_send(pub, &pp.msgs[sent], &ticket, &err) != 0)
            not_enqueued++;
        hub_pub_msg_clear(&pp.msgs[sent]);
        if ((sent & 1023) == 0)
            hub_publisher_poll(pub);
    }
    wait_for_acks(pub, hub_config_get_int(cfg, "hub.publish.flush_timeout_ms"));
    for (size_t i = sent; i < pp.n; i++)
        hub_log_plain("hub-publish: event_id=%s not sent: interrupted", pp.msgs[i].event_id);
    size_t acked, failed, pending;
    hub_publisher_counts(pub, &acked, &failed, &pending);
    for (size_t t = 0; t < hub_publisher_tickets(pub); t++) {
        const char *reason = NULL;
        enum hub_pub_outcome o = hub_publisher_outcome(pub, t, &reason);
        if (o == HUB_PUB_FAILED)
            hub_log_plain("hub-publish: event_id=%s not acknowledged: %s",
                          hub_publisher_event_id(pub, t), reason);
        else if (o == HUB_PUB_PENDING)
            hub_log_plain("hub-publish: event_id=%s not acknowledged: no answer within "
                          "hub.publish.flush_timeout_ms",
                          hub_publisher_event_id(pub, t));
    }
    hub_log_plain("hub-publish: %zu of %zu events acknowledged, %zu not acknowledged, %zu invalid "
                  "line%s skipped",
                  acked, pp.n, failed + pending + (pp.n - sent), pp.invalid_lines,
                  pp.invalid_lines == 1 ? "" : "s");
    if (failed + pending > 0 || not_enqueued > 0 || sent < pp.n)
        exit_code = HUB_EXIT_FAILURE;
    else if (pp.invalid_lines)
        exit_code = HUB_EXIT_USAGE;
out:
    for (size_t i = 0; i < pp.n; i++)
        hub_pub_msg_clear(&pp.msgs[i]);
    free(pp.msgs);
    hub_publisher_destroy(pub);
    hub_config_destroy(cfg);
    return exit_code;
}
