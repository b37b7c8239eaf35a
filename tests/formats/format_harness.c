/*
 * format_harness.c — drives a formatter plugin (and optionally encoders)
 * through the core's loader and host table, as a run does, on generated
 * rows of every type: the edge cases a database rarely holds (invalid
 * UTF-8, control characters, NUL, 40,000-character text, NaN, times in a
 * zone with DST, nulls). format_edge_test.py computes the same rows and
 * checks what real consumers read back.
 *
 *   format_harness FORMAT.so CONFIG OUT [--encoder ENC.so] [--rows N]
 *                  [--row-count N] [--tmpdir DIR]
 *
 * CONFIG (libconfig) holds `format = { … }` (the plugin's options),
 * optionally `encoder = { … }` and `style = { timezone = "…";
 * duration = "hmm|hours|seconds|hmmss"; decimals = N; null_text = "…"; }`.
 * Prints nothing on stdout. Exit: 0 ok, 1 the plugin failed (its message on
 * stderr as "error: CODE: MESSAGE"), 2 usage or config error at init.
 */
#include <fcntl.h>
#include <libconfig.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "loader.h"
#include "output.h"

/* The generated table. Keep in step with format_edge_test.py. */
enum { C_ID, C_FLAG, C_RATIO, C_AMOUNT, C_NAME, C_DAY, C_AT, C_SPENT, C_NOTE, NCOLS };

static const char *const names[] = {
    "Zo\xc3\xab",
    "\xe6\x9d\xb1\xe4\xba\xac",
    "\xd0\x9e\xd0\xbb\xd1\x8c\xd0\xb3\xd0\xb0",
    "=HYPERLINK(\"http://x\",\"y\")",
    "quote \" comma , newline\nend",
    "ctl\x01\x1f\x7f tab\t",
    "bad \xff\xc3 utf8",
    "mixed Zo\xc3\xab \xe6\x9d\xb1\xe4\xba\xac \xd0\x9e\xd0\xbb\xd1\x8c\xd0\xb3\xd0\xb0 "
    "\xf0\x9f\x98\x80",
};
#define NNAMES (sizeof names / sizeof names[0])

static void fill_row(ferry_batch *b, uint32_t r, uint64_t i, char *big, size_t big_len)
{
    char amount[32];
    ferry_value *v = ferry_batch_at(b, r, 0);
    const char *nm = names[i % NNAMES];

    ferry_value_set_i64(&v[C_ID], FERRY_TYPE_INT64, (int64_t)i + 1);
    ferry_value_set_i64(&v[C_FLAG], FERRY_TYPE_BOOL, (int64_t)(i % 2));
    if (i % 50 == 7)
        ferry_value_set_f64(&v[C_RATIO], NAN);
    else
        ferry_value_set_f64(&v[C_RATIO], (double)i * 0.25 - 3.0);
    snprintf(amount, sizeof amount, "%s%llu.%02llu", i % 4 == 3 ? "-" : "",
             (unsigned long long)(i * 7 % 100000), (unsigned long long)(i % 100));
    ferry_batch_set_bytes(b, r, C_AMOUNT, FERRY_TYPE_DECIMAL, amount, strlen(amount));
    ferry_batch_set_bytes(b, r, C_NAME, FERRY_TYPE_STRING, nm, strlen(nm));
    ferry_value_set_i64(&v[C_DAY], FERRY_TYPE_DATE, 19700 + (int64_t)(i % 400));
    /* Hourly from 2024-03-30 22:00 UTC: crosses Europe's DST change. */
    ferry_value_set_i64(&v[C_AT], FERRY_TYPE_TIMESTAMP,
                        INT64_C(1711836000000000) + (int64_t)i * INT64_C(3600000000) +
                            (i % 5 == 1 ? 250000 : 0));
    ferry_value_set_i64(&v[C_SPENT], FERRY_TYPE_DURATION,
                        (int64_t)(i % 600) * INT64_C(60000000) + (i % 3 == 2 ? 30000000 : 0));
    if (i % 3 == 0)
        ferry_value_set_null(&v[C_NOTE]);
    else if (i == 4) /* 40,000 characters, some of them wide */
        ferry_batch_set_bytes(b, r, C_NOTE, FERRY_TYPE_STRING, big, big_len);
    else if (i == 5)
        ferry_batch_set_bytes(b, r, C_NOTE, FERRY_TYPE_STRING, "nul\0inside", 10);
    else {
        char note[64];
        snprintf(note, sizeof note, "note %llu", (unsigned long long)i);
        ferry_batch_set_bytes(b, r, C_NOTE, FERRY_TYPE_STRING, note, strlen(note));
    }
}

