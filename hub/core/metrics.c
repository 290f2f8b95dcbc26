/*
 * metrics.c — a small mutex-protected registry of series with Prometheus text rendering.
 *
 * A linear table: a program has a few dozen series, and updates happen per batch.
 */
#include "hub/core/metrics.h"

#include <dirent.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define HIST_BUCKETS 9

static const double seconds_buckets[HIST_BUCKETS] = {0.001, 0.005, 0.01, 0.05, 0.1,
                                                     0.25,  0.5,   1,    10};
static const double count_buckets[HIST_BUCKETS] = {1, 10, 50, 100, 250, 500, 1000, 2500, 10000};

enum kind { K_COUNTER, K_GAUGE, K_HISTOGRAM };

struct series {
    char *name, *label, *value;
    enum kind kind;
    double v;                      /* counter or gauge */
    uint64_t bucket[HIST_BUCKETS]; /* histogram: observations <= bound, cumulative at render */
    uint64_t count;
    double sum;
};

struct help {
    char *name, *type, *text;
};

struct hub_metrics {
    pthread_mutex_t mu;
    struct series *s;
    size_t n, cap;
    struct help *h;
    size_t nh, caph;
};

hub_metrics_t *hub_metrics_new(void)
{
    hub_metrics_t *m = calloc(1, sizeof *m);
    if (m && pthread_mutex_init(&m->mu, NULL) != 0) {
        free(m);
        return NULL;
    }
    return m;
}

void hub_metrics_destroy(hub_metrics_t *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++) {
        free(m->s[i].name);
        free(m->s[i].label);
        free(m->s[i].value);
    }
    for (size_t i = 0; i < m->nh; i++) {
        free(m->h[i].name);
        free(m->h[i].type);
        free(m->h[i].text);
    }
    free(m->s);
    free(m->h);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

static bool eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static char *dup_or_null(const char *s, bool *oom)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *oom = true;
    return d;
}

/* The series, created when absent; NULL when out of memory. Called with the mutex held. */
static struct series *find(hub_metrics_t *m, const char *name, const char *label, const char *value,
                           enum kind kind)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->s[i].name, name) == 0 && eq(m->s[i].label, label) && eq(m->s[i].value, value))
            return &m->s[i];
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 32;
        struct series *ns = realloc(m->s, cap * sizeof *ns);
        if (!ns)
            return NULL;
        m->s = ns;
        m->cap = cap;
    }
    bool oom = false;
    struct series *s = &m->s[m->n];
    memset(s, 0, sizeof *s);
    s->name = dup_or_null(name, &oom);
    s->label = dup_or_null(label, &oom);
    s->value = dup_or_null(value, &oom);
    s->kind = kind;
    if (oom) {
        free(s->name);
        free(s->label);
        free(s->value);
        return NULL;
    }
    m->n++;
    return s;
}

void hub_metrics_describe(hub_metrics_t *m, const char *name, const char *type, const char *help)
{
    pthread_mutex_lock(&m->mu);
    if (m->nh == m->caph) {
        size_t cap = m->caph ? m->caph * 2 : 16;
        struct help *nh = realloc(m->h, cap * sizeof *nh);
        if (!nh) {
            pthread_mutex_unlock(&m->mu);
            return;
        }
        m->h = nh;
        m->caph = cap;
    }
    bool oom = false;
    struct help h = {dup_or_null(name, &oom), dup_or_null(type, &oom), dup_or_null(help, &oom)};
    if (oom) {
        free(h.name);
        free(h.type);
        free(h.text);
    } else {
        m->h[m->nh++] = h;
    }
    pthread_mutex_unlock(&m->mu);
}

void hub_metrics_add(hub_metrics_t *m, const char *name, const char *label, const char *value,
                     double by)
{
    pthread_mutex_lock(&m->mu);
    struct series *s = find(m, name, label, value, K_COUNTER);
    if (s)
        s->v += by;
    pthread_mutex_unlock(&m->mu);
}

void hub_metrics_set(hub_metrics_t *m, const char *name, const char *label, const char *value,
                     double v)
{
    pthread_mutex_lock(&m->mu);
    struct series *s = find(m, name, label, value, K_GAUGE);
    if (s)
        s->v = v;
    pthread_mutex_unlock(&m->mu);
}

static const double *buckets_of(const char *name)
{
    size_t n = strlen(name);
    return n > 8 && strcmp(name + n - 8, "_seconds") == 0 ? seconds_buckets : count_buckets;
}

void hub_metrics_observe(hub_metrics_t *m, const char *name, double v)
{
    pthread_mutex_lock(&m->mu);
    struct series *s = find(m, name, NULL, NULL, K_HISTOGRAM);
    if (s) {
        const double *b = buckets_of(name);
        for (size_t i = 0; i < HIST_BUCKETS; i++)
            if (v <= b[i]) {
                s->bucket[i]++;
                break;
            }
        s->count++;
        s->sum += v;
    }
    pthread_mutex_unlock(&m->mu);
}

double hub_metrics_get(hub_metrics_t *m, const char *name, const char *label, const char *value)
{
    double v = 0;
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->s[i].name, name) == 0 && eq(m->s[i].label, label) && eq(m->s[i].value, value))
            v = m->s[i].kind == K_HISTOGRAM ? (double)m->s[i].count : m->s[i].v;
    pthread_mutex_unlock(&m->mu);
    return v;
}

