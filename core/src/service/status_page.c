/* status_page.c — rendering /status (status_page.h): a few queries, each
 * through an index (status, created_at; next_run; usage by date), written
 * as plain HTML with inline SVG. */
#include "status_page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tzif.h"

static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

static const char *v(const fdb_rows *r, size_t i, size_t c)
{
    const char *s = fdb_get(r, i, c);
    return s ? s : "";
}

static int counts(ferry_db *db, FILE *f, ferry_err *err)
{
    static const char *const st[] = {"pending", "processing", "completed", "failed", "expired"};
    fputs("<h2>Requests</h2><table id=\"counts\"><tr>", f);
    for (int i = 0; i < 5; i++) {
        fdb_param p[] = {fdb_str(st[i])};
        fdb_rows *r = NULL;
        int rc =
            fdb_query(db, "SELECT COUNT(*) FROM export_requests WHERE status = ?", p, 1, &r, err);
        if (rc)
            return rc;
        fprintf(f, "<td><b id=\"count-%s\">%s</b> %s</td>", st[i], v(r, 0, 0), st[i]);
        fdb_rows_free(r);
    }
    fputs("</tr></table>\n", f);
    return 0;
}

/* A table from a query: headers, then every column escaped; column
 * `bar` (or -1) drawn as a progress bar. */
