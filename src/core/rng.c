/* rng.c — seed derivation for rlc's random streams (contract in include/rlc/rng.h). */
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

gsl_rng *rlc_rng_create(uint64_t seed, uint64_t stream)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (r)
        gsl_rng_set(r, rlc_rng_derive_seed(seed, stream));
    return r;
}

gsl_rng *rlc_rng_create_indexed(uint64_t seed, uint64_t stream, uint64_t index)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (r)
        gsl_rng_set(r, rlc_rng_derive_seed(rlc_rng_derive_seed(seed, stream), index));
    return r;
}
