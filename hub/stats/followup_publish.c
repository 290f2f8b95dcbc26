/* followup_publish.c — the follow-up tables as follow-up-stats records (followup_publish.h). */
#include "hub/stats/followup_publish.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hub/avro/avro_schema.h"
#include "hub/avro/avro_value.h"
#include "hub/avro/schemas.h"
#include "hub/kafka/kafka.h"
#include "hub/stats/stats.h"

#define FU_KEY_MAX 96
#define FU_FLUSH_STEP_MS 200

/* The record's counts: name, measure, outcome. */
static const struct {
    const char *name;
    enum hub_fu_measure m;
    enum hub_fu_outcome o;
} counts[] = {
    {"followed_up", HUB_FU_ATTENDANCE, HUB_FU_BASE},
    {"attendance_90", HUB_FU_ATTENDANCE, HUB_FU_YES},
    {"goals_assessed", HUB_FU_GOALS, HUB_FU_BASE},
    {"goals_reached", HUB_FU_GOALS, HUB_FU_YES},
    {"eligibility_given", HUB_FU_ELIGIBLE, HUB_FU_BASE},
    {"eligible", HUB_FU_ELIGIBLE, HUB_FU_YES},
};

static int set(json_t *obj, const char *key, json_t *v)
{
    return v ? json_object_set_new(obj, key, v) : -1;
}

static json_t *row(const hub_followup_t *t, size_t d, enum hub_fu_table tb, size_t g)
{
    json_t *r = json_object(), *hidden = json_array();
    int rc = r && hidden ? 0 : -1;
    if (rc == 0)
        rc = set(r, "table", json_string(hub_followup_table_code(tb)));
    if (rc == 0)
        rc = set(r, "group", json_string(hub_followup_group_code(tb, g)));
    for (size_t i = 0; rc == 0 && i < sizeof counts / sizeof counts[0]; i++) {
        struct hub_fu_count c = hub_followup_get(t, d, tb, g, counts[i].m, counts[i].o);
        bool applies = hub_followup_applies(counts[i].m, tb, g);
        rc = set(r, counts[i].name, applies && !c.hidden ? json_integer(c.value) : json_null());
        if (rc == 0 && applies && c.hidden)
            rc = json_array_append_new(hidden, json_string(counts[i].name));
    }
    if (rc == 0) {
        rc = set(r, "hidden", hidden);
        hidden = NULL;
    }
    json_decref(hidden);
    if (rc) {
        json_decref(r);
        return NULL;
    }
    return r;
}

int hub_followup_record(const hub_followup_t *t, size_t d, bool provisional, int64_t now_ms,
                        json_t **out, struct hub_error *err)
{
    const struct hub_fu_options *o = hub_followup_options(t);
    char period[HUB_STATS_PERIOD_LABEL_MAX];
    json_t *rec = json_object(), *rows = json_array();
    int rc = rec && rows ? 0 : -1;

    *out = NULL;
    hub_stats_period_label(o->year, o->period, period);
    if (rc == 0)
        rc = set(rec, "district", json_string(hub_followup_district_code(t, d)));
    if (rc == 0)
        rc = set(rec, "district_name", json_string(hub_followup_district_name(t, d)));
    if (rc == 0)
        rc = set(rec, "period", json_string(period));
    if (rc == 0)
        rc = set(rec, "provisional", json_boolean(provisional));
    if (rc == 0)
        rc = set(rec, "k", json_integer(o->k));
    if (rc == 0)
        rc = set(rec, "goals_target_percent", json_integer(HUB_FU_GOALS_TARGET_PCT));
    if (rc == 0)
        rc = set(rec, "definitions_version", json_string(HUB_FU_DEFINITIONS_VERSION));
    if (rc == 0)
        rc = set(rec, "published_at", json_integer(now_ms));
    for (int tb = 0; rc == 0 && tb < HUB_FU__TABLES; tb++)
        for (size_t g = 0; rc == 0 && g < hub_followup_group_count((enum hub_fu_table)tb); g++) {
            json_t *r = row(t, d, (enum hub_fu_table)tb, g);
            rc = r ? json_array_append_new(rows, r) : -1;
        }
    if (rc == 0) {
        rc = set(rec, "rows", rows);
        rows = NULL;
    }
    json_decref(rows);
    if (rc) {
        json_decref(rec);
        return hub_error_set(err, HUB_ENOMEM, "out of memory building a follow-up record");
    }
    *out = rec;
    return 0;
}

