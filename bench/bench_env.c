/* bench_env.c — raw environment throughput on one core: steps/s of
 * Pendulum-v1 and CartPole-v1 through rlc_env_step (one env, resetting when
 * an episode ends), then through rlc_vec_env_step (VEC_ENVS copies in
 * lockstep with automatic reset: the env's step_batch where it has one, so
 * the copies' dependency chains overlap). Actions come from a precomputed
 * table (the action rng is not timed; reset draws are, as in real use).
 * Prints the median of 5 timed runs (CLOCK_MONOTONIC). Deliberately not
 * measured: agents, networks, multi-threading.
 *
 * Usage: bench_env [steps_scale [env_id]]   (e.g. 0.1 for a quick run) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "rlc/env.h"
#include "rlc/vec_env.h"

#define BENCH_RUNS 5
#define BENCH_ACTIONS 4096 /* power of two */
#define BENCH_MAX_DIM 8
#define VEC_ENVS 16

static double bench_clock(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Steps per second of `steps` steps of one env, or of a vec env (then
 * `steps` counts every copy's steps), by the wall clock; *cpu_rate gets the
 * same by this thread's CPU time (not inflated by other processes on a busy
 * machine). `sink` accumulates outputs so the work cannot be optimised away. */
static double bench_run(rlc_env *env, rlc_vec_env *v, const double *actions, size_t act_dim,
                        long steps, double *sink, double *cpu_rate)
{
    double obs[BENCH_MAX_DIM], reward, acc = 0.0;
    bool term, trunc;
    long episodes = 0;
    if (v)
        rlc_vec_env_reset(v);
    else
        rlc_env_reset(env, obs);
    double t0 = bench_clock(CLOCK_MONOTONIC), c0 = bench_clock(CLOCK_THREAD_CPUTIME_ID);
    if (v) {
        /* the action rows of step i start at an offset below BENCH_ACTIONS
         * actions; the table has VEC_ENVS more, so a row never runs off it */
        for (long i = 0; i < steps; i += VEC_ENVS) {
            rlc_vec_env_step(v, actions + ((size_t)i & (BENCH_ACTIONS - 1)) * act_dim);
            acc += v->rewards[0] + v->obs[0];
            episodes += v->terminated[0] || v->truncated[0];
        }
    } else
        for (long i = 0; i < steps; i++) {
            rlc_env_step(env, actions + ((size_t)i & (BENCH_ACTIONS - 1)) * act_dim, obs, &reward,
                         &term, &trunc);
            acc += reward + obs[0];
            if (term || trunc) {
                rlc_env_reset(env, obs);
                episodes++;
            }
        }
    double t1 = bench_clock(CLOCK_MONOTONIC), c1 = bench_clock(CLOCK_THREAD_CPUTIME_ID);
    *sink += acc + (double)episodes;
    *cpu_rate = (double)steps / (c1 - c0);
    return (double)steps / (t1 - t0);
}

static int bench_env(const rlc_env_type *type, long steps, gsl_rng *rng, double *sink)
{
    static double actions[(BENCH_ACTIONS + VEC_ENVS) * BENCH_MAX_DIM];
    size_t dim = type->action_space.dim;
    if (dim > BENCH_MAX_DIM || type->observation_space.dim > BENCH_MAX_DIM)
        return 1;
    for (size_t i = 0; i < BENCH_ACTIONS + VEC_ENVS; i++)
        for (size_t j = 0; j < dim; j++)
            actions[i * dim + j] = type->action_space.kind == RLC_SPACE_DISCRETE
                ? (double)gsl_rng_uniform_int(rng, type->action_space.n)
                : type->action_space.low[j]
                      + (type->action_space.high[j] - type->action_space.low[j])
                            * gsl_rng_uniform(rng);
    rlc_env *env = NULL;
    rlc_vec_env *v = NULL;
    if (rlc_env_create(&env, type, rng) != RLC_OK
        || rlc_vec_env_create(&v, type, VEC_ENVS, 1, 0) != RLC_OK) {
        fprintf(stderr, "bench_env: cannot create %s\n", type->id);
        rlc_env_free(env);
        return 1;
    }
    for (int k = 0; k < 2; k++) {
        rlc_vec_env *vk = k ? v : NULL;
        double rate[BENCH_RUNS], cpu[BENCH_RUNS];
        bench_run(env, vk, actions, dim, steps / 10, sink, &cpu[0]); /* warm-up */
        for (int r = 0; r < BENCH_RUNS; r++)
            rate[r] = bench_run(env, vk, actions, dim, steps, sink, &cpu[r]);
        qsort(rate, BENCH_RUNS, sizeof rate[0], bench_cmp);
        qsort(cpu, BENCH_RUNS, sizeof cpu[0], bench_cmp);
        char name[64];
        snprintf(name, sizeof name, k ? "%s vec env x%d%s" : "%s", type->id, VEC_ENVS,
                 type->step_batch ? " (step_batch)" : "");
        printf("%s: %.1f M steps/s (median of %d, %ld steps each; wall min %.1f max %.1f;"
               " by CPU time %.1f)\n",
               name, rate[BENCH_RUNS / 2] / 1e6, BENCH_RUNS, steps, rate[0] / 1e6,
               rate[BENCH_RUNS - 1] / 1e6, cpu[BENCH_RUNS / 2] / 1e6);
    }
    rlc_vec_env_free(v);
    rlc_env_free(env);
    return 0;
}

int main(int argc, char **argv)
{
    double scale = argc > 1 ? atof(argv[1]) : 1.0;
    if (!(scale > 0.0)) {
        fprintf(stderr, "usage: bench_env [steps_scale > 0 [env_id]]\n");
        return 2;
    }
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!rng)
        return 1;
    gsl_rng_set(rng, 1);
    double sink = 0.0;
    const char *only = argc > 2 ? argv[2] : NULL;
    int rc = 0;
    if (!only || strcmp(only, rlc_env_pendulum_v1.id) == 0)
        rc |= bench_env(&rlc_env_pendulum_v1, (long)(20e6 * scale), rng, &sink);
    if (!only || strcmp(only, rlc_env_cartpole_v1.id) == 0)
        rc |= bench_env(&rlc_env_cartpole_v1, (long)(50e6 * scale), rng, &sink);
    if (sink == 1.2345) /* never true; keeps sink live */
        puts("");
    gsl_rng_free(rng);
    return rc;
}
