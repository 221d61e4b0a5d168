/* Pieces shared by the trainers (train.c, train_lal.c, train_cesgd.c) and
 * not part of the public API: the run context, initial weights,
 * permutations, per-unit normalisation, and the end-of-epoch bookkeeping
 * (log, progress callback, limits). */
#ifndef TCMBP_TRAIN_INTERNAL_H
#define TCMBP_TRAIN_INTERNAL_H

#include "tcmbp/train.h"

#include <math.h>

/* Loops with fewer multiply-adds than this run serially: a mini-batch is
 * small, and an OpenMP barrier per batch costs more than it saves (much
 * more on a loaded machine). Results do not depend on it. */
#define TCM_TRAIN_PAR_MIN 1e6

/* State common to every trainer during one tcm_train_run call. */
typedef struct {
    const tcm_instance *inst;
    const tcm_train_params *p;
    tcm_train_result *r;
    int batch;   /* effective mini-batch size: min(p->batch, M) */
    int log_cap; /* rows allocated in r->log */
    double t0;   /* omp_get_wtime() at the start */
} tcm_train_ctx;

/* Hidden field (1/sqrt n) sum_i w_i x_i of one unit, summed with four
 * interleaved accumulators (a fixed order, so the value is reproducible;
 * it may differ from tcm_weights_field in the last bits). The trainers'
 * hot loop; the errors they report come from tcm_weights_eval. */
static inline double tcm_train_field(const double *w, const int8_t *x, int n)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += w[i] * x[i];
        s1 += w[i + 1] * x[i + 1];
        s2 += w[i + 2] * x[i + 2];
        s3 += w[i + 3] * x[i + 3];
    }
    for (; i < n; i++)
        s0 += w[i] * x[i];
    return ((s0 + s1) + (s2 + s3)) / sqrt((double)n);
}

/* Replica `replica`'s initial weights: K x n entries uniform in [-1, 1)
 * from stream `replica` of seed, then normalised per unit. */
int tcm_train_init_weights(double *w, int K, int n, uint64_t seed, int replica);

/* The presentation order of epoch `epoch` (>= 1) for replica `replica`:
 * the identity shuffled with stream (epoch << 20) + replica of seed. */
void tcm_train_permutation(int *perm, int M, uint64_t seed, int epoch, int replica);

/* Normalise each unit of w (K x n) to sum_i w_ki^2 = n; TCM_ENUMERIC when
 * the weights are no longer finite or a unit vanished. */
int tcm_train_normalize(double *w, int K, int n);

/* Training errors of w (K x n) on the instance, as tcm_weights_eval counts them. */
int tcm_train_errors(const tcm_train_ctx *c, const double *w, int *errors);

/* Record row (its seconds are filled here), call the progress callback and
 * decide whether to stop: *stop is set, with c->r->status, when converged
 * (status CONVERGED), when the callback returns nonzero (INTERRUPTED), when
 * row->epoch reached max_epochs (MAX_EPOCHS) or max_seconds passed
 * (TIMEOUT). TCM_ENOMEM if the log cannot grow. */
int tcm_train_end_epoch(tcm_train_ctx *c, tcm_train_epoch *row, int converged, int *stop);

/* The algorithms: run to a stop, leaving the configuration to return
 * (unnormalised for eLAL's centre) in w (K x n, zero on entry). */
int tcm_train_lal_run(tcm_train_ctx *c, double *w);
int tcm_train_elal_run(tcm_train_ctx *c, double *w);
int tcm_train_cesgd_run(tcm_train_ctx *c, double *w);

/* One LAL mini-batch on w (K x n) for the patterns idx[0..B): all hidden
 * fields first (into h, B x K), then for each misclassified pattern the
 * perceptron rule w_k += eta sigma xi_k on its wrong unit with the smallest
 * |h_k|. No normalisation. Returns the number of misclassified patterns. */
int tcm_train_lal_batch(double *w, const tcm_instance *inst, const int *idx, int B, double eta, double *h);

#endif
