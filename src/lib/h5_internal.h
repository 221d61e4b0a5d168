/* Pieces of the HDF5 core shared by its files (h5.c: common helpers and the
 * writer; h5_read.c: the reader; h5_describe.c: the file describer) and not
 * part of the public API. These three files are the only ones of tcmbp that
 * include hdf5.h; the file schemas (h5_schema.c) and the weights import
 * (weights_load.c) go through the public API of tcmbp/h5.h. */
#ifndef TCMBP_H5_INTERNAL_H
#define TCMBP_H5_INTERNAL_H

#include "tcmbp/h5.h"

#include <hdf5.h>

#include <stddef.h>

#define MAX_RANK TCM_H5_MAX_RANK /* rank limit of the reader API */

#if defined(__GNUC__)
#define TCM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define TCM_PRINTF(a, b)
#endif

/* HDF5 1.12 renamed the object-visit callback's info struct. */
#if H5_VERSION_GE(1, 12, 0)
typedef H5O_info2_t tcm_h5_visit_info;
#define VISIT_OBJECTS(obj, cb, data) H5Ovisit3((obj), H5_INDEX_NAME, H5_ITER_INC, (cb), (data), H5O_INFO_BASIC)
#define IS_HDF5(path) H5Fis_accessible((path), H5P_DEFAULT)
#else
typedef H5O_info_t tcm_h5_visit_info;
#define VISIT_OBJECTS(obj, cb, data) H5Ovisit2((obj), H5_INDEX_NAME, H5_ITER_INC, (cb), (data), H5O_INFO_BASIC)
#define IS_HDF5(path) H5Fis_hdf5(path)
#endif

/* An open reader. */
struct tcm_h5_in {
    hid_t file;
    char *path;
};

/* An attribute being read, for messages. */
typedef struct {
    const tcm_h5_in *in;
    const char *obj;
    const char *name;
} tcm_h5_attr_ref;

/* Prepare HDF5 for the calling thread (no automatic error printing, no
 * atexit cleanup); called by every public entry point. */
void tcm_h5_quiet(void);
/* Record an error after a failed HDF5 call, with the operating-system
 * reason from HDF5's error stack when it has one; returns code. */
int tcm_h5_fail(int code, const char *file, int line, const char *fmt, ...) TCM_PRINTF(4, 5);
#define H5FAIL(code, ...) tcm_h5_fail((code), __FILE__, __LINE__, __VA_ARGS__)

/* "group/name" with exactly one slash between (malloc'd; NULL when out of memory). */
char *tcm_h5_join_path(const char *group, const char *name);
/* A usable object path: non-empty, no empty component, no trailing slash. */
int tcm_h5_valid_path(const char *name);
/* Nonzero if path resolves to an object of file. */
int tcm_h5_link_exists(hid_t file, const char *name);
/* H5I_GROUP, H5I_DATASET, ... for an existing object; H5I_BADID when none. */
H5I_type_t tcm_h5_object_type(hid_t file, const char *name);
/* File-access properties: closing the file closes every object in it. */
hid_t tcm_h5_file_access_plist(void);
/* A variable-length UTF-8 string type (caller closes it). */
hid_t tcm_h5_vlen_string_type(void);

/* Open path read-only; the schema version is checked when strict. */
int tcm_h5_in_open_mode(tcm_h5_in **out, const char *path, int strict);
/* Nonzero if the root group of in has attribute name. */
int tcm_h5_root_attr_exists(const tcm_h5_in *in, const char *name);
/* Type class and element count of an open attribute. */
int tcm_h5_attr_info(const tcm_h5_attr_ref *r, hid_t a, H5T_class_t *cls, hssize_t *np);
/* Read the open string attribute a (scalar or array) into buf, joined with commas. */
int tcm_h5_attr_read_string(const tcm_h5_attr_ref *r, hid_t a, char *buf, size_t len);

#endif
