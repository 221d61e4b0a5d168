/* The instance and weights file schemas (docs/FORMAT.md): writing and
 * reading instance files (/patterns or /pattern_bits, /outputs, optional /teacher and their
 * attributes) and weights files or /weights datasets inside result files.
 * Uses only the public reader and writer of tcmbp/h5.h (no hdf5.h here). */
#include "tcmbp/h5.h"

#include "tcmbp/error.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NORM_TOLERANCE 1e-9 /* relative, for the "per-unit" normalisation label */

/* Give the calling thread's last error a new code and a "ctx: " prefix. */
static int rewrap(int code, const char *ctx)
{
    char msg[512];
    snprintf(msg, sizeof msg, "%s", tcm_last_error());
    return TCM_ERROR(code, "%s: %s", ctx, msg);
}

/* Write a binary configuration as int8 (entries must be +-1). */
static int out_weights_int8(tcm_h5_out *o, const char *name, const tcm_weights *w)
{
    size_t dims[2] = {(size_t)w->K, (size_t)w->n};
    size_t count = dims[0] * dims[1];
    int8_t *b = malloc(count ? count : 1);
    if (!b)
        return TCM_ERROR(TCM_ENOMEM, "out of memory writing %s", name);
    int rc = TCM_OK;
    for (size_t j = 0; j < count && rc == TCM_OK; j++) {
        if (w->w[j] != 1.0 && w->w[j] != -1.0)
            rc = TCM_ERROR(TCM_EINVAL, "%s: binary weight (%zu, %zu) = %g is not +-1", name, j / dims[1],
                           j % dims[1], w->w[j]);
        b[j] = w->w[j] > 0 ? 1 : -1;
    }
    if (rc == TCM_OK)
        rc = tcm_h5_out_int8(o, name, 2, dims, b);
    free(b);
    return rc;
}

/* Write configuration w as dataset name (K x n: float64 for continuous,
 * int8 for binary) with attributes K, n and kind. */
static int out_weights_dataset(tcm_h5_out *o, const char *name, const tcm_weights *w)
{
    if (!w || !w->w || w->K <= 0 || w->n <= 0)
        return TCM_ERROR(TCM_EINVAL, "%s: empty weights", name);
    int rc = TCM_OK;
    if (w->kind == TCM_WEIGHTS_BINARY) {
        rc = out_weights_int8(o, name, w);
    } else {
        size_t dims[2] = {(size_t)w->K, (size_t)w->n};
        for (size_t j = 0; j < dims[0] * dims[1] && rc == TCM_OK; j++)
            if (!isfinite(w->w[j]))
                rc = TCM_ERROR(TCM_ENUMERIC, "%s: weight (%zu, %zu) is not finite", name, j / dims[1], j % dims[1]);
        if (rc == TCM_OK)
            rc = tcm_h5_out_double(o, name, 2, dims, w->w);
    }
    if (rc == TCM_OK)
        rc = tcm_h5_out_attr_int(o, name, "K", w->K);
    if (rc == TCM_OK)
        rc = tcm_h5_out_attr_int(o, name, "n", w->n);
    if (rc == TCM_OK)
        rc = tcm_h5_out_attr_string(o, name, "kind", tcm_weight_kind_name(w->kind));
    return rc;
}

/* Root attributes of an instance file. */
static int out_instance_attrs(tcm_h5_out *o, const tcm_instance *inst)
{
    int rc = tcm_h5_out_attr_int(o, "/", "N", inst->N);
    if (rc == TCM_OK)
        rc = tcm_h5_out_attr_int(o, "/", "K", inst->K);
    if (rc == TCM_OK)
        rc = tcm_h5_out_attr_int(o, "/", "M", inst->M);
    if (rc == TCM_OK)
        rc = tcm_h5_out_attr_int(o, "/", "n", inst->n);
    if (rc == TCM_OK)
        rc = tcm_h5_out_attr_double(o, "/", "alpha", tcm_instance_alpha(inst));
    if (rc == TCM_OK)
        rc = tcm_h5_out_attr_string(o, "/", "arch", tcm_arch_name(inst->arch));
    if (rc == TCM_OK)
        rc = tcm_h5_out_attr_string(o, "/", "weights", tcm_weight_kind_name(inst->kind));
    if (rc == TCM_OK)
        rc = tcm_h5_out_attr_u64(o, "/", "seed", inst->seed);
    if (rc == TCM_OK)
        rc = tcm_h5_out_attr_string(o, "/", "generator", inst->generator);
    if (rc == TCM_OK)
        rc = tcm_h5_out_attr_string(o, "/", "output_rule", tcm_output_rule_name(inst->rule));
    return rc;
}

