/* Tests of the weights import from .npy files (written here byte by byte)
 * and text files: every supported dtype and layout, and the error paths
 * (shape, dtype, Fortran order, truncation, NaN/Inf, non +-1 binary values,
 * missing files); HDF5 sources only for their error paths. All files live in a mkdtemp
 * directory removed at the end. */
#include "tcmbp/error.h"
#include "tcmbp/h5.h"
#include "tcmbp/weights.h"
#include "tcmbp/weights_load.h"

#include "test_npy.h"
#include "test_scratch.h"

#include <CUnit/CUnit.h>
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "test_suite.h"

static int suite_init(void) { return test_scratch_init("test_weights_load"); }

static int suite_clean(void) { return test_scratch_clean(); }


static void assert_weights(const tcm_weights *w, const double *want, int count)
{
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    for (int j = 0; j < count; j++)
        CU_ASSERT_DOUBLE_EQUAL(w->w[j], want[j], 1e-6 * fabs(want[j]));
}

static void test_import_npy(void)
{
    char path[512];
    double x[6] = {0.5, -1.25, 2, 3.75, -4, 1e-3};
    float xf[6];
    int8_t xb[6] = {1, -1, -1, 1, 1, -1};
    int32_t xi[6] = {1, -1, -1, 1, 1, -1};
    double want_b[6];
    for (int j = 0; j < 6; j++) {
        xf[j] = (float)x[j];
        want_b[j] = xb[j];
    }
    tcm_weights *w = NULL;
    write_npy(tpath(path, sizeof path, "f8.npy"), 1, "<f8", 0, "(2, 3)", x, sizeof x);
    CU_ASSERT_EQUAL(tcm_weights_load(&w, path, 2, 3, TCM_WEIGHTS_CONTINUOUS), TCM_OK);
    assert_weights(w, x, 6);
    tcm_weights_free(w);
    write_npy(tpath(path, sizeof path, "f4.npy"), 2, "<f4", 0, "(6,)", xf, sizeof xf);
    CU_ASSERT_EQUAL(tcm_weights_load(&w, path, 2, 3, TCM_WEIGHTS_CONTINUOUS), TCM_OK);
    assert_weights(w, x, 6);
    tcm_weights_free(w);
    write_npy(tpath(path, sizeof path, "i1.npy"), 1, "|i1", 0, "(2, 3)", xb, sizeof xb);
    CU_ASSERT_EQUAL(tcm_weights_load(&w, path, 2, 3, TCM_WEIGHTS_BINARY), TCM_OK);
    assert_weights(w, want_b, 6);
    tcm_weights_free(w);
    write_npy(tpath(path, sizeof path, "i4.npy"), 1, "<i4", 0, "(2, 3)", xi, sizeof xi);
    CU_ASSERT_EQUAL(tcm_weights_load(&w, path, 2, 3, TCM_WEIGHTS_BINARY), TCM_OK);
    assert_weights(w, want_b, 6);
    tcm_weights_free(w);
    unsigned char be[48]; /* big-endian float64 */
    for (int j = 0; j < 6; j++) {
        uint64_t u;
        memcpy(&u, &x[j], 8);
        for (int b = 0; b < 8; b++)
            be[8 * j + b] = (unsigned char)(u >> (56 - 8 * b));
    }
    write_npy(tpath(path, sizeof path, "be.npy"), 1, ">f8", 0, "(2, 3)", be, sizeof be);
    CU_ASSERT_EQUAL(tcm_weights_load(&w, path, 2, 3, TCM_WEIGHTS_CONTINUOUS), TCM_OK);
    assert_weights(w, x, 6);
    tcm_weights_free(w);
}

