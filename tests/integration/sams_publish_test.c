/*
 * sams_publish_test.c — the district C API (producers/include/sams_publish.h) against a dev
 * broker hosted in this process (deploy/hubctl/broker.h).
 *
 * Valid events of every type come back ACKED after a flush; an invalid one is refused before
 * anything is sent, with `why` naming the field at fault and never holding the personnummer;
 * a configuration without the pseudonym key is refused naming the key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hub/core/config.h"
#include "hub/kafka/kafka.h"
#include "hub/publish/publisher.h"
#include "hubctl/broker.h"
#include "sams_publish.h"

/* Synthetic numbers with valid Luhn check digits; PNR_WRONG has the check digit off by one. */
#define PNR_A "20150312-2382"
#define PNR_B "201208151231"
#define PNR_COORD "140972-6716" /* samordningsnummer: day 12 + 60 */
#define PNR_WRONG "20150312-2383"
#define PNR_DIGITS "201503122383"

static struct {
    hub_broker_t *broker;
    char dir[64];
    char config[128];
    char nokey_config[128];
    char key[128];
} G;

static int write_file(const char *path, const char *text, size_t len, mode_t mode)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t n = fwrite(text, 1, len, f);
    int rc = fclose(f);
    if (n != len || rc != 0)
        return -1;
    return chmod(path, mode);
}

static int setup(void **state)
{
    (void)state;
    struct hub_error err = {0};
    char text[512];
    static const char key[] = "0123456789abcdef0123456789abcdef-sams-publish-test";

    /* The config file names the broker; the environment must not override it. */
    unsetenv("HUB_KAFKA_BOOTSTRAP_SERVERS");
    if (hub_broker_new(NULL, &G.broker, &err) != 0) {
        fprintf(stderr, "broker: %s\n", err.msg);
        return -1;
    }
    snprintf(G.dir, sizeof G.dir, "/tmp/sams-publish-test.XXXXXX");
    if (!mkdtemp(G.dir))
        return -1;
    snprintf(G.key, sizeof G.key, "%s/pseudonym.key", G.dir);
    snprintf(G.config, sizeof G.config, "%s/hub.conf", G.dir);
    snprintf(G.nokey_config, sizeof G.nokey_config, "%s/nokey.conf", G.dir);
    if (write_file(G.key, key, sizeof key - 1, 0600) != 0)
        return -1;
    /* Unsigned: signing (hub/crypto/sign.h) is not what this test is about. */
    int n = snprintf(text, sizeof text,
                     "kafka.bootstrap.servers=%s\nhub.pseudonym.key_file=%s\n"
                     "hub.signing.required=false\n",
                     hub_broker_bootstraps(G.broker), G.key);
    if (n < 0 || (size_t)n >= sizeof text || write_file(G.config, text, (size_t)n, 0600) != 0)
        return -1;
    n = snprintf(text, sizeof text, "kafka.bootstrap.servers=%s\nhub.signing.required=false\n",
                 hub_broker_bootstraps(G.broker));
    if (n < 0 || (size_t)n >= sizeof text || write_file(G.nokey_config, text, (size_t)n, 0600) != 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(G.key);
    unlink(G.config);
    unlink(G.nokey_config);
    rmdir(G.dir);
    hub_broker_destroy(G.broker);
    return 0;
}

static struct sams_placement valid_placement(void)
{
    struct sams_placement pl = {
        .event_id = "5b0f8f0e-2f43-4c53-9d0b-8b1f6a1e0c11",
        .occurred_at = "2026-03-02T09:15:00+01:00",
        .district = "farsta",
        .personnummer = PNR_A,
        .placement_id = "0c8e2f7a-93a4-4d55-8f51-6e3b8f1a2b11",
        .action = "started",
        .legal_basis = "SoL",
        .placement_form = "familjehem",
        .start_date = "2026-03-02",
        .school_change = 1,
        .placement_municipality = "0180",
    };
    return pl;
}

static struct sams_school_start valid_school_start(void)
{
    struct sams_school_start s = {
        .event_id = "5b0f8f0e-2f43-4c53-9d0b-8b1f6a1e0c12",
        .occurred_at = "2026-03-12T08:05:00+01:00",
        .district = "jarva",
        .personnummer = PNR_COORD,
        .placement_id = "0c8e2f7a-93a4-4d55-8f51-6e3b8f1a2b11",
        .school_unit = "12345678",
        .school_form = "grundskola",
        .start_date = "2026-03-12",
    };
    return s;
}

static struct sams_handover valid_handover(void)
{
    struct sams_handover h = {
        .event_id = "5b0f8f0e-2f43-4c53-9d0b-8b1f6a1e0c13",
        .occurred_at = "2026-03-03T14:00:00+01:00",
        .district = "farsta",
        .personnummer = PNR_B,
        .handover_id = "7e0d1c2b-0000-4000-8000-000000000011",
        .placement_id = "0c8e2f7a-93a4-4d55-8f51-6e3b8f1a2b11",
        .receiving_school_unit = "12345678",
        .sending_school_unit = NULL,
        .planned_start_date = "2026-03-09",
        .legal_ground = "consent_guardian_and_child",
        .contact = {"Anna Handläggare", "skolsamordnare", "08-508 000 00", "anna@example.se"},
    };
    return h;
}

/* Asserts an invalid call: non-zero, `why` starts with "field: ", no number in it. */
static void assert_refused(int rc, const char *why, const char *field)
{
    char want[96];
    snprintf(want, sizeof want, "%s: ", field);
    assert_int_not_equal(rc, 0);
    if (strncmp(why, want, strlen(want)) != 0)
        fail_msg("why = \"%s\", expected it to start with \"%s\"", why, want);
    const char *numbers[] = {PNR_A,      PNR_B,        PNR_COORD,    PNR_WRONG,
                             PNR_DIGITS, "1503122383", "150312-2383"};
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++)
        if (strstr(why, numbers[i]))
            fail_msg("why holds a personnummer: \"%s\"", why);
}

