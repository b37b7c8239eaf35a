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
 * part_size = N; part_retries = N; } — credentials default to
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
 * FERRY_ERR_DENIED when it names another bucket than the store's. */
int ferry_s3_delete(const ferry_s3 *s3, const char *file_path, ferry_err *err);

/* Writes the object's bytes to the descriptor `fd` (not closed). */
int ferry_s3_get(const ferry_s3 *s3, const char *file_path, int fd, ferry_err *err);

/* A presigned GET of `file_path` valid from `now` until `expires_at`
 * (Unix times), answering with the headers Content-Disposition
 * `disposition` and Content-Type `content_type` (either may be NULL).
 * *url malloc'd, the caller's. */
int ferry_s3_presign(const ferry_s3 *s3, const char *file_path, int64_t now, int64_t expires_at,
                     const char *disposition, const char *content_type, char **url, ferry_err *err);

#endif
