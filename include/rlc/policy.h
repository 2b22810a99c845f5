/* rlc/policy.h — the stochastic actor-critic policy shared by the
 * on-policy algorithms (A2C, PPO, TRPO, QAC): a separate actor MLP
 * (logits for Discrete actions, means for Box actions plus a
 * state-independent log-std parameter) and critic MLP, V(s) or q(s, a)
 * (rlc_policy_critic), all parameters
 * in ONE flat vector (actor | log_std | critic: π's parameters first and
 * contiguous, for TRPO's natural gradient) with a twin gradient vector,
 * as Stable-Baselines3's ActorCriticPolicy with separate networks. Optional
 * observation normalisation (running mean/variance, clipped) lives here too,
 * so it is saved and frozen with the policy. */
#ifndef RLC_POLICY_H
#define RLC_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>
#include "rlc/agent.h"
#include "rlc/distributions.h"
#include "rlc/env.h"
#include "rlc/mlp.h"
#include "rlc/normalize.h"
#include "rlc/optim.h"
#include "rlc/settings.h"
#include "rlc/status.h"
#include "rlc/tape.h"

/* What the critic estimates. Not a setting: the algorithm chooses. */
typedef enum rlc_policy_critic {
    RLC_CRITIC_STATE_VALUE,  /* V(s): obs_dim → 1 (A2C, PPO, TRPO) */
    RLC_CRITIC_ACTION_VALUE, /* q(s, a) (QAC): Discrete, obs_dim → one q per action;
                              * Box, [obs | a] (obs_dim + act_dim) → 1 with a clipped
                              * to the action bounds, the action the env executes */
} rlc_policy_critic;

typedef struct rlc_policy_config {
    size_t net_arch[RLC_MAX_HIDDEN]; /* hidden widths, actor and critic alike (default 64, 64) */
    size_t n_hidden;
    rlc_activation activation_fn;    /* hidden activation (default tanh) */
    bool ortho_init;                 /* orthogonal init with SB3's gains: √2 hidden, 0.01 policy head, 1 value head */
    double log_std_init;             /* initial log σ of Gaussian policies (default 0) */
    bool norm_obs;                   /* normalise observations by running mean/variance */
    double clip_obs;                 /* clip normalised observations to ±clip_obs (default 10) */
    rlc_policy_critic critic;        /* default RLC_CRITIC_STATE_VALUE */
} rlc_policy_config;

void rlc_policy_config_default(rlc_policy_config *cfg);

/* Hidden activations as settings name them, by enum value: "relu", "tanh"
 * (identity is not offered: NULL). */
extern const char *const rlc_policy_activation_names[3];

#define RLC_POLICY_MAX_ENVS 1024 /* most environment copies an on-policy algorithm steps */

/* The rows of settings every on-policy algorithm's struct T has under the
 * same names: n_envs, gamma and gae_lambda (GAE), and ent_coef, vf_coef and
 * max_grad_norm (rlc_policy_loss_total's coefficients and the clipping of
 * its gradient). */
#define RLC_POLICY_N_ENVS_ROW(T) \
    RLC_SETTING_WHOLE_ROW(T, "n_envs", RLC_SETTING_SIZE, n_envs, 1, RLC_POLICY_MAX_ENVS, \
                          "environment copies stepped in lockstep")
#define RLC_POLICY_GAE_ROWS(T) \
    RLC_SETTING_REAL_ROW(T, "gamma", gamma, 0, 1, 0, "discount factor"), \
    RLC_SETTING_REAL_ROW(T, "gae_lambda", gae_lambda, 0, 1, 0, \
                         "GAE bias-variance trade-off (1 = Monte Carlo returns)")
