/* objects.c — publishing to and deleting from the site's object store
 * (objects.h). */
#include "objects.h"

#include <stdlib.h>
#include <string.h>

#include "s3.h"

int ferry_objects_publish(const ferry_site *site, const char *staged, const char *content_type,
                          char **file_path, ferry_err *err)
{
    *file_path = NULL;
    ferry_s3 *s3 = NULL;
    int rc = ferry_s3_open(&s3, site, err);
    if (rc || !s3)
        return rc;
    const char *name = strrchr(staged, '/') ? strrchr(staged, '/') + 1 : staged;
    rc = ferry_s3_put_file(s3, staged, name, content_type, file_path, err);
    ferry_s3_free(s3);
    return rc;
}

int ferry_objects_delete(const ferry_site *site, const char *file_path, ferry_err *err)
{
    ferry_s3 *s3 = NULL;
    int rc = ferry_s3_open(&s3, site, err);
    if (rc)
        return rc;
    if (!s3)
        return ferry_err_set(err, FERRY_ERR_CONFIG,
                             "%s is an object but store.url names no object store", file_path);
    rc = ferry_s3_delete(s3, file_path, err);
    ferry_s3_free(s3);
    return rc;
}
