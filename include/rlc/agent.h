/* rlc/agent.h — the one interface every algorithm implements (a const table
 * of functions, looked up by name), and the off-policy runner that drives
 * an agent through training: act, step the env, store, train, evaluate.
 * The runner reports episodes, progress and evaluations through callbacks;
 * it never prints or touches files — the application does that. */
#ifndef RLC_AGENT_H
#define RLC_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_vector.h>
#include "rlc/env.h"
#include "rlc/status.h"

/* Training statistics of the last training phase (NaN where not applicable). */
typedef struct rlc_train_stats {
    double actor_loss;   /* DDPG: −mean Q(s, μ(s)) */
    double critic_loss;  /* DDPG: mean (Q(s,a) − y)² */
    size_t n_updates;    /* gradient steps taken since the start */
} rlc_train_stats;

/* A named flat vector of an agent's state, for checkpoints and tests. */
typedef struct rlc_agent_tensor {
    const char *name;  /* e.g. "actor", "critic_target", "actor_adam_m" */
    gsl_vector *value; /* borrowed from the agent */
} rlc_agent_tensor;

#define RLC_AGENT_MAX_TENSORS 16

typedef struct rlc_agent_type {
    const char *name; /* "ddpg" */
    /* Create from the algorithm's settings struct (e.g. rlc_ddpg_config),
     * for an env type's spaces, every random stream derived from seed. */
    rlc_status (*create)(void **agent, const void *settings, const rlc_env_type *env,
                         uint64_t seed);
    void (*free)(void *agent);
    /* Deterministic action for one observation (evaluation). No allocation. */
    void (*predict)(void *agent, const double *obs, double *action);
    /* Exploratory action for training step `timestep` (0-based). */
    void (*explore)(void *agent, const double *obs, size_t timestep, double *action);
    /* An episode begins (resets OU noise, ...). */
    void (*episode_start)(void *agent);
    /* Record a transition; action is the executed (clipped) action. */
    void (*store)(void *agent, const double *obs, const double *action, double reward,
                  const double *next_obs, bool terminated, bool truncated);
    /* Called after every env step with the number of steps taken so far;
     * trains when the schedule says so. RLC_ENONFINITE stops the run. */
    rlc_status (*after_step)(void *agent, size_t timesteps, rlc_train_stats *stats);
    /* The agent's flat state vectors (parameters, targets, optimiser
     * moments), at most RLC_AGENT_MAX_TENSORS; returns how many. */
    size_t (*tensors)(void *agent, rlc_agent_tensor *out);
} rlc_agent_type;

extern const rlc_agent_type rlc_agent_ddpg; /* src/agents/ddpg.c */

/* Registered agent type by name, or NULL. */
const rlc_agent_type *rlc_agent_find(const char *name);

/* --- the off-policy runner --- */

typedef struct rlc_runner_callbacks {
    void *ctx;
    /* An episode of the training env ended (terminated or truncated). */
    rlc_status (*on_episode)(void *ctx, double episode_return, size_t length, size_t timesteps);
    /* Every log_interval steps and at the end. */
    rlc_status (*on_progress)(void *ctx, size_t timesteps, const rlc_train_stats *stats);
    /* After each evaluation: per-episode returns (n of them). */
    rlc_status (*on_eval)(void *ctx, size_t timesteps, const double *returns, size_t n);
} rlc_runner_callbacks;

typedef struct rlc_runner_config {
    size_t total_timesteps;
    size_t log_interval;    /* 0: only at the end */
    size_t eval_freq;       /* 0: only at the end */
    size_t n_eval_episodes; /* ≥ 1 */
} rlc_runner_config;

/* Train `agent` on `env` (training resets from env's rng) and evaluate it
 * deterministically on `eval_env` (a separate instance with its own rng)
 * every eval_freq steps and once at the end. A callback's non-OK status
 * stops the run and is returned. Allocates only two observation buffers. */
rlc_status rlc_runner_offpolicy(const rlc_agent_type *type, void *agent, rlc_env *env,
                                rlc_env *eval_env, const rlc_runner_config *cfg,
                                const rlc_runner_callbacks *cb);

/* Mean return over n deterministic episodes on env (per-episode returns to
 * `returns` if non-NULL, n doubles). */
rlc_status rlc_runner_evaluate(const rlc_agent_type *type, void *agent, rlc_env *env, size_t n,
                               double *returns);

#endif
