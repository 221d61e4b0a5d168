/* From a real data set to an instance (the paper's Fashion-MNIST
 * preparation, section V and Appendix F): median filter, seeded balanced
 * subset, binarization at each image's median (or a fixed threshold), two
 * classes mapped to +-1; the randomized data (every pixel shuffled across
 * samples) and biased input noise for the robustness curve. */
#include "tcmbp/dataset.h"

#include "tcmbp/error.h"
#include "tcmbp/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* qsort order of floats. */
static int float_cmp(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

double tcm_dataset_median(const float *x, int n, float *scratch)
{
    if (n <= 0)
        return NAN;
    memcpy(scratch, x, sizeof(float) * (size_t)n);
    qsort(scratch, (size_t)n, sizeof(float), float_cmp);
    return n % 2 ? scratch[n / 2] : 0.5 * ((double)scratch[n / 2 - 1] + (double)scratch[n / 2]);
}

/* Check the parameters that do not depend on the data. */
static int check_params(const tcm_dataset_params *p)
{
    if (p->plus_class == p->minus_class)
        return TCM_ERROR(TCM_EINVAL, "the two classes must differ (both are %d)", p->plus_class);
    if (p->K <= 0 || p->K % 2 == 0)
        return TCM_ERROR(TCM_EINVAL, "K must be odd and positive (got %d)", p->K);
    if (p->M < 0 || (p->balanced && p->M % 2))
        return TCM_ERROR(TCM_EINVAL, "M must be %s (got %d)", p->balanced ? "even and >= 0 for a balanced subset" : ">= 0",
                         p->M);
    if (p->binarize != TCM_BINARIZE_MEDIAN && (p->binarize != TCM_BINARIZE_FIXED || !isfinite(p->threshold)))
        return TCM_ERROR(TCM_EINVAL, "bad binarization");
    return TCM_OK;
}

/* Per image: 1 (plus class), -1 (minus class) if it passes the median
 * filter, else 0. */
static int classify(const tcm_dataset *ds, const tcm_dataset_params *p, int8_t *cls, int *n_plus, int *n_minus)
{
    *n_plus = *n_minus = 0;
    float *scratch = malloc(sizeof(float) * (size_t)ds->N);
    if (!scratch)
        return TCM_ERROR(TCM_ENOMEM, "out of memory");
    int filter = p->median_lo <= p->median_hi;
    for (int a = 0; a < ds->count; a++) {
        int l = ds->labels[a];
        cls[a] = l == p->plus_class ? 1 : l == p->minus_class ? -1 : 0;
        if (cls[a] && filter) {
            double med = tcm_dataset_median(ds->pixels + (size_t)a * (size_t)ds->N, ds->N, scratch);
            if (!(med >= p->median_lo && med <= p->median_hi))
                cls[a] = 0;
        }
        *n_plus += cls[a] == 1;
        *n_minus += cls[a] == -1;
    }
    free(scratch);
    return TCM_OK;
}

int tcm_dataset_count(const tcm_dataset *ds, const tcm_dataset_params *p, int *n_plus, int *n_minus)
{
    int8_t *cls = malloc((size_t)ds->count + 1);
    if (!cls)
        return TCM_ERROR(TCM_ENOMEM, "out of memory");
    int rc = classify(ds, p, cls, n_plus, n_minus);
    free(cls);
    return rc;
}

/* Keep `want` of the images with cls == c (all when want < 0), chosen by a
 * shuffle of their indices with RNG stream `stream`: marked 2 * c in cls. */
static int choose(int8_t *cls, int count, int c, int want, uint64_t seed, uint64_t stream)
{
    int have = 0;
    for (int a = 0; a < count; a++)
        have += c ? cls[a] == c : cls[a] != 0;
    int *idx = malloc(sizeof(int) * (size_t)(have ? have : 1));
    if (!idx)
        return TCM_ERROR(TCM_ENOMEM, "out of memory");
    for (int a = 0, j = 0; a < count; a++)
        if (c ? cls[a] == c : cls[a] != 0)
            idx[j++] = a;
    tcm_rng r;
    tcm_rng_init(&r, seed, stream);
    if (want >= 0)
        tcm_rng_shuffle_int(&r, idx, have);
    for (int j = 0; j < (want < 0 ? have : want); j++)
        cls[idx[j]] = (int8_t)(2 * cls[idx[j]]);
    free(idx);
    return TCM_OK;
}

/* Pick the subset (marked +-2 in cls) after checking the counts. */
static int pick(int8_t *cls, int count, const tcm_dataset_params *p, int n_plus, int n_minus, int *M)
{
    if (n_plus == 0 || n_minus == 0)
        return TCM_ERROR(TCM_EINVAL, "no image of class %d passes the filter (%d of class %d, %d of class %d)",
                         n_plus ? p->minus_class : p->plus_class, n_plus, p->plus_class, n_minus, p->minus_class);
    if (p->M == 0) {
        *M = n_plus + n_minus;
        return choose(cls, count, 0, -1, p->seed, 0);
    }
    *M = p->M;
    if (!p->balanced) {
        if (p->M > n_plus + n_minus)
            return TCM_ERROR(TCM_EINVAL, "too few images: %d pass the filter, M = %d asked", n_plus + n_minus, p->M);
        return choose(cls, count, 0, p->M, p->seed, 0);
    }
    if (p->M / 2 > n_plus || p->M / 2 > n_minus)
        return TCM_ERROR(TCM_EINVAL, "too few images of class %d for a balanced M = %d: %d pass the filter, %d needed",
                         p->M / 2 > n_plus ? p->plus_class : p->minus_class, p->M,
                         p->M / 2 > n_plus ? n_plus : n_minus, p->M / 2);
    int rc = choose(cls, count, 1, p->M / 2, p->seed, 1);
    return rc == TCM_OK ? choose(cls, count, -1, p->M / 2, p->seed, 2) : rc;
}

/* Binarize the chosen images into inst (file order). */
static void fill(tcm_instance *inst, const tcm_dataset *ds, const int8_t *cls, const tcm_dataset_params *p,
                 float *scratch)
{
    size_t N = (size_t)ds->N;
    for (int a = 0, m = 0; a < ds->count; a++) {
        if (cls[a] != 2 && cls[a] != -2)
            continue;
        const float *x = ds->pixels + (size_t)a * N;
        double t = p->binarize == TCM_BINARIZE_MEDIAN ? tcm_dataset_median(x, ds->N, scratch) : p->threshold;
        for (size_t i = 0; i < N; i++)
            inst->patterns[(size_t)m * N + i] = x[i] > t ? 1 : -1;
        inst->outputs[m++] = cls[a] > 0 ? 1 : -1;
    }
}

int tcm_dataset_instance(tcm_instance **out, const tcm_dataset *ds, const tcm_dataset_params *p)
{
    if (!out || !ds || !p)
        return TCM_ERROR(TCM_EINVAL, "tcm_dataset_instance: bad arguments");
    *out = NULL;
    int rc = check_params(p), n_plus = 0, n_minus = 0, M = 0;
    if (rc != TCM_OK)
        return rc;
    int8_t *cls = malloc((size_t)ds->count + 1);
    float *scratch = malloc(sizeof(float) * (size_t)ds->N);
    if (!cls || !scratch)
        rc = TCM_ERROR(TCM_ENOMEM, "out of memory");
    if (rc == TCM_OK)
        rc = classify(ds, p, cls, &n_plus, &n_minus);
    if (rc == TCM_OK)
        rc = pick(cls, ds->count, p, n_plus, n_minus, &M);
    tcm_instance *inst = rc == TCM_OK ? tcm_instance_alloc(ds->N, p->K, M, TCM_ARCH_FULL) : NULL;
    if (rc == TCM_OK && !inst)
        rc = tcm_last_error_code() ? tcm_last_error_code() : TCM_ENOMEM;
    if (rc == TCM_OK) {
        fill(inst, ds, cls, p, scratch);
        inst->seed = p->seed;
        *out = inst;
    }
    free(cls);
    free(scratch);
    return rc;
}

int tcm_dataset_randomize(tcm_instance *inst, uint64_t seed)
{
    int M = inst->M;
    size_t N = (size_t)inst->N;
    int *perm = malloc(sizeof(int) * (size_t)M);
    int8_t *col = malloc((size_t)M);
    if (!perm || !col) {
        free(perm);
        free(col);
        return TCM_ERROR(TCM_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < N; i++) {
        tcm_rng r;
        tcm_rng_init(&r, seed, TCM_DATASET_SHUFFLE_STREAM + i);
        for (int a = 0; a < M; a++) {
            perm[a] = a;
            col[a] = inst->patterns[(size_t)a * N + i];
        }
        tcm_rng_shuffle_int(&r, perm, M);
        for (int a = 0; a < M; a++)
            inst->patterns[(size_t)a * N + i] = col[perm[a]];
    }
    free(perm);
    free(col);
    return TCM_OK;
}

void tcm_dataset_pixel_means(const tcm_instance *inst, double *mean)
{
    size_t N = (size_t)inst->N;
    for (size_t i = 0; i < N; i++)
        mean[i] = 0;
    for (int a = 0; a < inst->M; a++)
        for (size_t i = 0; i < N; i++)
            mean[i] += inst->patterns[(size_t)a * N + i];
    for (size_t i = 0; i < N; i++)
        mean[i] /= inst->M;
}

int tcm_dataset_noisy(tcm_instance *noisy, const tcm_instance *inst, const double *mean, double eta, int r,
                      uint64_t seed)
{
    if (!(eta >= 0 && eta <= 1) || r < 0 || noisy->M != inst->M || noisy->N != inst->N)
        return TCM_ERROR(TCM_EINVAL, "noise fraction must be in [0, 1] (got %g)", eta);
    int N = inst->N, flips = (int)lround(eta * N);
    int *idx = malloc(sizeof(int) * (size_t)N);
    if (!idx)
        return TCM_ERROR(TCM_ENOMEM, "out of memory");
    memcpy(noisy->patterns, inst->patterns, (size_t)inst->M * (size_t)N);
    memcpy(noisy->outputs, inst->outputs, (size_t)inst->M);
    for (int a = 0; a < inst->M; a++) {
        tcm_rng g;
        tcm_rng_init(&g, seed, (uint64_t)r * (uint64_t)inst->M + (uint64_t)a);
        for (int i = 0; i < N; i++)
            idx[i] = i;
        for (int j = 0; j < flips; j++) { /* partial Fisher-Yates: the first flips of a random order */
            int k = j + (int)tcm_rng_below(&g, (uint64_t)(N - j));
            int t = idx[j];
            idx[j] = idx[k];
            idx[k] = t;
            noisy->patterns[(size_t)a * (size_t)N + (size_t)idx[j]] =
                tcm_rng_uniform(&g) < 0.5 * (1 + mean[idx[j]]) ? 1 : -1;
        }
    }
    free(idx);
    return TCM_OK;
}

/* Accuracies of w on R noisy copies at one eta: mean and standard error. */
static int robustness_point(const tcm_weights *w, const tcm_instance *inst, tcm_instance *noisy, const double *pm,
                            double eta, int R, uint64_t seed, double *mean, double *se)
{
    double s = 0, s2 = 0;
    for (int r = 0; r < R; r++) {
        tcm_eval ev;
        int rc = tcm_dataset_noisy(noisy, inst, pm, eta, r, seed);
        if (rc == TCM_OK)
            rc = tcm_weights_eval(w, noisy, &ev, NULL, NULL);
        if (rc != TCM_OK)
            return rc;
        double acc = 1.0 - (double)ev.errors / inst->M;
        s += acc;
        s2 += acc * acc;
    }
    *mean = s / R;
    *se = R > 1 ? sqrt(fmax(0.0, (s2 - s * s / R) / (R - 1)) / R) : 0.0;
    return TCM_OK;
}

int tcm_dataset_robustness(const tcm_weights *w, const tcm_instance *inst, const double *eta, int n, int R,
                           uint64_t seed, double *mean, double *se)
{
    if (R < 1 || n < 0)
        return TCM_ERROR(TCM_EINVAL, "robustness needs at least one draw (got %d)", R);
    tcm_instance *noisy = tcm_instance_alloc(inst->N, inst->K, inst->M, inst->arch);
    double *pm = malloc(sizeof(double) * (size_t)inst->N);
    int rc = noisy && pm ? TCM_OK : TCM_ERROR(TCM_ENOMEM, "out of memory");
    if (rc == TCM_OK) {
        noisy->rule = inst->rule;
        tcm_dataset_pixel_means(inst, pm);
    }
    for (int j = 0; rc == TCM_OK && j < n; j++)
        rc = robustness_point(w, inst, noisy, pm, eta[j], R, seed, &mean[j], &se[j]);
    tcm_instance_free(noisy);
    free(pm);
    return rc;
}
