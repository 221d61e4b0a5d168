/* The result-file schema for every engine (results.h), written through the
 * generic HDF5 layer: provenance, /bp, the tables from their column
 * descriptors, and checkpoints of the state, ladders and protocols. */
#include "tcmbp/results.h"

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tcmbp/error.h"

const char *tcm_results_join(char *buf, size_t len, const char *group, const char *name)
{
    snprintf(buf, len, "%s/%s", group, name);
    return buf;
}

/* The instance fingerprint as 16 hex digits. */
static void fingerprint_hex(const tcm_instance *inst, char *buf, size_t len)
{
    snprintf(buf, len, "%016" PRIx64, tcm_instance_fingerprint(inst));
}

int tcm_results_write_run_info(tcm_h5_out *o, const tcm_run_info *ri, const tcm_instance *inst, const char *weights)
{
    char host[256] = "unknown", fp[32], when[32];
    if (gethostname(host, sizeof host - 1) != 0) strcpy(host, "unknown");
    host[sizeof host - 1] = '\0';
    fingerprint_hex(inst, fp, sizeof fp);
    time_t now = time(NULL);
    struct tm tmv;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tmv));
    int st = tcm_h5_out_attr_string(o, "/", "tcmbp_version", tcm_version());
    if (!st) st = tcm_h5_out_attr_string(o, "/", "command_line", ri->command_line ? ri->command_line : "");
    if (!st) st = tcm_h5_out_attr_string(o, "/", "host", host);
    if (!st) st = tcm_h5_out_attr_int(o, "/", "threads", ri->threads);
    if (!st) st = tcm_h5_out_attr_double(o, "/", "wall_seconds", ri->wall_seconds);
    if (!st) st = tcm_h5_out_attr_string(o, "/", "instance", ri->instance ? ri->instance : "");
    if (!st) st = tcm_h5_out_attr_string(o, "/", "instance_fingerprint", fp);
    if (!st) st = tcm_h5_out_attr_string(o, "/", "created", when);
    if (!st && weights) st = tcm_h5_out_attr_string(o, "/", "weights", weights);
    return st;
}

int tcm_results_write_common_modes(tcm_h5_out *o, const char *group, const tcm_engine_modes *m)
{
    int st = tcm_h5_out_attr_string(o, group, "output", tcm_output_mode_name(m->output));
    if (!st) st = tcm_h5_out_attr_string(o, group, "schedule", tcm_names_get(tcm_schedule_names, (int)m->schedule));
    if (!st) st = tcm_h5_out_attr_int(o, group, "block_size", m->block_size);
    if (!st) st = tcm_h5_out_attr_double(o, group, "damping", m->damping);
    return st;
}

int tcm_results_write_params(tcm_h5_out *o, const char *group, const tcm_engine *e, const tcm_run_params *p)
{
    int st = e->ops->write_modes(e, &p->modes, o, group);
    if (!st) st = tcm_h5_out_attr_double(o, group, "tol", p->tol);
    if (!st) st = tcm_h5_out_attr_int(o, group, "max_sweeps", p->max_sweeps);
    if (!st) st = tcm_h5_out_attr_int(o, group, "retries", p->retries);
    return st;
}

/* An engine-specific number (NaN where the engine has no such quantity) as
 * an attribute only where it exists. */
static int attr_if_defined(tcm_h5_out *o, const char *group, const char *name, double v)
{
    return isnan(v) ? TCM_OK : tcm_h5_out_attr_double(o, group, name, v);
}

