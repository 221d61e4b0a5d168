/* Tests of the bits storage of instances (instance.h): generation straight
 * into bits gives the int8 instance entry for entry (outputs, teacher,
 * fingerprint; tree and fully connected, n not a multiple of 8 or 64, n = 64,
 * a smaller teacher, any thread count), the tail check and the one refusal,
 * tcm_weights_eval bitwise the same on both storages, the AMP engine
 * borrowing the bits (its products the same), and the HDF5 round trip. */
#include "tcmbp/amp.h"
#include "tcmbp/error.h"
#include "tcmbp/h5.h"
#include "tcmbp/instance.h"
#include "tcmbp/weights.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include "test_scratch.h"
#include "test_suite.h"

static int suite_init(void) { return test_scratch_init("test_bits"); }
static int suite_clean(void) { return test_scratch_clean(); }

/* Generate p in storage st with nthreads threads, asserting success. */
static tcm_instance *gen(const tcm_instance_params *p, tcm_storage st, int nthreads)
{
    int old = omp_get_max_threads();
    omp_set_num_threads(nthreads);
    tcm_instance *inst = NULL;
    int rc = tcm_instance_generate_as(&inst, p, st);
    omp_set_num_threads(old);
    CU_ASSERT_EQUAL_FATAL(rc, TCM_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inst);
    return inst;
}

/* Parameters of a small instance (the defaults otherwise: K = 3, tree, no teacher). */
static tcm_instance_params small(int N, int M, tcm_arch arch, int teacher)
{
    tcm_instance_params p = TCM_INSTANCE_PARAMS_INIT;
    p.N = N;
    p.M = M;
    p.arch = arch;
    p.teacher = teacher;
    return p;
}

/* b (bits) is entry for entry the int8 instance x: rows, outputs, teacher,
 * metadata and fingerprint. */
static int same_entries(const tcm_instance *x, const tcm_instance *b)
{
    if (!b->bits || b->patterns || !x->patterns || x->bits)
        return 0;
    if (x->N != b->N || x->K != b->K || x->M != b->M || x->n != b->n || x->arch != b->arch || x->rule != b->rule ||
        x->seed != b->seed || strcmp(x->generator, b->generator) != 0 || !x->teacher != !b->teacher)
        return 0;
    int8_t *row = malloc((size_t)b->N);
    int ok = row != NULL;
    for (int a = 0; ok && a < b->M; a++) {
        tcm_instance_row(b, a, row);
        ok = memcmp(row, x->patterns + (size_t)a * (size_t)x->N, (size_t)x->N) == 0;
    }
    free(row);
    ok = ok && memcmp(x->outputs, b->outputs, (size_t)x->M) == 0;
    if (ok && x->teacher)
        ok = x->teacher->K == b->teacher->K && x->teacher->n == b->teacher->n &&
             memcmp(x->teacher->w, b->teacher->w, (size_t)x->teacher->K * (size_t)x->teacher->n * sizeof(double)) == 0;
    return ok && tcm_instance_fingerprint(x) == tcm_instance_fingerprint(b);
}

