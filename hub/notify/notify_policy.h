/*
 * notify_policy.h — the notifier's arithmetic: retry back-off with jitter, Retry-After, and the
 * working-day deadline after which an unacknowledged handover is overdue.
 *
 * Pure functions (no clock, no randomness of their own) so that tests can pin every bound.
 */
#ifndef HUB_NOTIFY_POLICY_H
#define HUB_NOTIFY_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "hub/core/err.h"

/*
 * Delay before the next attempt after `attempt` (>= 1) failed attempts: the exponential step
 * d = min(max_ms, base_ms * 2^(attempt-1)), minus a jitter drawn from `rnd` (a uniform random
 * 64-bit value) of up to jitter_pct percent of d. So always
 *     d * (100 - jitter_pct) / 100  <=  result  <=  d  <=  max_ms.
 * Jitter spreads the retries of many notifications failing together (one school down). Out of
 * range arguments are clamped (attempt < 1 as 1, jitter_pct to 0..100, base_ms to >= 1).
 */
int64_t hub_notify_backoff_ms(int attempt, int64_t base_ms, int64_t max_ms, int jitter_pct,
                              uint64_t rnd);

/*
 * Parses an HTTP Retry-After value (RFC 9110 §10.2.3): delta-seconds ("120") or an HTTP-date in
 * any of the three formats a recipient must accept — IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT",
 * RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT", asctime "Sun Nov  6 08:49:37 1994" — relative to
 * `now_s` (unix seconds). Leading and trailing spaces are ignored. Stores the seconds to wait
 * (0 for a date in the past) in *delay_s. Returns 0, or HUB_EINVAL for anything else (including
 * delta-seconds beyond ten years).
 */
int hub_notify_retry_after_parse(const char *value, int64_t now_s, int64_t *delay_s) HUB_MUST_CHECK;

/* Whether a day (days since 1970-01-01, a Thursday) is a working day: Monday to Friday. Public
 * holidays are not known here and count as working days. */
bool hub_notify_is_workday(int32_t day);

/* The n-th working day after `day` (n >= 0; n == 0 gives `day` itself). */
int32_t hub_notify_add_workdays(int32_t day, int n);

/* UTC ms of 00:00 Europe/Stockholm on `day`. */
int64_t hub_notify_stockholm_day_start_ms(int32_t day);

/*
 * Overdue rule: a handover delivered on Stockholm date D is overdue, when still unacknowledged,
 * from the day after hub_notify_add_workdays(D, n). Returns the cut-off instant for `now_ms`: a
 * delivery made before it (strictly) is overdue now; later ones are not.
 */
int64_t hub_notify_overdue_cutoff_ms(int64_t now_ms, int n);

#endif
