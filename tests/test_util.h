/* Small helpers shared by the CUnit tests, written from the definitions
 * (no library arithmetic), so the tests stay independent of the code they
 * check. */
#ifndef TCMBP_TEST_UTIL_H
#define TCMBP_TEST_UTIL_H

#include "tcmbp/instance.h"

#include <stddef.h>

/* sum_i w[k n + i] xi_ai for hidden unit k of pattern a (w: K x n, no
 * 1/sqrt(n)), summed in index order. */
static inline double test_unit_dot(const tcm_instance *inst, int a, int k, const double *w)
{
    const int8_t *x = tcm_instance_unit_inputs(inst, a, k);
    const double *wk = w + (size_t)k * inst->n;
    double h = 0.0;
    for (int i = 0; i < inst->n; i++)
        h += wk[i] * x[i];
    return h;
}

/* A teacher instance of the given size and weight kind (the teacher is
 * inst->teacher), or NULL if generation failed. */
static inline tcm_instance *test_teacher_instance(int N, int K, double alpha, unsigned long long seed,
                                                  tcm_weight_kind kind)
{
    tcm_instance_params ip = TCM_INSTANCE_PARAMS_INIT;
    ip.N = N;
    ip.K = K;
    ip.alpha = alpha;
    ip.seed = seed;
    ip.teacher = 1;
    ip.kind = kind;
    tcm_instance *inst = NULL;
    return tcm_instance_generate(&inst, &ip) == 0 ? inst : NULL;
}

#endif
