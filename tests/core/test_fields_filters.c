/*
 * test_fields_filters.c — unit tests of fields.c (the pipeline's field
 * configuration, a template's field_configuration and a request's
 * selected_fields: selection, order, headers, formatting, the unknown-field
 * message) and filters.c (the filters grammar: scalars, lists, null, every
 * operator, bad JSON, disallowed keys, ignored keys), without a database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <libconfig.h>

#include "fields.h"
#include "format_value.h"
#include "filters.h"

static const char *const PIPELINE_FIELDS =
    "fields = {\n"
    "  exportable = [\"date\", \"project\", \"task\", \"duration\", \"description\"];\n"
    "  filterable = [\"date\", \"project\", \"duration\"];\n"
    "  owner_column = \"user_id\";\n"
    "  date_column = \"date\";\n"
    "  styles = { duration = { label = \"Hours\"; duration = \"hours\"; decimals = 1; }; };\n"
    "};\n";

typedef struct fixture {
    config_t cfg;
    ferry_fieldset fs;
    ferry_predset ps;
    ferry_err err;
} fixture;

static int setup(void **state)
{
    static fixture f;
    memset(&f, 0, sizeof f);
    config_init(&f.cfg);
    if (config_read_string(&f.cfg, PIPELINE_FIELDS) != CONFIG_TRUE)
        return -1;
    if (ferry_fields_from_config(&f.fs, config_lookup(&f.cfg, "fields"), &f.err))
        return -1;
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ferry_predset_free(&f->ps);
    ferry_fields_free(&f->fs);
    config_destroy(&f->cfg);
    return 0;
}

/* The selected field names, joined by commas. */
static const char *selected(const ferry_fieldset *fs)
{
    static char buf[512];
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < fs->nselected; i++)
        used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s", i ? "," : "",
                                 fs->all[fs->selected[i]].name);
    return buf;
}

static const char *label(const ferry_fieldset *fs, const char *name)
{
    const ferry_fieldspec *f = ferry_fields_find(fs, name);
    return f ? f->label : NULL;
}

/* ---- fields ------------------------------------------------------------- */

static void pipeline_defaults(void **state)
{
    fixture *f = *state;
    assert_int_equal(f->fs.nall, 5);
    assert_string_equal(selected(&f->fs), "date,project,task,duration,description");
    assert_string_equal(f->fs.owner_column, "user_id");
    assert_string_equal(f->fs.date_column, "date");
    assert_string_equal(label(&f->fs, "duration"), "Hours");
    assert_string_equal(label(&f->fs, "task"), "task");
    const ferry_fieldspec *d = ferry_fields_find(&f->fs, "duration");
    assert_int_equal(d->style.duration_style, FERRY_DURATION_HOURS);
    assert_int_equal(d->style.decimals, 1);
    assert_true(ferry_fields_is_filterable(&f->fs, "project"));
    assert_false(ferry_fields_is_filterable(&f->fs, "description"));
    assert_false(ferry_fields_is_filterable(&f->fs, "user_id"));
    assert_null(ferry_fields_find(&f->fs, "user_id"));
}

static void select_by_name(void **state)
{
    fixture *f = *state;
    const char *names[] = {"description", "date"};
    assert_int_equal(ferry_fields_select(&f->fs, names, 2, &f->err), 0);
    assert_string_equal(selected(&f->fs), "description,date");
}

static void select_unknown_names_the_allowed(void **state)
{
    fixture *f = *state;
    const char *names[] = {"date", "user_id"};
    assert_int_equal(ferry_fields_select(&f->fs, names, 2, &f->err), FERRY_ERR_CONFIG);
    assert_string_equal(f->err.msg, "unknown field \"user_id\" (allowed: date, project, task, "
                                    "duration, description)");
    /* The selection is unchanged. */
    assert_string_equal(selected(&f->fs), "date,project,task,duration,description");
}

