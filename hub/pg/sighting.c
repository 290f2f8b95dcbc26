/* sighting.c — the first sighting of each signature, hub.signature_sightings (sighting.h). */
#include "hub/pg/sighting.h"
#include "hub/pg/pg.h"

#include <stdlib.h>
#include <string.h>

static int parse_i64(const char *s, int64_t *out)
{
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end != '\0')
        return HUB_EINTERNAL;
    *out = (int64_t)v;
    return 0;
}

/* The signatures go to PostgreSQL as a binary bytea[] (hub_pg_array_add_bytea): as hex text the
 * server parsed and decoded about 2 us of every element in each of the two statements. */
int hub_sighting_lookup(PGconn *conn, const uint8_t *const *sigs, int64_t *seen_ms, size_t n,
                        struct hub_error *err)
{
    /* NULL elements keep each signature at its index: ordinality - 1 is i */
    static const char sql[] = "SELECT u.i - 1, (extract(epoch FROM s.first_seen_at) * 1000)::int8\n"
                              "  FROM unnest($1::bytea[]) WITH ORDINALITY AS u(sig, i)\n"
                              "  JOIN hub.signature_sightings s ON s.signature = u.sig";
    struct hub_pg_array col = {0};
    const char *params[1];
    int lengths[1], formats[1] = {1};
    PGresult *res = NULL;
    size_t asked = 0;
    int rc = 0;

    hub_pg_array_reset_bytea(&col);
    for (size_t i = 0; i < n; i++) {
        hub_pg_array_add_bytea(&col, sigs[i], HUB_SIGHTING_SIG_LEN);
        asked += sigs[i] != NULL;
    }
    if (asked == 0)
        goto out;
    if (!(params[0] = hub_pg_array_finish_bytea(&col, &lengths[0]))) {
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = hub_pg_exec_formats(conn, "look up signature sightings", sql, 1, params, lengths,
                                  formats, &res, err)) != 0)
        goto out;
    for (int r = 0; r < PQntuples(res); r++) {
        int64_t i = -1, ms = 0;
        if (parse_i64(PQgetvalue(res, r, 0), &i) != 0 || i < 0 || (size_t)i >= n ||
            parse_i64(PQgetvalue(res, r, 1), &ms) != 0) {
            rc = hub_error_set(err, HUB_EINTERNAL, "look up signature sightings: bad row");
            goto out;
        }
        seen_ms[i] = ms;
    }
out:
    PQclear(res);
    hub_pg_array_free(&col);
    return rc;
}

int hub_sighting_record(PGconn *conn, const uint8_t *const *sigs, const char *const *key_ids,
                        const int64_t *seen_ms, size_t n, struct hub_error *err)
{
    static const char sql[] =
        "INSERT INTO hub.signature_sightings (signature, key_id, first_seen_at)\n"
        "SELECT u.sig, u.key_id, to_timestamp(u.ms / 1000.0::float8)\n"
        "  FROM unnest($1::bytea[], $2::text[], $3::int8[]) AS u(sig, key_id, ms)\n"
        "ON CONFLICT (signature) DO NOTHING";
    struct hub_pg_array col[3];
    const char *params[3];
    int lengths[3] = {0}, formats[3] = {1, 0, 0};
    size_t count = 0;
    int rc = 0;

    memset(col, 0, sizeof col);
    hub_pg_array_reset_bytea(&col[0]);
    hub_pg_array_reset(&col[1]);
    hub_pg_array_reset(&col[2]);
    for (size_t i = 0; i < n; i++) {
        if (!sigs[i] || !key_ids[i])
            continue;
        hub_pg_array_add_bytea(&col[0], sigs[i], HUB_SIGHTING_SIG_LEN);
        hub_pg_array_add_text(&col[1], key_ids[i]);
        hub_pg_array_add_int(&col[2], seen_ms[i]);
        count++;
    }
    if (count == 0)
        goto out;
    if (!(params[0] = hub_pg_array_finish_bytea(&col[0], &lengths[0])) ||
        !(params[1] = hub_pg_array_finish(&col[1])) ||
        !(params[2] = hub_pg_array_finish(&col[2]))) {
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
        goto out;
    }
    rc = hub_pg_exec_formats(conn, "record signature sightings", sql, 3, params, lengths, formats,
                             NULL, err);
out:
    for (int c = 0; c < 3; c++)
        hub_pg_array_free(&col[c]);
    return rc;
}
