/* rlc/tape.h — automatic differentiation on a tape: reverse mode
 * (gradients, vector-Jacobian products) and forward mode (Jacobian-vector
 * products along a direction in a flat parameter vector). No higher
 * derivatives (no forward-over-reverse), no graph optimisation.
 *
 * Every value is a matrix, batch-major: rows = batch samples, cols =
 * features (row-major, gsl_matrix). Ops run eagerly: each call computes its
 * value at once and records a node. rlc_tape_backward then walks the nodes
 * in reverse and accumulates gradients; rlc_tape_backward_seeded does the
 * same from any node with a caller's seed (uᵀJ), as often as wanted per
 * recording; rlc_tape_tangents walks them forward and gives every node
 * d value/dε along a direction (J·v). TRPO's Fisher-vector product Jᵀ M J v
 * is one tangent pass and one seeded backward pass. Node structs, values,
 * gradients and tangents live in an arena that rlc_tape_reset empties
 * without freeing: once a tape has seen its largest pass, later passes
 * allocate nothing.
 *
 * Leaves borrow caller memory: rlc_tape_leaf(t, W, gW) records W without
 * copying, and backward ADDS dLoss/dW into gW (the caller zeroes it, as with
 * PyTorch's zero_grad). A leaf with grad == NULL is a constant, and nothing
 * is computed for the parts of the graph that only constants feed — that is
 * how DDPG's actor loss sends gradient through the critic into the actor
 * only. The leaf's gradient buffer also names it for forward mode: a leaf
 * whose grad lies inside the flat gradient vector passed to
 * rlc_tape_tangents moves along the same entries of the direction.
 *
 * Errors: an op given NULL or mismatched shapes, or an arena growth that
 * fails, returns NULL and records the first error in the tape
 * (rlc_tape_status); every op given a NULL input returns NULL, so a whole
 * forward pass can be checked once at the end. Nothing aborts or prints.
 * Inspired by kann (op table, eager values) and llm.c (explicit backward). */
#ifndef RLC_TAPE_H
#define RLC_TAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include "rlc/status.h"

typedef struct rlc_tape rlc_tape;

typedef struct rlc_node {
    gsl_matrix value;       /* rows × cols; read-only for callers */
    gsl_matrix grad;        /* dLoss/dvalue, same shape; grad.data == NULL when no gradient flows here.
                             * An intermediate's is defined once a backward pass from a node recorded
                             * at or after it has run (its memory is zeroed only then) */
    gsl_matrix tangent;     /* d value/dε along the last rlc_tape_tangents direction, same shape
                             * (a leaf's: a view of that direction, with its grad's tda);
                             * tangent.data == NULL where none flows (zero) or none was asked
                             * for (the other fields are set by rlc_tape_tangents) */
    int op;                 /* internal op code */
    struct rlc_node *a, *b, *c, *d; /* inputs (NULL where unused) */
    const double *k1, *k2;  /* borrowed constants (scale_cols, gather, gaussian_log_prob) */
    double alpha, beta;     /* scalar constants (affine, clip) */
    double *work;           /* scratch in the arena for a matrix product's packed operand */
    bool grad_unzeroed;     /* internal: grad's memory not yet zeroed for this backward pass
                             * (it is before anything reads or adds to it) */
    struct rlc_node *prev;  /* previous node on the tape */
} rlc_node;

/* Create a tape whose arena starts with `initial_bytes` (it grows as needed
 * and settles at the largest pass's size). RLC_OK, RLC_EINVAL, RLC_ENOMEM. */
rlc_status rlc_tape_create(rlc_tape **out, size_t initial_bytes);
void rlc_tape_free(rlc_tape *t); /* NULL-safe */

/* Forget every node (pointers from the last pass become invalid) and clear
 * the error; if the last pass overflowed the arena, re-allocate it once at
 * the high-water size. Allocates only in that case. RLC_OK, or RLC_ENOMEM
 * if that re-allocation failed: the tape is still usable (it keeps its
 * block and the next pass grows it again), but not yet warm. */
rlc_status rlc_tape_reset(rlc_tape *t);

/* First error since the last reset (RLC_OK if none). */
rlc_status rlc_tape_status(const rlc_tape *t);

/* Bytes of arena the tape holds (for tests and benchmarks). */
size_t rlc_tape_capacity(const rlc_tape *t);

/* Leaf bound to caller memory (borrowed; must outlive the pass). `grad`
 * (same shape) receives accumulated gradient, or NULL for a constant. */
rlc_node *rlc_tape_leaf(rlc_tape *t, const gsl_matrix *value, gsl_matrix *grad);

/* Constant leaf whose rows × cols value lives in the tape's arena, valid
 * until the next reset: for inputs built in place (normalised
 * observations). The value is uninitialised; the caller fills it. NULL,
 * with the tape's status set, for an empty shape (RLC_EINVAL) or when the
 * arena cannot grow (RLC_ENOMEM). */
