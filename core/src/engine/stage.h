/*
 * stage.h — staging files: an artifact is written to a hidden file beside
 * its destination (".ferry-stage-<name>-XXXXXX", held with an exclusive
 * flock while written), fsynced, renamed into place and the directory
 * fsynced. A failed run unlinks its staging file; a killed run's is removed
 * by the next run into that directory (its lock is free).
 */
#ifndef FERRY_CORE_STAGE_H
#define FERRY_CORE_STAGE_H

#include "error.h"

typedef struct ferry_stage {
    char *dir;    /* destination directory, owned */
    char *final;  /* destination path, owned */
    char *path;   /* staging file path, owned */
    char *tmpdir; /* a private temp dir beside it for libraries (xlsx), owned */
    int fd;       /* open, locked */
} ferry_stage;

/* Creates the staging file for `dir`/`name` (dir created if missing). With
 * `sweep`, first sweeps `dir` (ferry_stage_sweep, any age), which reads the
 * whole directory; a caller that sweeps `dir` itself passes 0 (the worker,
 * core/src/service/child.c). */
int ferry_stage_open(ferry_stage *st, const char *dir, const char *name, int sweep, ferry_err *err);
/* fsync, rename into place, fsync the directory; closes. */
int ferry_stage_publish(ferry_stage *st, ferry_err *err);
/* Unlinks the staging file and temp dir; closes. Safe after publish. */
void ferry_stage_abort(ferry_stage *st);
void ferry_stage_free(ferry_stage *st);

/* Removes staging files in `dir` whose writer is gone (lock free), and
 * returns how many; `min_age` seconds (0: any age). */
int ferry_stage_sweep(const char *dir, long min_age);

#endif
