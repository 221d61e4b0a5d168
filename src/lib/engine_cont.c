/* The continuous-weight BP engine behind the engine interface (engine.h):
 * Gaussian messages on a tcm_graph, one sweep of sweep.c, thermodynamics of
 * cont.c, and its result datasets and checkpoints (docs/FORMAT.md). */
#include "tcmbp/engine.h"
#include "engine_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tcmbp/error.h"
#include "tcmbp/results.h"

static tcm_graph *G(const tcm_engine *e) { return e->state; }

static int check_modes(const tcm_engine_modes *m)
{
    if (!(m->damping >= 0.0 && m->damping < 1.0))
        return TCM_ERROR(TCM_EINVAL, "damping must be in [0, 1), got %g", m->damping);
    if (m->schedule == TCM_SCHEDULE_BLOCK && m->block_size < 1)
        return TCM_ERROR(TCM_EINVAL, "block size must be >= 1, got %d", m->block_size);
    if (!(m->focus_damping >= 0.0 && m->focus_damping < 1.0))
        return TCM_ERROR(TCM_EINVAL, "focusing damping must be in [0, 1), got %g", m->focus_damping);
    return TCM_OK;
}

/* Marginals are a pure function of the messages and fields (rebuilt bitwise
 * as a sweep builds them); chi is re-solved only after the state was edited. */
static int prepare(tcm_engine *e, const tcm_engine_modes *m)
{
    (void)m;
    tcm_graph *g = G(e);
    tcm_sweep_rebuild_marginals(g);
    if (g->needs_normalize) tcm_sweep_normalize(g);
    g->needs_normalize = 0;
    return TCM_OK;
}

static int sweep(tcm_engine *e, const tcm_engine_modes *m, const tcm_protocol_step *focus, tcm_engine_change *c)
{
    tcm_sweep_params p = TCM_SWEEP_PARAMS_INIT;
    p.cavity = m->cavity;
    p.output = m->output;
    p.schedule = m->schedule;
    p.block_size = m->block_size;
    p.damping = m->damping;
    p.focus_damping = m->focus_damping;
    if (focus) {
        p.y = focus->y;
        p.fl = focus->coupling;
    }
    tcm_sweep_change sc;
    int st = tcm_sweep_run(G(e), &p, &sc);
    *c = (tcm_engine_change){ sc.messages, sc.chi, sc.focus, sc.nonfinite };
    return st;
}

/* Every marginal must be a normalisable Gaussian (positive precision): a
 * fixed point with chi_k + zeta0 <= 0 (one input per unit, some n = 2
 * instances) has no entropy, whatever the formula would give. */
static int thermo(tcm_engine *e, const tcm_engine_modes *m, tcm_engine_thermo *t)
{
    const tcm_graph *g = G(e);
    for (size_t ki = 0; ki < g->nw; ki++) {
        double zeta = tcm_graph_precision(g, ki);
        if (!(zeta > 0.0) || !isfinite(zeta))
            return TCM_ERROR(TCM_ENUMERIC, "weight (unit %d, input %d) has marginal precision %g: not a valid "
                             "Gaussian BP state", (int)(ki / (size_t)g->n), (int)(ki % (size_t)g->n), zeta);
    }
    tcm_cont_thermo ct;
    tcm_cont_thermo_compute(G(e), m->output, &ct);
    *t = (tcm_engine_thermo){ ct.phi, ct.entropy, ct.q, ct.distance, ct.chibar, NAN };
    return TCM_OK;
}

static int errors(const tcm_engine *e, int *errors) { return tcm_cont_errors(G(e), errors); }

/* The marginal means, normalised per unit (sum_i w_ki^2 = n). */
static int configuration(const tcm_engine *e, tcm_weights *w)
{
    tcm_cont_means(G(e), w->w);
    return tcm_weights_normalize(w);
}

static int set_reference(tcm_engine *e, const double *wref, double lambda)
{
    tcm_graph *g = G(e);
    return tcm_graph_set_reference(g, wref ? wref : g->wref, lambda);
}

static int enable_focusing(tcm_engine *e) { return tcm_graph_enable_focusing(G(e)); }

static void randomize(tcm_engine *e, double amplitude, uint64_t seed) { tcm_graph_randomize(G(e), amplitude, seed); }

static double s0(double d) { return 0.5 * log(d * (2.0 - d)); }

static double norm_mean(const tcm_engine *e)
{
    const tcm_graph *g = G(e);
    double s = 0.0;
    for (int k = 0; k < g->K; k++) s += g->chi[k];
    return s / g->K;
}

static const char *const step_extra_names[] = { "chi", "chistar" };

/* Mean chi_k and chi*_k at the end of a step. */
static int step_record(tcm_engine *e, const tcm_engine_modes *m, const tcm_protocol_step *s, int record, double *x)
{
    (void)m, (void)s, (void)record;
    const tcm_graph *g = G(e);
    double cb = 0.0, cs = 0.0;
    for (int k = 0; k < g->K; k++) {
        cb += g->chi[k] / g->K;
        cs += g->chistar ? g->chistar[k] / g->K : NAN;
    }
    x[0] = cb;
    x[1] = cs;
    return TCM_OK;
}

static const char *const point_extra_names[] = { "chibar" };

static void point_record(const tcm_engine_thermo *t, double *x) { x[0] = t->chibar; }

