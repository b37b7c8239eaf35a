/*
 * fuzz_driver.c — runs fuzz_cron.c's LLVMFuzzerTestOneInput under gcc over a
 * bounded number of seeded random inputs: half raw bytes, half built from
 * cron tokens so that many of them parse. FUZZ_CRON_RUNS overrides the count.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* One field: a list of items (*, n, a-b, with /step), values mostly in
 * range, sometimes names, sometimes out of range or mangled. */
static size_t gen_field(uint64_t *seed, int f, char *out, size_t cap)
{
    static const int lo[5] = {0, 0, 1, 1, 0}, hi[5] = {59, 23, 31, 12, 7};
    static const char *const names[] = {"jan", "MAR", "dec", "sun", "Fri", "sat", "xyz"};
    size_t n = 0;
    int items = 1 + (int)(rng_next(seed) % 3);
    for (int i = 0; i < items && n + 24 < cap; i++) {
        int span = hi[f] - lo[f] + 1, bad = rng_next(seed) % 16 == 0;
        int a = lo[f] + (int)(rng_next(seed) % (unsigned)(span + bad));
        int b = a + (int)(rng_next(seed) % (unsigned)(hi[f] - a + 1 + bad)) - bad;
        switch (rng_next(seed) % 7) {
        case 0:
            n += (size_t)snprintf(out + n, cap - n, "*");
            break;
        case 1:
            n += (size_t)snprintf(out + n, cap - n, "*/%d", (int)(rng_next(seed) % 25) + !bad);
            break;
        case 2:
            n += (size_t)snprintf(out + n, cap - n, "%d-%d", a, b);
            break;
        case 3:
            n +=
                (size_t)snprintf(out + n, cap - n, "%d-%d/%d", a, b, 1 + (int)(rng_next(seed) % 9));
            break;
        case 4:
            if (f >= 3) {
                int k = f == 3 ? (int)(rng_next(seed) % 3) : 3 + (int)(rng_next(seed) % 3);
                n += (size_t)snprintf(out + n, cap - n, "%s", names[bad ? 6 : k]);
                break;
            }
            /* fall through */
        default:
            n += (size_t)snprintf(out + n, cap - n, "%d", a);
        }
        if (i + 1 < items)
            out[n++] = ',';
    }
    if (rng_next(seed) % 20 == 0 && n) /* mangle one byte */
        out[rng_next(seed) % n] = (char)(' ' + rng_next(seed) % 95);
    return n;
}

int main(void)
{
    long runs = 20000;
    const char *env = getenv("FUZZ_CRON_RUNS");
    if (env && atol(env) > 0)
        runs = atol(env);
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    uint8_t buf[256];
    for (long r = 0; r < runs; r++) {
        size_t n = 9;
        for (int i = 0; i < 9; i++)
            buf[i] = (uint8_t)rng_next(&seed);
        if (r % 2) {
            size_t len = rng_next(&seed) % 40;
            for (size_t i = 0; i < len; i++)
                buf[n++] =
                    (uint8_t)(rng_next(&seed) % 3 ? ' ' + rng_next(&seed) % 95 : rng_next(&seed));
        } else {
            int nf = rng_next(&seed) % 25 == 0 ? 4 : 5;
            for (int f = 0; f < nf; f++) {
                n += gen_field(&seed, f, (char *)buf + n, sizeof buf - n - 2);
                if (f + 1 < nf)
                    buf[n++] = ' ';
            }
            if (rng_next(&seed) % 50 == 0)
                n = 9 + (size_t)snprintf((char *)buf + 9, 16, "@%s",
                                         rng_next(&seed) % 2 ? "daily" : "weekly");
        }
        LLVMFuzzerTestOneInput(buf, n);
    }
    printf("fuzz_cron: %ld inputs, no invariant broken\n", runs);
    return 0;
}
