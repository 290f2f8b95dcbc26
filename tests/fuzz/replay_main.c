/*
 * replay_main.c — runs a libFuzzer target over files without libFuzzer (gcc, any sanitizer), so
 * each fuzz target's corpus is a regression test in ctest (label "fuzz").
 *
 *   fuzz_<decoder>_replay DIR|FILE...
 *
 * Every regular file named (or directly inside a named directory) is passed to
 * LLVMFuzzerTestOneInput once. Exit 0 if all ran (a failing input aborts), 2 on usage or I/O.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n;
    int rc = -1;
    if (!f)
        return -1;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        /* exactly n bytes, so that a sanitizer sees any read past the input */
        buf = malloc(n ? (size_t)n : 1);
        if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
            LLVMFuzzerTestOneInput(buf, (size_t)n);
            rc = 0;
        }
    }
    free(buf);
    fclose(f);
    return rc;
}

int main(int argc, char **argv)
{
    size_t count = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;
        DIR *d;
        struct dirent *e;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "%s: cannot stat %s\n", argv[0], argv[i]);
            return 2;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (run_file(argv[i]) != 0) {
                fprintf(stderr, "%s: cannot read %s\n", argv[0], argv[i]);
                return 2;
            }
            count++;
            continue;
        }
        d = opendir(argv[i]);
        if (!d)
            return 2;
        while ((e = readdir(d))) {
            char path[4096];
            if (e->d_name[0] == '.')
                continue;
            if (snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name) >= (int)sizeof path ||
                stat(path, &st) != 0 || !S_ISREG(st.st_mode))
                continue;
            if (run_file(path) != 0) {
                fprintf(stderr, "%s: cannot read %s\n", argv[0], path);
                closedir(d);
                return 2;
            }
            count++;
        }
        closedir(d);
    }
    if (count == 0) {
        fprintf(stderr, "%s: no inputs\n", argv[0]);
        return 2;
    }
    printf("replayed %zu inputs\n", count);
    return 0;
}
