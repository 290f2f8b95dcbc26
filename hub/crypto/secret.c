/*
 * secret.c — reading owner-only secret files.
 *
 * Like ssh with private keys, we refuse a secret that group or others can reach: a key that
 * leaked to another account can no longer be trusted, and a writable one can be replaced.
 */
#include "hub/crypto/secret.h"

#include <errno.h>
#include <math.h>
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

/* n·H of the histogram of the n values v[0..n): what a plug-in estimate credits them with. */
static double plugin_bits(const uint8_t *v, size_t n)
{
    size_t count[256] = {0};
    double bits = 0;
    for (size_t i = 0; i < n; i++)
        count[v[i]]++;
    for (size_t b = 0; b < 256; b++)
        if (count[b])
            bits -= (double)count[b] * log2((double)count[b] / (double)n);
    return bits;
}

/* The shortest period p <= len/2 of key (key[i] == key[i + p] throughout), or 0. */
static size_t shortest_period(const uint8_t *key, size_t len)
{
    for (size_t p = 1; p <= len / 2; p++) {
        size_t i = 0;
        while (i + p < len && key[i] == key[i + p])
            i++;
        if (i + p == len)
            return p;
    }
    return 0;
}

int hub_secret_check_strength(const uint8_t *key, size_t len, struct hub_error *err)
{
    if (!key || len == 0)
        return hub_error_set(err, HUB_ECONFIG_VALUE, "the key is empty");
    size_t period = shortest_period(key, len);
    if (period)
        return hub_error_set(err, HUB_ECONFIG_VALUE,
                             "the key repeats a %zu-byte pattern; make a random one (head -c 32 "
                             "/dev/urandom)",
                             period);
    uint8_t *diff = malloc(len);
    if (!diff)
        return hub_error_set(err, HUB_ENOMEM, "out of memory");
    for (size_t i = 0; i + 1 < len; i++)
        diff[i] = (uint8_t)(key[i + 1] - key[i]);
    double bits = plugin_bits(key, len), dbits = plugin_bits(diff, len - 1);
    OPENSSL_cleanse(diff, len);
    free(diff);
    if (dbits < bits)
        bits = dbits;
    if (bits < HUB_SECRET_MIN_BITS)
        return hub_error_set(err, HUB_ECONFIG_VALUE,
                             "the key has too little entropy (about %.0f bits estimated, at least "
                             "%d needed); make a random one (head -c 32 /dev/urandom)",
                             bits, HUB_SECRET_MIN_BITS);
    return 0;
}
