/* fpred.c — compiled predicates (fpred.h). */
#include "fpred.h"

#include <stdio.h>
#include <string.h>

#include "fvalue.h"

const char *fp_op_name(int op)
{
    switch (op) {
    case FERRY_OP_EQ:
        return "=";
    case FERRY_OP_NE:
        return "!=";
    case FERRY_OP_LT:
        return "<";
    case FERRY_OP_LTE:
        return "<=";
    case FERRY_OP_GT:
        return ">";
    case FERRY_OP_GTE:
        return ">=";
    case FERRY_OP_IN:
        return "in";
    case FERRY_OP_CONTAINS:
        return "contains";
    case FERRY_OP_IS_NULL:
        return "is null";
    case FERRY_OP_NOT_NULL:
        return "is not null";
    default:
        return "?";
    }
}

/* [+-]digits: an integer of any size. */
static int integer_text(const char *s, size_t len)
{
    size_t i = len > 0 && (s[0] == '-' || s[0] == '+');
    if (i == len)
        return 0;
    for (; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* A literal in the column's type; an integer beyond int64 for an INT64
 * column stays exact, as a DECIMAL (fv_compare orders it with integers).
 * A '+' before a number is dropped for a DECIMAL column as strtoll drops
 * it for an INT64 one. */
static int coerce(int type, const ferry_value *in, ferry_value *out, const char **why)
{
    if (type == FERRY_TYPE_DECIMAL && in->type == FERRY_TYPE_STRING && in->len > 1 &&
        in->u.str[0] == '+' && in->u.str[1] != '-')
        return fv_parse(type, in->u.str + 1, in->len - 1, out, why);
    if (fv_coerce(type, in, out, why) == 0)
        return 0;
    if (type != FERRY_TYPE_INT64 || in->type != FERRY_TYPE_STRING ||
        !integer_text(in->u.str, in->len))
        return -1;
    int plus = in->u.str[0] == '+';
    ferry_value_set_ref(out, FERRY_TYPE_DECIMAL, in->u.str + plus, in->len - (uint32_t)plus);
    return 0;
}

int fp_compile(fp_pred *out, const ferry_schema *schema, const char *column, int op,
               const ferry_value *values, uint32_t nvalues, const ferry_host *host, ferry_ctx *fx,
               char *err, size_t errcap)
{
    memset(out, 0, sizeof *out);
    uint32_t c;
    for (c = 0; c < schema->ncolumns; c++)
        if (strcmp(schema->columns[c].name, column) == 0)
            break;
    if (c == schema->ncolumns) {
        snprintf(err, errcap, "unknown column \"%s\"", column);
        return -1;
    }
    out->col = c;
    out->op = op;
    int type = schema->columns[c].type;
    uint32_t want;
    switch (op) {
    case FERRY_OP_IS_NULL:
    case FERRY_OP_NOT_NULL:
        return 0;
    case FERRY_OP_IN:
        if (nvalues == 0) {
            snprintf(err, errcap, "\"in\" needs at least one value");
            return -1;
        }
        want = nvalues;
        break;
    case FERRY_OP_EQ:
    case FERRY_OP_NE:
    case FERRY_OP_LT:
    case FERRY_OP_LTE:
    case FERRY_OP_GT:
    case FERRY_OP_GTE:
    case FERRY_OP_CONTAINS:
        if (nvalues != 1) {
            snprintf(err, errcap, "\"%s\" needs one value", fp_op_name(op));
            return -1;
        }
        want = 1;
        break;
    default:
        snprintf(err, errcap, "unknown operator %d", op);
        return -1;
    }
    if (op == FERRY_OP_CONTAINS) {
        if (type != FERRY_TYPE_STRING && type != FERRY_TYPE_DECIMAL) {
            snprintf(err, errcap, "\"contains\" needs a string column; \"%s\" is %s", column,
                     ferry_type_name(type));
            return -1;
        }
        if (values[0].type != FERRY_TYPE_STRING) {
            snprintf(err, errcap, "\"contains\" needs a string value");
            return -1;
        }
        type = FERRY_TYPE_STRING;
    }
    out->values = host->alloc(fx, want * sizeof *out->values);
    if (!out->values) {
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    size_t nbytes = 0;
    for (uint32_t i = 0; i < want; i++) {
        const char *why = NULL;
        if (values[i].type == FERRY_TYPE_NULL) {
            snprintf(err, errcap, "a null value; use \"is null\"");
            return -1;
        }
        if (coerce(type, &values[i], &out->values[i], &why)) {
            char buf[64];
            size_t len;
            const char *t = fv_text(&values[i], buf, sizeof buf, &len);
            snprintf(err, errcap, "\"%.*s\" for %s column \"%s\": %s", (int)(len > 200 ? 200 : len),
                     t, ferry_type_name(type), column, why);
            return -1;
        }
        if (out->values[i].type == FERRY_TYPE_STRING || out->values[i].type == FERRY_TYPE_DECIMAL)
            nbytes += out->values[i].len + 1;
    }
    out->nvalues = want;
    if (nbytes) {
        out->bytes = host->alloc(fx, nbytes);
        if (!out->bytes) {
            snprintf(err, errcap, "out of memory");
            return -1;
        }
        char *p = out->bytes;
        for (uint32_t i = 0; i < want; i++) {
            ferry_value *v = &out->values[i];
            if (v->type != FERRY_TYPE_STRING && v->type != FERRY_TYPE_DECIMAL)
                continue;
            memcpy(p, v->u.str, v->len);
            p[v->len] = '\0';
            v->u.str = p;
            p += v->len + 1;
        }
    }
    return 0;
}

void fp_free(fp_pred *p, const ferry_host *host, ferry_ctx *fx)
{
    if (!p)
        return;
    if (p->values)
        host->free(fx, p->values);
    if (p->bytes)
        host->free(fx, p->bytes);
    p->values = NULL;
    p->bytes = NULL;
}

int fp_match(const fp_pred *p, const ferry_value *v)
{
    if (p->op == FERRY_OP_IS_NULL)
        return ferry_value_is_null(v);
    if (p->op == FERRY_OP_NOT_NULL)
        return !ferry_value_is_null(v);
    if (ferry_value_is_null(v))
        return 0;
    if (p->op == FERRY_OP_CONTAINS)
        return fv_contains(v->u.str, v->len, p->values[0].u.str, p->values[0].len);
    if (p->op == FERRY_OP_IN) {
        for (uint32_t i = 0; i < p->nvalues; i++)
            if (fv_compare(v, &p->values[i]) == 0)
                return 1;
        return 0;
    }
    int c = fv_compare(v, &p->values[0]);
    switch (p->op) {
    case FERRY_OP_EQ:
        return c == 0;
    case FERRY_OP_NE:
        return c != 0;
    case FERRY_OP_LT:
        return c < 0;
    case FERRY_OP_LTE:
        return c <= 0;
    case FERRY_OP_GT:
        return c > 0;
    case FERRY_OP_GTE:
        return c >= 0;
    default:
        return 0;
    }
}