int tcm_results_write_bp(tcm_h5_out *o, const char *group, const tcm_engine *e, const tcm_run_params *p,
                         const tcm_bp_result *r)
{
    const tcm_engine_thermo *t = &r->thermo;
    int has_norm = !isnan(e->ops->norm_mean(e));
    int st = tcm_h5_out_group(o, group);
    if (!st) st = e->ops->write_marginals(e, o, group);
    if (!st) st = tcm_h5_out_attr_string(o, group, "weights", e->ops->name);
    if (!st) st = tcm_h5_out_attr_string(o, group, "status", tcm_bp_status_name(r->status));
    if (!st) st = tcm_h5_out_attr_int(o, group, "sweeps", r->sweeps);
    if (!st) st = tcm_h5_out_attr_double(o, group, "change", r->change);
    if (!st && has_norm) st = tcm_h5_out_attr_double(o, group, "chi_change", r->norm_change);
    if (!st) st = tcm_h5_out_attr_int(o, group, "nonfinite_sweep", r->nonfinite_sweep);
    if (!st) st = tcm_h5_out_attr_double(o, group, "phi", t->phi);
    if (!st) st = tcm_h5_out_attr_double(o, group, "entropy", t->entropy);
    if (!st) st = tcm_h5_out_attr_double(o, group, "q", t->q);
    if (!st) st = attr_if_defined(o, group, "chibar", t->chibar);
    if (!st) st = tcm_h5_out_attr_int(o, group, "errors", r->errors);
    if (!st) st = tcm_h5_out_attr_double(o, group, "seconds", r->seconds);
    if (!st) st = tcm_results_write_params(o, group, e, p);
    if (!st) st = tcm_h5_out_attr_int(o, group, "patterns_used", e->M);
    return st;
}

/* ---- tables ------------------------------------------------------------------ */

/* The engine's extra columns, doubles at extra[0..count). */
static void add_extras(tcm_table *t, const char *const *names, int count, size_t offset)
{
    for (int x = 0; x < count && x < TCM_ENGINE_MAX_EXTRAS; x++)
        tcm_table_add(t, names[x], TCM_COL_DOUBLE, offset + (size_t)x * sizeof(double), 0);
}

void tcm_results_volume_table(const tcm_engine *e, tcm_table *t)
{
    tcm_table_init(t, sizeof(tcm_volume_point));
    tcm_table_add(t, "lambda", TCM_COL_DOUBLE, offsetof(tcm_volume_point, lambda), 0);
    tcm_table_add(t, "distance", TCM_COL_DOUBLE, offsetof(tcm_volume_point, distance), 0);
    tcm_table_add(t, "entropy", TCM_COL_DOUBLE, offsetof(tcm_volume_point, entropy), 0);
    tcm_table_add(t, "s0", TCM_COL_DOUBLE, offsetof(tcm_volume_point, s0), 0);
    tcm_table_add(t, "local_entropy", TCM_COL_DOUBLE, offsetof(tcm_volume_point, local_entropy), 0);
    tcm_table_add(t, "converged", TCM_COL_INT, offsetof(tcm_volume_point, converged), 0);
    tcm_table_add(t, "valid", TCM_COL_INT, offsetof(tcm_volume_point, valid), 0);
    tcm_table_add(t, "reliable", TCM_COL_INT, offsetof(tcm_volume_point, reliable), 0);
    tcm_table_add(t, "status", TCM_COL_INT, offsetof(tcm_volume_point, status), 0);
    tcm_table_add(t, "sweeps", TCM_COL_INT, offsetof(tcm_volume_point, sweeps), 0);
    tcm_table_add(t, "change", TCM_COL_DOUBLE, offsetof(tcm_volume_point, change), 0);
    tcm_table_add(t, "q", TCM_COL_DOUBLE, offsetof(tcm_volume_point, q), 0);
    tcm_table_add(t, "limit", TCM_COL_DOUBLE, offsetof(tcm_volume_point, limit), 0);
    tcm_table_add(t, "legendre", TCM_COL_DOUBLE, offsetof(tcm_volume_point, legendre), 0);
    tcm_table_add(t, "damping", TCM_COL_DOUBLE, offsetof(tcm_volume_point, damping), 0);
    tcm_table_add(t, "stable", TCM_COL_INT, offsetof(tcm_volume_point, stable), 0);
    tcm_table_add(t, "drift_entropy", TCM_COL_DOUBLE, offsetof(tcm_volume_point, drift_entropy), 0);
    tcm_table_add(t, "drift_distance", TCM_COL_DOUBLE, offsetof(tcm_volume_point, drift_distance), 0);
    tcm_table_add(t, "check_sweeps", TCM_COL_INT, offsetof(tcm_volume_point, check_sweeps), 0);
    add_extras(t, e->ops->point_extra_names, e->ops->point_extras, offsetof(tcm_volume_point, extra));
    tcm_table_add(t, "seconds", TCM_COL_DOUBLE, offsetof(tcm_volume_point, seconds), 0);
}

