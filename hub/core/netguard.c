/* netguard.c — public addresses only, unless an operator allows a range (netguard.h). */
#include "hub/core/netguard.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ALLOW_KEY "hub.notifier.allow_ranges"

struct v4_range {
    uint32_t net;
    unsigned prefix;
    const char *kind;
};

static const struct v4_range v4_special[] = {
    {0x00000000u, 8, "this-network"},
    {0x0a000000u, 8, "private"},
    {0x64400000u, 10, "shared (CGNAT)"},
    {0x7f000000u, 8, "loopback"},
    {0xa9fe0000u, 16, "link-local (cloud metadata)"},
    {0xac100000u, 12, "private"},
    {0xc0000000u, 24, "IETF protocol assignment"},
    {0xc0000200u, 24, "documentation"},
    {0xc0a80000u, 16, "private"},
    {0xc6120000u, 15, "benchmarking"},
    {0xc6336400u, 24, "documentation"},
    {0xcb007100u, 24, "documentation"},
    {0xe0000000u, 4, "multicast"},
    {0xf0000000u, 4, "reserved"},
};

struct v6_range {
    uint8_t net[16];
    unsigned prefix;
    const char *kind;
};

static const struct v6_range v6_special[] = {
    {{0}, 128, "unspecified"},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, "loopback"},
    {{0}, 96, "IPv4-compatible (deprecated)"},
    {{0xfc}, 7, "unique-local (private)"},
    {{0xfe, 0x80}, 10, "link-local"},
    {{0xfe, 0xc0}, 10, "site-local"},
    {{0xff}, 8, "multicast"},
    {{0x20, 0x01, 0x0d, 0xb8}, 32, "documentation"},
};

static bool prefix_match(const uint8_t *a, const uint8_t *net, unsigned prefix)
{
    unsigned full = prefix / 8, rest = prefix % 8;
    if (memcmp(a, net, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xffu << (8 - rest));
    return (a[full] & mask) == (net[full] & mask);
}

static const char *v4_kind(const uint8_t a[4])
{
    uint32_t x = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
    for (size_t i = 0; i < sizeof v4_special / sizeof v4_special[0]; i++) {
        uint32_t mask = v4_special[i].prefix ? 0xffffffffu << (32 - v4_special[i].prefix) : 0;
        if ((x & mask) == v4_special[i].net)
            return v4_special[i].kind;
    }
    return NULL;
}

/* The IPv4 address carried inside an IPv6 one (mapped ::ffff:0:0/96, NAT64 64:ff9b::/96, 6to4
 * 2002::/16), or NULL. */
static const uint8_t *embedded_v4(const uint8_t a[16])
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b};
    if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
        return a + 12;
    if (a[0] == 0x20 && a[1] == 0x02)
        return a + 2;
    return NULL;
}

static const char *v6_kind(const uint8_t a[16])
{
    const uint8_t *v4 = embedded_v4(a);
    if (v4)
        return v4_kind(v4);
    for (size_t i = 0; i < sizeof v6_special / sizeof v6_special[0]; i++)
        if (prefix_match(a, v6_special[i].net, v6_special[i].prefix))
            return v6_special[i].kind;
    return NULL;
}

const char *hub_net_special(const struct sockaddr *sa)
{
    if (sa && sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        return v4_kind((const uint8_t *)&in->sin_addr);
    }
    if (sa && sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        return v6_kind(in6->sin6_addr.s6_addr);
    }
    return "not an internet address";
}

static bool allowed(const struct hub_netallow *allow, int family, const uint8_t *a)
{
    for (size_t i = 0; allow && i < allow->n; i++)
        if (allow->r[i].family == family && prefix_match(a, allow->r[i].addr, allow->r[i].prefix))
            return true;
    return false;
}

int hub_net_check_addr(const struct sockaddr *sa, const struct hub_netallow *allow,
                       struct hub_error *err)
{
    const char *kind = hub_net_special(sa);
    if (!kind)
        return 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        if (allowed(allow, AF_INET, (const uint8_t *)&in->sin_addr))
            return 0;
    } else if (sa->sa_family == AF_INET6) {
        const uint8_t *a = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
        const uint8_t *v4 = embedded_v4(a);
        if (allowed(allow, AF_INET6, a) || (v4 && allowed(allow, AF_INET, v4)))
            return 0;
    }
    return hub_error_set(err, HUB_EINVAL,
                         "the address is %s, not public; the hub calls out only to public "
                         "addresses unless " ALLOW_KEY " names its range",
                         kind);
}

