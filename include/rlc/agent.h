/* rlc/agent.h — the one seam every algorithm plugs into: a const table of
 * functions (rlc_agent_type) that declares everything algorithm-specific —
 * its settings section (rows, defaults, cross-setting checks), the
 * statistics it reports, and the hooks the runners call — plus the
 * registry, and the two runners that drive an agent through training:
 * off-policy (explore, step the env, store, train) and on-policy (collect
 * a rollout from n_envs copies, then update), both with periodic
 * deterministic evaluation. Runners, configuration, logging and the CLI
 * iterate the registry and name no algorithm.
 * The runners report episodes, progress and evaluations through callbacks;
 * they never print or touch files — the application does that.
 *
 * The gradient-check hooks expose each loss of an algorithm (its name, the
 * named parameter blocks it trains, its value and analytic gradient on a
 * batch from a short real run), so `rlc gradcheck` checks every algorithm
 * through this seam.
 *
 * Adding an algorithm: its header (settings struct, public losses), its .c
 * file defining a const rlc_agent_type, one line in rlc_agent_registry
 * (src/agents/agent.c), one line in meson.build. */
#ifndef RLC_AGENT_H
#define RLC_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_vector.h>
#include "rlc/env.h"
#include "rlc/gradcheck.h"
#include "rlc/mlp.h"
#include "rlc/normalize.h"
#include "rlc/rollout.h"
#include "rlc/settings.h"
#include "rlc/state.h"
#include "rlc/status.h"
#include "rlc/vec_env.h"

#define RLC_AGENT_MAX_STATS 16       /* statistics one algorithm reports */
#define RLC_AGENT_MAX_TENSORS 16     /* named flat vectors one agent exposes */
#define RLC_AGENT_SETTINGS_MAX 1024  /* bytes of one algorithm's settings struct */
#define RLC_AGENT_MAX_TYPES 16       /* entries of the registry */
#define RLC_AGENT_MAX_LOSSES 8       /* losses one agent offers to gradient checks */
#define RLC_AGENT_MAX_BLOCKS 24      /* parameter blocks of one loss */
#define RLC_AGENT_BLOCK_NAME 40      /* bytes of a block's name, with its NUL */

#define RLC_AGENT_NONFINITE_MAX 32 /* bytes of rlc_train_stats.nonfinite, with its NUL */

/* Training statistics of the last training phase: values[i] is the
 * statistic the agent type names stat_names[i] (NaN before it is known),
 * and n_updates counts optimiser steps applied since the start. When an
 * update (after_step, update) returns RLC_ENONFINITE, nonfinite names the
 * quantity that was not finite ("critic loss", "policy gradient", "actor
 * parameters", ...) and n_updates the steps completed before it, so the
 * failed one is number n_updates + 1; "" otherwise. (Text, not a pointer:
 * the struct is part of a checkpoint.) */
typedef struct rlc_train_stats {
    double values[RLC_AGENT_MAX_STATS];
    size_t n_updates;
    char nonfinite[RLC_AGENT_NONFINITE_MAX];
} rlc_train_stats;

/* Fill every statistic with NaN, n_updates with 0, nonfinite with "". */
void rlc_train_stats_init(rlc_train_stats *s);

/* For an update that found `what` not finite after n_updates completed
 * steps: record both in s (what cut to fit) and return RLC_ENONFINITE. */
rlc_status rlc_train_stats_nonfinite(rlc_train_stats *s, size_t n_updates, const char *what);

typedef enum rlc_agent_kind {
    RLC_AGENT_OFF_POLICY, /* explore / episode_start / store / after_step; rlc_runner_offpolicy */
    RLC_AGENT_ON_POLICY   /* normalize_obs / act / bootstrap / update; rlc_runner_onpolicy */
} rlc_agent_kind;

/* What the on-policy runner needs to know of an agent's settings. */
typedef struct rlc_onpolicy_settings {
    size_t n_envs, n_steps;
    double gamma, gae_lambda;
    bool norm_reward; /* scale rewards by the running std of the discounted return */
} rlc_onpolicy_settings;

/* A named flat vector of an agent's state, for checkpoints and tests. */
typedef struct rlc_agent_tensor {
    const char *name;  /* e.g. "actor", "critic_target", "policy" */
    gsl_vector *value; /* borrowed from the agent */
} rlc_agent_tensor;

/* Where a key of the algorithm's section got its value, as a rank: 0 a
 * default or an assignment in code, 1 a config file, 2 a --set override
 * (later sources rank higher). Cross-setting checks blame the key of the
 * highest rank, so an error points at the input that caused it. */
