/* Result tables from column descriptors (table.h): HDF5, CSV, read back. */
#include "tcmbp/table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tcmbp/error.h"

void tcm_table_init(tcm_table *t, size_t row_size)
{
    t->ncols = 0;
    t->row_size = row_size;
}

int tcm_table_add(tcm_table *t, const char *name, tcm_col_type type, size_t offset, int derived)
{
    if (t->ncols >= TCM_TABLE_MAX_COLUMNS)
        return TCM_ERROR(TCM_EINVAL, "table has more than %d columns", TCM_TABLE_MAX_COLUMNS);
    t->col[t->ncols++] = (tcm_column){ name, type, offset, derived };
    return TCM_OK;
}

/* Address of column c in row r. */
static void *cell(const tcm_table *t, int c, const void *rows, size_t r)
{
    return (char *)rows + r * t->row_size + t->col[c].offset;
}

double tcm_table_value(const tcm_table *t, int c, const void *rows, size_t r)
{
    const void *p = cell(t, c, rows, r);
    return t->col[c].type == TCM_COL_INT ? (double)*(const int *)p : *(const double *)p;
}

int tcm_table_write_h5(const tcm_table *t, tcm_h5_out *o, const char *group, const void *rows, size_t nrows)
{
    size_t nc = (size_t)t->ncols;
    double *buf = malloc((nrows ? nrows : 1) * nc * sizeof(double));
    if (!buf) return TCM_ERROR(TCM_ENOMEM, "out of memory writing table %s", group);
    const double *cols[TCM_TABLE_MAX_COLUMNS];
    const char *names[TCM_TABLE_MAX_COLUMNS];
    for (int c = 0; c < t->ncols; c++) {
        double *col = buf + (size_t)c * nrows;
        for (size_t r = 0; r < nrows; r++) col[r] = tcm_table_value(t, c, rows, r);
        cols[c] = col;
        names[c] = t->col[c].name;
    }
    int st = tcm_h5_out_table(o, group, t->ncols, names, nrows, cols);
    free(buf);
    return st;
}

int tcm_table_write_csv(const tcm_table *t, FILE *f, const void *rows, size_t nrows)
{
    for (int c = 0; c < t->ncols; c++) fprintf(f, "%s%s", t->col[c].name, c + 1 < t->ncols ? "," : "\n");
    for (size_t r = 0; r < nrows; r++)
        for (int c = 0; c < t->ncols; c++)
            fprintf(f, "%.17g%s", tcm_table_value(t, c, rows, r), c + 1 < t->ncols ? "," : "\n");
    return ferror(f) ? TCM_ERROR(TCM_EIO, "writing a CSV table failed") : TCM_OK;
}

/* Store v into column c of row r (integers must be integral). */
static int store(const tcm_table *t, int c, void *rows, size_t r, double v, const char *path, const char *group)
{
    void *p = cell(t, c, rows, r);
    if (t->col[c].type == TCM_COL_DOUBLE) {
        *(double *)p = v;
        return TCM_OK;
    }
    if (!(v == floor(v)) || fabs(v) > 2147483647.0)
        return TCM_ERROR(TCM_ENUMERIC, "%s: %s/%s row %zu holds %g, not an integer", path, group, t->col[c].name, r, v);
    *(int *)p = (int)v;
    return TCM_OK;
}

int tcm_table_read_h5(const tcm_table *t, const tcm_h5_in *in, const char *path, const char *group, void *rows,
                      size_t nrows)
{
    int st = TCM_OK;
    for (int c = 0; c < t->ncols && !st; c++) {
        if (t->col[c].derived) continue;
        size_t n = 0;
        double *v = NULL;
        st = tcm_h5_in_table_column(in, group, t->col[c].name, &n, &v);
        if (!st && n != nrows)
            st = TCM_ERROR(TCM_EFORMAT, "%s: %s/%s has %zu rows, expected %zu", path, group, t->col[c].name, n, nrows);
        for (size_t r = 0; !st && r < nrows; r++) st = store(t, c, rows, r, v[r], path, group);
        free(v);
    }
    return st;
}
