/* Tests of the AMP engine (docs/AMP.md) through the engine interface: the
 * alpha = 0 limits (continuous S = 0, chi = 1; binary S = ln 2; the local
 * volume S(d) = S0(d)), agreement with BP on N = 999 instances (entropy,
 * q, the volume curve around a teacher), the K = 1 perceptron against the
 * replica-symmetric entropy, the bit products against the int8 patterns,
 * thread-count independence (bitwise, with focusing), a checkpoint round
 * trip, and the refusals (block schedule, BP checkpoints). */
#include "tcmbp/amp.h"
#include "tcmbp/driver.h"
#include "tcmbp/results.h"
#include "tcmbp/rng.h"
#include "tcmbp/special.h"

#include "test_util.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>

#include "tcmbp/error.h"
#include "test_rs.h"
#include "test_suite.h"

static tcm_instance *make_instance(int N, int K, double alpha, unsigned seed, tcm_arch arch, tcm_weight_kind kind)
{
    tcm_instance_params ip = TCM_INSTANCE_PARAMS_INIT;
    ip.N = N;
    ip.K = K;
    ip.alpha = alpha;
    ip.seed = seed;
    ip.arch = arch;
    ip.kind = kind;
    tcm_instance *inst = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_instance_generate(&inst, &ip), TCM_OK);
    return inst;
}

static tcm_engine *amp_engine(const tcm_instance *inst, tcm_weight_kind kind, int M, int nthreads)
{
    tcm_engine *e = tcm_engine_alloc_algo(inst, kind, TCM_ENGINE_AMP, M, nthreads);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    return e;
}

/* Plain iteration with the engine's defaults; the result. */
static tcm_bp_result run(tcm_engine *e, double tol, int max_sweeps)
{
    tcm_run_params p = TCM_RUN_PARAMS_INIT;
    p.tol = tol;
    p.max_sweeps = max_sweeps;
    tcm_bp_result r;
    CU_ASSERT_EQUAL(tcm_driver_bp(e, &p, &r), TCM_OK);
    return r;
}

