/*
 * output.c — the formatter's output stream: encoders, then the staging file.
 *
 * The file stage asks the kernel to start writing back every FLUSH_AFTER
 * bytes as they are written (sync_file_range(SYNC_FILE_RANGE_WRITE), which
 * does not wait), as PostgreSQL's *_flush_after settings do: the fsync before
 * the artifact is published then waits for the last few megabytes instead
 * of the whole file (80 ms for a 112 MB dump on the benchmark machine), and
 * an export never fills the page cache with dirty pages. It is advisory:
 * errors are left to that fsync, which reports them.
 */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#define FILE_BUF    (256u * 1024u)
#define FLUSH_AFTER (8u * 1024u * 1024u)

struct ferry_output {
    ferry_instance *enc; /* encoder stage, or NULL for the file stage */
    ferry_output *next;
    int fd;
    char *buf;
    size_t len;
    uint64_t bytes;
    uint64_t written; /* bytes written to fd */
    uint64_t flushed; /* written back up to here (asked, not waited for) */
    EVP_MD_CTX *sha;
    char error[512];
};

ferry_output *ferry_output_file(int fd)
{
    ferry_output *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->fd = fd;
    o->buf = malloc(FILE_BUF);
    o->sha = EVP_MD_CTX_new();
    if (!o->buf || !o->sha || EVP_DigestInit_ex(o->sha, EVP_sha256(), NULL) != 1) {
        ferry_output_free(o);
        return NULL;
    }
    return o;
}

ferry_output *ferry_output_encoder(ferry_instance *enc, ferry_output *next)
{
    ferry_output *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->enc = enc;
    o->next = next;
    o->fd = -1;
    return o;
}

void ferry_output_free(ferry_output *o)
{
    if (!o)
        return;
    free(o->buf);
    if (o->sha)
        EVP_MD_CTX_free(o->sha);
    free(o);
}

/* Starts writing back what was written since the last call, once that is
 * FLUSH_AFTER bytes (see the top). */
static void start_writeback(ferry_output *o)
{
#ifdef SYNC_FILE_RANGE_WRITE
    if (o->written - o->flushed < FLUSH_AFTER)
        return;
    (void)sync_file_range(o->fd, (off64_t)o->flushed, (off64_t)(o->written - o->flushed),
                          SYNC_FILE_RANGE_WRITE);
    o->flushed = o->written;
#else
    (void)o;
#endif
}

/* Writes all of [p, p+n), finishing partial writes. */
static int write_all(ferry_output *o, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(o->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            snprintf(o->error, sizeof o->error, "write failed: %s", strerror(errno));
            return FERRY_ERR_IO;
        }
        p += w;
        n -= (size_t)w;
        o->written += (uint64_t)w;
    }
    start_writeback(o);
    return 0;
}

int ferry_output_write(ferry_output *o, const void *data, size_t len)
{
    if (o->error[0])
        return FERRY_ERR_IO;
    if (o->enc) {
        const ferry_plugin_descriptor *d = ferry_instance_desc(o->enc);
        int rc = d->encode->write(ferry_instance_state(o->enc), data, len);
        if (rc)
            snprintf(o->error, sizeof o->error, "%s: %s", d->name,
                     ferry_instance_error(o->enc)[0] ? ferry_instance_error(o->enc)
                                                     : "write failed (no message)");
        return rc;
    }
    EVP_DigestUpdate(o->sha, data, len);
    o->bytes += len;
    if (o->len + len > FILE_BUF) {
        int rc = write_all(o, o->buf, o->len);
        o->len = 0;
        if (rc)
            return rc;
        if (len >= FILE_BUF)
            return write_all(o, data, len);
    }
    memcpy(o->buf + o->len, data, len);
    o->len += len;
    return 0;
}

int ferry_output_flush(ferry_output *o, ferry_err *err)
{
    if (!o->enc && o->len) {
        int rc = write_all(o, o->buf, o->len);
        o->len = 0;
        if (rc)
            return ferry_err_set(err, rc, "%s", o->error);
    }
    if (o->error[0])
        return ferry_err_set(err, FERRY_ERR_IO, "%s", o->error);
    return 0;
}

uint64_t ferry_output_bytes(const ferry_output *o)
{
    return o->bytes;
}

static void hex32(const unsigned char *md, char hex[65])
{
    static const char x[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = x[md[i] >> 4];
        hex[2 * i + 1] = x[md[i] & 15];
    }
    hex[64] = '\0';
}

void ferry_output_sha256(ferry_output *o, char hex[65])
{
    unsigned char md[32];
    unsigned int n = 0;
    EVP_DigestFinal_ex(o->sha, md, &n);
    hex32(md, hex);
}

const char *ferry_output_error(const ferry_output *o)
{
    return o->error[0] ? o->error : NULL;
}

int ferry_sha256_file(const char *path, char hex[65], uint64_t *size, ferry_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ferry_err_set(err, FERRY_ERR_IO, "cannot read %s: %s", path, strerror(errno));
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    char *buf = malloc(FILE_BUF);
    uint64_t total = 0;
    int rc = 0;
    if (!c || !buf || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
        rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (;;) {
        ssize_t n = read(fd, buf, FILE_BUF);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = ferry_err_set(err, FERRY_ERR_IO, "cannot read %s: %s", path, strerror(errno));
            goto done;
        }
        if (n == 0)
            break;
        EVP_DigestUpdate(c, buf, (size_t)n);
        total += (uint64_t)n;
    }
    unsigned char md[32];
    unsigned int mdn = 0;
    EVP_DigestFinal_ex(c, md, &mdn);
    hex32(md, hex);
    *size = total;
done:
    if (c)
        EVP_MD_CTX_free(c);
    free(buf);
    close(fd);
    return rc;
}
