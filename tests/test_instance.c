/* Tests of instances: size checks and their messages, M from alpha, the
 * documented stream layout, byte-identical generation for any thread count
 * and across runs, validation naming the first bad entry, teacher instances
 * (zero errors under tcm_weights_eval, tie rule), balance of random outputs,
 * the output rule (K parity, parity teachers, validation, fingerprint). */
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

/* Generate with p, asserting success. */
static tcm_instance *gen_ok(const tcm_instance_params *p)
{
    tcm_instance *inst = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_instance_generate(&inst, p), TCM_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inst);
    return inst;
}

/* Byte equality of two instances, teacher included. */
static int same_instance(const tcm_instance *x, const tcm_instance *y)
{
    if (x->N != y->N || x->K != y->K || x->M != y->M || x->n != y->n || x->arch != y->arch)
        return 0;
    if (memcmp(x->patterns, y->patterns, (size_t)x->M * (size_t)x->N) != 0 ||
        memcmp(x->outputs, y->outputs, (size_t)x->M) != 0 || x->seed != y->seed ||
        strcmp(x->generator, y->generator) != 0 || !x->teacher != !y->teacher)
        return 0;
    if (!x->teacher)
        return 1;
    const tcm_weights *s = x->teacher, *t = y->teacher;
    return s->K == t->K && s->n == t->n && s->kind == t->kind &&
           memcmp(s->w, t->w, (size_t)s->K * (size_t)s->n * sizeof *s->w) == 0;
}

static void test_alloc_checks(void)
{
    tcm_instance *inst = tcm_instance_alloc(30, 3, 10, TCM_ARCH_TREE);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inst);
    CU_ASSERT_EQUAL(inst->n, 10);
    CU_ASSERT_PTR_NULL(inst->teacher);
    CU_ASSERT_STRING_EQUAL(inst->generator, "imported");
    tcm_instance_free(inst);
    inst = tcm_instance_alloc(10, 3, 4, TCM_ARCH_FULL); /* no divisibility needed */
    CU_ASSERT_PTR_NOT_NULL_FATAL(inst);
    CU_ASSERT_EQUAL(inst->n, 10);
    tcm_instance_free(inst);
    tcm_instance_free(NULL);

    /* even K allocates (the rule comes later); validation wants odd K for majority */
    inst = tcm_instance_alloc(30, 2, 10, TCM_ARCH_TREE);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inst);
    CU_ASSERT_EQUAL(inst->rule, TCM_RULE_MAJORITY);
    for (int j = 0; j < 30 * 10; j++) inst->patterns[j] = 1;
    for (int a = 0; a < 10; a++) inst->outputs[a] = -1;
    CU_ASSERT_EQUAL(tcm_instance_validate(inst), TCM_EINVAL);
    CU_ASSERT(last_error_is(TCM_EINVAL, "K must be odd and positive for the majority rule"));
    inst->rule = TCM_RULE_PARITY;
    CU_ASSERT_EQUAL(tcm_instance_validate(inst), TCM_OK);
    inst->rule = (tcm_output_rule)5;
    CU_ASSERT_EQUAL(tcm_instance_validate(inst), TCM_EINVAL);
    CU_ASSERT(last_error_is(TCM_EINVAL, "unknown output rule 5"));
    tcm_instance_free(inst);
    CU_ASSERT_PTR_NULL(tcm_instance_alloc(30, 0, 10, TCM_ARCH_FULL));
    CU_ASSERT(last_error_is(TCM_EINVAL, "K must be positive"));
    CU_ASSERT_PTR_NULL(tcm_instance_alloc(31, 3, 10, TCM_ARCH_TREE));
    CU_ASSERT(last_error_is(TCM_EINVAL, "N = 31 is not divisible by K = 3"));
    CU_ASSERT_PTR_NULL(tcm_instance_alloc(0, 3, 10, TCM_ARCH_TREE));
    CU_ASSERT(last_error_is(TCM_EINVAL, "N must be positive"));
    CU_ASSERT_PTR_NULL(tcm_instance_alloc(30, 3, 0, TCM_ARCH_TREE));
    CU_ASSERT(last_error_is(TCM_EINVAL, "M (number of patterns) must be positive"));
    CU_ASSERT_PTR_NULL(tcm_instance_alloc(30, 3, -5, TCM_ARCH_TREE));
    CU_ASSERT(last_error_is(TCM_EINVAL, "M = -5"));
    CU_ASSERT_PTR_NULL(tcm_instance_alloc(30, 3, 10, (tcm_arch)7));
    CU_ASSERT(last_error_is(TCM_EINVAL, "unknown architecture"));
}

