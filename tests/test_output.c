/* Tests of the output factors against brute-force enumeration of the
 * hidden-unit outputs tau (EQUATIONS.md 1.2, 5), in normal and extreme regimes: the
 * majority vote and the parity rule (in long double, to 1e-12 relative), the
 * rule names, and the parity factor's independence of the mode. */
#include "tcmbp/output.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    double lz = tcm_output_update(TCM_RULE_MAJORITY, TCM_OUTPUT_EXACT, K, sigma, lp, lq, f, work);
    double lzb = brute(K, sigma, p, fb);
    CU_ASSERT_DOUBLE_EQUAL(lz, lzb, tol);
    CU_ASSERT_DOUBLE_EQUAL(tcm_output_logz(TCM_RULE_MAJORITY, TCM_OUTPUT_EXACT, K, sigma, lp, lq, work), lzb, tol);
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
    double lz = tcm_output_update(TCM_RULE_MAJORITY, TCM_OUTPUT_EXACT, 1, -1, lp, lq, f, work);
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
    double lz = tcm_output_update(TCM_RULE_MAJORITY, TCM_OUTPUT_EXACT, 3, 1, lp, lq, f, work);
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
    double lze = tcm_output_update(TCM_RULE_MAJORITY, TCM_OUTPUT_EXACT, K, 1, lp, lq, fe, work);
    double lzc = tcm_output_update(TCM_RULE_MAJORITY, TCM_OUTPUT_CLT, K, 1, lp, lq, fc, work);
    CU_ASSERT_DOUBLE_EQUAL(lze, lzc, 0.02);
    for (int k = 0; k < K; k++) CU_ASSERT_DOUBLE_EQUAL(fe[k], fc[k], 0.01);
    free(work);
}

/* Parity brute force in long double over all 2^K tau, from the smaller
 * probability of each unit, s_k = exp(min(lp, lq)), and 1 - s_k (the
 * normalised pair the inputs stand for): log Z and
 * f_k = 1/2 log(A_k(+) / A_k(-)), A_k(t) = P(sat | tau_k = t). */
static long double brute_parity(int K, int sigma, const double *lp, const double *lq, long double *f)
{
    long double pt[8][2], A[8][2] = { { 0 } }, Z = 0.0L, Zc = 0.0L; /* Zc: unsatisfied mass */ /* pt[k][t]: P(tau_k = t ? +1 : -1) */
    for (int k = 0; k < K; k++) {
        long double s = expl((long double)fmin(lp[k], lq[k]));
        pt[k][lp[k] < lq[k]] = s;
        pt[k][lp[k] >= lq[k]] = 1.0L - s;
    }
    for (int c = 0; c < (1 << K); c++) {
        long double pr = 1.0L;
        int prod = 1;
        for (int k = 0; k < K; k++) {
            prod *= ((c >> k) & 1) ? 1 : -1;
            pr *= pt[k][(c >> k) & 1];
        }
        if (sigma * prod < 0) {
            Zc += pr;
            continue;
        }
        Z += pr;
        for (int k = 0; k < K; k++) { /* P(the others' configuration) */
            long double others = 1.0L;
            for (int j = 0; j < K; j++)
                if (j != k) others *= pt[j][(c >> j) & 1];
            A[k][(c >> k) & 1] += others;
        }
    }
    for (int k = 0; k < K; k++) f[k] = 0.5L * logl(A[k][1] / A[k][0]);
    return Zc < 0.5L ? log1pl(-Zc) : logl(Z); /* Z next to 1: from the small complement */
}

/* |x - ref| <= rel |ref| + abs_floor, or both the same infinity. */
static int close_rel(double x, long double ref, double rel, double abs_floor)
{
    if (isinf((double)ref)) return x == (double)ref;
    return fabsl((long double)x - ref) <= rel * fabsl(ref) + abs_floor;
}

/* Smaller probability s of a unit and its sign: lp, lq = log s, log1p(-s) or swapped. */
static void unit_logs(double s, int plus_likely, double *lp, double *lq)
{
    double lo = log(s), hi = log1p(-s);
    *lp = plus_likely ? hi : lo;
    *lq = plus_likely ? lo : hi;
}

/* One parity case against the enumeration: messages and log Z to `rel`,
 * log Z alone, and the CLT mode giving the same bits. */
