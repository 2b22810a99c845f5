/* seeds.h — `rlc run CONFIG --seeds LIST [--jobs N]`: the seed-list parser,
 * the driver that trains one child process per seed (each exactly what
 * `rlc run CONFIG --seed S` does) and prints a line per finished seed and a
 * summary table, and the time-to-threshold reading of a run directory.
 * Internal to the rlc command (src/app): it forks, prints and handles
 * signals, which the library never does. */
#ifndef RLC_APP_SEEDS_H
#define RLC_APP_SEEDS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "rlc/config.h"

#define RLC_SEEDS_MAX 10000 /* seeds one --seeds LIST may name */
#define RLC_SEEDS_JOBS_MAX 1024 /* --jobs N: at most this many children at once */

/* Parse a seed list: comma-separated items, each a seed "N" or an inclusive
 * range "A-B" with A <= B; seeds are plain decimal digits in [0, 2^64 − 1].
 * No spaces, signs, empty items ("1,,2", "1,", ""), duplicates (also
 * through overlapping ranges) or more than RLC_SEEDS_MAX seeds. On success
 * returns 0 with *seeds (malloc'd, caller frees) holding the seeds in the
 * order written and *n their count. On failure returns -1, *seeds = NULL,
 * *n = 0 and `why` (n_why bytes) reads "--seeds 'LIST': reason", e.g.
 * "--seeds '3-1': range 3-1 runs backwards (write 1-3)". */
int rlc_seeds_parse(const char *list, uint64_t **seeds, size_t *n, char *why, size_t n_why);

/* The first evaluation in run_dir/eval.csv whose mean_reward >= threshold:
 * its timesteps into *steps and, from run_dir/progress.csv, the training
 * seconds at that timestep (time_elapsed of the row with the same
 * timesteps, as runs write one at every evaluation; else linear between
 * the rows around it, starting from (0 steps, 0 s); NaN past the last row)
 * into *seconds. Returns 1 if reached, 0 if never (outputs untouched), -1
 * if a file is missing or malformed (why names it). Allocates only while
 * it runs. */
int rlc_seeds_time_to_threshold(const char *run_dir, double threshold, size_t *steps,
                                double *seconds, char *why, size_t n_why);

/* Train `cfg` (already loaded, --set applied and validated: it is not
 * checked again) once per seed, cfg.seed replaced by each, in the order
 * given, up to `jobs` (>= 1) child processes at once. config_path and
 * out_dir name the run directories as rlc_run_train says
 * (out_dir/<stem>-s<seed>). A child shows no progress; what it writes to
 * stdout or stderr is captured, and the last line of it is a failed seed's
 * error. As each seed ends, one line goes to `out` (flushed); at the end a
 * table sorted by seed: final evaluation mean ± std, steps and seconds to
 * the reward threshold (rlc_config_reward_threshold; "—" if never reached
 * or none), wall-clock seconds, and the run directory or the error.
 * SIGINT or SIGTERM (to this process, or to its process group) stops
 * starting seeds and asks every child to stop (forwarding the signal; a
 * second signal kills them): children flush their files and exit, all are
 * reaped, the table marks them interrupted. The previous handlers are
 * restored before returning. Returns the exit status for the CLI: 0 every
 * seed succeeded, 1 one or more failed, 128 + signal number (130 for
 * SIGINT) if interrupted. Messages about the driver itself go to `err`. */
int rlc_seeds_run(const rlc_config *cfg, const char *config_path, const char *out_dir,
                  const uint64_t *seeds, size_t n, unsigned jobs, FILE *out, FILE *err);

#endif
