/* child.c — a training run in a child process (contract in child.h): the
 * fork, the pipes that carry its output and report, how it ended, and the
 * signal handling the multi-run drivers (seeds.c, sweep.c) share.
 * Deliberately not here: scheduling or printing. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include "child.h"

static volatile sig_atomic_t got_signal;  /* the last SIGINT/SIGTERM received, 0 = none */
static volatile sig_atomic_t got_twice;   /* a second one came */
static struct sigaction old_int, old_term;

/* In the parent: note it. In a child (handlers survive fork): also stop its
 * run at the next callback. */
static void on_signal(int sig)
{
    if (got_signal)
        got_twice = 1;
    got_signal = sig;
    rlc_run_request_stop();
}

void rlc_child_catch_signals(void)
{
    got_signal = got_twice = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART; /* writes to a slow stdout resume; poll still wakes (EINTR) */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
}

void rlc_child_restore_signals(void)
{
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
}

int rlc_child_signal(void)
{
    return got_signal;
}

bool rlc_child_signal_twice(void)
{
    return got_twice != 0;
}

double rlc_child_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The child: stdout and stderr into out_w, one body, the report into
 * report_w. Never returns. */
static void child_main(rlc_child_body body, void *arg, int out_w, int report_w, pid_t parent)
{
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGTERM); /* no orphans if the parent is killed outright */
#endif
    if (getppid() != parent) /* it died before prctl */
        _exit(128 + SIGTERM);
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) {
        dup2(null_fd, STDIN_FILENO);
        close(null_fd);
    }
    dup2(out_w, STDOUT_FILENO);
    dup2(out_w, STDERR_FILENO);
    close(out_w);
    rlc_child_report rep;
    memset(&rep, 0, sizeof rep);
    rep.status = body(arg, &rep.result);
    if (rep.status != RLC_OK)
        fprintf(stderr, "rlc: %s\n",
                rep.result.error[0] ? rep.result.error : rlc_strerror(rep.status));
    fflush(stderr);
    int w = write_all(report_w, &rep, sizeof rep);
    close(report_w);
    if (rep.status == RLC_EINTERRUPTED)
        _exit(128 + (got_signal ? got_signal : SIGINT));
    /* _exit: the parent's stdio buffers and atexit handlers are not ours */
    _exit(rep.status == RLC_OK && w == 0 ? 0 : 1);
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

int rlc_child_start(rlc_child *ch, rlc_child_body body, void *arg, rlc_child *const *others,
                    size_t n_others, FILE *flush, char *why, size_t n_why)
{
    memset(ch, 0, sizeof *ch);
    ch->out_fd = ch->report_fd = -1;
    int out_p[2] = {-1, -1}, rep_p[2] = {-1, -1};
    ch->t_start = rlc_child_now();
    if (pipe(out_p) != 0 || pipe(rep_p) != 0) {
        snprintf(why, n_why, "cannot start: pipe: %s", strerror(errno));
        goto fail;
    }
    if (flush)
        fflush(flush);
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, n_why, "cannot start: fork: %s", strerror(errno));
        goto fail;
    }
    if (pid == 0) {
        close(out_p[0]);
        close(rep_p[0]);
        for (size_t k = 0; k < n_others; k++) /* other children's pipes */
            if (others[k]) {
                close_fd(&others[k]->out_fd);
                close_fd(&others[k]->report_fd);
            }
        child_main(body, arg, out_p[1], rep_p[1], parent);
    }
    close(out_p[1]);
    close(rep_p[1]);
    ch->pid = pid;
    ch->out_fd = out_p[0];
    ch->report_fd = rep_p[0];
    return 0;
fail:
    for (int i = 0; i < 2; i++) {
        close_fd(&out_p[i]);
        close_fd(&rep_p[i]);
    }
    return -1;
}

bool rlc_child_open(const rlc_child *ch)
{
    return ch->out_fd >= 0 || ch->report_fd >= 0;
}

void rlc_child_drain(rlc_child *ch, int fd)
{
    int *which = fd == ch->report_fd ? &ch->report_fd : &ch->out_fd;
    char buf[4096];
    ssize_t r = read(*which, buf, sizeof buf);
    if (r < 0 && errno == EINTR)
        return;
    if (r <= 0) {
        close_fd(which);
        return;
    }
    if (which == &ch->report_fd) {
        size_t room = sizeof ch->report - ch->report_len, k = (size_t)r < room ? (size_t)r : room;
        memcpy((char *)&ch->report + ch->report_len, buf, k);
        ch->report_len += k;
        return;
    }
    /* keep the last sizeof tail bytes */
    size_t n = (size_t)r, cap = sizeof ch->tail;
    if (n >= cap) {
        memcpy(ch->tail, buf + n - cap, cap);
        ch->tail_len = cap;
    } else {
        size_t keep = ch->tail_len + n > cap ? cap - n : ch->tail_len;
        memmove(ch->tail, ch->tail + ch->tail_len - keep, keep);
        memcpy(ch->tail + keep, buf, n);
        ch->tail_len = keep + n;
    }
}

void rlc_child_last_line(const rlc_child *ch, char *line, size_t n)
{
    size_t end = ch->tail_len;
    while (end > 0 && (ch->tail[end - 1] == '\n' || ch->tail[end - 1] == '\r'))
        end--;
    size_t start = end;
    while (start > 0 && ch->tail[start - 1] != '\n')
        start--;
    const char *p = ch->tail + start;
    size_t len = end - start;
    if (len >= 5 && memcmp(p, "rlc: ", 5) == 0) {
        p += 5;
        len -= 5;
    }
    for (size_t i = 0; i < len; i++) /* keep a table on one line */
        if (p[i] == '\r' || p[i] == '\033')
            len = i;
    snprintf(line, n, "%.*s", (int)len, p);
}

rlc_child_outcome rlc_child_reap(rlc_child *ch, int *exit_status, double *seconds, char *error,
                                 size_t n)
{
    int status = 0;
    pid_t w;
    while ((w = waitpid(ch->pid, &status, 0)) < 0 && errno == EINTR)
        ;
    if (seconds)
        *seconds = rlc_child_now() - ch->t_start;
    ch->pid = 0;
    error[0] = '\0';
    if (w < 0) { /* cannot happen for our own child */
        snprintf(error, n, "waitpid: %s", strerror(errno));
        if (exit_status)
            *exit_status = -1;
        return RLC_CHILD_FAILED;
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (exit_status)
        *exit_status = code;
    bool report = ch->report_len == sizeof ch->report;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && report && ch->report.status == RLC_OK)
        return RLC_CHILD_SUCCEEDED;
    bool stopped = (report && ch->report.status == RLC_EINTERRUPTED) ||
                   (got_signal && WIFSIGNALED(status)) ||
                   (got_signal && WIFEXITED(status) && WEXITSTATUS(status) > 128);
    if (stopped)
        return RLC_CHILD_INTERRUPTED;
    char line[400];
    rlc_child_last_line(ch, line, sizeof line);
    if (WIFSIGNALED(status))
        snprintf(error, n, "killed by signal %d (%s)%s%s", WTERMSIG(status),
                 strsignal(WTERMSIG(status)), line[0] ? ": " : "", line);
    else if (line[0])
        snprintf(error, n, "%s", line);
    else
        snprintf(error, n, "exit status %d", WEXITSTATUS(status));
    return RLC_CHILD_FAILED;
}
