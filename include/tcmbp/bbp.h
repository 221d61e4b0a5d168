/* Belief propagation for binary weights (spec 2, 3, 4): one deterministic
 * sweep (factor updates in parallel over patterns, or in fixed blocks;
 * marginals summed in pattern order, so results are bitwise identical for
 * any thread count; focusing fields; damping); the BP driver with Bethe
 * entropy; the local-volume ladder around a binary reference; and focusing
 * BP (reinforcement, scoping, pseudo-reinforcement, explicit lists of
 * (gamma, y)) with the per-step thermodynamic record. */
#ifndef TCMBP_BBP_H
#define TCMBP_BBP_H

#include "tcmbp/bgraph.h"
#include "tcmbp/bin.h"
#include "tcmbp/bp.h"
#include "tcmbp/protocol.h"
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

/* Run one sweep: every pattern's messages from the current marginal fields,
 * the marginals rebuilt in pattern order, then (with a focusing field) the
 * focusing fields of spec 4 from the new cavity fields. TCM_EINVAL on bad
 * parameters, TCM_ENOMEM (scratch for the exact mode, block buffer). */
int tcm_bbp_sweep(tcm_bgraph *g, const tcm_bbp_sweep_params *p, tcm_bbp_change *change);

/* Rebuild every marginal field from the messages and external fields,
 * summing patterns in order (deterministic). */
void tcm_bbp_rebuild_marginals(tcm_bgraph *g);

/* ---- BP driver ----------------------------------------------------------- */

typedef struct {
    int sweep;
    double change;  /* max(messages, focus) of this sweep */
    double seconds; /* since the start of this run */
} tcm_bbp_progress;

/* Progress callback after every sweep: return nonzero to stop (INTERRUPTED). */
typedef int (*tcm_bbp_progress_fn)(const tcm_bbp_progress *pr, void *user);

typedef struct {
    tcm_bbp_sweep_params sweep;
    double tol;         /* converged when the largest change (messages, focus) <= tol */
    int max_sweeps;
    double max_seconds; /* <= 0: no limit */
    tcm_bbp_progress_fn progress;
    void *user;
} tcm_bbp_params;

#define TCM_BBP_PARAMS_INIT { TCM_BBP_SWEEP_PARAMS_INIT, 1e-6, 1000, 0.0, NULL, NULL }

typedef struct {
    tcm_bp_status status;
    int sweeps;          /* sweeps done in this run */
    double change;       /* last largest change */
    int nonfinite_sweep; /* sweep at which a non-finite update appeared (0: none) */
    double phi, entropy, q, overlap, distance; /* tcm_bin_thermo of the final state */
    int errors;          /* training errors of sign(marginal fields) */
    double seconds;
} tcm_bbp_result;

/* Iterate sweeps from the current messages (warm start) until convergence,
 * max_sweeps, max_seconds, a non-finite update or an interrupt. Fills status,
 * sweeps, change, nonfinite_sweep, seconds. Returns a status code only for
 * errors (bad parameters, memory). */
int tcm_bbp_iterate(tcm_bgraph *g, const tcm_bbp_params *p, tcm_bbp_result *r);

/* Fill the thermodynamic fields and errors of r from the current state. */
int tcm_bbp_measure(tcm_bgraph *g, const tcm_bbp_params *p, tcm_bbp_result *r);

/* tcm_bbp_iterate then tcm_bbp_measure. */
int tcm_bbp_run(tcm_bgraph *g, const tcm_bbp_params *p, tcm_bbp_result *r);

/* The configuration sign(field) (a zero field gives +1) into w (K x n). */
void tcm_bbp_signs(const tcm_bgraph *g, double *w);

/* Training errors of sign(field) on the graph's patterns (the first g->M of
 * the instance). TCM_ENOMEM. */
int tcm_bbp_errors(const tcm_bgraph *g, int *errors);

/* ---- local volume around a binary reference (spec 3) --------------------- */

typedef struct {
    double lambda;
    double distance;      /* d = (1 - (1/N) sum wref m)/2 */
    double entropy;       /* S = phi - (lambda/N) sum wref m */
    double s0;            /* -d ln d - (1-d) ln(1-d) */
    double local_entropy; /* S - S0 */
    double q;
    tcm_bp_status status;
    int sweeps;
    double change;
    double seconds;
} tcm_bbp_volume_point;

/* Called after each lambda; return nonzero to stop the ladder. */
typedef int (*tcm_bbp_volume_fn)(const tcm_bbp_volume_point *pt, int index, int count, void *user);

typedef struct {
    tcm_bbp_params bp; /* engine parameters for every lambda */
    tcm_bbp_volume_fn on_point;
    void *user;
} tcm_bbp_volume_params;

#define TCM_BBP_VOLUME_PARAMS_INIT { TCM_BBP_PARAMS_INIT, NULL, NULL }

/* Run the ladder lambdas[0..count) (finite, >= 0) around wref (K x n, +-1),
 * each lambda warm-started from the previous one, filling points; *done gets
 * the number of points computed. A lambda that does not converge is recorded
 * (status) and the ladder goes on. Errors only for bad arguments or memory. */
int tcm_bbp_volume_run(tcm_bgraph *g, const double *wref, const double *lambdas, int count,
                       const tcm_bbp_volume_params *p, tcm_bbp_volume_point *points, int *done);

/* ---- focusing BP (spec 4) ------------------------------------------------ */

/* One protocol step: the Julia package's record plus run information. */
typedef struct {
    int step;             /* 0-based index in the protocol */
    tcm_bin_record rec;   /* gamma, pol, y, S, q, q_tilde, free_entropy, F, sigma_int (NaN if not recorded) */
    int errors;           /* training errors of sign(field) after the step */
    tcm_bp_status status; /* of the BP iteration of this step */
    int sweeps;
    double change;
    double seconds;       /* of this step */
} tcm_bbp_focus_step;

/* Called after each step; return nonzero to stop the protocol (INTERRUPTED). */
typedef int (*tcm_bbp_focus_fn)(const tcm_bbp_focus_step *st, int count, void *user);

typedef struct {
    tcm_bbp_params bp;    /* per step: modes, damping, tol, max_sweeps (per step), progress */
    int stop_at_solution; /* stop as soon as sign(field) has zero training errors */
    int record;           /* compute the thermodynamic record at each step (costs about a sweep) */
    tcm_bbp_focus_fn on_step;
    void *user;
} tcm_bbp_focus_params;

#define TCM_BBP_FOCUS_PARAMS_INIT { TCM_BBP_PARAMS_INIT, 1, 1, NULL, NULL }

typedef struct {
    int solved;           /* zero training errors at the end */
    int errors;           /* training errors at the end */
    int steps;            /* protocol steps run */
    int sweeps;           /* total sweeps */
    tcm_bp_status status; /* INTERRUPTED if stopped by a callback, else of the last step */
    double seconds;
} tcm_bbp_focus_result;

/* Run the protocol from the graph's current messages and focusing field
 * (enabled here if needed): for each step (gamma, y), iterate BP with the
 * focusing field of spec 4, then count the errors of sign(field) and (if
 * asked) compute the record; stop after a step with zero errors when
 * stop_at_solution (also before the first step if the initial state already
 * solves the instance, then steps = 0). steps (proto->count entries, may be
 * NULL) receives one row per step run. Errors only for bad arguments or memory. */
int tcm_bbp_focus_run(tcm_bgraph *g, const tcm_protocol *proto, const tcm_bbp_focus_params *p,
                      tcm_bbp_focus_step *steps, tcm_bbp_focus_result *r);

#endif
