/* bench_table.c — issue 12's benchmark table: for every config given (by
 * default each .ini in configs/, then the compute-matched ones in bench/), seeds
 * reaching the reward threshold out of those run, median env steps and
 * seconds to it, median whole-run seconds, µs per update step and env steps
 * per second; then the compute-matched rows against the peers' figures.
 * Each seed is one rlc_run_train in this process, one at a time (as `rlc run
 * --seed S` runs it: same run directory, same eval.csv), into a temporary
 * folder that is removed; the threshold reading is rlc run --seeds's own
 * (rlc_seeds_time_to_threshold). A benchmark, not a test: it takes minutes.
 * Deliberately not here: running seeds in parallel (it would time two runs
 * sharing the cores), statistics beyond medians (rlc compare has them).
 *
 * Usage: bench_table [--seeds LIST] [--matched-seeds LIST] [CONFIG...]
 *   --seeds LIST          seeds of configs/ (and of any CONFIG named), default 1-10
 *   --matched-seeds LIST  seeds of the compute-matched configs (file names
 *                         under a bench/ folder), default 1-3: their larger
 *                         networks make a run take up to minutes
 * Run from the source root when no CONFIG is named. */
#define _XOPEN_SOURCE 700 /* nftw, glob */
#include <glob.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <time.h>
#include <unistd.h>
#include "rlc/agent.h"
#include "rlc/blas.h"
#include "rlc/config.h"
#include "rlc/env.h"
#include "rlc/run.h"
#include "../src/app/seeds.h"

/* The threshold of an environment that has none in Gymnasium and none in
 * the config: Pendulum-v1's −200, the level issue 12 and the README's DDPG
 * row use (the README's other Pendulum rows also give −250 and −300). */
static bool fallback_threshold(const char *env_id, double *threshold)
{
    if (strcmp(env_id, "Pendulum-v1") == 0) {
        *threshold = -200.0;
        return true;
    }
    return false;
}

/* A peer's figure for a compute-matched config (by file name): the peer's
 * whole-run seconds where known, and the ratio rlc/peer speed that issue 12
 * recorded before this table existed. The seconds are one machine's (the
 * source says which); on another CPU model run the peer there (README,
 * "RLtools side by side"). */
typedef struct peer {
    const char *config; /* file name under bench/ */
    const char *who;
    double seconds;     /* peer's whole run, NaN if not known */
    double then_ratio;  /* issue 12's rlc speed / peer speed, NaN if not given */
    const char *source;
} peer;

static const peer peers[] = {
    {"ddpg_pendulum_64x64_b100.ini", "RLtools TD3, 64-64, batch 100, 20k steps", 4.61, 0.75,
     "RLtools 9acdf5c8 on the Zen 5 VM, median of 6 runs on one core (README); then: issue 12"},
    {"ddpg_pendulum_400x300_b256.ini", "SB3 DDPG (PyTorch), 400-300, batch 256", NAN, 1 / 1.08,
     "issue 12: rlc 8% slower"},
    {"ppo_pendulum_rltools.ini", "RLtools PPO Pendulum, 64x128, batch 1024, 1 epoch, 32-32", 0.56,
     0.43, "RLtools 9acdf5c8 at 1M steps on the Zen 5 VM, median of 6 runs on one core (README); then: issue 12"},
};

static const peer *find_peer(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (size_t i = 0; i < sizeof peers / sizeof peers[0]; i++)
        if (strcmp(peers[i].config, base) == 0)
            return &peers[i];
    return NULL;
}

/* A config named as compute-matched: its file lies in a folder called bench. */
static bool is_matched(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return false;
    size_t n = (size_t)(slash - path);
    return n >= 5 && strncmp(slash - 5, "bench", 5) == 0 && (n == 5 || slash[-6] == '/');
}

