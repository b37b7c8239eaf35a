/*
 * test_ops_abi.c — the callback tables' growth rule: the core reads of a
 * plugin's kind table only the callbacks its ABI minor had
 * (ferry_ops_size). A callback appended to a table without a new minor's
 * column in loader.c fails here; so does a column that shrinks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "loader.h"

static const struct {
    int kind;
    size_t size;
} tables[] = {
    {FERRY_KIND_SOURCE, sizeof(ferry_source_ops)}, {FERRY_KIND_FILTER, sizeof(ferry_filter_ops)},
    {FERRY_KIND_FORMAT, sizeof(ferry_format_ops)}, {FERRY_KIND_ENCODE, sizeof(ferry_encode_ops)},
    {FERRY_KIND_SINK, sizeof(ferry_sink_ops)},
};

static void newest_minor_covers_the_table(void **st)
{
    (void)st;
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        assert_int_equal(ferry_ops_size(tables[i].kind, FERRY_ABI_MINOR), tables[i].size);
}

static void sizes_never_shrink(void **st)
{
    (void)st;
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        for (unsigned m = 1; m <= FERRY_ABI_MINOR; m++) {
            assert_true(ferry_ops_size(tables[i].kind, m) >= ferry_ops_size(tables[i].kind, m - 1));
            assert_true(ferry_ops_size(tables[i].kind, m - 1) > 0);
        }
}

static void unknown_kind_or_minor_reads_nothing(void **st)
{
    (void)st;
    assert_int_equal(ferry_ops_size(0, 0), 0);
    assert_int_equal(ferry_ops_size(FERRY_KIND_SINK + 1, 0), 0);
    assert_int_equal(ferry_ops_size(FERRY_KIND_FORMAT, FERRY_ABI_MINOR + 1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(newest_minor_covers_the_table),
        cmocka_unit_test(sizes_never_shrink),
        cmocka_unit_test(unknown_kind_or_minor_reads_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
