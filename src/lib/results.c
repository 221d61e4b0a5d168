/* Writers for run provenance, BP results and message checkpoints, and the
 * checkpoint reader, all through the generic HDF5 layer of h5.c. */
#include "tcmbp/results.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tcmbp/error.h"

/* Path "group/name" into buf. */
static const char *join(char *buf, size_t len, const char *group, const char *name)
{
    snprintf(buf, len, "%s/%s", group, name);
    return buf;
}

int tcm_results_write_run_info(tcm_h5_out *o, const tcm_run_info *ri, const tcm_instance *inst)
{
    char host[256] = "unknown", fp[32], when[32];
    if (gethostname(host, sizeof host - 1) != 0) strcpy(host, "unknown");
    host[sizeof host - 1] = '\0';
    snprintf(fp, sizeof fp, "%016" PRIx64, tcm_instance_fingerprint(inst));
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
    return st;
}

/* Marginal means and variances of every weight (K x n each). */
static int write_marginals(tcm_h5_out *o, const char *group, const tcm_graph *g)
{
    double *m = malloc(g->nw * sizeof(double)), *v = malloc(g->nw * sizeof(double));
    if (!m || !v) {
        free(m);
        free(v);
        return TCM_ERROR(TCM_ENOMEM, "out of memory writing marginals");
    }
    for (size_t ki = 0; ki < g->nw; ki++) {
        double zeta = tcm_graph_precision(g, ki);
        m[ki] = g->mu[ki] / zeta;
        v[ki] = 1.0 / zeta;
    }
    char path[256];
    size_t dims[2] = { (size_t)g->K, (size_t)g->n }, kd[1] = { (size_t)g->K };
    int st = tcm_h5_out_double(o, join(path, sizeof path, group, "mean"), 2, dims, m);
    if (!st) st = tcm_h5_out_double(o, join(path, sizeof path, group, "variance"), 2, dims, v);
    if (!st) st = tcm_h5_out_double(o, join(path, sizeof path, group, "chi"), 1, kd, g->chi);
    free(m);
    free(v);
    return st;
}

static const char *schedule_name(tcm_schedule s) { return s == TCM_SCHEDULE_BLOCK ? "block" : "parallel"; }

int tcm_results_write_bp(tcm_h5_out *o, const char *group, const tcm_graph *g, const tcm_bp_params *p,
                         const tcm_bp_result *r)
{
    int st = tcm_h5_out_group(o, group);
    if (!st) st = write_marginals(o, group, g);
    if (!st) st = tcm_h5_out_attr_string(o, group, "status", tcm_bp_status_name(r->status));
    if (!st) st = tcm_h5_out_attr_int(o, group, "sweeps", r->sweeps);
    if (!st) st = tcm_h5_out_attr_double(o, group, "change", r->change);
    if (!st) st = tcm_h5_out_attr_double(o, group, "chi_change", r->chi_change);
    if (!st) st = tcm_h5_out_attr_int(o, group, "nonfinite_sweep", r->nonfinite_sweep);
    if (!st) st = tcm_h5_out_attr_double(o, group, "phi", r->phi);
    if (!st) st = tcm_h5_out_attr_double(o, group, "entropy", r->entropy);
    if (!st) st = tcm_h5_out_attr_double(o, group, "q", r->q);
    if (!st) st = tcm_h5_out_attr_double(o, group, "chibar", r->chibar);
    if (!st) st = tcm_h5_out_attr_int(o, group, "errors", r->errors);
    if (!st) st = tcm_h5_out_attr_double(o, group, "seconds", r->seconds);
    if (!st) st = tcm_h5_out_attr_string(o, group, "cavity", tcm_cavity_mode_name(p->sweep.cavity));
    if (!st) st = tcm_h5_out_attr_string(o, group, "output", tcm_output_mode_name(p->sweep.output));
    if (!st) st = tcm_h5_out_attr_string(o, group, "schedule", schedule_name(p->sweep.schedule));
    if (!st) st = tcm_h5_out_attr_int(o, group, "block_size", p->sweep.block_size);
    if (!st) st = tcm_h5_out_attr_double(o, group, "damping", p->sweep.damping);
    if (!st) st = tcm_h5_out_attr_double(o, group, "tol", p->tol);
    if (!st) st = tcm_h5_out_attr_int(o, group, "max_sweeps", p->max_sweeps);
    if (!st) st = tcm_h5_out_attr_int(o, group, "patterns_used", g->M);
    return st;
}

