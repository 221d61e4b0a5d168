/* Tests of the reference trainers: each of LAL, eLAL, ceSGD-fast and
 * ceSGD-slow reaches zero training errors on a small easy instance and
 * returns weights normalised per unit that tcm_weights_eval confirms; eLAL's
 * replicas collapse; runs are reproducible from the seed and bitwise
 * independent of the thread count; the log, the limits, the callback, the
 * cross-entropy helpers and the parameter checks behave as documented. */
#include "tcmbp/error.h"
#include "tcmbp/instance.h"
#include "tcmbp/train.h"
#include "tcmbp/weights.h"

#include "../src/lib/train_internal.h" /* tcm_train_init_weights: the step test's start */
#include "test_util.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include "test_suite.h"

/* True when the last error has code `code` and its message contains `part`. */
static int last_error_is(int code, const char *part)
{
    return tcm_last_error_code() == code && strstr(tcm_last_error(), part) != NULL;
}

/* A random instance (tree or fully connected); NULL on failure. */
static tcm_instance *make_instance(int N, int K, double alpha, tcm_arch arch, uint64_t seed)
{
    tcm_instance_params ip = TCM_INSTANCE_PARAMS_INIT;
    ip.N = N;
    ip.K = K;
    ip.alpha = alpha;
    ip.arch = arch;
    ip.seed = seed;
    tcm_instance *inst = NULL;
    return tcm_instance_generate(&inst, &ip) == TCM_OK ? inst : NULL;
}

/* Every unit has squared norm n (relative 1e-12). */
static int normalised(const tcm_weights *w)
{
    for (int k = 0; k < w->K; k++) {
        double s = 0.0;
        for (int i = 0; i < w->n; i++)
            s += w->w[(size_t)k * w->n + i] * w->w[(size_t)k * w->n + i];
        if (!(fabs(s - w->n) <= 1e-12 * w->n))
            return 0;
    }
    return 1;
}

/* Train, then check: success, converged, zero errors confirmed by
 * tcm_weights_eval, normalised continuous K x n weights, a consistent log. */
static void check_solves(const tcm_instance *inst, const tcm_train_params *p)
{
    tcm_weights *w = NULL;
    tcm_train_result r;
    CU_ASSERT_EQUAL_FATAL(tcm_train_run(&w, inst, p, &r), TCM_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    CU_ASSERT_EQUAL(r.status, TCM_TRAIN_CONVERGED);
    CU_ASSERT(r.converged);
    CU_ASSERT_EQUAL(r.errors, 0);
    CU_ASSERT(w->K == inst->K && w->n == inst->n && w->kind == TCM_WEIGHTS_CONTINUOUS);
    CU_ASSERT(normalised(w));
    tcm_eval ev;
    CU_ASSERT_EQUAL(tcm_weights_eval(w, inst, &ev, NULL, NULL), TCM_OK);
    CU_ASSERT_EQUAL(ev.errors, 0);
    CU_ASSERT(r.epochs >= 1 && r.nlog == r.epochs + 1);
    CU_ASSERT(r.log[0].epoch == 0 && r.log[r.nlog - 1].epoch == r.epochs);
    CU_ASSERT(r.log[0].errors > 0); /* random initial weights do not solve it */
    CU_ASSERT(r.seconds >= r.log[r.nlog - 1].seconds);
    tcm_train_result_clear(&r);
    CU_ASSERT_PTR_NULL(r.log);
    tcm_weights_free(w);
}

static void test_lal(void)
{
    tcm_instance *tree = make_instance(150, 3, 0.4, TCM_ARCH_TREE, 1);
    tcm_instance *full = make_instance(60, 3, 0.3, TCM_ARCH_FULL, 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tree);
    CU_ASSERT_PTR_NOT_NULL_FATAL(full);
    tcm_train_params p = TCM_TRAIN_PARAMS_INIT(LAL);
    check_solves(tree, &p);
    check_solves(full, &p);
    tcm_instance_free(tree);
    tcm_instance_free(full);
}

/* eLAL solves and its replicas collapse: the last logged distance is below
 * the tolerance, lambda grew geometrically, NaN beta/gamma. */
static void test_elal(void)
{
    tcm_instance *inst = make_instance(99, 3, 0.3, TCM_ARCH_TREE, 3);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inst);
    tcm_train_params p = TCM_TRAIN_PARAMS_INIT(ELAL);
    p.y = 5;
    p.lambda1 = 1e-2;
    check_solves(inst, &p);
    tcm_weights *w = NULL;
    tcm_train_result r;
    CU_ASSERT_EQUAL_FATAL(tcm_train_run(&w, inst, &p, &r), TCM_OK);
    CU_ASSERT(r.distance < 1e-7 && r.distance >= 0);
    CU_ASSERT(r.log[0].distance > 1.0); /* independent random replicas start far apart */
    CU_ASSERT_DOUBLE_EQUAL(r.lambda, 0.5 * pow(1.01, r.epochs - 1), 1e-9 * r.lambda);
    CU_ASSERT_EQUAL(r.log[1].lambda, 0.5);
    CU_ASSERT(isnan(r.beta) && isnan(r.gamma) && isnan(r.log[3].beta));
    tcm_train_result_clear(&r);
    tcm_weights_free(w);
    tcm_instance_free(inst);
}

