/* rlc/agent.h — the one interface every algorithm implements (a const table
 * of functions, looked up by name), and the two runners that drive an agent
 * through training: off-policy (act, step the env, store, train) and
 * on-policy (collect a rollout from n_envs copies, then update), both with
 * periodic deterministic evaluation.
 * The runner reports episodes, progress and evaluations through callbacks;
 * it never prints or touches files — the application does that. */
#ifndef RLC_AGENT_H
#define RLC_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_vector.h>
#include "rlc/env.h"
#include "rlc/policy.h"
#include "rlc/rollout.h"
#include "rlc/status.h"
#include "rlc/vec_env.h"

/* Training statistics of the last training phase (NaN where not applicable). */
typedef struct rlc_train_stats {
    double actor_loss;   /* DDPG: −mean Q(s, μ(s)) */
    double critic_loss;  /* DDPG: mean (Q(s,a) − y)² */
    double policy_loss;  /* A2C/PPO: mean over minibatches of the policy-gradient loss */
    double value_loss;   /* A2C/PPO: mean (R − V)² */
    double entropy;      /* A2C/PPO: mean policy entropy (nats) */
    double approx_kl;    /* PPO: mean((ρ − 1) − log ρ) of the last minibatch's epoch, before its step */
    double clip_fraction; /* PPO: share of samples with |ρ − 1| > clip_range */
    double explained_variance; /* A2C/PPO: 1 − Var(R − V)/Var(R) over the rollout */
    double learning_rate; /* the learning rate of this update */
    size_t n_updates;    /* optimiser steps actually applied since the start */
} rlc_train_stats;

/* Fill every statistic with NaN and n_updates with 0. */
void rlc_train_stats_init(rlc_train_stats *s);

typedef enum rlc_agent_kind {
    RLC_AGENT_OFF_POLICY, /* explore / store / after_step; rlc_runner_offpolicy */
    RLC_AGENT_ON_POLICY   /* policy / rollout settings / update; rlc_runner_onpolicy */
} rlc_agent_kind;

/* What the on-policy runner needs to know of an agent. */
typedef struct rlc_onpolicy_settings {
    size_t n_envs, n_steps;
    double gamma, gae_lambda;
    bool norm_reward;
} rlc_onpolicy_settings;

/* A named flat vector of an agent's state, for checkpoints and tests. */
typedef struct rlc_agent_tensor {
    const char *name;  /* e.g. "actor", "critic_target", "actor_adam_m" */
    gsl_vector *value; /* borrowed from the agent */
} rlc_agent_tensor;

#define RLC_AGENT_MAX_TENSORS 16

typedef struct rlc_agent_type {
    const char *name; /* "ddpg", "ppo", "a2c" */
    rlc_agent_kind kind;
    /* Create from the algorithm's settings struct (e.g. rlc_ddpg_config),
     * for an env type's spaces, every random stream derived from seed. */
    rlc_status (*create)(void **agent, const void *settings, const rlc_env_type *env,
                         uint64_t seed);
    void (*free)(void *agent);
    /* Deterministic actions for n observations (n × obs_dim, raw) into
     * action (n × act_dim), clipped to the action bounds; never updates
     * statistics. Allocates only while the agent's tape grows to the
     * largest n seen. */
    void (*predict)(void *agent, size_t n, const double *obs, double *action);
    /* --- off-policy agents --- */
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
    /* --- on-policy agents --- */
    rlc_onpolicy_settings (*onpolicy_settings)(void *agent);
    /* The policy the runner acts with (borrowed), and the generator it
     * samples actions from (borrowed). */
    rlc_policy *(*policy)(void *agent);
    gsl_rng *(*action_rng)(void *agent);
    /* One update from a full rollout whose advantages and returns are
     * computed; progress_remaining goes from 1 (first update) towards 0 and
     * drives linear schedules. RLC_ENONFINITE stops the run. */
    rlc_status (*update)(void *agent, rlc_rollout *rollout, double progress_remaining,
                         rlc_train_stats *stats);
    /* The agent's flat state vectors (parameters, targets, optimiser
     * moments), at most RLC_AGENT_MAX_TENSORS; returns how many. */
    size_t (*tensors)(void *agent, rlc_agent_tensor *out);
} rlc_agent_type;

