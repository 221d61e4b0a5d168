/* The factor graph of one instance for continuous weights: edge layout,
 * per-edge Gaussian messages (field U, precision V) from the hidden-unit
 * factors to the weights, per-weight marginals and external fields, per-unit
 * normalisation. No algorithm logic lives here (see cont.c, sweep.c).
 *
 * Edge (a, k, i) of pattern a, unit k, input i has index (a*K + k)*n + i, so
 * one hidden-unit factor's n edges are contiguous. Memory per edge: two
 * doubles (16 bytes) plus the instance's 1-byte pattern entry (shared by the
 * K units in the fully-connected architecture). Per weight: about 7 doubles
 * plus 2 per chunk (see chunk_sums). docs/PERFORMANCE.md has the figures. */
#ifndef TCMBP_GRAPH_H
#define TCMBP_GRAPH_H

#include <stddef.h>

#include "tcmbp/instance.h"
#include "tcmbp/output.h"

/* Wall seconds spent in each phase since the graph was allocated: a few
 * clock reads per sweep, kept so that benchmarks and drivers can say where
 * the time goes. Not part of the state (never saved, no effect on results). */
typedef struct {
    double update;    /* factor updates (with the chunk sums, parallel schedule) */
    double marginals; /* message sums -> marginals (chunk reduction, full rebuilds) */
    double normalize; /* chi, and with focusing the focusing fields and chi* */
    double errors;    /* training-error checks of the means (tcm_cont_errors) */
    long sweeps;
} tcm_graph_timing;

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
    double *sumU, *sumV;      /* nw: sum_a U[a->ki], sum_a V[a->ki] (order: chunk_sums) */

    /* The sums over patterns are taken in a fixed order: patterns fall into
     * nchunks contiguous chunks (fixed by M alone, tcm_graph_chunk_begin); a
     * chunk's sum is taken in pattern order from 0, and sumU/sumV add the
     * chunk sums in chunk order from 0. Chunk c's sums live at
     * chunk_sums + c * chunk_stride (U: nw doubles, then V: nw), so a sweep
     * builds them while it updates the messages (no second pass), in
     * parallel over chunks, with the same result for any number of threads. */
    int nchunks;
    size_t chunk_stride;      /* >= 2 nw, a multiple of 8 doubles (64 bytes) */
    double *chunk_sums;       /* nchunks * chunk_stride */
    double *block_old;        /* block schedule: old messages of one block (allocated on first use) */
    size_t block_old_len;     /* doubles in block_old */
    double *zeta0, *mu;       /* nw */
    double *chi;              /* K: per-unit normalisation fields (EQUATIONS.md 1.3) */
    int needs_normalize;      /* nonzero when chi must be re-solved before the next sweep */

    /* Reference field (EQUATIONS.md 3.1): exp(-lambda x^2/2 + lambda wref x); wref NULL when unused. */
    double lambda;
    double *wref;             /* nw or NULL; normalised per unit */

    /* Focusing field (EQUATIONS.md 4.1): exp(U* x - V* x^2/2); NULL when unused. */
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
    double *means;            /* nw: scratch of tcm_cont_errors */
    tcm_graph_timing *timing; /* phase times (a pointer: updated also through a const graph) */
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

/* Chunks of the pattern sums: about one per TCM_CHUNK_PATTERNS patterns, at
 * most TCM_MAX_CHUNKS (enough to keep 64 threads busy; more would cost memory
 * and a longer reduction), at least 1. A function of M only. */
#define TCM_CHUNK_PATTERNS 32
#define TCM_MAX_CHUNKS 128
int tcm_graph_chunk_count(int M);

/* First pattern of chunk c (0 <= c <= nchunks; c = nchunks gives M). */
static inline int tcm_graph_chunk_begin(const tcm_graph *g, int c)
{
    return (int)((long long)c * g->M / g->nchunks);
}

/* Sweeps over fewer edges than this run on one thread: below it, OpenMP's
 * barriers cost more than the work (and results do not depend on threads). */
#define TCM_PARALLEL_MIN_EDGES 65536

/* Threads to use for a pass over `edges` edge-sized items. */
static inline int tcm_graph_threads_for(const tcm_graph *g, size_t edges)
{
    return edges >= TCM_PARALLEL_MIN_EDGES ? g->nthreads : 1;
}

/* Bytes of state per edge: 16 (U, V) + the pattern entry (1 for the tree,
 * 1/K fully connected). Per-weight and per-pattern arrays come on top. */
double tcm_graph_bytes_per_edge(const tcm_graph *g);

#endif
