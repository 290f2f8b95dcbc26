-- 001_outbox.sql — the transactional outbox a district keeps in its own PostgreSQL database.
--
-- Applied by `hub-relay --config FILE --migrate` (versioned in sams_outbox.schema_migrations,
-- idempotent), or by the district's DBA by hand in one transaction. The contract is
-- producers/OUTBOX.md: the case system INSERTs one row per event, in the same transaction as the
-- change it records; hub-relay publishes committed rows and marks them.

CREATE TABLE sams_outbox.events (
    -- The order rows are published in (per child: producers/OUTBOX.md, "Ordering").
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- One event exactly as hub-publish reads a line (producers/INPUT.md). json keeps the text as
    -- written (duplicate keys included), so the relay validates what the district wrote.
    event json NOT NULL,
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'rejected')),
    -- rejected: why, field by field ("start_date: 2026-02-30 is not a date"); never a value
    -- that could be a personnummer.
    reason text,
    -- publishing attempts so far, and the last transient failure (broker down, ...)
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    -- clock_timestamp(): when the row was written, for the commit-to-sent latency
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- a pending row is not tried before this (back-off after a transient failure)
    next_attempt_at timestamptz NOT NULL DEFAULT '-infinity',
    -- the relay session (backend pid) working on a pending row, and since when
    claimed_by integer,
    claimed_at timestamptz,
    sent_at timestamptz,
    rejected_at timestamptz,
    -- Rows with the same key are published one after another, in id order: the child (any
    -- written form of the personnummer gives the same key; hashed, so that this column is not one
    -- more copy of the number), or the district for events that name no child.
    order_key text GENERATED ALWAYS AS (
        coalesce('c' || md5(nullif(right(regexp_replace(event ->> 'personnummer', '[^0-9]', '', 'g'), 10), '')),
                 'd' || coalesce(event ->> 'district', ''))) STORED,
    CHECK ((state = 'sent') = (sent_at IS NOT NULL)),
    CHECK ((state = 'rejected') = (rejected_at IS NOT NULL AND reason IS NOT NULL))
);

COMMENT ON TABLE sams_outbox.events IS
    'SAMS hub outbox: INSERT (event) in the transaction that makes the change; hub-relay publishes it (producers/OUTBOX.md)';

-- The relay's claim: the oldest pending rows, and for each the pending rows before it with its key.
CREATE INDEX events_pending ON sams_outbox.events (id) WHERE state = 'pending';
CREATE INDEX events_pending_key ON sams_outbox.events (order_key, id) WHERE state = 'pending';
-- The district's view of what was refused.
CREATE INDEX events_rejected ON sams_outbox.events (id) WHERE state = 'rejected';

-- Wakes the relay at commit: NOTIFY is delivered only when the inserting transaction commits, and
-- several in one transaction are folded into one.
CREATE FUNCTION sams_outbox.notify_relay() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sams_outbox', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER events_notify_relay AFTER INSERT ON sams_outbox.events
    FOR EACH STATEMENT EXECUTE FUNCTION sams_outbox.notify_relay();
