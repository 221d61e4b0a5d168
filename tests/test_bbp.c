/* Tests of binary-weight BP, local volume and focusing BP (EQUATIONS.md 2-5): the
 * alpha = 0 limits, the K = 1 binary perceptron against its replica-symmetric
 * entropy computed here from the saddle point, focusing BP solving small tree
 * and fully-connected instances (checked with tcm_weights_eval), bitwise
 * thread-count independence, and checkpoints. */
#include "tcmbp/bbp.h"
#include "tcmbp/driver.h"

#include "test_util.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcmbp/error.h"
#include "tcmbp/results.h"
#include "tcmbp/special.h"
#include "test_suite.h"

/* ---- replica-symmetric entropy of the binary perceptron ------------------ */

/* E_z g(z), z ~ N(0,1), Simpson's rule on [-12, 12]; g(z, c). */
static double gauss_mean(double (*fn)(double, double), double c)
{
    const int n = 4800; /* even */
    const double L = 12.0, h = 2.0 * L / n;
    double s = 0.0;
    for (int j = 0; j <= n; j++) {
        double t = -L + j * h, w = (j == 0 || j == n) ? 1.0 : (j % 2 ? 4.0 : 2.0);
        s += w * exp(-0.5 * t * t) / TCM_SQRT2PI * fn(t, c);
    }
    return s * h / 3.0;
}

static double f_tanh2(double z, double s) { return tanh(s * z) * tanh(s * z); }
static double f_gh2(double t, double c) { return tcm_GH(c * t) * tcm_GH(c * t); }
static double f_log2cosh(double z, double s) { return log(2.0) + tcm_logcosh(s * z); }
static double f_logH(double t, double c) { return tcm_logH(c * t); }

/* G_E(q) = alpha E_t ln H(sqrt(q/(1-q)) t). */
static double energetic(double alpha, double q) { return alpha * gauss_mean(f_logH, sqrt(q / (1.0 - q))); }

/* Saddle point q = E tanh^2(sqrt(qh) z), qh = -2 dG_E/dq, where
 * -2 dG_E/dq = alpha/(1-q) E_t GH(c t)^2 (Stein's lemma; checked against a
 * finite difference below); entropy = G_S + G_E with
 * G_S = -qh (1-q)/2 + E ln 2cosh(sqrt(qh) z). */
static double rs_binary_entropy(double alpha, double *q_out)
{
    double q = 0.5, qh = 0.0;
    for (int it = 0; it < 2000; it++) {
        qh = alpha / (1.0 - q) * gauss_mean(f_gh2, sqrt(q / (1.0 - q)));
        double qn = gauss_mean(f_tanh2, sqrt(qh));
        if (fabs(qn - q) < 1e-13) {
            q = qn;
            break;
        }
        q = 0.5 * q + 0.5 * qn;
    }
    qh = alpha / (1.0 - q) * gauss_mean(f_gh2, sqrt(q / (1.0 - q)));
    double dq = 1e-5, fd = -2.0 * (energetic(alpha, q + dq) - energetic(alpha, q - dq)) / (2 * dq);
    CU_ASSERT_DOUBLE_EQUAL(fd, qh, 1e-6 * qh); /* the closed form of qh */
    *q_out = q;
    return -0.5 * qh * (1.0 - q) + gauss_mean(f_log2cosh, sqrt(qh)) + energetic(alpha, q);
}

/* ---- helpers --------------------------------------------------------------- */

static tcm_instance *make_instance(int N, int K, double alpha, tcm_arch arch, int teacher, unsigned seed)
{
    tcm_instance_params ip = TCM_INSTANCE_PARAMS_INIT;
    ip.N = N;
    ip.K = K;
    ip.alpha = alpha;
    ip.arch = arch;
    ip.kind = TCM_WEIGHTS_BINARY;
    ip.teacher = teacher;
    ip.seed = seed;
    tcm_instance *inst = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_instance_generate(&inst, &ip), TCM_OK);
    return inst;
}

