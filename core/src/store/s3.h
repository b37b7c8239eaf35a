/*
 * s3.h — the artifact store as S3-compatible object storage: upload a
 * published artifact (one PUT, or a multipart upload with per-part
 * checksums and retries, aborted on failure), delete it, fetch it, and
 * presign a GET for a download. Requests are signed with sigv4.h; replies'
 * XML is read for the few fields ferry needs (UploadId, Error Code/Message).
 *
 * ferry.conf: store = { url = "s3://bucket/prefix"; endpoint = "http://…";
 * region = "us-east-1"; path_style = true; access_key_id = "…";
 * secret_access_key = "…"; session_token = "…"; multipart_threshold = N;
 * part_size = N; part_retries = N; list_page_size = N; } — credentials default to
 * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. The
 * staging directory stays store.path.
 *
 * An object's file_path (export_requests.file_path) is "s3://bucket/key";
 * anything else is a path in the file store (mixed stores).
 */
#ifndef FERRY_CORE_S3_H
#define FERRY_CORE_S3_H

#include <stdint.h>

#include "error.h"
#include "site.h"

typedef struct ferry_s3 ferry_s3;

/* Whether `file_path` names an object ("s3://…"). */
int ferry_s3_is_object(const char *file_path);

/* Opens the site's object store. *out is NULL (and 0 returned) when
 * store.url is not s3:// (the file store); else owned: ferry_s3_free.
 * FERRY_ERR_CONFIG for a bad url or missing credentials. */
int ferry_s3_open(ferry_s3 **out, const ferry_site *site, ferry_err *err);
void ferry_s3_free(ferry_s3 *s3); /* accepts NULL */

/* Uploads the file `local` as `name` under the store's prefix, with
 * `content_type` (may be NULL). Sets *file_path (malloc'd, the caller's) to
 * "s3://bucket/prefix/name". A multipart upload that fails is aborted. */
int ferry_s3_put_file(const ferry_s3 *s3, const char *local, const char *name,
                      const char *content_type, char **file_path, ferry_err *err);

/* Deletes the object `file_path`; an object already gone is no error.
 * FERRY_ERR_DENIED when it names another bucket than the store's, or a
 * key not beneath the store's prefix (as do get, presign and abort). */
int ferry_s3_delete(const ferry_s3 *s3, const char *file_path, ferry_err *err);

/* Writes the object's bytes to the descriptor `fd` (not closed).
 * FERRY_ERR_NOTFOUND when there is no such object (HTTP 404). */
int ferry_s3_get(const ferry_s3 *s3, const char *file_path, int fd, ferry_err *err);

/* A presigned GET of `file_path` valid from `now` until `expires_at`
 * (Unix times), answering with the headers Content-Disposition
 * `disposition` and Content-Type `content_type` (either may be NULL).
 * *url malloc'd, the caller's. */
int ferry_s3_presign(const ferry_s3 *s3, const char *file_path, int64_t now, int64_t expires_at,
                     const char *disposition, const char *content_type, char **url, ferry_err *err);

/* One object or one unfinished multipart upload of a listing: its
 * file_path ("s3://bucket/key"), the upload's id (NULL for an object), and
 * its age in seconds by the store's own clock (its Date header). */
typedef struct ferry_s3_entry {
    const char *file_path;
    const char *upload_id;
    int64_t age;
    int64_t size; /* bytes of an object; 0 for an upload */
} ferry_s3_entry;

/* Called with each page of a listing (up to store.list_page_size
 * entries, borrowed for the call); nonzero stops the listing and is
 * returned. */
typedef int (*ferry_s3_page_fn)(void *ud, const ferry_s3_entry *e, size_t n, ferry_err *err);

/* Lists the objects under the store's prefix (ListObjectsV2, page by page,
 * at most `max_pages` pages). */
int ferry_s3_list(const ferry_s3 *s3, size_t max_pages, ferry_s3_page_fn fn, void *ud,
                  ferry_err *err);

/* Lists the multipart uploads under the prefix that were started and never
 * completed or aborted (ListMultipartUploads, paginated, at most
 * `max_pages`). *supported is 0 (and 0 returned) when the server does not
 * implement it (HTTP 501 NotImplemented, e.g. s3rver), else 1. */
int ferry_s3_list_uploads(const ferry_s3 *s3, size_t max_pages, ferry_s3_page_fn fn, void *ud,
                          int *supported, ferry_err *err);

/* Aborts the multipart upload `upload_id` of `file_path`; gone already is
 * no error. */
int ferry_s3_abort(const ferry_s3 *s3, const char *file_path, const char *upload_id,
                   ferry_err *err);

#endif
