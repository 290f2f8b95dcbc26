/*
 * broker.c — the embedded dev broker over librdkafka's mock cluster.
 *
 * A mock cluster must live inside an rd_kafka_t instance; we create a producer handle that never
 * produces and only hosts the cluster (rd_kafka_mock_cluster_new). Its own log level is lowered
 * to warnings so that the harmless "no bootstrap.servers configured" notice does not alarm users.
 */
#include "hubctl/broker.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Replicas per partition; the mock keeps followers in step, three is what production uses. */
#define HUB_BROKER_MAX_REPLICATION 3

struct hub_broker {
    rd_kafka_t *rk; /* hosts the mock cluster */
    rd_kafka_mock_cluster_t *mcluster;
    char *bootstraps; /* copy of the cluster's list */
    char **topics;    /* full names, prefix applied */
    size_t topic_count;
};

static int topic_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

/* Checks a full topic name against Kafka's rules; 0 or HUB_EINVAL with a message. */
static int check_topic_name(const char *name, struct hub_error *err)
{
    size_t n = strlen(name);

    if (n == 0)
        return hub_error_set(err, HUB_EINVAL, "broker: empty topic name");
    if (n > HUB_BROKER_TOPIC_NAME_MAX)
        return hub_error_set(err, HUB_EINVAL,
                             "broker: topic name '%.40s...' is %zu characters, "
                             "at most %d allowed",
                             name, n, HUB_BROKER_TOPIC_NAME_MAX);
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return hub_error_set(err, HUB_EINVAL, "broker: topic name '%s' is not allowed", name);
    for (size_t i = 0; i < n; i++) {
        if (!topic_char_ok(name[i]))
            return hub_error_set(err, HUB_EINVAL,
                                 "broker: topic name '%s': character %zu is not one of "
                                 "[A-Za-z0-9._-]",
                                 name, i + 1);
    }
    return 0;
}

/* Joins prefix and name into a new string; NULL when out of memory. */
static char *join_name(const char *prefix, const char *name)
{
    size_t lp = strlen(prefix), ln = strlen(name);
    char *s = malloc(lp + ln + 1);

    if (!s)
        return NULL;
    memcpy(s, prefix, lp);
    memcpy(s + lp, name, ln + 1);
    return s;
}

/* Fills b->topics with the prefixed, validated, distinct names. */
static int build_topic_names(hub_broker_t *b, const char *prefix, const char *const *topics,
                             size_t count, struct hub_error *err)
{
    b->topics = calloc(count ? count : 1, sizeof *b->topics);
    if (!b->topics)
        return hub_error_set(err, HUB_ENOMEM, "broker: out of memory");
    for (size_t i = 0; i < count; i++) {
        int rc;

        if (!topics[i])
            return hub_error_set(err, HUB_EINVAL, "broker: topic %zu is NULL", i);
        b->topics[i] = join_name(prefix, topics[i]);
        if (!b->topics[i])
            return hub_error_set(err, HUB_ENOMEM, "broker: out of memory");
        b->topic_count = i + 1;
        rc = check_topic_name(b->topics[i], err);
        if (rc < 0)
            return rc;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(b->topics[j], b->topics[i]) == 0)
                return hub_error_set(err, HUB_EINVAL, "broker: topic '%s' listed twice",
                                     b->topics[i]);
        }
    }
    return 0;
}

/* Creates the rd_kafka_t that hosts the mock cluster. */
static int new_host_handle(hub_broker_t *b, struct hub_error *err)
{
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();

    if (!conf)
        return hub_error_set(err, HUB_ENOMEM, "broker: out of memory");
    if (rd_kafka_conf_set(conf, "client.id", "hub-dev-broker", errstr, sizeof errstr) !=
            RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "log_level", "4", errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        return hub_error_set(err, HUB_EKAFKA, "broker: librdkafka configuration: %s", errstr);
    }
    b->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!b->rk) {
        rd_kafka_conf_destroy(conf); /* only consumed on success */
        return hub_error_set(err, HUB_EKAFKA, "broker: cannot create librdkafka handle: %s",
                             errstr);
    }
    return 0;
}

