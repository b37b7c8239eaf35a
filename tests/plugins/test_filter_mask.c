/* test_filter_mask.c — filter-mask: HMAC-SHA-256 checked against OpenSSL
 * computed here, redaction, nulls, hash_length, and bad options. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "plugtest.h"

static const char *const specs[] = {"user:string", "project:string", "duration:duration",
                                    "note:string"};
static const char *const cells[] = {
    "zoë@example.com", "Acme", "5400", "secret plan", NULL, "Acme", "60", NULL};
#define KEY "0123456789abcdef-key"

static void hmac_hex(const char *msg, char *hex)
{
    unsigned char md[32];
    unsigned len = 0;
    HMAC(EVP_sha256(), KEY, (int)strlen(KEY), (const unsigned char *)msg, strlen(msg), md, &len);
    for (unsigned i = 0; i < len; i++)
        sprintf(hex + 2 * i, "%02x", md[i]);
}

static void test_mask__hash_and_redact(void **st)
{
    (void)st;
    pt t;
    pt_load(&t, "filter-mask");
    if (pt_instance(&t,
                    "hash = [\"user\", \"duration\"];\nredact = [\"note\"];\nkey = \"" KEY "\";")) {
        fprintf(stderr, "%s\n", t.err.msg);
        fail();
    }
    ferry_schema *s = pt_schema(specs, 4);
    ferry_column *cols = (ferry_column *)s->columns;
    cols[0].flags = cols[1].flags = cols[3].flags = FERRY_COLUMN_JSON; /* a JSON document */
    ferry_batch *b = pt_batch(s, 2, cells), *o = NULL;
    const ferry_schema *os;
    assert_int_equal(pt_filter(&t, s, b, &os, &o), 0);
    assert_int_equal(os->columns[0].type, FERRY_TYPE_STRING);
    assert_int_equal(os->columns[2].type, FERRY_TYPE_STRING); /* a hashed duration is text */
    /* a hash or the redact text is no JSON document: format-json must not
     * nest a hash of digits as a number */
    assert_int_equal(os->columns[0].flags & FERRY_COLUMN_JSON, 0);
    assert_int_equal(os->columns[3].flags & FERRY_COLUMN_JSON, 0);
    assert_int_equal(os->columns[1].flags, FERRY_COLUMN_JSON); /* a kept column keeps its flags */
    char want[65];
    hmac_hex("zoë@example.com", want);
    assert_string_equal(pt_text(o, 0, 0), want);
    hmac_hex("1:30:00", want); /* a duration's canonical text */
    assert_string_equal(pt_text(o, 0, 2), want);
    assert_string_equal(pt_text(o, 0, 1), "Acme");
    assert_string_equal(pt_text(o, 0, 3), "REDACTED");
    assert_string_equal(pt_text(o, 1, 0), "NULL"); /* nulls stay null */
    assert_string_equal(pt_text(o, 1, 3), "NULL");
    ferry_batch_free(o);
    ferry_batch_free(b);
    pt_schema_free(s);
    pt_done(&t);
}

static void test_mask__redact_null_and_length(void **st)
{
    (void)st;
    pt t;
    pt_load(&t, "filter-mask");
    assert_int_equal(pt_instance(&t, "hash = \"project\";\nredact = [\"user\"];\nredact_null = "
                                     "true;\nhash_length = 12;\nkey = \"" KEY "\";"),
                     0);
    ferry_schema *s = pt_schema(specs, 4);
    ferry_batch *b = pt_batch(s, 2, cells), *o = NULL;
    const ferry_schema *os;
    assert_int_equal(pt_filter(&t, s, b, &os, &o), 0);
    char want[65];
    hmac_hex("Acme", want);
    want[12] = '\0';
    assert_string_equal(pt_text(o, 0, 1), want);
    assert_string_equal(pt_text(o, 1, 1), want); /* equal values, equal hashes */
    assert_string_equal(pt_text(o, 0, 0), "NULL");
    ferry_batch_free(o);
    ferry_batch_free(b);
    pt_schema_free(s);
    pt_done(&t);
}

static void expect_error(const char *settings, int at_open, const char *want)
{
    pt_expect_filter_error("filter-mask", specs, 4, settings, at_open, want);
}

static void test_mask__errors(void **st)
{
    (void)st;
    expect_error("hash = [\"user\"];", 0, "option key: hashing needs a key of at least 16");
    expect_error("hash = [\"user\"];\nkey = \"short\";", 0, "at least 16 characters");
    expect_error("redact_text = \"x\";", 0, "give option redact or hash");
    expect_error("redact = [\"user\"];\nhash = [\"user\"];\nkey = \"" KEY "\";", 0,
                 "column \"user\" is in both redact and hash");
    expect_error("redact = [\"nosuch\"];", 1, "option redact: no column \"nosuch\"");
    expect_error("redact = [\"user\"];\n\nhash_length = \"long\";", 0,
                 ":4: plugin filter-mask: option \"hash_length\" must be a int");
    expect_error("redact = [\"user\"];\nhash_length = 99;", 0, "hash_length: 99 is not between");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mask__hash_and_redact),
        cmocka_unit_test(test_mask__redact_null_and_length),
        cmocka_unit_test(test_mask__errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