/* alpha = 0: continuous S = 0 and chi = 1, binary S = ln 2 (no pattern used). */
static void test_alpha_zero(void)
{
    tcm_instance *inst = make_instance(99, 3, 1.0, 3, TCM_ARCH_TREE, TCM_WEIGHTS_CONTINUOUS);
    tcm_engine *e = amp_engine(inst, TCM_WEIGHTS_CONTINUOUS, 0, 0);
    tcm_bp_result r = run(e, 1e-10, 100);
    CU_ASSERT_EQUAL(r.status, TCM_BP_CONVERGED);
    CU_ASSERT_DOUBLE_EQUAL(r.thermo.entropy, 0.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(r.thermo.chibar, 1.0, 1e-12);
    tcm_engine_free(e);
    e = amp_engine(inst, TCM_WEIGHTS_BINARY, 0, 0);
    r = run(e, 1e-10, 100);
    CU_ASSERT_DOUBLE_EQUAL(r.thermo.entropy, log(2.0), 1e-15);
    tcm_engine_free(e);
    tcm_instance_free(inst);
}

/* alpha = 0 local volume: S(d) = ln sqrt(d (2 - d)) at every lambda (1e-8). */
static void test_alpha_zero_volume(void)
{
    tcm_instance *inst = make_instance(99, 3, 1.0, 2, TCM_ARCH_TREE, TCM_WEIGHTS_CONTINUOUS);
    tcm_engine *e = amp_engine(inst, TCM_WEIGHTS_CONTINUOUS, 0, 0);
    tcm_weights *ref = tcm_weights_alloc(3, 33, TCM_WEIGHTS_CONTINUOUS);
    tcm_rng r;
    tcm_rng_init(&r, 9, 0);
    for (size_t j = 0; j < 99; j++) ref->w[j] = tcm_rng_normal(&r);
    CU_ASSERT_EQUAL(tcm_weights_normalize(ref), TCM_OK);
    double lambdas[6];
    tcm_volume_point pts[6];
    CU_ASSERT_EQUAL(tcm_volume_ladder(lambdas, 6, 0.05, 1000.0), TCM_OK);
    tcm_volume_params p = TCM_VOLUME_PARAMS_INIT;
    p.run.tol = 1e-12;
    tcm_run_position pos = TCM_RUN_POSITION_INIT;
    CU_ASSERT_EQUAL(tcm_driver_volume(e, ref->w, lambdas, 6, &p, &pos, pts), TCM_OK);
    for (int j = 0; j < 6; j++) {
        CU_ASSERT_EQUAL(pts[j].status, TCM_BP_CONVERGED);
        CU_ASSERT_DOUBLE_EQUAL(pts[j].local_entropy, 0.0, 1e-8);
    }
    CU_ASSERT(pts[0].distance > 0.9 && pts[5].distance < 1e-3);
    tcm_weights_free(ref);
    tcm_engine_free(e);
    tcm_instance_free(inst);
}

/* The bit products equal the int8 ones (tree and fully connected, n not a
 * multiple of 64): the packing and the lanes hold the patterns exactly. */
static void test_bits(void)
{
    for (int arch = 0; arch < 2; arch++) {
        tcm_instance *inst = make_instance(arch ? 131 : 3 * 131, 3, 0.2, 5, (tcm_arch)arch, TCM_WEIGHTS_CONTINUOUS);
        tcm_engine *e = amp_engine(inst, TCM_WEIGHTS_CONTINUOUS, -1, 1);
        tcm_amp *s = tcm_engine_amp(e);
        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        double *w = malloc(s->nw * sizeof(double));
        tcm_rng r;
        tcm_rng_init(&r, 4, 0);
        for (size_t j = 0; j < s->nw; j++) w[j] = tcm_rng_normal(&r);
        double worst = 0.0;
        for (int a = 0; a < s->M; a++)
            for (int k = 0; k < s->K; k++)
                worst = fmax(worst, fabs(tcm_amp_dot(s, a, k, w + (size_t)k * s->n) - test_unit_dot(inst, a, k, w)));
        CU_ASSERT(worst < 1e-12);
        CU_ASSERT_DOUBLE_EQUAL(tcm_amp_bytes_per_edge(s), arch ? 8.0 * 3 / (3.0 * 131) : 8.0 * 3 / 131.0, 1e-15);
        free(w);
        tcm_engine_free(e);
        tcm_instance_free(inst);
    }
}

/* AMP against BP (default modes) on one instance: entropy within tol_s, q within tol_q. */
static void compare_bp(int N, double alpha, unsigned seed, tcm_arch arch, tcm_weight_kind kind, double tol_s,
                       double tol_q)
{
    tcm_instance *inst = make_instance(N, 3, alpha, seed, arch, kind);
    tcm_engine *eb = test_engine(inst, kind, -1, 0), *ea = amp_engine(inst, kind, -1, 0);
    tcm_bp_result rb = run(eb, 1e-6, 1000), ra = run(ea, 1e-6, 1000);
    printf("\n    %s %s N=%d alpha=%.2f: S bp %.6f amp %.6f, q bp %.5f amp %.5f ", tcm_weight_kind_name(kind),
           tcm_arch_name(arch), N, alpha, rb.thermo.entropy, ra.thermo.entropy, rb.thermo.q, ra.thermo.q);
    CU_ASSERT_EQUAL(rb.status, TCM_BP_CONVERGED);
    CU_ASSERT_EQUAL(ra.status, TCM_BP_CONVERGED);
    CU_ASSERT(fabs(ra.thermo.entropy - rb.thermo.entropy) < tol_s);
    CU_ASSERT(fabs(ra.thermo.q - rb.thermo.q) < tol_q);
    tcm_engine_free(eb);
    tcm_engine_free(ea);
    tcm_instance_free(inst);
}

static void test_vs_bp_cont(void)
{
    compare_bp(999, 1.0, 7, TCM_ARCH_TREE, TCM_WEIGHTS_CONTINUOUS, 2e-3, 5e-3);
}

static void test_vs_bp_bin(void) { compare_bp(999, 0.4, 8, TCM_ARCH_TREE, TCM_WEIGHTS_BINARY, 2e-3, 5e-3); }

static void test_vs_bp_full(void) { compare_bp(201, 0.5, 9, TCM_ARCH_FULL, TCM_WEIGHTS_CONTINUOUS, 2e-3, 5e-3); }

/* The local-entropy curve around a solution (the teacher) with both engines. */
static void test_volume_vs_bp(void)
{
    tcm_instance *inst = test_teacher_instance(999, 3, 1.0, 21, TCM_WEIGHTS_CONTINUOUS);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inst);
    double lambdas[3] = { 1.0, 5.0, 25.0 };
    tcm_volume_point pb[3], pa[3];
    tcm_volume_params p = TCM_VOLUME_PARAMS_INIT;
    p.run.modes.cavity = TCM_CAVITY_EP;
    for (int j = 0; j < 2; j++) {
        tcm_engine *e = j ? amp_engine(inst, TCM_WEIGHTS_CONTINUOUS, -1, 0) : test_engine(inst, TCM_WEIGHTS_CONTINUOUS, -1, 0);
        tcm_run_position pos = TCM_RUN_POSITION_INIT;
        CU_ASSERT_EQUAL(tcm_driver_volume(e, inst->teacher->w, lambdas, 3, &p, &pos, j ? pa : pb), TCM_OK);
        tcm_engine_free(e);
    }
    for (int j = 0; j < 3; j++) {
        printf("\n    lambda %g: d bp %.6f amp %.6f, S-S0 bp %.6f amp %.6f ", lambdas[j], pb[j].distance,
               pa[j].distance, pb[j].local_entropy, pa[j].local_entropy);
        CU_ASSERT(pa[j].converged && pb[j].converged);
        CU_ASSERT(fabs(pa[j].distance - pb[j].distance) < 1e-3 * pb[j].distance + 1e-5);
        CU_ASSERT(fabs(pa[j].local_entropy - pb[j].local_entropy) < 2e-3);
    }
    tcm_instance_free(inst);
}

