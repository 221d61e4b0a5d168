/* The drivers, written once over the engine interface (engine.h) for every
 * weight kind: plain BP (sweeps until the largest change falls below a
 * tolerance, then thermodynamics and errors), the local-volume ladder (a
 * warm-started list of reference couplings lambda) and focusing BP (a
 * protocol of (coupling, y) steps that stops at a solution). Ladders and
 * protocols are schedules of steps run through one resumable position: a
 * run stopped at any sweep and continued from a checkpoint of its state and
 * position gives, bit for bit, what an uninterrupted run gives. */
#ifndef TCMBP_DRIVER_H
#define TCMBP_DRIVER_H

#include "tcmbp/engine.h"
#include "tcmbp/protocol.h"

typedef enum {
    TCM_BP_CONVERGED = 0,
    TCM_BP_NOT_CONVERGED = 1, /* max_sweeps reached */
    TCM_BP_NONFINITE = 2,     /* a non-finite update appeared (state kept finite) */
    TCM_BP_TIMEOUT = 3,       /* max_seconds reached */
    TCM_BP_INTERRUPTED = 4,   /* a callback asked to stop */
    TCM_BP_INVALID = 6        /* the state is not a valid BP state (e.g. a non-positive
                               * marginal precision): its thermodynamics are NaN */
} tcm_bp_status;

/* History status of a focusing step that stopped because the configuration
 * became a solution (the other values are tcm_bp_status codes). */
#define TCM_FOCUS_STEP_SOLVED 5

/* "converged", "not_converged", "nonfinite", "timeout", "interrupted", "solved", "invalid". */
const char *tcm_bp_status_name(int status);

/* Reported to the progress callback after every sweep that does not end the run. */
typedef struct {
    int sweep;          /* sweeps of this run (of this step, for ladders and protocols) */
    double change;      /* largest message or focusing-field change of this sweep */
    double norm_change; /* largest normalisation change (chi); 0 where there is none */
    double norm_mean;   /* mean chi_k; NaN where there is none */
    double seconds;     /* since the start of this run */
} tcm_progress;

/* Return nonzero to stop the run (status INTERRUPTED). */
typedef int (*tcm_progress_fn)(const tcm_progress *pr, void *user);

typedef struct {
    tcm_engine_modes modes;
    double tol;         /* converged when max(change, norm_change) <= tol */
    int max_sweeps;     /* per run (per step of a ladder or protocol) */
    double max_seconds; /* <= 0: no limit */
    tcm_progress_fn progress;
    void *user;
    int retries;        /* plain BP and volume points: a run that has not converged after
                         * max_sweeps goes on for up to `retries` more rounds of max_sweeps
                         * sweeps, each with the damping moved half way to 1 (round r:
                         * 1 - (1 - damping) / 2^r); 0: none */
} tcm_run_params;

#define TCM_RUN_PARAMS_INIT { TCM_ENGINE_MODES_INIT, 1e-6, 1000, 0.0, NULL, NULL, 0 }

/* Damping of retry round `round` (round 0: the run's own damping, exactly). */
double tcm_run_retry_damping(double damping, int round);

/* TCM_EINVAL naming the first bad parameter (tolerance, sweeps, seconds, the engine's modes). */
int tcm_run_params_check(const tcm_engine *e, const tcm_run_params *p);

typedef struct {
    tcm_bp_status status;
    int sweeps;              /* sweeps done in this run */
    double change;           /* last largest message/focusing change */
    double norm_change;      /* last largest normalisation change */
    int nonfinite_sweep;     /* sweep at which a non-finite update appeared (0: none) */
    tcm_engine_thermo thermo; /* of the final state (tcm_driver_measure) */
    int errors;              /* training errors of the engine's configuration */
    double seconds;
} tcm_bp_result;

/* Called after every sweep with its progress record and whether the run
 * ends at this sweep anyway (it converged or reached max_sweeps); nonzero
 * stops the run (status INTERRUPTED, also on a last sweep). Used by the
 * focusing driver to count errors and stop at a solution; a stop asked by
 * the user must not be taken on a last sweep (a resume would find the step
 * over but unrecorded: no sweep left, change = inf), so that where a run is
 * interrupted never changes what it computes. */
typedef int (*tcm_sweep_hook)(tcm_engine *e, const tcm_progress *pr, int last, void *ctx);

/* Iterate sweeps from the engine's current state (warm start) with the
 * focusing step `focus` (NULL: none) until convergence, max_sweeps,
 * max_seconds, a non-finite update, the hook or the progress callback.
 * Fills status, sweeps, change, norm_change, nonfinite_sweep, seconds.
 * Returns a status code only for errors (bad parameters, memory). */
