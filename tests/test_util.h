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

#endif