/* Datasets mean, variance (K x n) and chi (K) of group. */
static int write_marginals(const tcm_engine *e, tcm_h5_out *o, const char *group)
{
    const tcm_graph *g = G(e);
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
    int st = tcm_h5_out_double(o, tcm_results_join(path, sizeof path, group, "mean"), 2, dims, m);
    if (!st) st = tcm_h5_out_double(o, tcm_results_join(path, sizeof path, group, "variance"), 2, dims, v);
    if (!st) st = tcm_h5_out_double(o, tcm_results_join(path, sizeof path, group, "chi"), 1, kd, g->chi);
    free(m);
    free(v);
    return st;
}

static int write_modes(const tcm_engine *e, const tcm_engine_modes *m, tcm_h5_out *o, const char *group)
{
    (void)e;
    int st = tcm_h5_out_attr_string(o, group, "cavity", tcm_cavity_mode_name(m->cavity));
    return st ? st : tcm_results_write_common_modes(o, group, m);
}

/* Group: U, V (M x K x n), chi (K), and with focusing ustar, vstar (K x n)
 * and chistar (K); attributes M, K, n, lambda, needs_normalize,
 * instance_fingerprint. */
static int checkpoint_write(const tcm_engine *e, tcm_h5_out *o, const char *group)
{
    const tcm_graph *g = G(e);
    char path[256];
    size_t ed[3] = { (size_t)g->M, (size_t)g->K, (size_t)g->n }, wd[2] = { (size_t)g->K, (size_t)g->n };
    size_t kd[1] = { (size_t)g->K };
    int st = tcm_results_checkpoint_header(o, group, e);
    if (!st) st = tcm_h5_out_double(o, tcm_results_join(path, sizeof path, group, "U"), 3, ed, g->U);
    if (!st) st = tcm_h5_out_double(o, tcm_results_join(path, sizeof path, group, "V"), 3, ed, g->V);
    if (!st) st = tcm_h5_out_double(o, tcm_results_join(path, sizeof path, group, "chi"), 1, kd, g->chi);
    if (!st && g->ustar) {
        st = tcm_h5_out_double(o, tcm_results_join(path, sizeof path, group, "ustar"), 2, wd, g->ustar);
        if (!st) st = tcm_h5_out_double(o, tcm_results_join(path, sizeof path, group, "vstar"), 2, wd, g->vstar);
        if (!st) st = tcm_h5_out_double(o, tcm_results_join(path, sizeof path, group, "chistar"), 1, kd, g->chistar);
    }
    if (!st) st = tcm_h5_out_attr_double(o, group, "lambda", g->lambda);
    if (!st) st = tcm_h5_out_attr_int(o, group, "needs_normalize", g->needs_normalize);
    return st;
}

/* Read what checkpoint_write wrote (focusing fields when both the file and
 * the graph have them). TCM_EFORMAT for a binary checkpoint, another
 * instance or other sizes, TCM_ENUMERIC for a NaN. */
static int checkpoint_read(tcm_engine *e, const char *path, const char *group, int resume)
{
    (void)resume;
    tcm_graph *g = G(e);
    tcm_h5_in *in = NULL;
    char p[256];
    int st = tcm_results_checkpoint_open(&in, path, group, e, "U", "f");
    if (st) return st;
    size_t K = (size_t)g->K;
    if (!st) st = tcm_results_read_exact(in, path, tcm_results_join(p, sizeof p, group, "U"), g->ne, g->U);
    if (!st) st = tcm_results_read_exact(in, path, tcm_results_join(p, sizeof p, group, "V"), g->ne, g->V);
    if (!st) st = tcm_results_read_exact(in, path, tcm_results_join(p, sizeof p, group, "chi"), K, g->chi);
    int64_t nn = 1;
    if (!st && g->ustar && tcm_h5_in_has(in, tcm_results_join(p, sizeof p, group, "ustar"))) {
        st = tcm_results_read_exact(in, path, p, g->nw, g->ustar);
        if (!st) st = tcm_results_read_exact(in, path, tcm_results_join(p, sizeof p, group, "vstar"), g->nw, g->vstar);
        if (!st) st = tcm_results_read_exact(in, path, tcm_results_join(p, sizeof p, group, "chistar"), K, g->chistar);
        /* A full state (messages, focusing fields, chi) needs no re-normalisation:
         * this keeps a resumed run bitwise identical to an uninterrupted one. */
        if (!st && tcm_h5_in_attr_int(in, group, "needs_normalize", &nn) != TCM_OK) nn = 1;
    }
    if (!st) g->needs_normalize = (int)nn;
    tcm_h5_in_close(in);
    return st;
}

static void free_state(void *state) { tcm_graph_free(state); }

const tcm_engine_ops tcm_engine_cont_ops = {
    "continuous", "lambda", 0, check_modes, prepare, sweep, thermo, errors, configuration, set_reference,
    enable_focusing, randomize, s0, norm_mean, step_extra_names, 2, step_record, point_extra_names, 1,
    point_record, write_marginals, write_modes, checkpoint_write, checkpoint_read, free_state, 1.0, NULL,
};

/* The spherical constraint needs at least two inputs per unit (for n = 1
 * the sphere is the two points +-1, and Gaussian messages mean nothing). */
void *tcm_engine_cont_alloc(const tcm_instance *inst, int M, int nthreads)
{
    if (inst->n < 2) {
        TCM_ERROR(TCM_EINVAL, "continuous weights need at least 2 inputs per unit (n = %d: the sphere "
                  "sum_i x_ki^2 = n of one input is the two points +-1; use --weights binary)", inst->n);
        return NULL;
    }
    return tcm_graph_alloc_patterns(inst, M, nthreads);
}
