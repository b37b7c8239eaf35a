/* s3.c — the object store's settings, signed requests, deletes, fetches
 * and presigned downloads (s3.h; uploads in s3_upload.c). */
#include "s3.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "s3_http.h"
#include "sigv4.h"

int ferry_s3_is_object(const char *file_path)
{
    return file_path && strncmp(file_path, "s3://", 5) == 0;
}

void ferry_s3_free(ferry_s3 *s3)
{
    if (!s3)
        return;
    free(s3->scheme);
    free(s3->host);
    free(s3->bucket);
    free(s3->prefix);
    free(s3->region);
    free(s3->access_key);
    free(s3->secret_key);
    free(s3->session_token);
    free(s3);
}

/* The setting store.NAME, else the environment variable `env`, else NULL. */
static char *setting(const ferry_site *site, const char *name, const char *env)
{
    char path[64];
    snprintf(path, sizeof path, "store.%s", name);
    const char *v = ferry_site_string(site, path, NULL);
    if ((!v || !*v) && env)
        v = getenv(env);
    return v && *v ? strdup(v) : NULL;
}

/* bucket and prefix from "s3://bucket/prefix", endpoint split. */
static int parse_urls(ferry_s3 *s3, const char *url, const char *endpoint, ferry_err *err)
{
    const char *b = url + 5, *slash = strchr(b, '/');
    size_t bl = slash ? (size_t)(slash - b) : strlen(b);
    if (bl == 0)
        return ferry_err_set(err, FERRY_ERR_CONFIG, "store.url %s: no bucket", url);
    s3->bucket = strndup(b, bl);
    const char *p = slash ? slash + 1 : "";
    size_t pl = strlen(p);
    while (pl > 0 && p[pl - 1] == '/')
        pl--;
    s3->prefix = strndup(p, pl);
    const char *sep = strstr(endpoint, "://");
    if (!sep || !sep[3])
        return ferry_err_set(err, FERRY_ERR_CONFIG, "store.endpoint %s: not a URL", endpoint);
    s3->scheme = strndup(endpoint, (size_t)(sep - endpoint));
    const char *h = sep + 3;
    s3->host = strndup(h, strcspn(h, "/"));
    if (!s3->bucket || !s3->prefix || !s3->scheme || !s3->host)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    return 0;
}

int ferry_s3_open(ferry_s3 **out, const ferry_site *site, ferry_err *err)
{
    *out = NULL;
    const char *url = ferry_site_string(site, "store.url", NULL);
    if (!ferry_s3_is_object(url))
        return 0;
    ferry_s3 *s3 = calloc(1, sizeof *s3);
    if (!s3)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    s3->region = setting(site, "region", "AWS_REGION");
    if (!s3->region)
        s3->region = strdup("us-east-1");
    char dflt[128];
    snprintf(dflt, sizeof dflt, "https://s3.%s.amazonaws.com", s3->region ? s3->region : "");
    int rc = parse_urls(s3, url, ferry_site_string(site, "store.endpoint", dflt), err);
    s3->access_key = setting(site, "access_key_id", "AWS_ACCESS_KEY_ID");
    s3->secret_key = setting(site, "secret_access_key", "AWS_SECRET_ACCESS_KEY");
    s3->session_token = setting(site, "session_token", "AWS_SESSION_TOKEN");
    s3->path_style = ferry_site_bool(site, "store.path_style", 0);
    s3->multipart_threshold = ferry_site_int(site, "store.multipart_threshold", 64 << 20);
    s3->part_size = ferry_site_int(site, "store.part_size", 16 << 20);
    s3->part_retries = (int)ferry_site_int(site, "store.part_retries", 3);
    s3->list_page_size = (int)ferry_site_int(site, "store.list_page_size", 1000);
    if (!rc && (!s3->access_key || !s3->secret_key))
        rc = ferry_err_set(err, FERRY_ERR_CONFIG,
                           "store %s: no credentials (store.access_key_id and "
                           "store.secret_access_key, or AWS_ACCESS_KEY_ID and "
                           "AWS_SECRET_ACCESS_KEY)",
                           url);
    if (!rc && (s3->list_page_size < 1 || s3->list_page_size > 1000))
        rc = ferry_err_set(err, FERRY_ERR_CONFIG, "store.list_page_size must be 1 to 1000");
    if (!rc && s3->part_size < 1)
        rc = ferry_err_set(err, FERRY_ERR_CONFIG, "store.part_size must be positive");
    if (rc) {
        ferry_s3_free(s3);
        return rc;
    }
    *out = s3;
    return 0;
}

