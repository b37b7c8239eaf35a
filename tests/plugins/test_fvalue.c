/* test_fvalue.c — plugins/common's typed values and predicates: text too
 * long for a value (refused, never cut); a double literal for an int64
 * column (a request filter's JSON real, which source-csv compiles with
 * fp_compile): accepted only when it is an int64
 * exactly, then compared with the column's values at INT64_MAX and
 * INT64_MIN; refused beyond int64's range (2^63, 9.3e18, 1e19, -9.3e18,
 * the double below -2^63), for a fraction, NaN and the infinities.
 *
 * fvalue.c and fpred.c are compiled into this test with
 * -fsanitize=float-cast-overflow (GCC leaves it out of -fsanitize=undefined):
 * a cast of a double beyond int64 to int64, which is undefined behaviour
 * (x86 gives INT64_MIN), aborts the test. Before 31a4438 fv_coerce cast
 * first and compared after. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fpred.h"
#include "fvalue.h"

static void *t_alloc(ferry_ctx *fx, size_t n)
{
    (void)fx;
    return malloc(n);
}

static void t_free(ferry_ctx *fx, void *p)
{
    (void)fx;
    free(p);
}

static const ferry_host host = {.alloc = t_alloc, .free = t_free};

/* Doubles around int64's ends, written exactly. */
#define TWO63             0x1p63                /* 9.2233720368547758e18: INT64_MAX + 1 */
#define BELOW_TWO63       0x1.fffffffffffffp62  /* 2^63 - 1024, the largest below */
#define BELOW_MINUS_TWO63 -0x1.0000000000001p63 /* -2^63 - 2048, the next below INT64_MIN */
#define BELOW_TWO63_I64   INT64_C(9223372036854774784)

static const struct {
    double d;
    int ok;       /* an int64 exactly */
    int64_t want; /* its value */
} doubles[] = {
    {0.0, 1, 0},
    {-0.0, 1, 0},
    {1.0, 1, 1},
    {-1.0, 1, -1},
    {0.5, 0, 0},
    {5e-324, 0, 0},
    {BELOW_TWO63, 1, BELOW_TWO63_I64},
    {9.2233720368547758e18, 0, 0}, /* 2^63 as a literal: beyond INT64_MAX */
    {TWO63, 0, 0},
    {9.3e18, 0, 0},
    {1e19, 0, 0},
    {1.8446744073709552e19, 0, 0}, /* 2^64 */
    {1e300, 0, 0},
    {DBL_MAX, 0, 0},
    {-9.2233720368547758e18, 1, INT64_MIN}, /* -2^63 is INT64_MIN exactly */
    {BELOW_MINUS_TWO63, 0, 0},
    {-9.3e18, 0, 0},
    {-1e19, 0, 0},
    {-DBL_MAX, 0, 0},
    {INFINITY, 0, 0},
    {-INFINITY, 0, 0},
    {NAN, 0, 0},
    {-NAN, 0, 0},
};

static void coerce_double_to_int64(void **st)
{
    (void)st;
    for (size_t i = 0; i < sizeof doubles / sizeof *doubles; i++) {
        ferry_value in, out;
        const char *why = NULL;
        ferry_value_set_f64(&in, doubles[i].d);
        memset(&out, 0, sizeof out);
        int rc = fv_coerce(FERRY_TYPE_INT64, &in, &out, &why);
        if (doubles[i].ok) {
            if (rc || out.type != FERRY_TYPE_INT64 || out.u.i64 != doubles[i].want)
                fail_msg("%.17g: rc %d, type %d, %lld (want %lld)", doubles[i].d, rc, out.type,
                         (long long)out.u.i64, (long long)doubles[i].want);
        } else if (rc == 0 || !why || !strstr(why, "wrong type")) {
            fail_msg("%.17g: accepted as %lld (want refused)", doubles[i].d, (long long)out.u.i64);
        }
    }
}

/* The column's values the literals meet: both ends of int64 and zero. */
static const int64_t column[] = {INT64_MIN,           INT64_MIN + 1,   -1,       0,
                                 BELOW_TWO63_I64 - 1, BELOW_TWO63_I64, INT64_MAX};
