/* Tests of the h5 module: round trips of instances, weights and generic
 * datasets/attributes/tables; weights import from HDF5 paths (.npy and
 * text: test_weights_load.c); and the error paths (missing files, foreign
 * files, newer schemas, refusing to overwrite, failed writes leaving no
 * PATH.tmp behind). All files live in a mkdtemp directory removed at the end. */
#include "tcmbp/error.h"
#include "tcmbp/h5.h"
#include "tcmbp/instance.h"
#include "tcmbp/weights.h"

#include "test_scratch.h"

#include <CUnit/CUnit.h>
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "test_suite.h"

/* LeakSanitizer hook (used only in -DTCMBP_SANITIZE=ON builds): when a
 * commit fails on a full disk, HDF5 1.10's failed H5Fclose loses about 2 kB
 * inside the library (HDFFV-11052); that is HDF5's leak, not ours. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libhdf5"; }

static int suite_init(void) { return test_scratch_init("test_h5"); }

static int suite_clean(void) { return test_scratch_clean(); }

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Number of temporary files "NAME.tmp*" of path's name left in tmpdir. */
static int temp_files(const char *path)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    char prefix[300];
    snprintf(prefix, sizeof prefix, "%s.tmp", base);
    return test_scratch_count(prefix);
}

/* Whole file into a malloc'd buffer (*len bytes); NULL if unreadable. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    unsigned char *b = malloc(cap);
    while (b) {
        n += fread(b + n, 1, cap - n, f);
        if (n < cap)
            break;
        unsigned char *nb = realloc(b, cap * 2);
        if (!nb)
            free(b);
        b = nb;
        cap *= 2;
    }
    fclose(f);
    *len = n;
    return b;
}

/* Nonzero if both files exist and have the same bytes. */
static int same_bytes(const char *a, const char *b)
{
    size_t la = 0, lb = 0;
    unsigned char *x = slurp(a, &la), *y = slurp(b, &lb);
    int same = x && y && la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

/* Deterministic pseudo-random doubles in (-2, 2) (xorshift). */
static void fill_random(double *x, size_t n, uint64_t s)
{
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        x[i] = 4.0 * ((double)(s >> 11) / 9007199254740992.0) - 2.0;
    }
}

static tcm_instance *make_instance(tcm_arch arch, tcm_weight_kind kind, int teacher)
{
    tcm_instance_params p = TCM_INSTANCE_PARAMS_INIT;
    p.N = 45;
    p.K = 3;
    p.M = 37;
    p.arch = arch;
    p.kind = kind;
    p.teacher = teacher;
    p.seed = UINT64_C(0xfedcba9876543210); /* > 2^63: seeds are stored unsigned */
    tcm_instance *inst = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_instance_generate(&inst, &p), TCM_OK);
    return inst;
}

static void assert_same_instance(const tcm_instance *a, const tcm_instance *b)
{
    CU_ASSERT_EQUAL(a->N, b->N);
    CU_ASSERT_EQUAL(a->K, b->K);
    CU_ASSERT_EQUAL(a->M, b->M);
    CU_ASSERT_EQUAL(a->n, b->n);
    CU_ASSERT_EQUAL(a->arch, b->arch);
    CU_ASSERT_EQUAL(a->kind, b->kind);
    CU_ASSERT(a->seed == b->seed);
    CU_ASSERT_STRING_EQUAL(a->generator, b->generator);
    CU_ASSERT(memcmp(a->patterns, b->patterns, (size_t)a->M * (size_t)a->N) == 0);
    CU_ASSERT(memcmp(a->outputs, b->outputs, (size_t)a->M) == 0);
    CU_ASSERT_EQUAL((a->teacher == NULL), (b->teacher == NULL));
    if (a->teacher && b->teacher) {
        CU_ASSERT_EQUAL(a->teacher->K, b->teacher->K);
        CU_ASSERT_EQUAL(a->teacher->n, b->teacher->n);
        CU_ASSERT_EQUAL(a->teacher->kind, b->teacher->kind);
        CU_ASSERT(memcmp(a->teacher->w, b->teacher->w,
                         (size_t)a->teacher->K * (size_t)a->teacher->n * sizeof(double)) == 0);
    }
}

/* Write inst to name, read it back and compare. */
static void instance_round_trip(const char *name, tcm_arch arch, tcm_weight_kind kind, int teacher)
{
    char path[512];
    tpath(path, sizeof path, name);
    tcm_instance *inst = make_instance(arch, kind, teacher), *back = NULL;
    CU_ASSERT_EQUAL(tcm_h5_write_instance(path, inst, 0), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_read_instance(path, &back), TCM_OK);
    if (back)
        assert_same_instance(inst, back);
    tcm_instance_free(inst);
    tcm_instance_free(back);
}

static void test_instance_round_trips(void)
{
    instance_round_trip("tree_teacher.h5", TCM_ARCH_TREE, TCM_WEIGHTS_CONTINUOUS, 1);
    instance_round_trip("tree_random.h5", TCM_ARCH_TREE, TCM_WEIGHTS_BINARY, 0);
    instance_round_trip("full_binary_teacher.h5", TCM_ARCH_FULL, TCM_WEIGHTS_BINARY, 1);
    instance_round_trip("full_random.h5", TCM_ARCH_FULL, TCM_WEIGHTS_CONTINUOUS, 0);
}

