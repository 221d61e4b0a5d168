/* Local volume around a reference configuration (spec 3, continuous
 * weights): a ladder of coupling strengths lambda, each warm-started from the
 * previous one; at each, the mean squared distance d, the entropy S, the
 * free-space value S0(d) = ln sqrt(d(2-d)) and the normalised local entropy
 * S - S0. A lambda that does not converge is recorded and the ladder goes on. */
#ifndef TCMBP_VOLUME_H
#define TCMBP_VOLUME_H

#include "tcmbp/bp.h"
#include "tcmbp/graph.h"

typedef struct {
    double lambda;
    double distance;      /* d = |x - wref|^2 / (2N) */
    double entropy;       /* S (spec 1.4 with the reference terms) */
    double s0;            /* ln sqrt(d (2 - d)) */
    double local_entropy; /* S - S0 */
    double q, chibar;
    tcm_bp_status status;
    int sweeps;
    double change;
    double seconds;
} tcm_volume_point;

/* Called after each lambda; return nonzero to stop the ladder. */
typedef int (*tcm_volume_progress_fn)(const tcm_volume_point *pt, int index, int count, void *user);

typedef struct {
    tcm_bp_params bp;     /* engine parameters for every lambda */
    tcm_volume_progress_fn on_point;
    void *user;
} tcm_volume_params;

#define TCM_VOLUME_PARAMS_INIT { TCM_BP_PARAMS_INIT, NULL, NULL }

/* ln sqrt(d (2 - d)): the alpha = 0 local entropy of the sphere at distance d. */
double tcm_volume_s0(double d);

/* count geometrically spaced values from lo to hi (count >= 2, 0 < lo < hi), or lo alone for count 1. */
int tcm_volume_ladder(double *lambdas, int count, double lo, double hi);

/* Run the ladder lambdas[0..count) around wref (K x n, normalised per unit)
 * on graph g, filling points[0..count). *done gets the number of points
 * computed (fewer than count if the progress callback stopped the ladder).
 * Errors only for bad arguments or memory. */
int tcm_volume_run(tcm_graph *g, const double *wref, const double *lambdas, int count,
                   const tcm_volume_params *p, tcm_volume_point *points, int *done);

#endif
