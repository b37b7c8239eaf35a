/* c_pdf.c — the floor for a PDF export: a plain C program that reads a query
 * with Connector/C (text protocol, unbuffered) and draws it as a table with
 * libharu: A4 landscape, DejaVu Sans embedded (UTF-8), a header row on every
 * page, fixed equal column widths, text clipped to a column by measuring it,
 * compressed streams — what format-pdf does minus wrapping, fallback fonts,
 * bidi, zebra bands and totals.
 *   c_pdf SOCKET DATABASE OUT.pdf [SQL-FILE]   (default: SELECT * FROM wide)
 * Built by scripts/bench/run.sh. */
#include <hpdf.h>
#include <mysql.h>
#include <stdio.h>
#include <string.h>

#define FONT   "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define SIZE   8.0f
#define LINE   11.0f
#define MARGIN 36.0f

static void on_error(HPDF_STATUS e, HPDF_STATUS d, void *u)
{
    (void)u;
    fprintf(stderr, "c_pdf: libharu error %04X/%u\n", (unsigned)e, (unsigned)d);
}

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

/* The longest prefix of s (whole UTF-8 characters) that fits in w. */
static void cell(HPDF_Page pg, HPDF_Font font, float x, float y, float w, const char *s)
{
    char buf[512];
    size_t n = strlen(s) < sizeof buf - 1 ? strlen(s) : sizeof buf - 1;
    memcpy(buf, s, n);
    buf[n] = 0;
    while (n && HPDF_Font_TextWidth(font, (HPDF_BYTE *)buf, (HPDF_UINT)n).width * SIZE / 1000 > w) {
        do
            n--;
        while (n && ((unsigned char)buf[n] & 0xC0) == 0x80);
        buf[n] = 0;
    }
    HPDF_Page_TextOut(pg, x, y, buf);
}

static HPDF_Page page(HPDF_Doc pdf, HPDF_Font font, MYSQL_FIELD *fs, unsigned n, float *y)
{
    HPDF_Page pg = HPDF_AddPage(pdf);
    HPDF_Page_SetSize(pg, HPDF_PAGE_SIZE_A4, HPDF_PAGE_LANDSCAPE);
    float w = (HPDF_Page_GetWidth(pg) - 2 * MARGIN) / (float)n;
    *y = HPDF_Page_GetHeight(pg) - MARGIN - LINE;
    HPDF_Page_BeginText(pg);
    HPDF_Page_SetFontAndSize(pg, font, SIZE);
    for (unsigned i = 0; i < n; i++)
        cell(pg, font, MARGIN + (float)i * w, *y, w - 4, fs[i].name);
    *y -= LINE;
    return pg;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: c_pdf SOCKET DATABASE OUT.pdf [SQL-FILE]\n");
        return 2;
    }
    const char *sql = argc > 4 ? slurp(argv[4]) : "SELECT * FROM wide";
    MYSQL *m = mysql_init(NULL);
    if (!sql || !mysql_real_connect(m, "localhost", "ferry", "ferry", argv[2], 0, argv[1], 0) ||
        mysql_set_character_set(m, "utf8mb4") || mysql_real_query(m, sql, strlen(sql))) {
        fprintf(stderr, "c_pdf: %s\n", mysql_error(m));
        return 1;
    }
    MYSQL_RES *r = mysql_use_result(m);
    HPDF_Doc pdf = HPDF_New(on_error, NULL);
    if (!r || !pdf)
        return 1;
    HPDF_SetCompressionMode(pdf, HPDF_COMP_ALL);
    HPDF_UseUTFEncodings(pdf);
    HPDF_Font font = HPDF_GetFont(pdf, HPDF_LoadTTFontFromFile(pdf, FONT, HPDF_TRUE), "UTF-8");
    unsigned n = mysql_num_fields(r);
    MYSQL_FIELD *fs = mysql_fetch_fields(r);
    float y, w;
    HPDF_Page pg = page(pdf, font, fs, n, &y);
    w = (HPDF_Page_GetWidth(pg) - 2 * MARGIN) / (float)n;
    MYSQL_ROW row;
    while ((row = mysql_fetch_row(r))) {
        if (y < MARGIN) {
            HPDF_Page_EndText(pg);
            pg = page(pdf, font, fs, n, &y);
        }
        for (unsigned i = 0; i < n; i++)
            cell(pg, font, MARGIN + (float)i * w, y, w - 4, row[i] ? row[i] : "");
        y -= LINE;
    }
    HPDF_Page_EndText(pg);
    int bad = mysql_errno(m) != 0;
    mysql_free_result(r);
    mysql_close(m);
    if (HPDF_SaveToFile(pdf, argv[3]) != HPDF_OK)
        bad = 1;
    HPDF_Free(pdf);
    return bad;
}
