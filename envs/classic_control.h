/* classic_control.h — helpers every Gymnasium classic-control port here
 * needs in exactly the same form: float32 rounding of observations and
 * NumPy-style uniform resets. Internal to envs/; not installed. */
#ifndef RLC_CLASSIC_CONTROL_H
#define RLC_CLASSIC_CONTROL_H

#include <gsl/gsl_rng.h>

/* Round to float32 and back. The empty asm makes the float opaque, so GCC
 * cannot drop the round trip (GCC 12.2's SLP vectorizer does drop it on
 * adjacent stores at -O2, a wrong-code bug that breaks bit-exactness), and
 * the value stays in a register; elsewhere a volatile does the same job
 * at the cost of a store and a load. */
static inline double rlc_cc_f32(double x)
{
    float f = (float)x;
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    __asm__("" : "+x"(f));
#else
    volatile float v = f;
    f = v;
#endif
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
