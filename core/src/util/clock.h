/*
 * clock.h — the monotonic clock, in seconds, and sleeping that wakes early
 * when a stop flag is set: what progress lines, request progress writes,
 * the worker and the scheduler time themselves by.
 */
#ifndef FERRY_CORE_CLOCK_H
#define FERRY_CORE_CLOCK_H

#include <stdatomic.h>
#include <stdint.h>

/* Seconds on CLOCK_MONOTONIC. */
double ferry_monotonic(void);

/* Milliseconds on CLOCK_MONOTONIC (for an atomic or an integer deadline). */
int64_t ferry_monotonic_ms(void);

/* Sleeps `ms` milliseconds in steps of at most 100 ms, returning early once
 * `stop` (may be NULL) is set. Returns non-zero when it stopped early. */
int ferry_nap_ms(unsigned ms, const atomic_int *stop);

#endif
