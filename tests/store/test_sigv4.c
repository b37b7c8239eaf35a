/* test_sigv4.c — ferry's SigV4 signer against the worked examples of AWS's
 * "Signature Version 4" documentation for S3: "GET Object" (header
 * authorization) and the presigned URL example (query authorization). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sigv4.h"

static const ferry_sigv4_creds aws = {
    "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", NULL, "us-east-1", "s3"};
static const char empty_sha[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

static void get_object_example(void **state)
{
    (void)state;
    ferry_sigv4_kv h[] = {{"Range", "bytes=0-9"},
                          {"Host", "examplebucket.s3.amazonaws.com"},
                          {"x-amz-date", "20130524T000000Z"},
                          {"x-amz-content-sha256", empty_sha}};
    char *canon = NULL, signed_hdrs[128];
    assert_int_equal(ferry_sigv4_canonical("GET", "/test.txt", "", h, 4, empty_sha, &canon,
                                           signed_hdrs, sizeof signed_hdrs),
                     0);
    assert_string_equal(canon, "GET\n/test.txt\n\n"
                               "host:examplebucket.s3.amazonaws.com\n"
                               "range:bytes=0-9\n"
                               "x-amz-content-sha256:"
                               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
                               "x-amz-date:20130524T000000Z\n\n"
                               "host;range;x-amz-content-sha256;x-amz-date\n"
                               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    free(canon);
    char auth[512];
    assert_int_equal(ferry_sigv4_authorization(&aws, "GET", "/test.txt", "", h, 4, empty_sha,
                                               "20130524T000000Z", auth, sizeof auth),
                     0);
    assert_string_equal(
        auth, "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
              "aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
              "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

static void presigned_url_example(void **state)
{
    (void)state;
    char *url = NULL;
    assert_int_equal(ferry_sigv4_presign(&aws, "https://examplebucket.s3.amazonaws.com",
                                         "examplebucket.s3.amazonaws.com", "/test.txt", NULL, 0,
                                         "20130524T000000Z", 86400, &url),
                     0);
    assert_string_equal(
        url, "https://examplebucket.s3.amazonaws.com/test.txt"
             "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
             "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
             "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
             "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
    free(url);
}

/* Overrides sort after the X-Amz-* parameters and are encoded; the token,
 * when there is one, is signed too (so the signature differs). */
static void presign_overrides_and_token(void **state)
{
    (void)state;
    ferry_sigv4_kv q[] = {{"response-content-type", "text/csv"},
                          {"response-content-disposition", "attachment; filename=\"a b.csv\""}};
    char *url = NULL;
    assert_int_equal(ferry_sigv4_presign(&aws, "http://127.0.0.1:9", "127.0.0.1:9", "/b/k.csv", q,
                                         2, "20130524T000000Z", 60, &url),
                     0);
    assert_non_null(strstr(url, "&X-Amz-SignedHeaders=host&response-content-disposition="
                                "attachment%3B%20filename%3D%22a%20b.csv%22"
                                "&response-content-type=text%2Fcsv&X-Amz-Signature="));
    ferry_sigv4_creds t = aws;
    t.session_token = "tok/en";
    char *url2 = NULL;
    assert_int_equal(ferry_sigv4_presign(&t, "http://127.0.0.1:9", "127.0.0.1:9", "/b/k.csv", q, 2,
                                         "20130524T000000Z", 60, &url2),
                     0);
    assert_non_null(strstr(url2, "&X-Amz-Security-Token=tok%2Fen&X-Amz-SignedHeaders=host"));
    assert_string_not_equal(strstr(url, "X-Amz-Signature="), strstr(url2, "X-Amz-Signature="));
    free(url);
    free(url2);
}

static void encoding(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(ferry_sigv4_encode("a b/ü~", 1, out, sizeof out), 0);
    assert_string_equal(out, "a%20b/%C3%BC~");
    assert_int_equal(ferry_sigv4_encode("a/b", 0, out, sizeof out), 0);
    assert_string_equal(out, "a%2Fb");
    assert_int_equal(ferry_sigv4_encode("abcdef", 0, out, 4), -1);
    char d[17];
    ferry_sigv4_amz_date(1369353600, d);
    assert_string_equal(d, "20130524T000000Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(get_object_example),
        cmocka_unit_test(presigned_url_example),
        cmocka_unit_test(presign_overrides_and_token),
        cmocka_unit_test(encoding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
