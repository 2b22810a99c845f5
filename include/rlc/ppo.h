/* rlc/ppo.h — Proximal Policy Optimization (Schulman et al. 2017,
 * "Proximal Policy Optimization Algorithms", Alg. 1 with the clipped
 * surrogate of eq. 7), as Stable-Baselines3's PPO: n_epochs over shuffled
 * minibatches of one rollout, per-minibatch advantage normalisation,
 * optional value clipping, entropy bonus, global gradient clipping, and an
 * early stop on the approximate KL. Settings use SB3's names; the agent
 * type rlc_agent_ppo declares them as the [ppo] section. */
#ifndef RLC_PPO_H
#define RLC_PPO_H

#include <stdbool.h>
#include <stddef.h>
#include "rlc/agent.h"
#include "rlc/policy.h"

extern const rlc_agent_type rlc_agent_ppo; /* src/agents/ppo.c */

typedef struct rlc_ppo_config {
    size_t n_envs;                    /* environment copies stepped in lockstep */
    size_t n_steps;                   /* steps per copy per rollout */
    size_t batch_size;                /* minibatch size; the last one of an epoch may be smaller */
    size_t n_epochs;                  /* passes over each rollout */
    double learning_rate;             /* Adam step size at the start */
    rlc_schedule lr_schedule;
    double gamma, gae_lambda;
    double clip_range;                /* ε of the clipped surrogate at the start */
    rlc_schedule clip_range_schedule;
    double clip_range_vf;             /* value clipping around the old values; 0 = off */
    bool normalize_advantage;         /* per minibatch, sample std (ddof 1); skipped for one sample */
    double ent_coef, vf_coef;
    double max_grad_norm;             /* global-norm clipping of all parameters' gradient */
    double target_kl;                 /* stop the update when approx KL > 1.5·target_kl; 0 = off */
    bool norm_reward;                 /* scale rewards by the running std of the discounted return */
    rlc_policy_config policy;
} rlc_ppo_config;

/* The approximate KL(π_old ‖ π_new) PPO logs and early-stops on:
 * mean((ρ − 1) − log ρ) over n log-ratios log ρ = log π_new − log π_old
 * (Schulman's k3 estimator, as SB3 and CleanRL): never negative, unlike the
 * plain mean(−log ρ): log-ratios [0.3, −0.3, 0.2, −0.2] give 0.0327026. */
double rlc_ppo_approx_kl(const double *log_ratio, size_t n);

/* PPO's loss on one minibatch b (Schulman et al. 2017, eq. 7 and 9, as
 * Stable-Baselines3's PPO.train): policy loss −mean min(ρA, clip(ρ, 1 − ε,
 * 1 + ε)A) with ρ = exp(log π(a|s) − log π_old(a|s)) and ε = clip_range,
 * plus rlc_policy_loss_total's value and entropy terms (clip_range_vf 0 =
 * no value clipping). Recorded on t with every policy parameter trainable:
 * backward adds into p->grads. parts (may be NULL) receives the policy,
 * value and entropy terms and the n × 1 log-ratio and ratio. Returns the
 * 1 × 1 loss, or NULL with the error in rlc_tape_status(t). Allocates only
 * while t grows. */
rlc_node *rlc_ppo_loss(rlc_tape *t, const rlc_policy *p, const rlc_policy_batch *b,
                       double clip_range, double clip_range_vf, double ent_coef, double vf_coef,
                       rlc_policy_loss_parts *parts);

/* Stable-Baselines3's PPO defaults (n_steps 2048, batch 64, 10 epochs,
 * lr 3e-4, γ 0.99, λ 0.95, ε 0.2, ent 0, vf 0.5, max_grad_norm 0.5), one env. */
void rlc_ppo_config_default(rlc_ppo_config *cfg);

#endif
