-- 009_age_group.sql — the read model keeps the age group at placement start, not the birth year.
--
-- Why (issue 14): beside the pseudonym, a birth year and the legal sex narrow a child down to a
-- few thousand personnummer; anyone holding the pseudonym key can then try them all (24k HMACs,
-- 0.18 s) and name the child. The statistics need only the age group at the placement's start
-- (and the sex, for the by-sex tables), so that is all the read model keeps.
--
-- How: hub.placements gets age_group (the groups of consumers/STATISTICS.md, definitions
-- version 1: start year minus birth year, 0-5, 6-12, 13-15, 16-17, 18+). The birth_year column
-- stays only as the way in: writers (hub/readmodel/rmstore.c, and every older tool) may still hand over the
-- event's birth year, and a trigger turns it into age_group before the row is stored and sets it
-- to NULL; a CHECK makes sure no birth year is ever kept. The views keep their columns (and so
-- their grants); their birth_year and age are NULL from now on, and age_group comes from the
-- table. Existing rows are converted here, in the same transaction. hub/stats/stats.c reads only
-- age_group, so the statistics are unchanged.

CREATE FUNCTION hub.age_group_at(birth_year integer, start_date date) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
AS $$
    SELECT CASE
               WHEN CAST(extract(year FROM start_date) AS integer) - birth_year <= 5 THEN '0-5'
               WHEN CAST(extract(year FROM start_date) AS integer) - birth_year <= 12 THEN '6-12'
               WHEN CAST(extract(year FROM start_date) AS integer) - birth_year <= 15 THEN '13-15'
               WHEN CAST(extract(year FROM start_date) AS integer) - birth_year <= 17 THEN '16-17'
               ELSE '18+'
           END
$$;
COMMENT ON FUNCTION hub.age_group_at(integer, date) IS
    'Age group at placement start (statistics definitions version 1): start year - birth year.';

ALTER TABLE hub.placements
    ADD COLUMN age_group text CHECK (age_group IN ('0-5', '6-12', '13-15', '16-17', '18+'));
ALTER TABLE hub.placements ALTER COLUMN birth_year DROP NOT NULL;
UPDATE hub.placements SET age_group = hub.age_group_at(birth_year, start_date), birth_year = NULL;
ALTER TABLE hub.placements ALTER COLUMN age_group SET NOT NULL;
ALTER TABLE hub.placements ADD CONSTRAINT placements_no_birth_year CHECK (birth_year IS NULL);

-- A placement's start date may change with a later event; every event carries the birth year
-- again, so the group is recomputed on each write that brings one; a write without one keeps the
-- stored group (an INSERT without one fails: age_group is NOT NULL).
CREATE FUNCTION hub.placements_age_group() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF NEW.birth_year IS NOT NULL THEN
        NEW.age_group := hub.age_group_at(NEW.birth_year, NEW.start_date);
        NEW.birth_year := NULL;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER placements_age_group BEFORE INSERT OR UPDATE ON hub.placements
    FOR EACH ROW EXECUTE FUNCTION hub.placements_age_group();

COMMENT ON COLUMN hub.placements.birth_year IS
    'Always NULL (migration 009): a written birth year becomes age_group and is not kept.';
COMMENT ON COLUMN hub.placements.age_group IS
    'Age group at placement start (0-5, 6-12, 13-15, 16-17, 18+); the birth year is not kept.';

-- The views: same columns (so grants stay), birth_year and age now NULL, age_group from the table.
CREATE OR REPLACE VIEW hub.placement_first_school_start AS
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
       CASE WHEN s.start_date IS NOT NULL
            THEN greatest(0, s.start_date - p.start_date)
       END AS days_to_school_start,
       p.age_group
  FROM hub.placements p
  LEFT JOIN LATERAL (
        SELECT ss.event_id, ss.school_unit, ss.school_form, ss.start_date
          FROM hub.school_starts ss
         WHERE ss.placement_id = p.placement_id
         ORDER BY ss.start_date, ss.occurred_at, ss.event_id
         LIMIT 1
       ) s ON true;

CREATE OR REPLACE VIEW hub.stats_placements AS
SELECT f.placement_id,
       f.child,
       f.district,
       f.start_date,
       f.placement_form,
       f.legal_basis,
       f.legal_sex,
       f.birth_year,
       CAST(NULL AS integer) AS age,
       f.age_group,
       f.school_change,
       f.school_start_date,
       f.days_to_school_start
  FROM hub.placement_first_school_start f;
