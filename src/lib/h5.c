/* All HDF5 reading and writing of tcmbp, and the import of weight
 * configurations from HDF5, .npy and text files. This is the only file of the
 * project that includes hdf5.h: HDF5's automatic error printing is switched
 * off and every failure becomes a one-line TCM_ERROR naming the file (HDF5's
 * exit-time cleanup is disabled too, see h5_quiet). Schema of every file
 * kind: docs/FORMAT.md. */
#include "tcmbp/h5.h"

#include "tcmbp/error.h"

#include <hdf5.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_RANK 4                              /* rank limit of the reader API */
#define CHUNK_BYTES ((size_t)256 * 1024)        /* target chunk size */
#define COMPRESS_MIN_BYTES ((size_t)64 * 1024)  /* double/int32 datasets this large are compressed */
#define DEFLATE_LEVEL 4
#define NPY_MAX_HEADER ((size_t)1 << 20)
#define NORM_TOLERANCE 1e-9                     /* relative, for the "per-unit" normalisation label */

#if defined(__GNUC__)
#define TCM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define TCM_PRINTF(a, b)
#endif

/* HDF5 1.12 renamed the object-visit callback's info struct. */
#if H5_VERSION_GE(1, 12, 0)
typedef H5O_info2_t visit_info;
#define VISIT_OBJECTS(obj, cb, data) H5Ovisit3((obj), H5_INDEX_NAME, H5_ITER_INC, (cb), (data), H5O_INFO_BASIC)
#define IS_HDF5(path) H5Fis_accessible((path), H5P_DEFAULT)
#else
typedef H5O_info_t visit_info;
#define VISIT_OBJECTS(obj, cb, data) H5Ovisit2((obj), H5_INDEX_NAME, H5_ITER_INC, (cb), (data), H5O_INFO_BASIC)
#define IS_HDF5(path) H5Fis_hdf5(path)
#endif

/* ======================================================================
 * Common helpers: errors, paths
 * ====================================================================== */

/* Prepare HDF5 for the calling thread; called by every public entry point.
 * Automatic error printing is switched off (the library never prints; the
 * error stack is per thread). And, effective only before HDF5 initialises,
 * HDF5 installs no atexit cleanup: in HDF5 1.10 a failed H5Fclose (disk
 * full) leaves a dangling file id that crashes that cleanup (HDFFV-11052).
 * tcmbp closes every file explicitly, so nothing is lost. */
static void h5_quiet(void)
{
    H5dont_atexit(); /* fails harmlessly once HDF5 is initialised */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

/* Thread-safe strerror into buf. */
static const char *errno_text(int e, char *buf, size_t len)
{
    if (strerror_r(e, buf, len) != 0)
        snprintf(buf, len, "error %d", e);
    return buf;
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
TCM_PRINTF(3, 4)
static int h5_fail(int code, int line, const char *fmt, ...)
{
    char msg[400], detail[128] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    detail_ctx d = {detail, sizeof detail, 0};
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, detail_cb, &d);
    if (d.lock && strstr(detail, "temporarily unavailable")) /* EAGAIN: another process holds the lock */
        return tcm_error_set(code, __FILE__, line, "%s (it is open for writing in another program)", msg);
    if (d.lock) /* e.g. ENOSYS on parallel file systems without flock */
        return tcm_error_set(code, __FILE__, line,
                             "%s (cannot lock it: %s; on file systems without locking set "
                             "HDF5_USE_FILE_LOCKING=FALSE)", msg, detail[0] ? detail : "unknown reason");
    if (detail[0])
        return tcm_error_set(code, __FILE__, line, "%s (%s)", msg, detail);
    return tcm_error_set(code, __FILE__, line, "%s", msg);
}
#define H5FAIL(code, ...) h5_fail((code), __LINE__, __VA_ARGS__)

/* Give the calling thread's last error a new code and a "ctx: " prefix. */
static int rewrap(int code, const char *ctx)
{
    char msg[512];
    snprintf(msg, sizeof msg, "%s", tcm_last_error());
    return TCM_ERROR(code, "%s: %s", ctx, msg);
}

/* "group/name" with exactly one slash between (group "/" gives "/name"). */
static char *join_path(const char *group, const char *name)
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
static int valid_path(const char *name)
{
    if (!name || !*name)
        return 0;
    if (strcmp(name, "/") == 0)
        return 1;
    return strstr(name, "//") == NULL && name[strlen(name) - 1] != '/';
}

/* Nonzero if path resolves to an object. Each component is checked in turn,
 * because H5Lexists fails when an intermediate group is missing. */
static int link_exists(hid_t file, const char *name)
{
    if (!valid_path(name))
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
static H5I_type_t object_type(hid_t file, const char *name)
{
    if (!link_exists(file, name))
        return H5I_BADID;
    hid_t id = H5Oopen(file, name, H5P_DEFAULT);
    if (id < 0)
        return H5I_BADID;
    H5I_type_t t = H5Iget_type(id);
    H5Oclose(id);
    return t;
}

/* File-access properties: closing the file closes every object in it. */
static hid_t file_access_plist(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0 && H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0) {
        H5Pclose(fapl);
        return H5I_INVALID_HID;
    }
    return fapl;
}

/* A variable-length UTF-8 string type (caller closes it). */
static hid_t vlen_string_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0 && (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0)) {
        H5Tclose(t);
        return H5I_INVALID_HID;
    }
    return t;
}

