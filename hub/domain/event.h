/*
 * event.h — the hub's domain events as plain C structs.
 *
 * One struct hub_event holds any of the event types the district systems publish. Strings are
 * fixed-size, NUL-terminated buffers, so an event can live on the stack and be copied with `=`;
 * the one exception is a handover's sealed content, which is heap memory owned by the event and
 * released by hub_event_clear(). Dates are days since 1970-01-01 (Avro `date`), instants are
 * milliseconds since the epoch in UTC (Avro `timestamp-millis`).
 *
 * The child is only ever present as its pseudonym (64 lowercase hex digits); a personnummer never
 * enters this struct.
 */
#ifndef HUB_EVENT_H
#define HUB_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/core/err.h"

#define HUB_UUID_STR 37      /* 36 characters + NUL */
#define HUB_PSEUDONYM_STR 65 /* 64 hex digits + NUL */
#define HUB_DISTRICT_STR 32
#define HUB_SCHOOL_UNIT_STR 9 /* 8 digits + NUL */
#define HUB_KOMMUN_STR 5      /* 4 digits + NUL */
#define HUB_CONTACT_NAME_STR 128
#define HUB_CONTACT_ROLE_STR 64
#define HUB_CONTACT_PHONE_STR 32
#define HUB_CONTACT_EMAIL_STR 128
#define HUB_DETAIL_STR 256
#define HUB_SCOPE_MAX 32 /* school units or placements named in one contact change */

enum hub_event_type {
    HUB_EV_PLACEMENT,
    HUB_EV_SCHOOL_START,
    HUB_EV_HANDOVER,
    HUB_EV_HANDOVER_RECEIPT,
    HUB_EV_CONTACT_CHANGE,
    HUB_EV_FOLLOW_UP,
    HUB_EV__COUNT
};

/* The sets below are fixed by law or by the schema; their order is the Avro enum order. */
enum hub_placement_action {
    HUB_ACTION_STARTED,
    HUB_ACTION_CHANGED,
    HUB_ACTION_ENDED,
    HUB_ACTION__COUNT
};
enum hub_legal_basis { HUB_BASIS_SOL, HUB_BASIS_LVU, HUB_BASIS__COUNT };
enum hub_placement_form {
    HUB_FORM_JOURHEM,
    HUB_FORM_FAMILJEHEM,
    HUB_FORM_HVB,
    HUB_FORM_STODBOENDE,
    HUB_FORM_SKYDDAT_BOENDE,
    HUB_FORM_SIS,
    HUB_FORM_BEHANDLINGSFAMILJ,
    HUB_FORM__COUNT
};
enum hub_school_form {
    HUB_SCHOOL_FORSKOLEKLASS,
    HUB_SCHOOL_GRUNDSKOLA,
    HUB_SCHOOL_ANPASSAD_GRUNDSKOLA,
    HUB_SCHOOL_GYMNASIESKOLA,
    HUB_SCHOOL_ANPASSAD_GYMNASIESKOLA,
    HUB_SCHOOL__COUNT
};
enum hub_legal_ground {
    HUB_GROUND_CONSENT_GUARDIAN,
    HUB_GROUND_CONSENT_CHILD,
    HUB_GROUND_CONSENT_GUARDIAN_AND_CHILD,
    HUB_GROUND_SECRECY_EXCEPTION,
    HUB_GROUND_NONE,
    HUB_GROUND__COUNT
};
enum hub_receipt_status {
    HUB_RECEIPT_DELIVERED,
    HUB_RECEIPT_ACKNOWLEDGED,
    HUB_RECEIPT_WITHHELD,
    HUB_RECEIPT_FAILED,
    HUB_RECEIPT_OVERDUE,
    HUB_RECEIPT_WRONG_RECIPIENT,
    HUB_RECEIPT__COUNT
};
enum hub_legal_sex { HUB_SEX_FEMALE, HUB_SEX_MALE, HUB_SEX__COUNT };