/* K = 1, N = 4000, alpha = 0.5, 2 instances: the AMP entropy against the
 * replica value (-0.37767); BP at N = 1000 is 0.0041 off (EQUATIONS.md 1.4). */
static void test_perceptron_rs(void)
{
    double s_rs = test_rs_entropy(0.5), sum = 0.0;
    for (int j = 0; j < 2; j++) {
        tcm_instance *inst = make_instance(4000, 1, 0.5, 200 + (unsigned)j, TCM_ARCH_TREE, TCM_WEIGHTS_CONTINUOUS);
        tcm_engine *e = amp_engine(inst, TCM_WEIGHTS_CONTINUOUS, -1, 0);
        tcm_bp_result r = run(e, 1e-7, 500);
        CU_ASSERT_EQUAL(r.status, TCM_BP_CONVERGED);
        sum += r.thermo.entropy / 2;
        tcm_engine_free(e);
        tcm_instance_free(inst);
    }
    printf("\n    K=1 alpha=0.5 N=4000: AMP S = %.5f, RS S = %.5f ", sum, s_rs);
    CU_ASSERT(fabs(sum - s_rs) < 2.5e-3);
}

/* The AMP state bit for bit. */
static int same_amp(const tcm_amp *a, const tcm_amp *b)
{
    size_t mk = (size_t)a->M * (size_t)a->K, K = (size_t)a->K;
    return test_same_doubles(a->gout, b->gout, mk) && test_same_doubles(a->dgout, b->dgout, mk) &&
           test_same_doubles(a->A, b->A, K) && test_same_doubles(a->B, b->B, a->nw) &&
           test_same_doubles(a->chi, b->chi, K) && test_same_doubles(a->m, b->m, a->nw) &&
           test_same_doubles(a->ustar, b->ustar, a->nw) && test_same_doubles(a->vstar, b->vstar, a->nw);
}

/* A few plain and focusing sweeps with 1 and 2 threads, from random g_out:
 * the same state bit for bit (the passes are parallel at this size). */
