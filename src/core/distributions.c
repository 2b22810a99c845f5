/* distributions.c — Categorical and diagonal Gaussian action distributions
 * (contract in include/rlc/distributions.h), composed from tape ops. No
 * tanh squashing: Gaussian actions are clipped by the caller. */
#include <math.h>
#include <gsl/gsl_randist.h>
#include "rlc/distributions.h"
#include "numeric.h"

#define HALF_LOG_2PI_E 1.4189385332046727418 /* ½ ln(2πe) */

rlc_node *rlc_dist_log_prob(rlc_tape *t, rlc_dist_kind kind, rlc_node *params, rlc_node *log_std,
                            const gsl_matrix *actions)
{
    if (kind == RLC_DIST_GAUSSIAN)
        return rlc_tape_gaussian_log_prob(t, params, log_std, actions);
    return rlc_tape_gather(t, rlc_tape_log_softmax(t, params), actions ? actions->data : NULL);
}

rlc_node *rlc_dist_entropy(rlc_tape *t, rlc_dist_kind kind, rlc_node *params, rlc_node *log_std)
{
    if (kind == RLC_DIST_GAUSSIAN)
        return rlc_tape_affine(t, rlc_tape_sum(t, log_std), 1.0,
                               log_std ? HALF_LOG_2PI_E * (double)log_std->value.size2 : 0.0);
    rlc_node *lp = rlc_tape_log_softmax_shared(t, params);
    return rlc_tape_scale(t, rlc_tape_mean(t, rlc_tape_row_sum(t, rlc_tape_mul(t, rlc_tape_exp(t, lp), lp))), -1.0);
}

rlc_node *rlc_dist_kl(rlc_tape *t, rlc_dist_kind kind, rlc_node *params_p, rlc_node *log_std_p,
                      rlc_node *params_q, rlc_node *log_std_q)
{
    if (kind == RLC_DIST_GAUSSIAN)
        return rlc_tape_mean(t, rlc_tape_gaussian_kl(t, params_p, log_std_p, params_q, log_std_q));
    rlc_node *lp = rlc_tape_log_softmax(t, params_p), *lq = rlc_tape_log_softmax(t, params_q);
    return rlc_tape_mean(t, rlc_tape_row_sum(t, rlc_tape_mul(t, rlc_tape_exp(t, lp), rlc_tape_sub(t, lp, lq))));
}

double rlc_dist_sample(rlc_dist_kind kind, size_t dim, const double *params_row,
                       const double *log_std, gsl_rng *rng, double *action)
{
    if (kind == RLC_DIST_GAUSSIAN) {
        double lp = 0.0;
        for (size_t j = 0; j < dim; j++) {
            double e = gsl_ran_gaussian(rng, 1.0);
            action[j] = params_row[j] + exp(log_std[j]) * e;
            lp += -0.5 * e * e - log_std[j] - RLC_HALF_LOG_2PI;
        }
        return lp;
    }
    /* inverse CDF over softmax(z) */
    double lse = rlc_log_sum_exp(dim, params_row), u = gsl_rng_uniform(rng), c = 0.0;
    size_t k = dim - 1;
    for (size_t j = 0; j < dim; j++) {
        c += exp(params_row[j] - lse);
        if (u < c) {
            k = j;
            break;
        }
    }
    action[0] = (double)k;
    return params_row[k] - lse;
}

void rlc_dist_mode(rlc_dist_kind kind, size_t dim, const double *params_row, double *action)
{
    if (kind == RLC_DIST_GAUSSIAN) {
        for (size_t j = 0; j < dim; j++)
            action[j] = params_row[j];
        return;
    }
    size_t k = 0;
    for (size_t j = 1; j < dim; j++)
        if (params_row[j] > params_row[k])
            k = j;
    action[0] = (double)k;
}
