/* Greedy clean-up of a configuration that leaves a few training errors
 * (docs/EQUATIONS.md 4.5): local moves accepted only when they lower the
 * error count, so the result is never worse than the input. Continuous
 * weights: perceptron corrections of one unit on one misclassified pattern
 * (the unit's field moved just past zero to a margin); binary weights:
 * single weight flips. */
#ifndef TCMBP_POLISH_H
#define TCMBP_POLISH_H

#include "tcmbp/instance.h"

typedef struct {
    int errors_before; /* training errors of the input configuration */
    int errors;        /* after the clean-up (tcm_weights_eval of the result) */
    int moves;         /* accepted moves */
} tcm_polish_result;

/* Polish w (of inst's shape: K, n) in place, at most max_moves accepted
 * moves, each the one that lowers the error count most among the candidates:
 * continuous weights, for every misclassified pattern a, every unit k whose
 * sign must flip for a to be right (majority: tau_ka != sigma_a; parity: any)
 * and each margin m in {0.1, 0.5}, the correction w_k += c t xi_ak with
 * t the sign unit k needs and c = (m + |h_ka|)/sqrt(n) (new h_ka = t m),
 * then every unit renormalised to sum w^2 = n; binary weights, every flip of
 * one weight. Stops when no candidate lowers the errors. TCM_EINVAL on a
 * shape mismatch, TCM_ENUMERIC on non-finite weights, TCM_ENOMEM. */
int tcm_polish_weights(tcm_weights *w, const tcm_instance *inst, int max_moves, tcm_polish_result *r);

#endif
