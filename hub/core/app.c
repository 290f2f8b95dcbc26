/* app.c — program start-up and the signal flag. */
#include "hub/core/app.h"
#include "hub/core/log.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

int hub_app_no_core_dumps(void)
{
    const struct rlimit none = {0, 0};
    if (setrlimit(RLIMIT_CORE, &none) != 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        return HUB_EINTERNAL;
    return 0;
}

/* glibc gives every thread that allocates an arena of its own, up to eight per CPU, and an arena
 * keeps what was freed into it. In a consumer, librdkafka's threads allocate the messages that the
 * main thread frees, and the verify threads come and go each batch: reading a backlog of 100,000
 * events, hub-readmodel peaked at 45-47 MiB with glibc's default or two arenas and at 36-38 MiB
 * with one (tests/bench/bench_backlog.sh). One arena, unless the operator chose
 * (MALLOC_ARENA_MAX). */
static void limit_malloc_arenas(void)
{
#ifdef __GLIBC__
    if (!getenv("MALLOC_ARENA_MAX"))
        (void)mallopt(M_ARENA_MAX, 1);
#endif
}

int hub_app_start(const char *program, const char *config_path, hub_config_t **cfg)
{
    struct hub_error err = {0};
    enum hub_log_level level = HUB_LOG_INFO;
    enum hub_log_format fmt = HUB_LOG_LOGFMT;

    limit_malloc_arenas(); /* before any thread starts */
    hub_log_setup(program, level, fmt);
    /* before any key is read: a crash later must not write one to disk */
    if (hub_app_no_core_dumps() != 0) {
        hub_log_plain("%s: cannot turn core dumps off (setrlimit/prctl refused)", program);
        return HUB_EXIT_FAILURE;
    }
    if (hub_config_load(config_path, cfg, &err) != 0) {
        hub_log_plain("%s: %s", program, err.msg);
        return HUB_EXIT_USAGE;
    }
    const char *l = hub_config_get(*cfg, "hub.log.level");
    const char *f = hub_config_get(*cfg, "hub.log.format");
    if (hub_log_level_parse(l, &level) != 0 || hub_log_format_parse(f, &fmt) != 0) {
        hub_log_plain("%s: %s: hub.log.level must be debug|info|warn|error and hub.log.format "
                      "logfmt|json",
                      program,
                      hub_config_origin(*cfg, hub_log_level_parse(l, &level) != 0
                                                  ? "hub.log.level"
                                                  : "hub.log.format"));
        hub_config_destroy(*cfg);
        *cfg = NULL;
        return HUB_EXIT_USAGE;
    }
    hub_log_setup(program, level, fmt);
    return HUB_EXIT_OK;
}

void hub_app_on_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

bool hub_app_stopping(void)
{
    return stop_flag != 0;
}

void hub_app_request_stop(void)
{
    stop_flag = 1;
}

int hub_app_exit_code(int code)
{
    switch (code) {
    case HUB_OK:
        return HUB_EXIT_OK;
    case HUB_EINVAL:
    case HUB_EIO:
    case HUB_ESECURITY:
    case HUB_ECONFIG_SYNTAX:
    case HUB_ECONFIG_UNKNOWN:
    case HUB_ECONFIG_VALUE:
    case HUB_ECONFIG_MISSING:
        return HUB_EXIT_USAGE;
    default:
        return HUB_EXIT_FAILURE;
    }
}