#define RLC_POLICY_LOSS_ROWS(T) \
    RLC_SETTING_REAL_ROW(T, "ent_coef", ent_coef, 0, INFINITY, RLC_SETTING_OPEN_HI, \
                         "entropy coefficient of the loss"), \
    RLC_SETTING_REAL_ROW(T, "vf_coef", vf_coef, 0, INFINITY, RLC_SETTING_OPEN_HI, \
                         "value-function coefficient of the loss"), \
    RLC_SETTING_REAL_ROW(T, "max_grad_norm", max_grad_norm, 0, INFINITY, \
                         RLC_SETTING_OPEN_LO | RLC_SETTING_OPEN_HI, \
                         "maximum global norm of the gradient (clipping)")

/* The cross-setting check of on-policy algorithms that train on
 * minibatches of a rollout (a settings_check helper): the rollout
 * n_steps × n_envs must hold more than one row (advantages are normalised
 * with a sample std) and at least batch_size rows. Blames n_envs when its
 * origin ranks above n_steps', and batch_size unless a rollout key ranks
 * above it. RLC_OK or RLC_EINVAL with err filled. */
rlc_status rlc_policy_check_rollout(size_t n_steps, size_t n_envs, size_t batch_size,
                                    rlc_agent_origin_fn fn, const void *ctx,
                                    rlc_agent_settings_error *err);

/* The settings rows of an rlc_policy_config that is member `p` of the
 * settings struct T (an on-policy algorithm's section): net_arch,
 * activation_fn, ortho_init, log_std_init, norm_obs, clip_obs. */
#define RLC_POLICY_SETTING_ROWS(T, p) \
    RLC_SETTING_SIZES_ROW(T, "net_arch", p.net_arch, p.n_hidden, RLC_MAX_HIDDEN, 1, 65536, \
                          "hidden layer widths, actor and critic alike"), \
    RLC_SETTING_ENUM_ROW(T, "activation_fn", p.activation_fn, rlc_policy_activation_names, \
                         "hidden-layer activation"), \
    RLC_SETTING_BOOL_ROW(T, "ortho_init", p.ortho_init, \
                         "orthogonal init, gains sqrt(2) hidden, 0.01 policy head, 1 value head"), \
    RLC_SETTING_REAL_ROW(T, "log_std_init", p.log_std_init, -INFINITY, INFINITY, \
                         RLC_SETTING_OPEN_LO | RLC_SETTING_OPEN_HI, \
                         "initial log std of the Gaussian policy (Box actions)"), \
    RLC_SETTING_BOOL_ROW(T, "norm_obs", p.norm_obs, \
                         "normalise observations by their running mean and variance"), \
    RLC_SETTING_REAL_ROW(T, "clip_obs", p.clip_obs, 0, INFINITY, \
                         RLC_SETTING_OPEN_LO | RLC_SETTING_OPEN_HI, \
                         "clip normalised observations to +-clip_obs")

typedef struct rlc_policy {
    rlc_policy_config config;
    rlc_dist_kind dist;
    size_t obs_dim, act_dim;   /* act_dim: Box dimension, or 1 for Discrete */
    size_t dist_dim;           /* logits (n actions) or means (d) per row */
    const double *act_low, *act_high; /* Box bounds (borrowed from the env type); NULL for Discrete */
    gsl_vector *params, *grads;       /* owned flat vectors: actor | log_std | critic */
    rlc_mlp *actor, *critic;          /* views into params */
    gsl_matrix_view log_std, dlog_std; /* 1 × act_dim views (Gaussian only) */
    gsl_vector_view pi, dpi;          /* the parameters of π (actor | log_std), contiguous, and their gradients */
    rlc_running_norm *obs_norm;       /* NULL unless config.norm_obs */
    gsl_vector_view obs_mean, obs_var, obs_count; /* views of obs_norm's statistics, for checkpoints */
} rlc_policy;

/* Build a policy for env's spaces, initialised from rng (orthogonal or
 * PyTorch default). RLC_EINVAL, RLC_ENOMEM, RLC_EGSL. Caller frees. */
rlc_status rlc_policy_create(rlc_policy **out, const rlc_policy_config *cfg,
                             const rlc_env_type *env, gsl_rng *rng);
void rlc_policy_free(rlc_policy *p); /* NULL-safe */

