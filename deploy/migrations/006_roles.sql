-- 006_roles.sql — least privilege inside the database.
--
-- Group roles (NOLOGIN; cluster-wide, so created only when absent). A deployment gives each
-- program a LOGIN user that is a member of exactly one of them (see deploy/README.md):
--   hub_owner             owns schema hub and everything in it; `hubctl migrate` runs as a member
--   hub_readmodel_writer  hub-readmodel: the read-model tables, its processed ids, its offsets
--   hub_notifier_writer   hub-notifier: its outbox, receipts, disclosure log (append only), offsets;
--                         reads the school directory
--   hub_stats_writer      hub-stats and `hubctl report`: reads the read model, writes its ledger
--   hub_directory_writer  `hubctl schools import`: the school directory
--   report_reader         reads only hub.report_published: the protected figures as published
--                         (small counts hidden, no pseudonym, no row about one child)
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['hub_owner', 'hub_readmodel_writer', 'hub_notifier_writer',
                             'hub_stats_writer', 'hub_directory_writer', 'report_reader'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
            -- roles belong to the cluster, not to this database: another database migrating at
            -- the same moment may create the role first (its advisory lock is not ours)
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', r);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END;
        END IF;
    END LOOP;
END $$;

-- The aggregate view report_reader may read: what hub-stats published, newest per district-month.
CREATE VIEW hub.report_published AS
SELECT district, period, as_of, provisional, published_at, figures
  FROM hub.stats_published_latest
 WHERE NOT withdrawn;
COMMENT ON VIEW hub.report_published IS
    'The protected monthly figures as published to monthly-stats: the only thing report_reader reads.';

-- hub_owner owns the schema and every table, view, function and free-standing sequence in it
-- (sequences owned by a column follow their table).
DO $$
DECLARE
    o record;
BEGIN
    EXECUTE 'ALTER SCHEMA hub OWNER TO hub_owner';
    FOR o IN SELECT c.relname, c.relkind
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = 'hub' AND (c.relkind IN ('r', 'p', 'v', 'm')
                    OR (c.relkind = 'S' AND NOT EXISTS (
                        SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))))
    LOOP
        EXECUTE format('ALTER %s hub.%I OWNER TO hub_owner',
                       CASE o.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                      WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, o.relname);
    END LOOP;
    FOR o IN SELECT p.oid::regprocedure AS f
               FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE n.nspname = 'hub' LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO hub_owner', o.f);
    END LOOP;
END $$;

REVOKE ALL ON SCHEMA hub FROM PUBLIC;
GRANT USAGE ON SCHEMA hub TO hub_readmodel_writer, hub_notifier_writer, hub_stats_writer,
    hub_directory_writer, report_reader;
-- Every program checks the schema version at start.
GRANT SELECT ON hub.schema_migrations TO hub_readmodel_writer, hub_notifier_writer,
    hub_stats_writer, hub_directory_writer;

GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE
    ON hub.placements, hub.school_starts, hub.handovers, hub.handover_receipts,
       hub.contact_changes, hub.processed_events
    TO hub_readmodel_writer;
GRANT SELECT ON hub.placement_first_school_start TO hub_readmodel_writer;

GRANT SELECT, INSERT, UPDATE, DELETE ON hub.consumer_offsets
    TO hub_readmodel_writer, hub_notifier_writer;

GRANT SELECT, INSERT, UPDATE, DELETE
    ON hub.notifier_events, hub.notifier_outbox, hub.notifier_receipts
    TO hub_notifier_writer;
GRANT SELECT, INSERT ON hub.disclosure_log TO hub_notifier_writer;
GRANT SELECT, INSERT, UPDATE ON hub.disclosure_head TO hub_notifier_writer;
GRANT SELECT ON hub.schools TO hub_notifier_writer, hub_directory_writer;
GRANT INSERT, UPDATE ON hub.schools TO hub_directory_writer;

GRANT SELECT ON hub.placements, hub.school_starts, hub.placement_first_school_start,
    hub.stats_placements TO hub_stats_writer;
GRANT SELECT, INSERT, UPDATE ON hub.stats_published TO hub_stats_writer;
GRANT SELECT ON hub.stats_published_latest TO hub_stats_writer;

GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA hub
    TO hub_notifier_writer, hub_stats_writer, hub_readmodel_writer;

GRANT SELECT ON hub.report_published TO report_reader;
