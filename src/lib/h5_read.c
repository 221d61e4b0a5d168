/* The HDF5 core of tcmbp, part 2: the reader (open read-only with the
 * schema check, shapes, whole datasets converted to the caller's type,
 * attributes of every numeric and string kind, table columns). */
#include "h5_internal.h"

#include "tcmbp/error.h"
#include "tcmbp/infile.h"

#include "syserr.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Nonzero if the root group has attribute name. */
int tcm_h5_root_attr_exists(const tcm_h5_in *in, const char *name)
{
    return H5Aexists_by_name(in->file, "/", name, H5P_DEFAULT) > 0;
}

/* Refuse files whose schema_version is newer than ours or not a valid
 * version (below 1, or not an integer); files without one, written by
 * other programs, are accepted. */
static int in_check_schema(const tcm_h5_in *in)
{
    if (!tcm_h5_root_attr_exists(in, "schema_version"))
        return TCM_OK;
    int64_t v;
    int rc = tcm_h5_in_attr_int(in, "/", "schema_version", &v);
    if (rc == TCM_OK && v < 1)
        rc = TCM_ERROR(TCM_EFORMAT, "%s: invalid schema version %lld (tcmbp files have 1 to %d)", in->path,
                       (long long)v, TCM_SCHEMA_VERSION);
    else if (rc == TCM_OK && v > TCM_SCHEMA_VERSION)
        rc = TCM_ERROR(TCM_EFORMAT, "%s: schema version %lld is newer than this tcmbp supports (%d)", in->path,
                       (long long)v, TCM_SCHEMA_VERSION);
    return rc;
}

/* Open path read-only; the schema version is checked when strict. */
int tcm_h5_in_open_mode(tcm_h5_in **out, const char *path, int strict)
{
    if (!out || !path)
        return TCM_ERROR(TCM_EINVAL, "tcm_h5_in_open: missing argument");
    *out = NULL;
    tcm_h5_quiet();
    int rc = tcm_infile_check(path); /* refuses a FIFO at once (H5Fopen would block) */
    if (rc != TCM_OK)
        return rc;
    if (IS_HDF5(path) <= 0)
        return TCM_ERROR(TCM_EFORMAT, "%s is not an HDF5 file", path);
    tcm_h5_in *in = calloc(1, sizeof *in);
    if (!in || !(in->path = strdup(path))) {
        free(in);
        return TCM_ERROR(TCM_ENOMEM, "out of memory opening %s", path);
    }
    hid_t fapl = tcm_h5_file_access_plist();
    in->file = fapl < 0 ? H5I_INVALID_HID : H5Fopen(path, H5F_ACC_RDONLY, fapl);
    if (in->file < 0)
        rc = H5FAIL(TCM_EIO, "cannot open HDF5 file %s", path);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (rc == TCM_OK && strict)
        rc = in_check_schema(in);
    if (rc != TCM_OK) {
        tcm_h5_in_close(in);
        return rc;
    }
    *out = in;
    return TCM_OK;
}

/* Open an existing file read-only: TCM_EIO if missing or unreadable,
 * TCM_EFORMAT if not HDF5 or its schema_version is newer than ours. */
int tcm_h5_in_open(tcm_h5_in **in, const char *path) { return tcm_h5_in_open_mode(in, path, 1); }

/* Close a reader (NULL-safe). */
void tcm_h5_in_close(tcm_h5_in *in)
{
    tcm_h5_quiet();
    if (!in)
        return;
    if (in->file >= 0)
        H5Fclose(in->file);
    free(in->path);
    free(in);
}

/* Nonzero if name is an object path in the file, or if its last component
 * is an attribute of the object before it ("/seed": root attribute seed;
 * "/teacher/kind": attribute kind of /teacher). */
int tcm_h5_in_has(const tcm_h5_in *in, const char *name)
{
    tcm_h5_quiet();
    if (!in || !name || !*name)
        return 0;
    if (tcm_h5_link_exists(in->file, name))
        return 1;
    const char *slash = strrchr(name, '/');
    const char *attr = slash ? slash + 1 : name;
    char *parent = slash ? strndup(name, slash == name ? 1 : (size_t)(slash - name)) : strdup("/");
    int found = parent && *attr && tcm_h5_link_exists(in->file, parent) &&
                H5Aexists_by_name(in->file, parent, attr, H5P_DEFAULT) > 0;
    free(parent);
    return found;
}

