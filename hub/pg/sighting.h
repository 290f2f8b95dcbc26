/*
 * sighting.h — when the hub first saw a signed message (hub.signature_sightings, migration 008).
 *
 * A signature's validity is judged on a time the signer cannot choose (hub/crypto/sign.h): the
 * moment a hub consumer first saw the message. Consumers look every batch's signatures up here
 * before verifying (a message read again — after a crash, by the other consumer, by
 * `hub-readmodel --rebuild` — is judged on its first sighting, not on today) and record the
 * sightings of the messages whose signature verified before anything of theirs is committed, so
 * every effect in the database has a sighting. Rows are only ever inserted (the first sighting
 * wins, ON CONFLICT DO NOTHING); a rebuild never empties the table. Keyed by the 64 signature
 * bytes: the same message (the same bytes) read from any offset, or from a re-created topic, is
 * the same sighting, and a forger cannot make a signature that matches one already recorded.
 *
 * Functions take an open session and parallel arrays of `n` entries; they are not tied to a
 * consumer.
 */
#ifndef HUB_SIGHTING_H
#define HUB_SIGHTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "hub/core/err.h"

#define HUB_SIGHTING_SIG_LEN 64

/* For every sigs[i] (HUB_SIGHTING_SIG_LEN bytes; NULL: skip) that has a recorded sighting, sets
 * seen_ms[i] to it (ms since the epoch); the others keep theirs. One round trip. 0,
 * HUB_EPG_CONNECT, HUB_EPG or HUB_ENOMEM. */
int hub_sighting_lookup(PGconn *conn, const uint8_t *const *sigs, int64_t *seen_ms, size_t n,
                        struct hub_error *err) HUB_MUST_CHECK;

/* Records seen_ms[i] as the first sighting of every sigs[i] that is not NULL, with the key id
 * key_ids[i] (NUL-terminated); already recorded ones stay as they are. Runs in the session's
 * current transaction, or on its own. 0, HUB_EPG_CONNECT, HUB_EPG or HUB_ENOMEM. */
int hub_sighting_record(PGconn *conn, const uint8_t *const *sigs, const char *const *key_ids,
                        const int64_t *seen_ms, size_t n, struct hub_error *err) HUB_MUST_CHECK;

#endif
