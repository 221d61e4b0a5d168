/* Tests of the data-set import (dataset_read.c) and its transforms
 * (dataset.c): tiny idx files written here (plain and gzip), the same data
 * as .npy, CSV and HDF5; class selection, median filter, binarization,
 * balanced seeded subsets, the pixel shuffle and biased noise; and every
 * bad-file case (wrong magic, truncated, label count mismatch, too few
 * images of a class). */
#include "tcmbp/dataset.h"
#include "tcmbp/error.h"
#include "tcmbp/h5.h"

#include "test_npy.h"
#include "test_scratch.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <stdint.h>
#include <zlib.h>
#include "test_suite.h"

static int suite_init(void) { return test_scratch_init("test_dataset"); }
static int suite_clean(void) { return test_scratch_clean(); }

/* Six 2 x 4 images (pixel bytes) and their labels. Medians (/255):
 * image 0: 100/255 .. see pixels; image 3 is all dark (median 0). */
#define NIMG 6
#define NPIX 8
static const unsigned char pix[NIMG][NPIX] = {
    {0, 255, 100, 200, 100, 10, 250, 120},  /* label 3, median (100+120)/2 = 110 */
    {255, 255, 128, 0, 0, 128, 128, 255},   /* label 4, median 128 */
    {10, 20, 30, 140, 150, 160, 170, 180},  /* label 5 (dropped by the class selection) */
    {0, 0, 0, 0, 0, 0, 0, 1},               /* label 3, median 0: filtered out */
    {60, 70, 80, 90, 100, 110, 120, 130},   /* label 4, median 95 */
    {200, 90, 90, 90, 200, 200, 90, 200},   /* label 3, median 145 */
};
static const unsigned char lab[NIMG] = {3, 4, 5, 3, 4, 3};

/* Write bytes to path, gzipped or plain. */
static void write_bytes(const char *path, const unsigned char *b, size_t n, int gz)
{
    if (gz) {
        gzFile g = gzopen(path, "wb");
        CU_ASSERT_PTR_NOT_NULL_FATAL(g);
        gzwrite(g, b, (unsigned)n);
        gzclose(g);
    } else {
        FILE *f = fopen(path, "wb");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        fwrite(b, 1, n, f);
        fclose(f);
    }
}

/* idx files of the first `count` images (label file holds nlab labels);
 * magic byte 3 (ndims) of the image file = img_dims. */
static void write_idx(const char *img, const char *lbl, int count, int nlab, int gz, int trunc)
{
    unsigned char b[16 + NIMG * NPIX];
    unsigned char h[] = {0, 0, 8, 3, 0, 0, 0, (unsigned char)count, 0, 0, 0, 2, 0, 0, 0, 4};
    memcpy(b, h, 16);
    memcpy(b + 16, pix, (size_t)count * NPIX);
    write_bytes(img, b, 16 + (size_t)count * NPIX - (size_t)trunc, gz);
    unsigned char l[8 + NIMG] = {0, 0, 8, 1, 0, 0, 0, (unsigned char)nlab};
    memcpy(l + 8, lab, NIMG);
    write_bytes(lbl, l, 8 + (size_t)nlab, gz);
}

/* The dataset of images of classes 3 and 4 must be images 0, 1, 3, 4, 5. */
static void check_kept(const tcm_dataset *ds)
{
    static const int want[] = {0, 1, 3, 4, 5};
    CU_ASSERT_PTR_NOT_NULL_FATAL(ds);
    CU_ASSERT_EQUAL(ds->count, 5);
    CU_ASSERT_EQUAL(ds->N, NPIX);
    CU_ASSERT_EQUAL(ds->total, NIMG);
    for (int j = 0; j < 5 && ds->count == 5; j++) {
        CU_ASSERT_EQUAL(ds->labels[j], lab[want[j]]);
        for (int p = 0; p < NPIX; p++)
            CU_ASSERT_DOUBLE_EQUAL(ds->pixels[j * NPIX + p], pix[want[j]][p] / 255.0, 1e-6);
    }
}

