/* rlc/rng.h — every random stream of a run, derived from the one run seed.
 * Streams are GSL generators (mt19937); rlc never uses rand() or global state. */
#ifndef RLC_RNG_H
#define RLC_RNG_H

#include <stdint.h>
#include <gsl/gsl_rng.h>

/* Named streams of a run; each gets an independent seed from (run seed, stream). */
enum rlc_rng_stream {
    RLC_RNG_INIT = 1,     /* network initialisation */
    RLC_RNG_ENV = 2,      /* training environment resets */
    RLC_RNG_EVAL_ENV = 3, /* evaluation environment resets */
    RLC_RNG_EXPLORE = 4,  /* exploration noise and warm-up actions */
    RLC_RNG_SAMPLE = 5    /* minibatch / replay sampling */
};

/* Seed for stream `stream` of run seed `seed`: splitmix64 of both, so nearby
 * seeds give unrelated streams. Pure; never returns 0 (GSL maps 0 to its
 * default seed). */
unsigned long rlc_rng_derive_seed(uint64_t seed, uint64_t stream);

/* A new mt19937 generator seeded with rlc_rng_derive_seed(seed, stream).
 * Caller frees with gsl_rng_free. Returns NULL when out of memory. */
gsl_rng *rlc_rng_create(uint64_t seed, uint64_t stream);

/* Generator for copy `index` of a stream (e.g. environment copy i of a
 * vector env): seeded with rlc_rng_derive_seed(rlc_rng_derive_seed(seed,
 * stream), index). Caller frees with gsl_rng_free; NULL when out of memory. */
gsl_rng *rlc_rng_create_indexed(uint64_t seed, uint64_t stream, uint64_t index);

#endif