/* Whether `key` is beneath the store's prefix ("prefix/…", any key when
 * the prefix is ""). */
static int beneath_prefix(const ferry_s3 *s3, const char *key)
{
    size_t pl = strlen(s3->prefix);
    return pl == 0 || (strncmp(key, s3->prefix, pl) == 0 && key[pl] == '/' && key[pl + 1]);
}

int s3_split(const ferry_s3 *s3, const char *file_path, const char **key, ferry_err *err)
{
    size_t bl = strlen(s3->bucket);
    if (!ferry_s3_is_object(file_path) || strncmp(file_path + 5, s3->bucket, bl) != 0 ||
        file_path[5 + bl] != '/' || !file_path[6 + bl] || !beneath_prefix(s3, file_path + 6 + bl))
        return ferry_err_set(err, FERRY_ERR_DENIED, "%s is not an object of the store s3://%s%s%s",
                             file_path ? file_path : "(null)", s3->bucket, *s3->prefix ? "/" : "",
                             s3->prefix);
    *key = file_path + 6 + bl;
    return 0;
}

/* Base URL, Host header and encoded path of `key`. */
static int locate(const ferry_s3 *s3, const char *key, char *base, size_t blen, char *host,
                  size_t hlen, char *path, size_t plen)
{
    char enc[2048];
    if (ferry_sigv4_encode(key, 1, enc, sizeof enc))
        return -1;
    if (s3->path_style)
        snprintf(host, hlen, "%s", s3->host);
    else
        snprintf(host, hlen, "%s.%s", s3->bucket, s3->host);
    snprintf(base, blen, "%s://%s", s3->scheme, host);
    int w = s3->path_style ? snprintf(path, plen, "/%s/%s", s3->bucket, enc)
                           : snprintf(path, plen, "/%s", enc);
    return w < 0 || (size_t)w >= plen ? -1 : 0;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    s3_req *r = ud;
    if (r->out_fd >= 0 && r->status < 300) {
        for (size_t off = 0; off < size * n;) {
            ssize_t w = write(r->out_fd, p + off, size * n - off);
            if (w <= 0)
                return 0;
            off += (size_t)w;
        }
        return size * n;
    }
    if (r->resp && ferry_buf_append(r->resp, p, size * n))
        return 0;
    return size * n;
}

/* The value of the header line p[0..len) after its 5-byte "name:", trimmed
 * of spaces and the line end, into out (cap bytes); left as it was when it
 * does not fit. */
static void header_value(const char *p, size_t len, char *out, size_t cap)
{
    size_t o = 5;
    while (o < len && p[o] == ' ')
        o++;
    size_t e = len;
    while (e > o && (p[e - 1] == '\r' || p[e - 1] == '\n' || p[e - 1] == ' '))
        e--;
    if (e - o < cap) {
        memcpy(out, p + o, e - o);
        out[e - o] = '\0';
    }
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    s3_req *r = ud;
    size_t len = size * n;
    if (len > 5 && strncasecmp(p, "HTTP/", 5) == 0) {
        const char *sp = memchr(p, ' ', len);
        r->status = sp ? strtol(sp + 1, NULL, 10) : 0;
    } else if (len > 5 && strncasecmp(p, "etag:", 5) == 0) {
        header_value(p, len, r->etag, sizeof r->etag);
    } else if (len > 5 && strncasecmp(p, "date:", 5) == 0) {
        header_value(p, len, r->date, sizeof r->date);
    }
    return len;
}

