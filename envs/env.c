/* env.c — environment instances (state + TimeLimit) and the registry of
 * built-in environments (contract in include/rlc/env.h). The dynamics live
 * in one file per environment. */
#include <stdlib.h>
#include <string.h>
#include "rlc/env.h"

const rlc_env_type *const rlc_env_registry[] = {
    &rlc_env_cartpole_v1,
    &rlc_env_pendulum_v1,
    NULL,
};

const rlc_env_type *rlc_env_find(const char *id)
{
    if (!id)
        return NULL;
    for (size_t i = 0; rlc_env_registry[i]; i++)
        if (strcmp(rlc_env_registry[i]->id, id) == 0)
            return rlc_env_registry[i];
    return NULL;
}

rlc_status rlc_env_create(rlc_env **out, const rlc_env_type *type, gsl_rng *rng)
{
    if (!out || !type || !rng)
        return RLC_EINVAL;
    *out = NULL;
    rlc_env *env = calloc(1, sizeof *env);
    double *state = calloc(type->state_dim + type->scratch_dim + 1, sizeof *state);
    if (!env || !state) {
        free(env);
        free(state);
        return RLC_ENOMEM;
    }
    env->type = type;
    env->state = state;
    env->rng = rng;
    *out = env;
    return RLC_OK;
}

void rlc_env_free(rlc_env *env)
{
    if (!env)
        return;
    free(env->state);
    free(env);
}

void rlc_env_reset(rlc_env *env, double *obs)
{
    env->type->reset(env->state, env->rng);
    env->elapsed_steps = 0;
    env->type->observe(env->state, obs);
}

void rlc_env_set_state(rlc_env *env, const double *state, double *obs)
{
    memcpy(env->state, state, env->type->state_dim * sizeof *state);
    env->elapsed_steps = 0;
    env->type->observe(env->state, obs);
}

void rlc_env_step(rlc_env *env, const double *action, double *obs, double *reward,
                  bool *terminated, bool *truncated)
{
    env->type->step(env->state, action, reward, terminated);
    env->type->observe(env->state, obs);
    env->elapsed_steps++;
    *truncated = env->type->max_episode_steps && env->elapsed_steps >= env->type->max_episode_steps;
}
