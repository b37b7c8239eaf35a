/* metrics_db.c — database gauges for /metrics (metrics_db.h). */
#include "metrics_db.h"

#include <stdlib.h>

static const char *const statuses[] = {"pending", "processing", "completed", "failed", "expired"};
#define NSTATUS (sizeof statuses / sizeof statuses[0])

/* One COUNT per status: each a range of the (status, created_at) index. */
static int count_statuses(ferry_db *db, long long counts[NSTATUS], double *oldest)
{
    ferry_err err = FERRY_ERR_INIT;
    fdb_rows *r = NULL;
    int rc = fdb_query(db,
                       "SELECT (SELECT COUNT(*) FROM export_requests WHERE status = 'pending'), "
                       "(SELECT COUNT(*) FROM export_requests WHERE status = 'processing'), "
                       "(SELECT COUNT(*) FROM export_requests WHERE status = 'completed'), "
                       "(SELECT COUNT(*) FROM export_requests WHERE status = 'failed'), "
                       "(SELECT COUNT(*) FROM export_requests WHERE status = 'expired'), "
                       "COALESCE(TIMESTAMPDIFF(MICROSECOND, (SELECT MIN(created_at) FROM "
                       "export_requests WHERE status = 'pending'), UTC_TIMESTAMP(6)), 0)",
                       NULL, 0, &r, &err);
    if (rc == 0 && r->nrows == 1) {
        for (size_t i = 0; i < NSTATUS; i++)
            counts[i] = strtoll(fdb_get(r, 0, i) ? fdb_get(r, 0, i) : "0", NULL, 10);
        *oldest = strtod(fdb_get(r, 0, NSTATUS) ? fdb_get(r, 0, NSTATUS) : "0", NULL) / 1e6;
    } else if (rc == 0) {
        rc = -1;
    }
    fdb_rows_free(r);
    return rc;
}

int ferry_metrics_db_write(ferry_db *db, FILE *f)
{
    long long counts[NSTATUS];
    double oldest = 0;
    int rc = db ? count_statuses(db, counts, &oldest) : -1;
    fprintf(f,
            "# HELP ferry_database_up Whether the database answered this scrape.\n"
            "# TYPE ferry_database_up gauge\nferry_database_up %d\n",
            rc == 0);
    if (rc)
        return -1;
    fputs("# HELP ferry_requests Export requests in the database, by status.\n"
          "# TYPE ferry_requests gauge\n",
          f);
    for (size_t i = 0; i < NSTATUS; i++)
        fprintf(f, "ferry_requests{status=\"%s\"} %lld\n", statuses[i], counts[i]);
    fprintf(f,
            "# HELP ferry_oldest_pending_seconds Age of the oldest pending request (0: none).\n"
            "# TYPE ferry_oldest_pending_seconds gauge\nferry_oldest_pending_seconds %.3f\n",
            oldest < 0 ? 0 : oldest);
    return 0;
}
