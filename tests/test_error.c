/* Tests of the error module: message formatting, codes, thread-locality. */
#include "tcmbp/error.h"

#include <CUnit/CUnit.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>
#include "test_suite.h"

static int helper_fails(int v) { return TCM_ERROR(TCM_EINVAL, "K must be odd, got %d", v); }

static void test_message_and_code(void)
{
    tcm_error_clear();
    CU_ASSERT_EQUAL(tcm_last_error_code(), TCM_OK);
    CU_ASSERT_STRING_EQUAL(tcm_last_error(), "");
    CU_ASSERT_EQUAL(helper_fails(4), TCM_EINVAL);
    CU_ASSERT_STRING_EQUAL(tcm_last_error(), "K must be odd, got 4");
    CU_ASSERT_EQUAL(tcm_last_error_code(), TCM_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error_where(), "test_error.c:"));
    tcm_error_clear();
    CU_ASSERT_STRING_EQUAL(tcm_last_error(), "");
}

static void test_thread_local(void)
{
    tcm_error_clear();
    int mismatches = 0;
#pragma omp parallel num_threads(2) reduction(+ : mismatches)
    {
        int t = omp_get_thread_num();
        TCM_ERROR(TCM_EIO, "thread %d", t);
#pragma omp barrier
        char want[32];
        snprintf(want, sizeof want, "thread %d", t);
        mismatches += strcmp(tcm_last_error(), want) != 0;
    }
    CU_ASSERT_EQUAL(mismatches, 0);
}

static void test_names(void)
{
    CU_ASSERT_STRING_EQUAL(tcm_status_name(TCM_EEXIST), "file exists");
    CU_ASSERT_STRING_EQUAL(tcm_status_name(99), "unknown error");
    CU_ASSERT(strlen(tcm_version()) >= 5);
}

static const tcm_test_case tests[] = {
    { "message and code", test_message_and_code },
    { "thread-local", test_thread_local },
    { "status names", test_names },
};

TCM_TEST_SUITE("error", tests)
