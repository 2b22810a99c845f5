/* rlc/run.h — one training run on disk: resolves the run directory, writes
 * config.ini, monitor.csv (Stable-Baselines3 Monitor format), progress.csv,
 * eval.csv and checkpoints (model.rlc), drives the agent's runner, resumes
 * a run from its checkpoint and loads a trained agent. The
 * CLI is a thin layer over this; a C program can call it too. */
#ifndef RLC_RUN_H
#define RLC_RUN_H

#include <stdio.h>
#include "rlc/agent.h"
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
 * produced the run, on how many ranks ("ranks": 1 here), and its status:
 * "running" until it ends "finished",
 * "interrupted" or "failed". `progress` (may be NULL) receives a human
 * progress display: one updating line on a terminal (narrower than it),
 * plain periodic lines otherwise; a failed write to it ends the display,
 * not the run. Returns RLC_OK, RLC_EINVAL (NULL cfg or out_dir, or cfg fails
 * rlc_config_validate: result->error holds its message), RLC_EIO (a file;
 * result->error names it), RLC_ENONFINITE (training diverged: a loss or
 * gradient before an optimiser step, or parameters after it, not finite;
 * result->error names the quantity and the update, e.g. "non-finite
 * critic loss at update 412"; no checkpoint is written after it, the last
 * one is kept), RLC_ENOMEM,
 * RLC_EINTERRUPTED (rlc_run_request_stop was called: a checkpoint was
 * written). Writes model.rlc (rlc/checkpoint.h: the complete training
 * state) every checkpoint_freq steps, when interrupted and at the end.
 * result must not be NULL. */
rlc_status rlc_run_train(const rlc_config *cfg, const char *config_path, const char *out_dir,
                         FILE *progress, rlc_run_result *result);

/* As rlc_run_train, into the directory run_dir itself (its parent folders
 * are created as needed), for a caller that names its runs (`rlc sweep`):
 * run_dir must not exist (RLC_EIO, "cannot create ...: File exists").
 * Statuses and files as rlc_run_train; RLC_EINVAL for a NULL cfg or run_dir. */
rlc_status rlc_run_train_at(const rlc_config *cfg, const char *run_dir, FILE *progress,
                            rlc_run_result *result);

/* As rlc_run_train, trained by ranks->size processes together
 * (data-parallel; the CLI's `mpirun -n N rlc run`): every rank calls it
 * with the same cfg. The agent type must support it (set_ranks, else
 * RLC_EINVAL naming the algorithm): its initial parameters come from the
 * run seed on every rank, its exploration and training environments from
 * ranks->seed, and every gradient is averaged over the ranks with
 * ranks->sum. At every checkpoint point (each rollout on-policy;
 * off-policy every 250 steps, at the end and when a checkpoint is due) one
 * sum over the ranks agrees on stopping (a stop requested on any rank stops
 * all) and compares the CRC-32 of each rank's model (its tensors):
 * parameters that differ stop the run with RLC_EIO, result->error naming
 * the ranks and the step. Rank 0 alone creates the run directory, writes
 * its files and checkpoints, and evaluates every eval_freq steps; the
 * other ranks write nothing (their result holds only the status and
 * steps). Observation normalisation statistics are merged over the ranks
 * at every update (rlc_policy_trainer_sync_obs), and so are reward
 * normalisation statistics (rlc_runner_set_ranks); both are in the CRC.
 * Every checkpoint holds every rank's state: at each checkpoint point
 * the other ranks move their agents' and runners' states (ranks->move,
 * needed when size > 1, else RLC_EINVAL) to rank 0, which writes them
 * after its own as the parts "rank1" .. "rank<N-1>" (the same pieces as
 * rank 0's "agent" and "runner"; the file is about N times a one-process
 * checkpoint, and rank 0 holds the others' states in memory, allocated at
 * the first checkpoint). run.json records the rank count ("ranks"). With
 * ranks->size 1 the run is bit for bit rlc_run_train's. */
rlc_status rlc_run_train_ranks(const rlc_config *cfg, const char *config_path, const char *out_dir,
                               const rlc_agent_ranks *ranks, FILE *progress,
                               rlc_run_result *result);

/* Continue the run in run_dir from its checkpoint (model.rlc): the run's
 * config.ini is loaded and validated, the agent and environments are built
 * as rlc_run_train builds them, the checkpoint (which must have been made
 * with this config.ini: its CRC-32 is in the file) is loaded into them,
 * monitor.csv, progress.csv and eval.csv are cut back to their lengths at
 * the checkpoint, and training continues, appending to them. A run
 * stopped at a checkpoint and resumed ends with the same parameters,
 * eval.csv, progress.csv training columns (all but time_elapsed and fps)
 * and monitor.csv r,l columns as the run that never stopped, bit for bit,
 * with the same binary. A finished run is left as it is
 * (RLC_OK, result->timesteps the steps it took). A run killed at any
 * moment (SIGKILL, power loss) resumes from its last checkpoint: a
 * model.rlc.tmp left by a kill in the middle of writing one is never a
 * checkpoint (the rename commits it) and is removed first. Statuses as
 * rlc_run_train, and RLC_EFORMAT (model.rlc is not a readable checkpoint,
 * or there is none: the run stopped before its first; or a log is missing
 * or shorter than the checkpoint says; result->error says which);
 * RLC_EINVAL also for a checkpoint made with another configuration, and
 * for a run trained on several ranks (rlc_run_resume_ranks resumes it). */
rlc_status rlc_run_resume(const char *run_dir, FILE *progress, rlc_run_result *result);

/* As rlc_run_resume, by ranks->size processes together (`mpirun -n N rlc
 * resume RUN_DIR`): every rank calls it. The run must have been trained
 * on as many ranks (run.json's "ranks"; 1 when it has none), else
 * RLC_EINVAL with result->error saying how to resume it, on every rank
 * and before anything is touched; rlc_run_resume likewise refuses a run
 * of several ranks. Every rank reads run_dir's config.ini and run.json
 * (the run directory must be visible to all); rank 0 alone reads the
 * checkpoint, tells every rank whether it could (one sum: on failure the
 * others return its status, result->error "rank 0 could not load the
 * checkpoint"), and moves each rank its own state (ranks->move); then
 * training continues as rlc_run_train_ranks, bit for bit as the run that
 * never stopped, rank 0 alone writing. RLC_EINVAL also for bad ranks
 * (size 0, rank out of range, no sum, no move with size > 1). */
rlc_status rlc_run_resume_ranks(const char *run_dir, const rlc_agent_ranks *ranks,
                                FILE *progress, rlc_run_result *result);

/* Load the trained agent of run_dir, to act with it: cfg receives the
 * run's configuration (rlc_agent_find(cfg->algo) is the agent's type, and
 * its predict hook acts), *agent the agent in the state of the checkpoint
 * (free it with that type's free). err (errlen bytes) says what went
 * wrong. Statuses as rlc_run_resume (a .tmp is left alone). A run of
 * several ranks (run.json) gives rank 0's agent. Allocates the agent. */
rlc_status rlc_run_load_agent(const char *run_dir, rlc_config *cfg, void **agent, char *err,
                              size_t errlen);

/* Ask a run (rlc_run_train, rlc_run_resume) to stop, for the rest of the
 * process: a run in progress writes a checkpoint at its next checkpoint
 * point (after the current step off-policy, the current rollout and update
 * on-policy), closes its files and returns RLC_EINTERRUPTED; a later call
 * returns it at once, before creating anything. Async-signal-safe (it
 * sets one volatile sig_atomic_t): made for SIGINT/SIGTERM handlers. */
void rlc_run_request_stop(void);

#endif
