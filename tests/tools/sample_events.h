/*
 * sample_events.h — well-formed sample events of every type, for tests, tools, fuzz seeds and
 * benchmarks (header-only; nothing here is personal data).
 *
 * hub_sample_event(ev, type, variant): variant 0 fills every optional field, variant 1 leaves
 * every optional field null/absent; higher variants cycle through the enum symbols (variant k
 * uses symbol k % count of each set) and alternate optional fields, so looping variants
 * 0..HUB_SAMPLE_VARIANTS-1 covers every symbol of every enum.
 */
#ifndef HUB_TESTS_SAMPLE_EVENTS_H
#define HUB_TESTS_SAMPLE_EVENTS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/domain/event.h"

#define HUB_SAMPLE_VARIANTS 8

static inline void hub_sample_uuid(char out[HUB_UUID_STR], unsigned seed)
{
    snprintf(out, HUB_UUID_STR, "%08x-%04x-4%03x-8%03x-%012x", 0x1a2b3c4du + seed, seed & 0xffff,
             seed & 0xfff, (seed * 7) & 0xfff, 0xabcdef12u + seed);
}

static inline void hub_sample_contact(struct hub_contact *c, unsigned seed)
{
    snprintf(c->name, sizeof c->name, "Kontakt Person %u Åström", seed);
    snprintf(c->role, sizeof c->role, "%s", seed % 2 ? "skolsamordnare" : "socialsekreterare");
    snprintf(c->phone, sizeof c->phone, "08-508 %05u", 10000 + seed);
    snprintf(c->email, sizeof c->email, "kontakt.%u@stockholm.se", seed);
}

