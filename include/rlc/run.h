/* rlc/run.h — one training run on disk: resolves the run directory, writes
 * config.ini, monitor.csv (Stable-Baselines3 Monitor format), progress.csv,
 * eval.csv and the final checkpoint, and drives the agent's runner. The
 * CLI is a thin layer over this; a C program can call it too. */
#ifndef RLC_RUN_H
#define RLC_RUN_H

#include <stdio.h>
#include "rlc/config.h"
#include "rlc/status.h"

typedef struct rlc_run_result {
    char run_dir[4096];     /* where the files went */
    double final_mean;      /* last evaluation: mean return over n_eval_episodes */
    double final_std;       /* population standard deviation (ddof 0, as SB3) */
    size_t timesteps;       /* environment steps taken */
    double seconds;         /* wall-clock training time */
    char error[512];        /* on failure: what went wrong, naming the file or key */
} rlc_run_result;

/* Train as `cfg` says (loaded from a file, or built in code with
 * rlc_config_default and assignments; the environment may be one the
 * caller registered with rlc_env_register). The run directory is
 * out_dir/<stem>-s<seed>/ where stem is config_path's file name without
 * extension, or "<algo>_<env_id>" when config_path is NULL; if it exists,
 * the first free of <stem>-s<seed>-2, -3, ... is used, so nothing is
 * overwritten. out_dir is created if missing. Nothing is created before
 * the agent has been built. run.json (src/app/runinfo.h) records what
 * produced the run and its status: "running" until it ends "finished",
 * "interrupted" or "failed". `progress` (may be NULL) receives a human
 * progress display: one updating line on a terminal (narrower than it),
 * plain periodic lines otherwise; a failed write to it ends the display,
 * not the run. Returns RLC_OK, RLC_EINVAL (NULL cfg or out_dir, or cfg fails
 * rlc_config_validate: result->error holds its message), RLC_EIO (a file;
 * result->error names it), RLC_ENONFINITE (training diverged), RLC_ENOMEM,
 * RLC_EINTERRUPTED (rlc_run_request_stop was called). result must not be
 * NULL. */
rlc_status rlc_run_train(const rlc_config *cfg, const char *config_path, const char *out_dir,
                         FILE *progress, rlc_run_result *result);

/* Ask rlc_run_train to stop, for the rest of the process: a run in progress
 * returns RLC_EINTERRUPTED at its next callback (an episode's end, a
 * progress row or an evaluation), after the rows before it were written
 * whole, with its files closed and no checkpoint; a later call returns it
 * at once, before creating anything. Async-signal-safe (it sets one
 * volatile sig_atomic_t): made for SIGINT/SIGTERM handlers. */
void rlc_run_request_stop(void);

/* Write a checkpoint atomically (temp file, fsync, rename): magic
 * "RLCCKPT1", then per tensor its name, length and doubles in the host's
 * byte order, then a CRC-32 of everything before it. RLC_EIO on failure
 * (the old file, if any, stays). */
struct rlc_agent_tensor;
rlc_status rlc_run_write_checkpoint(const char *path, const struct rlc_agent_tensor *tensors,
                                    size_t n);

#endif
