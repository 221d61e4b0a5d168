/* Focusing BP solver for continuous weights (spec 4, paper Appendix D 3):
 * runs a protocol of (lambda, y) steps, each a warm-started BP run of at most
 * max_sweeps sweeps with the focusing field, and stops as soon as the sign
 * network built from the marginal means has zero training errors (unless
 * asked to run the whole protocol). The run can stop at any sweep and resume
 * from a saved state with a bitwise identical outcome. */
#ifndef TCMBP_FBP_H
#define TCMBP_FBP_H

#include "tcmbp/bp.h"
#include "tcmbp/graph.h"
#include "tcmbp/protocol.h"

/* History status of a step that stopped because the means became a solution
 * (the other values are tcm_bp_status codes). */
#define TCM_FBP_STEP_SOLVED 5

/* One row of the per-step history. */
typedef struct {
    int step;           /* protocol index (0-based) */
    double lambda, y;
    int sweeps;         /* sweeps done in this step */
    int status;         /* tcm_bp_status of the step, or TCM_FBP_STEP_SOLVED */
    double change;      /* last largest message/focusing change */
    int errors;         /* training errors of the means at the end of the step */
    double chibar;      /* mean chi_k */
    double chistarbar;  /* mean chi*_k */
    double seconds;     /* wall time of the step (summed over resumed pieces) */
} tcm_fbp_step;

/* Where a run stands: enough to continue it exactly. */
typedef struct {
    int next_step;      /* protocol step to run (or continue) next */
    int sweeps_in_step; /* sweeps already done in that step */
    double step_seconds;/* seconds already spent in that step */
    int finished;       /* nonzero once solved or the protocol is exhausted */
    int solved;
    int total_sweeps;
} tcm_fbp_position;

#define TCM_FBP_POSITION_INIT { 0, 0, 0.0, 0, 0, 0 }

/* Called after every sweep (pr as for BP, step = protocol index); nonzero
 * stops the run at that point (status INTERRUPTED), resumable. */
typedef int (*tcm_fbp_sweep_fn)(const tcm_bp_progress *pr, int step, int errors, void *user);
/* Called after every completed step with its history row and the position a
 * resume would start from (the next step). */
typedef void (*tcm_fbp_step_fn)(const tcm_fbp_step *row, const tcm_fbp_position *pos, void *user);

typedef struct {
    tcm_bp_params bp;      /* sweep parameters, tol and max_sweeps per step (paper: 200) */
    int stop_at_solution;  /* stop as soon as the means classify every pattern */
    tcm_fbp_sweep_fn on_sweep;
    tcm_fbp_step_fn on_step;
    void *user;
} tcm_fbp_params;

#define TCM_FBP_PARAMS_INIT { { TCM_SWEEP_PARAMS_INIT, 1e-6, 200, 0.0, NULL, NULL }, 1, NULL, NULL, NULL }

typedef struct {
    int solved;
    int errors;          /* training errors of the means at the end */
    int interrupted;     /* the sweep callback stopped the run */
    int steps;           /* steps completed (history rows written) */
    int total_sweeps;
    double seconds;      /* of this call */
} tcm_fbp_result;

/* Run (or continue from *pos) the protocol on g, which must have focusing
 * enabled (tcm_graph_enable_focusing). history has proto->count rows; rows
 * before pos->next_step are kept, later ones are written. Returns an error
 * status only for bad arguments or memory. */
int tcm_fbp_run(tcm_graph *g, const tcm_protocol *proto, const tcm_fbp_params *p, tcm_fbp_position *pos,
                tcm_fbp_step *history, tcm_fbp_result *res);

/* Training errors of the sign network with the marginal means as weights. */
int tcm_fbp_errors(const tcm_graph *g, int *errors);

#endif