static void select_twice_is_an_error(void **state)
{
    fixture *f = *state;
    const char *names[] = {"date", "task", "date"};
    assert_int_equal(ferry_fields_select(&f->fs, names, 3, &f->err), FERRY_ERR_CONFIG);
    assert_non_null(strstr(f->err.msg, "\"date\" selected twice"));
}

static void select_json(void **state)
{
    fixture *f = *state;
    assert_int_equal(ferry_fields_select_json(&f->fs, "[]", &f->err), 0);
    assert_string_equal(selected(&f->fs), "date,project,task,duration,description");
    assert_int_equal(ferry_fields_select_json(&f->fs, NULL, &f->err), 0);
    assert_int_equal(ferry_fields_select_json(&f->fs, "[\"task\", \"duration\"]", &f->err), 0);
    assert_string_equal(selected(&f->fs), "task,duration");

    assert_int_equal(ferry_fields_select_json(&f->fs, "[\"task\", \"hours\"]", &f->err),
                     FERRY_ERR_CONFIG);
    assert_non_null(strstr(f->err.msg, "unknown field \"hours\" (allowed: date, project"));
    assert_int_equal(ferry_fields_select_json(&f->fs, "[\"task\"", &f->err), FERRY_ERR_CONFIG);
    assert_non_null(strstr(f->err.msg, "selected_fields: invalid JSON"));
    assert_int_equal(ferry_fields_select_json(&f->fs, "{\"a\": 1}", &f->err), FERRY_ERR_CONFIG);
    assert_string_equal(f->err.msg, "selected_fields must be a JSON array");
    assert_int_equal(ferry_fields_select_json(&f->fs, "[\"task\", 3]", &f->err), FERRY_ERR_CONFIG);
    assert_string_equal(f->err.msg, "selected_fields must hold strings");
    assert_string_equal(selected(&f->fs), "task,duration");
}

static void template_fields_headers_formatting(void **state)
{
    fixture *f = *state;
    const char *tpl = "{\"fields\": [\"duration\", \"date\"], \"headers\": [\"Zeit\", \"Tag\"],"
                      " \"formatting\": {\"duration\": {\"duration\": \"h:mm:ss\"},"
                      " \"date\": {\"date_format\": \"%d.%m.%Y\"}}, \"null_text\": \"-\"}";
    assert_int_equal(ferry_fields_apply_template(&f->fs, tpl, &f->err), 0);
    assert_string_equal(selected(&f->fs), "duration,date");
    assert_string_equal(label(&f->fs, "duration"), "Zeit");
    assert_string_equal(label(&f->fs, "date"), "Tag");
    assert_string_equal(label(&f->fs, "project"), "project");
    assert_int_equal(ferry_fields_find(&f->fs, "duration")->style.duration_style,
                     FERRY_DURATION_HMMSS);
    assert_string_equal(ferry_fields_find(&f->fs, "date")->style.date_format, "%d.%m.%Y");
    assert_string_equal(ferry_fields_find(&f->fs, "task")->style.null_text, "-");
    /* The request's selection still wins, with the template's labels. */
    assert_int_equal(ferry_fields_select_json(&f->fs, "[\"date\", \"task\"]", &f->err), 0);
    assert_string_equal(selected(&f->fs), "date,task");
    assert_string_equal(label(&f->fs, "date"), "Tag");
}

static void template_empty_keeps_pipeline(void **state)
{
    fixture *f = *state;
    assert_int_equal(ferry_fields_apply_template(&f->fs, "{}", &f->err), 0);
    assert_int_equal(ferry_fields_apply_template(&f->fs, NULL, &f->err), 0);
    assert_int_equal(ferry_fields_apply_template(&f->fs, "{\"fields\": []}", &f->err), 0);
    assert_string_equal(selected(&f->fs), "date,project,task,duration,description");
    assert_string_equal(label(&f->fs, "duration"), "Hours");
}

