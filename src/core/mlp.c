/* mlp.c — flat-parameter MLPs on the tape (contract in include/rlc/mlp.h).
 * Knows nothing of agents or losses; only layers, init and averaging. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include "rlc/mlp.h"
#include "gsl_alloc.h"
#include "kernels.h"

size_t rlc_mlp_param_count(const rlc_mlp_config *cfg)
{
    size_t n = 0;
    for (size_t l = 0; l < cfg->n_layers; l++)
        n += cfg->sizes[l + 1] * (cfg->sizes[l] + 1);
    return n;
}

static bool config_ok(const rlc_mlp_config *cfg)
{
    if (cfg->n_layers < 1 || cfg->n_layers > RLC_MLP_MAX_LAYERS)
        return false;
    for (size_t l = 0; l <= cfg->n_layers; l++)
        if (cfg->sizes[l] == 0)
            return false;
    return true;
}

/* Point the layer views at params/grads (contiguous, unit stride). */
static void bind_views(rlc_mlp *m, double *params, double *grads)
{
    size_t off = 0;
    for (size_t l = 0; l < m->config.n_layers; l++) {
        size_t in = m->config.sizes[l], o = m->config.sizes[l + 1];
        m->W[l] = gsl_matrix_view_array(params + off, o, in);
        m->dW[l] = gsl_matrix_view_array(grads + off, o, in);
        off += o * in;
        m->b[l] = gsl_matrix_view_array(params + off, 1, o);
        m->db[l] = gsl_matrix_view_array(grads + off, 1, o);
        off += o;
    }
}

rlc_status rlc_mlp_create(rlc_mlp **out, const rlc_mlp_config *cfg)
{
    if (!out || !cfg)
        return RLC_EINVAL;
    *out = NULL;
    if (!config_ok(cfg))
        return RLC_EINVAL;
    rlc_mlp *m = calloc(1, sizeof *m);
    if (!m)
        return RLC_ENOMEM;
    m->config = *cfg;
    m->owner = true;
    m->n_params = rlc_mlp_param_count(cfg);
    m->params = gsl_vector_calloc(m->n_params);
    m->grads = gsl_vector_calloc(m->n_params);
    if (!m->params || !m->grads) {
        rlc_mlp_free(m);
        return RLC_ENOMEM;
    }
    bind_views(m, m->params->data, m->grads->data);
    *out = m;
    return RLC_OK;
}

rlc_status rlc_mlp_create_in(rlc_mlp **out, const rlc_mlp_config *cfg, gsl_vector *params,
                             gsl_vector *grads, size_t offset)
{
    if (!out || !cfg || !params || !grads)
        return RLC_EINVAL;
    *out = NULL;
    if (!config_ok(cfg))
        return RLC_EINVAL;
    size_t n = rlc_mlp_param_count(cfg);
    if (params->stride != 1 || grads->stride != 1 || offset + n > params->size ||
        offset + n > grads->size)
        return RLC_EINVAL;
    rlc_mlp *m = calloc(1, sizeof *m);
    if (!m)
        return RLC_ENOMEM;
    m->config = *cfg;
    m->n_params = n;
    m->params_view = gsl_vector_subvector(params, offset, n);
    m->grads_view = gsl_vector_subvector(grads, offset, n);
    m->params = &m->params_view.vector;
    m->grads = &m->grads_view.vector;
    bind_views(m, m->params->data, m->grads->data);
    *out = m;
    return RLC_OK;
}

void rlc_mlp_free(rlc_mlp *m)
{
    if (!m)
        return;
    if (m->owner && m->params)
        gsl_vector_free(m->params);
    if (m->owner && m->grads)
        gsl_vector_free(m->grads);
    free(m);
}

void rlc_mlp_init_default(rlc_mlp *m, gsl_rng *rng)
{
    for (size_t l = 0; l < m->config.n_layers; l++) {
        double bound = 1.0 / sqrt((double)m->config.sizes[l]);
        gsl_matrix *W = &m->W[l].matrix, *b = &m->b[l].matrix;
        for (size_t i = 0; i < W->size1 * W->size2; i++)
            W->data[i] = gsl_ran_flat(rng, -bound, bound);
        for (size_t i = 0; i < b->size2; i++)
            b->data[i] = gsl_ran_flat(rng, -bound, bound);
    }
}

/* Fill W (r×c) with a (semi-)orthogonal matrix times gain, as
 * torch.nn.init.orthogonal_: the Q of a Gaussian matrix's QR whose R has a
 * positive diagonal (torch signs Q's columns by diag(R), the same matrix),
 * by Gram-Schmidt with each column orthogonalised twice against the ones
 * before it ("twice is enough": Giraud, Langou & Rozložník 2005). Plain
 * loops in a fixed order, so the same bits on every CPU, where GSL's
 * Householder QR would go through the BLAS. */
