-- 004_notifier.sql — what consumers/hub_notifier (hub/notifier.c, hub/audit.c) keeps.
--
-- The notifier is its own consumer group (hub.notifier.group) and depends on no other
-- consumer's tables: it writes its offsets to hub.consumer_offsets under its group, its event ids
-- to its own hub.notifier_events, and reads the school directory hub.schools (003) only when it
-- delivers. No foreign keys: the directory may change or arrive later, and ordering across
-- topics is not guaranteed.
--
-- Flow: a handover or contact-change event becomes rows of hub.notifier_outbox in the SAME
-- transaction as the group's next offsets (exactly once). The delivery worker claims due rows with
-- a lease (FOR UPDATE SKIP LOCKED), POSTs them, and records each attempt; every state change that
-- the district must hear of puts a row into hub.notifier_receipts in the same transaction, and
-- the worker publishes those on handover-receipts (at least once, deduplicated downstream on
-- their deterministic event ids). Every delivery attempt (a `dispatch` row committed BEFORE the
-- request is sent, then an `attempt` row with its outcome), withheld decision, failure, overdue
-- notice and school acknowledgement appends a row to the hash-chained hub.disclosure_log.

-- Every event id the notifier has acted on, written in the same transaction as its effects:
-- an id already here is a re-send and changes nothing.
CREATE TABLE hub.notifier_events (
    event_id     uuid PRIMARY KEY,
    topic        text NOT NULL,
    partition    integer NOT NULL,
    "offset"     bigint NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now()
);

-- One notification to one school. `id` is the webhook-id, derived from (source event, school) so
-- that it is the same on every attempt, after a crash and after a replay into a fresh database.
CREATE TABLE hub.notifier_outbox (
    id                uuid PRIMARY KEY,
    kind              text NOT NULL CHECK (kind IN ('handover', 'contact_change')),
    source_event_id   uuid NOT NULL,
    school_unit       text NOT NULL,          -- the ONLY school this row is ever sent to
    district          text NOT NULL,
    handover_id       uuid,                   -- handover rows
    placement_id      uuid,                   -- handover rows
    child             text,                   -- pseudonym: key of the receipts; never sent
    legal_ground      text,                   -- handover rows
    contact_name      text,                   -- handover rows: the current contact person,
    contact_email     text,                   --   replaced when a contact change matches
    event_occurred_at timestamptz NOT NULL,
    body              text,                   -- the exact JSON POSTed; NULL once final or withheld
    body_sha256       text,                   -- hex SHA-256 of the body, kept after it is dropped
    state             text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'withheld')),
    attempts          integer NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL DEFAULT now(),
    deadline          timestamptz NOT NULL,   -- last moment a retry may start
    next_attempt_at   timestamptz,
    lease_until       timestamptz,            -- claimed by a worker until then,
    lease_pid         integer,                --   or until its session (this backend pid) ends
    last_status       integer,                -- HTTP status of the last attempt, NULL if none
    last_error        text,
    delivered_at      timestamptz,
    failed_at         timestamptz,
    acknowledged_at   timestamptz,            -- the school confirmed (POST /v1/receipts)
    overdue_at        timestamptz,            -- the overdue receipt was emitted
    UNIQUE (source_event_id, school_unit)
);
COMMENT ON TABLE hub.notifier_outbox IS
    'Notifications to schools (webhook-id = id) and their delivery state; see 004_notifier.sql.';
CREATE INDEX notifier_outbox_due_idx ON hub.notifier_outbox (next_attempt_at)
    WHERE state = 'pending';
CREATE INDEX notifier_outbox_handover_idx ON hub.notifier_outbox (handover_id);
CREATE INDEX notifier_outbox_unacked_idx ON hub.notifier_outbox (delivered_at)
    WHERE state = 'delivered' AND acknowledged_at IS NULL AND overdue_at IS NULL;
CREATE INDEX notifier_outbox_contact_idx ON hub.notifier_outbox (district, lower(contact_email))
    WHERE kind = 'handover';

-- Receipt events (handover_receipt) waiting for, or done with, publication on handover-receipts.
-- event_id is derived from (notification, status), so a re-publication is a duplicate that
-- consumers drop.
CREATE TABLE hub.notifier_receipts (
    event_id        uuid PRIMARY KEY,
    seq             bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    notification_id uuid,
    handover_id     uuid NOT NULL,
    child           text NOT NULL,
    district        text NOT NULL,
    school_unit     text NOT NULL,
    status          text NOT NULL,
    at              timestamptz NOT NULL,
    detail          text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    lease_until     timestamptz,              -- being published until then,
    lease_pid       integer,                  --   or until this backend pid's session ends
    published_at    timestamptz
);
CREATE INDEX notifier_receipts_unpublished_idx ON hub.notifier_receipts (seq)
    WHERE published_at IS NULL;

-- The disclosure log: who (school unit) was sent or refused what (ids), when, on which legal
-- ground, with which outcome. Append-only and hash-chained:
--     row_hash = SHA-256(prev_hash || canonical serialisation of the row)   (hub/audit.h)
-- with prev_hash of the first row 32 zero bytes. Ids are contiguous from 1; appends hold the row
-- lock of hub.disclosure_head, which names the last row, so the chain is linear and a removed
-- tail is noticed. `hubctl audit verify` recomputes everything.
CREATE TABLE hub.disclosure_log (
    id              bigint PRIMARY KEY CHECK (id > 0),
    at_ms           bigint NOT NULL,          -- ms since the epoch (what the hash covers)
    at              timestamptz GENERATED ALWAYS AS (to_timestamp(at_ms / 1000.0::float8)) STORED,
    kind            text NOT NULL,            -- dispatch (written before a request is sent) |
                                              -- attempt (its outcome) | withheld | failed |
                                              -- overdue | acknowledged
    school_unit     text NOT NULL,
    notification_id uuid,
    handover_id     uuid,
    placement_id    uuid,
    source_event_id uuid,
    district        text,
    legal_ground    text,
    outcome         text NOT NULL,            -- sent, delivered, http_503, timeout, no_endpoint,
                                              -- gave_up, gone, withheld, overdue, acknowledged
    attempt         integer NOT NULL,
    http_status     integer,
    detail          text,
    body_sha256     text,                     -- what was sent, by hash
    prev_hash       bytea NOT NULL CHECK (length(prev_hash) = 32),
    row_hash        bytea NOT NULL CHECK (length(row_hash) = 32)
);
CREATE INDEX disclosure_log_school_idx ON hub.disclosure_log (school_unit, at_ms);
CREATE INDEX disclosure_log_handover_idx ON hub.disclosure_log (handover_id);

CREATE TABLE hub.disclosure_head (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    last_id   bigint NOT NULL,
    last_hash bytea NOT NULL CHECK (length(last_hash) = 32)
);
INSERT INTO hub.disclosure_head (singleton, last_id, last_hash)
VALUES (true, 0, decode(repeat('00', 32), 'hex'));

-- Append-only: rows are never changed or removed by the hub. (The chain, not this trigger, is the
-- evidence: an owner can disable a trigger, not recompute an anchored head hash.)
CREATE FUNCTION hub.disclosure_log_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'hub.disclosure_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER disclosure_log_no_update_delete BEFORE UPDATE OR DELETE ON hub.disclosure_log
    FOR EACH ROW EXECUTE FUNCTION hub.disclosure_log_refuse_change();
CREATE TRIGGER disclosure_log_no_truncate BEFORE TRUNCATE ON hub.disclosure_log
    FOR EACH STATEMENT EXECUTE FUNCTION hub.disclosure_log_refuse_change();
