/* rlc/a2c.h — Advantage Actor-Critic (Mnih et al. 2016, "Asynchronous
 * Methods for Deep Reinforcement Learning", the synchronous variant), as
 * Stable-Baselines3's A2C: one gradient step per rollout of n_steps × n_envs
 * on −mean(A·log π) + vf_coef·mean((R − V)²) − ent_coef·H, RMSprop (α 0.99,
 * ε 1e-5) or Adam. The agent type rlc_agent_a2c declares the settings as
 * the [a2c] section. */
#ifndef RLC_A2C_H
#define RLC_A2C_H

#include <stdbool.h>
#include <stddef.h>
#include "rlc/agent.h"
#include "rlc/optim.h"
#include "rlc/policy.h"

extern const rlc_agent_type rlc_agent_a2c; /* src/agents/a2c.c */

typedef struct rlc_a2c_config {
    size_t n_envs;
    size_t n_steps;            /* steps per copy per update (default 5) */
    double learning_rate;      /* default 7e-4 */
    rlc_schedule lr_schedule;
    double gamma, gae_lambda;  /* default 0.99, 1.0 */
    double ent_coef, vf_coef;  /* default 0, 0.5 */
    double max_grad_norm;      /* default 0.5 */
    bool use_rms_prop;         /* RMSprop (default) or Adam */
    double rms_prop_eps;       /* default 1e-5 */
    bool normalize_advantage;  /* default false */
    bool norm_reward;
    rlc_policy_config policy;
} rlc_a2c_config;

/* A2C's loss on batch b (Mnih et al. 2016, as Stable-Baselines3's
 * A2C.train): policy loss −mean(A · log π(a|s)) plus rlc_policy_loss_total's
 * value and entropy terms (no value clipping). Recorded on t with every
 * policy parameter trainable; parts (may be NULL) receives the three terms
 * (log_ratio and ratio NULL). Returns the 1 × 1 loss, or NULL with the error
 * in rlc_tape_status(t). Allocates only while t grows. */
rlc_node *rlc_a2c_loss(rlc_tape *t, const rlc_policy *p, const rlc_policy_batch *b,
                       double ent_coef, double vf_coef, rlc_policy_loss_parts *parts);

/* Stable-Baselines3's A2C defaults, one env. */
void rlc_a2c_config_default(rlc_a2c_config *cfg);

#endif
