/*
 * value_harness.c — drives a formatter plugin on rows given value by value
 * in a spec file, for tests that need exact values (any bytes in a string,
 * any double bit pattern, a value whose type differs from its column's):
 *
 *   value_harness FORMAT.so SPEC OUT
 *
 * SPEC, one item a line:
 *   timezone NAME              the field style's zone (default UTC)
 *   col NAME TYPE [json|wN]    a column (TYPE: bool int double decimal
 *                              string date timestamp duration); json: a
 *                              JSON column; wN: style width N characters
 *   row                        a new row; then one value line per column:
 *   null | TYPE PAYLOAD        bool/int/date/timestamp/duration: a decimal
 *                              integer; double: its 16 hex digits of bits;
 *                              decimal/string: the bytes in hex
 * Prints "warnings=N" (host->warn calls) on stderr at the end. Exit: 0 ok,
 * 1 the plugin failed, 2 usage or spec error.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "loader.h"

#define VH_MAX_COLS 1024

static const char *const type_names[] = {
    [FERRY_TYPE_BOOL] = "bool",           [FERRY_TYPE_INT64] = "int",
    [FERRY_TYPE_DOUBLE] = "double",       [FERRY_TYPE_DECIMAL] = "decimal",
    [FERRY_TYPE_STRING] = "string",       [FERRY_TYPE_DATE] = "date",
    [FERRY_TYPE_TIMESTAMP] = "timestamp", [FERRY_TYPE_DURATION] = "duration",
};

static int type_of(const char *name)
{
    for (int t = 0; t < (int)(sizeof type_names / sizeof *type_names); t++)
        if (type_names[t] && strcmp(type_names[t], name) == 0)
            return t;
    return -1;
}

/* Decodes hex into out (room for strlen(hex) / 2); returns the length. */
static size_t unhex(const char *hex, char *out)
{
    size_t n = 0;
    unsigned b;

    while (hex[0] && hex[1] && sscanf(hex, "%2x", &b) == 1) {
        out[n++] = (char)b;
        hex += 2;
    }
    return n;
}

/* One value line into the batch; -1 when it is malformed. */
static int set_value(ferry_batch *b, uint32_t r, uint32_t c, char *line)
{
    char *payload = strchr(line, ' ');
    ferry_value *v = ferry_batch_at(b, r, c);
    int t;

    if (strcmp(line, "null") == 0) {
        ferry_value_set_null(v);
        return 0;
    }
    if (!payload)
        return -1;
    *payload++ = '\0';
    if ((t = type_of(line)) < 0)
        return -1;
    if (t == FERRY_TYPE_DOUBLE) {
        uint64_t bits = strtoull(payload, NULL, 16);
        double x;
        memcpy(&x, &bits, sizeof x);
        ferry_value_set_f64(v, x);
    } else if (t == FERRY_TYPE_DECIMAL || t == FERRY_TYPE_STRING) {
        char *bytes = malloc(strlen(payload) / 2 + 1);
        size_t n = unhex(payload, bytes);
        int rc = ferry_batch_set_bytes(b, r, c, t, bytes, n);
        free(bytes);
        return rc < 0 ? -1 : 0;
    } else {
        ferry_value_set_i64(v, t, strtoll(payload, NULL, 10));
    }
    return 0;
}

static int fail(ferry_instance *inst, const ferry_plugin_descriptor *fd, int rc)
{
    fprintf(stderr, "error: %d: %s\n", rc, ferry_instance_error(inst));
    fd->format->close(ferry_instance_state(inst));
    return 1;
}

/* Reads the spec's columns and timezone (the file is left at the first row). */
static int read_schema(FILE *in, ferry_column *cols, uint32_t *ncols, ferry_field_style *style,
                       ferry_field_style *widths, char **tz)
{
    char *line = NULL, name[256], type[32], flag[32];
    size_t cap = 0;
    long at = ftell(in);

    while (getline(&line, &cap, in) > 0) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "timezone ", 9) == 0) {
            *tz = strdup(line + 9);
            style->timezone = *tz;
        } else if (strncmp(line, "col ", 4) == 0 && *ncols < VH_MAX_COLS) {
            int n = sscanf(line + 4, "%255s %31s %31s", name, type, flag);
            ferry_column *col = &cols[(*ncols)++];
            if (n < 2 || type_of(type) < 0)
                return -1;
            col->name = col->label = strdup(name);
            col->type = type_of(type);
            col->flags = n == 3 && strcmp(flag, "json") == 0 ? FERRY_COLUMN_JSON : 0;
            col->style = style;
            if (n == 3 && flag[0] == 'w') { /* its own style: the shared one, wider */
                widths[*ncols - 1] = *style;
                col->style = &widths[*ncols - 1];
                widths[*ncols - 1].width = atoi(flag + 1);
            }
        } else {
            break;
        }
        at = ftell(in);
    }
    free(line);
    return fseek(in, at, SEEK_SET);
}