static double clock_seconds(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double now(void)
{
    return clock_seconds(CLOCK_MONOTONIC);
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* ---- µs per update step: the agent's training hook, timed ----------------- */

/* The hook that trains (update on-policy, after_step off-policy) is wrapped
 * by a copy of the agent type that adds the time spent in it; the runner's
 * last statistics give the optimiser steps (n_updates). */
static const rlc_agent_type *timed_type;
static double timed_seconds;
static size_t timed_updates;

static rlc_status timed_update(void *agent, rlc_rollout *ro, double progress,
                               rlc_train_stats *stats)
{
    double t0 = now();
    rlc_status s = timed_type->update(agent, ro, progress, stats);
    timed_seconds += now() - t0;
    timed_updates = stats->n_updates;
    return s;
}

static rlc_status timed_after_step(void *agent, size_t timesteps, rlc_train_stats *stats)
{
    double t0 = now();
    rlc_status s = timed_type->after_step(agent, timesteps, stats);
    timed_seconds += now() - t0;
    timed_updates = stats->n_updates;
    return s;
}

/* Microseconds per optimiser step over the first quarter of the config's
 * budget (at least one rollout), seed 1, no files; NaN if it trained none
 * or failed. Evaluations stay as configured, outside the timed hook. */
static double us_per_update(const rlc_config *cfg)
{
    const rlc_agent_type *type = rlc_agent_find(cfg->algo);
    const rlc_env_type *env = rlc_env_find(cfg->env_id);
    if (!type || !env)
        return NAN;
    rlc_agent_type wrapped = *type;
    if (type->kind == RLC_AGENT_ON_POLICY)
        wrapped.update = timed_update;
    else
        wrapped.after_step = timed_after_step;
    timed_type = type;
    timed_seconds = 0.0;
    timed_updates = 0;
    void *agent = NULL;
    if (type->create(&agent, rlc_config_algo_settings(cfg), env, 1) != RLC_OK)
        return NAN;
    rlc_runner_config rc = {.total_timesteps = cfg->total_timesteps / 4,
                            .log_interval = 0,
                            .eval_freq = cfg->eval_freq};
    rlc_runner_callbacks cb = {0}; /* nothing reported */
    rlc_status s = rlc_runner_train(&wrapped, agent, env, 1, cfg->n_eval_episodes, &rc, &cb);
    type->free(agent);
    if (s != RLC_OK || timed_updates == 0)
        return NAN;
    return timed_seconds / (double)timed_updates * 1e6;
}

/* ---- one config ------------------------------------------------------------- */

typedef struct row {
    char config[256];
    char algo[RLC_CONFIG_NAME_MAX];
    char env_id[RLC_CONFIG_NAME_MAX];
    double threshold;
    char threshold_from[8]; /* "config", "env" or "table"; "" = none */
    size_t seeds, reached;
    double steps_to, seconds_to, run_seconds, cpu_seconds, us_update, steps_per_second;
    const peer *peer;
} row;

static double median(double *x, size_t n)
{
    if (n == 0)
        return NAN;
    gsl_sort(x, 1, n);
    return gsl_stats_median_from_sorted_data(x, 1, n);
}

/* Train path once per seed into out_dir and fill r. 0, or 1 with a message. */
static int bench_config(const char *path, const uint64_t *seeds, size_t n_seeds,
                        const char *out_dir, row *r)
{
    rlc_config cfg;
    rlc_config_error err;
    rlc_config_default(&cfg);
    if (rlc_config_load(&cfg, path, &err) || rlc_config_validate(&cfg, &err)) {
        fprintf(stderr, "bench_table: %s\n", err.message);
        return 1;
    }
    memset(r, 0, sizeof *r);
    snprintf(r->config, sizeof r->config, "%s", path);
    snprintf(r->algo, sizeof r->algo, "%s", cfg.algo);
    snprintf(r->env_id, sizeof r->env_id, "%s", cfg.env_id);
    r->peer = find_peer(path);
    bool has = rlc_config_reward_threshold(&cfg, &r->threshold);
    if (has)
        snprintf(r->threshold_from, sizeof r->threshold_from, "%s",
                 isnan(cfg.reward_threshold) ? "env" : "config");
    else if ((has = fallback_threshold(cfg.env_id, &r->threshold)))
        snprintf(r->threshold_from, sizeof r->threshold_from, "table");
    double *steps = malloc(n_seeds * sizeof *steps), *secs = malloc(n_seeds * sizeof *secs);
    double *run = malloc(n_seeds * sizeof *run), *rate = malloc(n_seeds * sizeof *rate);
    double *cpu = malloc(n_seeds * sizeof *cpu);
    int rc = 0;
    if (!steps || !secs || !run || !rate || !cpu) {
        fprintf(stderr, "bench_table: out of memory\n");
        rc = 1;
        goto done;
    }
    for (size_t i = 0; i < n_seeds; i++) {
        cfg.seed = seeds[i];
        rlc_run_result res;
        double c0 = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
        rlc_status st_run = rlc_run_train(&cfg, path, out_dir, NULL, &res);
        cpu[i] = clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - c0;
        if (st_run != RLC_OK) {
            fprintf(stderr, "bench_table: %s seed %llu: %s\n", path,
                    (unsigned long long)seeds[i], res.error);
            rc = 1;
            goto done;
        }
        run[i] = res.seconds;
        rate[i] = (double)res.timesteps / res.seconds;
        size_t st;
        double s;
        char why[512];
        int got = has ? rlc_seeds_time_to_threshold(res.run_dir, r->threshold, &st, &s, why,
                                                    sizeof why)
                      : 0;
        if (got < 0) {
            fprintf(stderr, "bench_table: %s\n", why);
            rc = 1;
            goto done;
        }
        if (got == 1) {
            steps[r->reached] = (double)st;
            secs[r->reached] = s;
            r->reached++;
        }
        fprintf(stderr, "  %s seed %llu: %.2f s, final eval %.1f%s\n", path,
                (unsigned long long)seeds[i], res.seconds, res.final_mean,
                got == 1 ? ", reached" : "");
    }
    r->seeds = n_seeds;
    r->steps_to = median(steps, r->reached);
    r->seconds_to = median(secs, r->reached);
    r->run_seconds = median(run, n_seeds);
    r->cpu_seconds = median(cpu, n_seeds);
    r->steps_per_second = median(rate, n_seeds);
    r->us_update = us_per_update(&cfg);
done:
    free(steps);
    free(secs);
    free(run);
    free(rate);
    free(cpu);
    return rc;
}

/* ---- output ------------------------------------------------------------------ */

static void cell(char *buf, size_t n, const char *fmt, double x)
{
    if (isnan(x))
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, fmt, x);
}

#define ROW_FORMAT "%-44s %-5s %-12s %-15s %7s %9s %7s %8s %8s %10s %9s\n"

static void print_header(void)
{
    printf(ROW_FORMAT, "config", "algo", "env", "threshold", "solved", "steps to", "s to",
           "run s", "cpu s", "us/update", "steps/s");
}

static void print_row(const row *r)
{
    char thr[32], solved[16], st[16], s[16], run[16], cpu[16], us[16], sps[16];
    if (r->threshold_from[0])
        snprintf(thr, sizeof thr, "%g (%s)", r->threshold, r->threshold_from);
    else
        snprintf(thr, sizeof thr, "none");
    snprintf(solved, sizeof solved, "%zu/%zu", r->reached, r->seeds);
    cell(st, sizeof st, "%.0f", r->steps_to);
    cell(s, sizeof s, "%.2f", r->seconds_to);
    cell(run, sizeof run, "%.2f", r->run_seconds);
    cell(cpu, sizeof cpu, "%.2f", r->cpu_seconds);
    cell(us, sizeof us, "%.1f", r->us_update);
    cell(sps, sizeof sps, "%.0f", r->steps_per_second);
    printf(ROW_FORMAT, r->config, r->algo, r->env_id, thr, solved, st, s, run, cpu, us, sps);
    fflush(stdout);
}

/* The compute-matched rows against their peers' figures. */
static void print_peers(const row *rows, size_t n)
{
    bool any = false;
    for (size_t i = 0; i < n; i++)
        any |= rows[i].peer != NULL;
    if (!any)
        return;
    printf("\ncompute-matched, whole run (median over seeds) against the peer\n");
    printf("%-44s %-58s %7s %7s %9s %9s  %s\n", "config", "peer", "peer s", "rlc s", "speed",
           "then", "peer's figure from");
    for (size_t i = 0; i < n; i++) {
        const peer *p = rows[i].peer;
        if (!p)
            continue;
        char ps[16], speed[16], then[16];
        cell(ps, sizeof ps, "%.2f", p->seconds);
        cell(speed, sizeof speed, "%.2fx", p->seconds / rows[i].run_seconds);
        cell(then, sizeof then, "%.2fx", p->then_ratio);
        printf("%-44s %-58s %7s %7.2f %9s %9s  %s\n", rows[i].config, p->who, ps,
               rows[i].run_seconds, speed, then, p->source);
    }
    printf("speed: peer s / rlc s (above 1: rlc faster); then: the same ratio as issue 12 "
           "recorded it\n");
}

/* ---- main ---------------------------------------------------------------------- */

static int usage(void)
{
    fprintf(stderr, "usage: bench_table [--seeds LIST] [--matched-seeds LIST] [CONFIG...]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *seed_list = "1-10", *matched_list = "1-3";
    int first = 1;
    for (; first < argc && strncmp(argv[first], "--", 2) == 0; first += 2) {
        if (first + 1 >= argc)
            return usage();
        if (strcmp(argv[first], "--seeds") == 0)
            seed_list = argv[first + 1];
        else if (strcmp(argv[first], "--matched-seeds") == 0)
            matched_list = argv[first + 1];
        else
            return usage();
    }
    gsl_set_error_handler_off();
    rlc_blas_set_threads(1);
    uint64_t *seeds = NULL, *matched = NULL;
    size_t n_seeds, n_matched;
    char why[256];
    if (rlc_seeds_parse(seed_list, &seeds, &n_seeds, why, sizeof why)
        || rlc_seeds_parse(matched_list, &matched, &n_matched, why, sizeof why)) {
        fprintf(stderr, "bench_table: %s\n", why);
        free(seeds);
        return 2;
    }
    glob_t g = {0};
    char **paths = argv + first;
    size_t n_paths = (size_t)(argc - first);
    if (n_paths == 0) {
        if (glob("configs/*.ini", 0, NULL, &g) != 0) {
            fprintf(stderr, "bench_table: no configs/*.ini here (run from the source root)\n");
            return 2;
        }
        glob("bench/*.ini", GLOB_APPEND, NULL, &g); /* sorted, each pattern on its own */
        paths = g.gl_pathv;
        n_paths = g.gl_pathc;
    }
    char out[] = "/tmp/rlc-bench-table-XXXXXX";
    row *rows = calloc(n_paths, sizeof *rows);
    if (!rows || !mkdtemp(out)) {
        perror("bench_table");
        return 1;
    }
    time_t started = time(NULL);
    double t0 = now();
    char day[32];
    strftime(day, sizeof day, "%Y-%m-%d %H:%M UTC", gmtime(&started));
    printf("rlc bench_table, %s; seeds %s (compute-matched %s), one run at a time; BLAS %s\n",
           day, seed_list, matched_list, rlc_blas_name());
    printf("solved: seeds whose evaluation reached the threshold; steps to, s to: median "
           "over those seeds; run s (wall clock), cpu s (this process's CPU time, which a busy "
           "machine inflates less), steps/s (by the wall clock): median over all; us/update: "
           "time in the training hook / optimiser steps, first quarter of the budget, seed 1"
           "\n\n");
    print_header(); /* then each row as its config finishes: a full table takes a while */
    int rc = 0;
    for (size_t i = 0; i < n_paths && rc == 0; i++) {
        bool m = is_matched(paths[i]);
        rc = bench_config(paths[i], m ? matched : seeds, m ? n_matched : n_seeds, out, &rows[i]);
        if (rc == 0)
            print_row(&rows[i]);
    }
    nftw(out, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (rc == 0) {
        print_peers(rows, n_paths);
        printf("\n(%.0f s in all)\n", now() - t0);
    }
    globfree(&g);
    free(rows);
    free(seeds);
    free(matched);
    return rc;
}