static rlc_status orthogonal(gsl_matrix *W, gsl_rng *rng, double gain)
{
    size_t r = W->size1, c = W->size2;
    size_t rows = r > c ? r : c, cols = r > c ? c : r; /* tall: rows ≥ cols */
    gsl_matrix *A = rlc_matrix_alloc(rows, cols);
    if (!A)
        return RLC_ENOMEM;
    for (size_t i = 0; i < rows * cols; i++)
        A->data[i] = gsl_ran_gaussian(rng, 1.0);
    double *a = A->data; /* column j: a[i·cols + j] */
    for (size_t j = 0; j < cols; j++) {
        for (int pass = 0; pass < 2; pass++)
            for (size_t k = 0; k < j; k++) {
                double d = 0.0;
                for (size_t i = 0; i < rows; i++)
                    d += a[i * cols + k] * a[i * cols + j];
                for (size_t i = 0; i < rows; i++)
                    a[i * cols + j] -= d * a[i * cols + k];
            }
        double nn = 0.0;
        for (size_t i = 0; i < rows; i++)
            nn += a[i * cols + j] * a[i * cols + j];
        double norm = sqrt(nn);
        for (size_t i = 0; i < rows; i++)
            a[i * cols + j] /= norm;
    }
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) {
            double q = a[i * cols + j] * gain;
            if (r >= c)
                gsl_matrix_set(W, i, j, q);
            else
                gsl_matrix_set(W, j, i, q);
        }
    gsl_matrix_free(A);
    return RLC_OK;
}

rlc_status rlc_mlp_init_orthogonal(rlc_mlp *m, gsl_rng *rng, double hidden_gain, double output_gain)
{
    size_t L = m->config.n_layers;
    for (size_t l = 0; l < L; l++) {
        rlc_status st = orthogonal(&m->W[l].matrix, rng, l + 1 == L ? output_gain : hidden_gain);
        if (st != RLC_OK)
            return st;
        gsl_matrix_set_zero(&m->b[l].matrix);
    }
    return RLC_OK;
}

/* One layer: activation(h·Wᵀ + b); a relu is fused into the product's
 * store (rlc_tape_linear_relu, the same bits as the two nodes). */
static rlc_node *layer(rlc_tape *t, rlc_node *h, rlc_node *W, rlc_node *b, rlc_activation a)
{
    switch (a) {
    case RLC_ACT_RELU: return rlc_tape_linear_relu(t, h, W, b);
    case RLC_ACT_TANH: return rlc_tape_tanh(t, rlc_tape_linear(t, h, W, b));
    default: return rlc_tape_linear(t, h, W, b);
    }
}

rlc_node *rlc_mlp_forward(const rlc_mlp *m, rlc_tape *t, rlc_node *x, bool train)
{
    rlc_mlp *mm = (rlc_mlp *)m; /* leaves borrow the views; backward writes only grads */
    size_t L = m->config.n_layers;
    rlc_node *h = x;
    for (size_t l = 0; l < L; l++) {
        rlc_node *W = rlc_tape_leaf(t, &mm->W[l].matrix, train ? &mm->dW[l].matrix : NULL);
        rlc_node *b = rlc_tape_leaf(t, &mm->b[l].matrix, train ? &mm->db[l].matrix : NULL);
        h = layer(t, h, W, b,
                  l + 1 == L ? m->config.output_activation : m->config.hidden_activation);
    }
    return h;
}

void rlc_mlp_copy(rlc_mlp *dst, const rlc_mlp *src)
{
    gsl_vector_memcpy(dst->params, src->params);
}

void rlc_vector_polyak(gsl_vector *target, const gsl_vector *source, double tau)
{
    if (tau == 1.0) {
        gsl_vector_memcpy(target, source);
        return;
    }
    double keep = 1.0 - tau;
    if (target->stride == 1 && source->stride == 1 && target->data != source->data) {
        rlc_kern()->polyak(target->size, tau, keep, source->data, target->data);
        return;
    }
    const size_t ts = target->stride, ss = source->stride;
    for (size_t i = 0; i < target->size; i++)
        target->data[i * ts] = tau * source->data[i * ss] + keep * target->data[i * ts];
}

void rlc_mlp_polyak(rlc_mlp *dst, const rlc_mlp *src, double tau)
{
    rlc_vector_polyak(dst->params, src->params, tau);
}