/* "3 x 333" (rank 0: "scalar"). */
static void format_shape(char *buf, size_t len, int rank, const size_t *dims)
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

/* ======================================================================
 * Writer
 * ====================================================================== */

struct tcm_h5_out {
    hid_t file;          /* open PATH.tmp */
    char *path;          /* final name */
    char *tmp;           /* path + ".tmp" */
    int no_double_deflate; /* store double datasets uncompressed (checkpoints) */
};

static void out_free(tcm_h5_out *o)
{
    free(o->path);
    free(o->tmp);
    free(o);
}

/* Remove a stale PATH.tmp and create a fresh HDF5 file there. Creating it
 * with open() first gives a precise reason when the directory is missing or
 * not writable. */
static int out_create_tmp(tcm_h5_out *o)
{
    char e[128];
    if (unlink(o->tmp) != 0 && errno != ENOENT)
        return TCM_ERROR(TCM_EIO, "cannot remove stale %s: %s", o->tmp, errno_text(errno, e, sizeof e));
    int fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
    if (fd < 0)
        return TCM_ERROR(TCM_EIO, "cannot write %s: cannot create %s: %s", o->path, o->tmp,
                         errno_text(errno, e, sizeof e));
    close(fd);
    int rc = TCM_OK;
    hid_t fapl = file_access_plist();
    o->file = fapl < 0 ? H5I_INVALID_HID : H5Fcreate(o->tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (o->file < 0)
        rc = H5FAIL(TCM_EIO, "cannot create HDF5 file %s", o->tmp);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (rc != TCM_OK)
        unlink(o->tmp);
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

/* Create PATH.tmp for writing; see h5.h. Refuses an existing PATH unless
 * force (TCM_EEXIST), TCM_EIO when PATH.tmp cannot be created. */
int tcm_h5_out_open(tcm_h5_out **out, const char *path, const char *file_kind, int force)
{
    if (!out || !path || !*path || !file_kind)
        return TCM_ERROR(TCM_EINVAL, "tcm_h5_out_open: missing argument");
    *out = NULL;
    h5_quiet();
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return TCM_ERROR(TCM_EIO, "cannot write %s: it is a directory", path);
        if (!force)
            return TCM_ERROR(TCM_EEXIST, "%s exists (use --force to overwrite)", path);
    }
    tcm_h5_out *o = calloc(1, sizeof *o);
    size_t len = strlen(path);
    if (o) {
        o->file = H5I_INVALID_HID;
        o->path = strdup(path);
        o->tmp = malloc(len + 5);
    }
    if (!o || !o->path || !o->tmp) {
        if (o)
            out_free(o);
        return TCM_ERROR(TCM_ENOMEM, "out of memory opening %s", path);
    }
    memcpy(o->tmp, path, len);
    memcpy(o->tmp + len, ".tmp", 5);
    int rc = out_create_tmp(o);
    if (rc == TCM_OK)
        rc = out_root_attrs(o, file_kind);
    if (rc != TCM_OK) {
        tcm_h5_out_abort(o);
        return rc;
    }
    *out = o;
    return TCM_OK;
}

/* Flush PATH.tmp to stable storage (a full disk may only show up here). */
static int sync_file(const char *path)
{
    char e[128];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return TCM_ERROR(TCM_EIO, "cannot reopen %s: %s", path, errno_text(errno, e, sizeof e));
    int rc = TCM_OK;
    if (fsync(fd) != 0)
        rc = TCM_ERROR(TCM_EIO, "cannot write %s: %s", path, errno_text(errno, e, sizeof e));
    close(fd);
    return rc;
}

/* Flush and close PATH.tmp, then rename it to PATH. o is freed in every
 * case (do not call tcm_h5_out_abort afterwards). On failure (TCM_EIO, e.g.
 * disk full) PATH.tmp is removed and PATH is left untouched. */
int tcm_h5_out_commit(tcm_h5_out *o)
{
    h5_quiet();
    if (!o)
        return TCM_ERROR(TCM_EINVAL, "tcm_h5_out_commit: no file");
    char e[128];
    int rc = TCM_OK;
    if (H5Fflush(o->file, H5F_SCOPE_GLOBAL) < 0)
        rc = H5FAIL(TCM_EIO, "cannot write %s", o->tmp);
    if (H5Fclose(o->file) < 0 && rc == TCM_OK)
        rc = H5FAIL(TCM_EIO, "cannot close %s", o->tmp);
    o->file = H5I_INVALID_HID;
    if (rc == TCM_OK)
        rc = sync_file(o->tmp);
    if (rc == TCM_OK && rename(o->tmp, o->path) != 0)
        rc = TCM_ERROR(TCM_EIO, "cannot rename %s to %s: %s", o->tmp, o->path, errno_text(errno, e, sizeof e));
    if (rc != TCM_OK)
        unlink(o->tmp);
    out_free(o);
    return rc;
}

/* Close and delete PATH.tmp without touching PATH (NULL-safe). The last
 * error message is left as it was. */
void tcm_h5_out_abort(tcm_h5_out *o)
{
    if (!o)
        return;
    h5_quiet();
    if (o->file >= 0)
        H5Fclose(o->file);
    unlink(o->tmp);
    out_free(o);
}

/* Create group name unless it exists; TCM_EINVAL if it is not a group. */
static int out_ensure_group(tcm_h5_out *o, const char *name)
{
    H5I_type_t t = object_type(o->file, name);
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
    h5_quiet();
    if (!o || !valid_path(group))
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
    int always_chunk; /* chunk + compress whatever the size (int8) */
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
    int wanted = t->always_chunk || (nelem * t->size >= COMPRESS_MIN_BYTES && !(plain_doubles && t->size == 8));
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
    if (!valid_path(name) || strcmp(name, "/") == 0)
        return TCM_ERROR(TCM_EINVAL, "invalid dataset name '%s'", name ? name : "(null)");
    if (link_exists(o->file, name))
        return TCM_ERROR(TCM_EINVAL, "%s already exists in %s", name, o->tmp);
    return out_make_groups(o, name, 0);
}

/* Create dataset name with the given shape and write data into it. */
static int out_dataset(tcm_h5_out *o, const char *name, int rank, const size_t *dims, const elem_type *t,
                       const void *data)
{
    h5_quiet();
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
    h5_quiet();
    if (!o || !obj || !name || !*name)
        return TCM_ERROR(TCM_EINVAL, "tcm_h5_out_attr: missing argument");
    if (object_type(o->file, obj) == H5I_BADID)
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
    hid_t t = vlen_string_type();
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
static int out_attr_u64(tcm_h5_out *o, const char *obj, const char *name, uint64_t v)
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
        char *p = join_path(group, names[c]);
        rc = p ? tcm_h5_out_double(o, p, 1, &nrows, columns[c])
               : TCM_ERROR(TCM_ENOMEM, "out of memory writing table %s", group);
        free(p);
    }
    if (rc == TCM_OK)
        rc = out_attr_strings(o, group, "columns", ncols, names);
    return rc;
}

