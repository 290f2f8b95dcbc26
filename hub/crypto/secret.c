/*
 * secret.c — reading owner-only secret files.
 *
 * Like ssh with private keys, we refuse a secret that group or others can reach: a key that
 * leaked to another account can no longer be trusted, and a writable one can be replaced.
 */
#include "hub/crypto/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

void hub_secret_free(uint8_t *buf, size_t len)
{
    if (!buf)
        return;
    OPENSSL_cleanse(buf, len);
    free(buf);
}

static int check_mode(const char *path, mode_t mode, struct hub_error *err)
{
    unsigned perm = (unsigned)(mode & 07777);

    if (mode & (S_IRGRP | S_IROTH))
        return hub_error_set(err, HUB_ESECURITY,
                             "%s: mode %04o is readable by group or others; "
                             "chmod 600",
                             path, perm);
    if (mode & (S_IRWXG | S_IRWXO))
        return hub_error_set(err, HUB_ESECURITY,
                             "%s: mode %04o gives group or others access; chmod 600", path, perm);
    return 0;
}

int hub_secret_file_read(const char *path, uint8_t **buf, size_t *len, struct hub_error *err)
{
    uint8_t *data = NULL;
    size_t size = 0, got = 0;
    struct stat st;
    int fd = -1;
    int rc = 0;

    if (!buf || !len)
        return hub_error_set(err, HUB_EINVAL, "secret file: no output given");
    *buf = NULL;
    *len = 0;
    if (!path || !*path)
        return hub_error_set(err, HUB_EINVAL, "secret file: no path given");

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return hub_error_set(err, HUB_EIO, "%s: cannot open: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0) {
        rc = hub_error_set(err, HUB_EIO, "%s: cannot stat: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = hub_error_set(err, HUB_ECONFIG_VALUE, "%s: not a regular file", path);
        goto out;
    }
    rc = check_mode(path, st.st_mode, err);
    if (rc != 0)
        goto out;
    if (st.st_size == 0) {
        rc = hub_error_set(err, HUB_ECONFIG_VALUE, "%s: file is empty", path);
        goto out;
    }
    if (st.st_size > HUB_SECRET_MAX_BYTES) {
        rc = hub_error_set(err, HUB_ECONFIG_VALUE, "%s: larger than %d bytes", path,
                           HUB_SECRET_MAX_BYTES);
        goto out;
    }
    size = (size_t)st.st_size;
    data = malloc(size);
    if (!data) {
        rc = hub_error_set(err, HUB_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    while (got < size) {
        ssize_t n = read(fd, data + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = hub_error_set(err, HUB_EIO, "%s: cannot read: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    {
        /* The size came from fstat; a file that shrank or grew meanwhile is not trusted. */
        uint8_t extra;
        ssize_t n;
        do {
            n = read(fd, &extra, 1);
        } while (n < 0 && errno == EINTR);
        if (got != size || n != 0) {
            rc = hub_error_set(err, HUB_EIO, "%s: changed while being read", path);
            goto out;
        }
    }
    *buf = data;
    *len = size;
    data = NULL;

out:
    hub_secret_free(data, size);
    if (fd >= 0)
        close(fd);
    return rc;
}
