/* ceSGD (paper section V, Appendix E): mini-batch gradient descent on the
 * batch mean of the cross-entropy loss f_gamma(sigma out) of eq. (16), where
 * out = sum_k tanh(beta h_k) is the output unit's pre-activation and
 * h_k = u_k . xi_k with the unit-norm units u_k = w_k / sqrt(n). The step
 * (tcm_train_step) is u_k -= (eta / beta) grad or u_k -= eta grad, followed
 * by a per-unit normalisation; beta and gamma grow geometrically per epoch.
 * "fast" stops at zero errors of the sign network (beta = inf), "slow" when
 * the mean loss is below loss_tol. */
#include "train_internal.h"

#include "tcmbp/error.h"

#include <math.h>
#include <stdlib.h>

/* Workspace: coefficients per (pattern of the batch, unit), the gradient,
 * per-pattern loss and error of the full-set evaluation. */
typedef struct {
    int *perm;      /* M */
    double *coef;   /* batch x K: sqrt(n) d(batch loss) / d h_k per pattern */
    double *grad;   /* K x n */
    double *loss;   /* M */
    int *err;       /* M */
    double beta, gamma;
} cesgd_ws;

/* tanh(z) into *t and its derivative 1 - tanh^2(z) = sech^2(z) into *d,
 * from one exponential, accurate for any z. */
static void tanh_sech2(double z, double *t, double *d)
{
    double e = exp(-2.0 * fabs(z));
    *t = copysign((1.0 - e) / (1.0 + e), z);
    *d = 4.0 * e / ((1.0 + e) * (1.0 + e));
}

/* Forward pass of pattern a: returns out = sum_k tanh(beta h_k);
 * d (K entries, or NULL) gets sech^2(beta h_k) and *vote the sum of the
 * signs of the hidden fields (the sign network's vote). */
static double forward(const tcm_instance *in, const double *w, double beta, int a, double *d, int *vote)
{
    double out = 0.0, t, dk;
    int votes = 0;
    for (int k = 0; k < in->K; k++) {
        double h = tcm_train_field(w + (size_t)k * in->n, tcm_instance_unit_inputs(in, a, k), in->n);
        votes += (h > 0) - (h < 0);
        tanh_sech2(beta * h, &t, &dk);
        if (d)
            d[k] = dk;
        out += t;
    }
    *vote = votes;
    return out;
}

/* Coefficients of the batch patterns idx[0..B): for pattern b and unit k,
 * sqrt(n) (1/B) f'(sigma out) sigma s sech^2(beta h_k), with s = beta for
 * the plain gradient and s = 1 for the scaled step (the gradient / beta),
 * so that the step u_k -= eta (step direction) reads
 * w_k -= eta sum_b coef_bk xi_bk. */
static void batch_coefficients(const tcm_train_ctx *c, cesgd_ws *s, const double *w, const int *idx, int B)
{
    const tcm_instance *in = c->inst;
    const double chain = c->p->step == TCM_TRAIN_STEP_GRADIENT ? s->beta : 1.0;
    const double scale = chain * sqrt((double)in->n) / B;
#pragma omp parallel for schedule(static) if((double)B * in->K * in->n >= TCM_TRAIN_PAR_MIN)
    for (int b = 0; b < B; b++) {
        const double sig = in->outputs[idx[b]];
        double *d = s->coef + (size_t)b * in->K;
        int vote;
        const double out = forward(in, w, s->beta, idx[b], d, &vote);
        const double g = tcm_train_ce_grad(sig * out, s->gamma) * sig * scale;
        for (int k = 0; k < in->K; k++)
            d[k] *= g;
    }
}

/* One SGD step on the batch idx[0..B): each unit's gradient summed over the
 * batch in order (units in parallel), the step, then normalisation. */
