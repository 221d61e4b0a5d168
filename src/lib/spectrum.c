/* Eigenvalues of symmetric operators (spectrum.h): LAPACK dsyevd for a
 * dense matrix; Lanczos with full reorthogonalisation for the top of the
 * spectrum of an operator known by its products, the tridiagonal matrix
 * solved by LAPACK dstev (eigenvectors for the Ritz residuals). */
#include "tcmbp/spectrum.h"

#include "tcmbp/error.h"
#include "tcmbp/rng.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int tcm_spectrum_dense(int n, double *A, double *evals)
{
    if (n < 1 || !A || !evals)
        return TCM_ERROR(TCM_EINVAL, "tcm_spectrum_dense: bad arguments (n = %d)", n);
    for (size_t j = 0; j < (size_t)n * (size_t)n; j++)
        if (!isfinite(A[j]))
            return TCM_ERROR(TCM_ENUMERIC, "matrix entry (%zu, %zu) is not finite", j / (size_t)n, j % (size_t)n);
    lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'N', 'U', n, A, n, evals);
    if (info == LAPACK_WORK_MEMORY_ERROR)
        return TCM_ERROR(TCM_ENOMEM, "out of memory in LAPACK dsyevd (n = %d)", n);
    if (info != 0)
        return TCM_ERROR(TCM_ENUMERIC, "LAPACK dsyevd failed (info = %d, n = %d)", (int)info, n);
    return TCM_OK;
}

/* Lanczos state: the basis Q (steps x n), alpha, beta, and the Ritz work. */
typedef struct {
    int n, cap;
    double *Q, *alpha, *beta, *d, *e, *Z, *w;
} lanczos_ws;

static void ws_free(lanczos_ws *s)
{
    free(s->Q);
    free(s->alpha);
    free(s->beta);
    free(s->d);
    free(s->e);
    free(s->Z);
    free(s->w);
}

static int ws_alloc(lanczos_ws *s, int n, int cap)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    s->cap = cap;
    s->Q = malloc(sizeof(double) * (size_t)n * (size_t)(cap + 1));
    s->alpha = malloc(sizeof(double) * (size_t)cap);
    s->beta = malloc(sizeof(double) * (size_t)(cap + 1));
    s->d = malloc(sizeof(double) * (size_t)cap);
    s->e = malloc(sizeof(double) * (size_t)cap);
    s->Z = malloc(sizeof(double) * (size_t)cap * (size_t)cap);
    s->w = malloc(sizeof(double) * (size_t)n);
    if (!s->Q || !s->alpha || !s->beta || !s->d || !s->e || !s->Z || !s->w) {
        ws_free(s);
        return TCM_ERROR(TCM_ENOMEM, "out of memory for Lanczos (n = %d, %d steps)", n, cap);
    }
    return TCM_OK;
}

/* Subtract from w its components on the first m basis vectors (twice:
 * classical Gram-Schmidt repeated, enough for full orthogonality). */
static void reorthogonalise(lanczos_ws *s, int m)
{
    const int n = s->n;
    for (int pass = 0; pass < 2; pass++)
        for (int j = 0; j < m; j++) {
            const double *q = s->Q + (size_t)j * (size_t)n;
            double c = 0;
            for (int i = 0; i < n; i++)
                c += q[i] * s->w[i];
            for (int i = 0; i < n; i++)
                s->w[i] -= c * q[i];
        }
}

/* Ritz values of the m x m tridiagonal matrix (ascending in s->d) and the
 * largest residual of the top nwant; TCM_ENUMERIC if dstev fails. */