#define BITS_LAYOUT                                                                                       \
    "pattern a, slice k (unit k of a tree, the only one of a fully connected machine): input i of the "  \
    "slice is bit i % 64 of word i / 64, set = +1, clear = -1, tail bits zero"

/* The patterns: /patterns (M x N int8) or /pattern_bits (M x slices x words
 * uint64, instance.h layout) with its attributes, and the root attribute
 * storage for bits. */
static int out_patterns(tcm_h5_out *o, const tcm_instance *inst)
{
    if (!inst->bits) {
        size_t pd[2] = {(size_t)inst->M, (size_t)inst->N};
        return tcm_h5_out_int8(o, "/patterns", 2, pd, inst->patterns);
    }
    size_t bd[3] = {(size_t)inst->M, (size_t)tcm_instance_bit_slices(inst), (size_t)tcm_instance_bit_words(inst)};
    int rc = tcm_h5_out_attr_string(o, "/", "storage", tcm_storage_name(TCM_STORAGE_BITS));
    if (rc == TCM_OK)
        rc = tcm_h5_out_u64(o, "/pattern_bits", 3, bd, inst->bits);
    if (rc == TCM_OK)
        rc = tcm_h5_out_attr_int(o, "/pattern_bits", "n", inst->n);
    if (rc == TCM_OK)
        rc = tcm_h5_out_attr_string(o, "/pattern_bits", "layout", BITS_LAYOUT);
    return rc;
}

/* Datasets and attributes of an instance file. */
static int out_instance_body(tcm_h5_out *o, const tcm_instance *inst)
{
    size_t od[1] = {(size_t)inst->M};
    int rc = out_instance_attrs(o, inst);
    if (rc == TCM_OK)
        rc = out_patterns(o, inst);
    if (rc == TCM_OK)
        rc = tcm_h5_out_int8(o, "/outputs", 1, od, inst->outputs);
    if (rc == TCM_OK && inst->teacher)
        rc = out_weights_dataset(o, "/teacher", inst->teacher);
    return rc;
}

/* Write an instance file (file_kind "instance", schema in docs/FORMAT.md).
 * The instance is validated first (its status on error); TCM_EEXIST /
 * TCM_EIO as tcm_h5_out_open; on any failure PATH is untouched. */
int tcm_h5_write_instance(const char *path, const tcm_instance *inst, int force)
{
    if (!path || !inst)
        return TCM_ERROR(TCM_EINVAL, "tcm_h5_write_instance: missing argument");
    int rc = tcm_instance_validate_stored(inst);
    if (rc != TCM_OK)
        return rc;
    tcm_h5_out *o;
    rc = tcm_h5_out_open(&o, path, "instance", force);
    if (rc != TCM_OK)
        return rc;
    rc = out_instance_body(o, inst);
    if (rc != TCM_OK) {
        tcm_h5_out_abort(o);
        return rc;
    }
    return tcm_h5_out_commit(o);
}

/* Sizes of an instance file. */
typedef struct {
    int N, K, M;
    tcm_arch arch;
    tcm_storage storage;
} inst_sizes;

/* If root attribute name exists it must equal want. */
static int check_root_int(const tcm_h5_in *in, const char *name, int64_t want, const char *from)
{
    if (!tcm_h5_in_has_attr(in, "/", name))
        return TCM_OK;
    int64_t v;
    int rc = tcm_h5_in_attr_int(in, "/", name, &v);
    if (rc == TCM_OK && v != want)
        rc = TCM_ERROR(TCM_EFORMAT, "%s: attribute %s = %lld but %s gives %lld", tcm_h5_in_path(in), name, (long long)v, from,
                       (long long)want);
    return rc;
}

/* M (and N) from the shape of the patterns: /patterns (M x N int8) or
 * /pattern_bits (M x slices x words, N from the root attribute; the slices
 * and words are checked once K and arch are known). */
