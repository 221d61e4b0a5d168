/* Readers of image/label pairs for tcm_dataset_read: idx files (gzip or
 * plain, through zlib's transparent gzread, streamed so that only the kept
 * classes are held in memory), .npy arrays (tcm_npy_read), HDF5 datasets
 * (tcmbp/h5.h) and CSV text. Each reader names its file in every error. */
#include "tcmbp/dataset.h"

#include "tcmbp/error.h"
#include "tcmbp/h5.h"
#include "tcmbp/infile.h"
#include "tcmbp/weights_load.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* A whole array read from a file: dims[0] rows of `width` values. */
typedef struct {
    size_t rows, width;
    double *v; /* rows x width (NULL for idx images, streamed instead) */
} array2;

/* Case-insensitive: does path end with ext? */
static int ends_with(const char *path, const char *ext)
{
    size_t a = strlen(path), b = strlen(ext);
    return a >= b && strcasecmp(path + a - b, ext) == 0;
}

typedef enum { FMT_IDX, FMT_NPY, FMT_H5, FMT_CSV } file_format;

/* The format of a source, from its name; *file and *dset get the HDF5 file
 * and dataset (dset default def_dset) for FMT_H5 (*file malloc'd). */
static int source_format(const char *src, const char *def_dset, file_format *fmt, char **file, const char **dset)
{
    struct stat st;
    const char *split = NULL;
    *file = NULL;
    for (const char *p = strstr(src, ":/"); p; p = strstr(p + 1, ":/"))
        split = p;
    if (split && split > src && stat(src, &st) != 0) {
        *fmt = FMT_H5;
        *file = strndup(src, (size_t)(split - src));
        *dset = split + 1;
    } else if (ends_with(src, ".h5") || ends_with(src, ".hdf5")) {
        *fmt = FMT_H5;
        *file = strdup(src);
        *dset = def_dset;
    } else {
        *fmt = ends_with(src, ".npy") ? FMT_NPY
               : ends_with(src, ".csv") || ends_with(src, ".txt") ? FMT_CSV : FMT_IDX;
        return TCM_OK;
    }
    return *file ? TCM_OK : TCM_ERROR(TCM_ENOMEM, "out of memory");
}

/* ---- idx ------------------------------------------------------------- */

/* Open an idx file (gzip or plain) and read its header: ndims sizes after
 * the magic 0 0 0x08 ndims. */
static int idx_open(gzFile *gz, const char *path, int want_dims_lo, int want_dims_hi, int *ndims, uint32_t dims[3])
{
    int fd;
    int rc = tcm_infile_open_fd(&fd, path);
    if (rc != TCM_OK)
        return rc;
    *gz = gzdopen(fd, "rb");
    if (!*gz) {
        close(fd);
        return TCM_ERROR(TCM_ENOMEM, "out of memory opening %s", path);
    }
    unsigned char h[16];
    int got = gzread(*gz, h, 4);
    if (got != 4 || h[0] || h[1] || h[2] != 0x08 || h[3] < want_dims_lo || h[3] > want_dims_hi) {
        gzclose(*gz);
        return TCM_ERROR(TCM_EFORMAT, "%s: not an idx ubyte file with %d-%d dimensions (magic %02x%02x%02x%02x)",
                         path, want_dims_lo, want_dims_hi, got > 0 ? h[0] : 0, got > 1 ? h[1] : 0,
                         got > 2 ? h[2] : 0, got > 3 ? h[3] : 0);
    }
    *ndims = h[3];
    if (gzread(*gz, h, (unsigned)(4 * *ndims)) != 4 * *ndims) {
        gzclose(*gz);
        return TCM_ERROR(TCM_EFORMAT, "%s: truncated idx header", path);
    }
    for (int d = 0; d < *ndims; d++)
        dims[d] = (uint32_t)h[4 * d] << 24 | (uint32_t)h[4 * d + 1] << 16 | (uint32_t)h[4 * d + 2] << 8 | h[4 * d + 3];
    return TCM_OK;
}

/* Read exactly len bytes; TCM_EFORMAT (truncated) or TCM_EIO (damaged). */
static int idx_read(gzFile gz, const char *path, void *buf, size_t len)
{
    int got = gzread(gz, buf, (unsigned)len);
    if (got == (int)len)
        return TCM_OK;
    int zerr;
    const char *msg = gzerror(gz, &zerr);
    if (zerr != Z_OK && zerr != Z_BUF_ERROR)
        return TCM_ERROR(TCM_EIO, "%s: read error: %s", path, msg);
    return TCM_ERROR(TCM_EFORMAT, "%s: truncated idx data", path);
}