typedef int (*rlc_agent_origin_fn)(const void *ctx, const char *key);

/* A rejected setting: the key blamed and why ("batch_size", "256 is larger
 * than buffer_size 100"). */
typedef struct rlc_agent_settings_error {
    const char *key; /* a row's key (static storage), or NULL */
    char reason[320];
} rlc_agent_settings_error;

/* A contiguous block of parameters, named after what it is:
 * "actor.layer0.weight" (out × in, row-major), "actor.layer0.bias",
 * "log_std", "critic.layer2.bias". offset counts doubles from the start of
 * the loss's params vector. */
typedef struct rlc_agent_block {
    char name[RLC_AGENT_BLOCK_NAME];
    size_t offset, size;
} rlc_agent_block;

/* One loss of an algorithm, as the gradient checks see it: a scalar of the
 * agent's gradient-check batch, differentiated with respect to the
 * parameters in `blocks` (the ones the loss trains; other parameters of
 * params may also move the loss, e.g. DDPG's critic under the actor's
 * loss, and are held fixed). */
typedef struct rlc_agent_loss {
    const char *name;       /* "clipped_surrogate", "value_loss", ... (static storage) */
    gsl_vector *params;     /* borrowed: the flat vector the blocks lie in */
    gsl_vector *grads;      /* borrowed: its twin, which loss_gradient fills */
    size_t n_blocks;
    rlc_agent_block blocks[RLC_AGENT_MAX_BLOCKS];
} rlc_agent_loss;

/* The blocks of an MLP's layers, W then b per layer, named
 * "<prefix>.layer<l>.weight" and "<prefix>.layer<l>.bias", with offsets
 * from params->data (the vector m's parameters are views into). Writes
 * 2·n_layers entries of out (room for them is the caller's); returns how
 * many. */
size_t rlc_agent_mlp_blocks(const rlc_mlp *m, const char *prefix, const gsl_vector *params,
                            rlc_agent_block *out);

/* Data-parallel training: `size` processes train one agent together, each
 * on its own environment copies (rlc run under mpirun). An agent that
 * supports it averages its gradients (and anything its update decisions
 * depend on) across the ranks with `sum`, so every rank applies the same
 * step and the parameters stay identical. */
typedef struct rlc_agent_ranks {
    size_t size;      /* processes training together, >= 1 */
    size_t rank;      /* this process, 0 .. size − 1 */
    uint64_t seed;    /* this rank's seed for its own random streams (exploration);
                       * rank 0's is the run seed, so one rank is a plain run */
    /* Replace x[0 .. n) by its sum over the ranks, with the same bits on
     * every rank and from run to run (a fixed order of additions); every
     * rank calls it with the same n at the same point. An error (the
     * transport failed) is returned and ends training. */
    rlc_status (*sum)(void *ctx, double *x, size_t n);
    /* Checkpoints of a run on several ranks (rlc_run_train_ranks,
     * rlc_run_resume_ranks): n bytes from rank `from` to rank `to`, one of
     * them rank 0; the sender passes its bytes in buf, the receiver room
     * for n. Only those two ranks call it, with the same from, to and n.
     * An error (the transport failed) is returned and ends the run.
     * Needed when size > 1. */
    rlc_status (*move)(void *ctx, size_t from, size_t to, void *buf, size_t n);
    void *ctx;
} rlc_agent_ranks;

