/* sweep.h — `rlc sweep SWEEP.ini`: the sweep file (configs, seeds and a
 * grid of overrides), the jobs it makes (one ordinary run directory each,
 * named after its grid point), what a re-run does with each (start, skip,
 * resume), and the driver that runs them as local child processes or,
 * under mpirun, on every rank with rank 0 handing them out. Internal to
 * the rlc command (src/app): it forks, prints and handles signals. */
#ifndef RLC_APP_SWEEP_H
#define RLC_APP_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "rlc/config.h"

#define RLC_SWEEP_MAX_CONFIGS 64
#define RLC_SWEEP_MAX_KEYS 32       /* keys in [grid] */
#define RLC_SWEEP_MAX_VALUES 64     /* values of one grid key */
#define RLC_SWEEP_MAX_JOBS 100000
#define RLC_SWEEP_VALUE_MAX 128     /* bytes of one grid value */

/* One key of [grid]: "section.key = v1, v2, ...". */
typedef struct rlc_sweep_key {
    char section[RLC_CONFIG_NAME_MAX];
    char key[RLC_CONFIG_NAME_MAX];
    int line;                       /* its line in the sweep file */
    size_t n_values;
    char values[RLC_SWEEP_MAX_VALUES][RLC_SWEEP_VALUE_MAX];
} rlc_sweep_key;

/* One job: a config, a grid point, a seed; its run directory. */
typedef struct rlc_sweep_job {
    size_t config;                  /* index into the sweep's configs */
    size_t value[RLC_SWEEP_MAX_KEYS]; /* value index of each grid key that applies */
    uint64_t seed;
    char name[256];                 /* <config stem>[-key=value]...-s<seed> */
} rlc_sweep_job;

typedef struct rlc_sweep {
    char path[1024];                /* the sweep file */
    size_t n_configs;
    char config_paths[RLC_SWEEP_MAX_CONFIGS][1024];
    rlc_config *configs;            /* n_configs, loaded and validated, without grid values */
    uint64_t *seeds;
    size_t n_seeds;
    size_t n_keys;
    rlc_sweep_key keys[RLC_SWEEP_MAX_KEYS];
    size_t n_jobs;
    rlc_sweep_job *jobs;            /* configs × their grid points × seeds, in that order */
} rlc_sweep;

/* Read the sweep file at `path`:
 *
 *   [sweep]
 *   configs = configs/ppo_cartpole.ini, configs/a2c_cartpole.ini
 *   seeds = 1-10
 *   [grid]
 *   ppo.learning_rate = 3e-4, 1e-3
 *   run.total_timesteps = 50000
 *
 * configs (paths as `rlc run` takes them, relative to the current
 * directory) and seeds (as --seeds: 1-10, 1,3,5-7) are required. Each grid
 * key is "section.key" of a config setting with comma-separated values; a
 * key of an algorithm's section applies to the configs of that algorithm,
 * [run] and [eval] keys to every config. Each value goes through
 * rlc_config_set as `--set section.key=value` would, and every grid point
 * of every config is validated, so nothing starts unless every job can.
 * Keys with two or more values name the run directories:
 * <config stem>-<key>=<value>...-s<seed> ('/' and blanks in a value become
 * '_'; the section is written too when two keys share a name); one-value
 * keys are fixed overrides. Line syntax as config files (rlc/config.h).
 * On success returns 0 with *sw filled (free with rlc_sweep_free). On
 * error returns -1 with `why` (n_why bytes) reading
 * "FILE:LINE: [section] key: reason" (or the parts that apply) and *sw
 * empty. Allocates. */
int rlc_sweep_load(rlc_sweep *sw, const char *path, char *why, size_t n_why);

void rlc_sweep_free(rlc_sweep *sw);

/* The configuration of job j: its config, the grid values that apply (in
 * [grid] order, as --set), its seed; validated. 0, or -1 with why. */
int rlc_sweep_job_config(const rlc_sweep *sw, size_t j, rlc_config *cfg, char *why, size_t n_why);

/* What a run of the sweep does with a job's run directory. */
typedef enum rlc_sweep_action {
    RLC_SWEEP_START,    /* none yet: train */
    RLC_SWEEP_SKIP,     /* finished (run.json) with this job's config.ini: nothing to do */
    RLC_SWEEP_RESUME,   /* a checkpoint is there: rlc resume it */
    RLC_SWEEP_RESTART,  /* stopped before its first checkpoint: remove its files, train */
    RLC_SWEEP_REFUSE,   /* not this job's run (another config.ini, or other files): why */
} rlc_sweep_action;

/* Decide for the run directory `run_dir` of a job whose configuration is
 * cfg. why (n_why) explains RLC_SWEEP_REFUSE. Reads files only. */
rlc_sweep_action rlc_sweep_decide(const char *run_dir, const rlc_config *cfg, char *why,
                                  size_t n_why);

/* Run `rlc sweep` with argv[0] = "sweep" and the rest of the command line;
 * returns the exit status (0 every job finished, 1 one or more failed, 2
 * usage or input error, 130/143 interrupted). Under mpirun (a build with
 * MPI), every rank calls it: rank 0 hands out jobs and runs them too, and
 * alone prints and writes the summary. */
int rlc_cmd_sweep(int argc, char **argv);

extern const char rlc_sweep_usage[];

#endif
