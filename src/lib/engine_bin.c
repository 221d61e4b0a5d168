/* The binary-weight BP engine behind the engine interface (engine.h):
 * field messages on a tcm_bgraph, one sweep of bbp.c, thermodynamics and the
 * focusing record of bin.c, and its result datasets and checkpoints
 * (docs/FORMAT.md). */
#include "tcmbp/engine.h"
#include "engine_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tcmbp/bbp.h"
#include "tcmbp/error.h"
#include "tcmbp/results.h"

static tcm_bgraph *G(const tcm_engine *e) { return e->state; }

static int check_modes(const tcm_engine_modes *m)
{
    tcm_bbp_sweep_params p = TCM_BBP_SWEEP_PARAMS_INIT;
    p.schedule = m->schedule;
    p.block_size = m->block_size;
    p.damping = m->damping;
    return tcm_bbp_check_sweep_params(&p);
}

/* Scratch for the hidden mode, and the marginal fields from the messages
 * (kept as they are right after a checkpoint restored them exactly). */
static int prepare(tcm_engine *e, const tcm_engine_modes *m)
{
    tcm_bgraph *g = G(e);
    int st = tcm_bgraph_reserve(g, tcm_bin_work_size(g->K, g->n, m->hidden));
    if (st) return st;
    if (!g->fields_restored) tcm_bbp_rebuild_marginals(g);
    g->fields_restored = 0;
    return TCM_OK;
}

static int sweep(tcm_engine *e, const tcm_engine_modes *m, const tcm_protocol_step *focus, tcm_engine_change *c)
{
    tcm_bbp_sweep_params p = TCM_BBP_SWEEP_PARAMS_INIT;
    p.hidden = m->hidden;
    p.output = m->output;
    p.schedule = m->schedule;
    p.block_size = m->block_size;
    p.damping = m->damping;
    if (focus) {
        p.gamma = focus->coupling;
        p.y = focus->y;
    }
    tcm_bbp_change bc;
    int st = tcm_bbp_sweep(G(e), &p, &bc);
    *c = (tcm_engine_change){ bc.messages, 0.0, bc.focus, bc.nonfinite };
    return st;
}

static int thermo(tcm_engine *e, const tcm_engine_modes *m, tcm_engine_thermo *t)
{
    tcm_bin_thermo bt;
    int st = tcm_bin_thermo_compute(G(e), m->hidden, m->output, &bt);
    *t = (tcm_engine_thermo){ bt.phi, bt.entropy, bt.q, bt.distance, NAN, bt.overlap };
    return st;
}

static int errors(const tcm_engine *e, int *errors) { return tcm_bbp_errors(G(e), errors); }

/* sign(field), a zero field counted as +1. */
static int configuration(const tcm_engine *e, tcm_weights *w)
{
    tcm_bbp_signs(G(e), w->w);
    return TCM_OK;
}

static int set_reference(tcm_engine *e, const double *wref, double lambda)
{
    tcm_bgraph *g = G(e);
    return tcm_bgraph_set_reference(g, wref ? wref : g->wref, lambda);
}

static int enable_focusing(tcm_engine *e) { return tcm_bgraph_enable_focusing(G(e)); }

static void randomize(tcm_engine *e, double amplitude, uint64_t seed) { tcm_bgraph_randomize(G(e), amplitude, seed); }

static double norm_mean(const tcm_engine *e)
{
    (void)e;
    return NAN;
}

static const char *const step_extra_names[] = { "pol", "S", "q", "q_tilde", "F", "free_entropy", "sigma_int" };

/* The thermodynamic record of EQUATIONS.md 4 (NaN but pol when not asked for). */
static int step_record(tcm_engine *e, const tcm_engine_modes *m, const tcm_protocol_step *s, int record, double *x)
{
    tcm_bin_record r;
    if (record) {
        int st = tcm_bin_record_compute(G(e), m->hidden, m->output, s->coupling, s->y, &r);
        if (st) return st;
    } else {
        r.S = r.q = r.q_tilde = r.free_entropy = r.F = r.sigma_int = NAN;
        r.pol = tanh(s->coupling);
    }
    double v[7] = { r.pol, r.S, r.q, r.q_tilde, r.F, r.free_entropy, r.sigma_int };
    for (int j = 0; j < 7; j++) x[j] = v[j];
    return TCM_OK;
}

static const char *const point_extra_names[] = { "overlap" };

static void point_record(const tcm_engine_thermo *t, double *x) { x[0] = t->overlap; }

