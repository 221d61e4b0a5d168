/* Tests of weights: alloc/copy, normalisation (including zero-norm, NaN/Inf,
 * huge and tiny entries), validation, the sign view, kind names, and
 * tcm_weights_eval checked against an independent naive loop on small tree and
 * fully-connected instances, including constructed ties, and across threads. */
#include "tcmbp/error.h"
#include "tcmbp/instance.h"
#include "tcmbp/rng.h"
#include "tcmbp/weights.h"

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

/* Squared norm of unit k. */
static double unit_norm2(const tcm_weights *w, int k)
{
    double s = 0.0;
    for (int i = 0; i < w->n; i++)
        s += w->w[k * w->n + i] * w->w[k * w->n + i];
    return s;
}

static void test_alloc_copy(void)
{
    tcm_weights *w = tcm_weights_alloc(3, 4, TCM_WEIGHTS_CONTINUOUS);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    CU_ASSERT(w->K == 3 && w->n == 4 && w->kind == TCM_WEIGHTS_CONTINUOUS);
    int zero = 1;
    for (int j = 0; j < 12; j++)
        zero &= w->w[j] == 0.0;
    CU_ASSERT(zero);
    for (int j = 0; j < 12; j++)
        w->w[j] = j - 5.5;
    tcm_weights *c = tcm_weights_copy(w);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT(c->w != w->w && c->K == 3 && c->n == 4);
    CU_ASSERT_EQUAL(memcmp(c->w, w->w, 12 * sizeof(double)), 0);
    tcm_weights_free(c);
    tcm_weights_free(w);
    tcm_weights_free(NULL);
    CU_ASSERT_PTR_NULL(tcm_weights_alloc(0, 4, TCM_WEIGHTS_BINARY));
    CU_ASSERT(last_error_is(TCM_EINVAL, "K = 0"));
    CU_ASSERT_PTR_NULL(tcm_weights_alloc(3, -1, TCM_WEIGHTS_BINARY));
    CU_ASSERT(last_error_is(TCM_EINVAL, "n = -1"));
    CU_ASSERT_PTR_NULL(tcm_weights_alloc(3, 4, (tcm_weight_kind)3));
    CU_ASSERT(last_error_is(TCM_EINVAL, "unknown weight kind"));
    CU_ASSERT_PTR_NULL(tcm_weights_copy(NULL));
    CU_ASSERT_EQUAL(tcm_last_error_code(), TCM_EINVAL);
}

