/* rlc/gradcheck.h — check an analytic gradient against central finite
 * differences, one coordinate at a time, in double precision. Public so
 * users can test their own networks and losses the way rlc tests its own:
 * every op, every loss. */
#ifndef RLC_GRADCHECK_H
#define RLC_GRADCHECK_H

#include <stddef.h>
#include "rlc/status.h"

/* Evaluate the scalar loss at the current value of the checked vector.
 * Must be deterministic (same inputs → same value). */
typedef double (*rlc_gradcheck_fn)(void *ctx);

typedef struct rlc_gradcheck_result {
    double max_rel_error; /* max over coordinates of the error below */
    size_t worst_index;   /* coordinate where it occurred */
    double analytic;      /* analytic derivative there */
    double numeric;       /* finite-difference derivative there */
} rlc_gradcheck_result;

/* For i in 0..n−1: numeric_i = (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h, with
 * h = step·max(1, |xᵢ|), and error_i = |analytic_i − numeric_i| /
 * max(|analytic_i|, |numeric_i|, floor): relative where the derivative is
 * larger than `floor`, absolute (scaled by 1/floor) below it. Typical:
 * step 1e-6, floor 1e-6; rlc's own tests require max_rel_error < 1e-6.
 * x (n doubles, borrowed) is perturbed in place and restored bitwise before
 * return; f reads it through ctx. analytic: n doubles. RLC_EINVAL for NULL
 * arguments, n = 0 or step ≤ 0; RLC_ENONFINITE if f returned NaN/inf.
 * Does not allocate. */
rlc_status rlc_gradcheck(rlc_gradcheck_fn f, void *ctx, double *x, size_t n,
                         const double *analytic, double step, double floor,
                         rlc_gradcheck_result *result);

#endif
