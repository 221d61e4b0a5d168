/* Shared CUnit driver: each tests/test_<module>.c defines tcm_test_register(),
 * which adds its suites; this runs them verbosely and fails on any failure. */
#include <CUnit/Basic.h>
#include <stdio.h>

#include "test_suite.h"

int tcm_test_register(void);

int tcm_test_add_suite(const char *suite, CU_InitializeFunc init, CU_CleanupFunc clean, const tcm_test_case *cases,
                       size_t count)
{
    CU_pSuite s = CU_add_suite(suite, init, clean);
    if (!s) return -1;
    for (size_t j = 0; j < count; j++)
        if (!CU_add_test(s, cases[j].name, cases[j].fn)) return -1;
    return 0;
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    if (tcm_test_register() != 0) {
        fprintf(stderr, "test registration failed: %s\n", CU_get_error_msg());
        CU_cleanup_registry();
        return 2;
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    unsigned run = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    if (run == 0) {
        fprintf(stderr, "no test ran\n");
        return 1;
    }
    return failed ? 1 : 0;
}
