/* time_limit.h — Gymnasium's TimeLimit on an rlc_env, in one place for
 * rlc_env_step and the vector env: the counter is rlc_env.elapsed_steps
 * (zeroed by rlc_env_reset and rlc_env_set_state). Internal to envs/; not
 * installed. */
#ifndef RLC_TIME_LIMIT_H
#define RLC_TIME_LIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include "rlc/env.h"

/* The largest elapsed_steps of an episode of `type` that is not truncated:
 * max_episode_steps − 1, or SIZE_MAX (no limit) when max_episode_steps is
 * 0 — both as (size_t)max_episode_steps − 1, without a branch. */
static inline size_t rlc_time_limit_last(const rlc_env_type *type)
{
    return (size_t)type->max_episode_steps - 1;
}

/* Count one step of env; true if the episode is now truncated (elapsed_steps
 * has reached max_episode_steps). `last` is rlc_time_limit_last(env->type),
 * passed in so a loop over copies computes it once. */
static inline bool rlc_time_limit_step(rlc_env *env, size_t last)
{
    return ++env->elapsed_steps > last;
}

#endif
