/* Import of weight configurations: an HDF5 dataset (through the public
 * reader of tcmbp/h5.h), a .npy file or a whitespace/CSV text file, with
 * the shape checked against the instance and the values against the kind.
 * No hdf5.h here: the .npy and text readers are plain C. */
#include "tcmbp/weights_load.h"

#include "tcmbp/error.h"
#include "tcmbp/h5.h"
#include "tcmbp/infile.h"

#include "syserr.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NPY_MAX_HEADER ((size_t)1 << 20)

/* "3 x 333" (rank 0: "scalar"). */
void tcm_weights_shape_text(char *buf, size_t len, int rank, const size_t *dims)
{
    size_t used = 0;
    buf[0] = '\0';
    if (rank == 0)
        snprintf(buf, len, "scalar");
    for (int d = 0; d < rank && used < len; d++) {
        int w = snprintf(buf + used, len - used, "%s%zu", d ? " x " : "", dims[d]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* The source must hold K x n values as (K, n) or (K*n,). */
static int check_shape(const char *src, int rank, const size_t *dims, int K, int n)
{
    size_t need = (size_t)K * (size_t)n;
    if (rank == 2 && dims[0] == (size_t)K && dims[1] == (size_t)n)
        return TCM_OK;
    if (rank == 1 && dims[0] == need)
        return TCM_OK;
    char shape[96];
    tcm_weights_shape_text(shape, sizeof shape, rank, dims);
    int transposed = rank == 2 && dims[0] == (size_t)n && dims[1] == (size_t)K;
    return TCM_ERROR(TCM_EFORMAT, "%s: weights have shape %s but the instance needs %d x %d%s", src, shape, K, n,
                     transposed ? " (transposed?)" : "");
}

/* Finite values; +-1 for binary weights. */
static int check_values(const char *src, const tcm_weights *w)
{
    size_t count = (size_t)w->K * (size_t)w->n;
    for (size_t j = 0; j < count; j++) {
        double v = w->w[j];
        if (!isfinite(v))
            return TCM_ERROR(TCM_ENUMERIC, "%s: weight (%zu, %zu) is %s", src, j / (size_t)w->n, j % (size_t)w->n,
                             isnan(v) ? "NaN" : "infinite");
        if (w->kind == TCM_WEIGHTS_BINARY && v != 1.0 && v != -1.0)
            return TCM_ERROR(TCM_EFORMAT, "%s: binary weights must be +-1 but weight (%zu, %zu) = %g", src,
                             j / (size_t)w->n, j % (size_t)w->n, v);
    }
    return TCM_OK;
}

/* Dataset dset of HDF5 file path into w (label names the source). */
static int load_h5(tcm_weights *w, const char *path, const char *dset, const char *label)
{
    tcm_h5_in *in;
    int rc = tcm_h5_in_open(&in, path);
    if (rc != TCM_OK)
        return rc;
    int rank = 0;
    size_t dims[TCM_H5_MAX_RANK];
    rc = tcm_h5_in_shape(in, dset, &rank, dims);
    if (rc == TCM_OK)
        rc = check_shape(label, rank, dims, w->K, w->n);
    if (rc == TCM_OK)
        rc = tcm_h5_in_double(in, dset, w->w);
    tcm_h5_in_close(in);
    return rc;
}

/* Parsed .npy header. */
typedef struct {
    char type;    /* 'f', 'i', 'u' or 'b' */
    int size;     /* bytes per element */
    int big;      /* big-endian data */
    int fortran;  /* fortran_order */
    int rank;
    size_t dims[TCM_H5_MAX_RANK];
} npy_header;

/* Start of the value of key in the header dict ('key' or "key"), or NULL. */
static const char *npy_value(const char *hdr, const char *key)
{
    char q1[40], q2[40];
    snprintf(q1, sizeof q1, "'%s'", key);
    snprintf(q2, sizeof q2, "\"%s\"", key);
    const char *p = strstr(hdr, q1);
    if (!p)
        p = strstr(hdr, q2);
    if (!p)
        return NULL;
    p += strlen(q1);
    while (isspace((unsigned char)*p))
        p++;
    if (*p != ':')
        return NULL;
    p++;
    while (isspace((unsigned char)*p))
        p++;
    return p;
}

/* Parse a descr string such as '<f8' or '|i1'. */
static int npy_parse_descr(const char *path, const char *v, npy_header *h)
{
    const uint16_t one = 1;
    const int host_big = *(const unsigned char *)&one == 0;
    char d[16] = "";
    if (v && (*v == '\'' || *v == '"')) {
        const char *end = strchr(v + 1, *v);
        if (end && end - v - 1 < (long)sizeof d)
            memcpy(d, v + 1, (size_t)(end - v - 1));
    }
    int size = (int)strtol(d[0] ? d + 2 : "0", NULL, 10);
    int ok = strchr("<>|=", d[0]) && d[0] && strchr("fiub", d[1]) && d[1] && (size == 1 || size == 2 ||
                                                                            size == 4 || size == 8);
    if (ok && d[1] == 'f' && size != 4 && size != 8)
        ok = 0;
    if (!ok)
        return TCM_ERROR(TCM_EFORMAT, "%s: unsupported .npy dtype '%s' (expected float64, float32 or an integer type)",
                         path, d[0] ? d : "?");
    h->type = d[1];
    h->size = size;
    h->big = d[0] == '>' || (d[0] == '=' && host_big);
    return TCM_OK;
}

/* Parse the shape tuple, e.g. "(3, 333)" or "(999,)". */
static int npy_parse_shape(const char *path, const char *v, npy_header *h)
{
    if (!v || *v != '(')
        return TCM_ERROR(TCM_EFORMAT, "%s: .npy header has no shape", path);
    h->rank = 0;
    const char *p = v + 1;
    for (;;) {
        while (isspace((unsigned char)*p) || *p == ',')
            p++;
        if (*p == ')')
            return TCM_OK;
        char *end;
        errno = 0;
        unsigned long long x = strtoull(p, &end, 10);
        if (end == p || !isdigit((unsigned char)*p))
            return TCM_ERROR(TCM_EFORMAT, "%s: cannot parse the .npy shape", path);
        if (errno == ERANGE || x > SIZE_MAX / 8) /* no array has that many elements */
            return TCM_ERROR(TCM_EFORMAT, "%s: .npy shape %.*s is too large", path, (int)strcspn(v, ")") + 1, v);
        if (h->rank == TCM_H5_MAX_RANK)
            return TCM_ERROR(TCM_EFORMAT, "%s: .npy array has more than %d dimensions", path, TCM_H5_MAX_RANK);
        h->dims[h->rank++] = (size_t)x;
        p = end;
    }
}

/* Parse the header dict. */
static int npy_parse_dict(const char *path, const char *hdr, npy_header *h)
{
    int rc = npy_parse_descr(path, npy_value(hdr, "descr"), h);
    if (rc != TCM_OK)
        return rc;
    const char *f = npy_value(hdr, "fortran_order");
    if (f && strncmp(f, "True", 4) == 0)
        h->fortran = 1;
    else if (f && strncmp(f, "False", 5) == 0)
        h->fortran = 0;
    else
        return TCM_ERROR(TCM_EFORMAT, "%s: .npy header has no fortran_order", path);
    return npy_parse_shape(path, npy_value(hdr, "shape"), h);
}

/* Read the magic, version and header dict of an open .npy file. */
static int npy_read_header(FILE *f, const char *path, npy_header *h)
{
    unsigned char pre[12];
    if (fread(pre, 1, 8, f) != 8 || memcmp(pre, "\x93NUMPY", 6) != 0)
        return TCM_ERROR(TCM_EFORMAT, "%s is not a .npy file", path);
    int major = pre[6], minor = pre[7];
    size_t hlen;
    if (major == 1 && fread(pre + 8, 1, 2, f) == 2) {
        hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
    } else if ((major == 2 || major == 3) && fread(pre + 8, 1, 4, f) == 4) {
        hlen = (size_t)pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
    } else {
        return TCM_ERROR(TCM_EFORMAT, "%s: unsupported .npy version %d.%d", path, major, minor);
    }
    if (hlen > NPY_MAX_HEADER)
        return TCM_ERROR(TCM_EFORMAT, "%s: .npy header too long", path);
    char *hdr = malloc(hlen + 1);
    if (!hdr)
        return TCM_ERROR(TCM_ENOMEM, "out of memory reading %s", path);
    int rc = TCM_OK;
    if (fread(hdr, 1, hlen, f) != hlen)
        rc = TCM_ERROR(TCM_EFORMAT, "%s: truncated .npy header", path);
    hdr[hlen] = '\0';
    if (rc == TCM_OK)
        rc = npy_parse_dict(path, hdr, h);
    free(hdr);
    return rc;
}

/* One element of the given type/size/endianness as a double. */
static double npy_decode(const unsigned char *p, const npy_header *h)
{
    uint64_t u = 0;
    for (int b = 0; b < h->size; b++)
        u = (u << 8) | p[h->big ? b : h->size - 1 - b];
    if (h->type == 'f' && h->size == 8) {
        double d;
        memcpy(&d, &u, sizeof d);
        return d;
    }
    if (h->type == 'f') {
        uint32_t v = (uint32_t)u;
        float x;
        memcpy(&x, &v, sizeof x);
        return x;
    }
    if (h->type == 'i' && h->size < 8 && (u >> (8 * h->size - 1)) & 1u)
        u |= ~(uint64_t)0 << (8 * h->size); /* sign-extend */
    if (h->type == 'i')
        return (double)(int64_t)u;
    if (h->type == 'b')
        return u != 0;
    return (double)u;
}

/* Read count elements after the header into out. */
static int npy_read_data(FILE *f, const char *path, const npy_header *h, double *out, size_t count)
{
    size_t bytes = count * (size_t)h->size;
    unsigned char *buf = malloc(bytes ? bytes : 1);
    if (!buf)
        return TCM_ERROR(TCM_ENOMEM, "out of memory reading %s", path);
    int rc = TCM_OK;
    if (fread(buf, 1, bytes, f) != bytes)
        rc = TCM_ERROR(TCM_EFORMAT, "%s: truncated .npy data (expected %zu bytes)", path, bytes);
    for (size_t j = 0; rc == TCM_OK && j < count; j++)
        out[j] = npy_decode(buf + j * (size_t)h->size, h);
    free(buf);
    return rc;
}

/* A whole .npy file (versions 1-3, C order) as doubles: the reader of
 * load_npy, and of other arrays than weights (see weights_load.h). */
int tcm_npy_read(const char *path, int *rank, size_t dims[TCM_H5_MAX_RANK], double **data)
{
    *data = NULL;
    FILE *f;
    int rc = tcm_infile_open(&f, path);
    if (rc != TCM_OK)
        return rc;
    npy_header h;
    memset(&h, 0, sizeof h);
    rc = npy_read_header(f, path, &h);
    if (rc == TCM_OK && h.fortran && h.rank >= 2)
        rc = TCM_ERROR(TCM_EFORMAT, "%s: Fortran-order .npy arrays are not supported (save numpy.ascontiguousarray(w))",
                       path);
    size_t count = 1;
    for (int d = 0; rc == TCM_OK && d < h.rank; d++) {
        if (h.dims[d] && count > SIZE_MAX / 8 / h.dims[d])
            rc = TCM_ERROR(TCM_EFORMAT, "%s: .npy array is too large", path);
        count *= h.dims[d];
    }
    double *buf = rc == TCM_OK ? malloc(sizeof(double) * (count ? count : 1)) : NULL;
    if (rc == TCM_OK && !buf)
        rc = TCM_ERROR(TCM_ENOMEM, "out of memory reading %s", path);
    if (rc == TCM_OK)
        rc = npy_read_data(f, path, &h, buf, count);
    fclose(f);
    if (rc != TCM_OK) {
        free(buf);
        return rc;
    }
    *rank = h.rank;
    memcpy(dims, h.dims, sizeof h.dims);
    *data = buf;
    return TCM_OK;
}

/* A .npy file (versions 1-3, C order) into w, through tcm_npy_read. */
static int load_npy(tcm_weights *w, const char *path)
{
    int rank = 0;
    size_t dims[TCM_H5_MAX_RANK];
    double *data;
    int rc = tcm_npy_read(path, &rank, dims, &data);
    if (rc == TCM_OK)
        rc = check_shape(path, rank, dims, w->K, w->n);
    if (rc == TCM_OK)
        memcpy(w->w, data, sizeof(double) * (size_t)w->K * (size_t)w->n);
    free(data);
    return rc;
}

/* The whole file as a NUL-terminated string. */
static int read_text_file(const char *path, char **text)
{
    *text = NULL;
    FILE *f;
    int rc = tcm_infile_open(&f, path);
    if (rc != TCM_OK)
        return rc;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len - 1, f);
        if (len < cap - 1)
            break;
        char *nb = realloc(buf, cap * 2);
        if (!nb)
            free(buf);
        buf = nb;
        cap *= 2;
    }
    if (!buf)
        rc = TCM_ERROR(TCM_ENOMEM, "out of memory reading %s", path);
    else if (ferror(f))
        rc = TCM_ERROR(TCM_EIO, "cannot read %s", path);
    fclose(f);
    if (rc != TCM_OK) {
        free(buf);
        return rc;
    }
    buf[len] = '\0';
    *text = buf;
    return TCM_OK;
}

/* State of the text parser. */
typedef struct {
    const char *path;
    double *w;      /* K*n values */
    size_t need;    /* K*n */
    int n;          /* columns of the configuration (positions in messages) */
    size_t count;   /* numbers seen */
    size_t rows;    /* non-empty lines */
    size_t cols;    /* numbers on the first non-empty line */
    int regular;    /* every non-empty line has cols numbers */
} text_parse;

/* Parse one line (comment already cut off, NUL-terminated). */
static int text_parse_line(text_parse *t, char *line, size_t lineno)
{
    size_t on_line = 0;
    char *p = line;
    for (;;) {
        while (*p && (isspace((unsigned char)*p) || *p == ','))
            p++;
        if (!*p)
            break;
        char *end;
        double v = strtod(p, &end);
        if (end == p || (*end && !isspace((unsigned char)*end) && *end != ',')) {
            size_t m = strcspn(p, " \t\r,");
            return TCM_ERROR(TCM_EFORMAT, "%s line %zu: cannot read '%.*s' as a number", t->path, lineno,
                             (int)(m > 24 ? 24 : m), p);
        }
        if (!isfinite(v))
            return TCM_ERROR(TCM_ENUMERIC, "%s line %zu: weight (%zu, %zu) is %s", t->path, lineno,
                             t->count / (size_t)t->n, t->count % (size_t)t->n, isnan(v) ? "NaN" : "infinite");
        if (t->count < t->need)
            t->w[t->count] = v;
        t->count++;
        on_line++;
        p = end;
    }
    if (on_line > 0) {
        if (t->rows == 0)
            t->cols = on_line;
        else if (on_line != t->cols)
            t->regular = 0;
        t->rows++;
    }
    return TCM_OK;
}

/* Whitespace- or comma-separated numbers with '#' comments into w: any
 * layout with K*n numbers (typically K lines of n). */
static int load_text(tcm_weights *w, const char *path)
{
    char *text;
    int rc = read_text_file(path, &text);
    if (rc != TCM_OK)
        return rc;
    text_parse t = {path, w->w, (size_t)w->K * (size_t)w->n, w->n, 0, 0, 0, 1};
    size_t lineno = 0;
    for (char *line = text; line && rc == TCM_OK;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        line[strcspn(line, "#")] = '\0';
        rc = text_parse_line(&t, line, ++lineno);
        line = next;
    }
    free(text);
    if (rc != TCM_OK || t.count == t.need)
        return rc;
    if (t.regular && t.rows > 1) {
        size_t dims[2] = {t.rows, t.cols};
        return check_shape(path, 2, dims, w->K, w->n);
    }
    return TCM_ERROR(TCM_EFORMAT, "%s: holds %zu numbers but the instance needs %d x %d = %zu", path, t.count, w->K,
                     w->n, t.need);
}

/* Case-insensitive: does path end with ext? */
static int has_ext(const char *path, const char *ext)
{
    size_t a = strlen(path), b = strlen(ext);
    if (a < b)
        return 0;
    for (size_t i = 0; i < b; i++)
        if (tolower((unsigned char)path[a - b + i]) != tolower((unsigned char)ext[i]))
            return 0;
    return 1;
}

/* Choose the reader by the form of source. */
static int load_dispatch(tcm_weights *w, const char *source)
{
    struct stat st;
    const char *split = NULL;
    for (const char *p = strstr(source, ":/"); p; p = strstr(p + 1, ":/"))
        split = p;
    if (split && split > source && stat(source, &st) != 0) {
        char *file = strndup(source, (size_t)(split - source));
        if (!file)
            return TCM_ERROR(TCM_ENOMEM, "out of memory");
        int rc = load_h5(w, file, split + 1, source);
        free(file);
        return rc;
    }
    if (has_ext(source, ".h5") || has_ext(source, ".hdf5") || has_ext(source, ".he5") || has_ext(source, ".hdf"))
        return load_h5(w, source, "/weights", source);
    if (has_ext(source, ".npy"))
        return load_npy(w, source);
    if (has_ext(source, ".txt") || has_ext(source, ".csv") || has_ext(source, ".dat") || has_ext(source, ".tsv"))
        return load_text(w, source);
    return TCM_ERROR(TCM_EINVAL,
                     "%s: unknown weights format (expected FILE.h5, FILE.h5:/dataset, FILE.npy, FILE.txt or FILE.csv)",
                     source);
}

/* Load a K x n configuration of the given kind from source (see h5.h).
 * TCM_EIO for a missing/unreadable file, TCM_EFORMAT for a wrong shape,
 * dtype or layout, or non +-1 binary values, TCM_ENUMERIC for NaN/Inf,
 * TCM_EINVAL for an unknown extension. No normalisation is applied. */
int tcm_weights_load(tcm_weights **out, const char *source, int K, int n, tcm_weight_kind kind)
{
    if (!out || !source || !*source || K <= 0 || n <= 0)
        return TCM_ERROR(TCM_EINVAL, "tcm_weights_load: bad arguments");
    *out = NULL;
    tcm_weights *w = tcm_weights_alloc(K, n, kind);
    if (!w)
        return tcm_last_error_code() != TCM_OK ? tcm_last_error_code() : TCM_ENOMEM;
    int rc = load_dispatch(w, source);
    if (rc == TCM_OK)
        rc = check_values(source, w);
    if (rc != TCM_OK) {
        tcm_weights_free(w);
        return rc;
    }
    *out = w;
    return TCM_OK;
}
