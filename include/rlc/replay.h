/* rlc/replay.h — the off-policy replay buffer: a ring of `capacity`
 * transitions (s, a, r, s', terminated, truncated) in contiguous row-major
 * arrays, sampled uniformly with replacement (as Stable-Baselines3's
 * ReplayBuffer). s' is stored with every transition — at a truncation it is
 * the final observation, never the next episode's reset observation — so a
 * truncated transition can bootstrap from V(s'). */
#ifndef RLC_REPLAY_H
#define RLC_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include "rlc/state.h"
#include "rlc/status.h"

typedef struct rlc_replay {
    size_t capacity, obs_dim, act_dim;
    size_t size; /* transitions held, ≤ capacity */
    size_t pos;  /* slot the next transition goes to */
    double *obs, *next_obs; /* capacity × obs_dim */
    double *actions;        /* capacity × act_dim */
    double *rewards;        /* capacity */
    unsigned char *terminated, *truncated; /* capacity, 0/1 */
} rlc_replay;

/* A sampled minibatch: batch_size rows each. The matrices are owned by the
 * batch (rlc_replay_batch_free). `terminated` holds 0.0/1.0. */
typedef struct rlc_replay_batch {
    gsl_matrix *obs, *actions, *rewards, *next_obs, *terminated;
} rlc_replay_batch;

/* One allocation per family. RLC_EINVAL (a zero size), RLC_ENOMEM. */
rlc_status rlc_replay_create(rlc_replay **out, size_t capacity, size_t obs_dim, size_t act_dim);
void rlc_replay_free(rlc_replay *r); /* NULL-safe */

/* Copy one transition into the ring (overwriting the oldest when full).
 * obs/next_obs: obs_dim doubles; action: act_dim doubles (as executed).
 * Does not allocate. */
void rlc_replay_add(rlc_replay *r, const double *obs, const double *action, double reward,
                    const double *next_obs, bool terminated, bool truncated);

rlc_status rlc_replay_batch_create(rlc_replay_batch *b, size_t batch_size, size_t obs_dim,
                                   size_t act_dim);
void rlc_replay_batch_free(rlc_replay_batch *b); /* NULL-safe; zeroes the struct */

/* Fill b (rows = its batch size) with transitions drawn uniformly with
 * replacement from the r->size held, using rng. RLC_EINVAL if the buffer is
 * empty or b's widths differ from the buffer's. Does not allocate. */
rlc_status rlc_replay_sample(const rlc_replay *r, gsl_rng *rng, rlc_replay_batch *b);

/* The buffer's contents and positions under `name` (every slot, filled
 * or not). */
rlc_status rlc_replay_state(rlc_replay *r, const rlc_state_visitor *v, const char *name);

#endif
