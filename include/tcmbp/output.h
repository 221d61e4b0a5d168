/* The majority-vote output factor of pattern a (spec 1.2), shared by the
 * continuous and binary solvers. Inputs are the messages from the hidden-unit
 * factors as log-probabilities log P(tau_k = +1), log P(tau_k = -1) (kept
 * separately so that probabilities near 0 and 1 keep full precision); outputs
 * are the messages back to each tau_k as fields
 * f_k = (1/2) log(P(sat | tau_k = +1) / P(sat | tau_k = -1)), possibly +-inf
 * (K = 1), and log Z_a = log P(sigma_a * sum_k tau_k > 0). */
#ifndef TCMBP_OUTPUT_H
#define TCMBP_OUTPUT_H

#include <stddef.h>

#include "tcmbp/names.h"

/* Output factor modes: exact = the distribution of the vote count by
 * convolution, O(K^2); clt = Gaussian approximation of the others' vote sum (K >= 3). */
#define TCM_OUTPUT_MODES(X) X(TCM_OUTPUT_EXACT, "exact") X(TCM_OUTPUT_CLT, "clt")
typedef enum { TCM_OUTPUT_MODES(TCM_ENUM_VALUE) } tcm_output_mode;
extern const char *const tcm_output_mode_names[];

/* Doubles of scratch space tcm_output_update needs for K units. */
size_t tcm_output_work_size(int K);

/* Compute the fields f[0..K) towards the hidden units and return log Z_a.
 * K odd >= 1, sigma = +-1, lp/lq log-probabilities of tau_k = +1/-1 (each pair
 * normalised: exp(lp) + exp(lq) = 1), work of tcm_output_work_size(K)
 * doubles. The CLT mode falls back to the exact one for K = 1. */
double tcm_output_update(tcm_output_mode mode, int K, int sigma, const double *lp,
                         const double *lq, double *f, double *work);

/* log Z_a alone (no messages): log P(sigma * sum_k tau_k > 0). */
double tcm_output_logz(tcm_output_mode mode, int K, int sigma, const double *lp,
                       const double *lq, double *work);

const char *tcm_output_mode_name(tcm_output_mode m);           /* "exact" / "clt" */
int tcm_output_mode_parse(const char *s, tcm_output_mode *out); /* TCM_EINVAL on unknown */

#endif