static const int cls34[] = {3, 4};

static void test_idx_plain_and_gzip(void)
{
    char img[300], lbl[300];
    for (int gz = 0; gz < 2; gz++) {
        write_idx(tpath(img, sizeof img, gz ? "i.gz" : "i.idx"), tpath(lbl, sizeof lbl, gz ? "l.gz" : "l.idx"), NIMG,
                  NIMG, gz, 0);
        tcm_dataset *ds = NULL;
        CU_ASSERT_EQUAL(tcm_dataset_read(&ds, img, lbl, cls34, 2, 255), TCM_OK);
        check_kept(ds);
        tcm_dataset_free(ds);
    }
}

/* Run a read that must fail with code and a message containing what. */
static void expect_read_error(const char *img, const char *lbl, int code, const char *what)
{
    tcm_dataset *ds = (tcm_dataset *)1;
    CU_ASSERT_EQUAL(tcm_dataset_read(&ds, img, lbl, cls34, 2, 255), code);
    CU_ASSERT_PTR_NULL(ds);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), what));
    if (!strstr(tcm_last_error(), what))
        fprintf(stderr, "message: %s (wanted '%s')\n", tcm_last_error(), what);
    CU_ASSERT_PTR_NULL(strchr(tcm_last_error(), '\n'));
}

static void test_idx_bad_files(void)
{
    char img[300], lbl[300], bad[300];
    write_idx(tpath(img, sizeof img, "t.gz"), tpath(lbl, sizeof lbl, "tl.gz"), NIMG, NIMG, 1, 5);
    expect_read_error(img, lbl, TCM_EFORMAT, "truncated");
    write_idx(img, lbl, NIMG, NIMG - 1, 1, 0);
    expect_read_error(img, lbl, TCM_EFORMAT, "6 images but the labels file 5 labels");
    write_idx(img, lbl, NIMG, NIMG, 0, 0);
    expect_read_error(lbl, img, TCM_EFORMAT, "not an idx ubyte file"); /* swapped: wrong magic */
    unsigned char junk[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3}; /* a damaged gzip stream */
    write_bytes(tpath(bad, sizeof bad, "bad.gz"), junk, sizeof junk, 0);
    tcm_dataset *ds = NULL;
    CU_ASSERT_NOT_EQUAL(tcm_dataset_read(&ds, img, bad, cls34, 2, 255), TCM_OK);
    CU_ASSERT_PTR_NULL(ds);
    expect_read_error(img, tpath(bad, sizeof bad, "missing.gz"), TCM_EIO, "missing.gz");
}


