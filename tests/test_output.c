/* Tests of the majority-vote output factor against brute-force enumeration of
 * the hidden-unit outputs tau (spec 1.2, 5), in normal and extreme regimes. */
#include "tcmbp/output.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <stdlib.h>

#include "tcmbp/rng.h"
#include "test_suite.h"

/* Brute force over all 2^K tau: log Z and the fields f_k = 1/2 log(A_k(+)/A_k(-)). */
static double brute(int K, int sigma, const double *p, double *f)
{
    double Z = 0.0, A[9][2] = { { 0 } };
    for (int s = 0; s < (1 << K); s++) {
        double pr = 1.0;
        int sum = 0;
        for (int k = 0; k < K; k++) {
            int t = (s >> k) & 1;
            sum += t ? 1 : -1;
            pr *= t ? p[k] : 1.0 - p[k];
        }
        if (sigma * sum <= 0) continue;
        Z += pr;
        for (int k = 0; k < K; k++) {
            int t = (s >> k) & 1;
            A[k][t] += pr / (t ? p[k] : 1.0 - p[k]);
        }
    }
    for (int k = 0; k < K; k++) f[k] = 0.5 * log(A[k][1] / A[k][0]);
    return log(Z);
}

static void check_against_brute(int K, int sigma, const double *p, double tol)
{
    double lp[9], lq[9], f[9], fb[9], work[512];
    CU_ASSERT_FATAL(tcm_output_work_size(K) <= 512);
    for (int k = 0; k < K; k++) {
        lp[k] = log(p[k]);
        lq[k] = log1p(-p[k]);
    }
    double lz = tcm_output_update(TCM_OUTPUT_EXACT, K, sigma, lp, lq, f, work);
    double lzb = brute(K, sigma, p, fb);
    CU_ASSERT_DOUBLE_EQUAL(lz, lzb, tol);
    CU_ASSERT_DOUBLE_EQUAL(tcm_output_logz(TCM_OUTPUT_EXACT, K, sigma, lp, lq, work), lzb, tol);
    for (int k = 0; k < K; k++) {
        if (isinf(fb[k])) {
            CU_ASSERT_EQUAL(f[k], fb[k]);
        } else {
            CU_ASSERT_DOUBLE_EQUAL(f[k], fb[k], tol * fmax(1.0, fabs(fb[k])));
        }
    }
}

static void test_exact_vs_enumeration(void)
{
    tcm_rng r;
    tcm_rng_init(&r, 11, 0);
    for (int K = 1; K <= 7; K += 2)
        for (int rep = 0; rep < 50; rep++) {
            double p[9];
            for (int k = 0; k < K; k++) p[k] = 0.02 + 0.96 * tcm_rng_uniform(&r);
            check_against_brute(K, rep % 2 ? 1 : -1, p, 1e-12);
        }
}

/* K = 1: the message is a hard constraint tau = sigma, and Z = P(tau = sigma). */
static void test_perceptron_limit(void)
{
    double lp[1] = { log(0.3) }, lq[1] = { log(0.7) }, f[1], work[64];
    double lz = tcm_output_update(TCM_OUTPUT_EXACT, 1, -1, lp, lq, f, work);
    CU_ASSERT_DOUBLE_EQUAL(lz, log(0.7), 1e-15);
    CU_ASSERT(isinf(f[0]) && f[0] < 0);
}

/* Probabilities far below double's epsilon: log space keeps the fields exact. */
static void test_extreme_probabilities(void)
{
    /* K = 3, sigma = +1, two units almost surely -1 (log p = -800): the third
     * unit cannot change the outcome unless the others tie, which has prob ~e^-800. */
    double lp[3] = { -800.0, -800.0, log(0.5) }, lq[3] = { log1p(-exp(-800.0)), 0.0, log(0.5) };
    lq[0] = 0.0;
    double f[3], work[128];
    double lz = tcm_output_update(TCM_OUTPUT_EXACT, 3, 1, lp, lq, f, work);
    CU_ASSERT(isfinite(lz));
    CU_ASSERT_DOUBLE_EQUAL(lz, -800.0 + log(1.0), 1.0); /* ~ P(one of first two +1 and third +1) */
    for (int k = 0; k < 3; k++) CU_ASSERT(isfinite(f[k]) || isinf(f[k]));
    CU_ASSERT(f[2] > 100.0); /* unit 2 is decisive whenever the outcome is satisfied at all */
    /* Exact value for unit 2: A(+) = P(others have >= 1 plus) ~ 2e^-800, A(-) = P(both plus) = e^-1600. */
    CU_ASSERT_DOUBLE_EQUAL(f[2], 0.5 * ((log(2.0) - 800.0) + 1600.0), 1e-9);
}

/* CLT mode approaches the exact one when many units are undecided (large K). */
static void test_clt_large_k(void)
{
    enum { K = 101 };
    double lp[K], lq[K], fe[K], fc[K];
    double *work = malloc(tcm_output_work_size(K) * sizeof(double));
    tcm_rng r;
    tcm_rng_init(&r, 5, 0);
    for (int k = 0; k < K; k++) {
        double p = 0.35 + 0.3 * tcm_rng_uniform(&r);
        lp[k] = log(p);
        lq[k] = log1p(-p);
    }
    double lze = tcm_output_update(TCM_OUTPUT_EXACT, K, 1, lp, lq, fe, work);
    double lzc = tcm_output_update(TCM_OUTPUT_CLT, K, 1, lp, lq, fc, work);
    CU_ASSERT_DOUBLE_EQUAL(lze, lzc, 0.02);
    for (int k = 0; k < K; k++) CU_ASSERT_DOUBLE_EQUAL(fe[k], fc[k], 0.01);
    free(work);
}

static const tcm_test_case tests[] = {
    { "exact vs enumeration K=1..7", test_exact_vs_enumeration },
    { "perceptron limit", test_perceptron_limit },
    { "extreme probabilities", test_extreme_probabilities },
    { "CLT vs exact, K=101", test_clt_large_k },
};

TCM_TEST_SUITE("output", tests)