static void test_import_text(void)
{
    char path[512];
    double want[6] = {0.5, -1.25, 2, 3.75, -4, 1e-3};
    tcm_weights *w = NULL;
    write_text(tpath(path, sizeof path, "w.txt"), "# trained elsewhere\n0.5 -1.25\t2   # unit 0\n\n3.75 -4 1e-3\n");
    CU_ASSERT_EQUAL(tcm_weights_load(&w, path, 2, 3, TCM_WEIGHTS_CONTINUOUS), TCM_OK);
    assert_weights(w, want, 6);
    tcm_weights_free(w);
    write_text(tpath(path, sizeof path, "w.csv"), "0.5,-1.25,2\r\n3.75, -4,1e-3\r\n");
    CU_ASSERT_EQUAL(tcm_weights_load(&w, path, 2, 3, TCM_WEIGHTS_CONTINUOUS), TCM_OK);
    assert_weights(w, want, 6);
    tcm_weights_free(w);
    write_text(tpath(path, sizeof path, "flat.txt"), "0.5\n-1.25\n2\n3.75\n-4\n1e-3"); /* any layout */
    CU_ASSERT_EQUAL(tcm_weights_load(&w, path, 2, 3, TCM_WEIGHTS_CONTINUOUS), TCM_OK);
    assert_weights(w, want, 6);
    tcm_weights_free(w);
}

static void expect_load_error(const char *src, int K, int n, tcm_weight_kind kind, int code, const char *msg)
{
    tcm_weights *w = NULL;
    CU_ASSERT_EQUAL(tcm_weights_load(&w, src, K, n, kind), code);
    CU_ASSERT_PTR_NULL(w);
    if (!strstr(tcm_last_error(), msg))
        fprintf(stderr, "\n  expected '%s' in '%s'\n", msg, tcm_last_error());
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), msg));
}

static void test_import_errors(void)
{
    char path[512];
    double x[6] = {1, -1, 1, 1, -1, 0.5};
    write_npy(tpath(path, sizeof path, "shape.npy"), 1, "<f8", 0, "(2, 3)", x, sizeof x);
    expect_load_error(path, 2, 4, TCM_WEIGHTS_CONTINUOUS, TCM_EFORMAT,
                      "weights have shape 2 x 3 but the instance needs 2 x 4");
    expect_load_error(path, 3, 2, TCM_WEIGHTS_CONTINUOUS, TCM_EFORMAT, "(transposed?)");
    expect_load_error(path, 2, 3, TCM_WEIGHTS_BINARY, TCM_EFORMAT, "weight (1, 2) = 0.5");
    write_npy(tpath(path, sizeof path, "fortran.npy"), 1, "<f8", 1, "(2, 3)", x, sizeof x);
    expect_load_error(path, 2, 3, TCM_WEIGHTS_CONTINUOUS, TCM_EFORMAT, "Fortran");
    write_npy(tpath(path, sizeof path, "short.npy"), 1, "<f8", 0, "(2, 3)", x, 20);
    expect_load_error(path, 2, 3, TCM_WEIGHTS_CONTINUOUS, TCM_EFORMAT, "truncated");
    write_npy(tpath(path, sizeof path, "complex.npy"), 1, "<c16", 0, "(3,)", x, sizeof x);
    expect_load_error(path, 1, 3, TCM_WEIGHTS_CONTINUOUS, TCM_EFORMAT, "unsupported .npy dtype '<c16'");
    write_npy(tpath(path, sizeof path, "huge.npy"), 1, "<f8", 0, "(18446744073709551616, 3)", x, sizeof x);
    expect_load_error(path, 2, 3, TCM_WEIGHTS_CONTINUOUS, TCM_EFORMAT,
                      ".npy shape (18446744073709551616, 3) is too large");
    write_npy(tpath(path, sizeof path, "huge2.npy"), 1, "<f8", 0, "(2, 18446744073709551615)", x, sizeof x);
    expect_load_error(path, 2, 3, TCM_WEIGHTS_CONTINUOUS, TCM_EFORMAT, "(2, 18446744073709551615) is too large");
    x[4] = NAN;
    write_npy(tpath(path, sizeof path, "nan.npy"), 1, "<f8", 0, "(6,)", x, sizeof x);
    expect_load_error(path, 2, 3, TCM_WEIGHTS_CONTINUOUS, TCM_ENUMERIC, "weight (1, 1) is NaN");
    write_text(tpath(path, sizeof path, "nan.txt"), "1 2 3\n4 nan 6\n");
    expect_load_error(path, 2, 3, TCM_WEIGHTS_CONTINUOUS, TCM_ENUMERIC, "line 2: weight (1, 1) is NaN");
    write_text(tpath(path, sizeof path, "inf.csv"), "1,2,3\n4,5,-inf\n");
    expect_load_error(path, 2, 3, TCM_WEIGHTS_CONTINUOUS, TCM_ENUMERIC, "infinite");
    write_text(tpath(path, sizeof path, "bin.txt"), "1 -1 1\n-1 1 0\n");
    expect_load_error(path, 2, 3, TCM_WEIGHTS_BINARY, TCM_EFORMAT, "must be +-1");
    write_text(tpath(path, sizeof path, "short.txt"), "1 2 3\n4 5 6\n7 8 9\n");
    expect_load_error(path, 3, 4, TCM_WEIGHTS_CONTINUOUS, TCM_EFORMAT,
                      "weights have shape 3 x 3 but the instance needs 3 x 4");
    write_text(tpath(path, sizeof path, "ragged.txt"), "1 2 3\n4 5\n");
    expect_load_error(path, 2, 3, TCM_WEIGHTS_CONTINUOUS, TCM_EFORMAT, "holds 5 numbers");
    write_text(tpath(path, sizeof path, "word.txt"), "1 2 3\n4 five 6\n");
    expect_load_error(path, 2, 3, TCM_WEIGHTS_CONTINUOUS, TCM_EFORMAT, "line 2: cannot read 'five'");
    expect_load_error(tpath(path, sizeof path, "absent.npy"), 2, 3, TCM_WEIGHTS_CONTINUOUS, TCM_EIO, path);
    expect_load_error(tpath(path, sizeof path, "absent.txt"), 2, 3, TCM_WEIGHTS_CONTINUOUS, TCM_EIO, path);
    expect_load_error("weights.pt", 2, 3, TCM_WEIGHTS_CONTINUOUS, TCM_EINVAL, "unknown weights format");
}

