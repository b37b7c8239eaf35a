/*
 * test_myerr.c — the MySQL errors that mean "unavailable": what the
 * worker defers on (its own connections, fdb_errno_unavailable in the
 * store layer) and what source-mysql returns as FERRY_ERR_UNAVAILABLE
 * (plugins/common/myerr.h). The core may not include a plugin header, so
 * the list is written twice: the two must agree on every error number.
 * Every error that needs a person stays out of it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/myerr.h"
#include "db.h"

static void waiting_can_help(void **st)
{
    (void)st;
    /* refused, unreachable, too many connections (global, per user), an
     * account's own limit reached (MAX_USER_CONNECTIONS, MAX_QUERIES_PER_HOUR
     * …), shutting down, gone, lost, lost (system error), killed, idle */
    static const unsigned yes[] = {2002, 2003, 1040, 1203, 1226, 1053,
                                   2006, 2013, 2055, 1927, 4031};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        assert_true(fmy_errno_unavailable(yes[i]));
        assert_true(fdb_errno_unavailable(yes[i]));
    }
}

static void a_person_is_needed(void **st)
{
    (void)st;
    /* none, access denied, unknown database, unknown host, syntax, no
     * such table, query interrupted, lock wait timeout */
    static const unsigned no[] = {0, 1045, 1049, 2005, 1064, 1146, 1317, 1205};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        assert_false(fmy_errno_unavailable(no[i]));
        assert_false(fdb_errno_unavailable(no[i]));
    }
}

static void the_two_lists_agree(void **st)
{
    (void)st;
    for (unsigned e = 0; e < 65536; e++)
        if (!fmy_errno_unavailable(e) != !fdb_errno_unavailable(e))
            fail_msg("error %u: myerr.h says %d, the store says %d", e, fmy_errno_unavailable(e),
                     fdb_errno_unavailable(e));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(waiting_can_help),
        cmocka_unit_test(a_person_is_needed),
        cmocka_unit_test(the_two_lists_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
