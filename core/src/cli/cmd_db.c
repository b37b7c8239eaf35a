/* cmd_db.c — `ferry db migrate` and `ferry db status`: apply and list the
 * schema migrations (migrate.h) on ferry's own database. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "db.h"
#include "migrate.h"
#include "schema_check.h"

static void db_usage(FILE *f)
{
    fprintf(f, "usage: ferry db migrate [--dir DIR]\n"
               "       ferry db status  [--dir DIR]\n\n"
               "migrate  applies the pending schema migrations in order, once each, under a\n"
               "         named lock (two at once are safe), recording them in ferry_migrations\n"
               "status   lists every migration: applied (with its time), pending, modified\n"
               "         (changed since applied) or missing (applied, file gone); then,\n"
               "         with none pending, checks that every table and column ferry uses\n"
               "         (its own and the web app's) exists with a fitting type: one line\n"
               "         per problem, exit 5 if there is any\n\n"
               "The database is the site's database.url, or FERRY_DATABASE_URL. The migrations\n"
               "are read from --dir, else the site's database.migrations, else the checkout's\n"
               "schema/migrations, else the installed share/ferry/migrations.\n");
}

static const char *state_of(const ferry_migration *m)
{
    if (m->applied && !m->has_file)
        return "missing";
    if (m->applied && strcmp(m->checksum, m->applied_sum) != 0)
        return "modified";
    return m->applied ? "applied" : "pending";
}

static int print_status(ferry_db *db, const char *dir, int *pending_out, ferry_err *err)
{
    ferry_migration_list l;
    int rc = ferry_migrate_status(db, dir, &l, err);
    if (rc)
        return rc;
    size_t width = 4;
    for (size_t i = 0; i < l.n; i++)
        if (strlen(l.items[i].name) > width)
            width = strlen(l.items[i].name);
    int applied = 0, pending = 0;
    printf("%-7s %-*s %-8s %s\n", "VERSION", (int)width, "NAME", "STATE", "APPLIED AT (UTC)");
    for (size_t i = 0; i < l.n; i++) {
        const ferry_migration *m = &l.items[i];
        printf("%04d    %-*s %-8s %s\n", m->version, (int)width, m->name, state_of(m),
               m->applied_at);
        if (m->applied)
            applied++;
        else
            pending++;
    }
    char *real = realpath(dir, NULL);
    printf("%d applied, %d pending (%s)\n", applied, pending, real ? real : dir);
    free(real);
    ferry_migration_list_free(&l);
    *pending_out = pending;
    return 0;
}

/* The schema check (schema_check.h): one line per problem on stdout, then
 * FERRY_ERR_DB naming the first if there is any. Skipped while migrations
 * are pending: they may make what is missing. */
static int print_schema(ferry_db *db, int pending, ferry_err *err)
{
    if (pending > 0) {
        printf("schema check skipped: run `ferry db migrate` first\n");
        return 0;
    }
    ferry_schema_report r;
    int rc = ferry_schema_check(db, &r, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < r.n; i++) {
        char line[512];
        ferry_schema_problem_line(&r.items[i], line, sizeof line);
        printf("schema: %s\n", line);
    }
    if (r.n == 0)
        printf("schema: the %zu columns ferry uses in %zu tables are present\n", r.columns,
               r.tables);
    rc = ferry_schema_refuse(&r, err);
    ferry_schema_report_free(&r);
    return rc;
}

int ferry_cmd_db(ferry_app *app, int argc, char **argv)
{
    if (argc < 2) {
        db_usage(stderr);
        return FERRY_EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
        db_usage(stdout);
        return FERRY_EXIT_OK;
    }
    if (strcmp(sub, "migrate") != 0 && strcmp(sub, "status") != 0) {
        fprintf(stderr, "ferry: unknown db command \"%s\" (see ferry db --help)\n", sub);
        return FERRY_EXIT_USAGE;
    }
    static const struct option opts[] = {
        {"dir", required_argument, 0, 'd'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *dir_arg = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            dir_arg = optarg;
            break;
        case 'h':
            db_usage(stdout);
            return FERRY_EXIT_OK;
        default:
            db_usage(stderr);
            return FERRY_EXIT_USAGE;
        }
    }
    if (optind < argc - 1) {
        fprintf(stderr, "ferry: db %s takes no argument \"%s\"\n", sub, argv[1 + optind]);
        return FERRY_EXIT_USAGE;
    }

    ferry_err err = FERRY_ERR_INIT;
    ferry_site *site = NULL;
    if (ferry_app_site(app, &site, &err))
        return ferry_app_fail(app, &err);
    if (!site->database_url) {
        ferry_err_set(&err, FERRY_ERR_CONFIG,
                      "no database: set database.url in %s or FERRY_DATABASE_URL", site->path);
        return ferry_app_fail(app, &err);
    }
    char *dir = dir_arg ? strdup(dir_arg) : ferry_migrate_dir(site);
    if (!dir) {
        ferry_err_set(&err, FERRY_ERR_NOMEM, "out of memory");
        return ferry_app_fail(app, &err);
    }
    ferry_db *db = NULL;
    int rc = fdb_connect_url(&db, site->database_url, 0, &err);
    if (rc == 0 && strcmp(sub, "status") == 0) {
        int pending = 0;
        rc = print_status(db, dir, &pending, &err);
        if (rc == 0)
            rc = print_schema(db, pending, &err);
    } else if (rc == 0) {
        int applied = 0;
        rc = ferry_migrate_apply(db, dir, &app->log, &applied, &err);
        if (rc == 0 && applied > 0)
            printf("applied %d migration%s; the database is up to date\n", applied,
                   applied == 1 ? "" : "s");
        else if (rc == 0)
            printf("nothing to apply; the database is up to date\n");
    }
    fdb_close(db);
    free(dir);
    if (rc)
        return ferry_app_fail(app, &err);
    return FERRY_EXIT_OK;
}
