/* Tests of the local-volume driver (EQUATIONS.md 3.1, 5): the alpha = 0 curve is
 * ln sqrt(d(2-d)) exactly; around a teacher (a solution) the normalised local
 * entropy is <= 0, rises toward 0 as d shrinks, and lies above the curve
 * around a configuration with errors; thread-count independence; a ladder
 * interrupted mid-point, saved and continued in a fresh engine (other
 * thread count) equals an uninterrupted one bit for bit, for both weight
 * kinds. */
#include "tcmbp/driver.h"

#include "test_util.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcmbp/error.h"
#include "tcmbp/results.h"
#include "tcmbp/rng.h"
#include "test_suite.h"
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
    tcm_engine *e = test_engine(inst, TCM_WEIGHTS_CONTINUOUS, 0, 0);
    tcm_weights *ref = tcm_weights_alloc(3, 33, TCM_WEIGHTS_CONTINUOUS);
    tcm_rng r;
    tcm_rng_init(&r, 9, 0);
    for (size_t j = 0; j < 99; j++) ref->w[j] = tcm_rng_normal(&r);
    CU_ASSERT_EQUAL(tcm_weights_normalize(ref), TCM_OK);
    double lambdas[12];
    tcm_volume_point pts[12];
    CU_ASSERT_EQUAL(tcm_volume_ladder(lambdas, 12, 0.05, 1000.0), TCM_OK);
    tcm_volume_params p = TCM_VOLUME_PARAMS_INIT;
    p.run.tol = 1e-12;
    tcm_run_position pos = TCM_RUN_POSITION_INIT;
    CU_ASSERT_EQUAL(tcm_driver_volume(e, ref->w, lambdas, 12, &p, &pos, pts), TCM_OK);
    int done = pos.next_step;
    CU_ASSERT_EQUAL(done, 12);
    for (int j = 0; j < done; j++) {
        CU_ASSERT_EQUAL(pts[j].status, TCM_BP_CONVERGED);
        CU_ASSERT_DOUBLE_EQUAL(pts[j].entropy, 0.5 * log(pts[j].distance * (2 - pts[j].distance)), 1e-8);
        CU_ASSERT_DOUBLE_EQUAL(pts[j].local_entropy, 0.0, 1e-8);
    }
    CU_ASSERT(pts[0].distance > 0.9 && pts[11].distance < 1e-3); /* the ladder spans the distances */
    tcm_weights_free(ref);
    tcm_engine_free(e);
    tcm_instance_free(inst);
}