/* Datasets magnetization (tanh of the marginal fields) and field, K x n. */
static int write_marginals(const tcm_engine *e, tcm_h5_out *o, const char *group)
{
    const tcm_bgraph *g = G(e);
    double *m = malloc(g->nw * sizeof(double));
    if (!m) return TCM_ERROR(TCM_ENOMEM, "out of memory writing marginals");
    for (size_t ki = 0; ki < g->nw; ki++) m[ki] = tanh(g->field[ki]);
    char path[256];
    size_t dims[2] = { (size_t)g->K, (size_t)g->n };
    int st = tcm_h5_out_double(o, tcm_results_join(path, sizeof path, group, "magnetization"), 2, dims, m);
    if (!st) st = tcm_h5_out_double(o, tcm_results_join(path, sizeof path, group, "field"), 2, dims, g->field);
    free(m);
    return st;
}

static int write_modes(const tcm_engine *e, const tcm_engine_modes *m, tcm_h5_out *o, const char *group)
{
    (void)e;
    int st = tcm_h5_out_attr_string(o, group, "hidden", tcm_hidden_mode_name(m->hidden));
    return st ? st : tcm_results_write_common_modes(o, group, m);
}

/* Group: f (M x K x n message fields), field (K x n marginal fields) and,
 * with focusing, ustar (K x n); attributes M, K, n, lambda,
 * instance_fingerprint, weights = "binary". */
static int checkpoint_write(const tcm_engine *e, tcm_h5_out *o, const char *group)
{
    const tcm_bgraph *g = G(e);
    char path[256];
    size_t ed[3] = { (size_t)g->M, (size_t)g->K, (size_t)g->n }, wd[2] = { (size_t)g->K, (size_t)g->n };
    int st = tcm_results_checkpoint_header(o, group, e);
    if (!st) st = tcm_h5_out_double(o, tcm_results_join(path, sizeof path, group, "f"), 3, ed, g->f);
    if (!st) st = tcm_h5_out_double(o, tcm_results_join(path, sizeof path, group, "field"), 2, wd, g->field);
    if (!st && g->ustar) st = tcm_h5_out_double(o, tcm_results_join(path, sizeof path, group, "ustar"), 2, wd, g->ustar);
    if (!st) st = tcm_h5_out_attr_double(o, group, "lambda", g->lambda);
    return st;
}

/* Read what checkpoint_write wrote (ustar when both the file and the graph
 * have it). On a resume the marginal fields are restored exactly (when the
 * file has them and its focusing state matches the graph's), so that the run
 * goes on bit for bit; otherwise they are rebuilt from the messages. */
static int checkpoint_read(tcm_engine *e, const char *path, const char *group, int resume)
{
    tcm_bgraph *g = G(e);
    tcm_h5_in *in = NULL;
    char p[256];
    int st = tcm_results_checkpoint_open(&in, path, group, e, "f", "U");
    if (st) return st;
    st = tcm_results_read_exact(in, path, tcm_results_join(p, sizeof p, group, "f"), g->ne, g->f);
    int has_ustar = tcm_h5_in_has(in, tcm_results_join(p, sizeof p, group, "ustar"));
    if (!st && g->ustar && has_ustar) st = tcm_results_read_exact(in, path, p, g->nw, g->ustar);
    int exact = !st && resume && !g->ustar == !has_ustar && tcm_h5_in_has(in, tcm_results_join(p, sizeof p, group, "field"));
    if (exact) st = tcm_results_read_exact(in, path, p, g->nw, g->field);
    if (!st) g->fields_restored = exact;
    tcm_h5_in_close(in);
    return st;
}

static void free_state(void *state) { tcm_bgraph_free(state); }

/* The CLT hidden factor replaces the sum over the other weights of a unit,
 * each flipped with probability ~d, by a Gaussian; with n d (1 - d) < 1
 * fewer than one flip is expected and the sum is a lattice, not a Gaussian:
 * the Legendre identity then fails by 6-43% (docs/EQUATIONS.md 8). The
 * exact hidden factor holds everywhere. */
static int point_reliable(const tcm_engine *e, const tcm_engine_modes *m, double d)
{
    return m->hidden != TCM_HIDDEN_CLT || (double)e->n * d * (1.0 - d) >= 1.0;
}

const tcm_engine_ops tcm_engine_bin_ops = {
    "binary", "gamma", 1, check_modes, prepare, sweep, thermo, errors, configuration, set_reference,
    enable_focusing, randomize, tcm_bin_s0, norm_mean, step_extra_names, 7, step_record, point_extra_names, 1,
    point_record, write_marginals, write_modes, checkpoint_write, checkpoint_read, free_state, 2.0, point_reliable,
};

void *tcm_engine_bin_alloc(const tcm_instance *inst, int M, int nthreads)
{
    return tcm_bgraph_alloc_patterns(inst, M, nthreads);
}
