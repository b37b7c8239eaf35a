/* c_csv.c — the floor for a CSV export: a plain C program that reads a query
 * with Connector/C (text protocol, mysql_use_result: unbuffered) and writes
 * RFC 4180 CSV with stdio. No typing, no staging, no checksum.
 *   c_csv SOCKET DATABASE OUT.csv [SQL-FILE]   (default: SELECT * FROM wide)
 * Built by scripts/bench/run.sh. */
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char sql[1 << 16];
    size_t n = fread(sql, 1, sizeof sql - 1, f);
    fclose(f);
    sql[n] = 0;
    while (n && (sql[n - 1] == '\n' || sql[n - 1] == ';' || sql[n - 1] == ' '))
        sql[--n] = 0;
    return sql;
}

static void field(FILE *out, const char *p, unsigned long len)
{
    if (!memchr(p, '"', len) && !memchr(p, ',', len) && !memchr(p, '\n', len) &&
        !memchr(p, '\r', len)) {
        fwrite(p, 1, len, out);
        return;
    }
    putc('"', out);
    for (unsigned long i = 0; i < len; i++) {
        if (p[i] == '"')
            putc('"', out);
        putc(p[i], out);
    }
    putc('"', out);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: c_csv SOCKET DATABASE OUT.csv [SQL-FILE]\n");
        return 2;
    }
    const char *sql = argc > 4 ? slurp(argv[4]) : "SELECT * FROM wide";
    MYSQL *m = mysql_init(NULL);
    if (!sql || !mysql_real_connect(m, "localhost", "ferry", "ferry", argv[2], 0, argv[1], 0) ||
        mysql_set_character_set(m, "utf8mb4") || mysql_real_query(m, sql, strlen(sql))) {
        fprintf(stderr, "c_csv: %s\n", mysql_error(m));
        return 1;
    }
    MYSQL_RES *r = mysql_use_result(m);
    FILE *out = fopen(argv[3], "wb");
    if (!r || !out)
        return 1;
    unsigned n = mysql_num_fields(r);
    MYSQL_FIELD *fs = mysql_fetch_fields(r);
    for (unsigned i = 0; i < n; i++) {
        if (i)
            putc(',', out);
        field(out, fs[i].name, strlen(fs[i].name));
    }
    putc('\n', out);
    MYSQL_ROW row;
    while ((row = mysql_fetch_row(r))) {
        unsigned long *len = mysql_fetch_lengths(r);
        for (unsigned i = 0; i < n; i++) {
            if (i)
                putc(',', out);
            if (row[i])
                field(out, row[i], len[i]);
        }
        putc('\n', out);
    }
    int bad = mysql_errno(m) != 0;
    if (bad)
        fprintf(stderr, "c_csv: %s\n", mysql_error(m));
    mysql_free_result(r);
    mysql_close(m);
    return fclose(out) || bad;
}