static int read_pattern_shape(const tcm_h5_in *in, inst_sizes *s, size_t *pd)
{
    int rank;
    const int bits = tcm_h5_in_has_object(in, "/pattern_bits");
    if (bits && tcm_h5_in_has_object(in, "/patterns"))
        return TCM_ERROR(TCM_EFORMAT, "%s: has both /patterns and /pattern_bits", tcm_h5_in_path(in));
    s->storage = bits ? TCM_STORAGE_BITS : TCM_STORAGE_INT8;
    const char *name = bits ? "/pattern_bits" : "/patterns";
    int rc = tcm_h5_in_shape(in, name, &rank, pd);
    if (rc == TCM_OK && rank != 2 + bits)
        return TCM_ERROR(TCM_EFORMAT, "%s: %s must be %s but has %d dimensions", tcm_h5_in_path(in), name,
                         bits ? "M x slices x words" : "M x N", rank);
    int64_t N = 0;
    if (rc == TCM_OK && bits) {
        int is_int = 0;
        size_t bytes = 0;
        rc = tcm_h5_in_type(in, name, &is_int, &bytes);
        if (rc == TCM_OK && (!is_int || bytes != 8))
            return TCM_ERROR(TCM_EFORMAT, "%s: /pattern_bits must hold 64-bit words", tcm_h5_in_path(in));
        if (rc == TCM_OK)
            rc = tcm_h5_in_attr_int(in, "/", "N", &N);
        if (rc == TCM_OK && (N <= 0 || N > INT_MAX))
            return TCM_ERROR(TCM_EFORMAT, "%s: N = %lld is not a valid number of inputs", tcm_h5_in_path(in), (long long)N);
    }
    if (rc == TCM_OK && (pd[0] > INT_MAX || (!bits && pd[1] > INT_MAX)))
        rc = TCM_ERROR(TCM_EFORMAT, "%s: %s is too large (%zu x %zu)", tcm_h5_in_path(in), name, pd[0], pd[1]);
    s->M = (int)pd[0];
    s->N = bits ? (int)N : (int)pd[1];
    return rc;
}

/* The shape of /pattern_bits against M, K, arch and N. */
static int check_bits_shape(const tcm_h5_in *in, const inst_sizes *s, const size_t *pd)
{
    if (s->storage != TCM_STORAGE_BITS)
        return TCM_OK;
    if (s->arch == TCM_ARCH_TREE && s->N % s->K != 0)
        return TCM_ERROR(TCM_EFORMAT, "%s: N = %d is not divisible by K = %d (tree)", tcm_h5_in_path(in), s->N, s->K);
    size_t n = s->arch == TCM_ARCH_TREE ? (size_t)(s->N / s->K) : (size_t)s->N;
    size_t slices = s->arch == TCM_ARCH_TREE ? (size_t)s->K : 1, words = (n + 63) / 64;
    if (pd[1] != slices || pd[2] != words)
        return TCM_ERROR(TCM_EFORMAT, "%s: /pattern_bits is %zu x %zu x %zu but M = %d, K = %d, N = %d (%s) need %d x %zu x %zu",
                         tcm_h5_in_path(in), pd[0], pd[1], pd[2], s->M, s->K, s->N, tcm_arch_name(s->arch), s->M,
                         slices, words);
    if (tcm_h5_in_has_attr(in, "/pattern_bits", "n")) {
        int64_t na;
        int rc = tcm_h5_in_attr_int(in, "/pattern_bits", "n", &na);
        if (rc == TCM_OK && na != (int64_t)n)
            rc = TCM_ERROR(TCM_EFORMAT, "%s: /pattern_bits has n = %lld but N, K and arch give %zu", tcm_h5_in_path(in),
                           (long long)na, n);
        return rc;
    }
    return TCM_OK;
}

/* M and N from the shapes of the patterns and /outputs, K and arch from the
 * root attributes, cross-checked with the N and M attributes. */
