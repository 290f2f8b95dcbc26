/*
 * publisher.h — validate, pseudonymise, encode and publish district events.
 *
 * The core behind `hub-publish` and the district C API (producers/include/sams_publish.h).
 * Publishing is two steps so that a caller can validate a whole file before sending anything:
 * hub_publisher_prepare_json() turns one input line into an encoded message (or problems), and
 * hub_publisher_send() enqueues it on the idempotent, acks=all producer. Each send gets a ticket;
 * its outcome becomes ACKED only from the cluster's delivery report (invariant 7).
 *
 * Messages are keyed by the child pseudonym (invariant 4); a contact change, which names no
 * child, is keyed by its district. Every message is signed with its district's Ed25519 key
 * (hub/crypto/sign.h: headers hub.sig and hub.sig.key; keys from hub.signing.key_file + key_id, or
 * hub.signing.key_dir); hub_publisher_new() refuses to start without one unless
 * hub.signing.required=false, and an event of a district the keys cannot sign for is a problem
 * of hub_publisher_prepare_json().
 */
#ifndef HUB_PUBLISHER_H
#define HUB_PUBLISHER_H

#include <stddef.h>
#include <stdint.h>

#include "hub/core/config.h"
#include "hub/domain/event.h"
#include "hub/publish/event_input.h"

typedef struct hub_publisher hub_publisher_t;

/* An encoded event ready to send. Owns `value`; release with hub_pub_msg_clear(). */
struct hub_pub_msg {
    enum hub_event_type type;
    char event_id[HUB_UUID_STR];
    char key[HUB_PSEUDONYM_STR];
    char district[HUB_DISTRICT_STR]; /* whose key signs it (hub/crypto/sign.h) */
    uint8_t *value;
    size_t len;
};

enum hub_pub_outcome { HUB_PUB_PENDING, HUB_PUB_ACKED, HUB_PUB_FAILED };

/* Flags of hub_publisher_new(). */
#define HUB_PUBLISHER_OFFLINE 0x1 /* validate and encode only: no producer, send fails */
/* The school directory comes from hub.schools.file only, never from PostgreSQL: the pg.* keys of
 * the outbox relay name the district's database, which has no hub.schools. */
#define HUB_PUBLISHER_DIRECTORY_FILE_ONLY 0x2

/* Opens a publisher: reference data, the pseudonym key (hub.pseudonym.key_file, required),
 * the codec, (unless HUB_PUBLISHER_OFFLINE) the producer, and the school directory that handover
 * content is sealed with: the CSV named by hub.schools.file when set (read now; for district
 * systems without access to the hub's database), else PostgreSQL's hub.schools when some pg.* key
 * is set (read at the first handover with content, so that publishing without content never
 * needs the database), else none, and content is refused. On error nothing is left open. */
int hub_publisher_new(const hub_config_t *cfg, const char *client_id, unsigned flags,
                      hub_publisher_t **out, struct hub_error *err) HUB_MUST_CHECK;

/* Validates one JSON input and encodes it into *msg. A handover's `content` is sealed for its
 * receiving school (hub/crypto/seal.h, AAD = the handover's ids) and only the sealed bytes are
 * kept; a school that is not in the directory, was removed or has no public key is the problem
 * "content: receiving school 12345678 has no public key in the directory; nothing published".
 * An encoded event larger than HUB_EVENT_MAX_BYTES (hub/kafka/kafka.h) is a problem naming its
 * size and the limit ("content: the encoded event is N bytes, more than the hub's limit of ...").
 * Returns 0, or HUB_EINVAL with every problem in *probs (nothing in *msg). */
int hub_publisher_prepare_json(hub_publisher_t *p, const char *json, size_t len,
                               struct hub_pub_msg *msg,
                               struct hub_input_problems *probs) HUB_MUST_CHECK;

/* Enqueues a prepared message; *ticket identifies it for hub_publisher_outcome(). Returns 0 or
 * HUB_EKAFKA (the message was not enqueued and its outcome is FAILED). */
int hub_publisher_send(hub_publisher_t *p, const struct hub_pub_msg *msg, size_t *ticket,
                       struct hub_error *err) HUB_MUST_CHECK;

/* Waits up to timeout_ms for every outstanding delivery report. 0, or HUB_ETIMEOUT. */
int hub_publisher_flush(hub_publisher_t *p, int timeout_ms);

/* Serves delivery reports without waiting. */
void hub_publisher_poll(hub_publisher_t *p);

/* Outcome of a ticket; for FAILED, *reason (may be NULL) gets the broker's words. */
enum hub_pub_outcome hub_publisher_outcome(const hub_publisher_t *p, size_t ticket,
                                           const char **reason);

/* The event id sent under a ticket. */
const char *hub_publisher_event_id(const hub_publisher_t *p, size_t ticket);

/* Number of tickets issued so far. */
size_t hub_publisher_tickets(const hub_publisher_t *p);

/* Forgets every ticket (numbering starts again at 0, counts at 0), so that a long-running caller
 * (the outbox relay) keeps no memory per event. Returns 0, or HUB_EINVAL while some ticket is
 * still PENDING (nothing is forgotten then). */
int hub_publisher_reset_tickets(hub_publisher_t *p) HUB_MUST_CHECK;

/* Non-zero once the producer hit a fatal error (the idempotent producer cannot go on; the program
 * must start a new one), with librdkafka's words in reason. 0 when offline. */
int hub_publisher_fatal(hub_publisher_t *p, char *reason, size_t n);

/* Counts of outcomes so far. */
void hub_publisher_counts(const hub_publisher_t *p, size_t *acked, size_t *failed, size_t *pending);

void hub_pub_msg_clear(struct hub_pub_msg *msg);

/* Purges anything unsent and frees. Accepts NULL. */
void hub_publisher_destroy(hub_publisher_t *p);

#endif