/* Labels of an idx1 file into a->v (rows = count, width 1). */
static int idx_labels(array2 *a, const char *path)
{
    gzFile gz;
    int nd;
    uint32_t dims[3];
    int rc = idx_open(&gz, path, 1, 1, &nd, dims);
    if (rc != TCM_OK)
        return rc;
    if (dims[0] > (uint32_t)1 << 30) {
        gzclose(gz);
        return TCM_ERROR(TCM_EFORMAT, "%s: %u labels: more than the 2^30 supported", path, dims[0]);
    }
    unsigned char *b = malloc(dims[0] ? dims[0] : 1);
    a->v = malloc(sizeof(double) * (dims[0] ? dims[0] : 1));
    if (!b || !a->v)
        rc = TCM_ERROR(TCM_ENOMEM, "out of memory reading %s", path);
    if (rc == TCM_OK)
        rc = idx_read(gz, path, b, dims[0]);
    for (uint32_t i = 0; rc == TCM_OK && i < dims[0]; i++)
        a->v[i] = b[i];
    a->rows = dims[0];
    a->width = 1;
    free(b);
    gzclose(gz);
    return rc;
}

/* ---- whole arrays: npy, HDF5, CSV ------------------------------------ */

/* An array of rank >= 1 read elsewhere as (rows, product of the rest). */
static int array_from_dims(array2 *a, const char *path, int rank, const size_t *dims)
{
    if (rank < 1)
        return TCM_ERROR(TCM_EFORMAT, "%s: a scalar, not an array", path);
    a->rows = dims[0];
    a->width = 1;
    for (int d = 1; d < rank; d++)
        a->width *= dims[d];
    return TCM_OK;
}

/* An HDF5 dataset as a double array. */
static int h5_array(array2 *a, const char *file, const char *dset)
{
    tcm_h5_in *in;
    int rc = tcm_h5_in_open(&in, file);
    if (rc != TCM_OK)
        return rc;
    int rank = 0;
    size_t dims[TCM_H5_MAX_RANK];
    rc = tcm_h5_in_shape(in, dset, &rank, dims);
    if (rc == TCM_OK)
        rc = array_from_dims(a, file, rank, dims);
    size_t total = a->rows * a->width;
    if (rc == TCM_OK && !(a->v = malloc(sizeof(double) * (total ? total : 1))))
        rc = TCM_ERROR(TCM_ENOMEM, "out of memory reading %s", file);
    if (rc == TCM_OK)
        rc = tcm_h5_in_double(in, dset, a->v);
    tcm_h5_in_close(in);
    return rc;
}

/* Parse the numbers of one CSV line, appending to *v (capacity *cap). */
static int csv_line(const char *path, long lineno, char *s, double **v, size_t *len, size_t *cap, size_t *on_line)
{
    *on_line = 0;
    for (;;) {
        while (*s && (isspace((unsigned char)*s) || *s == ','))
            s++;
        if (!*s || *s == '#')
            return TCM_OK;
        char *end;
        double x = strtod(s, &end);
        if (end == s || (*end && !isspace((unsigned char)*end) && *end != ','))
            return TCM_ERROR(TCM_EFORMAT, "%s line %ld: cannot read '%.*s' as a number", path, lineno,
                             (int)strcspn(s, " \t,\r\n") > 24 ? 24 : (int)strcspn(s, " \t,\r\n"), s);
        if (!isfinite(x))
            return TCM_ERROR(TCM_ENUMERIC, "%s line %ld: value %zu is not finite", path, lineno, *on_line + 1);
        if (*len == *cap) {
            size_t nc = *cap ? 2 * *cap : 4096;
            double *nv = realloc(*v, sizeof(double) * nc);
            if (!nv)
                return TCM_ERROR(TCM_ENOMEM, "out of memory reading %s", path);
            *v = nv;
            *cap = nc;
        }
        (*v)[(*len)++] = x;
        (*on_line)++;
        s = end;
    }
}

/* A CSV/whitespace text file (gzip allowed): one row per non-empty line,
 * every row of the same length. */