static int read_instance_sizes(const tcm_h5_in *in, inst_sizes *s)
{
    int orank;
    size_t pd[TCM_H5_MAX_RANK], od[TCM_H5_MAX_RANK];
    int rc = read_pattern_shape(in, s, pd);
    if (rc == TCM_OK)
        rc = tcm_h5_in_shape(in, "/outputs", &orank, od);
    if (rc == TCM_OK && (orank != 1 || od[0] != pd[0]))
        rc = TCM_ERROR(TCM_EFORMAT, "%s: /outputs must hold one entry per pattern (%zu)", tcm_h5_in_path(in), pd[0]);
    if (rc != TCM_OK)
        return rc;
    int64_t K;
    char arch[32];
    rc = tcm_h5_in_attr_int(in, "/", "K", &K);
    if (rc == TCM_OK && (K <= 0 || K > INT_MAX))
        rc = TCM_ERROR(TCM_EFORMAT, "%s: K = %lld is not a valid number of hidden units", tcm_h5_in_path(in), (long long)K);
    if (rc == TCM_OK)
        rc = tcm_h5_in_attr_string(in, "/", "arch", arch, sizeof arch);
    if (rc == TCM_OK && tcm_arch_parse(arch, &s->arch) != TCM_OK)
        rc = TCM_ERROR(TCM_EFORMAT, "%s: unknown arch '%s' (expected tree or full)", tcm_h5_in_path(in), arch);
    if (rc == TCM_OK)
        rc = check_root_int(in, "N", s->N, "/patterns");
    if (rc == TCM_OK)
        rc = check_root_int(in, "M", s->M, "/patterns");
    s->K = (int)K;
    if (rc == TCM_OK)
        rc = check_bits_shape(in, s, pd);
    return rc;
}

/* Optional metadata: default weight kind, seed, generator, output rule; n cross-check. */
static int read_instance_meta(const tcm_h5_in *in, tcm_instance *inst)
{
    char buf[64];
    int rc = TCM_OK;
    inst->kind = TCM_WEIGHTS_CONTINUOUS;
    inst->seed = 0;
    snprintf(inst->generator, sizeof inst->generator, "imported");
    if (tcm_h5_in_has_attr(in, "/", "weights")) {
        rc = tcm_h5_in_attr_string(in, "/", "weights", buf, sizeof buf);
        if (rc == TCM_OK && tcm_weight_kind_parse(buf, &inst->kind) != TCM_OK)
            rc = TCM_ERROR(TCM_EFORMAT, "%s: unknown weights kind '%s' (expected continuous or binary)", tcm_h5_in_path(in),
                           buf);
    }
    if (rc == TCM_OK && tcm_h5_in_has_attr(in, "/", "seed"))
        rc = tcm_h5_in_attr_u64(in, "/", "seed", &inst->seed);
    if (rc == TCM_OK && tcm_h5_in_has_attr(in, "/", "generator")) {
        rc = tcm_h5_in_attr_string(in, "/", "generator", buf, sizeof buf);
        size_t m = strlen(buf) < sizeof inst->generator ? strlen(buf) : sizeof inst->generator - 1;
        memcpy(inst->generator, buf, m); /* truncated to fit */
        inst->generator[m] = '\0';
    }
    inst->rule = TCM_RULE_MAJORITY; /* files from before the attribute existed */
    if (rc == TCM_OK && tcm_h5_in_has_attr(in, "/", "output_rule")) {
        rc = tcm_h5_in_attr_string(in, "/", "output_rule", buf, sizeof buf);
        if (rc == TCM_OK && tcm_output_rule_parse(buf, &inst->rule) != TCM_OK)
            rc = TCM_ERROR(TCM_EFORMAT, "%s: unknown output_rule '%s' (expected majority or parity)", tcm_h5_in_path(in),
                           buf);
    }
    if (rc == TCM_OK)
        rc = check_root_int(in, "n", inst->n, "N, K and arch");
    return rc;
}

