/* Tests of the local-volume driver (spec 3, 5): the alpha = 0 curve is
 * ln sqrt(d(2-d)) exactly; around a teacher (a solution) the normalised local
 * entropy is <= 0, rises toward 0 as d shrinks, and lies above the curve
 * around a configuration with errors; thread-count independence. */
#include "tcmbp/volume.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcmbp/error.h"
#include "tcmbp/rng.h"
#include "test_util.h"

static tcm_instance *teacher_instance(int N, int K, double alpha, unsigned seed)
{
    tcm_instance *inst = test_teacher_instance(N, K, alpha, seed, TCM_WEIGHTS_CONTINUOUS);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inst);
    return inst;
}

/* alpha = 0: every point equals ln sqrt(d(2-d)) to 1e-8, for a random reference. */
static void test_alpha_zero_curve(void)
{
    tcm_instance *inst = teacher_instance(99, 3, 1.0, 2);
    tcm_graph *g = tcm_graph_alloc_patterns(inst, 0, 0);
    tcm_weights *ref = tcm_weights_alloc(3, 33, TCM_WEIGHTS_CONTINUOUS);
    tcm_rng r;
    tcm_rng_init(&r, 9, 0);
    for (size_t j = 0; j < 99; j++) ref->w[j] = tcm_rng_normal(&r);
    CU_ASSERT_EQUAL(tcm_weights_normalize(ref), TCM_OK);
    double lambdas[12];
    tcm_volume_point pts[12];
    int done;
    CU_ASSERT_EQUAL(tcm_volume_ladder(lambdas, 12, 0.05, 1000.0), TCM_OK);
    tcm_volume_params p = TCM_VOLUME_PARAMS_INIT;
    p.bp.tol = 1e-12;
    CU_ASSERT_EQUAL(tcm_volume_run(g, ref->w, lambdas, 12, &p, pts, &done), TCM_OK);
    CU_ASSERT_EQUAL(done, 12);
    for (int j = 0; j < done; j++) {
        CU_ASSERT_EQUAL(pts[j].status, TCM_BP_CONVERGED);
        CU_ASSERT_DOUBLE_EQUAL(pts[j].entropy, 0.5 * log(pts[j].distance * (2 - pts[j].distance)), 1e-8);
        CU_ASSERT_DOUBLE_EQUAL(pts[j].local_entropy, 0.0, 1e-8);
    }
    CU_ASSERT(pts[0].distance > 0.9 && pts[11].distance < 1e-3); /* the ladder spans the distances */
    tcm_weights_free(ref);
    tcm_graph_free(g);
    tcm_instance_free(inst);
}

/* The curve around a reference; fills d and S - S0 for lambdas[0..count). */
static void curve(const tcm_instance *inst, const double *wref, const double *lambdas, int count,
                  tcm_volume_point *pts, int nthreads)
{
    tcm_graph *g = tcm_graph_alloc(inst, nthreads);
    tcm_volume_params p = TCM_VOLUME_PARAMS_INIT;
    p.bp.max_sweeps = 120; /* points that do not converge by then are recorded as such */
    p.bp.sweep.cavity = TCM_CAVITY_FAST; /* agrees with exact to O(1/N) (test_bp); 4x cheaper */
    int done;
    CU_ASSERT_EQUAL(tcm_volume_run(g, wref, lambdas, count, &p, pts, &done), TCM_OK);
    CU_ASSERT_EQUAL(done, count);
    tcm_graph_free(g);
}