static int ritz(lanczos_ws *s, int m, int nwant, double *resid)
{
    memcpy(s->d, s->alpha, sizeof(double) * (size_t)m);
    for (int j = 0; j + 1 < m; j++)
        s->e[j] = s->beta[j + 1];
    lapack_int info = LAPACKE_dstev(LAPACK_ROW_MAJOR, 'V', m, s->d, s->e, s->Z, m);
    if (info != 0)
        return TCM_ERROR(TCM_ENUMERIC, "LAPACK dstev failed (info = %d, m = %d)", (int)info, m);
    *resid = 0;
    for (int j = m - 1; j >= 0 && j >= m - nwant; j--) {
        double r = fabs(s->beta[m] * s->Z[(size_t)(m - 1) * (size_t)m + (size_t)j]);
        if (r > *resid)
            *resid = r;
    }
    return TCM_OK;
}

/* The Lanczos iteration proper; fills s->alpha, s->beta, res. */
static int lanczos_run(lanczos_ws *s, tcm_matvec_fn A, void *ctx, const tcm_lanczos_params *p,
                       tcm_lanczos_result *res)
{
    const int n = s->n;
    tcm_rng r;
    tcm_rng_init(&r, p->seed, 0);
    double nrm = 0;
    for (int i = 0; i < n; i++) {
        s->Q[i] = tcm_rng_normal(&r);
        nrm += s->Q[i] * s->Q[i];
    }
    for (int i = 0; i < n; i++)
        s->Q[i] /= sqrt(nrm);
    s->beta[0] = 0;
    double norm = 0;
    int rc = TCM_OK;
    for (int m = 0; m < s->cap && rc == TCM_OK; m++) {
        double *q = s->Q + (size_t)m * (size_t)n;
        A(ctx, q, s->w);
        double a = 0;
        for (int i = 0; i < n; i++)
            a += q[i] * s->w[i];
        if (!isfinite(a))
            return TCM_ERROR(TCM_ENUMERIC, "Lanczos: the operator gave a non-finite product at step %d", m + 1);
        s->alpha[m] = a;
        reorthogonalise(s, m + 1);
        double b = 0;
        for (int i = 0; i < n; i++)
            b += s->w[i] * s->w[i];
        b = sqrt(b);
        s->beta[m + 1] = b;
        res->steps = m + 1;
        norm = fmax(norm, fabs(a) + b + s->beta[m]); /* >= |T| row sums: an estimate of |A| */
        int invariant = b <= 1e-12 * norm || m + 1 == n;
        if (invariant || (m + 1) % 5 == 0 || m + 1 == s->cap) {
            rc = ritz(s, m + 1, p->nwant, &res->residual);
            double scale = fmax(fabs(s->d[0]), fabs(s->d[m]));
            if (rc == TCM_OK && (invariant || (m + 1 >= p->nwant && res->residual <= p->tol * scale))) {
                res->converged = 1;
                return TCM_OK;
            }
        }
        for (int i = 0; i < n; i++)
            q[n + i] = s->w[i] / b;
    }
    return rc;
}

int tcm_spectrum_lanczos(int n, tcm_matvec_fn A, void *ctx, const tcm_lanczos_params *p, double *top,
                         tcm_lanczos_result *res)
{
    if (n < 1 || !A || !p || !top || !res || p->nwant < 1 || p->nwant > n || p->max_steps < 1 || !(p->tol >= 0))
        return TCM_ERROR(TCM_EINVAL, "tcm_spectrum_lanczos: bad arguments (n = %d, nwant = %d, max_steps = %d)", n,
                         p ? p->nwant : 0, p ? p->max_steps : 0);
    memset(res, 0, sizeof *res);
    int cap = p->max_steps < n ? p->max_steps : n;
    if (cap < p->nwant)
        cap = p->nwant;
    lanczos_ws s;
    int rc = ws_alloc(&s, n, cap);
    if (rc != TCM_OK)
        return rc;
    rc = lanczos_run(&s, A, ctx, p, res);
    if (rc == TCM_OK) {
        int m = res->steps;
        for (int j = 0; j < p->nwant; j++)
            top[j] = j < m ? s.d[m - 1 - j] : NAN;
        res->found = m < p->nwant ? m : p->nwant;
    }
    ws_free(&s);
    return rc;
}