static void test_sams_publish_acks_every_type(void **state)
{
    (void)state;
    sams_publisher_t *p = NULL;
    char why[512] = "";
    size_t t[4] = {99, 99, 99, 99};

    assert_int_equal(sams_publisher_open(G.config, &p, why, sizeof why), 0);
    struct sams_placement pl = valid_placement();
    struct sams_school_start ss = valid_school_start();
    struct sams_handover h = valid_handover();
    assert_int_equal(sams_publish_placement(p, &pl, &t[0], why, sizeof why), 0);
    assert_int_equal(sams_publish_school_start(p, &ss, &t[1], why, sizeof why), 0);
    assert_int_equal(sams_publish_handover(p, &h, &t[2], why, sizeof why), 0);
    assert_int_equal(
        sams_publish_json(p,
                          "{\"type\":\"contact_change\",\"event_id\":\"5b0f8f0e-2f43-4c53-9d0b-"
                          "8b1f6a1e0c14\",\"occurred_at\":\"2026-04-01T09:00:00+02:00\","
                          "\"district\":\"farsta\",\"old_contact\":{\"name\":\"A\",\"role\":\"r\","
                          "\"phone\":\"1\",\"email\":\"a@example.se\"},\"new_contact\":{\"name\":"
                          "\"B\",\"role\":\"r\",\"phone\":\"2\",\"email\":\"b@example.se\"},"
                          "\"school_units\":[\"12345678\"],\"effective_date\":\"2026-04-01\"}",
                          &t[3], why, sizeof why),
        0);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(t[i], i);
    assert_int_equal(sams_publisher_flush(p, 30000), 0);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(sams_publisher_outcome(p, t[i]), SAMS_ACKED);
    /* A ticket never issued is not acknowledged. */
    assert_int_equal(sams_publisher_outcome(p, 4), SAMS_FAILED);
    sams_publisher_close(p);
}

