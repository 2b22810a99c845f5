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

#include <stdbool.h>
#include <stddef.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>
#include "rlc/status.h"

#define RLC_STATE_NAME_MAX 96 /* longest piece name, prefix included, with its NUL */

/* Called once per piece: name (NUL-terminated, at most RLC_STATE_NAME_MAX
 * bytes with the NUL), its memory and size in bytes. Returns RLC_OK to go
 * on; any other status stops the visit and is returned by it. */
typedef rlc_status (*rlc_state_fn)(void *ctx, const char *name, void *data, size_t bytes);

/* What a piece's stored bytes must be for the object to be usable: a
 * reader that checks a file before writing a byte refuses the others
 * (RLC_EFORMAT), so that a damaged checkpoint whose checksum was made
 * right still cannot put an index out of its array. */
typedef enum rlc_state_rule {
    RLC_STATE_COUNT, /* one size_t, at most max (rlc_state_count) */
    RLC_STATE_BOOLS, /* one-byte flags: every byte 0 or 1 (rlc_state_bools) */
    RLC_STATE_MT19937, /* GSL's mt19937 state: 624 unsigned longs, then the int
                        * index of the next word, 0 to max = 624 (rlc_state_rng) */
} rlc_state_rule;

#define RLC_STATE_MT_N 624 /* words of an mt19937 state */

/* Called instead of fn for a piece with a rule, when not NULL. */
typedef rlc_status (*rlc_state_checked_fn)(void *ctx, const char *name, void *data, size_t bytes,
                                           rlc_state_rule rule, size_t max);

typedef struct rlc_state_visitor {
    rlc_state_fn fn;
    void *ctx;
    const char *prefix; /* prepended as "prefix/" to every name; NULL for none */
    rlc_state_checked_fn checked; /* NULL: fn for every piece */
} rlc_state_visitor;

/* One piece: calls v->fn with "prefix/name". RLC_EINVAL if the name does
 * not fit RLC_STATE_NAME_MAX; else what fn returns. */
rlc_status rlc_state_bytes(const rlc_state_visitor *v, const char *name, void *data, size_t bytes);

/* A size_t that must be at most max when loaded (an index or a fill
 * count): as rlc_state_bytes, through v->checked when it is set. */
rlc_status rlc_state_count(const rlc_state_visitor *v, const char *name, size_t *x, size_t max);

/* n one-byte flags (bools, whose size the checkpoint records, or unsigned
 * chars), each 0 or 1: as rlc_state_bytes, through v->checked when it is
 * set. */
rlc_status rlc_state_bools(const rlc_state_visitor *v, const char *name, void *x, size_t n);

/* A contiguous vector's doubles (RLC_EINVAL for a strided vector). */
rlc_status rlc_state_vector(const rlc_state_visitor *v, const char *name, gsl_vector *x);

/* A GSL generator's state (gsl_rng_state, gsl_rng_size bytes). NULL r
 * visits nothing. An mt19937 state (rlc's generators) goes through
 * v->checked with RLC_STATE_MT19937: its index must be in range. */
rlc_status rlc_state_rng(const rlc_state_visitor *v, const char *name, gsl_rng *r);

/* The same visitor with "name" appended to its prefix ("a/name"), the
 * prefix text kept in buf (RLC_STATE_NAME_MAX bytes). */
rlc_state_visitor rlc_state_child(const rlc_state_visitor *v, const char *name, char *buf);

#endif
