/* cmd_stats.c — `ferry stats [--user U] [--days N] [--json]`: exports per
 * user and day from export_usage_stats (totals per format, records, bytes,
 * failures, average time), with a sparkline of daily exports on a
 * terminal. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "commands.h"

enum {
    S_USER,
    S_NAME,
    S_DATE,
    S_TOTAL,
    S_CSV,
    S_JSON,
    S_PDF,
    S_EXCEL,
    S_ROWS,
    S_BYTES,
    S_AVG,
    S_FAILED,
    S_NCOLS
};

static const char *const keys[S_NCOLS] = {"user_id", "username", "date",        "total",
                                          "csv",     "json",     "pdf",         "excel",
                                          "records", "bytes",    "avg_seconds", "failed"};

static void usage(FILE *f)
{
    fprintf(f, "usage: ferry stats [--user ID|NAME] [--days N] [--json]\n\n"
               "Exports per user and day for the last N days (default 14) from\n"
               "export_usage_stats: totals per format, records, bytes, failures and the\n"
               "average processing time; on a terminal, a sparkline of each user's daily\n"
               "exports. --json: one object per user and day.\n");
}

static int query(ferry_db *db, const char *user, long days, fdb_rows **r, ferry_err *err)
{
    fdb_param p[] = {fdb_i64(days - 1), fdb_str(user ? user : ""), fdb_str(user ? user : "")};
    return fdb_query(db,
                     "SELECT s.user_id, u.username, DATE_FORMAT(s.date, '%Y-%m-%d'), "
                     "s.total_exports, s.csv_exports, s.json_exports, s.pdf_exports, "
                     "s.excel_exports, s.total_records_exported, s.total_file_size, "
                     "COALESCE(s.avg_processing_time / 1e6, 0), s.failed_exports "
                     "FROM export_usage_stats s JOIN auth_user u ON u.id = s.user_id "
                     "WHERE s.date >= UTC_DATE() - INTERVAL ? DAY "
                     "AND (? = '' OR u.username = ? OR CAST(u.id AS CHAR) = ?) "
                     "ORDER BY s.user_id, s.date",
                     (fdb_param[]){p[0], p[1], p[2], p[1]}, 4, r, err);
}

static void print_json(const fdb_rows *r)
{
    for (size_t i = 0; i < r->nrows; i++) {
        json_t *o = json_object();
        for (int c = 0; c < S_NCOLS; c++) {
            const char *v = fdb_get(r, i, (size_t)c);
            if (c == S_NAME || c == S_DATE)
                json_object_set_new(o, keys[c], json_string(v ? v : ""));
            else if (c == S_AVG)
                json_object_set_new(o, keys[c], json_real(v ? strtod(v, NULL) : 0));
            else
                json_object_set_new(o, keys[c], json_integer(v ? strtoll(v, NULL, 10) : 0));
        }
        char *t = json_dumps(o, JSON_COMPACT);
        printf("%s\n", t ? t : "{}");
        free(t);
        json_decref(o);
    }
}

/* ▁▂▃▄▅▆▇█ for the user's rows [from, to), one a day with data. */
static void sparkline(const fdb_rows *r, size_t from, size_t to)
{
    static const char *const bars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
    long long max = 1;
    for (size_t i = from; i < to; i++)
        if (atoll(fdb_get(r, i, S_TOTAL)) > max)
            max = atoll(fdb_get(r, i, S_TOTAL));
    printf("  ");
    for (size_t i = from; i < to; i++)
        printf("%s", bars[atoll(fdb_get(r, i, S_TOTAL)) * 7 / max]);
    printf("\n");
}

static void print_text(const fdb_rows *r, int tty)
{
    size_t from = 0;
    for (size_t i = 0; i <= r->nrows; i++) {
        if (i < r->nrows && i > from &&
            strcmp(fdb_get(r, i, S_USER), fdb_get(r, from, S_USER)) == 0)
            continue;
        if (i > from && tty)
            sparkline(r, from, i);
        if (i == r->nrows)
            break;
        from = i;
        printf("%suser %s (%s)\n  %-10s %6s %5s %5s %5s %5s %10s %12s %7s %8s\n", i ? "\n" : "",
               fdb_get(r, i, S_USER), fdb_get(r, i, S_NAME), "date", "total", "csv", "json", "pdf",
               "excel", "records", "bytes", "failed", "avg s");
        for (size_t j = i;
             j < r->nrows && strcmp(fdb_get(r, j, S_USER), fdb_get(r, i, S_USER)) == 0; j++)
            printf("  %-10s %6s %5s %5s %5s %5s %10s %12s %7s %8.2f\n", fdb_get(r, j, S_DATE),
                   fdb_get(r, j, S_TOTAL), fdb_get(r, j, S_CSV), fdb_get(r, j, S_JSON),
                   fdb_get(r, j, S_PDF), fdb_get(r, j, S_EXCEL), fdb_get(r, j, S_ROWS),
                   fdb_get(r, j, S_BYTES), fdb_get(r, j, S_FAILED),
                   strtod(fdb_get(r, j, S_AVG), NULL));
    }
}

int ferry_cmd_stats(ferry_app *app, int argc, char **argv)
{
    static const struct option opts[] = {{"user", required_argument, 0, 'u'},
                                         {"days", required_argument, 0, 'd'},
                                         {"json", no_argument, 0, 'j'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *user = NULL;
    long days = 14;
    int json = 0, c;
    char *end;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'u')
            user = optarg;
        else if (c == 'j')
            json = 1;
        else if (c == 'd' && (days = strtol(optarg, &end, 10)) >= 1 && days <= 3660 && !*end)
            continue;
        else {
            usage(c == 'h' ? stdout : stderr);
            return c == 'h' ? FERRY_EXIT_OK : FERRY_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        usage(stderr);
        return FERRY_EXIT_USAGE;
    }
    ferry_err err = FERRY_ERR_INIT;
    ferry_db *db = NULL;
    fdb_rows *r = NULL;
    if (ferry_app_connect(app, &db, 30, 0, &err) || query(db, user, days, &r, &err)) {
        fdb_close(db);
        return ferry_app_fail(app, &err);
    }
    if (json)
        print_json(r);
    else if (r->nrows == 0)
        printf("no exports in the last %ld days\n", days);
    else
        print_text(r, app->stdout_tty);
    fdb_rows_free(r);
    fdb_close(db);
    return FERRY_EXIT_OK;
}