static void test_cesgd(void)
{
    tcm_instance *inst = make_instance(99, 3, 0.3, TCM_ARCH_TREE, 3);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inst);
    tcm_train_params fast = TCM_TRAIN_PARAMS_INIT(CESGD_FAST);
    fast.batch = 10; /* 30 patterns: more steps per epoch */
    check_solves(inst, &fast);
    tcm_train_params slow = TCM_TRAIN_PARAMS_INIT(CESGD_SLOW);
    slow.batch = 10;
    slow.beta1 = slow.gamma1 = 3e-3;
    check_solves(inst, &slow);
    tcm_weights *w = NULL;
    tcm_train_result r;
    CU_ASSERT_EQUAL_FATAL(tcm_train_run(&w, inst, &slow, &r), TCM_OK);
    CU_ASSERT(r.loss < 1e-7 && r.log[r.nlog - 1].loss == r.loss && r.log[r.nlog - 2].loss >= 1e-7);
    CU_ASSERT_DOUBLE_EQUAL(r.beta, 0.5 * pow(1.003, r.epochs - 1), 1e-9 * r.beta);
    CU_ASSERT_DOUBLE_EQUAL(r.gamma, 0.1 * pow(1.003, r.epochs - 1), 1e-9 * r.gamma);
    CU_ASSERT(isnan(r.lambda) && isnan(r.distance));
    tcm_train_result_clear(&r);
    tcm_weights_free(w);
    tcm_instance_free(inst);
}

/* Batch-mean loss (1/M) sum_a f_gamma(sigma_a sum_k tanh(beta u_k . xi_ak))
 * of unit-norm units u (K x n), with f_gamma written directly. */
static double direct_ce_loss(const tcm_instance *inst, const double *u, double beta, double gamma)
{
    double total = 0.0;
    for (int a = 0; a < inst->M; a++) {
        double out = 0.0;
        for (int k = 0; k < inst->K; k++)
            out += tanh(beta * test_unit_dot(inst, a, k, u));
        double z = inst->outputs[a] * out;
        total += -z / 2 + log(2 * cosh(gamma * z)) / (2 * gamma);
    }
    return total / inst->M;
}

/* One full-batch ceSGD epoch equals u <- normalise(u0 - eta d) with d the
 * central-difference gradient of the loss divided by beta (scaled step) or
 * as it is (gradient step); the two differ, by the factor beta. */
