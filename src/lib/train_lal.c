/* Least action learning (LAL, Mitchison and Durbin 1989) in mini-batches, and
 * its entropic replicated version eLAL (paper section IV): y replicas each
 * run LAL on their own permutation of the patterns and after every
 * mini-batch are pulled toward their centre by lambda * eta, with lambda
 * grown geometrically per epoch, until the replicas collapse. */
#include "train_internal.h"

#include "tcmbp/error.h"

#include <math.h>
#include <stdlib.h>

/* One LAL mini-batch; see train_internal.h. */
int tcm_train_lal_batch(double *w, const tcm_instance *inst, const int *idx, int B, double eta, double *h)
{
    const int K = inst->K, n = inst->n;
    const double step = eta * sqrt((double)n); /* u_k += eta sigma xi_k for u_k = w_k / sqrt(n) */
    for (int b = 0; b < B; b++)
        for (int k = 0; k < K; k++)
            h[(size_t)b * K + k] = tcm_train_field(w + (size_t)k * n, tcm_instance_unit_inputs(inst, idx[b], k), n);
    int wrong = 0;
    for (int b = 0; b < B; b++) {
        const double *hb = h + (size_t)b * K;
        const double s = inst->outputs[idx[b]];
        int vote = 0, best = -1;
        for (int k = 0; k < K; k++)
            vote += (hb[k] > 0) - (hb[k] < 0);
        if (vote * s > 0)
            continue; /* correct (a tie, vote 0, counts as an error) */
        wrong++;
        for (int k = 0; k < K; k++) /* wrong units: s h_k <= 0; the one closest to threshold */
            if (s * hb[k] <= 0 && (best < 0 || fabs(hb[k]) < fabs(hb[best])))
                best = k;
        const int8_t *x = tcm_instance_unit_inputs(inst, idx[b], best);
        double *wk = w + (size_t)best * n;
        for (int i = 0; i < n; i++)
            wk[i] += step * s * x[i];
    }
    return wrong;
}

/* One LAL epoch on w; *wrong = misclassified presentations. */
static int lal_epoch(tcm_train_ctx *c, double *w, int *perm, double *h, int epoch, int *wrong)
{
    const tcm_instance *in = c->inst;
    tcm_train_permutation(perm, in->M, c->p->seed, epoch, 0);
    *wrong = 0;
    for (int start = 0; start < in->M; start += c->batch) {
        int B = in->M - start < c->batch ? in->M - start : c->batch;
        *wrong += tcm_train_lal_batch(w, in, perm + start, B, c->p->eta, h);
        int st = tcm_train_normalize(w, in->K, in->n);
        if (st != TCM_OK)
            return st;
    }
    return TCM_OK;
}

/* LAL until zero training errors (checked on all patterns after each epoch). */
int tcm_train_lal_run(tcm_train_ctx *c, double *w)
{
    const tcm_instance *in = c->inst;
    int *perm = malloc((size_t)in->M * sizeof *perm);
    double *h = malloc((size_t)c->batch * (size_t)in->K * sizeof *h);
    int st = perm && h ? tcm_train_init_weights(w, in->K, in->n, c->p->seed, 0)
                       : TCM_ERROR(TCM_ENOMEM, "LAL: out of memory");
    tcm_train_epoch row = {0, 0, NAN, NAN, NAN, NAN, NAN, 0.0};
    int stop = 0, wrong = 0;
    if (st == TCM_OK)
        st = tcm_train_errors(c, w, &row.errors);
    if (st == TCM_OK)
        st = tcm_train_end_epoch(c, &row, row.errors == 0, &stop);
    for (int e = 1; st == TCM_OK && !stop; e++) {
        st = lal_epoch(c, w, perm, h, e, &wrong);
        row.epoch = e;
        row.loss = (double)wrong / in->M;
        if (st == TCM_OK)
            st = tcm_train_errors(c, w, &row.errors);
        if (st == TCM_OK)
            st = tcm_train_end_epoch(c, &row, row.errors == 0, &stop);
    }
    free(perm);
    free(h);
    return st;
}