/* /teacher: K_t x n_t, kind from its attribute (default: the instance's). */
static int read_teacher(const tcm_h5_in *in, tcm_instance *inst)
{
    int rank;
    size_t d[TCM_H5_MAX_RANK];
    int rc = tcm_h5_in_shape(in, "/teacher", &rank, d);
    if (rc == TCM_OK && (rank != 2 || d[0] == 0 || d[1] == 0 || d[0] > INT_MAX || d[1] > INT_MAX))
        rc = TCM_ERROR(TCM_EFORMAT, "%s: /teacher must be a non-empty K x n array", tcm_h5_in_path(in));
    tcm_weight_kind kind = inst->kind;
    char buf[32];
    if (rc == TCM_OK && tcm_h5_in_has(in, "/teacher/kind")) {
        rc = tcm_h5_in_attr_string(in, "/teacher", "kind", buf, sizeof buf);
        if (rc == TCM_OK && tcm_weight_kind_parse(buf, &kind) != TCM_OK)
            rc = TCM_ERROR(TCM_EFORMAT, "%s: unknown teacher kind '%s'", tcm_h5_in_path(in), buf);
    }
    if (rc != TCM_OK)
        return rc;
    inst->teacher = tcm_weights_alloc((int)d[0], (int)d[1], kind);
    if (!inst->teacher)
        return rewrap(TCM_EFORMAT, tcm_h5_in_path(in));
    return tcm_h5_in_double(in, "/teacher", inst->teacher->w);
}

/* A stored value as it is written in the file: the shortest decimal that
 * reads back as the same double (or float, for a 4-byte dataset). */
static void stored_text(char *buf, size_t len, double v, size_t bytes)
{
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(buf, len, "%.0f", v);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        double back = strtod(buf, NULL);
        if (back == v || (bytes == 4 && (float)back == (float)v) || isnan(v))
            return;
    }
}

/* Copy entries that must be +-1 from doubles into int8, naming the first
 * other value as stored ("/patterns: pattern 3, input 7 is 1.4, not +-1";
 * ncols 0 for the 1-d /outputs). */
static int pm1_from_doubles(const tcm_h5_in *in, const char *name, const double *v, int8_t *dst, size_t count,
                            size_t ncols, size_t bytes)
{
    for (size_t j = 0; j < count; j++) {
        if (v[j] == 1.0 || v[j] == -1.0) {
            dst[j] = v[j] > 0 ? 1 : -1;
            continue;
        }
        char val[40], pos[64];
        stored_text(val, sizeof val, v[j], bytes);
        if (ncols)
            snprintf(pos, sizeof pos, "pattern %zu, input %zu", j / ncols, j % ncols);
        else
            snprintf(pos, sizeof pos, "pattern %zu", j);
        return TCM_ERROR(TCM_EFORMAT, "%s: %s: %s is %s, not +-1", tcm_h5_in_path(in), name, pos, val);
    }
    return TCM_OK;
}

/* Read a dataset of +-1 entries (patterns, outputs) into int8. int8 and
 * uint8 datasets are read directly (checked by tcm_instance_validate);
 * wider integers and floats are read as doubles and every entry must be
 * exactly +-1, so 1.4 or NaN is never silently converted. */
static int read_pm1(const tcm_h5_in *in, const char *name, int8_t *dst, size_t count, size_t ncols)
{
    int is_int = 0;
    size_t bytes = 0;
    int rc = tcm_h5_in_type(in, name, &is_int, &bytes);
    if (rc != TCM_OK || (is_int && bytes == 1))
        return rc == TCM_OK ? tcm_h5_in_int8(in, name, dst) : rc;
    double *v = malloc((count ? count : 1) * sizeof *v);
    if (!v)
        return TCM_ERROR(TCM_ENOMEM, "out of memory reading %s from %s", name, tcm_h5_in_path(in));
    rc = tcm_h5_in_double(in, name, v);
    if (rc == TCM_OK)
        rc = pm1_from_doubles(in, name, v, dst, count, ncols, bytes);
    free(v);
    return rc;
}