static void test_npy_csv_h5(void)
{
    char img[300], lbl[400];
    int64_t l64[NIMG];
    for (int i = 0; i < NIMG; i++)
        l64[i] = lab[i];
    write_npy(tpath(img, sizeof img, "i.npy"), 1, "|u1", 0, "(6, 2, 4)", pix, sizeof pix);
    write_npy(tpath(lbl, sizeof lbl, "l.npy"), 1, "<i8", 0, "(6,)", l64, sizeof l64);
    tcm_dataset *ds = NULL;
    CU_ASSERT_EQUAL(tcm_dataset_read(&ds, img, lbl, cls34, 2, 255), TCM_OK);
    check_kept(ds);
    tcm_dataset_free(ds);
    /* CSV: one image per line, labels one per line */
    FILE *fi = fopen(tpath(img, sizeof img, "i.csv"), "w"), *fl = fopen(tpath(lbl, sizeof lbl, "l.csv"), "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fi);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fl);
    fprintf(fi, "# images\n");
    for (int i = 0; i < NIMG; i++) {
        for (int p = 0; p < NPIX; p++)
            fprintf(fi, "%s%d", p ? "," : "", pix[i][p]);
        fprintf(fi, "\n");
        fprintf(fl, "%d\n", lab[i]);
    }
    fclose(fi);
    fclose(fl);
    CU_ASSERT_EQUAL(tcm_dataset_read(&ds, img, lbl, cls34, 2, 255), TCM_OK);
    check_kept(ds);
    tcm_dataset_free(ds);
    /* HDF5 datasets, default names and explicit ones */
    double dimg[NIMG * NPIX], dlab[NIMG];
    for (int i = 0; i < NIMG * NPIX; i++)
        dimg[i] = pix[i / NPIX][i % NPIX];
    for (int i = 0; i < NIMG; i++)
        dlab[i] = lab[i];
    tcm_h5_out *o = NULL;
    size_t di[2] = {NIMG, NPIX}, dl[1] = {NIMG};
    CU_ASSERT_EQUAL_FATAL(tcm_h5_out_open(&o, tpath(img, sizeof img, "d.h5"), "data", 1), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_out_double(o, "/images", 2, di, dimg), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_out_double(o, "/labels", 1, dl, dlab), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_out_commit(o), TCM_OK);
    CU_ASSERT_EQUAL(tcm_dataset_read(&ds, img, img, cls34, 2, 255), TCM_OK);
    check_kept(ds);
    tcm_dataset_free(ds);
    snprintf(lbl, sizeof lbl, "%s:/labels", img);
    CU_ASSERT_EQUAL(tcm_dataset_read(&ds, img, lbl, cls34, 2, 255), TCM_OK);
    check_kept(ds);
    tcm_dataset_free(ds);
    /* a non-integer label, a ragged CSV line */
    fl = fopen(tpath(lbl, sizeof lbl, "bad.csv"), "w");
    fprintf(fl, "3\n4\n3.5\n3\n4\n3\n");
    fclose(fl);
    expect_read_error(tpath(img, sizeof img, "i.csv"), lbl, TCM_EFORMAT, "label 2 is 3.5, not an integer");
    fi = fopen(tpath(img, sizeof img, "r.csv"), "w");
    fprintf(fi, "1,2,3\n4,5\n");
    fclose(fi);
    expect_read_error(img, tpath(lbl, sizeof lbl, "l.csv"), TCM_EFORMAT, "line 2: 2 values where the first row has 3");
}

static void test_median(void)
{
    float x[] = {3, 1, 2, 10}, s[4];
    CU_ASSERT_DOUBLE_EQUAL(tcm_dataset_median(x, 4, s), 2.5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(tcm_dataset_median(x, 3, s), 2, 1e-12);
    CU_ASSERT_EQUAL(x[0], 3); /* input untouched */
}

/* Read the tiny set (classes 3 and 4) from plain idx. */
static tcm_dataset *tiny(void)
{
    char img[300], lbl[300];
    write_idx(tpath(img, sizeof img, "s.idx"), tpath(lbl, sizeof lbl, "sl.idx"), NIMG, NIMG, 0, 0);
    tcm_dataset *ds = NULL;
    CU_ASSERT_EQUAL(tcm_dataset_read(&ds, img, lbl, cls34, 2, 255), TCM_OK);
    return ds;
}

static void test_instance_filter_binarize(void)
{
    tcm_dataset *ds = tiny();
    CU_ASSERT_PTR_NOT_NULL_FATAL(ds);
    tcm_dataset_params p = TCM_DATASET_PARAMS_INIT;
    p.K = 3;
    p.M = 0; /* all that pass */
    int np, nm;
    CU_ASSERT_EQUAL(tcm_dataset_count(ds, &p, &np, &nm), TCM_OK);
    CU_ASSERT_EQUAL(np, 2); /* image 3 (median 0) filtered out */
    CU_ASSERT_EQUAL(nm, 2);
    tcm_instance *inst = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_dataset_instance(&inst, ds, &p), TCM_OK);
    CU_ASSERT_EQUAL(inst->M, 4);
    CU_ASSERT_EQUAL(inst->N, NPIX);
    CU_ASSERT_EQUAL(inst->n, NPIX);
    CU_ASSERT_EQUAL(inst->arch, TCM_ARCH_FULL);
    CU_ASSERT_EQUAL(tcm_instance_validate(inst), TCM_OK);
    static const int src[] = {0, 1, 4, 5};
    static const double med[] = {110, 128, 95, 145};
    for (int a = 0; a < 4; a++) {
        CU_ASSERT_EQUAL(inst->outputs[a], lab[src[a]] == 3 ? 1 : -1);
        for (int i = 0; i < NPIX; i++)
            CU_ASSERT_EQUAL(inst->patterns[a * NPIX + i], pix[src[a]][i] > med[a] ? 1 : -1);
    }
    tcm_instance_free(inst);
    /* fixed threshold, no filter: image 3 is in and all -1 but one pixel */
    p.median_lo = 1;
    p.median_hi = 0;
    p.binarize = TCM_BINARIZE_FIXED;
    p.threshold = 0.5;
    CU_ASSERT_EQUAL_FATAL(tcm_dataset_instance(&inst, ds, &p), TCM_OK);
    CU_ASSERT_EQUAL(inst->M, 5);
    for (int i = 0; i < NPIX; i++)
        CU_ASSERT_EQUAL(inst->patterns[2 * NPIX + i], -1);
    CU_ASSERT_EQUAL(inst->patterns[0 * NPIX + 1], 1);
    tcm_instance_free(inst);
    tcm_dataset_free(ds);
}

static void test_subset_and_errors(void)
{
    tcm_dataset *ds = tiny();
    CU_ASSERT_PTR_NOT_NULL_FATAL(ds);
    tcm_dataset_params p = TCM_DATASET_PARAMS_INIT;
    p.K = 3;
    p.M = 2;
    tcm_instance *a = NULL, *b = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_dataset_instance(&a, ds, &p), TCM_OK);
    CU_ASSERT_EQUAL(a->M, 2);
    CU_ASSERT_EQUAL(a->outputs[0] + a->outputs[1], 0); /* one of each class */
    CU_ASSERT_EQUAL_FATAL(tcm_dataset_instance(&b, ds, &p), TCM_OK);
    CU_ASSERT_EQUAL(memcmp(a->patterns, b->patterns, 2 * NPIX), 0); /* same seed, same subset */
    tcm_instance_free(b);
    /* another seed eventually draws another subset */
    int differ = 0;
    for (p.seed = 2; p.seed < 20 && !differ; p.seed++) {
        CU_ASSERT_EQUAL_FATAL(tcm_dataset_instance(&b, ds, &p), TCM_OK);
        differ = memcmp(a->patterns, b->patterns, 2 * NPIX) != 0;
        tcm_instance_free(b);
    }
    CU_ASSERT(differ);
    tcm_instance_free(a);
    /* too few images of a class, odd M, even K, equal classes */
    tcm_instance *c = (tcm_instance *)1;
    p.M = 6;
    CU_ASSERT_EQUAL(tcm_dataset_instance(&c, ds, &p), TCM_EINVAL);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "too few images of class 3 for a balanced M = 6: 2 pass the filter, 3 needed"));
    p.M = 3;
    CU_ASSERT_EQUAL(tcm_dataset_instance(&c, ds, &p), TCM_EINVAL);
    p.M = 2;
    p.K = 4;
    CU_ASSERT_EQUAL(tcm_dataset_instance(&c, ds, &p), TCM_EINVAL);
    p.K = 3;
    p.minus_class = 7;
    CU_ASSERT_EQUAL(tcm_dataset_instance(&c, ds, &p), TCM_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "no image of class 7"));
    tcm_dataset_free(ds);
}