rlc_node *rlc_tape_input(rlc_tape *t, size_t rows, size_t cols);

/* --- ops (each returns a new node; shapes are rows × cols) --- */

/* a·b (n×k · k×m → n×m), or a·bᵀ with trans_b (b is m×k), by rlc's kernels
 * (the same bits on every instruction-set path; rlc/isa.h). */
rlc_node *rlc_tape_matmul(rlc_tape *t, rlc_node *a, rlc_node *b, bool trans_b);
/* x + b broadcast over rows: x n×m, b 1×m. */
rlc_node *rlc_tape_add_bias(rlc_tape *t, rlc_node *x, rlc_node *b);
/* Fully connected layer x·Wᵀ + b (PyTorch nn.Linear): x n×in, W out×in, b 1×out → n×out. */
rlc_node *rlc_tape_linear(rlc_tape *t, rlc_node *x, rlc_node *W, rlc_node *b);
/* relu(x·Wᵀ + b) as one node, the relu applied as the product is stored:
 * the values, gradients and tangents of rlc_tape_relu(rlc_tape_linear(...))
 * bit for bit, without the second node's pass and buffers. Backward and
 * tangent passes mask the node's own gradient (tangent) in place. */
rlc_node *rlc_tape_linear_relu(rlc_tape *t, rlc_node *x, rlc_node *W, rlc_node *b);
/* Elementwise a+b, a−b, a⊙b (same shapes). */
rlc_node *rlc_tape_add(rlc_tape *t, rlc_node *a, rlc_node *b);
rlc_node *rlc_tape_sub(rlc_tape *t, rlc_node *a, rlc_node *b);
rlc_node *rlc_tape_mul(rlc_tape *t, rlc_node *a, rlc_node *b);
/* alpha·x + beta, elementwise (scale: beta = 0). */
rlc_node *rlc_tape_affine(rlc_tape *t, rlc_node *x, double alpha, double beta);
rlc_node *rlc_tape_scale(rlc_tape *t, rlc_node *x, double alpha);
/* y[i][j] = scale[j]·x[i][j] + shift[j]; scale and shift have x's column
 * count (borrowed; must outlive the pass). Maps tanh output to action bounds. */
rlc_node *rlc_tape_scale_cols(rlc_tape *t, rlc_node *x, const double *scale, const double *shift);
rlc_node *rlc_tape_relu(rlc_tape *t, rlc_node *x);   /* max(x, 0); gradient 0 at x = 0 */
/* Elementwise; relative error ≤ 3.6e-16 (under 3 ULP), not bit for bit
 * glibc's tanh (src/core/kernels.c says how it is computed and measured). */
rlc_node *rlc_tape_tanh(rlc_tape *t, rlc_node *x);
rlc_node *rlc_tape_square(rlc_tape *t, rlc_node *x); /* x⊙x */
rlc_node *rlc_tape_sum(rlc_tape *t, rlc_node *x);    /* 1×1: sum of all entries */
rlc_node *rlc_tape_mean(rlc_tape *t, rlc_node *x);   /* 1×1: mean of all entries */
/* [a | b] along features: a n×p, b n×q → n×(p+q). */
rlc_node *rlc_tape_concat_cols(rlc_tape *t, rlc_node *a, rlc_node *b);

/* --- ops for policy-gradient losses and action distributions --- */

rlc_node *rlc_tape_exp(rlc_tape *t, rlc_node *x);
rlc_node *rlc_tape_log(rlc_tape *t, rlc_node *x);   /* natural log; x > 0 */
/* Per-row sum over features: n×m → n×1. */
rlc_node *rlc_tape_row_sum(rlc_tape *t, rlc_node *x);
/* Row-wise log-softmax, computed stably (max subtracted): n×k → n×k. */
rlc_node *rlc_tape_log_softmax(rlc_tape *t, rlc_node *x);
/* The newest log-softmax of x (n×k → n×k) already on the tape since the
 * last reset, else a new one as rlc_tape_log_softmax records it (in the
 * arena): the same values without a second log-sum-exp per row. NULL x or
 * a failed tape: NULL, as every op. A shared node sums the gradients of
 * its readers before its own backward step, which rounds differently from
 * two nodes' separate steps. */
rlc_node *rlc_tape_log_softmax_shared(rlc_tape *t, rlc_node *x);
/* y[i] = x[i][cols[i]]: n×k → n×1. cols: n integers stored as doubles (as
 * rlc stores discrete actions), borrowed for the pass; out of range → EINVAL. */
rlc_node *rlc_tape_gather(rlc_tape *t, rlc_node *x, const double *cols);
/* min(max(x, lo), hi) elementwise; gradient 1 where lo ≤ x ≤ hi, else 0
 * (torch.clamp). */