extern const rlc_agent_type rlc_agent_ddpg; /* src/agents/ddpg.c */
extern const rlc_agent_type rlc_agent_ppo;  /* src/agents/ppo.c */
extern const rlc_agent_type rlc_agent_a2c;  /* src/agents/a2c.c */

/* The tensors of an on-policy agent's policy: "policy" (actor | critic |
 * log_std), and with observation normalisation "obs_mean", "obs_var",
 * "obs_count". Returns how many (≤ 4). */
size_t rlc_policy_tensors(rlc_policy *p, rlc_agent_tensor *out);

/* The `tensors` entry of on-policy agents whose first member is an
 * rlc_policy_trainer: rlc_policy_tensors of its policy. */
size_t rlc_agent_onpolicy_tensors(void *agent, rlc_agent_tensor *out);

/* The registry, NULL-terminated (for `rlc list`). */
extern const rlc_agent_type *const rlc_agent_registry[];

/* Registered agent type by name, or NULL. */
const rlc_agent_type *rlc_agent_find(const char *name);

/* --- the off-policy runner --- */

typedef struct rlc_runner_callbacks {
    void *ctx;
    /* An episode of the training env ended (terminated or truncated). */
    rlc_status (*on_episode)(void *ctx, double episode_return, size_t length, size_t timesteps);
    /* Off-policy: every log_interval steps and at the end. On-policy: after
     * every update (one row per rollout). */
    rlc_status (*on_progress)(void *ctx, size_t timesteps, const rlc_train_stats *stats);
    /* After each evaluation: per-episode returns (n of them). */
    rlc_status (*on_eval)(void *ctx, size_t timesteps, const double *returns, size_t n);
} rlc_runner_callbacks;

typedef struct rlc_runner_config {
    size_t total_timesteps;
    size_t log_interval;    /* 0: only at the end */
    size_t eval_freq;       /* 0: only at the end */
} rlc_runner_config;

/* Train `agent` on `env` (training resets from env's rng) and evaluate it
 * with rlc_runner_evaluate on `eval_envs` (one copy per evaluation episode,
 * their own generators) every eval_freq steps and once at the end. A
 * callback's non-OK status stops the run and is returned. Allocates only
 * the evaluation buffers; observation or action dimensions above 64 are
 * refused (RLC_EINVAL). */
rlc_status rlc_runner_offpolicy(const rlc_agent_type *type, void *agent, rlc_env *env,
                                rlc_vec_env *eval_envs, const rlc_runner_config *cfg,
                                const rlc_runner_callbacks *cb);

/* Train an on-policy agent: collect n_steps from each of the n_envs copies
 * of `envs` (normalising observations, and rewards when norm_reward, with
 * running statistics updated from training data only), compute GAE (a
 * truncated step bootstraps from V(final observation)), update; repeat for
 * floor(total_timesteps / (n_steps·n_envs)) rollouts (at least one).
 * progress_remaining of update k of U is 1 − k/U (CleanRL's convention:
 * the first update uses the initial learning rate). Evaluates on eval_envs
 * as the off-policy runner does, when the step count crosses a multiple of
 * eval_freq, and at the end. Allocates the rollout and a few n_envs-sized
 * buffers once. */
rlc_status rlc_runner_onpolicy(const rlc_agent_type *type, void *agent, rlc_vec_env *envs,
                               rlc_vec_env *eval_envs, const rlc_runner_config *cfg,
                               const rlc_runner_callbacks *cb);

/* Deterministic evaluation (Stable-Baselines3's evaluate_policy on a vector
 * env): resets every copy of envs, then steps them in lockstep with
 * type->predict on all copies at once until each has finished one episode;
 * copy i's return goes to returns[i] (n_envs doubles). Copies that finished
 * keep stepping (their new episodes are ignored). actions: n_envs × act_dim
 * scratch. Allocates only while the agent's tape grows. */
void rlc_runner_evaluate(const rlc_agent_type *type, void *agent, rlc_vec_env *envs,
                         double *actions, double *returns);

#endif
