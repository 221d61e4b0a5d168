/* The HDF5 core of tcmbp, part 1: the helpers shared by the core files
 * (errors, object paths) and the writer (create on a temporary name,
 * datasets, attributes, tables, commit/abort; the file is written on a
 * unique temporary name and put in place by the atomic module). The core (this file,
 * h5_read.c and h5_describe.c, sharing h5_internal.h) is the only code of
 * the project that includes hdf5.h: HDF5's automatic error printing is
 * switched off and every failure becomes a one-line TCM_ERROR naming the
 * file (HDF5's exit-time cleanup is disabled too, see tcm_h5_quiet).
 * Schema of every file kind: docs/FORMAT.md. */
#include "h5_internal.h"

#include "tcmbp/atomic.h"
#include "tcmbp/error.h"

#include "syserr.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK_BYTES ((size_t)256 * 1024)        /* target chunk size */
#define COMPRESS_MIN_BYTES ((size_t)64 * 1024)  /* double/int32 datasets this large are compressed */
#define DEFLATE_LEVEL 4

/* ======================================================================
 * Common helpers: errors, paths
 * ====================================================================== */

/* Prepare HDF5 for the calling thread; called by every public entry point.
 * Automatic error printing is switched off (the library never prints; the
 * error stack is per thread). And, effective only before HDF5 initialises,
 * HDF5 installs no atexit cleanup: in HDF5 1.10 a failed H5Fclose (disk
 * full) leaves a dangling file id that crashes that cleanup (HDFFV-11052).
 * tcmbp closes every file explicitly, so nothing is lost. */
void tcm_h5_quiet(void)
{
    H5dont_atexit(); /* fails harmlessly once HDF5 is initialised */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

typedef struct {
    char *buf;
    size_t len;
    int lock; /* HDF5 could not lock the file */
} detail_ctx;

/* Error-stack walker: keep the first (innermost) system error message. */
static herr_t detail_cb(unsigned n, const H5E_error2_t *e, void *data)
{
    const char *key = "error message = '";
    detail_ctx *d = data;
    (void)n;
    if (e && e->desc && strstr(e->desc, "unable to lock file"))
        d->lock = 1;
    const char *p = (e && e->desc) ? strstr(e->desc, key) : NULL;
    if (!p || d->buf[0])
        return 0;
    p += strlen(key);
    const char *q = strchr(p, '\'');
    size_t m = q ? (size_t)(q - p) : strlen(p);
    if (m >= d->len)
        m = d->len - 1;
    memcpy(d->buf, p, m);
    d->buf[m] = '\0';
    return 0;
}

/* Record an error after a failed HDF5 call, appending the operating-system
 * reason (e.g. "No space left on device") when HDF5's error stack has one.
 * Must be called before any further HDF5 call resets the stack. */
int tcm_h5_fail(int code, const char *file, int line, const char *fmt, ...)
{
    char msg[400], detail[128] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    detail_ctx d = {detail, sizeof detail, 0};
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, detail_cb, &d);
    if (d.lock && strstr(detail, "temporarily unavailable")) /* EAGAIN: another process holds the lock */
        return tcm_error_set(code, file, line, "%s (it is open for writing in another program)", msg);
    if (d.lock) /* e.g. ENOSYS on parallel file systems without flock */
        return tcm_error_set(code, file, line,
                             "%s (cannot lock it: %s; on file systems without locking set "
                             "HDF5_USE_FILE_LOCKING=FALSE)", msg, detail[0] ? detail : "unknown reason");
    if (detail[0])
        return tcm_error_set(code, file, line, "%s (%s)", msg, detail);
    return tcm_error_set(code, file, line, "%s", msg);
}

/* "group/name" with exactly one slash between (group "/" gives "/name"). */
char *tcm_h5_join_path(const char *group, const char *name)
{
    size_t g = strlen(group);
    while (g > 0 && group[g - 1] == '/')
        g--;
    size_t len = g + strlen(name) + 2;
    char *p = malloc(len);
    if (p)
        snprintf(p, len, "%.*s/%s", (int)g, group, name);
    return p;
}