typedef struct rlc_agent_type {
    const char *name;        /* [run] algo and the INI section of its settings: "ddpg", "ppo" */
    const char *description; /* one line for `rlc list` */
    rlc_agent_kind kind;
    bool box_actions;        /* handles Box action spaces */
    bool discrete_actions;   /* handles Discrete action spaces */

    /* --- settings: a struct of settings_size bytes (≤ RLC_AGENT_SETTINGS_MAX) --- */
    size_t settings_size;
    void (*settings_default)(void *settings);
    const rlc_setting *settings_rows; /* the INI section: every key, its range and help */
    size_t n_settings_rows;
    /* Checks between settings, after each row's own range holds (NULL: none).
     * origin may be NULL (every key ranks 0). RLC_OK, or RLC_EINVAL with
     * err filled. Use rlc_agent_check_settings, which runs rows and this. */
    rlc_status (*settings_check)(const void *settings, rlc_agent_origin_fn origin,
                                 const void *ctx, rlc_agent_settings_error *err);

    /* --- statistics: names of rlc_train_stats.values[0 .. n_stats − 1], the
     * progress.csv columns in that order (n_updates follows them) --- */
    const char *const *stat_names;
    size_t n_stats;

    /* --- every agent --- */
    /* Create from settings (checked with rlc_agent_check_settings against
     * env's action space first: RLC_EINVAL), every random stream derived
     * from seed, and the agent's tape grown to what training needs (one
     * pass of the training losses on zeros, nothing applied). RLC_ENOMEM,
     * RLC_EGSL. On error *agent is NULL and nothing is left allocated. */
    rlc_status (*create)(void **agent, const void *settings, const rlc_env_type *env,
                         uint64_t seed);
    void (*free)(void *agent); /* NULL-safe */
    /* Deterministic actions for n raw observations (n × obs_dim) into
     * action (n × act_dim), clipped to the action bounds; never updates
     * statistics. Allocates only while the agent's tape grows to the
     * largest n seen. RLC_ENOMEM (nothing written that matters; the agent
     * stays usable). */
    rlc_status (*predict)(void *agent, size_t n, const double *obs, double *action);
    /* The agent's model as named flat vectors, at most
     * RLC_AGENT_MAX_TENSORS; returns how many: parameters, targets and
     * observation statistics, for comparing and inspecting agents. (The
     * checkpoint holds more: see `state`.) */
    size_t (*tensors)(void *agent, rlc_agent_tensor *out);
    /* Every piece of the agent's training state (rlc/state.h): parameters
     * and targets, optimiser moments and step counts, normalisation
     * statistics, random streams, replay buffer, exploration noise,
     * counters. Loaded into an agent created from the same settings, env
     * type and seed, training continues bit for bit. Fixed order, no
     * allocation; returns the visitor's first non-OK status. */
    rlc_status (*state)(void *agent, const rlc_state_visitor *v);

    /* --- gradient checks (`rlc gradcheck`): all four, or all NULL --- */
    /* Take the batch the losses are computed on. On-policy: rows
     * idx[0 .. n) of ro, a rollout of the agent's n_steps × n_envs with GAE
     * computed, on which update has just been applied once (so the
     * parameters have moved off those that collected it: PPO's ratios are
     * not all 1, TRPO's KL is not 0). Off-policy: ro and idx are NULL and
     * the agent samples n transitions from what it has stored. Allocates
     * the batch (freed with the agent). RLC_EINVAL, RLC_ENOMEM, or a tape
     * error. */
    rlc_status (*gradcheck_batch)(void *agent, const rlc_rollout *ro, const size_t *idx,
                                  size_t n);
    /* The losses, at most RLC_AGENT_MAX_LOSSES, into out; returns how many.
     * Valid after gradcheck_batch; pointers borrowed from the agent. */
    size_t (*losses)(void *agent, rlc_agent_loss *out);
    /* Loss `i` on the batch at the current parameters: a deterministic
     * function of them (NaN on a tape error). Uses the agent's tape. */
    double (*loss_value)(void *agent, size_t i);
    /* Its analytic gradient into the loss's grads (overwritten; entries
     * outside its blocks are unspecified). RLC_OK or a tape error. */
    rlc_status (*loss_gradient)(void *agent, size_t i);

    /* --- off-policy agents --- */
    /* Exploratory action for training step `timestep` (0-based). */
    rlc_status (*explore)(void *agent, const double *obs, size_t timestep, double *action);
    /* An episode begins (resets OU noise, ...). */
    void (*episode_start)(void *agent);
    /* Record a transition; action is the executed (clipped) action. */
    rlc_status (*store)(void *agent, const double *obs, const double *action, double reward,
                        const double *next_obs, bool terminated, bool truncated);
    /* Called after every env step with the number of steps taken so far;
     * trains when the schedule says so. RLC_ENONFINITE (a loss or
     * gradient before a step, parameters after it; stats->nonfinite says
     * which) stops the run. Allocates nothing: create sized the agent's tape for training, so a
     * training phase never stops halfway for want of memory. */
    rlc_status (*after_step)(void *agent, size_t timesteps, rlc_train_stats *stats);

    /* --- on-policy agents --- */
    rlc_onpolicy_settings (*onpolicy_settings)(const void *agent);
    /* Observations as the agent's networks take them: n raw observations
     * (n × obs_dim) into out (may equal obs). With update, running
     * statistics are first updated from these observations (training
     * data); without, they are applied frozen. No allocation. */
    void (*normalize_obs)(void *agent, size_t n, const double *obs, double *out, bool update);
    /* One training step for n normalised observations (n × obs_dim):
     * actions to store (n × act_dim, as sampled), the same clipped for the
     * env (env_actions), log π(a|s) (n) and the per-step value the update
     * wants (n): V(s) for A2C/PPO/TRPO, q(s, a) for QAC. RLC_ENOMEM. */
    rlc_status (*act)(void *agent, size_t n, const double *obs, double *actions,
                      double *env_actions, double *log_probs, double *values);
    /* Bootstrap values for n normalised observations (n): V(s), or
     * q(s, a') with a' ~ π drawn by the agent. `next` tells the two calls
     * apart: false at a truncation (obs are the episodes' final
     * observations, never acted on), true at the rollout's end (obs are
     * the observations the next act receives, so an agent may keep a' as
     * the action it takes there, as QAC does). RLC_ENOMEM. */
    rlc_status (*bootstrap)(void *agent, size_t n, const double *obs, double *values, bool next);
    /* One update from a full rollout whose advantages and returns are
     * computed; progress_remaining goes from 1 (first update) towards 0 and
     * drives schedules. RLC_ENONFINITE (as after_step) stops the run.
     * Allocates nothing:
     * create sized the agent's tape for an update, so an update never
     * stops halfway for want of memory. */
    rlc_status (*update)(void *agent, rlc_rollout *rollout, double progress_remaining,
                         rlc_train_stats *stats);

    /* --- data-parallel training (NULL: not supported) --- */
    /* From now on average every gradient (and every statistic an update
     * decision depends on, e.g. PPO's KL for its early stop) over the
     * ranks before stepping, and draw this rank's exploration from
     * ranks->seed (unchanged on rank 0). ranks is copied. With size 1 the
     * agent trains bit for bit as without the call. Whatever the agent
     * keeps for the ranks beyond the copy (e.g. the observation statistics'
     * merge) becomes part of its `state`, so a state saved with several
     * ranks loads into an agent given the same ranks. Call it before
     * loading a state (it restarts rank r's streams). Every registered
     * agent supports it. RLC_EINVAL, RLC_ENOMEM. */
    rlc_status (*set_ranks)(void *agent, const rlc_agent_ranks *ranks);
} rlc_agent_type;