/* Normalise n raw observations (n × obs_dim) into out with the frozen
 * statistics (a copy when norm_obs is off). No allocation. */
void rlc_policy_normalize_obs(const rlc_policy *p, const double *obs, double *out, size_t n);

/* On the tape, for already-normalised observations obs (n × obs_dim,
 * borrowed): the distribution parameters (n × dist_dim), V(s) (n × 1) and
 * the log-std node (NULL for Categorical). With train, backward adds into
 * p->grads. Any output pointer may be NULL to skip that network; values
 * must be NULL for a q critic (RLC_EINVAL: use rlc_policy_q). Returns
 * rlc_tape_status(t): on an error (RLC_ENOMEM) the outputs are NULL. */
rlc_status rlc_policy_forward(const rlc_policy *p, rlc_tape *t, const gsl_matrix *obs, bool train,
                              rlc_node **dist_params, rlc_node **log_std, rlc_node **values);

/* On the tape, q(s, a) (n × 1) of a q critic (RLC_CRITIC_ACTION_VALUE) for
 * n normalised observations obs (n × obs_dim) and actions (n × act_dim, as
 * sampled; both borrowed for the pass): Discrete, the column a of the
 * critic's n × (number of actions) output; Box, the critic of [obs | a]
 * with a clipped to the bounds. With train, backward adds into the
 * critic's gradients. RLC_EINVAL (a V critic, or a Discrete action out of
 * range), RLC_ENOMEM; *q is NULL on error. */
rlc_status rlc_policy_q(const rlc_policy *p, rlc_tape *t, const gsl_matrix *obs,
                        const gsl_matrix *actions, bool train, rlc_node **q);

/* Stochastic actions for n normalised observations (n × obs_dim): samples
 * from π(·|s) with rng into actions (n × act_dim, unclipped), their
 * log-probabilities (n) and the critic's value (n): V(s), or q(s, a) of
 * the sampled a. Uses t as scratch; allocates only while the tape grows.
 * RLC_ENOMEM (the tape could not grow). */
rlc_status rlc_policy_act(const rlc_policy *p, rlc_tape *t, const double *obs, size_t n,
                          gsl_rng *rng, double *actions, double *log_probs, double *values);

/* For given actions (n × act_dim, as sampled) at n normalised observations
 * (n × obs_dim): log π(a|s) (n) and the critic's value (n): V(s), or
 * q(s, a). Stable-Baselines3's evaluate_actions, without gradients. Uses t
 * as scratch. RLC_EINVAL (a Discrete action out of range), RLC_ENOMEM. */
rlc_status rlc_policy_evaluate_actions(const rlc_policy *p, rlc_tape *t, const double *obs,
                                       const double *actions, size_t n, double *log_probs,
                                       double *values);

/* V(s) for n normalised observations (n × obs_dim) into values (n); a V
 * critic only (RLC_EINVAL for a q critic). Uses t as scratch. RLC_ENOMEM. */
rlc_status rlc_policy_values(const rlc_policy *p, rlc_tape *t, const double *obs, size_t n,
                             double *values);

/* Deterministic actions for n raw observations (n × obs_dim): normalised
 * with frozen statistics, the distribution's mode (the mean of a Gaussian,
 * the most probable category), clipped to the bounds, into actions
 * (n × act_dim). Uses t as scratch; allocates only while the tape grows.
 * RLC_ENOMEM. */
rlc_status rlc_policy_predict(const rlc_policy *p, rlc_tape *t, size_t n, const double *obs,
                              double *actions);

/* The policy's flat vectors: "policy" (actor | log_std | critic), and
 * with observation normalisation "obs_mean", "obs_var", "obs_count".
 * Returns how many (≤ 4). */
size_t rlc_policy_tensors(rlc_policy *p, rlc_agent_tensor *out);

/* Clip an action to the Box bounds for the environment (identity for
 * Discrete). The unclipped action is what the rollout stores. */
void rlc_policy_clip_action(const rlc_policy *p, const double *action, double *clipped);

