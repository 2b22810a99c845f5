/* state.c — named byte ranges of a training state (contract in
 * include/rlc/state.h). */
#include <stdio.h>
#include "rlc/state.h"

rlc_status rlc_state_bytes(const rlc_state_visitor *v, const char *name, void *data, size_t bytes)
{
    char full[RLC_STATE_NAME_MAX];
    int n = v->prefix && v->prefix[0] ? snprintf(full, sizeof full, "%s/%s", v->prefix, name)
                                      : snprintf(full, sizeof full, "%s", name);
    if (n < 0 || n >= (int)sizeof full)
        return RLC_EINVAL;
    return v->fn(v->ctx, full, data, bytes);
}

rlc_status rlc_state_vector(const rlc_state_visitor *v, const char *name, gsl_vector *x)
{
    if (x->stride != 1)
        return RLC_EINVAL;
    return rlc_state_bytes(v, name, x->data, x->size * sizeof(double));
}

rlc_status rlc_state_rng(const rlc_state_visitor *v, const char *name, gsl_rng *r)
{
    if (!r)
        return RLC_OK;
    return rlc_state_bytes(v, name, gsl_rng_state(r), gsl_rng_size(r));
}

rlc_state_visitor rlc_state_child(const rlc_state_visitor *v, const char *name, char *buf)
{
    if (v->prefix && v->prefix[0])
        snprintf(buf, RLC_STATE_NAME_MAX, "%s/%s", v->prefix, name);
    else
        snprintf(buf, RLC_STATE_NAME_MAX, "%s", name);
    return (rlc_state_visitor){v->fn, v->ctx, buf};
}