/* ---- tests ------------------------------------------------------------------- */

/* alpha = 0 (no pattern used): S = ln 2 per weight, converged at once. */
static void test_alpha_zero(void)
{
    tcm_instance *inst = make_instance(99, 3, 1.0, TCM_ARCH_TREE, 0, 3);
    tcm_engine *e = test_engine(inst, TCM_WEIGHTS_BINARY, 0, 0);
    tcm_run_params p = TCM_RUN_PARAMS_INIT;
    tcm_bp_result r;
    CU_ASSERT_EQUAL(tcm_driver_bp(e, &p, &r), TCM_OK);
    CU_ASSERT_EQUAL(r.status, TCM_BP_CONVERGED);
    CU_ASSERT_DOUBLE_EQUAL(r.thermo.entropy, log(2.0), 1e-15);
    CU_ASSERT_EQUAL(r.errors, 0);
    tcm_engine_free(e);
    tcm_instance_free(inst);
}

/* alpha = 0: the volume ladder gives S = -d ln d - (1-d) ln(1-d) at every lambda. */
static void test_alpha_zero_volume(void)
{
    tcm_instance *inst = make_instance(99, 3, 1.0, TCM_ARCH_FULL, 0, 4);
    tcm_engine *e = test_engine(inst, TCM_WEIGHTS_BINARY, 0, 0);
    size_t nw = (size_t)e->K * (size_t)e->n;
    double *wref = malloc(nw * sizeof(double)), lambdas[8];
    for (size_t j = 0; j < nw; j++) wref[j] = (j * 7) % 5 < 2 ? -1.0 : 1.0;
    for (int j = 0; j < 8; j++) lambdas[j] = 0.02 * pow(2.5, j);
    tcm_volume_params p = TCM_VOLUME_PARAMS_INIT;
    tcm_volume_point pts[8];
    tcm_run_position pos = TCM_RUN_POSITION_INIT;
    CU_ASSERT_EQUAL(tcm_driver_volume(e, wref, lambdas, 8, &p, &pos, pts), TCM_OK);
    int done = pos.next_step;
    CU_ASSERT_EQUAL(done, 8);
    for (int j = 0; j < done; j++) {
        CU_ASSERT_EQUAL(pts[j].status, TCM_BP_CONVERGED);
        CU_ASSERT_DOUBLE_EQUAL(pts[j].distance, 0.5 * (1.0 - tanh(lambdas[j])), 1e-13); /* mean of N equal terms */
        CU_ASSERT_DOUBLE_EQUAL(pts[j].local_entropy, 0.0, 1e-13);
    }
    free(wref);
    tcm_engine_free(e);
    tcm_instance_free(inst);
}

/* K = 1, N = 1000: BP entropy of random instances against the RS entropy of
 * the binary perceptron. The tolerance is 4 standard errors of the instance
 * mean (measured here) plus 0.003 for the O(1/N) finite-size bias. */
static void check_perceptron(double alpha, int ninst)
{
    double t0 = omp_get_wtime(), q_rs, s_rs = rs_binary_entropy(alpha, &q_rs), t_rs = omp_get_wtime() - t0;
    double sum = 0.0, sum2 = 0.0, qsum = 0.0;
    int sweeps = 0;
    for (int j = 0; j < ninst; j++) {
        tcm_instance *inst = make_instance(1000, 1, alpha, TCM_ARCH_TREE, 0, 200 + (unsigned)j);
        tcm_engine *e = test_engine(inst, TCM_WEIGHTS_BINARY, -1, 0);
        tcm_run_params p = TCM_RUN_PARAMS_INIT;
        p.tol = 1e-4; /* the entropy is stationary: its error is second order in this (~1e-8) */
        p.max_sweeps = 500;
        tcm_bp_result r;
        CU_ASSERT_EQUAL(tcm_driver_bp(e, &p, &r), TCM_OK);
        CU_ASSERT_EQUAL(r.status, TCM_BP_CONVERGED);
        sum += r.thermo.entropy;
        sum2 += r.thermo.entropy * r.thermo.entropy;
        qsum += r.thermo.q;
        sweeps += r.sweeps;
        tcm_engine_free(e);
        tcm_instance_free(inst);
    }
    double mean = sum / ninst, sd = sqrt(fmax(sum2 / ninst - mean * mean, 0.0) * ninst / (ninst - 1));
    double se = sd / sqrt((double)ninst), tol = 4.0 * se + 0.003;
    printf("\n    K=1 binary alpha=%.2f: BP S = %.5f +- %.5f (sd %.5f, %d instances, q = %.4f, %d sweeps), "
           "RS S = %.5f (q = %.4f), tol %.4f [%.1f s, RS %.1f s] ", alpha, mean, se, sd, ninst, qsum / ninst,
           sweeps / ninst, s_rs, q_rs, tol, omp_get_wtime() - t0, t_rs);
    CU_ASSERT(fabs(mean - s_rs) <= tol);
}