/* Feeds every row of the spec to the formatter, a batch at a time. */
static int write_rows(FILE *in, ferry_instance *fi, const ferry_schema *schema)
{
    const ferry_plugin_descriptor *fd = ferry_instance_desc(fi);
    ferry_batch *b = ferry_batch_new(schema, 64);
    char *line = NULL;
    size_t cap = 0;
    int64_t r = -1;
    uint32_t c = 0;
    int rc = 0;

    while (rc == 0 && getline(&line, &cap, in) > 0) {
        line[strcspn(line, "\n")] = '\0';
        if (strcmp(line, "row") == 0) {
            if ((r = ferry_batch_add_row(b)) < 0) {
                if ((rc = fd->format->write(ferry_instance_state(fi), b)) < 0)
                    break;
                ferry_batch_reset(b);
                r = ferry_batch_add_row(b);
            }
            c = 0;
        } else if (r < 0 || c >= schema->ncolumns || set_value(b, (uint32_t)r, c++, line) < 0) {
            fprintf(stderr, "spec: bad line \"%s\"\n", line);
            rc = -100;
        }
    }
    if (rc == 0 && b->nrows)
        rc = fd->format->write(ferry_instance_state(fi), b);
    free(line);
    ferry_batch_free(b);
    return rc;
}

int main(int argc, char **argv)
{
    ferry_err err = FERRY_ERR_INIT;
    ferry_log log = {FERRY_LOG_INFO, "value-harness", 0};
    ferry_field_style style = {"%Y-%m-%d", NULL, "UTC", "", -1, FERRY_DURATION_HMM, 0, 0};
    ferry_column cols[VH_MAX_COLS];
    static ferry_field_style widths[VH_MAX_COLS];
    ferry_schema schema = {0, 0, cols};
    ferry_plugin *fp = NULL;
    ferry_instance *fi = NULL;
    char *tz = NULL;
    FILE *in;
    int rc;

    if (argc != 4 || !(in = fopen(argv[2], "r"))) {
        fprintf(stderr, "usage: value_harness FORMAT.so SPEC OUT\n");
        return 2;
    }
    if (read_schema(in, cols, &schema.ncolumns, &style, widths, &tz) < 0 ||
        ferry_plugin_open(&fp, argv[1], &err) ||
        ferry_instance_new(&fi, fp, NULL, NULL, NULL, &log, &err)) {
        fprintf(stderr, "init: %s\n", err.msg[0] ? err.msg : "bad spec");
        return 2;
    }
    const ferry_plugin_descriptor *fd = ferry_instance_desc(fi);
    int wants_file = (fd->flags & FERRY_FORMAT_WANTS_FILE) != 0;
    if (!wants_file) {
        fprintf(stderr, "value_harness: only file formatters\n");
        return 2;
    }
    if ((rc = fd->format->open(ferry_instance_state(fi), &schema, NULL, argv[3], NULL, -1)) < 0)
        return fail(fi, fd, rc);
    if ((rc = write_rows(in, fi, &schema)) == -100)
        return 2;
    if (rc < 0 || (rc = fd->format->finish(ferry_instance_state(fi))) < 0)
        return fail(fi, fd, rc);
    fd->format->close(ferry_instance_state(fi));
    fprintf(stderr, "warnings=%llu\n", (unsigned long long)ferry_instance_warnings(fi));
    ferry_instance_free(fi);
    ferry_plugin_close(fp);
    fclose(in);
    free(tz);
    for (uint32_t c = 0; c < schema.ncolumns; c++)
        free((char *)cols[c].name);
    return 0;
}
