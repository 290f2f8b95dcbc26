-- 008_integrity.sql — integrity between programs, districts and over time (issue 14).
--
-- 1. Each program's role touches only its own consumer offsets.
--    hub.consumer_offsets gets a `writer` column: the hub writer role (hub_readmodel_writer,
--    hub_notifier_writer) the row belongs to, filled by hub.offsets_writer() from the session's
--    role. Row-level security lets a session see, insert, update and delete only rows of its own
--    writer role, so hub-notifier's login can no longer move hub-readmodel's offsets (an UPDATE
--    of another writer's rows changes nothing; an INSERT naming another writer is refused). The
--    writer is part of the primary key, so one program can never collide with (and so block)
--    another's rows either. The schema owner (and a superuser) bypasses row-level security, as
--    PostgreSQL does for a table's owner; its rows carry writer `hub_owner`, and programs read
--    only rows of their own writer, so they never pick up rows written under another role.
--    Rows that exist when this migration runs are given to the writer of the default group
--    names (hub-readmodel, hub-notifier); rows of other groups stay with hub_owner, and a
--    program running under a writer role then reads its topics again from the start — safe,
--    because both programs skip event ids they have already processed.

CREATE FUNCTION hub.offsets_writer() RETURNS name
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
             OR pg_has_role(current_user, 'hub_owner', 'MEMBER') THEN 'hub_owner'::name
        WHEN pg_has_role(current_user, 'hub_readmodel_writer', 'MEMBER')
             AND NOT pg_has_role(current_user, 'hub_notifier_writer', 'MEMBER')
            THEN 'hub_readmodel_writer'::name
        WHEN pg_has_role(current_user, 'hub_notifier_writer', 'MEMBER')
             AND NOT pg_has_role(current_user, 'hub_readmodel_writer', 'MEMBER')
            THEN 'hub_notifier_writer'::name
        -- a login in both writer roles (a mistake) gets rows of its own name, seen by no program
        ELSE current_user
    END
$$;
COMMENT ON FUNCTION hub.offsets_writer() IS
    'The writer role whose hub.consumer_offsets rows the current session may touch.';
ALTER FUNCTION hub.offsets_writer() OWNER TO hub_owner;

ALTER TABLE hub.consumer_offsets ADD COLUMN writer name NOT NULL DEFAULT hub.offsets_writer();
UPDATE hub.consumer_offsets SET writer = 'hub_readmodel_writer' WHERE group_id = 'hub-readmodel';
UPDATE hub.consumer_offsets SET writer = 'hub_notifier_writer' WHERE group_id = 'hub-notifier';
ALTER TABLE hub.consumer_offsets DROP CONSTRAINT consumer_offsets_pkey;
ALTER TABLE hub.consumer_offsets ADD PRIMARY KEY (writer, group_id, topic, partition);
ALTER TABLE hub.consumer_offsets ENABLE ROW LEVEL SECURITY;
CREATE POLICY consumer_offsets_own_writer ON hub.consumer_offsets
    USING (writer = hub.offsets_writer())
    WITH CHECK (writer = hub.offsets_writer());
COMMENT ON COLUMN hub.consumer_offsets.writer IS
    'The writer role owning the row (hub.offsets_writer()); row-level security keeps each role to its own.';

-- 2. When the hub first saw each signed message (hub/pg/sighting.h, hub/crypto/sign.h "Time").
--    A key's validity and revocation are judged on this time, which no signer chooses. The
--    consumers insert a row for every message whose signature verified, before the message has
--    any effect, and look rows up again when they read a message again; `hub-readmodel
--    --rebuild` does not empty this table, so a rebuild judges history as the first run did.
--    Only inserts: no program may move a sighting.
CREATE TABLE hub.signature_sightings (
    signature     bytea PRIMARY KEY CHECK (length(signature) = 64),
    key_id        text NOT NULL,
    first_seen_at timestamptz NOT NULL,
    recorded_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE hub.signature_sightings IS
    'First sighting of each verified signature by any hub consumer; key validity is judged on it.';
ALTER TABLE hub.signature_sightings OWNER TO hub_owner;
GRANT SELECT, INSERT ON hub.signature_sightings TO hub_readmodel_writer, hub_notifier_writer;

-- 3. A district may change only the records it owns (hub/kafka/owner.h). The consumers dead-letter an
--    event on another district's placement or handover with reason `owner`. A school start or
--    handover that arrived BEFORE its placement cannot be judged then; it is kept, and when the
--    placement arrives from a district that may not act for it, hub-readmodel moves it here (out
--    of hub.school_starts / hub.handovers, so statistics never count it), in the same
--    transaction. Whichever arrived first, the read model ends up the same. Emptied by
--    `hub-readmodel --rebuild` like the rest of the read model.
CREATE TABLE hub.owner_conflicts (
    kind         text NOT NULL CHECK (kind IN ('school_start', 'handover')),
    record_id    uuid NOT NULL,               -- the school start's event id, or the handover id
    placement_id uuid NOT NULL,
    district     text NOT NULL,               -- the district that sent it
    owner        text NOT NULL,               -- the district that owns the placement
    refused_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, record_id)
);
COMMENT ON TABLE hub.owner_conflicts IS
    'School starts and handovers naming another district''s placement, found when the placement arrived after them.';
ALTER TABLE hub.owner_conflicts OWNER TO hub_owner;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON hub.owner_conflicts TO hub_readmodel_writer;

-- 4. The registry of contested records (hub/kafka/owner.h): when hub-readmodel refuses an event
--    of another district on a placement or handover, it registers the record's owner here, in
--    the same transaction. `hub-readmodel --rebuild` keeps it (like hub.signature_sightings), so
--    a rebuild, which reads the topics in another order, decides every contest as the first run
--    did; a record nobody contested has one claimant whatever the order, and its owner is its
--    row in hub.placements / hub.handovers. Only inserts.
CREATE TABLE hub.record_owners (
    kind       text NOT NULL CHECK (kind IN ('placement', 'handover')),
    id         uuid NOT NULL,
    district   text NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, id)
);
COMMENT ON TABLE hub.record_owners IS
    'Owner district of each contested placement and handover; kept by --rebuild.';
ALTER TABLE hub.record_owners OWNER TO hub_owner;
GRANT SELECT, INSERT ON hub.record_owners TO hub_readmodel_writer;

-- hub-notifier reads no placement events; it learns owners from these (no child, no pseudonym).
CREATE VIEW hub.placement_owners AS SELECT placement_id, district FROM hub.placements;
COMMENT ON VIEW hub.placement_owners IS
    'Which district owns each placement in the read model: what hub-notifier may know of it.';
ALTER VIEW hub.placement_owners OWNER TO hub_owner;
GRANT SELECT ON hub.record_owners, hub.placement_owners TO hub_notifier_writer;