/* A usable object path: non-empty, no empty component, no trailing slash. */
int tcm_h5_valid_path(const char *name)
{
    if (!name || !*name)
        return 0;
    if (strcmp(name, "/") == 0)
        return 1;
    return strstr(name, "//") == NULL && name[strlen(name) - 1] != '/';
}

/* Nonzero if path resolves to an object. Each component is checked in turn,
 * because H5Lexists fails when an intermediate group is missing. */
int tcm_h5_link_exists(hid_t file, const char *name)
{
    if (!tcm_h5_valid_path(name))
        return 0;
    if (strcmp(name, "/") == 0)
        return 1;
    char *p = strdup(name);
    if (!p)
        return 0;
    int ok = 1;
    size_t len = strlen(p);
    for (size_t i = 1; i <= len && ok; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char c = p[i];
        p[i] = '\0';
        ok = H5Lexists(file, p, H5P_DEFAULT) > 0;
        p[i] = c;
    }
    free(p);
    return ok;
}

/* H5I_GROUP or H5I_DATASET (or another id type) for an existing object,
 * H5I_BADID when there is none. */
H5I_type_t tcm_h5_object_type(hid_t file, const char *name)
{
    if (!tcm_h5_link_exists(file, name))
        return H5I_BADID;
    hid_t id = H5Oopen(file, name, H5P_DEFAULT);
    if (id < 0)
        return H5I_BADID;
    H5I_type_t t = H5Iget_type(id);
    H5Oclose(id);
    return t;
}

/* File-access properties: closing the file closes every object in it. */
hid_t tcm_h5_file_access_plist(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0 && H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0) {
        H5Pclose(fapl);
        return H5I_INVALID_HID;
    }
    return fapl;
}

/* A variable-length UTF-8 string type (caller closes it). */
hid_t tcm_h5_vlen_string_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0 && (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0)) {
        H5Tclose(t);
        return H5I_INVALID_HID;
    }
    return t;
}


/* ======================================================================
 * Writer
 * ====================================================================== */

struct tcm_h5_out {
    hid_t file;            /* open on the temporary file */
    tcm_atomic_file *af;   /* the temporary file and its target */
    const char *tmp;       /* its name (owned by af), for messages */
    int no_double_deflate; /* store double datasets uncompressed (checkpoints) */
};