void tcm_results_history_table(const tcm_engine *e, tcm_table *t)
{
    tcm_table_init(t, sizeof(tcm_focus_step));
    tcm_table_add(t, "step", TCM_COL_INT, offsetof(tcm_focus_step, step), 0);
    tcm_table_add(t, e->ops->coupling_name, TCM_COL_DOUBLE, offsetof(tcm_focus_step, coupling), 0);
    tcm_table_add(t, "y", TCM_COL_DOUBLE, offsetof(tcm_focus_step, y), 0);
    tcm_table_add(t, "sweeps", TCM_COL_INT, offsetof(tcm_focus_step, sweeps), 0);
    tcm_table_add(t, "status", TCM_COL_INT, offsetof(tcm_focus_step, status), 0);
    tcm_table_add(t, "change", TCM_COL_DOUBLE, offsetof(tcm_focus_step, change), 0);
    tcm_table_add(t, "errors", TCM_COL_INT, offsetof(tcm_focus_step, errors), 0);
    add_extras(t, e->ops->step_extra_names, e->ops->step_extras, offsetof(tcm_focus_step, extra));
    tcm_table_add(t, "converged", TCM_COL_INT, offsetof(tcm_focus_step, converged), 1);
    tcm_table_add(t, "seconds", TCM_COL_DOUBLE, offsetof(tcm_focus_step, seconds), 0);
}

/* ---- checkpoints ----------------------------------------------------------- */

int tcm_results_checkpoint_header(tcm_h5_out *o, const char *group, const tcm_engine *e)
{
    char fp[32];
    fingerprint_hex(e->inst, fp, sizeof fp);
    int st = tcm_h5_out_group(o, group);
    if (!st) st = tcm_h5_out_attr_string(o, group, "weights", e->ops->name);
    if (!st) st = tcm_h5_out_attr_int(o, group, "M", e->M);
    if (!st) st = tcm_h5_out_attr_int(o, group, "K", e->K);
    if (!st) st = tcm_h5_out_attr_int(o, group, "n", e->n);
    if (!st) st = tcm_h5_out_attr_string(o, group, "instance_fingerprint", fp);
    return st;
}

/* The header written by tcm_results_checkpoint_header against e. */
static int check_header(const tcm_h5_in *in, const char *path, const char *group, const tcm_engine *e)
{
    int64_t fm, fk, fn;
    char fp[32], want[32];
    int st = tcm_h5_in_attr_int(in, group, "M", &fm);
    if (!st) st = tcm_h5_in_attr_int(in, group, "K", &fk);
    if (!st) st = tcm_h5_in_attr_int(in, group, "n", &fn);
    if (!st) st = tcm_h5_in_attr_string(in, group, "instance_fingerprint", fp, sizeof fp);
    if (st) return st;
    fingerprint_hex(e->inst, want, sizeof want);
    if (fm != e->M || fk != e->K || fn != e->n)
        return TCM_ERROR(TCM_EFORMAT, "%s: checkpoint is for M=%" PRId64 " K=%" PRId64 " n=%" PRId64
                         " but the run has M=%d K=%d n=%d", path, fm, fk, fn, e->M, e->K, e->n);
    if (strcmp(fp, want) != 0)
        return TCM_ERROR(TCM_EFORMAT, "%s: checkpoint was made on another instance (fingerprint %s, expected %s)",
                         path, fp, want);
    return TCM_OK;
}

int tcm_results_checkpoint_open(tcm_h5_in **in, const char *path, const char *group, const tcm_engine *e,
                                const char *mine, const char *other)
{
    char p[256];
    int st = tcm_h5_in_open(in, path);
    if (st) return st;
    if (!tcm_h5_in_has(*in, group))
        st = TCM_ERROR(TCM_EFORMAT, "%s has no checkpoint group %s (write one with --checkpoint)", path, group);
    else if (!tcm_h5_in_has(*in, tcm_results_join(p, sizeof p, group, mine))) {
        char kind[32];
        if (tcm_h5_in_attr_string(*in, group, "weights", kind, sizeof kind) != TCM_OK) /* older files */
            snprintf(kind, sizeof kind, "%s", e->kind == TCM_WEIGHTS_BINARY ? "continuous" : "binary");
        if (tcm_h5_in_has(*in, tcm_results_join(p, sizeof p, group, other)))
            st = TCM_ERROR(TCM_EFORMAT, "%s: %s holds %s-weight messages, not %s-weight ones", path, group, kind,
                           e->ops->name);
        else
            st = TCM_ERROR(TCM_EFORMAT, "%s: %s has no %s-weight messages", path, group, e->ops->name);
    }
    if (!st) st = check_header(*in, path, group, e);
    if (st) {
        tcm_h5_in_close(*in);
        *in = NULL;
    }
    return st;
}

