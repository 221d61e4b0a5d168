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
    if (!st) st = tcm_h5_out_attr_string(o, group, "instance_fingerprint", fp);
    return st;
}

/* Check that the checkpoint's sizes and fingerprint match the graph. */
static int check_checkpoint(const tcm_h5_in *in, const char *path, const char *group, const tcm_graph *g)
{
    int64_t M, K, n;
    char fp[32], want[32];
    int st = tcm_h5_in_attr_int(in, group, "M", &M);
    if (!st) st = tcm_h5_in_attr_int(in, group, "K", &K);
    if (!st) st = tcm_h5_in_attr_int(in, group, "n", &n);
    if (!st) st = tcm_h5_in_attr_string(in, group, "instance_fingerprint", fp, sizeof fp);
    if (st) return st;
    snprintf(want, sizeof want, "%016" PRIx64, tcm_instance_fingerprint(g->inst));
    if (M != g->M || K != g->K || n != g->n)
        return TCM_ERROR(TCM_EFORMAT, "%s: checkpoint is for M=%" PRId64 " K=%" PRId64 " n=%" PRId64
                         " but the run has M=%d K=%d n=%d", path, M, K, n, g->M, g->K, g->n);
    if (strcmp(fp, want) != 0)
        return TCM_ERROR(TCM_EFORMAT, "%s: checkpoint was made on another instance (fingerprint %s, expected %s)",
                         path, fp, want);
    return TCM_OK;
}

/* Read dataset `name` into buf after checking it holds exactly count values. */
static int read_exact(const tcm_h5_in *in, const char *path, const char *name, size_t count, double *buf)
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
    st = check_checkpoint(in, path, group, g);
    size_t K = (size_t)g->K;
    if (!st) st = read_exact(in, path, join(p, sizeof p, group, "U"), g->ne, g->U);
    if (!st) st = read_exact(in, path, join(p, sizeof p, group, "V"), g->ne, g->V);
    if (!st) st = read_exact(in, path, join(p, sizeof p, group, "chi"), K, g->chi);
    if (!st && g->ustar && tcm_h5_in_has(in, join(p, sizeof p, group, "ustar"))) {
        st = read_exact(in, path, p, g->nw, g->ustar);
        if (!st) st = read_exact(in, path, join(p, sizeof p, group, "vstar"), g->nw, g->vstar);
        if (!st) st = read_exact(in, path, join(p, sizeof p, group, "chistar"), K, g->chistar);
    }
    tcm_h5_in_close(in);
    return st;
}
