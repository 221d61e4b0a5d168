/* The output factor of pattern a, shared by the continuous and binary
 * solvers, for each output rule: the majority vote (EQUATIONS.md 1.2) and the parity
 * machine of the paper's Appendix C (output = product of the K hidden signs).
 * Inputs are the messages from the hidden-unit factors as log-probabilities
 * log P(tau_k = +1), log P(tau_k = -1) (kept separately so that
 * probabilities near 0 and 1 keep full precision); outputs are the messages
 * back to each tau_k as fields
 * f_k = (1/2) log(P(sat | tau_k = +1) / P(sat | tau_k = -1)), possibly +-inf,
 * and log Z_a = log P(sat), sat meaning sigma_a * sum_k tau_k > 0 (majority)
 * or sigma_a * prod_k tau_k = +1 (parity). */
#ifndef TCMBP_OUTPUT_H
#define TCMBP_OUTPUT_H

#include <stddef.h>

#include "tcmbp/names.h"

/* Output factor modes (of the majority vote): exact = the distribution of
 * the vote count by convolution, O(K^2); clt = Gaussian approximation of
 * the others' vote sum (K >= 3). */
#define TCM_OUTPUT_MODES(X) X(TCM_OUTPUT_EXACT, "exact") X(TCM_OUTPUT_CLT, "clt")
typedef enum { TCM_OUTPUT_MODES(TCM_ENUM_VALUE) } tcm_output_mode;
extern const char *const tcm_output_mode_names[];

/* The output rules, declared once: X(ENUM_SUFFIX, name, description). The
 * enum, the name table, parsing and the count all come from this list; a new
 * rule is one line here plus its factor in output.c. */
#define TCM_OUTPUT_RULES(X)                                                                  \
    X(MAJORITY, majority, "sign of the sum of the hidden signs (committee machine, K odd)") \
    X(PARITY, parity, "product of the hidden signs (parity machine, any K >= 1)")

#define TCM_OUTPUT_RULE_ENUM_(E, name, desc) TCM_RULE_##E,
typedef enum { TCM_OUTPUT_RULES(TCM_OUTPUT_RULE_ENUM_) TCM_RULE_COUNT } tcm_output_rule;
#undef TCM_OUTPUT_RULE_ENUM_

/* The mode matters for the majority rule only: the parity factor is exact
 * and O(K) in both modes (a product of magnetisations has no Gaussian
 * approximation worth making), so CLT on a parity instance means exact. */

/* Doubles of scratch space tcm_output_update needs for K units (any rule). */
size_t tcm_output_work_size(int K);

/* Compute the fields f[0..K) towards the hidden units and return log Z_a
 * under the rule. K >= 1 (odd for majority), sigma = +-1, lp/lq
 * log-probabilities of tau_k = +1/-1 (each pair normalised:
 * exp(lp) + exp(lq) = 1), work of tcm_output_work_size(K) doubles. f may be
 * NULL (log Z_a alone). The majority CLT mode falls back to the exact one for
 * K = 1. One dispatch per pattern: nothing per edge depends on the rule. */
double tcm_output_update(tcm_output_rule rule, tcm_output_mode mode, int K, int sigma,
                         const double *lp, const double *lq, double *f, double *work);

/* log Z_a alone (no messages). */
double tcm_output_logz(tcm_output_rule rule, tcm_output_mode mode, int K, int sigma,
                       const double *lp, const double *lq, double *work);

/* The machine's output from its hidden signs tau_k in {-1, 0, +1} (0 for a
 * zero field), given as vote = sum_k tau_k and prod = prod_k tau_k: majority
 * sign(vote) (0 on a tie), parity prod (0 if some field is 0). The one
 * definition used by every error count. */
static inline int tcm_output_decide(tcm_output_rule rule, int vote, int prod)
{
    return rule == TCM_RULE_PARITY ? prod : (vote > 0) - (vote < 0);
}

/* Whether K hidden units are allowed under the rule: K >= 1, odd for the
 * majority vote (a tie has no output). */
int tcm_output_rule_allows_K(tcm_output_rule rule, int K);

const char *tcm_output_rule_name(tcm_output_rule r);             /* "majority", "parity"; "unknown" */
const char *tcm_output_rule_description(tcm_output_rule r);      /* one line, for --help */
int tcm_output_rule_parse(const char *s, tcm_output_rule *out);  /* TCM_EINVAL on unknown */

const char *tcm_output_mode_name(tcm_output_mode m);           /* "exact" / "clt" */
int tcm_output_mode_parse(const char *s, tcm_output_mode *out); /* TCM_EINVAL on unknown */

#endif