static void test_sams_publish_names_the_invalid_field(void **state)
{
    (void)state;
    sams_publisher_t *p = NULL;
    char why[512];
    size_t ticket = 77;

    assert_int_equal(sams_publisher_open(G.config, &p, why, sizeof why), 0);

    struct sams_placement pl = valid_placement();
    pl.personnummer = PNR_WRONG;
    assert_refused(sams_publish_placement(p, &pl, &ticket, why, sizeof why), why, "personnummer");
    pl = valid_placement();
    pl.personnummer = PNR_DIGITS;
    assert_refused(sams_publish_placement(p, &pl, &ticket, why, sizeof why), why, "personnummer");
    pl = valid_placement();
    pl.start_date = "2026-02-30";
    assert_refused(sams_publish_placement(p, &pl, &ticket, why, sizeof why), why, "start_date");
    pl = valid_placement();
    pl.action = NULL;
    assert_refused(sams_publish_placement(p, &pl, &ticket, why, sizeof why), why, "action");
    pl = valid_placement();
    pl.action = "ended";
    assert_refused(sams_publish_placement(p, &pl, &ticket, why, sizeof why), why, "end_date");
    pl = valid_placement();
    pl.placement_municipality = "180";
    assert_refused(sams_publish_placement(p, &pl, &ticket, why, sizeof why), why,
                   "placement_municipality");
    pl = valid_placement();
    pl.district = "rinkeby-kista";
    assert_refused(sams_publish_placement(p, &pl, &ticket, why, sizeof why), why, "district");
    pl = valid_placement();
    pl.event_id = "5b0f8f0e-2f43-4c53-9d0b-8b1f6a1e0c1";
    assert_refused(sams_publish_placement(p, &pl, &ticket, why, sizeof why), why, "event_id");

    struct sams_school_start ss = valid_school_start();
    ss.school_unit = "1234";
    assert_refused(sams_publish_school_start(p, &ss, &ticket, why, sizeof why), why, "school_unit");
    ss = valid_school_start();
    ss.occurred_at = "2026-03-12 08:05";
    assert_refused(sams_publish_school_start(p, &ss, &ticket, why, sizeof why), why, "occurred_at");

    struct sams_handover h = valid_handover();
    h.legal_ground = "maybe";
    assert_refused(sams_publish_handover(p, &h, &ticket, why, sizeof why), why, "legal_ground");
    h = valid_handover();
    h.contact.email = "anna.example.se";
    assert_refused(sams_publish_handover(p, &h, &ticket, why, sizeof why), why, "contact.email");

    /* Issue 14: a personnummer in a free-text field (with or without separator, joined to
     * letters) is refused, and the error names the field, never the value. */
    h = valid_handover();
    h.contact.name = "Kalle Anka " PNR_A;
    assert_refused(sams_publish_handover(p, &h, &ticket, why, sizeof why), why, "contact.name");
    h = valid_handover();
    h.contact.role = "pnr201503122382";
    assert_refused(sams_publish_handover(p, &h, &ticket, why, sizeof why), why, "contact.role");
    assert_null(strstr(why, "201503122382"));
    /* ... and so is content without a legal ground, before anything else is said about it. */
    assert_refused(
        sams_publish_json(p,
                          "{\"type\":\"handover\",\"event_id\":\"5b0f8f0e-2f43-4c53-9d0b-"
                          "8b1f6a1e0c1a\",\"occurred_at\":\"2026-03-03T14:00:00+01:00\","
                          "\"district\":\"farsta\",\"personnummer\":\"" PNR_A "\","
                          "\"handover_id\":\"7e0d1c2b-0000-4000-8000-00000000001a\","
                          "\"placement_id\":\"0c8e2f7a-93a4-4d55-8f51-6e3b8f1a2b11\","
                          "\"receiving_school_unit\":\"12345678\",\"planned_start_date\":"
                          "\"2026-03-09\",\"legal_ground\":\"none\",\"contact\":"
                          "{\"name\":\"A\",\"role\":\"r\",\"phone\":\"1\",\"email\":"
                          "\"a@example.se\"},\"content\":{\"needs\":\"support in reading\"}}",
                          &ticket, why, sizeof why),
        why, "content");
    assert_non_null(strstr(why, "legal_ground is none"));

    /* Content is refused: sealing for the school is not available, and never in clear. */
    assert_refused(
        sams_publish_json(p,
                          "{\"type\":\"handover\",\"event_id\":\"5b0f8f0e-2f43-4c53-9d0b-"
                          "8b1f6a1e0c19\",\"occurred_at\":\"2026-03-03T14:00:00+01:00\","
                          "\"district\":\"farsta\",\"personnummer\":\"" PNR_A "\","
                          "\"handover_id\":\"7e0d1c2b-0000-4000-8000-000000000019\","
                          "\"placement_id\":\"0c8e2f7a-93a4-4d55-8f51-6e3b8f1a2b11\","
                          "\"receiving_school_unit\":\"12345678\",\"planned_start_date\":"
                          "\"2026-03-09\",\"legal_ground\":\"consent_guardian\",\"contact\":"
                          "{\"name\":\"A\",\"role\":\"r\",\"phone\":\"1\",\"email\":"
                          "\"a@example.se\"},\"content\":{\"needs\":\"support in reading\"}}",
                          &ticket, why, sizeof why),
        why, "content");
    /* NULL why is allowed. */
    pl = valid_placement();
    pl.legal_basis = "sol";
    assert_int_not_equal(sams_publish_placement(p, &pl, &ticket, NULL, 0), 0);

    /* Nothing was enqueued: no ticket handed out, nothing to flush. */
    assert_int_equal(ticket, 77);
    assert_int_equal(sams_publisher_outcome(p, 0), SAMS_FAILED);
    assert_int_equal(sams_publisher_flush(p, 1000), 0);
    sams_publisher_close(p);
}