static int fail(ferry_instance *inst, int rc)
{
    fprintf(stderr, "error: %d: %s\n", rc, ferry_instance_error(inst));
    return 1;
}

int main(int argc, char **argv)
{
    const char *enc_path = NULL, *tmpdir = NULL;
    unsigned long long nrows = 100;
    long long row_count = -1;
    int i, rc;

    if (argc < 4) {
        fprintf(stderr, "usage: format_harness FORMAT.so CONFIG OUT [--encoder ENC.so] "
                        "[--rows N] [--row-count N] [--tmpdir DIR]\n");
        return 2;
    }
    for (i = 4; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--encoder") == 0)
            enc_path = argv[i + 1];
        else if (strcmp(argv[i], "--rows") == 0)
            nrows = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--row-count") == 0)
            row_count = strtoll(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--tmpdir") == 0)
            tmpdir = argv[i + 1];
    }

    ferry_err err = FERRY_ERR_INIT;
    ferry_log log = {FERRY_LOG_INFO, "format-test", 0};
    config_t cfg;
    config_init(&cfg);
    if (config_read_file(&cfg, argv[2]) != CONFIG_TRUE) {
        fprintf(stderr, "%s:%d: %s\n", argv[2], config_error_line(&cfg), config_error_text(&cfg));
        config_destroy(&cfg);
        return 2;
    }
    static const char *const skip[] = {"plugin", NULL};
    ferry_plugin *fp = NULL, *ep = NULL;
    ferry_instance *fi = NULL, *ei = NULL;
    if (ferry_plugin_open(&fp, argv[1], &err) ||
        ferry_instance_new(&fi, fp, config_lookup(&cfg, "format"), NULL, skip, &log, &err)) {
        fprintf(stderr, "init: %s\n", err.msg);
        ferry_plugin_close(fp);
        config_destroy(&cfg);
        return 2;
    }
    if (enc_path &&
        (ferry_plugin_open(&ep, enc_path, &err) ||
         ferry_instance_new(&ei, ep, config_lookup(&cfg, "encoder"), NULL, skip, &log, &err))) {
        fprintf(stderr, "init: %s\n", err.msg);
        ferry_instance_free(fi);
        ferry_plugin_close(fp);
        ferry_plugin_close(ep);
        config_destroy(&cfg);
        return 2;
    }

    /* The schema and its style. */
    ferry_field_style style = {"%Y-%m-%d", NULL, "UTC", "", -1, FERRY_DURATION_HMM, 0, 0};
    const char *s = NULL;
    int n = 0;
    if (config_lookup_string(&cfg, "style.timezone", &s))
        style.timezone = s;
    if (config_lookup_string(&cfg, "style.null_text", &s))
        style.null_text = s;
    if (config_lookup_string(&cfg, "style.timestamp_format", &s))
        style.timestamp_format = s;
    if (config_lookup_int(&cfg, "style.decimals", &n))
        style.decimals = n;
    if (config_lookup_string(&cfg, "style.duration", &s))
        style.duration_style = strcmp(s, "hours") == 0     ? FERRY_DURATION_HOURS
                               : strcmp(s, "seconds") == 0 ? FERRY_DURATION_SECONDS
                               : strcmp(s, "hmmss") == 0   ? FERRY_DURATION_HMMSS
                                                           : FERRY_DURATION_HMM;
    static const struct {
        const char *name, *label;
        int type;
    } spec[NCOLS] = {
        {"id", "ID", FERRY_TYPE_INT64},
        {"flag", "Flag", FERRY_TYPE_BOOL},
        {"ratio", "Ratio", FERRY_TYPE_DOUBLE},
        {"amount", "Amount", FERRY_TYPE_DECIMAL},
        {"name", "Name", FERRY_TYPE_STRING},
        {"day", "Day", FERRY_TYPE_DATE},
        {"at", "At", FERRY_TYPE_TIMESTAMP},
        {"spent", "Spent", FERRY_TYPE_DURATION},
        {"note", "Note \xe2\x80\x94 \xc3\xa9t\xc3\xa9", FERRY_TYPE_STRING},
    };
    ferry_column cols[NCOLS];
    for (i = 0; i < NCOLS; i++) {
        cols[i].name = spec[i].name;
        cols[i].label = spec[i].label;
        cols[i].type = spec[i].type;
        cols[i].flags = 0;
        cols[i].style = &style;
    }
    ferry_schema schema = {NCOLS, 0, cols};

    /* The 40,000-character note: "東" every 10th character. */
    size_t big_len = 0;
    char *big = malloc(40000 * 3);
    for (i = 0; i < 40000; i++) {
        if (i % 10 == 9) {
            memcpy(big + big_len, "\xe6\x9d\xb1", 3);
            big_len += 3;
        } else {
            big[big_len++] = (char)('a' + i % 26);
        }
    }

    const ferry_plugin_descriptor *fd = ferry_instance_desc(fi);
    void *fs = ferry_instance_state(fi);
    int wants_file = (fd->flags & FERRY_FORMAT_WANTS_FILE) != 0;
    int fdout = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fdout < 0) {
        perror(argv[3]);
        return 2;
    }
    ferry_output *file = ferry_output_file(fdout), *head = file, *encout = NULL;
    if (ei) {
        encout = ferry_output_encoder(ei, file);
        head = encout;
        if ((rc = ferry_instance_desc(ei)->encode->open(ferry_instance_state(ei), file)) < 0)
            return fail(ei, rc);
    }
    rc = fd->format->open(fs, &schema, wants_file ? NULL : head, wants_file ? argv[3] : NULL,
                          tmpdir, row_count);
    if (rc < 0) {
        fd->format->close(fs);
        return fail(fi, rc);
    }
    ferry_batch *b = ferry_batch_new(&schema, 1000);
    unsigned long long done = 0;
    while (done < nrows) {
        ferry_batch_reset(b);
        while (done < nrows) {
            int64_t r = ferry_batch_add_row(b);
            if (r < 0)
                break;
            fill_row(b, (uint32_t)r, done, big, big_len);
            done++;
        }
        if ((rc = fd->format->write(fs, b)) < 0) {
            fd->format->close(fs);
            return fail(fi, rc);
        }
    }
    if ((rc = fd->format->finish(fs)) < 0) {
        fd->format->close(fs);
        return fail(fi, rc);
    }
    fd->format->close(fs);
    if (ei && (rc = ferry_instance_desc(ei)->encode->finish(ferry_instance_state(ei))) < 0)
        return fail(ei, rc);
    if (ei)
        ferry_instance_desc(ei)->encode->close(ferry_instance_state(ei));
    if (ferry_output_flush(file, &err) < 0 || ferry_output_error(file)) {
        fprintf(stderr, "error: output: %s\n", err.msg);
        return 1;
    }
    close(fdout);
    ferry_batch_free(b);
    ferry_output_free(encout);
    ferry_output_free(file);
    ferry_instance_free(ei);
    ferry_instance_free(fi);
    ferry_plugin_close(ep);
    ferry_plugin_close(fp);
    config_destroy(&cfg);
    free(big);
    return 0;
}