static int table(ferry_db *db, FILE *f, const char *id, const char *title, const char *sql,
                 const char *const *heads, int ncols, int bar, ferry_err *err)
{
    fdb_rows *r = NULL;
    int rc = fdb_query(db, sql, NULL, 0, &r, err);
    if (rc)
        return rc;
    fprintf(f, "<h2>%s (%zu)</h2><table id=\"%s\"><tr>", title, r->nrows, id);
    for (int c = 0; c < ncols; c++)
        fprintf(f, "<th>%s</th>", heads[c]);
    fputs("</tr>\n", f);
    for (size_t i = 0; i < r->nrows; i++) {
        fputs("<tr>", f);
        for (int c = 0; c < ncols; c++) {
            fputs("<td>", f);
            if (c == bar)
                fprintf(f, "<progress max=\"100\" value=\"%d\"></progress> ", atoi(v(r, i, c)));
            esc(f, v(r, i, (size_t)c));
            fputs(c == bar ? "%</td>" : "</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
    fdb_rows_free(r);
    return 0;
}

/* "YYYY-MM-DD HH:MM:SS ABBR" of UTC seconds `t` in zone `name`. */
static void local_time(int64_t t, const char *name, char *out, size_t len)
{
    ferry_tz *tz = NULL;
    ferry_err e = FERRY_ERR_INIT;
    if (ferry_tz_load(&tz, name, &e)) {
        ferry_time_format(t, 0, out, len);
        strncat(out, " UTC", len - strlen(out) - 1);
        return;
    }
    const char *abbr = "";
    int32_t off = ferry_tz_offset(tz, t, &abbr);
    char when[32];
    ferry_time_format(t, off, when, sizeof when);
    snprintf(out, len, "%s %s", when, abbr ? abbr : "");
    ferry_tz_free(tz);
}

static int schedules(ferry_db *db, FILE *f, const char *site_tz, ferry_err *err)
{
    fdb_rows *r = NULL;
    fdb_param p[] = {fdb_str(site_tz)};
    int rc = fdb_query(db,
                       "SELECT 'schedule', name, cron_pattern, timezone, "
                       "UNIX_TIMESTAMP(next_run), is_active FROM export_schedules UNION ALL "
                       "SELECT 'recurring', title, schedule_pattern, ?, UNIX_TIMESTAMP(next_run), "
                       "is_scheduled FROM export_requests WHERE next_run IS NOT NULL AND "
                       "schedule_pattern <> '' AND ferry_schedule_id IS NULL AND "
                       "ferry_origin_id IS NULL ORDER BY 5 LIMIT 100",
                       p, 1, &r, err);
    if (rc)
        return rc;
    fprintf(f,
            "<h2>Schedules (%zu)</h2><table id=\"schedules\"><tr><th>kind</th><th>name</th>"
            "<th>pattern</th><th>zone</th><th>next run (its zone)</th><th>state</th></tr>\n",
            r->nrows);
    for (size_t i = 0; i < r->nrows; i++) {
        char when[64];
        local_time(strtoll(v(r, i, 4), NULL, 10), v(r, i, 3), when, sizeof when);
        fputs("<tr>", f);
        for (int c = 0; c < 4; c++) {
            fputs("<td>", f);
            esc(f, v(r, i, (size_t)c));
            fputs("</td>", f);
        }
        fputs("<td class=\"next\">", f);
        esc(f, when);
        fprintf(f, "</td><td>%s</td></tr>\n", atoi(v(r, i, 5)) ? "active" : "paused");
    }
    fputs("</table>\n", f);
    fdb_rows_free(r);
    return 0;
}

/* One user's 14 days (index 13 = today) as an SVG bar chart. */
static void chart(FILE *f, const char *user, const long long total[14], const long long fail[14])
{
    long long max = 1, sum = 0;
    for (int d = 0; d < 14; d++) {
        max = total[d] > max ? total[d] : max;
        sum += total[d];
    }
    fputs("<div class=\"user\"><span class=\"name\">", f);
    esc(f, user);
    fprintf(f, "</span> <span class=\"total\" data-user=\"");
    esc(f, user);
    fprintf(f, "\">%lld</span><br><svg width=\"168\" height=\"40\" role=\"img\">", sum);
    for (int d = 0; d < 14; d++) {
        int h = (int)(total[d] * 36 / max), hf = (int)(fail[d] * 36 / max);
        fprintf(f,
                "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"%d\" fill=\"#4a7\">"
                "<title>%lld</title></rect>",
                d * 12, 38 - h, h, total[d]);
        if (hf)
            fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"%d\" fill=\"#c44\"/>", d * 12,
                    38 - hf, hf);
    }
    fputs("</svg></div>\n", f);
}

static int usage(ferry_db *db, FILE *f, ferry_err *err)
{
    fdb_rows *r = NULL;
    int rc = fdb_query(db,
                       "SELECT u.username, DATEDIFF(UTC_DATE(), s.date), s.total_exports, "
                       "s.failed_exports FROM export_usage_stats s JOIN auth_user u "
                       "ON u.id = s.user_id WHERE s.date > UTC_DATE() - INTERVAL 14 DAY "
                       "ORDER BY u.username, s.date",
                       NULL, 0, &r, err);
    if (rc)
        return rc;
    fputs("<h2>Exports per user, 14 days</h2><div id=\"usage\">\n", f);
    long long total[14], fail[14];
    for (size_t i = 0; i < r->nrows; i++) {
        if (i == 0 || strcmp(v(r, i, 0), v(r, i - 1, 0)) != 0) {
            memset(total, 0, sizeof total);
            memset(fail, 0, sizeof fail);
        }
        int ago = atoi(v(r, i, 1));
        if (ago >= 0 && ago < 14) {
            total[13 - ago] = atoll(v(r, i, 2));
            fail[13 - ago] = atoll(v(r, i, 3));
        }
        if (i + 1 == r->nrows || strcmp(v(r, i, 0), v(r, i + 1, 0)) != 0)
            chart(f, v(r, i, 0), total, fail);
    }
    fputs("</div>\n", f);
    fdb_rows_free(r);
    return 0;
}

static const char *const running_heads[] = {"request",  "user",   "format",
                                            "progress", "worker", "started (UTC)"};
static const char *const failed_heads[] = {"request", "user", "format", "failed (UTC)", "reason"};
static const char *const waiting_heads[] = {"request", "user", "format", "since (UTC)", "why"};

int ferry_status_render(ferry_db *db, const char *site_tz, char **html, size_t *len, ferry_err *err)
{
    FILE *f = open_memstream(html, len);
    if (!f)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    fputs("<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
          "<meta http-equiv=\"refresh\" content=\"30\"><title>ferry status</title><style>"
          "body{font:14px sans-serif;margin:1em 2em}table{border-collapse:collapse}"
          "td,th{border-bottom:1px solid #ddd;padding:2px 8px;text-align:left}"
          ".user{display:inline-block;margin:0 1em 1em 0}</style></head><body>"
          "<h1>ferry</h1>\n",
          f);
    int rc = counts(db, f, err);
    if (!rc)
        rc = table(db, f, "running", "Running",
                   "SELECT r.id, u.username, r.format, r.progress_percentage, "
                   "r.ferry_lease_owner, DATE_FORMAT(r.started_at, '%Y-%m-%d %H:%i:%s') FROM "
                   "export_requests r LEFT JOIN auth_user u ON u.id = r.user_id WHERE "
                   "r.status = 'processing' ORDER BY r.created_at LIMIT 100",
                   running_heads, 6, 3, err);
    /* Pending with a message: retried, deferred (no database), or waiting
     * for the site's configuration to be fixed (the operator's part). */
    if (!rc)
        rc = table(db, f, "waiting", "Waiting to be tried again",
                   "SELECT r.id, u.username, r.format, DATE_FORMAT(r.updated_at, "
                   "'%Y-%m-%d %H:%i:%s'), r.error_message FROM export_requests r "
                   "LEFT JOIN auth_user u ON u.id = r.user_id WHERE r.status = 'pending' "
                   "AND r.error_message <> '' ORDER BY r.created_at LIMIT 20",
                   waiting_heads, 5, -1, err);
    if (!rc)
        rc = table(db, f, "failures", "Recent failures",
                   "SELECT r.id, u.username, r.format, DATE_FORMAT(COALESCE(r.completed_at, "
                   "r.updated_at), '%Y-%m-%d %H:%i:%s'), r.error_message FROM export_requests r "
                   "LEFT JOIN auth_user u ON u.id = r.user_id WHERE r.status = 'failed' "
                   "ORDER BY r.created_at DESC LIMIT 20",
                   failed_heads, 5, -1, err);
    if (!rc)
        rc = schedules(db, f, site_tz, err);
    if (!rc)
        rc = usage(db, f, err);
    fputs("</body></html>\n", f);
    fclose(f);
    if (rc) {
        free(*html);
        *html = NULL;
    }
    return rc;
}