static void check_parity(int K, int sigma, const double *lp, const double *lq, double rel)
{
    double f[8], fc[8], work[512];
    long double fb[8];
    long double lzb = brute_parity(K, sigma, lp, lq, fb);
    double lz = tcm_output_update(TCM_RULE_PARITY, TCM_OUTPUT_EXACT, K, sigma, lp, lq, f, work);
    CU_ASSERT(close_rel(lz, lzb, rel, 1e-300));
    CU_ASSERT(close_rel(tcm_output_logz(TCM_RULE_PARITY, TCM_OUTPUT_EXACT, K, sigma, lp, lq, work), lzb, rel, 1e-300));
    /* the abs floor is long double rounding of log(A+/A-) near 0 */
    for (int k = 0; k < K; k++) {
        int ok = close_rel(f[k], fb[k], rel, 1e-17);
        CU_ASSERT(ok);
        if (!ok) fprintf(stderr, "K=%d sigma=%d k=%d f=%.17g brute=%.17Lg\n", K, sigma, k, f[k], fb[k]);
    }
    double lzc = tcm_output_update(TCM_RULE_PARITY, TCM_OUTPUT_CLT, K, sigma, lp, lq, fc, work);
    CU_ASSERT(memcmp(&lz, &lzc, sizeof lz) == 0);
    CU_ASSERT(memcmp(f, fc, (size_t)K * sizeof *f) == 0);
}

/* K = 1..6, both sigma: random smaller probabilities from moderate (0.02 ..
 * 0.5) to nearly deterministic (1e-300 .. 1e-3, log-uniform), mixed in one
 * pattern, random signs. */
static void test_parity_vs_enumeration(void)
{
    tcm_rng r;
    tcm_rng_init(&r, 29, 0);
    for (int K = 1; K <= 6; K++)
        for (int rep = 0; rep < 200; rep++) {
            double lp[8], lq[8];
            for (int k = 0; k < K; k++) {
                double u = tcm_rng_uniform(&r);
                double s = rep % 3 == 0 || u < 0.5 ? 0.02 + 0.46 * tcm_rng_uniform(&r)
                                                   : pow(10.0, -3.0 - 297.0 * tcm_rng_uniform(&r));
                unit_logs(s, tcm_rng_sign(&r) > 0, &lp[k], &lq[k]);
            }
            check_parity(K, rep % 2 ? 1 : -1, lp, lq, 1e-12);
        }
}

/* Edges: a certain unit (log prob 0 / -inf) makes the others' messages
 * infinite when all others are certain; an undecided unit (m = 0) silences
 * every other message; K = 1 agrees with the majority rule. */