/* Read an instance once the file is open. */
static int read_instance_from(const tcm_h5_in *in, tcm_instance **out)
{
    char kind[32];
    if (tcm_h5_in_has_attr(in, "/", "file_kind")) {
        int rc = tcm_h5_in_attr_string(in, "/", "file_kind", kind, sizeof kind);
        if (rc != TCM_OK)
            return rc;
        if (strcmp(kind, "instance") != 0)
            return TCM_ERROR(TCM_EFORMAT, "%s is a %s file, not an instance", tcm_h5_in_path(in), kind);
    }
    inst_sizes s;
    int rc = read_instance_sizes(in, &s);
    if (rc != TCM_OK)
        return rc;
    tcm_instance *inst = tcm_instance_alloc_as(s.N, s.K, s.M, s.arch, s.storage);
    if (!inst)
        return rewrap(TCM_EFORMAT, tcm_h5_in_path(in));
    inst->teacher = NULL;
    if (s.storage == TCM_STORAGE_BITS)
        rc = tcm_h5_in_u64(in, "/pattern_bits", inst->bits);
    else
        rc = read_pm1(in, "/patterns", inst->patterns, (size_t)s.M * (size_t)s.N, (size_t)s.N);
    if (rc == TCM_OK)
        rc = read_pm1(in, "/outputs", inst->outputs, (size_t)s.M, 0);
    if (rc == TCM_OK)
        rc = read_instance_meta(in, inst);
    if (rc == TCM_OK && tcm_h5_in_has_object(in, "/teacher"))
        rc = read_teacher(in, inst);
    if (rc == TCM_OK && tcm_instance_validate_stored(inst) != TCM_OK)
        rc = rewrap(TCM_EFORMAT, tcm_h5_in_path(in));
    if (rc != TCM_OK) {
        tcm_instance_free(inst);
        return rc;
    }
    *out = inst;
    return TCM_OK;
}

/* Read and validate an instance file. TCM_EIO if missing/unreadable,
 * TCM_EFORMAT (message naming the file and the problem) for anything wrong
 * in it, including entries that are not +-1, inconsistent sizes or even K. */
int tcm_h5_read_instance(const char *path, tcm_instance **out)
{
    if (!path || !out)
        return TCM_ERROR(TCM_EINVAL, "tcm_h5_read_instance: missing argument");
    *out = NULL;
    tcm_h5_in *in;
    int rc = tcm_h5_in_open(&in, path);
    if (rc != TCM_OK)
        return rc;
    rc = read_instance_from(in, out);
    tcm_h5_in_close(in);
    return rc;
}

/* "per-unit: sum_i w_ki^2 = n" when every unit has that norm, else "none". */
static const char *normalization_label(const tcm_weights *w)
{
    for (int k = 0; k < w->K; k++) {
        double s = 0.0;
        for (int i = 0; i < w->n; i++)
            s += w->w[(size_t)k * (size_t)w->n + (size_t)i] * w->w[(size_t)k * (size_t)w->n + (size_t)i];
        if (!(fabs(s - w->n) <= NORM_TOLERANCE * w->n))
            return "none";
    }
    return "per-unit: sum_i w_ki^2 = n";
}

/* Write a weights file: /weights (K x n, float64 or int8) with attributes
 * K, n, kind, normalization on the root and on the dataset. TCM_EINVAL /
 * TCM_ENUMERIC for non +-1 binary or non-finite entries; otherwise as
 * tcm_h5_out_open and tcm_h5_out_commit. */
int tcm_h5_out_weights(tcm_h5_out *o, const tcm_weights *w)
{
    if (!o || !w)
        return TCM_ERROR(TCM_EINVAL, "tcm_h5_out_weights: missing argument");
    int rc = out_weights_dataset(o, "/weights", w);
    const char *norm = rc == TCM_OK ? normalization_label(w) : "";
    if (rc == TCM_OK)
        rc = tcm_h5_out_attr_string(o, "/weights", "normalization", norm);
    if (rc == TCM_OK)
        rc = tcm_h5_out_attr_int(o, "/", "K", w->K);
    if (rc == TCM_OK)
        rc = tcm_h5_out_attr_int(o, "/", "n", w->n);
    if (rc == TCM_OK)
        rc = tcm_h5_out_attr_string(o, "/", "kind", tcm_weight_kind_name(w->kind));
    if (rc == TCM_OK)
        rc = tcm_h5_out_attr_string(o, "/", "normalization", norm);
    return rc;
}

int tcm_h5_write_weights(const char *path, const tcm_weights *w, int force)
{
    if (!path || !w)
        return TCM_ERROR(TCM_EINVAL, "tcm_h5_write_weights: missing argument");
    tcm_h5_out *o;
    int rc = tcm_h5_out_open(&o, path, "weights", force);
    if (rc != TCM_OK)
        return rc;
    rc = tcm_h5_out_weights(o, w);
    if (rc != TCM_OK) {
        tcm_h5_out_abort(o);
        return rc;
    }
    return tcm_h5_out_commit(o);
}
