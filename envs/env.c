/* env.c — environment instances (state + TimeLimit) and the registry of
 * built-in environments (contract in include/rlc/env.h). The dynamics live
 * in one file per environment. */
#include <stdlib.h>
#include <string.h>
#include "rlc/env.h"
#include "time_limit.h"

const rlc_env_type *const rlc_env_registry[] = {
    &rlc_env_cartpole_v1,
    &rlc_env_pendulum_v1,
    NULL,
};

#define N_BUILTIN (sizeof rlc_env_registry / sizeof rlc_env_registry[0] - 1)

static const rlc_env_type *registered[RLC_ENV_MAX_REGISTERED];
static size_t n_registered;

const rlc_env_type *rlc_env_at(size_t i)
{
    if (i < N_BUILTIN)
        return rlc_env_registry[i];
    return i - N_BUILTIN < n_registered ? registered[i - N_BUILTIN] : NULL;
}

const rlc_env_type *rlc_env_find(const char *id)
{
    const rlc_env_type *t;
    for (size_t i = 0; id && (t = rlc_env_at(i)); i++)
        if (strcmp(t->id, id) == 0)
            return t;
    return NULL;
}

static bool space_ok(const rlc_space *s)
{
    return s->dim > 0 && (s->kind == RLC_SPACE_DISCRETE ? s->n > 0 && s->dim == 1
                                                        : s->low != NULL && s->high != NULL);
}

rlc_status rlc_env_register(const rlc_env_type *type)
{
    if (!type || !type->id || !type->id[0] || strlen(type->id) >= 64 || rlc_env_find(type->id) ||
        !type->state_dim || !type->reset || !type->step || !type->observe ||
        type->observation_space.kind != RLC_SPACE_BOX || !space_ok(&type->observation_space) ||
        !space_ok(&type->action_space))
        return RLC_EINVAL;
    for (const char *c = type->id; *c; c++)
        if (*c <= ' ' || *c > '~' || *c == ';' || *c == '#')
            return RLC_EINVAL;
    if (n_registered == RLC_ENV_MAX_REGISTERED)
        return RLC_ENOMEM;
    registered[n_registered++] = type;
    return RLC_OK;
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
    *truncated = rlc_time_limit_step(env, rlc_time_limit_last(env->type));
}

rlc_status rlc_env_state(rlc_env *e, const rlc_state_visitor *v, const char *name)
{
    char buf[RLC_STATE_NAME_MAX];
    rlc_state_visitor c = rlc_state_child(v, name, buf);
    size_t n = e->type->state_dim + e->type->scratch_dim;
    rlc_status st;
    if ((st = rlc_state_bytes(&c, "state", e->state, n * sizeof *e->state)) ||
        (st = rlc_state_bytes(&c, "elapsed_steps", &e->elapsed_steps, sizeof e->elapsed_steps)))
        return st;
    return rlc_state_rng(&c, "rng", e->rng);
}
