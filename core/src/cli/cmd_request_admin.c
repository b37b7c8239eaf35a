/*
 * cmd_request_admin.c — `ferry request list|show|cancel|retry|delete`
 * (cmd_request_admin.h).
 *
 * Semantics (docs/operations.md repeats them):
 * - IDs are the 32 hex digits ferry and Django store; the dashed form
 *   (str(uuid)) is accepted too. An unknown or malformed ID exits 6.
 * - cancel: a pending or processing request becomes failed with
 *   error_message "cancelled by operator", its lease cleared, the 'failed'
 *   audit row and the usage failure counter, in one transaction. Clearing
 *   the lease owner is what stops a worker that holds it: its next renewal
 *   finds the lease lost and cancels the run, and its completion, failure
 *   or release (all conditioned on owner and attempt) change nothing; the
 *   file it may have published under its attempt's name is deleted by the
 *   failed completion. Other statuses: exit 1.
 * - retry: a failed or expired request becomes pending again, as new:
 *   error, progress, started/completed times, artifact columns and lease
 *   cleared. ferry_attempt is not reset but moved up to the next multiple
 *   of worker.max_attempts (claim.c): the request gets a full round of
 *   attempts while every attempt number, and so every artifact name, stays
 *   unique. Its next claim writes a new 'started' row. Other statuses: exit 1.
 * - delete: the row is kept (the audit rows reference it, and the 'deleted'
 *   row must survive); the artifact file is removed if it lies beneath the
 *   file store (a file_path outside it is left alone, with a warning),
 *   file_path, file_size and download_url are cleared, expires_at is
 *   brought forward to now (so no download token outlives it), status
 *   becomes 'expired' (a completed or expired request: its file is gone) or
 *   'failed' with "deleted by operator" (pending or failed), and the
 *   'deleted' audit row is written, in one transaction. A processing
 *   request must be cancelled first; a request deleted before: exit 1.
 */
#include "cmd_request_admin.h"
#include "rows_json.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "audit.h"
#include "db.h"
#include "artifacts.h"
#include "migrate.h"
#include "objects.h"
#include "s3.h"

static const char *const statuses[] = {"pending", "processing", "completed", "failed", "expired"};

typedef struct admin {
    ferry_app *app;
    ferry_site *site;
    ferry_db *db;
    char ua[256];
} admin;

static int fail(admin *a, const ferry_err *err)
{
    return ferry_app_fail(a->app, err);
}

/* Normalises an ID (dashes dropped, lower case) into out; -1 if malformed. */
int ferry_request_norm_id(const char *in, char out[33])
{
    size_t n = 0;
    for (const char *p = in; *p; p++) {
        if (*p == '-')
            continue;
        if (!isxdigit((unsigned char)*p) || n == 32)
            return -1;
        out[n++] = (char)tolower((unsigned char)*p);
    }
    out[n] = '\0';
    return n == 32 ? 0 : -1;
}

static int open_db(admin *a, ferry_err *err)
{
    int rc = ferry_app_site(a->app, &a->site, err);
    if (!rc)
        rc = ferry_app_connect(a->app, &a->db, 60, 0, err);
    ferry_app_user_agent(a->app, a->ua, sizeof a->ua);
    return rc;
}

/* ---- list ---- */

/* Bytes of `s` that hold at most `max` UTF-8 characters. */
static int utf8_prefix(const char *s, int max)
{
    int bytes = 0, chars = 0;
    while (s[bytes] && chars < max) {
        bytes++;
        while ((s[bytes] & 0xC0) == 0x80)
            bytes++;
        chars++;
    }
    return bytes;
}