int hub_broker_new(const struct hub_broker_opts *opts, hub_broker_t **out, struct hub_error *err)
{
    static const struct hub_broker_opts defaults = {0};
    hub_broker_t *b = NULL;
    const char *const *topics = HUB_BROKER_TOPICS;
    size_t topic_count = HUB_BROKER_TOPIC_COUNT;
    int brokers, partitions, replication, rc;
    const char *prefix, *bs;

    if (!out)
        return hub_error_set(err, HUB_EINVAL, "broker: out is NULL");
    *out = NULL;
    if (!opts)
        opts = &defaults;
    brokers = opts->brokers ? opts->brokers : HUB_BROKER_DEFAULT_BROKERS;
    partitions = opts->partitions ? opts->partitions : HUB_BROKER_DEFAULT_PARTITIONS;
    prefix = opts->prefix ? opts->prefix : "";
    if (opts->topics) {
        topics = opts->topics;
        topic_count = opts->topic_count;
    }
    if (brokers < 1 || brokers > HUB_BROKER_MAX_BROKERS)
        return hub_error_set(err, HUB_EINVAL, "broker: brokers: %d is not in 1..%d", brokers,
                             HUB_BROKER_MAX_BROKERS);
    if (partitions < 1 || partitions > HUB_BROKER_MAX_PARTITIONS)
        return hub_error_set(err, HUB_EINVAL, "broker: partitions: %d is not in 1..%d", partitions,
                             HUB_BROKER_MAX_PARTITIONS);
    for (size_t i = 0; prefix[i]; i++) {
        if (!topic_char_ok(prefix[i]))
            return hub_error_set(err, HUB_EINVAL,
                                 "broker: topic prefix '%s': character %zu is not one of "
                                 "[A-Za-z0-9._-]",
                                 prefix, i + 1);
    }
    replication = brokers < HUB_BROKER_MAX_REPLICATION ? brokers : HUB_BROKER_MAX_REPLICATION;

    b = calloc(1, sizeof *b);
    if (!b)
        return hub_error_set(err, HUB_ENOMEM, "broker: out of memory");
    rc = build_topic_names(b, prefix, topics, topic_count, err);
    if (rc < 0)
        goto out;
    rc = new_host_handle(b, err);
    if (rc < 0)
        goto out;
    b->mcluster = rd_kafka_mock_cluster_new(b->rk, brokers);
    if (!b->mcluster) {
        rc = hub_error_set(err, HUB_EKAFKA,
                           "broker: cannot start a mock cluster of %d brokers on 127.0.0.1",
                           brokers);
        goto out;
    }
    for (size_t i = 0; i < b->topic_count; i++) {
        rd_kafka_resp_err_t kerr =
            rd_kafka_mock_topic_create(b->mcluster, b->topics[i], partitions, replication);
        if (kerr) {
            rc = hub_error_set(err, HUB_EKAFKA, "broker: cannot create topic '%s': %s",
                               b->topics[i], rd_kafka_err2str(kerr));
            goto out;
        }
    }
    bs = rd_kafka_mock_cluster_bootstraps(b->mcluster);
    b->bootstraps = bs ? strdup(bs) : NULL;
    if (!b->bootstraps) {
        rc = hub_error_set(err, bs ? HUB_ENOMEM : HUB_EKAFKA,
                           "broker: no bootstrap address for the mock cluster");
        goto out;
    }
    *out = b;
    b = NULL;
    rc = 0;
out:
    hub_broker_destroy(b);
    return rc;
}

const char *hub_broker_bootstraps(const hub_broker_t *b)
{
    return b->bootstraps;
}

rd_kafka_mock_cluster_t *hub_broker_mock(hub_broker_t *b)
{
    return b->mcluster;
}

size_t hub_broker_topic_count(const hub_broker_t *b)
{
    return b->topic_count;
}

const char *hub_broker_topic(const hub_broker_t *b, size_t i)
{
    return i < b->topic_count ? b->topics[i] : NULL;
}

/* Writes all of buf to fd, retrying on short writes and EINTR; 0 or -1 with errno. */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int hub_broker_write_bootstrap_file(const hub_broker_t *b, const char *path, struct hub_error *err)
{
    char *tmp = NULL, *line = NULL;
    size_t tmp_size, line_len;
    int fd = -1, rc;

    if (!b || !path || !*path)
        return hub_error_set(err, HUB_EINVAL, "broker: bootstrap file: no path given");
    tmp_size = strlen(path) + 32;
    tmp = malloc(tmp_size);
    line_len = strlen(b->bootstraps) + 1;
    line = malloc(line_len + 1);
    if (!tmp || !line) {
        rc = hub_error_set(err, HUB_ENOMEM, "broker: out of memory");
        goto out;
    }
    snprintf(tmp, tmp_size, "%s.tmp.%ld", path, (long)getpid());
    snprintf(line, line_len + 1, "%s\n", b->bootstraps);

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = hub_error_set(err, HUB_EIO, "%s: cannot create: %s", tmp, strerror(errno));
        goto out;
    }
    if (write_all(fd, line, line_len) < 0) {
        rc = hub_error_set(err, HUB_EIO, "%s: cannot write: %s", tmp, strerror(errno));
        goto out;
    }
    if (close(fd) < 0) {
        fd = -1;
        rc = hub_error_set(err, HUB_EIO, "%s: cannot write: %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        rc = hub_error_set(err, HUB_EIO, "%s: cannot rename to %s: %s", tmp, path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (rc < 0 && tmp)
        unlink(tmp);
    free(line);
    free(tmp);
    return rc;
}

void hub_broker_destroy(hub_broker_t *b)
{
    if (!b)
        return;
    if (b->mcluster)
        rd_kafka_mock_cluster_destroy(b->mcluster);
    if (b->rk)
        rd_kafka_destroy(b->rk);
    for (size_t i = 0; i < b->topic_count; i++)
        free(b->topics[i]);
    free(b->topics);
    free(b->bootstraps);
    free(b);
}
