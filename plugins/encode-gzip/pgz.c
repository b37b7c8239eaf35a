/* pgz.c — parallel gzip for encode-gzip: blocks deflated on worker threads,
 * joined in order into one valid gzip member (see pgz.h). */
#include "pgz.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define PGZ_BLOCK (128u * 1024u)
#define PGZ_DICT  (32u * 1024u)

enum { SLOT_FREE, SLOT_QUEUED, SLOT_TAKEN, SLOT_DONE };

typedef struct slot {
    unsigned char in[PGZ_BLOCK];
    unsigned char dict[PGZ_DICT];
    size_t in_len, dict_len;
    unsigned char *out;
    size_t out_len, out_cap;
    uLong crc;
    int state, failed;
} slot;

struct pgz {
    int level, nthreads, started, stop;
    size_t nslots;
    slot *slots;
    unsigned long long next, oldest; /* blocks submitted; blocks emitted */
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    pthread_t *th;
    pgz_emit emit;
    void *arg;
    int header_done;
    uLong crc;
    unsigned long long total;
    unsigned char tail[PGZ_DICT]; /* the last PGZ_DICT bytes submitted */
    size_t tail_len;
};

static slot *slot_of(pgz *z, unsigned long long seq)
{
    return &z->slots[seq % z->nslots];
}

/* One block: raw deflate with the dictionary, ended by a sync flush (byte
 * aligned, not final), and the block's CRC-32. */
static void compress_slot(z_stream *zs, slot *s)
{
    deflateReset(zs);
    if (s->dict_len && deflateSetDictionary(zs, s->dict, (uInt)s->dict_len) != Z_OK)
        s->failed = 1;
    zs->next_in = s->in;
    zs->avail_in = (uInt)s->in_len;
    zs->next_out = s->out;
    zs->avail_out = (uInt)s->out_cap;
    int rc = deflate(zs, Z_SYNC_FLUSH);
    if (rc != Z_OK || zs->avail_in || !zs->avail_out)
        s->failed = 1;
    s->out_len = s->out_cap - zs->avail_out;
    s->crc = crc32(0L, s->in, (uInt)s->in_len);
}

/* The queued block with the lowest sequence number, or NULL. */
static slot *next_queued(pgz *z)
{
    for (unsigned long long q = z->oldest; q < z->next; q++)
        if (slot_of(z, q)->state == SLOT_QUEUED)
            return slot_of(z, q);
    return NULL;
}