static void test_normalize(void)
{
    tcm_weights *w = tcm_weights_alloc(3, 50, TCM_WEIGHTS_CONTINUOUS);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    tcm_rng r;
    tcm_rng_init(&r, 1, 0);
    for (int j = 0; j < 150; j++)
        w->w[j] = tcm_rng_normal(&r);
    for (int i = 0; i < 50; i++) {
        w->w[50 + i] *= 1e300; /* squares would overflow */
        w->w[100 + i] *= 1e-310; /* subnormal */
    }
    double ratio = w->w[1] / w->w[0];
    CU_ASSERT_EQUAL_FATAL(tcm_weights_normalize(w), TCM_OK);
    for (int k = 0; k < 3; k++)
        CU_ASSERT_DOUBLE_EQUAL(unit_norm2(w, k), 50.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(w->w[1] / w->w[0], ratio, 1e-12 * fabs(ratio));
    CU_ASSERT_EQUAL(tcm_weights_validate(w), TCM_OK);

    /* Zero-norm unit: EINVAL naming it, and nothing is changed. */
    for (int i = 0; i < 50; i++)
        w->w[50 + i] = 0.0;
    double before = w->w[0];
    CU_ASSERT_EQUAL(tcm_weights_normalize(w), TCM_EINVAL);
    CU_ASSERT(last_error_is(TCM_EINVAL, "unit 1 has zero norm"));
    CU_ASSERT_EQUAL(w->w[0], before);
    CU_ASSERT_EQUAL(tcm_weights_validate(w), TCM_EINVAL);
    CU_ASSERT(last_error_is(TCM_EINVAL, "unit 1 has zero norm"));

    /* Non-finite entries: ENUMERIC naming (unit, index). */
    w->w[50] = 1.0;
    w->w[2 * 50 + 7] = NAN;
    CU_ASSERT_EQUAL(tcm_weights_normalize(w), TCM_ENUMERIC);
    CU_ASSERT(last_error_is(TCM_ENUMERIC, "unit 2, index 7"));
    w->w[2 * 50 + 7] = -INFINITY;
    CU_ASSERT_EQUAL(tcm_weights_normalize(w), TCM_ENUMERIC);
    CU_ASSERT(last_error_is(TCM_ENUMERIC, "unit 2, index 7"));
    CU_ASSERT_EQUAL(tcm_weights_validate(w), TCM_ENUMERIC);
    CU_ASSERT_EQUAL(tcm_weights_normalize(NULL), TCM_EINVAL);
    tcm_weights_free(w);

    /* +-1 units are already normalised and stay exactly +-1. */
    tcm_weights *b = tcm_weights_alloc(1, 7, TCM_WEIGHTS_BINARY);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    for (int i = 0; i < 7; i++)
        b->w[i] = i % 3 ? 1.0 : -1.0;
    CU_ASSERT_EQUAL(tcm_weights_normalize(b), TCM_OK);
    int exact = 1;
    for (int i = 0; i < 7; i++)
        exact &= b->w[i] == (i % 3 ? 1.0 : -1.0);
    CU_ASSERT(exact);
    tcm_weights_free(b);
}

static void test_validate_sign(void)
{
    tcm_weights *c = tcm_weights_alloc(2, 3, TCM_WEIGHTS_CONTINUOUS);
    tcm_weights *b = tcm_weights_alloc(2, 3, TCM_WEIGHTS_BINARY);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    const double v[6] = {0.5, -2.0, 0.0, -0.0, 3.0, -1e-300};
    memcpy(c->w, v, sizeof v);
    CU_ASSERT_EQUAL(tcm_weights_validate(c), TCM_OK);
    CU_ASSERT_EQUAL(tcm_weights_validate(b), TCM_EINVAL); /* zeros are not +-1 */
    CU_ASSERT(last_error_is(TCM_EINVAL, "unit 0, index 0"));
    CU_ASSERT_EQUAL(tcm_weights_sign(b, c), TCM_OK);
    const double want[6] = {1, -1, 1, 1, 1, -1};
    CU_ASSERT_EQUAL(memcmp(b->w, want, sizeof want), 0);
    CU_ASSERT_EQUAL(tcm_weights_validate(b), TCM_OK);
    b->w[4] = 0.5;
    CU_ASSERT_EQUAL(tcm_weights_validate(b), TCM_EINVAL);
    CU_ASSERT(last_error_is(TCM_EINVAL, "binary weight (unit 1, index 1) is 0.5"));
    CU_ASSERT_EQUAL(tcm_weights_sign(c, c), TCM_OK); /* in place */
    CU_ASSERT_EQUAL(memcmp(c->w, want, sizeof want), 0);
    c->w[5] = NAN;
    CU_ASSERT_EQUAL(tcm_weights_sign(b, c), TCM_ENUMERIC);
    CU_ASSERT(last_error_is(TCM_ENUMERIC, "unit 1, index 2"));
    tcm_weights *other = tcm_weights_alloc(3, 2, TCM_WEIGHTS_BINARY);
    CU_ASSERT_EQUAL(tcm_weights_sign(other, b), TCM_EINVAL);
    CU_ASSERT(last_error_is(TCM_EINVAL, "3 x 2"));
    CU_ASSERT_EQUAL(tcm_weights_validate(NULL), TCM_EINVAL);
    tcm_weights_free(other);
    tcm_weights_free(b);
    tcm_weights_free(c);
}

static void test_kind_names(void)
{
    tcm_weight_kind k = TCM_WEIGHTS_CONTINUOUS;
    CU_ASSERT_STRING_EQUAL(tcm_weight_kind_name(TCM_WEIGHTS_CONTINUOUS), "continuous");
    CU_ASSERT_STRING_EQUAL(tcm_weight_kind_name(TCM_WEIGHTS_BINARY), "binary");
    CU_ASSERT_STRING_EQUAL(tcm_weight_kind_name((tcm_weight_kind)4), "unknown");
    CU_ASSERT_EQUAL(tcm_weight_kind_parse("binary", &k), TCM_OK);
    CU_ASSERT_EQUAL(k, TCM_WEIGHTS_BINARY);
    CU_ASSERT_EQUAL(tcm_weight_kind_parse("continuous", &k), TCM_OK);
    CU_ASSERT_EQUAL(k, TCM_WEIGHTS_CONTINUOUS);
    CU_ASSERT_EQUAL(tcm_weight_kind_parse("ising", &k), TCM_EINVAL);
    CU_ASSERT(last_error_is(TCM_EINVAL, "unknown weight kind 'ising'"));
    CU_ASSERT_EQUAL(tcm_weight_kind_parse(NULL, &k), TCM_EINVAL);
}

/* Naive evaluation written from the definition in weights.h, independently
 * of the library: fields, outputs, errors, min and mean stabilities. */
static void naive_eval(const tcm_weights *w, const tcm_instance *inst, tcm_eval *ev,
                       int8_t *outputs, double *fields)
{
    int K = inst->K, n = inst->n;
    double sum = 0.0, mn = INFINITY;
    ev->errors = 0;
    for (int a = 0; a < inst->M; a++) {
        int vote = 0;
        for (int k = 0; k < K; k++) {
            int start = a * inst->N + (inst->arch == TCM_ARCH_TREE ? k * n : 0);
            double h = 0.0;
            for (int i = 0; i < n; i++)
                h += w->w[k * n + i] * inst->patterns[start + i];
            h /= sqrt((double)n);
            fields[a * K + k] = h;
            vote += h > 0 ? 1 : h < 0 ? -1 : 0;
            sum += inst->outputs[a] * h;
            if (inst->outputs[a] * h < mn)
                mn = inst->outputs[a] * h;
        }
        outputs[a] = (int8_t)(vote > 0 ? 1 : vote < 0 ? -1 : 0);
        ev->errors += outputs[a] != inst->outputs[a];
    }
    ev->M = inst->M;
    ev->error_rate = (double)ev->errors / inst->M;
    ev->min_stability = mn;
    ev->mean_stability = sum / ((double)inst->M * K);
}

/* tcm_weights_eval agrees with naive_eval (fields exactly, sums to 1e-12). */
static void check_against_naive(const tcm_weights *w, const tcm_instance *inst)
{
    size_t M = (size_t)inst->M, K = (size_t)inst->K;
    int8_t *o1 = malloc(M), *o2 = malloc(M);
    double *f1 = malloc(M * K * sizeof *f1), *f2 = malloc(M * K * sizeof *f2);
    CU_ASSERT_FATAL(o1 && o2 && f1 && f2);
    tcm_eval e1, e2;
    CU_ASSERT_EQUAL_FATAL(tcm_weights_eval(w, inst, &e1, o1, f1), TCM_OK);
    naive_eval(w, inst, &e2, o2, f2);
    CU_ASSERT_EQUAL(e1.M, e2.M);
    CU_ASSERT_EQUAL(e1.errors, e2.errors);
    CU_ASSERT_DOUBLE_EQUAL(e1.error_rate, e2.error_rate, 1e-15);
    CU_ASSERT_EQUAL(e1.min_stability, e2.min_stability);
    CU_ASSERT_DOUBLE_EQUAL(e1.mean_stability, e2.mean_stability, 1e-12);
    CU_ASSERT_EQUAL(memcmp(o1, o2, M), 0);
    CU_ASSERT_EQUAL(memcmp(f1, f2, M * K * sizeof *f1), 0);
    tcm_eval e3;
    CU_ASSERT_EQUAL(tcm_weights_eval(w, inst, &e3, NULL, NULL), TCM_OK); /* optional arrays */
    CU_ASSERT_EQUAL(e3.errors, e1.errors);
    free(o1);
    free(o2);
    free(f1);
    free(f2);
}

/* Tree, K = 3, n = 2, all weights (1, 1): an input pair (1, -1) gives h = 0.
 * Pattern 0: fields 0, +, - -> vote 0 (tie: error whatever sigma).
 * Pattern 1: fields 0, +, + -> +1 = sigma. Pattern 2: all + but sigma = -1.
 * Pattern 3: all - and sigma = -1. */
static void test_eval_constructed_ties(void)
{
    tcm_instance *inst = tcm_instance_alloc(6, 3, 4, TCM_ARCH_TREE);
    tcm_weights *w = tcm_weights_alloc(3, 2, TCM_WEIGHTS_BINARY);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inst);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    const int8_t pat[4][6] = {{1, -1, 1, 1, -1, -1},
                              {-1, 1, 1, 1, 1, 1},
                              {1, 1, 1, 1, 1, 1},
                              {-1, -1, -1, -1, -1, -1}};
    const int8_t sigma[4] = {1, 1, -1, -1};
    memcpy(inst->patterns, pat, sizeof pat);
    memcpy(inst->outputs, sigma, sizeof sigma);
    for (int j = 0; j < 6; j++)
        w->w[j] = 1.0;
    CU_ASSERT_EQUAL(tcm_instance_validate(inst), TCM_OK);
    int8_t out[4];
    double f[12];
    tcm_eval ev;
    CU_ASSERT_EQUAL_FATAL(tcm_weights_eval(w, inst, &ev, out, f), TCM_OK);
    const int8_t want[4] = {0, 1, 1, -1};
    CU_ASSERT_EQUAL(memcmp(out, want, 4), 0);
    CU_ASSERT_EQUAL(ev.errors, 2);
    CU_ASSERT_DOUBLE_EQUAL(ev.error_rate, 0.5, 0);
    CU_ASSERT_EQUAL(f[0], 0.0);
    CU_ASSERT_DOUBLE_EQUAL(f[1], sqrt(2.0), 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(ev.min_stability, -sqrt(2.0), 1e-15);
    check_against_naive(w, inst);
    tcm_weights_free(w);
    tcm_instance_free(inst);
}

/* Random weights on a random instance, with a few fields forced to zero. */
static void check_random_eval(tcm_arch arch, int N, int K, int M, tcm_weight_kind kind)
{
    tcm_instance_params p = TCM_INSTANCE_PARAMS_INIT;
    p.N = N, p.K = K, p.M = M, p.arch = arch, p.seed = 31;
    tcm_instance *inst = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_instance_generate(&inst, &p), TCM_OK);
    tcm_weights *w = tcm_weights_alloc(K, inst->n, kind);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    tcm_rng r;
    tcm_rng_init(&r, 8, 0);
    for (int j = 0; j < K * inst->n; j++)
        w->w[j] = kind == TCM_WEIGHTS_BINARY ? tcm_rng_sign(&r) : tcm_rng_normal(&r);
    check_against_naive(w, inst);
    tcm_weights_free(w);
    tcm_instance_free(inst);
}

