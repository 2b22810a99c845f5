/* bench_train.c — wall-clock of a whole training run as the CLI runs it:
 * `bench_train CONFIG [THRESHOLD]` trains 5 times (same seed) and prints the
 * median time, and with THRESHOLD the median time until the first
 * evaluation whose mean return reaches it (read from the run's eval.csv and
 * progress.csv). One gradient or optimiser step is bench_step's. Writes
 * run directories under a temp folder and removes it. A benchmark, not a
 * test. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <stdbool.h>
#include <ftw.h>
#include <unistd.h>
#include "rlc/agent.h"
#include "rlc/blas.h"
#include "rlc/config.h"
#include "rlc/run.h"
#include "../src/app/seeds.h"

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Seconds from the start of training to the end of the first evaluation
 * whose mean reaches threshold (NAN if none or no threshold), as rlc run
 * --seeds reads it (rlc_seeds_time_to_threshold). */
static double time_to_threshold(const char *run_dir, double threshold)
{
    size_t steps;
    double secs;
    char why[512];
    if (isnan(threshold) || rlc_seeds_time_to_threshold(run_dir, threshold, &steps, &secs, why,
                                                        sizeof why) != 1)
        return NAN;
    return secs;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "configs/ddpg_pendulum.ini";
    double threshold = argc > 2 ? strtod(argv[2], NULL) : NAN;
    gsl_set_error_handler_off();
    rlc_blas_set_threads(1);
    rlc_config cfg;
    rlc_config_error err;
    rlc_config_default(&cfg);
    if (rlc_config_load(&cfg, path, &err) || rlc_config_validate(&cfg, &err)) {
        fprintf(stderr, "bench_train: %s\n", err.message);
        return 2;
    }
    char out[] = "/tmp/rlc-bench-XXXXXX";
    if (!mkdtemp(out)) {
        perror("bench_train: mkdtemp");
        return 1;
    }
    enum { RUNS = 5 };
    double secs[RUNS], reach[RUNS], final = 0;
    for (int i = 0; i < RUNS; i++) {
        rlc_run_result res;
        rlc_status st = rlc_run_train(&cfg, path, out, NULL, &res);
        if (st != RLC_OK) {
            fprintf(stderr, "bench_train: %s\n", res.error);
            return 1;
        }
        secs[i] = res.seconds;
        reach[i] = time_to_threshold(res.run_dir, threshold);
        final = res.final_mean;
    }
    gsl_sort(secs, 1, RUNS);
    printf("%s: %zu steps of %s %s, seed %llu: median %.2f s (min %.2f, max %.2f) over %d runs, "
           "%.0f steps/s; final eval %.1f; BLAS %s\n",
           path, cfg.total_timesteps, cfg.algo, cfg.env_id, (unsigned long long)cfg.seed,
           gsl_stats_median_from_sorted_data(secs, 1, RUNS), secs[0], secs[RUNS - 1], RUNS,
           (double)cfg.total_timesteps / gsl_stats_median_from_sorted_data(secs, 1, RUNS), final,
           rlc_blas_name());
    nftw(out, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (!isnan(threshold)) {
        gsl_sort(reach, 1, RUNS);
        printf("time to the first evaluation >= %g: median %.2f s\n", threshold,
               gsl_stats_median_from_sorted_data(reach, 1, RUNS));
    }
    return 0;
}