static int csv_array(array2 *a, const char *path)
{
    int fd;
    int rc = tcm_infile_open_fd(&fd, path);
    if (rc != TCM_OK)
        return rc;
    gzFile gz = gzdopen(fd, "rb");
    if (!gz) {
        close(fd);
        return TCM_ERROR(TCM_ENOMEM, "out of memory opening %s", path);
    }
    size_t len = 0, cap = 0, bufcap = 1 << 16, n;
    char *buf = malloc(bufcap);
    long lineno = 0;
    rc = buf ? TCM_OK : TCM_ERROR(TCM_ENOMEM, "out of memory reading %s", path);
    while (rc == TCM_OK && gzgets(gz, buf, (int)bufcap)) {
        size_t l = strlen(buf);
        if (l == bufcap - 1 && buf[l - 1] != '\n') {
            rc = TCM_ERROR(TCM_EFORMAT, "%s line %ld: longer than %zu bytes", path, lineno + 1, bufcap - 2);
            break;
        }
        rc = csv_line(path, ++lineno, buf, &a->v, &len, &cap, &n);
        if (rc == TCM_OK && n > 0 && a->rows > 0 && n != a->width)
            rc = TCM_ERROR(TCM_EFORMAT, "%s line %ld: %zu values where the first row has %zu", path, lineno, n,
                           a->width);
        if (n > 0 && a->rows++ == 0)
            a->width = n;
    }
    free(buf);
    gzclose(gz);
    if (rc == TCM_OK && a->rows == 0)
        rc = TCM_ERROR(TCM_EFORMAT, "%s: no data", path);
    return rc;
}

/* Any non-idx source as a whole double array. */
static int read_array(array2 *a, const char *src, const char *def_dset)
{
    file_format fmt;
    char *file;
    const char *dset;
    int rc = source_format(src, def_dset, &fmt, &file, &dset);
    if (rc == TCM_OK && fmt == FMT_H5)
        rc = h5_array(a, file, dset);
    else if (rc == TCM_OK && fmt == FMT_CSV)
        rc = csv_array(a, src);
    else if (rc == TCM_OK && fmt == FMT_NPY) {
        int rank;
        size_t dims[TCM_H5_MAX_RANK];
        rc = tcm_npy_read(src, &rank, dims, &a->v);
        if (rc == TCM_OK)
            rc = array_from_dims(a, src, rank, dims);
    } else if (rc == TCM_OK)
        rc = idx_labels(a, src);
    free(file);
    return rc;
}

/* ---- assembling ------------------------------------------------------ */

/* Labels as integers, checked: a label source must be integer-valued. */
static int labels_read(int **lab, size_t *count, const char *src)
{
    array2 a = {0, 0, NULL};
    int rc = read_array(&a, src, "/labels");
    if (rc == TCM_OK && a.width != 1 && a.rows != 1)
        rc = TCM_ERROR(TCM_EFORMAT, "%s: labels must be one number per image (got rows of %zu)", src, a.width);
    *count = a.rows * a.width;
    *lab = rc == TCM_OK ? malloc(sizeof(int) * (*count ? *count : 1)) : NULL;
    if (rc == TCM_OK && !*lab)
        rc = TCM_ERROR(TCM_ENOMEM, "out of memory");
    for (size_t i = 0; rc == TCM_OK && i < *count; i++) {
        if (a.v[i] != floor(a.v[i]) || fabs(a.v[i]) > 1e9)
            rc = TCM_ERROR(TCM_EFORMAT, "%s: label %zu is %g, not an integer", src, i, a.v[i]);
        else
            (*lab)[i] = (int)a.v[i];
    }
    free(a.v);
    return rc;
}

/* Is label one of the kept classes? */
static int kept(int label, const int *classes, int nclasses)
{
    for (int c = 0; c < nclasses; c++)
        if (classes[c] == label)
            return 1;
    return nclasses == 0;
}

/* Allocate ds for the images whose labels are kept; ds->labels filled. */
static int dataset_start(tcm_dataset *ds, const int *lab, size_t count, size_t N, const int *classes, int nclasses)
{
    if (count > (size_t)1 << 30 || N > (size_t)1 << 24 || N == 0)
        return TCM_ERROR(TCM_EFORMAT, "unsupported data size: %zu images of %zu values", count, N);
    ds->total = (int)count;
    ds->N = (int)N;
    for (size_t i = 0; i < count; i++)
        ds->count += kept(lab[i], classes, nclasses);
    ds->labels = malloc(sizeof(int) * (ds->count ? (size_t)ds->count : 1));
    ds->pixels = malloc(sizeof(float) * N * (ds->count ? (size_t)ds->count : 1));
    if (!ds->labels || !ds->pixels)
        return TCM_ERROR(TCM_ENOMEM, "out of memory for %d images of %zu pixels", ds->count, N);
    for (size_t i = 0, j = 0; i < count; i++)
        if (kept(lab[i], classes, nclasses))
            ds->labels[j++] = lab[i];
    return TCM_OK;
}

