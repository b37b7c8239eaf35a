/* main.c — `ferry`: global options, signal handling, command dispatch. */
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

typedef struct command {
    const char *name;
    int (*fn)(ferry_app *, int, char **);
    const char *summary;
    int service; /* long-running: SIGHUP is ignored (nothing to reload) */
} command;

static const command commands[] = {
    {"run", ferry_cmd_run, "run one pipeline config end to end (--check, --preview N, --set k=v)",
     0},
    {"request", ferry_cmd_request, "run, list, show, cancel, retry or delete export requests", 0},
    {"db", ferry_cmd_db, "migrate or show the status of the database schema", 0},
    {"plugins", ferry_cmd_plugins, "list plugins, show one's options, check a plugin .so", 0},
    {"worker", ferry_cmd_worker, "claim and run pending export requests", 1},
    {"scheduler", ferry_cmd_scheduler, "turn due export schedules into requests", 1},
    {"schedule", ferry_cmd_schedule, "schedule next PATTERN: print a cron pattern's next runs", 0},
    {"expire", ferry_cmd_expire, "delete expired artifacts and sweep orphans", 0},
    {"serve", ferry_cmd_serve, "serve downloads over HTTP with signed, expiring tokens", 1},
    {"daemon", ferry_cmd_daemon, "run worker, scheduler, expiry and server together", 1},
    {"config", ferry_cmd_config, "config check [FILE]: check ferry.conf, print the settings", 0},
    {"queue", ferry_cmd_queue, "pause, resume or show the queue (every worker, every host)", 0},
    {"stats", ferry_cmd_stats, "exports per user and day from export_usage_stats", 0},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: ferry [--config FILE] [-v|-q] COMMAND [ARGS]\n\n"
               "ferry is a plugin-based batch pipeline framework for exporting data.\n\n"
               "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nOptions:\n"
               "  --config FILE  site settings (else $FERRY_CONFIG, conf/ferry.conf, "
               "/etc/ferry/ferry.conf)\n"
               "  -v, -q         more or less logging on stderr\n"
               "  --log-format F logfmt (default) or json, one object a line ($FERRY_LOG_FORMAT)\n"
               "  --version      print the version and plugin ABI\n"
               "  --help         this text; `ferry COMMAND --help` for a command\n\n"
               "Environment: FERRY_CONFIG, FERRY_LOG_FORMAT, FERRY_DATABASE_URL "
               "(mysql://user:pw@host:port/db or\n"
               "  mysql://user:pw@localhost/db?socket=/path), FERRY_PLUGIN_PATH, FERRY_SECRET.\n\n"
               "Exit codes:\n"
               "  0 success        1 failed          2 usage          3 config error\n"
               "  4 plugin error   5 database error  6 not found      7 denied\n"
               "  8 limit hit      130 interrupted\n");
}

/* `ferry COMMAND --help` and `ferry COMMAND VERB --help`: the command's help. */
static int wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc && i <= 2; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
    return 0;
}

static atomic_int stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

/* Opens descriptors 0-2 that were closed on /dev/null: else the next file
 * or socket opened becomes "stderr" and log lines go into it (a database
 * connection, the worker's fork server channel, an artifact). */
static void std_fds_open(void)
{
    for (int fd = 0; fd <= STDERR_FILENO; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        int n = open("/dev/null", O_RDWR);
        if (n >= 0 && n != fd) {
            dup2(n, fd);
            close(n);
        }
    }
}

int main(int argc, char **argv)
{
    std_fds_open();
    ferry_app app;
    memset(&app, 0, sizeof app);
    app.log.level = FERRY_LOG_INFO;
    app.stdout_tty = isatty(STDOUT_FILENO);
    app.argv0 = argv[0];
    app.stop = &stop_flag;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    static const struct option opts[] = {{"config", required_argument, 0, 'c'},
                                         {"help", no_argument, 0, 'h'},
                                         {"version", no_argument, 0, 'V'},
                                         {"verbose", no_argument, 0, 'v'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"log-format", required_argument, 0, 'L'},
                                         {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "+c:hvqV", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            app.config_path = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("ferry %s (plugin ABI %d.%d)\n", FERRY_VERSION, FERRY_ABI_MAJOR,
                   FERRY_ABI_MINOR);
            return 0;
        case 'v':
            app.log.level = FERRY_LOG_DEBUG;
            break;
        case 'q':
            app.log.level = FERRY_LOG_WARN;
            break;
        case 'L':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "logfmt") != 0) {
                fprintf(stderr, "ferry: --log-format wants logfmt or json\n");
                return FERRY_EXIT_USAGE;
            }
            setenv("FERRY_LOG_FORMAT", optarg, 1); /* `ferry daemon`'s children too */
            break;
        default:
            usage(stderr);
            return FERRY_EXIT_USAGE;
        }
    }
    const char *lf = getenv("FERRY_LOG_FORMAT");
    app.log.json = lf && strcmp(lf, "json") == 0;
    if (optind >= argc) {
        usage(stderr);
        return FERRY_EXIT_USAGE;
    }
    const char *name = argv[optind];
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(commands[i].name, name) == 0) {
            app.log.command = commands[i].name;
            int sub_argc = argc - optind;
            char **sub_argv = argv + optind;
            optind = 0; /* reset getopt for the command */
            char *help_argv[] = {(char *)commands[i].name, "--help", NULL};
            if (wants_help(sub_argc, sub_argv)) {
                sub_argc = 2;
                sub_argv = help_argv;
            }
            /* A HUP meant as "reload" (or a closed terminal) must not end
             * a service: its default action would, and a unit's
             * Restart=on-failure counts that as a clean exit. */
            if (commands[i].service)
                signal(SIGHUP, SIG_IGN);
            int rc = commands[i].fn(&app, sub_argc, sub_argv);
            ferry_site_free(app.site);
            ferry_metrics_free(app.metrics);
            return rc;
        }
    }
    fprintf(stderr, "ferry: unknown command \"%s\" (see ferry --help)\n", name);
    return FERRY_EXIT_USAGE;
}
