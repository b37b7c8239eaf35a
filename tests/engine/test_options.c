/*
 * test_options.c — plugin options (engine/options.c, engine/instance.c):
 * the text parsers (ints beyond 32 bits, bools, doubles, allowed values),
 * the option-table check, and an instance's config filled from a
 * pipeline group: defaults, int64, bools, lists, allowed values, required
 * options, and unknown keys or wrong types refused with file:line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "loader.h"
#include "options.h"

typedef struct opts_cfg {
    const char *mode;
    int64_t count;
    int flag;
    double ratio;
    ferry_strlist cols;
    const char *key;
} opts_cfg;

static const ferry_option table[] = {
    FERRY_OPTION("mode", FERRY_OPT_STRING, 0, "a", "a|b|c", opts_cfg, mode, "mode", NULL),
    FERRY_OPTION("count", FERRY_OPT_INT, 0, "7", NULL, opts_cfg, count, "count", NULL),
    FERRY_OPTION("flag", FERRY_OPT_BOOL, 0, "false", NULL, opts_cfg, flag, "flag", NULL),
    FERRY_OPTION("ratio", FERRY_OPT_DOUBLE, 0, "0.5", NULL, opts_cfg, ratio, "ratio", NULL),
    FERRY_OPTION("cols", FERRY_OPT_LIST, 0, "x,y", "x|y|z", opts_cfg, cols, "columns", NULL),
    FERRY_OPTION("key", FERRY_OPT_STRING, FERRY_OPT_REQUIRED, NULL, NULL, opts_cfg, key,
                 "the key to use", NULL),
    {0}};

static opts_cfg seen; /* what init was handed */

static int t_init(ferry_ctx *fx, const ferry_host *host, const void *config, void **state)
{
    (void)fx, (void)host;
    seen = *(const opts_cfg *)config;
    *state = NULL;
    return 0;
}

static void t_destroy(void *state)
{
    (void)state;
}

static const ferry_plugin_descriptor desc = {FERRY_PLUGIN_HEADER,
                                             .kind = FERRY_KIND_SINK,
                                             .name = "sink-opts",
                                             .version = "1",
                                             .description = "options test",
                                             .options = table,
                                             .config_size = sizeof(opts_cfg),
                                             .init = t_init,
                                             .destroy = t_destroy};

static void test_options__parse_int(void **state)
{
    (void)state;
    int64_t v = 0;
    assert_int_equal(ferry_opt_parse_int("5000000000", &v), 0);
    assert_true(v == INT64_C(5000000000));
    assert_int_equal(ferry_opt_parse_int("-9223372036854775808", &v), 0);
    assert_true(v == INT64_MIN);
    assert_int_equal(ferry_opt_parse_int("0x10", &v), 0);
    assert_int_equal(v, 16);
    assert_int_equal(ferry_opt_parse_int("99999999999999999999", &v), -1);
    assert_int_equal(ferry_opt_parse_int("12abc", &v), -1);
    assert_int_equal(ferry_opt_parse_int("", &v), -1);
}

static void test_options__parse_bool_and_double(void **state)
{
    (void)state;
    const char *yes[] = {"true", "TRUE", "1", "yes", "on"}, *no[] = {"false", "0", "No", "off"};
    int b = -1;
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        assert_int_equal(ferry_opt_parse_bool(yes[i], &b), 0);
        assert_int_equal(b, 1);
    }
    for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
        assert_int_equal(ferry_opt_parse_bool(no[i], &b), 0);
        assert_int_equal(b, 0);
    }
    assert_int_equal(ferry_opt_parse_bool("maybe", &b), -1);
    assert_int_equal(ferry_opt_parse_bool("", &b), -1);
    double d = 0;
    assert_int_equal(ferry_opt_parse_double("1.25", &d), 0);
    assert_true(d == 1.25);
    assert_int_equal(ferry_opt_parse_double("inf", &d), -1);
    assert_int_equal(ferry_opt_parse_double("nan", &d), -1);
    assert_int_equal(ferry_opt_parse_double("1.5x", &d), -1);
}

static void test_options__allowed(void **state)
{
    (void)state;
    assert_true(ferry_opt_allowed(NULL, "anything"));
    assert_true(ferry_opt_allowed("a|b|c", "a"));
    assert_true(ferry_opt_allowed("a|b|c", "c"));
    assert_false(ferry_opt_allowed("a|b|c", "ab"));
    assert_false(ferry_opt_allowed("ab|c", "a"));
    assert_false(ferry_opt_allowed("a|b|c", ""));
    assert_false(ferry_opt_allowed("a|b|c", "d"));
}

static void expect_table_error(const ferry_option *t, const char *msg)
{
    ferry_err err = FERRY_ERR_INIT;
    assert_int_equal(ferry_options_check_table(t, &err), FERRY_ERR_PLUGIN);
    assert_string_equal(err.msg, msg);
}

static void test_options__check_table(void **state)
{
    (void)state;
    ferry_err err = FERRY_ERR_INIT;
    assert_int_equal(ferry_options_check_table(table, &err), 0);
    ferry_option t[3] = {table[0], table[1], {0}};
    t[1].name = "mode";
    expect_table_error(t, "option \"mode\" appears twice");
    t[1] = table[5];
    t[1].default_value = "k";
    expect_table_error(t, "option \"key\" is required and has a default");
    t[1] = table[1];
    t[1].allowed = "1|2";
    expect_table_error(t, "option \"count\": allowed values only apply to strings and lists");
    t[1] = table[1];
    t[1].default_value = "seven";
    expect_table_error(t, "option \"count\": default \"seven\" is not an int");
    t[1] = table[4];
    t[1].default_value = "x,w";
    expect_table_error(t, "option \"cols\": default item \"w\" is not one of x|y|z");
    t[0].default_value = "d";
    expect_table_error(t, "option \"mode\": default \"d\" is not one of a|b|c");
}