int s3_xml_text(const char *xml, const char *tag, char *out, size_t len)
{
    char open[64], close[64];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *a = xml ? strstr(xml, open) : NULL;
    const char *b = a ? strstr(a, close) : NULL;
    if (!b)
        return -1;
    a += strlen(open);
    size_t n = (size_t)(b - a);
    if (n >= len)
        n = len - 1;
    memcpy(out, a, n);
    out[n] = '\0';
    static const char *const ent[][2] = {
        {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}};
    char *w = out;
    for (const char *c = out; *c; w++) {
        size_t i = 0;
        while (i < 5 && strncmp(c, ent[i][0], strlen(ent[i][0])) != 0)
            i++;
        *w = i < 5 ? ent[i][1][0] : *c;
        c += i < 5 ? strlen(ent[i][0]) : 1;
        if (*w == '\n' || *w == '\r')
            *w = ' ';
    }
    *w = '\0';
    return 0;
}

/* The one-line error of a non-2xx reply. */
static int reply_error(const ferry_s3 *s3, const s3_req *r, ferry_err *err)
{
    char code[128] = "", msg[512] = "";
    const char *xml = r->resp && r->resp->data ? r->resp->data : "";
    s3_xml_text(xml, "Code", code, sizeof code);
    s3_xml_text(xml, "Message", msg, sizeof msg);
    int kind = r->status == 403 ? FERRY_ERR_DENIED : FERRY_ERR_IO;
    return ferry_err_set(err, kind, "s3 %s %s/%s: HTTP %ld%s%s%s%s", r->method, s3->bucket, r->key,
                         r->status, *code ? " " : "", code, *msg ? ": " : "", msg);
}

/* The headers to sign and send; returns how many, x-amz-date in `date`. */
static size_t headers(const ferry_s3 *s3, const s3_req *r, const char *host, const char *hash,
                      const char *date, ferry_sigv4_kv *h)
{
    size_t n = 0;
    h[n++] = (ferry_sigv4_kv){"host", host};
    h[n++] = (ferry_sigv4_kv){"x-amz-content-sha256", hash};
    h[n++] = (ferry_sigv4_kv){"x-amz-date", date};
    if (s3->session_token)
        h[n++] = (ferry_sigv4_kv){"x-amz-security-token", s3->session_token};
    if (r->content_md5)
        h[n++] = (ferry_sigv4_kv){"content-md5", r->content_md5};
    if (r->content_type)
        h[n++] = (ferry_sigv4_kv){"content-type", r->content_type};
    return n;
}

