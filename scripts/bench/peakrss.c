/*
 * peakrss — runs a command and writes "<exit code> <seconds> <peak RSS KiB>"
 * into RESULT, for scripts/bench/bench.py.
 *
 * Why not Python's own fork: on Linux ru_maxrss survives execve, so a child
 * forked (or vforked) from the Python benchmark starts with the Python
 * process's peak RSS as its floor. This tiny program is that floor instead
 * (about 1 MiB). The peak RSS is ru_maxrss of wait4 on the command: the
 * largest single process of its tree, not the sum.
 *
 *   peakrss RESULT COMMAND [ARGS…]
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: peakrss RESULT COMMAND [ARGS...]\n");
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "peakrss: fork: %s\n", strerror(errno));
        return 1;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        fprintf(stderr, "peakrss: %s: %s\n", argv[2], strerror(errno));
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR) {
            fprintf(stderr, "peakrss: wait4: %s\n", strerror(errno));
            return 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    FILE *f = fopen(argv[1], "w");
    if (!f || fprintf(f, "%d %.6f %ld\n", code, secs, ru.ru_maxrss) < 0 || fclose(f) != 0) {
        fprintf(stderr, "peakrss: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    return 0;
}