static void test_threads(void)
{
    for (int kind = 0; kind < 2; kind++) {
        tcm_instance *inst = make_instance(999, 3, 0.8, 13, TCM_ARCH_TREE, (tcm_weight_kind)kind);
        tcm_engine *e[2];
        for (int t = 0; t < 2; t++) {
            e[t] = amp_engine(inst, (tcm_weight_kind)kind, -1, t + 1);
            e[t]->ops->randomize(e[t], 0.5, 3);
            tcm_run_params p = TCM_RUN_PARAMS_INIT;
            p.max_sweeps = 5;
            tcm_bp_result r;
            CU_ASSERT_EQUAL(tcm_driver_iterate(e[t], &p, NULL, NULL, NULL, &r), TCM_OK);
            CU_ASSERT_EQUAL(e[t]->ops->enable_focusing(e[t]), TCM_OK);
            tcm_protocol_step st = { kind ? 0.5 : 2.0, 5.0 };
            CU_ASSERT_EQUAL(tcm_driver_iterate(e[t], &p, &st, NULL, NULL, &r), TCM_OK);
        }
        CU_ASSERT(same_amp(tcm_engine_amp(e[0]), tcm_engine_amp(e[1])));
        tcm_engine_free(e[0]);
        tcm_engine_free(e[1]);
        tcm_instance_free(inst);
    }
}

/* Where the resumed ladder stops: at sweep 3 of point 1. */
typedef struct {
    int point;
} ladder_at;

static int stop_mid_point(const tcm_progress *pr, void *user) { return ((ladder_at *)user)->point == 1 && pr->sweep == 3; }

static int count_point(const tcm_volume_point *pt, int index, int count, void *user)
{
    (void)pt, (void)count;
    ((ladder_at *)user)->point = index + 1;
    return 0;
}

/* A volume ladder stopped in the middle of a point, saved, loaded into a
 * fresh engine (another thread count) and continued gives the points and
 * the state of the uninterrupted ladder bit for bit. */
static void test_volume_resume(void)
{
    tcm_instance *inst = test_teacher_instance(297, 3, 0.8, 6, TCM_WEIGHTS_CONTINUOUS);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inst);
    double lambdas[3] = { 0.5, 3.0, 20.0 };
    tcm_volume_point full[3], part[3];
    tcm_volume_params p = TCM_VOLUME_PARAMS_INIT;
    tcm_engine *ef = amp_engine(inst, TCM_WEIGHTS_CONTINUOUS, -1, 1), *er = amp_engine(inst, TCM_WEIGHTS_CONTINUOUS, -1, 2);
    tcm_run_position pf = TCM_RUN_POSITION_INIT, pos = TCM_RUN_POSITION_INIT, pr = TCM_RUN_POSITION_INIT;
    CU_ASSERT_EQUAL(tcm_driver_volume(ef, inst->teacher->w, lambdas, 3, &p, &pf, full), TCM_OK);
    ladder_at at = { 0 };
    tcm_volume_params ps = p;
    ps.run.progress = stop_mid_point;
    ps.run.user = &at;
    ps.on_point = count_point;
    ps.user = &at;
    CU_ASSERT_EQUAL(tcm_driver_volume(er, inst->teacher->w, lambdas, 3, &ps, &pos, part), TCM_OK);
    CU_ASSERT_FATAL(!pos.finished && pos.next_step == 1 && pos.sweeps_in_step == 3);
    char dir[] = "/tmp/tcmbp_ampvol_XXXXXX", path[64];
    test_tmp_path(dir, path, sizeof path, "ladder.h5");
    CU_ASSERT_EQUAL(tcm_volume_checkpoint_save(path, er, &p.run, inst->teacher->w, lambdas, 3, &pos, part), TCM_OK);
    tcm_engine_free(er);
    er = amp_engine(inst, TCM_WEIGHTS_CONTINUOUS, -1, 2);
    CU_ASSERT_EQUAL_FATAL(tcm_volume_checkpoint_load(path, er, &p.run, inst->teacher->w, lambdas, 3, &pr, part), TCM_OK);
    CU_ASSERT_EQUAL(tcm_driver_volume(er, inst->teacher->w, lambdas, 3, &p, &pr, part), TCM_OK);
    CU_ASSERT(pr.finished && pr.total_sweeps == pf.total_sweeps);
    for (int j = 0; j < 3; j++) CU_ASSERT(test_same_point(&full[j], &part[j]));
    CU_ASSERT(same_amp(tcm_engine_amp(ef), tcm_engine_amp(er)));
    test_tmp_remove(dir, path);
    tcm_engine_free(ef);
    tcm_engine_free(er);
    tcm_instance_free(inst);
}

