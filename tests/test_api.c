/* Tests of the binding entry points (api.h): struct sizes and randomize. */
#include "tcmbp/api.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <string.h>

#include "tcmbp/driver.h"
#include "tcmbp/error.h"
#include "tcmbp/graph.h"
#include "tcmbp/instance.h"
#include "test_suite.h"

static void test_sizes(void)
{
    CU_ASSERT_EQUAL(tcm_api_sizeof("tcm_instance"), sizeof(tcm_instance));
    CU_ASSERT_EQUAL(tcm_api_sizeof("tcm_run_params"), sizeof(tcm_run_params));
    CU_ASSERT_EQUAL(tcm_api_sizeof("tcm_focus_step"), sizeof(tcm_focus_step));
    CU_ASSERT_EQUAL(tcm_api_sizeof("tcm_nothing"), 0);
    CU_ASSERT_EQUAL(tcm_api_sizeof(NULL), 0);
}

/* Sum of |U| over the continuous graph's messages: nonzero once randomised. */
static double message_mass(tcm_engine *e)
{
    tcm_graph *g = tcm_engine_graph(e);
    double s = 0;
    for (size_t j = 0; j < (size_t)g->M * (size_t)g->K * (size_t)g->n; j++) s += fabs(g->U[j]);
    return s;
}

static void test_randomize(void)
{
    tcm_instance_params p = TCM_INSTANCE_PARAMS_INIT;
    p.N = 9;
    p.M = 5;
    tcm_instance *inst = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_instance_generate(&inst, &p), TCM_OK);
    tcm_engine *e = tcm_engine_alloc(inst, TCM_WEIGHTS_CONTINUOUS, -1, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_EQUAL(tcm_api_engine_randomize(e, 0.0, 3), TCM_OK);
    CU_ASSERT_EQUAL(message_mass(e), 0.0);
    CU_ASSERT_EQUAL(tcm_api_engine_randomize(e, 0.5, 3), TCM_OK);
    CU_ASSERT(message_mass(e) > 0.0);
    CU_ASSERT_EQUAL(tcm_api_engine_randomize(e, -1.0, 3), TCM_EINVAL);
    CU_ASSERT_EQUAL(tcm_api_engine_randomize(e, NAN, 3), TCM_EINVAL);
    CU_ASSERT_EQUAL(tcm_api_engine_randomize(NULL, 0.5, 3), TCM_EINVAL);
    tcm_engine_free(e);
    e = tcm_engine_alloc(inst, TCM_WEIGHTS_BINARY, -1, 1);
    CU_ASSERT_EQUAL(tcm_api_engine_randomize(e, 1.5, 3), TCM_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "[0, 1] for binary"));
    tcm_engine_free(e);
    tcm_instance_free(inst);
}

static const tcm_test_case tests[] = {
    { "struct sizes", test_sizes },
    { "randomize", test_randomize },
};

TCM_TEST_SUITE("api", tests)
