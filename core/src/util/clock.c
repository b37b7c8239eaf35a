/* clock.c — the monotonic clock and interruptible sleeps (clock.h). */
#include "clock.h"

#include <errno.h>
#include <time.h>

double ferry_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int64_t ferry_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ferry_nap_ms(unsigned ms, const atomic_int *stop)
{
    while (ms > 0) {
        if (stop && atomic_load(stop))
            return 1;
        unsigned step = ms < 100 ? ms : 100;
        struct timespec ts = {0, (long)step * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
        ms -= step;
    }
    return stop && atomic_load(stop);
}
