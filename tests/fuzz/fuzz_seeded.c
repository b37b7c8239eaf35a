/*
 * fuzz_seeded.c — a libFuzzer target's entry point under gcc, in the
 * normal build: every file of a seed corpus once, then a bounded number of
 * inputs made from them (bytes flipped, inserted, cut, or two seeds
 * spliced) with a fixed xorshift seed, so a failure repeats.
 *   fuzz_seeded_TARGET RUNS CORPUS_DIR
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXLEN 4096

typedef struct seed {
    uint8_t *d;
    size_t n;
} seed;

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static size_t load(const char *dir, seed *out, size_t cap)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;
    while (d && n < cap && (e = readdir(d)) != NULL) {
        char path[1024];
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        out[n].d = malloc(MAXLEN);
        out[n].n = fread(out[n].d, 1, MAXLEN, f);
        fclose(f);
        LLVMFuzzerTestOneInput(out[n].d, out[n].n);
        n++;
    }
    if (d)
        closedir(d);
    return n;
}

/* One input from the seeds into buf; returns its length. */
static size_t mutate(uint64_t *s, const seed *seeds, size_t nseeds, uint8_t *buf)
{
    const seed *a = &seeds[rng(s) % nseeds];
    size_t n = a->n;
    memcpy(buf, a->d, n);
    for (int k = (int)(rng(s) % 4); k >= 0; k--) {
        size_t at = n ? rng(s) % n : 0;
        switch (rng(s) % 5) {
        case 0:
            if (n)
                buf[at] = (uint8_t)rng(s);
            break;
        case 1:
            if (n)
                buf[at] ^= (uint8_t)(1u << rng(s) % 8);
            break;
        case 2:
            if (n < MAXLEN) {
                memmove(buf + at + 1, buf + at, n - at);
                buf[at] = (uint8_t)rng(s), n++;
            }
            break;
        case 3:
            n = at;
            break;
        default: {
            const seed *b = &seeds[rng(s) % nseeds];
            size_t from = b->n ? rng(s) % b->n : 0, m = b->n - from;
            if (at + m > MAXLEN)
                m = MAXLEN - at;
            memcpy(buf + at, b->d + from, m);
            n = at + m;
        }
        }
    }
    return n;
}

int main(int argc, char **argv)
{
    long runs = argc > 1 ? atol(argv[1]) : 1000;
    static seed seeds[512];
    size_t nseeds = argc > 2 ? load(argv[2], seeds, 512) : 0;
    uint64_t s = 0x9e3779b97f4a7c15ULL;
    static uint8_t buf[MAXLEN];
    for (long r = 0; r < runs; r++) {
        size_t n;
        if (nseeds && r % 4) {
            n = mutate(&s, seeds, nseeds, buf);
        } else {
            n = rng(&s) % 64;
            for (size_t i = 0; i < n; i++)
                buf[i] = (uint8_t)rng(&s);
        }
        LLVMFuzzerTestOneInput(buf, n);
    }
    printf("%ld inputs and %zu seeds, no failure\n", runs, nseeds);
    for (size_t i = 0; i < nseeds; i++)
        free(seeds[i].d);
    return 0;
}
