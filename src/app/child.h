/* child.h — one training run in a child process, for the commands that run
 * many (`rlc run --seeds`, `rlc sweep`): fork, capture the child's output
 * and its report through pipes, reap it and say how it ended; and the
 * SIGINT/SIGTERM handling those drivers share. Internal to the rlc command
 * (src/app): it forks and handles signals, which the library never does.
 * Deliberately not here: which runs to start, or what to print. */
#ifndef RLC_APP_CHILD_H
#define RLC_APP_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "rlc/run.h"

/* What the child's body does: train or resume, filling *res. Runs in the
 * child, whose stdout and stderr go to the parent's capture. */
typedef rlc_status (*rlc_child_body)(void *arg, rlc_run_result *res);

/* What a child sends back through its report pipe when it ends. */
typedef struct rlc_child_report {
    rlc_status status;
    rlc_run_result result;
} rlc_child_report;

typedef enum rlc_child_outcome {
    RLC_CHILD_SUCCEEDED,
    RLC_CHILD_FAILED,
    RLC_CHILD_INTERRUPTED,
} rlc_child_outcome;

typedef struct rlc_child {
    pid_t pid;              /* 0: not running */
    int out_fd, report_fd;  /* read ends of the child's stdout+stderr and report pipes; -1 closed */
    char tail[1024];        /* the last bytes the child wrote to stdout or stderr */
    size_t tail_len;
    rlc_child_report report;
    size_t report_len;      /* bytes of report received */
    double t_start;         /* CLOCK_MONOTONIC seconds at the fork */
} rlc_child;

/* Fork a child that runs body(arg) with stdin from /dev/null and stdout
 * and stderr into a pipe to *ch, and no progress display; a failure is
 * printed as "rlc: <error>" (its last line). The child exits 0 on success,
 * 128 + the signal if interrupted, 1 otherwise; it is sent SIGTERM if this
 * process dies (Linux). stdout, stderr and `flush` (may be NULL) are
 * flushed first, so the child cannot write their buffers twice. The other
 * children's descriptors in `others` (n_others of them, may be NULL) are
 * closed in the child. Returns 0 with ch running, or -1 with why (n_why
 * bytes) saying what failed (pipe, fork); ch is then not running. */
int rlc_child_start(rlc_child *ch, rlc_child_body body, void *arg, rlc_child *const *others,
                    size_t n_others, FILE *flush, char *why, size_t n_why);

/* Whether either pipe of a started child is still open (it has not
 * finished writing: keep draining). */
bool rlc_child_open(const rlc_child *ch);

/* Read what is there from `fd` (ch->out_fd or ch->report_fd); close it at
 * end of file. */
void rlc_child_drain(rlc_child *ch, int fd);

/* Wait for a child whose pipes are both closed and classify how it ended:
 * succeeded (exit 0 and an RLC_OK report), interrupted (an
 * RLC_EINTERRUPTED report, or killed or exited above 128 after a signal
 * reached this process), or failed, with `error` (n bytes) its last line
 * of output, the signal that killed it, or its exit status. *exit_status
 * (may be NULL) receives the exit status, or 128 + the killing signal.
 * *seconds (may be NULL) the wall-clock time since the fork. */
rlc_child_outcome rlc_child_reap(rlc_child *ch, int *exit_status, double *seconds, char *error,
                                 size_t n);

/* The last non-empty line of the child's output, without "rlc: ", or "". */
void rlc_child_last_line(const rlc_child *ch, char *line, size_t n);

/* Catch SIGINT and SIGTERM: the first asks every run in this process (and
 * in children forked later: the handler survives fork) to stop at its next
 * checkpoint (rlc_run_request_stop); rlc_child_signal() then returns it, and
 * rlc_child_signal_twice() is true after a second. rlc_child_restore_signals
 * puts the previous handlers back. */
void rlc_child_catch_signals(void);
void rlc_child_restore_signals(void);
int rlc_child_signal(void);
bool rlc_child_signal_twice(void);

/* CLOCK_MONOTONIC in seconds. */
double rlc_child_now(void);

#endif
