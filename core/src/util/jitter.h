/*
 * jitter.h — the delay before a failed attempt is retried: exponential in
 * the attempt number, capped, with random jitter so that many requests
 * failing together (a source down) do not come back together.
 */
#ifndef FERRY_CORE_JITTER_H
#define FERRY_CORE_JITTER_H

/* base * 2^(attempt-1), at most cap, then a uniformly random value in
 * [half of it, all of it]. base 0: 0. */
unsigned ferry_retry_delay_s(unsigned base, int attempt, unsigned cap);

#endif
