/* The small-distance limit of the local entropy (docs/EQUATIONS.md 8):
 * as the distance d to a reference goes to 0, the patterns near the
 * reference's decision boundary act as independent constraints and
 * S - S0 -> (1/(K n)) sum_a ln P_a(q), where P_a is the probability that
 * pattern a gets its desired output when every unit's normalised hidden field
 * h_k = w_k . xi_k / |w_k| moves to q h_k + sqrt(1 - q^2) z_k with independent
 * standard Gaussian z_k. q = 1 - d for continuous weights (the overlap on the
 * sphere). Binary weights, each flipped independently with probability d:
 * the unit's sum changes by -2 (F+ - F-), two binomials, summed exactly
 * (at large n d this is the Gaussian form with q = 1 - 2d; at n d < 1 that
 * form is wrong by orders of magnitude). Needs only the instance and the
 * reference. */
#ifndef TCMBP_LIMIT_H
#define TCMBP_LIMIT_H

#include "tcmbp/instance.h"
#include "tcmbp/output.h"
#include "tcmbp/weights.h"

/* Doubles of scratch tcm_limit_pattern_logp needs for K units. */
size_t tcm_limit_work_size(int K);

/* ln P(sigma sum_k tau_k > 0) with tau_k = sign(q h_k + sqrt(1 - q^2) z_k):
 * the units flip independently given h, unit k keeping the sign of h_k with
 * probability H(-q |h_k| / sqrt(1 - q^2)); the vote is summed exactly (the
 * output factor's convolution, in log space, so P near 0 or 1 keeps its
 * precision). K odd, sigma = +-1, |q| <= 1; q = +-1 gives the unperturbed
 * vote (0 or -inf), h_k = 0 a fair coin for that unit. work: at least
 * tcm_limit_work_size(K) doubles. */
double tcm_limit_pattern_logp(tcm_output_rule rule, int K, int sigma, const double *h, double q, double *work);

/* (1/(K n)) sum_a ln P_a(q) for the reference ref (K x n of inst, either
 * kind; continuous units are used with their own norm, so ref need not be
 * normalised; binary: the exact flips at d = (1 - q)/2, entries +-1). -inf when some pattern cannot be satisfied (q = 1 and the
 * reference gets it wrong). TCM_EINVAL for a shape mismatch or |q| > 1,
 * TCM_ENUMERIC for non-finite weights, TCM_ENOMEM. */
int tcm_limit_log_prob(const tcm_weights *ref, const tcm_instance *inst, double q, double *value);

/* The overlap q of the limit at the distance d the local-volume drivers
 * report: 1 - d (continuous, d = |x - w|^2 / (2N)), 1 - 2d (binary, d the
 * Hamming fraction). */
double tcm_limit_overlap(tcm_weight_kind kind, double d);

/* The limit of S - S0 at distance d: tcm_limit_log_prob at
 * q = tcm_limit_overlap(ref->kind, d). Errors as tcm_limit_log_prob (d
 * outside [0, 2] continuous or [0, 1] binary is TCM_EINVAL). */
int tcm_limit_local_entropy(const tcm_weights *ref, const tcm_instance *inst, double d, double *value);

#endif