static int perform(const ferry_s3 *s3, s3_req *r, const char *url, struct curl_slist *hl,
                   ferry_err *err)
{
    CURL *c = curl_easy_init();
    if (!c)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "curl_easy_init failed");
    char cerr[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (strcmp(r->method, "PUT") == 0 || strcmp(r->method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->body ? r->body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->len);
    } else if (strcmp(r->method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    }
    CURLcode cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_cleanup(c);
    if (cc != CURLE_OK)
        return ferry_err_set(err, FERRY_ERR_IO, "s3 %s %s/%s: %s", r->method, s3->bucket, r->key,
                             *cerr ? cerr : curl_easy_strerror(cc));
    return r->status >= 200 && r->status < 300 ? 0 : reply_error(s3, r, err);
}

int s3_call(const ferry_s3 *s3, s3_req *r, ferry_err *err)
{
    char base[512], host[300], path[2300], hash[65], date[17], auth[1024];
    if (locate(s3, r->key, base, sizeof base, host, sizeof host, path, sizeof path))
        return ferry_err_set(err, FERRY_ERR_DATA, "s3 key too long: %s", r->key);
    ferry_sigv4_sha256_hex(r->body ? r->body : "", r->len, hash);
    ferry_sigv4_amz_date((int64_t)time(NULL), date);
    ferry_sigv4_kv h[6];
    size_t nh = headers(s3, r, host, hash, date, h);
    ferry_sigv4_creds cr = {s3->access_key, s3->secret_key, s3->session_token, s3->region, "s3"};
    if (ferry_sigv4_authorization(&cr, r->method, path, r->query, h, nh, hash, date, auth,
                                  sizeof auth))
        return ferry_err_set(err, FERRY_ERR_DATA, "s3: cannot sign %s", r->key);
    struct curl_slist *hl = curl_slist_append(NULL, "Expect:");
    char line[1200];
    for (size_t i = 1; i < nh; i++) {
        snprintf(line, sizeof line, "%s: %s", h[i].name, h[i].value);
        hl = curl_slist_append(hl, line);
    }
    if (!r->content_type)
        hl = curl_slist_append(hl, "Content-Type:");
    snprintf(line, sizeof line, "Authorization: %s", auth);
    hl = curl_slist_append(hl, line);
    char url[3000];
    snprintf(url, sizeof url, "%s%s%s%s", base, path, *r->query ? "?" : "", r->query);
    r->status = 0;
    r->etag[0] = '\0';
    r->date[0] = '\0';
    int rc = perform(s3, r, url, hl, err);
    curl_slist_free_all(hl);
    return rc;
}

int ferry_s3_delete(const ferry_s3 *s3, const char *file_path, ferry_err *err)
{
    const char *key = NULL;
    int rc = s3_split(s3, file_path, &key, err);
    if (rc)
        return rc;
    ferry_buf resp = {0};
    s3_req r = {.method = "DELETE", .key = key, .query = "", .out_fd = -1, .resp = &resp};
    rc = s3_call(s3, &r, err);
    if (rc && r.status == 404) {
        ferry_err_clear(err);
        rc = 0;
    }
    ferry_buf_free(&resp);
    return rc;
}

int ferry_s3_get(const ferry_s3 *s3, const char *file_path, int fd, ferry_err *err)
{
    const char *key = NULL;
    int rc = s3_split(s3, file_path, &key, err);
    if (rc)
        return rc;
    ferry_buf resp = {0};
    s3_req r = {.method = "GET", .key = key, .query = "", .out_fd = fd, .resp = &resp};
    rc = s3_call(s3, &r, err);
    if (rc && r.status == 404) /* no such object: deleted (expired) meanwhile */
        rc = err->code = FERRY_ERR_NOTFOUND;
    ferry_buf_free(&resp);
    return rc;
}

int ferry_s3_presign(const ferry_s3 *s3, const char *file_path, int64_t now, int64_t expires_at,
                     const char *disposition, const char *content_type, char **url, ferry_err *err)
{
    const char *key = NULL;
    int rc = s3_split(s3, file_path, &key, err);
    if (rc)
        return rc;
    char base[512], host[300], path[2300], date[17];
    if (locate(s3, key, base, sizeof base, host, sizeof host, path, sizeof path))
        return ferry_err_set(err, FERRY_ERR_DATA, "s3 key too long: %s", key);
    int64_t ttl = expires_at - now;
    if (ttl < 1)
        return ferry_err_set(err, FERRY_ERR_DENIED, "the download has expired");
    if (ttl > 604800)
        ttl = 604800; /* SigV4's longest */
    ferry_sigv4_amz_date(now, date);
    ferry_sigv4_kv q[2];
    size_t nq = 0;
    if (disposition && *disposition)
        q[nq++] = (ferry_sigv4_kv){"response-content-disposition", disposition};
    if (content_type && *content_type)
        q[nq++] = (ferry_sigv4_kv){"response-content-type", content_type};
    ferry_sigv4_creds cr = {s3->access_key, s3->secret_key, s3->session_token, s3->region, "s3"};
    if (ferry_sigv4_presign(&cr, base, host, path, q, nq, date, ttl, url))
        return ferry_err_set(err, FERRY_ERR_NOMEM, "cannot presign %s", file_path);
    return 0;
}
