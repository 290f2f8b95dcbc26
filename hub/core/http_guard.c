/*
 * http_guard.c — libmicrohttpd with a total deadline and eviction of the oldest (http_guard.h).
 *
 * Every open connection has an entry in a list ordered by `since` (accept, or the end of its
 * previous request): the head is the connection that has waited longest. libmicrohttpd runs in
 * external epoll mode on our thread, so the notify callbacks that add and remove entries, the
 * handlers, and the sweep that shuts connections down all run on that one thread: an entry exists
 * exactly while libmicrohttpd holds its socket open, and shutdown() never reaches a reused fd.
 */
#include "hub/core/http_guard.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define LOOP_WAKE_MS 100 /* the longest the thread sleeps: deadlines are checked this often */

struct entry {
    struct entry *prev, *next;
    int fd;
    int64_t since_ms;
    bool cut; /* shut down; libmicrohttpd closes it on its next round */
};

struct hub_http_guard {
    struct MHD_Daemon *daemon;
    int epoll_fd;
    uint16_t port;
    pthread_t thread;
    bool thread_started;
    atomic_bool stop;
    unsigned max_connections, soft_limit;
    int64_t deadline_ms;
    MHD_RequestCompletedCallback completed;
    void *completed_cls;
    struct entry *head, *tail; /* oldest first */
    unsigned open;             /* entries, cut or not */
    unsigned n_cut;            /* entries shut down, not closed yet */
    atomic_uint_fast64_t deadline_closed, evicted;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void unlink_entry(hub_http_guard_t *g, struct entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        g->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        g->tail = e->prev;
    e->prev = e->next = NULL;
}

static void append_entry(hub_http_guard_t *g, struct entry *e)
{
    e->prev = g->tail;
    e->next = NULL;
    if (g->tail)
        g->tail->next = e;
    else
        g->head = e;
    g->tail = e;
}

static void cut(hub_http_guard_t *g, struct entry *e)
{
    shutdown(e->fd, SHUT_RDWR);
    e->cut = true;
    g->n_cut++;
}

/* Shuts down the connection waiting longest, if it has waited long enough to be no fast client.
 * Returns whether it did. */
static bool evict_oldest(hub_http_guard_t *g, int64_t now)
{
    for (struct entry *e = g->head; e; e = e->next) {
        if (e->cut)
            continue;
        if (now - e->since_ms < HUB_HTTP_GUARD_EVICT_AFTER_MS)
            return false;
        cut(g, e);
        atomic_fetch_add(&g->evicted, 1);
        return true;
    }
    return false;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    hub_http_guard_t *g = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct entry *e = calloc(1, sizeof *e);
        if (!e || !info) {
            /* cannot track it: do not serve it either */
            free(e);
            if (info)
                shutdown(info->connect_fd, SHUT_RDWR);
            *socket_context = NULL;
            return;
        }
        e->fd = info->connect_fd;
        e->since_ms = mono_ms();
        append_entry(g, e);
        g->open++;
        *socket_context = e;
        if (g->open - g->n_cut > g->soft_limit)
            (void)evict_oldest(g, e->since_ms);
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        struct entry *e = *socket_context;
        if (e) {
            unlink_entry(g, e);
            g->open--;
            if (e->cut)
                g->n_cut--;
            free(e);
            *socket_context = NULL;
        }
    }
}

/* A request was answered: its connection's clock starts again, at the young end of the list. */
static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    hub_http_guard_t *g = cls;
    if (g->completed)
        g->completed(g->completed_cls, c, con_cls, toe);
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct entry *e = info ? info->socket_context : NULL;
    if (e && !e->cut) {
        unlink_entry(g, e);
        e->since_ms = mono_ms();
        append_entry(g, e);
    }
}

/* Shuts down every connection past its deadline (they are at the head of the list), then the
 * oldest ones until a quarter of the connections is free for newcomers again: libmicrohttpd
 * refuses a connection at max_connections, so room must be made before that, not on accept. */
static void sweep(hub_http_guard_t *g, int64_t now)
{
    for (struct entry *e = g->head; e && now - e->since_ms > g->deadline_ms; e = e->next) {
        if (!e->cut) {
            cut(g, e);
            atomic_fetch_add(&g->deadline_closed, 1);
        }
    }
    while (g->open - g->n_cut > g->soft_limit && evict_oldest(g, now))
        ;
}

