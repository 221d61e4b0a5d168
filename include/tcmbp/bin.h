/* Binary-weight factor updates and thermodynamics (EQUATIONS.md 2, 3, 4): the
 * messages of one pattern's hidden-unit factors from the current marginal
 * fields (CLT or exact convolution mode), chained with the shared output
 * factor (output.h); the Bethe free entropy; and the per-step thermodynamic
 * record of focusing BP (overlap with the centre, q, q~, free energy, internal
 * entropy), as the Julia package BinaryCommitteeMachineFBP.jl reports it. */
#ifndef TCMBP_BIN_H
#define TCMBP_BIN_H

#include <stdint.h>

#include "tcmbp/bgraph.h"
#include "tcmbp/names.h"
#include "tcmbp/output.h"

/* Hidden-unit factor modes: clt = Gaussian sum of the other inputs (EQUATIONS.md 2.1),
 * O(n) per factor; exact = the exact distribution of the sum by log-space
 * convolution with prefix/suffix tables, O(n^2) per factor and scratch. */
#define TCM_HIDDEN_MODES(X) X(TCM_HIDDEN_CLT, "clt") X(TCM_HIDDEN_EXACT, "exact")
typedef enum { TCM_HIDDEN_MODES(TCM_ENUM_VALUE) } tcm_hidden_mode;
extern const char *const tcm_hidden_mode_names[];

/* Smallest cavity variance Delta' used by the CLT mode (a factor whose other
 * inputs are all fully polarised is then a sharp step, as it should be). */
#define TCM_BIN_MIN_VARIANCE 1e-300

/* A pattern's log Z below this is a pattern the state cannot satisfy
 * (probability 0, log Z = -inf), not a number. */
#define TCM_BIN_LOGZ_IMPOSSIBLE (-1e100)

/* Doubles of per-thread scratch the functions below need. */
size_t tcm_bin_work_size(int K, int n, tcm_hidden_mode hm);

/* One hidden-unit factor tau = sign(sum_i xi_i w_i), alone: given the n
 * cavity fields c_i of the weights (P(w_i) ~ exp(c_i w_i)), the inputs xi
 * (+-1) and the field fout of the message from the output factor to tau
 * (P(tau) ~ exp(fout tau); +-inf allowed), compute the messages to the
 * weights as fields u[0..n) (may be NULL) and the message to tau as
 * *lp = log P(tau = +1), *lq = log P(tau = -1). A zero sum (even n) counts
 * half for each sign of tau. CLT mode (EQUATIONS.md 2.1):
 *   u_i = (1/2) [log(1 + h erf(a+)) - log(1 + h erf(a-))],  h = tanh(fout),
 *   a+- = (omega'_i +- xi_i) / sqrt(2 Delta'_i),
 * with cavity sums omega'_i, Delta'_i of the other inputs taken from prefix and
 * suffix sums (no cancellation), and p = H(-omega/sqrt(Delta)). Exact mode:
 * the same messages with the exact distribution of the others' sum. work has
 * tcm_bin_work_size(1, n, hm) doubles. Non-finite u only for non-finite
 * input (NaN). */
void tcm_bin_unit(tcm_hidden_mode hm, int n, const int8_t *xi, const double *cavity, double fout, double *u,
                  double *lp, double *lq, double *work);

/* Recompute all messages of pattern a from the current marginal fields
 * (EQUATIONS.md 2 and 1.2), with damping (new = (1-damping)*computed +
 * damping*old) and messages capped at +-TCM_BIN_FIELD_MAX. Also stores lp, lq,
 * fout of the pattern. Returns the largest change |tanh(new) - tanh(old)| of
 * any message of the pattern (a magnetisation difference, as the Julia
 * package measures convergence), or NaN if some update was not finite (those
 * messages keep their old values). work: tcm_bin_work_size(K, n, hm) doubles. */
double tcm_bin_update_pattern(tcm_bgraph *g, int a, tcm_hidden_mode hm, tcm_output_mode om, double damping,
                              double *work);

