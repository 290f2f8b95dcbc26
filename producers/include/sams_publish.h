/*
 * sams_publish.h — publish SAMS events to the hub from a district system, in C.
 *
 * The same contract and validation as the `hub-publish` command (producers/INPUT.md): the
 * caller names the child by personnummer or samordningsnummer; the library replaces it by the
 * city-wide pseudonym before anything leaves the process, encodes the event with the hub's Avro
 * schema and publishes it with an idempotent, acks=all producer.
 *
 * Typical use:
 *
 *     sams_publisher_t *p;
 *     char why[512];
 *     if (sams_publisher_open("/etc/sams-hub/district.conf", &p, why, sizeof why) != 0) ...
 *     struct sams_placement pl = { .event_id = "…", .occurred_at = "2026-03-02T09:00:00+01:00",
 *         .district = "farsta", .personnummer = "…", .placement_id = "…", .action = "started",
 *         .legal_basis = "SoL", .placement_form = "familjehem", .start_date = "2026-03-02",
 *         .school_change = 1 };
 *     size_t ticket;
 *     if (sams_publish_placement(p, &pl, &ticket, why, sizeof why) != 0) ... invalid: why says so
 *     if (sams_publisher_flush(p, 30000) != 0) ... some events are not acknowledged
 *     if (sams_publisher_outcome(p, ticket) == SAMS_ACKED) ... the hub has it
 *     sams_publisher_close(p);
 *
 * Threading: a publisher is used by one thread at a time. Strings are UTF-8, borrowed for the
 * duration of the call only. Functions return 0 on success, a negative number on failure, and
 * fill `why` (may be NULL) with one line naming the field at fault. No message ever contains the
 * personnummer.
 */
#ifndef SAMS_PUBLISH_H
#define SAMS_PUBLISH_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sams_publisher sams_publisher_t;

enum sams_outcome {
    SAMS_PENDING = 0, /* sent, no answer from the cluster yet */
    SAMS_ACKED = 1,   /* acknowledged by all in-sync replicas: the hub has it */
    SAMS_FAILED = 2   /* will not be delivered; publish again (the event id makes it safe) */
};

/* Opens a publisher from a hub configuration file (key=value; see the README). Needs
 * hub.pseudonym.key_file, the Kafka bootstrap address, and the district's signing key
 * (hub.signing.key_file + hub.signing.key_id; every event is signed, see hub/crypto/sign.h) unless
 * hub.signing.required=false. Does not block on the network. */
int sams_publisher_open(const char *config_path, sams_publisher_t **out, char *why, size_t why_len);

/* Any event as one JSON object in the hub-publish input format. Validates, then enqueues;
 * *ticket (may be NULL) identifies it for sams_publisher_outcome(). */
int sams_publish_json(sams_publisher_t *p, const char *json, size_t *ticket, char *why,
                      size_t why_len);

/* Optional string fields may be NULL. Dates are "YYYY-MM-DD", instants RFC 3339. */
struct sams_placement {
    const char *event_id, *occurred_at, *district, *personnummer;
    const char *placement_id;
    const char *action;         /* started | changed | ended */
    const char *legal_basis;    /* SoL | LVU */
    const char *placement_form; /* jourhem, familjehem, hvb, stodboende, skyddat_boende, sis,
                                   behandlingsfamilj */
    const char *start_date;
    const char *end_date;               /* required when ended, else optional */
    int school_change;                  /* non-zero: the placement means a change of school */
    const char *placement_municipality; /* optional kommunkod */
};

struct sams_school_start {
    const char *event_id, *occurred_at, *district, *personnummer;
    const char *placement_id;
    const char *school_unit; /* skolenhetskod, 8 digits */
    const char *school_form; /* forskoleklass, grundskola, anpassad_grundskola, gymnasieskola,
                                anpassad_gymnasieskola */
    const char *start_date;  /* first day of attendance */
};

struct sams_contact {
    const char *name, *role, *phone, *email;
};

struct sams_handover {
    const char *event_id, *occurred_at, *district, *personnummer;
    const char *handover_id, *placement_id;
    const char *receiving_school_unit;
    const char *sending_school_unit; /* optional */
    const char *planned_start_date;
    const char *legal_ground; /* consent_guardian, consent_child, consent_guardian_and_child,
                                 secrecy_exception, none */
    struct sams_contact contact;
    /* Optional: what the receiving school needs to know, as the text of one JSON object (at most
     * 1 MiB). Never sent in clear: sealed for the receiving school alone, whose public key comes
     * from the school directory (hub.schools.file or the hub's database); refused with
     * legal_ground none or when the school has no key (producers/INPUT.md). */
    const char *content_json;
};

/* A change of the contact person the schools of some placements must be told about. No child is
 * named: no personnummer. At least one school unit or placement. */
struct sams_contact_change {
    const char *event_id, *occurred_at, *district;
    struct sams_contact old_contact, new_contact;
    const char *const *school_units; /* skolenhetskoder, n_school_units of them (may be 0) */
    size_t n_school_units;
    const char *const *placements; /* placement ids, n_placements of them (may be 0) */
    size_t n_placements;
    const char *effective_date;
};

/* An optional yes/no: zero (a zeroed struct) means not given, which the hub stores as null. */
enum sams_yes_no { SAMS_NOT_GIVEN = 0, SAMS_YES = 1, SAMS_NO = 2 };

/* The follow-up of the child's schooling at a review of the placement (övervägande/omprövning):
 * only bands and yes/no answers, no free text. Refused (why names the field): a grade year outside
 * the school form (grundskola 1-9, gymnasieskola 1-4), upper_secondary_eligible outside year 9 of
 * grundskola, on_track_for_diploma outside gymnasieskola, a review_date after occurred_at. */
struct sams_follow_up {
    const char *event_id, *occurred_at, *district, *personnummer;
    const char *placement_id;
    const char *review_date;     /* day of the review */
    const char *school_form;     /* grundskola | gymnasieskola */
    int grade_year;              /* årskurs */
    const char *attendance;      /* from_90, from_80_to_89, from_50_to_79, below_50, unknown */
    const char *knowledge_goals; /* reached, not_reached, not_assessed (in all subjects) */
    enum sams_yes_no upper_secondary_eligible; /* gymnasiebehörig; year 9 of grundskola only */
    enum sams_yes_no on_track_for_diploma;     /* gymnasieskola only */
};

int sams_publish_placement(sams_publisher_t *p, const struct sams_placement *ev, size_t *ticket,
                           char *why, size_t why_len);
int sams_publish_school_start(sams_publisher_t *p, const struct sams_school_start *ev,
                              size_t *ticket, char *why, size_t why_len);
int sams_publish_handover(sams_publisher_t *p, const struct sams_handover *ev, size_t *ticket,
                          char *why, size_t why_len);
int sams_publish_contact_change(sams_publisher_t *p, const struct sams_contact_change *ev,
                                size_t *ticket, char *why, size_t why_len);
int sams_publish_follow_up(sams_publisher_t *p, const struct sams_follow_up *ev, size_t *ticket,
                           char *why, size_t why_len);

/* Waits up to timeout_ms until every event has its outcome. 0 when all are ACKED; -1 when some
 * FAILED or are still PENDING (ask sams_publisher_outcome()). Blocks. */
int sams_publisher_flush(sams_publisher_t *p, int timeout_ms);

enum sams_outcome sams_publisher_outcome(const sams_publisher_t *p, size_t ticket);

/* Discards events not yet sent (their outcome stays FAILED) and frees. Accepts NULL. */
void sams_publisher_close(sams_publisher_t *p);

#ifdef __cplusplus
}
#endif

#endif