static void *serve(void *arg)
{
    hub_http_guard_t *g = arg;
    while (!atomic_load(&g->stop)) {
        MHD_UNSIGNED_LONG_LONG mhd_ms = LOOP_WAKE_MS;
        int wait_ms = LOOP_WAKE_MS;
        if (MHD_get_timeout(g->daemon, &mhd_ms) == MHD_YES && mhd_ms < (unsigned)LOOP_WAKE_MS)
            wait_ms = (int)mhd_ms;
        struct pollfd p = {g->epoll_fd, POLLIN, 0};
        (void)poll(&p, 1, wait_ms);
        MHD_run(g->daemon);
        sweep(g, mono_ms());
    }
    return NULL;
}

int hub_http_guard_start(const struct hub_http_guard_opts *o, hub_http_guard_t **out,
                         struct hub_error *err)
{
    *out = NULL;
    hub_http_guard_t *g = calloc(1, sizeof *g);
    if (!g)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    atomic_init(&g->stop, false);
    atomic_init(&g->deadline_closed, 0);
    atomic_init(&g->evicted, 0);
    g->max_connections = o->max_connections;
    g->soft_limit = o->max_connections - o->max_connections / 4;
    g->deadline_ms = (int64_t)o->deadline_s * 1000;
    g->completed = o->completed;
    g->completed_cls = o->completed_cls;
    unsigned int flags = MHD_USE_EPOLL | (o->logger ? MHD_USE_ERROR_LOG : 0);
    if (o->addr->sa_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (o->logger)
        g->daemon = MHD_start_daemon(
            flags, 0, NULL, NULL, o->handler, o->handler_cls, MHD_OPTION_EXTERNAL_LOGGER, o->logger,
            o->logger_cls, MHD_OPTION_SOCK_ADDR, o->addr, MHD_OPTION_CONNECTION_LIMIT,
            o->max_connections, MHD_OPTION_CONNECTION_TIMEOUT, o->deadline_s,
            MHD_OPTION_CONNECTION_MEMORY_LIMIT, o->memory_per_connection,
            MHD_OPTION_NOTIFY_COMPLETED, on_completed, g, MHD_OPTION_NOTIFY_CONNECTION,
            on_connection, g, MHD_OPTION_END);
    else
        g->daemon = MHD_start_daemon(
            flags, 0, NULL, NULL, o->handler, o->handler_cls, MHD_OPTION_SOCK_ADDR, o->addr,
            MHD_OPTION_CONNECTION_LIMIT, o->max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
            o->deadline_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT, o->memory_per_connection,
            MHD_OPTION_NOTIFY_COMPLETED, on_completed, g, MHD_OPTION_NOTIFY_CONNECTION,
            on_connection, g, MHD_OPTION_END);
    if (!g->daemon) {
        free(g);
        return hub_error_set(err, HUB_EIO, "cannot listen");
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(g->daemon, MHD_DAEMON_INFO_BIND_PORT);
    g->port = info ? info->port : 0;
    info = MHD_get_daemon_info(g->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    g->epoll_fd = info ? info->epoll_fd : -1;
    if (g->epoll_fd < 0 || pthread_create(&g->thread, NULL, serve, g) != 0) {
        MHD_stop_daemon(g->daemon);
        free(g);
        return hub_error_set(err, HUB_EINTERNAL, "cannot start the HTTP server's thread");
    }
    g->thread_started = true;
    *out = g;
    return 0;
}

uint16_t hub_http_guard_port(const hub_http_guard_t *g)
{
    return g->port;
}

void hub_http_guard_stats(const hub_http_guard_t *g, struct hub_http_guard_stats *out)
{
    out->deadline_closed = atomic_load(&g->deadline_closed);
    out->evicted = atomic_load(&g->evicted);
}

void hub_http_guard_stop(hub_http_guard_t *g)
{
    if (!g)
        return;
    atomic_store(&g->stop, true);
    if (g->thread_started)
        pthread_join(g->thread, NULL);
    /* closes every connection, calling on_connection(CLOSED) here, which frees the entries */
    MHD_stop_daemon(g->daemon);
    free(g);
}
