/* The HDF5 core of tcmbp, part 3: the file describer behind `tcmbp info`,
 * a readable summary of any HDF5 file (tcmbp's or another program's). */
#include "h5_internal.h"

#include "tcmbp/error.h"
#include "tcmbp/weights_load.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growing string. */
typedef struct {
    char *s;
    size_t len, cap;
    int oom;
} strbuf;

TCM_PRINTF(2, 3)
static void sb_printf(strbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (m < 0)
        return;
    if (b->len + (size_t)m + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (b->len + (size_t)m + 1 > cap)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)m;
}

/* "int8", "uint64", "double", "float", "string", ... */
static void type_name(hid_t t, char *buf, size_t len)
{
    size_t bits = 8 * H5Tget_size(t);
    switch (H5Tget_class(t)) {
    case H5T_INTEGER:
        snprintf(buf, len, "%sint%zu", H5Tget_sign(t) == H5T_SGN_NONE ? "u" : "", bits);
        break;
    case H5T_FLOAT:
        if (bits == 64)
            snprintf(buf, len, "double");
        else
            snprintf(buf, len, "float%zu", bits);
        break;
    case H5T_STRING: snprintf(buf, len, "string"); break;
    case H5T_COMPOUND: snprintf(buf, len, "compound"); break;
    default: snprintf(buf, len, "other"); break;
    }
}

/* Numeric attribute value(s): one number, or up to 8 in brackets. */
static void attr_numbers_text(hid_t a, H5T_class_t cls, hssize_t np, char *buf, size_t len)
{
    double *v = malloc((size_t)(np ? np : 1) * sizeof *v);
    if (!v || H5Aread(a, H5T_NATIVE_DOUBLE, v) < 0) {
        snprintf(buf, len, "(unreadable)");
        free(v);
        return;
    }
    size_t used = 0;
    buf[0] = '\0';
    for (hssize_t i = 0; i < np && i < 8 && used < len; i++) {
        const char *fmt = cls == H5T_INTEGER ? "%s%.0f" : "%s%.10g";
        int w = snprintf(buf + used, len - used, fmt, i ? ", " : (np > 1 ? "[" : ""), v[i]);
        used += w > 0 ? (size_t)w : 0;
    }
    if (np > 1 && used < len)
        snprintf(buf + used, len - used, "%s]", np > 8 ? ", ..." : "");
    free(v);
}

/* Integer attributes are printed exactly (64-bit seeds do not fit a double). */
static void attr_int_text(hid_t a, char *buf, size_t len)
{
    hid_t t = H5Aget_type(a);
    int is_unsigned = t >= 0 && H5Tget_sign(t) == H5T_SGN_NONE;
    if (t >= 0)
        H5Tclose(t);
    if (is_unsigned) {
        uint64_t u;
        if (H5Aread(a, H5T_NATIVE_UINT64, &u) >= 0) {
            snprintf(buf, len, "%llu", (unsigned long long)u);
            return;
        }
    } else {
        int64_t s;
        if (H5Aread(a, H5T_NATIVE_INT64, &s) >= 0) {
            snprintf(buf, len, "%lld", (long long)s);
            return;
        }
    }
    snprintf(buf, len, "(unreadable)");
}

/* Human-readable value of an open attribute. */
static void attr_value_text(const tcm_h5_attr_ref *r, hid_t a, char *buf, size_t len)
{
    H5T_class_t cls;
    hssize_t np;
    if (tcm_h5_attr_info(r, a, &cls, &np) != TCM_OK) {
        snprintf(buf, len, "(unreadable)");
    } else if (cls == H5T_STRING) {
        char s[448];
        if (tcm_h5_attr_read_string(r, a, s, sizeof s) == TCM_OK)
            snprintf(buf, len, "\"%s\"", s);
        else
            snprintf(buf, len, "(%lld strings)", (long long)np);
    } else if (cls == H5T_INTEGER && np == 1) {
        attr_int_text(a, buf, len);
    } else if (cls == H5T_INTEGER || cls == H5T_FLOAT) {
        attr_numbers_text(a, cls, np, buf, len);
    } else {
        snprintf(buf, len, "(not shown)");
    }
}

/* State of the description walk. */
typedef struct {
    const tcm_h5_in *in;
    strbuf *sb;
    const char *obj;    /* object whose attributes are listed */
    const char *indent;
} describe_ctx;

/* H5Aiterate2 callback: one "name = value" line. */
static herr_t describe_attr(hid_t loc, const char *name, const H5A_info_t *info, void *data)
{
    describe_ctx *c = data;
    (void)info;
    char val[512];
    const tcm_h5_attr_ref r = {c->in, c->obj, name};
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0)
        snprintf(val, sizeof val, "(unreadable)");
    else
        attr_value_text(&r, a, val, sizeof val);
    if (a >= 0)
        H5Aclose(a);
    sb_printf(c->sb, "%s%s = %s\n", c->indent, name, val);
    return c->sb->oom ? -1 : 0;
}

/* List the attributes of object obj. */
static void describe_attrs(describe_ctx *c, const char *obj, const char *indent)
{
    hid_t id = H5Oopen(c->in->file, obj, H5P_DEFAULT);
    if (id < 0)
        return;
    describe_ctx sub = {c->in, c->sb, obj, indent};
    H5Aiterate2(id, H5_INDEX_NAME, H5_ITER_INC, NULL, describe_attr, &sub);
    H5Oclose(id);
}

