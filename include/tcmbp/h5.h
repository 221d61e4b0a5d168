/* All HDF5 reading and writing of tcmbp: the core (h5.c, h5_read.c,
 * h5_describe.c, the only files that include hdf5.h) and the instance and
 * weights file schemas (h5_schema.c, on top of the core's API).
 * Outputs are written to a unique "PATH.tmp.XXXXXX" and put in place on
 * commit (tcmbp/atomic.h), so an interrupted or failed write never leaves a
 * torn file and never touches an existing PATH; an existing PATH is refused
 * unless force is set, and one that is not a regular file always.
 * Schema: docs/FORMAT.md. */
#ifndef TCMBP_H5_H
#define TCMBP_H5_H

#include <stddef.h>
#include <stdint.h>

#include "tcmbp/instance.h"
#include "tcmbp/weights.h"
#include "tcmbp/weights_load.h" /* tcm_weights_load, formerly declared here */

#define TCM_SCHEMA_VERSION 1
#define TCM_H5_MAX_RANK 4 /* rank limit of the reader API */

/* ---- generic writer ---------------------------------------------------- */
typedef struct tcm_h5_out tcm_h5_out;

/* Create the HDF5 file on a unique temporary name PATH.tmp.XXXXXX
 * (tcm_atomic_open: TCM_EEXIST if PATH exists and !force, "PATH exists (use
 * --force to overwrite)"; TCM_EIO if PATH is not a regular file or the
 * directory is missing or not writable). The root gets attributes
 * schema_version, creator ("tcmbp VERSION") and file_kind. */
int tcm_h5_out_open(tcm_h5_out **out, const char *path, const char *file_kind, int force);
/* Flush, fsync and close the temporary file, then put it in place
 * (tcm_atomic_commit: without force refused with TCM_EEXIST if PATH
 * appeared meanwhile). o is freed in every case: do not call
 * tcm_h5_out_abort after it. On failure (TCM_EIO, e.g. disk full) the
 * temporary file is removed and PATH is left as it was. */
int tcm_h5_out_commit(tcm_h5_out *o);
/* Close and delete the temporary file (NULL-safe), leaving PATH and the last error
 * message untouched. Use on every error path after tcm_h5_out_open. */
void tcm_h5_out_abort(tcm_h5_out *o);

/* Store double datasets written from now on uncompressed (fast message
 * checkpoints; int8 datasets stay compressed). */
void tcm_h5_out_plain_doubles(tcm_h5_out *o);

/* Create a group (and parents) such as "/bp" or "/solve/history"; an
 * existing group is fine. TCM_EINVAL for a bad path or a dataset in the way. */
int tcm_h5_out_group(tcm_h5_out *o, const char *group);
/* Datasets; name is a full path ("/bp/marginal_mean"), parent groups are
 * created. dims has rank entries (rank 0..4; 0 = scalar). Stored
 * little-endian (float64, int8, int32). int8 and large (>= 64 KiB) datasets
 * are chunked and deflate(4)-compressed (shuffled first when multi-byte). TCM_EINVAL if name exists
 * or is malformed, TCM_EIO on write errors (then abort the file). */
int tcm_h5_out_double(tcm_h5_out *o, const char *name, int rank, const size_t *dims, const double *data);
int tcm_h5_out_int8(tcm_h5_out *o, const char *name, int rank, const size_t *dims, const int8_t *data);
int tcm_h5_out_int32(tcm_h5_out *o, const char *name, int rank, const size_t *dims, const int32_t *data);
/* uint64, stored contiguous and uncompressed (packed pattern bits). */
int tcm_h5_out_u64(tcm_h5_out *o, const char *name, int rank, const size_t *dims, const uint64_t *data);
/* A table: a group holding one 1-d float64 dataset per column (all nrows
 * long), plus a string-array attribute "columns" listing the names in order
 * (easy in h5py and h5dump). Column names may not contain '/' or ','. */
int tcm_h5_out_table(tcm_h5_out *o, const char *group, int ncols, const char *const *names,
                     size_t nrows, const double *const *columns);
/* Scalar attributes (float64, int64, variable-length UTF-8 string) on an
 * existing object path ("/" for the root); an existing attribute of the same
 * name is replaced. TCM_EINVAL if obj does not exist. */
int tcm_h5_out_attr_double(tcm_h5_out *o, const char *obj, const char *name, double v);
int tcm_h5_out_attr_int(tcm_h5_out *o, const char *obj, const char *name, int64_t v);
int tcm_h5_out_attr_string(tcm_h5_out *o, const char *obj, const char *name, const char *v);
/* Scalar uint64 attribute (seeds); as tcm_h5_out_attr_double. */
int tcm_h5_out_attr_u64(tcm_h5_out *o, const char *obj, const char *name, uint64_t v);

