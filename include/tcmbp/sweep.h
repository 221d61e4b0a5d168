/* One BP sweep over a continuous-weight graph: every factor's messages from
 * the current marginals (in parallel over fixed chunks of patterns, or block
 * by block), the marginals from the message sums taken in an order fixed by
 * the instance (graph.h: chunk_sums; so results are bitwise identical for any
 * thread count), then the per-unit normalisation chi_k (EQUATIONS.md 1.3) and, with
 * focusing, the focusing fields (EQUATIONS.md 4.1). */
#ifndef TCMBP_SWEEP_H
#define TCMBP_SWEEP_H

#include "tcmbp/cont.h"
#include "tcmbp/graph.h"
#include "tcmbp/names.h"

/* Sweep schedules: parallel = all patterns from the same marginals, then
 * rebuild; block = fixed blocks of patterns, marginals refreshed after each. */
#define TCM_SCHEDULES(X) X(TCM_SCHEDULE_PARALLEL, "parallel") X(TCM_SCHEDULE_BLOCK, "block")
typedef enum { TCM_SCHEDULES(TCM_ENUM_VALUE) } tcm_schedule;
extern const char *const tcm_schedule_names[];

typedef struct {
    tcm_cavity_mode cavity;
    tcm_output_mode output;
    tcm_schedule schedule;
    int block_size;  /* patterns per block (block schedule) */
    double damping;  /* 0 = none; new = (1-d)*computed + d*old */
    double y;        /* focusing replicas (used when the graph has focusing fields) */
    double fl;       /* focusing coupling lambda */
    double focus_damping; /* U*, V*: new = (1-d)*computed + d*old (0: undamped) */
} tcm_sweep_params;

#define TCM_SWEEP_PARAMS_INIT \
    { TCM_CAVITY_EXACT, TCM_OUTPUT_EXACT, TCM_SCHEDULE_PARALLEL, 64, 0.5, 1.0, 0.0, 0.0 }

/* Changes measured by a sweep. */
typedef struct {
    double messages; /* largest |change| of any U or V */
    double chi;      /* largest |change| of any chi_k (and chi*_k) */
    double focus;    /* largest |change| of any U*, V* */
    int nonfinite;   /* number of messages whose update was not finite (kept at old value) */
} tcm_sweep_change;

/* Run one sweep. TCM_EINVAL on bad parameters, TCM_ENOMEM if the block
 * buffer cannot be allocated (first block sweep only); non-finite updates are
 * not errors: they are counted in change->nonfinite and the old values kept. */
int tcm_sweep_run(tcm_graph *g, const tcm_sweep_params *p, tcm_sweep_change *change);

/* Rebuild zeta0 and mu of every weight from the messages and external
 * fields, summing in the order of graph.h's chunk sums (so that the result
 * equals, bit for bit, what a sweep builds as it goes). */
void tcm_sweep_rebuild_marginals(tcm_graph *g);

/* zeta0 and mu from the stored message sums and the current external
 * fields (reference, focusing): O(K n), no pass over the messages. */
void tcm_sweep_compose_marginals(tcm_graph *g);

/* Solve for each chi_k so that (1/n) sum_i (m_ki^2 + 1/zeta_ki) = 1 (EQUATIONS.md 1.3).
 * Returns the largest |change| of chi. */
double tcm_sweep_normalize(tcm_graph *g);

/* Solve c in (1/n) sum_i (b_i^2/(c+a_i)^2 + 1/(c+a_i)) = 1 by safeguarded
 * Newton starting from c0 (shared by chi and chi*). */
double tcm_sweep_solve_norm(const double *a, const double *b, int n, double c0);
/* The continuous focusing field of one unit of n weights (EQUATIONS.md
 * 4.1): from the unit's chi, its zeta0 and mu, the current U* (ustar), V*
 * (vstar) and chi* (updated in place), with coupling lambda and y
 * replicas; scratch holds 2n doubles. Returns the largest change of U*,
 * V*; *dchi the change of chi*. Used by the BP and AMP engines. */
double tcm_sweep_focus_unit(int n, double chi, const double *zeta0, const double *mu, double *vstar, double *ustar,
                            double *chistar, double y, double lambda, double *scratch, double *dchi);
/* The same with the new U*, V* damped: stored = (1 - damping) computed +
 * damping old (damping in [0, 1); 0 gives tcm_sweep_focus_unit's bits). */
double tcm_sweep_focus_unit_damped(int n, double chi, const double *zeta0, const double *mu, double *vstar,
                                   double *ustar, double *chistar, double y, double lambda, double damping,
                                   double *scratch, double *dchi);

#endif
