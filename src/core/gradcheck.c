/* gradcheck.c — central-difference gradient checks (contract in
 * include/rlc/gradcheck.h). Knows nothing of tapes: it perturbs numbers. */
#include <math.h>
#include "rlc/gradcheck.h"

rlc_status rlc_gradcheck(rlc_gradcheck_fn f, void *ctx, double *x, size_t n,
                         const double *analytic, double step, double floor,
                         rlc_gradcheck_result *result)
{
    if (!f || !x || !analytic || !result || n == 0 || !(step > 0) || !(floor > 0))
        return RLC_EINVAL;
    *result = (rlc_gradcheck_result){0};
    for (size_t i = 0; i < n; i++) {
        double xi = x[i];
        double h = step * (fabs(xi) > 1.0 ? fabs(xi) : 1.0);
        double xp = xi + h, xm = xi - h; /* the steps actually taken, after rounding */
        x[i] = xp;
        double fp = f(ctx);
        x[i] = xm;
        double fm = f(ctx);
        x[i] = xi;
        if (!isfinite(fp) || !isfinite(fm))
            return RLC_ENONFINITE;
        double num = (fp - fm) / (xp - xm);
        double a = analytic[i];
        double scale = fmax(fmax(fabs(a), fabs(num)), floor);
        double err = fabs(a - num) / scale;
        if (i == 0 || err > result->max_rel_error) {
            result->max_rel_error = err;
            result->worst_index = i;
            result->analytic = a;
            result->numeric = num;
        }
    }
    return RLC_OK;
}
