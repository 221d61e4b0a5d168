/* The factor graph of one instance for continuous weights: edge layout,
 * per-edge Gaussian messages (field U, precision V) from the hidden-unit
 * factors to the weights, per-weight marginals and external fields, per-unit
 * normalisation. No algorithm logic lives here (see cont.c, sweep.c).
 *
 * Edge (a, k, i) of pattern a, unit k, input i has index (a*K + k)*n + i, so
 * one hidden-unit factor's n edges are contiguous. Memory per edge: two
 * doubles (16 bytes) plus the instance's 1-byte pattern entry. */
#ifndef TCMBP_GRAPH_H
#define TCMBP_GRAPH_H

#include <stddef.h>

#include "tcmbp/instance.h"
#include "tcmbp/output.h"

typedef struct {
    const tcm_instance *inst; /* borrowed; must outlive the graph */
    int K, n, M;
    size_t nw;                /* weights: K*n */
    size_t ne;                /* edges: M*K*n */

    double *U, *V;            /* ne: factor -> weight messages exp(U x - V x^2/2) */

    /* Marginal of weight ki: precision chi[k] + zeta0[ki], field mu[ki]. zeta0
     * collects everything but chi: lambda + V*_ki + sum_a V[a->ki]. Both are
     * composed from the message sums and the external fields, so they are a
     * pure function of the state (messages, fields, chi). */
    double *sumU, *sumV;      /* nw: sum_a U[a->ki], sum_a V[a->ki], in pattern order */
    double *zeta0, *mu;       /* nw */
    double *chi;              /* K: per-unit normalisation fields (spec 1.3) */
    int needs_normalize;      /* nonzero when chi must be re-solved before the next sweep */

    /* Reference field (spec 3): exp(-lambda x^2/2 + lambda wref x); wref NULL when unused. */
    double lambda;
    double *wref;             /* nw or NULL; normalised per unit */

    /* Focusing field (spec 4): exp(U* x - V* x^2/2); NULL when unused. */
    double *ustar, *vstar;    /* nw */
    double *chistar;          /* K: centre normalisation chi* */
    double *focus_scratch;    /* 2 nw: per-unit scratch of the focusing update */

    /* Per hidden-unit factor (a,k): messages to and from tau_ka. */
    double *lp, *lq;          /* M*K: log P(tau=+1), log P(tau=-1) (message p_ka) */
    double *fout;             /* M*K: field of the output factor's message h_ka */

    int nthreads;             /* size of the per-thread scratch below */
    size_t work_stride;       /* doubles of scratch per thread */
    double *work;             /* nthreads * work_stride */
    double *per_pattern;      /* M: per-pattern partial results (deterministic reductions) */
} tcm_graph;

/* Allocate the graph of inst with zero messages, chi = 1, no reference, no
 * focusing. Scratch for up to nthreads threads (<= 0: omp_get_max_threads()).
 * NULL on error (message set). */
tcm_graph *tcm_graph_alloc(const tcm_instance *inst, int nthreads);

/* The same using only the first M patterns of inst (0 <= M <= inst->M): M = 0
 * is the alpha = 0 limit, prefixes give an alpha sweep on one instance. */
tcm_graph *tcm_graph_alloc_patterns(const tcm_instance *inst, int M, int nthreads);
void tcm_graph_free(tcm_graph *g);

/* Attach a reference configuration (copied; K x n, assumed normalised) with
 * coupling lambda, or detach it with wref == NULL. */
int tcm_graph_set_reference(tcm_graph *g, const double *wref, double lambda);

/* Enable the focusing field (allocated zero on first call). */
int tcm_graph_enable_focusing(tcm_graph *g);

/* Fill U with amplitude * N(0,1) / sqrt(n) and V with 0, from (seed, stream
 * per pattern): reproducible for any thread count. */
void tcm_graph_randomize(tcm_graph *g, double amplitude, unsigned long long seed);

/* Mean and precision of the marginal of weight (k,i). */
static inline double tcm_graph_precision(const tcm_graph *g, size_t ki)
{
    return g->chi[ki / (size_t)g->n] + g->zeta0[ki];
}
static inline double tcm_graph_mean(const tcm_graph *g, size_t ki)
{
    return g->mu[ki] / tcm_graph_precision(g, ki);
}

/* Sweeps over fewer edges than this run on one thread: below it, OpenMP's
 * barriers cost more than the work (and results do not depend on threads). */
#define TCM_PARALLEL_MIN_EDGES 65536

/* Threads to use for a pass over `edges` edge-sized items. */
static inline int tcm_graph_threads_for(const tcm_graph *g, size_t edges)
{
    return edges >= TCM_PARALLEL_MIN_EDGES ? g->nthreads : 1;
}

/* Bytes of state per edge (messages + pattern entry). */
double tcm_graph_bytes_per_edge(const tcm_graph *g);

#endif
