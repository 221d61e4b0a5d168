/* Tests of the focusing BP solver (EQUATIONS.md 4.1) through the engine interface: a
 * small instance is solved and the solution verified by an independent
 * evaluation; a run of either weight kind interrupted mid-step, saved to a
 * checkpoint file and continued in a fresh engine (also with another thread
 * count) equals an uninterrupted one bit for bit; 1 and 2 threads give the
 * same result; the damped focusing field (focus_damping) mixes old and new
 * as stated, keeps focusing convergent on biased, correlated inputs and
 * resumes exactly. */
#include "tcmbp/driver.h"

#include "test_util.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcmbp/error.h"
#include "tcmbp/results.h"
#include "test_suite.h"

static tcm_instance *make_instance(int N, int K, double alpha, tcm_weight_kind kind, unsigned seed)
{
    tcm_instance_params ip = TCM_INSTANCE_PARAMS_INIT;
    ip.N = N;
    ip.K = K;
    ip.alpha = alpha;
    ip.kind = kind;
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

/* Run the paper protocol on a fresh continuous engine; the marginal means into means. */
static tcm_focus_result solve(const tcm_instance *inst, int nthreads, tcm_cavity_mode cm, double *means)
{
    tcm_engine *e = test_engine(inst, TCM_WEIGHTS_CONTINUOUS, -1, nthreads);
    tcm_protocol *proto = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_protocol_paper(&proto), TCM_OK);
    CU_ASSERT_FATAL(proto->count <= 30);
    tcm_focus_params p = TCM_FOCUS_PARAMS_INIT;
    p.run.modes.cavity = cm;
    tcm_run_position pos = TCM_RUN_POSITION_INIT;
    tcm_focus_step hist[30];
    tcm_focus_result r;
    CU_ASSERT_EQUAL(tcm_driver_focus(e, proto, &p, &pos, hist, &r), TCM_OK);
    if (means) tcm_cont_means(tcm_engine_graph(e), means);
    tcm_protocol_free(proto);
    tcm_engine_free(e);
    return r;
}

/* K = 3, N = 99, alpha = 1: solved, and the means classify every pattern. */
static void test_solves_small(void)
{
    tcm_instance *inst = make_instance(99, 3, 1.0, TCM_WEIGHTS_CONTINUOUS, 12);
    double w[99];
    for (int cm = 0; cm < 2; cm++) {
        tcm_focus_result r = solve(inst, 0, cm ? TCM_CAVITY_FAST : TCM_CAVITY_EXACT, w);
        printf("\n    K=3 N=99 alpha=1 (%s): solved=%d errors=%d steps=%d sweeps=%d ", cm ? "fast" : "exact",
               r.solved, r.errors, r.steps, r.total_sweeps);
        CU_ASSERT(r.solved);
        CU_ASSERT_EQUAL(count_errors(inst, w), 0);
    }
    tcm_instance_free(inst);
}

/* ---- interrupted and resumed runs ------------------------------------------- */

/* Where to stop: at sweep `sweep` of protocol step `step` (an interruption). */
typedef struct {
    int step, sweep;
} stopper;

static int stop_at(const tcm_progress *pr, int step, int errors, void *user)
{
    (void)errors;
    const stopper *s = user;
    return step == s->step && pr->sweep == s->sweep;
}

/* A focusing run: instance, weight kind, protocol, parameters, and the
 * amplitude of the random initial messages (0: start from zero messages). */
typedef struct {
    const tcm_instance *inst;
    tcm_weight_kind kind;
    const tcm_protocol *proto;
    tcm_focus_params params;
    double amplitude;
} focus_case;

/* Where a run is stopped: inside a step, at the sweep that converged it, or
 * at its max_sweeps-th sweep (the last two end the step). */
typedef enum { CUT_MIDDLE, CUT_CONVERGED, CUT_MAX_SWEEPS } cut_kind;

