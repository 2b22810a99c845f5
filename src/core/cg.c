/* cg.c — conjugate gradient with a matrix-free product, on GSL vectors
 * (contract in include/rlc/cg.h). No preconditioner, no restarts. */
#include <math.h>
#include <stdlib.h>
#include "rlc/linalg.h"
#include "rlc/cg.h"

rlc_status rlc_cg_alloc(rlc_cg **out, size_t n)
{
    if (!out || !n)
        return RLC_EINVAL;
    *out = NULL;
    rlc_cg *w = calloc(1, sizeof *w);
    if (!w)
        return RLC_ENOMEM;
    w->n = n;
    w->r = gsl_vector_alloc(n);
    w->p = w->r ? gsl_vector_alloc(n) : NULL;
    w->Ap = w->p ? gsl_vector_alloc(n) : NULL;
    if (!w->Ap) {
        rlc_cg_free(w);
        return RLC_ENOMEM;
    }
    *out = w;
    return RLC_OK;
}

void rlc_cg_free(rlc_cg *w)
{
    if (!w)
        return;
    if (w->r)
        gsl_vector_free(w->r);
    if (w->p)
        gsl_vector_free(w->p);
    if (w->Ap)
        gsl_vector_free(w->Ap);
    free(w);
}

rlc_status rlc_cg_solve(rlc_cg *w, rlc_cg_matvec A, void *ctx, const gsl_vector *b, gsl_vector *x,
                        size_t max_iter, double residual_tol, rlc_cg_result *result)
{
    rlc_cg_result scratch;
    if (!result)
        result = &scratch;
    result->iterations = 0;
    result->residual_norm2 = NAN;
    if (!w || !A || !b || !x || b->size != w->n || x->size != w->n || !max_iter ||
        !(residual_tol >= 0))
        return RLC_EINVAL;
    gsl_vector_set_zero(x);
    gsl_vector_memcpy(w->r, b);
    gsl_vector_memcpy(w->p, b);
    double rr;
    rr = rlc_dot(w->r, w->r);
    result->residual_norm2 = rr;
    if (rr < residual_tol)
        return RLC_OK;
    for (size_t i = 0; i < max_iter; i++) {
        rlc_status st = A(ctx, w->p, w->Ap);
        if (st != RLC_OK)
            return st;
        result->iterations = i + 1;
        double pAp;
        pAp = rlc_dot(w->p, w->Ap);
        if (!(pAp > 0) || !isfinite(pAp))
            return RLC_ENONFINITE;
        double alpha = rr / pAp;
        rlc_axpy(alpha, w->p, x);
        rlc_axpy(-alpha, w->Ap, w->r);
        double rr_new;
        rr_new = rlc_dot(w->r, w->r);
        result->residual_norm2 = rr_new;
        if (rr_new < residual_tol)
            break;
        /* p ← r + β p */
        gsl_vector_scale(w->p, rr_new / rr);
        rlc_axpy(1.0, w->r, w->p);
        rr = rr_new;
    }
    return RLC_OK;
}
