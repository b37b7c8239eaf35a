/* s3_list.c — listing the store's prefix for `ferry expire` (s3.h): the
 * objects (ListObjectsV2) and the unfinished multipart uploads
 * (ListMultipartUploads), page by page with a bounded number of pages, and
 * aborting an upload. Only Key, LastModified, Size, UploadId, Initiated,
 * IsTruncated and the next page's markers are read from the XML. */

#include "s3.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "buf.h"
#include "s3_http.h"
#include "sigv4.h"

#define PAGE_MAX 1000 /* S3 answers at most this many per page */

/* One listing in progress: its page of entries (strings point into `text`). */
typedef struct page {
    ferry_s3_entry e[PAGE_MAX];
    char *text[PAGE_MAX];
    size_t n;
} page;

static void page_clear(page *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->text[i]);
    p->n = 0;
}

/* "2024-05-01T12:00:00.000Z" → Unix time, or -1. */
static int64_t iso_time(const char *s)
{
    struct tm tm = {0};
    if (sscanf(s, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec) != 6)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm);
}

/* The store's clock from a reply (its Date header), else ours. */
static int64_t store_now(const s3_req *r)
{
    time_t t = r->date[0] ? curl_getdate(r->date, NULL) : -1;
    return t > 0 ? (int64_t)t : (int64_t)time(NULL);
}

/* Adds the entry of one <Contents> or <Upload> element to the page. */
static int add_entry(const ferry_s3 *s3, page *p, const char *el, const char *time_tag, int64_t now,
                     ferry_err *err)
{
    char key[1024], when[64], id[512] = "", size[32] = "0";
    if (s3_xml_text(el, "Key", key, sizeof key) || s3_xml_text(el, time_tag, when, sizeof when))
        return ferry_err_set(err, FERRY_ERR_IO, "s3 listing of %s: an entry without Key or %s",
                             s3->bucket, time_tag);
    int upload = strcmp(time_tag, "Initiated") == 0;
    if (upload && s3_xml_text(el, "UploadId", id, sizeof id))
        return ferry_err_set(err, FERRY_ERR_IO, "s3 listing of %s: an upload without UploadId",
                             s3->bucket);
    size_t need = strlen(s3->bucket) + strlen(key) + strlen(id) + 8;
    char *t = malloc(need);
    if (!t)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    int fp = snprintf(t, need, "s3://%s/%s", s3->bucket, key);
    snprintf(t + fp + 1, need - (size_t)fp - 1, "%s", id);
    int64_t at = iso_time(when);
    s3_xml_text(el, "Size", size, sizeof size);
    p->text[p->n] = t;
    p->e[p->n] = (ferry_s3_entry){t, upload ? t + fp + 1 : NULL, at < 0 ? 0 : now - at,
                                  strtoll(size, NULL, 10)};
    p->n++;
    return 0;
}

/* Fills the page from one reply's elements `el` (Contents or Upload). */
static int parse_page(const ferry_s3 *s3, page *p, const char *xml, const char *el,
                      const char *time_tag, int64_t now, ferry_err *err)
{
    char open[32], close[32];
    snprintf(open, sizeof open, "<%s>", el);
    snprintf(close, sizeof close, "</%s>", el);
    const char *a = xml ? strstr(xml, open) : NULL;
    int rc = 0;
    while (!rc && a && p->n < PAGE_MAX) {
        const char *b = strstr(a, close);
        if (!b)
            return ferry_err_set(err, FERRY_ERR_IO, "s3 listing of %s: truncated XML", s3->bucket);
        rc = add_entry(s3, p, a, time_tag, now, err);
        a = strstr(b, open);
    }
    return rc;
}

/* The prefix listed: the store's prefix and a slash, encoded for a query. */
static int list_prefix(const ferry_s3 *s3, char *out, size_t len)
{
    char pre[1100];
    snprintf(pre, sizeof pre, "%s%s", s3->prefix, *s3->prefix ? "/" : "");
    return ferry_sigv4_encode(pre, 0, out, len);
}

/* One request of a listing; its body into `resp`. */
static int list_call(const ferry_s3 *s3, const char *query, ferry_buf *resp, s3_req *r,
                     ferry_err *err)
{
    resp->len = 0;
    *r = (s3_req){.method = "GET", .key = "", .query = query, .out_fd = -1, .resp = resp};
    int rc = s3_call(s3, r, err);
    if (!rc && ferry_buf_append(resp, "", 1))
        rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    return rc;
}