/* Nonzero if name is a dataset or group of the file. */
int tcm_h5_in_has_object(const tcm_h5_in *in, const char *name)
{
    tcm_h5_quiet();
    return in && name && tcm_h5_link_exists(in->file, name);
}

/* Nonzero if object obj has attribute name. */
int tcm_h5_in_has_attr(const tcm_h5_in *in, const char *obj, const char *name)
{
    tcm_h5_quiet();
    return in && obj && name && tcm_h5_link_exists(in->file, obj) &&
           H5Aexists_by_name(in->file, obj, name, H5P_DEFAULT) > 0;
}

/* The path the reader was opened with. */
const char *tcm_h5_in_path(const tcm_h5_in *in) { return in ? in->path : ""; }

/* Open dataset name; TCM_EFORMAT naming it when missing or not a dataset. */
static int in_dataset(const tcm_h5_in *in, const char *name, hid_t *ds)
{
    tcm_h5_quiet();
    *ds = H5I_INVALID_HID;
    if (!in || !name)
        return TCM_ERROR(TCM_EINVAL, "h5 reader: missing argument");
    H5I_type_t t = tcm_h5_object_type(in->file, name);
    if (t == H5I_BADID)
        return TCM_ERROR(TCM_EFORMAT, "%s has no dataset %s", in->path, name);
    if (t != H5I_DATASET)
        return TCM_ERROR(TCM_EFORMAT, "%s in %s is not a dataset", name, in->path);
    *ds = H5Dopen2(in->file, name, H5P_DEFAULT);
    if (*ds < 0)
        return H5FAIL(TCM_EIO, "cannot open dataset %s in %s", name, in->path);
    return TCM_OK;
}

/* Shape of a dataset (rank <= 4); TCM_EFORMAT if missing or of higher rank. */
int tcm_h5_in_shape(const tcm_h5_in *in, const char *name, int *rank, size_t dims[4])
{
    hid_t ds;
    int rc = in_dataset(in, name, &ds);
    if (rc != TCM_OK)
        return rc;
    hid_t sp = H5Dget_space(ds);
    int r = sp < 0 ? -1 : H5Sget_simple_extent_ndims(sp);
    hsize_t hd[H5S_MAX_RANK];
    if (r < 0 || H5Sget_simple_extent_dims(sp, hd, NULL) < 0) {
        rc = H5FAIL(TCM_EIO, "cannot read the shape of %s in %s", name, in->path);
    } else if (r > MAX_RANK) {
        rc = TCM_ERROR(TCM_EFORMAT, "dataset %s in %s has %d dimensions (at most %d supported)", name, in->path, r,
                       MAX_RANK);
    } else {
        *rank = r;
        for (int d = 0; d < r; d++)
            dims[d] = (size_t)hd[d];
    }
    if (sp >= 0)
        H5Sclose(sp);
    H5Dclose(ds);
    return rc;
}

/* Integer or float, and bytes per element, of a numeric dataset. */
int tcm_h5_in_type(const tcm_h5_in *in, const char *name, int *is_integer, size_t *bytes)
{
    hid_t ds;
    int rc = in_dataset(in, name, &ds);
    if (rc != TCM_OK)
        return rc;
    hid_t ft = H5Dget_type(ds);
    H5T_class_t c = ft < 0 ? H5T_NO_CLASS : H5Tget_class(ft);
    if (c != H5T_INTEGER && c != H5T_FLOAT) {
        rc = TCM_ERROR(TCM_EFORMAT, "dataset %s in %s is not numeric", name, in->path);
    } else {
        *is_integer = c == H5T_INTEGER;
        *bytes = H5Tget_size(ft);
    }
    if (ft >= 0)
        H5Tclose(ft);
    H5Dclose(ds);
    return rc;
}

