/* Continuous-weight factor updates and thermodynamics (EQUATIONS.md 1.1, 1.4): the
 * messages of one pattern's hidden-unit factors, computed from the current
 * marginals, and the pattern's contribution to the Bethe free entropy. */
#ifndef TCMBP_CONT_H
#define TCMBP_CONT_H

#include "tcmbp/graph.h"
#include "tcmbp/names.h"

/* Hidden-unit factor modes: exact = per-edge cavity sums omega_{ka->i},
 * Delta_{ka->i}; fast = the factor's full sums omega_ka, Delta_ka for every
 * edge, expanded to first order in the edge's own term (paper D19-D20);
 * ep = moment matching (expectation propagation): the fast mode's messages
 * divided by 1 - V0/zeta_{ki->a}, so that the Bethe free entropy is exactly
 * stationary (docs/EQUATIONS.md 1.1). */
#define TCM_CAVITY_MODES(X) X(TCM_CAVITY_EXACT, "exact") X(TCM_CAVITY_FAST, "fast") X(TCM_CAVITY_EP, "ep")
typedef enum { TCM_CAVITY_MODES(TCM_ENUM_VALUE) } tcm_cavity_mode;
extern const char *const tcm_cavity_mode_names[];

/* Smallest cavity precision used: zeta_{ki->a} below it (possible when a
 * message has a large V) is raised to it. */
#define TCM_MIN_CAVITY_PRECISION 1e-10

/* Doubles of per-thread scratch the functions below need (K units, nw = K n weights). */
size_t tcm_cont_work_size(int K, size_t nw);

/* The output field of one hidden unit prepared for many ratio evaluations:
 * h = tanh(f) as |h|, 1 - |h| (exact, from exp(-2|f|)) and the sign. */
typedef struct {
    double f, habs, one_minus, sign;
    double scale; /* sign 2 |h| / sqrt(2 pi) */
} tcm_ratio_ctx;

/* Prepare f (+-inf allowed: h = +-1 exactly). */
tcm_ratio_ctx tcm_ratio_prepare(double f);

/* g(h, z) = 2 h phi(z) / (1 + h erf(z/sqrt2)) (EQUATIONS.md 1.1) for the prepared h.
 * For |z| <= 8 the branch-free path of the hot loop (one tcm_exp_bounded, one
 * tcm_erfcx_bounded, no libm call): with E = exp(-z^2/2) and erfc(|u|) =
 * E erfcx(|u|), u = z/sqrt2, the denominator is (1 + |h|) - |h| erfc(|u|) when
 * h and z have the same sign and (1 - |h|) + |h| erfc(|u|) otherwise, sums of
 * positive terms, so accurate to a few ulp (1e-13 asserted against the careful
 * function by tests/test_cont.c). For 8 < |z| <= 36 the far path of the hot
 * loop, also branch-free: E and 1/E from z^2 as an exact pair, erfcx from its
 * continued fraction, the cancelling denominator divided by E (unless 1 - |h|
 * < 1e-280), the same expression the hot loop evaluates for those edges;
 * beyond, and for NaN, tcm_cont_ratio_field. */
double tcm_ratio_eval(const tcm_ratio_ctx *c, double z);

/* How the messages of a pattern are updated. */
typedef struct {
    tcm_cavity_mode cavity;
    tcm_output_mode output;
    double damping; /* new = (1 - damping) computed + damping old */
} tcm_cont_update_opts;

/* Recompute all messages U, V of pattern a from the current marginals (EQUATIONS.md
 * 1.1 and 1.2), with damping. Also stores lp, lq, fout of the pattern. work:
 * tcm_cont_work_size doubles. acc: NULL, or 2 nw doubles to which the stored
 * U (first nw) and V (next nw) of the pattern are added, weight by weight
 * (sweep.c's chunk sums: the marginals' sums built during the update).
 * Returns the largest absolute change of any U or V of the pattern, or NaN if
 * some update was not finite (those messages keep their old values, so the
 * state stays finite). */
double tcm_cont_update_pattern(tcm_graph *g, int a, const tcm_cont_update_opts *o, double *work, double *acc);

/* Pattern a's free-entropy terms from the current state, without updating:
 * log Z_a + sum_ki (ln z_{ki->a} - ln z_ki) (EQUATIONS.md 1.4). */
double tcm_cont_pattern_free_entropy(const tcm_graph *g, int a, tcm_output_mode om, double *work);

/* ln z for a Gaussian of field mu and precision zeta: ln sqrt(2 pi/zeta) + mu^2/(2 zeta). */
double tcm_cont_log_norm(double mu, double zeta);

const char *tcm_cavity_mode_name(tcm_cavity_mode m);           /* "exact" / "fast" / "ep" */
int tcm_cavity_mode_parse(const char *s, tcm_cavity_mode *out); /* TCM_EINVAL on unknown */


/* Thermodynamic summary of the current state (EQUATIONS.md 1.4 and 3.1). */
typedef struct {
    double phi;      /* Bethe free entropy per weight, F / (K n) */
    double entropy;  /* S: log-volume per weight relative to the sphere (<= 0) */
    double q;        /* (1/(K n)) sum m_ki^2 */
    double chibar;   /* mean of chi_k */
    double distance; /* d = (1/(2Kn)) sum ((m - wref)^2 + 1/zeta), 0 without reference */
} tcm_cont_thermo;

/* Compute the thermodynamic summary from the current messages (parallel over
 * patterns, summed in pattern order). */
void tcm_cont_thermo_compute(tcm_graph *g, tcm_output_mode om, tcm_cont_thermo *t);

/* Training errors of the committee machine with the marginal means as
 * weights (the same count as tcm_weights_eval of tcm_cont_means: a zero field
 * votes 0, a tied vote is an error), over the graph's M patterns, without
 * allocating: the check fBP makes after every sweep. Fields are summed in
 * fixed lanes (thread-independent). TCM_ENUMERIC if a mean is not finite. */
int tcm_cont_errors(const tcm_graph *g, int *errors);

/* Copy the marginal means m_ki into w (K x n, kind continuous). */
void tcm_cont_means(const tcm_graph *g, double *w);

#endif