/* HDF5 sources: a missing file, a /weights of another shape. */
static void test_import_h5_errors(void)
{
    char path[512];
    expect_load_error(tpath(path, sizeof path, "absent.h5"), 2, 3, TCM_WEIGHTS_CONTINUOUS, TCM_EIO, path);
    tcm_weights *w = tcm_weights_alloc(3, 7, TCM_WEIGHTS_CONTINUOUS);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    for (int j = 0; j < 21; j++)
        w->w[j] = j % 2 ? 1 : -1;
    CU_ASSERT_EQUAL(tcm_h5_write_weights(tpath(path, sizeof path, "w_cont.h5"), w, 0), TCM_OK);
    tcm_weights_free(w);
    expect_load_error(path, 3, 8, TCM_WEIGHTS_CONTINUOUS, TCM_EFORMAT,
                      "weights have shape 3 x 7 but the instance needs 3 x 8");
}

/* A FIFO, a directory or a missing file as the source is refused at once
 * with a clear message (issue 15 item 20: a FIFO used to block forever;
 * the alarm turns such a hang into a failure). */
static void test_non_regular_sources(void)
{
    char path[512];
    const char *names[] = {"fifo.npy", "fifo.txt", "fifo.h5"};
    alarm(20);
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL_FATAL(mkfifo(tpath(path, sizeof path, names[i]), 0600), 0);
        expect_load_error(path, 2, 3, TCM_WEIGHTS_CONTINUOUS, TCM_EIO, "it is a FIFO, not a regular file");
        remove(path);
    }
    CU_ASSERT_EQUAL_FATAL(mkdir(tpath(path, sizeof path, "dir.txt"), 0700), 0);
    expect_load_error(path, 2, 3, TCM_WEIGHTS_CONTINUOUS, TCM_EIO, "it is a directory, not a regular file");
    rmdir(path);
    alarm(0);
}

static const tcm_test_case tests[] = {
    { "import .npy", test_import_npy },
    { "import text and csv", test_import_text },
    { "import errors", test_import_errors },
    { "import errors (HDF5 sources)", test_import_h5_errors },
    { "non-regular sources", test_non_regular_sources },
};

TCM_TEST_SUITE_WITH("weights_load", suite_init, suite_clean, tests)
