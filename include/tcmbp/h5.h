/* All HDF5 reading and writing of tcmbp (no other module includes hdf5.h).
 * Outputs are written to "PATH.tmp" and renamed into place on commit, so an
 * interrupted or failed write never leaves a torn file and never touches an
 * existing PATH; an existing PATH is refused unless force is set.
 * Schema: docs/FORMAT.md. */
#ifndef TCMBP_H5_H
#define TCMBP_H5_H

#include <stddef.h>
#include <stdint.h>

#include "tcmbp/instance.h"
#include "tcmbp/weights.h"

#define TCM_SCHEMA_VERSION 1

/* ---- generic writer ---------------------------------------------------- */
typedef struct tcm_h5_out tcm_h5_out;

/* Create PATH.tmp for writing (TCM_EEXIST if PATH exists and !force; TCM_EIO
 * if the directory is not writable). The root gets attributes
 * schema_version, creator ("tcmbp VERSION") and file_kind. */
int tcm_h5_out_open(tcm_h5_out **out, const char *path, const char *file_kind, int force);
/* Close PATH.tmp and rename it to PATH. On failure PATH.tmp is removed. */
int tcm_h5_out_commit(tcm_h5_out *o);
/* Close and delete PATH.tmp (NULL-safe). Use on every error path. */
void tcm_h5_out_abort(tcm_h5_out *o);

/* Create a group (and parents) such as "/bp" or "/solve/history". */
int tcm_h5_out_group(tcm_h5_out *o, const char *group);
/* Datasets; name is a full path ("/bp/marginal_mean"). dims has rank entries.
 * Large datasets are chunked and deflate-compressed. */
int tcm_h5_out_double(tcm_h5_out *o, const char *name, int rank, const size_t *dims, const double *data);
int tcm_h5_out_int8(tcm_h5_out *o, const char *name, int rank, const size_t *dims, const int8_t *data);
int tcm_h5_out_int32(tcm_h5_out *o, const char *name, int rank, const size_t *dims, const int32_t *data);
/* A table: a group holding one 1-d dataset per column (all nrows long), plus
 * a "columns" attribute listing the names in order (easy in h5py and h5dump). */
int tcm_h5_out_table(tcm_h5_out *o, const char *group, int ncols, const char *const *names,
                     size_t nrows, const double *const *columns);
/* Attributes on an existing object path ("/" for the root). */
int tcm_h5_out_attr_double(tcm_h5_out *o, const char *obj, const char *name, double v);
int tcm_h5_out_attr_int(tcm_h5_out *o, const char *obj, const char *name, int64_t v);
int tcm_h5_out_attr_string(tcm_h5_out *o, const char *obj, const char *name, const char *v);

/* ---- generic reader ---------------------------------------------------- */
typedef struct tcm_h5_in tcm_h5_in;

/* Open an existing file read-only; TCM_EIO if missing/unreadable, TCM_EFORMAT
 * if not HDF5 or its schema_version is newer than TCM_SCHEMA_VERSION. */
int tcm_h5_in_open(tcm_h5_in **in, const char *path);
void tcm_h5_in_close(tcm_h5_in *in);
int tcm_h5_in_has(const tcm_h5_in *in, const char *name); /* dataset/group/attr path exists */
/* Shape of a dataset: *rank and dims[0..rank) (rank <= 4). TCM_EFORMAT if missing. */
int tcm_h5_in_shape(const tcm_h5_in *in, const char *name, int *rank, size_t dims[4]);
/* Read a whole dataset converted to the given type; the caller sizes data
 * from tcm_h5_in_shape. TCM_EFORMAT if missing. */
int tcm_h5_in_double(const tcm_h5_in *in, const char *name, double *data);
int tcm_h5_in_int8(const tcm_h5_in *in, const char *name, int8_t *data);
int tcm_h5_in_int32(const tcm_h5_in *in, const char *name, int32_t *data);
/* Attributes; TCM_EFORMAT if missing. buf gets a NUL-terminated string. */
int tcm_h5_in_attr_double(const tcm_h5_in *in, const char *obj, const char *name, double *v);
int tcm_h5_in_attr_int(const tcm_h5_in *in, const char *obj, const char *name, int64_t *v);
int tcm_h5_in_attr_string(const tcm_h5_in *in, const char *obj, const char *name, char *buf, size_t len);
/* Read a table written by tcm_h5_out_table: *nrows, and each requested column
 * into a caller array of nrows doubles (allocated by this call with malloc). */
int tcm_h5_in_table_column(const tcm_h5_in *in, const char *group, const char *column,
                           size_t *nrows, double **data);

/* ---- instances and weights -------------------------------------------- */
int tcm_h5_write_instance(const char *path, const tcm_instance *inst, int force);
int tcm_h5_read_instance(const char *path, tcm_instance **out);
/* Weights file: /weights (K x n, double or int8) with attributes kind,
 * normalization, K, n. */
int tcm_h5_write_weights(const char *path, const tcm_weights *w, int force);

/* Load a configuration from any source: "FILE.h5" (its /weights),
 * "FILE.h5:/dataset", "FILE.npy" (float64/float32/int8, C order) or a
 * whitespace/CSV text file. The shape must be K x n (or K*n flat); binary
 * sources must hold +-1. NaN/Inf rejected. No normalisation is applied. */
int tcm_weights_load(tcm_weights **out, const char *source, int K, int n, tcm_weight_kind kind);

/* A human-readable multi-line summary of any tcmbp HDF5 file (file_kind,
 * attributes, datasets with shapes) into a malloc'd string. */
int tcm_h5_describe(const char *path, char **text);

#endif
