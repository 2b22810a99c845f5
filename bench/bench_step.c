/* bench_step.c — issue 12's step timings, as the README's figures were
 * taken: `bench_step ddpg CONFIG` prints µs per DDPG gradient step (sample,
 * targets, critic and actor passes, two Adam steps, two Polyak updates) on
 * a warm agent, the minimum over 40 blocks of 500 steps; `bench_step
 * onpolicy CONFIG [STEPS]` trains the config's on-policy agent for STEPS
 * env steps (default 60000; no files, no evaluations) and prints µs per
 * optimiser step of its update, the minimum over the updates. Both by this
 * thread's CPU time, so that other load inflates them less. A benchmark,
 * not a test.
 *
 * It uses only the public headers that the code before rlc's kernels
 * (ee786a0) also had, so the same file measures that code too: build it in
 * a worktree and compile this file against the worktree's build, e.g.
 *   cc -O2 -I$WT/include bench/bench_step.c $WT/build/librlc.a \
 *      -lgsl -lopenblas -linih -lz -lm -o bench_step_old
 * (add $WT/build/librlc_kernels_*.a where the tree has them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "rlc/agent.h"
#include "rlc/blas.h"
#include "rlc/config.h"
#include "rlc/ddpg.h"

static double thread_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double ddpg_step_us(const rlc_config *cfg)
{
    rlc_ddpg_config d = *(const rlc_ddpg_config *)rlc_config_algo_settings(cfg);
    d.learning_starts = 0;
    d.train_freq = 1;
    d.gradient_steps = 1;
    void *a;
    if (rlc_agent_ddpg.create(&a, &d, rlc_env_find(cfg->env_id), 1) != RLC_OK)
        return -1;
    double obs[3] = {1, 0, 0}, next[3] = {0.9, 0.1, 0.2}, act = 0.3;
    for (int i = 0; i < 1000; i++)
        rlc_agent_ddpg.store(a, obs, &act, -1.0, next, false, false);
    rlc_train_stats st;
    for (size_t t = 1; t <= 200; t++) /* warm: the tape at its size, caches */
        rlc_agent_ddpg.after_step(a, t, &st);
    double best = -1;
    for (int k = 0; k < 40; k++) {
        double t0 = thread_seconds();
        for (size_t t = 0; t < 500; t++)
            rlc_agent_ddpg.after_step(a, 1000 + t, &st);
        double us = (thread_seconds() - t0) / 500 * 1e6;
        if (best < 0 || us < best)
            best = us;
    }
    rlc_agent_ddpg.free(a);
    return best;
}

/* The update hook of a copy of the agent type, timed per call and divided
 * by the optimiser steps it took. */
static const rlc_agent_type *timed;
static double best_us = -1;
static size_t updates_before;

static rlc_status timed_update(void *agent, rlc_rollout *ro, double progress,
                               rlc_train_stats *stats)
{
    double t0 = thread_seconds();
    rlc_status s = timed->update(agent, ro, progress, stats);
    double dt = thread_seconds() - t0;
    size_t n = stats->n_updates - updates_before;
    updates_before = stats->n_updates;
    if (s == RLC_OK && n > 0 && (best_us < 0 || dt / (double)n * 1e6 < best_us))
        best_us = dt / (double)n * 1e6;
    return s;
}

static double onpolicy_step_us(const rlc_config *cfg, size_t steps)
{
    const rlc_agent_type *type = rlc_agent_find(cfg->algo);
    const rlc_env_type *env = rlc_env_find(cfg->env_id);
    if (!type || !env || type->kind != RLC_AGENT_ON_POLICY)
        return -1;
    rlc_agent_type wrapped = *type;
    wrapped.update = timed_update;
    timed = type;
    void *agent;
    if (type->create(&agent, rlc_config_algo_settings(cfg), env, 1) != RLC_OK)
        return -1;
    rlc_runner_config rc = {.total_timesteps = steps, .log_interval = 0, .eval_freq = 0};
    rlc_runner_callbacks cb = {0}; /* nothing reported */
    rlc_status s = rlc_runner_train(&wrapped, agent, env, 1, cfg->n_eval_episodes, &rc, &cb);
    type->free(agent);
    return s == RLC_OK ? best_us : -1;
}

int main(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[1], "ddpg") != 0 && strcmp(argv[1], "onpolicy") != 0)) {
        fprintf(stderr, "usage: bench_step ddpg CONFIG | bench_step onpolicy CONFIG [STEPS]\n");
        return 2;
    }
    rlc_blas_set_threads(1);
    rlc_config cfg;
    rlc_config_error err;
    rlc_config_default(&cfg);
    if (rlc_config_load(&cfg, argv[2], &err) || rlc_config_validate(&cfg, &err)) {
        fprintf(stderr, "bench_step: %s\n", err.message);
        return 2;
    }
    bool ddpg = strcmp(argv[1], "ddpg") == 0;
    if (ddpg != (strcmp(cfg.algo, "ddpg") == 0)) {
        fprintf(stderr, "bench_step: %s is a %s config\n", argv[2], cfg.algo);
        return 2;
    }
    double us = ddpg ? ddpg_step_us(&cfg)
                     : onpolicy_step_us(&cfg, argc > 3 ? strtoul(argv[3], NULL, 10) : 60000);
    if (us < 0) {
        fprintf(stderr, "bench_step: %s failed\n", argv[2]);
        return 1;
    }
    printf("%s: %.2f us per %s step (thread CPU time, minimum)\n", argv[2], us,
           ddpg ? "gradient" : "optimiser");
    return 0;
}