static void template_errors(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *json, *msg;
    } cases[] = {
        {"{\"fields\": [\"date\"", "template field_configuration: invalid JSON"},
        {"[1, 2]", "template field_configuration must be a JSON object"},
        {"{\"fields\": [\"date\", \"secret\"]}",
         "unknown field \"secret\" (allowed: date, project, task, duration, description)"},
        {"{\"fields\": [\"date\", 7]}", "fields must be strings"},
        {"{\"formatting\": {\"secret\": {\"label\": \"x\"}}}",
         "formatting for unknown field \"secret\" (allowed: date, project"},
        {"{\"formatting\": {\"date\": \"x\"}}", "formatting.date must be an object"},
        {"{\"formatting\": [1]}", "formatting must be an object"},
        {"{\"formatting\": {\"date\": {\"colour\": \"red\"}}}",
         "unknown formatting key \"colour\""},
        {"{\"formatting\": {\"duration\": {\"duration\": \"fortnights\"}}}",
         "duration \"fortnights\" is not one of h:mm, h:mm:ss, hours, seconds"},
        {"{\"formatting\": {\"date\": {\"decimals\": \"two\"}}}", "decimals must be a number"},
        {"{\"formatting\": {\"date\": {\"decimals\": 9999}}}", "decimals 9999 out of range"},
        {"{\"timezone\": \"Mars/Olympus\"}", "unknown time zone \"Mars/Olympus\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ferry_err_clear(&f->err);
        assert_int_equal(ferry_fields_apply_template(&f->fs, cases[i].json, &f->err),
                         FERRY_ERR_CONFIG);
        if (!strstr(f->err.msg, cases[i].msg))
            fail_msg("%s: message \"%s\" lacks \"%s\"", cases[i].json, f->err.msg, cases[i].msg);
    }
}

static void config_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"fields = { exportable = [\"a\"]; filterable = [\"b\"]; };",
         "filterable field \"b\" is not exportable"},
        {"fields = { exportable = [\"a\"]; styles = { b = { label = \"B\"; }; }; };",
         "styles for unknown field \"b\" (exportable: a)"},
        {"fields = { exportable = [\"a\"]; styles = { a = { duration = \"weeks\"; }; }; };",
         "duration \"weeks\" is not one of"},
        {"fields = { timezone = \"Mars/Olympus\"; };",
         "fields.timezone: unknown time zone \"Mars/Olympus\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        config_t cfg;
        config_init(&cfg);
        assert_int_equal(config_read_string(&cfg, cases[i].text), CONFIG_TRUE);
        ferry_fieldset fs;
        ferry_err err = FERRY_ERR_INIT;
        assert_int_equal(ferry_fields_from_config(&fs, config_lookup(&cfg, "fields"), &err),
                         FERRY_ERR_CONFIG);
        if (!strstr(err.msg, cases[i].msg))
            fail_msg("%s: message \"%s\" lacks \"%s\"", cases[i].text, err.msg, cases[i].msg);
        ferry_fields_free(&fs);
        config_destroy(&cfg);
    }
}

/* fields.timezone and fields.null_text apply to every field, listed or not:
 * without fields.exportable (or for a column a filter adds) a column takes
 * ferry_fields_style. They were only copied into the listed fields' specs,
 * so such a column fell back to UTC and "". */
static void every_field_style(void **state)
{
    (void)state;
    config_t cfg;
    config_init(&cfg);
    assert_int_equal(config_read_string(&cfg, "fields = { null_text = \"N/A\"; timezone = "
                                              "\"Europe/Berlin\"; };"),
                     CONFIG_TRUE);
    ferry_fieldset fs;
    ferry_err err = FERRY_ERR_INIT;
    assert_int_equal(ferry_fields_from_config(&fs, config_lookup(&cfg, "fields"), &err), 0);
    assert_int_equal(fs.nall, 0);
    const ferry_field_style *st = ferry_fields_style(&fs);
    assert_string_equal(st->null_text, "N/A");
    assert_string_equal(st->timezone, "Europe/Berlin");
    assert_string_equal(st->date_format, ferry_default_style()->date_format);
    assert_int_equal(ferry_fields_apply_template(&fs, "{\"null_text\": \"-\"}", &err), 0);
    assert_string_equal(ferry_fields_style(&fs)->null_text, "-");
    assert_string_equal(ferry_fields_style(&fs)->timezone, "Europe/Berlin");
    assert_int_equal(ferry_fields_apply_template(&fs, "{\"null_text\": 7}", &err),
                     FERRY_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "null_text must be text"));
    ferry_fields_free(&fs);
    config_destroy(&cfg);

    ferry_fieldset none;
    assert_int_equal(ferry_fields_from_config(&none, NULL, &err), 0);
    assert_ptr_equal(ferry_fields_style(&none), ferry_default_style());
    ferry_fields_free(&none);
}

