/* Tests of the continuous factor's fast ratio path against the careful
 * special function (itself checked against mpmath in test_special), on a
 * grid covering both signs of h and z, |h| up to 1 and the fallback region. */
#include "tcmbp/cont.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>

#include "tcmbp/special.h"

static void test_ratio_fast_vs_careful(void)
{
    const double fs[] = { -INFINITY, -800, -30, -17.3, -5, -1, -0.2, -1e-9, 1e-9, 0.3, 2, 9, 20, 35, 700, INFINITY };
    double worst = 0.0;
    for (size_t j = 0; j < sizeof fs / sizeof fs[0]; j++) {
        tcm_ratio_ctx c = tcm_ratio_prepare(fs[j]);
        for (double z = -40.0; z <= 40.0; z += 0.0137) {
            double fast = tcm_ratio_eval(&c, z);
            double ref = isinf(fs[j]) ? tcm_cont_ratio(fs[j] > 0 ? 1.0 : -1.0, z) : tcm_cont_ratio_field(fs[j], z);
            double err = fabs(fast - ref) / fmax(fabs(ref), 1e-300);
            if (ref == 0.0) err = fabs(fast);
            worst = fmax(worst, err);
        }
    }
    printf("\n    max relative difference fast vs careful ratio: %.2e ", worst);
    CU_ASSERT(worst < 1e-13);
}

static void test_ratio_zero_field(void)
{
    tcm_ratio_ctx c = tcm_ratio_prepare(0.0);
    CU_ASSERT_EQUAL(tcm_ratio_eval(&c, 1.5), 0.0);
}

int tcm_test_register(void)
{
    CU_pSuite s = CU_add_suite("cont", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "fast ratio vs careful ratio", test_ratio_fast_vs_careful)) return -1;
    if (!CU_add_test(s, "zero field", test_ratio_zero_field)) return -1;
    return 0;
}
