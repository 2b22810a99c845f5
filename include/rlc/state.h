/* rlc/state.h — a training state as named byte ranges of live memory, for
 * checkpoints and resume. Whatever holds state (an agent, the runner, its
 * environments, optimisers, random streams) lists its pieces to a visitor
 * in a fixed order: saving writes each range, loading overwrites it. A
 * piece is the object's own memory (doubles, counters, a GSL generator's
 * state), so a state saved by one binary loads into the same objects
 * built by the same binary from the same settings, and training then
 * continues bit for bit. Byte order and type sizes are the host's; the
 * checkpoint format (include/rlc/run.h) records them. */
#ifndef RLC_STATE_H
#define RLC_STATE_H

#include <stddef.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>
#include "rlc/status.h"

#define RLC_STATE_NAME_MAX 96 /* longest piece name, prefix included, with its NUL */

/* Called once per piece: name (NUL-terminated, at most RLC_STATE_NAME_MAX
 * bytes with the NUL), its memory and size in bytes. Returns RLC_OK to go
 * on; any other status stops the visit and is returned by it. */
typedef rlc_status (*rlc_state_fn)(void *ctx, const char *name, void *data, size_t bytes);

typedef struct rlc_state_visitor {
    rlc_state_fn fn;
    void *ctx;
    const char *prefix; /* prepended as "prefix/" to every name; NULL for none */
} rlc_state_visitor;

/* One piece: calls v->fn with "prefix/name". RLC_EINVAL if the name does
 * not fit RLC_STATE_NAME_MAX; else what fn returns. */
rlc_status rlc_state_bytes(const rlc_state_visitor *v, const char *name, void *data, size_t bytes);

/* A contiguous vector's doubles (RLC_EINVAL for a strided vector). */
rlc_status rlc_state_vector(const rlc_state_visitor *v, const char *name, gsl_vector *x);

/* A GSL generator's state (gsl_rng_state, gsl_rng_size bytes). NULL r
 * visits nothing. */
rlc_status rlc_state_rng(const rlc_state_visitor *v, const char *name, gsl_rng *r);

/* The same visitor with "name" appended to its prefix ("a/name"), the
 * prefix text kept in buf (RLC_STATE_NAME_MAX bytes). */
rlc_state_visitor rlc_state_child(const rlc_state_visitor *v, const char *name, char *buf);

#endif
