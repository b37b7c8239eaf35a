/* expire_objects.c — sweeping orphan objects and unfinished multipart
 * uploads out of the object store (expire_objects.h). One page of the
 * listing at a time: its old-enough keys are looked up in one query, so
 * memory stays bounded whatever the bucket holds. */
#include "expire_objects.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "s3.h"

#define MAX_PAGES 10000 /* of up to 1000 entries: ten million per pass */

typedef struct sweep {
    ferry_db *db;
    const ferry_expire_opts *o;
    ferry_expire_stats *st;
} sweep;

static int stopped(const sweep *s)
{
    return s->o->stop && *s->o->stop;
}

/* named[i] = whether a request's file_path is e[i].file_path, for the
 * entries old enough to be swept (the others are marked named). */
static int lookup_named(sweep *s, const ferry_s3_entry *e, size_t n, char *named, ferry_err *err)
{
    fdb_param *p = calloc(n, sizeof *p);
    ferry_buf sql = {0};
    static const char head[] = "SELECT file_path FROM export_requests WHERE file_path IN (";
    int rc = p && !ferry_buf_append(&sql, head, strlen(head)) ? 0 : FERRY_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        named[i] = e[i].age < s->o->grace_seconds;
        if (!named[i]) {
            p[k++] = fdb_str(e[i].file_path);
            rc = ferry_buf_append(&sql, k > 1 ? ",?" : "?", k > 1 ? 2 : 1) ? FERRY_ERR_NOMEM : 0;
        }
    }
    if (!rc && ferry_buf_append(&sql, ")", 2))
        rc = FERRY_ERR_NOMEM;
    fdb_rows *rows = NULL;
    if (rc)
        rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    else if (k)
        rc = fdb_query(s->db, sql.data, p, k, &rows, err);
    for (size_t r = 0; !rc && rows && r < rows->nrows; r++)
        for (size_t i = 0; i < n; i++)
            if (!named[i] && fdb_get(rows, r, 0) &&
                strcmp(fdb_get(rows, r, 0), e[i].file_path) == 0)
                named[i] = 1;
    fdb_rows_free(rows);
    ferry_buf_free(&sql);
    free(p);
    return rc;
}

/* Deletes one orphan object (a dry run only says so). */
static void remove_orphan(sweep *s, const ferry_s3_entry *e)
{
    char fields[1400];
    snprintf(fields, sizeof fields, "object=\"%s\" bytes=%" PRId64 " age_seconds=%" PRId64 "%s",
             e->file_path, e->size, e->age, s->o->dry_run ? " dry_run=1" : "");
    ferry_err e2 = FERRY_ERR_INIT;
    if (!s->o->dry_run && ferry_s3_delete(s->o->s3, e->file_path, &e2)) {
        if (s->o->log)
            ferry_logf(s->o->log, FERRY_LOG_ERROR, fields, "cannot remove orphan object: %s",
                       e2.msg);
        s->st->errors++;
        return;
    }
    if (s->o->log)
        ferry_logf(s->o->log, FERRY_LOG_INFO, fields, "%s",
                   s->o->dry_run ? "would remove orphan object" : "removed orphan object");
    s->st->orphans++;
    s->st->orphan_bytes += (uint64_t)(e->size > 0 ? e->size : 0);
}

static int on_objects(void *ud, const ferry_s3_entry *e, size_t n, ferry_err *err)
{
    sweep *s = ud;
    char *named = malloc(n);
    if (!named)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    int rc = lookup_named(s, e, n, named, err);
    for (size_t i = 0; !rc && i < n && !stopped(s); i++)
        if (!named[i])
            remove_orphan(s, &e[i]);
    free(named);
    return rc;
}

static int on_uploads(void *ud, const ferry_s3_entry *e, size_t n, ferry_err *err)
{
    (void)err;
    sweep *s = ud;
    for (size_t i = 0; i < n && !stopped(s); i++) {
        if (e[i].age < s->o->grace_seconds)
            continue;
        char fields[1600];
        snprintf(fields, sizeof fields, "object=\"%s\" upload_id=%s age_seconds=%" PRId64 "%s",
                 e[i].file_path, e[i].upload_id, e[i].age, s->o->dry_run ? " dry_run=1" : "");
        ferry_err e2 = FERRY_ERR_INIT;
        if (!s->o->dry_run && ferry_s3_abort(s->o->s3, e[i].file_path, e[i].upload_id, &e2)) {
            if (s->o->log)
                ferry_logf(s->o->log, FERRY_LOG_ERROR, fields, "cannot abort upload: %s", e2.msg);
            s->st->errors++;
            continue;
        }
        if (s->o->log)
            ferry_logf(s->o->log, FERRY_LOG_INFO, fields, "%s",
                       s->o->dry_run ? "would abort unfinished upload"
                                     : "aborted unfinished upload");
        s->st->uploads_aborted++;
    }
    return 0;
}

int ferry_expire_objects(ferry_db *db, const ferry_expire_opts *opts, ferry_expire_stats *stats,
                         ferry_err *err)
{
    if (!opts->s3)
        return 0;
    sweep s = {db, opts, stats};
    int rc = ferry_s3_list(opts->s3, MAX_PAGES, on_objects, &s, err);
    int supported = 1;
    if (!rc && !stopped(&s))
        rc = ferry_s3_list_uploads(opts->s3, MAX_PAGES, on_uploads, &s, &supported, err);
    if (!rc && !supported && opts->log)
        ferry_logf(opts->log, FERRY_LOG_INFO, NULL,
                   "the object store does not list multipart uploads (ListMultipartUploads: "
                   "HTTP 501): unfinished uploads are left to the bucket's lifecycle rule");
    return rc;
}
