/* Local-volume driver (spec 3): a warm-started ladder of reference couplings. */
#include "tcmbp/volume.h"

#include <math.h>
#include <string.h>

#include "tcmbp/error.h"

double tcm_volume_s0(double d) { return 0.5 * log(d * (2.0 - d)); }

int tcm_volume_ladder(double *lambdas, int count, double lo, double hi)
{
    if (count < 1) return TCM_ERROR(TCM_EINVAL, "a lambda ladder needs at least one step, got %d", count);
    if (!(lo > 0.0) || !isfinite(hi) || (count > 1 && !(hi > lo)))
        return TCM_ERROR(TCM_EINVAL, "lambda ladder needs 0 < min < max, got %g and %g", lo, hi);
    for (int j = 0; j < count; j++)
        lambdas[j] = count == 1 ? lo : lo * pow(hi / lo, (double)j / (count - 1));
    return TCM_OK;
}

/* One point of the ladder: set lambda, iterate from the current state, measure. */
static int volume_point(tcm_graph *g, const tcm_volume_params *p, double lambda, tcm_volume_point *pt)
{
    int st = tcm_graph_set_reference(g, g->wref, lambda);
    if (st) return st;
    tcm_bp_result r;
    memset(&r, 0, sizeof r);
    if ((st = tcm_bp_iterate(g, &p->bp, &r)) || (st = tcm_bp_measure(g, &p->bp, &r))) return st;
    pt->lambda = lambda;
    pt->distance = r.distance;
    pt->entropy = r.entropy;
    pt->s0 = tcm_volume_s0(r.distance);
    pt->local_entropy = r.entropy - pt->s0;
    pt->q = r.q;
    pt->chibar = r.chibar;
    pt->status = r.status;
    pt->sweeps = r.sweeps;
    pt->change = r.change;
    pt->seconds = r.seconds;
    return TCM_OK;
}

int tcm_volume_run(tcm_graph *g, const double *wref, const double *lambdas, int count,
                   const tcm_volume_params *p, tcm_volume_point *points, int *done)
{
    *done = 0;
    for (int j = 0; j < count; j++)
        if (!(lambdas[j] >= 0.0) || !isfinite(lambdas[j]))
            return TCM_ERROR(TCM_EINVAL, "lambda must be finite and >= 0, got %g at position %d", lambdas[j], j + 1);
    int st = tcm_graph_set_reference(g, wref, lambdas[0]);
    if (st) return st;
    for (int j = 0; j < count; j++) {
        if ((st = volume_point(g, p, lambdas[j], &points[j]))) return st;
        *done = j + 1;
        if (p->on_point && p->on_point(&points[j], j, count, p->user)) break;
        if (points[j].status == TCM_BP_INTERRUPTED) break;
    }
    return TCM_OK;
}