/* A handover whose content is `n` bytes of 'x' (JSON text around it adds a few). */
static char *big_handover(size_t n)
{
    static const char head[] =
        "{\"type\":\"handover\",\"event_id\":\"5b0f8f0e-2f43-4c53-9d0b-8b1f6a1e0c31\","
        "\"occurred_at\":\"2026-03-03T14:00:00+01:00\",\"district\":\"farsta\","
        "\"personnummer\":\"" PNR_A "\",\"handover_id\":\"7e0d1c2b-0000-4000-8000-000000000031\","
        "\"placement_id\":\"0c8e2f7a-93a4-4d55-8f51-6e3b8f1a2b11\",\"receiving_school_unit\":"
        "\"12345678\",\"planned_start_date\":\"2026-03-09\",\"legal_ground\":\"consent_guardian\","
        "\"contact\":{\"name\":\"A\",\"role\":\"r\",\"phone\":\"1\",\"email\":\"a@example.se\"},"
        "\"content\":{\"t\":\"";
    static const char tail[] = "\"}}";
    char *j = malloc(sizeof head + n + sizeof tail);
    assert_non_null(j);
    memcpy(j, head, sizeof head - 1);
    memset(j + sizeof head - 1, 'x', n);
    memcpy(j + sizeof head - 1 + n, tail, sizeof tail);
    return j;
}

/* Encoded size of the handover with `n` bytes of content, or 0 when it is refused. */
static size_t encoded_size(hub_publisher_t *p, size_t n, struct hub_input_problems *pr)
{
    char *j = big_handover(n);
    struct hub_pub_msg msg;
    memset(pr, 0, sizeof *pr);
    int rc = hub_publisher_prepare_json(p, j, strlen(j), &msg, pr);
    free(j);
    if (rc)
        return 0;
    size_t len = msg.len;
    hub_pub_msg_clear(&msg);
    return len;
}

