/* Writers of the binary-weight result groups and checkpoints, and the
 * checkpoint reader, all through the generic HDF5 layer of h5.c. */
#include "tcmbp/bresults.h"
#include "tcmbp/results.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcmbp/error.h"

/* Path "group/name" into buf. */
static const char *join(char *buf, size_t len, const char *group, const char *name)
{
    snprintf(buf, len, "%s/%s", group, name);
    return buf;
}

int tcm_bresults_write_weights(tcm_h5_out *o, const tcm_bgraph *g)
{
    int8_t *w = malloc(g->nw);
    if (!w) return TCM_ERROR(TCM_ENOMEM, "out of memory writing the weights");
    for (size_t ki = 0; ki < g->nw; ki++) w[ki] = g->field[ki] < 0.0 ? -1 : 1;
    size_t dims[2] = { (size_t)g->K, (size_t)g->n };
    const char *norm = "per-unit: sum_i w_ki^2 = n"; /* what tcm_h5_write_weights says of +-1 units */
    int st = tcm_h5_out_int8(o, "/weights", 2, dims, w);
    free(w);
    const char *objs[2] = { "/weights", "/" };
    for (int j = 0; j < 2 && !st; j++) {
        st = tcm_h5_out_attr_int(o, objs[j], "K", g->K);
        if (!st) st = tcm_h5_out_attr_int(o, objs[j], "n", g->n);
        if (!st) st = tcm_h5_out_attr_string(o, objs[j], "kind", "binary");
        if (!st) st = tcm_h5_out_attr_string(o, objs[j], "normalization", norm);
    }
    return st;
}

/* Magnetisations and fields of every weight (K x n each). */
static int write_marginals(tcm_h5_out *o, const char *group, const tcm_bgraph *g)
{
    double *m = malloc(g->nw * sizeof(double));
    if (!m) return TCM_ERROR(TCM_ENOMEM, "out of memory writing marginals");
    for (size_t ki = 0; ki < g->nw; ki++) m[ki] = tanh(g->field[ki]);
    char path[256];
    size_t dims[2] = { (size_t)g->K, (size_t)g->n };
    int st = tcm_h5_out_double(o, join(path, sizeof path, group, "magnetization"), 2, dims, m);
    if (!st) st = tcm_h5_out_double(o, join(path, sizeof path, group, "field"), 2, dims, g->field);
    free(m);
    return st;
}

int tcm_bresults_write_params(tcm_h5_out *o, const char *group, const tcm_bbp_params *p)
{
    const char *sched = p->sweep.schedule == TCM_SCHEDULE_BLOCK ? "block" : "parallel";
    int st = tcm_h5_out_attr_string(o, group, "hidden", tcm_hidden_mode_name(p->sweep.hidden));
    if (!st) st = tcm_h5_out_attr_string(o, group, "output", tcm_output_mode_name(p->sweep.output));
    if (!st) st = tcm_h5_out_attr_string(o, group, "schedule", sched);
    if (!st) st = tcm_h5_out_attr_int(o, group, "block_size", p->sweep.block_size);
    if (!st) st = tcm_h5_out_attr_double(o, group, "damping", p->sweep.damping);
    if (!st) st = tcm_h5_out_attr_double(o, group, "tol", p->tol);
    if (!st) st = tcm_h5_out_attr_int(o, group, "max_sweeps", p->max_sweeps);
    return st;
}

int tcm_bresults_write_bp(tcm_h5_out *o, const char *group, const tcm_bgraph *g, const tcm_bbp_params *p,
                          const tcm_bbp_result *r)
{
    int st = tcm_h5_out_group(o, group);
    if (!st) st = write_marginals(o, group, g);
    if (!st) st = tcm_h5_out_attr_string(o, group, "weights", "binary");
    if (!st) st = tcm_h5_out_attr_string(o, group, "status", tcm_bp_status_name(r->status));
    if (!st) st = tcm_h5_out_attr_int(o, group, "sweeps", r->sweeps);
    if (!st) st = tcm_h5_out_attr_double(o, group, "change", r->change);
    if (!st) st = tcm_h5_out_attr_int(o, group, "nonfinite_sweep", r->nonfinite_sweep);
    if (!st) st = tcm_h5_out_attr_double(o, group, "phi", r->phi);
    if (!st) st = tcm_h5_out_attr_double(o, group, "entropy", r->entropy);
    if (!st) st = tcm_h5_out_attr_double(o, group, "q", r->q);
    if (!st) st = tcm_h5_out_attr_int(o, group, "errors", r->errors);
    if (!st) st = tcm_h5_out_attr_double(o, group, "seconds", r->seconds);
    if (!st) st = tcm_h5_out_attr_int(o, group, "patterns_used", g->M);
    if (!st) st = tcm_bresults_write_params(o, group, p);
    return st;
}

int tcm_bresults_write_volume(tcm_h5_out *o, const char *group, const tcm_bbp_volume_point *pts, int count)
{
    enum { NC = 10 };
    const char *names[NC] = { "lambda", "distance", "entropy", "s0", "local_entropy",
                              "converged", "sweeps", "q", "change", "seconds" };
    size_t rows = count > 0 ? (size_t)count : 0;
    double *buf = malloc((rows ? rows : 1) * NC * sizeof(double)), *cols[NC];
    if (!buf) return TCM_ERROR(TCM_ENOMEM, "out of memory writing the volume table");
    for (int c = 0; c < NC; c++) cols[c] = buf + (size_t)c * rows;
    for (size_t j = 0; j < rows; j++) {
        const tcm_bbp_volume_point *p = &pts[j];
        double v[NC] = { p->lambda, p->distance, p->entropy, p->s0, p->local_entropy,
                         p->status == TCM_BP_CONVERGED, p->sweeps, p->q, p->change, p->seconds };
        for (int c = 0; c < NC; c++) cols[c][j] = v[c];
    }
    int st = tcm_h5_out_table(o, group, NC, names, rows, (const double *const *)cols);
    free(buf);
    return st;
}

