/*
 * encode_gzip.c — the encode-gzip plugin: compresses the output stream
 * with zlib's deflate and a gzip header (windowBits 15 + 16), writing the
 * compressed bytes into the next output through host->output_write.
 *
 * The artifact becomes NAME.gz with content type application/gzip: the
 * file is a gzip file, not a transfer encoding of the inner format.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "ferry/ferry.h"
#include "pgz.h"

#define GZ_CHUNK (128u * 1024u)

typedef struct gz_config {
    int64_t level;
    int64_t threads;
} gz_config;

static const ferry_option gz_options[] = {
    FERRY_OPTION("level", FERRY_OPT_INT, 0, "6", NULL, gz_config, level,
                 "compression level, 0 (none) to 9 (smallest, slowest)", "9"),
    FERRY_OPTION(
        "threads", FERRY_OPT_INT, 0, "0", NULL, gz_config, threads,
        "deflate threads: 0 = one per online CPU (at most 4), 1 = one stream on the "
        "writer's thread; more compress blocks of 128 KiB in parallel into one gzip member "
        "(as pigz does)",
        "2"),
    {0},
};

typedef struct gz_state {
    ferry_ctx *fx;
    const ferry_host *host;
    int level;
    int threads; /* > 1: pgz */
    pgz *pz;
    ferry_output *next;
    z_stream zs;
    int zs_live;          /* deflateInit done, deflateEnd pending */
    unsigned char *chunk; /* GZ_CHUNK bytes */
} gz_state;

static int gz_init(ferry_ctx *fx, const ferry_host *host, const void *config, void **state)
{
    const gz_config *cfg = config;
    gz_state *st;

    if (cfg->level < 0 || cfg->level > 9)
        return host->error(fx, FERRY_ERR_CONFIG, "option level = %lld is out of range (0 to 9)",
                           (long long)cfg->level);
    st = host->alloc(fx, sizeof *st);
    if (!st)
        return host->error(fx, FERRY_ERR_NOMEM, "out of memory");
    memset(st, 0, sizeof *st);
    st->fx = fx;
    st->host = host;
    st->level = (int)cfg->level;
    st->threads = (int)cfg->threads;
    if (st->threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        st->threads = n < 1 ? 1 : n > 4 ? 4 : (int)n;
    }
    *state = st;
    return 0;
}

static void gz_end(gz_state *st)
{
    pgz_free(st->pz);
    st->pz = NULL;
    if (st->zs_live)
        deflateEnd(&st->zs);
    st->zs_live = 0;
    free(st->chunk);
    st->chunk = NULL;
}

static void gz_destroy(void *state)
{
    gz_state *st = state;

    if (!st)
        return;
    gz_end(st);
    st->host->free(st->fx, st);
}

static int gz_emit(void *arg, const void *data, size_t len)
{
    gz_state *st = arg;
    return st->host->output_write(st->next, data, len);
}

static int gz_open(void *state, ferry_output *next)
{
    gz_state *st = state;
    int zrc;

    gz_end(st);
    st->next = next;
    if (st->threads > 1) {
        st->pz = pgz_new(st->level, st->threads, gz_emit, st);
        return st->pz ? 0
                      : st->host->error(st->fx, FERRY_ERR_NOMEM, "cannot start %d deflate threads",
                                        st->threads);
    }
    st->chunk = malloc(GZ_CHUNK);
    if (!st->chunk)
        return st->host->error(st->fx, FERRY_ERR_NOMEM, "out of memory");
    memset(&st->zs, 0, sizeof st->zs);
    zrc = deflateInit2(&st->zs, st->level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    if (zrc != Z_OK)
        return st->host->error(st->fx, zrc == Z_MEM_ERROR ? FERRY_ERR_NOMEM : FERRY_ERR,
                               "deflateInit2 failed (level %d): %s", st->level, zError(zrc));
    st->zs_live = 1;
    return 0;
}

/* Runs deflate over the pending input with `flush`, writing out every
 * full or final chunk. */
static int gz_pump(gz_state *st, int flush)
{
    int zrc;

    do {
        size_t have;
        st->zs.next_out = st->chunk;
        st->zs.avail_out = GZ_CHUNK;
        zrc = deflate(&st->zs, flush);
        if (zrc == Z_STREAM_ERROR)
            return st->host->error(st->fx, FERRY_ERR, "deflate failed: %s",
                                   st->zs.msg ? st->zs.msg : "stream error");
        have = GZ_CHUNK - st->zs.avail_out;
        if (have) {
            int rc = st->host->output_write(st->next, st->chunk, have);
            if (rc < 0)
                return st->host->error(st->fx, rc, "writing the output failed");
        }
    } while (st->zs.avail_out == 0 || (flush == Z_FINISH && zrc != Z_STREAM_END));
    return 0;
}

/* A pgz result as the plugin's: its own failures (1) get a message. */
static int pgz_fail(gz_state *st, int rc)
{
    if (rc < 0)
        return st->host->error(st->fx, rc, "writing the output failed");
    return rc ? st->host->error(st->fx, FERRY_ERR, "parallel deflate failed") : 0;
}

static int gz_write(void *state, const void *data, size_t len)
{
    gz_state *st = state;
    const unsigned char *p = data;

    if (st->pz)
        return pgz_fail(st, pgz_write(st->pz, data, len));
    if (!st->zs_live)
        return st->host->error(st->fx, FERRY_ERR, "write before open");
    while (len) {
        uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;
        int rc;
        st->zs.next_in = (Bytef *)p;
        st->zs.avail_in = n;
        rc = gz_pump(st, Z_NO_FLUSH);
        if (rc < 0)
            return rc;
        p += n;
        len -= n;
    }
    return 0;
}

static int gz_finish(void *state)
{
    gz_state *st = state;
    int rc;

    if (st->pz) {
        rc = pgz_fail(st, pgz_finish(st->pz));
        gz_end(st);
        return rc;
    }
    if (!st->zs_live)
        return st->host->error(st->fx, FERRY_ERR, "finish before open");
    st->zs.next_in = NULL;
    st->zs.avail_in = 0;
    rc = gz_pump(st, Z_FINISH);
    if (rc < 0)
        return rc;
    gz_end(st);
    return 0;
}

static void gz_close(void *state)
{
    gz_end(state);
}

static const ferry_encode_ops gz_ops = {gz_open, gz_write, gz_finish, gz_close};

static const ferry_plugin_descriptor encode_gzip = {
    FERRY_PLUGIN_HEADER,
    FERRY_KIND_ENCODE,
    "encode-gzip",
    "1.0.0",
    "gzip compression (zlib deflate) of the output stream: NAME.gz, application/gzip",
    gz_options,
    sizeof(gz_config),
    0,
    0,
    "gz",
    "application/gzip",
    gz_init,
    gz_destroy,
    NULL,
    NULL,
    NULL,
    &gz_ops,
    NULL};

FERRY_PLUGIN_DEFINE(encode_gzip)
