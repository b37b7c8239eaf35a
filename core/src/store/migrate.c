/* migrate.c — finding, splitting, checking and applying ferry's SQL
 * migrations, and recording them in ferry_migrations (see migrate.h). */
#include "regfile.h"
#include "migrate.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#define MIGRATIONS_TABLE_SQL                                                                       \
    "CREATE TABLE IF NOT EXISTS `ferry_migrations` ("                                              \
    "`version` integer NOT NULL PRIMARY KEY, "                                                     \
    "`name` varchar(255) NOT NULL, "                                                               \
    "`checksum` char(64) NOT NULL, "                                                               \
    "`applied_at` datetime(6) NOT NULL) ENGINE=InnoDB"

/* One lock per database: migrations of other databases on the server go on. */
#define LOCK_NAME_SQL "LEFT(CONCAT('ferry_migrate:', DATABASE()), 64)"

char *ferry_migrate_dir(const ferry_site *site)
{
    const char *conf = ferry_site_string(site, "database.migrations", NULL);
    if (conf)
        return ferry_site_resolve(site, conf);
    if (site && site->paths.migrations_dir)
        return strdup(site->paths.migrations_dir);
    ferry_paths paths;
    ferry_err err = FERRY_ERR_INIT;
    if (ferry_paths_get(&paths, &err))
        return NULL;
    char *dir = strdup(paths.migrations_dir);
    ferry_paths_free(&paths);
    return dir;
}

void ferry_sql_stmts_free(ferry_sql_stmt *s, size_t n)
{
    if (!s)
        return;
    for (size_t i = 0; i < n; i++)
        free(s[i].sql);
    free(s);
}

static int only_space(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!isspace((unsigned char)s[i]))
            return 0;
    return 1;
}

static int push_stmt(ferry_sql_stmt **out, size_t *n, size_t *cap, const char *s, size_t len,
                     int line, ferry_err *err)
{
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        len--;
    if (len > 0 && s[len - 1] == ';')
        len--;
    if (only_space(s, len))
        return 0;
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        ferry_sql_stmt *g = realloc(*out, nc * sizeof *g);
        if (!g)
            return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
        *out = g;
        *cap = nc;
    }
    char *copy = strndup(s, len);
    if (!copy)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    (*out)[*n].sql = copy;
    (*out)[*n].line = line;
    (*n)++;
    return 0;
}

int ferry_sql_split(const char *text, size_t len, ferry_sql_stmt **out, size_t *n, ferry_err *err)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0, blen = 0, bcap = 256;
    char *buf = malloc(bcap);
    if (!buf)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    int line = 0, start_line = 0, rc = 0;
    size_t pos = 0;
    while (pos < len && rc == 0) {
        const char *l = text + pos;
        const char *nl = memchr(l, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - l) : len - pos;
        pos += ll + (nl ? 1 : 0);
        line++;
        size_t b = 0;
        while (b < ll && isspace((unsigned char)l[b]))
            b++;
        if (ll - b >= 2 && l[b] == '-' && l[b + 1] == '-')
            continue; /* a comment line */
        size_t e = ll;
        while (e > b && isspace((unsigned char)l[e - 1]))
            e--;
        if (blen == 0 || only_space(buf, blen))
            start_line = line;
        if (blen + ll + 2 > bcap) {
            while (blen + ll + 2 > bcap)
                bcap *= 2;
            char *g = realloc(buf, bcap);
            if (!g) {
                rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
                break;
            }
            buf = g;
        }
        memcpy(buf + blen, l, ll);
        blen += ll;
        buf[blen++] = '\n';
        if (e > b && l[e - 1] == ';') {
            rc = push_stmt(out, n, &cap, buf, blen, start_line, err);
            blen = 0;
        }
    }
    if (rc == 0 && blen > 0)
        rc = push_stmt(out, n, &cap, buf, blen, start_line, err);
    free(buf);
    if (rc) {
        ferry_sql_stmts_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

void ferry_migration_list_free(ferry_migration_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i].name);
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