int ferry_s3_list(const ferry_s3 *s3, size_t max_pages, ferry_s3_page_fn fn, void *ud,
                  ferry_err *err)
{
    char pre[3400], token[1024] = "", etoken[3100], q[8000];
    if (list_prefix(s3, pre, sizeof pre))
        return ferry_err_set(err, FERRY_ERR_DATA, "store prefix too long");
    page *p = calloc(1, sizeof *p);
    if (!p)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    ferry_buf resp = {0};
    int rc = 0;
    for (size_t pg = 0; !rc && pg < max_pages; pg++) {
        if (ferry_sigv4_encode(token, 0, etoken, sizeof etoken)) {
            rc = ferry_err_set(err, FERRY_ERR_DATA, "s3 continuation token too long");
            break;
        }
        snprintf(q, sizeof q, "%s%s%slist-type=2&max-keys=%d&prefix=%s",
                 *token ? "continuation-token=" : "", etoken, *token ? "&" : "", s3->list_page_size,
                 pre);
        s3_req r;
        rc = list_call(s3, q, &resp, &r, err);
        if (!rc)
            rc = parse_page(s3, p, resp.data, "Contents", "LastModified", store_now(&r), err);
        if (!rc && p->n)
            rc = fn(ud, p->e, p->n, err);
        page_clear(p);
        char trunc[16] = "";
        s3_xml_text(resp.data, "IsTruncated", trunc, sizeof trunc);
        if (rc || strcmp(trunc, "true") != 0 ||
            s3_xml_text(resp.data, "NextContinuationToken", token, sizeof token))
            break;
    }
    page_clear(p);
    free(p);
    ferry_buf_free(&resp);
    return rc;
}

/* The query of one page of ListMultipartUploads (parameters sorted). */
static int uploads_query(const ferry_s3 *s3, const char *pre, const char *kmark, const char *umark,
                         char *q, size_t len)
{
    char ek[3100], eu[1600];
    if (ferry_sigv4_encode(kmark, 0, ek, sizeof ek) || ferry_sigv4_encode(umark, 0, eu, sizeof eu))
        return -1;
    int w = snprintf(
        q, len, "%s%s%smax-uploads=%d&prefix=%s%s%s&uploads=", *kmark ? "key-marker=" : "", ek,
        *kmark ? "&" : "", s3->list_page_size, pre, *umark ? "&upload-id-marker=" : "", eu);
    return w < 0 || (size_t)w >= len ? -1 : 0;
}

int ferry_s3_list_uploads(const ferry_s3 *s3, size_t max_pages, ferry_s3_page_fn fn, void *ud,
                          int *supported, ferry_err *err)
{
    *supported = 1;
    char pre[3400], kmark[1024] = "", umark[512] = "", q[8000];
    if (list_prefix(s3, pre, sizeof pre))
        return ferry_err_set(err, FERRY_ERR_DATA, "store prefix too long");
    page *p = calloc(1, sizeof *p);
    if (!p)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    ferry_buf resp = {0};
    int rc = 0;
    for (size_t pg = 0; !rc && pg < max_pages; pg++) {
        if (uploads_query(s3, pre, kmark, umark, q, sizeof q)) {
            rc = ferry_err_set(err, FERRY_ERR_DATA, "s3 upload markers too long");
            break;
        }
        s3_req r;
        rc = list_call(s3, q, &resp, &r, err);
        if (rc && r.status == 501) {
            ferry_err_clear(err);
            *supported = 0;
            rc = 0;
            break;
        }
        if (!rc)
            rc = parse_page(s3, p, resp.data, "Upload", "Initiated", store_now(&r), err);
        if (!rc && p->n)
            rc = fn(ud, p->e, p->n, err);
        page_clear(p);
        char trunc[16] = "";
        s3_xml_text(resp.data, "IsTruncated", trunc, sizeof trunc);
        if (rc || strcmp(trunc, "true") != 0 ||
            s3_xml_text(resp.data, "NextKeyMarker", kmark, sizeof kmark) ||
            s3_xml_text(resp.data, "NextUploadIdMarker", umark, sizeof umark))
            break;
    }
    page_clear(p);
    free(p);
    ferry_buf_free(&resp);
    return rc;
}

int ferry_s3_abort(const ferry_s3 *s3, const char *file_path, const char *upload_id, ferry_err *err)
{
    const char *key;
    if (s3_split(s3, file_path, &key, err))
        return FERRY_ERR_DENIED;
    char eid[1600], q[1700];
    if (ferry_sigv4_encode(upload_id, 0, eid, sizeof eid))
        return ferry_err_set(err, FERRY_ERR_DATA, "s3 upload id too long");
    snprintf(q, sizeof q, "uploadId=%s", eid);
    ferry_buf resp = {0};
    s3_req r = {.method = "DELETE", .key = key, .query = q, .out_fd = -1, .resp = &resp};
    int rc = s3_call(s3, &r, err);
    if (rc && r.status == 404) { /* NoSuchUpload: aborted or completed meanwhile */
        ferry_err_clear(err);
        rc = 0;
    }
    ferry_buf_free(&resp);
    return rc;
}