/* The follow-up of schooling at a review of the placement (övervägande/omprövning, seed 004). */
enum hub_fu_school_form { HUB_FU_GRUNDSKOLA, HUB_FU_GYMNASIESKOLA, HUB_FU_SCHOOL__COUNT };
enum hub_attendance {
    HUB_ATT_90_PLUS,  /* present at least 90 % of the time */
    HUB_ATT_80_89,    /* 80-89 % */
    HUB_ATT_50_79,    /* 50-79 % */
    HUB_ATT_UNDER_50, /* below 50 % */
    HUB_ATT_UNKNOWN,  /* the school could not say */
    HUB_ATT__COUNT
};
enum hub_goals {
    HUB_GOALS_REACHED,
    HUB_GOALS_NOT_REACHED,
    HUB_GOALS_NOT_ASSESSED,
    HUB_GOALS__COUNT
};

/* Grade years per school form: grundskola 1..9, gymnasieskola 1..4 (4: a four-year programme). */
#define HUB_FU_GRUNDSKOLA_YEARS 9
#define HUB_FU_GYMNASIESKOLA_YEARS 4

/* The birth years an event may carry (the codec refuses others, so the input does too). */
#define HUB_BIRTH_YEAR_MIN 1900
#define HUB_BIRTH_YEAR_MAX 2999

/* Fields every event carries. `child`, `birth_year` and `legal_sex` are set for child events
 * (placement, school start, handover, follow-up); a receipt carries `child` only; a contact change
 * none. */
struct hub_event_common {
    char event_id[HUB_UUID_STR];
    int64_t occurred_at; /* ms since epoch, UTC */
    char district[HUB_DISTRICT_STR];
    char child[HUB_PSEUDONYM_STR];
    int32_t birth_year;
    enum hub_legal_sex legal_sex;
};

struct hub_placement {
    char placement_id[HUB_UUID_STR];
    enum hub_placement_action action;
    enum hub_legal_basis legal_basis;
    enum hub_placement_form placement_form;
    int32_t start_date;
    bool has_end_date;
    int32_t end_date;
    bool school_change;
    bool has_placement_municipality;
    char placement_municipality[HUB_KOMMUN_STR];
};

struct hub_school_start {
    char placement_id[HUB_UUID_STR];
    char school_unit[HUB_SCHOOL_UNIT_STR];
    enum hub_school_form school_form;
    int32_t start_date;
};

/* A social-services contact person or skolsamordnare (not the child). */
struct hub_contact {
    char name[HUB_CONTACT_NAME_STR];
    char role[HUB_CONTACT_ROLE_STR];
    char phone[HUB_CONTACT_PHONE_STR];
    char email[HUB_CONTACT_EMAIL_STR];
};

struct hub_handover {
    char handover_id[HUB_UUID_STR];
    char placement_id[HUB_UUID_STR];
    char receiving_school_unit[HUB_SCHOOL_UNIT_STR];
    bool has_sending_school_unit;
    char sending_school_unit[HUB_SCHOOL_UNIT_STR];
    int32_t planned_start_date;
    enum hub_legal_ground legal_ground;
    struct hub_contact contact;
    uint8_t *sealed_content; /* owned by the event; NULL means null */
    size_t sealed_content_len;
};

struct hub_handover_receipt {
    char handover_id[HUB_UUID_STR];
    char school_unit[HUB_SCHOOL_UNIT_STR];
    enum hub_receipt_status status;
    int64_t at; /* ms since epoch, UTC */
    bool has_detail;
    char detail[HUB_DETAIL_STR];
};

struct hub_contact_change {
    struct hub_contact old_contact;
    struct hub_contact new_contact;
    size_t n_school_units;
    char school_units[HUB_SCOPE_MAX][HUB_SCHOOL_UNIT_STR];
    size_t n_placements;
    char placements[HUB_SCOPE_MAX][HUB_UUID_STR];
    int32_t effective_date;
};

