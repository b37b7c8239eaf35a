/* user_limits.c — per-user concurrency and daily quota at claim time (user_limits.h). */
#include "user_limits.h"

#include <stdio.h>
#include <stdlib.h>

#include "audit.h"
#include "claim.h"

static int64_t count(ferry_db *db, const char *sql, int64_t user_id, const char *id, int *rc,
                     ferry_err *err)
{
    fdb_param p[] = {fdb_i64(user_id), fdb_str(id)};
    fdb_rows *r = NULL;
    int64_t n = 0;
    *rc = fdb_query(db, sql, p, 2, &r, err);
    if (!*rc && r->nrows == 1 && fdb_get(r, 0, 0))
        n = strtoll(fdb_get(r, 0, 0), NULL, 10);
    fdb_rows_free(r);
    return n;
}

int ferry_limits_decide(ferry_db *db, int64_t user_id, const char *id,
                        const ferry_claim_limits *lim, int *verdict, ferry_err *err)
{
    *verdict = FERRY_LIMIT_OK;
    if (!lim || (lim->per_user <= 0 && lim->daily_quota <= 0))
        return 0;
    fdb_param u[] = {fdb_i64(user_id)};
    fdb_rows *r = NULL;
    int rc = fdb_query(db, "SELECT id FROM auth_user WHERE id = ? FOR UPDATE", u, 1, &r, err);
    fdb_rows_free(r);
    if (rc)
        return rc;
    if (lim->daily_quota > 0) {
        int64_t n = count(db,
                          "SELECT COUNT(*) FROM export_requests WHERE user_id = ? AND id <> ? "
                          "AND started_at >= UTC_DATE()",
                          user_id, id, &rc, err);
        if (rc)
            return rc;
        if (n >= lim->daily_quota) {
            *verdict = FERRY_LIMIT_QUOTA;
            return 0;
        }
    }
    if (lim->per_user > 0) {
        int64_t n = count(db,
                          "SELECT COUNT(*) FROM export_requests WHERE user_id = ? AND id <> ? "
                          "AND status = 'processing' AND ferry_lease_expires_at >= NOW(6)",
                          user_id, id, &rc, err);
        if (!rc && n >= lim->per_user)
            *verdict = FERRY_LIMIT_BUSY;
    }
    return rc;
}

int ferry_limits_refuse(ferry_db *db, const char *id, int64_t user_id, int quota,
                        const char *user_agent, ferry_err *err)
{
    char msg[256];
    snprintf(msg, sizeof msg,
             "refused: the daily quota of %d export%s for this user is used up "
             "(requests.daily_quota; it resets at 00:00 UTC)",
             quota, quota == 1 ? "" : "s");
    int rc = ferry_claim_mark_failed(db, id, msg, err);
    if (rc)
        return rc;
    char extra[128];
    snprintf(extra, sizeof extra, "{\"reason\": \"daily quota\", \"quota\": %d}", quota);
    return ferry_audit_write(db, id, user_id, "failed", "", user_agent, extra, err);
}
