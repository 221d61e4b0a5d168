/* Eigenvalues of real symmetric operators: the full spectrum of a dense
 * matrix through LAPACK (dsyevd), and the largest eigenvalues of an
 * operator given only by matrix-vector products through Lanczos with full
 * reorthogonalisation (tridiagonal eigenproblem by LAPACK dstev). */
#ifndef TCMBP_SPECTRUM_H
#define TCMBP_SPECTRUM_H

#include <stdint.h>

/* All n eigenvalues of the symmetric row-major n x n matrix A, ascending,
 * into evals (A is overwritten). TCM_EINVAL (n < 1), TCM_ENUMERIC (LAPACK
 * did not converge or A holds NaN/Inf), TCM_ENOMEM. */
int tcm_spectrum_dense(int n, double *A, double *evals);

/* y = A x for an n-vector x (y and x distinct). */
typedef void (*tcm_matvec_fn)(void *ctx, const double *x, double *y);

typedef struct {
    int max_steps;  /* Lanczos steps at most (Krylov dimension; capped at n) */
    int nwant;      /* largest eigenvalues wanted (>= 1) */
    double tol;     /* converged when every wanted Ritz residual <= tol * (largest |Ritz value|) */
    uint64_t seed;  /* start vector: Gaussian from RNG stream 0 of seed */
} tcm_lanczos_params;

#define TCM_LANCZOS_PARAMS_INIT { 300, 1, 1e-8, 1 }

typedef struct {
    int steps;        /* Krylov dimension reached */
    int converged;    /* every wanted value met tol (or the space became invariant) */
    double residual;  /* largest residual |beta_m s_mj| of the wanted Ritz values */
    int found;        /* values in top: min(nwant, steps); an invariant Krylov space smaller than nwant
                       * (e.g. a Hessian of rank < nwant) gives fewer; the rest of top is NaN */
} tcm_lanczos_result;

/* The p->nwant largest eigenvalues (descending) of the symmetric operator
 * A (dimension n) into top, by Lanczos with full reorthogonalisation,
 * checking the Ritz values every few steps. "Not converged" after
 * max_steps is reported in res, not an error. TCM_EINVAL, TCM_ENOMEM,
 * TCM_ENUMERIC (a non-finite product). */
int tcm_spectrum_lanczos(int n, tcm_matvec_fn A, void *ctx, const tcm_lanczos_params *p, double *top,
                         tcm_lanczos_result *res);

#endif