static void test_parity_edges(void)
{
    double lp[3], lq[3], f[3], work[128];
    /* units 0, 1 certain (+1 and -1), unit 2 undecided-ish: f_2 = atanh(sigma * (+1)(-1)) = -sigma inf */
    lp[0] = 0.0, lq[0] = -INFINITY, lp[1] = -INFINITY, lq[1] = 0.0;
    unit_logs(0.3, 1, &lp[2], &lq[2]);
    double lz = tcm_output_update(TCM_RULE_PARITY, TCM_OUTPUT_EXACT, 3, 1, lp, lq, f, work);
    CU_ASSERT(isinf(f[2]) && f[2] < 0);
    CU_ASSERT_DOUBLE_EQUAL(f[0], -atanh(0.4), 1e-15); /* sigma * m_1 * m_2 = -(0.7 - 0.3) */
    CU_ASSERT_DOUBLE_EQUAL(f[1], atanh(0.4), 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(lz, log(0.3), 1e-15);     /* needs tau_2 = -1 */
    check_parity(3, 1, lp, lq, 1e-12);
    /* unit 1 exactly undecided: every other unit gets f = 0, and Z = 1/2 */
    lp[1] = lq[1] = log(0.5);
    lz = tcm_output_update(TCM_RULE_PARITY, TCM_OUTPUT_EXACT, 3, -1, lp, lq, f, work);
    CU_ASSERT_EQUAL(f[0], 0.0);
    CU_ASSERT_EQUAL(f[2], 0.0);
    CU_ASSERT_DOUBLE_EQUAL(f[1], -atanh(0.4), 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(lz, -log(2.0), 1e-15);
    /* K = 1: the same constraint as the majority vote */
    double fm[1], fp[1];
    unit_logs(1e-200, 0, &lp[0], &lq[0]);
    for (int sigma = -1; sigma <= 1; sigma += 2) {
        double zm = tcm_output_update(TCM_RULE_MAJORITY, TCM_OUTPUT_EXACT, 1, sigma, lp, lq, fm, work);
        double zp = tcm_output_update(TCM_RULE_PARITY, TCM_OUTPUT_EXACT, 1, sigma, lp, lq, fp, work);
        CU_ASSERT_EQUAL(fm[0], fp[0]);
        CU_ASSERT(close_rel(zp, zm, 1e-14, 1e-15)); /* majority's log Z is accurate in absolute terms */
    }
    /* NaN in, NaN out (the sweep's non-finite check must see it) */
    lp[0] = NAN;
    CU_ASSERT(isnan(tcm_output_logz(TCM_RULE_PARITY, TCM_OUTPUT_EXACT, 1, 1, lp, lq, work)));
}

/* K = 1000 units of m = 1/2: prod_{j != k} m_j = 2^-999 ~ 1.9e-301 is
 * reached through logs (each message O(1) after O(K)), f_k = atanh(2^-999). */
static void test_parity_large_k(void)
{
    enum { K = 1000 };
    double *lp = malloc(K * sizeof *lp), *lq = malloc(K * sizeof *lq), *f = malloc(K * sizeof *f);
    double *work = malloc(tcm_output_work_size(K) * sizeof *work);
    CU_ASSERT_FATAL(lp && lq && f && work);
    for (int k = 0; k < K; k++) unit_logs(0.25, k != 7, &lp[k], &lq[k]); /* unit 7 leans to -1 */
    double lz = tcm_output_update(TCM_RULE_PARITY, TCM_OUTPUT_EXACT, K, 1, lp, lq, f, work);
    double t = ldexp(1.0, -999);
    for (int k = 0; k < K; k++) {
        double want = k == 7 ? t : -t; /* sigma * product of the others' signs */
        CU_ASSERT(fabs(f[k] - want) <= 1e-10 * t); /* log-sum rounding: ~K eps |log prod| */
    }
    CU_ASSERT_DOUBLE_EQUAL(lz, -log(2.0), 1e-15); /* log((1 - 2^-1000) / 2) */
    free(lp), free(lq), free(f), free(work);
}

/* The rule names come from one table: round trip, unknown names refused,
 * K allowed by each rule. */
static void test_rule_names(void)
{
    tcm_output_rule r = TCM_RULE_PARITY;
    CU_ASSERT_EQUAL(TCM_RULE_COUNT, 2);
    for (int i = 0; i < TCM_RULE_COUNT; i++) {
        CU_ASSERT_EQUAL(tcm_output_rule_parse(tcm_output_rule_name((tcm_output_rule)i), &r), 0);
        CU_ASSERT_EQUAL((int)r, i);
        CU_ASSERT(strlen(tcm_output_rule_description((tcm_output_rule)i)) > 10);
    }
    CU_ASSERT_STRING_EQUAL(tcm_output_rule_name(TCM_RULE_MAJORITY), "majority");
    CU_ASSERT_STRING_EQUAL(tcm_output_rule_name(TCM_RULE_PARITY), "parity");
    CU_ASSERT_STRING_EQUAL(tcm_output_rule_name((tcm_output_rule)7), "unknown");
    CU_ASSERT_NOT_EQUAL(tcm_output_rule_parse("Parity", &r), 0);
    CU_ASSERT_NOT_EQUAL(tcm_output_rule_parse(NULL, &r), 0);
    CU_ASSERT(tcm_output_rule_allows_K(TCM_RULE_MAJORITY, 3) && !tcm_output_rule_allows_K(TCM_RULE_MAJORITY, 4));
    CU_ASSERT(tcm_output_rule_allows_K(TCM_RULE_PARITY, 4) && tcm_output_rule_allows_K(TCM_RULE_PARITY, 1));
    CU_ASSERT(!tcm_output_rule_allows_K(TCM_RULE_PARITY, 0));
    /* the decision both error counts use */
    CU_ASSERT_EQUAL(tcm_output_decide(TCM_RULE_MAJORITY, 1, -1), 1);
    CU_ASSERT_EQUAL(tcm_output_decide(TCM_RULE_MAJORITY, 0, 0), 0);
    CU_ASSERT_EQUAL(tcm_output_decide(TCM_RULE_PARITY, 1, -1), -1);
    CU_ASSERT_EQUAL(tcm_output_decide(TCM_RULE_PARITY, 2, 0), 0);
}

static const tcm_test_case tests[] = {
    { "exact vs enumeration K=1..7", test_exact_vs_enumeration },
    { "perceptron limit", test_perceptron_limit },
    { "extreme probabilities", test_extreme_probabilities },
    { "CLT vs exact, K=101", test_clt_large_k },
    { "parity vs enumeration K=1..6", test_parity_vs_enumeration },
    { "parity edges", test_parity_edges },
    { "parity K=1000 (no underflow)", test_parity_large_k },
    { "rule names and decision", test_rule_names },
};

TCM_TEST_SUITE("output", tests)
