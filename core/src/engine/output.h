/*
 * output.h — the byte stream a formatter writes: a chain of encoder
 * instances ending in the staging file, which counts bytes and computes
 * SHA-256 as they pass. Write errors are kept in the stream and reported
 * once by ferry_output_error.
 */
#ifndef FERRY_CORE_OUTPUT_H
#define FERRY_CORE_OUTPUT_H

#include <stdint.h>

#include "error.h"
#include "ferry/plugin.h"
#include "loader.h"

/* A file sink at the end of the chain, writing to `fd` (borrowed). */
ferry_output *ferry_output_file(int fd);
/* An encoder stage writing into `next`: the instance is borrowed. */
ferry_output *ferry_output_encoder(ferry_instance *enc, ferry_output *next);
void ferry_output_free(ferry_output *out); /* accepts NULL; frees this stage only */

/* host->output_write: buffers, passes to the encoder or the file. */
int ferry_output_write(ferry_output *out, const void *data, size_t len);
/* Flushes the file stage's buffer. */
int ferry_output_flush(ferry_output *out, ferry_err *err);
/* Bytes written to the file and their SHA-256 (64 hex + NUL); file stage only. */
uint64_t ferry_output_bytes(const ferry_output *out);
void ferry_output_sha256(ferry_output *out, char hex[65]);
/* The first write error of this stage, or NULL. */
const char *ferry_output_error(const ferry_output *out);

/* SHA-256 of a whole file, for formats that write the file themselves. */
int ferry_sha256_file(const char *path, char hex[65], uint64_t *size, ferry_err *err);

#endif
