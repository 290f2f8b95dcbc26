/*
 * cmd_broker.c — `hubctl broker`: runs the embedded dev broker (deploy/hubctl/broker.h) in the
 * foreground.
 *
 * Publishes its address on stdout ("bootstrap.servers=...") and, with --bootstrap-file, in a file
 * written atomically, so that scripts and other processes can wait for it. Runs until SIGINT or
 * SIGTERM, then removes the file and stops the cluster.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hubctl/broker.h"
#include "hub/core/log.h"
#include "hubctl.h"

/* How often the main loop looks at the stop flag. */
#define BROKER_POLL_NS (100L * 1000L * 1000L)

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void broker_usage(FILE *f)
{
    fprintf(f,
            "usage: hubctl broker [--brokers N] [--partitions N] [--prefix P] "
            "[--bootstrap-file FILE]\n"
            "\n"
            "Runs librdkafka's mock cluster on 127.0.0.1 as an in-memory Kafka dev broker with the "
            "hub topics\ncreated, until SIGINT or SIGTERM. Prints "
            "\"bootstrap.servers=HOST:PORT,...\" on stdout.\n"
            "\n"
            "  --brokers N            number of brokers, 1..%d (default %d)\n"
            "  --partitions N         partitions per topic, 1..%d (default %d)\n"
            "  --prefix P             prefix for every topic name (default none)\n"
            "  --bootstrap-file FILE  also write the bootstrap list to FILE (atomically); "
            "removed on exit\n"
            "  -h, --help             show this text\n"
            "\n"
            "Nothing is persisted. Each partition keeps about %u MiB or %u batches; older data is\n"
            "dropped silently, so keep consumers running while producing large volumes.\n",
            HUB_BROKER_MAX_BROKERS, HUB_BROKER_DEFAULT_BROKERS, HUB_BROKER_MAX_PARTITIONS,
            HUB_BROKER_DEFAULT_PARTITIONS, HUB_BROKER_RETENTION_BYTES / (1024u * 1024u),
            HUB_BROKER_RETENTION_BATCHES);
}

/* Parses a whole decimal integer in [lo, hi]; 0 or -1. */
static int parse_int(const char *s, int lo, int hi, int *out)
{
    char *end = NULL;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

static int install_signal_handlers(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0)
        return -1;
    sa.sa_handler = SIG_IGN; /* a closed stdout must not kill the broker */
    return sigaction(SIGPIPE, &sa, NULL);
}

static void wait_for_stop(void)
{
    const struct timespec tick = {0, BROKER_POLL_NS};

    while (!stop_requested)
        nanosleep(&tick, NULL); /* EINTR is fine: the flag is checked again */
}

int hubctl_cmd_broker(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"brokers", required_argument, NULL, 'b'}, {"partitions", required_argument, NULL, 'p'},
        {"prefix", required_argument, NULL, 'x'},  {"bootstrap-file", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    struct hub_broker_opts opts = {0};
    struct hub_error err = {0};
    hub_broker_t *broker = NULL;
    const char *bootstrap_file = NULL;
    int c, rc = HUBCTL_EXIT_FAILURE;
    int file_written = 0;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'b':
            if (parse_int(optarg, 1, HUB_BROKER_MAX_BROKERS, &opts.brokers) < 0) {
                hub_log_plain("hubctl broker: --brokers: '%s' is not a number in 1..%d", optarg,
                              HUB_BROKER_MAX_BROKERS);
                return HUBCTL_EXIT_USAGE;
            }
            break;
        case 'p':
            if (parse_int(optarg, 1, HUB_BROKER_MAX_PARTITIONS, &opts.partitions) < 0) {
                hub_log_plain("hubctl broker: --partitions: '%s' is not a number in 1..%d", optarg,
                              HUB_BROKER_MAX_PARTITIONS);
                return HUBCTL_EXIT_USAGE;
            }
            break;
        case 'x':
            opts.prefix = optarg;
            break;
        case 'f':
            if (!*optarg) {
                hub_log_plain("hubctl broker: --bootstrap-file: empty file name");
                return HUBCTL_EXIT_USAGE;
            }
            bootstrap_file = optarg;
            break;
        case 'h':
            broker_usage(stdout);
            return HUBCTL_EXIT_OK;
        case ':':
            hub_log_plain("hubctl broker: option '%s' needs a value", argv[optind - 1]);
            broker_usage(stderr);
            return HUBCTL_EXIT_USAGE;
        default:
            hub_log_plain("hubctl broker: unknown option '%s'", argv[optind - 1]);
            broker_usage(stderr);
            return HUBCTL_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        hub_log_plain("hubctl broker: unexpected argument '%s'", argv[optind]);
        broker_usage(stderr);
        return HUBCTL_EXIT_USAGE;
    }

    if (install_signal_handlers() < 0) {
        hub_log_plain("hubctl broker: cannot install signal handlers: %s", strerror(errno));
        return HUBCTL_EXIT_FAILURE;
    }
    if (hub_broker_new(&opts, &broker, &err) < 0) {
        hub_log_plain("hubctl: %s", err.msg);
        return err.code == HUB_EINVAL ? HUBCTL_EXIT_USAGE : HUBCTL_EXIT_FAILURE;
    }
    hub_log_plain("hubctl broker: in-memory Kafka dev broker (librdkafka %s mock cluster): "
                  "%d brokers, %zu topics with %d partitions, topic prefix '%s'",
                  rd_kafka_version_str(), opts.brokers ? opts.brokers : HUB_BROKER_DEFAULT_BROKERS,
                  hub_broker_topic_count(broker),
                  opts.partitions ? opts.partitions : HUB_BROKER_DEFAULT_PARTITIONS,
                  opts.prefix ? opts.prefix : "");
    hub_log_plain("hubctl broker: nothing is persisted; each partition keeps about %u MiB or %u "
                  "batches and older data is dropped silently",
                  HUB_BROKER_RETENTION_BYTES / (1024u * 1024u), HUB_BROKER_RETENTION_BATCHES);

    if (bootstrap_file) {
        if (hub_broker_write_bootstrap_file(broker, bootstrap_file, &err) < 0) {
            hub_log_plain("hubctl broker: %s", err.msg);
            goto out;
        }
        file_written = 1;
    }
    printf("bootstrap.servers=%s\n", hub_broker_bootstraps(broker));
    if (fflush(stdout) != 0)
        hub_log_plain("hubctl broker: cannot write to stdout: %s (continuing)", strerror(errno));
    hub_log_plain("hubctl broker: running; stop with Ctrl-C or SIGTERM");

    wait_for_stop();
    hub_log_plain("hubctl broker: stopping");
    rc = HUBCTL_EXIT_OK;
out:
    if (file_written && unlink(bootstrap_file) < 0 && errno != ENOENT) {
        hub_log_plain("hubctl broker: %s: cannot remove: %s", bootstrap_file, strerror(errno));
        rc = HUBCTL_EXIT_FAILURE;
    }
    hub_broker_destroy(broker);
    return rc;
}