/* ---- generic reader ---------------------------------------------------- */
typedef struct tcm_h5_in tcm_h5_in;

/* Open an existing file read-only; TCM_EIO if missing/unreadable, TCM_EFORMAT
 * if not HDF5 or its schema_version is newer than TCM_SCHEMA_VERSION. */
int tcm_h5_in_open(tcm_h5_in **in, const char *path);
void tcm_h5_in_close(tcm_h5_in *in);
/* Nonzero if name is a dataset or group, or if its last component is an
 * attribute of the object before it ("/seed" = root attribute seed,
 * "/teacher/kind" = attribute kind of /teacher). */
int tcm_h5_in_has(const tcm_h5_in *in, const char *name);
/* Nonzero if name is an object (dataset or group) of the file. */
int tcm_h5_in_has_object(const tcm_h5_in *in, const char *name);
/* Nonzero if the object obj ("/" = root) has attribute name. */
int tcm_h5_in_has_attr(const tcm_h5_in *in, const char *obj, const char *name);
/* The path the reader was opened with (for messages). */
const char *tcm_h5_in_path(const tcm_h5_in *in);
/* Shape of a dataset: *rank and dims[0..rank) (rank <= 4). TCM_EFORMAT if missing. */
int tcm_h5_in_shape(const tcm_h5_in *in, const char *name, int *rank, size_t dims[4]);
/* Element type of a dataset: *is_integer (nonzero for an integer type,
 * zero for a floating-point one) and *bytes per stored element.
 * TCM_EFORMAT if missing or not numeric. */
int tcm_h5_in_type(const tcm_h5_in *in, const char *name, int *is_integer, size_t *bytes);
/* Read a whole dataset converted to the given type; the caller sizes data
 * from tcm_h5_in_shape. TCM_EFORMAT if missing. */
int tcm_h5_in_double(const tcm_h5_in *in, const char *name, double *data);
int tcm_h5_in_int8(const tcm_h5_in *in, const char *name, int8_t *data);
int tcm_h5_in_int32(const tcm_h5_in *in, const char *name, int32_t *data);
int tcm_h5_in_u64(const tcm_h5_in *in, const char *name, uint64_t *data);
/* Attributes; TCM_EFORMAT if missing or of the wrong type (an int read of a
 * float attribute must hold an integral value). buf gets a NUL-terminated
 * string; a string-array attribute comes back joined with commas; TCM_EINVAL
 * if it does not fit in len bytes. */
int tcm_h5_in_attr_double(const tcm_h5_in *in, const char *obj, const char *name, double *v);
int tcm_h5_in_attr_int(const tcm_h5_in *in, const char *obj, const char *name, int64_t *v);
int tcm_h5_in_attr_string(const tcm_h5_in *in, const char *obj, const char *name, char *buf, size_t len);
/* Scalar unsigned 64-bit attribute (seeds); as tcm_h5_in_attr_int. */
int tcm_h5_in_attr_u64(const tcm_h5_in *in, const char *obj, const char *name, uint64_t *v);
/* Read a table written by tcm_h5_out_table: *nrows, and each requested column
 * into a caller array of nrows doubles (allocated by this call with malloc). */
int tcm_h5_in_table_column(const tcm_h5_in *in, const char *group, const char *column,
                           size_t *nrows, double **data);

/* ---- instances and weights -------------------------------------------- */
/* Write an instance file (file_kind "instance": /patterns, /outputs,
 * optional /teacher, attributes N K M n alpha arch weights seed generator).
 * The instance is validated first; TCM_EEXIST / TCM_EIO as tcm_h5_out_open. */
int tcm_h5_write_instance(const char *path, const tcm_instance *inst, int force);
/* Read and validate an instance file. TCM_EIO if missing or unreadable,
 * TCM_EFORMAT naming the file and the problem otherwise (missing dataset,
 * inconsistent sizes, entries not +-1, even K, another file_kind, ...). */
int tcm_h5_read_instance(const char *path, tcm_instance **out);
/* Weights file (file_kind "weights"): /weights (K x n, float64 for
 * continuous, int8 for binary) with attributes K, n, kind, normalization
 * (on the root and on the dataset). Binary weights must be +-1. */
int tcm_h5_write_weights(const char *path, const tcm_weights *w, int force);
/* The same /weights dataset and attributes inside any open output file (a
 * solver's result), so that tcm_weights_load(FILE.h5) reads it. */
int tcm_h5_out_weights(tcm_h5_out *o, const tcm_weights *w);

/* A human-readable multi-line summary of any HDF5 file (file_kind, schema
 * version, root attributes, every group and dataset with type, shape,
 * storage and attributes) into a malloc'd string the caller frees. Files of
 * a newer schema are described too. TCM_EIO / TCM_EFORMAT as tcm_h5_in_open. */
int tcm_h5_describe(const char *path, char **text);

#endif