/* The instance file layout: root attributes, types, teacher attributes. */
static void test_instance_layout(void)
{
    char path[512], buf[64];
    tpath(path, sizeof path, "tree_teacher.h5");
    tcm_h5_in *in = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_h5_in_open(&in, path), TCM_OK);
    int64_t v = 0;
    double alpha = 0;
    CU_ASSERT(tcm_h5_in_attr_int(in, "/", "schema_version", &v) == TCM_OK && v == TCM_SCHEMA_VERSION);
    CU_ASSERT(tcm_h5_in_attr_string(in, "/", "file_kind", buf, sizeof buf) == TCM_OK &&
              strcmp(buf, "instance") == 0);
    CU_ASSERT(tcm_h5_in_attr_string(in, "/", "creator", buf, sizeof buf) == TCM_OK &&
              strncmp(buf, "tcmbp ", 6) == 0 && strcmp(buf + 6, tcm_version()) == 0);
    CU_ASSERT(tcm_h5_in_attr_int(in, "/", "N", &v) == TCM_OK && v == 45);
    CU_ASSERT(tcm_h5_in_attr_int(in, "/", "n", &v) == TCM_OK && v == 15);
    CU_ASSERT(tcm_h5_in_attr_double(in, "/", "alpha", &alpha) == TCM_OK && fabs(alpha - 37.0 / 45.0) < 1e-15);
    CU_ASSERT(tcm_h5_in_attr_string(in, "/", "arch", buf, sizeof buf) == TCM_OK && strcmp(buf, "tree") == 0);
    CU_ASSERT(tcm_h5_in_attr_string(in, "/", "weights", buf, sizeof buf) == TCM_OK &&
              strcmp(buf, "continuous") == 0);
    CU_ASSERT(tcm_h5_in_attr_string(in, "/teacher", "kind", buf, sizeof buf) == TCM_OK &&
              strcmp(buf, "continuous") == 0);
    int rank = 0;
    size_t dims[4];
    CU_ASSERT(tcm_h5_in_shape(in, "/patterns", &rank, dims) == TCM_OK && rank == 2 && dims[0] == 37 &&
              dims[1] == 45);
    CU_ASSERT(tcm_h5_in_shape(in, "/teacher", &rank, dims) == TCM_OK && rank == 2 && dims[0] == 3 &&
              dims[1] == 15);
    CU_ASSERT(tcm_h5_in_has(in, "/patterns"));
    CU_ASSERT(tcm_h5_in_has(in, "/seed"));
    CU_ASSERT(tcm_h5_in_has(in, "/teacher/K"));
    CU_ASSERT(!tcm_h5_in_has(in, "/nothing"));
    CU_ASSERT(!tcm_h5_in_has(in, "/nothing/at/all"));
    tcm_h5_in_close(in);
}

/* The same instance written twice gives identical bytes (no timestamps). */
static void test_reproducible_bytes(void)
{
    char a[512], b[512];
    tcm_instance *inst = make_instance(TCM_ARCH_TREE, TCM_WEIGHTS_BINARY, 1);
    CU_ASSERT_EQUAL(tcm_h5_write_instance(tpath(a, sizeof a, "rep_a.h5"), inst, 0), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_write_instance(tpath(b, sizeof b, "rep_b.h5"), inst, 0), TCM_OK);
    CU_ASSERT(same_bytes(a, b));
    tcm_instance_free(inst);
}

/* h5dump (optional: skipped when not installed) can read an instance. */
static void test_h5dump_reads_instance(void)
{
    char path[512], cmd[700];
    if (access("/usr/bin/h5dump", X_OK) != 0)
        return;
    tpath(path, sizeof path, "tree_teacher.h5");
    snprintf(cmd, sizeof cmd, "/usr/bin/h5dump -H '%s' > /dev/null 2>&1", path);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

static void weights_round_trip(tcm_weight_kind kind, const char *name)
{
    char path[512], buf[64];
    tpath(path, sizeof path, name);
    tcm_weights *w = tcm_weights_alloc(3, 7, kind), *back = NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    fill_random(w->w, 21, 99);
    if (kind == TCM_WEIGHTS_BINARY)
        for (int j = 0; j < 21; j++)
            w->w[j] = w->w[j] > 0 ? 1.0 : -1.0;
    else
        CU_ASSERT_EQUAL(tcm_weights_normalize(w), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_write_weights(path, w, 0), TCM_OK);
    CU_ASSERT_EQUAL(tcm_weights_load(&back, path, 3, 7, kind), TCM_OK);
    if (back)
        CU_ASSERT(memcmp(back->w, w->w, 21 * sizeof(double)) == 0);
    tcm_h5_in *in = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_h5_in_open(&in, path), TCM_OK);
    CU_ASSERT(tcm_h5_in_attr_string(in, "/", "kind", buf, sizeof buf) == TCM_OK &&
              strcmp(buf, tcm_weight_kind_name(kind)) == 0);
    CU_ASSERT(tcm_h5_in_attr_string(in, "/", "normalization", buf, sizeof buf) == TCM_OK &&
              strcmp(buf, "per-unit: sum_i w_ki^2 = n") == 0);
    CU_ASSERT(tcm_h5_in_attr_string(in, "/", "file_kind", buf, sizeof buf) == TCM_OK &&
              strcmp(buf, "weights") == 0);
    tcm_h5_in_close(in);
    tcm_weights_free(w);
    tcm_weights_free(back);
}

