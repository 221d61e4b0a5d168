/* Counter-based random numbers: every stream is a pure function of
 * (seed, stream id, counter), so any draw is reproducible and independent of
 * how work is split among threads. Streams are cheap values on the stack. */
#ifndef TCMBP_RNG_H
#define TCMBP_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t key;     /* derived from (seed, stream) */
    uint64_t counter; /* number of 64-bit words drawn so far */
} tcm_rng;

/* Start stream `stream` of generator `seed` at counter 0. */
void tcm_rng_init(tcm_rng *r, uint64_t seed, uint64_t stream);

/* Next 64 random bits: word number r->counter of the stream (setting the
 * counter jumps anywhere in the stream), then the counter advances by one. */
uint64_t tcm_rng_u64(tcm_rng *r);

/* Uniform double in [0, 1) with 53 random bits. */
double tcm_rng_uniform(tcm_rng *r);

/* Uniform double in (0, 1): never exactly 0 (safe for log). */
double tcm_rng_uniform_pos(tcm_rng *r);

/* Standard normal deviate (Box-Muller on two fresh uniforms; no cached state). */
double tcm_rng_normal(tcm_rng *r);

/* +1 or -1 with probability 1/2 each. */
int tcm_rng_sign(tcm_rng *r);

/* Uniform integer in [0, n) without modulo bias (rejection); n > 0 (returns
 * 0 for n == 0). */
uint64_t tcm_rng_below(tcm_rng *r, uint64_t n);

/* In-place uniformly random permutation (Fisher-Yates) of perm[0..n). */
void tcm_rng_shuffle_int(tcm_rng *r, int *perm, int n);

#endif
