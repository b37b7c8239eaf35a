/*
 * token.h — signed, expiring download tokens and the download URLs that
 * carry them.
 *
 * A token is "v1.<expires>.<mac>": <expires> the expiry in Unix seconds
 * (decimal), <mac> the base64url (no padding) HMAC-SHA-256, keyed with the
 * site's download secret, of the message "v1|<request id>|<expires>". It is
 * bound to one request and one expiry; changing either breaks the MAC. MACs
 * are compared in constant time (CRYPTO_memcmp). Tokens hold only
 * [0-9A-Za-z._-], so they need no escaping in a URL.
 */
#ifndef FERRY_CORE_TOKEN_H
#define FERRY_CORE_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* A token's longest length, with its NUL: "v1." + 20 digits + "." + 43. */
#define FERRY_TOKEN_MAX 80

/* ferry_token_check's result for a genuine token whose time has passed
 * (a forged or tampered token is FERRY_ERR_DENIED). */
#define FERRY_ERR_TOKEN_EXPIRED (-30)

/* Writes the token for (request_id, expires_unix) into out (`len` bytes,
 * FERRY_TOKEN_MAX is enough). FERRY_ERR_CONFIG when `secret` is NULL or
 * empty, FERRY_ERR_DATA for a negative expiry or an empty request id,
 * FERRY_ERR_LIMIT when `out` is too small. */
int ferry_token_make(const char *secret, const char *request_id, int64_t expires_unix, char *out,
                     size_t len, ferry_err *err);

/* Checks `token` for `request_id` at time `now` (Unix seconds): 0 when it is
 * genuine and now < its expiry; FERRY_ERR_DENIED when it is malformed,
 * forged or tampered with (or the secret is missing);
 * FERRY_ERR_TOKEN_EXPIRED when it is genuine but expired. The MAC is
 * checked before the expiry, so a token with an edited expiry is
 * "tampered", never "expired". *expires_out (may be NULL) gets the
 * token's expiry when it is genuine. */
int ferry_token_check(const char *secret, const char *request_id, const char *token, int64_t now,
                      int64_t *expires_out, ferry_err *err);

/* The expiry for a new download URL: now + ttl_seconds (the site's
 * download.token_ttl_seconds), but never later than the request's
 * expires_at (Unix seconds; 0 or less when the request has none). */
int64_t ferry_token_expiry(int64_t now, int64_t ttl_seconds, int64_t expires_at);

/* Builds "<base_url>/download/<request_id>?token=<token>" (request_id
 * percent-encoded, base_url's trailing '/' dropped). *out is malloc'd and
 * owned by the caller (free). */
int ferry_download_url(const char *base_url, const char *secret, const char *request_id,
                       int64_t expires_unix, char **out, ferry_err *err);

#endif
