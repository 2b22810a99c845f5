/* state.c — named byte ranges of a training state (contract in
 * include/rlc/state.h). */
#include <stdio.h>
#include "rlc/state.h"

/* "prefix/name" into full; false if it does not fit. */
static bool full_name(const rlc_state_visitor *v, const char *name, char full[RLC_STATE_NAME_MAX])
{
    int n = v->prefix && v->prefix[0] ? snprintf(full, RLC_STATE_NAME_MAX, "%s/%s", v->prefix, name)
                                      : snprintf(full, RLC_STATE_NAME_MAX, "%s", name);
    return n >= 0 && n < RLC_STATE_NAME_MAX;
}

rlc_status rlc_state_bytes(const rlc_state_visitor *v, const char *name, void *data, size_t bytes)
{
    char full[RLC_STATE_NAME_MAX];
    if (!full_name(v, name, full))
        return RLC_EINVAL;
    return v->fn(v->ctx, full, data, bytes);
}

static rlc_status checked(const rlc_state_visitor *v, const char *name, void *data, size_t bytes,
                          rlc_state_rule rule, size_t max)
{
    char full[RLC_STATE_NAME_MAX];
    if (!full_name(v, name, full))
        return RLC_EINVAL;
    return v->checked ? v->checked(v->ctx, full, data, bytes, rule, max)
                      : v->fn(v->ctx, full, data, bytes);
}

rlc_status rlc_state_count(const rlc_state_visitor *v, const char *name, size_t *x, size_t max)
{
    return checked(v, name, x, sizeof *x, RLC_STATE_COUNT, max);
}

rlc_status rlc_state_bools(const rlc_state_visitor *v, const char *name, void *x, size_t n)
{
    return checked(v, name, x, n, RLC_STATE_BOOLS, 1);
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
    if (r->type == gsl_rng_mt19937 &&
        gsl_rng_size(r) >= RLC_STATE_MT_N * sizeof(unsigned long) + sizeof(int))
        return checked(v, name, gsl_rng_state(r), gsl_rng_size(r), RLC_STATE_MT19937,
                       RLC_STATE_MT_N);
    return rlc_state_bytes(v, name, gsl_rng_state(r), gsl_rng_size(r));
}

rlc_state_visitor rlc_state_child(const rlc_state_visitor *v, const char *name, char *buf)
{
    if (v->prefix && v->prefix[0])
        snprintf(buf, RLC_STATE_NAME_MAX, "%s/%s", v->prefix, name);
    else
        snprintf(buf, RLC_STATE_NAME_MAX, "%s", name);
    return (rlc_state_visitor){v->fn, v->ctx, buf, v->checked};
}
