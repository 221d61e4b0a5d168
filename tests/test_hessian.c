/* Tests of the Hessian of the smoothed loss (hessian.c) and of the
 * eigenvalue routines (spectrum.c): gradient and Hessian against finite
 * differences of the loss on tiny networks (both architectures), products
 * against the dense matrix, thread independence, the dense and Lanczos
 * spectra of a matrix with a known spectrum, and Lanczos's largest
 * eigenvalue of a Hessian against the full spectrum. */
#include "tcmbp/error.h"
#include "tcmbp/hessian.h"
#include "tcmbp/instance.h"
#include "tcmbp/rng.h"
#include "tcmbp/spectrum.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include "test_suite.h"

/* The output unit the finite-difference checks use (both are tested). */
static tcm_hessian_output out_mode = TCM_HESSIAN_OUTPUT_TANH;

/* A random instance and random normalised weights. */
static void setup(int N, int K, int M, tcm_arch arch, uint64_t seed, tcm_instance **inst, tcm_weights **w)
{
    tcm_instance_params p = TCM_INSTANCE_PARAMS_INIT;
    p.N = N;
    p.K = K;
    p.M = M;
    p.arch = arch;
    p.seed = seed;
    CU_ASSERT_EQUAL_FATAL(tcm_instance_generate(inst, &p), TCM_OK);
    *w = tcm_weights_alloc(K, (*inst)->n, TCM_WEIGHTS_CONTINUOUS);
    CU_ASSERT_PTR_NOT_NULL_FATAL(*w);
    tcm_rng r;
    tcm_rng_init(&r, seed, 99);
    for (int j = 0; j < K * (*inst)->n; j++)
        (*w)->w[j] = tcm_rng_normal(&r);
    CU_ASSERT_EQUAL(tcm_weights_normalize(*w), TCM_OK);
}

/* Loss at w with entry j shifted by d. */
static double loss_at(tcm_weights *w, const tcm_instance *inst, double beta, int j, double d)
{
    double keep = w->w[j];
    w->w[j] = keep + d;
    tcm_hessian *h = tcm_hessian_alloc(w, inst, beta, out_mode);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    double L = tcm_hessian_loss(h);
    tcm_hessian_free(h);
    w->w[j] = keep;
    return L;
}

/* Gradient at w with entry j shifted by d, into g. */
static void grad_at(tcm_weights *w, const tcm_instance *inst, double beta, int j, double d, double *g)
{
    double keep = w->w[j];
    w->w[j] = keep + d;
    tcm_hessian *h = tcm_hessian_alloc(w, inst, beta, out_mode);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    tcm_hessian_gradient(h, g);
    tcm_hessian_free(h);
    w->w[j] = keep;
}

/* Gradient and Hessian against central differences. */
static void check_fd(int N, int K, int M, tcm_arch arch, double beta)
{
    tcm_instance *inst;
    tcm_weights *w;
    setup(N, K, M, arch, 3, &inst, &w);
    tcm_hessian *h = tcm_hessian_alloc(w, inst, beta, out_mode);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    int dim = tcm_hessian_dim(h);
    CU_ASSERT_EQUAL(dim, K * inst->n);
    double *g = malloc(sizeof(double) * (size_t)dim), *H = malloc(sizeof(double) * (size_t)dim * (size_t)dim);
    double *gp = malloc(sizeof(double) * (size_t)dim), *gm = malloc(sizeof(double) * (size_t)dim);
    tcm_hessian_gradient(h, g);
    tcm_hessian_dense(h, H);
    const double eps = 1e-5;
    double gmax = 0, hmax = 0, gerr = 0, herr = 0;
    for (int j = 0; j < dim; j++) {
        double fd = (loss_at(w, inst, beta, j, eps) - loss_at(w, inst, beta, j, -eps)) / (2 * eps);
        gerr = fmax(gerr, fabs(fd - g[j]));
        gmax = fmax(gmax, fabs(g[j]));
        grad_at(w, inst, beta, j, eps, gp);
        grad_at(w, inst, beta, j, -eps, gm);
        for (int i = 0; i < dim; i++) {
            double fdh = (gp[i] - gm[i]) / (2 * eps);
            herr = fmax(herr, fabs(fdh - H[(size_t)i * (size_t)dim + (size_t)j]));
            hmax = fmax(hmax, fabs(fdh));
            CU_ASSERT_DOUBLE_EQUAL(H[(size_t)i * dim + j], H[(size_t)j * dim + i], 1e-12 * (1 + hmax));
        }
    }
    CU_ASSERT(gmax > 1e-3 && hmax > 1e-3); /* the test is not vacuous */
    CU_ASSERT(gerr <= 1e-7 * (1 + gmax));
    CU_ASSERT(herr <= 1e-6 * (1 + hmax));
    if (!(gerr <= 1e-7 * (1 + gmax)) || !(herr <= 1e-6 * (1 + hmax)))
        fprintf(stderr, "gradient error %g (max %g), Hessian error %g (max %g)\n", gerr, gmax, herr, hmax);
    /* products against the dense matrix */
    tcm_rng r;
    tcm_rng_init(&r, 5, 0);
    for (int i = 0; i < dim; i++)
        gp[i] = tcm_rng_normal(&r);
    tcm_hessian_apply(h, gp, gm);
    for (int i = 0; i < dim; i++) {
        double s = 0;
        for (int j = 0; j < dim; j++)
            s += H[(size_t)i * dim + j] * gp[j];
        CU_ASSERT_DOUBLE_EQUAL(gm[i], s, 1e-11 * (1 + fabs(s)));
    }
    free(g);
    free(H);
    free(gp);
    free(gm);
    tcm_hessian_free(h);
    tcm_weights_free(w);
    tcm_instance_free(inst);
}

