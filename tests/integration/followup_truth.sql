-- followup_truth.sql — the follow-up tables' true counts, written again from the definitions in
-- consumers/STATISTICS.md ("Follow-up of schooling") without the hub's C code, for the attack
-- test (followup_attack.py). psql variables: first, last (ISO dates of the period).
-- One JSON array of rows {district, table, group, followed_up, attendance_90, goals_assessed,
-- goals_reached, eligibility_given, eligible}; "all" for the city and for a table's total row.
WITH counted AS (
    -- every follow-up of the period whose placement is known and had started ...
    SELECT f.*, p.placement_form AS pform,
           row_number() OVER (PARTITION BY f.child
                              ORDER BY f.review_date DESC, f.occurred_at DESC, f.src_offset DESC) AS n
      FROM hub.follow_ups f
      JOIN hub.placements p USING (placement_id)
     WHERE f.review_date >= :'first'::date AND f.review_date <= :'last'::date
       AND p.start_date <= f.review_date
       AND f.district = p.district -- the owner rule; the test data has no merged districts
), child AS (
    -- ... and of them each child's newest
    SELECT district, legal_sex, pform, school_form,
           (attendance = 'from_90')::int AS att90,
           (school_form = 'grundskola' AND knowledge_goals <> 'not_assessed')::int AS g_base,
           (school_form = 'grundskola' AND knowledge_goals = 'reached')::int AS g_yes,
           (school_form = 'grundskola' AND grade_year = 9
                AND upper_secondary_eligible IS NOT NULL)::int AS e_base,
           (school_form = 'grundskola' AND grade_year = 9
                AND coalesce(upper_secondary_eligible, false))::int AS e_yes
      FROM counted WHERE n = 1
), cube AS (
    SELECT coalesce(district, 'all') AS district,
           CASE WHEN GROUPING(legal_sex) = 0 THEN 'sex'
                WHEN GROUPING(pform) = 0 THEN 'placement_form'
                WHEN GROUPING(school_form) = 0 THEN 'school_form' END AS tbl,
           coalesce(legal_sex, pform, school_form) AS grp,
           count(*) AS followed_up, sum(att90) AS attendance_90, sum(g_base) AS goals_assessed,
           sum(g_yes) AS goals_reached, sum(e_base) AS eligibility_given, sum(e_yes) AS eligible
      FROM child
     GROUP BY GROUPING SETS ((district), (district, legal_sex), (district, pform),
                             (district, school_form), (), (legal_sex), (pform), (school_form))
)
SELECT coalesce(json_agg(json_build_object(
           'district', district, 'table', coalesce(tbl, 'all'), 'group', coalesce(grp, 'all'),
           'followed_up', followed_up, 'attendance_90', attendance_90,
           'goals_assessed', goals_assessed, 'goals_reached', goals_reached,
           'eligibility_given', eligibility_given, 'eligible', eligible)), '[]')
  FROM cube;
