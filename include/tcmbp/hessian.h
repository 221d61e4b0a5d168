/* The Hessian of the smoothed loss the paper uses to compare minima
 * (section V): mean square error of the committee machine with tanh(beta x)
 * activations, with respect to all K n weights, at a configuration. The
 * loss, with its constants, is written out in docs/HESSIAN.md:
 *   h_ak = (1/sqrt n) sum_i w_ki x_aki,   t_ak = tanh(beta h_ak),
 *   linear output: o_a = (1/K) sum_k t_ak (the mean vote);
 *   tanh output:   o_a = tanh(beta s_a), s_a = (1/sqrt K) sum_k t_ak;
 *   L(w) = (1/M) sum_a (o_a - sigma_a)^2 / 2.
 * The object holds per-pattern second derivatives (M K^2 doubles), from
 * which Hessian-vector products (2 M K n operations) and the dense matrix
 * (M K^2 n^2) follow. */
#ifndef TCMBP_HESSIAN_H
#define TCMBP_HESSIAN_H

#include "tcmbp/instance.h"
#include "tcmbp/weights.h"

typedef struct tcm_hessian tcm_hessian;

/* The output unit of the smoothed network. */
typedef enum { TCM_HESSIAN_OUTPUT_LINEAR = 0, TCM_HESSIAN_OUTPUT_TANH = 1 } tcm_hessian_output;

/* Prepare the Hessian of L at w (K x n of inst, used as given: normalise it
 * first for the paper's convention) with steepness beta > 0. Keeps
 * pointers to w and inst, which must outlive it. NULL on error (TCM_EINVAL
 * for mismatched sizes, a bad beta or output, TCM_ENOMEM), message set. */
tcm_hessian *tcm_hessian_alloc(const tcm_weights *w, const tcm_instance *inst, double beta,
                               tcm_hessian_output output);
void tcm_hessian_free(tcm_hessian *h);

/* Dimension K n of the weight space. */
int tcm_hessian_dim(const tcm_hessian *h);
/* The loss L at w. */
double tcm_hessian_loss(const tcm_hessian *h);
/* Patterns the smoothed network gets wrong: sigma_a sum_k t_ak <= 0. */
int tcm_hessian_errors(const tcm_hessian *h);
/* The gradient dL/dw (K n values, unit k's block first). */
void tcm_hessian_gradient(const tcm_hessian *h, double *grad);
/* out = H v (K n values each; out and v distinct). Deterministic for any
 * thread count (sums over patterns in pattern order). Uses scratch inside
 * h: one call at a time per object (it parallelises internally). */
void tcm_hessian_apply(const tcm_hessian *h, const double *v, double *out);
/* The same product with the signature of tcm_matvec_fn (spectrum.h): ctx is
 * the tcm_hessian. For tcm_spectrum_lanczos, from C or through a binding. */
void tcm_hessian_matvec(void *ctx, const double *x, double *y);
/* The dense (K n) x (K n) matrix, row-major, row (k, i) = k n + i. */
void tcm_hessian_dense(const tcm_hessian *h, double *H);

#endif