/* One batch of on-policy training data, borrowed for the call: the rows an
 * algorithm's loss is computed on (a PPO minibatch, an A2C rollout). */
typedef struct rlc_policy_batch {
    size_t n;                    /* rows */
    const double *obs;           /* n × obs_dim, already normalised */
    const double *actions;       /* n × act_dim, as sampled (unclipped) */
    const double *old_log_probs; /* n: log π_old(a|s) at collection (PPO; A2C: unused, may be NULL) */
    const double *advantages;    /* n: as the loss uses them (normalised by the caller if configured) */
    const double *returns;       /* n: value targets R */
    const double *old_values;    /* n: V_old(s) at collection (read only when clip_range_vf > 0) */
} rlc_policy_batch;

/* The parts of an assembled on-policy loss, nodes on the loss's tape. */
typedef struct rlc_policy_loss_parts {
    rlc_node *policy_loss, *value_loss, *entropy; /* 1 × 1 each */
    rlc_node *log_ratio, *ratio;                  /* n × 1: log π − log π_old and ρ (PPO; NULL for A2C) */
} rlc_policy_loss_parts;

/* The terms every on-policy loss shares, added to an algorithm's policy
 * loss (1 × 1): total = policy_loss + vf_coef·value_loss − ent_coef·H, with
 * value_loss = mean (R − V')² where V' = V_old + clip(V − V_old, ±clip_range_vf)
 * when clip_range_vf > 0 (Stable-Baselines3's PPO.train) and V' = V
 * otherwise, and H the mean entropy of π(·|s) (with ent_coef 0, H is
 * recorded after the total, outside it: a backward pass from the total does
 * not visit it). dist_params, log_std and
 * values are the nodes rlc_policy_forward recorded for b->obs on t. Fills
 * parts->policy_loss, value_loss and entropy. Returns the 1 × 1 total, or
 * NULL with the error in rlc_tape_status(t). Allocates only while t grows. */
rlc_node *rlc_policy_loss_total(rlc_tape *t, const rlc_policy *p, const rlc_policy_batch *b,
                                rlc_node *policy_loss, rlc_node *dist_params, rlc_node *log_std,
                                rlc_node *values, double clip_range_vf, double ent_coef,
                                double vf_coef, rlc_policy_loss_parts *parts);

/* Fisher-vector products of π at its current parameters θ₀, for TRPO's
 * natural gradient (Schulman et al. 2015, Appendix C): for v over π's
 * parameters (p->pi: actor | log_std), Fv = (1/n) Σᵢ Jᵢᵀ Mᵢ Jᵢ v + damping·v,
 * the Hessian of the mean KL(π_θ₀ ‖ π_θ) over n observations at θ = θ₀,
 * where Jᵢ is the Jacobian of row i's distribution parameters and Mᵢ their
 * Fisher metric: Categorical logits diag(p) − ppᵀ; Gaussian means
 * diag(1/σ²) and log σ 2 per component, no cross terms. Jv comes from the
 * tape's tangent pass and Jᵀu from a seeded backward pass over one
 * recorded forward pass: exact, no finite-difference step. */
typedef struct rlc_policy_fisher {
    const rlc_policy *policy; /* borrowed */
    size_t n;                 /* rows */
    double damping;
    rlc_tape *tape;           /* borrowed: the tape of the recorded pass */
    rlc_node *dist;           /* its distribution parameters (n × dist_dim) */
    double *old_dist;         /* n × dist_dim: π_θ₀'s distribution parameters */
    double *old_log_std;      /* act_dim: π_θ₀'s log σ (Gaussian) */
    double *metric;           /* the Fisher metric's numbers, set once: π_θ₀'s probabilities
                               * (Categorical, n × dist_dim) or 1/σ² (Gaussian, act_dim) */
    double *u;                /* n × dist_dim scratch: M·(Jv), the backward seed */
    gsl_vector *direction;    /* params' size: v placed for the tangent pass */
} rlc_policy_fisher;

