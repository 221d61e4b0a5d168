/* Hessian of the mean-square-error loss of the committee machine with
 * tanh(beta x) activations (hessian.h, docs/HESSIAN.md): per pattern, the
 * K x K matrix of second derivatives with respect to the hidden fields,
 * then products with the inputs. Every sum over patterns runs in pattern
 * order, so results do not depend on the thread count. */
#include "tcmbp/hessian.h"

#include "tcmbp/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct tcm_hessian {
    const tcm_weights *w;
    const tcm_instance *inst;
    double beta;
    tcm_hessian_output output;
    int K, n, M;
    double *D;    /* M x K x K: d^2 l_a / dh_k dh_l */
    double *G;    /* M x K: d l_a / dh_k */
    double *y;    /* M x K scratch of tcm_hessian_apply: D g */
    double *gs;   /* M x K scratch of tcm_hessian_apply: g = field of v */
    double loss;
    int errors;
};

/* Derivatives of pattern a's loss with respect to its K hidden fields
 * (h->G, h->D rows a); returns the pattern's loss, counts its error. */
static double pattern_terms(tcm_hessian *h, int a, double *t, double *g, double *g2)
{
    const int K = h->K, lin = h->output == TCM_HESSIAN_OUTPUT_LINEAR;
    const double b = h->beta, rk = lin ? 1.0 / K : 1.0 / sqrt((double)K);
    double s = 0;
    for (int k = 0; k < K; k++) {
        double hk = tcm_weights_field(h->w, k, tcm_instance_unit_inputs(h->inst, a, k));
        t[k] = tanh(b * hk);
        g[k] = rk * b * (1 - t[k] * t[k]);      /* ds/dh_k */
        g2[k] = -2 * b * t[k] * g[k];           /* d^2 s/dh_k^2 */
        s += t[k];
    }
    s *= rk;
    double sigma = h->inst->outputs[a], o = lin ? s : tanh(b * s), r = o - sigma;
    double o1 = lin ? 1.0 : b * (1 - o * o), o2 = lin ? 0.0 : -2 * b * o * o1; /* do/ds, d^2o/ds^2 */
    double c = o1 * o1 + r * o2;
    double *D = h->D + (size_t)a * (size_t)(K * K), *G = h->G + (size_t)a * (size_t)K;
    for (int k = 0; k < K; k++) {
        G[k] = r * o1 * g[k];
        for (int l = 0; l < K; l++)
            D[k * K + l] = c * g[k] * g[l] + (k == l ? r * o1 * g2[k] : 0.0);
    }
    h->errors += sigma * s <= 0;
    return 0.5 * r * r;
}

tcm_hessian *tcm_hessian_alloc(const tcm_weights *w, const tcm_instance *inst, double beta,
                               tcm_hessian_output output)
{
    if (!w || !inst || w->K != inst->K || w->n != inst->n || !(beta > 0) || !isfinite(beta) ||
        (output != TCM_HESSIAN_OUTPUT_LINEAR && output != TCM_HESSIAN_OUTPUT_TANH)) {
        TCM_ERROR(TCM_EINVAL, "hessian: weights (%d x %d) must match the instance (%d x %d) and beta > 0 (got %g)",
                  w ? w->K : 0, w ? w->n : 0, inst ? inst->K : 0, inst ? inst->n : 0, beta);
        return NULL;
    }
    tcm_hessian *h = calloc(1, sizeof *h);
    int K = inst->K;
    double *t = malloc(sizeof(double) * 3 * (size_t)K);
    if (h) {
        h->D = malloc(sizeof(double) * (size_t)inst->M * (size_t)(K * K));
        h->G = malloc(sizeof(double) * (size_t)inst->M * (size_t)K);
        h->y = malloc(sizeof(double) * (size_t)inst->M * (size_t)K);
        h->gs = malloc(sizeof(double) * (size_t)inst->M * (size_t)K);
    }
    if (!h || !t || !h->D || !h->G || !h->y || !h->gs) {
        free(t);
        tcm_hessian_free(h);
        TCM_ERROR(TCM_ENOMEM, "out of memory for the Hessian of %d patterns", inst->M);
        return NULL;
    }
    h->w = w;
    h->inst = inst;
    h->beta = beta;
    h->output = output;
    h->K = K;
    h->n = inst->n;
    h->M = inst->M;
    double loss = 0;
    for (int a = 0; a < h->M; a++)
        loss += pattern_terms(h, a, t, t + K, t + 2 * K);
    h->loss = loss / h->M;
    free(t);
    return h;
}

