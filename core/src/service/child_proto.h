/*
 * child_proto.h — what the worker's slots, the fork server and the request
 * children share (child.c, child_server.c; internal to those two).
 *
 * Each slot has a SOCK_SEQPACKET socket pair to the server: one message per
 * send, never split or merged, so each side reads whole messages.
 *   slot → server:  RUN (a claim), KILL (the slot's running child)
 *   server → slot:  STARTED (value: the child's pid, or -errno of fork),
 *                   EXITED (value: its wait status, after it was reaped)
 *   child → slot:   RESULT, written by the request child itself on the
 *                   server's end of its slot's pair just before it exits, so
 *                   it always arrives before that child's EXITED.
 */
#ifndef FERRY_CORE_CHILD_PROTO_H
#define FERRY_CORE_CHILD_PROTO_H

#include <stdatomic.h>
#include <sys/types.h>

#include "child.h"
#include "pipeline.h"

enum { CHILD_RUN = 1, CHILD_KILL, CHILD_STARTED, CHILD_EXITED, CHILD_RESULT };

/* One page per slot, mapped shared before the server is forked: the cancel
 * flag (slot to child) and the plugin each thread is calling (child to
 * slot: the engine notes it before every plugin call). */
typedef struct child_shared {
    atomic_int cancel;
    ferry_stage_note note;
} child_shared;

typedef struct child_result {
    int rc;
    ferry_request_done done; /* its fault and pipeline file too */
    ferry_err err;
} child_result;

typedef struct child_msg {
    int type;
    int value;
    ferry_claim claim; /* RUN */
    child_result res;  /* RESULT */
} child_msg;

struct ferry_child_server {
    const ferry_service *svc; /* borrowed */
    int nslots;
    int *fd;             /* [nslots] the slots' ends; owned */
    child_shared *pages; /* [nslots] MAP_SHARED; owned */
    pid_t pid;           /* the server */
    atomic_int gone;     /* a slot found the server gone */
};

/* Sends one message of `type` (with `value` and, for RUN, the claim) on
 * `fd`; 0 when it went, -1 when the other end is gone. */
int ferry_child_send(int fd, int type, int value, const ferry_claim *claim);

/* The request child: connects, runs the claim, sends RESULT on `fd` and
 * _exit()s. `server` is its parent's pid. */
_Noreturn void ferry_child_request_main(const ferry_service *svc, const ferry_claim *claim,
                                        child_shared *sh, int fd, pid_t server);

#endif