int tcm_results_read_exact(const tcm_h5_in *in, const char *path, const char *name, size_t count, double *buf)
{
    int rank;
    size_t dims[4], total = 1;
    int st = tcm_h5_in_shape(in, name, &rank, dims);
    if (st) return st;
    for (int d = 0; d < rank; d++) total *= dims[d];
    if (total != count)
        return TCM_ERROR(TCM_EFORMAT, "%s: %s holds %zu values, expected %zu", path, name, total, count);
    if ((st = tcm_h5_in_double(in, name, buf))) return st;
    for (size_t j = 0; j < count; j++)
        if (isnan(buf[j])) return TCM_ERROR(TCM_ENUMERIC, "%s: %s has NaN at position %zu", path, name, j);
    return TCM_OK;
}

int tcm_results_write_checkpoint(tcm_h5_out *o, const tcm_engine *e)
{
    tcm_h5_out_plain_doubles(o); /* messages do not compress; keep checkpoints fast */
    return e->ops->checkpoint_write(e, o, "/checkpoint");
}

int tcm_results_read_checkpoint(tcm_engine *e, const char *path)
{
    return e->ops->checkpoint_read(e, path, "/checkpoint", 0);
}

/* A volume point in its stability check: where it began, S and d at tol. */
static int write_check(tcm_h5_out *o, const char *group, const tcm_run_position *pos)
{
    int st = tcm_h5_out_attr_int(o, group, "check_start", pos->check_start);
    if (!st) st = tcm_h5_out_attr_double(o, group, "check_entropy", pos->check_entropy);
    if (!st) st = tcm_h5_out_attr_double(o, group, "check_distance", pos->check_distance);
    return st;
}

/* The stability check of write_check, if the position has one (check = 1). */
static int read_check(const tcm_h5_in *in, const char *group, tcm_run_position *pos)
{
    if (!tcm_h5_in_has_attr(in, group, "check_start")) return TCM_OK;
    int64_t start;
    int st = tcm_h5_in_attr_int(in, group, "check_start", &start);
    if (!st) st = tcm_h5_in_attr_double(in, group, "check_entropy", &pos->check_entropy);
    if (!st) st = tcm_h5_in_attr_double(in, group, "check_distance", &pos->check_distance);
    pos->check = 1;
    pos->check_start = (int)start;
    return st;
}

/* Position attributes of group. */
static int write_position(tcm_h5_out *o, const char *group, const tcm_run_position *pos)
{
    int st = tcm_h5_out_group(o, group);
    if (!st) st = tcm_h5_out_attr_int(o, group, "next_step", pos->next_step);
    if (!st) st = tcm_h5_out_attr_int(o, group, "sweeps_in_step", pos->sweeps_in_step);
    if (!st) st = tcm_h5_out_attr_double(o, group, "step_seconds", pos->step_seconds);
    if (!st) st = tcm_h5_out_attr_int(o, group, "finished", pos->finished);
    if (!st) st = tcm_h5_out_attr_int(o, group, "solved", pos->solved);
    if (!st) st = tcm_h5_out_attr_int(o, group, "total_sweeps", pos->total_sweeps);
    if (!st && pos->check) st = write_check(o, group, pos);
    return st;
}

/* Read the position attributes of group. */
static int read_position(const tcm_h5_in *in, const char *group, tcm_run_position *pos)
{
    int64_t v[5];
    const char *names[5] = { "next_step", "sweeps_in_step", "finished", "solved", "total_sweeps" };
    for (int j = 0; j < 5; j++) {
        int st = tcm_h5_in_attr_int(in, group, names[j], &v[j]);
        if (st) return st;
    }
    *pos = (tcm_run_position){ (int)v[0], (int)v[1], 0.0, (int)v[2], (int)v[3], (int)v[4], 0, 0, 0.0, 0.0 };
    int st = tcm_h5_in_attr_double(in, group, "step_seconds", &pos->step_seconds);
    return st ? st : read_check(in, group, pos);
}

