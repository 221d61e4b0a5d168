/* One BP sweep for binary weights (EQUATIONS.md 2, 3, 4): factor updates in
 * parallel over patterns, or in fixed blocks; marginals summed in pattern
 * order, so results are bitwise identical for any thread count; focusing
 * fields; damping. Also the sign configuration and its training errors.
 * The engine of engine_bin.c runs it behind the engine interface. */
#ifndef TCMBP_BBP_H
#define TCMBP_BBP_H

#include "tcmbp/bgraph.h"
#include "tcmbp/bin.h"
#include "tcmbp/sweep.h"

/* ---- one sweep ----------------------------------------------------------- */

typedef struct {
    tcm_hidden_mode hidden;
    tcm_output_mode output;
    tcm_schedule schedule; /* parallel, or fixed blocks with marginals refreshed after each */
    int block_size;        /* patterns per block (block schedule) */
    double damping;        /* 0 = none; new = (1-d)*computed + d*old (fields, incl. focusing) */
    double gamma, y;       /* focusing coupling (+inf allowed) and replicas, used when the
                            * graph has a focusing field */
} tcm_bbp_sweep_params;

#define TCM_BBP_SWEEP_PARAMS_INIT \
    { TCM_HIDDEN_CLT, TCM_OUTPUT_EXACT, TCM_SCHEDULE_PARALLEL, 64, 0.5, 0.0, 1.0 }

typedef struct {
    double messages; /* largest |tanh(new) - tanh(old)| of any factor -> weight message */
    double focus;    /* the same for the focusing fields */
    int nonfinite;   /* patterns with a non-finite update (old values kept) */
} tcm_bbp_change;

/* TCM_EINVAL naming the first bad parameter (damping, block size, gamma, y). */
int tcm_bbp_check_sweep_params(const tcm_bbp_sweep_params *p);

/* Run one sweep: every pattern's messages from the current marginal fields,
 * the marginals rebuilt in pattern order, then (with a focusing field) the
 * focusing fields of EQUATIONS.md 4.2 from the new cavity fields. TCM_EINVAL on bad
 * parameters, TCM_ENOMEM (scratch for the exact mode, block buffer). */
int tcm_bbp_sweep(tcm_bgraph *g, const tcm_bbp_sweep_params *p, tcm_bbp_change *change);

/* Rebuild every marginal field from the messages and external fields,
 * summing patterns in order (deterministic). */
void tcm_bbp_rebuild_marginals(tcm_bgraph *g);

/* The configuration sign(field) (a zero field gives +1) into w (K x n). */
void tcm_bbp_signs(const tcm_bgraph *g, double *w);

/* Training errors of sign(field) on the graph's patterns (the first g->M of
 * the instance). TCM_ENOMEM. */
int tcm_bbp_errors(const tcm_bgraph *g, int *errors);

#endif
