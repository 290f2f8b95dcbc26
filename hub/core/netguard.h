/*
 * netguard.h — where the hub may call out to: a school's webhook, never the hub's own network.
 *
 * A school directory row names the URL the notifier POSTs to. Without a check, whoever can put a
 * row in the directory makes the hub call loopback services, the internal network or the cloud
 * metadata endpoint (a blind SSRF: the response status lands in the disclosure log). So an
 * endpoint must be a public address, unless the operator allows a range explicitly
 * (hub.notifier.allow_ranges, CIDR list: the tests and the demo deliver to 127.0.0.1).
 *
 * Refused unless allowed (IPv4, and the IPv4 inside IPv4-mapped, NAT64 and 6to4 IPv6 addresses):
 *   this-network 0/8, private 10/8 172.16/12 192.168/16, shared (CGNAT) 100.64/10, loopback 127/8,
 *   link-local 169.254/16 (cloud metadata 169.254.169.254), IETF 192.0.0/24, documentation
 *   192.0.2/24 198.51.100/24 203.0.113/24, benchmarking 198.18/15, multicast 224/4, reserved 240/4;
 *   IPv6 unspecified ::, loopback ::1, unique-local fc00::/7 (AWS metadata fd00:ec2::254),
 *   link-local fe80::/10, site-local fec0::/10, multicast ff00::/8, documentation 2001:db8::/32.
 *
 * Checked twice: when the directory is imported (the URL parsed with libcurl's URL API, so
 * "http://localhost:80@other-host/" is seen to name other-host; a host that is an address literal
 * or "localhost" is judged then), and on every connection (hub/notify/notify_deliver.c judges the
 * address libcurl resolved, just before it connects: DNS may say anything, and may change its
 * answer).
 */
#ifndef HUB_NETGUARD_H
#define HUB_NETGUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "hub/core/err.h"

#define HUB_NETALLOW_MAX 16

struct hub_net_range {
    int family; /* AF_INET or AF_INET6 */
    uint8_t addr[16];
    unsigned prefix;
};

/* The ranges an operator allows although they are not public (hub.notifier.allow_ranges). */
struct hub_netallow {
    size_t n;
    struct hub_net_range r[HUB_NETALLOW_MAX];
};

/* Parses "127.0.0.0/8, ::1/128" (comma-separated CIDR; a bare address is a /32 or /128; empty:
 * nothing allowed) into *out. Returns 0, or HUB_ECONFIG_VALUE naming the entry's position. */
int hub_netallow_parse(const char *list, struct hub_netallow *out,
                       struct hub_error *err) HUB_MUST_CHECK;

/* The special-purpose range `sa` (AF_INET or AF_INET6) is in ("loopback", "private", …), or NULL
 * for a public address. An unknown family counts as "not an internet address". */
const char *hub_net_special(const struct sockaddr *sa);

/* 0 when the hub may connect to `sa`: a public address, or one inside an allowed range. Else
 * HUB_EINVAL, err naming the kind of range and the key that would allow it. */
int hub_net_check_addr(const struct sockaddr *sa, const struct hub_netallow *allow,
                       struct hub_error *err) HUB_MUST_CHECK;

/*
 * Checks a webhook URL without resolving it: parsed by libcurl's URL API; the scheme https (http
 * too when `allow_http`); no user name or password; a host; a host that is an address literal, or
 * "localhost" / "*.localhost" (loopback), must pass hub_net_check_addr. Messages start with
 * "webhook_url: " and name the rule, never the URL. Returns 0 or HUB_EINVAL.
 */
int hub_net_check_url(const char *url, bool allow_http, const struct hub_netallow *allow,
                      struct hub_error *err) HUB_MUST_CHECK;

/* Whether `url` parses and its host is a loopback address literal or "localhost" (the one place
 * a school directory may name an http:// endpoint: the tests' and the demo's receiver). */
bool hub_net_url_is_loopback(const char *url);

#endif
