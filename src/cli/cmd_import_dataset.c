/* `tcmbp import-dataset --images F --labels F -o TRAIN.h5 [--test-images F
 * --test-labels F --test-output TEST.h5]`: a training instance and a test
 * instance (fully connected, K given) from a real two-class data set, as
 * the paper prepares Fashion-MNIST (binarized at each image's median,
 * median filter, balanced seeded subset; optionally pixel-shuffled). */
#include "cli.h"

#include "tcmbp/dataset.h"
#include "tcmbp/error.h"
#include "tcmbp/h5.h"

#include <math.h>
#include <string.h>
#include <strings.h>

/* The options of the command. */
typedef struct {
    const char *images, *labels, *test_images, *test_labels, *out, *test_out, *binarize;
    cli_doubles classes, median_range;
    int M, test_M, K, unbalanced, no_filter, randomize;
    double threshold, scale;
    uint64_t shuffle_seed; /* --shuffle-seed (default: --seed) */
} import_opts;

/* Default pixel scale: 255 for idx bytes (a name not ending in .npy, .h5,
 * .hdf5, .csv, .txt and without ":/"), 1 otherwise. */
static double default_scale(const char *images)
{
    size_t n = strlen(images);
    static const char *const other[] = {".npy", ".h5", ".hdf5", ".csv", ".txt"};
    if (strstr(images, ":/"))
        return 1;
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        if (n >= strlen(other[i]) && strcasecmp(images + n - strlen(other[i]), other[i]) == 0)
            return 1;
    return 255;
}

/* Options -> library parameters; a usage exit code or CLI_EXIT_OK. */
static int make_params(const cli_args *a, const cli_command *cmd, import_opts *o, tcm_dataset_params *p)
{
    if (!o->images || !o->labels)
        return cli_usage(a, "missing --images FILE or --labels FILE");
    if (!o->out)
        return cli_usage(a, "missing -o TRAIN.h5");
    if (!o->test_images != !o->test_labels || !o->test_images != !o->test_out)
        return cli_usage(a, "--test-images, --test-labels and --test-output go together");
    if (o->classes.n != 2 || o->classes.v[0] != floor(o->classes.v[0]) || o->classes.v[1] != floor(o->classes.v[1]) ||
        fabs(o->classes.v[0]) > 1e9 || fabs(o->classes.v[1]) > 1e9 || o->classes.v[0] == o->classes.v[1])
        return cli_usage(a, "--classes must be two different integer labels A,B (A -> +1, B -> -1)");
    if (o->median_range.n != 2 || !(o->median_range.v[0] <= o->median_range.v[1]))
        return cli_usage(a, "--median-range must be LO,HI with LO <= HI");
    if (o->K <= 0 || o->K % 2 == 0)
        return cli_usage(a, "--K must be odd and positive (got %d)", o->K);
    if (o->M < 0 || o->test_M < 0 || (!o->unbalanced && (o->M % 2 || o->test_M % 2)))
        return cli_usage(a, "--M and --test-M must be >= 0%s", o->unbalanced ? "" : " and even (balanced subsets)");
    if (strcmp(o->binarize, "median") && strcmp(o->binarize, "fixed"))
        return cli_usage(a, "--binarize must be median or fixed (got '%s')", o->binarize);
    if (cli_given(cmd, "threshold") && strcmp(o->binarize, "fixed"))
        return cli_usage(a, "--threshold needs --binarize fixed");
    if (cli_given(cmd, "scale") && !(o->scale > 0))
        return cli_usage(a, "--scale must be > 0");
    tcm_dataset_params d = TCM_DATASET_PARAMS_INIT;
    d.plus_class = (int)o->classes.v[0];
    d.minus_class = (int)o->classes.v[1];
    d.M = o->M;
    d.balanced = !o->unbalanced;
    d.median_lo = o->no_filter ? 1 : o->median_range.v[0];
    d.median_hi = o->no_filter ? 0 : o->median_range.v[1];
    d.binarize = strcmp(o->binarize, "fixed") == 0 ? TCM_BINARIZE_FIXED : TCM_BINARIZE_MEDIAN;
    d.threshold = o->threshold;
    d.K = o->K;
    d.seed = a->seed;
    *p = d;
    return CLI_EXIT_OK;
}

