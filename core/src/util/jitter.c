/* jitter.c — exponential retry delay with jitter (jitter.h). */
#include "jitter.h"

#include <sys/random.h>
#include <time.h>

static unsigned random_u32(void)
{
    unsigned v = 0;
    if (getrandom(&v, sizeof v, GRND_NONBLOCK) != (ssize_t)sizeof v) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        v = (unsigned)ts.tv_nsec * 2654435761u;
    }
    return v;
}

unsigned ferry_retry_delay_s(unsigned base, int attempt, unsigned cap)
{
    if (base == 0)
        return 0;
    unsigned long long d = base;
    for (int i = 1; i < attempt && d < cap; i++)
        d *= 2;
    if (cap && d > cap)
        d = cap;
    unsigned long long half = d / 2;
    return (unsigned)(half + random_u32() % (d - half + 1));
}
