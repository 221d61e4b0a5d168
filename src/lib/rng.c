/* Counter-based random numbers. A stream's key is a strong 64-bit hash of
 * (seed, stream); word c of the stream is a keyed bijective hash of c (a
 * splitmix64 step followed by a second, differently-keyed murmur3 finaliser),
 * so draws depend only on (seed, stream, counter), never on threads. */
#include "tcmbp/rng.h"

#include <math.h>

#define TCM_RNG_GOLDEN 0x9E3779B97F4A7C15ULL /* 2^64 / golden ratio, odd */
#define TCM_RNG_SEED_SALT 0x243F6A8885A308D3ULL   /* pi digits */
#define TCM_RNG_STREAM_MUL 0xD1B54A32D192ED03ULL  /* odd: stream -> stream*C is a bijection */
#define TCM_RNG_STREAM_SALT 0x13198A2E03707344ULL /* more pi digits */

/* splitmix64 finaliser (Stafford's variant 13): a bijection of 64-bit words
 * with full avalanche. */
static inline uint64_t mix_stafford13(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* MurmurHash3 fmix64 finaliser: another full-avalanche bijection, with
 * different shifts and multipliers from mix_stafford13. */
static inline uint64_t mix_murmur3(uint64_t z)
{
    z ^= z >> 33;
    z *= 0xFF51AFD7ED558CCDULL;
    z ^= z >> 33;
    z *= 0xC4CEB9FE1A85EC53ULL;
    return z ^ (z >> 33);
}

static inline uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

/* Key of (seed, stream): for a fixed seed it is a bijection of the stream id
 * (odd multiply, xor, bijective mix), so the streams of one seed never share
 * a key; keys of different seeds collide only by 2^-64 chance. */
void tcm_rng_init(tcm_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t ks = mix_stafford13(seed ^ TCM_RNG_SEED_SALT);
    uint64_t kt = stream * TCM_RNG_STREAM_MUL + TCM_RNG_STREAM_SALT;
    r->key = mix_murmur3(ks ^ kt);
    r->counter = 0;
}

/* Word `counter` of the stream, then counter + 1. For a fixed key the map
 * counter -> output is a bijection, so a stream has period 2^64 and never
 * repeats a word. */
uint64_t tcm_rng_u64(tcm_rng *r)
{
    uint64_t c = r->counter++;
    uint64_t z = mix_stafford13(r->key + c * TCM_RNG_GOLDEN);
    return mix_murmur3(z ^ rotl64(r->key, 29));
}

/* Top 53 bits scaled by 2^-53: values k / 2^53, k in [0, 2^53). */
double tcm_rng_uniform(tcm_rng *r) { return (double)(tcm_rng_u64(r) >> 11) * 0x1.0p-53; }

/* Midpoints (k + 1/2) / 2^53: strictly inside (0, 1), symmetric about 1/2. */
double tcm_rng_uniform_pos(tcm_rng *r)
{
    return ((double)(tcm_rng_u64(r) >> 11) + 0.5) * 0x1.0p-53;
}

/* Box-Muller, cosine branch only: consumes exactly two words per deviate, so
 * the stream position after d normals is always 2d (no cached second value). */
double tcm_rng_normal(tcm_rng *r)
{
    double u1 = tcm_rng_uniform_pos(r);
    double u2 = tcm_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925 * u2);
}

/* The top bit of one word. */
int tcm_rng_sign(tcm_rng *r) { return (tcm_rng_u64(r) >> 63) ? 1 : -1; }

/* Rejection on the low end: accept x >= 2^64 mod n, whose count of values is
 * a multiple of n, then reduce mod n (unbiased; rejects with probability
 * < n / 2^64). Returns 0 when n == 0 (a caller bug, not checked further). */
uint64_t tcm_rng_below(tcm_rng *r, uint64_t n)
{
    if (n == 0)
        return 0;
    uint64_t threshold = (0 - n) % n; /* 2^64 mod n */
    for (;;) {
        uint64_t x = tcm_rng_u64(r);
        if (x >= threshold)
            return x % n;
    }
}

/* Fisher-Yates from the end: position i swaps with a uniform j in [0, i]. */
void tcm_rng_shuffle_int(tcm_rng *r, int *perm, int n)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)tcm_rng_below(r, (uint64_t)i + 1);
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}
