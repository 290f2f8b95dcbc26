-- 010_follow_ups.sql — the follow-up of placed children's schooling (issue 19, seed 004).
--
-- At each review of a placement (övervägande/omprövning, at least every six months) social
-- services follow up the child's attendance and results; the figures go to the tertial and annual
-- reports. One row per placement, tertial (T1 January-April, T2 May-August, T3 September-
-- December, of the review date) and reporting district: the newest review wins, by (review_date,
-- occurred_at, source offset), so a late correction of an older review never overwrites a newer
-- one, and replaying a topic gives the same rows. Every event is also counted once in
-- hub.processed_events. The district is part of the key because a follow-up may arrive before
-- its placement, when hub-readmodel cannot yet refuse one from a district that may not act for
-- the placement (reason `owner`): such a row must not replace the owner's, and the reports count
-- only rows of the placement's district or of one it was merged into (hub/kafka/owner.h).
--
-- Like school starts, a follow-up may arrive before its placement (arrival order across topics
-- is not ours to choose), so placement_id is not a foreign key: such a row is *pending* until the
-- placement arrives (view hub.follow_ups_unmatched). The reports count only follow-ups whose
-- placement is known and started on or before the review (consumers/STATISTICS.md).
--
-- No birth year is kept (migration 009): the reports need the legal sex, the school form and the
-- grade year, nothing finer.

CREATE FUNCTION hub.tertial_of(d date) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
AS $$
    SELECT to_char(d, 'YYYY') || 'T' || ((CAST(extract(month FROM d) AS integer) - 1) / 4 + 1)
$$;
COMMENT ON FUNCTION hub.tertial_of(date) IS
    'The tertial of a day: YYYYT1 (January-April), YYYYT2 (May-August), YYYYT3 (September-December).';

CREATE TABLE hub.follow_ups (
    placement_id             uuid NOT NULL,     -- not a foreign key: may arrive before the placement
    tertial                  text NOT NULL CHECK (tertial ~ '^[0-9]{4}T[123]$'),
    child                    text NOT NULL,
    district                 text NOT NULL,
    legal_sex                text NOT NULL CHECK (legal_sex IN ('female', 'male')),
    review_date              date NOT NULL,
    school_form              text NOT NULL CHECK (school_form IN ('grundskola', 'gymnasieskola')),
    grade_year               integer NOT NULL,
    attendance               text NOT NULL CHECK (attendance IN ('from_90', 'from_80_to_89',
                                                  'from_50_to_79', 'below_50', 'unknown')),
    knowledge_goals          text NOT NULL CHECK (knowledge_goals IN ('reached', 'not_reached',
                                                  'not_assessed')),
    upper_secondary_eligible boolean,
    on_track_for_diploma     boolean,
    event_id                 uuid NOT NULL,
    occurred_at              timestamptz NOT NULL,
    src_partition            integer NOT NULL,
    src_offset               bigint NOT NULL,
    updated_at               timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (placement_id, tertial, district),
    CHECK (tertial = hub.tertial_of(review_date)),
    CHECK ((school_form = 'grundskola' AND grade_year BETWEEN 1 AND 9)
        OR (school_form = 'gymnasieskola' AND grade_year BETWEEN 1 AND 4)),
    CHECK (upper_secondary_eligible IS NULL OR (school_form = 'grundskola' AND grade_year = 9)),
    CHECK (on_track_for_diploma IS NULL OR school_form = 'gymnasieskola')
);
COMMENT ON TABLE hub.follow_ups IS
    'Newest follow-up of schooling per placement and tertial, by (review_date, occurred_at, offset).';
CREATE INDEX follow_ups_tertial_idx ON hub.follow_ups (tertial, district);

-- Follow-ups the reports cannot count (yet): placement unknown, or reviewed before it started.
CREATE VIEW hub.follow_ups_unmatched AS
SELECT f.placement_id, f.tertial, f.district, f.review_date, p.start_date AS placement_start,
       CASE WHEN p.placement_id IS NULL THEN 'pending' ELSE 'before_start' END AS why
  FROM hub.follow_ups f
  LEFT JOIN hub.placements p ON p.placement_id = f.placement_id
 WHERE p.placement_id IS NULL OR f.review_date < p.start_date;
COMMENT ON VIEW hub.follow_ups_unmatched IS
    'Follow-ups left out of the reports: placement not (yet) known, or review before its start.';

ALTER TABLE hub.follow_ups OWNER TO hub_owner;
ALTER VIEW hub.follow_ups_unmatched OWNER TO hub_owner;
ALTER FUNCTION hub.tertial_of(date) OWNER TO hub_owner;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON hub.follow_ups TO hub_readmodel_writer;
GRANT SELECT ON hub.follow_ups, hub.follow_ups_unmatched TO hub_stats_writer;