/* A config file in a temp dir; *path gets its name (free it). */
static int fill(const char *text, char **path, ferry_err *err, ferry_instance **inst)
{
    char tmpl[] = "/tmp/ferry-options-test-XXXXXX";
    int fd = mkstemp(tmpl);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    *path = strdup(tmpl);
    config_t cfg;
    config_init(&cfg);
    assert_int_equal(config_read_file(&cfg, tmpl), CONFIG_TRUE);
    ferry_plugin plugin;
    memset(&plugin, 0, sizeof plugin);
    plugin.desc = &desc;
    static const char *const skip[] = {"plugin", NULL};
    static const ferry_log log = {FERRY_LOG_ERROR, "test", 0};
    memset(&seen, 0, sizeof seen);
    static ferry_plugin plugin_keep; /* the instance borrows it until freed */
    ferry_instance_free(*inst);      /* the previous fill's: `seen` pointed into it */
    *inst = NULL;
    plugin_keep = plugin;
    int rc =
        ferry_instance_new(inst, &plugin_keep, config_lookup(&cfg, "sink"), NULL, skip, &log, err);
    config_destroy(&cfg);
    unlink(tmpl);
    return rc;
}

/* Fills from `text` expecting FERRY_ERR_CONFIG and "<file>:<line>: <msg>". */
static void expect_fill_error(const char *text, int line, const char *msg)
{
    ferry_err err = FERRY_ERR_INIT;
    ferry_instance *inst = NULL;
    char *path = NULL;
    assert_int_equal(fill(text, &path, &err, &inst), FERRY_ERR_CONFIG);
    char want[1024];
    snprintf(want, sizeof want, "%s:%d: %s", path, line, msg);
    assert_string_equal(err.msg, want);
    free(path);
}

static void test_options__defaults_and_values(void **state)
{
    (void)state;
    ferry_err err = FERRY_ERR_INIT;
    ferry_instance *inst = NULL;
    char *path = NULL;
    assert_int_equal(fill("sink = { plugin = \"sink-opts\"; key = \"k\"; };\n", &path, &err, &inst),
                     0);
    free(path);
    assert_string_equal(seen.mode, "a");
    assert_int_equal(seen.count, 7);
    assert_int_equal(seen.flag, 0);
    assert_true(seen.ratio == 0.5);
    assert_int_equal(seen.cols.n, 2);
    assert_string_equal(seen.cols.items[1], "y");

    assert_int_equal(fill("sink = {\n key = \"k\";\n mode = \"c\";\n count = 6000000000L;\n"
                          " flag = true;\n ratio = 3;\n cols = [\"z\", \"x\", \"z\"];\n};\n",
                          &path, &err, &inst),
                     0);
    free(path);
    assert_string_equal(seen.mode, "c");
    assert_true(seen.count == INT64_C(6000000000));
    assert_int_equal(seen.flag, 1);
    assert_true(seen.ratio == 3.0);
    assert_int_equal(seen.cols.n, 3);
    assert_string_equal(seen.cols.items[2], "z");

    /* text for an int or bool is parsed; a single string is a list of one */
    assert_int_equal(fill("sink = { key = \"k\"; count = \"-5000000000\"; flag = \"yes\";"
                          " cols = \"y\"; };\n",
                          &path, &err, &inst),
                     0);
    free(path);
    assert_true(seen.count == INT64_C(-5000000000));
    assert_int_equal(seen.flag, 1);
    assert_int_equal(seen.cols.n, 1);
    assert_string_equal(seen.cols.items[0], "y");
    ferry_instance_free(inst);
}

static void test_options__refusals_name_file_and_line(void **state)
{
    (void)state;
    expect_fill_error("sink = {\n key = \"k\";\n nope = 1;\n};\n", 3,
                      "plugin sink-opts has no option \"nope\" (options: mode, count, flag, "
                      "ratio, cols, key)");
    expect_fill_error("sink = {\n key = \"k\";\n mode = \"d\";\n};\n", 3,
                      "plugin sink-opts: option \"mode\" = \"d\" is not one of a|b|c");
    expect_fill_error("sink = {\n key = \"k\";\n cols = [\"x\", \"w\"];\n};\n", 3,
                      "plugin sink-opts: option \"cols\": \"w\" is not one of x|y|z");
    expect_fill_error("sink = {\n key = \"k\";\n count = \"many\";\n};\n", 3,
                      "plugin sink-opts: option \"count\" must be a int");
    expect_fill_error("sink = {\n key = \"k\";\n flag = 2;\n};\n", 3,
                      "plugin sink-opts: option \"flag\" must be a bool");
    expect_fill_error("\nsink = {\n mode = \"b\";\n};\n", 2,
                      "plugin sink-opts: required option \"key\" is not set (the key to use)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options__parse_int),
        cmocka_unit_test(test_options__parse_bool_and_double),
        cmocka_unit_test(test_options__allowed),
        cmocka_unit_test(test_options__check_table),
        cmocka_unit_test(test_options__defaults_and_values),
        cmocka_unit_test(test_options__refusals_name_file_and_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
