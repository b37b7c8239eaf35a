/*
 * fuzz_filters_fields.c — a pipeline's `fields` group (engine/fields.c),
 * a template's field_configuration and a request's selected_fields JSON,
 * and the request filters JSON (service/filters.c).
 * Input: NUL-separated parts: fields group (libconfig; empty = a fixed
 * one), field_configuration JSON, selected_fields JSON, filters JSON.
 * Invariants: every predicate names a filterable field and carries its
 * values (the source binds them; a column outside the allowed list would
 * be an injection); every selected field is an exportable one.
 */
#include <libconfig.h>

#include "fields.h"
#include "filters.h"
#include "fuzz_common.h"

static const char *const FIXED =
    "fields = { exportable = [\"date\", \"project\", \"task\", \"duration\", \"user_id\"];\n"
    "  filterable = [\"date\", \"project\", \"duration\"]; owner_column = \"user_id\";\n"
    "  date_column = \"date\";\n"
    "  styles = { duration = { label = \"Hours\"; duration = \"hours\"; decimals = 1; }; }; };\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *p[4];
    fz_split(data, size, p, 4);
    config_t cfg;
    config_init(&cfg);
    ferry_fieldset fs;
    memset(&fs, 0, sizeof fs);
    ferry_predset ps;
    memset(&ps, 0, sizeof ps);
    ferry_err err = FERRY_ERR_INIT;
    if (config_read_string(&cfg, p[0][0] ? p[0] : FIXED) != CONFIG_TRUE)
        goto out;
    if (ferry_fields_from_config(&fs, config_lookup(&cfg, "fields"), &err))
        goto out;
    char names[512];
    ferry_fields_names(&fs, names, sizeof names);
    if (ferry_fields_apply_template(&fs, p[1], &err) == 0 &&
        ferry_fields_select_json(&fs, p[2], &err) == 0) {
        for (size_t i = 0; i < fs.nselected; i++)
            if (fs.selected[i] >= fs.nall)
                abort();
    }
    static const char *const ignore[] = {"email_recipients", NULL};
    if (ferry_filters_parse(&ps, &fs, p[3], "request filters", ignore, &err) == 0) {
        for (size_t i = 0; i < ps.n; i++) {
            const ferry_predicate *pr = &ps.preds[i];
            if (!pr->column || !ferry_fields_is_filterable(&fs, pr->column))
                abort(); /* a predicate on a column the pipeline does not allow */
            if (pr->nvalues && !pr->values)
                abort();
        }
    } else if (!err.msg[0] || strchr(err.msg, '\n')) {
        abort(); /* an error is one line */
    }
out:
    ferry_predset_free(&ps);
    ferry_fields_free(&fs);
    config_destroy(&cfg);
    for (int i = 0; i < 4; i++)
        free(p[i]);
    return 0;
}