static void test_weights_round_trips(void)
{
    weights_round_trip(TCM_WEIGHTS_CONTINUOUS, "w_cont.h5");
    weights_round_trip(TCM_WEIGHTS_BINARY, "w_bin.h5");
    /* unnormalised continuous weights are labelled "none" */
    char path[512], buf[64];
    tcm_weights *w = tcm_weights_alloc(1, 4, TCM_WEIGHTS_CONTINUOUS);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    w->w[0] = 0.5;
    CU_ASSERT_EQUAL(tcm_h5_write_weights(tpath(path, sizeof path, "w_raw.h5"), w, 0), TCM_OK);
    tcm_h5_in *in = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_h5_in_open(&in, path), TCM_OK);
    CU_ASSERT(tcm_h5_in_attr_string(in, "/weights", "normalization", buf, sizeof buf) == TCM_OK &&
              strcmp(buf, "none") == 0);
    tcm_h5_in_close(in);
    tcm_weights_free(w);
}

/* Write datasets of several types and ranks, attributes and a table. */
static int write_generic(const char *path, const double *big, size_t nbig)
{
    static const double x[6] = {1.5, -2, 3e-300, 4, 5, 6}, scalar = 42.0;
    static const int8_t b[4] = {-1, 1, 1, -1};
    static const int32_t c[2][2][2] = {{{1, 2}, {3, 4}}, {{5, 6}, {7, -8}}};
    static const double col_a[3] = {0.1, 0.2, 0.3}, col_b[3] = {1, 2, 3}, col_c[3] = {-1, -2, -3};
    static const char *const names[3] = {"lambda", "d", "S"};
    const double *cols[3] = {col_a, col_b, col_c};
    size_t d2[2] = {2, 3}, d1[1] = {4}, d3[3] = {2, 2, 2};
    tcm_h5_out *o = NULL;
    int rc = tcm_h5_out_open(&o, path, "test", 0);
    if (rc != TCM_OK)
        return rc;
    if (rc == TCM_OK) rc = tcm_h5_out_double(o, "/a/b/x", 2, d2, x);
    if (rc == TCM_OK) rc = tcm_h5_out_double(o, "/scalar", 0, NULL, &scalar);
    if (rc == TCM_OK) rc = tcm_h5_out_int8(o, "/a/b8", 1, d1, b);
    if (rc == TCM_OK) rc = tcm_h5_out_int32(o, "/c", 3, d3, &c[0][0][0]);
    if (rc == TCM_OK) rc = tcm_h5_out_double(o, "/big", 1, &nbig, big);
    if (rc == TCM_OK) rc = tcm_h5_out_group(o, "/empty/group");
    if (rc == TCM_OK) rc = tcm_h5_out_attr_double(o, "/a/b/x", "scale", 0.25);
    if (rc == TCM_OK) rc = tcm_h5_out_attr_int(o, "/a", "count", -7);
    if (rc == TCM_OK) rc = tcm_h5_out_attr_int(o, "/a", "count", 8); /* replaces */
    if (rc == TCM_OK) rc = tcm_h5_out_attr_string(o, "/empty/group", "note", "hello, world");
    if (rc == TCM_OK) rc = tcm_h5_out_table(o, "/volume", 3, names, 3, cols);
    if (rc != TCM_OK) {
        tcm_h5_out_abort(o);
        return rc;
    }
    return tcm_h5_out_commit(o);
}

