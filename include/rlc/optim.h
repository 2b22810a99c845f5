/* rlc/optim.h — first-order optimisers on flat parameter vectors, and
 * global-norm gradient clipping. Optimiser kinds are const tables
 * (rlc_optim_adam, ...) as GSL does for its minimisers; the state (moments,
 * step count) is one allocation made at create time, so a step allocates
 * nothing. PyTorch semantics throughout. */
#ifndef RLC_OPTIM_H
#define RLC_OPTIM_H

#include <stdbool.h>
#include <stddef.h>
#include <gsl/gsl_vector.h>
#include "rlc/state.h"
#include "rlc/status.h"

typedef struct rlc_optim_config {
    double learning_rate;
    double beta1, beta2; /* Adam: moment decay rates (0.9, 0.999) */
    double alpha;        /* RMSprop: square-average decay (0.99) */
    double eps;          /* Adam: 1e-8 (added outside the square root); RMSprop: 1e-5 (SB3's A2C) */
} rlc_optim_config;

typedef struct rlc_optim_type rlc_optim_type;

typedef struct rlc_optim {
    const rlc_optim_type *type;
    rlc_optim_config config;
    size_t n;         /* parameters */
    unsigned long t;  /* steps taken (Adam's bias correction) */
    double *m, *v;    /* first/second moment, n each, one allocation (v unused by SGD) */
} rlc_optim;

struct rlc_optim_type {
    const char *name;
    /* One update of the o->n entries params[i·params_stride] from
     * grads[i·grads_stride] (strides in doubles, as gsl_vector's). */
    void (*step)(rlc_optim *o, double *params, size_t params_stride, const double *grads,
                 size_t grads_stride);
};

/* Adam (Kingma & Ba 2015, Alg. 1, as torch.optim.Adam):
 * m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
 * θ ← θ − (lr/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + ε). */
extern const rlc_optim_type *const rlc_optim_adam;
/* RMSprop as torch.optim.RMSprop (no momentum, not centred):
 * v ← αv + (1−α)g²; θ ← θ − lr·g/(√v + ε). */
extern const rlc_optim_type *const rlc_optim_rmsprop;
/* Plain SGD: θ ← θ − lr·g. */
extern const rlc_optim_type *const rlc_optim_sgd;

/* Defaults: learning_rate 1e-3, beta1 0.9, beta2 0.999, alpha 0.99, eps 1e-8. */
void rlc_optim_config_default(rlc_optim_config *cfg);

/* An optimiser for n parameters, moments zero, t = 0. RLC_EINVAL (NULL,
 * n = 0, learning_rate ≤ 0), RLC_ENOMEM. Caller frees with rlc_optim_free. */
rlc_status rlc_optim_create(rlc_optim **out, const rlc_optim_type *type, size_t n,
                            const rlc_optim_config *cfg);
void rlc_optim_free(rlc_optim *o); /* NULL-safe */

/* One update of params (n) from grads (n), o->t incremented first. Either
 * vector may have any stride (a matrix column, say): only its n entries
 * are read or written. Unit-stride vectors take the contiguous, vectorised
 * path; a strided vector gets bit-identical values, more slowly. Does not
 * allocate. */
void rlc_optim_step(rlc_optim *o, gsl_vector *params, const gsl_vector *grads);

/* Scale grads so its Euclidean norm is at most max_norm, as
 * torch.nn.utils.clip_grad_norm_ (coefficient max_norm/(norm + 1e-6),
 * applied only when below 1). Returns the norm before clipping. */
double rlc_optim_clip_grad_norm(gsl_vector *grads, double max_norm);

/* Whether every entry of x is finite (no NaN, no infinity): one pass,
 * vectorised for a unit-stride x, no allocation. For the checks after an
 * optimiser step that stop a diverging run before a checkpoint. */
bool rlc_optim_all_finite(const gsl_vector *x);

/* How a hyperparameter (learning rate, PPO's clip range) changes over
 * training, driven by progress_remaining: 1 at the first update, towards 0
 * at the last (Stable-Baselines3's convention). */
typedef enum rlc_schedule {
    RLC_SCHEDULE_CONSTANT,
    RLC_SCHEDULE_LINEAR /* value · progress_remaining: from the value at the start to 0 at the end */
} rlc_schedule;

/* Names of the schedules as settings take them, by enum value: "constant", "linear". */
extern const char *const rlc_schedule_names[2];

/* The value of a hyperparameter `value` under schedule s at progress_remaining. */
double rlc_schedule_value(double value, rlc_schedule s, double progress_remaining);

/* The optimiser's training state under `name`: its step count, learning
 * rate (as a schedule last set it) and both moment arrays. */
rlc_status rlc_optim_state(rlc_optim *o, const rlc_state_visitor *v, const char *name);

#endif