/* A random instance for the shuffle and noise tests. */
static tcm_instance *random_instance(int N, int M)
{
    tcm_instance *inst = tcm_instance_alloc(N, 3, M, TCM_ARCH_FULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inst);
    for (int a = 0; a < M; a++) {
        inst->outputs[a] = a % 2 ? 1 : -1;
        for (int i = 0; i < N; i++)
            inst->patterns[a * N + i] = (a * 7 + i * 3) % 5 < 2 + (i % 3) ? 1 : -1;
    }
    return inst;
}

static void test_randomize(void)
{
    int N = 20, M = 30;
    tcm_instance *x = random_instance(N, M), *y = random_instance(N, M);
    CU_ASSERT_EQUAL(tcm_dataset_randomize(y, 5), TCM_OK);
    CU_ASSERT_EQUAL(memcmp(x->outputs, y->outputs, (size_t)M), 0);
    CU_ASSERT_NOT_EQUAL(memcmp(x->patterns, y->patterns, (size_t)(N * M)), 0);
    double mx[20], my[20];
    tcm_dataset_pixel_means(x, mx);
    tcm_dataset_pixel_means(y, my);
    for (int i = 0; i < N; i++)
        CU_ASSERT_DOUBLE_EQUAL(mx[i], my[i], 1e-12); /* every pixel keeps its bias */
    /* the permutations differ between pixels: column pairs are not moved together */
    int moved_apart = 0;
    for (int a = 0; a < M; a++)
        moved_apart += x->patterns[a * N + 0] * x->patterns[a * N + 5] != y->patterns[a * N + 0] * y->patterns[a * N + 5];
    CU_ASSERT(moved_apart > 0);
    tcm_instance_free(x);
    tcm_instance_free(y);
}