static void check_generic(const char *path, const double *big, size_t nbig)
{
    tcm_h5_in *in = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_h5_in_open(&in, path), TCM_OK);
    double x[6] = {0}, s = 0, *bigback = malloc(nbig * sizeof *bigback), v = 0;
    int8_t b[4] = {0};
    int32_t c[8] = {0};
    int64_t cnt = 0;
    char buf[64];
    CU_ASSERT(tcm_h5_in_double(in, "/a/b/x", x) == TCM_OK && x[0] == 1.5 && x[2] == 3e-300 && x[5] == 6);
    CU_ASSERT(tcm_h5_in_double(in, "/scalar", &s) == TCM_OK && s == 42.0);
    CU_ASSERT(tcm_h5_in_int8(in, "/a/b8", b) == TCM_OK && b[0] == -1 && b[2] == 1);
    CU_ASSERT(tcm_h5_in_int32(in, "/c", c) == TCM_OK && c[0] == 1 && c[7] == -8);
    CU_ASSERT(tcm_h5_in_double(in, "/big", bigback) == TCM_OK && memcmp(big, bigback, nbig * sizeof *big) == 0);
    CU_ASSERT(tcm_h5_in_double(in, "/a/b8", x) == TCM_OK && x[0] == -1.0); /* converted */
    CU_ASSERT(tcm_h5_in_attr_double(in, "/a/b/x", "scale", &v) == TCM_OK && v == 0.25);
    CU_ASSERT(tcm_h5_in_attr_int(in, "/a", "count", &cnt) == TCM_OK && cnt == 8);
    CU_ASSERT(tcm_h5_in_attr_string(in, "/empty/group", "note", buf, sizeof buf) == TCM_OK &&
              strcmp(buf, "hello, world") == 0);
    CU_ASSERT(tcm_h5_in_attr_string(in, "/volume", "columns", buf, sizeof buf) == TCM_OK &&
              strcmp(buf, "lambda,d,S") == 0);
    CU_ASSERT_EQUAL(tcm_h5_in_attr_string(in, "/volume", "columns", buf, 5), TCM_EINVAL); /* too small */
    size_t nrows = 0;
    double *col = NULL;
    CU_ASSERT(tcm_h5_in_table_column(in, "/volume", "S", &nrows, &col) == TCM_OK && nrows == 3 && col &&
              col[2] == -3);
    free(col);
    CU_ASSERT_EQUAL(tcm_h5_in_table_column(in, "/volume", "q", &nrows, &col), TCM_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "no column q"));
    CU_ASSERT_EQUAL(tcm_h5_in_attr_int(in, "/a/b/x", "scale", &cnt), TCM_EFORMAT); /* 0.25 is no int */
    CU_ASSERT_EQUAL(tcm_h5_in_attr_double(in, "/empty/group", "note", &v), TCM_EFORMAT);
    CU_ASSERT_EQUAL(tcm_h5_in_attr_int(in, "/", "nope", &cnt), TCM_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "nope"));
    CU_ASSERT(tcm_h5_in_has(in, "/empty/group"));
    CU_ASSERT(tcm_h5_in_has(in, "/a/count"));
    tcm_h5_in_close(in);
    free(bigback);
}

static void test_generic_round_trip(void)
{
    char path[512];
    size_t nbig = 50000; /* 400 kB: chunked and compressed */
    double *big = malloc(nbig * sizeof *big);
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    fill_random(big, nbig, 7);
    CU_ASSERT_EQUAL(write_generic(tpath(path, sizeof path, "generic.h5"), big, nbig), TCM_OK);
    check_generic(path, big, nbig);
    free(big);
}

/* Misuse of the writer: duplicate datasets, missing objects, bad names. */
static void test_writer_misuse(void)
{
    char path[512];
    double x = 1;
    size_t one = 1;
    tcm_h5_out *o = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_h5_out_open(&o, tpath(path, sizeof path, "misuse.h5"), "test", 0), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_out_double(o, "/x", 1, &one, &x), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_out_double(o, "/x", 1, &one, &x), TCM_EINVAL);
    CU_ASSERT_EQUAL(tcm_h5_out_double(o, "/x/y", 1, &one, &x), TCM_EINVAL); /* /x is no group */
    CU_ASSERT_EQUAL(tcm_h5_out_double(o, "/bad/", 1, &one, &x), TCM_EINVAL);
    CU_ASSERT_EQUAL(tcm_h5_out_attr_int(o, "/missing", "a", 1), TCM_EINVAL);
    CU_ASSERT_EQUAL(tcm_h5_out_double(o, "/r5", 5, &one, &x), TCM_EINVAL);
    tcm_h5_out_abort(o);
    CU_ASSERT(!file_exists(path));
    char tmp[520];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    CU_ASSERT(!file_exists(tmp));
}

/* ---- import ------------------------------------------------------------ */

static void assert_weights(const tcm_weights *w, const double *want, int count)
{
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    for (int j = 0; j < count; j++)
        CU_ASSERT_DOUBLE_EQUAL(w->w[j], want[j], 1e-6 * fabs(want[j]));
}

/* "FILE.h5:/path/to/dataset", including a file name with a colon. */
static void test_import_h5_path(void)
{
    char path[512], src[600];
    double x[6] = {0.5, -1.25, 2, 3.75, -4, 1e-3};
    size_t d[2] = {2, 3};
    tcm_h5_out *o = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_h5_out_open(&o, tpath(path, sizeof path, "run:1.h5"), "solve", 0), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_out_double(o, "/solve/best/w", 2, d, x), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_out_commit(o), TCM_OK);
    tcm_weights *w = NULL;
    snprintf(src, sizeof src, "%s:/solve/best/w", path);
    CU_ASSERT_EQUAL(tcm_weights_load(&w, src, 2, 3, TCM_WEIGHTS_CONTINUOUS), TCM_OK);
    assert_weights(w, x, 6);
    tcm_weights_free(w);
    w = NULL;
    snprintf(src, sizeof src, "%s:/solve/nothing", path);
    CU_ASSERT_EQUAL(tcm_weights_load(&w, src, 2, 3, TCM_WEIGHTS_CONTINUOUS), TCM_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "/solve/nothing"));
    CU_ASSERT_PTR_NULL(w);
    CU_ASSERT_EQUAL(tcm_weights_load(&w, path, 2, 3, TCM_WEIGHTS_CONTINUOUS), TCM_EFORMAT); /* no /weights */
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "has no dataset /weights"));
}

/* ---- errors ------------------------------------------------------------ */