static void test_cesgd_step(void)
{
    tcm_instance *inst = make_instance(15, 3, 0.4, TCM_ARCH_TREE, 8); /* n = 5, M = 6 */
    CU_ASSERT_PTR_NOT_NULL_FATAL(inst);
    const int K = inst->K, n = inst->n;
    double u0[15], w0[15], g[15];
    CU_ASSERT_EQUAL_FATAL(tcm_train_init_weights(w0, K, n, 7, 0), TCM_OK);
    const double beta = 1.7, gamma = 1.3, eta = 0.05, fd = 1e-6;
    for (int j = 0; j < K * n; j++)
        u0[j] = w0[j] / sqrt((double)n);
    for (int j = 0; j < K * n; j++) {
        double up[15], dn[15];
        memcpy(up, u0, sizeof up);
        memcpy(dn, u0, sizeof dn);
        up[j] += fd;
        dn[j] -= fd;
        g[j] = (direct_ce_loss(inst, up, beta, gamma) - direct_ce_loss(inst, dn, beta, gamma)) / (2 * fd);
    }
    double moved[2];
    for (int mode = 0; mode < 2; mode++) {
        /* slow: its stop (loss < 1e-7) cannot end the run at epoch 0 */
        tcm_train_params p = TCM_TRAIN_PARAMS_INIT(CESGD_SLOW);
        p.step = mode ? TCM_TRAIN_STEP_GRADIENT : TCM_TRAIN_STEP_SCALED;
        p.batch = inst->M;
        p.max_epochs = 1;
        p.beta0 = beta;
        p.beta1 = 0.0;
        p.gamma0 = gamma;
        p.gamma1 = 0.0;
        p.eta = eta;
        p.seed = 7;
        tcm_weights *w = NULL;
        tcm_train_result r;
        CU_ASSERT_EQUAL_FATAL(tcm_train_run(&w, inst, &p, &r), TCM_OK);
        CU_ASSERT_EQUAL(r.epochs, 1);
        moved[mode] = 0.0;
        for (int k = 0; k < K; k++) {
            double v[5], norm = 0.0;
            for (int i = 0; i < n; i++) {
                v[i] = u0[k * n + i] - eta * g[k * n + i] / (mode ? 1.0 : beta);
                norm += v[i] * v[i];
            }
            for (int i = 0; i < n; i++) {
                double got = w->w[k * n + i] / sqrt((double)n);
                CU_ASSERT_DOUBLE_EQUAL(got, v[i] / sqrt(norm), 1e-8);
                moved[mode] += fabs(got - u0[k * n + i]);
            }
        }
        tcm_train_result_clear(&r);
        tcm_weights_free(w);
    }
    CU_ASSERT(moved[1] > 1.3 * moved[0]); /* the plain gradient moves further (beta = 1.7) */
    tcm_instance_free(inst);
}

/* Run p on inst with `threads` OpenMP threads; the weights (or NULL). */
static tcm_weights *train_with(const tcm_instance *inst, const tcm_train_params *p, int threads, int *epochs)
{
    int saved = omp_get_max_threads();
    omp_set_num_threads(threads);
    tcm_weights *w = NULL;
    tcm_train_result r;
    int st = tcm_train_run(&w, inst, p, &r);
    omp_set_num_threads(saved);
    *epochs = st == TCM_OK ? r.epochs : -1;
    tcm_train_result_clear(&r);
    return w;
}

/* Same seed: identical weights for 1 and 3 threads; another seed differs. */
static void check_reproducible(const tcm_instance *inst, tcm_train_params p)
{
    int e1, e3, e_other;
    tcm_weights *a = train_with(inst, &p, 1, &e1), *b = train_with(inst, &p, 3, &e3);
    p.seed = 2;
    tcm_weights *c = train_with(inst, &p, 2, &e_other);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    size_t bytes = (size_t)a->K * a->n * sizeof(double);
    CU_ASSERT_EQUAL(e1, e3);
    CU_ASSERT_EQUAL(memcmp(a->w, b->w, bytes), 0);
    CU_ASSERT_NOT_EQUAL(memcmp(a->w, c->w, bytes), 0);
    tcm_weights_free(a);
    tcm_weights_free(b);
    tcm_weights_free(c);
}

