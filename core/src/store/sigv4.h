/*
 * sigv4.h — AWS Signature Version 4 for S3-compatible object stores: the
 * Authorization header of a request and presigned (query-string) URLs.
 *
 * Written by hand over OpenSSL's HMAC/SHA-256 (docs/architecture.md,
 * "Object store"): libcurl's CURLOPT_AWS_SIGV4 signs requests it sends but
 * cannot presign a URL for someone else to send, and one signer for both
 * keeps them consistent. Checked against the worked examples of AWS's
 * documentation (tests/store/test_sigv4.c).
 */
#ifndef FERRY_CORE_SIGV4_H
#define FERRY_CORE_SIGV4_H

#include <stddef.h>
#include <stdint.h>

/* Credentials and scope; all borrowed. session_token may be NULL. */
typedef struct ferry_sigv4_creds {
    const char *access_key;
    const char *secret_key;
    const char *session_token;
    const char *region;  /* "us-east-1" */
    const char *service; /* "s3" */
} ferry_sigv4_creds;

/* A header or query parameter: name and value, borrowed. */
typedef struct ferry_sigv4_kv {
    const char *name;
    const char *value;
} ferry_sigv4_kv;

/* Percent-encodes `in` as SigV4 wants (unreserved A-Za-z0-9-._~ kept, '/'
 * kept when keep_slash) into `out` (`len` bytes). Returns 0 or -1 when it
 * does not fit. */
int ferry_sigv4_encode(const char *in, int keep_slash, char *out, size_t len);

/* Lower-case hex SHA-256 of `len` bytes at `data` into hex (65 bytes). */
void ferry_sigv4_sha256_hex(const void *data, size_t len, char hex[65]);

/* "YYYYMMDDTHHMMSSZ" for the Unix time `t`, into out (17 bytes). */
void ferry_sigv4_amz_date(int64_t t, char out[17]);

/*
 * The canonical request of `method` on `uri` (already encoded path),
 * `query` (already canonical: encoded and sorted, may be ""), the headers
 * `h` (names any case; lower-cased, trimmed and sorted here) and the
 * payload's hex SHA-256 (or "UNSIGNED-PAYLOAD"). Malloc'd into *out, the
 * signed-headers list into `signed_hdrs` (`slen` bytes). Returns 0 or -1.
 */
int ferry_sigv4_canonical(const char *method, const char *uri, const char *query,
                          const ferry_sigv4_kv *h, size_t nh, const char *payload_hash, char **out,
                          char *signed_hdrs, size_t slen);

/*
 * Signs a request: the value of its Authorization header into `auth`
 * (`len` bytes), for `amz_date` (which the request's x-amz-date header
 * must carry; `h` must include host and x-amz-date). Returns 0 or -1.
 */
int ferry_sigv4_authorization(const ferry_sigv4_creds *c, const char *method, const char *uri,
                              const char *query, const ferry_sigv4_kv *h, size_t nh,
                              const char *payload_hash, const char *amz_date, char *auth,
                              size_t len);

/*
 * A presigned GET URL: `base` ("https://host" or "http://host:port", no
 * trailing '/') + `uri` (encoded path) + the X-Amz-* parameters and the
 * extra parameters `q` (raw values, encoded here), signed over the host
 * header `host`, valid `expires` seconds from `amz_date`. *url malloc'd,
 * the caller's. Returns 0 or -1.
 */
int ferry_sigv4_presign(const ferry_sigv4_creds *c, const char *base, const char *host,
                        const char *uri, const ferry_sigv4_kv *q, size_t nq, const char *amz_date,
                        int64_t expires, char **url);

#endif
