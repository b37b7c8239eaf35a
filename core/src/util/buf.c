/* buf.c — appending to and freeing a ferry_buf. */
#include "buf.h"

#include <stdlib.h>
#include <string.h>

int ferry_buf_append(ferry_buf *buf, const void *data, size_t len)
{
    if (buf->len + len + 1 > buf->cap) {
        size_t cap = buf->cap ? buf->cap : 64;
        while (cap < buf->len + len + 1)
            cap *= 2;
        char *d = realloc(buf->data, cap);
        if (!d)
            return FERRY_ERR_NOMEM;
        buf->data = d;
        buf->cap = cap;
    }
    if (len)
        memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    buf->data[buf->len] = '\0';
    return 0;
}

void ferry_buf_free(ferry_buf *buf)
{
    if (!buf)
        return;
    free(buf->data);
    buf->data = NULL;
    buf->len = buf->cap = 0;
}
