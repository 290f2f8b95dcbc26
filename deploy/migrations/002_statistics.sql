-- 002_statistics.sql — what the monthly statistics read (hub/stats.c; consumers/STATISTICS.md).
--
-- The definitions live here as a view so that the SQL in the documentation is the SQL that runs.
-- Counting, distinct children, medians and percentiles are done in C over the rows of this view
-- (one per placement), because roll-ups to tertials, years and the whole city need the
-- individual values, and the district of each placement is mapped through the districts table
-- (reference data, not in the database) before anything is counted.

-- Reports select one calendar year of placements by start date across all districts; the
-- (district, start_date) index of 001 cannot serve that range alone.
CREATE INDEX placements_start_date_idx ON hub.placements (start_date);

-- One row per placement with the statistics definitions applied (definitions version 1):
--   * the placement's month is the month of its start_date (a calendar date in Stockholm);
--   * form, legal basis and district are those of its most recent event (hub.placements holds
--     the newest state);
--   * age is start year minus birth year: only the birth year is known, so this approximates the
--     age at the start date (it is the age the child reaches during that year); negative ages,
--     which valid data cannot give, fall into the youngest group;
--   * days_to_school_start is the first school start of the placement minus its start date,
--     negative counted as 0, NULL while there is none; whether that school start counts at a
--     report's as-of date is decided by the query (school_start_date <= as-of).
CREATE VIEW hub.stats_placements AS
SELECT f.placement_id,
       f.child,
       f.district,
       f.start_date,
       f.placement_form,
       f.legal_basis,
       f.legal_sex,
       f.birth_year,
       CAST(extract(year FROM f.start_date) AS integer) - f.birth_year AS age,
       CASE
           WHEN CAST(extract(year FROM f.start_date) AS integer) - f.birth_year <= 5 THEN '0-5'
           WHEN CAST(extract(year FROM f.start_date) AS integer) - f.birth_year <= 12 THEN '6-12'
           WHEN CAST(extract(year FROM f.start_date) AS integer) - f.birth_year <= 15 THEN '13-15'
           WHEN CAST(extract(year FROM f.start_date) AS integer) - f.birth_year <= 17 THEN '16-17'
           ELSE '18+'
       END AS age_group,
       f.school_change,
       f.school_start_date,
       f.days_to_school_start
  FROM hub.placement_first_school_start f;
COMMENT ON VIEW hub.stats_placements IS
    'One row per placement with the statistics definitions (month, age group, days to school '
    'start) applied; see consumers/STATISTICS.md. Carries the pseudonym: never export rows.';