static void test_read_errors(void)
{
    char path[512];
    tcm_h5_in *in = NULL;
    CU_ASSERT_EQUAL(tcm_h5_in_open(&in, tpath(path, sizeof path, "does_not_exist.h5")), TCM_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), path));
    CU_ASSERT_PTR_NULL(in);
    write_text(tpath(path, sizeof path, "not_hdf5.h5"), "just some text\n");
    CU_ASSERT_EQUAL(tcm_h5_in_open(&in, path), TCM_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "not an HDF5 file"));
    tcm_instance *inst = NULL;
    CU_ASSERT_EQUAL(tcm_h5_read_instance(path, &inst), TCM_EFORMAT);
    CU_ASSERT_EQUAL(tcm_h5_read_instance(tpath(path, sizeof path, "w_cont.h5"), &inst), TCM_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "not an instance"));
    CU_ASSERT_EQUAL(tcm_h5_read_instance(tmpdir, &inst), TCM_EIO); /* a directory */
    CU_ASSERT_PTR_NULL(inst);
    alarm(20); /* a FIFO used to block forever in the open (issue 15 item 20) */
    CU_ASSERT_EQUAL_FATAL(mkfifo(tpath(path, sizeof path, "fifo.h5"), 0600), 0);
    CU_ASSERT_EQUAL(tcm_h5_read_instance(path, &inst), TCM_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "fifo.h5: it is a FIFO, not a regular file"));
    char *desc = NULL;
    CU_ASSERT_EQUAL(tcm_h5_describe(path, &desc), TCM_EIO);
    CU_ASSERT_PTR_NULL(desc);
    remove(path);
    alarm(0);
    char *text = NULL;
    CU_ASSERT_EQUAL(tcm_h5_describe(tpath(path, sizeof path, "missing.h5"), &text), TCM_EIO);
    CU_ASSERT_PTR_NULL(text);
    CU_ASSERT_EQUAL_FATAL(tcm_h5_in_open(&in, tpath(path, sizeof path, "generic.h5")), TCM_OK);
    int rank;
    size_t dims[4];
    CU_ASSERT_EQUAL(tcm_h5_in_shape(in, "/no/such", &rank, dims), TCM_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "has no dataset /no/such"));
    CU_ASSERT_EQUAL(tcm_h5_in_shape(in, "/a", &rank, dims), TCM_EFORMAT); /* a group */
    tcm_h5_in_close(in);
}

static void test_newer_schema(void)
{
    char path[512];
    tcm_h5_out *o = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_h5_out_open(&o, tpath(path, sizeof path, "future.h5"), "instance", 0), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_out_attr_int(o, "/", "schema_version", 99), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_out_commit(o), TCM_OK);
    tcm_h5_in *in = NULL;
    CU_ASSERT_EQUAL(tcm_h5_in_open(&in, path), TCM_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "schema version 99 is newer than this tcmbp supports (1)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), path));
    tcm_instance *inst = NULL;
    CU_ASSERT_EQUAL(tcm_h5_read_instance(path, &inst), TCM_EFORMAT);
    char *text = NULL; /* describe still works */
    CU_ASSERT_EQUAL(tcm_h5_describe(path, &text), TCM_OK);
    CU_ASSERT(text && strstr(text, "newer than this tcmbp supports"));
    free(text);
}

static void test_no_overwrite(void)
{
    char path[512], copy[512];
    tpath(path, sizeof path, "tree_teacher.h5");
    tpath(copy, sizeof copy, "tree_teacher_copy.h5");
    size_t len;
    unsigned char *orig = slurp(path, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(orig);
    FILE *f = fopen(copy, "wb");
    fwrite(orig, 1, len, f);
    fclose(f);
    free(orig);
    tcm_instance *inst = make_instance(TCM_ARCH_FULL, TCM_WEIGHTS_BINARY, 0);
    CU_ASSERT_EQUAL(tcm_h5_write_instance(path, inst, 0), TCM_EEXIST);
    char want[600];
    snprintf(want, sizeof want, "%s exists (use --force to overwrite)", path);
    CU_ASSERT_STRING_EQUAL(tcm_last_error(), want);
    CU_ASSERT(same_bytes(path, copy));
    /* with force it is replaced */
    CU_ASSERT_EQUAL(tcm_h5_write_instance(copy, inst, 1), TCM_OK);
    tcm_instance *back = NULL;
    CU_ASSERT_EQUAL(tcm_h5_read_instance(copy, &back), TCM_OK);
    CU_ASSERT(back && back->arch == TCM_ARCH_FULL);
    tcm_instance_free(back);
    tcm_instance_free(inst);
}

/* A directory that does not exist: TCM_EIO and no PATH.tmp* anywhere. A
 * leftover PATH.tmp or PATH.tmp.XXXXXX (an old crash, or another writer
 * still at work) is neither used nor removed. */
static void test_unwritable_and_stale(void)
{
    char path[512], tmp[600], tmp2[600];
    tcm_instance *inst = make_instance(TCM_ARCH_TREE, TCM_WEIGHTS_CONTINUOUS, 0);
    tpath(path, sizeof path, "no_such_dir/inst.h5");
    CU_ASSERT_EQUAL(tcm_h5_write_instance(path, inst, 0), TCM_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "no_such_dir/inst.h5"));
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    CU_ASSERT(!file_exists(tmp));
    tpath(path, sizeof path, "stale.h5");
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    snprintf(tmp2, sizeof tmp2, "%s.tmp.AbC123", path);
    write_text(tmp, "half-written junk");
    write_text(tmp2, "another writer's file");
    CU_ASSERT_EQUAL(tcm_h5_write_instance(path, inst, 0), TCM_OK);
    CU_ASSERT(file_exists(tmp) && file_exists(tmp2) && temp_files(path) == 2);
    remove(tmp);
    remove(tmp2);
    tcm_instance *back = NULL;
    CU_ASSERT_EQUAL(tcm_h5_read_instance(path, &back), TCM_OK);
    tcm_instance_free(back);
    tcm_instance_free(inst);
}