static int cmd_list(admin *a, int argc, char **argv)
{
    static const struct option opts[] = {{"status", required_argument, 0, 's'},
                                         {"user", required_argument, 0, 'u'},
                                         {"limit", required_argument, 0, 'l'},
                                         {"json", no_argument, 0, 'j'},
                                         {0, 0, 0, 0}};
    const char *status = NULL;
    long long user = -1, limit = 50;
    int c, json = 0;
    optind = 0;
    while ((c = getopt_long(argc, argv, "+s:u:l:", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 's':
            status = optarg;
            break;
        case 'u':
            user = strtoll(optarg, &end, 10);
            if (*end || user < 0) {
                fprintf(stderr, "ferry: --user wants a user id (a number)\n");
                return FERRY_EXIT_USAGE;
            }
            break;
        case 'j':
            json = 1;
            break;
        case 'l':
            limit = strtoll(optarg, &end, 10);
            if (*end || limit < 1 || limit > 100000) {
                fprintf(stderr, "ferry: --limit wants a number from 1 to 100000\n");
                return FERRY_EXIT_USAGE;
            }
            break;
        default:
            fprintf(stderr,
                    "usage: ferry request list [--status S] [--user ID] [--limit N] [--json]\n");
            return FERRY_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "ferry: request list takes no arguments (got \"%s\")\n", argv[optind]);
        return FERRY_EXIT_USAGE;
    }
    if (status) {
        int ok = 0;
        for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
            ok |= strcmp(status, statuses[i]) == 0;
        if (!ok) {
            fprintf(stderr,
                    "ferry: unknown status \"%s\" (pending, processing, completed, failed, "
                    "expired)\n",
                    status);
            return FERRY_EXIT_USAGE;
        }
    }
    ferry_err err = FERRY_ERR_INIT;
    if (open_db(a, &err))
        return fail(a, &err);
    fdb_param p[] = {fdb_str(status), fdb_str(status), user >= 0 ? fdb_i64(user) : fdb_null(),
                     user >= 0 ? fdb_i64(user) : fdb_null(), fdb_i64(limit)};
    fdb_rows *r = NULL;
    if (fdb_query(a->db,
                  "SELECT id, status, format, user_id, progress_percentage, ferry_attempt, "
                  "DATE_FORMAT(created_at, '%Y-%m-%d %H:%i:%s'), title FROM export_requests "
                  "WHERE (? IS NULL OR status = ?) AND (? IS NULL OR user_id = ?) "
                  "ORDER BY created_at DESC, id LIMIT ?",
                  p, 5, &r, &err))
        return fail(a, &err);
    if (json) {
        ferry_rows_print_jsonl(r);
        fdb_rows_free(r);
        return FERRY_EXIT_OK;
    }
    static const char *const head[] = {"ID",       "STATUS",  "FORMAT",        "USER",
                                       "PROGRESS", "ATTEMPT", "CREATED (UTC)", "TITLE"};
    enum { NC = 8 };
    int w[NC];
    for (int i = 0; i < NC; i++)
        w[i] = (int)strlen(head[i]);
    for (size_t row = 0; row < r->nrows; row++)
        for (int i = 0; i < NC - 1; i++) {
            const char *v = fdb_get(r, row, (size_t)i);
            int n = v ? (int)strlen(v) + (i == 4) : 0; /* PROGRESS gets a '%' */
            if (n > w[i])
                w[i] = n;
        }
    for (int i = 0; i < NC - 1; i++)
        printf("%-*s  ", w[i], head[i]);
    printf("%s\n", head[NC - 1]);
    for (size_t row = 0; row < r->nrows; row++) {
        for (int i = 0; i < NC - 1; i++) {
            const char *v = fdb_get(r, row, (size_t)i);
            if (i == 4) {
                char pct[32];
                snprintf(pct, sizeof pct, "%s%%", v ? v : "0");
                printf("%*s  ", w[i], pct);
            } else if (i == 3 || i == 5) {
                printf("%*s  ", w[i], v ? v : "");
            } else {
                printf("%-*s  ", w[i], v ? v : "");
            }
        }
        const char *title = fdb_get(r, row, NC - 1);
        title = title ? title : "";
        /* One line per request: a title is cut at 60 characters and at a newline. */
        int n = utf8_prefix(title, 60);
        const char *nl = memchr(title, '\n', (size_t)n);
        if (nl)
            n = (int)(nl - title);
        printf("%.*s%s\n", n, title, title[n] ? "…" : "");
    }
    fdb_rows_free(r);
    return FERRY_EXIT_OK;
}

/* ---- show ---- */

/* A pending request given back after a failed attempt waits for its retry
 * (worker.retry_delay_seconds, doubling, with jitter) until
 * ferry_lease_expires_at: say when. */
static void print_next_try(ferry_db *db, const char *id)
{
    fdb_param p[] = {fdb_str(id)};
    fdb_rows *r = NULL;
    ferry_err err = FERRY_ERR_INIT;
    if (fdb_query(db,
                  "SELECT DATE_FORMAT(ferry_lease_expires_at, '%Y-%m-%d %H:%i:%s'), "
                  "GREATEST(0, TIMESTAMPDIFF(SECOND, NOW(6), ferry_lease_expires_at)), "
                  "ferry_attempt + 1 FROM export_requests WHERE id = ? AND status = 'pending' "
                  "AND ferry_attempt > 0 AND ferry_lease_expires_at IS NOT NULL",
                  p, 1, &r, &err) == 0 &&
        r->nrows == 1)
        printf("\nnext try: attempt %s at %s UTC (in %s s)\n", fdb_get(r, 0, 2), fdb_get(r, 0, 0),
               fdb_get(r, 0, 1));
    fdb_rows_free(r);
}

static int not_found(const char *id)
{
    fprintf(stderr, "ferry: no export request with id %s\n", id);
    return FERRY_EXIT_NOTFOUND;
}

static int one_id(int argc, char **argv, char id[33], const char *verb)
{
    if (argc != 2) {
        fprintf(stderr, "usage: ferry request %s ID\n", verb);
        return -1;
    }
    if (ferry_request_norm_id(argv[1], id) != 0) {
        fprintf(stderr, "ferry: \"%s\" is not a request ID (32 hex digits, dashes allowed)\n",
                argv[1]);
        return -1;
    }
    return 0;
}

static int show_json(admin *a, const char *id);

static int cmd_show(admin *a, int argc, char **argv)
{
    char id[33];
    int json = argc == 3 && strcmp(argv[2], "--json") == 0;
    argc -= json;
    if (one_id(argc, argv, id, "show"))
        return FERRY_EXIT_USAGE;
    if (!id[0])
        return not_found(argv[1]);
    if (json)
        return show_json(a, id);
    ferry_err err = FERRY_ERR_INIT;
    if (open_db(a, &err))
        return fail(a, &err);
    fdb_param p[] = {fdb_str(id)};
    fdb_rows *r = NULL;
    if (fdb_query(a->db, "SELECT * FROM export_requests WHERE id = ?", p, 1, &r, &err))
        return fail(a, &err);
    if (r->nrows == 0) {
        fdb_rows_free(r);
        return not_found(argv[1]);
    }
    int w = 0;
    for (size_t c = 0; c < r->ncols; c++)
        if ((int)strlen(r->names[c]) > w)
            w = (int)strlen(r->names[c]);
    for (size_t c = 0; c < r->ncols; c++) {
        const char *v = fdb_get(r, 0, c);
        printf("%-*s  %s\n", w, r->names[c], v ? v : "NULL");
    }
    fdb_rows_free(r);
    print_next_try(a->db, id);

    if (fdb_query(a->db,
                  "SELECT DATE_FORMAT(timestamp, '%Y-%m-%d %H:%i:%s.%f'), action, user_id, "
                  "ip_address, user_agent, additional_data FROM export_audit_logs "
                  "WHERE export_request_id = ? ORDER BY timestamp, id",
                  p, 1, &r, &err))
        return fail(a, &err);
    printf("\naudit (%zu):\n", r->nrows);
    static const char *const head[] = {"TIMESTAMP (UTC)", "ACTION", "USER", "IP",
                                       "USER AGENT",      "DATA"};
    int cw[6];
    for (int i = 0; i < 6; i++)
        cw[i] = (int)strlen(head[i]);
    for (size_t row = 0; row < r->nrows; row++)
        for (int i = 0; i < 5; i++) {
            const char *v = fdb_get(r, row, (size_t)i);
            if (v && (int)strlen(v) > cw[i])
                cw[i] = (int)strlen(v);
        }
    if (r->nrows) {
        printf("  ");
        for (int i = 0; i < 5; i++)
            printf("%-*s  ", cw[i], head[i]);
        printf("%s\n", head[5]);
    }
    for (size_t row = 0; row < r->nrows; row++) {
        printf("  ");
        for (int i = 0; i < 5; i++) {
            const char *v = fdb_get(r, row, (size_t)i);
            printf("%-*s  ", cw[i], v && *v ? v : (i == 3 ? "-" : ""));
        }
        const char *d = fdb_get(r, row, 5);
        printf("%s\n", d ? d : "");
    }
    fdb_rows_free(r);
    return FERRY_EXIT_OK;
}

/* `request show ID --json`: the row, its next try and its audit rows. */
static int show_json(admin *a, const char *id)
{
    ferry_err err = FERRY_ERR_INIT;
    if (open_db(a, &err))
        return fail(a, &err);
    fdb_param p[] = {fdb_str(id)};
    fdb_rows *r = NULL, *au = NULL;
    if (fdb_query(a->db,
                  "SELECT *, IF(status = 'pending' AND ferry_attempt > 0, "
                  "DATE_FORMAT(ferry_lease_expires_at, '%Y-%m-%dT%H:%i:%sZ'), NULL) AS next_try "
                  "FROM export_requests WHERE id = ?",
                  p, 1, &r, &err) ||
        fdb_query(a->db,
                  "SELECT DATE_FORMAT(timestamp, '%Y-%m-%dT%H:%i:%s.%fZ') AS timestamp, action, "
                  "user_id, ip_address, user_agent, additional_data FROM export_audit_logs "
                  "WHERE export_request_id = ? ORDER BY timestamp, id",
                  p, 1, &au, &err)) {
        fdb_rows_free(r);
        return fail(a, &err);
    }
    if (r->nrows == 0) {
        fdb_rows_free(r);
        fdb_rows_free(au);
        return not_found(id);
    }
    json_t *o = ferry_row_json(r, 0), *list = json_array();
    for (size_t i = 0; i < au->nrows; i++)
        json_array_append_new(list, ferry_row_json(au, i));
    json_object_set_new(o, "audit", list);
    char *t = json_dumps(o, JSON_COMPACT);
    printf("%s\n", t ? t : "{}");
    free(t);
    json_decref(o);
    fdb_rows_free(r);
    fdb_rows_free(au);
    return FERRY_EXIT_OK;
}

/* ---- cancel, retry, delete: one transaction each over a locked row ---- */

enum { L_ID, L_USER, L_STATUS, L_FORMAT, L_FILE, L_NOW, L_DELETED };

/* Starts a transaction and locks request `id`; *out NULL when not found. */
static int lock_row(admin *a, const char *id, fdb_rows **out, ferry_err *err)
{
    *out = NULL;
    int rc = fdb_begin(a->db, err);
    if (rc)
        return rc;
    fdb_param p[] = {fdb_str(id)};
    rc = fdb_query(a->db,
                   "SELECT id, user_id, status, format, file_path, "
                   "DATE_FORMAT(NOW(6), '%Y-%m-%d %H:%i:%s.%f'), "
                   "EXISTS (SELECT 1 FROM export_audit_logs l WHERE l.export_request_id = r.id "
                   "AND l.action = 'deleted') FROM export_requests r WHERE id = ? FOR UPDATE",
                   p, 1, out, err);
    if (rc) {
        fdb_rollback(a->db);
        return rc;
    }
    if ((*out)->nrows == 0) {
        fdb_rows_free(*out);
        *out = NULL;
        fdb_rollback(a->db);
    }
    return 0;
}

/* Ends the verb: commits when rc is 0, else rolls back and reports. */
static int finish(admin *a, fdb_rows *r, int rc, ferry_err *err)
{
    fdb_rows_free(r);
    if (!rc)
        rc = fdb_commit(a->db, err);
    if (rc) {
        fdb_rollback(a->db);
        return fail(a, err);
    }
    return FERRY_EXIT_OK;
}

static int wrong_status(admin *a, fdb_rows *r, const char *what)
{
    fprintf(stderr, "ferry: request %s is %s; %s\n", fdb_get(r, 0, L_ID), fdb_get(r, 0, L_STATUS),
            what);
    fdb_rows_free(r);
    fdb_rollback(a->db);
    return FERRY_EXIT_FAILED;
}

/* The verb's prologue: parse the ID, connect, lock the row. Returns -1 and
 * sets *code when the verb is over (usage, not found, error). */
static int prologue(admin *a, int argc, char **argv, const char *verb, fdb_rows **r, int *code)
{
    char id[33];
    ferry_err err = FERRY_ERR_INIT;
    if (one_id(argc, argv, id, verb)) {
        *code = FERRY_EXIT_USAGE;
        return -1;
    }
    if (!id[0]) {
        *code = not_found(argv[1]);
        return -1;
    }
    if (open_db(a, &err) || lock_row(a, id, r, &err)) {
        *code = fail(a, &err);
        return -1;
    }
    if (!*r) {
        *code = not_found(argv[1]);
        return -1;
    }
    return 0;
}

static int cmd_cancel(admin *a, int argc, char **argv)
{
    fdb_rows *r;
    int code;
    if (prologue(a, argc, argv, "cancel", &r, &code))
        return code;
    const char *status = fdb_get(r, 0, L_STATUS);
    if (strcmp(status, "pending") != 0 && strcmp(status, "processing") != 0)
        return wrong_status(a, r, "only pending or processing requests can be cancelled");
    const char *id = fdb_get(r, 0, L_ID);
    int64_t user = strtoll(fdb_get(r, 0, L_USER), NULL, 10);
    ferry_err err = FERRY_ERR_INIT;
    fdb_param p[] = {fdb_str(id)};
    int rc = fdb_exec(a->db,
                      "UPDATE export_requests SET status = 'failed', "
                      "error_message = 'cancelled by operator', completed_at = NOW(6), "
                      "ferry_lease_owner = '', ferry_lease_expires_at = NULL, updated_at = NOW(6) "
                      "WHERE id = ?",
                      p, 1, NULL, &err);
    char extra[128];
    snprintf(extra, sizeof extra, "{\"reason\": \"cancelled by operator\", \"was\": \"%s\"}",
             strcmp(status, "pending") == 0 ? "pending" : "processing");
    if (!rc)
        rc = ferry_audit_write(a->db, id, user, "failed", "", a->ua, extra, &err);
    if (!rc)
        rc = ferry_usage_add(a->db, user, fdb_get(r, 0, L_NOW), fdb_get(r, 0, L_FORMAT), 1, 0, 0,
                             NULL, &err);
    char was[16];
    snprintf(was, sizeof was, "%s", status);
    char idc[33];
    snprintf(idc, sizeof idc, "%s", id);
    code = finish(a, r, rc, &err);
    if (code == FERRY_EXIT_OK)
        printf("cancelled request %s (was %s)\n", idc, was);
    return code;
}

static int cmd_retry(admin *a, int argc, char **argv)
{
    fdb_rows *r;
    int code;
    if (prologue(a, argc, argv, "retry", &r, &code))
        return code;
    const char *status = fdb_get(r, 0, L_STATUS);
    if (strcmp(status, "failed") != 0 && strcmp(status, "expired") != 0)
        return wrong_status(a, r, "only failed or expired requests can be retried");
    int64_t max = ferry_site_int(a->site, "worker.max_attempts", 3);
    if (max < 1 || max > 1000)
        max = 3;
    ferry_err err = FERRY_ERR_INIT;
    char idc[33];
    snprintf(idc, sizeof idc, "%s", fdb_get(r, 0, L_ID));
    fdb_param p[] = {fdb_i64(max), fdb_i64(max), fdb_str(idc)};
    int rc = fdb_exec(a->db,
                      "UPDATE export_requests SET status = 'pending', "
                      "ferry_attempt = CEIL(ferry_attempt / ?) * ?, error_message = '', "
                      "progress_percentage = 0, started_at = NULL, completed_at = NULL, "
                      "file_path = '', file_size = NULL, download_url = '', expires_at = NULL, "
                      "ferry_row_count = NULL, ferry_checksum = '', ferry_lease_owner = '', "
                      "ferry_lease_expires_at = NULL, updated_at = NOW(6) WHERE id = ?",
                      p, 3, NULL, &err);
    code = finish(a, r, rc, &err);
    if (code == FERRY_EXIT_OK)
        printf("request %s is pending again\n", idc);
    return code;
}

/* Removes the artifact `file_path` if it lies beneath the store. Sets
 * *removed; returns 0, or an error when the file exists and cannot go. */
static int remove_artifact(admin *a, const char *file_path, int *removed, ferry_err *err)
{
    *removed = 0;
    if (!file_path || !*file_path)
        return 0;
    if (ferry_s3_is_object(file_path)) {
        int rc = ferry_objects_delete(a->site, file_path, err);
        *removed = rc == 0;
        return rc;
    }
    const char *store = a->site->store_path;
    char *real = store ? realpath(store, NULL) : NULL;
    char rel[PATH_MAX];
    int bad = !store || ferry_store_relpath(store, real, file_path, rel, sizeof rel) != 0;
    free(real);
    if (bad) {
        fprintf(stderr, "ferry: warning: %s is not beneath the file store %s: left alone\n",
                file_path, store ? store : "(none)");
        return 0;
    }
    int fd = open(store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0; /* no store, so no file */
        return ferry_err_set(err, FERRY_ERR_IO, "cannot open the file store %s: %s", store,
                             strerror(errno));
    }
    int u = ferry_store_unlink(fd, rel);
    close(fd);
    if (u == 0)
        *removed = 1;
    else if (u != -ENOENT)
        return ferry_err_set(err, FERRY_ERR_IO, "cannot delete %s: %s", file_path, strerror(-u));
    return 0;
}

static int cmd_delete(admin *a, int argc, char **argv)
{
    fdb_rows *r;
    int code;
    if (prologue(a, argc, argv, "delete", &r, &code))
        return code;
    const char *status = fdb_get(r, 0, L_STATUS);
    if (strcmp(status, "processing") == 0)
        return wrong_status(a, r, "cancel it first (ferry request cancel)");
    if (atoi(fdb_get(r, 0, L_DELETED))) {
        fprintf(stderr, "ferry: request %s was deleted already\n", fdb_get(r, 0, L_ID));
        fdb_rows_free(r);
        fdb_rollback(a->db);
        return FERRY_EXIT_FAILED;
    }
    char idc[33];
    snprintf(idc, sizeof idc, "%s", fdb_get(r, 0, L_ID));
    int64_t user = strtoll(fdb_get(r, 0, L_USER), NULL, 10);
    const char *file_path = fdb_get(r, 0, L_FILE);
    ferry_err err = FERRY_ERR_INIT;
    int removed = 0;
    int rc = remove_artifact(a, file_path, &removed, &err);
    int had_file = strcmp(status, "completed") == 0 || strcmp(status, "expired") == 0;
    fdb_param p[] = {fdb_str(had_file ? "expired" : "failed"),
                     fdb_str(had_file ? "" : "deleted by operator"), fdb_str(idc)};
    if (!rc)
        rc = fdb_exec(a->db,
                      "UPDATE export_requests SET status = ?, "
                      "error_message = IF(? = '', error_message, 'deleted by operator'), "
                      "file_path = '', file_size = NULL, download_url = '', "
                      "expires_at = LEAST(COALESCE(expires_at, NOW(6)), NOW(6)), "
                      "updated_at = NOW(6) WHERE id = ?",
                      p, 3, NULL, &err);
    if (!rc) {
        json_t *j = json_pack("{s:s, s:s, s:b, s:s}", "by", "operator", "was", status,
                              "file_removed", removed, "file_path", file_path ? file_path : "");
        char *extra = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        rc = ferry_audit_write(a->db, idc, user, "deleted", "", a->ua, extra, &err);
        free(extra);
    }
    code = finish(a, r, rc, &err);
    if (code == FERRY_EXIT_OK)
        printf("deleted request %s%s\n", idc, removed ? " and its file" : "");
    return code;
}

int ferry_request_admin(ferry_app *app, int argc, char **argv)
{
    admin a;
    memset(&a, 0, sizeof a);
    a.app = app;
    if (argc < 2) {
        fprintf(stderr, "usage: ferry request list|show|cancel|retry|delete …\n");
        return FERRY_EXIT_USAGE;
    }
    const char *verb = argv[1];
    int code;
    if (strcmp(verb, "list") == 0)
        code = cmd_list(&a, argc - 1, argv + 1);
    else if (strcmp(verb, "show") == 0)
        code = cmd_show(&a, argc - 1, argv + 1);
    else if (strcmp(verb, "cancel") == 0)
        code = cmd_cancel(&a, argc - 1, argv + 1);
    else if (strcmp(verb, "retry") == 0)
        code = cmd_retry(&a, argc - 1, argv + 1);
    else if (strcmp(verb, "delete") == 0)
        code = cmd_delete(&a, argc - 1, argv + 1);
    else {
        fprintf(stderr, "ferry: unknown request verb \"%s\" (list, show, cancel, retry, delete)\n",
                verb);
        code = FERRY_EXIT_USAGE;
    }
    fdb_close(a.db);
    return code;
}