/* Workspace for up to n rows. RLC_EINVAL, RLC_ENOMEM. */
rlc_status rlc_policy_fisher_create(rlc_policy_fisher **out, const rlc_policy *p, size_t n,
                                    double damping);
void rlc_policy_fisher_free(rlc_policy_fisher *f); /* NULL-safe */

/* Take the pass that rlc_policy_forward(p, t, obs, true, &dist, &log_std,
 * ...) just recorded on t for `rows` (≤ n) observations as θ₀: copies the
 * distribution parameters as π_θ₀'s and computes their Fisher metric. The tape must not be reset while
 * products are taken. RLC_EINVAL (rows > n, NULL, wrong shapes). */
rlc_status rlc_policy_fisher_set(rlc_policy_fisher *f, rlc_tape *t, rlc_node *dist,
                                 const rlc_node *log_std);

/* Fv ← (F + damping·I) v (both p->pi's size, distinct; `f` is an
 * rlc_policy_fisher, so this is an rlc_cg_matvec). Uses p->grads' π part
 * as scratch (zeroed, then overwritten). RLC_OK, or the tape's status.
 * Does not allocate once the first product after a set has been taken. */
rlc_status rlc_policy_fisher_product(void *f, const gsl_vector *v, gsl_vector *Fv);

/* What every on-policy agent holds besides its own settings and buffers:
 * the policy, one optimiser over all its parameters, a tape, and the
 * generator actions are sampled from. Embedded in A2C's and PPO's agents. */
typedef struct rlc_policy_trainer {
    rlc_policy *policy;
    rlc_optim *optim;
    rlc_tape *tape;
    gsl_rng *action_rng; /* stream RLC_RNG_EXPLORE of the run seed */
    /* after rlc_policy_trainer_step returned RLC_ENONFINITE: "loss",
     * "gradient" or "parameters" (not part of the state) */
    const char *nonfinite;
    /* gradient checks only (rlc_policy_trainer_gradcheck_batch): the batch
     * (n 0 until then), its storage, and n doubles of scratch */
    rlc_policy_batch gc;
    double *gc_data, *gc_scratch;
    /* data-parallel training (rlc_policy_trainer_set_ranks); size 0 or 1: alone */
    rlc_agent_ranks ranks;
    /* with several ranks and observation normalisation: the statistics at
     * the last sync (mean, var: obs_dim each; count) and, since then, this
     * rank's [rows, Σ(x − mean), Σ(x − mean)²] (1 + 2·obs_dim); else NULL */
    double *obs_sync;
} rlc_policy_trainer;

/* Build the policy (initialised from stream RLC_RNG_INIT of seed), an
 * optimiser of `type` with learning_rate and eps over all its parameters
 * (none when type is NULL: the agent keeps its own), a tape and the action
 * generator. On error everything made is released.
 * RLC_EINVAL, RLC_ENOMEM, RLC_EGSL. */
rlc_status rlc_policy_trainer_init(rlc_policy_trainer *tr, const rlc_policy_config *cfg,
                                   const rlc_env_type *env, uint64_t seed,
                                   const rlc_optim_type *type, double learning_rate, double eps);
/* Free what init made (NULL members are skipped); tr is zeroed. */
void rlc_policy_trainer_release(rlc_policy_trainer *tr);

/* One optimiser step from the loss on the tape: zero the gradients,
 * backpropagate, clip their global norm to max_grad_norm, step.
 * RLC_ENONFINITE, with tr->nonfinite naming the quantity, if the loss or
 * the gradient's norm is NaN/inf (nothing applied: "loss", "gradient"),
 * or if a parameter is after the step ("parameters": applied; the
 * agent is not to be trained further). */
rlc_status rlc_policy_trainer_step(rlc_policy_trainer *tr, rlc_node *loss, double max_grad_norm);