/* The size limits line up: an event of exactly HUB_EVENT_MAX_BYTES is acknowledged by the broker
 * (so the producer's message.max.bytes leaves room for key and headers), and one byte more is
 * refused before sending, naming the limit, instead of failing at the broker. */
static void test_publish_event_size_limit(void **state)
{
    (void)state;
    char schools[128], conf[128], text[1024];
    struct hub_error err = {0};
    snprintf(schools, sizeof schools, "%s/schools.csv", G.dir);
    snprintf(conf, sizeof conf, "%s/big.conf", G.dir);
    int n = snprintf(text, sizeof text,
                     "skolenhetskod,name,huvudman_type,kommunkod,webhook_url,public_key,"
                     "signing_secret_ref,email\n12345678,Testskolan,kommunal,0180,,"
                     "CQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,,\n");
    assert_int_equal(write_file(schools, text, (size_t)n, 0644), 0);
    n = snprintf(text, sizeof text,
                 "kafka.bootstrap.servers=%s\nhub.pseudonym.key_file=%s\n"
                 "hub.signing.required=false\nhub.schools.file=%s\n",
                 hub_broker_bootstraps(G.broker), G.key, schools);
    assert_int_equal(write_file(conf, text, (size_t)n, 0600), 0);
    hub_config_t *cfg = NULL;
    hub_publisher_t *p = NULL;
    assert_int_equal(hub_config_load(conf, &cfg, &err), 0);
    if (hub_publisher_new(cfg, "size-test", 0, &p, &err) != 0)
        fail_msg("publisher: %s", err.msg);

    struct hub_input_problems pr;
    size_t x = 900000, len = encoded_size(p, x, &pr);
    assert_true(len > 0 && len < HUB_EVENT_MAX_BYTES);
    for (int i = 0; i < 8 && len != HUB_EVENT_MAX_BYTES; i++) {
        x += (size_t)HUB_EVENT_MAX_BYTES - len; /* sealed and encoded size grow with the content */
        len = encoded_size(p, x, &pr);
    }
    assert_int_equal(len, HUB_EVENT_MAX_BYTES);

    /* At the limit: sent and acknowledged. */
    char *j = big_handover(x);
    struct hub_pub_msg msg;
    assert_int_equal(hub_publisher_prepare_json(p, j, strlen(j), &msg, &pr), 0);
    free(j);
    size_t ticket;
    if (hub_publisher_send(p, &msg, &ticket, &err) != 0)
        fail_msg("send at the limit: %s", err.msg);
    hub_pub_msg_clear(&msg);
    assert_int_equal(hub_publisher_flush(p, 30000), 0);
    const char *reason = NULL;
    if (hub_publisher_outcome(p, ticket, &reason) != HUB_PUB_ACKED)
        fail_msg("an event of exactly %d bytes was not acknowledged: %s", HUB_EVENT_MAX_BYTES,
                 reason);

    /* One byte over: refused before sending. */
    assert_int_equal(encoded_size(p, x + 1, &pr), 0);
    assert_int_equal(pr.n, 1);
    if (!strstr(pr.p[0].text, "983041 bytes, more than the hub's limit of 983040"))
        fail_msg("problem: %s", pr.p[0].text);
    hub_publisher_destroy(p);
    hub_config_destroy(cfg);
    unlink(schools);
    unlink(conf);
}

/* A contact change and a handover with sealed content through the C API alone: acknowledged;
 * a personnummer in a contact, content that is not an object, content without a legal ground
 * and content for a school without a public key are refused, naming the field. */