static void *worker(void *arg)
{
    pgz *z = arg;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    int ok = deflateInit2(&zs, z->level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK;
    pthread_mutex_lock(&z->mu);
    for (;;) {
        slot *s = NULL;
        while (!z->stop && !(s = next_queued(z)))
            pthread_cond_wait(&z->work, &z->mu);
        if (z->stop)
            break;
        s->state = SLOT_TAKEN;
        pthread_mutex_unlock(&z->mu);
        if (ok)
            compress_slot(&zs, s);
        else
            s->failed = 1;
        pthread_mutex_lock(&z->mu);
        s->state = SLOT_DONE;
        pthread_cond_broadcast(&z->done);
    }
    pthread_mutex_unlock(&z->mu);
    if (ok)
        deflateEnd(&zs);
    return NULL;
}

pgz *pgz_new(int level, int threads, pgz_emit emit, void *arg)
{
    pgz *z = calloc(1, sizeof *z);
    if (!z)
        return NULL;
    z->level = level;
    z->nthreads = threads < 1 ? 1 : threads;
    z->nslots = 2 * (size_t)z->nthreads + 1;
    z->emit = emit;
    z->arg = arg;
    z->slots = calloc(z->nslots, sizeof *z->slots);
    z->th = calloc((size_t)z->nthreads, sizeof *z->th);
    pthread_mutex_init(&z->mu, NULL);
    pthread_cond_init(&z->work, NULL);
    pthread_cond_init(&z->done, NULL);
    int bad = !z->slots || !z->th;
    for (size_t i = 0; !bad && i < z->nslots; i++) {
        /* deflateBound for a raw stream, and room for the sync flush. */
        z->slots[i].out_cap = PGZ_BLOCK + PGZ_BLOCK / 1000 * 2 + 1024;
        bad = !(z->slots[i].out = malloc(z->slots[i].out_cap));
    }
    for (int i = 0; !bad && i < z->nthreads; i++, z->started++)
        bad = pthread_create(&z->th[i], NULL, worker, z) != 0;
    if (bad) {
        pgz_free(z);
        return NULL;
    }
    return z;
}

static int emit_header(pgz *z)
{
    static const unsigned char h[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    z->header_done = 1;
    return z->emit(z->arg, h, sizeof h);
}

/* Waits for the oldest block, writes it out and frees its slot. */
static int emit_oldest(pgz *z)
{
    slot *s = slot_of(z, z->oldest);
    pthread_mutex_lock(&z->mu);
    while (s->state != SLOT_DONE)
        pthread_cond_wait(&z->done, &z->mu);
    pthread_mutex_unlock(&z->mu);
    if (s->failed)
        return 1;
    int rc = z->header_done ? 0 : emit_header(z);
    if (!rc)
        rc = z->emit(z->arg, s->out, s->out_len);
    z->crc = crc32_combine(z->crc, s->crc, (z_off_t)s->in_len);
    z->total += s->in_len;
    s->state = SLOT_FREE;
    s->in_len = 0;
    z->oldest++;
    return rc;
}

/* Hands the block being filled to the workers, its dictionary being the
 * tail of what came before it. */
static void submit(pgz *z)
{
    slot *s = slot_of(z, z->next);
    memcpy(s->dict, z->tail, z->tail_len);
    s->dict_len = z->tail_len;
    if (s->in_len >= PGZ_DICT) {
        memcpy(z->tail, s->in + s->in_len - PGZ_DICT, PGZ_DICT);
        z->tail_len = PGZ_DICT;
    } else {
        size_t keep = z->tail_len + s->in_len > PGZ_DICT ? PGZ_DICT - s->in_len : z->tail_len;
        memmove(z->tail, z->tail + z->tail_len - keep, keep);
        memcpy(z->tail + keep, s->in, s->in_len);
        z->tail_len = keep + s->in_len;
    }
    pthread_mutex_lock(&z->mu);
    s->failed = 0;
    s->state = SLOT_QUEUED;
    z->next++;
    pthread_cond_signal(&z->work);
    pthread_mutex_unlock(&z->mu);
}

int pgz_write(pgz *z, const void *data, size_t len)
{
    const unsigned char *p = data;
    while (len) {
        if (z->next - z->oldest == z->nslots) {
            int rc = emit_oldest(z);
            if (rc)
                return rc;
        }
        slot *s = slot_of(z, z->next);
        size_t n = PGZ_BLOCK - s->in_len < len ? PGZ_BLOCK - s->in_len : len;
        memcpy(s->in + s->in_len, p, n);
        s->in_len += n;
        p += n;
        len -= n;
        if (s->in_len == PGZ_BLOCK)
            submit(z);
    }
    return 0;
}

int pgz_finish(pgz *z)
{
    int rc = 0;
    if (z->next - z->oldest == z->nslots)
        rc = emit_oldest(z);
    if (!rc && slot_of(z, z->next)->in_len)
        submit(z);
    while (!rc && z->oldest < z->next)
        rc = emit_oldest(z);
    if (!rc && !z->header_done)
        rc = emit_header(z);
    /* A final empty fixed-Huffman block, then CRC-32 and ISIZE (LE). */
    unsigned char t[10] = {3, 0};
    for (int i = 0; i < 4; i++) {
        t[2 + i] = (unsigned char)(z->crc >> (8 * i));
        t[6 + i] = (unsigned char)(z->total >> (8 * i));
    }
    return rc ? rc : z->emit(z->arg, t, sizeof t);
}

void pgz_free(pgz *z)
{
    if (!z)
        return;
    pthread_mutex_lock(&z->mu);
    z->stop = 1;
    pthread_cond_broadcast(&z->work);
    pthread_mutex_unlock(&z->mu);
    for (int i = 0; i < z->started; i++)
        pthread_join(z->th[i], NULL);
    for (size_t i = 0; z->slots && i < z->nslots; i++)
        free(z->slots[i].out);
    pthread_cond_destroy(&z->work);
    pthread_cond_destroy(&z->done);
    pthread_mutex_destroy(&z->mu);
    free(z->slots);
    free(z->th);
    free(z);
}