/* *sum = sum_a of pattern a's free-entropy terms from the current state,
 * without updating: ln Z_a + sum_ki (ln 2cosh(F_ki - f[a->ki]) - ln 2cosh
 * F_ki), where Z_a is the probability that the pattern is satisfied under
 * the cavity distributions; parallel over patterns and summed
 * in pattern order (deterministic for any thread count). Enlarges the
 * scratch for hm if needed: TCM_ENOMEM. */
int tcm_bin_pattern_terms(tcm_bgraph *g, tcm_hidden_mode hm, tcm_output_mode om, double *sum);

/* Thermodynamic summary of plain BP with an optional reference (EQUATIONS.md 2.3, 3.2). */
typedef struct {
    double phi;      /* Bethe free entropy per weight F/(K n) (the weights' own fields included) */
    double entropy;  /* S = phi - (lambda/(K n)) sum wref m  (ln 2 at alpha = 0, no reference) */
    double q;        /* (1/(K n)) sum m_ki^2 */
    double overlap;  /* (1/(K n)) sum wref m (0 without reference) */
    double distance; /* d = (1 - overlap)/2: expected Hamming fraction to wref (0 without reference) */
} tcm_bin_thermo;

/* Compute the summary from the current messages and marginal fields
 * (TCM_ENOMEM as tcm_bin_pattern_terms). */
int tcm_bin_thermo_compute(tcm_bgraph *g, tcm_hidden_mode hm, tcm_output_mode om, tcm_bin_thermo *t);

/* Thermodynamic record of one focusing step (EQUATIONS.md 4.4), the quantities the
 * Julia package writes per step, per weight. With hf the cavity field of a
 * weight towards the focusing factor (marginal minus ustar), g1 = atanh(pol
 * tanh hf), hx = (y-1) g1:
 *   S     = mean (pol + t)/(1 + pol t), t = tanh(hf) tanh(hx): overlap replica-centre
 *   q     = mean tanh(F)^2;  q_tilde = mean tanh(y g1)^2 (centre magnetisations)
 *   free_entropy = (1/N) [sum_a pattern terms + sum_ki (ln 2cosh hf + ln 2cosh gamma
 *                  + g1 tanh(y g1) - ln 2cosh g1)]  = -beta F (Julia's column 7 negated)
 *   sigma_int = free_entropy - gamma S (finite also for gamma = inf). */
typedef struct {
    double gamma, pol, y;
    double S, q, q_tilde;
    double free_entropy; /* -beta F per weight; +inf for gamma = inf */
    double F;            /* beta F = -free_entropy (Julia's column) */
    double sigma_int;    /* internal entropy -beta F - gamma S */
} tcm_bin_record;

/* Compute the record from the current state for coupling gamma (>= 0, +inf
 * allowed) and y >= 1. The graph must have focusing enabled (else ustar is
 * taken as 0). TCM_ENOMEM as tcm_bin_pattern_terms. */
int tcm_bin_record_compute(tcm_bgraph *g, tcm_hidden_mode hm, tcm_output_mode om, double gamma, double y,
                            tcm_bin_record *rec);

/* atanh(tanh(a) tanh(b)) in field space, accurate for all a, b (+-inf allowed:
 * gamma = inf passes the other field through). */
double tcm_bin_mix(double a, double b);

/* The focusing field (EQUATIONS.md 4.2) as a field: atanh(pol tanh((y-1) atanh(pol tanh hf)))
 * with pol = tanh(gamma), i.e. mix(gamma, (y-1) mix(gamma, hf)). */
double tcm_bin_focus_field(double hf, double gamma, double y);

/* Binary local-entropy reference curve -d ln d - (1-d) ln(1-d) (0 at d = 0 or 1). */
double tcm_bin_s0(double d);

const char *tcm_hidden_mode_name(tcm_hidden_mode m);           /* "clt" / "exact" */
int tcm_hidden_mode_parse(const char *s, tcm_hidden_mode *out); /* TCM_EINVAL on unknown */

#endif
