/*
 * test_engine.c — ferry_pipeline_run end to end with in-memory test
 * plugins built in the tree (tests/engine/plugins/: source-test,
 * format-test, sink-test): a clean run publishes the right bytes, size
 * and SHA-256 and delivers once; a cancel, a source failure and a
 * formatter failure publish nothing and leave no staging file; a sink
 * failure after publish is reported and takes the file back; host->warn
 * calls reach the result's warnings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "batch.h"
#include "output.h"
#include "pipeline.h"

typedef struct fixture {
    char dir[64];
    char record[128];
    ferry_site site;
    char *plugin_dirs[1];
    ferry_pipeline *p;
    ferry_log log;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/ferry-engine-test-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->record, sizeof f->record, "%s/record", f->dir);
    /* The loader refuses group- or world-writable plugins. */
    chmod(TEST_PLUGIN_DIR, 0755);
    f->plugin_dirs[0] = TEST_PLUGIN_DIR;
    f->site.plugin_path = f->plugin_dirs;
    f->site.nplugin_path = 1;
    config_init(&f->site.cfg);
    f->log = (ferry_log){FERRY_LOG_ERROR, "test", 0};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[128];
    ferry_pipeline_free(f->p);
    config_destroy(&f->site.cfg);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

/* Writes a pipeline file with these source, format and sink options and
 * builds it; batches of 4 rows. */
static void build(fixture *f, const char *src, const char *fmt, const char *sink)
{
    char path[128], text[2048];
    snprintf(path, sizeof path, "%s/test.pipeline", f->dir);
    snprintf(text, sizeof text,
             "name = \"t\";\n"
             "source = { plugin = \"source-test\"; %s };\n"
             "fields = { exportable = [\"id\", \"name\"]; };\n"
             "format = { plugin = \"format-test\"; %s };\n"
             "output = { directory = \"out\"; name = \"report\"; };\n"
             "sinks = ( { plugin = \"sink-test\"; record = \"%s\"; %s } );\n"
             "batch_rows = 4; queue_batches = 2;\n",
             src, fmt, f->record, sink);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    char out[160];
    snprintf(out, sizeof out, "%s/out", f->dir);
    assert_int_equal(mkdir(out, 0700), 0);
    ferry_err err = FERRY_ERR_INIT;
    int rc = ferry_pipeline_parse(&f->p, path, &err);
    if (!rc)
        rc = ferry_pipeline_build(f->p, &f->site, NULL, &f->log, &err);
    if (rc)
        fail_msg("build: %s", err.msg);
}

/* Names in out/ (published and staging files alike), one per line. */
static void out_listing(fixture *f, char *buf, size_t len)
{
    char out[160];
    snprintf(out, sizeof out, "%s/out", f->dir);
    DIR *d = opendir(out);
    assert_non_null(d);
    size_t used = 0;
    buf[0] = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            used += (size_t)snprintf(buf + used, len - used, "%s\n", e->d_name);
    closedir(d);
}

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return NULL;
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = 0;
    fclose(fp);
    return buf;
}

static void assert_nothing_published(fixture *f)
{
    char names[1024];
    out_listing(f, names, sizeof names);
    assert_string_equal(names, "");
}

static void test_engine__clean_run_publishes_and_delivers_once(void **state)
{
    fixture *f = *state;
    build(f, "rows = 10;", "", "");
    ferry_run_opts o = {0};
    ferry_run_result r;
    ferry_err err = FERRY_ERR_INIT;
    assert_int_equal(ferry_pipeline_run(f->p, &o, &r, &err), 0);

    char expect[512] = "";
    for (int i = 0; i < 10; i++)
        snprintf(expect + strlen(expect), sizeof expect - strlen(expect), "%d,row-%d\n", i, i);
    char want_path[160];
    snprintf(want_path, sizeof want_path, "%s/out/report.txt", f->dir);
    assert_string_equal(r.path, want_path);
    assert_string_equal(slurp(r.path), expect);
    assert_int_equal(r.size, strlen(expect));
    assert_int_equal(r.rows, 10);
    assert_int_equal(r.source_rows, 10);
    assert_int_equal(r.warnings, 0);
    char sha[65];
    uint64_t size = 0;
    assert_int_equal(ferry_sha256_file(r.path, sha, &size, &err), 0);
    assert_string_equal(r.sha256, sha);

    char names[1024];
    out_listing(f, names, sizeof names);
    assert_string_equal(names, "report.txt\n");
    char line[512];
    snprintf(line, sizeof line, "10 %zu %s report.txt 1\n", strlen(expect), sha);
    assert_string_equal(slurp(f->record), line);
    ferry_run_result_free(&r);
}

/* Cancels once the first batch went through (the source blocks at row 8
 * until it sees the cancel, so the run cannot end first). */