/* Teacher-student K = 3, N = 999, alpha = 1: teacher curve vs a perturbed reference with errors. */
static void test_teacher_curve(void)
{
    enum { L = 6 };
    tcm_instance *inst = teacher_instance(999, 3, 1.0, 5);
    tcm_weights *t = inst->teacher, *bad = tcm_weights_copy(t);
    tcm_rng r;
    tcm_rng_init(&r, 77, 0);
    for (size_t j = 0; j < 999; j++) bad->w[j] += 0.8 * tcm_rng_normal(&r); /* same shape, far from a solution */
    CU_ASSERT_EQUAL(tcm_weights_normalize(bad), TCM_OK);
    tcm_eval ev;
    CU_ASSERT_EQUAL(tcm_weights_eval(bad, inst, &ev, NULL, NULL), TCM_OK);
    CU_ASSERT(ev.errors > 0);
    double lambdas[L] = { 2, 5, 12, 30, 80, 200 };
    tcm_volume_point pt[L], pb[L];
    curve(inst, t->w, lambdas, L, pt, 0);
    curve(inst, bad->w, lambdas, L, pb, 0);
    printf("\n      lambda   d(teacher)  S-S0(teacher)   d(bad)   S-S0(bad)  (bad has %d errors)\n", ev.errors);
    for (int j = 0; j < L; j++)
        printf("      %6.1f  %9.5f  %12.5f  %9.5f  %10.5f  %s/%s\n", lambdas[j], pt[j].distance, pt[j].local_entropy,
               pb[j].distance, pb[j].local_entropy, tcm_bp_status_name(pt[j].status), tcm_bp_status_name(pb[j].status));
    for (int j = 0; j < L; j++) {
        CU_ASSERT_EQUAL(pt[j].status, TCM_BP_CONVERGED);
        CU_ASSERT(pt[j].local_entropy <= 1e-6);
        if (j > 0) {
            CU_ASSERT(pt[j].distance < pt[j - 1].distance);
            CU_ASSERT(pt[j].local_entropy >= pt[j - 1].local_entropy - 1e-6); /* rises toward 0 */
        }
    }
    /* At comparable distance the solution's neighbourhood is far fuller: interpolate the
     * teacher curve at each converged bad point's distance inside the teacher's range. */
    int compared = 0;
    for (int j = 0; j < L; j++) {
        if (pb[j].status != TCM_BP_CONVERGED) continue;
        for (int i = 1; i < L; i++) {
            if (!(pb[j].distance <= pt[i - 1].distance && pb[j].distance >= pt[i].distance)) continue;
            double w = (pb[j].distance - pt[i].distance) / (pt[i - 1].distance - pt[i].distance);
            double st = pt[i].local_entropy + w * (pt[i - 1].local_entropy - pt[i].local_entropy);
            CU_ASSERT(st > pb[j].local_entropy + 0.01);
            compared++;
        }
    }
    CU_ASSERT(compared >= 2);
    tcm_weights_free(bad);
    tcm_instance_free(inst);
}

/* The same curve, bit for bit, for 1 and 2 threads. */
static void test_threads(void)
{
    tcm_instance *inst = teacher_instance(300, 3, 1.0, 6);
    double lambdas[3] = { 1, 10, 100 };
    tcm_volume_point a[3], b[3];
    curve(inst, inst->teacher->w, lambdas, 3, a, 1);
    curve(inst, inst->teacher->w, lambdas, 3, b, 2);
    for (int j = 0; j < 3; j++) {
        CU_ASSERT(memcmp(&a[j].entropy, &b[j].entropy, sizeof(double)) == 0);
        CU_ASSERT(memcmp(&a[j].distance, &b[j].distance, sizeof(double)) == 0);
        CU_ASSERT_EQUAL(a[j].sweeps, b[j].sweeps);
    }
    tcm_instance_free(inst);
}

static void test_ladder(void)
{
    double l[5];
    CU_ASSERT_EQUAL(tcm_volume_ladder(l, 5, 1.0, 16.0), TCM_OK);
    CU_ASSERT_DOUBLE_EQUAL(l[0], 1.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(l[2], 4.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(l[4], 16.0, 1e-12);
    CU_ASSERT_EQUAL(tcm_volume_ladder(l, 5, 0.0, 16.0), TCM_EINVAL);
    CU_ASSERT_EQUAL(tcm_volume_ladder(l, 5, 3.0, 2.0), TCM_EINVAL);
    CU_ASSERT_DOUBLE_EQUAL(tcm_volume_s0(1.0), 0.0, 1e-15);
}

int tcm_test_register(void)
{
    CU_pSuite s = CU_add_suite("volume", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "ladder and S0", test_ladder)) return -1;
    if (!CU_add_test(s, "alpha = 0 curve", test_alpha_zero_curve)) return -1;
    if (!CU_add_test(s, "teacher vs reference with errors", test_teacher_curve)) return -1;
    if (!CU_add_test(s, "thread independence", test_threads)) return -1;
    return 0;
}
