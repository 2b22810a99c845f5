/* replay.c — ring-buffer replay memory and uniform minibatch sampling
 * (contract in include/rlc/replay.h). No prioritisation, no n-step returns. */
#include <stdlib.h>
#include <string.h>
#include "rlc/replay.h"
#include "../core/gsl_alloc.h"

rlc_status rlc_replay_create(rlc_replay **out, size_t capacity, size_t obs_dim, size_t act_dim)
{
    if (!out || !capacity || !obs_dim || !act_dim)
        return RLC_EINVAL;
    *out = NULL;
    rlc_replay *r = calloc(1, sizeof *r);
    if (!r)
        return RLC_ENOMEM;
    r->capacity = capacity;
    r->obs_dim = obs_dim;
    r->act_dim = act_dim;
    r->obs = calloc(capacity * obs_dim, sizeof(double));
    r->next_obs = calloc(capacity * obs_dim, sizeof(double));
    r->actions = calloc(capacity * act_dim, sizeof(double));
    r->rewards = calloc(capacity, sizeof(double));
    r->terminated = calloc(capacity, 1);
    r->truncated = calloc(capacity, 1);
    if (!r->obs || !r->next_obs || !r->actions || !r->rewards || !r->terminated || !r->truncated) {
        rlc_replay_free(r);
        return RLC_ENOMEM;
    }
    *out = r;
    return RLC_OK;
}

void rlc_replay_free(rlc_replay *r)
{
    if (!r)
        return;
    free(r->obs);
    free(r->next_obs);
    free(r->actions);
    free(r->rewards);
    free(r->terminated);
    free(r->truncated);
    free(r);
}

void rlc_replay_add(rlc_replay *r, const double *obs, const double *action, double reward,
                    const double *next_obs, bool terminated, bool truncated)
{
    size_t i = r->pos;
    memcpy(r->obs + i * r->obs_dim, obs, r->obs_dim * sizeof(double));
    memcpy(r->next_obs + i * r->obs_dim, next_obs, r->obs_dim * sizeof(double));
    memcpy(r->actions + i * r->act_dim, action, r->act_dim * sizeof(double));
    r->rewards[i] = reward;
    r->terminated[i] = terminated;
    r->truncated[i] = truncated;
    r->pos = (i + 1) % r->capacity;
    if (r->size < r->capacity)
        r->size++;
}

rlc_status rlc_replay_batch_create(rlc_replay_batch *b, size_t batch_size, size_t obs_dim,
                                   size_t act_dim)
{
    *b = (rlc_replay_batch){0};
    if (!batch_size || !obs_dim || !act_dim)
        return RLC_EINVAL;
    b->obs = rlc_matrix_alloc(batch_size, obs_dim);
    b->next_obs = rlc_matrix_alloc(batch_size, obs_dim);
    b->actions = rlc_matrix_alloc(batch_size, act_dim);
    b->rewards = rlc_matrix_alloc(batch_size, 1);
    b->terminated = rlc_matrix_alloc(batch_size, 1);
    if (!b->obs || !b->next_obs || !b->actions || !b->rewards || !b->terminated) {
        rlc_replay_batch_free(b);
        return RLC_ENOMEM;
    }
    return RLC_OK;
}

void rlc_replay_batch_free(rlc_replay_batch *b)
{
    if (!b)
        return;
    gsl_matrix *m[] = {b->obs, b->next_obs, b->actions, b->rewards, b->terminated};
    for (size_t k = 0; k < sizeof m / sizeof m[0]; k++)
        if (m[k])
            gsl_matrix_free(m[k]);
    *b = (rlc_replay_batch){0};
}

rlc_status rlc_replay_sample(const rlc_replay *r, gsl_rng *rng, rlc_replay_batch *b)
{
    if (r->size == 0 || b->obs->size2 != r->obs_dim || b->next_obs->size2 != r->obs_dim ||
        b->actions->size2 != r->act_dim)
        return RLC_EINVAL;
    size_t od = r->obs_dim, ad = r->act_dim, n = b->obs->size1;
    enum { CHUNK = 64 };
    size_t idx[CHUNK];
    for (size_t k0 = 0; k0 < n; k0 += CHUNK) {
        size_t m = n - k0 < CHUNK ? n - k0 : CHUNK;
        /* the draws first (the same sequence as one at a time), each row
         * prefetched, so the copies below wait on one cache miss at a time
         * at most instead of one per row: a large buffer is not in cache */
        for (size_t c = 0; c < m; c++) {
            size_t i = idx[c] = gsl_rng_uniform_int(rng, r->size);
            __builtin_prefetch(r->obs + i * od);
            __builtin_prefetch(r->next_obs + i * od);
            __builtin_prefetch(r->actions + i * ad);
            __builtin_prefetch(r->rewards + i);
        }
        for (size_t c = 0; c < m; c++) {
            size_t i = idx[c], k = k0 + c;
            for (size_t j = 0; j < od; j++) { /* rows of a few doubles: no memcpy calls */
                b->obs->data[k * od + j] = r->obs[i * od + j];
                b->next_obs->data[k * od + j] = r->next_obs[i * od + j];
            }
            for (size_t j = 0; j < ad; j++)
                b->actions->data[k * ad + j] = r->actions[i * ad + j];
            b->rewards->data[k] = r->rewards[i];
            b->terminated->data[k] = r->terminated[i] ? 1.0 : 0.0;
        }
    }
    return RLC_OK;
}

rlc_status rlc_replay_state(rlc_replay *r, const rlc_state_visitor *v, const char *name)
{
    char buf[RLC_STATE_NAME_MAX];
    rlc_state_visitor c = rlc_state_child(v, name, buf);
    size_t n = r->capacity;
    rlc_status st;
    if ((st = rlc_state_count(&c, "size", &r->size, n)) ||
        (st = rlc_state_count(&c, "pos", &r->pos, n - 1)) ||
        (st = rlc_state_bytes(&c, "obs", r->obs, n * r->obs_dim * sizeof *r->obs)) ||
        (st = rlc_state_bytes(&c, "next_obs", r->next_obs, n * r->obs_dim * sizeof *r->obs)) ||
        (st = rlc_state_bytes(&c, "actions", r->actions, n * r->act_dim * sizeof *r->actions)) ||
        (st = rlc_state_bytes(&c, "rewards", r->rewards, n * sizeof *r->rewards)) ||
        (st = rlc_state_bools(&c, "terminated", r->terminated, n)))
        return st;
    return rlc_state_bools(&c, "truncated", r->truncated, n);
}
