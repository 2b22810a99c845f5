/* rlc/linalg.h — the vector operations on rlc's training paths (conjugate
 * gradient, TRPO's step, gradient clipping, zeroing gradients) with the
 * same bits on every CPU: rlc's kernels (rlc/isa.h) in a fixed summation
 * order, where a BLAS (gsl_blas_ddot through OpenBLAS) sums in an order
 * that depends on the CPU and fuses multiply-adds. GSL vectors of any
 * stride; a length mismatch is the caller's error (checked by assert
 * only). None allocates. */
#ifndef RLC_LINALG_H
#define RLC_LINALG_H

#include <gsl/gsl_vector.h>

/* xᵀy: 8 lanes, lane l summing the i ≡ l (mod 8) products in order, added
 * as ((s0+s1)+(s2+s3))+((s4+s5)+(s6+s7)), then the i left over in order. */
double rlc_dot(const gsl_vector *x, const gsl_vector *y);

/* ‖x‖₂ = √(xᵀx), summed as rlc_dot (no rescaling: overflows to +inf beyond
 * about 1e154 per entry, which the non-finite checks then catch). */
double rlc_norm2(const gsl_vector *x);

/* y ← y + a·x, entry by entry (a product, then a sum). */
void rlc_axpy(double a, const gsl_vector *x, gsl_vector *y);

/* x ← 0 (+0.0 in every entry): gsl_vector_set_zero, with one memset for a
 * unit-stride vector (GSL stores entry by entry: 2% of a DDPG step). */
void rlc_vector_zero(gsl_vector *x);

#endif
