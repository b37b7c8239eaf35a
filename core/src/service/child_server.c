/*
 * child_server.c — the fork server: one process, forked by the worker while
 * it has a single thread, that forks a child per request and reaps it
 * (child.h; the decisions are at the top of child.c, the messages in
 * child_proto.h).
 *
 * Its loop is single-threaded and small: poll the slots' sockets and a
 * signalfd for SIGCHLD; RUN forks a request child, KILL kills a slot's
 * child if it has not been reaped yet (so never a recycled pid), a reaped
 * child's wait status goes back to its slot as EXITED. It exits when every
 * slot has closed its socket and no child is left, and dies with the worker
 * (PR_SET_PDEATHSIG); its children die with it.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child_proto.h"

typedef struct server {
    ferry_child_server *cs;
    int *fd;      /* [nslots] the server's ends, -1 once closed */
    pid_t *kid;   /* [nslots] the slot's unreaped child, 0: none */
    int sfd;      /* signalfd for SIGCHLD */
    sigset_t old; /* the mask before SIGCHLD was blocked, for the children */
} server;

static void reply(const server *s, int i, int type, int value)
{
    if (s->fd[i] >= 0)
        (void)ferry_child_send(s->fd[i], type, value, NULL);
}

static void spawn(server *s, int i, const ferry_claim *claim)
{
    if (s->kid[i] > 0)
        return; /* one child per slot: the slot waits for EXITED first */
    pid_t self = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        close(s->sfd);
        for (int j = 0; j < s->cs->nslots; j++)
            if (j != i && s->fd[j] >= 0)
                close(s->fd[j]);
        signal(SIGCHLD, SIG_DFL);
        sigprocmask(SIG_SETMASK, &s->old, NULL);
        ferry_child_request_main(s->cs->svc, claim, &s->cs->pages[i], s->fd[i], self);
    }
    if (pid > 0)
        s->kid[i] = pid;
    reply(s, i, CHILD_STARTED, pid > 0 ? (int)pid : -errno);
}

static void reap(server *s)
{
    struct signalfd_siginfo si;
    while (read(s->sfd, &si, sizeof si) == (ssize_t)sizeof si)
        ;
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
        for (int i = 0; i < s->cs->nslots; i++)
            if (s->kid[i] == pid) {
                s->kid[i] = 0;
                reply(s, i, CHILD_EXITED, status);
            }
}

/* One message from slot i; 0 when its socket is closed. */
static int on_message(server *s, int i)
{
    child_msg m;
    ssize_t n = recv(s->fd[i], &m, sizeof m, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 1;
    if (n != (ssize_t)sizeof m)
        return 0;
    if (m.type == CHILD_RUN)
        spawn(s, i, &m.claim);
    else if (m.type == CHILD_KILL && s->kid[i] > 0)
        kill(s->kid[i], SIGKILL);
    return 1;
}

static int busy(const server *s, int *open)
{
    int kids = 0;
    *open = 0;
    for (int i = 0; i < s->cs->nslots; i++) {
        kids += s->kid[i] > 0;
        *open += s->fd[i] >= 0;
    }
    return kids;
}

static _Noreturn void serve(server *s)
{
    int n = s->cs->nslots, open = 0;
    struct pollfd *pf = calloc((size_t)n + 1, sizeof *pf);
    if (!pf)
        _exit(1);
    while (busy(s, &open) || open) {
        pf[0] = (struct pollfd){s->sfd, POLLIN, 0};
        for (int i = 0; i < n; i++)
            pf[i + 1] = (struct pollfd){s->fd[i], POLLIN, 0};
        if (poll(pf, (nfds_t)n + 1, -1) < 0 && errno != EINTR)
            _exit(1);
        if (pf[0].revents)
            reap(s);
        for (int i = 0; i < n; i++)
            if (pf[i + 1].revents && !on_message(s, i)) {
                close(s->fd[i]);
                s->fd[i] = -1;
            }
    }
    _exit(0);
}

static _Noreturn void server_main(ferry_child_server *cs, int *fd, pid_t parent)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(1);
    /* A stopping worker cancels its requests by their flag. */
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    for (int i = 0; i < cs->nslots; i++)
        close(cs->fd[i]);
    server s = {cs, fd, calloc((size_t)cs->nslots, sizeof(pid_t)), -1, {{0}}};
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &s.old);
    s.sfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
    if (!s.kid || s.sfd < 0)
        _exit(1);
    serve(&s);
}

static void free_server(ferry_child_server *cs)
{
    for (int i = 0; cs->fd && i < cs->nslots; i++)
        if (cs->fd[i] >= 0)
            close(cs->fd[i]);
    free(cs->fd);
    if (cs->pages && cs->pages != MAP_FAILED)
        munmap(cs->pages, (size_t)cs->nslots * sizeof *cs->pages);
    free(cs);
}

/* The socket pairs: the slots' ends in cs->fd, the server's in srv. */
static int make_channels(ferry_child_server *cs, int *srv, ferry_err *err)
{
    for (int i = 0; i < cs->nslots; i++) {
        int pair[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
            return ferry_err_set(err, FERRY_ERR, "fork server: socketpair: %s", strerror(errno));
        cs->fd[i] = pair[0];
        srv[i] = pair[1];
    }
    return 0;
}

int ferry_child_server_start(ferry_child_server **out, const ferry_service *svc, int nslots,
                             ferry_err *err)
{
    *out = NULL;
    ferry_child_server *cs = calloc(1, sizeof *cs);
    int *srv = calloc((size_t)nslots, sizeof *srv);
    if (!cs || !srv || !(cs->fd = malloc((size_t)nslots * sizeof *cs->fd))) {
        free(cs);
        free(srv);
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    }
    cs->svc = svc;
    cs->nslots = nslots;
    for (int i = 0; i < nslots; i++)
        cs->fd[i] = srv[i] = -1;
    cs->pages = mmap(NULL, (size_t)nslots * sizeof *cs->pages, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int rc = cs->pages == MAP_FAILED
                 ? ferry_err_set(err, FERRY_ERR, "fork server: mmap: %s", strerror(errno))
                 : make_channels(cs, srv, err);
    pid_t parent = getpid();
    cs->pid = rc ? -1 : fork();
    if (cs->pid == 0)
        server_main(cs, srv, parent);
    if (!rc && cs->pid < 0)
        rc = ferry_err_set(err, FERRY_ERR, "fork server: fork: %s", strerror(errno));
    for (int i = 0; i < nslots; i++)
        if (srv[i] >= 0)
            close(srv[i]);
    free(srv);
    if (rc) {
        free_server(cs);
        return rc;
    }
    *out = cs;
    return 0;
}

void ferry_child_server_stop(ferry_child_server *cs)
{
    if (!cs)
        return;
    for (int i = 0; i < cs->nslots; i++) {
        close(cs->fd[i]);
        cs->fd[i] = -1;
    }
    while (waitpid(cs->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    free_server(cs);
}

int ferry_child_server_gone(const ferry_child_server *cs)
{
    return cs && atomic_load(&cs->gone);
}