/* Read a whole numeric dataset, converted to memtype. */
static int in_read(const tcm_h5_in *in, const char *name, hid_t memtype, void *data)
{
    hid_t ds;
    int rc = in_dataset(in, name, &ds);
    if (rc != TCM_OK)
        return rc;
    hid_t ft = H5Dget_type(ds), sp = H5Dget_space(ds);
    H5T_class_t c = ft < 0 ? H5T_NO_CLASS : H5Tget_class(ft);
    hssize_t np = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
    if (np < 0)
        rc = H5FAIL(TCM_EIO, "cannot read dataset %s from %s", name, in->path);
    else if (c != H5T_INTEGER && c != H5T_FLOAT)
        rc = TCM_ERROR(TCM_EFORMAT, "dataset %s in %s is not numeric", name, in->path);
    else if (np > 0 && !data)
        rc = TCM_ERROR(TCM_EINVAL, "dataset %s: no buffer", name);
    else if (np > 0 && H5Dread(ds, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        rc = H5FAIL(TCM_EIO, "cannot read dataset %s from %s", name, in->path);
    if (sp >= 0)
        H5Sclose(sp);
    if (ft >= 0)
        H5Tclose(ft);
    H5Dclose(ds);
    return rc;
}

/* Read a whole dataset as doubles (any integer or float type). TCM_EFORMAT
 * if missing or not numeric, TCM_EIO on read errors. */
int tcm_h5_in_double(const tcm_h5_in *in, const char *name, double *data)
{
    return in_read(in, name, H5T_NATIVE_DOUBLE, data);
}

/* Read a whole dataset as int8 (values out of range are clipped by HDF5). */
int tcm_h5_in_int8(const tcm_h5_in *in, const char *name, int8_t *data)
{
    return in_read(in, name, H5T_NATIVE_INT8, data);
}

/* Read a whole dataset as uint64 (the caller checks the stored type). */
int tcm_h5_in_u64(const tcm_h5_in *in, const char *name, uint64_t *data)
{
    return in_read(in, name, H5T_NATIVE_UINT64, data);
}

/* Read a whole dataset as int32 (values out of range are clipped by HDF5). */
int tcm_h5_in_int32(const tcm_h5_in *in, const char *name, int32_t *data)
{
    return in_read(in, name, H5T_NATIVE_INT32, data);
}


/* Open attribute r->name of r->obj; TCM_EFORMAT naming both when missing. */
static int attr_open(const tcm_h5_attr_ref *r, hid_t *a)
{
    tcm_h5_quiet();
    *a = H5I_INVALID_HID;
    if (!r->in || !r->obj || !r->name)
        return TCM_ERROR(TCM_EINVAL, "h5 reader: missing argument");
    if (!tcm_h5_link_exists(r->in->file, r->obj))
        return TCM_ERROR(TCM_EFORMAT, "%s has no object %s (looking for its attribute %s)", r->in->path, r->obj,
                         r->name);
    if (H5Aexists_by_name(r->in->file, r->obj, r->name, H5P_DEFAULT) <= 0)
        return TCM_ERROR(TCM_EFORMAT, "%s has no attribute %s on %s", r->in->path, r->name, r->obj);
    *a = H5Aopen_by_name(r->in->file, r->obj, r->name, H5P_DEFAULT, H5P_DEFAULT);
    if (*a < 0)
        return H5FAIL(TCM_EIO, "cannot open attribute %s of %s in %s", r->name, r->obj, r->in->path);
    return TCM_OK;
}

/* Type class and element count of an open attribute. */
int tcm_h5_attr_info(const tcm_h5_attr_ref *r, hid_t a, H5T_class_t *cls, hssize_t *np)
{
    hid_t t = H5Aget_type(a), sp = H5Aget_space(a);
    *cls = t < 0 ? H5T_NO_CLASS : H5Tget_class(t);
    *np = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
    int rc = TCM_OK;
    if (*cls == H5T_NO_CLASS || *np < 0)
        rc = H5FAIL(TCM_EIO, "cannot read attribute %s of %s in %s", r->name, r->obj, r->in->path);
    if (sp >= 0)
        H5Sclose(sp);
    if (t >= 0)
        H5Tclose(t);
    return rc;
}

/* Read a numeric scalar attribute as memtype. Integer memtypes refuse a
 * float attribute holding a non-integer value. */
static int attr_read_scalar(const tcm_h5_attr_ref *r, hid_t memtype, void *v)
{
    hid_t a;
    int rc = attr_open(r, &a);
    if (rc != TCM_OK)
        return rc;
    H5T_class_t cls;
    hssize_t np;
    rc = tcm_h5_attr_info(r, a, &cls, &np);
    if (rc == TCM_OK && (np != 1 || (cls != H5T_INTEGER && cls != H5T_FLOAT)))
        rc = TCM_ERROR(TCM_EFORMAT, "attribute %s of %s in %s is not a number", r->name, r->obj, r->in->path);
    int to_int = H5Tget_class(memtype) == H5T_INTEGER;
    double d = 0.0;
    if (rc == TCM_OK && cls == H5T_FLOAT && to_int) {
        if (H5Aread(a, H5T_NATIVE_DOUBLE, &d) < 0)
            rc = H5FAIL(TCM_EIO, "cannot read attribute %s of %s in %s", r->name, r->obj, r->in->path);
        else if (d != floor(d) || fabs(d) > 9.0e18)
            rc = TCM_ERROR(TCM_EFORMAT, "attribute %s of %s in %s is %g, not an integer", r->name, r->obj,
                           r->in->path, d);
        else if (H5Tconvert(H5T_NATIVE_DOUBLE, memtype, 1, &d, NULL, H5P_DEFAULT) >= 0)
            memcpy(v, &d, H5Tget_size(memtype));
        else
            rc = H5FAIL(TCM_EIO, "cannot convert attribute %s of %s in %s", r->name, r->obj, r->in->path);
    } else if (rc == TCM_OK && H5Aread(a, memtype, v) < 0) {
        rc = H5FAIL(TCM_EIO, "cannot read attribute %s of %s in %s", r->name, r->obj, r->in->path);
    }
    H5Aclose(a);
    return rc;
}

/* Scalar numeric attribute as double; TCM_EFORMAT if missing or not a number. */
int tcm_h5_in_attr_double(const tcm_h5_in *in, const char *obj, const char *name, double *v)
{
    const tcm_h5_attr_ref r = {in, obj, name};
    return attr_read_scalar(&r, H5T_NATIVE_DOUBLE, v);
}

/* Scalar integer attribute (a float attribute must hold an integer value);
 * TCM_EFORMAT if missing or not an integer. */
int tcm_h5_in_attr_int(const tcm_h5_in *in, const char *obj, const char *name, int64_t *v)
{
    const tcm_h5_attr_ref r = {in, obj, name};
    return attr_read_scalar(&r, H5T_NATIVE_INT64, v);
}

/* Scalar unsigned 64-bit attribute (seeds). */
int tcm_h5_in_attr_u64(const tcm_h5_in *in, const char *obj, const char *name, uint64_t *v)
{
    const tcm_h5_attr_ref r = {in, obj, name};
    return attr_read_scalar(&r, H5T_NATIVE_UINT64, v);
}

/* Join n strings with commas into buf; TCM_EINVAL when they do not fit. */
static int join_items(const tcm_h5_attr_ref *r, char *const *items, size_t n, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *s = items[i] ? items[i] : "";
        size_t m = strlen(s) + (i > 0);
        if (used + m + 1 > len)
            return TCM_ERROR(TCM_EINVAL, "attribute %s of %s in %s is longer than %zu bytes", r->name, r->obj,
                             r->in->path, len ? len - 1 : 0);
        snprintf(buf + used, len - used, "%s%s", i > 0 ? "," : "", s);
        used += m;
    }
    return TCM_OK;
}

/* Read n variable-length strings of attribute a, joined with commas. */
static int attr_strings_vlen(const tcm_h5_attr_ref *r, hid_t a, size_t n, char *buf, size_t len)
{
    char **items = calloc(n ? n : 1, sizeof *items);
    hid_t mt = tcm_h5_vlen_string_type();
    int rc = TCM_OK;
    if (!items || mt < 0)
        rc = TCM_ERROR(TCM_ENOMEM, "out of memory reading attribute %s", r->name);
    else if (H5Aread(a, mt, items) < 0)
        rc = H5FAIL(TCM_EIO, "cannot read attribute %s of %s in %s", r->name, r->obj, r->in->path);
    else
        rc = join_items(r, items, n, buf, len);
    for (size_t i = 0; items && i < n; i++)
        if (items[i])
            H5free_memory(items[i]);
    free(items);
    if (mt >= 0)
        H5Tclose(mt);
    return rc;
}

/* Read n fixed-length strings of attribute a (stored size sz), joined. */
static int attr_strings_fixed(const tcm_h5_attr_ref *r, hid_t a, size_t n, size_t sz, char *buf, size_t len)
{
    char *raw = calloc(n ? n : 1, sz + 1);
    char **items = calloc(n ? n : 1, sizeof *items);
    hid_t mt = H5Tcopy(H5T_C_S1);
    int rc = TCM_OK;
    if (!raw || !items)
        rc = TCM_ERROR(TCM_ENOMEM, "out of memory reading attribute %s", r->name);
    else if (mt < 0 || H5Tset_size(mt, sz + 1) < 0 || H5Tset_strpad(mt, H5T_STR_NULLTERM) < 0 ||
             H5Aread(a, mt, raw) < 0)
        rc = H5FAIL(TCM_EIO, "cannot read attribute %s of %s in %s", r->name, r->obj, r->in->path);
    for (size_t i = 0; rc == TCM_OK && i < n; i++)
        items[i] = raw + i * (sz + 1);
    if (rc == TCM_OK)
        rc = join_items(r, items, n, buf, len);
    if (mt >= 0)
        H5Tclose(mt);
    free(items);
    free(raw);
    return rc;
}

/* Read the open string attribute a (scalar or array, fixed or variable
 * length) into buf, array elements joined with commas. */
int tcm_h5_attr_read_string(const tcm_h5_attr_ref *r, hid_t a, char *buf, size_t len)
{
    H5T_class_t cls;
    hssize_t np;
    int rc = tcm_h5_attr_info(r, a, &cls, &np);
    if (rc != TCM_OK)
        return rc;
    if (cls != H5T_STRING)
        return TCM_ERROR(TCM_EFORMAT, "attribute %s of %s in %s is not a string", r->name, r->obj, r->in->path);
    hid_t ft = H5Aget_type(a);
    if (ft < 0)
        return H5FAIL(TCM_EIO, "cannot read attribute %s of %s in %s", r->name, r->obj, r->in->path);
    if (H5Tis_variable_str(ft) > 0)
        rc = attr_strings_vlen(r, a, (size_t)np, buf, len);
    else
        rc = attr_strings_fixed(r, a, (size_t)np, H5Tget_size(ft), buf, len);
    H5Tclose(ft);
    return rc;
}

/* String attribute into buf (NUL-terminated). A string-array attribute
 * (e.g. a table's "columns") comes back joined with commas. TCM_EFORMAT if
 * missing or not a string, TCM_EINVAL if it does not fit in len bytes. */
int tcm_h5_in_attr_string(const tcm_h5_in *in, const char *obj, const char *name, char *buf, size_t len)
{
    if (!buf || len == 0)
        return TCM_ERROR(TCM_EINVAL, "attribute %s: no buffer", name ? name : "(null)");
    buf[0] = '\0';
    const tcm_h5_attr_ref r = {in, obj, name};
    hid_t a;
    int rc = attr_open(&r, &a);
    if (rc != TCM_OK)
        return rc;
    rc = tcm_h5_attr_read_string(&r, a, buf, len);
    H5Aclose(a);
    return rc;
}

/* One column of a table written by tcm_h5_out_table, into a malloc'd array
 * (*data, *nrows). TCM_EFORMAT if the table or column is missing. */
int tcm_h5_in_table_column(const tcm_h5_in *in, const char *group, const char *column, size_t *nrows,
                           double **data)
{
    if (!in || !group || !column || !nrows || !data)
        return TCM_ERROR(TCM_EINVAL, "tcm_h5_in_table_column: missing argument");
    *data = NULL;
    *nrows = 0;
    if (tcm_h5_object_type(in->file, group) != H5I_GROUP)
        return TCM_ERROR(TCM_EFORMAT, "%s has no table %s", in->path, group);
    char *p = tcm_h5_join_path(group, column);
    if (!p)
        return TCM_ERROR(TCM_ENOMEM, "out of memory reading table %s", group);
    int rank = 0, rc = TCM_OK;
    size_t dims[MAX_RANK] = {0};
    if (!tcm_h5_link_exists(in->file, p))
        rc = TCM_ERROR(TCM_EFORMAT, "table %s in %s has no column %s", group, in->path, column);
    if (rc == TCM_OK)
        rc = tcm_h5_in_shape(in, p, &rank, dims);
    if (rc == TCM_OK && rank != 1)
        rc = TCM_ERROR(TCM_EFORMAT, "%s in %s is not a table column (rank %d)", p, in->path, rank);
    double *d = rc == TCM_OK ? malloc((dims[0] ? dims[0] : 1) * sizeof *d) : NULL;
    if (rc == TCM_OK && !d)
        rc = TCM_ERROR(TCM_ENOMEM, "out of memory reading %s", p);
    if (rc == TCM_OK)
        rc = tcm_h5_in_double(in, p, d);
    free(p);
    if (rc != TCM_OK) {
        free(d);
        return rc;
    }
    *data = d;
    *nrows = dims[0];
    return TCM_OK;
}

