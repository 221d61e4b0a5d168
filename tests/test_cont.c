/* Tests of the continuous factor's fast ratio path against the careful
 * special function (itself checked against mpmath in test_special), on a
 * grid covering both signs of h and z, |h| up to 1 and the fallback region;
 * of the sums built during a sweep against a rebuild; of the error count. */
#include "tcmbp/cont.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcmbp/driver.h"
#include "tcmbp/error.h"
#include "tcmbp/special.h"
#include "tcmbp/weights.h"
#include "test_suite.h"

static void test_ratio_fast_vs_careful(void)
{
    const double fs[] = { -INFINITY, -800, -30, -17.3, -5, -1, -0.2, -1e-9, 1e-9, 0.3, 2, 9, 20, 35, 700, INFINITY };
    double worst = 0.0;
    for (size_t j = 0; j < sizeof fs / sizeof fs[0]; j++) {
        tcm_ratio_ctx c = tcm_ratio_prepare(fs[j]);
        for (double z = -40.0; z <= 40.0; z += 0.0137) {
            double fast = tcm_ratio_eval(&c, z);
            double ref = isinf(fs[j]) ? tcm_cont_ratio(fs[j] > 0 ? 1.0 : -1.0, z) : tcm_cont_ratio_field(fs[j], z);
            double err = fabs(fast - ref) / fmax(fabs(ref), 1e-300);
            if (ref == 0.0) err = fabs(fast);
            worst = fmax(worst, err);
        }
    }
    printf("\n    max relative difference fast vs careful ratio: %.2e ", worst);
    CU_ASSERT(worst < 1e-13);
}

static void test_ratio_zero_field(void)
{
    tcm_ratio_ctx c = tcm_ratio_prepare(0.0);
    CU_ASSERT_EQUAL(tcm_ratio_eval(&c, 1.5), 0.0);
}

/* The continuous engine of a random instance after a few sweeps from
 * random messages (its graph: tcm_engine_graph). */
static tcm_engine *swept_engine(tcm_instance **inst, int N, int K, int M, tcm_arch arch, tcm_cavity_mode cm,
                                int threads)
{
    tcm_instance_params ip = TCM_INSTANCE_PARAMS_INIT;
    ip.N = N, ip.K = K, ip.M = M, ip.arch = arch, ip.seed = 11;
    CU_ASSERT_FATAL(tcm_instance_generate(inst, &ip) == TCM_OK);
    tcm_engine *e = tcm_engine_alloc(*inst, TCM_WEIGHTS_CONTINUOUS, -1, threads);
    CU_ASSERT_FATAL(e != NULL && tcm_engine_graph(e) != NULL);
    tcm_graph_randomize(tcm_engine_graph(e), 1.0, 3);
    tcm_run_params p = TCM_RUN_PARAMS_INIT;
    p.modes.cavity = cm;
    p.max_sweeps = 4;
    tcm_bp_result r;
    CU_ASSERT(tcm_driver_iterate(e, &p, NULL, NULL, NULL, &r) == TCM_OK);
    return e;
}

/* The sums a sweep builds while it updates (chunk sums) equal, bit for bit,
 * the sums rebuilt from the messages: what makes a resumed run identical. */
static void test_fused_sums_match_rebuild(void)
{
    for (int t = 1; t <= 2; t++)
        for (int cm = 0; cm < 2; cm++) {
            tcm_instance *inst;
            tcm_engine *e = swept_engine(&inst, 303, 3, 700, TCM_ARCH_TREE, (tcm_cavity_mode)cm, t);
            tcm_graph *g = tcm_engine_graph(e);
            size_t bytes = g->nw * sizeof(double);
            double *su = malloc(bytes), *sv = malloc(bytes);
            memcpy(su, g->sumU, bytes);
            memcpy(sv, g->sumV, bytes);
            tcm_sweep_rebuild_marginals(g);
            CU_ASSERT(memcmp(su, g->sumU, bytes) == 0);
            CU_ASSERT(memcmp(sv, g->sumV, bytes) == 0);
            free(su);
            free(sv);
            tcm_engine_free(e);
            tcm_instance_free(inst);
        }
}

/* Exact-cavity messages of one pattern by the careful route, in plain scalar
 * code (EQUATIONS.md 1.1, tcm_cont_ratio_field for g):
 * the reference of test_exact_messages_vs_reference. Writes K n values
 * into u, v and the size of v's terms into vscale. */
static int far_edges; /* edges of the references with 8 < |z| <= 36 (the vectorised far ratio) */