/* The registry, NULL-terminated, at most RLC_AGENT_MAX_TYPES entries. */
extern const rlc_agent_type *const rlc_agent_registry[];

/* Registered agent type by name, or NULL. */
const rlc_agent_type *rlc_agent_find(const char *name);

/* Position of type in the registry, or RLC_AGENT_MAX_TYPES if absent. */
size_t rlc_agent_index(const rlc_agent_type *type);

/* Every row of type's settings in its range (rlc_settings_check), then the
 * type's cross-setting check. RLC_OK, or RLC_EINVAL with err (may be NULL)
 * naming the key and reason. origin as for settings_check. */
rlc_status rlc_agent_check_settings(const rlc_agent_type *type, const void *settings,
                                    rlc_agent_origin_fn origin, const void *ctx,
                                    rlc_agent_settings_error *err);

/* Whether type handles env's action space. */
bool rlc_agent_supports(const rlc_agent_type *type, const rlc_env_type *env);

/* The statistic called `name` in s, reported by an agent of `type`; NaN if
 * the type does not report it. */
double rlc_train_stats_get(const rlc_agent_type *type, const rlc_train_stats *s, const char *name);

/* --- the runners --- */

/* Each callback may be NULL: that report is not made. */
typedef struct rlc_runner_callbacks {
    void *ctx;
    /* An episode of the training env ended (terminated or truncated). */
    rlc_status (*on_episode)(void *ctx, double episode_return, size_t length, size_t timesteps);
    /* Off-policy: every log_interval steps. On-policy (steps come a rollout
     * at a time): after the first update at or past each multiple of
     * log_interval. Both: also right after every evaluation (so each
     * evaluation step has a progress row: time_elapsed is read there) and
     * at the end. */
    rlc_status (*on_progress)(void *ctx, size_t timesteps, const rlc_train_stats *stats);
    /* After each evaluation: per-episode returns (n of them). */
    rlc_status (*on_eval)(void *ctx, size_t timesteps, const double *returns, size_t n);
    /* A point the run can be saved at and resumed from, after the step's
     * (off-policy) or the update's (on-policy) evaluation and progress:
     * rlc_runner_state and the agent's state hook describe the whole
     * training state there. `last`: the final one. */
    rlc_status (*on_checkpoint)(void *ctx, size_t timesteps, bool last);
} rlc_runner_callbacks;