/* The curve around a reference; fills d and S - S0 for lambdas[0..count). */
static void curve(const tcm_instance *inst, const double *wref, const double *lambdas, int count,
                  tcm_volume_point *pts, int nthreads)
{
    tcm_engine *e = test_engine(inst, TCM_WEIGHTS_CONTINUOUS, -1, nthreads);
    tcm_volume_params p = TCM_VOLUME_PARAMS_INIT;
    p.run.max_sweeps = 120; /* points that do not converge by then are recorded as such */
    p.run.modes.cavity = TCM_CAVITY_FAST; /* agrees with exact to O(1/N) (test_bp); 4x cheaper */
    tcm_run_position pos = TCM_RUN_POSITION_INIT;
    CU_ASSERT_EQUAL(tcm_driver_volume(e, wref, lambdas, count, &p, &pos, pts), TCM_OK);
    int done = pos.next_step;
    CU_ASSERT_EQUAL(done, count);
    tcm_engine_free(e);
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

/* ---- interrupted and resumed ladders -------------------------------------- */

/* Where to stop: at sweep `sweep` of point `point` (an interruption); the
 * on_point callback keeps `current`, the point being computed. */
typedef struct {
    int point, sweep, current;
} stopper;

static int stop_at(const tcm_progress *pr, void *user)
{
    const stopper *s = user;
    return s->current == s->point && pr->sweep == s->sweep;
}

static int track_point(const tcm_volume_point *pt, int index, int count, void *user)
{
    (void)pt;
    (void)count;
    ((stopper *)user)->current = index + 1;
    return 0;
}

/* A ladder run; each run starts on a fresh engine from random messages
 * (binary: the zero state is a fixed point at lambda = 0). */
typedef struct {
    const tcm_instance *inst;
    tcm_weight_kind kind;
    const double *wref;
    const double *lambdas;
    int count;
    tcm_volume_params params;
} ladder_case;

/* Where to interrupt the uninterrupted run `full`: the first point after the
 * first that takes at least 4 sweeps, at its middle sweep; or with at_end
 * the first point after the first that reached max_sweeps, at that last
 * sweep (the point is over, its row not yet written); or with at_end = 2
 * the first point after the first whose stability check took at least 2
 * sweeps, in the middle of the check. 0 if there is none. */
static int ladder_cut(const tcm_volume_point *full, int count, int at_end, stopper *cut)
{
    for (int j = 1; j < count; j++) {
        if (at_end == 2) {
            if (full[j].check_sweeps < 2) continue;
            *cut = (stopper){ j, full[j].sweeps - full[j].check_sweeps / 2, 0 };
            return 1;
        }
        if (!at_end && full[j].sweeps >= 4) {
            *cut = (stopper){ j, full[j].sweeps / 2, 0 };
            return 1;
        }
        if (at_end && full[j].status == TCM_BP_NOT_CONVERGED) {
            *cut = (stopper){ j, full[j].sweeps, 0 };
            return 1;
        }
    }
    return 0;
}

/* Run c uninterrupted with threads[0]; run it again with threads[1] and stop
 * it (mid-point, or at_end at a point's last sweep), save a checkpoint, load
 * it into a fresh engine with threads[2] and continue. Where a ladder is
 * interrupted must not change what it computes: the points and the final
 * state must equal the uninterrupted run's bit for bit. (At a point's last
 * sweep the driver may also decline the stop: the run then goes on and is
 * compared as it is.) A checkpoint of another ladder is refused. */
static void check_ladder_resume(const ladder_case *c, const int threads[3], int at_end)
{
    tcm_volume_point full[16], resumed[16];
    CU_ASSERT_FATAL(c->count <= 16);
    tcm_engine *ef = test_engine_random(c->inst, c->kind, threads[0], 0.3, 5);
    tcm_run_position pf = TCM_RUN_POSITION_INIT;
    CU_ASSERT_EQUAL(tcm_driver_volume(ef, c->wref, c->lambdas, c->count, &c->params, &pf, full), TCM_OK);
    CU_ASSERT(pf.finished);
    stopper cut;
    CU_ASSERT_FATAL(ladder_cut(full, c->count, at_end, &cut));

    char dir[] = "/tmp/tcmbp_volume_XXXXXX", path[64];
    test_tmp_path(dir, path, sizeof path, "ladder.h5");
    tcm_engine *er = test_engine_random(c->inst, c->kind, threads[1], 0.3, 5);
    tcm_volume_params p = c->params;
    p.run.progress = stop_at;
    p.run.user = &cut;
    p.on_point = track_point;
    p.user = &cut;
    tcm_run_position pos = TCM_RUN_POSITION_INIT, pr = TCM_RUN_POSITION_INIT;
    CU_ASSERT_EQUAL(tcm_driver_volume(er, c->wref, c->lambdas, c->count, &p, &pos, resumed), TCM_OK);
    int interrupted = !pos.finished;
    CU_ASSERT(interrupted || at_end == 1);
    if (interrupted) {
        CU_ASSERT(pos.next_step == cut.point && pos.sweeps_in_step == cut.sweep);
        CU_ASSERT_EQUAL(pos.check, at_end == 2); /* stopped inside the stability check */
        CU_ASSERT_EQUAL(tcm_volume_checkpoint_save(path, er, &c->params.run, c->wref, c->lambdas, c->count, &pos, resumed), TCM_OK);
        tcm_engine_free(er);
        er = test_engine(c->inst, c->kind, -1, threads[2]);
        CU_ASSERT_EQUAL_FATAL(tcm_volume_checkpoint_load(path, er, &c->params.run, c->wref, c->lambdas, c->count, &pr, resumed),
                              TCM_OK);
        CU_ASSERT(pr.next_step == pos.next_step && pr.sweeps_in_step == pos.sweeps_in_step &&
                  pr.total_sweeps == pos.total_sweeps && !pr.finished);
        CU_ASSERT_EQUAL(tcm_driver_volume(er, c->wref, c->lambdas, c->count, &c->params, &pr, resumed), TCM_OK);
    } else {
        pr = pos;
    }
    printf("\n    %s ladder: %s at point %d, sweep %d of %d (%d threads)%s: %d sweeps in all (uninterrupted: %d) ",
           er->ops->name, interrupted ? "interrupted" : "stop declined", cut.point, cut.sweep, full[cut.point].sweeps,
           threads[1], interrupted ? ", continued with another engine" : "", pr.total_sweeps, pf.total_sweeps);
    CU_ASSERT(pr.finished);
    CU_ASSERT_EQUAL(pr.total_sweeps, pf.total_sweeps);
    for (int j = 0; j < c->count; j++) CU_ASSERT(test_same_point(&full[j], &resumed[j]));
    CU_ASSERT(test_same_state(ef, er));
    if (interrupted) { /* another ladder (one coupling changed) is refused */
        double other[16];
        memcpy(other, c->lambdas, (size_t)c->count * sizeof(double));
        other[c->count - 1] *= 2.0;
        tcm_engine *ex = test_engine(c->inst, c->kind, -1, 1);
        CU_ASSERT_EQUAL(tcm_volume_checkpoint_load(path, ex, &c->params.run, c->wref, other, c->count, &pr, resumed), TCM_EFORMAT);
        tcm_engine_free(ex);
    }
    tcm_engine_free(er);
    tcm_engine_free(ef);
    test_tmp_remove(dir, path);
}

/* Continuous weights: teacher instance N = 300 (90000 edges: sweeps use both threads). */
static void test_resume_continuous(void)
{
    tcm_instance *inst = teacher_instance(300, 3, 1.0, 6);
    double lambdas[4] = { 1, 4, 16, 64 };
    ladder_case c = { inst, TCM_WEIGHTS_CONTINUOUS, inst->teacher->w, lambdas, 4, TCM_VOLUME_PARAMS_INIT };
    c.params.run.max_sweeps = 120;
    c.params.run.modes.cavity = TCM_CAVITY_FAST;
    check_ladder_resume(&c, (const int[3]){ 2, 1, 2 }, 0);
    check_ladder_resume(&c, (const int[3]){ 1, 2, 1 }, 0);
    c.params.run.max_sweeps = 8; /* points end unconverged: stop at their last sweep */
    check_ladder_resume(&c, (const int[3]){ 1, 1, 2 }, 1);
    c.params.run.retries = 2; /* interrupted inside a retry round (sweep 12 of 24), which the resume continues */
    check_ladder_resume(&c, (const int[3]){ 2, 1, 2 }, 0);
    c.params.run.max_sweeps = 120; /* interrupted inside a stability check, which the resume continues */
    check_ladder_resume(&c, (const int[3]){ 1, 2, 1 }, 2);
    tcm_instance_free(inst);
}

/* Binary weights: teacher instance N = 300, alpha = 0.6 (54000 edges: threads are used). */
static void test_resume_binary(void)
{
    tcm_instance_params ip = TCM_INSTANCE_PARAMS_INIT;
    ip.N = 300, ip.K = 3, ip.alpha = 0.6, ip.seed = 6, ip.teacher = 1, ip.kind = TCM_WEIGHTS_BINARY;
    tcm_instance *inst = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_instance_generate(&inst, &ip), TCM_OK);
    double lambdas[4] = { 0.05, 0.2, 0.8, 3.2 };
    ladder_case c = { inst, TCM_WEIGHTS_BINARY, inst->teacher->w, lambdas, 4, TCM_VOLUME_PARAMS_INIT };
    c.params.run.max_sweeps = 120;
    check_ladder_resume(&c, (const int[3]){ 2, 1, 2 }, 0);
    check_ladder_resume(&c, (const int[3]){ 1, 2, 1 }, 0);
    c.params.run.max_sweeps = 8; /* points end unconverged: stop at their last sweep */
    check_ladder_resume(&c, (const int[3]){ 1, 1, 2 }, 1);
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
    CU_ASSERT_DOUBLE_EQUAL(tcm_engine_ops_of(TCM_WEIGHTS_CONTINUOUS)->s0(1.0), 0.0, 1e-15);
}