int hub_netallow_parse(const char *list, struct hub_netallow *out, struct hub_error *err)
{
    memset(out, 0, sizeof *out);
    if (!list)
        return 0;
    size_t entry = 0;
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        const char *start = p;
        while (*p && *p != ',' && *p != ' ')
            p++;
        entry++;
        char buf[64];
        size_t len = (size_t)(p - start);
        if (len >= sizeof buf || out->n == HUB_NETALLOW_MAX)
            return hub_error_set(err, HUB_ECONFIG_VALUE, ALLOW_KEY ": entry %zu: %s", entry,
                                 out->n == HUB_NETALLOW_MAX ? "more than 16 ranges" : "too long");
        memcpy(buf, start, len);
        buf[len] = '\0';
        struct hub_net_range *r = &out->r[out->n];
        char *slash = strchr(buf, '/');
        if (slash)
            *slash = '\0';
        unsigned max;
        if (inet_pton(AF_INET, buf, r->addr) == 1) {
            r->family = AF_INET;
            max = 32;
        } else if (inet_pton(AF_INET6, buf, r->addr) == 1) {
            r->family = AF_INET6;
            max = 128;
        } else {
            return hub_error_set(err, HUB_ECONFIG_VALUE,
                                 ALLOW_KEY ": entry %zu is not ADDRESS[/PREFIX] (e.g. 127.0.0.0/8)",
                                 entry);
        }
        r->prefix = max;
        if (slash) {
            char *end = NULL;
            long v = strtol(slash + 1, &end, 10);
            if (end == slash + 1 || *end || v < 0 || v > (long)max)
                return hub_error_set(err, HUB_ECONFIG_VALUE,
                                     ALLOW_KEY ": entry %zu: the prefix must be 0..%u", entry, max);
            r->prefix = (unsigned)v;
        }
        out->n++;
    }
    return 0;
}

/* "localhost", "localhost." or a name under .localhost (RFC 6761: always loopback). */
static bool is_localhost_name(const char *host)
{
    size_t n = strlen(host);
    if (n && host[n - 1] == '.')
        n--;
    return (n == 9 && strncasecmp(host, "localhost", 9) == 0) ||
           (n > 10 && strncasecmp(host + n - 10, ".localhost", 10) == 0);
}

/*
 * Parses `url` with libcurl's URL API and applies the rules that need no resolving: the scheme,
 * no user information, a host. When the host is an address literal or a localhost name, its
 * address goes to *ss (family AF_UNSPEC otherwise). Returns 0 or HUB_EINVAL / HUB_ENOMEM.
 */
static int parse_url(const char *url, bool allow_http, struct sockaddr_storage *ss,
                     struct hub_error *err)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL;
    int rc = 0;

    memset(ss, 0, sizeof *ss);
    if (!u)
        return hub_error_set(err, HUB_ENOMEM, "webhook_url: out of memory");
    if (!url || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
        rc = hub_error_set(err, HUB_EINVAL, "webhook_url: not a URL libcurl can parse");
        goto out;
    }
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        !(strcmp(scheme, "https") == 0 || (allow_http && strcmp(scheme, "http") == 0))) {
        rc = hub_error_set(err, HUB_EINVAL, "webhook_url: must start with https://%s",
                           allow_http ? " or http://" : "");
        goto out;
    }
    static const CURLUPart userinfo[] = {CURLUPART_USER, CURLUPART_PASSWORD, CURLUPART_OPTIONS};
    for (size_t i = 0; i < sizeof userinfo / sizeof userinfo[0]; i++) {
        char *part = NULL;
        CURLUcode got = curl_url_get(u, userinfo[i], &part, 0);
        curl_free(part);
        if (got == CURLUE_OK) {
            rc = hub_error_set(err, HUB_EINVAL,
                               "webhook_url: a user name or password before the host "
                               "('user@host') is not allowed");
            goto out;
        }
    }
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host) {
        rc = hub_error_set(err, HUB_EINVAL, "webhook_url: no host");
        goto out;
    }
    /* An address literal (libcurl has normalised 0x7f.1 and 2130706433 to 127.0.0.1) or a name
     * that is loopback by definition; any other name is judged when it is resolved. */
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)(void *)ss;
    struct sockaddr_in *a4 = (struct sockaddr_in *)(void *)ss;
    size_t hl = strlen(host);
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
        host[hl - 1] = '\0';
        char *zone = strchr(host + 1, '%');
        if (zone)
            *zone = '\0';
        if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) == 1)
            a6->sin6_family = AF_INET6;
    } else if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
    } else if (is_localhost_name(host)) {
        a4->sin_family = AF_INET;
        a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    }
out:
    curl_free(host);
    curl_free(scheme);
    curl_url_cleanup(u);
    return rc;
}

int hub_net_check_url(const char *url, bool allow_http, const struct hub_netallow *allow,
                      struct hub_error *err)
{
    struct sockaddr_storage ss;
    int rc = parse_url(url, allow_http, &ss, err);
    if (rc == 0 && ss.ss_family != AF_UNSPEC &&
        (rc = hub_net_check_addr((const struct sockaddr *)&ss, allow, err)) != 0)
        hub_error_prefix(err, "webhook_url: ");
    return rc;
}

bool hub_net_url_is_loopback(const char *url)
{
    struct sockaddr_storage ss;
    struct hub_error e = {0};
    if (parse_url(url, true, &ss, &e) != 0 || ss.ss_family == AF_UNSPEC)
        return false;
    const char *kind = hub_net_special((const struct sockaddr *)&ss);
    return kind && strcmp(kind, "loopback") == 0;
}