/* ---- eLAL ---------------------------------------------------------------- */

/* Workspace of eLAL: y replicas, their permutations and field buffers. */
typedef struct {
    int y, n;
    size_t KN;     /* weights per replica */
    double *W;     /* y x KN replicas */
    int *perm;     /* y x M */
    double *h;     /* y x batch x K */
    int *wrong;    /* y: misclassified presentations this epoch */
    int *status;   /* y: per-replica status inside parallel loops */
    double *part;  /* y: per-replica partial sums */
} elal_ws;

/* Free the workspace arrays. */
static void elal_ws_free(elal_ws *s)
{
    free(s->W);
    free(s->perm);
    free(s->h);
    free(s->wrong);
    free(s->status);
    free(s->part);
}

/* Allocate the workspace; TCM_ENOMEM naming the size on failure. */
static int elal_ws_alloc(elal_ws *s, const tcm_train_ctx *c)
{
    const tcm_instance *in = c->inst;
    size_t y = (size_t)c->p->y;
    s->y = c->p->y;
    s->n = in->n;
    s->KN = (size_t)in->K * (size_t)in->n;
    s->W = malloc(y * s->KN * sizeof *s->W);
    s->perm = malloc(y * (size_t)in->M * sizeof *s->perm);
    s->h = malloc(y * (size_t)c->batch * (size_t)in->K * sizeof *s->h);
    s->wrong = calloc(y, sizeof *s->wrong);
    s->status = calloc(y, sizeof *s->status);
    s->part = calloc(y, sizeof *s->part);
    if (s->W && s->perm && s->h && s->wrong && s->status && s->part)
        return TCM_OK;
    return TCM_ERROR(TCM_ENOMEM, "eLAL: out of memory for %d replicas of %zu weights", s->y, s->KN);
}

/* First nonzero per-replica status (replica order), or TCM_OK. */
static int first_status(const elal_ws *s)
{
    for (int a = 0; a < s->y; a++)
        if (s->status[a] != TCM_OK)
            return s->status[a];
    return TCM_OK;
}

/* Centre = mean of the replicas (summed in replica order), and the summed
 * squared replica-centre distance of the unit-norm units u_k = w_k / sqrt(n),
 * sum_a |U^a - centre|^2 (per-replica partials, added in replica order). */
static double elal_centre(elal_ws *s, double *centre)
{
    const long long KN = (long long)s->KN;
#pragma omp parallel for schedule(static) if((double)KN * s->y >= TCM_TRAIN_PAR_MIN)
    for (long long j = 0; j < KN; j++) {
        double t = 0.0;
        for (int a = 0; a < s->y; a++)
            t += s->W[(size_t)a * s->KN + (size_t)j];
        centre[j] = t / s->y;
    }
#pragma omp parallel for schedule(static) if((double)s->KN * s->y >= TCM_TRAIN_PAR_MIN)
    for (int a = 0; a < s->y; a++) {
        const double *wa = s->W + (size_t)a * s->KN;
        double d = 0.0;
        for (size_t j = 0; j < s->KN; j++)
            d += (wa[j] - centre[j]) * (wa[j] - centre[j]);
        s->part[a] = d / (double)s->n;
    }
    double dist = 0.0;
    for (int a = 0; a < s->y; a++)
        dist += s->part[a];
    return dist;
}

/* Mini-batch `start` for every replica: LAL step, pull toward the centre by
 * min(lambda eta, 1), normalise, recompute the centre. */
