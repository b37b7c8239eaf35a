/* plugtest.c — helpers for the plugin unit tests (plugtest.h). */
#include "plugtest.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "format_value.h"

void pt_load(pt *t, const char *name)
{
    memset(t, 0, sizeof *t);
    t->log.level = FERRY_LOG_WARN;
    t->log.command = "test";
    config_init(&t->cfg);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.so", FERRY_BUILD_PLUGIN_DIR, name);
    int rc = ferry_plugin_open(&t->plugin, path, &t->err);
    if (rc)
        fprintf(stderr, "%s\n", t->err.msg);
    assert_int_equal(rc, 0);
}

int pt_instance(pt *t, const char *settings)
{
    snprintf(t->path, sizeof t->path, "/tmp/ferry-pt-%d-XXXXXX", (int)getpid());
    int fd = mkstemp(t->path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "plugin = {\n%s\n};\n", settings);
    fclose(f);
    config_destroy(&t->cfg);
    config_init(&t->cfg);
    if (config_read_file(&t->cfg, t->path) != CONFIG_TRUE) {
        fprintf(stderr, "%s:%d: %s\n", t->path, config_error_line(&t->cfg),
                config_error_text(&t->cfg));
        fail();
    }
    ferry_err_clear(&t->err);
    return ferry_instance_new(&t->inst, t->plugin, config_lookup(&t->cfg, "plugin"), NULL, NULL,
                              &t->log, &t->err);
}

void pt_done(pt *t)
{
    if (t->inst) {
        ferry_instance_destroy(t->inst);
        assert_int_equal(ferry_instance_live_bytes(t->inst), 0);
        ferry_instance_free(t->inst);
    }
    ferry_plugin_close(t->plugin);
    config_destroy(&t->cfg);
    if (t->path[0])
        unlink(t->path);
}

ferry_schema *pt_schema(const char *const *specs, uint32_t n)
{
    ferry_schema *s = calloc(1, sizeof *s);
    ferry_column *cols = calloc(n, sizeof *cols);
    for (uint32_t i = 0; i < n; i++) {
        const char *colon = strchr(specs[i], ':');
        char *name = strndup(specs[i], (size_t)(colon - specs[i]));
        cols[i].name = name;
        cols[i].label = name;
        cols[i].style = ferry_default_style();
        cols[i].type = -1;
        for (int k = 0; k < FERRY_TYPE_COUNT_; k++)
            if (strcmp(ferry_type_name(k), colon + 1) == 0)
                cols[i].type = k;
        assert_true(cols[i].type > 0);
    }
    s->ncolumns = n;
    s->columns = cols;
    return s;
}

void pt_schema_free(ferry_schema *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < s->ncolumns; i++)
        free((char *)s->columns[i].name);
    free((void *)s->columns);
    free(s);
}

ferry_batch *pt_batch(const ferry_schema *s, uint32_t nrows, const char *const *cells)
{
    ferry_batch *b = ferry_batch_new(s, nrows ? nrows : 1);
    assert_non_null(b);
    for (uint32_t r = 0; r < nrows; r++) {
        int64_t row = ferry_batch_add_row(b);
        assert_true(row >= 0);
        for (uint32_t c = 0; c < s->ncolumns; c++) {
            const char *x = cells[r * s->ncolumns + c];
            ferry_value *v = ferry_batch_at(b, (uint32_t)row, c);
            int t = s->columns[c].type;
            if (!x) {
                ferry_value_set_null(v);
                continue;
            }
            switch (t) {
            case FERRY_TYPE_STRING:
            case FERRY_TYPE_DECIMAL:
                assert_int_equal(ferry_batch_set_bytes(b, (uint32_t)row, c, t, x, strlen(x)), 0);
                break;
            case FERRY_TYPE_BOOL:
                ferry_value_set_i64(v, FERRY_TYPE_BOOL, strcmp(x, "true") == 0);
                break;
            case FERRY_TYPE_DOUBLE:
                ferry_value_set_f64(v, strtod(x, NULL));
                break;
            case FERRY_TYPE_DATE: {
                int y, m, d;
                assert_int_equal(sscanf(x, "%d-%d-%d", &y, &m, &d), 3);
                /* days from civil (Howard Hinnant) */
                y -= m <= 2;
                int era = (y >= 0 ? y : y - 399) / 400;
                unsigned yoe = (unsigned)(y - era * 400);
                unsigned doy = (153 * (unsigned)(m + (m > 2 ? -3 : 9)) + 2) / 5 + (unsigned)d - 1;
                unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
                ferry_value_set_i64(v, FERRY_TYPE_DATE, (int64_t)era * 146097 + doe - 719468);
                break;
            }
            case FERRY_TYPE_TIMESTAMP:
                ferry_value_set_i64(v, t, strtoll(x, NULL, 10) * 1000000);
                break;
            case FERRY_TYPE_DURATION:
                ferry_value_set_i64(v, t, strtoll(x, NULL, 10) * 1000000);
                break;
            default:
                ferry_value_set_i64(v, t, strtoll(x, NULL, 10));
                break;
            }
        }
    }
    return b;
}

int pt_filter(pt *t, const ferry_schema *in, const ferry_batch *b, const ferry_schema **out_schema,
              ferry_batch **out)
{
    const ferry_plugin_descriptor *d = ferry_instance_desc(t->inst);
    void *state = ferry_instance_state(t->inst);
    *out = NULL;
    int rc = d->filter->open(state, in, out_schema);
    if (rc)
        return rc;
    *out = ferry_batch_new(*out_schema, b->nrows ? b->nrows : 1);
    assert_non_null(*out);
    return d->filter->process(state, b, *out);
}

const char *pt_text(const ferry_batch *b, uint32_t row, uint32_t col)
{
    static ferry_buf buf;
    static char copy[4096];
    const ferry_value *v = ferry_batch_at(b, row, col);
    if (ferry_value_is_null(v))
        return "NULL";
    ferry_column c = b->schema->columns[col];
    c.style = ferry_default_style();
    buf.len = 0;
    assert_int_equal(ferry_format_value(NULL, &c, v, &buf), 0);
    snprintf(copy, sizeof copy, "%.*s", (int)buf.len, buf.data ? buf.data : "");
    free(buf.data);
    memset(&buf, 0, sizeof buf);
    return copy;
}

int pt_col(const ferry_schema *s, const char *name)
{
    for (uint32_t i = 0; i < s->ncolumns; i++)
        if (strcmp(s->columns[i].name, name) == 0)
            return (int)i;
    return -1;
}

void pt_expect_filter_error(const char *plugin, const char *const *specs, uint32_t n,
                            const char *settings, int at_open, const char *want)
{
    pt t;
    pt_load(&t, plugin);
    int rc = pt_instance(&t, settings);
    const char *msg = t.err.msg;
    ferry_schema *s = NULL;
    if (at_open) {
        assert_int_equal(rc, 0);
        s = pt_schema(specs, n);
        const ferry_schema *os;
        rc = ferry_instance_desc(t.inst)->filter->open(ferry_instance_state(t.inst), s, &os);
        msg = ferry_instance_error(t.inst);
    }
    assert_int_not_equal(rc, 0);
    if (!strstr(msg, want)) {
        fprintf(stderr, "got: %s\nwant: %s\n", msg, want);
        fail();
    }
    pt_schema_free(s);
    pt_done(&t);
}