/* Where to interrupt the run whose history is hist (steps rows): the first
 * step from the middle of the run on (CUT_MIDDLE) that has at least 2
 * sweeps and does not end at a solution, at its middle sweep; or the first
 * step after the first that converged (CUT_CONVERGED) or reached max_sweeps
 * (CUT_MAX_SWEEPS), at its last sweep. 0 if there is no such step. */
static int focus_cut(const tcm_focus_step *hist, int steps, cut_kind kind, stopper *cut)
{
    for (int s = kind == CUT_MIDDLE ? steps / 2 : 1; s < steps; s++) {
        int fits = kind == CUT_MIDDLE ? hist[s].status != TCM_FOCUS_STEP_SOLVED
                                      : hist[s].status == (kind == CUT_CONVERGED ? TCM_BP_CONVERGED : TCM_BP_NOT_CONVERGED);
        if (hist[s].sweeps >= 2 && fits) {
            *cut = (stopper){ s, kind == CUT_MIDDLE ? hist[s].sweeps / 2 : hist[s].sweeps };
            return 1;
        }
    }
    return 0;
}

/* Run c uninterrupted with threads[0]; again with threads[1], stopped by the
 * sweep callback where `kind` says, saved
 * with tcm_focus_checkpoint_save, loaded into a fresh engine with
 * threads[2] and continued. Where a run is interrupted must not change what
 * it computes: the history, result and final state (messages, marginals,
 * focusing fields) must equal the uninterrupted run's bit for bit. (At a
 * step's last sweep the driver may also decline the stop: the run then goes
 * on and is compared as it is.) A checkpoint of another protocol is refused. */
