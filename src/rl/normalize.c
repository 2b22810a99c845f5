/* normalize.c — SB3-style running mean/variance of observations and running
 * return scaling of rewards (contract in include/rlc/normalize.h). No
 * environment wrapping and no persistence; updating is the caller's call. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "rlc/normalize.h"

/* SB3 update_from_moments for one component, in numpy's evaluation order. */
static void rlc_norm_merge(double *mean, double *var, double count, double batch_mean,
                           double batch_var, double batch_count)
{
    double delta = batch_mean - *mean;
    double tot_count = count + batch_count;
    double m_a = *var * count;
    double m_b = batch_var * batch_count;
    double m_2 = m_a + m_b + delta * delta * count * batch_count / tot_count;
    *mean = *mean + delta * batch_count / tot_count;
    *var = m_2 / tot_count;
}

/* numpy's mean and var (ddof 0) of x[0], x[stride], ... (rows values) as
 * SB3's RunningMeanStd.update computes them over axis 0: a sum in row
 * order divided by rows, then the same for the squared deviations. (GSL's
 * gsl_stats_mean updates a running mean with a division per value; it was
 * 5% of a PPO run at RLtools' settings.) */
static void batch_moments(const double *x, size_t stride, size_t rows, double *mean, double *var)
{
    double s = 0.0;
    for (size_t i = 0; i < rows; i++)
        s += x[i * stride];
    double m = s / (double)rows, q = 0.0;
    for (size_t i = 0; i < rows; i++) {
        double d = x[i * stride] - m;
        q += d * d;
    }
    *mean = m;
    *var = q / (double)rows;
}

static double rlc_norm_clip(double v, double clip)
{
    return v < -clip ? -clip : v > clip ? clip : v;
}

rlc_status rlc_running_norm_create(rlc_running_norm **out, size_t dim, double clip)
{
    if (!out)
        return RLC_EINVAL;
    *out = NULL;
    if (!dim || !(clip > 0.0) || dim > (SIZE_MAX - sizeof(rlc_running_norm)) / (2 * sizeof(double)))
        return RLC_EINVAL;
    rlc_running_norm *n = malloc(sizeof *n + 2 * dim * sizeof(double));
    if (!n)
        return RLC_ENOMEM;
    n->dim = dim;
    n->mean = n->storage;
    n->var = n->storage + dim;
    for (size_t j = 0; j < dim; j++) {
        n->mean[j] = 0.0;
        n->var[j] = 1.0;
    }
    n->count = RLC_NORM_COUNT0;
    n->clip = clip;
    n->eps = RLC_NORM_EPS;
    *out = n;
    return RLC_OK;
}

void rlc_running_norm_free(rlc_running_norm *n)
{
    free(n);
}

void rlc_running_norm_update(rlc_running_norm *n, const double *x, size_t rows)
{
    if (rows == 0)
        return;
    for (size_t j = 0; j < n->dim; j++) {
        double bm, bv;
        batch_moments(x + j, n->dim, rows, &bm, &bv);
        rlc_norm_merge(&n->mean[j], &n->var[j], n->count, bm, bv, (double)rows);
    }
    n->count += (double)rows;
}

void rlc_running_norm_merge(rlc_running_norm *n, const double *batch_mean,
                            const double *batch_var, double count)
{
    if (!(count > 0))
        return;
    for (size_t j = 0; j < n->dim; j++)
        rlc_norm_merge(&n->mean[j], &n->var[j], n->count, batch_mean[j], batch_var[j], count);
    n->count += count;
}

void rlc_running_norm_apply(const rlc_running_norm *n, const double *x, double *out, size_t rows)
{
    size_t d = n->dim;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < d; j++)
            out[i * d + j] =
                rlc_norm_clip((x[i * d + j] - n->mean[j]) / sqrt(n->var[j] + n->eps), n->clip);
}

rlc_status rlc_return_norm_create(rlc_return_norm **out, size_t n_envs, double gamma,
                                  double clip_reward)
{
    if (!out)
        return RLC_EINVAL;
    *out = NULL;
    if (!n_envs || !(gamma >= 0.0 && gamma <= 1.0) || !(clip_reward > 0.0) ||
        n_envs > (SIZE_MAX - sizeof(rlc_return_norm)) / sizeof(double))
        return RLC_EINVAL;
    rlc_return_norm *n = malloc(sizeof *n + n_envs * sizeof(double));
    if (!n)
        return RLC_ENOMEM;
    n->n_envs = n_envs;
    n->gamma = gamma;
    n->clip = clip_reward;
    n->eps = RLC_NORM_EPS;
    n->mean = 0.0;
    n->var = 1.0;
    n->count = RLC_NORM_COUNT0;
    n->returns = n->storage;
    rlc_return_norm_reset(n);
    *out = n;
    return RLC_OK;
}

void rlc_return_norm_free(rlc_return_norm *n)
{
    free(n);
}

void rlc_return_norm_reset(rlc_return_norm *n)
{
    for (size_t e = 0; e < n->n_envs; e++)
        n->returns[e] = 0.0;
}

void rlc_return_norm_merge(rlc_return_norm *n, double batch_mean, double batch_var,
                           double count)
{
    if (!(count > 0))
        return;
    rlc_norm_merge(&n->mean, &n->var, n->count, batch_mean, batch_var, count);
    n->count += count;
}

void rlc_return_norm_step(rlc_return_norm *n, const double *rewards, const bool *dones,
                          double *out)
{
    size_t m = n->n_envs;
    for (size_t e = 0; e < m; e++)
        n->returns[e] = n->returns[e] * n->gamma + rewards[e];
    double bm, bv;
    batch_moments(n->returns, 1, m, &bm, &bv);
    rlc_norm_merge(&n->mean, &n->var, n->count, bm, bv, (double)m);
    n->count += (double)m;
    rlc_return_norm_apply(n, rewards, out, m);
    for (size_t e = 0; e < m; e++)
        if (dones[e])
            n->returns[e] = 0.0;
}

void rlc_return_norm_apply(const rlc_return_norm *n, const double *rewards, double *out,
                           size_t count)
{
    double sd = sqrt(n->var + n->eps);
    for (size_t i = 0; i < count; i++)
        out[i] = rlc_norm_clip(rewards[i] / sd, n->clip);
}

rlc_status rlc_running_norm_state(rlc_running_norm *n, const rlc_state_visitor *v,
                                  const char *name)
{
    char buf[RLC_STATE_NAME_MAX];
    rlc_state_visitor c = rlc_state_child(v, name, buf);
    rlc_status st;
    if ((st = rlc_state_bytes(&c, "mean", n->mean, n->dim * sizeof *n->mean)) ||
        (st = rlc_state_bytes(&c, "var", n->var, n->dim * sizeof *n->var)))
        return st;
    return rlc_state_bytes(&c, "count", &n->count, sizeof n->count);
}

rlc_status rlc_return_norm_state(rlc_return_norm *n, const rlc_state_visitor *v, const char *name)
{
    char buf[RLC_STATE_NAME_MAX];
    rlc_state_visitor c = rlc_state_child(v, name, buf);
    rlc_status st;
    if ((st = rlc_state_bytes(&c, "mean", &n->mean, sizeof n->mean)) ||
        (st = rlc_state_bytes(&c, "var", &n->var, sizeof n->var)) ||
        (st = rlc_state_bytes(&c, "count", &n->count, sizeof n->count)))
        return st;
    return rlc_state_bytes(&c, "returns", n->returns, n->n_envs * sizeof *n->returns);
}
