/* where_cond.c — the filter-where condition parser (where_cond.h). */
#include "where_cond.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef struct parser {
    const char *s;
    size_t i;
    char *out; /* next free byte of the condition's buffer */
} parser;

static void skip_ws(parser *p)
{
    while (p->s[p->i] && isspace((unsigned char)p->s[p->i]))
        p->i++;
}

/* Matches a keyword followed by a non-identifier character. */
static int keyword(parser *p, const char *kw)
{
    size_t n = strlen(kw);
    if (strncasecmp(p->s + p->i, kw, n) != 0)
        return 0;
    char c = p->s[p->i + n];
    if (isalnum((unsigned char)c) || c == '_')
        return 0;
    p->i += n;
    return 1;
}

/* Reads a value into p->out; `list`: bare values end at ',' or ')'. */
static int value(parser *p, ferry_value *v, int list, char *err, size_t errcap)
{
    skip_ws(p);
    char *start = p->out;
    char q = p->s[p->i];
    if (q == '\'' || q == '"') {
        p->i++;
        for (;;) {
            char c = p->s[p->i];
            if (!c) {
                snprintf(err, errcap, "unterminated quoted value");
                return -1;
            }
            p->i++;
            if (c == q) {
                if (p->s[p->i] == q) { /* doubled quote */
                    *p->out++ = q;
                    p->i++;
                    continue;
                }
                break;
            }
            *p->out++ = c;
        }
    } else {
        size_t b = p->i;
        while (p->s[p->i] && !(list && (p->s[p->i] == ',' || p->s[p->i] == ')')) &&
               !(list && p->s[p->i] == '('))
            p->i++;
        size_t e = p->i;
        while (e > b && isspace((unsigned char)p->s[e - 1]))
            e--;
        if (e == b) {
            snprintf(err, errcap, "a value is missing");
            return -1;
        }
        if (e - b == 4 && strncasecmp(p->s + b, "null", 4) == 0) {
            snprintf(err, errcap, "null is not a value; use \"is null\" or quote it");
            return -1;
        }
        memcpy(p->out, p->s + b, e - b);
        p->out += e - b;
    }
    *p->out++ = '\0';
    ferry_value_set_ref(v, FERRY_TYPE_STRING, start, (uint32_t)(p->out - 1 - start));
    return 0;
}

int where_cond_parse(where_cond *c, const char *text, const ferry_host *host, ferry_ctx *fx,
                     char *err, size_t errcap)
{
    memset(c, 0, sizeof *c);
    c->text = text;
    size_t len = strlen(text);
    size_t maxvalues = 1;
    for (size_t k = 0; k < len; k++)
        maxvalues += text[k] == ',';
    c->buf = host->alloc(fx, len + 1 + maxvalues);
    c->values = host->alloc(fx, maxvalues * sizeof *c->values);
    if (!c->buf || !c->values) {
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    parser p = {text, 0, c->buf};
    skip_ws(&p);
    size_t b = p.i;
    while (isalnum((unsigned char)text[p.i]) || text[p.i] == '_' || text[p.i] == '.')
        p.i++;
    if (p.i == b) {
        snprintf(err, errcap, "expected a column name at the start");
        return -1;
    }
    memcpy(p.out, text + b, p.i - b);
    c->column = p.out;
    p.out += p.i - b;
    *p.out++ = '\0';
    skip_ws(&p);

    static const struct {
        const char *sym;
        int op;
    } ops[] = {{"==", FERRY_OP_EQ},  {"!=", FERRY_OP_NE}, {"<>", FERRY_OP_NE}, {"<=", FERRY_OP_LTE},
               {">=", FERRY_OP_GTE}, {"=", FERRY_OP_EQ},  {"<", FERRY_OP_LT},  {">", FERRY_OP_GT}};
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        size_t n = strlen(ops[k].sym);
        if (strncmp(text + p.i, ops[k].sym, n) == 0) {
            p.i += n;
            c->op = ops[k].op;
            break;
        }
    }
    if (c->op) {
        if (value(&p, &c->values[0], 0, err, errcap))
            return -1;
        c->nvalues = 1;
    } else if (keyword(&p, "contains")) {
        c->op = FERRY_OP_CONTAINS;
        if (value(&p, &c->values[0], 0, err, errcap))
            return -1;
        c->nvalues = 1;
    } else if (keyword(&p, "is")) {
        skip_ws(&p);
        c->op = keyword(&p, "not") ? FERRY_OP_NOT_NULL : FERRY_OP_IS_NULL;
        skip_ws(&p);
        if (!keyword(&p, "null")) {
            snprintf(err, errcap, "expected \"null\" after \"is\"");
            return -1;
        }
    } else if (keyword(&p, "in")) {
        c->op = FERRY_OP_IN;
        skip_ws(&p);
        if (text[p.i] != '(') {
            snprintf(err, errcap, "expected \"(\" after \"in\"");
            return -1;
        }
        p.i++;
        for (;;) {
            if (value(&p, &c->values[c->nvalues], 1, err, errcap))
                return -1;
            c->nvalues++;
            skip_ws(&p);
            if (text[p.i] == ',') {
                p.i++;
                continue;
            }
            if (text[p.i] == ')') {
                p.i++;
                break;
            }
            snprintf(err, errcap, "expected \",\" or \")\" in the list");
            return -1;
        }
    } else {
        snprintf(err, errcap,
                 "expected an operator (= != < <= > >= in contains \"is null\") after \"%s\"",
                 c->column);
        return -1;
    }
    skip_ws(&p);
    if (text[p.i]) {
        snprintf(err, errcap, "unexpected text \"%s\"", text + p.i);
        return -1;
    }
    return 0;
}

void where_cond_free(where_cond *c, const ferry_host *host, ferry_ctx *fx)
{
    if (!c)
        return;
    if (c->buf)
        host->free(fx, c->buf);
    if (c->values)
        host->free(fx, c->values);
    c->buf = NULL;
    c->values = NULL;
}