/* Two writers of one path at once (issue 15 item 2): each writes its own
 * temporary file, each commit puts its own complete file in place, and
 * without force the later commit is refused because the path appeared
 * meanwhile (the earlier result is kept, nothing is left behind). */
static void test_concurrent_writers(void)
{
    char path[512];
    double one = 1.0, two = 2.0;
    tpath(path, sizeof path, "race.h5");
    tcm_h5_out *a = NULL, *b = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_h5_out_open(&a, path, "test", 0), TCM_OK);
    CU_ASSERT_EQUAL_FATAL(tcm_h5_out_open(&b, path, "test", 0), TCM_OK);
    CU_ASSERT(temp_files(path) == 2);
    CU_ASSERT_EQUAL(tcm_h5_out_double(a, "/a", 0, NULL, &one), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_out_double(b, "/b", 0, NULL, &two), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_out_commit(b), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_out_commit(a), TCM_EEXIST);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "appeared while it was being written"));
    tcm_h5_in *in = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_h5_in_open(&in, path), TCM_OK);
    CU_ASSERT(tcm_h5_in_has(in, "/b") && !tcm_h5_in_has(in, "/a"));
    tcm_h5_in_close(in);
    CU_ASSERT(temp_files(path) == 0);
    /* with force both commits succeed, each placing its own complete file */
    CU_ASSERT_EQUAL_FATAL(tcm_h5_out_open(&a, path, "test", 1), TCM_OK);
    CU_ASSERT_EQUAL_FATAL(tcm_h5_out_open(&b, path, "test", 1), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_out_double(a, "/a", 0, NULL, &one), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_out_double(b, "/b", 0, NULL, &two), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_out_commit(a), TCM_OK);
    CU_ASSERT_EQUAL_FATAL(tcm_h5_in_open(&in, path), TCM_OK);
    CU_ASSERT(tcm_h5_in_has(in, "/a") && !tcm_h5_in_has(in, "/b"));
    tcm_h5_in_close(in);
    CU_ASSERT_EQUAL(tcm_h5_out_commit(b), TCM_OK);
    CU_ASSERT_EQUAL_FATAL(tcm_h5_in_open(&in, path), TCM_OK);
    CU_ASSERT(tcm_h5_in_has(in, "/b") && !tcm_h5_in_has(in, "/a"));
    tcm_h5_in_close(in);
    CU_ASSERT(temp_files(path) == 0);
}

/* An output that exists and is not a regular file (FIFO, directory) is
 * refused with or without force and left as it was (issue 15 item 3). */
static void test_non_regular_output(void)
{
    char path[512];
    tcm_h5_out *o = NULL;
    tpath(path, sizeof path, "fifo_out");
    CU_ASSERT_EQUAL_FATAL(mkfifo(path, 0600), 0);
    for (int force = 0; force <= 1; force++) {
        CU_ASSERT_EQUAL(tcm_h5_out_open(&o, path, "test", force), TCM_EIO);
        CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "it is a FIFO, not a regular file"));
        CU_ASSERT_PTR_NULL(o);
    }
    struct stat st;
    CU_ASSERT(stat(path, &st) == 0 && S_ISFIFO(st.st_mode));
    CU_ASSERT(temp_files(path) == 0);
    remove(path);
    CU_ASSERT_EQUAL(tcm_h5_out_open(&o, tmpdir, "test", 1), TCM_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "it is a directory"));
}

/* Write nsets datasets of nper random doubles with the file size limited to
 * limit bytes once PATH.tmp is open (to write(), a full disk). *stage is 1
 * when a dataset write failed, 2 when the commit failed. */
static int write_limited(const char *path, rlim_t limit, int nsets, size_t nper, int *stage)
{
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    double *x = malloc(nper * sizeof *x);
    fill_random(x, nper, 3);
    tcm_h5_out *o = NULL;
    int rc = tcm_h5_out_open(&o, path, "test", 1);
    lim = old;
    lim.rlim_cur = limit;
    setrlimit(RLIMIT_FSIZE, &lim);
    for (int s = 0; s < nsets && rc == TCM_OK; s++) {
        char name[32];
        snprintf(name, sizeof name, "/x%d", s);
        rc = tcm_h5_out_double(o, name, 1, &nper, x);
    }
    *stage = rc == TCM_OK ? 2 : 1;
    if (rc == TCM_OK)
        rc = tcm_h5_out_commit(o);
    else
        tcm_h5_out_abort(o);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, prev);
    free(x);
    return rc;
}

