/* rlc/qac.h — Q actor-critic (S. Zhao, "Mathematical Foundations of
 * Reinforcement Learning", 2025, chapter 10, Algorithm 10.1), on the shared
 * on-policy runner. The critic is q(s, a; w) (rlc_policy_critic
 * RLC_CRITIC_ACTION_VALUE), learned by Sarsa; the actor's gradient is
 * weighted by q itself, not by an advantage. For every transition
 * (s_t, a_t, r_{t+1}, s_{t+1}, a_{t+1}) of a rollout of n_steps × n_envs:
 *
 *     δ_t  = r_{t+1} + γ (1 − terminated) q(s_{t+1}, a_{t+1}; w_t) − q(s_t, a_t; w_t)
 *     w   ← w + α_w · mean_t δ_t ∇_w q(s_t, a_t; w_t)                  (critic: Sarsa)
 *     θ   ← θ + α_θ · mean_t ∇_θ ln π(a_t|s_t; θ_t) · q(s_t, a_t; w_t)  (actor)
 *
 * both from the same w_t and θ_t, as the book's algorithm. As losses for
 * descent: critic ½·mean δ² with the target held fixed (its gradient is
 * −mean δ ∇q, so an SGD step is the update above) and actor
 * −mean ln π(a|s)·q(s, a) with q held fixed, minus ent_coef·H(π). The Sarsa
 * target is GAE with λ = 0 on the per-step values q(s_t, a_t) that act
 * records (rlc_rollout_compute_gae).
 *
 * The book's form: n_envs = 1, n_steps = 1, optimizer sgd, constant
 * learning rates, ent_coef 0, max_grad_norm 0 (no clipping), norm_obs and
 * norm_reward off. Beyond it, all off in the book's form: a rollout of
 * n_steps × n_envs transitions averaged per update, learning rates decayed
 * linearly to 0, an entropy bonus, gradient clipping (each network's
 * gradient clipped apart), Adam or RMSprop, observation and reward
 * normalisation.
 *
 * a_{t+1}. Inside a rollout it is the action the next step takes. At the
 * rollout's end the agent draws a' ~ π(·|s_{t+1}; θ_t) for the target and
 * KEEPS it as the action the next rollout's first step takes (the book's
 * on-line form: a_{t+1} is sampled once, before the update, and then
 * executed), so with n_steps = 1 the run is Algorithm 10.1 step for step.
 * At a truncation (time limit) the target bootstraps with q(s_final, a'),
 * a' ~ π(·|s_final) drawn for the target alone — that state is never
 * acted on (the env resets) — and never from the reset observation. On
 * termination the target is r_{t+1}. An episode that starts after a
 * termination therefore begins with an action drawn before the update,
 * from θ_t instead of θ_{t+1}.
 *
 * Data-parallel (set_ranks, rlc_policy_trainer_set_ranks): each rank its
 * own n_envs copies and action stream; each update first merges the
 * observation statistics over the ranks, then averages the one backward
 * pass's gradient of both networks over them before the gradients are
 * clipped and each optimiser steps (a rank whose loss is not finite sends
 * NaN, so all stop at the same update). One rank: bit for bit alone. */
#ifndef RLC_QAC_H
#define RLC_QAC_H

#include <stdbool.h>
#include <stddef.h>
#include "rlc/agent.h"
#include "rlc/optim.h"
#include "rlc/policy.h"

extern const rlc_agent_type rlc_agent_qac; /* src/agents/qac.c */

typedef enum rlc_qac_optimizer { RLC_QAC_SGD, RLC_QAC_ADAM, RLC_QAC_RMSPROP } rlc_qac_optimizer;

typedef struct rlc_qac_config {
    size_t n_envs;               /* default 1 */
    size_t n_steps;              /* steps per copy per update (default 1) */
    double actor_learning_rate;  /* α_θ (default 1e-3) */
    double critic_learning_rate; /* α_w (default 1e-3) */
    rlc_schedule lr_schedule;    /* both rates constant (default) or linear to 0 */
    double gamma;                /* default 0.99 */
    rlc_qac_optimizer optimizer; /* sgd (default), adam (β 0.9, 0.999, ε 1e-8),
                                  * rmsprop (α 0.99, ε 1e-5); one per network */
    double ent_coef;             /* default 0 */
    double max_grad_norm;        /* per network; 0 (default): no clipping */
    bool norm_reward;            /* default false */
    rlc_policy_config policy;    /* critic: RLC_CRITIC_ACTION_VALUE (create sets it) */
} rlc_qac_config;

/* The book's form (see above) with 64-64 tanh networks, orthogonal init. */
void rlc_qac_config_default(rlc_qac_config *cfg);

/* The parts of QAC's loss, nodes on its tape. */
typedef struct rlc_qac_loss_parts {
    rlc_node *actor_loss;  /* 1 × 1: −mean ln π(a|s)·q(s, a), q held fixed */
    rlc_node *entropy;     /* 1 × 1: mean H(π(·|s)) */
    rlc_node *critic_loss; /* 1 × 1: ½·mean (target − q(s, a))² */
    rlc_node *q;           /* n × 1: q(s, a; w) */
} rlc_qac_loss_parts;

/* QAC's loss on n rows (see above): actor_loss − ent_coef·H + critic_loss,
 * recorded on t into *loss (1 × 1) with every parameter of p (a q critic)
 * trainable. obs: n × obs_dim normalised observations, actions: n × act_dim
 * as sampled, targets: n Sarsa targets, q_weights: n scratch that receives
 * q(s, a) (the actor's fixed weights); all borrowed for the pass. parts may
 * be NULL. RLC_OK, RLC_EINVAL (a V critic; a Discrete action out of
 * range), RLC_ENOMEM; *loss is NULL on error. Allocates only while t
 * grows. */
rlc_status rlc_qac_loss(rlc_tape *t, const rlc_policy *p, size_t n, const double *obs,
                        const double *actions, const double *targets, double *q_weights,
                        double ent_coef, rlc_qac_loss_parts *parts, rlc_node **loss);

#endif