static void cancel_after_batch(void *payload, uint64_t rows, int64_t total, int estimated)
{
    (void)total, (void)estimated;
    if (rows >= 4)
        atomic_store((atomic_int *)payload, 1);
}

static void test_engine__cancel_publishes_nothing(void **state)
{
    fixture *f = *state;
    build(f, "rows = 100; block_at = 8;", "", "");
    atomic_int cancel = 0;
    ferry_run_opts o = {0};
    o.cancel = &cancel;
    o.progress = cancel_after_batch;
    o.payload = &cancel;
    ferry_run_result r;
    ferry_err err = FERRY_ERR_INIT;
    assert_int_equal(ferry_pipeline_run(f->p, &o, &r, &err), FERRY_ERR_CANCEL);
    assert_null(r.path);
    assert_nothing_published(f);
    assert_null(slurp(f->record));
}

static void test_engine__source_failure_is_reported(void **state)
{
    fixture *f = *state;
    build(f, "rows = 20; fail_at = 9;", "", "");
    ferry_run_opts o = {0};
    ferry_run_result r;
    ferry_err err = FERRY_ERR_INIT;
    assert_int_equal(ferry_pipeline_run(f->p, &o, &r, &err), FERRY_ERR_DB);
    assert_string_equal(err.msg, "source-test: test source failed at row 9");
    assert_nothing_published(f);
    assert_null(slurp(f->record));
}

static void test_engine__format_failure_publishes_nothing(void **state)
{
    fixture *f = *state;
    build(f, "rows = 20;", "fail_batch = 2;", "");
    ferry_run_opts o = {0};
    ferry_run_result r;
    ferry_err err = FERRY_ERR_INIT;
    assert_int_equal(ferry_pipeline_run(f->p, &o, &r, &err), FERRY_ERR_DATA);
    assert_string_equal(err.msg, "format-test: test formatter failed on batch 2");
    assert_nothing_published(f);
    assert_null(slurp(f->record));
}

/* run.c: a sink delivering before commit that fails means nothing was
 * published for anyone, so the published file is removed. */
static void test_engine__sink_failure_takes_the_file_back(void **state)
{
    fixture *f = *state;
    build(f, "rows = 5;", "", "fail = true;");
    ferry_run_opts o = {0};
    ferry_run_result r;
    ferry_err err = FERRY_ERR_INIT;
    assert_int_equal(ferry_pipeline_run(f->p, &o, &r, &err), FERRY_ERR_DELIVER);
    assert_string_equal(err.msg, "sink-test: test sink refused the delivery");
    assert_null(r.path);
    /* the sink saw the published file, which is gone now */
    const char *rec = slurp(f->record);
    assert_non_null(rec);
    assert_non_null(strstr(rec, "5 "));
    assert_non_null(strstr(rec, " report.txt 1\n"));
    assert_nothing_published(f);
}

static void test_engine__warnings_reach_the_result(void **state)
{
    fixture *f = *state;
    build(f, "rows = 3; warnings = 25;", "", "");
    ferry_run_opts o = {0};
    ferry_run_result r;
    ferry_err err = FERRY_ERR_INIT;
    assert_int_equal(ferry_pipeline_run(f->p, &o, &r, &err), 0);
    assert_int_equal(r.warnings, 25);
    assert_int_equal(r.rows, 3);
    ferry_run_result_free(&r);
}

/* A batch's rows: batch_rows, or fewer so that it holds at most
 * FERRY_BATCH_VALUES values (a wide result), never 0. */
static void test_engine__batch_rows_by_width(void **state)
{
    (void)state;
    assert_int_equal(ferry_batch_rows(4096, 6), 4096);
    assert_int_equal(ferry_batch_rows(4096, 64), 4096);
    assert_int_equal(ferry_batch_rows(4096, 65), FERRY_BATCH_VALUES / 65);
    assert_int_equal(ferry_batch_rows(4096, 5000), 52);
    assert_int_equal(ferry_batch_rows(7, 5000), 7);
    assert_int_equal(ferry_batch_rows(1000000, 1), FERRY_BATCH_VALUES);
    assert_int_equal(ferry_batch_rows(4096, FERRY_BATCH_VALUES + 1), 1);
    assert_int_equal(ferry_batch_rows(4096, UINT32_MAX), 1);
    assert_int_equal(ferry_batch_rows(4096, 0), 4096);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_engine__clean_run_publishes_and_delivers_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_engine__cancel_publishes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_engine__source_failure_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_engine__format_failure_publishes_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_engine__sink_failure_takes_the_file_back, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_engine__warnings_reach_the_result, setup, teardown),
        cmocka_unit_test(test_engine__batch_rows_by_width),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