rlc_node *rlc_tape_clip(rlc_tape *t, rlc_node *x, double lo, double hi);
/* Elementwise min(a, b) / max(a, b); the gradient goes to the chosen input
 * (to a on ties). PPO's clipped surrogate (Schulman et al. 2017, eq. 7). */
rlc_node *rlc_tape_min(rlc_tape *t, rlc_node *a, rlc_node *b);
rlc_node *rlc_tape_max(rlc_tape *t, rlc_node *a, rlc_node *b);
/* Diagonal Gaussian log-density of fixed actions (n×d, contiguous,
 * borrowed) under mean (n×d) and log_std (1×d, shared by all rows):
 * Σⱼ −½((aⱼ−μⱼ)/σⱼ)² − log σⱼ − ½ log 2π → n×1. */
rlc_node *rlc_tape_gaussian_log_prob(rlc_tape *t, rlc_node *mean, rlc_node *log_std,
                                     const gsl_matrix *actions);
/* KL(p ‖ q) of diagonal Gaussians, per row: Σⱼ log σqⱼ − log σpⱼ +
 * (σpⱼ² + (μpⱼ − μqⱼ)²)/(2σqⱼ²) − ½ → n×1. Means n×d, log-stds 1×d; any
 * input may carry gradient. */
rlc_node *rlc_tape_gaussian_kl(rlc_tape *t, rlc_node *mean_p, rlc_node *log_std_p,
                               rlc_node *mean_q, rlc_node *log_std_q);

/* Backpropagate from a 1×1 node: seeds dloss/dloss = 1 and walks the tape
 * backwards from `loss`, adding into every leaf grad. Meant to be called
 * once per recording (then it zeroes nothing: every gradient buffer starts
 * at zero when its node is recorded). Called again on the same recording,
 * it first zeroes the intermediate nodes' gradients, so they hold this
 * pass's gradient only, and adds into the leaf grads again: unless the
 * caller zeroed them in between, they then hold the gradient twice (each
 * pass adds the same terms). RLC_EINVAL if loss is NULL or not 1×1
 * (recorded in the tape), or the tape's recorded error. Does not allocate. */
rlc_status rlc_tape_backward(rlc_tape *t, rlc_node *loss);

/* Reverse pass from any node with a caller-given seed (node's shape, any
 * tda, borrowed for the call): zeroes the gradient of every intermediate
 * node recorded up to `node`, sets node's gradient to seed, and propagates,
 * so the leaf grads receive seedᵀ·J (J: the Jacobian of node's value with
 * respect to each leaf). Leaves ADD into their gradient buffers as
 * rlc_tape_backward does (the caller zeroes them); a leaf given as `node`
 * gets seed added. May be called any number of times per recording, with
 * different seeds and nodes. A node that no leaf with gradient feeds
 * changes nothing (RLC_OK). RLC_OK; RLC_EINVAL (t, node or seed NULL, or
 * seed's shape not node's; recorded in the tape unless t is NULL); or the
 * tape's recorded error. Does not allocate. */
rlc_status rlc_tape_backward_seeded(rlc_tape *t, rlc_node *node, const gsl_matrix *seed);

/* Forward-mode pass: every leaf whose gradient buffer lies inside `grads`
 * (the flat gradient vector that an MLP's or a policy's leaves point into)
 * moves along the same-offset part of `direction` (a vector of grads'
 * size): its tangent is the view of direction at its grad's offset, with
 * its grad's tda. Every node such a leaf feeds gets node->tangent =
 * d value(θ + ε·direction)/dε at ε = 0, exactly (one pass of each op's
 * derivative rule, no differencing); other nodes keep tangent.data == NULL
 * (zero): constants (grad NULL), leaves whose grad lies outside grads, and
 * what only they feed. At kinks the rules follow backward's: relu's
 * derivative at 0 is 0, clip passes the tangent where lo ≤ x ≤ hi, min and
 * max take a's tangent on ties. Tangents are valid until the next call or
 * reset; read-only (a leaf's points into direction, which must outlive its
 * use). Can be called many times per recording with different directions
 * (and grads): the first call after a recording allocates the tangent
 * buffers in the tape's arena (for every node that carries gradient), later
 * calls allocate nothing unless nodes were recorded since. RLC_OK;
 * RLC_EINVAL (t, grads or direction NULL, sizes differ, a stride ≠ 1, or a
 * leaf grad that lies partly inside grads; recorded in the tape unless t
 * is NULL); RLC_ENOMEM; or the tape's recorded error. */
rlc_status rlc_tape_tangents(rlc_tape *t, const gsl_vector *grads, const gsl_vector *direction);

/* The name of a node's op ("leaf", "matmul", "tanh", ...; NULL for NULL),
 * for debugging: walking node->prev from any node lists the tape. */
const char *rlc_node_op_name(const rlc_node *n);

/* The scalar value of a 1×1 node (NaN for NULL). */
double rlc_node_scalar(const rlc_node *n);

#endif
