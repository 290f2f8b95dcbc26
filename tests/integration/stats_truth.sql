-- stats_truth.sql — the true value of every cell `hubctl report` can publish, computed straight
-- from the read model by the definitions of consumers/STATISTICS.md (§1–§3), not by the hub's C
-- code: for tests/integration/reader_attack.py --truth.
--
--     psql -X -At -v as_of=2026-12-31 -v threshold=14 -f stats_truth.sql > truth.json
--
-- Output: one JSON object {"as_of", "threshold_days", "cells"}, cells keyed
-- "period|district|tab|a|b|measure" (tab fb: a = placement form, b = legal basis; tab sa: a =
-- legal sex, b = age group; "all" for every total; district "all" is the city), cells that are 0
-- left out. Periods: every month, tertial (YYYYTn) and year with a placement started by the
-- as-of date. Districts as recorded: keep the test data free of merged districts.
--
-- Definitions used:
--   a placement counts in the month, tertial and year of its start_date, if it started on or
--     before the as-of date;
--   first school start = the earliest start_date of the school-start events naming the placement
--     (taken from hub.school_starts here, whenever they arrived);
--   school_started = school change and a first school start on or before the as-of date;
--   days = greatest(0, first school start - placement start); over_threshold: days > threshold.
\set ON_ERROR_STOP 1
WITH first_start AS (
    SELECT placement_id, min(start_date) AS school_start
      FROM hub.school_starts
     GROUP BY placement_id
), p AS (
    SELECT pl.child, pl.district, pl.placement_form AS form, pl.legal_basis AS basis,
           pl.legal_sex AS sex, pl.age_group AS age, pl.start_date, pl.school_change,
           pl.school_change AND fs.school_start IS NOT NULL
               AND fs.school_start <= CAST(:'as_of' AS date) AS started,
           greatest(0, fs.school_start - pl.start_date) AS days
      FROM hub.placements pl
      LEFT JOIN first_start fs USING (placement_id)
     WHERE pl.start_date <= CAST(:'as_of' AS date)
), pp AS (
    SELECT per.period, p.*
      FROM p
     CROSS JOIN LATERAL (VALUES (to_char(p.start_date, 'YYYY-MM')),
                                (to_char(p.start_date, 'YYYY') || 'T' ||
                                 ((CAST(extract(month FROM p.start_date) AS integer) + 3) / 4)),
                                (to_char(p.start_date, 'YYYY'))) AS per(period)
), counted AS (
    SELECT period,
           CASE WHEN grouping(district) = 1 THEN 'all' ELSE district END AS district,
           'fb' AS tab,
           CASE WHEN grouping(form) = 1 THEN 'all' ELSE form END AS a,
           CASE WHEN grouping(basis) = 1 THEN 'all' ELSE basis END AS b,
           count(*) AS placements_started,
           count(DISTINCT child) AS children_placed,
           count(*) FILTER (WHERE school_change) AS with_school_change,
           count(*) FILTER (WHERE started) AS school_started,
           count(*) FILTER (WHERE school_change AND NOT started) AS not_started,
           count(*) FILTER (WHERE started AND days > :threshold) AS over_threshold
      FROM pp
     GROUP BY period, CUBE (district, form, basis)
    UNION ALL
    SELECT period,
           CASE WHEN grouping(district) = 1 THEN 'all' ELSE district END,
           'sa',
           CASE WHEN grouping(sex) = 1 THEN 'all' ELSE sex END,
           CASE WHEN grouping(age) = 1 THEN 'all' ELSE age END,
           count(*),
           count(DISTINCT child),
           count(*) FILTER (WHERE school_change),
           count(*) FILTER (WHERE started),
           count(*) FILTER (WHERE school_change AND NOT started),
           count(*) FILTER (WHERE started AND days > :threshold)
      FROM pp
     GROUP BY period, CUBE (district, sex, age)
)
SELECT json_build_object(
           'as_of', :'as_of',
           'threshold_days', :threshold,
           'cells', coalesce(json_object_agg(concat_ws('|', period, district, tab, a, b, measure), n
                                             ORDER BY period, district, tab, a, b, measure),
                             '{}'))
  FROM counted
 CROSS JOIN LATERAL (VALUES ('placements_started', placements_started),
                            ('children_placed', children_placed),
                            ('with_school_change', with_school_change),
                            ('school_started', school_started),
                            ('not_started', not_started),
                            ('over_threshold', over_threshold)) AS m(measure, n)
 WHERE n <> 0;
