/* triwatch/rng.h - reproducible random numbers: xoshiro256** seeded through splitmix64.
 *
 * Same seed, same sequence, on every machine: the simulator's output is byte-identical for a
 * given seed. Not for cryptography. */
#ifndef TRIWATCH_RNG_H
#define TRIWATCH_RNG_H

#include <stdint.h>

#include "triwatch/visibility.h"

typedef struct tw_rng {
  uint64_t s[4];
} tw_rng;

/* Seed from one 64-bit value (any value, 0 included). */
TW_API void tw_rng_seed(tw_rng *r, uint64_t seed);
/* Seed a stream for a named purpose: independent streams for distinct names under one seed,
 * so adding a sensor does not change what the others report. */
TW_API void tw_rng_seed_named(tw_rng *r, uint64_t seed, const char *name);
TW_API uint64_t tw_rng_u64(tw_rng *r);
/* Uniform in [0, 1), 53 bits. */
TW_API double tw_rng_uniform(tw_rng *r);
/* Standard normal (Marsaglia polar method; no state carried between calls). */
TW_API double tw_rng_normal(tw_rng *r);
/* Poisson-distributed count with mean lambda (>= 0; inversion for lambda < 30, else a rounded
 * normal approximation). */
TW_API unsigned tw_rng_poisson(tw_rng *r, double lambda);

#endif
