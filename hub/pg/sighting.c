/* sighting.c — the first sighting of each signature, hub.signature_sightings (sighting.h). */
#include "hub/pg/sighting.h"
#include "hub/pg/pg.h"

#include <stdlib.h>
#include <string.h>

/* Hex of a 64-byte signature: PostgreSQL decodes it with decode(.., 'hex'). */
static void sig_hex(const uint8_t *sig, char out[2 * HUB_SIGHTING_SIG_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < HUB_SIGHTING_SIG_LEN; i++) {
        out[2 * i] = digits[sig[i] >> 4];
        out[2 * i + 1] = digits[sig[i] & 15];
    }
    out[2 * HUB_SIGHTING_SIG_LEN] = '\0';
}

static int parse_i64(const char *s, int64_t *out)
{
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end != '\0')
        return HUB_EINTERNAL;
    *out = (int64_t)v;
    return 0;
}

int hub_sighting_lookup(PGconn *conn, const uint8_t *const *sigs, int64_t *seen_ms, size_t n,
                        struct hub_error *err)
{
    static const char sql[] =
        "SELECT u.i, (extract(epoch FROM s.first_seen_at) * 1000)::int8\n"
        "  FROM unnest($1::text[], $2::int4[]) AS u(h, i)\n"
        "  JOIN hub.signature_sightings s ON s.signature = decode(u.h, 'hex')";
    struct hub_pg_array col[2];
    const char *params[2];
    PGresult *res = NULL;
    size_t asked = 0;
    int rc = 0;

    memset(col, 0, sizeof col);
    hub_pg_array_reset(&col[0]);
    hub_pg_array_reset(&col[1]);
    for (size_t i = 0; i < n; i++) {
        char hex[2 * HUB_SIGHTING_SIG_LEN + 1];
        if (!sigs[i])
            continue;
        sig_hex(sigs[i], hex);
        hub_pg_array_add_text(&col[0], hex);
        hub_pg_array_add_int(&col[1], (int64_t)i);
        asked++;
    }
    if (asked == 0)
        goto out;
    params[0] = hub_pg_array_finish(&col[0]);
    params[1] = hub_pg_array_finish(&col[1]);
    if (!params[0] || !params[1]) {
        rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = hub_pg_exec(conn, "look up signature sightings", sql, 2, params, &res, err)) != 0)
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
    hub_pg_array_free(&col[0]);
    hub_pg_array_free(&col[1]);
    return rc;
}

int hub_sighting_record(PGconn *conn, const uint8_t *const *sigs, const char *const *key_ids,
                        const int64_t *seen_ms, size_t n, struct hub_error *err)
{
    static const char sql[] =
        "INSERT INTO hub.signature_sightings (signature, key_id, first_seen_at)\n"
        "SELECT decode(u.h, 'hex'), u.key_id, to_timestamp(u.ms / 1000.0::float8)\n"
        "  FROM unnest($1::text[], $2::text[], $3::int8[]) AS u(h, key_id, ms)\n"
        "ON CONFLICT (signature) DO NOTHING";
    struct hub_pg_array col[3];
    const char *params[3];
    size_t count = 0;
    int rc = 0;

    memset(col, 0, sizeof col);
    for (int c = 0; c < 3; c++)
        hub_pg_array_reset(&col[c]);
    for (size_t i = 0; i < n; i++) {
        char hex[2 * HUB_SIGHTING_SIG_LEN + 1];
        if (!sigs[i] || !key_ids[i])
            continue;
        sig_hex(sigs[i], hex);
        hub_pg_array_add_text(&col[0], hex);
        hub_pg_array_add_text(&col[1], key_ids[i]);
        hub_pg_array_add_int(&col[2], seen_ms[i]);
        count++;
    }
    if (count == 0)
        goto out;
    for (int c = 0; c < 3; c++)
        if (!(params[c] = hub_pg_array_finish(&col[c]))) {
            rc = hub_error_set(err, HUB_ENOMEM, "out of memory");
            goto out;
        }
    rc = hub_pg_exec(conn, "record signature sightings", sql, 3, params, NULL, err);
out:
    for (int c = 0; c < 3; c++)
        hub_pg_array_free(&col[c]);
    return rc;
}
