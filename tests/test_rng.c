/* Tests of the counter-based RNG: reproducibility from (seed, stream),
 * independence of streams and seeds, moments of uniform and normal deviates
 * within 5 sigma, chi-square of bounded integers and shuffles, bit balance,
 * and a pinned known answer so an accidental change of the generator (which
 * would change every generated instance) is caught. */
#include "tcmbp/rng.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "test_suite.h"

#define NDRAWS 1000000

static void test_reproducible(void)
{
    tcm_rng a, b;
    tcm_rng_init(&a, 42, 7);
    tcm_rng_init(&b, 42, 7);
    int same = 1;
    for (int i = 0; i < 1000; i++)
        same &= tcm_rng_u64(&a) == tcm_rng_u64(&b);
    CU_ASSERT(same);
    CU_ASSERT_EQUAL(a.counter, 1000);
    /* Random access: setting the counter jumps into the stream. */
    tcm_rng c;
    tcm_rng_init(&c, 42, 7);
    uint64_t first = tcm_rng_u64(&c);
    for (int i = 0; i < 9; i++)
        tcm_rng_u64(&c);
    uint64_t tenth = tcm_rng_u64(&c);
    tcm_rng d;
    tcm_rng_init(&d, 42, 7);
    d.counter = 10;
    CU_ASSERT_EQUAL(tcm_rng_u64(&d), tenth);
    tcm_rng_init(&d, 42, 7);
    CU_ASSERT_EQUAL(tcm_rng_u64(&d), first);
}

/* Known answers for seed 1: pins the generator's definition. */
static void test_known_answer(void)
{
    tcm_rng r;
    tcm_rng_init(&r, 1, 0);
    CU_ASSERT_EQUAL(tcm_rng_u64(&r), UINT64_C(0xfac85847516ab40a));
    tcm_rng_init(&r, 1, UINT64_C(1) << 40);
    CU_ASSERT_EQUAL(tcm_rng_u64(&r), UINT64_C(0x3af65ac7604f9263));
}

/* Count equal words at equal positions of two streams. */
static int count_equal(uint64_t s1, uint64_t t1, uint64_t s2, uint64_t t2, int n)
{
    tcm_rng a, b;
    tcm_rng_init(&a, s1, t1);
    tcm_rng_init(&b, s2, t2);
    int eq = 0;
    for (int i = 0; i < n; i++)
        eq += tcm_rng_u64(&a) == tcm_rng_u64(&b);
    return eq;
}

static void test_streams_differ(void)
{
    CU_ASSERT_EQUAL(count_equal(1, 0, 1, 1, 1000), 0);
    CU_ASSERT_EQUAL(count_equal(1, 1, 2, 1, 1000), 0);
    CU_ASSERT_EQUAL(count_equal(0, 0, 0, 1, 1000), 0);
    CU_ASSERT_EQUAL(count_equal(1, 2, 2, 1, 1000), 0); /* swapped seed/stream */
    /* First words of many streams of one seed are all distinct. */
    enum { S = 2000 };
    uint64_t first[S];
    for (int s = 0; s < S; s++) {
        tcm_rng r;
        tcm_rng_init(&r, 3, (uint64_t)s);
        first[s] = tcm_rng_u64(&r);
    }
    int dup = 0;
    for (int s = 0; s < S; s++)
        for (int t = s + 1; t < S; t++)
            dup += first[s] == first[t];
    CU_ASSERT_EQUAL(dup, 0);
}

static void test_uniform_moments(void)
{
    tcm_rng r;
    tcm_rng_init(&r, 11, 3);
    double s1 = 0, s2 = 0, lo = 1, hi = 0, pos_lo = 1;
    for (int i = 0; i < NDRAWS; i++) {
        double u = tcm_rng_uniform(&r);
        s1 += u;
        s2 += u * u;
        lo = fmin(lo, u);
        hi = fmax(hi, u);
    }
    for (int i = 0; i < NDRAWS; i++)
        pos_lo = fmin(pos_lo, tcm_rng_uniform_pos(&r));
    double mean = s1 / NDRAWS, m2 = s2 / NDRAWS;
    /* mean: sd 1/sqrt(12 n); E u^2 = 1/3, Var u^2 = 1/5 - 1/9 = 4/45. */
    CU_ASSERT(fabs(mean - 0.5) < 5.0 * sqrt(1.0 / 12.0 / NDRAWS));
    CU_ASSERT(fabs(m2 - 1.0 / 3.0) < 5.0 * sqrt(4.0 / 45.0 / NDRAWS));
    CU_ASSERT(lo >= 0.0 && hi < 1.0);
    CU_ASSERT(pos_lo > 0.0);
}