static void test_eval_naive_tree_and_full(void)
{
    check_random_eval(TCM_ARCH_TREE, 12, 3, 37, TCM_WEIGHTS_BINARY); /* n = 4: ties */
    check_random_eval(TCM_ARCH_TREE, 45, 5, 53, TCM_WEIGHTS_CONTINUOUS);
    check_random_eval(TCM_ARCH_FULL, 10, 3, 41, TCM_WEIGHTS_BINARY); /* n = 10: ties */
    check_random_eval(TCM_ARCH_FULL, 17, 5, 29, TCM_WEIGHTS_CONTINUOUS);
}

/* Fully connected: every unit sees the whole pattern (n = N). */
static void test_eval_full_by_hand(void)
{
    tcm_instance *inst = tcm_instance_alloc(2, 3, 2, TCM_ARCH_FULL);
    tcm_weights *w = tcm_weights_alloc(3, 2, TCM_WEIGHTS_CONTINUOUS);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inst);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    const int8_t pat[4] = {1, 1, 1, -1};
    const int8_t sigma[2] = {1, 1};
    const double wv[6] = {1, 0, 0, 1, -1, 0.5};
    memcpy(inst->patterns, pat, sizeof pat);
    memcpy(inst->outputs, sigma, sizeof sigma);
    memcpy(w->w, wv, sizeof wv);
    double f[6];
    int8_t out[2];
    tcm_eval ev;
    CU_ASSERT_EQUAL_FATAL(tcm_weights_eval(w, inst, &ev, out, f), TCM_OK);
    /* Pattern 0 (1, 1): h = (1, 1, -0.5)/sqrt2 -> +1. Pattern 1 (1, -1):
     * h = (1, -1, -1.5)/sqrt2 -> -1, an error. */
    const double s = sqrt(2.0);
    const double want[6] = {1 / s, 1 / s, -0.5 / s, 1 / s, -1 / s, -1.5 / s};
    for (int j = 0; j < 6; j++)
        CU_ASSERT_DOUBLE_EQUAL(f[j], want[j], 1e-15);
    CU_ASSERT(out[0] == 1 && out[1] == -1);
    CU_ASSERT_EQUAL(ev.errors, 1);
    CU_ASSERT_DOUBLE_EQUAL(ev.mean_stability, (1 + 1 - 0.5 + 1 - 1 - 1.5) / s / 6, 1e-15);
    tcm_weights_free(w);
    tcm_instance_free(inst);
}