/* The schedule (coupling, y per step) as table group/protocol, so that a
 * resume can verify it; y NULL for a ladder (stored as NaN). */
static int write_schedule(tcm_h5_out *o, const char *group, const char *name, const double *c, const double *y,
                          int count)
{
    static const char *const names[2] = { "coupling", "y" };
    char p[256];
    double *buf = malloc(2 * (size_t)count * sizeof(double));
    if (!buf) return TCM_ERROR(TCM_ENOMEM, "out of memory writing the schedule");
    for (int j = 0; j < count; j++) {
        buf[j] = c[j];
        buf[count + j] = y ? y[j] : NAN;
    }
    const double *cols[2] = { buf, buf + count };
    tcm_results_join(p, sizeof p, group, "protocol");
    int st = tcm_h5_out_table(o, p, 2, names, (size_t)count, cols);
    if (!st) st = tcm_h5_out_attr_string(o, p, "name", name);
    free(buf);
    return st;
}

/* Compare the stored schedule with (c, y) (y NULL: couplings only). */
static int check_schedule(const tcm_h5_in *in, const char *path, const char *group, const double *c,
                          const double *y, int count)
{
    char p[256];
    size_t rows = 0, rows2 = 0;
    double *fc = NULL, *fy = NULL;
    tcm_results_join(p, sizeof p, group, "protocol");
    int st = tcm_h5_in_table_column(in, p, "coupling", &rows, &fc);
    if (!st) st = tcm_h5_in_table_column(in, p, "y", &rows2, &fy);
    if (!st && (rows != (size_t)count || rows2 != rows))
        st = TCM_ERROR(TCM_EFORMAT, "%s: checkpoint schedule has %zu steps, this run has %d", path, rows, count);
    for (size_t j = 0; !st && j < rows; j++)
        if (fc[j] != c[j] || (y && fy[j] != y[j]))
            st = TCM_ERROR(TCM_EFORMAT, "%s: checkpoint schedule differs from this run's at step %zu", path, j + 1);
    free(fc);
    free(fy);
    return st;
}

/* The parameters that decide what a run computes, as one line (a resume
 * with other parameters would not continue the same run). */
/* The shortest %g form of v that reads back as v (so 0.3 prints as 0.3). */
static const char *exact_g(double v, char *buf, size_t len)
{
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, len, "%.*g", digits, v);
        if (strtod(buf, NULL) == v) break;
    }
    return buf;
}

static void params_text(const tcm_run_params *p, char *buf, size_t len)
{
    const tcm_engine_modes *m = &p->modes;
    char d[32], t[32];
    snprintf(buf, len, "cavity=%s hidden=%s output=%s schedule=%s block_size=%d damping=%s tol=%s max_sweeps=%d",
             tcm_cavity_mode_name(m->cavity), tcm_hidden_mode_name(m->hidden), tcm_output_mode_name(m->output),
             tcm_names_get(tcm_schedule_names, (int)m->schedule), m->block_size, exact_g(m->damping, d, sizeof d),
             exact_g(p->tol, t, sizeof t), p->max_sweeps);
    size_t used = strlen(buf);
    if (p->retries > 0 && used < len) snprintf(buf + used, len - used, " retries=%d", p->retries);
    used = strlen(buf);
    if (m->focus_damping > 0 && used < len) /* only when set: older checkpoints still match */
        snprintf(buf + used, len - used, " focus_damping=%s", exact_g(m->focus_damping, d, sizeof d));
}

/* Open a run checkpoint file: state, position group, rows table, schedule. */
typedef struct {
    const char *group;   /* "/fbp" or "/ladder" */
    const char *rows;    /* its table: "/fbp/history" or "/ladder/points" */
    const char *name;    /* schedule name */
    const double *c, *y; /* schedule */
    int count;
    const tcm_table *table;
    const void *data;    /* rows to write / buffer to read (count rows) */
    const tcm_run_params *params;
    const double *wref;  /* ladder: the reference (K x n), stored and compared; NULL for focusing */
} run_file;

