/*
 * s3_http.h — internal to the object store (s3.c, s3_upload.c, s3_list.c): the store's
 * settings and one signed request over libcurl.
 */
#ifndef FERRY_CORE_S3_HTTP_H
#define FERRY_CORE_S3_HTTP_H

#include <stddef.h>

#include "error.h"
#include "ferry/plugin.h"
#include "s3.h"

struct ferry_s3 {
    char *scheme, *host;   /* of the endpoint: "http", "127.0.0.1:4568"; owned */
    char *bucket, *prefix; /* prefix without slashes at its ends, may be ""; owned */
    char *region, *access_key, *secret_key, *session_token; /* owned; token may be NULL */
    int path_style;
    int64_t multipart_threshold, part_size;
    int part_retries;
    int list_page_size; /* entries per page of a listing, 1..1000 */
};

/* One request and its reply. Strings borrowed; resp (may be NULL) gets the
 * body, etag the ETag header. */
typedef struct s3_req {
    const char *method;
    const char *key;   /* object key (unencoded) */
    const char *query; /* canonical query, "" for none */
    const void *body;
    size_t len;
    const char *content_md5;  /* base64, or NULL */
    const char *content_type; /* or NULL */
    int out_fd;               /* >= 0: the reply body goes there */
    ferry_buf *resp;
    char etag[128];
    char date[64]; /* the reply's Date header: the store's clock */
    long status;
} s3_req;

/* Sends `r` signed; returns 0 for a 2xx reply, else an error whose message
 * is one line: "s3 PUT bucket/key: HTTP 403 InvalidAccessKeyId: …". */
int s3_call(const ferry_s3 *s3, s3_req *r, ferry_err *err);

/* Splits `file_path` ("s3://bucket/key") into *key (borrowed from it):
 * FERRY_ERR_DENIED unless the bucket is the store's and the key is beneath
 * the store's prefix; a request row cannot name another object. */
int s3_split(const ferry_s3 *s3, const char *file_path, const char **key, ferry_err *err);

/* The text of the first <tag>…</tag> in `xml` into out (len), or -1. The
 * five predefined XML entities are decoded. */
int s3_xml_text(const char *xml, const char *tag, char *out, size_t len);

#endif
