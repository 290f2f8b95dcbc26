/* sdnotify.c — systemd's notification protocol over an AF_UNIX datagram socket. */
#include "hub/core/sdnotify.h"
#include "hub/core/err.h"
#include "hub/core/log.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define STATUS_MAX 256

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static bool ready_sent, stopping_sent, warned;
static bool have_loop_thread;
static pthread_t loop_thread;
static char last_status[STATUS_MAX];
static int64_t last_ping_ms;
static long ping_every_ms = -1; /* half the watchdog interval; -1 until read, 0: no watchdog */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The socket address of $NOTIFY_SOCKET: an absolute path, or "@name" for the abstract
 * namespace. 0, or HUB_EINVAL for anything else (relative, empty, too long). */
static int notify_address(const char *name, struct sockaddr_un *sa, socklen_t *len)
{
    size_t n = strlen(name);
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    if (n < 2 || (name[0] != '/' && name[0] != '@') || n >= sizeof sa->sun_path)
        return HUB_EINVAL;
    memcpy(sa->sun_path, name, n);
    if (name[0] == '@')
        sa->sun_path[0] = '\0';
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (name[0] == '/' ? 1 : 0));
    return 0;
}

/* Logs the first failure only: a program under a broken NOTIFY_SOCKET keeps working. Holds
 * `lock`. */
static void warn_once(const char *what, int e)
{
    if (warned)
        return;
    warned = true;
    hub_log(HUB_LOG_WARN, "cannot notify systemd", "NOTIFY_SOCKET=\"%s\" error=\"%s\"",
            getenv("NOTIFY_SOCKET"), e ? strerror(e) : what);
}

/* Sends one datagram. Holds `lock`. */
static int send_locked(const char *state)
{
    const char *name = getenv("NOTIFY_SOCKET");
    if (!name || !*name)
        return 0;
    struct sockaddr_un sa;
    socklen_t len = 0;
    if (notify_address(name, &sa, &len) != 0) {
        warn_once("not an absolute path or @abstract name that fits a socket address", 0);
        return HUB_EINVAL;
    }
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        warn_once(NULL, errno);
        return HUB_EIO;
    }
    size_t n = strlen(state);
    ssize_t sent = sendto(fd, state, n, MSG_NOSIGNAL, (const struct sockaddr *)&sa, len);
    int e = errno;
    close(fd);
    if (sent < 0 || (size_t)sent != n) {
        warn_once("short send", sent < 0 ? e : 0);
        return HUB_EIO;
    }
    return 0;
}

int hub_sd_notify(const char *state)
{
    pthread_mutex_lock(&lock);
    int rc = send_locked(state);
    pthread_mutex_unlock(&lock);
    return rc;
}

long hub_sd_watchdog_ms(void)
{
    const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
    if (!usec || !*usec)
        return 0;
    char *end = NULL;
    errno = 0;
    unsigned long long us = strtoull(usec, &end, 10);
    if (errno || *end || us == 0)
        return 0;
    if (pid && *pid) {
        long long p = strtoll(pid, &end, 10);
        if (*end || p != (long long)getpid())
            return 0;
    }
    return us / 1000 > 0 ? (long)(us / 1000) : 1;
}

void hub_sd_ready(const char *status)
{
    char msg[STATUS_MAX + 32];
    pthread_mutex_lock(&lock);
    if (!have_loop_thread) {
        loop_thread = pthread_self();
        have_loop_thread = true;
    }
    if (!ready_sent || strcmp(status, last_status) != 0) {
        snprintf(msg, sizeof msg, "%sSTATUS=%s", ready_sent ? "" : "READY=1\n", status);
        if (send_locked(msg) == 0)
            ready_sent = true;
        snprintf(last_status, sizeof last_status, "%s", status);
    }
    pthread_mutex_unlock(&lock);
}

void hub_sd_status(const char *status)
{
    char msg[STATUS_MAX + 16];
    pthread_mutex_lock(&lock);
    if (strcmp(status, last_status) != 0) {
        snprintf(msg, sizeof msg, "STATUS=%s", status);
        (void)send_locked(msg);
        snprintf(last_status, sizeof last_status, "%s", status);
    }
    pthread_mutex_unlock(&lock);
}

void hub_sd_alive(void)
{
    pthread_mutex_lock(&lock);
    if (ping_every_ms < 0)
        ping_every_ms = hub_sd_watchdog_ms() > 1 ? hub_sd_watchdog_ms() / 2 : hub_sd_watchdog_ms();
    long every = ping_every_ms;
    if (every > 0 && have_loop_thread && pthread_equal(loop_thread, pthread_self())) {
        int64_t now = mono_ms();
        if (last_ping_ms == 0 || now - last_ping_ms >= every) {
            (void)send_locked("WATCHDOG=1");
            last_ping_ms = now;
        }
    }
    pthread_mutex_unlock(&lock);
}

void hub_sd_stopping(void)
{
    pthread_mutex_lock(&lock);
    if (!stopping_sent) {
        stopping_sent = true;
        (void)send_locked("STOPPING=1\nSTATUS=stopping");
    }
    pthread_mutex_unlock(&lock);
}