static const int ops[] = {FERRY_OP_EQ, FERRY_OP_NE,  FERRY_OP_LT, FERRY_OP_LTE,
                          FERRY_OP_GT, FERRY_OP_GTE, FERRY_OP_IN};

static int oracle(int op, int64_t v, int64_t lit)
{
    switch (op) {
    case FERRY_OP_EQ:
    case FERRY_OP_IN:
        return v == lit;
    case FERRY_OP_NE:
        return v != lit;
    case FERRY_OP_LT:
        return v < lit;
    case FERRY_OP_LTE:
        return v <= lit;
    case FERRY_OP_GT:
        return v > lit;
    default:
        return v >= lit;
    }
}

/* "x OP literal" on an int64 column x: an exact int64 literal compares
 * exactly with every value at the edges; any other is refused at compile,
 * naming the column, never compared as some other number. */
static void predicates_on_int64_column(void **st)
{
    (void)st;
    const ferry_column col = {"x", "x", FERRY_TYPE_INT64, 0, NULL};
    const ferry_schema schema = {1, 0, &col};
    for (size_t i = 0; i < sizeof doubles / sizeof *doubles; i++)
        for (size_t o = 0; o < sizeof ops / sizeof *ops; o++) {
            ferry_value lit[2];
            ferry_value_set_i64(&lit[0], FERRY_TYPE_INT64, 7);
            ferry_value_set_f64(&lit[ops[o] == FERRY_OP_IN], doubles[i].d);
            fp_pred p;
            char err[256] = "";
            int rc = fp_compile(&p, &schema, "x", ops[o], lit, ops[o] == FERRY_OP_IN ? 2 : 1, &host,
                                NULL, err, sizeof err);
            if (!doubles[i].ok) {
                if (rc == 0 || !strstr(err, "for int64 column \"x\""))
                    fail_msg("%.17g op %s: compiled (want refused): %s", doubles[i].d,
                             fp_op_name(ops[o]), err);
                fp_free(&p, &host, NULL);
                continue;
            }
            if (rc)
                fail_msg("%.17g op %s: %s", doubles[i].d, fp_op_name(ops[o]), err);
            for (size_t r = 0; r < sizeof column / sizeof *column; r++) {
                ferry_value v;
                ferry_value_set_i64(&v, FERRY_TYPE_INT64, column[r]);
                int want = oracle(ops[o], column[r], doubles[i].want) ||
                           (ops[o] == FERRY_OP_IN && column[r] == 7);
                if (fp_match(&p, &v) != want)
                    fail_msg("%lld %s %.17g: %d, want %d", (long long)column[r], fp_op_name(ops[o]),
                             doubles[i].d, !want, want);
            }
            fp_free(&p, &host, NULL);
        }
}

/* Text beyond what a value's 32-bit len holds (a source-csv field over
 * 4 GiB) is refused; it was cut to its length modulo 2^32. A string's
 * bytes are not read, so a short buffer stands for them. */
static void parse_too_long(void **st)
{
    (void)st;
    static const char text[] = "abcdefgh";
    const size_t lens[] = {(size_t)UINT32_MAX - 1, (size_t)UINT32_MAX, (size_t)UINT32_MAX + 1 + 5};
    for (size_t i = 0; i < sizeof lens / sizeof *lens; i++) {
        ferry_value v;
        const char *why = NULL;
        memset(&v, 0, sizeof v);
        int rc = fv_parse(FERRY_TYPE_STRING, text, lens[i], &v, &why);
        if (i == 0) {
            assert_int_equal(rc, 0);
            assert_int_equal(v.len, UINT32_MAX - 1);
        } else if (rc == 0 || !why || !strstr(why, "longer than a value can hold")) {
            fail_msg("%zu bytes: accepted as a string of %u", lens[i], v.len);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_too_long),
        cmocka_unit_test(coerce_double_to_int64),
        cmocka_unit_test(predicates_on_int64_column),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
