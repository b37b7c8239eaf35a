/* sigv4.c — AWS Signature Version 4 signing and presigning (sigv4.h). */
#include "sigv4.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "buf.h"

static int put(ferry_buf *b, const char *s)
{
    return ferry_buf_append(b, s, strlen(s));
}

static void hex(const unsigned char *d, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = '\0';
}

void ferry_sigv4_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
    hex(md, 32, out);
}

void ferry_sigv4_amz_date(int64_t t, char out[17])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

int ferry_sigv4_encode(const char *in, int keep_slash, char *out, size_t len)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        int keep = isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~' ||
                   (keep_slash && *p == '/');
        if (o + (keep ? 1 : 3) >= len)
            return -1;
        if (keep)
            out[o++] = (char)*p;
        else
            o += (size_t)snprintf(out + o, len - o, "%%%02X", *p);
    }
    out[o] = '\0';
    return 0;
}

/* Sorts a copy of the headers by lower-cased name. */
typedef struct hdr {
    char name[64];
    const char *value;
} hdr;

static int hdr_cmp(const void *a, const void *b)
{
    return strcmp(((const hdr *)a)->name, ((const hdr *)b)->name);
}

/* Appends `v` with leading/trailing spaces trimmed and inner runs squeezed. */
static int put_trimmed(ferry_buf *b, const char *v)
{
    while (*v == ' ')
        v++;
    int rc = 0, space = 0;
    for (; *v && !rc; v++) {
        if (*v == ' ') {
            space = 1;
            continue;
        }
        if (space)
            rc = ferry_buf_append(b, " ", 1);
        space = 0;
        if (!rc)
            rc = ferry_buf_append(b, v, 1);
    }
    return rc;
}

int ferry_sigv4_canonical(const char *method, const char *uri, const char *query,
                          const ferry_sigv4_kv *h, size_t nh, const char *payload_hash, char **out,
                          char *signed_hdrs, size_t slen)
{
    hdr *s = calloc(nh ? nh : 1, sizeof *s);
    if (!s)
        return -1;
    for (size_t i = 0; i < nh; i++) {
        size_t n = strlen(h[i].name);
        for (size_t k = 0; k < n && k < sizeof s[i].name - 1; k++)
            s[i].name[k] = (char)tolower((unsigned char)h[i].name[k]);
        s[i].value = h[i].value;
    }
    qsort(s, nh, sizeof *s, hdr_cmp);
    ferry_buf b = {0};
    int rc = put(&b, method) || put(&b, "\n") || put(&b, uri) || put(&b, "\n") ||
             put(&b, query ? query : "") || put(&b, "\n");
    size_t so = 0;
    signed_hdrs[0] = '\0';
    for (size_t i = 0; i < nh && !rc; i++) {
        rc = put(&b, s[i].name) || put(&b, ":") || put_trimmed(&b, s[i].value) || put(&b, "\n");
        int w = snprintf(signed_hdrs + so, slen - so, "%s%s", i ? ";" : "", s[i].name);
        if (w < 0 || (size_t)w >= slen - so)
            rc = -1;
        else
            so += (size_t)w;
    }
    free(s);
    if (!rc)
        rc = put(&b, "\n") || put(&b, signed_hdrs) || put(&b, "\n") || put(&b, payload_hash);
    if (rc) {
        ferry_buf_free(&b);
        return -1;
    }
    *out = (char *)b.data;
    return 0;
}

static void hmac(const void *key, size_t klen, const char *msg, unsigned char out[32])
{
    unsigned int n = 32;
    HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg), out, &n);
}

/* The hex signature of `canonical` for the date's day, into sig (65). */
static int signature(const ferry_sigv4_creds *c, const char *amz_date, const char *canonical,
                     char *scope, size_t scope_len, char sig[65])
{
    char day[9], key[256], hash[65];
    memcpy(day, amz_date, 8);
    day[8] = '\0';
    snprintf(scope, scope_len, "%s/%s/%s/aws4_request", day, c->region, c->service);
    if (snprintf(key, sizeof key, "AWS4%s", c->secret_key) >= (int)sizeof key)
        return -1;
    unsigned char k[32];
    hmac(key, strlen(key), day, k);
    hmac(k, 32, c->region, k);
    hmac(k, 32, c->service, k);
    hmac(k, 32, "aws4_request", k);
    ferry_sigv4_sha256_hex(canonical, strlen(canonical), hash);
    char sts[512];
    snprintf(sts, sizeof sts, "AWS4-HMAC-SHA256\n%s\n%s\n%s", amz_date, scope, hash);
    unsigned char mac[32];
    hmac(k, 32, sts, mac);
    hex(mac, 32, sig);
    return 0;
}

