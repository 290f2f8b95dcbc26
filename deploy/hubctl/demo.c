/*
 * demo.c — the demo-data generator: one month of synthetic placements and what follows them.
 *
 * Each district has its own PRNG stream (seed, month and district code), so a district's first
 * children do not change when --children-per-district grows, and two months of one seed are two
 * sets of events (no event, placement or handover id in common to be dropped as a duplicate). A
 * child's story is decided first (form, age, dates, schools, handovers), then its events are put in
 * time order with moments that never go back in time, then all events are sorted by occurred_at and
 * written. Contact changes come last, because they name what the old contact handled before the
 * change.
 */
#include "hubctl/demo.h"
#include "hub/core/csv.h"
#include "hub/core/date.h"
#include "hub/domain/ident.h"
#include "hub/domain/pnr.h"

#include <stdlib.h>
#include <string.h>

#define MS_PER_MINUTE INT64_C(60000)
#define MINUTES_PER_DAY 1440
#define LATEST_MINUTE (23 * 60) /* moments stay around or before 23:00, clear of DST hours */
#define CONTACTS_PER_DISTRICT 6 /* two skolsamordnare, four socialsekreterare */
#define COORDINATORS_PER_DISTRICT 2
#define CONTACT_CHANGE_PERMILLE 300 /* districts with a contact change in the month */
#define PNR_STR 16
#define CHAIN_MAX 8

/* ------------------------------------------------------------------------------------------ */
/* PRNG: xoshiro256** (Blackman & Vigna), seeded through splitmix64.                          */