static int sgd_step(const tcm_train_ctx *c, cesgd_ws *s, double *w, const int *idx, int B)
{
    const tcm_instance *in = c->inst;
    const int K = in->K, n = in->n;
    batch_coefficients(c, s, w, idx, B);
#pragma omp parallel for schedule(static) if((double)B * K * n >= TCM_TRAIN_PAR_MIN)
    for (int k = 0; k < K; k++) {
        double *g = s->grad + (size_t)k * n, *wk = w + (size_t)k * n;
        for (int i = 0; i < n; i++)
            g[i] = 0.0;
        for (int b = 0; b < B; b++) {
            const double cb = s->coef[(size_t)b * K + k];
            if (cb == 0.0)
                continue;
            const int8_t *x = tcm_instance_unit_inputs(in, idx[b], k);
            for (int i = 0; i < n; i++)
                g[i] += cb * x[i];
        }
        for (int i = 0; i < n; i++)
            wk[i] -= c->p->eta * g[i];
    }
    return tcm_train_normalize(w, K, n);
}

/* Mean CE loss over all patterns (summed in pattern order) and the errors of
 * the sign network (tcm_weights_eval's convention: ties are errors). */
static void evaluate(const tcm_train_ctx *c, cesgd_ws *s, const double *w, tcm_train_epoch *row)
{
    const tcm_instance *in = c->inst;
#pragma omp parallel for schedule(static) if((double)in->M * in->K * in->n >= TCM_TRAIN_PAR_MIN)
    for (int a = 0; a < in->M; a++) {
        const double sig = in->outputs[a];
        int vote;
        s->loss[a] = tcm_train_ce_loss(sig * forward(in, w, s->beta, a, NULL, &vote), s->gamma);
        s->err[a] = vote * sig <= 0;
    }
    double total = 0.0;
    int errors = 0;
    for (int a = 0; a < in->M; a++) {
        total += s->loss[a];
        errors += s->err[a];
    }
    row->loss = total / in->M;
    row->errors = errors;
    row->beta = s->beta;
    row->gamma = s->gamma;
}

/* Free the workspace arrays. */
static void ws_free(cesgd_ws *s)
{
    free(s->perm);
    free(s->coef);
    free(s->grad);
    free(s->loss);
    free(s->err);
}

/* Stopping criterion of the setting. */
static int converged(const tcm_train_ctx *c, const tcm_train_epoch *row)
{
    return c->p->algo == TCM_TRAIN_CESGD_FAST ? row->errors == 0 : row->loss < c->p->loss_tol;
}

/* ceSGD run: epochs of mini-batch steps, evaluation, then beta and gamma
 * grown (capped at TCM_TRAIN_PARAM_CAP). */
int tcm_train_cesgd_run(tcm_train_ctx *c, double *w)
{
    const tcm_instance *in = c->inst;
    const size_t M = (size_t)in->M, KN = (size_t)in->K * (size_t)in->n;
    cesgd_ws s = {malloc(M * sizeof(int)), malloc((size_t)c->batch * (size_t)in->K * sizeof(double)),
                  malloc(KN * sizeof(double)), malloc(M * sizeof(double)), malloc(M * sizeof(int)),
                  c->p->beta0, c->p->gamma0};
    int st = s.perm && s.coef && s.grad && s.loss && s.err ? tcm_train_init_weights(w, in->K, in->n, c->p->seed, 0)
                                                          : TCM_ERROR(TCM_ENOMEM, "ceSGD: out of memory");
    tcm_train_epoch row = {0, 0, NAN, NAN, NAN, NAN, NAN, 0.0};
    int stop = 0;
    if (st == TCM_OK) {
        evaluate(c, &s, w, &row);
        st = tcm_train_end_epoch(c, &row, converged(c, &row), &stop);
    }
    for (int e = 1; st == TCM_OK && !stop; e++) {
        if (e > 1) {
            s.beta = fmin(s.beta * (1.0 + c->p->beta1), TCM_TRAIN_PARAM_CAP);
            s.gamma = fmin(s.gamma * (1.0 + c->p->gamma1), TCM_TRAIN_PARAM_CAP);
        }
        tcm_train_permutation(s.perm, in->M, c->p->seed, e, 0);
        for (int start = 0; start < in->M && st == TCM_OK; start += c->batch)
            st = sgd_step(c, &s, w, s.perm + start, in->M - start < c->batch ? in->M - start : c->batch);
        row.epoch = e;
        if (st == TCM_OK) {
            evaluate(c, &s, w, &row);
            st = tcm_train_end_epoch(c, &row, converged(c, &row), &stop);
        }
    }
    ws_free(&s);
    return st;
}