static void test_disk_full(void)
{
    char path[512], copy[512];
    int stage;
    tpath(path, sizeof path, "full.h5");
    tpath(copy, sizeof copy, "full_copy.h5");
    CU_ASSERT_EQUAL_FATAL(write_limited(path, RLIM_INFINITY, 1, 10, &stage), TCM_OK);
    CU_ASSERT_EQUAL_FATAL(write_limited(copy, RLIM_INFINITY, 1, 10, &stage), TCM_OK);
    CU_ASSERT(same_bytes(path, copy));
    /* a large compressed dataset: fails while writing the data */
    CU_ASSERT_EQUAL(write_limited(path, 32768, 1, 200000, &stage), TCM_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "full.h5.tmp."));
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "(File too large)"));
    CU_ASSERT(temp_files(path) == 0);
    CU_ASSERT(same_bytes(path, copy));
    /* small datasets: the data fit, the cached metadata does not (with
     * HDF5 1.10 this fails in the commit) */
    CU_ASSERT_EQUAL(write_limited(path, 10000, 20, 10, &stage), TCM_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "full.h5.tmp."));
    CU_ASSERT(temp_files(path) == 0);
    CU_ASSERT(same_bytes(path, copy));
}

/* Build a 4 x 6 instance file by hand with the generic writer: /patterns
 * and /outputs (+-1 entries, with pattern 1 input 5 and output 2 replaced
 * by the given values) stored as int8 or, when as_double, as float64;
 * /outputs only when with_outputs; root attributes K and arch only. */
typedef struct {
    int K, with_outputs, as_double;
    double pattern5, output2;
} raw_instance;

static int write_instance_file(const char *path, const raw_instance *r)
{
    enum { M = 4, N = 6 };
    double pat[M * N], out[M];
    int8_t pat8[M * N], out8[M];
    for (int j = 0; j < M * N; j++)
        pat[j] = (j * 7) % 3 ? 1 : -1;
    for (int a = 0; a < M; a++)
        out[a] = a % 2 ? 1 : -1;
    pat[N + 5] = r->pattern5;
    out[2] = r->output2;
    for (int j = 0; j < M * N; j++)
        pat8[j] = (int8_t)pat[j];
    for (int a = 0; a < M; a++)
        out8[a] = (int8_t)out[a];
    size_t pd[2] = {M, N}, od[1] = {M};
    tcm_h5_out *o = NULL;
    int rc = tcm_h5_out_open(&o, path, "instance", 1);
    if (rc != TCM_OK)
        return rc;
    rc = r->as_double ? tcm_h5_out_double(o, "/patterns", 2, pd, pat) : tcm_h5_out_int8(o, "/patterns", 2, pd, pat8);
    if (rc == TCM_OK && r->with_outputs)
        rc = r->as_double ? tcm_h5_out_double(o, "/outputs", 1, od, out) : tcm_h5_out_int8(o, "/outputs", 1, od, out8);
    if (rc == TCM_OK)
        rc = tcm_h5_out_attr_int(o, "/", "K", r->K);
    if (rc == TCM_OK)
        rc = tcm_h5_out_attr_string(o, "/", "arch", "full");
    if (rc != TCM_OK) {
        tcm_h5_out_abort(o);
        return rc;
    }
    return tcm_h5_out_commit(o);
}

/* An int8 instance: K, a 0 at pattern 1 input 5 when bad_entry, /outputs or not. */
static int write_raw_instance(const char *path, int K, int bad_entry, int with_outputs)
{
    const raw_instance r = {K, with_outputs, 0, bad_entry ? 0 : 1, 1};
    return write_instance_file(path, &r);
}

/* A float64 instance with the two given entries. */
static int write_float_instance(const char *path, double pattern5, double output2)
{
    const raw_instance r = {3, 1, 1, pattern5, output2};
    return write_instance_file(path, &r);
}

/* Float /patterns or /outputs (issue 15 item 6): +-1 values are accepted,
 * anything else is refused naming the dataset, the position and the value
 * as stored (they used to be converted to int8: 1.4 -> 1, NaN -> 0). */
static void test_float_instances(void)
{
    char path[512];
    tcm_instance *inst = NULL;
    tpath(path, sizeof path, "float.h5");
    CU_ASSERT_EQUAL_FATAL(write_float_instance(path, -1, 1), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_read_instance(path, &inst), TCM_OK);
    CU_ASSERT(inst && inst->patterns[6 + 5] == -1 && inst->outputs[2] == 1);
    tcm_instance_free(inst);
    inst = NULL;
    const struct {
        double p, o;
        const char *msg;
    } bad[] = {{1.4, 1, "/patterns: pattern 1, input 5 is 1.4, not +-1"},
               {-1.9, 1, "/patterns: pattern 1, input 5 is -1.9, not +-1"},
               {1, 1.5, "/outputs: pattern 2 is 1.5, not +-1"},
               {NAN, 1, "/patterns: pattern 1, input 5 is nan, not +-1"},
               {1, INFINITY, "/outputs: pattern 2 is inf, not +-1"},
               {1, 200, "/outputs: pattern 2 is 200, not +-1"}};
    for (size_t c = 0; c < sizeof bad / sizeof bad[0]; c++) {
        CU_ASSERT_EQUAL_FATAL(write_float_instance(path, bad[c].p, bad[c].o), TCM_OK);
        CU_ASSERT_EQUAL(tcm_h5_read_instance(path, &inst), TCM_EFORMAT);
        if (!strstr(tcm_last_error(), bad[c].msg))
            fprintf(stderr, "\n  expected '%s' in '%s'\n", bad[c].msg, tcm_last_error());
        CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), bad[c].msg));
        CU_ASSERT_PTR_NULL(inst);
    }
}