/* Generation must fail with `code` and a message containing `part`. */
static void expect_generate_error(const tcm_instance_params *p, int code, const char *part)
{
    tcm_instance dummy;
    tcm_instance *inst = &dummy; /* must be reset to NULL on error */
    CU_ASSERT_EQUAL(tcm_instance_generate(&inst, p), code);
    CU_ASSERT_PTR_NULL(inst);
    CU_ASSERT(last_error_is(code, part));
}

static void test_generate_errors(void)
{
    tcm_instance_params p = TCM_INSTANCE_PARAMS_INIT;
    p.K = 4;
    expect_generate_error(&p, TCM_EINVAL, "K must be odd");
    p.K = 3, p.N = 100;
    expect_generate_error(&p, TCM_EINVAL, "not divisible by K = 3");
    p.N = 99, p.alpha = 0.0;
    expect_generate_error(&p, TCM_EINVAL, "alpha must be finite and positive");
    p.alpha = -1.0;
    expect_generate_error(&p, TCM_EINVAL, "alpha must be finite and positive, got alpha = -1");
    p.alpha = NAN;
    expect_generate_error(&p, TCM_EINVAL, "alpha must be finite and positive");
    p.alpha = INFINITY;
    expect_generate_error(&p, TCM_EINVAL, "alpha must be finite and positive");
    p.alpha = 1e-3;
    expect_generate_error(&p, TCM_EINVAL, "gives M = 0 patterns");
    p.alpha = 1e9;
    expect_generate_error(&p, TCM_EINVAL, "too many patterns");
    p.alpha = 1.0, p.M = -3;
    expect_generate_error(&p, TCM_EINVAL, "M = -3");
    p.M = 0, p.kind = (tcm_weight_kind)5;
    expect_generate_error(&p, TCM_EINVAL, "unknown weight kind");
    p.kind = TCM_WEIGHTS_CONTINUOUS, p.teacher = 1, p.K_teacher = 2;
    expect_generate_error(&p, TCM_EINVAL, "K_teacher must be odd");
    p.K_teacher = 5;
    expect_generate_error(&p, TCM_EINVAL, "not divisible by K_teacher = 5");
    p.teacher = 0, p.K_teacher = 0, p.rule = TCM_RULE_PARITY, p.K = 0;
    expect_generate_error(&p, TCM_EINVAL, "K must be positive for the parity rule, got K = 0");
    p.K = 3, p.rule = (tcm_output_rule)4;
    expect_generate_error(&p, TCM_EINVAL, "unknown output rule 4");
    CU_ASSERT_EQUAL(tcm_instance_generate(NULL, &p), TCM_EINVAL);
}

static void test_M_and_alpha(void)
{
    tcm_instance_params p = TCM_INSTANCE_PARAMS_INIT;
    p.N = 99, p.K = 3, p.alpha = 1.5;
    tcm_instance *inst = gen_ok(&p);
    CU_ASSERT_EQUAL(inst->M, 149); /* round(148.5) */
    CU_ASSERT_DOUBLE_EQUAL(tcm_instance_alpha(inst), 149.0 / 99.0, 1e-15);
    tcm_instance_free(inst);
    p.arch = TCM_ARCH_FULL, p.N = 20, p.alpha = 0.5;
    inst = gen_ok(&p);
    CU_ASSERT_EQUAL(inst->M, 30); /* round(0.5 * 20 * 3) */
    CU_ASSERT_EQUAL(inst->n, 20);
    CU_ASSERT_DOUBLE_EQUAL(tcm_instance_alpha(inst), 0.5, 1e-15);
    tcm_instance_free(inst);
    p.M = 7; /* an explicit M wins over alpha */
    inst = gen_ok(&p);
    CU_ASSERT_EQUAL(inst->M, 7);
    tcm_instance_free(inst);
    CU_ASSERT(isnan(tcm_instance_alpha(NULL)));
}

/* The documented layout: input i of pattern a is bit i % 64 of word i / 64 of
 * stream a + 1; random output a is the a-th sign of stream 0. */