static void test_generate_same(void)
{
    struct {
        int N, K, M, Kt;
        tcm_arch arch;
        tcm_weight_kind kind;
        int teacher;
        tcm_output_rule rule;
    } cases[] = {
        {201, 3, 150, 0, TCM_ARCH_TREE, TCM_WEIGHTS_CONTINUOUS, 1, TCM_RULE_MAJORITY}, /* n = 67 */
        {195, 3, 90, 1, TCM_ARCH_TREE, TCM_WEIGHTS_BINARY, 1, TCM_RULE_MAJORITY},      /* n = 65, K_t = 1 */
        {192, 3, 40, 0, TCM_ARCH_TREE, TCM_WEIGHTS_CONTINUOUS, 0, TCM_RULE_MAJORITY},  /* n = 64: no tail */
        {77, 3, 120, 0, TCM_ARCH_FULL, TCM_WEIGHTS_CONTINUOUS, 1, TCM_RULE_MAJORITY},  /* n = 77 */
        {13, 1, 9, 0, TCM_ARCH_TREE, TCM_WEIGHTS_BINARY, 1, TCM_RULE_MAJORITY},        /* one word, 13 bits */
        {130, 2, 50, 0, TCM_ARCH_TREE, TCM_WEIGHTS_CONTINUOUS, 1, TCM_RULE_PARITY},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        tcm_instance_params p = TCM_INSTANCE_PARAMS_INIT;
        p.N = cases[c].N;
        p.K = cases[c].K;
        p.M = cases[c].M;
        p.K_teacher = cases[c].Kt;
        p.arch = cases[c].arch;
        p.kind = cases[c].kind;
        p.teacher = cases[c].teacher;
        p.rule = cases[c].rule;
        p.seed = 17 + c;
        tcm_instance *x = gen(&p, TCM_STORAGE_INT8, 1);
        for (int t = 1; t <= 2; t++) {
            tcm_instance *b = gen(&p, TCM_STORAGE_BITS, t);
            CU_ASSERT(same_entries(x, b));
            CU_ASSERT_EQUAL(tcm_instance_storage(b), TCM_STORAGE_BITS);
            CU_ASSERT_EQUAL(tcm_instance_validate_stored(b), TCM_OK);
            tcm_instance_free(b);
        }
        tcm_instance_free(x);
    }
}

/* Packing an int8 row gives the generator's bits (the layout is one). */
static void test_pack_row(void)
{
    tcm_instance_params p = small(201, 30, TCM_ARCH_TREE, 0);
    tcm_instance *x = gen(&p, TCM_STORAGE_INT8, 1), *b = gen(&p, TCM_STORAGE_BITS, 1);
    size_t row = tcm_instance_bit_row(b);
    CU_ASSERT_EQUAL(row, 3 * 2);
    uint64_t w[6];
    int ok = 1;
    for (int a = 0; a < x->M; a++) {
        tcm_instance_pack_row(x, x->patterns + (size_t)a * (size_t)x->N, w);
        ok = ok && memcmp(w, b->bits + (size_t)a * row, sizeof w) == 0;
    }
    CU_ASSERT(ok);
    CU_ASSERT_EQUAL(b->bits[1] >> 3, 0); /* pattern 0, slice 0: word 0 holds 64 entries, word 1 the last 3 */
    tcm_instance_free(x);
    tcm_instance_free(b);
}

/* A tail bit is caught (pattern and slice named); int8 consumers refuse. */
static void test_validate_and_refusal(void)
{
    tcm_instance_params p = small(201, 20, TCM_ARCH_TREE, 0);
    tcm_instance *b = gen(&p, TCM_STORAGE_BITS, 1);
    CU_ASSERT_EQUAL(tcm_instance_validate(b), TCM_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "stores its patterns as bits"));
    CU_ASSERT_EQUAL(tcm_instance_require_int8(b), TCM_EINVAL);
    b->bits[(size_t)7 * tcm_instance_bit_row(b) + 2 * 2 + 1] |= (uint64_t)1 << 3; /* pattern 7, slice 2, bit 67 */
    CU_ASSERT_EQUAL(tcm_instance_validate_stored(b), TCM_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "pattern 7, slice 2 has bits set past its 67 inputs"));
    tcm_instance_free(b);
    tcm_instance *x = gen(&p, TCM_STORAGE_INT8, 1);
    CU_ASSERT_EQUAL(tcm_instance_require_int8(x), TCM_OK);
    tcm_instance_free(x);
}