static int save_run(const char *path, const tcm_engine *e, const run_file *f, const tcm_run_position *pos)
{
    tcm_h5_out *o = NULL;
    int st = tcm_h5_out_open(&o, path, "run_checkpoint", 1);
    if (st) return st;
    st = tcm_results_write_checkpoint(o, e);
    if (!st) st = tcm_h5_out_attr_string(o, "/", "weights", e->ops->name);
    if (!st) st = write_position(o, f->group, pos);
    char text[512], path_ref[256];
    params_text(f->params, text, sizeof text);
    if (!st) st = tcm_h5_out_attr_string(o, f->group, "run_params", text);
    size_t dims[2] = { (size_t)e->K, (size_t)e->n };
    if (!st && f->wref) st = tcm_h5_out_double(o, tcm_results_join(path_ref, sizeof path_ref, f->group, "reference"), 2, dims, f->wref);
    if (!st) st = write_schedule(o, f->group, f->name, f->c, f->y, f->count);
    if (!st) st = tcm_table_write_h5(f->table, o, f->rows, f->data, (size_t)pos->next_step);
    if (st) {
        tcm_h5_out_abort(o);
        return st;
    }
    return tcm_h5_out_commit(o);
}

/* The run parameters stored with the checkpoint against this run's (files
 * written before they were stored are accepted). */
static int check_params(const tcm_h5_in *in, const char *path, const run_file *f)
{
    char stored[512], mine[512];
    if (tcm_h5_in_attr_string(in, f->group, "run_params", stored, sizeof stored) != TCM_OK) return TCM_OK;
    params_text(f->params, mine, sizeof mine);
    if (strcmp(stored, mine) != 0)
        return TCM_ERROR(TCM_EFORMAT, "%s was written with other run parameters (%s; this run: %s)", path, stored, mine);
    return TCM_OK;
}

/* The stored reference of a ladder, bit for bit against this run's. */
static int check_reference(const tcm_h5_in *in, const char *path, const tcm_engine *e, const run_file *f)
{
    char name[256];
    size_t nw = (size_t)e->K * (size_t)e->n;
    double *stored = malloc(nw * sizeof(double));
    if (!stored) return TCM_ERROR(TCM_ENOMEM, "out of memory reading the reference");
    int st = tcm_results_read_exact(in, path, tcm_results_join(name, sizeof name, f->group, "reference"), nw, stored);
    if (!st && memcmp(stored, f->wref, nw * sizeof(double)) != 0)
        st = TCM_ERROR(TCM_EFORMAT, "%s was written around another reference than this run's", path);
    free(stored);
    return st;
}

/* The position, schedule check and rows of a run checkpoint (not the state). */
static int load_run(const char *path, const tcm_engine *e, const run_file *f, tcm_run_position *pos, void *rows)
{
    tcm_h5_in *in = NULL;
    char kind[32];
    int st = tcm_h5_in_open(&in, path);
    if (st) return st;
    if (tcm_h5_in_attr_string(in, "/", "weights", kind, sizeof kind) == TCM_OK && strcmp(kind, e->ops->name) != 0)
        st = TCM_ERROR(TCM_EFORMAT, "%s holds a %s-weight run, not a %s-weight one", path, kind, e->ops->name);
    else if (!tcm_h5_in_has(in, f->group))
        st = TCM_ERROR(TCM_EFORMAT, "%s is not a checkpoint of this kind of run (no %s)", path, f->group);
    else if (tcm_h5_in_has(in, "/checkpoint"))
        st = check_header(in, path, "/checkpoint", e); /* the instance first: the most basic mismatch */
    if (!st) st = check_schedule(in, path, f->group, f->c, f->y, f->count);
    if (!st) st = check_params(in, path, f);
    if (!st && f->wref) st = check_reference(in, path, e, f);
    if (!st) st = read_position(in, f->group, pos);
    if (!st && (pos->next_step < 0 || pos->next_step > f->count || pos->sweeps_in_step < 0))
        st = TCM_ERROR(TCM_EFORMAT, "%s: position %d outside the schedule", path, pos->next_step);
    if (!st) st = tcm_table_read_h5(f->table, in, path, f->rows, rows, (size_t)pos->next_step);
    tcm_h5_in_close(in);
    return st;
}

