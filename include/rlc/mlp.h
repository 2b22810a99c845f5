/* rlc/mlp.h — multilayer perceptrons whose parameters are ONE flat vector.
 * Layer l maps n×in → n×out as h·Wₗᵀ + bₗ (PyTorch nn.Linear layout: Wₗ is
 * out×in, row-major), followed by the hidden activation, or the output
 * activation on the last layer. All Wₗ and bₗ are views into `params`
 * (layer by layer: W₀, b₀, W₁, b₁, ...) and their gradients views into the
 * twin vector `grads`, so optimisers, gradient clipping, Polyak averaging
 * and checkpoints act on two contiguous gsl_vectors. */
#ifndef RLC_MLP_H
#define RLC_MLP_H

#include <stdbool.h>
#include <stddef.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>
#include "rlc/status.h"
#include "rlc/tape.h"

#define RLC_MLP_MAX_LAYERS 8
#define RLC_MAX_HIDDEN 4 /* most hidden layers a configured net_arch may list */

typedef enum rlc_activation {
    RLC_ACT_IDENTITY,
    RLC_ACT_RELU,
    RLC_ACT_TANH
} rlc_activation;

typedef struct rlc_mlp_config {
    size_t n_layers;                         /* linear layers, 1..RLC_MLP_MAX_LAYERS */
    size_t sizes[RLC_MLP_MAX_LAYERS + 1];    /* sizes[0] = input features, sizes[n_layers] = outputs */
    rlc_activation hidden_activation;        /* after every layer but the last */
    rlc_activation output_activation;        /* after the last layer */
} rlc_mlp_config;

typedef struct rlc_mlp {
    rlc_mlp_config config;
    size_t n_params;
    gsl_vector *params;  /* all weights and biases (owned, or a view: rlc_mlp_create_in) */
    gsl_vector *grads;   /* twin of params */
    gsl_vector_view params_view, grads_view; /* storage behind a view-backed network */
    bool owner;          /* params/grads allocated by the network */
    gsl_matrix_view W[RLC_MLP_MAX_LAYERS], b[RLC_MLP_MAX_LAYERS];   /* out×in, 1×out views of params */
    gsl_matrix_view dW[RLC_MLP_MAX_LAYERS], db[RLC_MLP_MAX_LAYERS]; /* same views of grads */
} rlc_mlp;

/* Number of parameters of a config: Σ out·(in + 1). */
size_t rlc_mlp_param_count(const rlc_mlp_config *cfg);

/* Allocate a network (parameters zero). One allocation for params, one for
 * grads. RLC_EINVAL for a bad config (0 layers, too many, a zero size),
 * RLC_ENOMEM. Caller frees with rlc_mlp_free. */
rlc_status rlc_mlp_create(rlc_mlp **out, const rlc_mlp_config *cfg);
void rlc_mlp_free(rlc_mlp *m); /* NULL-safe; frees parameter storage only if owned */

/* A network whose parameters and gradients are views into caller vectors,
 * at entries offset .. offset + rlc_mlp_param_count(cfg) − 1 of each, so
 * several networks (and other parameters) share one flat vector and one
 * optimiser. The vectors are borrowed and must outlive the network.
 * RLC_EINVAL for a bad config or a range past the vectors' ends, RLC_ENOMEM. */
rlc_status rlc_mlp_create_in(rlc_mlp **out, const rlc_mlp_config *cfg, gsl_vector *params,
                             gsl_vector *grads, size_t offset);

/* PyTorch's default nn.Linear init: W and b ~ U(−1/√in, 1/√in). */
void rlc_mlp_init_default(rlc_mlp *m, gsl_rng *rng);

/* Orthogonal init (Saxe et al. 2014) with gain `hidden_gain` on hidden
 * layers and `output_gain` on the last, biases 0 — as Stable-Baselines3
 * (√2 hidden; 0.01 policy head; 1 value head). Q by Gram-Schmidt in a fixed
 * order (the same bits on every CPU). RLC_ENOMEM. */
rlc_status rlc_mlp_init_orthogonal(rlc_mlp *m, gsl_rng *rng, double hidden_gain, double output_gain);

/* Record the forward pass of x (n×in) on the tape; returns the n×out output
 * node (NULL on a tape error). With `train`, backward adds into m->grads;
 * without, the parameters are constants (gradient may still flow through
 * the network into x — DDPG's actor loss uses this on the critic). */
rlc_node *rlc_mlp_forward(const rlc_mlp *m, rlc_tape *t, rlc_node *x, bool train);

/* dst.params ← src.params (same config). Bitwise. */
void rlc_mlp_copy(rlc_mlp *dst, const rlc_mlp *src);

/* Polyak averaging θ' ← τ·θ + (1 − τ)·θ' with θ = src, θ' = dst
 * (DDPG's target update, Lillicrap et al. 2016 Alg. 1). τ = 1 copies
 * bitwise. Uses the τ passed, nothing else. */
void rlc_mlp_polyak(rlc_mlp *dst, const rlc_mlp *src, double tau);

/* Same, on two vectors of equal size. Either may have any stride (a matrix
 * column, say): only its size entries are read or written; unit-stride
 * vectors take the contiguous loop, strided ones give the same values. */
void rlc_vector_polyak(gsl_vector *target, const gsl_vector *source, double tau);

#endif
