/* Plain belief propagation for continuous weights (spec 1): sweeps until the
 * largest change of any message and of chi falls below a tolerance, then the
 * free entropy, entropy, overlap and training errors. Also the iteration
 * engine reused by the local-volume and focusing drivers. */
#ifndef TCMBP_BP_H
#define TCMBP_BP_H

#include "tcmbp/graph.h"
#include "tcmbp/sweep.h"

typedef enum {
    TCM_BP_CONVERGED = 0,
    TCM_BP_NOT_CONVERGED = 1, /* max_sweeps reached */
    TCM_BP_NONFINITE = 2,     /* a non-finite update appeared (state kept finite) */
    TCM_BP_TIMEOUT = 3,       /* max_seconds reached */
    TCM_BP_INTERRUPTED = 4    /* the progress callback asked to stop */
} tcm_bp_status;

/* Reported to the progress callback after every sweep. */
typedef struct {
    int sweep;
    double change;     /* largest message change of this sweep */
    double chi_change; /* largest chi change of this sweep */
    double chibar;     /* mean chi_k */
    double seconds;    /* since the start of this run */
} tcm_bp_progress;

/* Progress callback: return nonzero to stop the run (status INTERRUPTED). */
typedef int (*tcm_bp_progress_fn)(const tcm_bp_progress *pr, void *user);

typedef struct {
    tcm_sweep_params sweep;
    double tol;          /* converged when max(message change, chi change) <= tol */
    int max_sweeps;
    double max_seconds;  /* <= 0: no limit */
    tcm_bp_progress_fn progress;
    void *user;
} tcm_bp_params;

#define TCM_BP_PARAMS_INIT { TCM_SWEEP_PARAMS_INIT, 1e-6, 1000, 0.0, NULL, NULL }

typedef struct {
    tcm_bp_status status;
    int sweeps;          /* sweeps done in this run */
    double change;       /* last largest message change */
    double chi_change;   /* last largest chi change */
    int nonfinite_sweep; /* sweep at which a non-finite update appeared (0: none) */
    double phi, entropy, q, chibar, distance; /* tcm_cont_thermo of the final state */
    int errors;          /* training errors of the configuration m (means) */
    double seconds;
} tcm_bp_result;

/* Iterate sweeps from the graph's current messages (warm start) until
 * convergence, max_sweeps, max_seconds, a non-finite update or an interrupt.
 * Fills status, sweeps, change, chi_change, nonfinite_sweep, seconds.
 * Returns a status code only for errors (bad parameters, memory). */
int tcm_bp_iterate(tcm_graph *g, const tcm_bp_params *p, tcm_bp_result *r);

/* Fill the thermodynamic fields and errors of r from the current state. */
int tcm_bp_measure(tcm_graph *g, const tcm_bp_params *p, tcm_bp_result *r);

/* tcm_bp_iterate then tcm_bp_measure. */
int tcm_bp_run(tcm_graph *g, const tcm_bp_params *p, tcm_bp_result *r);

/* "converged", "not_converged", "nonfinite", "timeout", "interrupted". */
const char *tcm_bp_status_name(tcm_bp_status s);

#endif
