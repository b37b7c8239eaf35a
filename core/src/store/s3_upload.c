/* s3_upload.c — uploading a published artifact to the object store (s3.h):
 * one PUT up to store.multipart_threshold, else a multipart upload whose
 * parts carry Content-MD5 and are retried, completed in order, and aborted
 * when any part fails so that no incomplete upload is left behind. A
 * multipart upload becomes visible only when completed. */
#include "s3.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "buf.h"
#include "s3_http.h"

/* Reads up to `len` bytes at `off` of fd into buf; returns the count or -1. */
static ssize_t read_at(int fd, char *buf, size_t len, off_t off)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, buf + got, len - got, off + (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

static void md5_base64(const void *data, size_t len, char out[32])
{
    unsigned char md[16];
    unsigned int n = 0;
    EVP_Digest(data, len, md, &n, EVP_md5(), NULL);
    EVP_EncodeBlock((unsigned char *)out, md, 16);
}

/* Sends one request with a body, retried up to `retries` more times when
 * the transfer fails or the server answers 5xx. */
static int send_body(const ferry_s3 *s3, s3_req *r, int retries, ferry_err *err)
{
    char md5[32];
    md5_base64(r->body, r->len, md5);
    r->content_md5 = md5;
    int rc;
    for (int i = 0;; i++) {
        if (r->resp)
            r->resp->len = 0;
        ferry_err_clear(err);
        rc = s3_call(s3, r, err);
        if (!rc || i >= retries || (r->status >= 400 && r->status < 500))
            break;
    }
    r->content_md5 = NULL;
    return rc;
}

static int put_small(const ferry_s3 *s3, int fd, size_t size, const char *key, const char *ctype,
                     ferry_err *err)
{
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    int rc = 0;
    if (read_at(fd, buf, size, 0) != (ssize_t)size)
        rc = ferry_err_set(err, FERRY_ERR_IO, "cannot read the artifact: %s", strerror(errno));
    ferry_buf resp = {0};
    s3_req r = {.method = "PUT",
                .key = key,
                .query = "",
                .body = buf,
                .len = size,
                .content_type = ctype,
                .out_fd = -1,
                .resp = &resp};
    if (!rc)
        rc = send_body(s3, &r, s3->part_retries, err);
    ferry_buf_free(&resp);
    free(buf);
    return rc;
}

/* POST ?uploads: the new upload's id into `id`. */
static int mp_start(const ferry_s3 *s3, const char *key, const char *ctype, char *id, size_t len,
                    ferry_err *err)
{
    ferry_buf resp = {0};
    s3_req r = {.method = "POST",
                .key = key,
                .query = "uploads=",
                .content_type = ctype,
                .out_fd = -1,
                .resp = &resp};
    int rc = s3_call(s3, &r, err);
    if (!rc && s3_xml_text(resp.data, "UploadId", id, len))
        rc = ferry_err_set(err, FERRY_ERR_IO, "s3 POST %s?uploads: no UploadId in the reply", key);
    ferry_buf_free(&resp);
    return rc;
}

static void mp_abort(const ferry_s3 *s3, const char *key, const char *id)
{
    char q[512];
    snprintf(q, sizeof q, "uploadId=%s", id);
    ferry_err e = FERRY_ERR_INIT;
    ferry_buf resp = {0};
    s3_req r = {.method = "DELETE", .key = key, .query = q, .out_fd = -1, .resp = &resp};
    (void)s3_call(s3, &r, &e); /* best effort: a lifecycle rule can sweep what is left */
    ferry_buf_free(&resp);
}

/* Uploads the parts, appending <Part> elements to `done`. */
static int mp_parts(const ferry_s3 *s3, int fd, size_t size, const char *key, const char *id,
                    ferry_buf *done, ferry_err *err)
{
    size_t psz = (size_t)s3->part_size;
    char *buf = malloc(psz);
    if (!buf)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    int rc = 0;
    for (size_t off = 0, n = 1; off < size && !rc; off += psz, n++) {
        size_t len = size - off < psz ? size - off : psz;
        if (read_at(fd, buf, len, (off_t)off) != (ssize_t)len) {
            rc = ferry_err_set(err, FERRY_ERR_IO, "cannot read the artifact: %s", strerror(errno));
            break;
        }
        char q[512], part[256];
        snprintf(q, sizeof q, "partNumber=%zu&uploadId=%s", n, id);
        ferry_buf resp = {0};
        s3_req r = {.method = "PUT",
                    .key = key,
                    .query = q,
                    .body = buf,
                    .len = len,
                    .out_fd = -1,
                    .resp = &resp};
        rc = send_body(s3, &r, s3->part_retries, err);
        ferry_buf_free(&resp);
        if (!rc && !r.etag[0])
            rc = ferry_err_set(err, FERRY_ERR_IO, "s3 part %zu of %s: no ETag", n, key);
        snprintf(part, sizeof part, "<Part><PartNumber>%zu</PartNumber><ETag>%s</ETag></Part>", n,
                 r.etag);
        if (!rc && ferry_buf_append(done, part, strlen(part)))
            rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    }
    free(buf);
    return rc;
}

static int mp_complete(const ferry_s3 *s3, const char *key, const char *id, ferry_buf *parts,
                       ferry_err *err)
{
    static const char end[] = "</CompleteMultipartUpload>";
    if (ferry_buf_append(parts, end, strlen(end)))
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    char q[512];
    snprintf(q, sizeof q, "uploadId=%s", id);
    ferry_buf resp = {0};
    s3_req r = {.method = "POST",
                .key = key,
                .query = q,
                .body = parts->data,
                .len = parts->len,
                .content_type = "application/xml",
                .out_fd = -1,
                .resp = &resp};
    int rc = s3_call(s3, &r, err);
    char code[128];
    /* A 200 whose body is an <Error> is a failure too. */
    if (!rc && resp.data && strstr(resp.data, "<Error>") &&
        !s3_xml_text(resp.data, "Code", code, sizeof code))
        rc = ferry_err_set(err, FERRY_ERR_IO, "s3 complete %s: %s", key, code);
    ferry_buf_free(&resp);
    return rc;
}

static int put_multipart(const ferry_s3 *s3, int fd, size_t size, const char *key,
                         const char *ctype, ferry_err *err)
{
    char id[256];
    int rc = mp_start(s3, key, ctype, id, sizeof id, err);
    if (rc)
        return rc;
    ferry_buf parts = {0};
    static const char start[] = "<CompleteMultipartUpload>";
    if (ferry_buf_append(&parts, start, strlen(start)))
        rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    if (!rc)
        rc = mp_parts(s3, fd, size, key, id, &parts, err);
    if (!rc)
        rc = mp_complete(s3, key, id, &parts, err);
    ferry_buf_free(&parts);
    if (rc)
        mp_abort(s3, key, id);
    return rc;
}

int ferry_s3_put_file(const ferry_s3 *s3, const char *local, const char *name,
                      const char *content_type, char **file_path, ferry_err *err)
{
    char key[1024];
    int w = snprintf(key, sizeof key, "%s%s%s", s3->prefix, *s3->prefix ? "/" : "", name);
    if (w < 0 || (size_t)w >= sizeof key)
        return ferry_err_set(err, FERRY_ERR_DATA, "object name too long: %s", name);
    int fd = open(local, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        int rc = ferry_err_set(err, FERRY_ERR_IO, "cannot read %s: %s", local, strerror(errno));
        if (fd >= 0)
            close(fd);
        return rc;
    }
    size_t size = (size_t)st.st_size;
    int rc = (int64_t)size <= s3->multipart_threshold
                 ? put_small(s3, fd, size, key, content_type, err)
                 : put_multipart(s3, fd, size, key, content_type, err);
    close(fd);
    if (rc)
        return rc;
    size_t n = strlen(s3->bucket) + strlen(key) + 7;
    *file_path = malloc(n);
    if (!*file_path)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    snprintf(*file_path, n, "s3://%s/%s", s3->bucket, key);
    return 0;
}
