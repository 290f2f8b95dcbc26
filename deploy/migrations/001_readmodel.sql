-- 001_readmodel.sql — the read model written by consumers/readmodel (hub/rmstore.c).
--
-- Applied by `hubctl migrate` (hub/migrate.c) inside one transaction; schema `hub` and
-- hub.schema_migrations already exist then. No child identity in clear: `child` is always the
-- 64-hex pseudonym (HMAC-SHA256 of the personnummer).
--
-- The read model must not depend on arrival order across topics:
--   * A school start may arrive before its placement, so hub.school_starts.placement_id is NOT a
--     foreign key; the view below joins whatever has arrived.
--   * Tables holding the current state of an entity (hub.placements, hub.handovers) are replaced
--     by an event only when the event is NEWER than the stored state, ordered by
--     (occurred_at, source offset). Events about one placement or handover concern one child,
--     hence carry one Kafka key and land on one partition, so their offsets are comparable and
--     break ties of occurred_at. A `changed` that arrives after an `ended` but happened earlier
--     therefore does not overwrite it. Repartitioning a topic breaks offset comparability; only
--     ties of occurred_at are affected.
--   * first_* columns describe the first event stored for the key (lowest offset, i.e. the first
--     seen), first_seen_at when the hub stored it.
--   * Every event id is recorded in hub.processed_events in the same transaction as its effects
--     and the consumer's next offsets (hub.consumer_offsets), so a re-sent event changes nothing.