struct hub_follow_up {
    char placement_id[HUB_UUID_STR];
    int32_t review_date; /* the review (övervägande/omprövning) the figures were taken at */
    enum hub_fu_school_form school_form;
    int32_t grade_year;
    enum hub_attendance attendance;
    enum hub_goals knowledge_goals; /* reached in all subjects */
    bool has_eligible;              /* year 9 of grundskola only */
    bool eligible;                  /* gymnasiebehörig */
    bool has_on_track;              /* gymnasieskola only */
    bool on_track;                  /* on track for a diploma (gymnasieexamen) */
};

struct hub_event {
    enum hub_event_type type;
    struct hub_event_common common;
    union {
        struct hub_placement placement;
        struct hub_school_start school_start;
        struct hub_handover handover;
        struct hub_handover_receipt receipt;
        struct hub_contact_change contact_change;
        struct hub_follow_up follow_up;
    } u;
};

/* Zeroes `ev` and sets its type. Call before filling an event by hand. */
void hub_event_init(struct hub_event *ev, enum hub_event_type type);

/* Frees what `ev` owns (sealed content) and zeroes it. Accepts NULL. */
void hub_event_clear(struct hub_event *ev);

/* Whether events of this type are about one child (carry child, birth_year, legal_sex). */
bool hub_event_type_is_child(enum hub_event_type t);

/* Symbol tables: `_name` returns the wire/JSON symbol ("placement", "hvb", "SoL", ...) or NULL
 * for an out-of-range value; `_parse` maps a symbol back, returning 0 or HUB_EENUM. */
const char *hub_event_type_name(enum hub_event_type v);
int hub_event_type_parse(const char *s, enum hub_event_type *out);
const char *hub_placement_action_name(enum hub_placement_action v);
int hub_placement_action_parse(const char *s, enum hub_placement_action *out);
const char *hub_legal_basis_name(enum hub_legal_basis v);
int hub_legal_basis_parse(const char *s, enum hub_legal_basis *out);
const char *hub_placement_form_name(enum hub_placement_form v);
int hub_placement_form_parse(const char *s, enum hub_placement_form *out);
const char *hub_school_form_name(enum hub_school_form v);
int hub_school_form_parse(const char *s, enum hub_school_form *out);
const char *hub_legal_ground_name(enum hub_legal_ground v);
int hub_legal_ground_parse(const char *s, enum hub_legal_ground *out);
const char *hub_receipt_status_name(enum hub_receipt_status v);
int hub_receipt_status_parse(const char *s, enum hub_receipt_status *out);
const char *hub_legal_sex_name(enum hub_legal_sex v);
int hub_legal_sex_parse(const char *s, enum hub_legal_sex *out);
const char *hub_fu_school_form_name(enum hub_fu_school_form v);
int hub_fu_school_form_parse(const char *s, enum hub_fu_school_form *out);
const char *hub_attendance_name(enum hub_attendance v);
int hub_attendance_parse(const char *s, enum hub_attendance *out);
const char *hub_goals_name(enum hub_goals v);
int hub_goals_parse(const char *s, enum hub_goals *out);

/* The symbol list of each set, in Avro enum order, for schema generation and docs. */
extern const char *const hub_placement_action_symbols[HUB_ACTION__COUNT];
extern const char *const hub_legal_basis_symbols[HUB_BASIS__COUNT];
extern const char *const hub_placement_form_symbols[HUB_FORM__COUNT];
extern const char *const hub_school_form_symbols[HUB_SCHOOL__COUNT];
extern const char *const hub_legal_ground_symbols[HUB_GROUND__COUNT];
extern const char *const hub_receipt_status_symbols[HUB_RECEIPT__COUNT];
extern const char *const hub_legal_sex_symbols[HUB_SEX__COUNT];
extern const char *const hub_event_type_symbols[HUB_EV__COUNT];
extern const char *const hub_fu_school_form_symbols[HUB_FU_SCHOOL__COUNT];
extern const char *const hub_attendance_symbols[HUB_ATT__COUNT];
extern const char *const hub_goals_symbols[HUB_GOALS__COUNT];

#endif
