/* test_cli.c — the command line every hub program shares (hub/core/cli.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "hub/core/app.h"
#include "hub/core/cli.h"

static int usage_calls;

static void usage(FILE *f)
{
    (void)f;
    usage_calls++;
}

struct parsed {
    const char *config, *idle;
    bool rebuild;
    int first;
};

static int parse(bool operands, struct parsed *p, int argc, char **argv)
{
    const struct hub_cli_opt opts[] = {{"rebuild", 'r', NULL, &p->rebuild},
                                       {"exit-when-idle", 'i', &p->idle, NULL},
                                       {NULL, 0, NULL, NULL}};
    const struct hub_cli cli = {"prog", usage, opts, operands};
    memset(p, 0, sizeof *p);
    usage_calls = 0;
    return hub_cli_parse(&cli, argc, argv, &p->config, &p->first);
}

#define ARGV(...)                                                                                  \
    (char *[])                                                                                     \
    {                                                                                              \
        "prog", __VA_ARGS__, NULL                                                                  \
    }
#define ARGC(...) ((int)(sizeof((char *[]){"prog", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(operands, p, ...) parse(operands, p, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

static void test_cli_takes_config_flags_and_arguments(void **state)
{
    (void)state;
    struct parsed p;
    assert_int_equal(PARSE(false, &p, "--config", "a.conf", "--rebuild", "--exit-when-idle", "5"),
                     HUB_CLI_RUN);
    assert_string_equal(p.config, "a.conf");
    assert_true(p.rebuild);
    assert_string_equal(p.idle, "5");
    assert_int_equal(PARSE(false, &p, "-c", "b.conf", "-r", "-i", "7"), HUB_CLI_RUN);
    assert_string_equal(p.config, "b.conf");
    assert_true(p.rebuild);
    assert_string_equal(p.idle, "7");
    assert_int_equal(usage_calls, 0);
}

static void test_cli_refuses_what_it_does_not_know(void **state)
{
    (void)state;
    struct parsed p;
    assert_int_equal(PARSE(false, &p, "--config", "a.conf", "--bogus"), HUB_EXIT_USAGE);
    assert_int_equal(usage_calls, 1);
    assert_int_equal(PARSE(false, &p, "--rebuild"), HUB_EXIT_USAGE); /* no --config */
    assert_int_equal(usage_calls, 1);
    assert_int_equal(PARSE(false, &p, "--config", "a.conf", "file.jsonl"), HUB_EXIT_USAGE);
    assert_int_equal(PARSE(false, &p, "--config", "a.conf", "--exit-when-idle"), HUB_EXIT_USAGE);
    assert_int_equal(PARSE(false, &p, "--help"), HUB_EXIT_OK);
    assert_int_equal(usage_calls, 1);
}

static void test_cli_operands_when_the_program_takes_them(void **state)
{
    (void)state;
    struct parsed p;
    char **argv = ARGV("a.jsonl", "--config", "a.conf", "b.jsonl");
    const struct hub_cli_opt none[] = {{NULL, 0, NULL, NULL}};
    const struct hub_cli cli = {"prog", usage, none, true};
    const char *config = NULL;
    int first = 0;
    assert_int_equal(hub_cli_parse(&cli, 5, argv, &config, &first), HUB_CLI_RUN);
    assert_string_equal(config, "a.conf");
    assert_int_equal(first, 3); /* operands moved after the options */
    assert_string_equal(argv[first], "a.jsonl");
    assert_string_equal(argv[first + 1], "b.jsonl");
    assert_int_equal(PARSE(true, &p, "--config", "a.conf"), HUB_CLI_RUN);
    assert_int_equal(p.first, 3);
}

static void test_cli_number_in_range(void **state)
{
    (void)state;
    long v = -1;
    assert_true(hub_cli_number("prog", "n", "0", 0, 10, "0..10", &v));
    assert_int_equal(v, 0);
    assert_true(hub_cli_number("prog", "n", "10", 0, 10, "0..10", &v));
    assert_int_equal(v, 10);
    assert_false(hub_cli_number("prog", "n", "11", 0, 10, "0..10", &v));
    assert_false(hub_cli_number("prog", "n", "-1", 0, 10, "0..10", &v));
    assert_false(hub_cli_number("prog", "n", "5x", 0, 10, "0..10", &v));
    assert_false(hub_cli_number("prog", "n", "", 0, 10, "0..10", &v));
    assert_false(hub_cli_number("prog", "n", "99999999999999999999", 0, 10, "0..10", &v));
    assert_int_equal(v, 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_takes_config_flags_and_arguments),
        cmocka_unit_test(test_cli_refuses_what_it_does_not_know),
        cmocka_unit_test(test_cli_operands_when_the_program_takes_them),
        cmocka_unit_test(test_cli_number_in_range),
    };
    return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
