/* test_token.c — download tokens (core/src/service/token.c): a known answer from
 * Python's hmac, round trips, and every way a token can be wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "token.h"

static const char *SECRET = "k3y-secret";
static const char *ID = "0123456789abcdef0123456789abcdef";

static void test_token__known_answer(void **state)
{
    (void)state;
    char tok[FERRY_TOKEN_MAX];
    ferry_err err = FERRY_ERR_INIT;
    assert_int_equal(ferry_token_make(SECRET, ID, 1700000000, tok, sizeof tok, &err), 0);
    /* hmac.new(b'k3y-secret', b'v1|<id>|1700000000', sha256), base64url, no '=' */
    assert_string_equal(tok, "v1.1700000000.ngyvlGQq-DNV-Ezb1HjUy-keIc_ALh-WCxHtIK11q50");
}

static void test_token__round_trip_and_expiry(void **state)
{
    (void)state;
    char tok[FERRY_TOKEN_MAX];
    ferry_err err = FERRY_ERR_INIT;
    int64_t exp = 0;
    assert_int_equal(ferry_token_make(SECRET, ID, 2000, tok, sizeof tok, &err), 0);
    assert_int_equal(ferry_token_check(SECRET, ID, tok, 1999, &exp, &err), 0);
    assert_int_equal(exp, 2000);
    assert_int_equal(ferry_token_check(SECRET, ID, tok, 2000, NULL, &err), FERRY_ERR_TOKEN_EXPIRED);
    assert_int_equal(ferry_token_check(SECRET, ID, tok, 5000, NULL, &err), FERRY_ERR_TOKEN_EXPIRED);
}

static void test_token__tampering_is_denied(void **state)
{
    (void)state;
    char tok[FERRY_TOKEN_MAX], bad[FERRY_TOKEN_MAX + 8];
    ferry_err err = FERRY_ERR_INIT;
    assert_int_equal(ferry_token_make(SECRET, ID, 2000, tok, sizeof tok, &err), 0);

    /* Another request, another secret. */
    assert_int_equal(
        ferry_token_check(SECRET, "0123456789abcdef0123456789abcdee", tok, 10, NULL, &err),
        FERRY_ERR_DENIED);
    assert_int_equal(ferry_token_check("other", ID, tok, 10, NULL, &err), FERRY_ERR_DENIED);

    /* An extended expiry is tampering, not "expired" nor valid. */
    strcpy(bad, tok);
    bad[3] = '9'; /* 2000 -> 9000 */
    assert_int_equal(ferry_token_check(SECRET, ID, bad, 10, NULL, &err), FERRY_ERR_DENIED);
    assert_int_equal(ferry_token_check(SECRET, ID, bad, 100000, NULL, &err), FERRY_ERR_DENIED);

    /* Every single changed MAC character. */
    size_t mac_at = strlen("v1.2000.");
    for (size_t i = mac_at; i < strlen(tok); i++) {
        strcpy(bad, tok);
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        assert_int_equal(ferry_token_check(SECRET, ID, bad, 10, NULL, &err), FERRY_ERR_DENIED);
    }

    /* Truncated, extended, malformed. */
    strcpy(bad, tok);
    bad[strlen(bad) - 1] = '\0';
    assert_int_equal(ferry_token_check(SECRET, ID, bad, 10, NULL, &err), FERRY_ERR_DENIED);
    snprintf(bad, sizeof bad, "%sA", tok);
    assert_int_equal(ferry_token_check(SECRET, ID, bad, 10, NULL, &err), FERRY_ERR_DENIED);
    const char *junk[] = {"",          "v1",        "v1.",          "v1..abc",
                          "v2.2000.x", "v1.-5.abc", "v1.02000.abc", "v1.99999999999999999999.abc",
                          NULL};
    for (size_t i = 0; junk[i]; i++)
        assert_int_equal(ferry_token_check(SECRET, ID, junk[i], 10, NULL, &err), FERRY_ERR_DENIED);
    assert_int_equal(ferry_token_check(SECRET, ID, NULL, 10, NULL, &err), FERRY_ERR_DENIED);
    /* A leading-zero spelling of the same expiry is refused (one spelling only). */
    snprintf(bad, sizeof bad, "v1.0%s", tok + 3);
    assert_int_equal(ferry_token_check(SECRET, ID, bad, 10, NULL, &err), FERRY_ERR_DENIED);
}

static void test_token__no_secret(void **state)
{
    (void)state;
    char tok[FERRY_TOKEN_MAX];
    ferry_err err = FERRY_ERR_INIT;
    assert_int_equal(ferry_token_make(NULL, ID, 2000, tok, sizeof tok, &err), FERRY_ERR_CONFIG);
    assert_int_equal(ferry_token_make("", ID, 2000, tok, sizeof tok, &err), FERRY_ERR_CONFIG);
    assert_int_equal(ferry_token_make(SECRET, ID, 2000, tok, sizeof tok, &err), 0);
    assert_int_equal(ferry_token_check("", ID, tok, 10, NULL, &err), FERRY_ERR_DENIED);
    assert_int_equal(ferry_token_make(SECRET, ID, 2000, tok, 10, &err), FERRY_ERR_LIMIT);
}

static void test_token__download_url(void **state)
{
    (void)state;
    char *url = NULL;
    ferry_err err = FERRY_ERR_INIT;
    assert_int_equal(
        ferry_download_url("https://x.example/files//", SECRET, ID, 1700000000, &url, &err), 0);
    assert_string_equal(url, "https://x.example/files/download/0123456789abcdef0123456789abcdef"
                             "?token=v1.1700000000.ngyvlGQq-DNV-Ezb1HjUy-keIc_ALh-WCxHtIK11q50");
    free(url);
    assert_int_equal(ferry_download_url("http://h", SECRET, "a/b c", 5, &url, &err), 0);
    assert_non_null(strstr(url, "/download/a%2Fb%20c?token=v1.5."));
    free(url);
    assert_int_equal(ferry_download_url("http://h", NULL, ID, 5, &url, &err), FERRY_ERR_CONFIG);
    assert_null(url);
}

static void test_token__expiry_never_outlives_the_request(void **state)
{
    (void)state;
    assert_int_equal(ferry_token_expiry(1000, 600, 0), 1600);
    assert_int_equal(ferry_token_expiry(1000, 600, 1200), 1200);
    assert_int_equal(ferry_token_expiry(1000, 600, 5000), 1600);
    assert_int_equal(ferry_token_expiry(1000, -5, 0), 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token__known_answer),
        cmocka_unit_test(test_token__round_trip_and_expiry),
        cmocka_unit_test(test_token__tampering_is_denied),
        cmocka_unit_test(test_token__no_secret),
        cmocka_unit_test(test_token__download_url),
        cmocka_unit_test(test_token__expiry_never_outlives_the_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