/* Storage of a dataset: "", "chunked", "chunked, shuffle+deflate". */
static void layout_text(hid_t ds, char *buf, size_t len)
{
    buf[0] = '\0';
    hid_t dcpl = H5Dget_create_plist(ds);
    if (dcpl < 0)
        return;
    if (H5Pget_layout(dcpl) == H5D_CHUNKED) {
        size_t used = (size_t)snprintf(buf, len, "  chunked");
        int nf = H5Pget_nfilters(dcpl);
        for (int i = 0; i < nf && used < len; i++) {
            unsigned flags;
            size_t nelem = 0;
            char name[32] = "";
            H5Pget_filter2(dcpl, (unsigned)i, &flags, &nelem, NULL, sizeof name, name, NULL);
            int w = snprintf(buf + used, len - used, "%s%s", i ? "+" : ", ", name[0] ? name : "filter");
            used += w > 0 ? (size_t)w : 0;
        }
    }
    H5Pclose(dcpl);
}

/* One line for dataset path: type, shape, storage. */
static void describe_dataset(describe_ctx *c, const char *path)
{
    hid_t ds = H5Dopen2(c->in->file, path, H5P_DEFAULT);
    if (ds < 0) {
        sb_printf(c->sb, "  %s  dataset (unreadable)\n", path);
        return;
    }
    hid_t t = H5Dget_type(ds), sp = H5Dget_space(ds);
    char tname[32] = "?", shape[96] = "?", layout[96];
    hsize_t hd[H5S_MAX_RANK];
    int r = sp < 0 ? -1 : H5Sget_simple_extent_dims(sp, hd, NULL);
    if (t >= 0)
        type_name(t, tname, sizeof tname);
    if (r >= 0) {
        size_t dims[H5S_MAX_RANK];
        for (int d = 0; d < r; d++)
            dims[d] = (size_t)hd[d];
        tcm_weights_shape_text(shape, sizeof shape, r, dims);
    }
    layout_text(ds, layout, sizeof layout);
    sb_printf(c->sb, "  %s  %s [%s]%s\n", path, tname, shape, layout);
    if (sp >= 0)
        H5Sclose(sp);
    if (t >= 0)
        H5Tclose(t);
    H5Dclose(ds);
}

/* H5Ovisit callback: describe each object below the root and its attributes. */
static herr_t describe_object(hid_t root, const char *name, const tcm_h5_visit_info *info, void *data)
{
    describe_ctx *c = data;
    (void)root;
    if (strcmp(name, ".") == 0)
        return 0;
    char *path = tcm_h5_join_path("/", name);
    if (!path)
        return -1;
    if (info->type == H5O_TYPE_GROUP)
        sb_printf(c->sb, "  %s  group\n", path);
    else if (info->type == H5O_TYPE_DATASET)
        describe_dataset(c, path);
    else
        sb_printf(c->sb, "  %s  (named datatype)\n", path);
    describe_attrs(c, path, "      ");
    free(path);
    return c->sb->oom ? -1 : 0;
}

/* First line: file kind and schema version. */
static void describe_header(describe_ctx *c)
{
    const tcm_h5_in *in = c->in;
    char kind[64] = "";
    int64_t v = 0;
    if (!tcm_h5_root_attr_exists(in, "schema_version") ||
        tcm_h5_in_attr_int(in, "/", "schema_version", &v) != TCM_OK) {
        sb_printf(c->sb, "%s: HDF5 file not written by tcmbp (no schema_version)\n", in->path);
        return;
    }
    if (!tcm_h5_root_attr_exists(in, "file_kind") || tcm_h5_in_attr_string(in, "/", "file_kind", kind, sizeof kind))
        snprintf(kind, sizeof kind, "unknown");
    sb_printf(c->sb, "%s: tcmbp %s file, schema version %lld%s\n", in->path, kind, (long long)v,
              v > TCM_SCHEMA_VERSION ? " (newer than this tcmbp supports)" : v < 1 ? " (invalid)" : "");
}

/* A readable multi-line summary of any HDF5 file into a malloc'd string
 * (*text, freed by the caller): file kind, schema version, root attributes,
 * then every group and dataset (type, shape, storage) with its attributes.
 * Files with a newer schema are described too. TCM_EIO / TCM_EFORMAT as
 * tcm_h5_in_open. */
int tcm_h5_describe(const char *path, char **text)
{
    tcm_h5_quiet();
    if (!path || !text)
        return TCM_ERROR(TCM_EINVAL, "tcm_h5_describe: missing argument");
    *text = NULL;
    tcm_h5_in *in;
    int rc = tcm_h5_in_open_mode(&in, path, 0);
    if (rc != TCM_OK)
        return rc;
    strbuf sb = {NULL, 0, 0, 0};
    describe_ctx c = {in, &sb, "/", "  "};
    describe_header(&c);
    sb_printf(&sb, "root attributes:\n");
    describe_attrs(&c, "/", "  ");
    sb_printf(&sb, "objects:\n");
    if (VISIT_OBJECTS(in->file, describe_object, &c) < 0 && !sb.oom)
        rc = H5FAIL(TCM_EIO, "cannot list the objects of %s", path);
    tcm_h5_in_close(in);
    if (rc == TCM_OK && (sb.oom || !sb.s))
        rc = TCM_ERROR(TCM_ENOMEM, "out of memory describing %s", path);
    if (rc != TCM_OK) {
        free(sb.s);
        return rc;
    }
    *text = sb.s;
    return TCM_OK;
}

