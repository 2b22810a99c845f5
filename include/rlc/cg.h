/* rlc/cg.h — the conjugate-gradient method for A x = b with A symmetric
 * positive definite and known only through products v ↦ A v (TRPO's
 * Fisher matrix), on GSL vectors with rlc/linalg.h's fixed-order BLAS-1 (Hestenes & Stiefel
 * 1952; Nocedal & Wright, "Numerical Optimization", Alg. 5.2): equivalently
 * it minimises ½xᵀAx − bᵀx. Starts from x₀ = 0. The workspace is allocated
 * once; a solve allocates nothing. Not here: preconditioning, dense
 * solvers. */
#ifndef RLC_CG_H
#define RLC_CG_H

#include <stddef.h>
#include <gsl/gsl_vector.h>
#include "rlc/status.h"

/* Av ← A v for a vector v of the workspace's size (v and Av distinct,
 * contiguous). A non-OK status stops the solve and is returned. */
typedef rlc_status (*rlc_cg_matvec)(void *ctx, const gsl_vector *v, gsl_vector *Av);

typedef struct rlc_cg {
    size_t n;
    gsl_vector *r, *p, *Ap; /* residual, search direction, A·p: n each, owned */
} rlc_cg;

typedef struct rlc_cg_result {
    size_t iterations;      /* products with A taken (≤ max_iter) */
    double residual_norm2;  /* ‖b − A x‖² by the recursion r ← r − α A p, at return */
} rlc_cg_result;

/* A workspace for systems of n unknowns. RLC_EINVAL (NULL, n = 0),
 * RLC_ENOMEM. Caller frees with rlc_cg_free. */
rlc_status rlc_cg_alloc(rlc_cg **out, size_t n);
void rlc_cg_free(rlc_cg *w); /* NULL-safe */

/* Approximately solve A x = b (b, x: n each, contiguous, distinct): from
 * x = 0, r = p = b, each iteration takes one product A p and sets
 * α = rᵀr / pᵀAp, x ← x + αp, r ← r − αAp, then stops when the new rᵀr is
 * below residual_tol (a squared norm, as sb3-contrib's residual_tol) or
 * max_iter products were taken, else p ← r + (rᵀr_new / rᵀr_old) p.
 * Returns at once with x = 0 and no product when bᵀb < residual_tol. On
 * A = [[4, 1], [1, 3]], b = [1, 2] two iterations give x = [1/11, 7/11].
 * RLC_OK; RLC_EINVAL (NULL, sizes, max_iter 0, tol < 0); RLC_ENONFINITE
 * when pᵀAp ≤ 0 or is not finite (A is not positive definite along p; x
 * holds the iterate before that step); or the matvec's status. result may
 * be NULL. Does not allocate. */
rlc_status rlc_cg_solve(rlc_cg *w, rlc_cg_matvec A, void *ctx, const gsl_vector *b, gsl_vector *x,
                        size_t max_iter, double residual_tol, rlc_cg_result *result);

#endif
