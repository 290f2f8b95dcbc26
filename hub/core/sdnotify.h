/*
 * sdnotify.h — telling systemd how a long-running program is doing (units with Type=notify).
 *
 * systemd's notification protocol (sd_notify(3)) spoken directly: one datagram of
 * newline-separated KEY=VALUE lines to the AF_UNIX socket named by $NOTIFY_SOCKET (a path, or
 * "@name" for the abstract namespace). Without $NOTIFY_SOCKET every call does nothing, so the
 * programs behave the same outside systemd. libsystemd is not linked for these few lines.
 *
 * What the hub's programs say:
 *   READY=1        once the program is running its loop: its ops server is up and it either
 *                  works or waits for a dependency (a consumer waiting for PostgreSQL is started,
 *                  and says so in STATUS and on /readyz; `systemctl start` must not hang on it);
 *   STATUS=...     what it is doing, for `systemctl status`;
 *   WATCHDOG=1     from the loop itself, at most every half of $WATCHDOG_USEC (WatchdogSec=):
 *                  a loop stuck in a call that never returns stops the pings and systemd
 *                  restarts the program;
 *   STOPPING=1     when the loop ends on SIGTERM/SIGINT, before the program closes its clients.
 */
#ifndef HUB_SDNOTIFY_H
#define HUB_SDNOTIFY_H

#include <stdbool.h>

/* Sends `state` (e.g. "READY=1\nSTATUS=consuming") to $NOTIFY_SOCKET. 0 when sent or when
 * $NOTIFY_SOCKET is unset; otherwise a HUB_E* code (a malformed or unreachable socket, logged
 * once as a warning naming NOTIFY_SOCKET; the program goes on). */
int hub_sd_notify(const char *state);

/* READY=1 with STATUS=`status` (first call only; later calls update STATUS). The calling thread
 * becomes the one whose hub_sd_alive() calls count for the watchdog. */
void hub_sd_ready(const char *status);

/* STATUS=`status` when it differs from the last one sent. */
void hub_sd_status(const char *status);

/* WATCHDOG=1 when $WATCHDOG_USEC is set (and $WATCHDOG_PID, if set, is this process) and half
 * the interval has passed since the last ping. Call it from the program's loop: calls from any
 * thread other than the one that called hub_sd_ready() are ignored, so a worker thread cannot
 * keep a hung loop alive. */
void hub_sd_alive(void);

/* STOPPING=1 (once). */
void hub_sd_stopping(void);

/* The watchdog interval in ms from $WATCHDOG_USEC, 0 when there is none for this process. */
long hub_sd_watchdog_ms(void);

#endif