/* ---- filters ------------------------------------------------------------ */

static int parse(fixture *f, const char *json)
{
    ferry_predset_free(&f->ps);
    ferry_err_clear(&f->err);
    return ferry_filters_parse(&f->ps, &f->fs, json, "request filters", NULL, &f->err);
}

static void assert_pred(const ferry_predicate *p, const char *col, int op, uint32_t n)
{
    assert_string_equal(p->column, col);
    assert_int_equal(p->op, op);
    assert_int_equal(p->nvalues, n);
}

static void filters_scalars_lists_null(void **state)
{
    fixture *f = *state;
    assert_int_equal(parse(f, "{\"project\": \"Zoë's Café\", \"duration\": 3600000000,"
                              " \"date\": [\"2024-01-01\", \"2024-01-02\"]}"),
                     0);
    assert_int_equal(f->ps.n, 3);
    assert_pred(&f->ps.preds[0], "project", FERRY_OP_EQ, 1);
    assert_int_equal(f->ps.preds[0].values[0].type, FERRY_TYPE_STRING);
    assert_string_equal(f->ps.preds[0].values[0].u.str, "Zoë's Café");
    assert_int_equal(f->ps.preds[0].values[0].len, strlen("Zoë's Café"));
    assert_pred(&f->ps.preds[1], "duration", FERRY_OP_EQ, 1);
    assert_int_equal(f->ps.preds[1].values[0].type, FERRY_TYPE_INT64);
    assert_int_equal(f->ps.preds[1].values[0].u.i64, 3600000000LL);
    assert_pred(&f->ps.preds[2], "date", FERRY_OP_IN, 2);
    assert_string_equal(f->ps.preds[2].values[1].u.str, "2024-01-02");

    assert_int_equal(parse(f, "{\"project\": null, \"duration\": 1.5, \"date\": true}"), 0);
    assert_pred(&f->ps.preds[0], "project", FERRY_OP_IS_NULL, 0);
    assert_int_equal(f->ps.preds[1].values[0].type, FERRY_TYPE_DOUBLE);
    assert_true(f->ps.preds[1].values[0].u.f64 == 1.5);
    assert_int_equal(f->ps.preds[2].values[0].type, FERRY_TYPE_BOOL);
    assert_int_equal(f->ps.preds[2].values[0].u.i64, 1);

    /* Empty and absent filters add nothing. */
    assert_int_equal(parse(f, "{}"), 0);
    assert_int_equal(f->ps.n, 0);
    assert_int_equal(parse(f, NULL), 0);
    assert_int_equal(parse(f, ""), 0);
    assert_int_equal(f->ps.n, 0);
}

