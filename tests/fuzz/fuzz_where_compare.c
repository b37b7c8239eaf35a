/*
 * fuzz_where_compare.c — filter-where's comparisons on integer and decimal
 * columns (where_cond.c, fpred.c, fvalue.c's fv_parse and fv_compare).
 * Input: byte 0 the column (INT64 or DECIMAL) and the operator; then a
 * value and up to three literals built from the bytes (edges: ±2^63,
 * 2^64-1, 2^64, 10^29, leading zeros, '+', "-0", fractions), or after a
 * NUL a raw literal as it would be written in the condition.
 * Oracle: a literal in the column's syntax (INT64: [+-]digits of any size;
 * DECIMAL: [+-]digits[.digits], or .digits) compiles, and every operator
 * keeps the value exactly when a digit-string comparison written here says
 * so (and __int128 arithmetic agrees where both sides are integers); any
 * other literal is refused. An INT64 column's value beyond int64 is
 * DECIMAL text, as source-mysql sends BIGINT UNSIGNED.
 */
#include "fpred.h"
#include "fuzz_common.h"
#include "where_cond.h"

typedef struct reader {
    const uint8_t *d;
    size_t n, i;
} reader;

static unsigned byte(reader *r)
{
    return r->i < r->n ? r->d[r->i++] : 0;
}

static uint64_t u64(reader *r)
{
    uint64_t v = 0;
    for (int k = 0; k < 8; k++)
        v = v << 8 | byte(r);
    return v;
}

/* An integer near an edge, or random, up to about ±2^100. */
static __int128 gen_int(reader *r)
{
    static const __int128 P63 = (__int128)1 << 63, P64 = (__int128)1 << 64;
    const __int128 E29 = (__int128)10000000000000000000u * 10000000000;
    __int128 v;
    switch (byte(r) % 10) {
    case 0:
        v = 0;
        break;
    case 1:
        v = P63 - 1;
        break;
    case 2:
        v = P63;
        break;
    case 3:
        v = P64 - 1;
        break;
    case 4:
        v = P64;
        break;
    case 5:
        v = E29;
        break;
    case 6:
        v = (int64_t)u64(r);
        break;
    case 7:
        v = u64(r);
        break;
    case 8:
        v = (__int128)u64(r) << 36 | (u64(r) & 0xfffffffff);
        break;
    default:
        v = (int8_t)byte(r);
        break;
    }
    v += (int)(byte(r) % 5) - 2;
    return byte(r) & 1 ? -v : v;
}

/* The digits of |v| into out; returns how many. */
static size_t int_digits(__int128 v, char *out)
{
    unsigned __int128 u = v < 0 ? -(unsigned __int128)v : (unsigned __int128)v;
    char t[48];
    size_t n = 0;
    do
        t[n++] = (char)('0' + (int)(u % 10));
    while ((u /= 10) != 0);
    for (size_t k = 0; k < n; k++)
        out[k] = t[n - 1 - k];
    return n;
}

/* `v` as text; `decor` adds a '+', "-0", leading zeros; `frac` fraction
 * digits (DECIMAL only; trailing zeros too). */
static size_t gen_text(reader *r, __int128 v, int decor, int frac, char *out)
{
    size_t n = 0;
    unsigned f = decor ? byte(r) : 0;
    if (v < 0 || (v == 0 && (f & 3) == 1))
        out[n++] = '-';
    else if ((f & 3) == 2)
        out[n++] = '+';
    static const int zeros[] = {0, 0, 1, 2, 20, 0, 60, 3};
    for (int k = zeros[(f >> 2) & 7]; k > 0; k--)
        out[n++] = '0';
    n += int_digits(v, out + n);
    unsigned nf = frac ? byte(r) % 6 : 0;
    if (nf) {
        out[n++] = '.';
        for (unsigned k = 0; k < nf; k++)
            out[n++] = (char)('0' + (k + 1 == nf && (f & 32) ? 0 : byte(r) % 10));
    }
    out[n] = '\0';
    return n;
}

/* A number in the column's syntax: sign, integer and fraction digits. */
typedef struct num {
    int neg;
    const char *ip, *fp;
    size_t il, fl;
} num;

static int parse_num(const char *s, size_t len, int decimal, num *x)
{
    size_t i = 0;
    x->neg = len > 0 && s[0] == '-';
    i = len > 0 && (s[0] == '-' || s[0] == '+');
    x->ip = s + i;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++;
    x->il = (size_t)(s + i - x->ip);
    x->fp = s + i;
    x->fl = 0;
    if (decimal && i < len && s[i] == '.') {
        x->fp = s + ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        x->fl = (size_t)(s + i - x->fp);
        if (x->fl == 0)
            return -1;
    }
    return i == len && x->il + x->fl > 0 ? 0 : -1;
}

/* Digit i of x's integer part counted from the units (0 beyond it). */
static int idig(const num *x, size_t i)
{
    return i < x->il ? x->ip[x->il - 1 - i] - '0' : 0;
}

static int fdig(const num *x, size_t i)
{
    return i < x->fl ? x->fp[i] - '0' : 0;
}