static void test_perceptron_030(void) { check_perceptron(0.3, 4); }
static void test_perceptron_050(void) { check_perceptron(0.5, 4); }

/* Index of the binary engine's focusing-step extra column `name`. */
static int step_extra(const char *name)
{
    const tcm_engine_ops *ops = tcm_engine_ops_of(TCM_WEIGHTS_BINARY);
    for (int x = 0; x < ops->step_extras; x++)
        if (strcmp(ops->step_extra_names[x], name) == 0) return x;
    CU_FAIL_FATAL("no such step extra");
    return -1;
}

/* Focusing BP (standard reinforcement) on instance inst; returns the result
 * (steps: one history row per step, at least 100 rows), and checks the
 * solution with tcm_weights_eval. keep: the engine is kept there. */
static tcm_focus_result focus_solve(const tcm_instance *inst, int nthreads, tcm_schedule sched, int max_sweeps,
                                    double dx, tcm_engine **keep, tcm_focus_step *steps)
{
    tcm_engine *e = test_engine(inst, TCM_WEIGHTS_BINARY, -1, nthreads);
    tcm_bgraph_randomize(tcm_engine_bgraph(e), 0.1, 7);
    tcm_protocol *proto = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_protocol_standard_reinforcement(&proto, dx), TCM_OK);
    CU_ASSERT_FATAL(proto->count <= 100);
    tcm_focus_params p = TCM_FOCUS_PARAMS_INIT;
    p.run.max_sweeps = max_sweeps;
    p.run.tol = 1e-3;
    p.run.modes.schedule = sched;
    p.run.modes.block_size = 128; /* with n = 100: a block is enough work for two threads */
    tcm_run_position pos = TCM_RUN_POSITION_INIT;
    tcm_focus_result r;
    CU_ASSERT_EQUAL(tcm_driver_focus(e, proto, &p, &pos, steps, &r), TCM_OK);
    tcm_weights *w = tcm_engine_weights(e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    tcm_eval ev;
    CU_ASSERT_EQUAL(tcm_weights_eval(w, inst, &ev, NULL, NULL), TCM_OK);
    CU_ASSERT_EQUAL(ev.errors, r.errors);
    tcm_weights_free(w);
    tcm_protocol_free(proto);
    if (keep) *keep = e;
    else tcm_engine_free(e);
    return r;
}

/* Focusing BP solves small instances of both architectures (and the
 * record of the last step is finite). One sweep per reinforcement step for
 * trees; the fully-connected machine converges each step (up to 100 sweeps),
 * which lets BP break the symmetry between its units. */
