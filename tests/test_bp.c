/* Tests of continuous-weight BP (EQUATIONS.md 1, 5) through the engine interface:
 * the alpha = 0 limit, the K = 1 perceptron against the replica-symmetric
 * entropy computed here by quadrature, exact-cavity vs fast modes,
 * thread-count independence (bitwise, both schedules on graphs large enough
 * to run in parallel), and finiteness near the convergence limit. */
#include "tcmbp/driver.h"

#include "test_util.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcmbp/error.h"
#include "tcmbp/special.h"
#include "test_rs.h"
#include "test_suite.h"

/* ---- helpers ---- */

static tcm_instance *make_instance(int N, int K, double alpha, unsigned seed)
{
    tcm_instance_params ip = TCM_INSTANCE_PARAMS_INIT;
    ip.N = N;
    ip.K = K;
    ip.alpha = alpha;
    ip.seed = seed;
    tcm_instance *inst = NULL;
    int st = tcm_instance_generate(&inst, &ip);
    CU_ASSERT_EQUAL_FATAL(st, TCM_OK);
    return inst;
}

/* Run BP with the given cavity mode; returns the result (engine freed). */
static tcm_bp_result run_bp(const tcm_instance *inst, tcm_cavity_mode cm, double tol)
{
    tcm_engine *e = test_engine(inst, TCM_WEIGHTS_CONTINUOUS, -1, 0);
    tcm_run_params p = TCM_RUN_PARAMS_INIT;
    p.modes.cavity = cm;
    p.tol = tol;
    p.max_sweeps = 500;
    tcm_bp_result r;
    CU_ASSERT_EQUAL(tcm_driver_bp(e, &p, &r), TCM_OK);
    tcm_engine_free(e);
    return r;
}

/* ---- tests ---- */