static void test_stream_layout(void)
{
    tcm_instance_params p = TCM_INSTANCE_PARAMS_INIT;
    p.N = 150, p.K = 5, p.M = 20, p.seed = 99;
    tcm_instance *inst = gen_ok(&p);
    CU_ASSERT_STRING_EQUAL(inst->generator, "random");
    CU_ASSERT_EQUAL(inst->seed, 99);
    int ok = 1;
    tcm_rng out;
    tcm_rng_init(&out, 99, 0);
    for (int a = 0; a < inst->M; a++) {
        tcm_rng r;
        tcm_rng_init(&r, 99, (uint64_t)a + 1);
        uint64_t word = 0;
        for (int i = 0; i < inst->N; i++) {
            if (i % 64 == 0)
                word = tcm_rng_u64(&r);
            ok &= inst->patterns[a * inst->N + i] == (((word >> (i % 64)) & 1) ? 1 : -1);
        }
        ok &= inst->outputs[a] == tcm_rng_sign(&out);
    }
    CU_ASSERT(ok);
    tcm_instance_free(inst);
}

/* Generate p with `threads` OpenMP threads. */
static tcm_instance *gen_threads(const tcm_instance_params *p, int threads)
{
    int saved = omp_get_max_threads();
    omp_set_num_threads(threads);
    tcm_instance *inst = gen_ok(p);
    omp_set_num_threads(saved);
    return inst;
}

/* Same instance for 1, 2 and 3 threads and two runs; another seed differs. */
static void check_deterministic(tcm_instance_params p)
{
    tcm_instance *a = gen_threads(&p, 1), *b = gen_threads(&p, 2);
    tcm_instance *c = gen_threads(&p, 3), *d = gen_threads(&p, 2);
    CU_ASSERT(same_instance(a, b));
    CU_ASSERT(same_instance(a, c));
    CU_ASSERT(same_instance(b, d));
    CU_ASSERT_EQUAL(tcm_instance_validate(a), TCM_OK);
    p.seed += 1;
    tcm_instance *e = gen_threads(&p, 2);
    CU_ASSERT_NOT_EQUAL(memcmp(a->patterns, e->patterns, (size_t)a->M * (size_t)a->N), 0);
    CU_ASSERT_NOT_EQUAL(memcmp(a->outputs, e->outputs, (size_t)a->M), 0);
    if (a->teacher)
        CU_ASSERT_NOT_EQUAL(memcmp(a->teacher->w, e->teacher->w,
                                   (size_t)a->teacher->K * (size_t)a->teacher->n * sizeof(double)),
                            0);
    tcm_instance_free(a);
    tcm_instance_free(b);
    tcm_instance_free(c);
    tcm_instance_free(d);
    tcm_instance_free(e);
}

static void test_deterministic(void)
{
    tcm_instance_params p = TCM_INSTANCE_PARAMS_INIT;
    p.N = 303, p.K = 3, p.M = 1001, p.seed = 5;
    check_deterministic(p);
    p.teacher = 1;
    check_deterministic(p);
    p.kind = TCM_WEIGHTS_BINARY, p.arch = TCM_ARCH_FULL, p.N = 64, p.K = 5;
    check_deterministic(p);
}

static void test_validate(void)
{
    tcm_instance_params p = TCM_INSTANCE_PARAMS_INIT;
    p.N = 30, p.K = 3, p.M = 10, p.teacher = 1;
    tcm_instance *inst = gen_ok(&p);
    CU_ASSERT_EQUAL(tcm_instance_validate(inst), TCM_OK);
    inst->patterns[3 * 30 + 17] = 0;
    inst->patterns[4 * 30 + 1] = 2;
    CU_ASSERT_EQUAL(tcm_instance_validate(inst), TCM_EINVAL);
    CU_ASSERT(last_error_is(TCM_EINVAL, "pattern 3, input 17 is 0"));
    inst->patterns[3 * 30 + 17] = -1;
    CU_ASSERT_EQUAL(tcm_instance_validate(inst), TCM_EINVAL);
    CU_ASSERT(last_error_is(TCM_EINVAL, "pattern 4, input 1 is 2"));
    inst->patterns[4 * 30 + 1] = 1;
    inst->outputs[6] = 0;
    CU_ASSERT_EQUAL(tcm_instance_validate(inst), TCM_EINVAL);
    CU_ASSERT(last_error_is(TCM_EINVAL, "output 6 is 0"));
    inst->outputs[6] = -1;
    inst->n = 11;
    CU_ASSERT_EQUAL(tcm_instance_validate(inst), TCM_EINVAL);
    CU_ASSERT(last_error_is(TCM_EINVAL, "n = 11"));
    inst->n = 10;
    inst->K = 2;
    CU_ASSERT_EQUAL(tcm_instance_validate(inst), TCM_EINVAL);
    CU_ASSERT(last_error_is(TCM_EINVAL, "K must be odd"));
    inst->K = 3;
    inst->teacher->n = 9;
    CU_ASSERT_EQUAL(tcm_instance_validate(inst), TCM_EINVAL);
    CU_ASSERT(last_error_is(TCM_EINVAL, "teacher shape 3 x 9"));
    inst->teacher->n = 10;
    inst->teacher->w[4] = NAN;
    CU_ASSERT_EQUAL(tcm_instance_validate(inst), TCM_ENUMERIC);
    CU_ASSERT(last_error_is(TCM_ENUMERIC, "unit 0, index 4"));
    inst->teacher->w[4] = 0.5;
    CU_ASSERT_EQUAL(tcm_instance_validate(inst), TCM_OK);
    CU_ASSERT_EQUAL(tcm_instance_validate(NULL), TCM_EINVAL);
    tcm_instance_free(inst);
}

