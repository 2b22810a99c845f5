/* rng.c — seed derivation for rlc's random streams (contract in include/rlc/rng.h). */
#include <string.h>
#include "rlc/rng.h"

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

unsigned long rlc_rng_derive_seed(uint64_t seed, uint64_t stream)
{
    uint64_t s = splitmix64(splitmix64(seed) ^ stream);
    s &= 0xffffffffULL; /* mt19937 uses 32 bits of its seed */
    return s ? (unsigned long)s : 1UL;
}

/* An mt19937 generator seeded with s, its state's padding bytes zeroed
 * (gsl_rng_set writes only the fields), so that a checkpoint of the state
 * is the same bytes for the same draws. */
static gsl_rng *mt19937(unsigned long s)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (r) {
        memset(gsl_rng_state(r), 0, gsl_rng_size(r));
        gsl_rng_set(r, s);
    }
    return r;
}

gsl_rng *rlc_rng_create(uint64_t seed, uint64_t stream)
{
    return mt19937(rlc_rng_derive_seed(seed, stream));
}

gsl_rng *rlc_rng_create_indexed(uint64_t seed, uint64_t stream, uint64_t index)
{
    return mt19937(rlc_rng_derive_seed(rlc_rng_derive_seed(seed, stream), index));
}
