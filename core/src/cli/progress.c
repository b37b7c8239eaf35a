/* progress.c — a one-line progress display on stderr. */
#include "progress.h"

#include <time.h>

void ferry_progress_init(ferry_progress *p, FILE *out)
{
    p->out = out;
    p->start = ferry_monotonic();
    p->last = 0;
    p->drawn = 0;
}

void ferry_progress_update(void *payload, uint64_t rows, int64_t total, int estimated)
{
    ferry_progress *p = payload;
    if (!p->out)
        return;
    double now = ferry_monotonic();
    if (now - p->last < 0.1)
        return;
    p->last = now;
    double el = now - p->start;
    double rate = el > 0 ? (double)rows / el : 0;
    if (total > 0) {
        double pct = 100.0 * (double)rows / (double)total;
        double eta = rate > 0 ? ((double)total - (double)rows) / rate : 0;
        /* An estimate is shown as one: "~"; the rows may pass it. */
        const char *est = estimated ? "~" : "";
        fprintf(p->out,
                "\r\033[K%llu / %s%lld rows (%s%.0f%%)  %.0f rows/s  %.1fs elapsed  ETA %s%.0fs",
                (unsigned long long)rows, est, (long long)total, est, pct > 100 ? 100 : pct, rate,
                el, est, eta < 0 ? 0 : eta);
    } else {
        fprintf(p->out, "\r\033[K%llu rows  %.0f rows/s  %.1fs elapsed", (unsigned long long)rows,
                rate, el);
    }
    fflush(p->out);
    p->drawn = 1;
}

void ferry_progress_done(ferry_progress *p)
{
    if (p->out && p->drawn) {
        fprintf(p->out, "\r\033[K");
        fflush(p->out);
    }
}