/* The teacher reproduces its own outputs: 0 errors, positive stabilities. */
static void check_teacher_perfect(tcm_instance_params p)
{
    p.teacher = 1;
    tcm_instance *inst = gen_ok(&p);
    CU_ASSERT_STRING_EQUAL(inst->generator, "teacher");
    CU_ASSERT_PTR_NOT_NULL_FATAL(inst->teacher);
    CU_ASSERT_EQUAL(inst->teacher->kind, p.kind);
    CU_ASSERT_EQUAL(tcm_weights_validate(inst->teacher), TCM_OK);
    tcm_eval ev;
    CU_ASSERT_EQUAL_FATAL(tcm_weights_eval(inst->teacher, inst, &ev, NULL, NULL), TCM_OK);
    CU_ASSERT_EQUAL(ev.M, inst->M);
    CU_ASSERT_EQUAL(ev.errors, 0);
    int pos = 0;
    for (int a = 0; a < inst->M; a++)
        pos += inst->outputs[a] > 0;
    CU_ASSERT(pos > 0 && pos < inst->M);
    tcm_instance_free(inst);
}

static void test_teacher(void)
{
    tcm_instance_params p = TCM_INSTANCE_PARAMS_INIT;
    p.N = 303, p.K = 3, p.alpha = 2.0, p.seed = 17;
    check_teacher_perfect(p); /* continuous tree */
    p.kind = TCM_WEIGHTS_BINARY; /* n = 101 odd: no zero fields */
    check_teacher_perfect(p);
    p.arch = TCM_ARCH_FULL, p.N = 101, p.K = 5, p.alpha = 0.5;
    check_teacher_perfect(p);
    p.kind = TCM_WEIGHTS_CONTINUOUS;
    check_teacher_perfect(p);
    /* Continuous teacher: each unit normalised to sum w^2 = n. */
    p.teacher = 1;
    tcm_instance *inst = gen_ok(&p);
    for (int k = 0; k < inst->teacher->K; k++) {
        double s2 = 0.0;
        for (int i = 0; i < inst->teacher->n; i++)
            s2 += inst->teacher->w[k * inst->teacher->n + i] * inst->teacher->w[k * inst->teacher->n + i];
        CU_ASSERT_DOUBLE_EQUAL(s2, inst->teacher->n, 1e-9 * inst->teacher->n);
    }
    tcm_instance_free(inst);
}

/* Binary teacher with even n (ties possible) and K_teacher != K: outputs
 * recomputed naively with a zero hidden field counted as +1. */
static void test_teacher_ties_and_K_teacher(void)
{
    tcm_instance_params p = TCM_INSTANCE_PARAMS_INIT;
    p.N = 60, p.K = 3, p.M = 500, p.seed = 4, p.teacher = 1, p.K_teacher = 5;
    p.kind = TCM_WEIGHTS_BINARY; /* n_t = 12: many zero fields */
    tcm_instance *inst = gen_ok(&p);
    const tcm_weights *t = inst->teacher;
    CU_ASSERT_EQUAL_FATAL(t->K, 5);
    CU_ASSERT_EQUAL_FATAL(t->n, 12);
    CU_ASSERT_EQUAL(tcm_instance_validate(inst), TCM_OK);
    int mismatches = 0, zeros = 0;
    for (int a = 0; a < inst->M; a++) {
        int vote = 0;
        for (int k = 0; k < 5; k++) {
            int h = 0;
            for (int i = 0; i < 12; i++)
                h += (int)t->w[k * 12 + i] * inst->patterns[a * 60 + k * 12 + i];
            zeros += h == 0;
            vote += h >= 0 ? 1 : -1;
        }
        mismatches += inst->outputs[a] != (vote > 0 ? 1 : -1);
    }
    CU_ASSERT_EQUAL(mismatches, 0);
    CU_ASSERT(zeros > 100); /* P(h = 0) = C(12,6)/2^12 ~ 0.23 over 2500 fields */
    tcm_instance_free(inst);
}

