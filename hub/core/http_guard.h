/*
 * http_guard.h — a libmicrohttpd server that slow clients cannot lock up.
 *
 * libmicrohttpd's own timeout is an idle timeout: a client that sends one byte every few seconds
 * (slowloris) keeps its connection for ever, and a per-address limit (32 before issue 14) hands
 * the whole endpoint to one such client — behind the TLS proxy every school has the proxy's
 * address. This server adds, on its own thread (libmicrohttpd in external epoll mode, so that the
 * bookkeeping below runs on the one thread that also opens and closes connections):
 *
 *   - a total deadline: a connection must have sent a whole request and had its answer within
 *     `deadline_s` of being accepted (or of its previous request being answered, on keep-alive);
 *     past it the connection is shut down, however busily it trickles;
 *   - eviction of the oldest: a quarter of `max_connections` is kept free for newcomers; when
 *     more are open (on every accept, and after every round of the loop), the connections that
 *     have waited longest for their request to complete are shut down (if older than
 *     HUB_HTTP_GUARD_EVICT_AFTER_MS). A client that sends its request at once is answered in
 *     milliseconds and is never the oldest, so however many connections slow clients open, new
 *     ones are served;
 *   - no per-address limit (it would be a limit on all schools together).
 */
#ifndef HUB_HTTP_GUARD_H
#define HUB_HTTP_GUARD_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "hub/core/err.h"

#define HUB_HTTP_GUARD_EVICT_AFTER_MS 250

struct hub_http_guard_opts {
    const struct sockaddr *addr; /* where to listen (IPv4 or IPv6) */
    unsigned max_connections;    /* open at once, at most */
    unsigned deadline_s;         /* total time for one request, see above */
    size_t memory_per_connection;
    MHD_AccessHandlerCallback handler; /* runs on the server's thread */
    void *handler_cls;
    MHD_RequestCompletedCallback completed; /* may be NULL */
    void *completed_cls;
    MHD_LogCallback logger; /* may be NULL */
    void *logger_cls;
};

struct hub_http_guard_stats {
    uint64_t deadline_closed; /* connections shut down at their deadline */
    uint64_t evicted;         /* connections shut down to make room */
};

typedef struct hub_http_guard hub_http_guard_t;

/* Starts listening and serving on a new thread. Returns 0 with *out owned by the caller
 * (hub_http_guard_stop), HUB_EIO when the address cannot be bound, HUB_ENOMEM, HUB_EINTERNAL. */
int hub_http_guard_start(const struct hub_http_guard_opts *o, hub_http_guard_t **out,
                         struct hub_error *err) HUB_MUST_CHECK;

/* The port bound (useful when asked for port 0). */
uint16_t hub_http_guard_port(const hub_http_guard_t *g);

/* Counters since start (read from any thread). */
void hub_http_guard_stats(const hub_http_guard_t *g, struct hub_http_guard_stats *out);

/* Stops the thread, closes every connection and frees. Accepts NULL. */
void hub_http_guard_stop(hub_http_guard_t *g);

#endif