static void filters_every_operator(void **state)
{
    fixture *f = *state;
    assert_int_equal(parse(f, "{\"date\": {\"eq\": \"2024-01-01\", \"ne\": \"2024-01-02\","
                              " \"gt\": \"2023-01-01\", \"gte\": \"2023-06-01\","
                              " \"lt\": \"2025-01-01\", \"lte\": \"2024-12-31\","
                              " \"in\": [\"2024-01-01\"], \"is_null\": false},"
                              " \"project\": {\"contains\": \"50%_off\", \"is_null\": true}}"),
                     0);
    static const int want[] = {FERRY_OP_EQ,       FERRY_OP_NE,     FERRY_OP_GT, FERRY_OP_GTE,
                               FERRY_OP_LT,       FERRY_OP_LTE,    FERRY_OP_IN, FERRY_OP_NOT_NULL,
                               FERRY_OP_CONTAINS, FERRY_OP_IS_NULL};
    assert_int_equal(f->ps.n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < f->ps.n; i++) {
        assert_int_equal(f->ps.preds[i].op, want[i]);
        assert_string_equal(f->ps.preds[i].column, i < 8 ? "date" : "project");
    }
    assert_int_equal(f->ps.preds[7].nvalues, 0);
    /* The contains text is a value, as given: the source escapes it for LIKE. */
    assert_string_equal(f->ps.preds[8].values[0].u.str, "50%_off");
    assert_int_equal(f->ps.preds[9].nvalues, 0);
}

static void filters_injection_is_a_value(void **state)
{
    fixture *f = *state;
    const char *inj = "' OR 1=1 --";
    assert_int_equal(parse(f, "{\"project\": [\"' OR 1=1 --\"],"
                              " \"date\": {\"gte\": \"1900-01-01') OR ('1'='1\"}}"),
                     0);
    assert_pred(&f->ps.preds[0], "project", FERRY_OP_IN, 1);
    assert_string_equal(f->ps.preds[0].values[0].u.str, inj);
    assert_string_equal(f->ps.preds[1].values[0].u.str, "1900-01-01') OR ('1'='1");
}

static void filters_disallowed_keys(void **state)
{
    fixture *f = *state;
    static const char *const keys[] = {
        "{\"user_id\": 2}",
        "{\"description\": \"x\"}",
        "{\"USER_ID\": 2}",
        "{\"`user_id`\": 2}",
        "{\"e.user_id\": 2}",
        "{\"1 OR 1\": 1}",
        "{\"project\": \"x\", \"user_id\": {\"ne\": 0}}",
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        assert_int_equal(parse(f, keys[i]), FERRY_ERR_CONFIG);
        if (!strstr(f->err.msg, "is not allowed (filterable: date, project, duration)"))
            fail_msg("%s: %s", keys[i], f->err.msg);
        assert_non_null(strstr(f->err.msg, "request filters: filtering on \""));
    }
    assert_int_equal(parse(f, "{\"user_id\": 2}"), FERRY_ERR_CONFIG);
    assert_string_equal(f->err.msg, "request filters: filtering on \"user_id\" is not allowed "
                                    "(filterable: date, project, duration)");
}

static void filters_bad_json_and_values(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *json, *msg;
    } cases[] = {
        {"{\"project\": ", "request filters: invalid JSON"},
        {"[\"project\"]", "request filters must be a JSON object"},
        {"\"project\"", "request filters must be a JSON object"},
        {"{\"project\": {\"like\": \"x\"}}", "unknown operator \"like\" on \"project\""},
        {"{\"project\": {\"is_null\": 1}}", "is_null on \"project\" takes true or false"},
        {"{\"project\": {\"in\": \"x\"}}", "in on \"project\" takes a list"},
        {"{\"project\": {\"contains\": 5}}", "contains on \"project\" takes text"},
        {"{\"project\": {\"eq\": {\"x\": 1}}}", "needs a text, number or boolean value"},
        {"{\"project\": {\"gte\": null}}", "needs a text, number or boolean value"},
        {"{\"project\": [\"a\", null]}", "list items must be text, numbers or booleans"},
        {"{\"project\": [\"a\", [\"b\"]]}", "list items must be text, numbers or booleans"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(parse(f, cases[i].json), FERRY_ERR_CONFIG);
        if (!strstr(f->err.msg, cases[i].msg))
            fail_msg("%s: message \"%s\" lacks \"%s\"", cases[i].json, f->err.msg, cases[i].msg);
    }
}