int tcm_checkpoint_write(tcm_h5_out *o, const char *group, const tcm_graph *g)
{
    char path[256], fp[32];
    size_t ed[3] = { (size_t)g->M, (size_t)g->K, (size_t)g->n }, wd[2] = { (size_t)g->K, (size_t)g->n };
    size_t kd[1] = { (size_t)g->K };
    snprintf(fp, sizeof fp, "%016" PRIx64, tcm_instance_fingerprint(g->inst));
    int st = tcm_h5_out_group(o, group);
    if (!st) st = tcm_h5_out_double(o, join(path, sizeof path, group, "U"), 3, ed, g->U);
    if (!st) st = tcm_h5_out_double(o, join(path, sizeof path, group, "V"), 3, ed, g->V);
    if (!st) st = tcm_h5_out_double(o, join(path, sizeof path, group, "chi"), 1, kd, g->chi);
    if (!st && g->ustar) {
        st = tcm_h5_out_double(o, join(path, sizeof path, group, "ustar"), 2, wd, g->ustar);
        if (!st) st = tcm_h5_out_double(o, join(path, sizeof path, group, "vstar"), 2, wd, g->vstar);
        if (!st) st = tcm_h5_out_double(o, join(path, sizeof path, group, "chistar"), 1, kd, g->chistar);
    }
    if (!st) st = tcm_h5_out_attr_int(o, group, "M", g->M);
    if (!st) st = tcm_h5_out_attr_int(o, group, "K", g->K);
    if (!st) st = tcm_h5_out_attr_int(o, group, "n", g->n);
    if (!st) st = tcm_h5_out_attr_double(o, group, "lambda", g->lambda);
    if (!st) st = tcm_h5_out_attr_int(o, group, "needs_normalize", g->needs_normalize);
    if (!st) st = tcm_h5_out_attr_string(o, group, "instance_fingerprint", fp);
    return st;
}

int tcm_checkpoint_check_header(const tcm_h5_in *in, const char *path, const char *group, const tcm_instance *inst,
                                int M, int K, int n)
{
    int64_t fm, fk, fn;
    char fp[32], want[32];
    int st = tcm_h5_in_attr_int(in, group, "M", &fm);
    if (!st) st = tcm_h5_in_attr_int(in, group, "K", &fk);
    if (!st) st = tcm_h5_in_attr_int(in, group, "n", &fn);
    if (!st) st = tcm_h5_in_attr_string(in, group, "instance_fingerprint", fp, sizeof fp);
    if (st) return st;
    snprintf(want, sizeof want, "%016" PRIx64, tcm_instance_fingerprint(inst));
    if (fm != M || fk != K || fn != n)
        return TCM_ERROR(TCM_EFORMAT, "%s: checkpoint is for M=%" PRId64 " K=%" PRId64 " n=%" PRId64
                         " but the run has M=%d K=%d n=%d", path, fm, fk, fn, M, K, n);
    if (strcmp(fp, want) != 0)
        return TCM_ERROR(TCM_EFORMAT, "%s: checkpoint was made on another instance (fingerprint %s, expected %s)",
                         path, fp, want);
    return TCM_OK;
}

int tcm_checkpoint_read_exact(const tcm_h5_in *in, const char *path, const char *name, size_t count, double *buf)
{
    int rank;
    size_t dims[4], total = 1;
    int st = tcm_h5_in_shape(in, name, &rank, dims);
    if (st) return st;
    for (int d = 0; d < rank; d++) total *= dims[d];
    if (total != count)
        return TCM_ERROR(TCM_EFORMAT, "%s: %s holds %zu values, expected %zu", path, name, total, count);
    return tcm_h5_in_double(in, name, buf);
}