static void test_random_balance(void)
{
    tcm_instance_params p = TCM_INSTANCE_PARAMS_INIT;
    p.N = 99, p.K = 3, p.M = 20000, p.seed = 23;
    tcm_instance *inst = gen_ok(&p);
    long so = 0, sp = 0;
    for (int a = 0; a < inst->M; a++)
        so += inst->outputs[a];
    for (size_t j = 0; j < (size_t)inst->M * (size_t)inst->N; j++)
        sp += inst->patterns[j];
    CU_ASSERT(labs(so) < 5.0 * sqrt((double)inst->M));
    CU_ASSERT(labs(sp) < 5.0 * sqrt((double)inst->M * inst->N));
    tcm_instance_free(inst);
}

static void test_arch_names(void)
{
    tcm_arch a = TCM_ARCH_TREE;
    CU_ASSERT_STRING_EQUAL(tcm_arch_name(TCM_ARCH_TREE), "tree");
    CU_ASSERT_STRING_EQUAL(tcm_arch_name(TCM_ARCH_FULL), "full");
    CU_ASSERT_STRING_EQUAL(tcm_arch_name((tcm_arch)9), "unknown");
    CU_ASSERT_EQUAL(tcm_arch_parse("full", &a), TCM_OK);
    CU_ASSERT_EQUAL(a, TCM_ARCH_FULL);
    CU_ASSERT_EQUAL(tcm_arch_parse("tree", &a), TCM_OK);
    CU_ASSERT_EQUAL(a, TCM_ARCH_TREE);
    CU_ASSERT_EQUAL(tcm_arch_parse("Tree2", &a), TCM_EINVAL);
    CU_ASSERT(last_error_is(TCM_EINVAL, "unknown architecture 'Tree2'"));
    CU_ASSERT_EQUAL(tcm_arch_parse(NULL, &a), TCM_EINVAL);
}

/* Parity instances: even K allowed, random outputs and patterns identical to
 * the majority instance of the same seed (only the rule differs), a parity
 * teacher (any K_t, both kinds and architectures) reproduces its outputs with
 * zero errors, and the outputs are the naive product of the teacher's signs. */
static void check_parity_teacher(tcm_instance_params p)
{
    p.rule = TCM_RULE_PARITY, p.teacher = 1;
    tcm_instance *inst = gen_ok(&p);
    CU_ASSERT_EQUAL(inst->rule, TCM_RULE_PARITY);
    CU_ASSERT_EQUAL(tcm_instance_validate(inst), TCM_OK);
    const tcm_weights *t = inst->teacher;
    int mismatches = 0, differ_from_vote = 0;
    for (int a = 0; a < inst->M; a++) {
        int prod = 1, vote = 0;
        for (int k = 0; k < t->K; k++) {
            double h = tcm_weights_field(t, k, inst->patterns + (size_t)a * (size_t)inst->N +
                                                   (inst->arch == TCM_ARCH_TREE ? (size_t)k * (size_t)t->n : 0));
            prod *= h < 0.0 ? -1 : 1;
            vote += h < 0.0 ? -1 : 1;
        }
        mismatches += inst->outputs[a] != prod;
        differ_from_vote += prod != (vote > 0 ? 1 : -1);
    }
    CU_ASSERT_EQUAL(mismatches, 0);
    if (t->K > 1) CU_ASSERT(differ_from_vote > 0); /* the rule changed the outputs */
    tcm_eval ev;
    if (t->K == inst->K) { /* eval needs the instance's shape */
        CU_ASSERT_EQUAL_FATAL(tcm_weights_eval(t, inst, &ev, NULL, NULL), TCM_OK);
        CU_ASSERT_EQUAL(ev.errors, 0);
        CU_ASSERT(ev.min_stability > 0.0); /* parity: min stability > 0 iff solved */
    }
    tcm_instance_free(inst);
}