static void filters_long_list_refused(void **state)
{
    fixture *f = *state;
    char json[8192] = "{\"duration\": [";
    size_t used = strlen(json);
    for (int i = 0; i < 1001; i++)
        used += (size_t)snprintf(json + used, sizeof json - used, "%s%d", i ? "," : "", i);
    snprintf(json + used, sizeof json - used, "]}");
    assert_int_equal(parse(f, json), FERRY_ERR_CONFIG);
    assert_non_null(strstr(f->err.msg, "lists over 1000 values"));
}

static void filters_ignored_keys_and_origin(void **state)
{
    fixture *f = *state;
    static const char *const ignore[] = {"date_range", "pipeline", NULL};
    ferry_predset_free(&f->ps);
    assert_int_equal(ferry_filters_parse(&f->ps, &f->fs,
                                         "{\"pipeline\": \"other\", \"date_range\": \"x\","
                                         " \"project\": \"a\"}",
                                         "template default_filters", ignore, &f->err),
                     0);
    assert_int_equal(f->ps.n, 1);
    assert_pred(&f->ps.preds[0], "project", FERRY_OP_EQ, 1);
    /* Without the ignore list the same keys are refused, named by origin. */
    assert_int_equal(ferry_filters_parse(&f->ps, &f->fs, "{\"pipeline\": \"other\"}",
                                         "template default_filters", NULL, &f->err),
                     FERRY_ERR_CONFIG);
    assert_non_null(strstr(f->err.msg, "template default_filters: filtering on \"pipeline\""));
}

static void predset_add_copies(void **state)
{
    fixture *f = *state;
    char text[] = "2024-01-01 00:00:00.000000";
    ferry_value v;
    ferry_value_set_ref(&v, FERRY_TYPE_STRING, text, (uint32_t)strlen(text));
    ferry_predset_free(&f->ps);
    assert_int_equal(ferry_predset_add(&f->ps, "date", FERRY_OP_GTE, &v, &f->err), 0);
    memset(text, 'x', sizeof text - 1);
    assert_pred(&f->ps.preds[0], "date", FERRY_OP_GTE, 1);
    assert_string_equal(f->ps.preds[0].values[0].u.str, "2024-01-01 00:00:00.000000");
    ferry_value_set_i64(&v, FERRY_TYPE_INT64, 42);
    assert_int_equal(ferry_predset_add(&f->ps, "user_id", FERRY_OP_EQ, &v, &f->err), 0);
    assert_int_equal(f->ps.preds[1].values[0].u.i64, 42);
    /* Growing past the first allocation keeps earlier predicates. */
    for (int i = 0; i < 40; i++)
        assert_int_equal(ferry_predset_add(&f->ps, "date", FERRY_OP_LT, &v, &f->err), 0);
    assert_int_equal(f->ps.n, 42);
    assert_string_equal(f->ps.preds[0].values[0].u.str, "2024-01-01 00:00:00.000000");
    assert_string_equal(f->ps.preds[1].column, "user_id");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(pipeline_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(select_by_name, setup, teardown),
        cmocka_unit_test_setup_teardown(select_unknown_names_the_allowed, setup, teardown),
        cmocka_unit_test_setup_teardown(select_twice_is_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(select_json, setup, teardown),
        cmocka_unit_test_setup_teardown(template_fields_headers_formatting, setup, teardown),
        cmocka_unit_test_setup_teardown(template_empty_keeps_pipeline, setup, teardown),
        cmocka_unit_test_setup_teardown(template_errors, setup, teardown),
        cmocka_unit_test(config_errors),
        cmocka_unit_test(every_field_style),
        cmocka_unit_test_setup_teardown(filters_scalars_lists_null, setup, teardown),
        cmocka_unit_test_setup_teardown(filters_every_operator, setup, teardown),
        cmocka_unit_test_setup_teardown(filters_injection_is_a_value, setup, teardown),
        cmocka_unit_test_setup_teardown(filters_disallowed_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(filters_bad_json_and_values, setup, teardown),
        cmocka_unit_test_setup_teardown(filters_long_list_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(filters_ignored_keys_and_origin, setup, teardown),
        cmocka_unit_test_setup_teardown(predset_add_copies, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