/* ---- retries, early stop, reliability and the Legendre check ------------- */

/* Round r damps with 1 - (1 - D)/2^r; round 0 is the run's damping exactly. */
static void test_retry_damping(void)
{
    CU_ASSERT(tcm_run_retry_damping(0.3, 0) == 0.3);
    CU_ASSERT_DOUBLE_EQUAL(tcm_run_retry_damping(0.5, 1), 0.75, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(tcm_run_retry_damping(0.5, 2), 0.875, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(tcm_run_retry_damping(0.0, 3), 0.875, 1e-15);
}

/* A ladder with a tiny sweep budget: without retries its points do not
 * converge; with retries they go on in rounds of max_sweeps with more
 * damping, and the damping column says which round a point ended in. */
static void test_retries(void)
{
    tcm_instance *inst = teacher_instance(300, 3, 1.0, 6);
    double lambdas[3] = { 1, 4, 16 };
    tcm_volume_point a[3], b[3];
    tcm_volume_params p = TCM_VOLUME_PARAMS_INIT;
    p.run.max_sweeps = 6;
    p.run.tol = 1e-4;
    p.run.modes.cavity = TCM_CAVITY_FAST;
    for (int pass = 0; pass < 2; pass++) {
        tcm_volume_point *pts = pass ? b : a;
        p.run.retries = pass ? 6 : 0;
        tcm_engine *e = test_engine(inst, TCM_WEIGHTS_CONTINUOUS, -1, 1);
        tcm_run_position pos = TCM_RUN_POSITION_INIT;
        CU_ASSERT_EQUAL(tcm_driver_volume(e, inst->teacher->w, lambdas, 3, &p, &pos, pts), TCM_OK);
        CU_ASSERT(pos.finished && pos.next_step == 3);
        tcm_engine_free(e);
    }
    for (int j = 0; j < 3; j++) {
        CU_ASSERT(a[j].status == TCM_BP_NOT_CONVERGED && a[j].sweeps == 6 && a[j].damping == 0.5 && !a[j].valid);
        int to_tol = b[j].sweeps - b[j].check_sweeps, round = (to_tol - 1) / 6; /* the check keeps its damping */
        CU_ASSERT(to_tol > 6 && to_tol <= 42 && b[j].check_sweeps <= 6);
        CU_ASSERT_DOUBLE_EQUAL(b[j].damping, tcm_run_retry_damping(0.5, round), 1e-15);
        printf("%s%d sweeps, damping %g, %s", j ? "; " : "\n      with retries: ", b[j].sweeps, b[j].damping,
               tcm_bp_status_name(b[j].status));
    }
    CU_ASSERT(b[0].converged); /* within the retries */
    tcm_instance_free(inst);
}

/* keep_going = 0: the ladder finishes at the first point that has not converged. */
static void test_stop_unconverged(void)
{
    tcm_instance *inst = teacher_instance(300, 3, 1.0, 6);
    double lambdas[4] = { 1, 4, 16, 64 };
    tcm_volume_point pts[4];
    tcm_volume_params p = TCM_VOLUME_PARAMS_INIT;
    p.run.modes.cavity = TCM_CAVITY_FAST;
    p.keep_going = 0;
    tcm_engine *e = test_engine(inst, TCM_WEIGHTS_CONTINUOUS, -1, 1);
    tcm_run_position pos = TCM_RUN_POSITION_INIT;
    p.run.max_sweeps = 400;
    CU_ASSERT_EQUAL(tcm_driver_volume(e, inst->teacher->w, lambdas, 2, &p, &pos, pts), TCM_OK);
    CU_ASSERT(pos.finished && pos.next_step == 2 && !tcm_volume_stopped(&pos, 2)); /* converged: not stopped */
    pos = (tcm_run_position)TCM_RUN_POSITION_INIT;
    p.run.max_sweeps = 3;
    CU_ASSERT_EQUAL(tcm_driver_volume(e, inst->teacher->w, lambdas, 4, &p, &pos, pts), TCM_OK);
    CU_ASSERT(pos.finished && pos.next_step == 1 && tcm_volume_stopped(&pos, 4));
    CU_ASSERT(pts[0].status == TCM_BP_NOT_CONVERGED && !pts[0].valid);
    tcm_engine_free(e);
    tcm_instance_free(inst);
}

/* The largest |legendre| of a converged ladder (printed). */
static double ladder_legendre(const tcm_instance *inst, tcm_weight_kind kind, const tcm_run_params *run,
                              const double *lambdas, int count, tcm_volume_point *pts, const char *what)
{
    tcm_volume_params p = TCM_VOLUME_PARAMS_INIT;
    p.run = *run;
    tcm_engine *e = test_engine(inst, kind, -1, 1);
    tcm_run_position pos = TCM_RUN_POSITION_INIT;
    CU_ASSERT_EQUAL(tcm_driver_volume(e, inst->teacher->w, lambdas, count, &p, &pos, pts), TCM_OK);
    CU_ASSERT(isnan(pts[0].legendre));
    double worst = 0.0;
    for (int j = 1; j < count; j++) {
        CU_ASSERT(pts[j].converged);
        worst = fmax(worst, fabs(pts[j].legendre));
    }
    printf("\n      %s: largest |legendre| %.3g (d %.3g .. %.3g) ", what, worst, pts[0].distance,
           pts[count - 1].distance);
    tcm_engine_free(e);
    return worst;
}

/* A Bethe fixed point is stationary: d(S - S0)/dd = c lambda - S0'(d), so
 * the legendre column is the trapezoid's error only (1e-4 here) for the
 * moment-matching continuous cavity and the exact binary hidden factor; the
 * exact cavity's quadratic expansion is not stationary at large lambda
 * (docs/EQUATIONS.md 8): its residual is far larger. A wrong factor c (the
 * binary one is 2) would fail both. */
static void test_legendre_column(void)
{
    tcm_instance *inst = teacher_instance(201, 3, 1.0, 6);
    double lc[8];
    tcm_volume_point pts[10];
    CU_ASSERT_EQUAL(tcm_volume_ladder(lc, 8, 20.0, 300.0), TCM_OK);
    tcm_run_params run = TCM_RUN_PARAMS_INIT;
    run.tol = 1e-9;
    run.modes.cavity = TCM_CAVITY_EP;
    double ep = ladder_legendre(inst, TCM_WEIGHTS_CONTINUOUS, &run, lc, 8, pts, "continuous ep");
    run.modes.cavity = TCM_CAVITY_EXACT; /* its defect grows with lambda: the upper half of the ladder */
    double exact = ladder_legendre(inst, TCM_WEIGHTS_CONTINUOUS, &run, lc + 4, 4, pts, "continuous exact");
    CU_ASSERT(ep < 3e-4);
    CU_ASSERT(exact > 20 * ep);
    tcm_instance_free(inst);

    tcm_instance_params ip = TCM_INSTANCE_PARAMS_INIT;
    ip.N = 60, ip.K = 3, ip.alpha = 0.5, ip.seed = 5, ip.teacher = 1, ip.kind = TCM_WEIGHTS_BINARY;
    CU_ASSERT_EQUAL_FATAL(tcm_instance_generate(&inst, &ip), TCM_OK);
    double lb[10];
    CU_ASSERT_EQUAL(tcm_volume_ladder(lb, 10, 0.1, 0.6), TCM_OK);
    run = (tcm_run_params)TCM_RUN_PARAMS_INIT;
    run.tol = 1e-12;
    run.modes.hidden = TCM_HIDDEN_EXACT;
    CU_ASSERT(ladder_legendre(inst, TCM_WEIGHTS_BINARY, &run, lb, 10, pts, "binary exact hidden") < 2e-4);
    tcm_instance_free(inst);
}

/* Binary weights with the CLT hidden factor: the points where fewer than one
 * flip per unit is expected (n d (1 - d) < 1) are not reliable, hence not
 * valid; the exact hidden factor is reliable there. */
static void test_clt_reliability(void)
{
    tcm_instance_params ip = TCM_INSTANCE_PARAMS_INIT;
    ip.N = 60, ip.K = 3, ip.alpha = 0.5, ip.seed = 5, ip.teacher = 1, ip.kind = TCM_WEIGHTS_BINARY;
    tcm_instance *inst = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_instance_generate(&inst, &ip), TCM_OK);
    double lambdas[3] = { 0.1, 0.5, 3.0 };
    tcm_volume_point pts[3];
    for (int exact = 0; exact < 2; exact++) {
        tcm_volume_params p = TCM_VOLUME_PARAMS_INIT;
        p.run.modes.hidden = exact ? TCM_HIDDEN_EXACT : TCM_HIDDEN_CLT;
        tcm_engine *e = test_engine(inst, TCM_WEIGHTS_BINARY, -1, 1);
        tcm_run_position pos = TCM_RUN_POSITION_INIT;
        CU_ASSERT_EQUAL(tcm_driver_volume(e, inst->teacher->w, lambdas, 3, &p, &pos, pts), TCM_OK);
        for (int j = 0; j < 3; j++) {
            double nd = 20.0 * pts[j].distance * (1.0 - pts[j].distance);
            CU_ASSERT(pts[j].converged);
            CU_ASSERT_EQUAL(pts[j].reliable, exact || nd >= 1.0);
            CU_ASSERT_EQUAL(pts[j].valid, pts[j].reliable);
        }
        if (!exact) CU_ASSERT(pts[0].reliable && !pts[2].reliable); /* the ladder crosses n d = 1 */
        tcm_engine_free(e);
    }
    tcm_instance_free(inst);
}

/* One ladder around the teacher at tolerance tol (stability factor f, 0: no check). */
static void stability_ladder(const tcm_instance *inst, double tol, double f, tcm_volume_point *pts)
{
    double lambdas[3] = { 0.5, 3.0, 20.0 };
    tcm_volume_params p = TCM_VOLUME_PARAMS_INIT;
    p.run.tol = tol;
    p.stability = f;
    tcm_engine *e = test_engine(inst, TCM_WEIGHTS_CONTINUOUS, -1, 1);
    tcm_run_position pos = TCM_RUN_POSITION_INIT;
    CU_ASSERT_EQUAL(tcm_driver_volume(e, inst->teacher->w, lambdas, 3, &p, &pos, pts), TCM_OK);
    CU_ASSERT(pos.finished && pos.next_step == 3 && !pos.check);
    tcm_engine_free(e);
}

/* The stability check: at the default tolerance every point is stable
 * (drifts far below the threshold); "converged" at a loose tolerance (0.1)
 * the first point drifts beyond 1e-4 under tol/10 and is marked stable = 0,
 * valid = 0, while it still counts as converged; with the check off the
 * drifts are NaN and no sweeps are added. The values reported are those at
 * the tighter tolerance: closer to the converged ones. Bad factors are refused. */
static void test_stability_check(void)
{
    tcm_instance *inst = teacher_instance(99, 3, 1.0, 4);
    tcm_volume_point ref[3], loose[3], off[3], def[3];
    stability_ladder(inst, 1e-10, 0.0, ref);
    stability_ladder(inst, 1e-6, TCM_VOLUME_STABILITY, def);
    for (int j = 0; j < 3; j++) {
        CU_ASSERT(def[j].converged && def[j].stable && def[j].valid);
        CU_ASSERT(def[j].check_sweeps > 0 && def[j].check_sweeps < def[j].sweeps);
        CU_ASSERT(def[j].drift_entropy < 1e-6 && def[j].drift_distance < 1e-5);
    }
    stability_ladder(inst, 0.1, TCM_VOLUME_STABILITY, loose);
    printf("\n      tol 0.1: drift_distance %.3g %.3g %.3g, drift_entropy %.3g %.3g %.3g ", loose[0].drift_distance,
           loose[1].drift_distance, loose[2].drift_distance, loose[0].drift_entropy, loose[1].drift_entropy,
           loose[2].drift_entropy);
    CU_ASSERT(loose[0].converged && !loose[0].stable && !loose[0].valid);
    CU_ASSERT(loose[0].drift_distance > TCM_VOLUME_DRIFT_MAX);
    CU_ASSERT(isnan(loose[1].legendre)); /* next to a point that is not valid */
    stability_ladder(inst, 0.1, 0.0, off);
    CU_ASSERT(off[0].converged && off[0].stable && off[0].valid);
    CU_ASSERT(isnan(off[0].drift_entropy) && isnan(off[0].drift_distance) && off[0].check_sweeps == 0);
    CU_ASSERT(fabs(loose[0].distance - ref[0].distance) < fabs(off[0].distance - ref[0].distance));
    tcm_volume_params p = TCM_VOLUME_PARAMS_INIT;
    double lambdas[1] = { 1.0 };
    tcm_run_position pos = TCM_RUN_POSITION_INIT;
    tcm_engine *e = test_engine(inst, TCM_WEIGHTS_CONTINUOUS, -1, 1);
    p.stability = 0.5;
    CU_ASSERT_EQUAL(tcm_driver_volume(e, inst->teacher->w, lambdas, 1, &p, &pos, off), TCM_EINVAL);
    p.stability = 10.0, p.drift_max = -1.0;
    CU_ASSERT_EQUAL(tcm_driver_volume(e, inst->teacher->w, lambdas, 1, &p, &pos, off), TCM_EINVAL);
    tcm_engine_free(e);
    tcm_instance_free(inst);
}

static const tcm_test_case tests[] = {
    { "stability check under a tighter tolerance", test_stability_check },
    { "ladder and S0", test_ladder },
    { "alpha = 0 curve", test_alpha_zero_curve },
    { "teacher vs reference with errors", test_teacher_curve },
    { "thread independence", test_threads },
    { "resumed ladder = uninterrupted, continuous", test_resume_continuous },
    { "resumed ladder = uninterrupted, binary", test_resume_binary },
    { "retry damping", test_retry_damping },
    { "retries with more damping", test_retries },
    { "ladder stops at an unconverged point", test_stop_unconverged },
    { "Legendre column", test_legendre_column },
    { "binary CLT reliability", test_clt_reliability },
};

TCM_TEST_SUITE("volume", tests)