static void check_focus_resume(const focus_case *c, const int threads[3], cut_kind kind)
{
    int count = c->proto->count;
    tcm_focus_step *full = calloc((size_t)count, sizeof *full), *hist = calloc((size_t)count, sizeof *hist);
    CU_ASSERT_FATAL(full && hist);
    tcm_engine *ef = test_engine_random(c->inst, c->kind, threads[0], c->amplitude, 7);
    tcm_run_position pf = TCM_RUN_POSITION_INIT;
    tcm_focus_result rf, r;
    CU_ASSERT_EQUAL(tcm_driver_focus(ef, c->proto, &c->params, &pf, full, &rf), TCM_OK);
    stopper cut;
    CU_ASSERT_FATAL(focus_cut(full, rf.steps, kind, &cut));

    char dir[] = "/tmp/tcmbp_fbp_XXXXXX", path[64];
    test_tmp_path(dir, path, sizeof path, "ck.h5");
    tcm_engine *er = test_engine_random(c->inst, c->kind, threads[1], c->amplitude, 7);
    tcm_focus_params p = c->params;
    p.on_sweep = stop_at;
    p.user = &cut;
    tcm_run_position pos = TCM_RUN_POSITION_INIT;
    CU_ASSERT_EQUAL(tcm_driver_focus(er, c->proto, &p, &pos, hist, &r), TCM_OK);
    CU_ASSERT(r.interrupted || kind != CUT_MIDDLE);
    int resumed = r.interrupted;
    if (resumed) {
        CU_ASSERT(pos.next_step == cut.step && pos.sweeps_in_step == cut.sweep);
        CU_ASSERT_EQUAL(tcm_focus_checkpoint_save(path, er, &c->params.run, c->proto, &pos, hist), TCM_OK);
        tcm_engine_free(er);
        er = test_engine(c->inst, c->kind, -1, threads[2]);
        tcm_run_position pr;
        memset(hist, 0, (size_t)count * sizeof *hist);
        CU_ASSERT_EQUAL_FATAL(tcm_focus_checkpoint_load(path, er, &c->params.run, c->proto, &pr, hist), TCM_OK);
        CU_ASSERT(pr.next_step == pos.next_step && pr.sweeps_in_step == pos.sweeps_in_step &&
                  pr.total_sweeps == pos.total_sweeps && !pr.finished);
        CU_ASSERT_EQUAL(tcm_driver_focus(er, c->proto, &c->params, &pr, hist, &r), TCM_OK);
    }
    printf("\n    %s: %s in step %d at sweep %d of %d (%d threads)%s: solved=%d steps=%d sweeps=%d (uninterrupted: "
           "solved=%d steps=%d sweeps=%d) ", er->ops->name, resumed ? "interrupted" : "stop declined", cut.step,
           cut.sweep, full[cut.step].sweeps, threads[1], resumed ? ", continued with another engine" : "", r.solved,
           r.steps, r.total_sweeps, rf.solved, rf.steps, rf.total_sweeps);
    CU_ASSERT_EQUAL(r.total_sweeps, rf.total_sweeps);
    CU_ASSERT_EQUAL(r.solved, rf.solved);
    CU_ASSERT_EQUAL(r.errors, rf.errors);
    CU_ASSERT_EQUAL(r.steps, rf.steps);
    CU_ASSERT(!r.interrupted);
    for (int j = 0; j < rf.steps && j < r.steps; j++) CU_ASSERT(test_same_step(&full[j], &hist[j]));
    CU_ASSERT(test_same_state(ef, er));
    if (c->kind == TCM_WEIGHTS_CONTINUOUS) { /* the means, as the solution file has them */
        tcm_graph *g = tcm_engine_graph(ef), *h = tcm_engine_graph(er);
        double *a = malloc(g->nw * sizeof(double)), *b = malloc(g->nw * sizeof(double));
        tcm_cont_means(g, a);
        tcm_cont_means(h, b);
        CU_ASSERT(memcmp(a, b, g->nw * sizeof(double)) == 0);
        free(a);
        free(b);
    }
    if (resumed) { /* a checkpoint of another protocol is refused */
        tcm_protocol *other = NULL;
        CU_ASSERT_EQUAL_FATAL(tcm_protocol_ladder(&other, 0.5, 30, 29, 10), TCM_OK);
        tcm_focus_step *oh = calloc((size_t)other->count, sizeof *oh);
        tcm_run_position po;
        CU_ASSERT_EQUAL(tcm_focus_checkpoint_load(path, er, &c->params.run, other, &po, oh), TCM_EFORMAT);
        free(oh);
        tcm_protocol_free(other);
    }
    tcm_engine_free(er);
    tcm_engine_free(ef);
    test_tmp_remove(dir, path);
    free(full);
    free(hist);
}

/* Continuous weights, the paper protocol: saved with 2 threads and
 * continued with 1 (N = 201, alpha = 1.6), and saved with 1 and continued
 * with 2 on an instance whose sweeps use both threads (N = 300, alpha = 1.2:
 * 108000 edges >= TCM_PARALLEL_MIN_EDGES). */
static void test_resume_continuous(void)
{
    tcm_protocol *proto = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_protocol_paper(&proto), TCM_OK);
    const struct {
        int N;
        double alpha;
        unsigned seed;
        int threads[3];
    } cases[2] = { { 201, 1.6, 3, { 0, 2, 1 } }, { 300, 1.2, 4, { 2, 1, 2 } } };
    for (int j = 0; j < 2; j++) {
        tcm_instance *inst = make_instance(cases[j].N, 3, cases[j].alpha, TCM_WEIGHTS_CONTINUOUS, cases[j].seed);
        focus_case c = { inst, TCM_WEIGHTS_CONTINUOUS, proto, TCM_FOCUS_PARAMS_INIT, 0.0 };
        c.params.run.modes.cavity = TCM_CAVITY_FAST;
        check_focus_resume(&c, cases[j].threads, CUT_MIDDLE);
        tcm_instance_free(inst);
    }
    tcm_protocol_free(proto);
}

/* Binary weights, standard reinforcement with up to 3 sweeps per step from
 * random messages (tree, N = 300, alpha = 0.6: 54000 edges, threads are
 * used): saved with 1 thread and continued with 2, and the other way round. */