void tcm_hessian_free(tcm_hessian *h)
{
    if (!h)
        return;
    free(h->D);
    free(h->G);
    free(h->y);
    free(h->gs);
    free(h);
}

int tcm_hessian_dim(const tcm_hessian *h) { return h->K * h->n; }
double tcm_hessian_loss(const tcm_hessian *h) { return h->loss; }
int tcm_hessian_errors(const tcm_hessian *h) { return h->errors; }

/* out[k n + i] = c sum_a Y[a K + k] x_aki, parallel over (k, i), patterns in order. */
static void back_project(const tcm_hessian *h, const double *Y, double c, double *out)
{
    const int K = h->K, n = h->n, M = h->M;
#pragma omp parallel for schedule(static)
    for (int k = 0; k < K; k++) {
        double *o = out + (size_t)k * (size_t)n;
        for (int i = 0; i < n; i++)
            o[i] = 0;
        for (int a = 0; a < M; a++) {
            const int8_t *x = tcm_instance_unit_inputs(h->inst, a, k);
            double ya = Y[(size_t)a * (size_t)K + (size_t)k];
            for (int i = 0; i < n; i++)
                o[i] += ya * x[i];
        }
        for (int i = 0; i < n; i++)
            o[i] *= c;
    }
}

void tcm_hessian_gradient(const tcm_hessian *h, double *grad)
{
    back_project(h, h->G, 1.0 / (h->M * sqrt((double)h->n)), grad);
}

void tcm_hessian_apply(const tcm_hessian *h, const double *v, double *out)
{
    const int K = h->K, n = h->n;
    const double rn = 1.0 / sqrt((double)n);
    double *Y = h->y; /* scratch owned by h: apply is not reentrant on one object */
#pragma omp parallel for schedule(static)
    for (int a = 0; a < h->M; a++) {
        double *g = h->gs + (size_t)a * (size_t)K;
        for (int l = 0; l < K; l++) {
            const int8_t *x = tcm_instance_unit_inputs(h->inst, a, l);
            const double *vl = v + (size_t)l * (size_t)n;
            double s = 0;
            for (int i = 0; i < n; i++)
                s += vl[i] * x[i];
            g[l] = s * rn;
        }
        const double *D = h->D + (size_t)a * (size_t)(K * K);
        for (int k = 0; k < K; k++) {
            double s = 0;
            for (int l = 0; l < K; l++)
                s += D[k * K + l] * g[l];
            Y[(size_t)a * (size_t)K + (size_t)k] = s;
        }
    }
    back_project(h, Y, rn / h->M, out);
}

void tcm_hessian_matvec(void *ctx, const double *x, double *y) { tcm_hessian_apply(ctx, x, y); }

void tcm_hessian_dense(const tcm_hessian *h, double *H)
{
    const int K = h->K, n = h->n, M = h->M;
    const size_t dim = (size_t)K * (size_t)n;
    const double c = 1.0 / ((double)M * n);
#pragma omp parallel for schedule(dynamic, 8)
    for (long row = 0; row < (long)dim; row++) {
        int k = (int)(row / n), i = (int)(row % n);
        double *Hr = H + (size_t)row * dim;
        memset(Hr, 0, sizeof(double) * dim);
        for (int a = 0; a < M; a++) {
            double xi = tcm_instance_unit_inputs(h->inst, a, k)[i];
            const double *D = h->D + (size_t)a * (size_t)(K * K) + (size_t)k * (size_t)K;
            for (int l = 0; l < K; l++) {
                const int8_t *x = tcm_instance_unit_inputs(h->inst, a, l);
                double d = D[l] * xi;
                double *Hl = Hr + (size_t)l * (size_t)n;
                for (int j = 0; j < n; j++)
                    Hl[j] += d * x[j];
            }
        }
        for (size_t j = 0; j < dim; j++)
            Hr[j] *= c;
    }
}
