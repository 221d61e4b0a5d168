/* The BP iteration engine and plain-BP driver for continuous weights. */
#include "tcmbp/bp.h"

#include <math.h>
#include <omp.h>
#include <string.h>

#include "tcmbp/error.h"
#include "tcmbp/weights.h"

static int check_params(const tcm_bp_params *p)
{
    if (!(p->tol > 0.0)) return TCM_ERROR(TCM_EINVAL, "tolerance must be > 0, got %g", p->tol);
    if (p->max_sweeps < 0) return TCM_ERROR(TCM_EINVAL, "max sweeps must be >= 0, got %d", p->max_sweeps);
    if (p->sweep.schedule == TCM_SCHEDULE_BLOCK && p->sweep.block_size < 1)
        return TCM_ERROR(TCM_EINVAL, "block size must be >= 1, got %d", p->sweep.block_size);
    return TCM_OK;
}

static double mean_chi(const tcm_graph *g)
{
    double s = 0.0;
    for (int k = 0; k < g->K; k++) s += g->chi[k];
    return s / g->K;
}

int tcm_bp_iterate(tcm_graph *g, const tcm_bp_params *p, tcm_bp_result *r)
{
    int st = check_params(p);
    if (st != TCM_OK) return st;
    double t0 = omp_get_wtime();
    r->status = TCM_BP_NOT_CONVERGED;
    r->sweeps = 0;
    r->nonfinite_sweep = 0;
    r->change = r->chi_change = INFINITY;
    tcm_sweep_rebuild_marginals(g); /* a pure function of the messages and fields */
    if (g->needs_normalize) tcm_sweep_normalize(g); /* only after the state was edited */
    g->needs_normalize = 0;
    while (r->sweeps < p->max_sweeps) {
        tcm_sweep_change c;
        if ((st = tcm_sweep_run(g, &p->sweep, &c)) != TCM_OK) return st;
        r->sweeps++;
        r->change = fmax(c.messages, c.focus);
        r->chi_change = c.chi;
        r->seconds = omp_get_wtime() - t0;
        if (c.nonfinite > 0) {
            r->status = TCM_BP_NONFINITE;
            r->nonfinite_sweep = r->sweeps;
            break;
        }
        if (fmax(r->change, r->chi_change) <= p->tol) {
            r->status = TCM_BP_CONVERGED;
            break;
        }
        tcm_bp_progress pr = { r->sweeps, r->change, r->chi_change, mean_chi(g), r->seconds };
        if (p->progress && p->progress(&pr, p->user)) {
            r->status = TCM_BP_INTERRUPTED;
            break;
        }
        if (p->max_seconds > 0 && r->seconds >= p->max_seconds) {
            r->status = TCM_BP_TIMEOUT;
            break;
        }
    }
    r->seconds = omp_get_wtime() - t0;
    return TCM_OK;
}

int tcm_bp_measure(tcm_graph *g, const tcm_bp_params *p, tcm_bp_result *r)
{
    tcm_cont_thermo t;
    tcm_cont_thermo_compute(g, p->sweep.output, &t);
    r->phi = t.phi;
    r->entropy = t.entropy;
    r->q = t.q;
    r->chibar = t.chibar;
    r->distance = t.distance;
    tcm_weights *w = tcm_weights_alloc(g->K, g->n, TCM_WEIGHTS_CONTINUOUS);
    if (!w) return tcm_last_error_code();
    tcm_cont_means(g, w->w);
    tcm_eval ev;
    tcm_instance used = *g->inst; /* a view of the patterns the graph uses */
    used.M = g->M;
    int st = g->M > 0 ? tcm_weights_eval(w, &used, &ev, NULL, NULL) : TCM_OK;
    if (g->M == 0) ev.errors = 0;
    tcm_weights_free(w);
    if (st != TCM_OK) return st;
    r->errors = ev.errors;
    return TCM_OK;
}

int tcm_bp_run(tcm_graph *g, const tcm_bp_params *p, tcm_bp_result *r)
{
    memset(r, 0, sizeof *r);
    int st = tcm_bp_iterate(g, p, r);
    if (st != TCM_OK) return st;
    return tcm_bp_measure(g, p, r);
}

const char *tcm_bp_status_name(tcm_bp_status s)
{
    switch (s) {
    case TCM_BP_CONVERGED: return "converged";
    case TCM_BP_NOT_CONVERGED: return "not_converged";
    case TCM_BP_NONFINITE: return "nonfinite";
    case TCM_BP_TIMEOUT: return "timeout";
    case TCM_BP_INTERRUPTED: return "interrupted";
    }
    return "unknown";
}
