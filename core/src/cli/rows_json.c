/* rows_json.c — query rows as JSON (rows_json.h). */
#include "rows_json.h"

#include <stdio.h>
#include <stdlib.h>

json_t *ferry_row_json(const fdb_rows *r, size_t i)
{
    json_t *o = json_object();
    for (size_t c = 0; o && c < r->ncols; c++) {
        const char *v = fdb_get(r, i, c);
        json_object_set_new(o, r->names[c], v ? json_string(v) : json_null());
    }
    return o;
}

void ferry_rows_print_jsonl(const fdb_rows *r)
{
    for (size_t i = 0; i < r->nrows; i++) {
        json_t *o = ferry_row_json(r, i);
        char *t = o ? json_dumps(o, JSON_COMPACT) : NULL;
        printf("%s\n", t ? t : "{}");
        free(t);
        json_decref(o);
    }
}
