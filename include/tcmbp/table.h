/* Column descriptors of the result tables (/volume, /solve/history, ...):
 * one description of a table, built once per engine (common columns plus
 * the engine's extras), feeds the HDF5 writer, the CSV writer and the
 * reader that resumes a run. Rows are structs; a column is a typed field at
 * an offset in the row. */
#ifndef TCMBP_TABLE_H
#define TCMBP_TABLE_H

#include <stddef.h>
#include <stdio.h>

#include "tcmbp/h5.h"

typedef enum { TCM_COL_DOUBLE, TCM_COL_INT } tcm_col_type;

typedef struct {
    const char *name;
    tcm_col_type type;
    size_t offset; /* of the value in the row struct */
    int derived;   /* recomputed from other columns when read back: not read */
} tcm_column;

#define TCM_TABLE_MAX_COLUMNS 32

typedef struct {
    int ncols;
    size_t row_size;
    tcm_column col[TCM_TABLE_MAX_COLUMNS];
} tcm_table;

/* An empty table of rows of row_size bytes. */
void tcm_table_init(tcm_table *t, size_t row_size);

/* Append a column (TCM_EINVAL when the table is full). */
int tcm_table_add(tcm_table *t, const char *name, tcm_col_type type, size_t offset, int derived);

/* The value of column c in row r as a double. */
double tcm_table_value(const tcm_table *t, int c, const void *rows, size_t r);

/* A group with one float64 column dataset per column and a "columns"
 * attribute (tcm_h5_out_table). TCM_ENOMEM or the writer's status. */
int tcm_table_write_h5(const tcm_table *t, tcm_h5_out *o, const char *group, const void *rows, size_t nrows);

/* Header line with the column names, then one line per row, values as
 * %.17g (integers print as integers). TCM_EIO if the stream failed. */
int tcm_table_write_csv(const tcm_table *t, FILE *f, const void *rows, size_t nrows);

/* Read nrows rows of group back into rows (every column but the derived
 * ones). TCM_EFORMAT naming path and the column when one is missing or has
 * another length, TCM_ENUMERIC for an integer column holding a non-integer. */
int tcm_table_read_h5(const tcm_table *t, const tcm_h5_in *in, const char *path, const char *group, void *rows,
                      size_t nrows);

#endif