int tcm_driver_iterate(tcm_engine *e, const tcm_run_params *p, const tcm_protocol_step *focus, tcm_sweep_hook hook,
                       void *ctx, tcm_bp_result *r);

/* Fill r->thermo and r->errors from the current state. */
int tcm_driver_measure(tcm_engine *e, const tcm_run_params *p, tcm_bp_result *r);

/* Plain BP: iterate (no focusing) then measure. */
int tcm_driver_bp(tcm_engine *e, const tcm_run_params *p, tcm_bp_result *r);

/* ---- schedules: where a ladder or protocol run stands -------------------- */

typedef struct {
    int next_step;       /* step to run (or continue) next */
    int sweeps_in_step;  /* sweeps already done in that step */
    double step_seconds; /* seconds already spent in that step */
    int finished;        /* nonzero once the schedule is done (or the solution found) */
    int solved;          /* focusing: the configuration solves the instance */
    int total_sweeps;
    /* volume: the point next_step is in its stability check (it converged at
     * tol after check_start sweeps, where S and d were check_entropy and
     * check_distance; tcm_volume_params.stability) */
    int check;
    int check_start;
    double check_entropy, check_distance;
} tcm_run_position;

#define TCM_RUN_POSITION_INIT { 0, 0, 0.0, 0, 0, 0, 0, 0, 0.0, 0.0 }

/* ---- local volume ---------------------------------------------------------- */

/* One point of the ladder (a row of the /volume table). */
typedef struct {
    double lambda;
    double distance;      /* continuous: |x - wref|^2/(2N); binary: expected Hamming fraction */
    double entropy;       /* S at that distance */
    double s0;            /* the alpha = 0 value at that distance (engine's s0) */
    double local_entropy; /* S - S0 */
    double q;
    int converged;        /* status == TCM_BP_CONVERGED */
    int valid;            /* converged with finite distance and entropies, and the engine's
                           * approximations reliable there (`reliable`), and stable under a
                           * tighter tolerance (`stable`): a number to use
                           * (0: never average it in; non-finite values stay as they are) */
    int reliable;         /* the engine's approximations hold at this distance (binary
                           * weights with the CLT hidden factor: n d (1 - d) >= 1) */
    int status;           /* tcm_bp_status of the point */
    int sweeps;
    double change;
    double seconds;
    double limit;         /* the small-distance limit of S - S0 at this distance (limit.h); NaN
                           * where it cannot be computed */
    double damping;       /* the damping of the point's last sweep (more than the run's after retries) */
    double legendre;      /* stationarity check against the previous point: the change of
                           * S - S0 minus the trapezoid of its slope c lambda - S0'(d) (c: the
                           * engine's legendre_factor) over the change of d, per weight; NaN for
                           * the first point or next to a point that is not valid. A Bethe
                           * fixed point satisfies it up to the trapezoid's error (~1e-5 on
                           * the default ladders); much more flags a non-stationary estimate */
    int stable;           /* the point converged and, with the stability check on, its sweeps to
                           * tol/stability converged with both drifts <= drift_max (part of
                           * `valid`); with the check off 1 for every converged point */
    double drift_entropy; /* the check: |S(tol/stability) - S(tol)| (nats per weight); NaN
                           * when the check did not run (off, or the point did not converge) */
    double drift_distance; /* |d(tol/stability) - d(tol)| / d(tol/stability) (absolute where that
                            * d is 0); NaN likewise */
    int check_sweeps;     /* sweeps of the check (included in `sweeps`) */
    double extra[TCM_ENGINE_MAX_EXTRAS]; /* the engine's point extras (ops->point_extra_names) */
} tcm_volume_point;

/* Called after each point; return nonzero to stop the ladder (resumable). */
typedef int (*tcm_volume_fn)(const tcm_volume_point *pt, int index, int count, void *user);
/* Called after each point with the position a resume would start from. */
typedef void (*tcm_volume_saved_fn)(const tcm_run_position *pos, const tcm_volume_point *points, void *user);

typedef struct {
    tcm_run_params run; /* engine parameters for every lambda (max_sweeps per point) */
    tcm_volume_fn on_point;
    tcm_volume_saved_fn on_position;
    void *user;
    int keep_going;     /* 0: the ladder ends at the first point that has not converged (after
                         * the retries; its row is recorded), since the points beyond it start
                         * from a state that is not a fixed point; 1: go on */
    double stability;   /* the stability check: a point that converged at tol sweeps on, warm,
                         * until it converges at tol / stability (at most max_sweeps more
                         * sweeps, at the damping it converged with); the point reports the
                         * values at tol / stability and the drifts from those at tol.
                         * 0: no check; otherwise > 1 */
    double drift_max;   /* a point is stable (and may be valid) only if both drifts are <= this */
} tcm_volume_params;

