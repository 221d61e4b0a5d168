/* Import of weight configurations trained elsewhere: an HDF5 dataset (read
 * through tcmbp/h5.h), a .npy file or a text file, with shapes and values
 * validated. The .npy and text readers use no HDF5. */
#ifndef TCMBP_WEIGHTS_LOAD_H
#define TCMBP_WEIGHTS_LOAD_H

#include <stddef.h>

#include "tcmbp/weights.h"

/* Load a configuration from any source: "FILE.h5" (its /weights),
 * "FILE.h5:/dataset" (split at the last ":/" unless the whole source names
 * a file), "FILE.npy" (v1-3; float64/float32, signed/unsigned 8-64 bit ints,
 * either byte order, C order) or a .txt/.csv/.dat/.tsv text file
 * (whitespace- or comma-separated numbers, '#' comments, any layout with
 * K*n numbers). The shape must be K x n (or K*n flat); binary sources must
 * hold +-1. No normalisation is applied. TCM_EIO: missing or unreadable
 * file; TCM_EFORMAT: wrong shape, dtype, layout or non +-1 binary values;
 * TCM_ENUMERIC: NaN/Inf (position named); TCM_EINVAL: unknown extension. */
int tcm_weights_load(tcm_weights **out, const char *source, int K, int n, tcm_weight_kind kind);

/* Read a whole .npy file (the dtypes and versions of tcm_weights_load, C
 * order) as doubles: *rank, dims[0..rank) and *data (malloc'd, product of
 * dims values; free with free()). TCM_EIO / TCM_EFORMAT / TCM_ENOMEM as
 * tcm_weights_load, naming path; *data = NULL on error. */
int tcm_npy_read(const char *path, int *rank, size_t dims[4], double **data);

/* A shape as text into buf: "3 x 333" (rank 0: "scalar"). */
void tcm_weights_shape_text(char *buf, size_t len, int rank, const size_t *dims);

#endif
