/*
 * progress.h — the progress line `ferry run` draws on a terminal: rows,
 * rows/s, elapsed, and percentage and ETA when the row count is known.
 * Redrawn at most 10 times a second; silent when not on a terminal.
 */
#ifndef FERRY_CORE_PROGRESS_H
#define FERRY_CORE_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

#include "clock.h"

typedef struct ferry_progress {
    FILE *out;    /* NULL: silent */
    double start; /* monotonic seconds */
    double last;  /* last redraw */
    int drawn;
} ferry_progress;

void ferry_progress_init(ferry_progress *p, FILE *out);
/* A pipeline progress callback (payload: ferry_progress *). */
void ferry_progress_update(void *payload, uint64_t rows, int64_t total, int estimated);
/* Clears the line. */
void ferry_progress_done(ferry_progress *p);

#endif