static void test_parity(void)
{
    tcm_instance_params p = TCM_INSTANCE_PARAMS_INIT;
    p.N = 300, p.K = 4, p.M = 200, p.seed = 8, p.rule = TCM_RULE_PARITY;
    tcm_instance *par = gen_ok(&p);
    CU_ASSERT_STRING_EQUAL(par->generator, "random");
    p.K = 3, p.rule = TCM_RULE_MAJORITY;
    tcm_instance *maj = gen_ok(&p);
    p.rule = TCM_RULE_PARITY;
    tcm_instance *par3 = gen_ok(&p);
    CU_ASSERT(same_instance(maj, par3)); /* same bytes, only the rule differs */
    CU_ASSERT_EQUAL(memcmp(par->outputs, maj->outputs, (size_t)maj->M), 0);
    tcm_instance_free(par);
    tcm_instance_free(maj);
    tcm_instance_free(par3);
    tcm_instance_params q = TCM_INSTANCE_PARAMS_INIT;
    q.N = 300, q.K = 3, q.alpha = 1.0, q.seed = 3;
    for (int K = 1; K <= 4; K++) {
        q.K = K;
        check_parity_teacher(q); /* continuous tree, K = 1..4 */
    }
    q.K = 3, q.kind = TCM_WEIGHTS_BINARY; /* n = 100 even: zero fields count as +1 in the teacher */
    q.N = 303;                               /* n = 101: no zero fields, zero errors */
    check_parity_teacher(q);
    q.arch = TCM_ARCH_FULL, q.N = 101, q.K = 2, q.alpha = 0.5;
    check_parity_teacher(q); /* binary, fully connected, even K */
    q.kind = TCM_WEIGHTS_CONTINUOUS, q.K = 3, q.K_teacher = 2;
    check_parity_teacher(q); /* even K_teacher != K */
    q.rule = TCM_RULE_MAJORITY, q.teacher = 1; /* even K_teacher refused under majority */
    expect_generate_error(&q, TCM_EINVAL, "K_teacher must be odd and positive for the majority rule");
}

/* FNV-1a as the fingerprint was defined before output rules existed. */
static uint64_t old_fingerprint(const tcm_instance *inst)
{
    int32_t head[4] = { inst->N, inst->K, inst->M, (int32_t)inst->arch };
    const unsigned char *parts[3] = { (const unsigned char *)head, (const unsigned char *)inst->patterns,
                                      (const unsigned char *)inst->outputs };
    size_t lens[3] = { sizeof head, (size_t)inst->M * (size_t)inst->N, (size_t)inst->M };
    uint64_t h = 14695981039346656037ULL;
    for (int p = 0; p < 3; p++)
        for (size_t i = 0; i < lens[p]; i++) {
            h ^= parts[p][i];
            h *= 1099511628211ULL;
        }
    return h;
}

/* Majority fingerprints are the pre-rule ones (old checkpoints stay valid);
 * the same bytes under parity fingerprint differently. */
static void test_fingerprint_rule(void)
{
    tcm_instance_params p = TCM_INSTANCE_PARAMS_INIT;
    p.N = 99, p.K = 3, p.M = 50, p.seed = 12;
    tcm_instance *inst = gen_ok(&p);
    uint64_t fm = tcm_instance_fingerprint(inst);
    CU_ASSERT_EQUAL(fm, old_fingerprint(inst));
    inst->rule = TCM_RULE_PARITY;
    CU_ASSERT_NOT_EQUAL(tcm_instance_fingerprint(inst), fm);
    inst->rule = TCM_RULE_MAJORITY;
    CU_ASSERT_EQUAL(tcm_instance_fingerprint(inst), fm);
    tcm_instance_free(inst);
}

static const tcm_test_case tests[] = {
    { "alloc size checks", test_alloc_checks },
    { "generate parameter errors", test_generate_errors },
    { "M from alpha, alpha", test_M_and_alpha },
    { "stream layout", test_stream_layout },
    { "deterministic for any thread count", test_deterministic },
    { "validate names the problem", test_validate },
    { "teacher has zero errors", test_teacher },
    { "teacher ties, K_teacher", test_teacher_ties_and_K_teacher },
    { "random outputs balanced", test_random_balance },
    { "arch names", test_arch_names },
    { "parity rule and teachers", test_parity },
    { "fingerprint and rule", test_fingerprint_rule },
};

TCM_TEST_SUITE("instance", tests)