/* alpha = 0 (no pattern used): chi_k = 1 and S = 0 to 1e-10 (EQUATIONS.md 5). */
static void test_alpha_zero(void)
{
    tcm_instance *inst = make_instance(99, 3, 1.0, 3);
    tcm_engine *e = test_engine(inst, TCM_WEIGHTS_CONTINUOUS, 0, 0);
    tcm_graph *g = tcm_engine_graph(e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    tcm_run_params p = TCM_RUN_PARAMS_INIT;
    tcm_bp_result r;
    CU_ASSERT_EQUAL(tcm_driver_bp(e, &p, &r), TCM_OK);
    CU_ASSERT_EQUAL(r.status, TCM_BP_CONVERGED);
    for (int k = 0; k < g->K; k++) CU_ASSERT_DOUBLE_EQUAL(g->chi[k], 1.0, 1e-10);
    CU_ASSERT_DOUBLE_EQUAL(r.thermo.entropy, 0.0, 1e-10);
    CU_ASSERT_DOUBLE_EQUAL(r.thermo.q, 0.0, 1e-15);
    tcm_engine_free(e);
    tcm_instance_free(inst);
}

/* K = 1, N = 1000: BP entropy against the replica-symmetric value, averaged
 * over instances. The tolerance is 4 standard errors of the instance mean
 * (measured here) plus 0.003 for the O(1/N) finite-size bias. */
static void check_perceptron(double alpha, int ninst)
{
    double s_rs = test_rs_entropy(alpha), sum = 0.0, sum2 = 0.0;
    for (int j = 0; j < ninst; j++) {
        tcm_instance *inst = make_instance(1000, 1, alpha, 100 + (unsigned)j);
        tcm_bp_result r = run_bp(inst, TCM_CAVITY_FAST, 1e-7);
        CU_ASSERT_EQUAL(r.status, TCM_BP_CONVERGED);
        sum += r.thermo.entropy;
        sum2 += r.thermo.entropy * r.thermo.entropy;
        tcm_instance_free(inst);
    }
    double mean = sum / ninst, sd = sqrt(fmax(sum2 / ninst - mean * mean, 0.0) * ninst / (ninst - 1));
    double se = sd / sqrt((double)ninst), tol = 4.0 * se + 0.003;
    printf("\n    K=1 alpha=%.2f: BP S = %.5f +- %.5f (%d instances), RS S = %.5f, tol %.4f ", alpha, mean, se,
           ninst, s_rs, tol);
    CU_ASSERT(fabs(mean - s_rs) <= tol);
}

static void test_perceptron_025(void) { check_perceptron(0.25, 4); }
static void test_perceptron_050(void) { check_perceptron(0.5, 4); }
static void test_perceptron_100(void) { check_perceptron(1.0, 4); }

/* The replica functional itself: S_RS -> -alpha ln 2 ... checked at small alpha
 * against its expansion S = -alpha ln2 - (alpha c)^2 + O(alpha^3), c = 1/pi. */
static void test_replica_small_alpha(void)
{
    double alpha = 1e-3, s = test_rs_entropy(alpha);
    double c2 = 1.0 / 3.14159265358979323846; /* -E ln H(eps t) = ln 2 + eps^2/pi + ..., G = q^2/4 - alpha q/pi */
    double expect = -alpha * log(2.0) - alpha * alpha * c2 * c2;
    CU_ASSERT_DOUBLE_EQUAL(s, expect, 1e-8);
}

/* Exact-cavity and fast modes agree to O(1/N) on a large K = 3 instance. */
static void test_exact_vs_fast(void)
{
    tcm_instance *inst = make_instance(1500, 3, 0.5, 21);
    tcm_bp_result re = run_bp(inst, TCM_CAVITY_EXACT, 1e-7);
    tcm_bp_result rf = run_bp(inst, TCM_CAVITY_FAST, 1e-7);
    printf("\n    N=1500 K=3 alpha=0.5: exact S=%.6f (%s, %d sweeps), fast S=%.6f (%s, %d sweeps) ", re.thermo.entropy,
           tcm_bp_status_name(re.status), re.sweeps, rf.thermo.entropy, tcm_bp_status_name(rf.status), rf.sweeps);
    CU_ASSERT_EQUAL(re.status, TCM_BP_CONVERGED);
    CU_ASSERT_EQUAL(rf.status, TCM_BP_CONVERGED);
    CU_ASSERT_DOUBLE_EQUAL(re.thermo.entropy, rf.thermo.entropy, 3.0 / 1500);
    CU_ASSERT_DOUBLE_EQUAL(re.thermo.q, rf.thermo.q, 3.0 / 1500);
    tcm_instance_free(inst);
}

/* Bitwise identical messages and results for 1 and 2 threads, both
 * schedules, on graphs whose passes run on both threads: the parallel
 * schedule's sweep covers M K n = 90000 edges, the block schedule updates
 * blocks of 120 patterns x 600 weights = 72000 edges (5 blocks, marginals
 * refreshed between them), both above TCM_PARALLEL_MIN_EDGES. */
static void test_thread_independence(void)
{
    const struct {
        int N, block_size;
    } cases[2] = { { 300, 37 }, { 600, 120 } };
    for (int sched = 0; sched < 2; sched++) {
        tcm_instance *inst = make_instance(cases[sched].N, 3, 1.0, 8);
        tcm_engine *e[2];
        tcm_graph *g[2];
        tcm_bp_result r[2];
        for (int t = 0; t < 2; t++) {
            e[t] = test_engine(inst, TCM_WEIGHTS_CONTINUOUS, -1, t + 1);
            g[t] = tcm_engine_graph(e[t]);
            tcm_run_params p = TCM_RUN_PARAMS_INIT;
            p.modes.schedule = sched ? TCM_SCHEDULE_BLOCK : TCM_SCHEDULE_PARALLEL;
            p.modes.block_size = cases[sched].block_size;
            p.max_sweeps = 40;
            CU_ASSERT_EQUAL(tcm_driver_bp(e[t], &p, &r[t]), TCM_OK);
        }
        /* the passes the schedule runs are wide enough for the second thread */
        size_t pass = sched ? (size_t)cases[sched].block_size * g[1]->nw : g[1]->ne;
        CU_ASSERT_EQUAL(tcm_graph_threads_for(g[1], pass), 2);
        CU_ASSERT(!sched || g[1]->M % cases[sched].block_size == 0); /* no narrow last block */
        CU_ASSERT(memcmp(g[0]->U, g[1]->U, g[0]->ne * sizeof(double)) == 0);
        CU_ASSERT(memcmp(g[0]->V, g[1]->V, g[0]->ne * sizeof(double)) == 0);
        CU_ASSERT(memcmp(g[0]->chi, g[1]->chi, (size_t)g[0]->K * sizeof(double)) == 0);
        CU_ASSERT(memcmp(&r[0].thermo.entropy, &r[1].thermo.entropy, sizeof(double)) == 0);
        CU_ASSERT_EQUAL(r[0].sweeps, r[1].sweeps);
        tcm_engine_free(e[0]);
        tcm_engine_free(e[1]);
        tcm_instance_free(inst);
    }
}

/* Near and beyond the convergence limit the fields grow large: no NaN anywhere. */
static void test_no_nan_at_large_alpha(void)
{
    tcm_instance *inst = make_instance(300, 3, 2.5, 4);
    tcm_engine *e = test_engine(inst, TCM_WEIGHTS_CONTINUOUS, -1, 0);
    tcm_graph *g = tcm_engine_graph(e);
    tcm_run_params p = TCM_RUN_PARAMS_INIT;
    p.max_sweeps = 150;
    p.modes.damping = 0.0;
    tcm_bp_result r;
    CU_ASSERT_EQUAL(tcm_driver_bp(e, &p, &r), TCM_OK);
    CU_ASSERT(isfinite(r.thermo.entropy) && isfinite(r.thermo.q) && isfinite(r.thermo.phi) &&
              isfinite(r.thermo.chibar));
    size_t bad = 0;
    for (size_t j = 0; j < g->ne; j++) bad += !isfinite(g->U[j]) || !isfinite(g->V[j]);
    for (size_t w = 0; w < g->nw; w++) bad += !isfinite(g->mu[w]) || !isfinite(g->zeta0[w]);
    CU_ASSERT_EQUAL(bad, 0);
    tcm_engine_free(e);
    tcm_instance_free(inst);
}

static void test_bad_params(void)
{
    tcm_instance *inst = make_instance(99, 3, 0.5, 1);
    tcm_engine *e = test_engine(inst, TCM_WEIGHTS_CONTINUOUS, -1, 0);
    tcm_run_params p = TCM_RUN_PARAMS_INIT;
    tcm_bp_result r;
    p.modes.damping = 1.0;
    CU_ASSERT_EQUAL(tcm_driver_bp(e, &p, &r), TCM_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "damping"));
    p.modes.damping = 0.5;
    p.tol = 0.0;
    CU_ASSERT_EQUAL(tcm_driver_bp(e, &p, &r), TCM_EINVAL);
    CU_ASSERT_PTR_NULL(tcm_engine_alloc(inst, TCM_WEIGHTS_CONTINUOUS, inst->M + 1, 0));
    CU_ASSERT_PTR_NULL(tcm_graph_alloc_patterns(inst, inst->M + 1, 0));
    tcm_engine_free(e);
    tcm_instance_free(inst);
}

static const tcm_test_case tests[] = {
    { "alpha = 0 limit", test_alpha_zero },
    { "replica functional, small alpha", test_replica_small_alpha },
    { "K=1 vs replica, alpha=0.25", test_perceptron_025 },
    { "K=1 vs replica, alpha=0.5", test_perceptron_050 },
    { "K=1 vs replica, alpha=1.0", test_perceptron_100 },
    { "exact cavity vs fast", test_exact_vs_fast },
    { "thread independence (bitwise)", test_thread_independence },
    { "no NaN at large alpha", test_no_nan_at_large_alpha },
    { "bad parameters", test_bad_params },
};

TCM_TEST_SUITE("bp", tests)