static inline void hub_sample_event(struct hub_event *ev, enum hub_event_type type, int variant)
{
    unsigned v = (unsigned)variant;
    bool full = variant != 1 && (variant == 0 || v % 2 == 0);

    hub_event_init(ev, type);
    hub_sample_uuid(ev->common.event_id, 100 + v);
    ev->common.occurred_at = 1767225600000LL + (int64_t)v * 86400000LL; /* 2026-01-01 */
    snprintf(ev->common.district, sizeof ev->common.district, "%s",
             v % 3 == 0   ? "jarva"
             : v % 3 == 1 ? "hagersten-alvsjo"
                          : "rinkeby-kista");
    if (type != HUB_EV_CONTACT_CHANGE) {
        for (int i = 0; i < 64; i++)
            ev->common.child[i] = "0123456789abcdef"[(i * 7 + (int)v) % 16];
        ev->common.child[64] = '\0';
    }
    if (hub_event_type_is_child(type)) {
        ev->common.birth_year = 2010 + (int32_t)(v % 8);
        ev->common.legal_sex = (enum hub_legal_sex)(v % HUB_SEX__COUNT);
    }
    switch (type) {
    case HUB_EV_PLACEMENT: {
        struct hub_placement *p = &ev->u.placement;
        hub_sample_uuid(p->placement_id, 200 + v);
        p->action = (enum hub_placement_action)(v % HUB_ACTION__COUNT);
        p->legal_basis = (enum hub_legal_basis)(v % HUB_BASIS__COUNT);
        p->placement_form = (enum hub_placement_form)(v % HUB_FORM__COUNT);
        p->start_date = 20454 + (int32_t)v; /* 2026-01-01 */
        p->has_end_date = full;
        p->end_date = full ? 20454 + 90 + (int32_t)v : 0;
        p->school_change = v % 2 == 0;
        p->has_placement_municipality = full;
        if (full)
            snprintf(p->placement_municipality, sizeof p->placement_municipality, "%s",
                     v % 2 ? "0180" : "0184");
        break;
    }
    case HUB_EV_SCHOOL_START: {
        struct hub_school_start *s = &ev->u.school_start;
        hub_sample_uuid(s->placement_id, 200 + v);
        snprintf(s->school_unit, sizeof s->school_unit, "%08u", 12345678u + v);
        s->school_form = (enum hub_school_form)(v % HUB_SCHOOL__COUNT);
        s->start_date = 20454 + 14 + (int32_t)v;
        break;
    }
    case HUB_EV_HANDOVER: {
        struct hub_handover *h = &ev->u.handover;
        hub_sample_uuid(h->handover_id, 300 + v);
        hub_sample_uuid(h->placement_id, 200 + v);
        snprintf(h->receiving_school_unit, sizeof h->receiving_school_unit, "%08u", 23456789u + v);
        h->has_sending_school_unit = full;
        if (full)
            snprintf(h->sending_school_unit, sizeof h->sending_school_unit, "%08u", 34567890u + v);
        h->planned_start_date = 20454 + 10 + (int32_t)v;
        h->legal_ground = (enum hub_legal_ground)(v % HUB_GROUND__COUNT);
        hub_sample_contact(&h->contact, v);
        if (full) {
            size_t n = 60 + v * 3;
            h->sealed_content = malloc(n);
            if (h->sealed_content) {
                for (size_t i = 0; i < n; i++)
                    h->sealed_content[i] = (uint8_t)(i * 37 + v);
                h->sealed_content_len = n;
            }
        }
        break;
    }
    case HUB_EV_HANDOVER_RECEIPT: {
        struct hub_handover_receipt *r = &ev->u.receipt;
        hub_sample_uuid(r->handover_id, 300 + v);
        snprintf(r->school_unit, sizeof r->school_unit, "%08u", 23456789u + v);
        r->status = (enum hub_receipt_status)(v % HUB_RECEIPT__COUNT);
        r->at = ev->common.occurred_at + 5000;
        r->has_detail = full;
        if (full)
            snprintf(r->detail, sizeof r->detail, "HTTP %d", 200 + (int)v);
        break;
    }
    case HUB_EV_CONTACT_CHANGE: {
        struct hub_contact_change *c = &ev->u.contact_change;
        hub_sample_contact(&c->old_contact, v);
        hub_sample_contact(&c->new_contact, v + 1);
        c->n_school_units = full ? 3 + v % 3 : 0;
        for (size_t i = 0; i < c->n_school_units; i++)
            snprintf(c->school_units[i], sizeof c->school_units[i], "%08u",
                     40000000u + (unsigned)i + v);
        c->n_placements = full ? 2 : 0;
        for (size_t i = 0; i < c->n_placements; i++)
            hub_sample_uuid(c->placements[i], 400 + (unsigned)i + v);
        c->effective_date = 20454 + 30 + (int32_t)v;
        break;
    }
    case HUB_EV_FOLLOW_UP: {
        /* valid by hub_event_validate: eligibility in year 9 of grundskola, on-track in
         * gymnasieskola, the review the day before it was reported */
        struct hub_follow_up *f = &ev->u.follow_up;
        hub_sample_uuid(f->placement_id, 200 + v);
        f->review_date = 20454 - 1 + (int32_t)v;
        f->school_form = (enum hub_fu_school_form)((v / 2) % HUB_FU_SCHOOL__COUNT);
        f->grade_year = f->school_form == HUB_FU_GRUNDSKOLA ? (full ? 9 : 1 + (int32_t)(v % 9))
                                                            : 1 + (int32_t)(v % 4);
        f->attendance = (enum hub_attendance)(v % HUB_ATT__COUNT);
        f->knowledge_goals = (enum hub_goals)(v % HUB_GOALS__COUNT);
        f->has_eligible = full && f->school_form == HUB_FU_GRUNDSKOLA;
        f->eligible = f->has_eligible && v % 4 == 0;
        f->has_on_track = full && f->school_form == HUB_FU_GYMNASIESKOLA;
        f->on_track = f->has_on_track && v % 3 == 0;
        break;
    }
    default:
        break;
    }
}

#endif
