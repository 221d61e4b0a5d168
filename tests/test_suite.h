/* One test file, one CUnit suite, declared as a table:
 *
 *     static const tcm_test_case tests[] = {
 *         { "alpha = 0 limit", test_alpha_zero },
 *         { "thread independence", test_threads },
 *     };
 *     TCM_TEST_SUITE("bp", tests)
 *
 * tests/cunit_main.c registers it and runs it. */
#ifndef TCMBP_TEST_SUITE_H
#define TCMBP_TEST_SUITE_H

#include <CUnit/CUnit.h>
#include <stddef.h>

typedef struct {
    const char *name;
    CU_TestFunc fn;
} tcm_test_case;

/* Add suite `suite` (init and clean may be NULL) with the count cases, in
 * order; 0, or -1 if CUnit refused. */
int tcm_test_add_suite(const char *suite, CU_InitializeFunc init, CU_CleanupFunc clean, const tcm_test_case *cases,
                       size_t count);

#define TCM_TEST_SUITE_WITH(suite, init, clean, cases)                                                     \
    int tcm_test_register(void)                                                                            \
    {                                                                                                      \
        return tcm_test_add_suite((suite), (init), (clean), (cases), sizeof(cases) / sizeof((cases)[0])); \
    }
#define TCM_TEST_SUITE(suite, cases) TCM_TEST_SUITE_WITH(suite, NULL, NULL, cases)

#endif
