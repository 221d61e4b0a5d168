/* Real data sets as instances: read images and labels (idx files, gzipped
 * or plain; .npy pairs; HDF5 datasets; CSV text), keep chosen classes, then
 * (dataset.c) filter, subset, binarize and map the two classes to +-1 for a
 * fully connected committee machine; the paper's randomized data (every
 * pixel shuffled across samples) and input noise with each pixel's bias. */
#ifndef TCMBP_DATASET_H
#define TCMBP_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "tcmbp/instance.h"

/* Images of the kept classes, in file order. */
typedef struct {
    int count;      /* images kept */
    int N;          /* pixels per image */
    float *pixels;  /* count x N, row-major, scaled by 1/scale (idx: /255) */
    int *labels;    /* count class labels */
    int total;      /* images in the file (before the class selection) */
} tcm_dataset;

/* Read images and labels, keeping only the images whose label is one of
 * classes[0..nclasses) (nclasses = 0 keeps all). The format follows the
 * name of images (labels likewise):
 *   FILE.npy            a .npy array: images count x N (or count x rows x
 *                       cols), labels count (integers);
 *   FILE.h5[:/dataset]  an HDF5 dataset (default /images and /labels);
 *   FILE.csv|.txt       one image per line, comma- or whitespace-separated
 *                       numbers ('#' comments); labels one number per line;
 *   anything else       an idx file (gzip or plain, read through zlib):
 *                       images idx3 or idx2 ubyte (magic 0x0803 / 0x0802),
 *                       labels idx1 ubyte (magic 0x0801).
 * Pixel values are divided by scale (> 0; e.g. 255 for idx bytes).
 * TCM_EIO (missing file, damaged gzip), TCM_EFORMAT (wrong magic,
 * truncated, non-integer label, label count different from the image
 * count, ragged CSV), TCM_ENOMEM; the message names the file. */
int tcm_dataset_read(tcm_dataset **out, const char *images, const char *labels, const int *classes, int nclasses,
                     double scale);
void tcm_dataset_free(tcm_dataset *ds);

typedef enum { TCM_BINARIZE_MEDIAN = 0, TCM_BINARIZE_FIXED = 1 } tcm_binarize;

/* How an instance is cut from a data set. */
typedef struct {
    int plus_class, minus_class; /* labels mapped to output +1 and -1 */
    int M;                 /* patterns to take (0: every image that passes the filter) */
    int balanced;          /* nonzero: M/2 of each class (M even), else a uniform subset */
    double median_lo, median_hi; /* keep images whose median lies in [lo, hi] (lo > hi: no filter) */
    tcm_binarize binarize; /* threshold: each image's median, or the fixed threshold */
    double threshold;      /* for TCM_BINARIZE_FIXED */
    int K;                 /* hidden units (odd) of the fully connected machine */
    uint64_t seed;         /* subset draw */
} tcm_dataset_params;

#define TCM_DATASET_PARAMS_INIT { 3, 4, 500, 1, 0.25, 0.75, TCM_BINARIZE_MEDIAN, 0.5, 9, 1 }

/* Median of n values (mean of the two middle ones for n even); x is not
 * changed; scratch holds n floats. */
double tcm_dataset_median(const float *x, int n, float *scratch);

/* Counts of the two classes that pass the median filter. */
int tcm_dataset_count(const tcm_dataset *ds, const tcm_dataset_params *p, int *n_plus, int *n_minus);

/* Cut an instance (arch full, kind continuous, generator "imported", seed =
 * p->seed) from ds: keep the images of the two classes whose median is in
 * [median_lo, median_hi]; draw M of them with the seed (balanced: M/2 per
 * class, each class's indices shuffled with RNG stream 1 (plus) or 2
 * (minus), first M/2 kept; else stream 0 over all kept images); patterns in
 * file order; pixel x -> +1 if x > threshold, else -1. TCM_EINVAL for bad
 * parameters or too few images of a class (message gives the counts). */
int tcm_dataset_instance(tcm_instance **out, const tcm_dataset *ds, const tcm_dataset_params *p);

#define TCM_DATASET_SHUFFLE_STREAM ((uint64_t)1 << 32)

/* The randomized data of the paper (Appendix F): input i of every pattern
 * is replaced by input i of pattern pi_i(a), with pi_i a random permutation
 * of the M patterns drawn from RNG stream TCM_DATASET_SHUFFLE_STREAM + i of
 * seed (apart from the subset's streams 0-2); outputs unchanged.
 * TCM_ENOMEM (instance unchanged). */
int tcm_dataset_randomize(tcm_instance *inst, uint64_t seed);

/* The mean of every input over the patterns (N values in [-1, 1]). */
void tcm_dataset_pixel_means(const tcm_instance *inst, double *mean);

/* Input noise (Appendix F): in a copy of inst, pattern a gets round(eta N)
 * inputs chosen at random, each replaced by +1 with probability
 * (1 + mean[i]) / 2 and -1 otherwise; draw r of pattern a uses RNG stream
 * r * M + a of seed. noisy must have inst's sizes (patterns are
 * overwritten, outputs copied). TCM_EINVAL for eta outside [0, 1]. */
int tcm_dataset_noisy(tcm_instance *noisy, const tcm_instance *inst, const double *mean, double eta, int r,
                      uint64_t seed);

/* The robustness curve of Appendix F: for each eta[j] the accuracy
 * (1 - errors / M, tcm_weights_eval) of w on R noisy copies of inst
 * (tcm_dataset_noisy with the pixel means of inst itself, draws r = 0..R-1
 * of seed): mean[j] and its standard error se[j] (0 for R = 1).
 * TCM_EINVAL (eta outside [0, 1], R < 1), TCM_ENOMEM. */
int tcm_dataset_robustness(const tcm_weights *w, const tcm_instance *inst, const double *eta, int n, int R,
                           uint64_t seed, double *mean, double *se);

#endif