static void test_focusing_solves(void)
{
    /* seeds: instances per case (the fully-connected one has costlier steps) */
    struct { int N, K; double alpha; tcm_arch arch; int sweeps; unsigned seeds; } cases[] = {
        { 201, 1, 0.5, TCM_ARCH_TREE, 1, 2 }, { 201, 3, 0.5, TCM_ARCH_TREE, 1, 2 }, { 101, 3, 0.3, TCM_ARCH_FULL, 100, 1 } };
    for (int c = 0; c < 3; c++) {
        for (unsigned seed = 1; seed <= cases[c].seeds; seed++) {
            tcm_instance *inst = make_instance(cases[c].N, cases[c].K, cases[c].alpha, cases[c].arch, 0, seed);
            tcm_focus_step steps[100];
            tcm_focus_result r = focus_solve(inst, 0, TCM_SCHEDULE_PARALLEL, cases[c].sweeps, 0.01, NULL, steps);
            printf("\n    %s K=%d N=%d M=%d: %s after %d steps, errors %d ", tcm_arch_name(cases[c].arch),
                   cases[c].K, cases[c].N, inst->M, r.solved ? "solved" : "unsolved", r.steps, r.errors);
            CU_ASSERT(r.solved);
            CU_ASSERT(r.steps > 0 && isfinite(steps[r.steps - 1].extra[step_extra("sigma_int")]) &&
                      steps[r.steps - 1].extra[step_extra("S")] > 0.9);
            tcm_instance_free(inst);
        }
    }
}

/* Bitwise identical messages, fields and records for 1 and 2 threads, both schedules. */
static void test_thread_independence(void)
{
    tcm_instance *inst = make_instance(300, 3, 0.6, TCM_ARCH_TREE, 0, 8); /* 54000 edges: threads are used */
    int extras = tcm_engine_ops_of(TCM_WEIGHTS_BINARY)->step_extras;
    for (int sched = 0; sched < 2; sched++) {
        tcm_engine *e[2];
        tcm_focus_step steps[2][100];
        tcm_focus_result r[2];
        for (int t = 0; t < 2; t++)
            r[t] = focus_solve(inst, t + 1, sched ? TCM_SCHEDULE_BLOCK : TCM_SCHEDULE_PARALLEL, 3, 0.05, &e[t], steps[t]);
        tcm_bgraph *g[2] = { tcm_engine_bgraph(e[0]), tcm_engine_bgraph(e[1]) };
        CU_ASSERT_EQUAL(r[0].steps, r[1].steps);
        CU_ASSERT(memcmp(g[0]->f, g[1]->f, g[0]->ne * sizeof(double)) == 0);
        CU_ASSERT(memcmp(g[0]->field, g[1]->field, g[0]->nw * sizeof(double)) == 0);
        CU_ASSERT(memcmp(g[0]->ustar, g[1]->ustar, g[0]->nw * sizeof(double)) == 0);
        for (int s = 0; s < r[0].steps && s < r[1].steps; s++) /* the record: gamma, y and the extras */
            CU_ASSERT(test_same_double(steps[0][s].coupling, steps[1][s].coupling) &&
                      test_same_double(steps[0][s].y, steps[1][s].y) &&
                      test_same_doubles(steps[0][s].extra, steps[1][s].extra, (size_t)extras));
        tcm_engine_free(e[0]);
        tcm_engine_free(e[1]);
    }
    tcm_instance_free(inst);
}

/* A checkpoint written after a few focusing steps reads back bitwise, and a
 * continuous-weight engine, another instance or a missing group is refused. */
