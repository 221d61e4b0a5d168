/* Tests of the binding entry points (api.h): struct sizes and randomize. */
#include "tcmbp/api.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <string.h>

#include "tcmbp/driver.h"
#include "tcmbp/error.h"
#include "tcmbp/bgraph.h"
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

/* A random K = 3, N = 9, M = 5 tree instance (NULL on failure). */
static tcm_instance *tiny_instance(void)
{
    tcm_instance_params p = TCM_INSTANCE_PARAMS_INIT;
    p.N = 9;
    p.M = 5;
    tcm_instance *inst = NULL;
    return tcm_instance_generate(&inst, &p) == TCM_OK ? inst : NULL;
}

static void test_randomize(void)
{
    tcm_instance *inst = tiny_instance();
    CU_ASSERT_PTR_NOT_NULL_FATAL(inst);
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

/* The marginals are the /bp numbers: mean = mu / zeta, variance = 1 / zeta
 * and chi (continuous); tanh(field) and field (binary). */
static void test_marginals(void)
{
    tcm_instance *inst = tiny_instance();
    CU_ASSERT_PTR_NOT_NULL_FATAL(inst);
    double a[9], b[9], chi[3] = { -1, -1, -1 };
    const char *names[3];
    for (int kind = 0; kind < 2; kind++) {
        tcm_engine *e = tcm_engine_alloc(inst, (tcm_weight_kind)kind, -1, 1);
        tcm_run_params rp = TCM_RUN_PARAMS_INIT;
        rp.max_sweeps = 5;
        tcm_bp_result r;
        CU_ASSERT_EQUAL_FATAL(tcm_driver_bp(e, &rp, &r), TCM_OK);
        CU_ASSERT_EQUAL(tcm_api_engine_marginals(e, a, b, chi), TCM_OK);
        CU_ASSERT_EQUAL(tcm_api_marginal_names((tcm_weight_kind)kind, names), kind ? 2 : 3);
        tcm_graph *g = tcm_engine_graph(e);
        tcm_bgraph *bg = tcm_engine_bgraph(e);
        for (size_t ki = 0; ki < 9; ki++) {
            if (g) {
                CU_ASSERT_EQUAL(a[ki], tcm_graph_mean(g, ki));
                CU_ASSERT_EQUAL(b[ki], 1.0 / tcm_graph_precision(g, ki));
            } else {
                CU_ASSERT_EQUAL(a[ki], tanh(bg->field[ki]));
                CU_ASSERT_EQUAL(b[ki], bg->field[ki]);
            }
        }
        if (g) CU_ASSERT(chi[0] == g->chi[0] && chi[2] == g->chi[2]);
        CU_ASSERT_STRING_EQUAL(names[0], kind ? "magnetization" : "mean");
        tcm_engine_free(e);
    }
    CU_ASSERT_EQUAL(tcm_api_engine_marginals(NULL, a, b, chi), TCM_EINVAL);
    CU_ASSERT_EQUAL(tcm_api_marginal_names((tcm_weight_kind)7, names), 0);
    tcm_instance_free(inst);
}

static const tcm_test_case tests[] = {
    { "marginals", test_marginals },
    { "struct sizes", test_sizes },
    { "randomize", test_randomize },
};

TCM_TEST_SUITE("api", tests)
