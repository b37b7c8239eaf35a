/* c_xlsx.c — the floor for an Excel export: a plain C program that reads a
 * query with Connector/C (text protocol, unbuffered) and writes every value
 * as a string cell with libxlsxwriter in constant_memory mode.
 *   c_xlsx SOCKET DATABASE OUT.xlsx [SQL-FILE]   (default: SELECT * FROM wide)
 * Built by scripts/bench/run.sh. */
#include <mysql.h>
#include <stdio.h>
#include <string.h>
#include <xlsxwriter.h>

static const char *slurp(const char *path)
{
    static char sql[1 << 16];
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t n = fread(sql, 1, sizeof sql - 1, f);
    fclose(f);
    sql[n] = 0;
    while (n && (sql[n - 1] == '\n' || sql[n - 1] == ';' || sql[n - 1] == ' '))
        sql[--n] = 0;
    return sql;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: c_xlsx SOCKET DATABASE OUT.xlsx [SQL-FILE]\n");
        return 2;
    }
    const char *sql = argc > 4 ? slurp(argv[4]) : "SELECT * FROM wide";
    MYSQL *m = mysql_init(NULL);
    if (!sql || !mysql_real_connect(m, "localhost", "ferry", "ferry", argv[2], 0, argv[1], 0) ||
        mysql_set_character_set(m, "utf8mb4") || mysql_real_query(m, sql, strlen(sql))) {
        fprintf(stderr, "c_xlsx: %s\n", mysql_error(m));
        return 1;
    }
    MYSQL_RES *r = mysql_use_result(m);
    lxw_workbook_options o = {.constant_memory = LXW_TRUE};
    lxw_workbook *wb = workbook_new_opt(argv[3], &o);
    lxw_worksheet *ws = wb ? workbook_add_worksheet(wb, "Rows") : NULL;
    if (!r || !ws)
        return 1;
    unsigned n = mysql_num_fields(r);
    MYSQL_FIELD *fs = mysql_fetch_fields(r);
    for (unsigned i = 0; i < n; i++)
        worksheet_write_string(ws, 0, (lxw_col_t)i, fs[i].name, NULL);
    MYSQL_ROW row;
    lxw_row_t y = 1;
    while ((row = mysql_fetch_row(r))) {
        for (unsigned i = 0; i < n; i++)
            if (row[i])
                worksheet_write_string(ws, y, (lxw_col_t)i, row[i], NULL);
        y++;
    }
    int bad = mysql_errno(m) != 0;
    mysql_free_result(r);
    mysql_close(m);
    return workbook_close(wb) != LXW_NO_ERROR || bad;
}