int tcm_checkpoint_read(tcm_graph *g, const char *path, const char *group)
{
    tcm_h5_in *in = NULL;
    char p[256];
    int st = tcm_h5_in_open(&in, path);
    if (st) return st;
    if (!tcm_h5_in_has(in, group)) {
        tcm_h5_in_close(in);
        return TCM_ERROR(TCM_EFORMAT, "%s has no checkpoint group %s (write one with --checkpoint)", path, group);
    }
    st = tcm_checkpoint_check_header(in, path, group, g->inst, g->M, g->K, g->n);
    size_t K = (size_t)g->K;
    if (!st) st = tcm_checkpoint_read_exact(in, path, join(p, sizeof p, group, "U"), g->ne, g->U);
    if (!st) st = tcm_checkpoint_read_exact(in, path, join(p, sizeof p, group, "V"), g->ne, g->V);
    if (!st) st = tcm_checkpoint_read_exact(in, path, join(p, sizeof p, group, "chi"), K, g->chi);
    int64_t nn = 1;
    if (!st && g->ustar && tcm_h5_in_has(in, join(p, sizeof p, group, "ustar"))) {
        st = tcm_checkpoint_read_exact(in, path, p, g->nw, g->ustar);
        if (!st) st = tcm_checkpoint_read_exact(in, path, join(p, sizeof p, group, "vstar"), g->nw, g->vstar);
        if (!st) st = tcm_checkpoint_read_exact(in, path, join(p, sizeof p, group, "chistar"), K, g->chistar);
        /* A full state (messages, focusing fields, chi) needs no re-normalisation:
         * this keeps a resumed run bitwise identical to an uninterrupted one. */
        if (!st && tcm_h5_in_attr_int(in, group, "needs_normalize", &nn) != TCM_OK) nn = 1;
    }
    if (!st) g->needs_normalize = (int)nn;
    tcm_h5_in_close(in);
    return st;
}

#define HISTORY_COLUMNS 10

int tcm_results_write_fbp_history(tcm_h5_out *o, const char *group, const tcm_fbp_step *history, int count)
{
    static const char *const names[HISTORY_COLUMNS] = { "step",   "lambda", "y",   "sweeps",  "status",
                                                        "change", "errors", "chi", "chistar", "seconds" };
    size_t rows = count > 0 ? (size_t)count : 0;
    double *buf = malloc((rows ? rows : 1) * HISTORY_COLUMNS * sizeof(double));
    if (!buf) return TCM_ERROR(TCM_ENOMEM, "out of memory writing the history");
    const double *cols[HISTORY_COLUMNS];
    for (int c = 0; c < HISTORY_COLUMNS; c++) cols[c] = buf + (size_t)c * rows;
    for (size_t r = 0; r < rows; r++) {
        const tcm_fbp_step *h = &history[r];
        double v[HISTORY_COLUMNS] = { h->step, h->lambda, h->y, h->sweeps, h->status,
                                      h->change, h->errors, h->chibar, h->chistarbar, h->seconds };
        for (int c = 0; c < HISTORY_COLUMNS; c++) buf[(size_t)c * rows + r] = v[c];
    }
    int st = tcm_h5_out_table(o, group, HISTORY_COLUMNS, names, rows, cols);
    free(buf);
    return st;
}

/* Position attributes of /fbp. */
static int write_position(tcm_h5_out *o, const tcm_fbp_position *pos)
{
    int st = tcm_h5_out_group(o, "/fbp");
    if (!st) st = tcm_h5_out_attr_int(o, "/fbp", "next_step", pos->next_step);
    if (!st) st = tcm_h5_out_attr_int(o, "/fbp", "sweeps_in_step", pos->sweeps_in_step);
    if (!st) st = tcm_h5_out_attr_double(o, "/fbp", "step_seconds", pos->step_seconds);
    if (!st) st = tcm_h5_out_attr_int(o, "/fbp", "finished", pos->finished);
    if (!st) st = tcm_h5_out_attr_int(o, "/fbp", "solved", pos->solved);
    if (!st) st = tcm_h5_out_attr_int(o, "/fbp", "total_sweeps", pos->total_sweeps);
    return st;
}

/* The protocol as a table (coupling, y) so that a resume can verify it. */
static int write_protocol(tcm_h5_out *o, const tcm_protocol *proto)
{
    static const char *const names[2] = { "coupling", "y" };
    double *buf = malloc(2 * (size_t)proto->count * sizeof(double));
    if (!buf) return TCM_ERROR(TCM_ENOMEM, "out of memory writing the protocol");
    for (int j = 0; j < proto->count; j++) {
        buf[j] = proto->steps[j].coupling;
        buf[proto->count + j] = proto->steps[j].y;
    }
    const double *cols[2] = { buf, buf + proto->count };
    int st = tcm_h5_out_table(o, "/fbp/protocol", 2, names, (size_t)proto->count, cols);
    if (!st) st = tcm_h5_out_attr_string(o, "/fbp/protocol", "name", proto->name);
    free(buf);
    return st;
}

