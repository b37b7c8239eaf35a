/*
 * buf.h — growing a ferry_buf (the SDK's byte buffer whose bytes belong to
 * the core): the host table's buf_append/buf_free and the core's own text
 * rendering use these.
 */
#ifndef FERRY_CORE_BUF_H
#define FERRY_CORE_BUF_H

#include <stddef.h>

#include "ferry/plugin.h"

/* Appends `len` bytes and keeps the data NUL-terminated. 0 or FERRY_ERR_NOMEM. */
int ferry_buf_append(ferry_buf *buf, const void *data, size_t len);
/* Frees the bytes and empties the buffer; accepts NULL. */
void ferry_buf_free(ferry_buf *buf);

#endif