/* ======================================================================
 * Reader
 * ====================================================================== */

struct tcm_h5_in {
    hid_t file;
    char *path;
};

/* TCM_EIO naming path unless it is an existing, readable regular file. */
static int check_readable(const char *path)
{
    char e[128];
    struct stat st;
    if (stat(path, &st) != 0)
        return TCM_ERROR(TCM_EIO, "cannot open %s: %s", path, errno_text(errno, e, sizeof e));
    if (S_ISDIR(st.st_mode))
        return TCM_ERROR(TCM_EIO, "cannot open %s: it is a directory", path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return TCM_ERROR(TCM_EIO, "cannot open %s: %s", path, errno_text(errno, e, sizeof e));
    fclose(f);
    return TCM_OK;
}

/* Nonzero if the root group has attribute name. */
static int root_attr_exists(const tcm_h5_in *in, const char *name)
{
    return H5Aexists_by_name(in->file, "/", name, H5P_DEFAULT) > 0;
}

/* Refuse files whose schema_version is newer than ours (files without one,
 * written by other programs, are accepted). */
static int in_check_schema(const tcm_h5_in *in)
{
    if (!root_attr_exists(in, "schema_version"))
        return TCM_OK;
    int64_t v;
    int rc = tcm_h5_in_attr_int(in, "/", "schema_version", &v);
    if (rc == TCM_OK && v > TCM_SCHEMA_VERSION)
        rc = TCM_ERROR(TCM_EFORMAT, "%s: schema version %lld is newer than this tcmbp supports (%d)", in->path,
                       (long long)v, TCM_SCHEMA_VERSION);
    return rc;
}

/* Open path read-only; the schema version is checked when strict. */
static int in_open(tcm_h5_in **out, const char *path, int strict)
{
    if (!out || !path)
        return TCM_ERROR(TCM_EINVAL, "tcm_h5_in_open: missing argument");
    *out = NULL;
    h5_quiet();
    int rc = check_readable(path);
    if (rc != TCM_OK)
        return rc;
    if (IS_HDF5(path) <= 0)
        return TCM_ERROR(TCM_EFORMAT, "%s is not an HDF5 file", path);
    tcm_h5_in *in = calloc(1, sizeof *in);
    if (!in || !(in->path = strdup(path))) {
        free(in);
        return TCM_ERROR(TCM_ENOMEM, "out of memory opening %s", path);
    }
    hid_t fapl = file_access_plist();
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
int tcm_h5_in_open(tcm_h5_in **in, const char *path) { return in_open(in, path, 1); }

/* Close a reader (NULL-safe). */
void tcm_h5_in_close(tcm_h5_in *in)
{
    h5_quiet();
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
    h5_quiet();
    if (!in || !name || !*name)
        return 0;
    if (link_exists(in->file, name))
        return 1;
    const char *slash = strrchr(name, '/');
    const char *attr = slash ? slash + 1 : name;
    char *parent = slash ? strndup(name, slash == name ? 1 : (size_t)(slash - name)) : strdup("/");
    int found = parent && *attr && link_exists(in->file, parent) &&
                H5Aexists_by_name(in->file, parent, attr, H5P_DEFAULT) > 0;
    free(parent);
    return found;
}

/* Open dataset name; TCM_EFORMAT naming it when missing or not a dataset. */
static int in_dataset(const tcm_h5_in *in, const char *name, hid_t *ds)
{
    h5_quiet();
    *ds = H5I_INVALID_HID;
    if (!in || !name)
        return TCM_ERROR(TCM_EINVAL, "h5 reader: missing argument");
    H5I_type_t t = object_type(in->file, name);
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

/* Read a whole dataset as int32 (values out of range are clipped by HDF5). */
int tcm_h5_in_int32(const tcm_h5_in *in, const char *name, int32_t *data)
{
    return in_read(in, name, H5T_NATIVE_INT32, data);
}

/* An attribute being read, for messages. */
typedef struct {
    const tcm_h5_in *in;
    const char *obj;
    const char *name;
} attr_ref;

/* Open attribute r->name of r->obj; TCM_EFORMAT naming both when missing. */
static int attr_open(const attr_ref *r, hid_t *a)
{
    h5_quiet();
    *a = H5I_INVALID_HID;
    if (!r->in || !r->obj || !r->name)
        return TCM_ERROR(TCM_EINVAL, "h5 reader: missing argument");
    if (!link_exists(r->in->file, r->obj))
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
static int attr_info(const attr_ref *r, hid_t a, H5T_class_t *cls, hssize_t *np)
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
static int attr_read_scalar(const attr_ref *r, hid_t memtype, void *v)
{
    hid_t a;
    int rc = attr_open(r, &a);
    if (rc != TCM_OK)
        return rc;
    H5T_class_t cls;
    hssize_t np;
    rc = attr_info(r, a, &cls, &np);
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
    const attr_ref r = {in, obj, name};
    return attr_read_scalar(&r, H5T_NATIVE_DOUBLE, v);
}

/* Scalar integer attribute (a float attribute must hold an integer value);
 * TCM_EFORMAT if missing or not an integer. */
int tcm_h5_in_attr_int(const tcm_h5_in *in, const char *obj, const char *name, int64_t *v)
{
    const attr_ref r = {in, obj, name};
    return attr_read_scalar(&r, H5T_NATIVE_INT64, v);
}

/* Scalar unsigned 64-bit attribute (seeds). */
static int in_attr_u64(const tcm_h5_in *in, const char *obj, const char *name, uint64_t *v)
{
    const attr_ref r = {in, obj, name};
    return attr_read_scalar(&r, H5T_NATIVE_UINT64, v);
}

/* Join n strings with commas into buf; TCM_EINVAL when they do not fit. */
static int join_items(const attr_ref *r, char *const *items, size_t n, char *buf, size_t len)
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
static int attr_strings_vlen(const attr_ref *r, hid_t a, size_t n, char *buf, size_t len)
{
    char **items = calloc(n ? n : 1, sizeof *items);
    hid_t mt = vlen_string_type();
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
static int attr_strings_fixed(const attr_ref *r, hid_t a, size_t n, size_t sz, char *buf, size_t len)
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
static int attr_read_string(const attr_ref *r, hid_t a, char *buf, size_t len)
{
    H5T_class_t cls;
    hssize_t np;
    int rc = attr_info(r, a, &cls, &np);
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
    const attr_ref r = {in, obj, name};
    hid_t a;
    int rc = attr_open(&r, &a);
    if (rc != TCM_OK)
        return rc;
    rc = attr_read_string(&r, a, buf, len);
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
    if (object_type(in->file, group) != H5I_GROUP)
        return TCM_ERROR(TCM_EFORMAT, "%s has no table %s", in->path, group);
    char *p = join_path(group, column);
    if (!p)
        return TCM_ERROR(TCM_ENOMEM, "out of memory reading table %s", group);
    int rank = 0, rc = TCM_OK;
    size_t dims[MAX_RANK] = {0};
    if (!link_exists(in->file, p))
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

/* ======================================================================
 * Instances and weights files
 * ====================================================================== */

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
        rc = out_attr_u64(o, "/", "seed", inst->seed);
    if (rc == TCM_OK)
        rc = tcm_h5_out_attr_string(o, "/", "generator", inst->generator);
    if (rc == TCM_OK)
        rc = tcm_h5_out_attr_string(o, "/", "output_rule", tcm_output_rule_name(inst->rule));
    return rc;
}

/* Datasets and attributes of an instance file. */
static int out_instance_body(tcm_h5_out *o, const tcm_instance *inst)
{
    size_t pd[2] = {(size_t)inst->M, (size_t)inst->N};
    size_t od[1] = {(size_t)inst->M};
    int rc = out_instance_attrs(o, inst);
    if (rc == TCM_OK)
        rc = tcm_h5_out_int8(o, "/patterns", 2, pd, inst->patterns);
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
    int rc = tcm_instance_validate(inst);
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
} inst_sizes;

/* If root attribute name exists it must equal want. */
static int check_root_int(const tcm_h5_in *in, const char *name, int64_t want, const char *from)
{
    if (!root_attr_exists(in, name))
        return TCM_OK;
    int64_t v;
    int rc = tcm_h5_in_attr_int(in, "/", name, &v);
    if (rc == TCM_OK && v != want)
        rc = TCM_ERROR(TCM_EFORMAT, "%s: attribute %s = %lld but %s gives %lld", in->path, name, (long long)v, from,
                       (long long)want);
    return rc;
}

/* M and N from the shapes of /patterns and /outputs, K and arch from the
 * root attributes, cross-checked with the N and M attributes. */
static int read_instance_sizes(const tcm_h5_in *in, inst_sizes *s)
{
    int rank, orank;
    size_t pd[MAX_RANK], od[MAX_RANK];
    int rc = tcm_h5_in_shape(in, "/patterns", &rank, pd);
    if (rc == TCM_OK && rank != 2)
        rc = TCM_ERROR(TCM_EFORMAT, "%s: /patterns must be M x N but has %d dimensions", in->path, rank);
    if (rc == TCM_OK)
        rc = tcm_h5_in_shape(in, "/outputs", &orank, od);
    if (rc == TCM_OK && (orank != 1 || od[0] != pd[0]))
        rc = TCM_ERROR(TCM_EFORMAT, "%s: /outputs must hold one entry per pattern (%zu)", in->path, pd[0]);
    if (rc == TCM_OK && (pd[0] > INT_MAX || pd[1] > INT_MAX))
        rc = TCM_ERROR(TCM_EFORMAT, "%s: /patterns is too large (%zu x %zu)", in->path, pd[0], pd[1]);
    if (rc != TCM_OK)
        return rc;
    s->M = (int)pd[0];
    s->N = (int)pd[1];
    int64_t K;
    char arch[32];
    rc = tcm_h5_in_attr_int(in, "/", "K", &K);
    if (rc == TCM_OK && (K <= 0 || K > INT_MAX))
        rc = TCM_ERROR(TCM_EFORMAT, "%s: K = %lld is not a valid number of hidden units", in->path, (long long)K);
    if (rc == TCM_OK)
        rc = tcm_h5_in_attr_string(in, "/", "arch", arch, sizeof arch);
    if (rc == TCM_OK && tcm_arch_parse(arch, &s->arch) != TCM_OK)
        rc = TCM_ERROR(TCM_EFORMAT, "%s: unknown arch '%s' (expected tree or full)", in->path, arch);
    if (rc == TCM_OK)
        rc = check_root_int(in, "N", s->N, "/patterns");
    if (rc == TCM_OK)
        rc = check_root_int(in, "M", s->M, "/patterns");
    s->K = (int)K;
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
    if (root_attr_exists(in, "weights")) {
        rc = tcm_h5_in_attr_string(in, "/", "weights", buf, sizeof buf);
        if (rc == TCM_OK && tcm_weight_kind_parse(buf, &inst->kind) != TCM_OK)
            rc = TCM_ERROR(TCM_EFORMAT, "%s: unknown weights kind '%s' (expected continuous or binary)", in->path,
                           buf);
    }
    if (rc == TCM_OK && root_attr_exists(in, "seed"))
        rc = in_attr_u64(in, "/", "seed", &inst->seed);
    if (rc == TCM_OK && root_attr_exists(in, "generator")) {
        rc = tcm_h5_in_attr_string(in, "/", "generator", buf, sizeof buf);
        size_t m = strlen(buf) < sizeof inst->generator ? strlen(buf) : sizeof inst->generator - 1;
        memcpy(inst->generator, buf, m); /* truncated to fit */
        inst->generator[m] = '\0';
    }
    inst->rule = TCM_RULE_MAJORITY; /* files from before the attribute existed */
    if (rc == TCM_OK && root_attr_exists(in, "output_rule")) {
        rc = tcm_h5_in_attr_string(in, "/", "output_rule", buf, sizeof buf);
        if (rc == TCM_OK && tcm_output_rule_parse(buf, &inst->rule) != TCM_OK)
            rc = TCM_ERROR(TCM_EFORMAT, "%s: unknown output_rule '%s' (expected majority or parity)", in->path, buf);
    }
    if (rc == TCM_OK)
        rc = check_root_int(in, "n", inst->n, "N, K and arch");
    return rc;
}

/* /teacher: K_t x n_t, kind from its attribute (default: the instance's). */
static int read_teacher(const tcm_h5_in *in, tcm_instance *inst)
{
    int rank;
    size_t d[MAX_RANK];
    int rc = tcm_h5_in_shape(in, "/teacher", &rank, d);
    if (rc == TCM_OK && (rank != 2 || d[0] == 0 || d[1] == 0 || d[0] > INT_MAX || d[1] > INT_MAX))
        rc = TCM_ERROR(TCM_EFORMAT, "%s: /teacher must be a non-empty K x n array", in->path);
    tcm_weight_kind kind = inst->kind;
    char buf[32];
    if (rc == TCM_OK && tcm_h5_in_has(in, "/teacher/kind")) {
        rc = tcm_h5_in_attr_string(in, "/teacher", "kind", buf, sizeof buf);
        if (rc == TCM_OK && tcm_weight_kind_parse(buf, &kind) != TCM_OK)
            rc = TCM_ERROR(TCM_EFORMAT, "%s: unknown teacher kind '%s'", in->path, buf);
    }
    if (rc != TCM_OK)
        return rc;
    inst->teacher = tcm_weights_alloc((int)d[0], (int)d[1], kind);
    if (!inst->teacher)
        return rewrap(TCM_EFORMAT, in->path);
    return tcm_h5_in_double(in, "/teacher", inst->teacher->w);
}

/* Read an instance once the file is open. */
static int read_instance_from(const tcm_h5_in *in, tcm_instance **out)
{
    char kind[32];
    if (root_attr_exists(in, "file_kind")) {
        int rc = tcm_h5_in_attr_string(in, "/", "file_kind", kind, sizeof kind);
        if (rc != TCM_OK)
            return rc;
        if (strcmp(kind, "instance") != 0)
            return TCM_ERROR(TCM_EFORMAT, "%s is a %s file, not an instance", in->path, kind);
    }
    inst_sizes s;
    int rc = read_instance_sizes(in, &s);
    if (rc != TCM_OK)
        return rc;
    tcm_instance *inst = tcm_instance_alloc(s.N, s.K, s.M, s.arch);
    if (!inst)
        return rewrap(TCM_EFORMAT, in->path);
    inst->teacher = NULL;
    rc = tcm_h5_in_int8(in, "/patterns", inst->patterns);
    if (rc == TCM_OK)
        rc = tcm_h5_in_int8(in, "/outputs", inst->outputs);
    if (rc == TCM_OK)
        rc = read_instance_meta(in, inst);
    if (rc == TCM_OK && link_exists(in->file, "/teacher"))
        rc = read_teacher(in, inst);
    if (rc == TCM_OK && tcm_instance_validate(inst) != TCM_OK)
        rc = rewrap(TCM_EFORMAT, in->path);
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

/* ======================================================================
 * Weights import: HDF5 dataset, .npy, text
 * ====================================================================== */

/* The source must hold K x n values as (K, n) or (K*n,). */
static int check_shape(const char *src, int rank, const size_t *dims, int K, int n)
{
    size_t need = (size_t)K * (size_t)n;
    if (rank == 2 && dims[0] == (size_t)K && dims[1] == (size_t)n)
        return TCM_OK;
    if (rank == 1 && dims[0] == need)
        return TCM_OK;
    char shape[96];
    format_shape(shape, sizeof shape, rank, dims);
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
    size_t dims[MAX_RANK];
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
    size_t dims[MAX_RANK];
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
        unsigned long long x = strtoull(p, &end, 10);
        if (end == p || !isdigit((unsigned char)*p))
            return TCM_ERROR(TCM_EFORMAT, "%s: cannot parse the .npy shape", path);
        if (h->rank == MAX_RANK)
            return TCM_ERROR(TCM_EFORMAT, "%s: .npy array has more than %d dimensions", path, MAX_RANK);
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

/* A .npy file (versions 1-3, C order) into w. */
static int load_npy(tcm_weights *w, const char *path)
{
    char e[128];
    FILE *f = fopen(path, "rb");
    if (!f)
        return TCM_ERROR(TCM_EIO, "cannot open %s: %s", path, errno_text(errno, e, sizeof e));
    npy_header h;
    memset(&h, 0, sizeof h);
    int rc = npy_read_header(f, path, &h);
    if (rc == TCM_OK && h.fortran && h.rank >= 2)
        rc = TCM_ERROR(TCM_EFORMAT,
                       "%s: Fortran-order .npy arrays are not supported (save numpy.ascontiguousarray(w))", path);
    if (rc == TCM_OK)
        rc = check_shape(path, h.rank, h.dims, w->K, w->n);
    if (rc == TCM_OK)
        rc = npy_read_data(f, path, &h, w->w, (size_t)w->K * (size_t)w->n);
    fclose(f);
    return rc;
}

/* The whole file as a NUL-terminated string. */
static int read_text_file(const char *path, char **text)
{
    char e[128];
    *text = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return TCM_ERROR(TCM_EIO, "cannot open %s: %s", path, errno_text(errno, e, sizeof e));
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    int rc = TCM_OK;
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
    h5_quiet();
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

/* ======================================================================
 * Description (tcmbp info)
 * ====================================================================== */

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
static void attr_value_text(const attr_ref *r, hid_t a, char *buf, size_t len)
{
    H5T_class_t cls;
    hssize_t np;
    if (attr_info(r, a, &cls, &np) != TCM_OK) {
        snprintf(buf, len, "(unreadable)");
    } else if (cls == H5T_STRING) {
        char s[448];
        if (attr_read_string(r, a, s, sizeof s) == TCM_OK)
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
    const attr_ref r = {c->in, c->obj, name};
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
        format_shape(shape, sizeof shape, r, dims);
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
static herr_t describe_object(hid_t root, const char *name, const visit_info *info, void *data)
{
    describe_ctx *c = data;
    (void)root;
    if (strcmp(name, ".") == 0)
        return 0;
    char *path = join_path("/", name);
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
    if (!root_attr_exists(in, "schema_version") ||
        tcm_h5_in_attr_int(in, "/", "schema_version", &v) != TCM_OK) {
        sb_printf(c->sb, "%s: HDF5 file not written by tcmbp (no schema_version)\n", in->path);
        return;
    }
    if (!root_attr_exists(in, "file_kind") || tcm_h5_in_attr_string(in, "/", "file_kind", kind, sizeof kind))
        snprintf(kind, sizeof kind, "unknown");
    sb_printf(c->sb, "%s: tcmbp %s file, schema version %lld%s\n", in->path, kind, (long long)v,
              v > TCM_SCHEMA_VERSION ? " (newer than this tcmbp supports)" : "");
}

/* A readable multi-line summary of any HDF5 file into a malloc'd string
 * (*text, freed by the caller): file kind, schema version, root attributes,
 * then every group and dataset (type, shape, storage) with its attributes.
 * Files with a newer schema are described too. TCM_EIO / TCM_EFORMAT as
 * tcm_h5_in_open. */
int tcm_h5_describe(const char *path, char **text)
{
    h5_quiet();
    if (!path || !text)
        return TCM_ERROR(TCM_EINVAL, "tcm_h5_describe: missing argument");
    *text = NULL;
    tcm_h5_in *in;
    int rc = in_open(&in, path, 0);
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