static void test_sams_publish_contact_change_and_sealed_content(void **state)
{
    (void)state;
    char schools[128], conf[128], text[1024], why[512] = "";
    size_t t[2];
    sams_publisher_t *p = NULL;
    snprintf(schools, sizeof schools, "%s/schools-c.csv", G.dir);
    snprintf(conf, sizeof conf, "%s/c.conf", G.dir);
    int n = snprintf(text, sizeof text,
                     "skolenhetskod,name,huvudman_type,kommunkod,webhook_url,public_key,"
                     "signing_secret_ref,email\n12345678,Testskolan,kommunal,0180,,"
                     "CQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,,\n"
                     "87654321,Utan nyckel,kommunal,0180,,,,\n");
    assert_int_equal(write_file(schools, text, (size_t)n, 0644), 0);
    n = snprintf(text, sizeof text,
                 "kafka.bootstrap.servers=%s\nhub.pseudonym.key_file=%s\n"
                 "hub.signing.required=false\nhub.schools.file=%s\n",
                 hub_broker_bootstraps(G.broker), G.key, schools);
    assert_int_equal(write_file(conf, text, (size_t)n, 0600), 0);
    if (sams_publisher_open(conf, &p, why, sizeof why) != 0)
        fail_msg("open: %s", why);

    const char *units[] = {"12345678"}, *placements[] = {"0c8e2f7a-93a4-4d55-8f51-6e3b8f1a2b11"};
    struct sams_contact_change cc = {
        .event_id = "5b0f8f0e-2f43-4c53-9d0b-8b1f6a1e0c21",
        .occurred_at = "2026-04-01T09:00:00+02:00",
        .district = "farsta",
        .old_contact = {"Anna Handläggare", "skolsamordnare", "08-508 000 00", "anna@example.se"},
        .new_contact = {"Bo Handläggare", "skolsamordnare", "08-508 000 01", "bo@example.se"},
        .school_units = units,
        .n_school_units = 1,
        .placements = placements,
        .n_placements = 1,
        .effective_date = "2026-04-01",
    };
    if (sams_publish_contact_change(p, &cc, &t[0], why, sizeof why) != 0)
        fail_msg("contact change: %s", why);
    struct sams_contact_change bad = cc;
    bad.new_contact.name = PNR_A;
    assert_refused(sams_publish_contact_change(p, &bad, NULL, why, sizeof why), why,
                   "new_contact.name");

    struct sams_handover h = valid_handover();
    h.event_id = "5b0f8f0e-2f43-4c53-9d0b-8b1f6a1e0c22";
    h.handover_id = "7e0d1c2b-0000-4000-8000-000000000021";
    h.content_json = "{\"stod\":\"behöver extra anpassningar i matematik\",\"sprak\":\"sv\"}";
    if (sams_publish_handover(p, &h, &t[1], why, sizeof why) != 0)
        fail_msg("handover with content: %s", why);
    struct sams_handover hb = h;
    hb.content_json = "[1, 2]";
    assert_refused(sams_publish_handover(p, &hb, NULL, why, sizeof why), why, "content");
    hb = h;
    hb.legal_ground = "none";
    assert_refused(sams_publish_handover(p, &hb, NULL, why, sizeof why), why, "content");
    hb = h;
    hb.receiving_school_unit = "87654321";
    assert_refused(sams_publish_handover(p, &hb, NULL, why, sizeof why), why, "content");

    assert_int_equal(sams_publisher_flush(p, 30000), 0);
    assert_int_equal(sams_publisher_outcome(p, t[0]), SAMS_ACKED);
    assert_int_equal(sams_publisher_outcome(p, t[1]), SAMS_ACKED);
    sams_publisher_close(p);
    unlink(schools);
    unlink(conf);
}

/* A follow-up of schooling (issue 19): acknowledged; every rule between its fields refused with
 * the field named, never the personnummer. */
