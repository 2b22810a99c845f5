/* optim.c — Adam, RMSprop, SGD and gradient clipping on flat vectors, and
 * the value of a schedule (contract in include/rlc/optim.h). Optimisers do
 * not apply schedules themselves: callers set config.learning_rate before a
 * step. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "rlc/linalg.h"
#include "rlc/optim.h"
#include "kernels.h"

/* Each step updates the n = o->n entries params[i·ps] from grads[i·gs]:
 * contiguous vectors (every agent's) through rlc_kern()'s vectorised
 * kernels, strided ones through the same formulas here, entry by entry
 * (the same bits). */

/* Adam (Kingma & Ba 2015, Algorithm 1, with ε added to √v̂):
 * m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², θ ← θ − α̂·m/(√v/√(1 − β₂ᵗ) + ε),
 * α̂ = α/(1 − β₁ᵗ). */
static void adam_step(rlc_optim *o, double *p, size_t ps, const double *g, size_t gs)
{
    const double b1 = o->config.beta1, b2 = o->config.beta2, eps = o->config.eps;
    const double step = o->config.learning_rate / (1.0 - pow(b1, (double)o->t));
    const double sqrt_bc2 = sqrt(1.0 - pow(b2, (double)o->t));
    if (ps == 1 && gs == 1) {
        rlc_kern()->adam(o->n, p, g, o->m, o->v, b1, b2, step, sqrt_bc2, eps);
        return;
    }
    for (size_t i = 0; i < o->n; i++) {
        const double gi = g[i * gs];
        o->m[i] = b1 * o->m[i] + (1.0 - b1) * gi;
        o->v[i] = b2 * o->v[i] + (1.0 - b2) * gi * gi;
        p[i * ps] -= step * o->m[i] / (sqrt(o->v[i]) / sqrt_bc2 + eps);
    }
}

/* RMSprop as PyTorch's: v ← αv + (1 − α)g², θ ← θ − lr·g/(√v + ε). */
static void rmsprop_step(rlc_optim *o, double *p, size_t ps, const double *g, size_t gs)
{
    const rlc_optim_config *c = &o->config;
    if (ps == 1 && gs == 1) {
        rlc_kern()->rmsprop(o->n, p, g, o->v, c->alpha, c->learning_rate, c->eps);
        return;
    }
    for (size_t i = 0; i < o->n; i++) {
        const double gi = g[i * gs];
        o->v[i] = c->alpha * o->v[i] + (1.0 - c->alpha) * gi * gi;
        p[i * ps] -= c->learning_rate * gi / (sqrt(o->v[i]) + c->eps);
    }
}

static void sgd_step(rlc_optim *o, double *p, size_t ps, const double *g, size_t gs)
{
    for (size_t i = 0; i < o->n; i++)
        p[i * ps] -= o->config.learning_rate * g[i * gs];
}

static const rlc_optim_type adam = {"adam", adam_step};
static const rlc_optim_type rmsprop = {"rmsprop", rmsprop_step};
static const rlc_optim_type sgd = {"sgd", sgd_step};
const rlc_optim_type *const rlc_optim_adam = &adam;
const rlc_optim_type *const rlc_optim_rmsprop = &rmsprop;
const rlc_optim_type *const rlc_optim_sgd = &sgd;

void rlc_optim_config_default(rlc_optim_config *cfg)
{
    *cfg = (rlc_optim_config){
        .learning_rate = 1e-3, .beta1 = 0.9, .beta2 = 0.999, .alpha = 0.99, .eps = 1e-8};
}

rlc_status rlc_optim_create(rlc_optim **out, const rlc_optim_type *type, size_t n,
                            const rlc_optim_config *cfg)
{
    if (!out || !type || !cfg || n == 0 || !(cfg->learning_rate > 0))
        return RLC_EINVAL;
    *out = NULL;
    rlc_optim *o = calloc(1, sizeof *o);
    double *mem = calloc(2 * n, sizeof *mem);
    if (!o || !mem) {
        free(o);
        free(mem);
        return RLC_ENOMEM;
    }
    o->type = type;
    o->config = *cfg;
    o->n = n;
    o->m = mem;
    o->v = mem + n;
    *out = o;
    return RLC_OK;
}

void rlc_optim_free(rlc_optim *o)
{
    if (!o)
        return;
    free(o->m);
    free(o);
}

void rlc_optim_step(rlc_optim *o, gsl_vector *params, const gsl_vector *grads)
{
    o->t++;
    o->type->step(o, params->data, params->stride, grads->data, grads->stride);
}

double rlc_optim_clip_grad_norm(gsl_vector *grads, double max_norm)
{
    double norm = rlc_norm2(grads);
    double coef = max_norm / (norm + 1e-6);
    if (coef < 1.0)
        gsl_vector_scale(grads, coef);
    return norm;
}

/* NaN and ±inf are the doubles whose 11 exponent bits are all set: an
 * integer OR over the vector (the kernel's, vectorised, when contiguous;
 * it was 4% of a DDPG run compiled for the baseline). */
bool rlc_optim_all_finite(const gsl_vector *x)
{
    if (x->stride == 1)
        return rlc_kern()->all_finite(x->size, x->data);
    uint64_t bad = 0;
    for (size_t i = 0; i < x->size; i++) {
        uint64_t bits;
        memcpy(&bits, x->data + i * x->stride, sizeof bits);
        bad |= (~bits & UINT64_C(0x7ff0000000000000)) == 0;
    }
    return !bad;
}

const char *const rlc_schedule_names[2] = {
    [RLC_SCHEDULE_CONSTANT] = "constant", [RLC_SCHEDULE_LINEAR] = "linear",
};

double rlc_schedule_value(double value, rlc_schedule s, double progress_remaining)
{
    return s == RLC_SCHEDULE_LINEAR ? value * progress_remaining : value;
}

rlc_status rlc_optim_state(rlc_optim *o, const rlc_state_visitor *v, const char *name)
{
    char buf[RLC_STATE_NAME_MAX];
    rlc_state_visitor c = rlc_state_child(v, name, buf);
    rlc_status st;
    if ((st = rlc_state_bytes(&c, "t", &o->t, sizeof o->t)) ||
        (st = rlc_state_bytes(&c, "learning_rate", &o->config.learning_rate,
                              sizeof o->config.learning_rate)) ||
        (st = rlc_state_bytes(&c, "m", o->m, o->n * sizeof *o->m)))
        return st;
    return rlc_state_bytes(&c, "v", o->v, o->n * sizeof *o->v);
}