typedef struct rlc_runner_config {
    size_t total_timesteps;
    size_t log_interval;    /* 0: only at the end */
    size_t eval_freq;       /* 0: only at the end */
} rlc_runner_config;

/* Train an off-policy agent (type->kind RLC_AGENT_OFF_POLICY, else
 * RLC_EINVAL) on `env`: the runner resets env first (its rng draws the
 * initial state) and after every episode end, calls episode_start at each
 * reset, and explore → step → store → after_step per step. Evaluates with
 * rlc_runner_evaluate on `eval_envs` (one copy per evaluation episode,
 * same env type, their own generators; else RLC_EINVAL) every eval_freq
 * steps and once at the end. A callback's or hook's non-OK status stops
 * the run and is returned. Allocates the evaluation buffers only;
 * observation or action dimensions above 64 are refused (RLC_EINVAL). */
rlc_status rlc_runner_offpolicy(const rlc_agent_type *type, void *agent, rlc_env *env,
                                rlc_vec_env *eval_envs, const rlc_runner_config *cfg,
                                const rlc_runner_callbacks *cb);

/* Train an on-policy agent (else RLC_EINVAL) on `envs`, whose n_envs must
 * equal the agent's (else RLC_EINVAL): the runner resets every copy once at
 * the start (the copies auto-reset after that); then repeatedly collects
 * n_steps from each copy — normalize_obs (statistics updated from training
 * observations only), act, step, rewards normalised when norm_reward, and
 * at a truncation the final observation normalised with the updated
 * statistics and kept in the rollout with its bootstrap value — computes
 * GAE with the bootstrap of the last observations, and calls update; for
 * floor(total_timesteps / (n_steps·n_envs)) rollouts (at least one).
 * progress_remaining of update k of U is 1 − k/U (CleanRL's convention:
 * the first update uses the initial learning rate). Evaluates on
 * eval_envs as the off-policy runner does, when the step count crosses a
 * multiple of eval_freq, and at the end. Allocates the rollout and a few
 * n_envs-sized buffers once. */
rlc_status rlc_runner_onpolicy(const rlc_agent_type *type, void *agent, rlc_vec_env *envs,
                               rlc_vec_env *eval_envs, const rlc_runner_config *cfg,
                               const rlc_runner_callbacks *cb);

/* A run in progress: the training and evaluation environments and the
 * loop's position, so that a run can be saved (rlc_runner_state) and
 * continued. rlc_runner_train is create, run, free. */
typedef struct rlc_runner rlc_runner;

/* A runner for `agent` on env type `env`, before its first step: the
 * training env (one, resetting from stream RLC_RNG_ENV of seed) or vector
 * env (n_envs copies), n_eval_episodes evaluation copies from stream
 * RLC_RNG_EVAL_ENV, and the loop's buffers. RLC_EINVAL, RLC_ENOMEM. */
rlc_status rlc_runner_create(rlc_runner **out, const rlc_agent_type *type, void *agent,
                             const rlc_env_type *env, uint64_t seed, size_t n_eval_episodes,
                             const rlc_runner_config *cfg);
void rlc_runner_free(rlc_runner *r); /* NULL-safe; frees the envs it created */

/* Train from wherever the runner is to cfg->total_timesteps, as
 * rlc_runner_offpolicy or rlc_runner_onpolicy describe. A callback's or
 * hook's non-OK status stops it and is returned; calling it again after
 * an on_checkpoint stop continues from that checkpoint. */
rlc_status rlc_runner_run(rlc_runner *r, const rlc_runner_callbacks *cb);

/* The runner's training state (rlc/state.h): step and update counts, the
 * last statistics, every training and evaluation copy's state, counters
 * and generator, the episode under way, the reward normaliser (and with
 * several ranks its merge's bookkeeping, rlc_runner_set_ranks). Loaded
 * (with the agent's state) into a runner created with the same arguments,
 * rlc_runner_run continues bit for bit. */
rlc_status rlc_runner_state(rlc_runner *r, const rlc_state_visitor *v);