static void test_sams_publish_follow_up(void **state)
{
    (void)state;
    char why[512] = "";
    size_t t[2];
    sams_publisher_t *p = NULL;
    if (sams_publisher_open(G.config, &p, why, sizeof why) != 0)
        fail_msg("open: %s", why);
    struct sams_follow_up f = {
        .event_id = "5b0f8f0e-2f43-4c53-9d0b-8b1f6a1e0c31",
        .occurred_at = "2026-10-02T15:00:00+02:00",
        .district = "farsta",
        .personnummer = PNR_A,
        .placement_id = "0c8e2f7a-93a4-4d55-8f51-6e3b8f1a2b11",
        .review_date = "2026-10-01",
        .school_form = "grundskola",
        .grade_year = 9,
        .attendance = "from_90",
        .knowledge_goals = "reached",
        .upper_secondary_eligible = SAMS_YES,
    };
    if (sams_publish_follow_up(p, &f, &t[0], why, sizeof why) != 0)
        fail_msg("follow-up: %s", why);
    struct sams_follow_up g = f;
    g.event_id = "5b0f8f0e-2f43-4c53-9d0b-8b1f6a1e0c32";
    g.school_form = "gymnasieskola";
    g.grade_year = 2;
    g.upper_secondary_eligible = SAMS_NOT_GIVEN;
    g.on_track_for_diploma = SAMS_NO;
    if (sams_publish_follow_up(p, &g, &t[1], why, sizeof why) != 0)
        fail_msg("follow-up in gymnasieskola: %s", why);

    struct sams_follow_up bad = f;
    bad.attendance = "sometimes";
    assert_refused(sams_publish_follow_up(p, &bad, NULL, why, sizeof why), why, "attendance");
    bad = f;
    bad.grade_year = 8;
    assert_refused(sams_publish_follow_up(p, &bad, NULL, why, sizeof why), why,
                   "upper_secondary_eligible");
    bad = g;
    bad.grade_year = 5;
    assert_refused(sams_publish_follow_up(p, &bad, NULL, why, sizeof why), why, "grade_year");
    bad = f;
    bad.on_track_for_diploma = SAMS_YES;
    assert_refused(sams_publish_follow_up(p, &bad, NULL, why, sizeof why), why,
                   "on_track_for_diploma");
    bad = f;
    bad.upper_secondary_eligible = (enum sams_yes_no)7;
    assert_refused(sams_publish_follow_up(p, &bad, NULL, why, sizeof why), why,
                   "upper_secondary_eligible");
    bad = f;
    bad.personnummer = PNR_WRONG;
    assert_refused(sams_publish_follow_up(p, &bad, NULL, why, sizeof why), why, "personnummer");

    assert_int_equal(sams_publisher_flush(p, 30000), 0);
    assert_int_equal(sams_publisher_outcome(p, t[0]), SAMS_ACKED);
    assert_int_equal(sams_publisher_outcome(p, t[1]), SAMS_ACKED);
    sams_publisher_close(p);
}

static void test_sams_open_names_the_missing_key(void **state)
{
    (void)state;
    sams_publisher_t *p = (sams_publisher_t *)&G; /* must be reset to NULL */
    char why[512] = "";

    assert_int_not_equal(sams_publisher_open(G.nokey_config, &p, why, sizeof why), 0);
    assert_null(p);
    assert_non_null(strstr(why, "hub.pseudonym.key_file"));

    char missing[160];
    snprintf(missing, sizeof missing, "%s/no-such.conf", G.dir);
    assert_int_not_equal(sams_publisher_open(missing, &p, why, sizeof why), 0);
    assert_null(p);
    sams_publisher_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sams_publish_acks_every_type),
        cmocka_unit_test(test_sams_publish_names_the_invalid_field),
        cmocka_unit_test(test_sams_publish_contact_change_and_sealed_content),
        cmocka_unit_test(test_sams_publish_follow_up),
        cmocka_unit_test(test_sams_open_names_the_missing_key),
        cmocka_unit_test(test_publish_event_size_limit),
    };
    return cmocka_run_group_tests_name("sams_publish", tests, setup, teardown);
}