/* Read a data set and cut an instance with p; counts passing the filter. */
static int build(const cli_args *a, const char *images, const char *labels, double scale,
                 const tcm_dataset_params *p, tcm_instance **inst, int counts[2])
{
    tcm_dataset *ds = NULL;
    int classes[2] = {p->plus_class, p->minus_class};
    int st = tcm_dataset_read(&ds, images, labels, classes, 2, scale);
    if (st == TCM_OK)
        st = tcm_dataset_count(ds, p, &counts[0], &counts[1]);
    if (st == TCM_OK)
        st = tcm_dataset_instance(inst, ds, p);
    tcm_dataset_free(ds);
    return st == TCM_OK ? CLI_EXIT_OK : cli_fail(a, st, "%s", images);
}

/* Print the summary. */
static int summary(const cli_args *a, const import_opts *o, const tcm_instance *tr, const tcm_instance *te,
                   const int counts[2])
{
    cli_summary s;
    cli_summary_begin(&s, a);
    cli_summary_str(&s, "status", "written");
    cli_summary_str(&s, "file", o->out);
    cli_summary_int(&s, "N", tr->N);
    cli_summary_int(&s, "K", tr->K);
    cli_summary_int(&s, "M", tr->M);
    cli_summary_int(&s, "plus_class", (long long)o->classes.v[0]);
    cli_summary_int(&s, "minus_class", (long long)o->classes.v[1]);
    cli_summary_int(&s, "plus_available", counts[0]);
    cli_summary_int(&s, "minus_available", counts[1]);
    cli_summary_bool(&s, "balanced", !o->unbalanced);
    cli_summary_bool(&s, "randomized", o->randomize);
    if (o->randomize)
        cli_summary_u64(&s, "shuffle_seed", o->shuffle_seed);
    cli_summary_u64(&s, "seed", a->seed);
    if (te) {
        cli_summary_str(&s, "test_file", o->test_out);
        cli_summary_int(&s, "test_M", te->M);
    }
    return cli_summary_end(&s);
}

/* Build, randomize if asked, and write both instances. */
static int run(const cli_args *a, const import_opts *o, const tcm_dataset_params *p)
{
    tcm_instance *tr = NULL, *te = NULL;
    int counts[2], tcounts[2];
    double scale = o->scale > 0 ? o->scale : default_scale(o->images);
    int rc = build(a, o->images, o->labels, scale, p, &tr, counts);
    if (rc == CLI_EXIT_OK && o->randomize) {
        int st = tcm_dataset_randomize(tr, o->shuffle_seed);
        if (st != TCM_OK)
            rc = cli_fail(a, st, NULL);
    }
    if (rc == CLI_EXIT_OK && o->test_images) {
        tcm_dataset_params tp = *p;
        tp.M = o->test_M;
        rc = build(a, o->test_images, o->test_labels, o->scale > 0 ? o->scale : default_scale(o->test_images), &tp,
                   &te, tcounts);
    }
    int st = TCM_OK;
    if (rc == CLI_EXIT_OK && (st = tcm_h5_write_instance(o->out, tr, a->force)) != TCM_OK)
        rc = cli_fail(a, st, NULL);
    if (rc == CLI_EXIT_OK && te && (st = tcm_h5_write_instance(o->test_out, te, a->force)) != TCM_OK)
        rc = cli_fail(a, st, NULL);
    if (rc == CLI_EXIT_OK)
        rc = summary(a, o, tr, te, counts);
    tcm_instance_free(tr);
    tcm_instance_free(te);
    return rc;
}