/* Appends label value escaped per the text format (\\, \", \n). */
static void put_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            fputc('\\', f);
        if (*s == '\n') {
            fputs("\\n", f);
            continue;
        }
        fputc(*s, f);
    }
}

static void put_labels(FILE *f, const struct series *s, const char *extra, double le)
{
    bool any = s->label || extra;
    if (!any)
        return;
    fputc('{', f);
    if (s->label) {
        fprintf(f, "%s=\"", s->label);
        put_escaped(f, s->value ? s->value : "");
        fputc('"', f);
    }
    if (extra) {
        if (s->label)
            fputc(',', f);
        if (le > 1e300)
            fprintf(f, "%s=\"+Inf\"", extra);
        else
            fprintf(f, "%s=\"%g\"", extra, le);
    }
    fputc('}', f);
}

/* The process metrics of the Prometheus client libraries (same names and units), from /proc,
 * and hub_build_info: what an operator's dashboards expect of every exporter. */
static void put_process(FILE *f)
{
    struct rusage ru;
    long page = sysconf(_SC_PAGESIZE), ticks = sysconf(_SC_CLK_TCK);
    unsigned long long vsize = 0, rss = 0, start = 0;
    FILE *st;

    fprintf(f,
            "# HELP hub_build_info The hub's version (always 1).\n# TYPE hub_build_info gauge\n"
            "hub_build_info{version=\"%s\"} 1\n",
            HUB_VERSION);
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        fprintf(f,
                "# HELP process_cpu_seconds_total Total user and system CPU time spent in "
                "seconds.\n# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total "
                "%.6f\n",
                (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
    if ((st = fopen("/proc/self/stat", "r")) != NULL) {
        char buf[1024];
        size_t n = fread(buf, 1, sizeof buf - 1, st);
        buf[n] = '\0';
        fclose(st);
        /* after "(comm)": state is field 3; starttime 22, vsize 23, rss 24 */
        const char *p = strrchr(buf, ')');
        if (p && sscanf(p + 2,
                        "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
                        "%*d %*d %*d %llu %llu %llu",
                        &start, &vsize, &rss) == 3) {
            fprintf(f,
                    "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
                    "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes "
                    "%llu\n# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
                    "# TYPE process_virtual_memory_bytes gauge\nprocess_virtual_memory_bytes "
                    "%llu\n",
                    rss * (unsigned long long)(page > 0 ? page : 4096), vsize);
            FILE *up = fopen("/proc/uptime", "r");
            double uptime = 0;
            if (up && fscanf(up, "%lf", &uptime) == 1 && ticks > 0) {
                struct timespec now;
                clock_gettime(CLOCK_REALTIME, &now);
                double boot = (double)now.tv_sec - uptime;
                fprintf(f,
                        "# HELP process_start_time_seconds Start time of the process since unix "
                        "epoch in seconds.\n# TYPE process_start_time_seconds gauge\n"
                        "process_start_time_seconds %.2f\n",
                        boot + (double)start / (double)ticks);
            }
            if (up)
                fclose(up);
        }
    }
    DIR *fds = opendir("/proc/self/fd");
    if (fds) {
        long n = -1; /* the directory's own descriptor */
        while (readdir(fds))
            n++;
        closedir(fds);
        fprintf(f,
                "# HELP process_open_fds Number of open file descriptors.\n# TYPE "
                "process_open_fds gauge\nprocess_open_fds %ld\n",
                n - 2 > 0 ? n - 2 : 0); /* less "." and ".." */
    }
}

int hub_metrics_render(hub_metrics_t *m, char **out, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f)
        return HUB_ENOMEM;
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < m->n; i++) {
        const struct series *s = &m->s[i];
        bool first = true;
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->s[j].name, s->name) == 0)
                first = false;
        if (first)
            for (size_t h = 0; h < m->nh; h++)
                if (strcmp(m->h[h].name, s->name) == 0)
                    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", s->name, m->h[h].text, s->name,
                            m->h[h].type);
        if (s->kind != K_HISTOGRAM) {
            fputs(s->name, f);
            put_labels(f, s, NULL, 0);
            fprintf(f, " %.17g\n", s->v);
            continue;
        }
        const double *b = buckets_of(s->name);
        uint64_t cum = 0;
        for (size_t k = 0; k < HIST_BUCKETS; k++) {
            cum += s->bucket[k];
            fprintf(f, "%s_bucket", s->name);
            put_labels(f, s, "le", b[k]);
            fprintf(f, " %llu\n", (unsigned long long)cum);
        }
        fprintf(f, "%s_bucket", s->name);
        put_labels(f, s, "le", 1e301);
        fprintf(f, " %llu\n%s_sum %.17g\n%s_count %llu\n", (unsigned long long)s->count, s->name,
                s->sum, s->name, (unsigned long long)s->count);
    }
    pthread_mutex_unlock(&m->mu);
    put_process(f);
    if (fclose(f) != 0) {
        free(buf);
        return HUB_ENOMEM;
    }
    *out = buf;
    *len = n;
    return 0;
}
