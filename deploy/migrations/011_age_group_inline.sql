-- 011_age_group_inline.sql — the read model's writes compute the age group in the statement.
--
-- Why (issue 15): the trigger of migration 009 ran a PL/pgSQL function for every row written to
-- hub.placements, and that function called hub.age_group_at, a STRICT SQL function the planner
-- cannot inline (its CASE is not strict), so every row paid for two function calls: 6-8 us of
-- the upsert's 25 us per event (tests/bench/bench_verify.sh prints the statement's time).
--
-- How: hub-readmodel (hub/readmodel/rmstore.c) now writes age_group itself, as
-- hub.age_group_at(birth year, start date) in its INSERT, and no birth year. For that call to be
-- inlined, the function is no longer declared STRICT; its body returns NULL for a NULL argument,
-- as STRICT did, so every caller gets the same answers. The trigger stays for every other
-- writer (older tools, hand-written SQL) but fires only when a row brings a birth year, which
-- PostgreSQL decides without calling the function. The rule itself stays in one place.

CREATE OR REPLACE FUNCTION hub.age_group_at(birth_year integer, start_date date) RETURNS text
    LANGUAGE sql IMMUTABLE
AS $$
    SELECT CASE
               WHEN birth_year IS NULL OR start_date IS NULL THEN NULL
               WHEN CAST(extract(year FROM start_date) AS integer) - birth_year <= 5 THEN '0-5'
               WHEN CAST(extract(year FROM start_date) AS integer) - birth_year <= 12 THEN '6-12'
               WHEN CAST(extract(year FROM start_date) AS integer) - birth_year <= 15 THEN '13-15'
               WHEN CAST(extract(year FROM start_date) AS integer) - birth_year <= 17 THEN '16-17'
               ELSE '18+'
           END
$$;

DROP TRIGGER placements_age_group ON hub.placements;
CREATE TRIGGER placements_age_group BEFORE INSERT OR UPDATE ON hub.placements
    FOR EACH ROW WHEN (NEW.birth_year IS NOT NULL) EXECUTE FUNCTION hub.placements_age_group();