int cmd_import_dataset(int argc, char **argv)
{
    import_opts o = {NULL, NULL, NULL, NULL, NULL, NULL, "median", {2, {3, 4}}, {2, {0.25, 0.75}},
                     500, 0, 9, 0, 0, 0, 0.5, 0, 0};
    cli_option opts[] = {
        CLI_OPT("images", 0, CLI_STRING, &o.images, "FILE",
                "training images: idx (gzip or plain), FILE.npy, FILE.h5[:/dataset] (default /images) or FILE.csv",
                NULL),
        CLI_OPT("labels", 0, CLI_STRING, &o.labels, "FILE", "training labels, same formats (HDF5 default /labels)",
                NULL),
        CLI_OPT("test-images", 0, CLI_STRING, &o.test_images, "FILE", "test images (needs --test-labels, --test-output)", NULL),
        CLI_OPT("test-labels", 0, CLI_STRING, &o.test_labels, "FILE", "test labels", NULL),
        CLI_OPT("output", 'o', CLI_STRING, &o.out, "TRAIN.h5", "training instance to write", NULL),
        CLI_OPT("test-output", 0, CLI_STRING, &o.test_out, "TEST.h5", "test instance to write", NULL),
        CLI_OPT("classes", 0, CLI_DOUBLES, &o.classes, "A,B",
                "labels of the two classes: A -> output +1, B -> -1 (Fashion-MNIST: 3 Dress, 4 Coat)", "3,4"),
        CLI_OPT("M", 0, CLI_INT, &o.M, "M", "training patterns (0: every image that passes the filter)", "500"),
        CLI_OPT("test-M", 0, CLI_INT, &o.test_M, "M", "test patterns (0: every test image that passes the filter)", "0"),
        CLI_OPT("unbalanced", 0, CLI_FLAG, &o.unbalanced, NULL,
                "draw a uniform subset instead of M/2 images of each class", NULL),
        CLI_OPT("median-range", 0, CLI_DOUBLES, &o.median_range, "LO,HI",
                "keep images whose median pixel (after --scale) lies in [LO, HI]", "0.25,0.75"),
        CLI_OPT("no-filter", 0, CLI_FLAG, &o.no_filter, NULL, "keep every image (no median filter)", NULL),
        CLI_OPT("binarize", 0, CLI_STRING, &o.binarize, "median|fixed",
                "pixel > threshold -> +1, else -1; threshold: each image's median, or --threshold", "median"),
        CLI_OPT("threshold", 0, CLI_DOUBLE, &o.threshold, "T", "fixed threshold (after --scale)", "0.5"),
        CLI_OPT("scale", 0, CLI_DOUBLE, &o.scale, "S", "divide pixel values by S", "255 for idx, else 1"),
        CLI_OPT("randomize", 0, CLI_FLAG, &o.randomize, NULL,
                "shuffle every pixel of the training patterns across patterns with its own permutation "
                "(the paper's randomized data; the test set is left as it is)", NULL),
        CLI_OPT("shuffle-seed", 0, CLI_UINT64, &o.shuffle_seed, "S",
                "seed of the --randomize permutations (several randomized sets of the same subset)", "--seed"),
        CLI_OPT("K", 0, CLI_INT, &o.K, "K", "hidden units of the fully connected committee machine (odd)", "9"),
        CLI_END};
    cli_command cmd = {"import-dataset", "[options] --images F --labels F -o TRAIN.h5",
                       "Make a training instance (and a test instance) for a fully connected committee machine "
                       "from a real two-class data set, as the wide-flat-minima paper does with Fashion-MNIST: "
                       "keep the two classes, drop images whose median lies outside --median-range, draw a seeded "
                       "subset (balanced by class unless --unbalanced; patterns kept in file order), binarize each "
                       "image at its median. Fashion-MNIST: apt-get install dataset-fashion-mnist, files in "
                       "/usr/share/datasets/fashion-mnist/.",
                       opts, 0, 0, "subset draw (and the --randomize permutations unless --shuffle-seed)"};
    CLI_PARSE_OR_RETURN(cmd, a, rc, argc, argv);
    tcm_dataset_params p;
    if (!cli_given(&cmd, "shuffle-seed"))
        o.shuffle_seed = a.seed;
    else if (!o.randomize)
        return cli_usage(&a, "--shuffle-seed needs --randomize");
    if ((rc = make_params(&a, &cmd, &o, &p)) != CLI_EXIT_OK)
        return rc;
    const cli_path paths[] = {{o.images, CLI_PATH_INPUT, "--images"},         {o.labels, CLI_PATH_INPUT, "--labels"},
                              {o.test_images, CLI_PATH_INPUT, "--test-images"}, {o.test_labels, CLI_PATH_INPUT, "--test-labels"},
                              {o.out, CLI_PATH_OUTPUT, "-o"},                  {o.test_out, CLI_PATH_OUTPUT, "--test-output"}};
    if ((rc = cli_check_paths(&a, paths, 6, 0)) != CLI_EXIT_OK)
        return rc;
    return run(&a, &o, &p);
}