struct rng {
    uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

/* The seed of a district's stream in a month: the user's seed, the month, the district. */
static uint64_t stream_seed(const struct hub_demo_options *opt, uint64_t district_hash)
{
    uint64_t m = (uint64_t)opt->year * 12u + (uint64_t)(opt->month - 1);
    return opt->seed ^ splitmix64(&m) ^ district_hash;
}

static uint64_t rotl64(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl64(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return result;
}

/* Uniform in [0, n), n > 0, without modulo bias (Lemire's method). */
static uint32_t rng_below(struct rng *r, uint32_t n)
{
    uint64_t m = (rng_next(r) >> 32) * n;
    uint32_t low = (uint32_t)m;
    if (low < n) {
        uint32_t threshold = (uint32_t)(-n) % n;
        while (low < threshold) {
            m = (rng_next(r) >> 32) * n;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

/* Uniform in [lo, hi]; lo when hi < lo. */
static int32_t rng_range(struct rng *r, int32_t lo, int32_t hi)
{
    if (hi <= lo)
        return lo;
    return lo + (int32_t)rng_below(r, (uint32_t)(hi - lo) + 1u);
}

static bool rng_permille(struct rng *r, unsigned p)
{
    return rng_below(r, 1000) < p;
}

/* An index in [0, n) drawn with the given weights (not all zero). */
static size_t rng_weighted(struct rng *r, const unsigned *w, size_t n)
{
    uint32_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += w[i];
    uint32_t x = rng_below(r, total);
    for (size_t i = 0; i < n; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    return n - 1;
}

/* A version-4, RFC 4122-variant uuid made of PRNG bits, so output stays reproducible. */
static void rng_uuid(struct rng *r, char out[HUB_UUID_STR_LEN])
{
    uint8_t b[16];
    uint64_t hi = rng_next(r), lo = rng_next(r);
    for (int i = 0; i < 8; i++) {
        b[i] = (uint8_t)(hi >> (56 - 8 * i));
        b[8 + i] = (uint8_t)(lo >> (56 - 8 * i));
    }
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    hub_uuid_format(b, out);
}

/* FNV-1a, to give each district its own stream. */
static uint64_t fnv1a(const char *s)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * UINT64_C(0x100000001b3);
    return h;
}

/* ------------------------------------------------------------------------------------------ */
/* Reference tables.                                                                          */

#define F_FK (1u << HUB_SCHOOL_FORSKOLEKLASS)
#define F_GR (1u << HUB_SCHOOL_GRUNDSKOLA)
#define F_AGR (1u << HUB_SCHOOL_ANPASSAD_GRUNDSKOLA)
#define F_GY (1u << HUB_SCHOOL_GYMNASIESKOLA)
#define F_AGY (1u << HUB_SCHOOL_ANPASSAD_GYMNASIESKOLA)
#define K HUB_DEMO_KOMMUNAL
#define FR HUB_DEMO_FRISTAENDE
#define ST HUB_DEMO_STATLIG

static const struct hub_demo_school schools[] = {
    /* Stockholm, kommunal huvudman */
    {"99018001", "Ekbackens skola", K, "0180", "ekbackens.skola@example.se", F_FK | F_GR},
    {"99018002", "Lärkängsskolan", K, "0180", "larkangsskolan@example.se", F_FK | F_GR},
    {"99018003", "Sjöstjärnans skola", K, "0180", "sjostjarnans.skola@example.se", F_FK | F_GR},
    {"99018004", "Tallåsens skola", K, "0180", "tallasens.skola@example.se", F_FK | F_GR},
    {"99018005", "Havsörnens skola", K, "0180", "havsornens.skola@example.se", F_FK | F_GR},
    {"99018006", "Klöverängens skola", K, "0180", "kloverangens.skola@example.se", F_FK | F_GR},
    {"99018007", "Stenhagsskolan", K, "0180", "stenhagsskolan@example.se", F_FK | F_GR},
    {"99018008", "Fyrtornets skola", K, "0180", "fyrtornets.skola@example.se", F_FK | F_GR},
    {"99018009", "Ljungdalens anpassade grundskola", K, "0180", "ljungdalens.agr@example.se",
     F_AGR},
    {"99018010", "Brunnsvikens gymnasium", K, "0180", "brunnsvikens.gymnasium@example.se", F_GY},
    {"99018011", "Fjärdens gymnasium", K, "0180", "fjardens.gymnasium@example.se", F_GY},
    {"99018012", "Mälarstrandens gymnasium", K, "0180", "malarstrandens.gymnasium@example.se",
     F_GY | F_AGY},
    /* Stockholm, fristående huvudman */
    {"99018031", "Friskolan Lyktan", FR, "0180", "info@lyktan.example.se", F_FK | F_GR},
    {"99018032", "Montessoriskolan Solrosen", FR, "0180", "info@solrosen.example.se", F_FK | F_GR},
    {"99018033", "Akademiskolan Hornstull", FR, "0180", "hornstull@akademiskolan.example.se", F_GR},
    {"99018034", "Ekoskolan Gärdet", FR, "0180", "gardet@ekoskolan.example.se", F_FK | F_GR},
    {"99018035", "Framtidsgymnasiet Kista", FR, "0180", "kista@framtidsgymnasiet.example.se", F_GY},
    {"99018036", "Lärlingsgymnasiet Söder", FR, "0180", "soder@larlingsgymnasiet.example.se", F_GY},
    /* Upplands Väsby */
    {"99011401", "Runbyskogens skola", K, "0114", "runbyskogens.skola@example.se", F_FK | F_GR},
    {"99011402", "Väsby Fyrens gymnasium", K, "0114", "fyrens.gymnasium@example.se", F_GY},
    /* Tyresö */
    {"99013801", "Strandängens skola", K, "0138", "strandangens.skola@example.se", F_FK | F_GR},
    {"99013802", "Friskolan Tyresö Hage", FR, "0138", "info@tyresohage.example.se", F_FK | F_GR},
    {"99013803", "Tyresö strands gymnasium", K, "0138", "tyreso.strand@example.se", F_GY},
    /* Solna */
    {"99018401", "Råstasjöns skola", K, "0184", "rastasjons.skola@example.se", F_FK | F_GR | F_AGR},
    {"99018402", "Friskolan Ekensberg", FR, "0184", "info@ekensberg.example.se", F_FK | F_GR},
    {"99018403", "Hagalunds gymnasium", K, "0184", "hagalunds.gymnasium@example.se", F_GY | F_AGY},
    /* Lidingö */
    {"99018601", "Kottlavikens skola", K, "0186", "kottlavikens.skola@example.se", F_FK | F_GR},
    {"99018602", "Lidingö fjärdgymnasium", K, "0186", "fjardgymnasiet@example.se", F_GY},
    /* Danderyd */
    {"99016201", "Djursholms ängsskola", K, "0162", "angsskolan@example.se", F_FK | F_GR},
    {"99016202", "Enebybergs montessoriskola", FR, "0162", "info@enebymontessori.example.se",
     F_FK | F_GR},
    {"99016203", "Ekebygymnasiet", K, "0162", "ekebygymnasiet@example.se", F_GY},
    /* Nacka */
    {"99018201", "Saltsjövikens skola", K, "0182", "saltsjovikens.skola@example.se",
     F_FK | F_GR | F_AGR},
    {"99018202", "Nacka kunskapsforum", FR, "0182", "info@kunskapsforum.example.se", F_GY},
    /* Huddinge */
    {"99012601", "Flemingsbergs dalskola", K, "0126", "dalskolan@example.se", F_FK | F_GR},
    {"99012602", "Glömstadalens gymnasium", K, "0126", "glomstadalens.gymnasium@example.se", F_GY},
    /* Botkyrka */
    {"99012701", "Tumbaskogens skola", K, "0127", "tumbaskogens.skola@example.se", F_FK | F_GR},
    {"99012702", "Fittjavikens gymnasium", K, "0127", "fittjavikens.gymnasium@example.se", F_GY},
    /* Haninge */
    {"99013601", "Vendelsö ängsskola", K, "0136", "vendelso.angsskola@example.se",
     F_FK | F_GR | F_AGR},
    {"99013602", "Dalarövikens gymnasium", K, "0136", "dalarovikens.gymnasium@example.se",
     F_GY | F_AGY},
    /* Malmö */
    {"99128001", "Möllevångens skola", K, "1280", "mollevangens.skola@example.se", F_FK | F_GR},
    {"99128002", "Friskolan Limhamnsvik", FR, "1280", "info@limhamnsvik.example.se", F_FK | F_GR},
    {"99128003", "Västra hamnens gymnasium", K, "1280", "vastrahamnen.gymnasium@example.se",
     F_GY | F_AGY},
    /* Göteborg */
    {"99148001", "Majornas skola", K, "1480", "majornas.skola@example.se", F_FK | F_GR},
    {"99148002", "Älvstrandens gymnasium", K, "1480", "alvstrandens.gymnasium@example.se", F_GY},
    /* Uppsala */
    {"99038001", "Fyrisåns skola", K, "0380", "fyrisans.skola@example.se", F_FK | F_GR | F_AGR},
    {"99038002", "Kungsängens gymnasium", K, "0380", "kungsangens.gymnasium@example.se", F_GY},
    /* Örebro */
    {"99188001", "Svartåns skola", K, "1880", "svartans.skola@example.se", F_FK | F_GR},
    {"99188002", "Hjälmarens gymnasium", K, "1880", "hjalmarens.gymnasium@example.se", F_GY},
    /* Sundsvall */
    {"99228101", "Selångerns skola", K, "2281", "selangerns.skola@example.se", F_FK | F_GR},
    {"99228102", "Norra bergets gymnasium", K, "2281", "norraberget.gymnasium@example.se", F_GY},
    /* Statens institutionsstyrelse: the schools of SiS särskilda ungdomshem */
    {"99033101", "SiS ungdomshem Tallmons skola", ST, "0331", "tallmon.skola@sis.example.se",
     F_GR | F_AGR | F_GY | F_AGY},
    {"99128201", "SiS ungdomshem Sjölidens skola", ST, "1282", "sjoliden.skola@sis.example.se",
     F_GR | F_AGR | F_GY | F_AGY},
    {"99228103", "SiS ungdomshem Norrbyns skola", ST, "2281", "norrbyn.skola@sis.example.se",
     F_GR | F_AGR | F_GY | F_AGY},
};
#define N_SCHOOLS (sizeof schools / sizeof schools[0])

#undef K
#undef FR
#undef ST

static const char *const huvudman_names[HUB_DEMO_HUVUDMAN__COUNT] = {"kommunal", "fristående",
                                                                     "statlig"};

#define KOMMUN_STOCKHOLM "0180"
static const char *const near_kommuner[] = {"0114", "0138", "0184", "0186", "0162",
                                            "0182", "0126", "0127", "0136"};
static const char *const far_kommuner[] = {"1280", "1480", "0380", "1880", "2281"};
#define N_NEAR (sizeof near_kommuner / sizeof near_kommuner[0])
#define N_FAR (sizeof far_kommuner / sizeof far_kommuner[0])

/* Placement forms in per mille, in enum hub_placement_form order. */
static const unsigned form_weights[HUB_FORM__COUNT] = {
    [HUB_FORM_JOURHEM] = 200,          [HUB_FORM_FAMILJEHEM] = 420,    [HUB_FORM_HVB] = 160,
    [HUB_FORM_STODBOENDE] = 80,        [HUB_FORM_SKYDDAT_BOENDE] = 20, [HUB_FORM_SIS] = 50,
    [HUB_FORM_BEHANDLINGSFAMILJ] = 70,
};

/* Ages at placement per form; stödboende is the only form with young adults (18-20). */
static const struct {
    int lo, hi;
} form_ages[HUB_FORM__COUNT] = {
    [HUB_FORM_JOURHEM] = {0, 17},
    [HUB_FORM_FAMILJEHEM] = {0, 17},
    [HUB_FORM_HVB] = {11, 17},
    [HUB_FORM_STODBOENDE] = {16, 20},
    [HUB_FORM_SKYDDAT_BOENDE] = {0, 17},
    [HUB_FORM_SIS] = {13, 17},
    [HUB_FORM_BEHANDLINGSFAMILJ] = {6, 17},
};
static const unsigned stodboende_age_weights[] = {3, 4, 3, 2, 1}; /* ages 16..20 */

/* Per mille of school-age children whose placement means a change of school, per form. */
static const unsigned school_change_permille[HUB_FORM__COUNT] = {
    [HUB_FORM_JOURHEM] = 600,           [HUB_FORM_FAMILJEHEM] = 870,     [HUB_FORM_HVB] = 850,
    [HUB_FORM_STODBOENDE] = 600,        [HUB_FORM_SKYDDAT_BOENDE] = 900, [HUB_FORM_SIS] = 950,
    [HUB_FORM_BEHANDLINGSFAMILJ] = 850,
};

/* Per mille of placements that change form, or end, later in the month. */
static const unsigned change_permille[HUB_FORM__COUNT] = {
    [HUB_FORM_JOURHEM] = 250,          [HUB_FORM_FAMILJEHEM] = 40,     [HUB_FORM_HVB] = 80,
    [HUB_FORM_STODBOENDE] = 30,        [HUB_FORM_SKYDDAT_BOENDE] = 30, [HUB_FORM_SIS] = 30,
    [HUB_FORM_BEHANDLINGSFAMILJ] = 30,
};
static const unsigned end_permille[HUB_FORM__COUNT] = {
    [HUB_FORM_JOURHEM] = 250,          [HUB_FORM_FAMILJEHEM] = 50,      [HUB_FORM_HVB] = 60,
    [HUB_FORM_STODBOENDE] = 60,        [HUB_FORM_SKYDDAT_BOENDE] = 300, [HUB_FORM_SIS] = 60,
    [HUB_FORM_BEHANDLINGSFAMILJ] = 50,
};

/* Legal grounds for a handover, in enum hub_legal_ground order, under SoL and under LVU. */
static const unsigned ground_weights_sol[HUB_GROUND__COUNT] = {600, 90, 170, 60, 80};
static const unsigned ground_weights_lvu[HUB_GROUND__COUNT] = {330, 100, 100, 370, 100};

struct name_pair {
    const char *shown; /* UTF-8 */
    const char *ascii; /* for the e-mail address */
};

static const struct name_pair first_names[] = {
    {"Anna", "anna"},     {"Erik", "erik"},       {"Maria", "maria"},   {"Johan", "johan"},
    {"Fatima", "fatima"}, {"Ali", "ali"},         {"Sara", "sara"},     {"Mikael", "mikael"},
    {"Eva", "eva"},       {"Ahmed", "ahmed"},     {"Karin", "karin"},   {"Lars", "lars"},
    {"Lena", "lena"},     {"Hassan", "hassan"},   {"Elin", "elin"},     {"Jonas", "jonas"},
    {"Sofia", "sofia"},   {"Mohamed", "mohamed"}, {"Ingrid", "ingrid"}, {"Peter", "peter"},
    {"Åsa", "asa"},       {"Björn", "bjorn"},     {"Leila", "leila"},   {"Daniel", "daniel"},
    {"Hanna", "hanna"},   {"Amir", "amir"},       {"Linnea", "linnea"}, {"Oskar", "oskar"},
    {"Malin", "malin"},   {"Göran", "goran"},     {"Yasmin", "yasmin"}, {"Tove", "tove"},
};
static const struct name_pair last_names[] = {
    {"Andersson", "andersson"}, {"Johansson", "johansson"}, {"Karlsson", "karlsson"},
    {"Nilsson", "nilsson"},     {"Eriksson", "eriksson"},   {"Larsson", "larsson"},
    {"Olsson", "olsson"},       {"Persson", "persson"},     {"Svensson", "svensson"},
    {"Lindberg", "lindberg"},   {"Lindqvist", "lindqvist"}, {"Holm", "holm"},
    {"Sandberg", "sandberg"},   {"Forsberg", "forsberg"},   {"Åberg", "aberg"},
    {"Lundgren", "lundgren"},   {"Öberg", "oberg"},         {"Hussein", "hussein"},
    {"Mohammadi", "mohammadi"}, {"Yilmaz", "yilmaz"},       {"Nguyen", "nguyen"},
    {"Abdi", "abdi"},           {"Kowalski", "kowalski"},   {"Rahimi", "rahimi"},
    {"Sjöberg", "sjoberg"},     {"Bergström", "bergstrom"}, {"Söderlund", "soderlund"},
};
#define N_FIRST (sizeof first_names / sizeof first_names[0])
#define N_LAST (sizeof last_names / sizeof last_names[0])

/* For --with-content. */
static const char *const needs_list[] = {
    "extra anpassningar i matematik",      "läs- och skrivstöd",
    "särskilt stöd enligt åtgärdsprogram", "anpassad studiegång",
    "studiehandledning på modersmålet",    "behov av trygg vuxen i skolan",
    "hög frånvaro senaste terminen",
};
static const char *const languages_list[] = {"arabiska", "somaliska", "dari",    "tigrinja",
                                             "persiska", "polska",    "engelska"};
#define N_NEEDS (sizeof needs_list / sizeof needs_list[0])
#define N_LANGUAGES (sizeof languages_list / sizeof languages_list[0])

/* ------------------------------------------------------------------------------------------ */
/* The generator's working state.                                                             */

struct contact {
    size_t first, last; /* into first_names, last_names */
    bool coordinator;   /* skolsamordnare, else socialsekreterare */
    char phone[16];     /* "08-508 123 45" */
};

struct handover {
    bool present;
    char id[HUB_UUID_STR_LEN];
    const struct hub_demo_school *receiving, *sending; /* sending may be NULL */
    int32_t planned;
    enum hub_legal_ground ground;
    size_t contact; /* into gen.contacts; a contact change may replace it */
    uint64_t content_seed;
    int64_t at; /* local moment, minutes; set when the event is placed */
};

/* The follow-up of schooling at an early review of the placement (issue 19). */
struct follow_up {
    bool present;
    int32_t review;
    enum hub_fu_school_form form;
    int grade;
    enum hub_attendance attendance;
    enum hub_goals goals;
    bool has_eligible, eligible, has_on_track, on_track;
};

struct child {
    const struct hub_district *district; /* where the placement was decided */
    char pnr[PNR_STR];
    int age;
    int grade; /* school year at placement: 0 förskoleklass, 1-9, 10-12 gymnasium; else none */
    enum hub_school_form school_form;
    char placement_id[HUB_UUID_STR_LEN];
    enum hub_legal_basis basis, new_basis;
    enum hub_placement_form form, new_form;
    int32_t start, change, end;
    bool coordination; /* samordningsnummer */
    bool has_change, has_end, school_change, show_municipality;
    const char *municipality;
    size_t contact;
    struct handover in, back;
    bool has_school_start;
    int32_t school_start;
    const struct hub_demo_school *school_start_unit;
    struct follow_up fu; /* with --follow-ups */
};

enum demo_kind {
    K_STARTED,
    K_HANDOVER_IN,
    K_SCHOOL_START,
    K_CHANGED,
    K_ENDED,
    K_HANDOVER_BACK,
    K_CONTACT_CHANGE,
    K_FOLLOW_UP,
};

struct demo_event {
    int64_t utc_ms; /* occurred_at */
    int64_t local;  /* Stockholm wall clock, minutes since 1970-01-01T00:00 */
    size_t seq;     /* generation order: breaks ties, so sorting is deterministic */
    enum demo_kind kind;
    size_t ref; /* child or contact change index */
    const struct hub_district *district;
    char event_id[HUB_UUID_STR_LEN];
};

struct contact_change {
    const struct hub_district *district;
    size_t old_contact, new_contact;
    int32_t effective;
    int64_t at;
    size_t n_units, n_placements;
    const char *units[HUB_SCOPE_MAX];
    const char *placements[HUB_SCOPE_MAX];
};

struct span {
    const struct hub_district *district;
    int32_t from, to; /* the days of the month the district is valid */
};

struct gen {
    const struct hub_demo_options *opt;
    const hub_districts_t *districts;
    int32_t month_first, month_last, horizon;
    struct span *spans;
    size_t n_spans;
    struct child *children;
    size_t n_children;
    struct contact *contacts;
    size_t n_contacts, cap_contacts;
    struct demo_event *events;
    size_t n_events, cap_events;
    struct contact_change *changes;
    size_t n_changes;
    uint64_t *pnr_set; /* open addressing; 0 = empty */
    size_t pnr_set_cap;
};

/* ------------------------------------------------------------------------------------------ */
/* Dates and moments.                                                                         */

static int32_t day_of(int y, int m, int d)
{
    struct hub_date dt = {y, m, d};
    return hub_date_to_days(&dt);
}

/* 0 = Monday (1970-01-01 was a Thursday). */
static int weekday(int32_t day)
{
    int w = (int)((day + 3) % 7);
    return w < 0 ? w + 7 : w;
}

/* The first day on or after `day` that school is open: not a weekend, not the summer break
 * (12 June - 17 August) nor the Christmas break (21 December - 7 January). */
static int32_t school_day_from(int32_t day)
{
    for (int guard = 0; guard < 4; guard++) {
        struct hub_date d;
        hub_days_to_date(day, &d);
        if ((d.month == 6 && d.day >= 12) || d.month == 7 || (d.month == 8 && d.day <= 17))
            day = day_of(d.year, 8, 18);
        else if (d.month == 12 && d.day >= 21)
            day = day_of(d.year + 1, 1, 8);
        else if (d.month == 1 && d.day <= 7)
            day = day_of(d.year, 1, 8);
        int w = weekday(day);
        if (w >= 5)
            day += 7 - w;
    }
    return day;
}

static int64_t moment(int32_t day, int minute)
{
    return (int64_t)day * MINUTES_PER_DAY + minute;
}

static int32_t moment_day(int64_t m)
{
    int64_t d = m / MINUTES_PER_DAY;
    if (m % MINUTES_PER_DAY < 0)
        d--;
    return (int32_t)d;
}

/* The UTC instant of a Stockholm wall-clock time outside the DST switch hours. */
static int64_t stockholm_to_utc_ms(int64_t local_minutes)
{
    int64_t local_ms = local_minutes * MS_PER_MINUTE;
    for (int off = 60; off <= 120; off += 60) {
        int64_t utc = local_ms - off * MS_PER_MINUTE;
        if (hub_stockholm_utc_offset_minutes(utc) == off)
            return utc;
    }
    return local_ms - 60 * MS_PER_MINUTE;
}

/* Writes `v` as exactly `width` decimal digits (zero-padded) at `p`; returns the end. */
static char *put_digits(char *p, unsigned v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

static char *put_date(char *p, int32_t day)
{
    struct hub_date d;
    hub_days_to_date(day, &d);
    p = put_digits(p, (unsigned)d.year, 4);
    *p++ = '-';
    p = put_digits(p, (unsigned)d.month, 2);
    *p++ = '-';
    return put_digits(p, (unsigned)d.day, 2);
}

/* "YYYY-MM-DD" of `day` into `buf` (HUB_DATE_ISO_LEN bytes). */
static void format_date(int32_t day, char buf[HUB_DATE_ISO_LEN])
{
    *put_date(buf, day) = '\0';
}

/* RFC 3339 with the Stockholm offset in force at `utc_ms`: "2026-03-02T09:15:00+01:00". */
static void format_occurred(int64_t utc_ms, char buf[32])
{
    int off = hub_stockholm_utc_offset_minutes(utc_ms);
    int64_t local = utc_ms / MS_PER_MINUTE + off;
    int32_t day = moment_day(local);
    int minute = (int)(local - (int64_t)day * MINUTES_PER_DAY);
    char *p = put_date(buf, day);
    *p++ = 'T';
    p = put_digits(p, (unsigned)(minute / 60), 2);
    *p++ = ':';
    p = put_digits(p, (unsigned)(minute % 60), 2);
    *p++ = ':';
    p = put_digits(p, 0, 2);
    *p++ = off >= 0 ? '+' : '-';
    p = put_digits(p, (unsigned)(abs(off) / 60), 2);
    *p++ = ':';
    p = put_digits(p, (unsigned)(abs(off) % 60), 2);
    *p = '\0';
}

/* ------------------------------------------------------------------------------------------ */
/* Schools.                                                                                   */

/* A random school offering `form` in `kommun` (any kommun when NULL) with huvudman statlig
 * only when `state` is set, else never; NULL when there is none. `not` is excluded. */
static const struct hub_demo_school *pick_school(struct rng *r, enum hub_school_form form,
                                                 const char *kommun, bool state,
                                                 const struct hub_demo_school * not )
{
    size_t n = 0;
    for (size_t i = 0; i < N_SCHOOLS; i++) {
        const struct hub_demo_school *s = &schools[i];
        if ((s->forms & (1u << form)) && (s->huvudman == HUB_DEMO_STATLIG) == state &&
            (!kommun || strcmp(s->kommun, kommun) == 0) && s != not )
            n++;
    }
    if (n == 0)
        return NULL;
    uint32_t k = rng_below(r, (uint32_t)n);
    for (size_t i = 0; i < N_SCHOOLS; i++) {
        const struct hub_demo_school *s = &schools[i];
        if ((s->forms & (1u << form)) && (s->huvudman == HUB_DEMO_STATLIG) == state &&
            (!kommun || strcmp(s->kommun, kommun) == 0) && s != not &&k-- == 0)
            return s;
    }
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Growing arrays.                                                                            */

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap * 2 : 256;
    while (n < need)
        n *= 2;
    void *p = realloc(*arr, n * elem);
    if (!p)
        return HUB_ENOMEM;
    *arr = p;
    *cap = n;
    return 0;
}

static int add_contact(struct gen *g, struct rng *r, bool coordinator, size_t *out)
{
    void *arr = g->contacts;
    if (grow(&arr, &g->cap_contacts, g->n_contacts + 1, sizeof *g->contacts) != 0)
        return HUB_ENOMEM;
    g->contacts = arr;
    struct contact c;
    memset(&c, 0, sizeof c);
    for (int tries = 0; tries < 64; tries++) { /* names are unique among contacts */
        bool taken = false;
        c.first = rng_below(r, (uint32_t)N_FIRST);
        c.last = rng_below(r, (uint32_t)N_LAST);
        for (size_t i = 0; i < g->n_contacts && !taken; i++)
            taken = g->contacts[i].first == c.first && g->contacts[i].last == c.last;
        if (!taken)
            break;
    }
    c.coordinator = coordinator;
    char *p = c.phone;
    memcpy(p, "08-508 ", 7);
    p = put_digits(p + 7, rng_below(r, 1000), 3);
    *p++ = ' ';
    p = put_digits(p, rng_below(r, 100), 2);
    *p = '\0';
    *out = g->n_contacts;
    g->contacts[g->n_contacts++] = c;
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Children.                                                                                  */

static bool pnr_set_insert(struct gen *g, uint64_t key)
{
    size_t mask = g->pnr_set_cap - 1;
    size_t i = (size_t)(key * UINT64_C(0x9e3779b97f4a7c15) >> 20) & mask;
    while (g->pnr_set[i]) {
        if (g->pnr_set[i] == key)
            return false;
        i = (i + 1) & mask;
    }
    g->pnr_set[i] = key;
    return true;
}

/* A synthetic personnummer (or samordningsnummer) for a child born on `birth`, unique in the
 * output, written in one of the accepted forms. */
static void make_pnr(struct gen *g, struct rng *r, int32_t birth, bool coordination, bool male,
                     char out[PNR_STR])
{
    struct hub_date d;
    char ten[11];
    hub_days_to_date(birth, &d);
    int day = d.day + (coordination ? 60 : 0);
    for (;;) {
        char *p = ten;
        p = put_digits(p, (unsigned)(d.year % 100), 2);
        p = put_digits(p, (unsigned)d.month, 2);
        p = put_digits(p, (unsigned)day, 2);
        p = put_digits(p, rng_below(r, 100), 2);
        p = put_digits(p, rng_below(r, 5) * 2 + (male ? 1u : 0u), 1);
        *p = (char)('0' + hub_pnr_luhn_digit(ten));
        ten[10] = '\0';
        uint64_t key = (uint64_t)d.year * 10000000000u + strtoull(ten, NULL, 10) % 10000000000u;
        if (pnr_set_insert(g, key + 1))
            break;
    }
    /* Most systems write 12 digits with a hyphen; some without; a few the 10-digit form. */
    uint32_t style = rng_below(r, 100);
    char *p = out;
    if (style < 15 && d.year >= 2000) {
        memcpy(p, ten, 6);
        p[6] = '-';
        memcpy(p + 7, ten + 6, 4);
        p[11] = '\0';
        return;
    }
    p = put_digits(p, (unsigned)(d.year / 100), 2);
    memcpy(p, ten, 6);
    p += 6;
    if (style < 85)
        *p++ = '-';
    memcpy(p, ten + 6, 4);
    p[4] = '\0';
}

static enum hub_legal_ground draw_ground(struct rng *r, enum hub_legal_basis basis, int age)
{
    const unsigned *w = basis == HUB_BASIS_LVU ? ground_weights_lvu : ground_weights_sol;
    enum hub_legal_ground gr = (enum hub_legal_ground)rng_weighted(r, w, HUB_GROUND__COUNT);
    if (age >= 18 &&
        (gr == HUB_GROUND_CONSENT_GUARDIAN || gr == HUB_GROUND_CONSENT_GUARDIAN_AND_CHILD))
        return HUB_GROUND_CONSENT_CHILD; /* an adult consents alone */
    if (gr == HUB_GROUND_CONSENT_CHILD && age < 15)
        gr = HUB_GROUND_CONSENT_GUARDIAN_AND_CHILD;
    if (gr == HUB_GROUND_CONSENT_GUARDIAN_AND_CHILD && age < 12)
        gr = HUB_GROUND_CONSENT_GUARDIAN;
    return gr;
}

static const char *draw_municipality(struct rng *r, enum hub_placement_form form)
{
    unsigned w[3] = {450, 400, 150}; /* Stockholm, neighbours, elsewhere in Sweden */
    if (form == HUB_FORM_HVB || form == HUB_FORM_BEHANDLINGSFAMILJ) {
        w[0] = 250;
        w[2] = 350;
    } else if (form == HUB_FORM_SKYDDAT_BOENDE) {
        w[0] = 200;
        w[1] = 500;
        w[2] = 300;
    } else if (form == HUB_FORM_JOURHEM) {
        w[0] = 600;
        w[1] = 350;
        w[2] = 50;
    }
    switch (rng_weighted(r, w, 3)) {
    case 0:
        return KOMMUN_STOCKHOLM;
    case 1:
        return near_kommuner[rng_below(r, (uint32_t)N_NEAR)];
    default:
        return far_kommuner[rng_below(r, (uint32_t)N_FAR)];
    }
}

/* The form a placement changes to, given the one it had. */
static enum hub_placement_form draw_new_form(struct rng *r, enum hub_placement_form from, int age)
{
    switch (from) {
    case HUB_FORM_JOURHEM: {
        static const unsigned w[] = {70, 15, 15};
        static const enum hub_placement_form to[] = {HUB_FORM_FAMILJEHEM, HUB_FORM_HVB,
                                                     HUB_FORM_BEHANDLINGSFAMILJ};
        enum hub_placement_form f = to[rng_weighted(r, w, 3)];
        return (age < 11 && f == HUB_FORM_HVB) ? HUB_FORM_FAMILJEHEM : f;
    }
    case HUB_FORM_HVB:
        if (rng_permille(r, 500) && age >= 13)
            return HUB_FORM_SIS;
        return age >= 16 ? HUB_FORM_STODBOENDE : HUB_FORM_FAMILJEHEM;
    case HUB_FORM_FAMILJEHEM:
        return age >= 11 && rng_permille(r, 400) ? HUB_FORM_HVB : HUB_FORM_BEHANDLINGSFAMILJ;
    default:
        return age >= 11 ? HUB_FORM_HVB : HUB_FORM_FAMILJEHEM;
    }
}

/* Days from placement to planned school start: long-tailed, a few before the placement. */
static int32_t draw_school_delay(struct rng *r, bool *never)
{
    static const unsigned w[] = {40, 100, 640, 140, 80};
    *never = false;
    switch (rng_weighted(r, w, 5)) {
    case 0:
        return -rng_range(r, 1, 7);
    case 1:
        return rng_range(r, 0, 2);
    case 2:
        return rng_range(r, 3, 14);
    case 3:
        return rng_range(r, 15, 60);
    default:
        *never = true;
        return rng_range(r, 3, 30);
    }
}

/* Plans the schooling of a child whose placement means a school change. */
static void plan_school(struct gen *g, struct rng *r, struct child *c)
{
    bool never;
    int32_t delay = draw_school_delay(r, &never);
    const char *kommun = c->municipality;
    bool state = c->form == HUB_FORM_SIS;

    struct handover *h = &c->in;
    h->receiving = pick_school(r, c->school_form, state ? NULL : kommun, state, NULL);
    if (!h->receiving) /* no such school there: a Stockholm one (pupils do commute) */
        h->receiving = pick_school(r, c->school_form, KOMMUN_STOCKHOLM, false, NULL);
    if (state && h->receiving)
        c->municipality = h->receiving->kommun;
    /* Most children come from a Stockholm school; the newly arrived have none to name. */
    if (!c->coordination && rng_permille(r, 850))
        h->sending = pick_school(r, c->school_form, KOMMUN_STOCKHOLM, false, h->receiving);
    h->ground = draw_ground(r, c->basis, c->age);
    h->contact = c->contact;
    h->content_seed = rng_next(r);
    rng_uuid(r, h->id);

    int32_t planned = c->start + delay;
    if (planned < g->month_first)
        planned = g->month_first;
    planned = school_day_from(planned);
    h->planned = planned;

    /* The handover comes a few days before school start, after the placement unless school
     * starts first. Later than the window: not yet made. */
    int32_t lead = rng_range(r, 1, 7);
    int32_t hday = planned - lead;
    if (planned > c->start && hday < c->start)
        hday = c->start;
    if (hday < g->month_first)
        hday = g->month_first;
    if (hday > planned)
        hday = planned;
    bool handover_made = planned <= g->horizon && !(never && rng_permille(r, 500));
    h->present = handover_made;
    h->at = moment(hday, 0);

    int32_t actual = planned;
    if (rng_permille(r, 200))
        actual = school_day_from(planned + rng_range(r, 1, 10));
    c->school_start_unit = h->receiving;
    if (rng_permille(r, 50)) { /* plans changed: another school of the same kind */
        const struct hub_demo_school *other = pick_school(
            r, c->school_form, h->receiving ? h->receiving->kommun : NULL, state, h->receiving);
        if (other)
            c->school_start_unit = other;
    }
    c->has_school_start = !never && actual <= g->horizon && c->school_start_unit;
    c->school_start = actual;
    if (!h->receiving)
        h->present = false;
}

static int add_event(struct gen *g, enum demo_kind kind, size_t ref, int64_t local,
                     const struct hub_district *district, struct rng *r)
{
    void *arr = g->events;
    if (grow(&arr, &g->cap_events, g->n_events + 1, sizeof *g->events) != 0)
        return HUB_ENOMEM;
    g->events = arr;
    struct demo_event *e = &g->events[g->n_events];
    memset(e, 0, sizeof *e);
    e->local = local;
    e->utc_ms = stockholm_to_utc_ms(local);
    e->seq = g->n_events;
    e->kind = kind;
    e->ref = ref;
    e->district = district;
    rng_uuid(r, e->event_id);
    g->n_events++;
    return 0;
}

/* A time of day, in minutes, for an event of `kind`. */
static int draw_minute(struct rng *r, enum demo_kind kind, enum hub_placement_form form)
{
    switch (kind) {
    case K_STARTED:
        if ((form == HUB_FORM_JOURHEM || form == HUB_FORM_SKYDDAT_BOENDE) && rng_permille(r, 250))
            return rng_range(r, 17 * 60, 22 * 60 - 1); /* emergency placement, evening */
        return rng_range(r, 8 * 60, 17 * 60 - 1);
    case K_SCHOOL_START:
        return rng_range(r, 8 * 60, 10 * 60 - 1);
    default:
        return rng_range(r, 8 * 60 + 30, 16 * 60 + 30);
    }
}

struct chain_item {
    int32_t day; /* the earliest day the event may occur */
    int rank;    /* order on the same day */
    enum demo_kind kind;
};

static int cmp_chain(const void *a, const void *b)
{
    const struct chain_item *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return (x->rank > y->rank) - (x->rank < y->rank);
}

/* Lag in days between what happened and when it was registered. */
static int32_t draw_lag(struct rng *r, enum demo_kind kind)
{
    uint32_t x = rng_below(r, 100);
    switch (kind) {
    case K_STARTED:
        return x < 70 ? 0 : x < 90 ? 1 : rng_range(r, 2, 3);
    case K_SCHOOL_START:
        return x < 60 ? 0 : x < 95 ? rng_range(r, 1, 3) : rng_range(r, 4, 7);
    case K_ENDED:
        return x < 70 ? 0 : rng_range(r, 1, 2);
    case K_CHANGED:
        return x < 80 ? 0 : 1;
    default:
        return 0;
    }
}

/* Puts the child's events in order and gives each a moment no earlier than the one before. */
static int place_child_events(struct gen *g, struct rng *r, size_t ci)
{
    struct child *c = &g->children[ci];
    struct chain_item chain[CHAIN_MAX];
    size_t n = 0;

    chain[n++] = (struct chain_item){c->start + draw_lag(r, K_STARTED), 0, K_STARTED};
    if (c->in.present)
        chain[n++] = (struct chain_item){moment_day(c->in.at), 1, K_HANDOVER_IN};
    if (c->has_school_start)
        chain[n++] =
            (struct chain_item){c->school_start + draw_lag(r, K_SCHOOL_START), 2, K_SCHOOL_START};
    if (c->has_change)
        chain[n++] = (struct chain_item){c->change + draw_lag(r, K_CHANGED), 3, K_CHANGED};
    if (c->has_end)
        chain[n++] = (struct chain_item){c->end + draw_lag(r, K_ENDED), 4, K_ENDED};
    if (c->back.present)
        chain[n++] = (struct chain_item){moment_day(c->back.at), 5, K_HANDOVER_BACK};
    qsort(chain, n, sizeof chain[0], cmp_chain);

    int64_t prev = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        int64_t m = moment(chain[i].day, draw_minute(r, chain[i].kind, c->form));
        if (prev != INT64_MIN && m <= prev) {
            /* Later the same day (never the next: an event stays on the day it was due). */
            m = prev + rng_range(r, 5, 90);
            if (m >= moment(moment_day(prev), LATEST_MINUTE))
                m = prev + 1;
        }
        prev = m;
        int32_t day = moment_day(m);
        const struct hub_district *dist =
            hub_districts_current(g->districts, c->district->code, day);
        bool keep = day <= g->horizon && dist;
        switch (chain[i].kind) {
        case K_HANDOVER_IN:
            c->in.at = m;
            c->in.present = keep;
            break;
        case K_HANDOVER_BACK:
            c->back.at = m;
            c->back.present = keep;
            break;
        default:
            break;
        }
        if (!keep)
            continue;
        if (add_event(g, chain[i].kind, ci, m, dist, r) != 0)
            return HUB_ENOMEM;
    }
    return 0;
}

static int make_child(struct gen *g, struct rng *r, const struct span *sp, size_t first_contact,
                      size_t ci)
{
    struct child *c = &g->children[ci];
    memset(c, 0, sizeof *c);
    c->district = sp->district;
    c->form = (enum hub_placement_form)rng_weighted(r, form_weights, HUB_FORM__COUNT);
    if (c->form == HUB_FORM_STODBOENDE)
        c->age = 16 + (int)rng_weighted(r, stodboende_age_weights, 5);
    else
        c->age = rng_range(r, form_ages[c->form].lo, form_ages[c->form].hi);
    c->start = rng_range(r, sp->from, sp->to);

    /* Born `age` years before the start, less up to a year (at least two weeks). */
    struct hub_date sd, bd;
    hub_days_to_date(c->start, &sd);
    bd.year = sd.year - c->age;
    bd.month = sd.month;
    bd.day = sd.day > hub_date_days_in_month(bd.year, bd.month)
                 ? hub_date_days_in_month(bd.year, bd.month)
                 : sd.day;
    int32_t birth = hub_date_to_days(&bd) - rng_range(r, c->age == 0 ? 14 : 0, 364);
    c->coordination = rng_permille(r, c->form == HUB_FORM_HVB ? 150 : 50);
    bool male = rng_permille(r, c->form == HUB_FORM_HVB || c->form == HUB_FORM_SIS ? 650 : 520);
    make_pnr(g, r, birth, c->coordination, male, c->pnr);
    hub_days_to_date(birth, &bd);

    c->basis = HUB_BASIS_SOL;
    if (c->form == HUB_FORM_SIS || (c->age < 18 && rng_permille(r, 263)))
        c->basis = HUB_BASIS_LVU;
    c->new_basis = c->basis;
    c->new_form = c->form;

    /* Swedish school years follow the calendar year of birth; the year starts in August. */
    int school_year = sd.month >= 8 ? sd.year : sd.year - 1;
    c->grade = school_year - bd.year - 6;
    bool school_age = c->grade >= 0 && c->grade <= 12;
    if (c->grade == 0)
        c->school_form = HUB_SCHOOL_FORSKOLEKLASS;
    else if (c->grade <= 9)
        c->school_form =
            rng_permille(r, 60) ? HUB_SCHOOL_ANPASSAD_GRUNDSKOLA : HUB_SCHOOL_GRUNDSKOLA;
    else
        c->school_form =
            rng_permille(r, 50) ? HUB_SCHOOL_ANPASSAD_GYMNASIESKOLA : HUB_SCHOOL_GYMNASIESKOLA;
    c->school_change = school_age && rng_permille(r, school_change_permille[c->form]);
    c->municipality = draw_municipality(r, c->form);
    c->show_municipality = rng_permille(r, 850);
    /* Handovers name a skolsamordnare (60 %) or the child's socialsekreterare. */
    if (rng_permille(r, 600))
        c->contact = first_contact + rng_below(r, COORDINATORS_PER_DISTRICT);
    else
        c->contact = first_contact + COORDINATORS_PER_DISTRICT +
                     rng_below(r, CONTACTS_PER_DISTRICT - COORDINATORS_PER_DISTRICT);
    rng_uuid(r, c->placement_id);

    /* Later in the month: a change of form, an end (after the change, if any). */
    if (c->age < 18 && c->start < g->month_last && rng_permille(r, change_permille[c->form])) {
        c->has_change = true;
        c->change = rng_range(r, c->start + 1, g->month_last);
        c->new_form = draw_new_form(r, c->form, c->age);
        if (c->new_form == HUB_FORM_SIS)
            c->new_basis = HUB_BASIS_LVU;
    }
    if (rng_permille(r, end_permille[c->form])) {
        int32_t from = c->has_change ? c->change + 1 : c->start;
        if (from <= g->month_last) {
            c->has_end = true;
            c->end = rng_range(r, from, g->month_last);
        }
    }

    if (c->school_change)
        plan_school(g, r, c);
    if (c->has_end) {
        if (c->in.present && moment_day(c->in.at) > c->end)
            c->in.present = false; /* went home before the handover was made */
        if (c->has_school_start && c->school_start > c->end)
            c->has_school_start = false;
    }
    /* Home again after attending school in the placement: a handover back (seed 003). */
    if (c->has_end && c->has_school_start && rng_permille(r, 700)) {
        struct handover *b = &c->back;
        b->receiving = c->in.sending ? c->in.sending
                                     : pick_school(r, c->school_form, KOMMUN_STOCKHOLM, false,
                                                   c->school_start_unit);
        b->sending = c->school_start_unit;
        b->ground = draw_ground(r, c->new_basis, c->age);
        b->contact = c->contact;
        b->content_seed = rng_next(r);
        rng_uuid(r, b->id);
        b->planned = school_day_from(c->end + rng_range(r, 1, 5));
        int32_t bday = c->end - rng_range(r, 0, 3);
        if (bday < c->school_start)
            bday = c->school_start;
        b->at = moment(bday, 0);
        b->present = b->receiving && b->receiving != b->sending && b->planned <= g->horizon;
    }
    return place_child_events(g, r, ci);
}

/* ------------------------------------------------------------------------------------------ */
/* Follow-ups of schooling.                                                                   */

/* Attendance bands (from_90 .. unknown) by how settled the placement is. */
static const unsigned attendance_family[HUB_ATT__COUNT] = {520, 200, 150, 80, 50};
static const unsigned attendance_institution[HUB_ATT__COUNT] = {300, 220, 220, 190, 70};

/* A child of school age in grundskola or gymnasieskola gets one follow-up, at a review one to
 * six weeks after the placement started (before it ended), registered the day after, when that
 * falls within the window. Drawn from a stream of its own, so the other events are the same
 * bytes with and without --follow-ups. */
static int make_follow_up(struct gen *g, size_t ci)
{
    struct child *c = &g->children[ci];
    struct follow_up *f = &c->fu;
    struct rng r;
    bool institution = c->form == HUB_FORM_HVB || c->form == HUB_FORM_SIS;

    memset(f, 0, sizeof *f);
    if (c->grade < 1 || c->grade > 12 ||
        (c->school_form != HUB_SCHOOL_GRUNDSKOLA && c->school_form != HUB_SCHOOL_GYMNASIESKOLA))
        return 0;
    rng_seed(&r, stream_seed(g->opt, fnv1a(c->placement_id)));
    int32_t review = school_day_from(c->start + rng_range(&r, 7, 42));
    int32_t last = c->has_end ? c->end : g->horizon - 1;
    if (review > last || review + 1 > g->horizon)
        return 0;
    f->present = true;
    f->review = review;
    f->form = c->school_form == HUB_SCHOOL_GRUNDSKOLA ? HUB_FU_GRUNDSKOLA : HUB_FU_GYMNASIESKOLA;
    f->grade = f->form == HUB_FU_GRUNDSKOLA ? c->grade : c->grade - 9;
    f->attendance = (enum hub_attendance)rng_weighted(
        &r, institution ? attendance_institution : attendance_family, HUB_ATT__COUNT);
    /* Grades from year 6; before that most reviews have no assessment in every subject. */
    unsigned reach = institution ? 450 : c->form == HUB_FORM_FAMILJEHEM ? 720 : 600;
    if (f->attendance == HUB_ATT_UNDER_50)
        reach /= 2;
    if (f->form == HUB_FU_GRUNDSKOLA && f->grade < 6 && rng_permille(&r, 600))
        f->goals = HUB_GOALS_NOT_ASSESSED;
    else
        f->goals = rng_permille(&r, reach) ? HUB_GOALS_REACHED : HUB_GOALS_NOT_REACHED;
    if (f->form == HUB_FU_GRUNDSKOLA && f->grade == 9 && rng_permille(&r, 900)) {
        f->has_eligible = true;
        f->eligible = rng_permille(&r, f->goals == HUB_GOALS_REACHED ? 950 : 350);
    }
    if (f->form == HUB_FU_GYMNASIESKOLA && rng_permille(&r, 850)) {
        f->has_on_track = true;
        f->on_track = rng_permille(&r, 550);
    }
    int64_t m = moment(review + 1, rng_range(&r, 9 * 60, 16 * 60));
    const struct hub_district *dist =
        hub_districts_current(g->districts, c->district->code, review + 1);
    if (!dist) {
        f->present = false;
        return 0;
    }
    return add_event(g, K_FOLLOW_UP, ci, m, dist, &r);
}

/* ------------------------------------------------------------------------------------------ */
/* Contact changes.                                                                           */

static void scope_add(const char **list, size_t *n, const char *v)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(list[i], v) == 0)
            return;
    if (*n < HUB_SCOPE_MAX)
        list[(*n)++] = v;
}

/* Applies a change of contact at moment `at`: handovers before it are named in the event,
 * later ones already carry the new contact. */
static void apply_contact_change(struct gen *g, struct contact_change *cc)
{
    for (size_t i = 0; i < g->n_children; i++) {
        struct child *c = &g->children[i];
        struct handover *hs[2] = {&c->in, &c->back};
        for (int k = 0; k < 2; k++) {
            struct handover *h = hs[k];
            if (!h->present || h->contact != cc->old_contact)
                continue;
            if (h->at < cc->at) {
                scope_add(cc->units, &cc->n_units, h->receiving->unit);
                scope_add(cc->placements, &cc->n_placements, c->placement_id);
            } else {
                h->contact = cc->new_contact;
            }
        }
    }
}

/* Whether contact `ci` made a handover before moment `at`. */
static bool contact_used_before(const struct gen *g, size_t ci, int64_t at)
{
    for (size_t i = 0; i < g->n_children; i++) {
        const struct child *c = &g->children[i];
        if ((c->in.present && c->in.contact == ci && c->in.at < at) ||
            (c->back.present && c->back.contact == ci && c->back.at < at))
            return true;
    }
    return false;
}

static int make_contact_changes(struct gen *g, const size_t *first_contact)
{
    for (size_t s = 0; s < g->n_spans; s++) {
        const struct span *sp = &g->spans[s];
        struct rng r;
        rng_seed(&r, stream_seed(g->opt, fnv1a(sp->district->code)) ^ UINT64_C(0x636f6e74616374));
        if (!rng_permille(&r, CONTACT_CHANGE_PERMILLE))
            continue;
        int32_t lo = sp->from + 4 > sp->to ? sp->from : sp->from + 4;
        int32_t day = school_day_from(rng_range(&r, lo, sp->to));
        if (day > sp->to || day > g->month_last)
            continue;
        int64_t at = moment(day, rng_range(&r, 8 * 60, 10 * 60));
        uint32_t off = rng_below(&r, CONTACTS_PER_DISTRICT);
        size_t old = SIZE_MAX;
        for (size_t k = 0; k < CONTACTS_PER_DISTRICT && old == SIZE_MAX; k++) {
            size_t ci = first_contact[s] + (off + k) % CONTACTS_PER_DISTRICT;
            if (contact_used_before(g, ci, at))
                old = ci;
        }
        if (old == SIZE_MAX)
            continue; /* nobody to tell */
        struct contact_change cc;
        memset(&cc, 0, sizeof cc);
        cc.district = sp->district;
        cc.old_contact = old;
        if (add_contact(g, &r, g->contacts[old].coordinator, &cc.new_contact) != 0)
            return HUB_ENOMEM;
        cc.effective = day;
        cc.at = at;
        const struct hub_district *dist =
            hub_districts_current(g->districts, sp->district->code, day);
        if (!dist)
            continue;
        apply_contact_change(g, &cc);
        g->changes[g->n_changes] = cc;
        if (add_event(g, K_CONTACT_CHANGE, g->n_changes, at, dist, &r) != 0)
            return HUB_ENOMEM;
        g->n_changes++;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Output.                                                                                    */

/* Writes `s` as a JSON string (quoted, escaped; UTF-8 passed through). */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            fputc('\\', f);
            fputc(ch, f);
        } else if (ch < 0x20) {
            fprintf(f, "\\u%04x", ch);
        } else {
            fputc(ch, f);
        }
    }
    fputc('"', f);
}

static void json_field(FILE *f, const char *name, const char *value)
{
    fprintf(f, ",\"%s\":", name);
    json_str(f, value);
}

static void json_date(FILE *f, const char *name, int32_t day)
{
    char buf[HUB_DATE_ISO_LEN];
    format_date(day, buf);
    json_field(f, name, buf);
}

static void json_contact(FILE *f, const char *name, const struct gen *g, size_t ci)
{
    const struct contact *c = &g->contacts[ci];
    const struct name_pair *fn = &first_names[c->first], *ln = &last_names[c->last];
    fprintf(f, ",\"%s\":{\"name\":\"", name);
    fprintf(f, "%s %s\",\"role\":", fn->shown, ln->shown);
    json_str(f, c->coordinator ? "skolsamordnare" : "socialsekreterare");
    json_field(f, "phone", c->phone);
    fprintf(f, ",\"email\":\"%s.%s@example.se\"}", fn->ascii, ln->ascii);
}

static void write_content(FILE *f, const struct child *c, const struct handover *h)
{
    struct rng r;
    rng_seed(&r, h->content_seed);
    char grade[8];
    if (c->grade == 0)
        memcpy(grade, "F", 2);
    else if (c->grade <= 9)
        *put_digits(grade, (unsigned)c->grade, 1) = '\0';
    else {
        memcpy(grade, "gy", 2);
        *put_digits(grade + 2, (unsigned)(c->grade - 9), 1) = '\0';
    }
    fprintf(f, ",\"content\":{\"grade\":\"%s\",\"needs\":[", grade);
    uint32_t n_needs = rng_below(&r, 3);
    uint32_t first = rng_below(&r, (uint32_t)N_NEEDS);
    for (uint32_t i = 0; i < n_needs; i++) {
        if (i)
            fputc(',', f);
        json_str(f, needs_list[(first + i * 3) % N_NEEDS]);
    }
    fputs("],\"languages\":[\"svenska\"", f);
    if (rng_permille(&r, 300)) {
        fputc(',', f);
        json_str(f, languages_list[rng_below(&r, (uint32_t)N_LANGUAGES)]);
    }
    fputs("]}", f);
}

static void write_head(FILE *f, const char *type, const struct demo_event *e)
{
    char when[32];
    format_occurred(e->utc_ms, when);
    fprintf(f, "{\"type\":\"%s\"", type);
    json_field(f, "event_id", e->event_id);
    json_field(f, "occurred_at", when);
    json_field(f, "district", e->district->code);
}

static void write_placement(FILE *f, const struct child *c, const struct demo_event *e)
{
    bool after_change = e->kind == K_ENDED || e->kind == K_CHANGED;
    enum hub_placement_action action = e->kind == K_STARTED   ? HUB_ACTION_STARTED
                                       : e->kind == K_CHANGED ? HUB_ACTION_CHANGED
                                                              : HUB_ACTION_ENDED;
    /* An end after a change carries the new form; one without a change the original. */
    enum hub_legal_basis basis = after_change && c->has_change ? c->new_basis : c->basis;
    enum hub_placement_form form = after_change && c->has_change ? c->new_form : c->form;
    write_head(f, "placement", e);
    json_field(f, "personnummer", c->pnr);
    json_field(f, "placement_id", c->placement_id);
    json_field(f, "action", hub_placement_action_name(action));
    json_field(f, "legal_basis", hub_legal_basis_name(basis));
    json_field(f, "placement_form", hub_placement_form_name(form));
    json_date(f, "start_date", c->start);
    if (e->kind == K_ENDED)
        json_date(f, "end_date", c->end);
    fprintf(f, ",\"school_change\":%s", c->school_change ? "true" : "false");
    if (c->show_municipality)
        json_field(f, "placement_municipality", c->municipality);
    fputs("}\n", f);
}

static void write_school_start(FILE *f, const struct child *c, const struct demo_event *e)
{
    write_head(f, "school_start", e);
    json_field(f, "personnummer", c->pnr);
    json_field(f, "placement_id", c->placement_id);
    json_field(f, "school_unit", c->school_start_unit->unit);
    json_field(f, "school_form", hub_school_form_name(c->school_form));
    json_date(f, "start_date", c->school_start);
    fputs("}\n", f);
}

static void write_handover(FILE *f, const struct gen *g, const struct child *c,
                           const struct handover *h, const struct demo_event *e)
{
    write_head(f, "handover", e);
    json_field(f, "personnummer", c->pnr);
    json_field(f, "handover_id", h->id);
    json_field(f, "placement_id", c->placement_id);
    json_field(f, "receiving_school_unit", h->receiving->unit);
    if (h->sending)
        json_field(f, "sending_school_unit", h->sending->unit);
    json_date(f, "planned_start_date", h->planned);
    json_field(f, "legal_ground", hub_legal_ground_name(h->ground));
    json_contact(f, "contact", g, h->contact);
    /* content without a legal ground never leaves the district (hub/domain/event_privacy.h) */
    if (g->opt->with_content && h->ground != HUB_GROUND_NONE)
        write_content(f, c, h);
    fputs("}\n", f);
}

static void write_contact_change(FILE *f, const struct gen *g, const struct contact_change *cc,
                                 const struct demo_event *e)
{
    write_head(f, "contact_change", e);
    json_contact(f, "old_contact", g, cc->old_contact);
    json_contact(f, "new_contact", g, cc->new_contact);
    fputs(",\"school_units\":[", f);
    for (size_t i = 0; i < cc->n_units; i++) {
        if (i)
            fputc(',', f);
        json_str(f, cc->units[i]);
    }
    fputs("],\"placements\":[", f);
    for (size_t i = 0; i < cc->n_placements; i++) {
        if (i)
            fputc(',', f);
        json_str(f, cc->placements[i]);
    }
    fputc(']', f);
    json_date(f, "effective_date", cc->effective);
    fputs("}\n", f);
}

static void write_follow_up(FILE *f, const struct child *c, const struct demo_event *e)
{
    const struct follow_up *u = &c->fu;
    write_head(f, "follow_up", e);
    json_field(f, "personnummer", c->pnr);
    json_field(f, "placement_id", c->placement_id);
    json_date(f, "review_date", u->review);
    json_field(f, "school_form", hub_fu_school_form_name(u->form));
    fprintf(f, ",\"grade_year\":%d", u->grade);
    json_field(f, "attendance", hub_attendance_name(u->attendance));
    json_field(f, "knowledge_goals", hub_goals_name(u->goals));
    if (u->has_eligible)
        fprintf(f, ",\"upper_secondary_eligible\":%s", u->eligible ? "true" : "false");
    if (u->has_on_track)
        fprintf(f, ",\"on_track_for_diploma\":%s", u->on_track ? "true" : "false");
    fputs("}\n", f);
}

static int cmp_events(const void *a, const void *b)
{
    const struct demo_event *x = a, *y = b;
    if (x->utc_ms != y->utc_ms)
        return x->utc_ms < y->utc_ms ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

static void write_events(const struct gen *g, FILE *f, struct hub_demo_stats *st)
{
    for (size_t i = 0; i < g->n_events; i++) {
        const struct demo_event *e = &g->events[i];
        const struct child *c = e->kind == K_CONTACT_CHANGE ? NULL : &g->children[e->ref];
        enum hub_event_type type = HUB_EV_PLACEMENT;
        switch (e->kind) {
        case K_STARTED:
        case K_CHANGED:
        case K_ENDED:
            write_placement(f, c, e);
            st->by_action[e->kind == K_STARTED   ? HUB_ACTION_STARTED
                          : e->kind == K_CHANGED ? HUB_ACTION_CHANGED
                                                 : HUB_ACTION_ENDED]++;
            break;
        case K_SCHOOL_START:
            write_school_start(f, c, e);
            type = HUB_EV_SCHOOL_START;
            break;
        case K_HANDOVER_IN:
            write_handover(f, g, c, &c->in, e);
            type = HUB_EV_HANDOVER;
            break;
        case K_HANDOVER_BACK:
            write_handover(f, g, c, &c->back, e);
            type = HUB_EV_HANDOVER;
            break;
        case K_CONTACT_CHANGE:
            write_contact_change(f, g, &g->changes[e->ref], e);
            type = HUB_EV_CONTACT_CHANGE;
            break;
        case K_FOLLOW_UP:
            write_follow_up(f, c, e);
            type = HUB_EV_FOLLOW_UP;
            break;
        }
        st->by_type[type]++;
        st->events++;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Public functions.                                                                          */

static int check_options(const struct hub_demo_options *opt, struct hub_error *err)
{
    if (!opt)
        return hub_error_set(err, HUB_EINVAL, "demo: no options given");
    if (opt->year < HUB_DEMO_YEAR_MIN || opt->year > HUB_DEMO_YEAR_MAX)
        return hub_error_set(err, HUB_EINVAL, "demo: month: year %d is outside %d..%d", opt->year,
                             HUB_DEMO_YEAR_MIN, HUB_DEMO_YEAR_MAX);
    if (opt->month < 1 || opt->month > 12)
        return hub_error_set(err, HUB_EINVAL, "demo: month: %d is not 1..12", opt->month);
    if (opt->children_per_district > HUB_DEMO_CHILDREN_MAX)
        return hub_error_set(err, HUB_EINVAL, "demo: children per district: %zu is above %d",
                             opt->children_per_district, HUB_DEMO_CHILDREN_MAX);
    return 0;
}

static void gen_free(struct gen *g)
{
    free(g->spans);
    free(g->children);
    free(g->contacts);
    free(g->events);
    free(g->changes);
    free(g->pnr_set);
}

int hub_demo_generate(const struct hub_demo_options *opt, const hub_districts_t *districts,
                      FILE *out, struct hub_demo_stats *stats, struct hub_error *err)
{
    struct gen g;
    struct hub_demo_stats st;
    size_t *first_contact = NULL;
    int rc;

    memset(&g, 0, sizeof g);
    memset(&st, 0, sizeof st);
    if (stats)
        memset(stats, 0, sizeof *stats);
    if ((rc = check_options(opt, err)) != 0)
        return rc;
    if (!districts || !out)
        return hub_error_set(err, HUB_EINVAL, "demo: no district table or output given");
    size_t per =
        opt->children_per_district ? opt->children_per_district : HUB_DEMO_CHILDREN_DEFAULT;
    g.opt = opt;
    g.districts = districts;
    g.month_first = day_of(opt->year, opt->month, 1);
    g.month_last = day_of(opt->year, opt->month, hub_date_days_in_month(opt->year, opt->month));
    g.horizon = g.month_last + HUB_DEMO_TAIL_DAYS;
    if (opt->until > 0 && opt->until < g.horizon) {
        if (opt->until < g.month_first)
            return hub_error_set(err, HUB_EINVAL,
                                 "demo: --until is before the month: no event could be written");
        g.horizon = opt->until;
    }

    size_t nd = hub_districts_count(districts);
    g.spans = calloc(nd ? nd : 1, sizeof *g.spans);
    first_contact = calloc(nd ? nd : 1, sizeof *first_contact);
    if (!g.spans || !first_contact) {
        rc = hub_error_set(err, HUB_ENOMEM, "demo: out of memory");
        goto out;
    }
    for (size_t i = 0; i < nd; i++) {
        const struct hub_district *d = hub_districts_at(districts, i);
        int32_t from = d->valid_from > g.month_first ? d->valid_from : g.month_first;
        int32_t to = d->valid_to < g.month_last ? d->valid_to : g.month_last;
        if (from <= to)
            g.spans[g.n_spans++] = (struct span){d, from, to};
    }
    if (g.n_spans == 0) {
        rc = hub_error_set(err, HUB_EINVAL, "demo: month: no district is valid in %04d-%02d",
                           opt->year, opt->month);
        goto out;
    }

    g.n_children = g.n_spans * per;
    g.children = calloc(g.n_children, sizeof *g.children);
    g.changes = calloc(g.n_spans, sizeof *g.changes);
    for (g.pnr_set_cap = 64; g.pnr_set_cap < 2 * g.n_children;)
        g.pnr_set_cap *= 2;
    g.pnr_set = calloc(g.pnr_set_cap, sizeof *g.pnr_set);
    if (!g.children || !g.changes || !g.pnr_set) {
        rc = hub_error_set(err, HUB_ENOMEM, "demo: out of memory");
        goto out;
    }

    for (size_t s = 0; s < g.n_spans; s++) {
        struct rng r;
        rng_seed(&r, stream_seed(opt, fnv1a(g.spans[s].district->code)));
        first_contact[s] = g.n_contacts;
        for (size_t k = 0; k < CONTACTS_PER_DISTRICT; k++) {
            size_t ignored;
            if (add_contact(&g, &r, k < COORDINATORS_PER_DISTRICT, &ignored) != 0) {
                rc = hub_error_set(err, HUB_ENOMEM, "demo: out of memory");
                goto out;
            }
        }
        for (size_t k = 0; k < per; k++) {
            if (make_child(&g, &r, &g.spans[s], first_contact[s], s * per + k) != 0) {
                rc = hub_error_set(err, HUB_ENOMEM, "demo: out of memory");
                goto out;
            }
        }
    }
    if (make_contact_changes(&g, first_contact) != 0) {
        rc = hub_error_set(err, HUB_ENOMEM, "demo: out of memory");
        goto out;
    }
    for (size_t ci = 0; opt->with_follow_ups && ci < g.n_children; ci++) {
        if (make_follow_up(&g, ci) != 0) {
            rc = hub_error_set(err, HUB_ENOMEM, "demo: out of memory");
            goto out;
        }
    }

    qsort(g.events, g.n_events, sizeof *g.events, cmp_events);
    write_events(&g, out, &st);
    st.districts = g.n_spans;
    st.children = g.n_children;
    if (fflush(out) != 0 || ferror(out)) {
        rc = hub_error_set(err, HUB_EIO, "demo: writing the events failed");
        goto out;
    }
    if (stats)
        *stats = st;
    rc = 0;
out:
    free(first_contact);
    gen_free(&g);
    return rc;
}

size_t hub_demo_school_count(void)
{
    return N_SCHOOLS;
}

const struct hub_demo_school *hub_demo_school_at(size_t index)
{
    return index < N_SCHOOLS ? &schools[index] : NULL;
}

const struct hub_demo_school *hub_demo_school_find(const char *unit)
{
    if (!unit)
        return NULL;
    for (size_t i = 0; i < N_SCHOOLS; i++)
        if (strcmp(schools[i].unit, unit) == 0)
            return &schools[i];
    return NULL;
}

const char *hub_demo_huvudman_name(enum hub_demo_huvudman h)
{
    return (unsigned)h < HUB_DEMO_HUVUDMAN__COUNT ? huvudman_names[h] : NULL;
}

int hub_demo_write_schools_csv(FILE *out, struct hub_error *err)
{
    if (!out)
        return hub_error_set(err, HUB_EINVAL, "demo: no output given");
    fputs("skolenhetskod,name,huvudman_type,kommunkod,webhook_url,public_key,signing_secret_ref,"
          "email\n",
          out);
    for (size_t i = 0; i < N_SCHOOLS; i++) {
        const struct hub_demo_school *s = &schools[i];
        hub_csv_write_field(out, s->unit, ",");
        hub_csv_write_field(out, s->name, ",");
        hub_csv_write_field(out, huvudman_names[s->huvudman], ",");
        hub_csv_write_field(out, s->kommun, ",");
        hub_csv_write_field(out, "", ",");
        hub_csv_write_field(out, "", ",");
        hub_csv_write_field(out, "", ",");
        hub_csv_write_field(out, s->email, "\n");
    }
    if (fflush(out) != 0 || ferror(out))
        return hub_error_set(err, HUB_EIO, "demo: writing the school directory failed");
    return 0;
}