static void binary_case(focus_case *c, const tcm_instance *inst, const tcm_protocol *proto)
{
    *c = (focus_case){ inst, TCM_WEIGHTS_BINARY, proto, TCM_FOCUS_PARAMS_INIT, 0.1 };
    c->params.run.max_sweeps = 3;
    c->params.run.tol = 1e-3;
}

static void test_resume_binary(void)
{
    tcm_protocol *proto = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_protocol_standard_reinforcement(&proto, 0.05), TCM_OK);
    tcm_instance *inst = make_instance(300, 3, 0.6, TCM_WEIGHTS_BINARY, 8);
    focus_case c;
    binary_case(&c, inst, proto);
    check_focus_resume(&c, (const int[3]){ 2, 1, 2 }, CUT_MIDDLE);
    check_focus_resume(&c, (const int[3]){ 1, 2, 1 }, CUT_MIDDLE);
    tcm_instance_free(inst);
    tcm_protocol_free(proto);
}

/* A stop asked at the sweep that converges a step (continuous, paper
 * protocol): the run must compute what an uninterrupted one does (it once
 * swept one extra time after the resume). */
static void test_resume_at_converging_sweep(void)
{
    tcm_protocol *proto = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_protocol_paper(&proto), TCM_OK);
    tcm_instance *inst = make_instance(201, 3, 1.6, TCM_WEIGHTS_CONTINUOUS, 3);
    focus_case c = { inst, TCM_WEIGHTS_CONTINUOUS, proto, TCM_FOCUS_PARAMS_INIT, 0.0 };
    c.params.run.modes.cavity = TCM_CAVITY_FAST;
    check_focus_resume(&c, (const int[3]){ 1, 1, 2 }, CUT_CONVERGED);
    tcm_instance_free(inst);
    tcm_protocol_free(proto);
}

/* A stop asked at the max_sweeps-th sweep of a step, where the step ends
 * unconverged (continuous: a paper step of 200 sweeps; binary: a step of
 * 3): the run must compute what an uninterrupted one does (the resumed
 * step had no sweep left and recorded change = inf). */
static void test_resume_at_max_sweeps(void)
{
    tcm_protocol *paper = NULL, *sr = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_protocol_paper(&paper), TCM_OK);
    CU_ASSERT_EQUAL_FATAL(tcm_protocol_standard_reinforcement(&sr, 0.05), TCM_OK);
    tcm_instance *ci = make_instance(201, 3, 1.6, TCM_WEIGHTS_CONTINUOUS, 3);
    focus_case c = { ci, TCM_WEIGHTS_CONTINUOUS, paper, TCM_FOCUS_PARAMS_INIT, 0.0 };
    c.params.run.modes.cavity = TCM_CAVITY_FAST;
    check_focus_resume(&c, (const int[3]){ 1, 1, 2 }, CUT_MAX_SWEEPS);
    tcm_instance *bi = make_instance(300, 3, 0.6, TCM_WEIGHTS_BINARY, 8);
    binary_case(&c, bi, sr);
    check_focus_resume(&c, (const int[3]){ 1, 1, 2 }, CUT_MAX_SWEEPS);
    tcm_instance_free(ci);
    tcm_instance_free(bi);
    tcm_protocol_free(paper);
    tcm_protocol_free(sr);
}

/* Same outcome, bit for bit, for 1 and 2 threads (an instance large enough to run in parallel). */
static void test_threads(void)
{
    tcm_instance *inst = make_instance(501, 3, 1.0, TCM_WEIGHTS_CONTINUOUS, 5);
    double a[501], b[501];
    tcm_focus_result ra = solve(inst, 1, TCM_CAVITY_FAST, a), rb = solve(inst, 2, TCM_CAVITY_FAST, b);
    CU_ASSERT_EQUAL(ra.total_sweeps, rb.total_sweeps);
    CU_ASSERT(memcmp(a, b, sizeof a) == 0);
    tcm_instance_free(inst);
}

