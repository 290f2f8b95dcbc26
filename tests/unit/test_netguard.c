/* test_netguard.c — where the notifier may call out to (hub/netguard.h), tried as an attacker who
 * can write a school directory row would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "hub/core/netguard.h"

static void expect_refused(const char *url, const struct hub_netallow *allow, const char *why)
{
    struct hub_error err = {0};
    if (hub_net_check_url(url, true, allow, &err) != HUB_EINVAL)
        fail_msg("accepted: %s", url);
    if (!strstr(err.msg, why))
        fail_msg("%s: message \"%s\" lacks \"%s\"", url, err.msg, why);
    if (strncmp(err.msg, "webhook_url: ", 13) != 0)
        fail_msg("%s: message \"%s\" does not name the field", url, err.msg);
}

static void expect_accepted(const char *url, const struct hub_netallow *allow)
{
    struct hub_error err = {0};
    if (hub_net_check_url(url, true, allow, &err) != 0)
        fail_msg("refused: %s: %s", url, err.msg);
}

/* Finding (issue 14): "http://localhost:80@other-host/" passed the prefix check, naming
 * other-host; libcurl's parser sees the user name, and it is refused. */
static void test_netguard_refuses_user_information(void **state)
{
    (void)state;
    expect_refused("http://localhost:80@other-host/", NULL, "user name or password");
    expect_refused("https://127.0.0.1@169.254.169.254/", NULL, "user name or password");
    expect_refused("https://user:pw@skola.example.se/hook", NULL, "user name or password");
}