/* A checkpoint written and read back gives the same next sweep, bit for
 * bit; a BP checkpoint is refused, and so is the block schedule. */
static void test_checkpoint_and_refusals(void)
{
    tcm_instance *inst = make_instance(297, 3, 0.5, 17, TCM_ARCH_TREE, TCM_WEIGHTS_CONTINUOUS);
    tcm_engine *a = amp_engine(inst, TCM_WEIGHTS_CONTINUOUS, -1, 1), *b = amp_engine(inst, TCM_WEIGHTS_CONTINUOUS, -1, 1);
    tcm_run_params p = TCM_RUN_PARAMS_INIT;
    p.max_sweeps = 7;
    tcm_bp_result r;
    CU_ASSERT_EQUAL(tcm_driver_iterate(a, &p, NULL, NULL, NULL, &r), TCM_OK);
    char dir[] = "/tmp/tcmbp_amp_XXXXXX", path[64];
    test_tmp_path(dir, path, sizeof path, "ck.h5");
    tcm_h5_out *o = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_h5_out_open(&o, path, "checkpoint", 1), TCM_OK);
    CU_ASSERT_EQUAL(tcm_results_write_checkpoint(o, a), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_out_commit(o), TCM_OK);
    CU_ASSERT_EQUAL(tcm_results_read_checkpoint(b, path), TCM_OK);
    p.max_sweeps = 1;
    CU_ASSERT_EQUAL(tcm_driver_iterate(a, &p, NULL, NULL, NULL, &r), TCM_OK);
    CU_ASSERT_EQUAL(tcm_driver_iterate(b, &p, NULL, NULL, NULL, &r), TCM_OK);
    CU_ASSERT(same_amp(tcm_engine_amp(a), tcm_engine_amp(b)));
    tcm_engine *bp = test_engine(inst, TCM_WEIGHTS_CONTINUOUS, -1, 1);
    CU_ASSERT_EQUAL_FATAL(tcm_h5_out_open(&o, path, "checkpoint", 1), TCM_OK);
    CU_ASSERT_EQUAL(tcm_results_write_checkpoint(o, bp), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_out_commit(o), TCM_OK);
    CU_ASSERT_EQUAL(tcm_results_read_checkpoint(a, path), TCM_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "BP messages"));
    test_tmp_remove(dir, path);
    p.modes.schedule = TCM_SCHEDULE_BLOCK;
    CU_ASSERT_EQUAL(tcm_driver_bp(a, &p, &r), TCM_EINVAL);
    tcm_engine_free(a);
    tcm_engine_free(b);
    tcm_engine_free(bp);
    tcm_instance_free(inst);
}

static const tcm_test_case tests[] = {
    { "alpha = 0 limits", test_alpha_zero },
    { "alpha = 0 local volume", test_alpha_zero_volume },
    { "bit products", test_bits },
    { "vs BP, continuous tree N=999", test_vs_bp_cont },
    { "vs BP, binary tree N=999", test_vs_bp_bin },
    { "vs BP, continuous fully connected", test_vs_bp_full },
    { "volume curve vs BP", test_volume_vs_bp },
    { "K=1 vs replica, N=4000", test_perceptron_rs },
    { "thread independence (bitwise)", test_threads },
    { "checkpoint round trip, refusals", test_checkpoint_and_refusals },
    { "volume ladder resumed mid-point (bitwise)", test_volume_resume },
};

TCM_TEST_SUITE("amp", tests)
