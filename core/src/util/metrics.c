/* metrics.c — the per-process Prometheus registry (metrics.h): a fixed
 * table of families and one pointer-free block of series, in an anonymous
 * shared mapping (shared with the process's forked children) or in a memfd
 * shared with `ferry daemon`'s children. */

#include "metrics.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ferry/plugin.h"

#define MAX_SERIES 256
#define NBUCKETS   12
#define MAGIC      0x66657231u /* "fer1" */

static const double buckets[NBUCKETS] = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800};

typedef struct family {
    const char *name, *help;
    int histogram;
    const char *l1, *l2; /* label names, NULL for none */
} family;

static const family families[FM_COUNT] = {
    [FM_EXPORTS] = {"ferry_exports_total", "Export attempts that ended, by format and outcome.", 0,
                    "format", "outcome"},
    [FM_EXPORT_ROWS] = {"ferry_export_rows_total", "Rows exported by completed requests.", 0,
                        "format", NULL},
    [FM_EXPORT_BYTES] = {"ferry_export_bytes_total", "Artifact bytes of completed requests.", 0,
                         "format", NULL},
    [FM_EXPORT_DURATION] = {"ferry_export_duration_seconds",
                            "Time one attempt of an export took, claim to outcome.", 1, "format",
                            NULL},
    [FM_EXPORT_WAIT] = {"ferry_export_wait_seconds",
                        "Time from a request's creation to its first start.", 1, NULL, NULL},
    [FM_LEASE_RENEWALS] = {"ferry_lease_renewals_total", "Leases renewed.", 0, NULL, NULL},
    [FM_LEASE_LOSSES] = {"ferry_lease_losses_total",
                         "Leases found lost (another worker took the request).", 0, NULL, NULL},
    [FM_RETRIES] = {"ferry_export_retries_total", "Failed attempts given back for a retry.", 0,
                    NULL, NULL},
    [FM_EMAILS] = {"ferry_email_deliveries_total", "Email deliveries, by outcome.", 0, "outcome",
                   NULL},
    [FM_SCHEDULER_FIRES] = {"ferry_scheduler_fires_total",
                            "Requests the scheduler created, by kind of origin.", 0, "kind", NULL},
    [FM_SCHEDULER_FAILS] = {"ferry_scheduler_failures_total",
                            "Due runs the scheduler could not make, by kind of origin.", 0, "kind",
                            NULL},
    [FM_DOWNLOADS] = {"ferry_downloads_total", "Download requests answered, by HTTP code.", 0,
                      "code", NULL},
    [FM_DOWNLOAD_BYTES] = {"ferry_download_bytes_total", "Artifact bytes sent to downloaders.", 0,
                           NULL, NULL},
};

typedef struct series {
    int used, id;
    char l1[32], l2[32];
    double value; /* a counter's value, a histogram's sum */
    uint64_t count, bucket[NBUCKETS];
} series;

typedef struct block {
    uint32_t magic;
    pthread_mutex_t mu;
    series s[MAX_SERIES];
} block;

struct ferry_metrics {
    block *b; /* mapped: anonymous shared, or a memfd's */
};

static void block_init(block *b)
{
    memset(b, 0, sizeof *b);
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&b->mu, &a);
    pthread_mutexattr_destroy(&a);
    b->magic = MAGIC;
}

static int wrap(ferry_metrics **out, block *b, ferry_err *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out) {
        munmap(b, sizeof *b);
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    }
    (*out)->b = b;
    return 0;
}

/* An anonymous shared mapping, not malloc'd memory: a process this one
 * forks (the worker's request children, child.c) counts into the same
 * block (the mail they send), as `ferry daemon`'s children do into its
 * memfd. */
