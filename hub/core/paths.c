/* paths.c — the data directory rule of paths.h. */
#include "hub/core/paths.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#ifndef HUB_SOURCE_DIR
#error "HUB_SOURCE_DIR must be defined (the hub target sets it)"
#endif
#ifndef HUB_INSTALL_DATADIR
#error "HUB_INSTALL_DATADIR must be defined (the hub target sets it)"
#endif

static const struct {
    const char *env;
    const char *source;
    const char *installed;
} kinds[] = {
    [HUB_DATA_MIGRATIONS] = {"HUB_MIGRATIONS_DIR", HUB_SOURCE_DIR "/deploy/migrations",
                             HUB_INSTALL_DATADIR "/migrations"},
    [HUB_DATA_REFERENCE] = {"HUB_REFERENCE_DIR", HUB_SOURCE_DIR "/schemas/reference",
                            HUB_INSTALL_DATADIR "/reference"},
    [HUB_DATA_OUTBOX] = {"HUB_OUTBOX_DIR", HUB_SOURCE_DIR "/deploy/outbox",
                         HUB_INSTALL_DATADIR "/outbox"},
};

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int hub_data_dir(enum hub_data_kind kind, char *buf, size_t n)
{
    if (!buf || n == 0 || (size_t)kind >= sizeof kinds / sizeof kinds[0])
        return HUB_EINVAL;
    const char *env = getenv(kinds[kind].env);
    const char *dir = env && *env                  ? env
                      : is_dir(kinds[kind].source) ? kinds[kind].source
                                                   : kinds[kind].installed;
    int len = snprintf(buf, n, "%s", dir);
    if (len < 0 || (size_t)len >= n) {
        buf[0] = '\0';
        return HUB_ERANGE;
    }
    return 0;
}