static void test_reproducible(void)
{
    /* large enough for the parallel loops (>= TCM_TRAIN_PAR_MIN multiply-adds) */
    tcm_instance *inst = make_instance(1200, 3, 1.0, TCM_ARCH_TREE, 4);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inst);
    tcm_train_params lal = TCM_TRAIN_PARAMS_INIT(LAL), elal = TCM_TRAIN_PARAMS_INIT(ELAL),
                     ce = TCM_TRAIN_PARAMS_INIT(CESGD_FAST);
    lal.max_epochs = 5;
    elal.y = 12;
    elal.max_epochs = 4; /* enough to exercise every step; need not converge */
    ce.batch = 1000;     /* and a short last batch of 200 */
    ce.max_epochs = 5;
    check_reproducible(inst, lal);
    check_reproducible(inst, elal);
    check_reproducible(inst, ce);
    tcm_instance_free(inst);
}

/* Stops after `stop_at` epochs (user points at it). */
static int stop_callback(const tcm_train_epoch *row, void *user)
{
    return row->epoch >= *(const int *)user;
}

/* max_epochs and the callback stop a run that cannot finish: a status, not an
 * error, with normalised weights and the log up to the stop. */
static void test_limits(void)
{
    tcm_instance *inst = make_instance(99, 3, 3.0, TCM_ARCH_TREE, 5); /* beyond capacity */
    CU_ASSERT_PTR_NOT_NULL_FATAL(inst);
    tcm_train_params p = TCM_TRAIN_PARAMS_INIT(LAL);
    p.max_epochs = 3;
    tcm_weights *w = NULL;
    tcm_train_result r;
    CU_ASSERT_EQUAL_FATAL(tcm_train_run(&w, inst, &p, &r), TCM_OK);
    CU_ASSERT(r.status == TCM_TRAIN_MAX_EPOCHS && !r.converged && r.epochs == 3 && r.nlog == 4);
    CU_ASSERT(r.errors > 0 && normalised(w));
    tcm_train_result_clear(&r);
    tcm_weights_free(w);
    int stop_at = 2;
    p = (tcm_train_params)TCM_TRAIN_PARAMS_INIT(CESGD_SLOW);
    p.progress = stop_callback;
    p.user = &stop_at;
    CU_ASSERT_EQUAL_FATAL(tcm_train_run(&w, inst, &p, &r), TCM_OK);
    CU_ASSERT(r.status == TCM_TRAIN_INTERRUPTED && r.epochs == 2 && r.nlog == 3);
    CU_ASSERT(isfinite(r.loss) && r.beta == 0.5 * 1.0004);
    tcm_train_result_clear(&r);
    tcm_weights_free(w);
    tcm_instance_free(inst);
}

/* f_gamma against the direct formula where that is accurate, its limits,
 * and the derivative against central differences. */