static void test_fd_full(void)
{
    for (int m = 0; m < 2; m++) {
        out_mode = m ? TCM_HESSIAN_OUTPUT_TANH : TCM_HESSIAN_OUTPUT_LINEAR;
        check_fd(6, 3, 9, TCM_ARCH_FULL, 1.3);
    }
}

static void test_fd_tree(void)
{
    for (int m = 0; m < 2; m++) {
        out_mode = m ? TCM_HESSIAN_OUTPUT_TANH : TCM_HESSIAN_OUTPUT_LINEAR;
        check_fd(15, 3, 11, TCM_ARCH_TREE, 2.0);
    }
}

static void test_threads(void)
{
    tcm_instance *inst;
    tcm_weights *w;
    setup(50, 3, 80, TCM_ARCH_FULL, 7, &inst, &w);
    tcm_hessian *h = tcm_hessian_alloc(w, inst, 4.0, TCM_HESSIAN_OUTPUT_LINEAR);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    int dim = tcm_hessian_dim(h);
    double *v = malloc(sizeof(double) * (size_t)dim), *a = malloc(sizeof(double) * (size_t)dim),
           *b = malloc(sizeof(double) * (size_t)dim);
    for (int i = 0; i < dim; i++)
        v[i] = sin(i + 1.0);
    omp_set_num_threads(1);
    tcm_hessian_apply(h, v, a);
    omp_set_num_threads(3);
    tcm_hessian_apply(h, v, b);
    omp_set_num_threads(2);
    CU_ASSERT_EQUAL(memcmp(a, b, sizeof(double) * (size_t)dim), 0);
    free(v);
    free(a);
    free(b);
    tcm_hessian_free(h);
    tcm_weights_free(w);
    tcm_instance_free(inst);
    /* bad arguments */
    CU_ASSERT_PTR_NULL(tcm_hessian_alloc(NULL, NULL, 1.0, TCM_HESSIAN_OUTPUT_LINEAR));
}

/* A = (I - 2 u u^T) diag(lambda) (I - 2 u u^T), |u| = 1: spectrum lambda. */
typedef struct {
    int n;
    const double *lambda, *u;
} known_op;

static void known_apply(void *ctx, const double *x, double *y)
{
    const known_op *o = ctx;
    double c = 0;
    for (int i = 0; i < o->n; i++)
        c += o->u[i] * x[i];
    for (int i = 0; i < o->n; i++)
        y[i] = o->lambda[i] * (x[i] - 2 * c * o->u[i]);
    c = 0;
    for (int i = 0; i < o->n; i++)
        c += o->u[i] * y[i];
    for (int i = 0; i < o->n; i++)
        y[i] -= 2 * c * o->u[i];
}