/* The protocol's couplings and y as two arrays (freed by the caller). */
static int protocol_arrays(const tcm_protocol *proto, double **c, double **y)
{
    *c = malloc((size_t)proto->count * sizeof(double));
    *y = malloc((size_t)proto->count * sizeof(double));
    if (!*c || !*y) {
        free(*c);
        free(*y);
        return TCM_ERROR(TCM_ENOMEM, "out of memory for the protocol");
    }
    for (int j = 0; j < proto->count; j++) {
        (*c)[j] = proto->steps[j].coupling;
        (*y)[j] = proto->steps[j].y;
    }
    return TCM_OK;
}

int tcm_focus_checkpoint_save(const char *path, const tcm_engine *e, const tcm_run_params *p,
                              const tcm_protocol *proto, const tcm_run_position *pos, const tcm_focus_step *history)
{
    double *c, *y;
    int st = protocol_arrays(proto, &c, &y);
    if (st) return st;
    tcm_table t;
    tcm_results_history_table(e, &t);
    run_file f = { "/fbp", "/fbp/history", proto->name, c, y, proto->count, &t, history, p, NULL };
    st = save_run(path, e, &f, pos);
    free(c);
    free(y);
    return st;
}

/* Derived history columns from the stored ones. */
static void complete_history(tcm_focus_step *history, int rows)
{
    for (int r = 0; r < rows; r++) history[r].converged = history[r].status == TCM_BP_CONVERGED;
}

int tcm_focus_checkpoint_load(const char *path, tcm_engine *e, const tcm_run_params *p, const tcm_protocol *proto,
                              tcm_run_position *pos, tcm_focus_step *history)
{
    double *c, *y;
    int st = protocol_arrays(proto, &c, &y);
    if (st) return st;
    tcm_table t;
    tcm_results_history_table(e, &t);
    for (int r = 0; r < proto->count; r++)
        for (int x = 0; x < TCM_ENGINE_MAX_EXTRAS; x++) history[r].extra[x] = NAN;
    run_file f = { "/fbp", "/fbp/history", proto->name, c, y, proto->count, &t, NULL, p, NULL };
    st = load_run(path, e, &f, pos, history);
    free(c);
    free(y);
    if (!st) complete_history(history, pos->next_step);
    if (!st) st = e->ops->enable_focusing(e);
    /* Restore derived state exactly inside a step or after the last one; at a
     * step boundary the uninterrupted run rebuilds it (its next step starts there). */
    if (!st) st = e->ops->checkpoint_read(e, path, "/checkpoint", pos->sweeps_in_step > 0 || pos->finished);
    return st;
}

int tcm_volume_checkpoint_save(const char *path, const tcm_engine *e, const tcm_run_params *p, const double *wref,
                               const double *lambdas, int count, const tcm_run_position *pos,
                               const tcm_volume_point *points)
{
    tcm_table t;
    tcm_results_volume_table(e, &t);
    run_file f = { "/ladder", "/ladder/points", "ladder", lambdas, NULL, count, &t, points, p, wref };
    return save_run(path, e, &f, pos);
}

int tcm_volume_checkpoint_load(const char *path, tcm_engine *e, const tcm_run_params *p, const double *wref,
                               const double *lambdas, int count, tcm_run_position *pos, tcm_volume_point *points)
{
    tcm_table t;
    tcm_results_volume_table(e, &t);
    for (int r = 0; r < count; r++)
        for (int x = 0; x < TCM_ENGINE_MAX_EXTRAS; x++) points[r].extra[x] = NAN;
    run_file f = { "/ladder", "/ladder/points", "ladder", lambdas, NULL, count, &t, NULL, p, wref };
    int st = load_run(path, e, &f, pos, points);
    if (!st) st = tcm_driver_volume_restore(e, wref, lambdas, count, pos);
    /* Restore derived state exactly inside a step or after the last one; at a
     * step boundary the uninterrupted run rebuilds it (its next step starts there). */
    if (!st) st = e->ops->checkpoint_read(e, path, "/checkpoint", pos->sweeps_in_step > 0 || pos->finished);
    return st;
}