static void test_noise(void)
{
    int N = 200, M = 40;
    tcm_instance *x = random_instance(N, M), *z = random_instance(N, M);
    double mean[200];
    for (int i = 0; i < N; i++)
        mean[i] = i < 100 ? 1.0 : -1.0; /* fully biased pixels: replacements are known */
    CU_ASSERT_EQUAL(tcm_dataset_noisy(z, x, mean, 0.0, 0, 1), TCM_OK);
    CU_ASSERT_EQUAL(memcmp(x->patterns, z->patterns, (size_t)(N * M)), 0);
    CU_ASSERT_EQUAL(tcm_dataset_noisy(z, x, mean, 1.0, 0, 1), TCM_OK);
    for (int a = 0; a < M; a++)
        for (int i = 0; i < N; i++)
            CU_ASSERT_EQUAL(z->patterns[a * N + i], i < 100 ? 1 : -1);
    /* eta = 0.25: exactly 50 pixels per pattern are redrawn; with the pixel
     * means of the data, the replaced values follow the bias */
    tcm_dataset_pixel_means(x, mean);
    long changed_max = 0;
    CU_ASSERT_EQUAL(tcm_dataset_noisy(z, x, mean, 0.25, 3, 1), TCM_OK);
    for (int a = 0; a < M; a++) {
        long changed = 0;
        for (int i = 0; i < N; i++)
            changed += x->patterns[a * N + i] != z->patterns[a * N + i];
        if (changed > changed_max)
            changed_max = changed;
    }
    CU_ASSERT(changed_max <= 50 && changed_max > 0);
    CU_ASSERT_EQUAL(tcm_dataset_noisy(z, x, mean, 1.5, 0, 1), TCM_EINVAL);
    tcm_instance_free(x);
    tcm_instance_free(z);
}

static const tcm_test_case tests[] = {
    {"idx plain and gzip", test_idx_plain_and_gzip},
    {"idx bad files", test_idx_bad_files},
    {"npy, csv and hdf5 pairs", test_npy_csv_h5},
    {"median", test_median},
    {"instance: filter and binarize", test_instance_filter_binarize},
    {"balanced seeded subset and errors", test_subset_and_errors},
    {"randomized data", test_randomize},
    {"biased noise", test_noise},
};
TCM_TEST_SUITE_WITH("dataset", suite_init, suite_clean, tests)
