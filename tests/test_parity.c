/* Tests of the parity machine across the library: evaluation under the rule
 * against a hand count, BP's entropy at alpha -> 0 against the symmetry limit
 * (continuous and binary weights, both rules), and the trainers' refusal. */
#include "tcmbp/driver.h"
#include "tcmbp/engine.h"
#include "tcmbp/error.h"
#include "tcmbp/instance.h"
#include "tcmbp/train.h"
#include "tcmbp/weights.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "test_suite.h"

/* An instance from params, asserting success. */
static tcm_instance *gen(int N, int K, int M, tcm_output_rule rule, tcm_weight_kind kind, tcm_arch arch)
{
    tcm_instance_params p = TCM_INSTANCE_PARAMS_INIT;
    p.N = N, p.K = K, p.M = M, p.rule = rule, p.kind = kind, p.arch = arch, p.seed = 3;
    tcm_instance *inst = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_instance_generate(&inst, &p), TCM_OK);
    return inst;
}

/* BP entropy on the first M patterns (zero start) with the engine of the
 * weight kind, asserting convergence. */
static double bp_entropy(const tcm_instance *inst, int M, tcm_weight_kind kind)
{
    tcm_engine *e = tcm_engine_alloc(inst, kind, M, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    tcm_run_params p = TCM_RUN_PARAMS_INIT;
    tcm_bp_result r;
    CU_ASSERT_EQUAL(tcm_driver_bp(e, &p, &r), TCM_OK);
    CU_ASSERT_EQUAL(r.status, TCM_BP_CONVERGED);
    tcm_engine_free(e);
    return r.thermo.entropy;
}

/* Bound on |N S + M ln 2| from the pairs of patterns: sum_{a<b} max_k
 * |rho_ab,k|, rho_ab,k = xi_ak . xi_bk / n the overlap seen by unit k. Two
 * half-spaces whose normals overlap by rho share the fraction
 * (1/4)(1 + (2/pi) arcsin rho) of the sphere, so each pair moves ln V by
 * about (2/pi) rho, and a unit's output correlation is at most its field's. */
static double pair_bound(const tcm_instance *inst, int M)
{
    double sum = 0.0;
    for (int a = 0; a < M; a++)
        for (int b = a + 1; b < M; b++) {
            double worst = 0.0;
            for (int k = 0; k < inst->K; k++) {
                const int8_t *x = tcm_instance_unit_inputs(inst, a, k), *y = tcm_instance_unit_inputs(inst, b, k);
                long dot = 0;
                for (int i = 0; i < inst->n; i++) dot += x[i] * y[i];
                worst = fmax(worst, fabs((double)dot) / inst->n);
            }
            sum += worst;
        }
    return sum;
}

/* Every pattern is satisfied by exactly half of the weight space (w -> -w
 * flips the output of both rules for K odd; for parity with K even, flipping
 * one unit does), so ln V = -M ln 2 + (pair corrections) and
 * S / alpha -> ln(1/2) as alpha -> 0. Checked on the prefixes M = 1..5 of an
 * instance through the BP drivers, S per weight measured from the M = 0 value
 * (0 for continuous, ln 2 binary), W = K n weights:
 * - M = 1: the graph is a tree and the statement exact: W dS = -ln 2 (1e-9);
 * - parity, any M: zero messages are a fixed point (each message is a
 *   product of the other units' magnetisations, all 0), and each pattern
 *   adds log Z_a = log(1/2): W dS = -M ln 2 (1e-9);
 * - majority, M >= 2: |W dS + M ln 2| <= pair_bound (~ M^2 / sqrt(n)). */
static void check_entropy_small_alpha(int N, int K, tcm_arch arch, tcm_output_rule rule, tcm_weight_kind kind)
{
    tcm_instance *inst = gen(N, K, 5, rule, kind, arch);
    double W = (double)K * inst->n;
    double S0 = bp_entropy(inst, 0, kind);
    CU_ASSERT_DOUBLE_EQUAL(S0, kind == TCM_WEIGHTS_BINARY ? log(2.0) : 0.0, 1e-12);
    for (int M = 1; M <= 5; M++) {
        double dS = bp_entropy(inst, M, kind) - S0;
        double dev = fabs(W * dS + M * log(2.0));
        int exact = M == 1 || rule == TCM_RULE_PARITY;
        double tol = exact ? 1e-9 : pair_bound(inst, M);
        CU_ASSERT(dev <= tol);
        if (!(dev <= tol))
            fprintf(stderr, "%s %s K=%d kind %d M %d: |W dS + M ln 2| = %.3e > %.3e\n", tcm_output_rule_name(rule),
                    tcm_arch_name(arch), K, (int)kind, M, dev, tol);
        if (!exact) CU_ASSERT(dev > 1e-6); /* the majority bound is not vacuous: pairs do count */
    }
    tcm_instance_free(inst);
}

static void test_entropy_small_alpha(void)
{
    for (int kind = 0; kind < 2; kind++) {
        for (int rule = 0; rule < TCM_RULE_COUNT; rule++) {
            check_entropy_small_alpha(999, 3, TCM_ARCH_TREE, (tcm_output_rule)rule, (tcm_weight_kind)kind);
            check_entropy_small_alpha(201, 3, TCM_ARCH_FULL, (tcm_output_rule)rule, (tcm_weight_kind)kind);
        }
        check_entropy_small_alpha(998, 2, TCM_ARCH_TREE, TCM_RULE_PARITY, (tcm_weight_kind)kind); /* n = 499 */
        check_entropy_small_alpha(201, 4, TCM_ARCH_FULL, TCM_RULE_PARITY, (tcm_weight_kind)kind);
    }
}

/* A hand-made K = 2 parity instance (tree, n = 3), weights w0 = (1,1,1),
 * w1 = (1,1,-1): fields, outputs, errors and stabilities counted by hand. */
static void test_eval_hand_count(void)
{
    static const int8_t x[4][6] = { { 1, 1, 1, 1, 1, 1 },     /* h = 3, 1 (/sqrt 3): + , sigma + : right */
                                    { 1, 1, -1, -1, -1, 1 },  /* h = 1, -3: - , sigma - : right */
                                    { -1, 1, -1, 1, 1, 1 },   /* h = -1, 1: - , sigma + : wrong */
                                    { -1, -1, -1, -1, -1, -1 } }; /* h = -3, -1: + , sigma - : wrong */
    static const int8_t sigma[4] = { 1, -1, 1, -1 };
    tcm_instance *inst = tcm_instance_alloc(6, 2, 4, TCM_ARCH_TREE);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inst);
    inst->rule = TCM_RULE_PARITY;
    memcpy(inst->patterns, x, sizeof x);
    memcpy(inst->outputs, sigma, sizeof sigma);
    CU_ASSERT_EQUAL(tcm_instance_validate(inst), TCM_OK);
    tcm_weights *w = tcm_weights_alloc(2, 3, TCM_WEIGHTS_CONTINUOUS);
    const double wv[6] = { 1, 1, 1, 1, 1, -1 };
    memcpy(w->w, wv, sizeof wv);
    tcm_eval ev;
    int8_t out[4];
    double fields[8];
    CU_ASSERT_EQUAL_FATAL(tcm_weights_eval(w, inst, &ev, out, fields), TCM_OK);
    const int8_t want_out[4] = { 1, -1, -1, 1 };
    CU_ASSERT_EQUAL(memcmp(out, want_out, 4), 0);
    CU_ASSERT_EQUAL(ev.errors, 2);
    CU_ASSERT_DOUBLE_EQUAL(ev.error_rate, 0.5, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(fields[7], -1.0 / sqrt(3.0), 1e-15);
    /* stabilities c_a |h_ka|: +3 +1 | +1 +3 | -1 -1 | -3 -1, over sqrt 3 */
    CU_ASSERT_DOUBLE_EQUAL(ev.min_stability, -3.0 / sqrt(3.0), 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(ev.mean_stability, (8.0 - 6.0) / 8.0 / sqrt(3.0), 1e-15);
    /* a zero field makes the output 0 (an error) and its pattern's stabilities 0 */
    w->w[0] = sqrt(1.5), w->w[1] = -sqrt(1.5), w->w[2] = 0.0; /* h0 = 0 on pattern 0 */
    CU_ASSERT_EQUAL_FATAL(tcm_weights_eval(w, inst, &ev, out, NULL), TCM_OK);
    CU_ASSERT_EQUAL(out[0], 0);
    CU_ASSERT(ev.errors >= 1);
    /* with the machine's own outputs as sigma it is a solution; min stability = smallest |h| */
    memcpy(w->w, wv, sizeof wv);
    memcpy(inst->outputs, want_out, sizeof want_out);
    CU_ASSERT_EQUAL_FATAL(tcm_weights_eval(w, inst, &ev, NULL, NULL), TCM_OK);
    CU_ASSERT_EQUAL(ev.errors, 0);
    CU_ASSERT_DOUBLE_EQUAL(ev.min_stability, 1.0 / sqrt(3.0), 1e-15); /* smallest |h| */
    for (int k = 0; k < 3; k++) w->w[3 + k] = -w->w[3 + k], w->w[k] = -w->w[k];
    CU_ASSERT_EQUAL_FATAL(tcm_weights_eval(w, inst, &ev, NULL, NULL), TCM_OK);
    CU_ASSERT_EQUAL(ev.errors, 0); /* the gauge symmetry of an even number of unit flips */
    tcm_weights_free(w);
    tcm_instance_free(inst);
}

/* The reference trainers are majority-vote algorithms: each refuses parity. */
static void test_train_refuses_parity(void)
{
    tcm_instance *inst = gen(99, 3, 20, TCM_RULE_PARITY, TCM_WEIGHTS_CONTINUOUS, TCM_ARCH_TREE);
    tcm_train_algo algos[3] = { TCM_TRAIN_LAL, TCM_TRAIN_ELAL, TCM_TRAIN_CESGD_FAST };
    for (int i = 0; i < 3; i++) {
        tcm_train_params p;
        CU_ASSERT_EQUAL_FATAL(tcm_train_params_default(&p, algos[i]), TCM_OK);
        tcm_weights *w = NULL;
        tcm_train_result r;
        CU_ASSERT_EQUAL(tcm_train_run(&w, inst, &p, &r), TCM_EINVAL);
        CU_ASSERT_PTR_NULL(w);
        CU_ASSERT(strstr(tcm_last_error(), "majority-vote trainer") != NULL);
        CU_ASSERT(strstr(tcm_last_error(), "parity") != NULL);
    }
    tcm_instance_free(inst);
}

static const tcm_test_case tests[] = {
    { "entropy at alpha -> 0", test_entropy_small_alpha },
    { "eval against a hand count", test_eval_hand_count },
    { "trainers refuse parity", test_train_refuses_parity },
};

TCM_TEST_SUITE("parity", tests)
