/* token.c — HMAC-SHA-256 download tokens (token.h). */
#include "token.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define MAC_LEN     32
#define MAC_B64_LEN 43 /* base64url of 32 bytes, no padding */

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* base64url without padding; `out` has room for 4 * ceil(n / 3) + 1. */
static void b64url_encode(const unsigned char *in, size_t n, char *out)
{
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = b64url[v >> 18 & 63];
        out[o++] = b64url[v >> 12 & 63];
        out[o++] = b64url[v >> 6 & 63];
        out[o++] = b64url[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = b64url[v >> 18 & 63];
        out[o++] = b64url[v >> 12 & 63];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = b64url[v >> 18 & 63];
        out[o++] = b64url[v >> 12 & 63];
        out[o++] = b64url[v >> 6 & 63];
    }
    out[o] = '\0';
}

/* The MAC of "v1|<id>|<expires>", base64url, into out[MAC_B64_LEN + 1]. */
static int mac_b64(const char *secret, const char *request_id, int64_t expires, char *out)
{
    char msg[512];
    int n = snprintf(msg, sizeof msg, "v1|%s|%" PRId64, request_id, expires);
    if (n < 0 || (size_t)n >= sizeof msg)
        return -1;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)msg, (size_t)n, mac,
              &maclen) ||
        maclen != MAC_LEN)
        return -1;
    b64url_encode(mac, maclen, out);
    OPENSSL_cleanse(mac, sizeof mac);
    return 0;
}

int ferry_token_make(const char *secret, const char *request_id, int64_t expires_unix, char *out,
                     size_t len, ferry_err *err)
{
    if (!secret || !*secret)
        return ferry_err_set(err, FERRY_ERR_CONFIG,
                             "no download secret (download.secret in ferry.conf or FERRY_SECRET)");
    if (!request_id || !*request_id || strlen(request_id) > 128)
        return ferry_err_set(err, FERRY_ERR_DATA, "bad request id for a download token");
    if (expires_unix < 0)
        return ferry_err_set(err, FERRY_ERR_DATA, "negative token expiry");
    char mac[MAC_B64_LEN + 1];
    if (mac_b64(secret, request_id, expires_unix, mac))
        return ferry_err_set(err, FERRY_ERR, "HMAC-SHA-256 failed");
    int n = snprintf(out, len, "v1.%" PRId64 ".%s", expires_unix, mac);
    if (n < 0 || (size_t)n >= len)
        return ferry_err_set(err, FERRY_ERR_LIMIT, "token buffer too small");
    return 0;
}

int ferry_token_check(const char *secret, const char *request_id, const char *token, int64_t now,
                      int64_t *expires_out, ferry_err *err)
{
    if (!secret || !*secret)
        return ferry_err_set(err, FERRY_ERR_DENIED, "no download secret configured");
    if (!token || !request_id || !*request_id || strlen(request_id) > 128 ||
        strncmp(token, "v1.", 3) != 0)
        return ferry_err_set(err, FERRY_ERR_DENIED, "malformed token");
    /* Expiry: 1 to 19 decimal digits, no sign, no leading zero. */
    const char *p = token + 3;
    int64_t expires = 0;
    size_t digits = 0;
    while (p[digits] >= '0' && p[digits] <= '9') {
        int d = p[digits] - '0';
        /* every expiry ferry_token_make writes (0 … INT64_MAX) reads back */
        if (digits >= 19 || expires > (INT64_MAX - d) / 10)
            return ferry_err_set(err, FERRY_ERR_DENIED, "malformed token");
        expires = expires * 10 + d;
        digits++;
    }
    if (digits == 0 || p[digits] != '.' || (p[0] == '0' && digits > 1))
        return ferry_err_set(err, FERRY_ERR_DENIED, "malformed token");
    const char *given = p + digits + 1;
    if (strlen(given) != MAC_B64_LEN)
        return ferry_err_set(err, FERRY_ERR_DENIED, "malformed token");
    char want[MAC_B64_LEN + 1];
    if (mac_b64(secret, request_id, expires, want))
        return ferry_err_set(err, FERRY_ERR, "HMAC-SHA-256 failed");
    int differ = CRYPTO_memcmp(want, given, MAC_B64_LEN);
    OPENSSL_cleanse(want, sizeof want);
    if (differ)
        return ferry_err_set(err, FERRY_ERR_DENIED, "forged or tampered token");
    if (expires_out)
        *expires_out = expires;
    if (now >= expires)
        return ferry_err_set(err, FERRY_ERR_TOKEN_EXPIRED, "token expired");
    return 0;
}

int64_t ferry_token_expiry(int64_t now, int64_t ttl_seconds, int64_t expires_at)
{
    int64_t ttl = ttl_seconds > 0 ? ttl_seconds : 0;
    /* saturate: a huge download.token_ttl_seconds must not overflow */
    int64_t e = now > 0 && ttl > INT64_MAX - now ? INT64_MAX : now + ttl;
    if (expires_at > 0 && expires_at < e)
        e = expires_at;
    return e;
}

int ferry_download_url(const char *base_url, const char *secret, const char *request_id,
                       int64_t expires_unix, char **out, ferry_err *err)
{
    *out = NULL;
    if (!base_url || !*base_url)
        return ferry_err_set(err, FERRY_ERR_CONFIG, "no download base URL (store.base_url)");
    char token[FERRY_TOKEN_MAX];
    int rc = ferry_token_make(secret, request_id, expires_unix, token, sizeof token, err);
    if (rc)
        return rc;
    size_t blen = strlen(base_url);
    while (blen > 0 && base_url[blen - 1] == '/')
        blen--;
    /* The id percent-encoded: unreserved characters pass, the rest %XX. */
    char id[3 * 128 + 1];
    size_t o = 0;
    for (const unsigned char *s = (const unsigned char *)request_id; *s; s++) {
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
            *s == '-' || *s == '.' || *s == '_' || *s == '~') {
            id[o++] = (char)*s;
        } else {
            o += (size_t)snprintf(id + o, sizeof id - o, "%%%02X", *s);
        }
    }
    id[o] = '\0';
    size_t n = blen + strlen("/download/") + o + strlen("?token=") + strlen(token) + 1;
    char *url = malloc(n);
    if (!url)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    snprintf(url, n, "%.*s/download/%s?token=%s", (int)blen, base_url, id, token);
    *out = url;
    return 0;
}