static void test_checkpoint_roundtrip(void)
{
    tcm_instance *inst = make_instance(99, 3, 0.5, TCM_ARCH_TREE, 0, 9);
    tcm_engine *e = NULL;
    tcm_focus_step steps[100];
    focus_solve(inst, 0, TCM_SCHEDULE_PARALLEL, 1, 0.05, &e, steps);
    tcm_bgraph *g = tcm_engine_bgraph(e);
    tcm_bbp_rebuild_marginals(g); /* fields summed afresh, as after a read */
    char path[] = "/tmp/tcmbp-test-bbp-XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    tcm_h5_out *o = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_h5_out_open(&o, path, "checkpoint", 1), TCM_OK);
    CU_ASSERT_EQUAL(tcm_results_write_checkpoint(o, e), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_out_commit(o), TCM_OK);
    tcm_engine *he = test_engine(inst, TCM_WEIGHTS_BINARY, -1, 0);
    tcm_bgraph *h = tcm_engine_bgraph(he);
    tcm_bgraph_enable_focusing(h);
    CU_ASSERT_EQUAL(tcm_results_read_checkpoint(he, path), TCM_OK);
    tcm_bbp_rebuild_marginals(h);
    CU_ASSERT(memcmp(g->f, h->f, g->ne * sizeof(double)) == 0);
    CU_ASSERT(memcmp(g->ustar, h->ustar, g->nw * sizeof(double)) == 0);
    CU_ASSERT(memcmp(g->field, h->field, g->nw * sizeof(double)) == 0);
    tcm_engine *ce = test_engine(inst, TCM_WEIGHTS_CONTINUOUS, -1, 0);
    CU_ASSERT_EQUAL(tcm_results_read_checkpoint(ce, path), TCM_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "binary")); /* names the kind it holds */
    tcm_instance *other = make_instance(99, 3, 0.5, TCM_ARCH_TREE, 0, 10);
    tcm_engine *x = test_engine(other, TCM_WEIGHTS_BINARY, -1, 0);
    CU_ASSERT_EQUAL(tcm_results_read_checkpoint(x, path), TCM_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "another instance"));
    CU_ASSERT_EQUAL(x->ops->checkpoint_read(x, path, "/nothere", 0), TCM_EFORMAT);
    remove(path);
    tcm_engine_free(x);
    tcm_engine_free(ce);
    tcm_instance_free(other);
    tcm_engine_free(he);
    tcm_engine_free(e);
    tcm_instance_free(inst);
}

/* Bad parameters are refused with a message naming them. */
static void test_bad_params(void)
{
    tcm_instance *inst = make_instance(99, 3, 0.5, TCM_ARCH_TREE, 0, 1);
    tcm_engine *e = test_engine(inst, TCM_WEIGHTS_BINARY, -1, 0);
    tcm_run_params p = TCM_RUN_PARAMS_INIT;
    tcm_bp_result r;
    p.modes.damping = 1.0;
    CU_ASSERT_EQUAL(tcm_driver_bp(e, &p, &r), TCM_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "damping"));
    p.modes.damping = 0.5;
    p.tol = 0.0;
    CU_ASSERT_EQUAL(tcm_driver_bp(e, &p, &r), TCM_EINVAL);
    p.tol = 1e-6;
    tcm_protocol_step bad_y = { 0.0, 0.5 }; /* a sweep with focusing y < 1 */
    CU_ASSERT_EQUAL(tcm_driver_iterate(e, &p, &bad_y, NULL, NULL, &r), TCM_EINVAL);
    tcm_protocol bad = { 1, NULL, "list" };
    tcm_protocol_step st = { 1.0, 0.2 };
    bad.steps = &st;
    tcm_focus_params fp = TCM_FOCUS_PARAMS_INIT;
    tcm_run_position pos = TCM_RUN_POSITION_INIT;
    tcm_focus_result fr;
    CU_ASSERT_EQUAL(tcm_driver_focus(e, &bad, &fp, &pos, NULL, &fr), TCM_EINVAL);
    tcm_engine_free(e);
    tcm_instance_free(inst);
}

static const tcm_test_case tests[] = {
    { "alpha = 0 entropy", test_alpha_zero },
    { "alpha = 0 local entropy", test_alpha_zero_volume },
    { "K=1 vs replica, alpha=0.3", test_perceptron_030 },
    { "K=1 vs replica, alpha=0.5", test_perceptron_050 },
    { "focusing BP solves tree and full instances", test_focusing_solves },
    { "thread independence (bitwise)", test_thread_independence },
    { "checkpoint round trip", test_checkpoint_roundtrip },
    { "bad parameters", test_bad_params },
};

TCM_TEST_SUITE("bbp", tests)
