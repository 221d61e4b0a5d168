/* Tests of the focusing BP solver (spec 4): a small instance is solved and
 * the solution verified by an independent evaluation; an interrupted and
 * resumed run (through a checkpoint file) equals an uninterrupted one bit for
 * bit; 1 and 2 threads give the same result. */
#include "tcmbp/fbp.h"

#include "test_util.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcmbp/error.h"
#include "tcmbp/results.h"

static tcm_instance *make_instance(int N, int K, double alpha, unsigned seed)
{
    tcm_instance_params ip = TCM_INSTANCE_PARAMS_INIT;
    ip.N = N;
    ip.K = K;
    ip.alpha = alpha;
    ip.seed = seed;
    tcm_instance *inst = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_instance_generate(&inst, &ip), TCM_OK);
    return inst;
}

/* Errors of the configuration w on inst, counted here from scratch (no library eval). */
static int count_errors(const tcm_instance *inst, const double *w)
{
    int errors = 0;
    for (int a = 0; a < inst->M; a++) {
        int votes = 0;
        for (int k = 0; k < inst->K; k++) {
            double h = test_unit_dot(inst, a, k, w);
            votes += h > 0 ? 1 : (h < 0 ? -1 : 0);
        }
        errors += !(votes * inst->outputs[a] > 0);
    }
    return errors;
}

/* Run the paper protocol (with a shorter step cap) on a fresh graph. */
static tcm_fbp_result solve(const tcm_instance *inst, int nthreads, tcm_cavity_mode cm, double *means)
{
    tcm_graph *g = tcm_graph_alloc(inst, nthreads);
    CU_ASSERT_EQUAL_FATAL(tcm_graph_enable_focusing(g), TCM_OK);
    tcm_protocol *proto = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_protocol_paper(&proto), TCM_OK);
    tcm_fbp_params p = TCM_FBP_PARAMS_INIT;
    p.bp.sweep.cavity = cm;
    tcm_fbp_position pos = TCM_FBP_POSITION_INIT;
    tcm_fbp_step hist[30];
    tcm_fbp_result r;
    CU_ASSERT_EQUAL(tcm_fbp_run(g, proto, &p, &pos, hist, &r), TCM_OK);
    if (means) tcm_cont_means(g, means);
    tcm_protocol_free(proto);
    tcm_graph_free(g);
    return r;
}

/* K = 3, N = 99, alpha = 1: solved, and the means classify every pattern. */
static void test_solves_small(void)
{
    tcm_instance *inst = make_instance(99, 3, 1.0, 12);
    double w[99];
    for (int cm = 0; cm < 2; cm++) {
        tcm_fbp_result r = solve(inst, 0, cm ? TCM_CAVITY_FAST : TCM_CAVITY_EXACT, w);
        printf("\n    K=3 N=99 alpha=1 (%s): solved=%d errors=%d steps=%d sweeps=%d ", cm ? "fast" : "exact",
               r.solved, r.errors, r.steps, r.total_sweeps);
        CU_ASSERT(r.solved);
        CU_ASSERT_EQUAL(count_errors(inst, w), 0);
    }
    tcm_instance_free(inst);
}

/* Stop after a given number of sweeps in total (an interruption). */
typedef struct {
    int limit, seen;
} stopper;

static int stop_after(const tcm_bp_progress *pr, int step, int errors, void *user)
{
    (void)pr;
    (void)step;
    (void)errors;
    stopper *s = user;
    return ++s->seen >= s->limit;
}

/* Interrupt mid-step, save to a checkpoint file, resume in a fresh graph: same means, bit for bit. */
static void test_resume_equals_uninterrupted(void)
{
    tcm_instance *inst = make_instance(201, 3, 1.6, 3);
    double full[201], resumed[201];
    tcm_fbp_result rf = solve(inst, 0, TCM_CAVITY_FAST, full);
    char dir[] = "/tmp/tcmbp_fbp_XXXXXX", path[64];
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/ck.h5", dir);
    tcm_protocol *proto = NULL;
    tcm_protocol_paper(&proto);
    tcm_fbp_step hist[30];
    tcm_fbp_result r;
    int cut = rf.total_sweeps / 2 + 7; /* inside some step, not at a boundary */
    {
        tcm_graph *g = tcm_graph_alloc(inst, 2);
        tcm_graph_enable_focusing(g);
        tcm_fbp_params p = TCM_FBP_PARAMS_INIT;
        p.bp.sweep.cavity = TCM_CAVITY_FAST;
        stopper s = { cut, 0 };
        p.on_sweep = stop_after;
        p.user = &s;
        tcm_fbp_position pos = TCM_FBP_POSITION_INIT;
        CU_ASSERT_EQUAL(tcm_fbp_run(g, proto, &p, &pos, hist, &r), TCM_OK);
        CU_ASSERT(r.interrupted);
        CU_ASSERT_EQUAL(tcm_fbp_checkpoint_save(path, g, proto, &pos, hist), TCM_OK);
        tcm_graph_free(g);
    }
    tcm_graph *g = tcm_graph_alloc(inst, 1);
    tcm_graph_enable_focusing(g);
    tcm_fbp_params p = TCM_FBP_PARAMS_INIT;
    p.bp.sweep.cavity = TCM_CAVITY_FAST;
    tcm_fbp_position pos;
    CU_ASSERT_EQUAL_FATAL(tcm_fbp_checkpoint_load(path, g, proto, &pos, hist), TCM_OK);
    CU_ASSERT_EQUAL(tcm_fbp_run(g, proto, &p, &pos, hist, &r), TCM_OK);
    tcm_cont_means(g, resumed);
    printf("\n    interrupted after %d of %d sweeps; resumed: solved=%d sweeps=%d ", cut, rf.total_sweeps, r.solved,
           r.total_sweeps);
    CU_ASSERT_EQUAL(r.total_sweeps, rf.total_sweeps);
    CU_ASSERT_EQUAL(r.solved, rf.solved);
    CU_ASSERT(memcmp(full, resumed, sizeof full) == 0);
    /* a checkpoint of another protocol is refused */
    tcm_protocol *other = NULL;
    tcm_protocol_ladder(&other, 0.5, 30, 29, 10);
    CU_ASSERT_EQUAL(tcm_fbp_checkpoint_load(path, g, other, &pos, hist), TCM_EFORMAT);
    tcm_protocol_free(other);
    tcm_graph_free(g);
    tcm_protocol_free(proto);
    unlink(path);
    rmdir(dir);
    tcm_instance_free(inst);
}

/* Same outcome, bit for bit, for 1 and 2 threads (an instance large enough to run in parallel). */
static void test_threads(void)
{
    tcm_instance *inst = make_instance(501, 3, 1.0, 5);
    double a[501], b[501];
    tcm_fbp_result ra = solve(inst, 1, TCM_CAVITY_FAST, a), rb = solve(inst, 2, TCM_CAVITY_FAST, b);
    CU_ASSERT_EQUAL(ra.total_sweeps, rb.total_sweeps);
    CU_ASSERT(memcmp(a, b, sizeof a) == 0);
    tcm_instance_free(inst);
}

int tcm_test_register(void)
{
    CU_pSuite s = CU_add_suite("fbp", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "solves K=3 N=99 alpha=1", test_solves_small)) return -1;
    if (!CU_add_test(s, "resume equals uninterrupted", test_resume_equals_uninterrupted)) return -1;
    if (!CU_add_test(s, "1 vs 2 threads", test_threads)) return -1;
    return 0;
}