/* Finding (issue 14): https URLs to loopback, private, link-local and metadata addresses. */
static void test_netguard_refuses_non_public_literals(void **state)
{
    (void)state;
    struct {
        const char *url, *why;
    } cases[] = {
        {"https://127.0.0.1/hook", "loopback"},
        {"https://127.1.2.3:8443/hook", "loopback"},
        {"https://2130706433/hook", "loopback"}, /* 127.0.0.1 as one number */
        {"https://0x7f.1/hook", "loopback"},
        {"https://localhost/hook", "loopback"},
        {"https://LOCALHOST./hook", "loopback"},
        {"https://api.localhost/hook", "loopback"},
        {"https://[::1]/hook", "loopback"},
        {"https://[::ffff:127.0.0.1]/hook", "loopback"},
        {"https://[::ffff:a9fe:a9fe]/hook", "link-local (cloud metadata)"},
        {"https://169.254.169.254/latest/meta-data/", "link-local (cloud metadata)"},
        {"https://[fd00:ec2::254]/", "unique-local"},
        {"https://[fe80::1%25eth0]/", "link-local"},
        {"https://10.1.2.3/hook", "private"},
        {"https://172.16.0.1/hook", "private"},
        {"https://172.31.255.255/hook", "private"},
        {"https://192.168.1.1/hook", "private"},
        {"https://100.64.0.1/hook", "shared"},
        {"https://0.0.0.0/hook", "this-network"},
        {"https://[::]/hook", "unspecified"},
        {"https://[64:ff9b::10.0.0.1]/hook", "private"},
        {"https://[2002:c0a8:0101::1]/hook", "private"}, /* 6to4 of 192.168.1.1 */
        {"https://224.0.0.1/hook", "multicast"},
        {"https://255.255.255.255/hook", "reserved"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_refused(cases[i].url, NULL, cases[i].why);
}

static void test_netguard_accepts_public_addresses_and_names(void **state)
{
    (void)state;
    expect_accepted("https://skola.example.se/sams", NULL); /* names: judged when resolved */
    expect_accepted("https://93.184.216.34/hook", NULL);
    expect_accepted("https://172.32.0.1/hook", NULL); /* just past 172.16/12 */
    expect_accepted("https://[2a00:1450:4010:c05::65]/hook", NULL);
    expect_accepted("https://8.8.8.8:8443/a?b=c", NULL);
}

static void test_netguard_refuses_other_schemes_and_bad_urls(void **state)
{
    (void)state;
    struct hub_error err = {0};
    assert_int_equal(hub_net_check_url("http://skola.example.se/", false, NULL, &err), HUB_EINVAL);
    assert_non_null(strstr(err.msg, "must start with https://"));
    expect_refused("ftp://skola.example.se/", NULL, "must start with https://");
    expect_refused("file:///etc/passwd", NULL, "must start with https://");
    expect_refused("gopher://127.0.0.1:6379/_INFO", NULL, "must start with https://");
    expect_refused("https://", NULL, "webhook_url: ");
    expect_refused("skola.example.se/hook", NULL, "webhook_url: ");
}

/* The operator's allowance opens exactly the ranges named, nothing else. */
static void test_netguard_allowance_opens_only_its_ranges(void **state)
{
    (void)state;
    struct hub_netallow allow;
    struct hub_error err = {0};
    assert_int_equal(hub_netallow_parse("127.0.0.0/8, 10.20.0.0/16", &allow, &err), 0);
    assert_int_equal(allow.n, 2);
    expect_accepted("http://127.0.0.1:8080/in", &allow);
    expect_accepted("http://localhost:8080/in", &allow);
    expect_accepted("https://[::ffff:127.0.0.1]/in", &allow); /* the IPv4 inside counts */
    expect_accepted("https://10.20.3.4/in", &allow);
    expect_refused("https://10.21.3.4/in", &allow, "private");
    expect_refused("https://[::1]/in", &allow, "loopback");
    expect_refused("https://169.254.169.254/", &allow, "cloud metadata");
    assert_int_equal(hub_netallow_parse("::1", &allow, &err), 0);
    expect_accepted("https://[::1]/in", &allow);
    expect_refused("https://127.0.0.1/in", &allow, "loopback");
    assert_int_equal(hub_netallow_parse("", &allow, &err), 0);
    assert_int_equal(allow.n, 0);
}

static void test_netguard_allowance_parse_errors_name_the_entry(void **state)
{
    (void)state;
    struct hub_netallow allow;
    struct hub_error err = {0};
    assert_int_equal(hub_netallow_parse("127.0.0.0/8,nonsense", &allow, &err), HUB_ECONFIG_VALUE);
    assert_non_null(strstr(err.msg, "hub.notifier.allow_ranges: entry 2"));
    assert_int_equal(hub_netallow_parse("10.0.0.0/33", &allow, &err), HUB_ECONFIG_VALUE);
    assert_non_null(strstr(err.msg, "prefix must be 0..32"));
    assert_int_equal(hub_netallow_parse("::/129", &allow, &err), HUB_ECONFIG_VALUE);
    assert_int_equal(hub_netallow_parse("10.0.0.0/x", &allow, &err), HUB_ECONFIG_VALUE);
}

/* What the connect-time check sees: addresses as libcurl resolved them. */
static void test_netguard_judges_resolved_addresses(void **state)
{
    (void)state;
    struct sockaddr_in a4 = {.sin_family = AF_INET};
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};
    struct hub_error err = {0};
    assert_int_equal(inet_pton(AF_INET, "127.0.1.1", &a4.sin_addr), 1);
    assert_int_equal(hub_net_check_addr((struct sockaddr *)&a4, NULL, &err), HUB_EINVAL);
    assert_non_null(strstr(err.msg, "hub.notifier.allow_ranges"));
    assert_int_equal(inet_pton(AF_INET, "193.10.7.2", &a4.sin_addr), 1);
    assert_int_equal(hub_net_check_addr((struct sockaddr *)&a4, NULL, &err), 0);
    assert_null(hub_net_special((struct sockaddr *)&a4));
    assert_int_equal(inet_pton(AF_INET6, "fd00:ec2::254", &a6.sin6_addr), 1);
    assert_string_equal(hub_net_special((struct sockaddr *)&a6), "unique-local (private)");
    struct sockaddr un = {.sa_family = AF_UNIX};
    assert_int_equal(hub_net_check_addr(&un, NULL, &err), HUB_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_netguard_refuses_user_information),
        cmocka_unit_test(test_netguard_refuses_non_public_literals),
        cmocka_unit_test(test_netguard_accepts_public_addresses_and_names),
        cmocka_unit_test(test_netguard_refuses_other_schemes_and_bad_urls),
        cmocka_unit_test(test_netguard_allowance_opens_only_its_ranges),
        cmocka_unit_test(test_netguard_allowance_parse_errors_name_the_entry),
        cmocka_unit_test(test_netguard_judges_resolved_addresses),
    };
    return cmocka_run_group_tests_name("netguard", tests, NULL, NULL);
}