/* Data-parallel training (rlc_run_train_ranks): the runner keeps a copy
 * of ranks. With several ranks and reward normalisation (norm_reward),
 * each rank counts the discounted returns its copies form, and before
 * every update one sum over the ranks (3 doubles) merges them, as one
 * batch, into the return statistics of the last merge
 * (rlc_return_norm_merge): every rank then scales rewards with the same
 * statistics, those of all ranks' returns (during a rollout each rank's
 * move on with its own steps, as alone). The running returns stay each
 * rank's own. With several ranks rlc_runner_state also holds the sync's
 * bookkeeping ("return_sync") and, on-policy, the next act's normalised
 * observations ("next_obs": normalised before the update merged the
 * observation statistics, they cannot be normalised again on resume). Call before rlc_runner_run
 * (and before loading a state). RLC_EINVAL (NULL, size 0, rank out of
 * range, no sum). Does not allocate. */
rlc_status rlc_runner_set_ranks(rlc_runner *r, const rlc_agent_ranks *ranks);

/* The runner's reward normaliser (borrowed), or NULL without norm_reward
 * or off-policy: its statistics, e.g. to compare ranks. */
const rlc_return_norm *rlc_runner_return_norm(const rlc_runner *r);

/* Environment steps taken so far. */
size_t rlc_runner_steps_done(const rlc_runner *r);

/* The last training statistics (after rlc_runner_run returned
 * RLC_ENONFINITE: what was not finite, at which update). */
const rlc_train_stats *rlc_runner_stats(const rlc_runner *r);

/* Environment steps a run of total_timesteps takes with this agent:
 * total_timesteps off-policy, whole rollouts (at least one) on-policy. */
size_t rlc_runner_timesteps(const rlc_agent_type *type, const void *agent, size_t total_timesteps);

/* Train `agent` on env type `env` as its kind requires: builds the training
 * env (one, resetting from stream RLC_RNG_ENV of seed) or vector env
 * (n_envs copies), and n_eval_episodes evaluation copies from stream
 * RLC_RNG_EVAL_ENV, then runs rlc_runner_offpolicy or rlc_runner_onpolicy
 * and frees them. RLC_ENOMEM, RLC_EINVAL, or what the runner returns. */
rlc_status rlc_runner_train(const rlc_agent_type *type, void *agent, const rlc_env_type *env,
                            uint64_t seed, size_t n_eval_episodes, const rlc_runner_config *cfg,
                            const rlc_runner_callbacks *cb);

/* Deterministic evaluation (Stable-Baselines3's evaluate_policy on a vector
 * env): resets every copy of envs, then steps them in lockstep with
 * type->predict on all copies at once until each has finished one episode;
 * copy i's return goes to returns[i] (n_envs doubles). Copies that finished
 * keep stepping (their new episodes are ignored). actions: n_envs × act_dim
 * scratch. Allocates only while the agent's tape grows. Returns predict's
 * status (RLC_ENOMEM): the agent is unchanged, returns incomplete, and the
 * copies have been reset (their generators moved on) and maybe stepped. */
rlc_status rlc_runner_evaluate(const rlc_agent_type *type, void *agent, rlc_vec_env *envs,
                               double *actions, double *returns);

/* --- gradient checks of an agent's losses (`rlc gradcheck`) --- */

/* Fill a fresh agent's gradient-check batch from a short run on `env`,
 * with streams from seed as training has them. On-policy: one rollout of
 * n_steps × n_envs as rlc_runner_onpolicy collects it (observation
 * statistics updated, rewards normalised when configured), one update on
 * it, then
 * gradcheck_batch with `rows` rows drawn uniformly without replacement
 * (all of them when the rollout has fewer). Off-policy: `rows` steps of
 * explore → step → store → after_step as rlc_runner_offpolicy takes them
 * (DDPG's first learning_starts steps act uniformly at random and do not
 * train), then gradcheck_batch with `rows`. RLC_EINVAL (no gradient
 * check hooks, rows 0, env unsupported), RLC_ENOMEM, or a hook's status.
 * Allocates the env and rollout for the call only. */
rlc_status rlc_agent_gradcheck_prepare(const rlc_agent_type *type, void *agent,
                                       const rlc_env_type *env, uint64_t seed, size_t rows);

/* Check loss i (< what type->losses returns) block by block with
 * rlc_gradcheck_block: the analytic gradient once, then finite differences
 * of loss_value, opt->seed mixed with the loss and block index so each
 * block draws its own sample. reports: one per block of the loss, in
 * order. RLC_EINVAL, RLC_ENOMEM, RLC_ENONFINITE, or a hook's status; the
 * parameters are restored bitwise in every case. */
rlc_status rlc_agent_gradcheck_loss(const rlc_agent_type *type, void *agent, size_t i,
                                    const rlc_gradcheck_options *opt,
                                    rlc_gradcheck_report *reports);

#endif
