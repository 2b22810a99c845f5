/* rlc/vec_env.h — n copies of one environment stepped in lockstep in one
 * thread, with automatic reset inside step (Gymnasium's SyncVectorEnv in
 * same-step autoreset mode, Stable-Baselines3's DummyVecEnv). Deliberately
 * not here: threads or subprocesses, mixed environment types, observation or
 * reward normalisation, and action validation (as in rlc/env.h, the caller
 * passes actions inside the action space).
 *
 * Terminated is not truncated. When copy i's episode
 * ends on a step, step resets copy i at once, so obs row i already holds the
 * NEXT episode's first observation; the observation the step actually
 * reached is kept in final_obs row i. A learner computes the step's target as
 *     r + gamma * V(final_obs[i])   if truncated[i] && !terminated[i]
 *     r                             if terminated[i]
 *     r + gamma * V(obs[i])         otherwise (episode continues)
 * never from obs[i] at a done step: that belongs to another episode.
 *
 * Seeding: copy i draws its resets from its own generator
 * rlc_rng_create_indexed(seed, stream, i), owned by the vec env. Copy i is
 * therefore bit-identical to a single rlc_env created with that generator
 * and reset whenever it reports terminated || truncated, whatever n_envs is
 * and whatever the other copies do.
 *
 * Shapes are rows × cols, row-major, one row per copy. */
#ifndef RLC_VEC_ENV_H
#define RLC_VEC_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>
#include "rlc/env.h"
#include "rlc/status.h"

/* Every field is owned by the vec env and read-only for callers; the arrays
 * are allocated at create and keep their addresses until rlc_vec_env_free,
 * so a caller may hold pointers to them. Contents change on reset and step. */
typedef struct rlc_vec_env {
    size_t n_envs;             /* number of copies, >= 1 */
    const rlc_env_type *type;  /* borrowed: must outlive the vec env */
    size_t obs_dim;            /* type->observation_space.dim */
    size_t act_dim;            /* type->action_space.dim (Discrete: 1) */

    /* n_envs × obs_dim: the current observation of every copy, the one to
     * act on next. After an automatic reset it is the new episode's first
     * observation. */
    double *obs;
    /* n_envs × obs_dim: for copies with terminated[i] || truncated[i], the
     * observation the last step reached (the bootstrap state of a truncated
     * transition); unspecified for the other rows. */
    double *final_obs;
    /* n_envs: reward of the last step (rows of done copies included). */
    double *rewards;
    /* n_envs each: flags of the last step, as rlc_env_step reports them
     * (both can be true on one step). All false after reset. */
    bool *terminated;
    bool *truncated;
    /* n_envs each: for copies with terminated[i] || truncated[i], the return
     * (sum of rewards, in step order) and length (steps) of the episode that
     * ended on the last step; unspecified for the other copies. */
    double *episode_return;
    size_t *episode_length;

    /* private: running returns of the current episodes, per-copy
     * environments and generators. envs[i] is copy i as an rlc_env: its
     * elapsed_steps is the copy's TimeLimit counter (the length so far of
     * its current episode), its state a row of one n_envs × state_stride
     * block. */
    double *run_return;
    rlc_env *envs;
    double *states;
    size_t state_stride;
    gsl_rng **rngs;
} rlc_vec_env;

/* n_envs copies of `type` (borrowed); copy i resets from
 * rlc_rng_create_indexed(seed, stream, i), created and owned here. The
 * states are zero and every flag false until rlc_vec_env_reset, which the
 * caller must call before the first step. All memory is allocated here:
 * one allocation per array, plus the n generators (GSL allocates each);
 * nothing later. Returns RLC_OK; RLC_EINVAL if out or type is NULL,
 * n_envs is 0, or type lacks reset/step/observe or has obs_dim or act_dim 0
 * (*out is then NULL); RLC_ENOMEM (nothing leaks). */
rlc_status rlc_vec_env_create(rlc_vec_env **out, const rlc_env_type *type, size_t n_envs,
                              uint64_t seed, uint64_t stream);

/* Frees the vec env, its arrays and its generators. NULL-safe. */
void rlc_vec_env_free(rlc_vec_env *v);

/* Resets every copy (each from its own generator, the TimeLimit counters to
 * 0), writes obs, clears terminated/truncated, zeroes rewards and the running
 * episode return and length. Generators are not reseeded: a second reset
 * continues each copy's stream. Does not allocate. */
void rlc_vec_env_reset(rlc_vec_env *v);

/* Steps every copy i with actions row i (actions: n_envs × act_dim; a
 * Discrete action is one double holding the index), filling rewards,
 * terminated, truncated and obs. For each copy with terminated || truncated,
 * inside this call: the reached observation goes to final_obs row i, the
 * finished episode's return and length to episode_return[i] and
 * episode_length[i], the copy is reset from its generator (its new first
 * observation goes to obs row i) and its running sums restart at 0.
 * Does not allocate. */
void rlc_vec_env_step(rlc_vec_env *v, const double *actions);

/* Every copy's training state under `name`: states, TimeLimit counters,
 * running returns, current observations and generators. */
rlc_status rlc_vec_env_state(rlc_vec_env *ve, const rlc_state_visitor *v, const char *name);

#endif