/* Data-parallel training (rlc_agent_type.set_ranks of agents built on the
 * trainer): keep a copy of ranks; from then on rlc_policy_trainer_step
 * averages the gradient over the ranks before clipping (a rank whose loss
 * is not finite contributes NaN, so every rank stops alike), and on ranks
 * other than 0 the action generator restarts from stream RLC_RNG_EXPLORE
 * of ranks->seed. With several ranks and observation normalisation,
 * allocates what rlc_policy_trainer_sync_obs needs (freed by release).
 * RLC_EINVAL for a size of 0, a rank out of range or no sum; RLC_ENOMEM. */
rlc_status rlc_policy_trainer_set_ranks(rlc_policy_trainer *tr, const rlc_agent_ranks *ranks);

/* Data-parallel observation statistics: merge what every rank's
 * observations added since the last call (their count and moments, one
 * sum over the ranks) into the statistics of the last call, so that every
 * rank holds the same statistics, those of all ranks' observations. Agents
 * call it at the start of each update. Nothing to do (RLC_OK) alone or
 * without observation normalisation. RLC_OK or the sum's error. Does not
 * allocate. */
rlc_status rlc_policy_trainer_sync_obs(rlc_policy_trainer *tr);

/* x[0 .. n) replaced by its mean over the ranks (unchanged when alone), for
 * a statistic an update decision depends on. RLC_OK or the sum's error. */
rlc_status rlc_policy_trainer_mean(rlc_policy_trainer *tr, double *x, size_t n);

/* rlc_agent_type entries shared by the on-policy agents whose actor-critic
 * is this policy. `agent` must point to an rlc_policy_trainer: an agent
 * struct whose first member is its trainer (each such agent states this
 * with a _Static_assert on offsetof). predict: rlc_policy_predict;
 * normalize_obs: the policy's running statistics (updated from training
 * observations when asked), or a copy; act: rlc_policy_act with the
 * action generator, then the action clipped for the env; bootstrap: V(s);
 * tensors: rlc_policy_tensors. */
rlc_status rlc_policy_trainer_predict(void *agent, size_t n, const double *obs, double *action);
void rlc_policy_trainer_normalize_obs(void *agent, size_t n, const double *obs, double *out,
                                      bool update);
rlc_status rlc_policy_trainer_act(void *agent, size_t n, const double *obs, double *actions,
                                  double *env_actions, double *log_probs, double *values);
rlc_status rlc_policy_trainer_bootstrap(void *agent, size_t n, const double *obs, double *values,
                                        bool next);
size_t rlc_policy_trainer_tensors(void *agent, rlc_agent_tensor *out);
/* The trainer's training state: the policy's parameters ("policy"), its
 * observation statistics, the action generator, the optimiser (if any)
 * and, data-parallel with observation statistics (several ranks), the
 * merge's bookkeeping ("obs_sync"). Each agent's state hook visits this
 * first, then its own pieces. */
rlc_status rlc_policy_trainer_state(rlc_policy_trainer *tr, const rlc_state_visitor *v);

/* --- gradient checks (the agent type's gradcheck hooks) --- */

/* Gather rows idx[0 .. n) of ro into tr->gc (storage allocated here, or
 * re-allocated, and freed by rlc_policy_trainer_release): observations,
 * actions, log-probabilities and values at collection, advantages
 * (normalised over the n rows when normalize_advantage) and returns.
 * RLC_EINVAL (n 0), RLC_ENOMEM. */
rlc_status rlc_policy_trainer_gradcheck_batch(rlc_policy_trainer *tr, const rlc_rollout *ro,
                                              const size_t *idx, size_t n,
                                              bool normalize_advantage);

/* Which of a policy's parameters rlc_policy_blocks lists. */
enum { RLC_POLICY_ACTOR = 1, RLC_POLICY_LOG_STD = 2, RLC_POLICY_CRITIC = 4 };

/* The named blocks of the parts of p that `which` selects, in the flat
 * vector's order: "actor.layer<l>.weight"/".bias", "log_std" (Gaussian
 * only), "critic.layer<l>.weight"/".bias"; offsets from p->params->data.
 * out has room for RLC_AGENT_MAX_BLOCKS; returns how many. */
size_t rlc_policy_blocks(const rlc_policy *p, int which, rlc_agent_block *out);

#endif
