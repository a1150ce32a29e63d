/* rng.c - xoshiro256** (Blackman & Vigna) seeded by splitmix64; contract in triwatch/rng.h. */
#include <math.h>

#include "triwatch/rng.h"

static uint64_t splitmix64(uint64_t *x)
{
  uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void tw_rng_seed(tw_rng *r, uint64_t seed)
{
  for (int i = 0; i < 4; i++)
    r->s[i] = splitmix64(&seed);
}

void tw_rng_seed_named(tw_rng *r, uint64_t seed, const char *name)
{
  uint64_t h = UINT64_C(0xcbf29ce484222325); /* FNV-1a of the name */
  for (const unsigned char *p = (const unsigned char *)name; p && *p; p++)
    h = (h ^ *p) * UINT64_C(0x100000001b3);
  uint64_t x = seed;
  tw_rng_seed(r, splitmix64(&x) ^ h);
}

uint64_t tw_rng_u64(tw_rng *r)
{
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double tw_rng_uniform(tw_rng *r) { return (double)(tw_rng_u64(r) >> 11) * 0x1.0p-53; }

double tw_rng_normal(tw_rng *r)
{
  for (;;) {
    double u = 2.0 * tw_rng_uniform(r) - 1.0, v = 2.0 * tw_rng_uniform(r) - 1.0;
    double s = u * u + v * v;
    if (s > 0.0 && s < 1.0)
      return u * sqrt(-2.0 * log(s) / s);
  }
}

unsigned tw_rng_poisson(tw_rng *r, double lambda)
{
  if (!(lambda > 0.0))
    return 0;
  if (lambda >= 30.0) {
    double x = lambda + sqrt(lambda) * tw_rng_normal(r) + 0.5;
    return x < 0.0 ? 0u : (unsigned)x;
  }
  double l = exp(-lambda), p = 1.0;
  unsigned k = 0;
  do {
    k++;
    p *= tw_rng_uniform(r);
  } while (p > l);
  return k - 1;
}