static void test_eval_errors_and_threads(void)
{
    tcm_instance_params p = TCM_INSTANCE_PARAMS_INIT;
    p.N = 301 * 3, p.K = 3, p.M = 3001, p.seed = 2;
    tcm_instance *inst = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_instance_generate(&inst, &p), TCM_OK);
    tcm_weights *w = tcm_weights_alloc(3, 301, TCM_WEIGHTS_CONTINUOUS);
    tcm_weights *bad = tcm_weights_alloc(3, 300, TCM_WEIGHTS_CONTINUOUS);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bad);
    tcm_rng r;
    tcm_rng_init(&r, 3, 0);
    for (int j = 0; j < 903; j++)
        w->w[j] = tcm_rng_normal(&r);
    tcm_eval e1, e2;
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    CU_ASSERT_EQUAL(tcm_weights_eval(w, inst, &e1, NULL, NULL), TCM_OK);
    omp_set_num_threads(3);
    CU_ASSERT_EQUAL(tcm_weights_eval(w, inst, &e2, NULL, NULL), TCM_OK);
    omp_set_num_threads(saved);
    CU_ASSERT(e1.errors == e2.errors && e1.min_stability == e2.min_stability);
    CU_ASSERT(e1.mean_stability == e2.mean_stability); /* bitwise */
    CU_ASSERT(e1.errors > 0.4 * p.M && e1.errors < 0.6 * p.M); /* random weights */
    CU_ASSERT_EQUAL(tcm_weights_eval(bad, inst, &e1, NULL, NULL), TCM_EINVAL);
    CU_ASSERT(last_error_is(TCM_EINVAL, "weights are 3 x 300 but the instance needs"));
    w->w[5] = INFINITY;
    CU_ASSERT_EQUAL(tcm_weights_eval(w, inst, &e1, NULL, NULL), TCM_ENUMERIC);
    CU_ASSERT(last_error_is(TCM_ENUMERIC, "unit 0, index 5"));
    CU_ASSERT_EQUAL(tcm_weights_eval(w, NULL, &e1, NULL, NULL), TCM_EINVAL);
    tcm_weights_free(bad);
    tcm_weights_free(w);
    tcm_instance_free(inst);
}

static const tcm_test_case tests[] = {
    { "alloc and copy", test_alloc_copy },
    { "normalize", test_normalize },
    { "validate and sign", test_validate_sign },
    { "kind names", test_kind_names },
    { "eval: constructed ties", test_eval_constructed_ties },
    { "eval: naive loop, tree and full", test_eval_naive_tree_and_full },
    { "eval: fully connected by hand", test_eval_full_by_hand },
    { "eval: errors and threads", test_eval_errors_and_threads },
};

TCM_TEST_SUITE("weights", tests)