int tcm_fbp_checkpoint_save(const char *path, const tcm_graph *g, const tcm_protocol *proto,
                            const tcm_fbp_position *pos, const tcm_fbp_step *history)
{
    tcm_h5_out *o = NULL;
    int st = tcm_h5_out_open(&o, path, "fbp_checkpoint", 1);
    if (st) return st;
    tcm_h5_out_plain_doubles(o); /* messages do not compress; keep checkpoints fast */
    st = tcm_checkpoint_write(o, "/checkpoint", g);
    if (!st) st = write_position(o, pos);
    if (!st) st = write_protocol(o, proto);
    if (!st) st = tcm_results_write_fbp_history(o, "/fbp/history", history, pos->next_step);
    if (st) {
        tcm_h5_out_abort(o);
        return st;
    }
    return tcm_h5_out_commit(o);
}

/* Compare the stored protocol with proto. */
static int check_protocol(const tcm_h5_in *in, const char *path, const tcm_protocol *proto)
{
    size_t rows = 0, rows2 = 0;
    double *c = NULL, *y = NULL;
    int st = tcm_h5_in_table_column(in, "/fbp/protocol", "coupling", &rows, &c);
    if (!st) st = tcm_h5_in_table_column(in, "/fbp/protocol", "y", &rows2, &y);
    if (!st && (rows != (size_t)proto->count || rows2 != rows))
        st = TCM_ERROR(TCM_EFORMAT, "%s: checkpoint protocol has %zu steps, this run has %d", path, rows, proto->count);
    for (size_t j = 0; !st && j < rows; j++)
        if (c[j] != proto->steps[j].coupling || y[j] != proto->steps[j].y)
            st = TCM_ERROR(TCM_EFORMAT, "%s: checkpoint protocol differs from this run's at step %zu", path, j);
    free(c);
    free(y);
    return st;
}

/* Read the /fbp position attributes. */
static int read_position(const tcm_h5_in *in, tcm_fbp_position *pos)
{
    int64_t v[5];
    const char *names[5] = { "next_step", "sweeps_in_step", "finished", "solved", "total_sweeps" };
    for (int j = 0; j < 5; j++) {
        int st = tcm_h5_in_attr_int(in, "/fbp", names[j], &v[j]);
        if (st) return st;
    }
    *pos = (tcm_fbp_position){ (int)v[0], (int)v[1], 0.0, (int)v[2], (int)v[3], (int)v[4] };
    return tcm_h5_in_attr_double(in, "/fbp", "step_seconds", &pos->step_seconds);
}

/* Read the completed history rows (pos->next_step of them). */
static int read_history(const tcm_h5_in *in, const char *path, int rows_wanted, tcm_fbp_step *history)
{
    static const char *const names[HISTORY_COLUMNS] = { "step",   "lambda", "y",   "sweeps",  "status",
                                                        "change", "errors", "chi", "chistar", "seconds" };
    double *col[HISTORY_COLUMNS] = { NULL };
    size_t rows = 0;
    int st = TCM_OK;
    for (int c = 0; c < HISTORY_COLUMNS && !st; c++) st = tcm_h5_in_table_column(in, "/fbp/history", names[c], &rows, &col[c]);
    if (!st && rows != (size_t)rows_wanted)
        st = TCM_ERROR(TCM_EFORMAT, "%s: history has %zu rows, the position says %d", path, rows, rows_wanted);
    for (size_t r = 0; !st && r < rows; r++)
        history[r] = (tcm_fbp_step){ (int)col[0][r], col[1][r], col[2][r], (int)col[3][r], (int)col[4][r],
                                     col[5][r], (int)col[6][r], col[7][r], col[8][r], col[9][r] };
    for (int c = 0; c < HISTORY_COLUMNS; c++) free(col[c]);
    return st;
}

int tcm_fbp_checkpoint_load(const char *path, tcm_graph *g, const tcm_protocol *proto, tcm_fbp_position *pos,
                            tcm_fbp_step *history)
{
    tcm_h5_in *in = NULL;
    int st = tcm_h5_in_open(&in, path);
    if (st) return st;
    if (!tcm_h5_in_has(in, "/fbp")) st = TCM_ERROR(TCM_EFORMAT, "%s is not a focusing BP checkpoint (no /fbp)", path);
    if (!st) st = check_protocol(in, path, proto);
    if (!st) st = read_position(in, pos);
    if (!st && (pos->next_step < 0 || pos->next_step > proto->count))
        st = TCM_ERROR(TCM_EFORMAT, "%s: position %d outside the protocol", path, pos->next_step);
    if (!st) st = read_history(in, path, pos->next_step, history);
    tcm_h5_in_close(in);
    if (!st) st = tcm_checkpoint_read(g, path, "/checkpoint");
    return st;
}