static void test_known_spectrum(void)
{
    enum { n = 200 };
    double lambda[n], u[n], nu = 0;
    for (int i = 0; i < n; i++) {
        lambda[i] = -1.0 + 2.0 * i / n; /* bulk in [-1, 1) */
        u[i] = cos(0.37 * i) + 0.1;
        nu += u[i] * u[i];
    }
    lambda[17] = 9.0; /* separated top values */
    lambda[101] = 7.5;
    lambda[3] = 6.0;
    for (int i = 0; i < n; i++)
        u[i] /= sqrt(nu);
    known_op op = {n, lambda, u};
    tcm_lanczos_params p = TCM_LANCZOS_PARAMS_INIT;
    p.nwant = 3;
    p.max_steps = 150;
    double top[3];
    tcm_lanczos_result res;
    CU_ASSERT_EQUAL_FATAL(tcm_spectrum_lanczos(n, known_apply, &op, &p, top, &res), TCM_OK);
    CU_ASSERT(res.converged);
    CU_ASSERT(res.steps < 150);
    CU_ASSERT_EQUAL(res.found, 3);
    CU_ASSERT_DOUBLE_EQUAL(top[0], 9.0, 1e-8);
    CU_ASSERT_DOUBLE_EQUAL(top[1], 7.5, 1e-8);
    CU_ASSERT_DOUBLE_EQUAL(top[2], 6.0, 1e-8);
    /* dense: the same matrix built column by column, full spectrum */
    double *A = malloc(sizeof(double) * n * n), e[n], col[n], ev[n];
    for (int j = 0; j < n; j++) {
        memset(e, 0, sizeof e);
        e[j] = 1;
        known_apply(&op, e, col);
        for (int i = 0; i < n; i++)
            A[i * n + j] = col[i];
    }
    CU_ASSERT_EQUAL_FATAL(tcm_spectrum_dense(n, A, ev), TCM_OK);
    double sorted[n];
    memcpy(sorted, lambda, sizeof sorted);
    for (int i = 1; i < n; i++) /* insertion sort */
        for (int j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
            double t = sorted[j];
            sorted[j] = sorted[j - 1];
            sorted[j - 1] = t;
        }
    for (int i = 0; i < n; i++)
        CU_ASSERT_DOUBLE_EQUAL(ev[i], sorted[i], 1e-10);
    A[5] = NAN;
    CU_ASSERT_EQUAL(tcm_spectrum_dense(n, A, ev), TCM_ENUMERIC);
    free(A);
    /* a step limit that cannot converge is a result, not an error */
    p.max_steps = 4;
    p.nwant = 1;
    CU_ASSERT_EQUAL(tcm_spectrum_lanczos(n, known_apply, &op, &p, top, &res), TCM_OK);
    CU_ASSERT_EQUAL(res.steps, 4);
    CU_ASSERT(!res.converged);
    p.nwant = 0;
    CU_ASSERT_EQUAL(tcm_spectrum_lanczos(n, known_apply, &op, &p, top, &res), TCM_EINVAL);
    /* rank 2 (two nonzero eigenvalues): the Krylov space closes at 3 steps
     * (the two and the null space), found = 3 of 5 wanted, exact */
    for (int i = 0; i < n; i++)
        lambda[i] = i == 10 ? 4.0 : i == 20 ? 2.0 : 0.0;
    p.max_steps = 100;
    p.nwant = 5;
    double top5[5];
    CU_ASSERT_EQUAL_FATAL(tcm_spectrum_lanczos(n, known_apply, &op, &p, top5, &res), TCM_OK);
    CU_ASSERT(res.converged);
    CU_ASSERT_EQUAL(res.found, 3);
    CU_ASSERT_DOUBLE_EQUAL(top5[0], 4.0, 1e-10);
    CU_ASSERT_DOUBLE_EQUAL(top5[1], 2.0, 1e-10);
    CU_ASSERT_DOUBLE_EQUAL(top5[2], 0.0, 1e-10);
    CU_ASSERT(isnan(top5[3]) && isnan(top5[4]));
}

static void hessian_apply_cb(void *ctx, const double *x, double *y) { tcm_hessian_apply(ctx, x, y); }

static void test_lanczos_vs_dense(void)
{
    tcm_instance *inst;
    tcm_weights *w;
    setup(40, 3, 150, TCM_ARCH_FULL, 11, &inst, &w);
    tcm_hessian *h = tcm_hessian_alloc(w, inst, 3.0, TCM_HESSIAN_OUTPUT_LINEAR);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    int dim = tcm_hessian_dim(h);
    double *H = malloc(sizeof(double) * (size_t)dim * (size_t)dim), *ev = malloc(sizeof(double) * (size_t)dim);
    tcm_hessian_dense(h, H);
    CU_ASSERT_EQUAL_FATAL(tcm_spectrum_dense(dim, H, ev), TCM_OK);
    tcm_lanczos_params p = TCM_LANCZOS_PARAMS_INIT;
    p.nwant = 2;
    double top[2];
    tcm_lanczos_result res;
    CU_ASSERT_EQUAL_FATAL(tcm_spectrum_lanczos(dim, hessian_apply_cb, h, &p, top, &res), TCM_OK);
    CU_ASSERT(res.converged);
    CU_ASSERT(ev[dim - 1] > 0);
    CU_ASSERT_DOUBLE_EQUAL(top[0], ev[dim - 1], 1e-8 * fabs(ev[dim - 1]));
    CU_ASSERT_DOUBLE_EQUAL(top[1], ev[dim - 2], 1e-8 * fabs(ev[dim - 1]));
    free(H);
    free(ev);
    tcm_hessian_free(h);
    tcm_weights_free(w);
    tcm_instance_free(inst);
}

static const tcm_test_case tests[] = {
    {"finite differences, fully connected", test_fd_full},
    {"finite differences, tree", test_fd_tree},
    {"thread independence", test_threads},
    {"known spectrum: Lanczos and dense", test_known_spectrum},
    {"Lanczos max vs full spectrum", test_lanczos_vs_dense},
};
TCM_TEST_SUITE("hessian", tests)