/* Defaults of the stability check (docs/CLI.md, volume --stability, --drift-max). */
#define TCM_VOLUME_STABILITY 10.0
#define TCM_VOLUME_DRIFT_MAX 1e-4

#define TCM_VOLUME_PARAMS_INIT { TCM_RUN_PARAMS_INIT, NULL, NULL, NULL, 1, TCM_VOLUME_STABILITY, TCM_VOLUME_DRIFT_MAX }

/* Whether a finished ladder ended early at a point that did not converge. */
int tcm_volume_stopped(const tcm_run_position *pos, int count);

/* count geometrically spaced values from lo to hi (count >= 2, 0 < lo < hi), or lo alone for count 1. */
int tcm_volume_ladder(double *lambdas, int count, double lo, double hi);

/* Run (or continue from *pos) the ladder lambdas[0..count) (finite, >= 0)
 * around wref (K x n, normalised as the engine's kind needs), each point
 * warm-started from the previous one, filling points[pos->next_step ..].
 * A point that does not converge is recorded (status) and the ladder goes
 * on. A point starts by attaching wref with its lambda; a point being
 * continued (pos->sweeps_in_step > 0) expects the engine state restored
 * with that reference already attached (tcm_driver_volume_restore). Stops
 * with pos->finished = 0 when a callback (progress or on_point) asks.
 * Errors only for bad arguments or memory. */
int tcm_driver_volume(tcm_engine *e, const double *wref, const double *lambdas, int count,
                      const tcm_volume_params *p, tcm_run_position *pos, tcm_volume_point *points);

/* Before restoring a ladder checkpoint into e: attach wref at the coupling
 * of the position's step (so that the restored state continues exactly). */
int tcm_driver_volume_restore(tcm_engine *e, const double *wref, const double *lambdas, int count,
                              const tcm_run_position *pos);

/* ---- focusing ----------------------------------------------------------------- */

/* One row of the per-step history. */
typedef struct {
    int step;        /* protocol index (0-based) */
    double coupling; /* lambda (continuous) or gamma (binary) */
    double y;
    int sweeps;      /* sweeps done in this step */
    int status;      /* tcm_bp_status of the step, or TCM_FOCUS_STEP_SOLVED */
    int converged;   /* status == TCM_BP_CONVERGED */
    double change;   /* last largest message/focusing change */
    int errors;      /* training errors of the configuration at the end of the step */
    double seconds;  /* wall time of the step (summed over resumed pieces) */
    double extra[TCM_ENGINE_MAX_EXTRAS]; /* the engine's step extras (ops->step_extra_names) */
} tcm_focus_step;

/* Called after every sweep that does not end its step (step = protocol
 * index, errors of this sweep); nonzero stops the run at that point
 * (resumable). */
typedef int (*tcm_focus_sweep_fn)(const tcm_progress *pr, int step, int errors, void *user);
/* Called after every completed step with its row and the position a resume
 * would start from (the next step); nonzero stops the run there (resumable
 * at that step boundary). With one sweep per step (reinforcement) this is
 * the only place a stop can be asked. */
typedef int (*tcm_focus_step_fn)(const tcm_focus_step *row, const tcm_run_position *pos, void *user);

typedef struct {
    tcm_run_params run;   /* modes, tol, max_sweeps per step */
    int stop_at_solution; /* stop as soon as the configuration classifies every pattern */
    int record;           /* compute the engine's costly step record (binary thermodynamics) */
    tcm_focus_sweep_fn on_sweep;
    tcm_focus_step_fn on_step;
    void *user;
} tcm_focus_params;

#define TCM_FOCUS_PARAMS_INIT { { TCM_ENGINE_MODES_INIT, 1e-6, 200, 0.0, NULL, NULL, 0 }, 1, 1, NULL, NULL, NULL }

typedef struct {
    int solved;       /* zero training errors at the end */
    int errors;       /* training errors of the configuration at the end */
    int interrupted;  /* a callback stopped the run (resumable) */
    int steps;        /* steps completed (history rows written) */
    int total_sweeps;
    double seconds;   /* of this call */
} tcm_focus_result;

/* Run (or continue from *pos) the protocol on e (focusing is enabled here):
 * for each step (coupling, y) iterate with the focusing field, counting the
 * errors of the configuration after every sweep (a step stops at a solution
 * when stop_at_solution), then the step's row. Before the first step the
 * run ends at once (steps = 0) if the initial state already solves the
 * instance. history has proto->count rows; rows before pos->next_step are
 * kept. Errors only for bad arguments or memory. */
int tcm_driver_focus(tcm_engine *e, const tcm_protocol *proto, const tcm_focus_params *p, tcm_run_position *pos,
                     tcm_focus_step *history, tcm_focus_result *res);

#endif
