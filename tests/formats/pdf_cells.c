/*
 * pdf_cells.c — drives format-pdf (or any formatter) on rows read from a
 * file, so that a test can choose every value: columns id (INT64), text
 * (STRING) and num (INT64, whose value may be of another type, as
 * source-mysql sends a DECIMAL for a BIGINT UNSIGNED above INT64_MAX).
 *
 *   pdf_cells FORMAT.so CONFIG OUT CELLS
 *
 * CONFIG (libconfig) holds `format = { … }`. CELLS has one row a line:
 * `NUMTYPE NUMTEXT TEXTHEX`, NUMTYPE i (INT64), d (DECIMAL text), f
 * (DOUBLE) or n (null), TEXTHEX the text value's bytes in hex ("-": empty).
 * Prints "warnings N" (values reported through host->warn) on stdout.
 * Exit: 0 ok, 1 the plugin failed, 2 usage or config error.
 */
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "loader.h"

static size_t unhex(const char *h, char *out)
{
    size_t n = 0;
    unsigned x;

    if (strcmp(h, "-") == 0)
        return 0;
    while (h[0] && h[1] && sscanf(h, "%2x", &x) == 1) {
        out[n++] = (char)x;
        h += 2;
    }
    return n;
}

static void fill(ferry_batch *b, uint32_t r, int64_t id, const char *nt, const char *num,
                 const char *text, size_t tlen)
{
    ferry_value *v = ferry_batch_at(b, r, 0);

    ferry_value_set_i64(&v[0], FERRY_TYPE_INT64, id);
    ferry_batch_set_bytes(b, r, 1, FERRY_TYPE_STRING, text, tlen);
    if (nt[0] == 'i')
        ferry_value_set_i64(&v[2], FERRY_TYPE_INT64, strtoll(num, NULL, 10));
    else if (nt[0] == 'd')
        ferry_batch_set_bytes(b, r, 2, FERRY_TYPE_DECIMAL, num, strlen(num));
    else if (nt[0] == 'f')
        ferry_value_set_f64(&v[2], strtod(num, NULL));
    else
        ferry_value_set_null(&v[2]);
}

static int run(ferry_instance *fi, const char *out, FILE *in)
{
    ferry_field_style style = {"%Y-%m-%d", NULL, "UTC", "", -1, FERRY_DURATION_HMM, 0, 0};
    ferry_column cols[3] = {{"id", "ID", FERRY_TYPE_INT64, 0, &style},
                            {"text", "Text", FERRY_TYPE_STRING, 0, &style},
                            {"num", "Num", FERRY_TYPE_INT64, 0, &style}};
    ferry_schema schema = {3, 0, cols};
    const ferry_plugin_descriptor *fd = ferry_instance_desc(fi);
    void *fs = ferry_instance_state(fi);
    ferry_batch *b = ferry_batch_new(&schema, 1000);
    static char line[1 << 21], text[1 << 20];
    char nt[8], num[64];
    int64_t id = 0;
    int rc = fd->format->open(fs, &schema, NULL, out, NULL, -1);

    while (rc == 0 && fgets(line, sizeof line, in)) {
        char *hex = malloc(strlen(line) + 1);
        if (sscanf(line, "%7s %63s %s", nt, num, hex) == 3)
            fill(b, (uint32_t)ferry_batch_add_row(b), ++id, nt, num, text, unhex(hex, text));
        free(hex);
    }
    if (rc == 0 && (rc = fd->format->write(fs, b)) == 0)
        rc = fd->format->finish(fs);
    if (rc < 0)
        fprintf(stderr, "error: %d: %s\n", rc, ferry_instance_error(fi));
    fd->format->close(fs);
    ferry_batch_free(b);
    return rc < 0;
}

int main(int argc, char **argv)
{
    static const char *const skip[] = {"plugin", NULL};
    ferry_err err = FERRY_ERR_INIT;
    ferry_log log = {FERRY_LOG_INFO, "pdf-cells", 0};
    ferry_plugin *fp = NULL;
    ferry_instance *fi = NULL;
    config_t cfg;
    FILE *in;
    int rc;

    if (argc != 5 || !(in = fopen(argv[4], "r"))) {
        fprintf(stderr, "usage: pdf_cells FORMAT.so CONFIG OUT CELLS\n");
        return 2;
    }
    config_init(&cfg);
    if (config_read_file(&cfg, argv[2]) != CONFIG_TRUE || ferry_plugin_open(&fp, argv[1], &err) ||
        ferry_instance_new(&fi, fp, config_lookup(&cfg, "format"), NULL, skip, &log, &err)) {
        fprintf(stderr, "init: %s %s\n", err.msg, config_error_text(&cfg) ? "(config)" : "");
        return 2;
    }
    rc = run(fi, argv[3], in);
    printf("warnings %llu\n", (unsigned long long)ferry_instance_warnings(fi));
    ferry_instance_free(fi);
    ferry_plugin_close(fp);
    config_destroy(&cfg);
    fclose(in);
    return rc;
}