static void reference_messages(const tcm_graph *g, int a, double *u, double *v, double *vscale)
{
    int K = g->K, n = g->n;
    double lp[16] = { 0 }, lq[16] = { 0 }, f[16], omega[16], delta[16], work[4096];
    for (int k = 0; k < K; k++) {
        const int8_t *xi = tcm_instance_unit_inputs(g->inst, a, k);
        omega[k] = delta[k] = 0.0;
        for (int i = 0; i < n; i++) {
            size_t ki = (size_t)k * n + i, e = (size_t)a * g->nw + ki;
            double zc = fmax(g->chi[k] + g->zeta0[ki] - g->V[e], TCM_MIN_CAVITY_PRECISION);
            omega[k] += xi[i] * (g->mu[ki] - g->U[e]) / zc;
            delta[k] += 1.0 / zc;
        }
        lp[k] = tcm_logH(-omega[k] / sqrt(delta[k]));
        lq[k] = tcm_logH(omega[k] / sqrt(delta[k]));
    }
    tcm_output_update(g->inst->rule, TCM_OUTPUT_EXACT, K, g->inst->outputs[a], lp, lq, f, work);
    for (int k = 0; k < K; k++) {
        const int8_t *xi = tcm_instance_unit_inputs(g->inst, a, k);
        for (int i = 0; i < n; i++) {
            size_t ki = (size_t)k * n + i, e = (size_t)a * g->nw + ki;
            double zc = fmax(g->chi[k] + g->zeta0[ki] - g->V[e], TCM_MIN_CAVITY_PRECISION);
            double d = fmax(delta[k] - 1.0 / zc, 1e-12 * delta[k]);
            double z = (omega[k] - xi[i] * (g->mu[ki] - g->U[e]) / zc) / sqrt(d);
            double r = tcm_cont_ratio_field(f[k], z);
            far_edges += fabs(z) > 8.0 && fabs(z) <= 36.0;
            u[ki] = xi[i] * r / sqrt(d);
            v[ki] = (z * r + r * r) / d;
            vscale[ki] = (fabs(z * r) + r * r) / d; /* v cancels where z ~ -g */
        }
    }
}

/* The vectorised exact-cavity update (fast ratio, divisions folded, the far
 * ratio for 8 < |z| <= 36, the careful one beyond) against the scalar
 * reference, on small and on large fields; the far range must be reached. */
static void test_exact_messages_vs_reference(void)
{
    const double amplitudes[] = { 0.5, 3.0, 40.0 };
    double worst = 0.0;
    far_edges = 0;
    for (size_t j = 0; j < 3; j++) {
        tcm_instance_params ip = TCM_INSTANCE_PARAMS_INIT;
        ip.N = 99, ip.K = 3, ip.M = 40, ip.seed = 5 + j;
        tcm_instance *inst;
        CU_ASSERT_FATAL(tcm_instance_generate(&inst, &ip) == TCM_OK);
        tcm_graph *g = tcm_graph_alloc(inst, 1);
        tcm_graph_randomize(g, amplitudes[j], 9);
        tcm_sweep_rebuild_marginals(g);
        tcm_sweep_normalize(g);
        double u[99], v[99], vs[99];
        tcm_cont_update_opts o = { TCM_CAVITY_EXACT, TCM_OUTPUT_EXACT, 0.0 };
        for (int a = 0; a < g->M; a++) {
            reference_messages(g, a, u, v, vs);
            tcm_cont_update_pattern(g, a, &o, g->work, NULL);
            for (size_t ki = 0; ki < g->nw; ki++) {
                size_t e = (size_t)a * g->nw + ki;
                worst = fmax(worst, fabs(g->U[e] - u[ki]) / fmax(fabs(u[ki]), 1e-300));
                worst = fmax(worst, fabs(g->V[e] - v[ki]) / fmax(vs[ki], 1e-300));
            }
        }
        tcm_graph_free(g);
        tcm_instance_free(inst);
    }
    printf("\n    max relative difference of U, V from the scalar reference: %.2e (%d far edges) ", worst, far_edges);
    CU_ASSERT(worst < 1e-12);
    CU_ASSERT(far_edges > 100);
}

/* tcm_cont_errors counts what tcm_weights_eval counts for the means. */
static void test_errors_match_eval(void)
{
    for (int arch = 0; arch < 2; arch++) {
        tcm_instance *inst;
        tcm_engine *e = swept_engine(&inst, arch ? 101 : 303, 3, 900, (tcm_arch)arch, TCM_CAVITY_FAST, 2);
        tcm_graph *g = tcm_engine_graph(e);
        tcm_weights *w = tcm_weights_alloc(g->K, g->n, TCM_WEIGHTS_CONTINUOUS);
        tcm_cont_means(g, w->w);
        tcm_eval ev;
        int errors = -1;
        CU_ASSERT(tcm_weights_eval(w, inst, &ev, NULL, NULL) == TCM_OK);
        CU_ASSERT(tcm_cont_errors(g, &errors) == TCM_OK);
        CU_ASSERT(ev.errors > 0);
        CU_ASSERT_EQUAL(errors, ev.errors);
        g->mu[5] = NAN;
        CU_ASSERT(tcm_cont_errors(g, &errors) == TCM_ENUMERIC);
        tcm_weights_free(w);
        tcm_engine_free(e);
        tcm_instance_free(inst);
    }
}

static const tcm_test_case tests[] = {
    { "fast ratio vs careful ratio", test_ratio_fast_vs_careful },
    { "zero field", test_ratio_zero_field },
    { "exact-cavity messages vs scalar reference", test_exact_messages_vs_reference },
    { "sums built in the sweep = rebuilt sums (bitwise)", test_fused_sums_match_rebuild },
    { "error count = tcm_weights_eval", test_errors_match_eval },
};

TCM_TEST_SUITE("cont", tests)
