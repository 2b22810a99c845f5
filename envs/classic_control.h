/* classic_control.h — helpers every Gymnasium classic-control port here
 * needs in exactly the same form: float32 rounding of observations and
 * NumPy-style uniform resets. Internal to envs/; not installed. */
#ifndef RLC_CLASSIC_CONTROL_H
#define RLC_CLASSIC_CONTROL_H

#include <gsl/gsl_rng.h>

/* Round to float32 and back. The volatile keeps GCC 12.2's SLP vectorizer
 * from dropping the round trip on adjacent stores (a wrong-code bug at -O2
 * that breaks bit-exactness). */
static inline double rlc_cc_f32(double x)
{
    volatile float f = (float)x;
    return f;
}

/* Uniform in [lo, hi) as NumPy's uniform computes it, lo + (hi - lo) * U;
 * redraws in the (generator-dependent) case that rounding reaches hi. */
static inline double rlc_cc_uniform(gsl_rng *rng, double lo, double hi)
{
    double x;
    do
        x = lo + (hi - lo) * gsl_rng_uniform(rng);
    while (x >= hi);
    return x;
}

#endif
