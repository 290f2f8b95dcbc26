-- 005_stats_published.sql — what hub-stats (consumers/hub_stats.c, hub/stats_publish.c) has
-- published to the monthly-stats topic: the ledger of every district-month it sent.
--
-- hub-stats computes each district-month from the read model (hub_stats_build, as `hubctl report`
-- does), publishes it, waits for the acknowledgement (acks=all) and only then writes its row
-- here. Kafka and PostgreSQL cannot commit together: a crash between the two only makes the next
-- pass publish the same content again under the same key, which changes nothing for a reader of
-- the compacted topic. A district-month is published again only when its content hash differs
-- from the newest row here.
--
-- The published figures are kept (exactly the record that went out, as JSON), so that later
-- publications and reports can be checked against what the public already has: a re-publication
-- that changes a published month is logged with how many cells changed, were revealed or were
-- newly hidden (consumers/STATISTICS.md, "Limits").

CREATE TABLE hub.stats_published (
    id             bigserial PRIMARY KEY,
    district       text NOT NULL,              -- district code, 'all' for the city
    period         text NOT NULL CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    content_hash   bytea CHECK (content_hash IS NULL OR octet_length(content_hash) = 32),
    as_of          date NOT NULL,              -- the record's as-of date
    provisional    boolean NOT NULL,           -- published before the month closed
    withdrawn      boolean NOT NULL DEFAULT false, -- a tombstone: the key no longer has figures
    schema_version integer NOT NULL,           -- N of schemas/monthly_stats/vN.avsc
    fingerprint    text NOT NULL,              -- CRC-64-AVRO of that schema, 16 hex digits
    published_at   timestamptz NOT NULL DEFAULT now(), -- when the acknowledgement came
    figures        jsonb,                      -- the record as published (NULL for a tombstone)
    CHECK (withdrawn = (content_hash IS NULL)),
    CHECK (withdrawn = (figures IS NULL))
);

-- The newest publication of a district-month is the row with the highest id.
CREATE INDEX stats_published_key_idx ON hub.stats_published (period, district, id DESC);

-- What the topic holds now, per district-month (a compacted reader's view).
CREATE VIEW hub.stats_published_latest AS
SELECT DISTINCT ON (period, district) *
  FROM hub.stats_published
 ORDER BY period, district, id DESC;
