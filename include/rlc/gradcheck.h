/* rlc/gradcheck.h — check an analytic gradient against central finite
 * differences, one coordinate at a time, in double precision. Public so
 * users can test their own networks and losses the way rlc tests its own:
 * every op, every loss. */
#ifndef RLC_GRADCHECK_H
#define RLC_GRADCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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

/* --- blocks: the checker behind `rlc gradcheck` ---
 *
 * rlc_gradcheck_block checks one parameter block (a layer's weights, say)
 * and says whether it passed, failed, or showed nothing to check. For a
 * coordinate i (or a direction d, below), with the step h as above:
 *
 *   numeric   = (f(x + h·eᵢ) − f(x − h·eᵢ)) / (2h)
 *   abs_error = |analytic − numeric|
 *   noiseᵢ    = 64·ε·max(|f(x + h·eᵢ)|, |f(x − h·eᵢ)|) / h
 *   floorᵢ    = max(floor, noiseᵢ / tol)
 *   rel_error = abs_error / max(|analytic|, |numeric|, floorᵢ)
 *
 * (ε = DBL_EPSILON). noiseᵢ bounds the rounding error that a difference of
 * two loss values of that size carries into numeric (every shipped config
 * passes with 16·ε in place of 64·ε: a margin of 4); with floorᵢ an error
 * within it passes, and derivatives below floorᵢ are compared absolutely
 * (abs_error ≤ tol·floorᵢ), never relatively, so tiny ones cannot fail or
 * pass by rounding alone. A coordinate passes when rel_error ≤ tol. A sign
 * error or a factor 2 gives rel_error ≥ 1/2 where the derivative is at
 * least floorᵢ, and fails wherever it is above tol·floorᵢ.
 *
 * Kinks (relu at 0, clip boundaries, min/max ties). From f(x) and the
 * two steps come the one-sided slopes d₊ = (f(x + h·eᵢ) − f(x))/h and
 * d₋ = (f(x) − f(x − h·eᵢ))/h. Where f is smooth they agree to O(h·f″);
 * where a kink lies within h of x, they differ by the jump J = |d₊ − d₋|,
 * the analytic derivative is the slope of one side, and the central
 * difference is their mean, so abs_error ≈ J/2. A coordinate that fails
 * is skipped as a kink when J ≥ abs_error and the analytic derivative is
 * within abs_error/2 of d₊ or d₋; a wrong gradient (a sign or a factor)
 * at a smooth point has J ≈ 0 and is not mistaken for one.
 *
 * Large blocks. A block of n ≤ max_full coordinates has every coordinate
 * checked. A larger one has n_sample coordinates chosen uniformly without
 * replacement (Knuth's selection sampling, from a splitmix64 stream of
 * `seed`) plus n_directions random directions d ∈ {−1, +1}ⁿ (same stream),
 * each compared as gᵀd against (f(x + h·d) − f(x − h·d))/(2h) with
 * h = step·max(1, maxᵢ |xᵢ|).
 *
 * Verdicts: FAIL if any checked coordinate or direction (kinks excluded)
 * has rel_error > tol; else NO_SIGNAL if every one has |analytic| and
 * |numeric| ≤ tol·floorᵢ (nothing measurable: both gradients are zero at
 * the resolution of the check, so a pass would prove nothing), or if all
 * were skipped as kinks; else PASS. */

typedef struct rlc_gradcheck_options {
    double step;         /* relative step (default 1e-6) */
    double floor;        /* least floor of the denominator (default 1e-4) */
    double tol;          /* largest rel_error that passes (default 1e-5) */
    size_t max_full;     /* blocks up to this size: every coordinate (default 256) */
    size_t n_sample;     /* larger blocks: coordinates drawn (default 128) */
    size_t n_directions; /* larger blocks: random directions (default 16) */
    uint64_t seed;       /* the sample and the directions */
} rlc_gradcheck_options;

/* The defaults above. */
void rlc_gradcheck_options_default(rlc_gradcheck_options *opt);

typedef enum rlc_gradcheck_verdict {
    RLC_GRADCHECK_PASS,
    RLC_GRADCHECK_FAIL,
    RLC_GRADCHECK_NO_SIGNAL
} rlc_gradcheck_verdict;

/* "pass", "FAIL", "no signal". */
const char *rlc_gradcheck_verdict_name(rlc_gradcheck_verdict v);

typedef struct rlc_gradcheck_report {
    size_t n;                 /* coordinates of the block */
    bool sampled;             /* n > max_full: a sample plus directions */
    size_t n_coords;          /* coordinates evaluated (n, or n_sample) */
    size_t n_directions;      /* directions evaluated (0 unless sampled) */
    size_t n_kinks;           /* of those, skipped as kinks */
    double max_abs_error;     /* over the checked ones (kinks excluded) */
    double max_rel_error;
    size_t worst_index;       /* coordinate of max_rel_error; SIZE_MAX for a direction */
    double analytic, numeric; /* there */
    rlc_gradcheck_verdict verdict;
} rlc_gradcheck_report;

/* Check the n coordinates x[0..n) (borrowed; perturbed in place and
 * restored bitwise before return) against analytic (n doubles), as above.
 * f reads x through ctx and must be deterministic; it is called once at x,
 * twice per coordinate and twice per direction. opt NULL: the defaults.
 * RLC_EINVAL (NULL f, x, analytic or report, n = 0, step, floor or tol
 * not > 0); RLC_ENONFINITE if f returned NaN/inf (report incomplete);
 * RLC_ENOMEM. Allocates n doubles for a sampled block's direction. */
rlc_status rlc_gradcheck_block(rlc_gradcheck_fn f, void *ctx, double *x, size_t n,
                               const double *analytic, const rlc_gradcheck_options *opt,
                               rlc_gradcheck_report *report);

#endif