static void test_ce_loss(void)
{
    const double xs[] = {-2.0, -0.3, -1e-3, 0.0, 1e-3, 0.3, 2.0};
    const double gs[] = {0.1, 1.0, 3.0};
    for (size_t i = 0; i < sizeof xs / sizeof *xs; i++)
        for (size_t j = 0; j < sizeof gs / sizeof *gs; j++) {
            double x = xs[i], g = gs[j];
            double direct = -x / 2 + log(2 * cosh(g * x)) / (2 * g);
            CU_ASSERT_DOUBLE_EQUAL(tcm_train_ce_loss(x, g), direct, 1e-14);
            double h = 1e-6, fd = (tcm_train_ce_loss(x + h, g) - tcm_train_ce_loss(x - h, g)) / (2 * h);
            if (x != 0.0)
                CU_ASSERT_DOUBLE_EQUAL(tcm_train_ce_grad(x, g), fd, 1e-7);
        }
    CU_ASSERT_DOUBLE_EQUAL(tcm_train_ce_loss(0.0, 2.0), log(2.0) / 4.0, 1e-15);
    CU_ASSERT_EQUAL(tcm_train_ce_grad(0.0, 1e100), -0.5);
    CU_ASSERT_EQUAL(tcm_train_ce_loss(-0.25, 1e100), 0.25); /* the ramp max(-x, 0) */
    CU_ASSERT_EQUAL(tcm_train_ce_loss(0.25, 1e100), 0.0);
    CU_ASSERT_EQUAL(tcm_train_ce_grad(-0.25, 1e100), -1.0);
    CU_ASSERT_EQUAL(tcm_train_ce_grad(0.25, 1e100), 0.0);
    CU_ASSERT(isfinite(tcm_train_ce_loss(-1e6, 1e6)) && tcm_train_ce_grad(-1e6, 1e6) == -1.0);
}

/* Expect tcm_train_params_check to fail with a message containing part. */
static void expect_bad(const tcm_train_params *p, const char *part)
{
    CU_ASSERT_EQUAL(tcm_train_params_check(p), TCM_EINVAL);
    CU_ASSERT(last_error_is(TCM_EINVAL, part));
}

static void test_bad_params(void)
{
    tcm_train_params p = TCM_TRAIN_PARAMS_INIT(ELAL), q;
    CU_ASSERT_EQUAL(tcm_train_params_check(&p), TCM_OK);
    q = p; q.eta = 0.0; expect_bad(&q, "eta (learning rate) must be finite and > 0 (got 0)");
    q = p; q.eta = NAN; expect_bad(&q, "eta");
    q = p; q.batch = 0; expect_bad(&q, "batch (mini-batch size) must be >= 1 (got 0)");
    q = p; q.max_epochs = 0; expect_bad(&q, "max_epochs must be >= 1");
    q = p; q.y = 1; expect_bad(&q, "y (replicas) must be in [2, 4096] (got 1)");
    q = p; q.lambda0 = -1; expect_bad(&q, "lambda0 must be finite and > 0 (got -1)");
    q = p; q.lambda1 = -1e-3; expect_bad(&q, "lambda1 must be finite and >= 0");
    q = p; q.lambda0 = 200; expect_bad(&q, "lambda0 * eta must be <= 1");
    q = p; q.collapse_tol = 0; expect_bad(&q, "collapse_tol");
    q = p; q.algo = (tcm_train_algo)9; expect_bad(&q, "unknown training algorithm 9");
    tcm_train_params c = TCM_TRAIN_PARAMS_INIT(CESGD_SLOW);
    q = c; q.beta0 = 0; expect_bad(&q, "beta0 must be finite and > 0");
    q = c; q.gamma1 = INFINITY; expect_bad(&q, "gamma1 must be finite and >= 0 (got inf)");
    q = c; q.loss_tol = -1; expect_bad(&q, "loss_tol");
    q = c; q.gamma0 = 1e200; expect_bad(&q, "must be <= 1e+100");
    q = c; q.y = 0; /* not used by ceSGD: ignored */
    CU_ASSERT_EQUAL(tcm_train_params_check(&q), TCM_OK);

    tcm_instance *inst = make_instance(30, 3, 1.0, TCM_ARCH_TREE, 6);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inst);
    tcm_weights *w = (tcm_weights *)&w; /* must be reset to NULL on error */
    tcm_train_result r;
    q = p; q.eta = -1;
    CU_ASSERT_EQUAL(tcm_train_run(&w, inst, &q, &r), TCM_EINVAL);
    CU_ASSERT(w == NULL && r.log == NULL);
    CU_ASSERT_EQUAL(tcm_train_run(&w, NULL, &p, &r), TCM_EINVAL);
    CU_ASSERT_EQUAL(tcm_train_run(NULL, inst, &p, &r), TCM_EINVAL);
    CU_ASSERT_EQUAL(tcm_train_params_default(&q, (tcm_train_algo)-1), TCM_EINVAL);
    tcm_instance_free(inst);
}