/* The newest compiled-in follow_up_stats schema. */
static int load_schema(hub_avro_schema_t **out, struct hub_error *err)
{
    const struct hub_schema_text *newest = NULL;
    for (size_t i = 0; i < hub_schema_texts_count; i++)
        if (strcmp(hub_schema_texts[i].record, HUB_FU_RECORD_NAME) == 0 &&
            (!newest || hub_schema_texts[i].version > newest->version))
            newest = &hub_schema_texts[i];
    if (!newest)
        return hub_error_set(err, HUB_EAVRO_SCHEMA,
                             "no schemas/%s/v*.avsc is compiled in (re-run cmake)",
                             HUB_FU_RECORD_NAME);
    int rc = hub_avro_schema_parse(newest->json, newest->len, out, err);
    if (rc)
        hub_error_prefix(err, "%s: ", newest->path);
    return rc;
}

struct acks {
    size_t acked, failed;
    rd_kafka_resp_err_t first;
};

static void on_delivery(void *ud, void *msg_opaque, rd_kafka_resp_err_t e)
{
    struct acks *a = ud;
    (void)msg_opaque;
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
        a->acked++;
    } else {
        if (a->failed++ == 0)
            a->first = e;
    }
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int hub_followup_publish(const hub_config_t *cfg, const hub_followup_t *t, bool provisional,
                         size_t *sent, struct hub_error *err)
{
    hub_avro_schema_t *schema = NULL;
    hub_producer_t *producer = NULL;
    struct acks acks = {0};
    char topic[256], period[HUB_STATS_PERIOD_LABEL_MAX], reason[256];
    int64_t now = now_ms();
    int rc;

    if (sent)
        *sent = 0;
    hub_config_topic(cfg, HUB_TOPIC_FOLLOW_UP_STATS, topic, sizeof topic);
    hub_stats_period_label(hub_followup_options(t)->year, hub_followup_options(t)->period, period);
    if ((rc = load_schema(&schema, err)) != 0 ||
        (rc = hub_producer_new(cfg, "hub-stats", on_delivery, &acks, &producer, err)) != 0)
        goto out;
    for (size_t d = 0; rc == 0 && d < hub_followup_district_count(t); d++) {
        json_t *rec = NULL;
        uint8_t *buf = NULL;
        size_t len = 0;
        char key[FU_KEY_MAX];
        int klen = snprintf(key, sizeof key, "%s|%s", hub_followup_district_code(t, d), period);
        if (klen < 0 || (size_t)klen >= sizeof key) {
            rc = hub_error_set(err, HUB_EINVAL, "district code too long");
            break;
        }
        if ((rc = hub_followup_record(t, d, provisional, now, &rec, err)) == 0 &&
            (rc = hub_avro_encode_single_object(schema, rec, &buf, &len, err)) != 0)
            hub_error_prefix(err, "schemas/%s: ", HUB_FU_RECORD_NAME);
        if (rc == 0)
            rc = hub_producer_send(producer, topic, key, (size_t)klen, buf, len, NULL, NULL, err);
        free(buf);
        json_decref(rec);
    }
    while (hub_producer_outstanding(producer) > 0) {
        (void)hub_producer_flush(producer, FU_FLUSH_STEP_MS);
        if (hub_producer_fatal(producer, reason, sizeof reason)) {
            if (rc == 0)
                rc = hub_error_set(err, HUB_EKAFKA, "kafka producer failed: %s", reason);
            rd_kafka_purge(hub_producer_handle(producer),
                           RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        }
    }
    if (rc == 0 && acks.failed)
        rc = hub_error_set(err, HUB_EKAFKA, "%zu of %zu follow-up records not acknowledged: %s",
                           acks.failed, acks.failed + acks.acked, rd_kafka_err2str(acks.first));
    if (sent)
        *sent = acks.acked;
out:
    hub_producer_destroy(producer);
    hub_avro_schema_destroy(schema);
    return rc;
}