int ferry_metrics_new(ferry_metrics **out, ferry_err *err)
{
    block *b = mmap(NULL, sizeof *b, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (b == MAP_FAILED)
        return ferry_err_set(err, FERRY_ERR_IO, "cannot map the metrics block: %s",
                             strerror(errno));
    block_init(b);
    return wrap(out, b, err);
}

static int map_fd(int fd, block **b, ferry_err *err)
{
    void *p = mmap(NULL, sizeof **b, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return ferry_err_set(err, FERRY_ERR_IO, "cannot map the metrics block: %s",
                             strerror(errno));
    *b = p;
    return 0;
}

int ferry_metrics_new_shared(ferry_metrics **out, int *fd, ferry_err *err)
{
    *fd = memfd_create("ferry-metrics", 0);
    if (*fd < 0 || ftruncate(*fd, sizeof(block)) != 0) {
        if (*fd >= 0)
            close(*fd);
        return ferry_err_set(err, FERRY_ERR_IO, "cannot make the metrics block: %s",
                             strerror(errno));
    }
    block *b = NULL;
    int rc = map_fd(*fd, &b, err);
    if (rc)
        return rc;
    block_init(b);
    return wrap(out, b, err);
}

int ferry_metrics_attach(ferry_metrics **out, int fd, ferry_err *err)
{
    block *b = NULL;
    int rc = map_fd(fd, &b, err);
    if (rc)
        return rc;
    if (b->magic != MAGIC) {
        munmap(b, sizeof *b);
        return ferry_err_set(err, FERRY_ERR, "descriptor %d is not a metrics block", fd);
    }
    return wrap(out, b, err);
}

int ferry_metrics_open(ferry_metrics **out, ferry_err *err)
{
    const char *e = getenv("FERRY_METRICS_FD");
    char *end = NULL;
    long fd = e && *e ? strtol(e, &end, 10) : -1;
    if (fd >= 0 && end && !*end && ferry_metrics_attach(out, (int)fd, err) == 0)
        return 0;
    return ferry_metrics_new(out, err);
}

void ferry_metrics_free(ferry_metrics *m)
{
    if (!m)
        return;
    munmap(m->b, sizeof *m->b);
    free(m);
}

static void lock(block *b)
{
    if (pthread_mutex_lock(&b->mu) == EOWNERDEAD)
        pthread_mutex_consistent(&b->mu); /* a child died counting: values stay valid */
}

/* The series of (id, l1, l2), made on first use; NULL when full. Locked. */
static series *find(block *b, ferry_metric id, const char *l1, const char *l2)
{
    l1 = l1 ? l1 : "";
    l2 = l2 ? l2 : "";
    for (int i = 0; i < MAX_SERIES; i++) {
        series *s = &b->s[i];
        if (!s->used) {
            s->used = 1;
            s->id = (int)id;
            snprintf(s->l1, sizeof s->l1, "%s", l1);
            snprintf(s->l2, sizeof s->l2, "%s", l2);
            return s;
        }
        if (s->id == (int)id && strncmp(s->l1, l1, sizeof s->l1 - 1) == 0 &&
            strncmp(s->l2, l2, sizeof s->l2 - 1) == 0)
            return s;
    }
    return NULL;
}

void ferry_metrics_add(ferry_metrics *m, ferry_metric id, const char *l1, const char *l2, double v)
{
    if (!m || id >= FM_COUNT || v < 0)
        return;
    lock(m->b);
    series *s = find(m->b, id, l1, l2);
    if (s)
        s->value += v;
    pthread_mutex_unlock(&m->b->mu);
}

void ferry_metrics_observe(ferry_metrics *m, ferry_metric id, const char *l1, double v)
{
    if (!m || id >= FM_COUNT || !families[id].histogram)
        return;
    lock(m->b);
    series *s = find(m->b, id, l1, NULL);
    if (s) {
        s->value += v;
        s->count++;
        for (int i = 0; i < NBUCKETS; i++)
            s->bucket[i] += v <= buckets[i];
    }
    pthread_mutex_unlock(&m->b->mu);
}

const char *ferry_metrics_format(const char *format)
{
    static const char *const known[] = {"csv", "json", "pdf", "excel"};
    for (size_t i = 0; format && i < sizeof known / sizeof known[0]; i++)
        if (strcmp(format, known[i]) == 0)
            return known[i];
    return "other";
}

/* `{a="x",b="y"` without the closing brace (empty when no labels). */
static void labels(FILE *f, const family *fam, const series *s, int open_only)
{
    if (!fam->l1) {
        if (open_only)
            fputc('{', f);
        return;
    }
    fprintf(f, "{%s=\"%s\"", fam->l1, s->l1);
    if (fam->l2)
        fprintf(f, ",%s=\"%s\"", fam->l2, s->l2);
    if (open_only)
        fputc(',', f);
    else
        fputc('}', f);
}

static void write_series(FILE *f, const family *fam, const series *s)
{
    if (!fam->histogram) {
        fputs(fam->name, f);
        labels(f, fam, s, 0);
        fprintf(f, " %.17g\n", s->value);
        return;
    }
    for (int i = 0; i <= NBUCKETS; i++) {
        fprintf(f, "%s_bucket", fam->name);
        labels(f, fam, s, 1);
        if (i < NBUCKETS)
            fprintf(f, "le=\"%g\"} %llu\n", buckets[i], (unsigned long long)s->bucket[i]);
        else
            fprintf(f, "le=\"+Inf\"} %llu\n", (unsigned long long)s->count);
    }
    fprintf(f, "%s_sum", fam->name);
    labels(f, fam, s, 0);
    fprintf(f, " %.17g\n%s_count", s->value, fam->name);
    labels(f, fam, s, 0);
    fprintf(f, " %llu\n", (unsigned long long)s->count);
}

void ferry_metrics_write(ferry_metrics *m, FILE *f)
{
    fprintf(f,
            "# HELP ferry_build_info The running ferry's version and plugin ABI.\n"
            "# TYPE ferry_build_info gauge\n"
            "ferry_build_info{version=\"%s\",abi=\"%d.%d\"} 1\n",
            FERRY_VERSION, FERRY_ABI_MAJOR, FERRY_ABI_MINOR);
    block *copy = malloc(sizeof *copy);
    if (!m || !copy) {
        free(copy);
        return;
    }
    lock(m->b);
    memcpy(copy->s, m->b->s, sizeof copy->s);
    pthread_mutex_unlock(&m->b->mu);
    for (int id = 0; id < FM_COUNT; id++) {
        const family *fam = &families[id];
        const char *base = fam->name;
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", base, fam->help, base,
                fam->histogram ? "histogram" : "counter");
        int any = 0;
        for (int i = 0; i < MAX_SERIES && copy->s[i].used; i++)
            if (copy->s[i].id == id) {
                write_series(f, fam, &copy->s[i]);
                any = 1;
            }
        if (!any && !fam->l1) {
            series zero;
            memset(&zero, 0, sizeof zero);
            write_series(f, fam, &zero);
        }
    }
    free(copy);
}