/* Reads a whole file; *out malloc'd and NUL-terminated. */
static int read_file(const char *path, char **out, size_t *len, ferry_err *err)
{
    *out = NULL;
    FILE *f = NULL;
    if (ferry_fopen_regular(path, "migration", FERRY_ERR_IO, &f, err))
        return err->code;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            char *g = realloc(buf, cap * 2);
            if (!g) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = g;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    if (bad) {
        free(buf);
        return ferry_err_set(err, FERRY_ERR_IO, "cannot read %s", path);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

static void sha256_hex(const char *data, size_t len, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    out[0] = '\0';
    if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL))
        return;
    for (unsigned i = 0; i < mdlen && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* "0003_ferry_columns.sql" → 3; -1 for names that are not migrations. */
static int migration_version(const char *name)
{
    size_t d = 0;
    while (isdigit((unsigned char)name[d]))
        d++;
    size_t len = strlen(name);
    if (d == 0 || d > 8 || name[d] != '_' || len < d + 6 || strcmp(name + len - 4, ".sql") != 0)
        return -1;
    return atoi(name);
}

static ferry_migration *mlist_add(ferry_migration_list *l, int version)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->items[i].version == version)
            return &l->items[i];
    ferry_migration *g = realloc(l->items, (l->n + 1) * sizeof *g);
    if (!g)
        return NULL;
    l->items = g;
    ferry_migration *m = &l->items[l->n++];
    memset(m, 0, sizeof *m);
    m->version = version;
    return m;
}

static int scan_dir(const char *dir, ferry_migration_list *l, ferry_err *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return ferry_err_set(err, FERRY_ERR_CONFIG, "cannot open migrations directory %s: %s", dir,
                             strerror(errno));
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        int v = migration_version(e->d_name);
        if (v < 0)
            continue;
        ferry_migration *m = mlist_add(l, v);
        if (!m) {
            rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
            break;
        }
        if (m->has_file) {
            rc = ferry_err_set(err, FERRY_ERR_CONFIG, "migrations %s and %s in %s share version %d",
                               m->name, e->d_name, dir, v);
            break;
        }
        m->has_file = 1;
        m->name = strdup(e->d_name);
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char *text = NULL;
        size_t len = 0;
        if (!m->name)
            rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
        else if ((rc = read_file(path, &text, &len, err)) == 0)
            sha256_hex(text, len, m->checksum);
        free(text);
    }
    closedir(d);
    return rc;
}

static int table_exists(ferry_db *db, int *exists, ferry_err *err)
{
    fdb_rows *r = NULL;
    int rc = fdb_query(db,
                       "SELECT COUNT(*) FROM information_schema.TABLES "
                       "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'ferry_migrations'",
                       NULL, 0, &r, err);
    if (rc)
        return rc;
    *exists = r->nrows == 1 && fdb_get(r, 0, 0) && atoi(fdb_get(r, 0, 0)) > 0;
    fdb_rows_free(r);
    return 0;
}

static int load_applied(ferry_db *db, ferry_migration_list *l, ferry_err *err)
{
    int exists = 0;
    int rc = table_exists(db, &exists, err);
    if (rc || !exists)
        return rc;
    fdb_rows *r = NULL;
    rc = fdb_query(db,
                   "SELECT `version`, `name`, `checksum`, "
                   "DATE_FORMAT(`applied_at`, '%Y-%m-%d %H:%i:%s') FROM `ferry_migrations` "
                   "ORDER BY `version`",
                   NULL, 0, &r, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < r->nrows && rc == 0; i++) {
        ferry_migration *m = mlist_add(l, atoi(fdb_get(r, i, 0)));
        if (!m) {
            rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
            break;
        }
        m->applied = 1;
        if (!m->name && !(m->name = strdup(fdb_get(r, i, 1))))
            rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
        snprintf(m->applied_sum, sizeof m->applied_sum, "%s", fdb_get(r, i, 2));
        snprintf(m->applied_at, sizeof m->applied_at, "%s", fdb_get(r, i, 3));
    }
    fdb_rows_free(r);
    return rc;
}

static int by_version(const void *a, const void *b)
{
    const ferry_migration *x = a, *y = b;
    return (x->version > y->version) - (x->version < y->version);
}

int ferry_migrate_status(ferry_db *db, const char *dir, ferry_migration_list *out, ferry_err *err)
{
    out->items = NULL;
    out->n = 0;
    int rc = scan_dir(dir, out, err);
    if (rc == 0)
        rc = load_applied(db, out, err);
    if (rc) {
        ferry_migration_list_free(out);
        return rc;
    }
    if (out->n)
        qsort(out->items, out->n, sizeof *out->items, by_version);
    return 0;
}