/* ---- damped focusing field (focus_damping) --------------------------------- */

/* tcm_sweep_focus_unit_damped: damping 0 gives the undamped field bit for bit,
 * damping d stores (1-d) new + d old (the same chi*). */
static void test_focus_damping_rule(void)
{
    enum { n = 7 };
    double zeta0[n], mu[n], us0[n], vs0[n], us[n], vs[n], ud[n], vd[n], scratch[2 * n];
    for (int i = 0; i < n; i++) {
        zeta0[i] = 2.0 + 0.3 * i;
        mu[i] = 0.4 * (i % 3) - 0.5;
        us0[i] = 0.1 * i - 0.2;
        vs0[i] = 0.05 * i;
    }
    double cs = 1.0, csd = 1.0, dchi, dchid, d = 0.75;
    memcpy(us, us0, sizeof us);
    memcpy(vs, vs0, sizeof vs);
    memcpy(ud, us0, sizeof ud);
    memcpy(vd, vs0, sizeof vd);
    tcm_sweep_focus_unit(n, 0.9, zeta0, mu, vs, us, &cs, 10.0, 0.7, scratch, &dchi);
    double c = tcm_sweep_focus_unit_damped(n, 0.9, zeta0, mu, vd, ud, &csd, 10.0, 0.7, d, scratch, &dchid);
    CU_ASSERT_EQUAL(cs, csd);
    double cmax = 0.0;
    for (int i = 0; i < n; i++) {
        CU_ASSERT_DOUBLE_EQUAL(ud[i], (1 - d) * us[i] + d * us0[i], 1e-14);
        CU_ASSERT_DOUBLE_EQUAL(vd[i], (1 - d) * vs[i] + d * vs0[i], 1e-14);
        cmax = fmax(cmax, fmax(fabs(ud[i] - us0[i]), fabs(vd[i] - vs0[i])));
    }
    CU_ASSERT_DOUBLE_EQUAL(c, cmax, 1e-14);
    memcpy(ud, us0, sizeof ud);
    memcpy(vd, vs0, sizeof vd);
    csd = 1.0;
    tcm_sweep_focus_unit_damped(n, 0.9, zeta0, mu, vd, ud, &csd, 10.0, 0.7, 0.0, scratch, &dchid);
    CU_ASSERT(memcmp(ud, us, sizeof us) == 0 && memcmp(vd, vs, sizeof vs) == 0);
}

