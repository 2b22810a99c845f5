/* numeric.h — small numerical pieces that tape.c and distributions.c both
 * need, defined once so the two cannot drift apart: log-sum-exp and the
 * Gaussian log-density constant. Internal to src/core; not installed. */
#ifndef RLC_NUMERIC_H
#define RLC_NUMERIC_H

#include <math.h>
#include <stddef.h>

#define RLC_HALF_LOG_2PI 0.91893853320467274178 /* ½ log 2π */

/* log Σⱼ exp(z[j]) over n ≥ 1 contiguous values, stably: the maximum m is
 * taken out, m + log Σⱼ exp(z[j] − m), summed in index order. */
static inline double rlc_log_sum_exp(size_t n, const double *z)
{
    double mx = z[0], s = 0.0;
    for (size_t j = 1; j < n; j++)
        mx = z[j] > mx ? z[j] : mx;
    for (size_t j = 0; j < n; j++)
        s += exp(z[j] - mx);
    return mx + log(s);
}

#endif