/* A schema_version below 1 is refused by the reader (issue 15 item 18);
 * describe still shows the file, marking the version invalid. */
static void test_invalid_schema(void)
{
    char path[512];
    const int64_t bad[] = {-1, 0};
    for (int c = 0; c < 2; c++) {
        tcm_h5_out *o = NULL;
        CU_ASSERT_EQUAL_FATAL(tcm_h5_out_open(&o, tpath(path, sizeof path, "badschema.h5"), "instance", 1), TCM_OK);
        CU_ASSERT_EQUAL(tcm_h5_out_attr_int(o, "/", "schema_version", bad[c]), TCM_OK);
        CU_ASSERT_EQUAL(tcm_h5_out_commit(o), TCM_OK);
        tcm_h5_in *in = NULL;
        CU_ASSERT_EQUAL(tcm_h5_in_open(&in, path), TCM_EFORMAT);
        CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "invalid schema version"));
        CU_ASSERT_PTR_NULL(in);
        char *text = NULL;
        CU_ASSERT_EQUAL(tcm_h5_describe(path, &text), TCM_OK);
        CU_ASSERT(text && strstr(text, "(invalid)"));
        free(text);
    }
    tcm_h5_out *o = NULL; /* a non-integer version is refused too */
    CU_ASSERT_EQUAL_FATAL(tcm_h5_out_open(&o, path, "instance", 1), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_out_attr_double(o, "/", "schema_version", 0.5), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_out_commit(o), TCM_OK);
    tcm_h5_in *in = NULL;
    CU_ASSERT_EQUAL(tcm_h5_in_open(&in, path), TCM_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "not an integer"));
}

static void test_invalid_instances(void)
{
    char path[512];
    tcm_instance *inst = NULL;
    tpath(path, sizeof path, "raw.h5");
    CU_ASSERT_EQUAL_FATAL(write_raw_instance(path, 3, 0, 1), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_read_instance(path, &inst), TCM_OK); /* minimal attributes suffice */
    CU_ASSERT(inst && inst->n == 6 && strcmp(inst->generator, "imported") == 0 && inst->seed == 0);
    tcm_instance_free(inst);
    inst = NULL;
    CU_ASSERT_EQUAL_FATAL(write_raw_instance(path, 2, 0, 1), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_read_instance(path, &inst), TCM_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "K must be odd"));
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), path));
    CU_ASSERT_EQUAL_FATAL(write_raw_instance(path, 3, 1, 1), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_read_instance(path, &inst), TCM_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "pattern 1, input 5 is 0"));
    CU_ASSERT_EQUAL_FATAL(write_raw_instance(path, 3, 0, 0), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_read_instance(path, &inst), TCM_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "has no dataset /outputs"));
    CU_ASSERT_PTR_NULL(inst);
}

static void test_describe(void)
{
    char path[512];
    char *text = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_h5_describe(tpath(path, sizeof path, "tree_teacher.h5"), &text), TCM_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "tcmbp instance file, schema version 1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "  K = 3\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "  arch = \"tree\"\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "  seed = 18364758544493064720\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "/patterns  int8 [37 x 45]  chunked"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "/outputs  int8 [37]"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "/teacher  double [3 x 15]"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "      kind = \"continuous\"\n"));
    free(text);
    CU_ASSERT_EQUAL_FATAL(tcm_h5_describe(tpath(path, sizeof path, "generic.h5"), &text), TCM_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "/empty/group  group"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "/scalar  double [scalar]"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "/c  int32 [2 x 2 x 2]"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "columns = \"lambda,d,S\""));
    free(text);
}

static const tcm_test_case tests[] = {
    /* order matters: later tests read files written by earlier ones */
    { "instance round trips", test_instance_round_trips },
    { "instance layout", test_instance_layout },
    { "reproducible bytes", test_reproducible_bytes },
    { "h5dump reads an instance", test_h5dump_reads_instance },
    { "weights round trips", test_weights_round_trips },
    { "generic datasets, attributes, tables", test_generic_round_trip },
    { "writer misuse", test_writer_misuse },
    { "import FILE.h5:/dataset", test_import_h5_path },
    { "read errors", test_read_errors },
    { "newer schema version", test_newer_schema },
    { "existing output without force", test_no_overwrite },
    { "unwritable directory, stale tmp", test_unwritable_and_stale },
    { "disk full leaves no tmp", test_disk_full },
    { "concurrent writers of one path", test_concurrent_writers },
    { "non-regular outputs refused", test_non_regular_output },
    { "invalid instance files", test_invalid_instances },
    { "describe", test_describe },
    { "float patterns and outputs", test_float_instances },
    { "invalid schema versions", test_invalid_schema },
};

TCM_TEST_SUITE_WITH("h5", suite_init, suite_clean, tests)
