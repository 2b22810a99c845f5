/* runinfo.h — run.json, what produced a run and how it ended (part of
 * librlc, not public: rlc_run_train writes it). Deliberately not here: the
 * configuration (config.ini holds it) and the results (the CSV files). */
#ifndef RLC_RUNINFO_H
#define RLC_RUNINFO_H

#include <stddef.h>

/* Write run_dir/run.json atomically (run.json.tmp, then rename): one JSON
 * object with
 *   "rlc_version"  meson's project version, "git_commit" `git describe
 *                  --always --dirty` of the source tree at build time
 *                  ("unknown" outside a git checkout),
 *   "compiler"     the C compiler and its __VERSION__,
 *   "isa"          the instruction-set path of rlc's kernels (rlc/isa.h),
 *   "blas", "blas_config", "blas_core"  the CBLAS (rlc/blas.h) and, for
 *                  OpenBLAS, openblas_get_config() and the kernel family it
 *                  picked for this CPU (openblas_get_corename()),
 *   "cpu"          /proc/cpuinfo's first "model name" ("unknown" if none),
 *   "started"      `started` as given (UTC, ISO 8601),
 *   "ranks"        `ranks`, a number: the processes that train the run
 *                  together (1, or N under mpirun -n N rlc run),
 *   "status"       `status`: "running", "finished", "interrupted" or "failed",
 *   "error"        `error` when not NULL (a failed run's message).
 * A run killed outright (SIGKILL, power loss) keeps "running". Strings are
 * JSON-escaped. Returns 0, or -1 with errno set (nothing left but a
 * possible stale run.json from an earlier call). Allocates nothing that
 * outlives the call. */
int rlc_runinfo_write(const char *run_dir, const char *started, size_t ranks, const char *status,
                      const char *error);

/* Most ranks a run.json may record (a bound for a damaged file, far above
 * any MPI job rlc is run in). */
#define RLC_RUNINFO_MAX_RANKS 1048576

/* The "ranks" of run_dir/run.json into *ranks: 1 when the file has none
 * (written before rlc recorded it). Returns 0, or -1 with errno set when
 * run.json cannot be read, EINVAL when its "ranks" is not a whole number
 * from 1 to RLC_RUNINFO_MAX_RANKS (a damaged file). */
int rlc_runinfo_ranks(const char *run_dir, size_t *ranks);

/* The current UTC time as "YYYY-MM-DDTHH:MM:SSZ" into buf (n >= 21). */
void rlc_runinfo_now(char *buf, size_t n);

#endif