static void test_normal_moments(void)
{
    tcm_rng r;
    tcm_rng_init(&r, 12, 5);
    double m[5] = {0};
    for (int i = 0; i < NDRAWS; i++) {
        double x = tcm_rng_normal(&r), p = 1.0;
        for (int j = 1; j <= 4; j++) {
            p *= x;
            m[j] += p;
        }
    }
    for (int j = 1; j <= 4; j++)
        m[j] /= NDRAWS;
    /* Var(x^j) = E x^2j - (E x^j)^2: 1, 2, 15, 96 for j = 1..4. */
    CU_ASSERT(fabs(m[1]) < 5.0 * sqrt(1.0 / NDRAWS));
    CU_ASSERT(fabs(m[2] - 1.0) < 5.0 * sqrt(2.0 / NDRAWS));
    CU_ASSERT(fabs(m[3]) < 5.0 * sqrt(15.0 / NDRAWS));
    CU_ASSERT(fabs(m[4] - 3.0) < 5.0 * sqrt(96.0 / NDRAWS));
    CU_ASSERT_EQUAL(r.counter, 2 * (uint64_t)NDRAWS); /* two words per deviate */
}

/* Pearson chi-square of counts against equal expectation. */
static double chi_square(const long *count, int bins, long total)
{
    double e = (double)total / bins, chi = 0.0;
    for (int b = 0; b < bins; b++)
        chi += (count[b] - e) * (count[b] - e) / e;
    return chi;
}

static void test_below_chi_square(void)
{
    tcm_rng r;
    tcm_rng_init(&r, 13, 0);
    long count[10] = {0};
    int out_of_range = 0;
    for (int i = 0; i < NDRAWS; i++) {
        uint64_t v = tcm_rng_below(&r, 10);
        if (v >= 10)
            out_of_range++;
        else
            count[v]++;
    }
    CU_ASSERT_EQUAL(out_of_range, 0);
    /* 9 degrees of freedom: P(chi2 > 40) ~ 5e-6. */
    CU_ASSERT(chi_square(count, 10, NDRAWS) < 40.0);
    /* Edge cases: n = 1, a huge n with a large rejection region. */
    CU_ASSERT_EQUAL(tcm_rng_below(&r, 1), 0);
    uint64_t big = (UINT64_C(1) << 63) + 1;
    int ok = 1, upper = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t v = tcm_rng_below(&r, big);
        ok &= v < big;
        upper += v >= (UINT64_C(1) << 62);
    }
    CU_ASSERT(ok);
    CU_ASSERT(upper > 420 && upper < 580); /* P(v >= 2^62) ~ 1/2, sd ~ 16 */
}

static void test_shuffle(void)
{
    tcm_rng r;
    tcm_rng_init(&r, 14, 0);
    /* A permutation of 0..99. */
    int perm[100], seen[100] = {0};
    for (int i = 0; i < 100; i++)
        perm[i] = i;
    tcm_rng_shuffle_int(&r, perm, 100);
    int ok = 1;
    for (int i = 0; i < 100; i++)
        ok &= perm[i] >= 0 && perm[i] < 100 && !seen[perm[i]]++;
    CU_ASSERT(ok);
    /* All 6 orders of 3 elements equally likely (5 degrees of freedom). */
    long count[6] = {0};
    const long T = 120000;
    for (long t = 0; t < T; t++) {
        int p[3] = {0, 1, 2};
        tcm_rng_shuffle_int(&r, p, 3);
        count[p[0] * 2 + (p[1] > p[2])]++;
    }
    CU_ASSERT(chi_square(count, 6, T) < 30.0);
    tcm_rng_shuffle_int(&r, perm, 0); /* n = 0 and 1 are no-ops */
    tcm_rng_shuffle_int(&r, perm, 1);
}

/* Number of set bits of x. */
static int popcount64(uint64_t x)
{
    int c = 0;
    for (; x; x &= x - 1)
        c++;
    return c;
}

static void test_bit_balance(void)
{
    tcm_rng r;
    tcm_rng_init(&r, 15, 9);
    const long W = 200000;
    long ones[64] = {0};
    long signs = 0;
    for (long t = 0; t < W; t++) {
        uint64_t x = tcm_rng_u64(&r);
        for (int b = 0; b < 64; b++)
            ones[b] += (long)((x >> b) & 1);
    }
    for (long t = 0; t < W; t++)
        signs += tcm_rng_sign(&r);
    double sd = sqrt(W / 4.0);
    int bad = 0;
    for (int b = 0; b < 64; b++)
        bad += fabs(ones[b] - W / 2.0) > 5.0 * sd;
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(fabs((double)signs) < 5.0 * sqrt((double)W));
    /* Adjacent counters of adjacent streams: half the bits differ. */
    tcm_rng a, b;
    tcm_rng_init(&a, 15, 100);
    tcm_rng_init(&b, 15, 101);
    long diff = 0;
    for (long t = 0; t < W; t++)
        diff += popcount64(tcm_rng_u64(&a) ^ tcm_rng_u64(&b));
    CU_ASSERT(fabs(diff - 32.0 * W) < 5.0 * sqrt(16.0 * W));
}

static const tcm_test_case tests[] = {
    { "reproducible from (seed, stream)", test_reproducible },
    { "known answer", test_known_answer },
    { "streams and seeds differ", test_streams_differ },
    { "uniform moments", test_uniform_moments },
    { "normal moments", test_normal_moments },
    { "below: chi-square", test_below_chi_square },
    { "shuffle", test_shuffle },
    { "bit balance", test_bit_balance },
};

TCM_TEST_SUITE("rng", tests)
