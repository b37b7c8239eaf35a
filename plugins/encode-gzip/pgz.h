/* pgz.h — parallel gzip (pigz's scheme): the input cut into blocks, each
 * deflated on a worker thread with the previous 32 KiB as its dictionary and
 * ended with a sync flush, the raw blocks joined in order into one gzip
 * member whose CRC-32 is combined from the blocks' (crc32_combine). */
#ifndef FERRY_PGZ_H
#define FERRY_PGZ_H

#include <stddef.h>

typedef struct pgz pgz;
/* Where compressed bytes go, in order, on the caller's thread. */
typedef int (*pgz_emit)(void *arg, const void *data, size_t len);

/* `threads` workers (at least 1) at zlib `level`; NULL when out of memory
 * or a thread cannot start. */
pgz *pgz_new(int level, int threads, pgz_emit emit, void *arg);
/* 0, a negative emit result, or 1 for a deflate or memory failure. */
int pgz_write(pgz *z, const void *data, size_t len);
int pgz_finish(pgz *z);
/* Stops the workers (a running block finishes first) and frees all. */
void pgz_free(pgz *z);

#endif