/* Compares two numbers digit by digit over the widest of both. */
static int ref_cmp(const num *a, const num *b)
{
    size_t iw = a->il > b->il ? a->il : b->il, fw = a->fl > b->fl ? a->fl : b->fl;
    int mag = 0, azero = 1, bzero = 1;
    for (size_t k = iw; k-- > 0;) {
        azero &= idig(a, k) == 0, bzero &= idig(b, k) == 0;
        if (!mag)
            mag = idig(a, k) - idig(b, k);
    }
    for (size_t k = 0; k < fw; k++) {
        azero &= fdig(a, k) == 0, bzero &= fdig(b, k) == 0;
        if (!mag)
            mag = fdig(a, k) - fdig(b, k);
    }
    int an = a->neg && !azero, bn = b->neg && !bzero;
    if (an != bn)
        return an ? -1 : 1;
    mag = mag < 0 ? -1 : mag > 0;
    return an ? -mag : mag;
}

static int holds(int op, int c)
{
    switch (op) {
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
    default:
        return c >= 0;
    }
}

static void *fz_alloc(ferry_ctx *fx, size_t n)
{
    (void)fx;
    return malloc(n);
}

static void fz_free(ferry_ctx *fx, void *p)
{
    (void)fx;
    free(p);
}

static const ferry_host host = {.alloc = fz_alloc, .free = fz_free};

/* __int128 of an integer text of at most 38 digits. */
static int small_int(const num *x, __int128 *v)
{
    if (x->fl || x->il > 38)
        return 0;
    *v = 0;
    for (size_t k = 0; k < x->il; k++)
        *v = *v * 10 + (x->ip[k] - '0');
    *v = x->neg ? -*v : *v;
    return 1;
}

/* The value in the batch: an INT64 column's beyond int64 as DECIMAL text. */
static void set_value(ferry_value *v, int type, const char *text, size_t len)
{
    num x;
    __int128 i;
    if (type == FERRY_TYPE_INT64 && parse_num(text, len, 0, &x) == 0 && small_int(&x, &i) &&
        i >= INT64_MIN && i <= INT64_MAX)
        ferry_value_set_i64(v, FERRY_TYPE_INT64, (int64_t)i);
    else
        ferry_value_set_ref(v, FERRY_TYPE_DECIMAL, text, (uint32_t)len);
}

/* Checks "u OP lits" on `value` against the reference. */
static void check(int type, const char *cond, const char *value, size_t vlen)
{
    where_cond c;
    fp_pred p;
    char err[256];
    memset(&p, 0, sizeof p);
    if (where_cond_parse(&c, cond, &host, NULL, err, sizeof err) || c.nvalues > 128)
        goto out; /* a raw literal of 200 bytes has at most 101 */
    ferry_column col = {"u", "u", type, 0, NULL};
    ferry_schema schema = {1, 0, &col};
    int all_num = 1;
    num lit[128], val;
    for (uint32_t k = 0; k < c.nvalues; k++)
        all_num &=
            parse_num(c.values[k].u.str, c.values[k].len, type == FERRY_TYPE_DECIMAL, &lit[k]) == 0;
    int rc = fp_compile(&p, &schema, "u", c.op, c.values, c.nvalues, &host, NULL, err, sizeof err);
    if (rc != 0 && all_num) {
        fprintf(stderr, "\"%s\" refused: %s\n", cond, err);
        abort();
    }
    if (rc == 0 && !all_num) {
        fprintf(stderr, "\"%s\" compiled; a literal is no number of the column\n", cond);
        abort();
    }
    if (rc != 0 || parse_num(value, vlen, type == FERRY_TYPE_DECIMAL, &val))
        goto out;
    ferry_value v;
    set_value(&v, type, value, vlen);
    int want = 0;
    for (uint32_t k = 0; k < c.nvalues; k++) {
        int r = ref_cmp(&val, &lit[k]);
        __int128 a, b;
        if (small_int(&val, &a) && small_int(&lit[k], &b) && r != (a > b) - (a < b))
            abort(); /* the reference itself is wrong */
        want |= c.op == FERRY_OP_IN ? r == 0 : holds(c.op, r);
    }
    if (fp_match(&p, &v) != want) {
        fprintf(stderr, "\"%s\" on %.*s: %d, want %d\n", cond, (int)vlen, value, !want, want);
        abort();
    }
out:
    fp_free(&p, &host, NULL);
    where_cond_free(&c, &host, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const ops[] = {"=", "!=", "<", "<=", ">", ">=", "in", "<>", "=="};
    reader r = {data, size, 0};
    unsigned b = byte(&r);
    int type = b & 1 ? FERRY_TYPE_DECIMAL : FERRY_TYPE_INT64, dec = type == FERRY_TYPE_DECIMAL;
    const char *op = ops[(b >> 1) % 9];
    char value[128], cond[512];
    size_t vlen = gen_text(&r, gen_int(&r), 0, dec, value);
    int n = snprintf(cond, sizeof cond, strcmp(op, "in") ? "u %s " : "u %s (", op);
    const uint8_t *raw = memchr(data, 0, size);
    if (raw && (size_t)(data + size - raw) < 200) { /* a raw literal */
        n += snprintf(cond + n, sizeof cond - (size_t)n, "%.*s", (int)(data + size - raw - 1),
                      (const char *)raw + 1);
    } else {
        int nlit = strcmp(op, "in") ? 1 : 1 + (int)(byte(&r) % 3);
        for (int k = 0; k < nlit; k++) {
            char lit[128];
            gen_text(&r, gen_int(&r), 1, dec, lit);
            const char *q = byte(&r) & 1 ? "'" : "";
            n += snprintf(cond + n, sizeof cond - (size_t)n, "%s%s%s%s", k ? ", " : "", q, lit, q);
        }
    }
    if (!strcmp(op, "in"))
        snprintf(cond + n, sizeof cond - (size_t)n, ")");
    check(type, cond, value, vlen);
    return 0;
}
