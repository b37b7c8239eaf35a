/*
 * objects.h — the site's artifact store seen from the services: a
 * published artifact goes on to the object store when store.url is s3://
 * (the staged file in store.path is then only a staging copy), and an
 * artifact recorded as "s3://bucket/key" is deleted there. A file_path that
 * is not s3:// stays in the file store (mixed stores).
 */
#ifndef FERRY_CORE_OBJECTS_H
#define FERRY_CORE_OBJECTS_H

#include "error.h"
#include "site.h"

/* Uploads the published file `staged` (its base name becomes the object's
 * name under the prefix) when the site's store is an object store: then
 * *file_path is "s3://bucket/key" (malloc'd, the caller's); else NULL. */
int ferry_objects_publish(const ferry_site *site, const char *staged, const char *content_type,
                          char **file_path, ferry_err *err);

/* Deletes the object `file_path` (an "s3://" path) from the site's object
 * store; gone already is no error. FERRY_ERR_CONFIG when the site has no
 * object store. */
int ferry_objects_delete(const ferry_site *site, const char *file_path, ferry_err *err);

#endif