/* The images of an idx file, streamed: kept rows scaled into ds. */
static int idx_images(tcm_dataset *ds, const char *path, const int *lab, size_t nlab, const int *classes,
                      int nclasses, double scale)
{
    gzFile gz;
    int nd;
    uint32_t dims[3];
    int rc = idx_open(&gz, path, 2, 3, &nd, dims);
    if (rc != TCM_OK)
        return rc;
    size_t N = nd == 3 ? (size_t)dims[1] * dims[2] : dims[1];
    if (dims[0] != nlab)
        rc = TCM_ERROR(TCM_EFORMAT, "%s holds %u images but the labels file %zu labels", path, dims[0], nlab);
    if (rc == TCM_OK)
        rc = dataset_start(ds, lab, nlab, N, classes, nclasses);
    unsigned char *row = rc == TCM_OK ? malloc(N) : NULL;
    if (rc == TCM_OK && !row)
        rc = TCM_ERROR(TCM_ENOMEM, "out of memory");
    for (size_t i = 0, j = 0; rc == TCM_OK && i < nlab; i++) {
        rc = idx_read(gz, path, row, N);
        if (rc == TCM_OK && kept(lab[i], classes, nclasses)) {
            for (size_t p = 0; p < N; p++)
                ds->pixels[j * N + p] = (float)(row[p] / scale);
            j++;
        }
    }
    free(row);
    gzclose(gz);
    return rc;
}

/* The images of a whole-array source into ds. */
static int array_images(tcm_dataset *ds, const char *src, const int *lab, size_t nlab, const int *classes,
                        int nclasses, double scale)
{
    array2 a = {0, 0, NULL};
    int rc = read_array(&a, src, "/images");
    if (rc == TCM_OK && a.rows != nlab)
        rc = TCM_ERROR(TCM_EFORMAT, "%s holds %zu images but the labels %zu", src, a.rows, nlab);
    if (rc == TCM_OK)
        rc = dataset_start(ds, lab, nlab, a.width, classes, nclasses);
    for (size_t i = 0, j = 0; rc == TCM_OK && i < nlab; i++) {
        if (!kept(lab[i], classes, nclasses))
            continue;
        for (size_t p = 0; p < a.width; p++)
            ds->pixels[j * a.width + p] = (float)(a.v[i * a.width + p] / scale);
        j++;
    }
    free(a.v);
    return rc;
}

/* Is src an idx file (by name: not .npy, .h5, .csv, .txt)? */
static int is_idx(const char *src)
{
    file_format fmt;
    char *file;
    const char *dset;
    if (source_format(src, "", &fmt, &file, &dset) != TCM_OK)
        return 0;
    free(file);
    return fmt == FMT_IDX;
}

int tcm_dataset_read(tcm_dataset **out, const char *images, const char *labels, const int *classes, int nclasses,
                     double scale)
{
    if (!out || !images || !labels || nclasses < 0 || !(scale > 0) || !isfinite(scale))
        return TCM_ERROR(TCM_EINVAL, "tcm_dataset_read: bad arguments");
    *out = NULL;
    tcm_dataset *ds = calloc(1, sizeof *ds);
    if (!ds)
        return TCM_ERROR(TCM_ENOMEM, "out of memory");
    int *lab = NULL;
    size_t nlab = 0;
    int rc = labels_read(&lab, &nlab, labels);
    if (rc == TCM_OK)
        rc = is_idx(images) ? idx_images(ds, images, lab, nlab, classes, nclasses, scale)
                            : array_images(ds, images, lab, nlab, classes, nclasses, scale);
    free(lab);
    if (rc != TCM_OK) {
        tcm_dataset_free(ds);
        return rc;
    }
    *out = ds;
    return TCM_OK;
}

void tcm_dataset_free(tcm_dataset *ds)
{
    if (!ds)
        return;
    free(ds->pixels);
    free(ds->labels);
    free(ds);
}
