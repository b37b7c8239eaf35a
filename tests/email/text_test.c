/*
 * text_test.c — sink-email's encoders (plugins/sink-email/text.c) on edge
 * cases: quoted-printable lines stay under 76 characters and round-trip,
 * RFC 2047 encoded words stay within 75 characters and never split a UTF-8
 * character, RFC 2231 and ASCII fallbacks, the clean-text check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "address.h"
#include "text.h"

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decodes quoted-printable with CRLF line ends back to '\n' text. */
static char *qp_decode(const char *s)
{
    char *out = malloc(strlen(s) + 1), *o = out;
    while (*s) {
        if (s[0] == '=' && s[1] == '\r' && s[2] == '\n') {
            s += 3;
        } else if (s[0] == '=') {
            *o++ = (char)(hexval(s[1]) * 16 + hexval(s[2]));
            s += 3;
        } else if (s[0] == '\r' && s[1] == '\n') {
            *o++ = '\n';
            s += 2;
        } else {
            *o++ = *s++;
        }
    }
    *o = '\0';
    return out;
}

static void check_qp(const char *text)
{
    em_buf b = {0};
    assert_int_equal(em_qp(&b, text, strlen(text)), 0);
    const char *line = b.data ? b.data : "";
    for (const char *p = line;; p++) {
        if (*p == '\r' || *p == '\0') {
            assert_true(p - line <= 76);
            if (p > line)
                assert_true(p[-1] != ' ' && p[-1] != '\t'); /* no trailing blanks */
            if (!*p)
                break;
            line = p + 2;
        }
    }
    char *back = qp_decode(b.data ? b.data : "");
    assert_string_equal(back, text);
    free(back);
    em_buf_free(&b);
}

static void test_qp(void **state)
{
    (void)state;
    char long_eq[400], long_utf8[600];
    memset(long_eq, '=', sizeof long_eq - 1);
    long_eq[sizeof long_eq - 1] = '\0';
    long_utf8[0] = '\0';
    for (int i = 0; i < 80; i++)
        strcat(long_utf8, "東京");
    check_qp("plain line\nsecond line\n");
    check_qp("trailing space \nand tab\t\n");
    check_qp(long_eq);
    check_qp(long_utf8);
    check_qp("Zoë 東京 Ольга = 100%\n.leading dot\n\nempty above");
    char x75[200];
    memset(x75, 'x', 150);
    x75[150] = '\0';
    check_qp(x75);
}

static void test_encoded_words(void **state)
{
    (void)state;
    const char *subjects[] = {
        "Zeiterfassung März — 東京 Ольга, a long title that needs words",
        "東京東京東京東京東京東京東京東京東京東京東京東京東京東京東京東京東京",
        "😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀", "ä"};
    for (size_t k = 0; k < sizeof subjects / sizeof subjects[0]; k++) {
        em_buf b = {0};
        assert_int_equal(em_header_text(&b, subjects[k], 9), 0);
        /* Every word "=?UTF-8?B?…?=" at most 75 characters, separated by CRLF SP. */
        size_t total = 0;
        for (char *w = b.data; w;) {
            char *next = strstr(w, "\r\n ");
            size_t len = next ? (size_t)(next - w) : strlen(w);
            assert_true(len <= 75);
            assert_memory_equal(w, "=?UTF-8?B?", 10);
            assert_memory_equal(w + len - 2, "?=", 2);
            size_t b64 = len - 12;
            assert_int_equal(b64 % 4, 0);
            total += b64;
            w = next ? next + 3 : NULL;
        }
        assert_true(total > 0);
        em_buf_free(&b);
    }
    em_buf a = {0};
    assert_int_equal(em_header_text(&a, "Plain ASCII subject", 9), 0);
    assert_string_equal(a.data, "Plain ASCII subject");
    em_buf_free(&a);
}

static void test_rfc2231_and_fallback(void **state)
{
    (void)state;
    em_buf b = {0};
    assert_int_equal(em_rfc2231(&b, "Zoë 東京.csv"), 0);
    assert_string_equal(b.data, "UTF-8''Zo%C3%AB%20%E6%9D%B1%E4%BA%AC.csv");
    em_buf_free(&b);
    assert_int_equal(em_ascii_fallback(&b, "a\"b\\c\td 東.csv"), 0);
    assert_string_equal(b.data, "a_b_c_d _.csv");
    em_buf_free(&b);
}

static void test_clean_and_addresses(void **state)
{
    (void)state;
    assert_true(em_text_clean("Zoë 東京", strlen("Zoë 東京")));
    assert_false(em_text_clean("a\r\nb", 4));
    assert_false(em_text_clean("a\x7f", 2));
    assert_false(em_text_clean("\xc2\x85", 2));     /* C1 NEL */
    assert_false(em_text_clean("\xe2\x80\xa8", 3)); /* LINE SEPARATOR */
    assert_false(em_text_clean("\xc3", 1));         /* truncated */
    assert_false(em_text_clean("\xc0\xaf", 2));     /* overlong */
    char why[512];
    assert_int_equal(em_address_check("a.b+c@ex-ample.co.uk", why, sizeof why), 0);
    const char *bad[] = {"",          "a",       "a@b",     "a@@b.c", "a b@c.d", "<a@b.c>",
                         "a@b.c\r\n", "a@-b.c",  "a@b-.c",  "a@b..c", ".a@b.c",  "a..b@c.d",
                         "ä@b.c",     "a@b_c.d", "a,b@c.d", "a@b.c\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(em_address_check(bad[i], why, sizeof why), -1);
    em_from f;
    assert_int_equal(em_from_parse("\"Reports\" <r@example.com>", &f, why, sizeof why), 0);
    assert_string_equal(f.name, "Reports");
    assert_string_equal(f.addr, "r@example.com");
    em_from_free(&f);
    assert_int_equal(em_from_parse("Reports <r@example.com>\r\nBcc: x@y.z", &f, why, sizeof why),
                     -1);
    assert_non_null(strstr(why, "\\r\\n"));
}

static void test_mailboxes(void **state)
{
    (void)state;
    static const char *const good[][3] = {
        {"\"Zo\xc3\xab \xc3\x9cnicode\" <zoe@example.com>", "Zo\xc3\xab \xc3\x9cnicode",
         "zoe@example.com"},
        {"Name <a@b.example>", "Name", "a@b.example"},
        {"  bare@example.com ", "", "bare@example.com"},
        {"\"Doe, \\\"J\\\"\" <j@example.com>", "Doe, \"J\"", "j@example.com"},
        {"<only@example.com>", "", "only@example.com"},
    };
    char why[512], *name, *addr;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(em_mailbox_parse(good[i][0], &name, &addr, why, sizeof why), 0);
        assert_string_equal(name, good[i][1]);
        assert_string_equal(addr, good[i][2]);
        free(name);
        free(addr);
    }
    static const char *const bad[] = {
        "Evil, Name <a@example.com>",
        "\"open <a@example.com>",
        "N <a@example.com>\r\nBcc: x@y.z",
        "N\r\nBcc: x@y.z <a@example.com>",
        "N <a b@example.com>",
        "N <a@example.com",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(em_mailbox_parse(bad[i], &name, &addr, why, sizeof why), -1);
        assert_null(name);
        assert_null(addr);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qp),
        cmocka_unit_test(test_encoded_words),
        cmocka_unit_test(test_rfc2231_and_fallback),
        cmocka_unit_test(test_clean_and_addresses),
        cmocka_unit_test(test_mailboxes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