/* tcm_weights_eval: the same outputs, fields and stabilities (bitwise). */
static void test_eval_same(void)
{
    tcm_instance_params p = small(201, 300, TCM_ARCH_TREE, 1);
    tcm_instance *x = gen(&p, TCM_STORAGE_INT8, 1), *b = gen(&p, TCM_STORAGE_BITS, 1);
    tcm_weights *w = tcm_weights_alloc(3, 67, TCM_WEIGHTS_CONTINUOUS);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    for (size_t j = 0; j < 3 * 67; j++) w->w[j] = sin(1.0 + (double)j) + (j % 5 == 0 ? 0.3 : -0.1);
    tcm_eval ex, eb;
    double fx[900], fb[900];
    int8_t ox[300], ob[300];
    CU_ASSERT_EQUAL_FATAL(tcm_weights_eval(w, x, &ex, ox, fx), TCM_OK);
    CU_ASSERT_EQUAL_FATAL(tcm_weights_eval(w, b, &eb, ob, fb), TCM_OK);
    CU_ASSERT(ex.errors > 0);
    CU_ASSERT_EQUAL(memcmp(&ex, &eb, sizeof ex), 0);
    CU_ASSERT_EQUAL(memcmp(fx, fb, sizeof fx), 0);
    CU_ASSERT_EQUAL(memcmp(ox, ob, sizeof ox), 0);
    tcm_weights_free(w);
    tcm_instance_free(x);
    tcm_instance_free(b);
}

/* The AMP state borrows a bits instance's array; its products equal the
 * packed int8 instance's. */
static void test_amp_borrows(void)
{
    tcm_instance_params p = small(77, 100, TCM_ARCH_FULL, 0);
    tcm_instance *x = gen(&p, TCM_STORAGE_INT8, 1), *b = gen(&p, TCM_STORAGE_BITS, 1);
    tcm_amp *sx = tcm_amp_alloc(x, TCM_WEIGHTS_CONTINUOUS, 60, 1), *sb = tcm_amp_alloc(b, TCM_WEIGHTS_CONTINUOUS, 60, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sx);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sb);
    CU_ASSERT_PTR_EQUAL(sb->bits, b->bits);
    CU_ASSERT_PTR_NULL(sb->own_bits);
    CU_ASSERT_PTR_NOT_NULL(sx->own_bits);
    CU_ASSERT_EQUAL(memcmp(sx->bits, sb->bits, (size_t)60 * tcm_instance_bit_row(b) * sizeof(uint64_t)), 0);
    double wv[3 * 77];
    for (int j = 0; j < 3 * 77; j++) wv[j] = cos(0.5 * j);
    int ok = 1;
    for (int a = 0; a < 60; a++)
        for (int k = 0; k < 3; k++) ok = ok && tcm_amp_dot(sx, a, k, wv + 77 * k) == tcm_amp_dot(sb, a, k, wv + 77 * k);
    CU_ASSERT(ok);
    tcm_amp_free(sx);
    tcm_amp_free(sb);
    tcm_instance_free(x);
    tcm_instance_free(b);
}

/* Write and read a bits instance: bits, outputs, teacher, fingerprint back. */
static void test_file_round_trip(void)
{
    tcm_instance_params p = small(195, 70, TCM_ARCH_TREE, 1);
    p.kind = TCM_WEIGHTS_BINARY;
    char path[320];
    snprintf(path, sizeof path, "%s/bits.h5", tmpdir);
    tcm_instance *x = gen(&p, TCM_STORAGE_INT8, 1), *b = gen(&p, TCM_STORAGE_BITS, 1), *r = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_h5_write_instance(path, b, 0), TCM_OK);
    CU_ASSERT_EQUAL_FATAL(tcm_h5_read_instance(path, &r), TCM_OK);
    CU_ASSERT_EQUAL(tcm_instance_storage(r), TCM_STORAGE_BITS);
    CU_ASSERT_EQUAL(memcmp(r->bits, b->bits, (size_t)p.M * tcm_instance_bit_row(b) * sizeof(uint64_t)), 0);
    CU_ASSERT(same_entries(x, r));
    CU_ASSERT_EQUAL(r->kind, TCM_WEIGHTS_BINARY);
    tcm_instance_free(r);
    tcm_instance_free(b);
    tcm_instance_free(x);
}

static const tcm_test_case tests[] = {
    {"bits generation is the int8 instance", test_generate_same},
    {"pack row is the generator's layout", test_pack_row},
    {"tail check and the int8 refusal", test_validate_and_refusal},
    {"eval on both storages", test_eval_same},
    {"AMP borrows the bits", test_amp_borrows},
    {"file round trip", test_file_round_trip},
};
TCM_TEST_SUITE_WITH("bits", suite_init, suite_clean, tests)