/* Uniform in [0, 1) from a splitmix64 state (the test's own stream). */
static double uniform01(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return (double)((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
}

/* A fully connected instance whose inputs all have mean +-0.7 (like
 * binarized images: every pattern shares most of its signs) and whose
 * outputs come from a perceptron orthogonal to that mean. */
static tcm_instance *biased_instance(int N, int K, int M, uint64_t seed)
{
    tcm_instance *inst = tcm_instance_alloc(N, K, M, TCM_ARCH_FULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inst);
    double *b = malloc((size_t)N * sizeof *b), *t = malloc((size_t)N * sizeof *t), bt = 0.0;
    CU_ASSERT_FATAL(b && t);
    uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 1;
    for (int i = 0; i < N; i++) {
        b[i] = uniform01(&s) < 0.5 ? -0.7 : 0.7;
        t[i] = uniform01(&s) - 0.5;
        bt += b[i] * t[i];
    }
    for (int i = 0; i < N; i++) t[i] -= bt / (0.49 * N) * b[i];
    for (int a = 0; a < M; a++) {
        double h = 0.0;
        for (int i = 0; i < N; i++) {
            int8_t x = uniform01(&s) < (1 + b[i]) / 2 ? 1 : -1;
            inst->patterns[(size_t)a * N + i] = x;
            h += x * t[i];
        }
        inst->outputs[a] = h >= 0 ? 1 : -1;
    }
    free(b);
    free(t);
    CU_ASSERT_EQUAL_FATAL(tcm_instance_validate(inst), TCM_OK);
    return inst;
}

/* Focusing parameters of the biased instance: y = 10 (the ladder), blocks
 * of 10, damping 0.8, the focusing field damped by fd, 300 sweeps per step,
 * the whole protocol. */
static tcm_focus_params biased_params(double fd)
{
    tcm_focus_params p = TCM_FOCUS_PARAMS_INIT;
    p.run.modes.schedule = TCM_SCHEDULE_BLOCK;
    p.run.modes.block_size = 10;
    p.run.modes.damping = 0.8;
    p.run.modes.focus_damping = fd;
    p.run.max_sweeps = 300;
    p.stop_at_solution = 0;
    return p;
}

/* Focusing (lambda 0.5 .. 1 in 3 steps, biased_params) on the biased
 * instance: steps converged, final errors. */
static void focus_biased(const tcm_instance *inst, double fd, int *converged, int *errors)
{
    tcm_engine *e = test_engine(inst, TCM_WEIGHTS_CONTINUOUS, -1, 1);
    tcm_protocol *proto = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_protocol_ladder(&proto, 0.5, 1.0, 3, 10.0), TCM_OK);
    tcm_focus_params p = biased_params(fd);
    tcm_run_position pos = TCM_RUN_POSITION_INIT;
    tcm_focus_step hist[3];
    tcm_focus_result r;
    CU_ASSERT_EQUAL(tcm_driver_focus(e, proto, &p, &pos, hist, &r), TCM_OK);
    *converged = 0;
    for (int j = 0; j < r.steps; j++) *converged += hist[j].converged;
    *errors = r.errors;
    tcm_protocol_free(proto);
    tcm_engine_free(e);
}

/* Undamped, the focusing field oscillates on the biased inputs (steps not
 * converged, errors back up); damped as the messages, every step converges
 * and the instance stays solved (the Fashion-MNIST failure, docs/FASHION.md). */
static void test_focus_damping_biased(void)
{
    tcm_instance *inst = biased_instance(101, 3, 50, 1);
    int conv0, err0, conv1, err1;
    focus_biased(inst, 0.0, &conv0, &err0);
    focus_biased(inst, 0.8, &conv1, &err1);
    printf("\n    biased N=101 K=3 M=50: undamped %d/3 steps converged, %d errors; damped %d/3, %d errors ", conv0,
           err0, conv1, err1);
    CU_ASSERT(conv0 < 3 && err0 > 0);
    CU_ASSERT_EQUAL(conv1, 3);
    CU_ASSERT_EQUAL(err1, 0);
    tcm_instance_free(inst);
}

/* A damped run interrupted mid-step and continued equals the uninterrupted one. */
static void test_focus_damping_resume(void)
{
    tcm_instance *inst = biased_instance(101, 3, 50, 1);
    tcm_protocol *proto = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_protocol_ladder(&proto, 0.5, 1.0, 3, 10.0), TCM_OK);
    focus_case c = { inst, TCM_WEIGHTS_CONTINUOUS, proto, biased_params(0.8), 0.0 };
    const int threads[3] = { 1, 1, 2 };
    check_focus_resume(&c, threads, CUT_MIDDLE);
    tcm_protocol_free(proto);
    tcm_instance_free(inst);
}

static const tcm_test_case tests[] = {
    { "solves K=3 N=99 alpha=1", test_solves_small },
    { "resume equals uninterrupted, continuous", test_resume_continuous },
    { "resume equals uninterrupted, binary", test_resume_binary },
    { "stop at a converging sweep", test_resume_at_converging_sweep },
    { "stop at a step's last sweep (max_sweeps)", test_resume_at_max_sweeps },
    { "1 vs 2 threads", test_threads },
    { "focusing damping: the mixing rule", test_focus_damping_rule },
    { "focusing damping: converges on biased inputs", test_focus_damping_biased },
    { "focusing damping: resume equals uninterrupted", test_focus_damping_resume },
};

TCM_TEST_SUITE("fbp", tests)