int ferry_sigv4_authorization(const ferry_sigv4_creds *c, const char *method, const char *uri,
                              const char *query, const ferry_sigv4_kv *h, size_t nh,
                              const char *payload_hash, const char *amz_date, char *auth,
                              size_t len)
{
    char *canon = NULL, signed_hdrs[512], scope[256], sig[65];
    if (ferry_sigv4_canonical(method, uri, query, h, nh, payload_hash, &canon, signed_hdrs,
                              sizeof signed_hdrs))
        return -1;
    int rc = signature(c, amz_date, canon, scope, sizeof scope, sig);
    free(canon);
    if (rc)
        return -1;
    int w = snprintf(auth, len, "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s",
                     c->access_key, scope, signed_hdrs, sig);
    return w < 0 || (size_t)w >= len ? -1 : 0;
}

/* A query parameter with its name and value encoded. */
typedef struct qp {
    char name[64];
    char value[1024];
} qp;

static int qp_cmp(const void *a, const void *b)
{
    return strcmp(((const qp *)a)->name, ((const qp *)b)->name);
}

/* The canonical query of the presign parameters plus `q`, sorted. */
static int presign_query(const ferry_sigv4_creds *c, const char *amz_date, int64_t expires,
                         const ferry_sigv4_kv *q, size_t nq, ferry_buf *out)
{
    char cred[512], exp[24], day[9];
    memcpy(day, amz_date, 8);
    day[8] = '\0';
    snprintf(cred, sizeof cred, "%s/%s/%s/%s/aws4_request", c->access_key, day, c->region,
             c->service);
    snprintf(exp, sizeof exp, "%lld", (long long)expires);
    ferry_sigv4_kv fixed[] = {{"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
                              {"X-Amz-Credential", cred},
                              {"X-Amz-Date", amz_date},
                              {"X-Amz-Expires", exp},
                              {"X-Amz-SignedHeaders", "host"},
                              {"X-Amz-Security-Token", c->session_token}};
    size_t nf = c->session_token && *c->session_token ? 6 : 5, n = 0;
    qp *p = calloc(nf + nq, sizeof *p);
    if (!p)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < nf + nq && !rc; i++, n++) {
        const ferry_sigv4_kv *kv = i < nf ? &fixed[i] : &q[i - nf];
        rc = ferry_sigv4_encode(kv->name, 0, p[n].name, sizeof p[n].name) ||
             ferry_sigv4_encode(kv->value, 0, p[n].value, sizeof p[n].value);
    }
    qsort(p, n, sizeof *p, qp_cmp);
    for (size_t i = 0; i < n && !rc; i++)
        rc = put(out, i ? "&" : "") || put(out, p[i].name) || put(out, "=") || put(out, p[i].value);
    free(p);
    return rc ? -1 : 0;
}

int ferry_sigv4_presign(const ferry_sigv4_creds *c, const char *base, const char *host,
                        const char *uri, const ferry_sigv4_kv *q, size_t nq, const char *amz_date,
                        int64_t expires, char **url)
{
    ferry_buf query = {0}, u = {0};
    char *canon = NULL, signed_hdrs[16], scope[256], sig[65];
    ferry_sigv4_kv h[] = {{"host", host}};
    int rc = presign_query(c, amz_date, expires, q, nq, &query);
    if (!rc)
        rc = ferry_sigv4_canonical("GET", uri, (const char *)query.data, h, 1, "UNSIGNED-PAYLOAD",
                                   &canon, signed_hdrs, sizeof signed_hdrs);
    if (!rc)
        rc = signature(c, amz_date, canon, scope, sizeof scope, sig);
    if (!rc)
        rc = put(&u, base) || put(&u, uri) || put(&u, "?") || put(&u, (const char *)query.data) ||
             put(&u, "&X-Amz-Signature=") || put(&u, sig);
    free(canon);
    ferry_buf_free(&query);
    if (rc) {
        ferry_buf_free(&u);
        return -1;
    }
    *url = (char *)u.data;
    return 0;
}
