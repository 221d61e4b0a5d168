/* Tests of the greedy clean-up (polish.h): a teacher configuration spoiled
 * by a known move (continuous: one unit pushed so that one pattern turns
 * wrong; binary: two weights flipped) is repaired to zero errors, an
 * error-free configuration is left alone, and the result is never worse
 * than the input (also under the parity rule). */
#include "tcmbp/polish.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tcmbp/error.h"
#include "test_suite.h"
#include "test_util.h"

/* Errors of w on inst. */
static int errors_of(const tcm_weights *w, const tcm_instance *inst)
{
    tcm_eval ev;
    int st = tcm_weights_eval(w, inst, &ev, NULL, NULL);
    if (st) fprintf(stderr, "%s\n", tcm_last_error());
    CU_ASSERT_EQUAL_FATAL(st, TCM_OK);
    return ev.errors;
}

/* Move unit k of w so that its field on pattern a becomes -sigma_a * 0.3 (the
 * least-stable way to break a), the perceptron move polish undoes. */
static void push_wrong(tcm_weights *w, const tcm_instance *inst, int a, int k)
{
    double h = test_unit_dot(inst, a, k, w->w) / sqrt((double)inst->n);
    double c = -(inst->outputs[a] * h + 0.3) * inst->outputs[a] / sqrt((double)inst->n);
    const int8_t *x = tcm_instance_unit_inputs(inst, a, k);
    for (int i = 0; i < inst->n; i++) w->w[(size_t)k * w->n + i] += c * x[i];
}

/* Continuous teacher: break pattern 0 through every unit in turn (under the
 * majority vote of K = 1 one unit is the output); polish repairs it. */
static void test_continuous_repair(void)
{
    for (int K = 1; K <= 3; K += 2) {
        tcm_instance *inst = test_teacher_instance(45 * K, K, 0.5, 3, TCM_WEIGHTS_CONTINUOUS);
        CU_ASSERT_PTR_NOT_NULL_FATAL(inst);
        CU_ASSERT_EQUAL(errors_of(inst->teacher, inst), 0);
        for (int k = 0; k < K; k++) {
            tcm_weights *w = tcm_weights_copy(inst->teacher);
            for (int j = 0; j < K; j++) /* every unit of pattern 0 votes wrong: K = 3 needs two repairs */
                if (j == k || K == 3) push_wrong(w, inst, 0, j);
            int before = errors_of(w, inst);
            CU_ASSERT(before >= 1);
            tcm_polish_result r;
            CU_ASSERT_EQUAL_FATAL(tcm_polish_weights(w, inst, 100, &r), TCM_OK);
            CU_ASSERT_EQUAL(r.errors_before, before);
            CU_ASSERT_EQUAL(r.errors, 0);
            CU_ASSERT_EQUAL(errors_of(w, inst), 0);
            CU_ASSERT(r.moves >= 1 && r.moves <= before + 2);
            for (int j = 0; j < K; j++) { /* renormalised */
                double s = 0.0;
                for (int i = 0; i < w->n; i++) s += w->w[(size_t)j * w->n + i] * w->w[(size_t)j * w->n + i];
                CU_ASSERT_DOUBLE_EQUAL(s, w->n, 1e-9 * w->n);
            }
            tcm_weights_free(w);
        }
        tcm_instance_free(inst);
    }
}

/* Binary teacher with two weights flipped: the greedy flips restore zero errors. */
static void test_binary_repair(void)
{
    tcm_instance *inst = test_teacher_instance(99, 3, 0.6, 5, TCM_WEIGHTS_BINARY);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inst);
    tcm_weights *w = tcm_weights_copy(inst->teacher);
    int before = errors_of(w, inst), flipped = 0;
    CU_ASSERT_EQUAL(before, 0);
    for (int i = 0; i < w->n && flipped < 2; i++) { /* two flips of unit 0 that break something */
        w->w[i] = -w->w[i];
        if (errors_of(w, inst) > before) before = errors_of(w, inst), flipped++;
        else w->w[i] = -w->w[i];
    }
    CU_ASSERT_EQUAL_FATAL(flipped, 2);
    tcm_polish_result r;
    CU_ASSERT_EQUAL_FATAL(tcm_polish_weights(w, inst, 100, &r), TCM_OK);
    CU_ASSERT_EQUAL(r.errors_before, before);
    CU_ASSERT_EQUAL(r.errors, 0);
    CU_ASSERT_EQUAL(errors_of(w, inst), 0);
    for (int i = 0; i < w->n * w->K; i++) CU_ASSERT(w->w[i] == 1.0 || w->w[i] == -1.0);
    tcm_weights_free(w);
    tcm_instance_free(inst);
}

/* Random weights on random outputs (many errors, majority and parity): never
 * worse, and an error-free input is returned unchanged with no move. */
static void test_never_worse(void)
{
    for (int rule = 0; rule < 2; rule++)
        for (int kind = 0; kind < 2; kind++) {
            tcm_instance_params ip = TCM_INSTANCE_PARAMS_INIT;
            ip.N = 63, ip.K = 3, ip.alpha = 1.0, ip.seed = 11, ip.rule = rule ? TCM_RULE_PARITY : TCM_RULE_MAJORITY;
            ip.kind = kind ? TCM_WEIGHTS_BINARY : TCM_WEIGHTS_CONTINUOUS, ip.teacher = 1;
            tcm_instance *inst = NULL;
            CU_ASSERT_EQUAL_FATAL(tcm_instance_generate(&inst, &ip), TCM_OK);
            tcm_weights *w = tcm_weights_copy(inst->teacher);
            tcm_polish_result r;
            CU_ASSERT_EQUAL_FATAL(tcm_polish_weights(w, inst, 10, &r), TCM_OK);
            CU_ASSERT(r.errors_before == 0 && r.errors == 0 && r.moves == 0);
            CU_ASSERT(test_same_doubles(w->w, inst->teacher->w, (size_t)w->K * w->n));
            for (int a = 0; a < inst->M; a += 2) inst->outputs[a] = (int8_t)-inst->outputs[a];
            CU_ASSERT_EQUAL_FATAL(tcm_polish_weights(w, inst, 10, &r), TCM_OK);
            CU_ASSERT(r.errors_before > 0 && r.errors < r.errors_before && r.moves >= 1 && r.moves <= 10);
            CU_ASSERT_EQUAL(errors_of(w, inst), r.errors);
            tcm_weights_free(w);
            tcm_instance_free(inst);
        }
}

static const tcm_test_case tests[] = {
    { "continuous repair", test_continuous_repair },
    { "binary repair", test_binary_repair },
    { "never worse", test_never_worse },
};
TCM_TEST_SUITE("polish", tests)
