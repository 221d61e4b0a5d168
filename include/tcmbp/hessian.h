/* The Hessian of the smoothed loss the paper uses to compare minima
 * (section V): mean square error of the committee machine with tanh(beta x)
 * activations, with respect to all K n weights, at a configuration. The
 * loss, with its constants, is written out in docs/HESSIAN.md:
 *   h_ak = (1/sqrt n) sum_i w_ki x_aki,   t_ak = tanh(beta h_ak),
 *   s_a = (1/sqrt K) sum_k t_ak,          o_a = tanh(beta s_a),
 *   L(w) = (1/M) sum_a (o_a - sigma_a)^2 / 2.
 * The object holds per-pattern second derivatives (M K^2 doubles), from
 * which Hessian-vector products (2 M K n operations) and the dense matrix
 * (M K^2 n^2) follow. */
#ifndef TCMBP_HESSIAN_H
#define TCMBP_HESSIAN_H

#include "tcmbp/instance.h"
#include "tcmbp/weights.h"

typedef struct tcm_hessian tcm_hessian;

/* Prepare the Hessian of L at w (K x n of inst, used as given: normalise it
 * first for the paper's convention) with steepness beta > 0. Keeps
 * pointers to w and inst, which must outlive it. NULL on error (TCM_EINVAL
 * for mismatched sizes or a bad beta, TCM_ENOMEM), message set. */
tcm_hessian *tcm_hessian_alloc(const tcm_weights *w, const tcm_instance *inst, double beta);
void tcm_hessian_free(tcm_hessian *h);

/* Dimension K n of the weight space. */
int tcm_hessian_dim(const tcm_hessian *h);
/* The loss L at w. */
double tcm_hessian_loss(const tcm_hessian *h);
/* Patterns the smoothed network gets wrong: sigma_a s_a <= 0. */
int tcm_hessian_errors(const tcm_hessian *h);
/* The gradient dL/dw (K n values, unit k's block first). */
void tcm_hessian_gradient(const tcm_hessian *h, double *grad);
/* out = H v (K n values each; out and v distinct). Deterministic for any
 * thread count (sums over patterns in pattern order). */
void tcm_hessian_apply(const tcm_hessian *h, const double *v, double *out);
/* The dense (K n) x (K n) matrix, row-major, row (k, i) = k n + i. */
void tcm_hessian_dense(const tcm_hessian *h, double *H);

#endif