CREATE TABLE hub.placements (
    placement_id           uuid PRIMARY KEY,
    child                  text NOT NULL,
    district               text NOT NULL,
    birth_year             integer NOT NULL,
    legal_sex              text NOT NULL,
    action                 text NOT NULL,     -- started | changed | ended (of the newest event)
    legal_basis            text NOT NULL,     -- SoL | LVU
    placement_form         text NOT NULL,
    start_date             date NOT NULL,
    end_date               date,
    school_change          boolean NOT NULL,
    placement_municipality text,              -- kommunkod, 4 digits
    first_event_id         uuid NOT NULL,
    first_occurred_at      timestamptz NOT NULL,
    first_seen_at          timestamptz NOT NULL DEFAULT now(),
    last_event_id          uuid NOT NULL,
    last_occurred_at       timestamptz NOT NULL,
    last_src_partition     integer NOT NULL,
    last_src_offset        bigint NOT NULL,
    updated_at             timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE hub.placements IS
    'Current state of each placement: the newest event by (occurred_at, source offset) wins.';
-- Statistics by district and start month; lookups by child.
CREATE INDEX placements_district_start_idx ON hub.placements (district, start_date);
CREATE INDEX placements_child_idx ON hub.placements (child);

CREATE TABLE hub.school_starts (
    event_id     uuid PRIMARY KEY,
    placement_id uuid NOT NULL,               -- not a foreign key: may arrive before the placement
    child        text NOT NULL,
    district     text NOT NULL,
    school_unit  text NOT NULL,               -- skolenhetskod, 8 digits
    school_form  text NOT NULL,
    start_date   date NOT NULL,
    occurred_at  timestamptz NOT NULL
);
COMMENT ON TABLE hub.school_starts IS
    'One row per school-start event; joined to placements by placement_id without a foreign key.';
CREATE INDEX school_starts_placement_idx ON hub.school_starts (placement_id, start_date);
CREATE INDEX school_starts_district_start_idx ON hub.school_starts (district, start_date);

CREATE TABLE hub.handovers (
    handover_id           uuid PRIMARY KEY,
    placement_id          uuid NOT NULL,      -- not a foreign key, like school starts
    child                 text NOT NULL,
    district              text NOT NULL,
    receiving_school_unit text NOT NULL,
    sending_school_unit   text,
    planned_start_date    date NOT NULL,
    legal_ground          text NOT NULL,
    contact_name          text NOT NULL,
    contact_role          text NOT NULL,
    contact_phone         text NOT NULL,
    contact_email         text NOT NULL,
    has_sealed_content    boolean NOT NULL,   -- the sealed bytes are never stored here
    first_event_id        uuid NOT NULL,
    first_occurred_at     timestamptz NOT NULL,
    first_seen_at         timestamptz NOT NULL DEFAULT now(),
    last_event_id         uuid NOT NULL,
    last_occurred_at      timestamptz NOT NULL,
    last_src_partition    integer NOT NULL,
    last_src_offset       bigint NOT NULL,
    updated_at            timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE hub.handovers IS
    'Current state of each handover (newest by (occurred_at, source offset)); no sealed content.';
CREATE INDEX handovers_placement_idx ON hub.handovers (placement_id);
CREATE INDEX handovers_receiving_idx ON hub.handovers (receiving_school_unit);

CREATE TABLE hub.handover_receipts (
    event_id    uuid PRIMARY KEY,
    handover_id uuid NOT NULL,                -- not a foreign key: may arrive before the handover
    child       text,
    district    text NOT NULL,
    school_unit text NOT NULL,
    status      text NOT NULL,
    at          timestamptz NOT NULL,         -- when the school's system reported the status
    detail      text,
    occurred_at timestamptz NOT NULL
);
CREATE INDEX handover_receipts_handover_idx ON hub.handover_receipts (handover_id, at);

CREATE TABLE hub.contact_changes (
    event_id          uuid PRIMARY KEY,
    district          text NOT NULL,
    occurred_at       timestamptz NOT NULL,
    old_contact_name  text NOT NULL,
    old_contact_role  text NOT NULL,
    old_contact_phone text NOT NULL,
    old_contact_email text NOT NULL,
    new_contact_name  text NOT NULL,
    new_contact_role  text NOT NULL,
    new_contact_phone text NOT NULL,
    new_contact_email text NOT NULL,
    school_units      text[] NOT NULL,
    placements        uuid[] NOT NULL,
    effective_date    date NOT NULL
);
CREATE INDEX contact_changes_effective_idx ON hub.contact_changes (effective_date);

-- Every event the read-model consumer has applied, written in the same transaction as its
-- effects: an id already here means the event is a re-send and changes nothing.
CREATE TABLE hub.processed_events (
    event_id     uuid PRIMARY KEY,
    topic        text NOT NULL,
    partition    integer NOT NULL,
    "offset"     bigint NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now()
);

-- The next offset to read per consumer group and partition, committed together with the results
-- (exactly-once effects); consumers seek here on partition assignment.
CREATE TABLE hub.consumer_offsets (
    group_id    text NOT NULL,
    topic       text NOT NULL,
    partition   integer NOT NULL,
    next_offset bigint NOT NULL CHECK (next_offset >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, topic, partition)
);

-- Each placement with its first school start (earliest start_date among the school starts
-- naming it, whenever they arrived) and the days from placement start to that school start:
-- never negative (a school start before the placement counts as 0), NULL while there is none.
CREATE VIEW hub.placement_first_school_start AS
SELECT p.placement_id,
       p.child,
       p.district,
       p.birth_year,
       p.legal_sex,
       p.action,
       p.legal_basis,
       p.placement_form,
       p.start_date,
       p.end_date,
       p.school_change,
       p.placement_municipality,
       s.event_id    AS school_start_event_id,
       s.school_unit AS school_unit,
       s.school_form AS school_form,
       s.start_date  AS school_start_date,
       -- The CASE matters: greatest() ignores NULLs, greatest(0, NULL) would be 0.
       CASE WHEN s.start_date IS NOT NULL
            THEN greatest(0, s.start_date - p.start_date)
       END AS days_to_school_start
  FROM hub.placements p
  LEFT JOIN LATERAL (
        SELECT ss.event_id, ss.school_unit, ss.school_form, ss.start_date
          FROM hub.school_starts ss
         WHERE ss.placement_id = p.placement_id
         ORDER BY ss.start_date, ss.occurred_at, ss.event_id
         LIMIT 1
       ) s ON true;
COMMENT ON VIEW hub.placement_first_school_start IS
    'Placements with their earliest school start; days_to_school_start >= 0, NULL when none yet.';
