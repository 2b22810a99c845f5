/* rlc/distributions.h — the action distributions of stochastic policies:
 * Categorical (from logits, for Discrete actions) and diagonal Gaussian
 * (mean from the network, a state-independent log-std parameter, for Box
 * actions; unsquashed: the env clips). Log-probabilities, entropy and KL are
 * recorded on the tape so their gradients reach the network; sampling and
 * the mode are plain functions for acting. Actions are doubles (a Discrete
 * action is its index). */
#ifndef RLC_DISTRIBUTIONS_H
#define RLC_DISTRIBUTIONS_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include "rlc/tape.h"

typedef enum rlc_dist_kind {
    RLC_DIST_CATEGORICAL, /* params: logits, n × n_actions; log_std unused (NULL) */
    RLC_DIST_GAUSSIAN     /* params: means, n × d; log_std: 1 × d */
} rlc_dist_kind;

/* log π(a|s) per row → n×1. actions: n × 1 indices (categorical) or n × d
 * (Gaussian), contiguous, borrowed for the pass. */
rlc_node *rlc_dist_log_prob(rlc_tape *t, rlc_dist_kind kind, rlc_node *params, rlc_node *log_std,
                            const gsl_matrix *actions);

/* Mean entropy over the batch → 1×1. Categorical: −Σ p log p per row,
 * from the log-softmax of params already on the tape if there is one
 * (rlc_dist_log_prob's; rlc_tape_log_softmax_shared); Gaussian:
 * Σⱼ ½ ln(2πe σⱼ²), the same for every row (e.g. σ = [0.5, 2] →
 * 2.8378771). */
rlc_node *rlc_dist_entropy(rlc_tape *t, rlc_dist_kind kind, rlc_node *params, rlc_node *log_std);

/* Mean KL(p ‖ q) over the batch → 1×1 (p usually the old policy, as
 * constants). Categorical: Σ p (log p − log q); Gaussian: closed form. */
rlc_node *rlc_dist_kl(rlc_tape *t, rlc_dist_kind kind, rlc_node *params_p, rlc_node *log_std_p,
                      rlc_node *params_q, rlc_node *log_std_q);

/* Draw one action from the distribution of one row (params_row: n_actions
 * logits or d means; log_std: d values or NULL) with rng; write it to
 * action (1 or d doubles) and return its log-probability. No allocation. */
double rlc_dist_sample(rlc_dist_kind kind, size_t dim, const double *params_row,
                       const double *log_std, gsl_rng *rng, double *action);

/* The deterministic action: argmax of the logits (lowest index on ties) or
 * the mean (evaluation never samples). */
void rlc_dist_mode(rlc_dist_kind kind, size_t dim, const double *params_row, double *action);

#endif
