/* vec_env.c — n copies of one environment in lockstep with same-step
 * automatic reset (contract in include/rlc/vec_env.h). Deliberately not
 * here: dynamics (the env type's), threads, wrappers. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rlc/rng.h"
#include "rlc/vec_env.h"
#include "time_limit.h"

rlc_status rlc_vec_env_create(rlc_vec_env **out, const rlc_env_type *type, size_t n_envs,
                              uint64_t seed, uint64_t stream)
{
    if (!out)
        return RLC_EINVAL;
    *out = NULL;
    if (!type || !n_envs || !type->reset || !type->step || !type->observe ||
        !type->observation_space.dim || !type->action_space.dim)
        return RLC_EINVAL;

    rlc_vec_env *v = calloc(1, sizeof *v);
    if (!v)
        return RLC_ENOMEM;
    size_t n = n_envs, od = type->observation_space.dim;
    size_t sd = type->state_dim + type->scratch_dim + 1; /* + 1: never a zero-size row */
    v->n_envs = n;
    v->state_stride = sd;
    v->type = type;
    v->obs_dim = od;
    v->act_dim = type->action_space.dim;
    /* calloc(count, size) checks count × size for overflow itself */
    v->obs = calloc(n, od * sizeof(double));
    v->final_obs = calloc(n, od * sizeof(double));
    v->rewards = calloc(n, sizeof(double));
    v->terminated = calloc(n, sizeof(bool));
    v->truncated = calloc(n, sizeof(bool));
    v->episode_return = calloc(n, sizeof(double));
    v->episode_length = calloc(n, sizeof(size_t));
    v->run_return = calloc(n, sizeof(double));
    v->envs = calloc(n, sizeof(rlc_env));
    v->states = calloc(n, sd * sizeof(double));
    v->rngs = calloc(n, sizeof(gsl_rng *));
    if (!v->obs || !v->final_obs || !v->rewards || !v->terminated || !v->truncated ||
        !v->episode_return || !v->episode_length || !v->run_return || !v->envs || !v->states ||
        !v->rngs)
        goto cleanup;
    for (size_t i = 0; i < n; i++) {
        v->rngs[i] = rlc_rng_create_indexed(seed, stream, i);
        if (!v->rngs[i])
            goto cleanup;
        /* the same instance rlc_env_create builds, with its state in our block */
        v->envs[i] = (rlc_env){.type = type, .state = v->states + i * sd, .rng = v->rngs[i]};
    }
    *out = v;
    return RLC_OK;

cleanup:
    rlc_vec_env_free(v);
    return RLC_ENOMEM;
}

void rlc_vec_env_free(rlc_vec_env *v)
{
    if (!v)
        return;
    if (v->rngs)
        for (size_t i = 0; i < v->n_envs; i++)
            if (v->rngs[i])
                gsl_rng_free(v->rngs[i]);
    free(v->rngs);
    free(v->states);
    free(v->envs);
    free(v->run_return);
    free(v->episode_length);
    free(v->episode_return);
    free(v->truncated);
    free(v->terminated);
    free(v->rewards);
    free(v->final_obs);
    free(v->obs);
    free(v);
}

void rlc_vec_env_reset(rlc_vec_env *v)
{
    for (size_t i = 0; i < v->n_envs; i++) {
        rlc_env_reset(&v->envs[i], v->obs + i * v->obs_dim);
        v->rewards[i] = 0.0;
        v->terminated[i] = false;
        v->truncated[i] = false;
        v->run_return[i] = 0.0;
    }
}

void rlc_vec_env_step(rlc_vec_env *v, const double *actions)
{
    size_t n = v->n_envs, od = v->obs_dim, ad = v->act_dim;
    const rlc_env_type *type = v->type;
    if (type->step_batch)
        type->step_batch(n, v->states, v->state_stride, actions, v->obs, v->rewards,
                         v->terminated);
    else { /* all steps, then all observations: the copies' chains overlap */
        for (size_t i = 0; i < n; i++)
            type->step(v->envs[i].state, actions + i * ad, &v->rewards[i], &v->terminated[i]);
        for (size_t i = 0; i < n; i++)
            type->observe(v->envs[i].state, v->obs + i * od);
    }
    /* the TimeLimit on each copy's own counter, as rlc_env_step applies it,
     * and the episode sums */
    const size_t last = rlc_time_limit_last(type);
    for (size_t i = 0; i < n; i++) {
        v->truncated[i] = rlc_time_limit_step(&v->envs[i], last);
        v->run_return[i] += v->rewards[i];
    }
    for (size_t i = 0; i < n; i++)
        if (v->terminated[i] || v->truncated[i]) {
            double *obs = v->obs + i * od;
            memcpy(v->final_obs + i * od, obs, od * sizeof(double));
            v->episode_return[i] = v->run_return[i];
            v->episode_length[i] = v->envs[i].elapsed_steps;
            v->run_return[i] = 0.0;
            rlc_env_reset(&v->envs[i], obs); /* elapsed_steps back to 0 */
        }
}

rlc_status rlc_vec_env_state(rlc_vec_env *ve, const rlc_state_visitor *v, const char *name)
{
    char buf[RLC_STATE_NAME_MAX];
    rlc_state_visitor c = rlc_state_child(v, name, buf);
    size_t n = ve->n_envs;
    rlc_status st;
    if ((st = rlc_state_bytes(&c, "states", ve->states, n * ve->state_stride * sizeof(double))) ||
        (st = rlc_state_bytes(&c, "run_return", ve->run_return, n * sizeof *ve->run_return)) ||
        (st = rlc_state_bytes(&c, "obs", ve->obs, n * ve->obs_dim * sizeof *ve->obs)))
        return st;
    for (size_t i = 0; i < n; i++) {
        char name_i[48];
        snprintf(name_i, sizeof name_i, "elapsed_steps.%zu", i);
        if ((st = rlc_state_bytes(&c, name_i, &ve->envs[i].elapsed_steps,
                                  sizeof ve->envs[i].elapsed_steps)))
            return st;
        snprintf(name_i, sizeof name_i, "rng.%zu", i);
        if ((st = rlc_state_rng(&c, name_i, ve->rngs[i])))
            return st;
    }
    return RLC_OK;
}