int tcm_bresults_write_history(tcm_h5_out *o, const char *group, const tcm_bbp_focus_step *steps, int count)
{
    enum { NC = 15 };
    const char *names[NC] = { "step", "gamma", "pol", "y", "S", "q", "q_tilde", "F", "free_entropy",
                              "sigma_int", "errors", "sweeps", "converged", "change", "seconds" };
    size_t rows = count > 0 ? (size_t)count : 0;
    double *buf = malloc((rows ? rows : 1) * NC * sizeof(double)), *cols[NC];
    if (!buf) return TCM_ERROR(TCM_ENOMEM, "out of memory writing the history table");
    for (int c = 0; c < NC; c++) cols[c] = buf + (size_t)c * rows;
    for (size_t j = 0; j < rows; j++) {
        const tcm_bbp_focus_step *s = &steps[j];
        const tcm_bin_record *r = &s->rec;
        double v[NC] = { s->step, r->gamma, r->pol, r->y, r->S, r->q, r->q_tilde, r->F, r->free_entropy,
                         r->sigma_int, s->errors, s->sweeps, s->status == TCM_BP_CONVERGED, s->change, s->seconds };
        for (int c = 0; c < NC; c++) cols[c][j] = v[c];
    }
    int st = tcm_h5_out_table(o, group, NC, names, rows, (const double *const *)cols);
    free(buf);
    return st;
}

int tcm_bcheckpoint_write(tcm_h5_out *o, const char *group, const tcm_bgraph *g, double gamma, double y, int step)
{
    char path[256], fp[32];
    size_t ed[3] = { (size_t)g->M, (size_t)g->K, (size_t)g->n }, wd[2] = { (size_t)g->K, (size_t)g->n };
    snprintf(fp, sizeof fp, "%016" PRIx64, tcm_instance_fingerprint(g->inst));
    int st = tcm_h5_out_group(o, group);
    if (!st) st = tcm_h5_out_double(o, join(path, sizeof path, group, "f"), 3, ed, g->f);
    if (!st && g->ustar) st = tcm_h5_out_double(o, join(path, sizeof path, group, "ustar"), 2, wd, g->ustar);
    if (!st) st = tcm_h5_out_attr_string(o, group, "weights", "binary");
    if (!st) st = tcm_h5_out_attr_int(o, group, "M", g->M);
    if (!st) st = tcm_h5_out_attr_int(o, group, "K", g->K);
    if (!st) st = tcm_h5_out_attr_int(o, group, "n", g->n);
    if (!st) st = tcm_h5_out_attr_double(o, group, "lambda", g->lambda);
    if (!st) st = tcm_h5_out_attr_string(o, group, "instance_fingerprint", fp);
    if (!st) st = tcm_h5_out_attr_double(o, group, "gamma", gamma);
    if (!st) st = tcm_h5_out_attr_double(o, group, "y", y);
    if (!st) st = tcm_h5_out_attr_int(o, group, "step", step);
    return st;
}

/* Check that the checkpoint is binary and its sizes and fingerprint match the graph. */
static int check_checkpoint(const tcm_h5_in *in, const char *path, const char *group, const tcm_bgraph *g)
{
    char p[256];
    if (!tcm_h5_in_has(in, join(p, sizeof p, group, "f"))) {
        int cont = tcm_h5_in_has(in, join(p, sizeof p, group, "U"));
        return TCM_ERROR(TCM_EFORMAT, "%s: %s %s", path, group,
                         cont ? "is a continuous-weight checkpoint (messages U, V), not a binary one"
                              : "has no binary message fields f");
    }
    return tcm_checkpoint_check_header(in, path, group, g->inst, g->M, g->K, g->n);
}

static int check_finite(const char *path, const char *name, const double *v, size_t count)
{
    for (size_t j = 0; j < count; j++)
        if (isnan(v[j])) return TCM_ERROR(TCM_ENUMERIC, "%s: %s has NaN at position %zu", path, name, j);
    return TCM_OK;
}

int tcm_bcheckpoint_read(tcm_bgraph *g, const char *path, const char *group)
{
    tcm_h5_in *in = NULL;
    char p[256];
    int st = tcm_h5_in_open(&in, path);
    if (st) return st;
    if (!tcm_h5_in_has(in, group)) {
        tcm_h5_in_close(in);
        return TCM_ERROR(TCM_EFORMAT, "%s has no checkpoint group %s (write one with --checkpoint)", path, group);
    }
    st = check_checkpoint(in, path, group, g);
    if (!st) st = tcm_checkpoint_read_exact(in, path, join(p, sizeof p, group, "f"), g->ne, g->f);
    if (!st) st = check_finite(path, p, g->f, g->ne);
    if (!st && g->ustar && tcm_h5_in_has(in, join(p, sizeof p, group, "ustar"))) {
        st = tcm_checkpoint_read_exact(in, path, p, g->nw, g->ustar);
        if (!st) st = check_finite(path, p, g->ustar, g->nw);
    }
    tcm_h5_in_close(in);
    return st;
}