/* Create an HDF5 file on the temporary file of o->af. */
static int out_create_tmp(tcm_h5_out *o)
{
    int rc = TCM_OK;
    hid_t fapl = tcm_h5_file_access_plist();
    o->file = fapl < 0 ? H5I_INVALID_HID : H5Fcreate(o->tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (o->file < 0)
        rc = H5FAIL(TCM_EIO, "cannot create HDF5 file %s", o->tmp);
    if (fapl >= 0)
        H5Pclose(fapl);
    return rc;
}

/* Root attributes every tcmbp file carries. */
static int out_root_attrs(tcm_h5_out *o, const char *file_kind)
{
    char creator[64];
    snprintf(creator, sizeof creator, "tcmbp %s", tcm_version());
    int rc = tcm_h5_out_attr_int(o, "/", "schema_version", TCM_SCHEMA_VERSION);
    if (rc == TCM_OK)
        rc = tcm_h5_out_attr_string(o, "/", "creator", creator);
    if (rc == TCM_OK)
        rc = tcm_h5_out_attr_string(o, "/", "file_kind", file_kind);
    return rc;
}

/* Create the temporary file PATH.tmp.XXXXXX for writing; see h5.h. */
int tcm_h5_out_open(tcm_h5_out **out, const char *path, const char *file_kind, int force)
{
    if (!out || !path || !*path || !file_kind)
        return TCM_ERROR(TCM_EINVAL, "tcm_h5_out_open: missing argument");
    *out = NULL;
    tcm_h5_quiet();
    tcm_h5_out *o = calloc(1, sizeof *o);
    if (!o)
        return TCM_ERROR(TCM_ENOMEM, "out of memory opening %s", path);
    o->file = H5I_INVALID_HID;
    int rc = tcm_atomic_open(&o->af, path, force);
    if (rc != TCM_OK) {
        free(o);
        return rc;
    }
    o->tmp = tcm_atomic_temp_path(o->af);
    rc = out_create_tmp(o);
    if (rc == TCM_OK)
        rc = out_root_attrs(o, file_kind);
    if (rc != TCM_OK) {
        tcm_h5_out_abort(o);
        return rc;
    }
    *out = o;
    return TCM_OK;
}

/* fsync the file through HDF5's own descriptor (the one that wrote it). */
static int sync_vfd(tcm_h5_out *o)
{
    char e[128];
    void *handle = NULL;
    if (H5Fget_vfd_handle(o->file, H5P_DEFAULT, &handle) < 0 || !handle)
        return TCM_OK; /* not a POSIX driver: the atomic commit syncs its own descriptor */
    if (fsync(*(int *)handle) != 0)
        return TCM_ERROR(TCM_EIO, "cannot write %s: %s", o->tmp, tcm_errno_text(errno, e, sizeof e));
    return TCM_OK;
}

/* Flush, fsync and close the HDF5 file, then put it in place with
 * tcm_atomic_commit. o is freed in every case (do not call
 * tcm_h5_out_abort afterwards). On failure (TCM_EIO, e.g. disk full;
 * TCM_EEXIST if PATH appeared meanwhile without force) the temporary file
 * is removed and PATH is left untouched. */
int tcm_h5_out_commit(tcm_h5_out *o)
{
    tcm_h5_quiet();
    if (!o)
        return TCM_ERROR(TCM_EINVAL, "tcm_h5_out_commit: no file");
    int rc = TCM_OK;
    if (H5Fflush(o->file, H5F_SCOPE_GLOBAL) < 0)
        rc = H5FAIL(TCM_EIO, "cannot write %s", o->tmp);
    if (rc == TCM_OK)
        rc = sync_vfd(o);
    if (H5Fclose(o->file) < 0 && rc == TCM_OK)
        rc = H5FAIL(TCM_EIO, "cannot close %s", o->tmp);
    o->file = H5I_INVALID_HID;
    if (rc == TCM_OK)
        rc = tcm_atomic_commit(o->af);
    else
        tcm_atomic_abort(o->af);
    free(o);
    return rc;
}

/* Close and delete the temporary file without touching PATH (NULL-safe).
 * The last error message is left as it was. */
void tcm_h5_out_abort(tcm_h5_out *o)
{
    if (!o)
        return;
    tcm_h5_quiet();
    if (o->file >= 0)
        H5Fclose(o->file);
    tcm_atomic_abort(o->af);
    free(o);
}

/* Create group name unless it exists; TCM_EINVAL if it is not a group. */
static int out_ensure_group(tcm_h5_out *o, const char *name)
{
    H5I_type_t t = tcm_h5_object_type(o->file, name);
    if (t == H5I_GROUP)
        return TCM_OK;
    if (t != H5I_BADID)
        return TCM_ERROR(TCM_EINVAL, "%s in %s exists and is not a group", name, o->tmp);
    int rc = TCM_OK;
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    hid_t g = H5I_INVALID_HID;
    if (gcpl >= 0 && H5Pset_obj_track_times(gcpl, 0) >= 0) /* no timestamps: reproducible bytes */
        g = H5Gcreate2(o->file, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    if (g < 0)
        rc = H5FAIL(TCM_EIO, "cannot create group %s in %s", name, o->tmp);
    if (g >= 0)
        H5Gclose(g);
    if (gcpl >= 0)
        H5Pclose(gcpl);
    return rc;
}

/* Create every missing group along path: all components, or all but the
 * last one when !include_last (the parents of a new dataset). */
static int out_make_groups(tcm_h5_out *o, const char *path, int include_last)
{
    char *p = strdup(path);
    if (!p)
        return TCM_ERROR(TCM_ENOMEM, "out of memory writing %s", o->tmp);
    int rc = TCM_OK;
    size_t len = strlen(p);
    for (size_t i = 1; i <= len && rc == TCM_OK; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        if (p[i] == '\0' && !include_last)
            break;
        char c = p[i];
        p[i] = '\0';
        rc = out_ensure_group(o, p);
        p[i] = c;
    }
    free(p);
    return rc;
}

/* Create a group and its parents ("/bp", "/solve/history"); an existing
 * group is fine. TCM_EINVAL for a bad path or a non-group in the way. */
int tcm_h5_out_group(tcm_h5_out *o, const char *group)
{
    tcm_h5_quiet();
    if (!o || !tcm_h5_valid_path(group))
        return TCM_ERROR(TCM_EINVAL, "invalid group name '%s'", group ? group : "(null)");
    return out_make_groups(o, group, 1);
}

void tcm_h5_out_plain_doubles(tcm_h5_out *o)
{
    if (o) o->no_double_deflate = 1;
}

/* Element type of a dataset being written. */
typedef struct {
    hid_t file_type;  /* stored type (little-endian, fixed size) */
    hid_t mem_type;   /* native type of the caller's buffer */
    size_t size;      /* bytes per element */
    int always_chunk; /* 1: chunk + compress whatever the size (int8); -1: never (raw bits) */
} elem_type;

/* Chunk shape of about CHUNK_BYTES: whole trailing dimensions, as many
 * leading rows as fit (at least one element along every dimension). */
static void chunk_dims(int rank, const hsize_t *dims, size_t elsize, hsize_t *chunk)
{
    hsize_t budget = CHUNK_BYTES / elsize;
    for (int d = 0; d < rank; d++) {
        hsize_t trailing = 1;
        for (int e = d + 1; e < rank; e++)
            trailing *= dims[e];
        if (trailing <= budget) {
            hsize_t c = budget / trailing;
            chunk[d] = c < 1 ? 1 : (c > dims[d] ? dims[d] : c);
            for (int e = d + 1; e < rank; e++)
                chunk[e] = dims[e];
            return;
        }
        chunk[d] = 1;
    }
}

/* Dataset-creation properties: no timestamps; chunked, shuffled and
 * deflate-compressed for int8 and for large datasets. */
static hid_t dataset_plist(int rank, const hsize_t *dims, const elem_type *t, size_t nelem, int plain_doubles)
{
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (dcpl < 0)
        return dcpl;
    int ok = H5Pset_obj_track_times(dcpl, 0) >= 0;
    int wanted = t->always_chunk > 0 ||
                 (t->always_chunk == 0 && nelem * t->size >= COMPRESS_MIN_BYTES && !(plain_doubles && t->size == 8));
    if (ok && rank > 0 && nelem > 0 && wanted) {
        hsize_t chunk[MAX_RANK];
        chunk_dims(rank, dims, t->size, chunk);
        ok = H5Pset_chunk(dcpl, rank, chunk) >= 0;
        if (ok && H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) {
            if (t->size > 1)
                ok = H5Pset_shuffle(dcpl) >= 0;
            if (ok)
                ok = H5Pset_deflate(dcpl, DEFLATE_LEVEL) >= 0;
        }
    }
    if (!ok) {
        H5Pclose(dcpl);
        return H5I_INVALID_HID;
    }
    return dcpl;
}

/* Check the name of a new object and create its parent groups. */
static int out_prepare_path(tcm_h5_out *o, const char *name)
{
    if (!tcm_h5_valid_path(name) || strcmp(name, "/") == 0)
        return TCM_ERROR(TCM_EINVAL, "invalid dataset name '%s'", name ? name : "(null)");
    if (tcm_h5_link_exists(o->file, name))
        return TCM_ERROR(TCM_EINVAL, "%s already exists in %s", name, o->tmp);
    return out_make_groups(o, name, 0);
}

/* Create dataset name with the given shape and write data into it. */
static int out_dataset(tcm_h5_out *o, const char *name, int rank, const size_t *dims, const elem_type *t,
                       const void *data)
{
    tcm_h5_quiet();
    if (!o || rank < 0 || rank > MAX_RANK || (rank > 0 && !dims))
        return TCM_ERROR(TCM_EINVAL, "dataset %s: rank %d not in 0..%d", name ? name : "(null)", rank, MAX_RANK);
    hsize_t hd[MAX_RANK];
    size_t nelem = 1;
    for (int d = 0; d < rank; d++) {
        hd[d] = dims[d];
        nelem *= dims[d];
    }
    if (nelem > 0 && !data)
        return TCM_ERROR(TCM_EINVAL, "dataset %s: no data", name);
    int rc = out_prepare_path(o, name);
    if (rc != TCM_OK)
        return rc;
    hid_t space = rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, hd, NULL);
    hid_t dcpl = dataset_plist(rank, hd, t, nelem, o->no_double_deflate);
    hid_t ds = H5I_INVALID_HID;
    if (space >= 0 && dcpl >= 0)
        ds = H5Dcreate2(o->file, name, t->file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (ds < 0)
        rc = H5FAIL(TCM_EIO, "cannot create dataset %s in %s", name, o->tmp);
    else if (nelem > 0 && H5Dwrite(ds, t->mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        rc = H5FAIL(TCM_EIO, "cannot write dataset %s to %s", name, o->tmp);
    if (ds >= 0 && H5Dclose(ds) < 0 && rc == TCM_OK)
        rc = H5FAIL(TCM_EIO, "cannot write dataset %s to %s", name, o->tmp);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

/* Write a double dataset (stored as little-endian IEEE float64); parent
 * groups are created. TCM_EINVAL if name exists, TCM_EIO on write errors. */
int tcm_h5_out_double(tcm_h5_out *o, const char *name, int rank, const size_t *dims, const double *data)
{
    const elem_type t = {H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, sizeof(double), 0};
    return out_dataset(o, name, rank, dims, &t, data);
}

/* Write an int8 dataset (always chunked and compressed); as tcm_h5_out_double. */
int tcm_h5_out_int8(tcm_h5_out *o, const char *name, int rank, const size_t *dims, const int8_t *data)
{
    const elem_type t = {H5T_STD_I8LE, H5T_NATIVE_INT8, 1, 1};
    return out_dataset(o, name, rank, dims, &t, data);
}

/* Write a uint64 dataset, contiguous and uncompressed whatever its size
 * (random bits do not compress; one read or write of the whole array);
 * as tcm_h5_out_double. */
int tcm_h5_out_u64(tcm_h5_out *o, const char *name, int rank, const size_t *dims, const uint64_t *data)
{
    const elem_type t = {H5T_STD_U64LE, H5T_NATIVE_UINT64, sizeof(uint64_t), -1};
    return out_dataset(o, name, rank, dims, &t, data);
}

/* Write an int32 dataset; as tcm_h5_out_double. */
int tcm_h5_out_int32(tcm_h5_out *o, const char *name, int rank, const size_t *dims, const int32_t *data)
{
    const elem_type t = {H5T_STD_I32LE, H5T_NATIVE_INT32, sizeof(int32_t), 0};
    return out_dataset(o, name, rank, dims, &t, data);
}

/* An attribute value: stored type, buffer type, dataspace and data. */
typedef struct {
    hid_t ftype, mtype, space;
    const void *buf;
} attr_value;

/* Create (or replace) attribute name on object obj. */
static int out_attr(tcm_h5_out *o, const char *obj, const char *name, const attr_value *v)
{
    tcm_h5_quiet();
    if (!o || !obj || !name || !*name)
        return TCM_ERROR(TCM_EINVAL, "tcm_h5_out_attr: missing argument");
    if (tcm_h5_object_type(o->file, obj) == H5I_BADID)
        return TCM_ERROR(TCM_EINVAL, "cannot set attribute %s: no object %s in %s", name, obj, o->tmp);
    int rc = TCM_OK;
    hid_t id = H5Oopen(o->file, obj, H5P_DEFAULT);
    htri_t exists = id < 0 ? -1 : H5Aexists(id, name);
    if (exists < 0 || (exists > 0 && H5Adelete(id, name) < 0))
        rc = H5FAIL(TCM_EIO, "cannot replace attribute %s of %s in %s", name, obj, o->tmp);
    hid_t a = H5I_INVALID_HID;
    if (rc == TCM_OK)
        a = H5Acreate2(id, name, v->ftype, v->space, H5P_DEFAULT, H5P_DEFAULT);
    if (rc == TCM_OK && (a < 0 || H5Awrite(a, v->mtype, v->buf) < 0))
        rc = H5FAIL(TCM_EIO, "cannot write attribute %s of %s to %s", name, obj, o->tmp);
    if (a >= 0)
        H5Aclose(a);
    if (id >= 0)
        H5Oclose(id);
    return rc;
}

/* A scalar attribute of the given stored and buffer types. */
static int out_attr_scalar(tcm_h5_out *o, const char *obj, const char *name, hid_t ftype, hid_t mtype,
                           const void *buf)
{
    hid_t space = H5Screate(H5S_SCALAR);
    if (space < 0)
        return H5FAIL(TCM_EIO, "cannot create attribute %s", name);
    attr_value v = {ftype, mtype, space, buf};
    int rc = out_attr(o, obj, name, &v);
    H5Sclose(space);
    return rc;
}

/* A 1-d array of variable-length strings (a scalar string when count < 0). */
static int out_attr_strings(tcm_h5_out *o, const char *obj, const char *name, int count, const char *const *s)
{
    hsize_t n = count < 0 ? 1 : (hsize_t)count;
    hid_t t = tcm_h5_vlen_string_type();
    hid_t space = count < 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, NULL);
    int rc;
    if (t < 0 || space < 0) {
        rc = H5FAIL(TCM_EIO, "cannot create string attribute %s", name);
    } else {
        attr_value v = {t, t, space, s};
        rc = out_attr(o, obj, name, &v);
    }
    if (space >= 0)
        H5Sclose(space);
    if (t >= 0)
        H5Tclose(t);
    return rc;
}

/* Scalar float64 attribute on an existing object ("/" = root); replaces an
 * existing one. TCM_EINVAL if obj does not exist, TCM_EIO on write errors. */
int tcm_h5_out_attr_double(tcm_h5_out *o, const char *obj, const char *name, double v)
{
    return out_attr_scalar(o, obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v);
}

/* Scalar int64 attribute; as tcm_h5_out_attr_double. */
int tcm_h5_out_attr_int(tcm_h5_out *o, const char *obj, const char *name, int64_t v)
{
    return out_attr_scalar(o, obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &v);
}

/* Scalar uint64 attribute (seeds). */
int tcm_h5_out_attr_u64(tcm_h5_out *o, const char *obj, const char *name, uint64_t v)
{
    return out_attr_scalar(o, obj, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, &v);
}

/* Scalar variable-length UTF-8 string attribute; as tcm_h5_out_attr_double. */
int tcm_h5_out_attr_string(tcm_h5_out *o, const char *obj, const char *name, const char *v)
{
    if (!v)
        return TCM_ERROR(TCM_EINVAL, "attribute %s: no string", name ? name : "(null)");
    const char *p = v;
    return out_attr_strings(o, obj, name, -1, &p);
}

/* A table: group with one float64 column dataset per name (nrows each) and
 * a string-array attribute "columns". Names may not contain '/' or ','. */
int tcm_h5_out_table(tcm_h5_out *o, const char *group, int ncols, const char *const *names, size_t nrows,
                     const double *const *columns)
{
    if (!o || !group || ncols <= 0 || !names || !columns)
        return TCM_ERROR(TCM_EINVAL, "tcm_h5_out_table: missing argument");
    for (int c = 0; c < ncols; c++)
        if (!names[c] || !*names[c] || strchr(names[c], '/') || strchr(names[c], ','))
            return TCM_ERROR(TCM_EINVAL, "table %s: invalid column name '%s'", group, names[c] ? names[c] : "");
    int rc = tcm_h5_out_group(o, group);
    for (int c = 0; c < ncols && rc == TCM_OK; c++) {
        char *p = tcm_h5_join_path(group, names[c]);
        rc = p ? tcm_h5_out_double(o, p, 1, &nrows, columns[c])
               : TCM_ERROR(TCM_ENOMEM, "out of memory writing table %s", group);
        free(p);
    }
    if (rc == TCM_OK)
        rc = out_attr_strings(o, group, "columns", ncols, names);
    return rc;
}