/* Names round-trip; defaults equal the initialisers (paper, Appendix E). */
static void test_names_defaults(void)
{
    const char *names[] = {"lal", "elal", "cesgd-fast", "cesgd-slow"};
    for (int a = 0; a < 4; a++) {
        tcm_train_algo x;
        CU_ASSERT_STRING_EQUAL(tcm_train_algo_name((tcm_train_algo)a), names[a]);
        CU_ASSERT(tcm_train_algo_parse(names[a], &x) == TCM_OK && x == (tcm_train_algo)a);
        tcm_train_params p;
        CU_ASSERT(tcm_train_params_default(&p, x) == TCM_OK && p.algo == x && p.batch == 100);
        CU_ASSERT_EQUAL(tcm_train_params_check(&p), TCM_OK);
    }
    tcm_train_algo x;
    CU_ASSERT_EQUAL(tcm_train_algo_parse("sgd", &x), TCM_EINVAL);
    CU_ASSERT(last_error_is(TCM_EINVAL, "unknown training algorithm 'sgd'"));
    CU_ASSERT_STRING_EQUAL(tcm_train_status_name(TCM_TRAIN_MAX_EPOCHS), "max_epochs");
    tcm_train_params e = TCM_TRAIN_PARAMS_INIT(ELAL), f = TCM_TRAIN_PARAMS_INIT(CESGD_FAST),
                     l = TCM_TRAIN_PARAMS_INIT(LAL);
    CU_ASSERT(l.eta == 5e-3);
    CU_ASSERT(e.eta == 1e-2 && e.y == 20 && e.lambda0 == 0.5 && e.lambda1 == 1e-4 && e.collapse_tol == 1e-7);
    CU_ASSERT(f.eta == 1e-2 && f.gamma0 == 3 && f.beta0 == 1 && f.gamma1 == 1 && f.beta1 == 1e-3);
    tcm_train_params sl = TCM_TRAIN_PARAMS_INIT(CESGD_SLOW);
    CU_ASSERT(f.step == TCM_TRAIN_STEP_SCALED && sl.step == TCM_TRAIN_STEP_GRADIENT);
    const char *steps[] = {"scaled", "gradient"};
    for (int k = 0; k < 2; k++) {
        tcm_train_step st;
        CU_ASSERT_STRING_EQUAL(tcm_train_step_name((tcm_train_step)k), steps[k]);
        CU_ASSERT(tcm_train_step_parse(steps[k], &st) == TCM_OK && st == (tcm_train_step)k);
    }
    tcm_train_step st;
    CU_ASSERT_EQUAL(tcm_train_step_parse("plain", &st), TCM_EINVAL);
    CU_ASSERT(last_error_is(TCM_EINVAL, "unknown ceSGD step 'plain'"));
    f.step = (tcm_train_step)5;
    CU_ASSERT_EQUAL(tcm_train_params_check(&f), TCM_EINVAL);
    CU_ASSERT(last_error_is(TCM_EINVAL, "step convention 5"));
}

static const tcm_test_case tests[] = {
    { "LAL solves (tree and fully connected)", test_lal },
    { "eLAL solves and collapses", test_elal },
    { "ceSGD fast and slow solve", test_cesgd },
    { "ceSGD step against finite differences", test_cesgd_step },
    { "seeded and thread independent", test_reproducible },
    { "max epochs and callback", test_limits },
    { "cross-entropy loss", test_ce_loss },
    { "bad parameters", test_bad_params },
    { "names and defaults", test_names_defaults },
};

TCM_TEST_SUITE("train", tests)