static int elal_step(tcm_train_ctx *c, elal_ws *s, double *centre, int start, double lambda)
{
    const tcm_instance *in = c->inst;
    const int B = in->M - start < c->batch ? in->M - start : c->batch;
    const double pull = fmin(lambda * c->p->eta, 1.0);
    const long long KN = (long long)s->KN;
#pragma omp parallel for schedule(static) if((double)s->KN * B * s->y >= TCM_TRAIN_PAR_MIN)
    for (int a = 0; a < s->y; a++)
        s->wrong[a] += tcm_train_lal_batch(s->W + (size_t)a * s->KN, in, s->perm + (size_t)a * in->M + start, B,
                                           c->p->eta, s->h + (size_t)a * c->batch * in->K);
#pragma omp parallel for schedule(static) if((double)KN * s->y >= TCM_TRAIN_PAR_MIN)
    for (long long j = 0; j < KN; j++)
        for (int a = 0; a < s->y; a++)
            s->W[(size_t)a * s->KN + (size_t)j] += pull * (centre[j] - s->W[(size_t)a * s->KN + (size_t)j]);
#pragma omp parallel for schedule(static) if((double)s->KN * s->y >= TCM_TRAIN_PAR_MIN)
    for (int a = 0; a < s->y; a++)
        s->status[a] = tcm_train_normalize(s->W + (size_t)a * s->KN, in->K, in->n);
    int st = first_status(s);
    if (st == TCM_OK)
        elal_centre(s, centre);
    return st;
}

/* One eLAL epoch: fresh permutations per replica, all mini-batches; fills
 * the row's loss and distance. */
static int elal_epoch(tcm_train_ctx *c, elal_ws *s, double *centre, int epoch, tcm_train_epoch *row)
{
    const tcm_instance *in = c->inst;
#pragma omp parallel for schedule(static) if((double)in->M * s->y >= TCM_TRAIN_PAR_MIN)
    for (int a = 0; a < s->y; a++) {
        tcm_train_permutation(s->perm + (size_t)a * in->M, in->M, c->p->seed, epoch, a);
        s->wrong[a] = 0;
    }
    int st = TCM_OK;
    for (int start = 0; start < in->M && st == TCM_OK; start += c->batch)
        st = elal_step(c, s, centre, start, row->lambda);
    long long wrong = 0;
    for (int a = 0; a < s->y; a++)
        wrong += s->wrong[a];
    row->loss = (double)wrong / ((double)in->M * s->y);
    row->distance = elal_centre(s, centre);
    return st;
}

/* Initial replicas (stream a for replica a) and their centre. */
static int elal_init(tcm_train_ctx *c, elal_ws *s, double *centre, tcm_train_epoch *row)
{
    const tcm_instance *in = c->inst;
#pragma omp parallel for schedule(static) if((double)s->KN * s->y >= TCM_TRAIN_PAR_MIN)
    for (int a = 0; a < s->y; a++)
        s->status[a] = tcm_train_init_weights(s->W + (size_t)a * s->KN, in->K, in->n, c->p->seed, a);
    int st = first_status(s);
    if (st == TCM_OK)
        row->distance = elal_centre(s, centre);
    return st;
}

/* eLAL until sum_a |W^a - centre|^2 < collapse_tol; w gets the centre. */
int tcm_train_elal_run(tcm_train_ctx *c, double *w)
{
    elal_ws s = {0};
    int st = elal_ws_alloc(&s, c), stop = 0;
    tcm_train_epoch row = {0, 0, NAN, NAN, c->p->lambda0, NAN, NAN, 0.0};
    if (st == TCM_OK)
        st = elal_init(c, &s, w, &row);
    if (st == TCM_OK)
        st = tcm_train_errors(c, w, &row.errors);
    if (st == TCM_OK)
        st = tcm_train_end_epoch(c, &row, row.distance < c->p->collapse_tol, &stop);
    for (int e = 1; st == TCM_OK && !stop; e++) {
        row.epoch = e;
        if (e > 1)
            row.lambda *= 1.0 + c->p->lambda1;
        st = elal_epoch(c, &s, w, e, &row);
        if (st == TCM_OK)
            st = tcm_train_errors(c, w, &row.errors);
        if (st == TCM_OK)
            st = tcm_train_end_epoch(c, &row, row.distance < c->p->collapse_tol, &stop);
    }
    elal_ws_free(&s);
    return st;
}