int ferry_migrate_pending(ferry_db *db, const char *dir, int *count, char *names, size_t names_len,
                          ferry_err *err)
{
    *count = 0;
    if (names && names_len)
        names[0] = '\0';
    ferry_migration_list l;
    int rc = ferry_migrate_status(db, dir, &l, err);
    if (rc)
        return rc;
    size_t used = 0;
    for (size_t i = 0; i < l.n; i++) {
        if (l.items[i].applied || !l.items[i].has_file)
            continue;
        (*count)++;
        if (names && names_len > used) {
            int w =
                snprintf(names + used, names_len - used, "%s%s", used ? ", " : "", l.items[i].name);
            used += w > 0 ? (size_t)w : 0;
            if (used >= names_len)
                used = names_len;
        }
    }
    ferry_migration_list_free(&l);
    return 0;
}

int ferry_migrate_require(const ferry_site *site, ferry_db *db, ferry_err *err)
{
    char *dir = ferry_migrate_dir(site);
    if (!dir)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    int count = 0;
    char names[512];
    int rc = ferry_migrate_pending(db, dir, &count, names, sizeof names, err);
    free(dir);
    if (rc)
        return rc;
    if (count > 0)
        return ferry_err_set(err, FERRY_ERR_DB,
                             "database has %d pending migration%s (%s): run `ferry db migrate`",
                             count, count == 1 ? "" : "s", names);
    return 0;
}

static int get_lock(ferry_db *db, ferry_err *err)
{
    fdb_rows *r = NULL;
    int rc = fdb_query(db, "SELECT GET_LOCK(" LOCK_NAME_SQL ", 60)", NULL, 0, &r, err);
    if (rc)
        return rc;
    const char *v = r->nrows == 1 ? fdb_get(r, 0, 0) : NULL;
    int got = v && strcmp(v, "1") == 0;
    fdb_rows_free(r);
    if (!got)
        return ferry_err_set(err, FERRY_ERR_DB,
                             "another `ferry db migrate` holds the migration lock (waited 60 s)");
    return 0;
}

static void release_lock(ferry_db *db)
{
    fdb_rows *r = NULL;
    if (fdb_query(db, "SELECT RELEASE_LOCK(" LOCK_NAME_SQL ")", NULL, 0, &r, NULL) == 0)
        fdb_rows_free(r);
}

/* Runs one migration file and records it, in one transaction where MySQL allows. */
static int apply_one(ferry_db *db, const char *dir, const ferry_migration *m, ferry_err *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, m->name);
    char *text = NULL;
    size_t len = 0;
    int rc = read_file(path, &text, &len, err);
    if (rc)
        return rc;
    char sum[65];
    sha256_hex(text, len, sum);
    ferry_sql_stmt *stmts = NULL;
    size_t n = 0;
    rc = ferry_sql_split(text, len, &stmts, &n, err);
    free(text);
    if (rc)
        return rc;
    rc = fdb_begin(db, err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = fdb_run(db, stmts[i].sql, err);
        if (rc)
            ferry_err_prefix(err, "migration %s, statement at line %d", m->name, stmts[i].line);
    }
    if (rc == 0) {
        fdb_param p[3] = {fdb_i64(m->version), fdb_str(m->name), fdb_str(sum)};
        rc = fdb_exec(db,
                      "INSERT INTO `ferry_migrations` (`version`, `name`, `checksum`, "
                      "`applied_at`) VALUES (?, ?, ?, UTC_TIMESTAMP(6))",
                      p, 3, NULL, err);
    }
    if (rc == 0)
        rc = fdb_commit(db, err);
    if (rc)
        fdb_rollback(db);
    ferry_sql_stmts_free(stmts, n);
    return rc;
}

int ferry_migrate_apply(ferry_db *db, const char *dir, const ferry_log *log, int *applied,
                        ferry_err *err)
{
    if (applied)
        *applied = 0;
    int rc = get_lock(db, err);
    if (rc)
        return rc;
    ferry_migration_list l = {NULL, 0};
    rc = fdb_run(db, MIGRATIONS_TABLE_SQL, err);
    if (rc == 0)
        rc = ferry_migrate_status(db, dir, &l, err);
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
        const ferry_migration *m = &l.items[i];
        if (m->applied) {
            if (log && m->has_file && strcmp(m->checksum, m->applied_sum) != 0)
                ferry_logf(log, FERRY_LOG_WARN, NULL,
                           "migration %s changed since it was applied (checksum differs)", m->name);
            continue;
        }
        if (!m->has_file)
            continue;
        rc = apply_one(db, dir, m, err);
        if (rc == 0) {
            if (applied)
                (*applied)++;
            if (log)
                ferry_logf(log, FERRY_LOG_INFO, NULL, "applied migration %s", m->name);
        }
    }
    ferry_migration_list_free(&l);
    release_lock(db);
    return rc;
}
