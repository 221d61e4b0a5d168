/* Allocation and simple set-up of the continuous-weight factor graph. */
#include "tcmbp/graph.h"

#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tcmbp/error.h"
#include "tcmbp/cont.h"
#include "tcmbp/rng.h"

/* calloc of count doubles with overflow check; NULL on failure. */
static double *alloc_doubles(size_t count)
{
    if (count == 0) count = 1;
    if (count > SIZE_MAX / sizeof(double)) return NULL;
    return calloc(count, sizeof(double));
}

int tcm_graph_chunk_count(int M)
{
    int c = M / TCM_CHUNK_PATTERNS;
    return c < 1 ? 1 : (c > TCM_MAX_CHUNKS ? TCM_MAX_CHUNKS : c);
}

tcm_graph *tcm_graph_alloc(const tcm_instance *inst, int nthreads)
{
    return tcm_graph_alloc_patterns(inst, inst ? inst->M : 0, nthreads);
}

tcm_graph *tcm_graph_alloc_patterns(const tcm_instance *inst, int M, int nthreads)
{
    if (!inst || tcm_instance_validate(inst) != TCM_OK) {
        if (!inst) TCM_ERROR(TCM_EINVAL, "no instance given");
        return NULL;
    }
    if (M < 0 || M > inst->M) {
        TCM_ERROR(TCM_EINVAL, "pattern count %d outside 0..%d", M, inst->M);
        return NULL;
    }
    tcm_graph *g = calloc(1, sizeof *g);
    if (!g) return TCM_ERROR(TCM_ENOMEM, "out of memory allocating the graph"), NULL;
    g->inst = inst;
    g->K = inst->K;
    g->n = inst->n;
    g->M = M;
    g->nw = (size_t)inst->K * (size_t)inst->n;
    g->ne = (size_t)M * g->nw;
    g->nthreads = nthreads > 0 ? nthreads : omp_get_max_threads();
    g->work_stride = tcm_cont_work_size(inst->K, (size_t)inst->K * (size_t)inst->n) + 8; /* +8: keep threads' rows apart */
    g->nchunks = tcm_graph_chunk_count(M);
    g->chunk_stride = (2 * g->nw + 7) / 8 * 8; /* whole cache lines: no false sharing between chunks */
    size_t mk = (size_t)M * (size_t)inst->K;
    g->U = alloc_doubles(g->ne);
    g->V = alloc_doubles(g->ne);
    g->sumU = alloc_doubles(g->nw);
    g->sumV = alloc_doubles(g->nw);
    g->zeta0 = alloc_doubles(g->nw);
    g->mu = alloc_doubles(g->nw);
    g->chi = alloc_doubles((size_t)inst->K);
    g->lp = alloc_doubles(mk);
    g->lq = alloc_doubles(mk);
    g->fout = alloc_doubles(mk);
    g->work = alloc_doubles((size_t)g->nthreads * g->work_stride);
    g->per_pattern = alloc_doubles((size_t)M);
    g->chunk_sums = alloc_doubles((size_t)g->nchunks * g->chunk_stride);
    g->means = alloc_doubles(g->nw);
    g->timing = calloc(1, sizeof *g->timing);
    if (!g->U || !g->V || !g->sumU || !g->sumV || !g->zeta0 || !g->mu || !g->chi || !g->lp || !g->lq || !g->fout ||
        !g->work || !g->per_pattern || !g->chunk_sums || !g->means || !g->timing) {
        double gb = 2.0 * 8.0 * (double)g->ne / 1e9;
        tcm_graph_free(g);
        TCM_ERROR(TCM_ENOMEM, "out of memory: the graph needs %.3g GB of messages", gb);
        return NULL;
    }
    for (int k = 0; k < g->K; k++) g->chi[k] = 1.0;
    g->needs_normalize = 1;
    return g;
}

void tcm_graph_free(tcm_graph *g)
{
    if (!g) return;
    free(g->U);
    free(g->V);
    free(g->sumU);
    free(g->sumV);
    free(g->zeta0);
    free(g->mu);
    free(g->chi);
    free(g->wref);
    free(g->ustar);
    free(g->vstar);
    free(g->chistar);
    free(g->focus_scratch);
    free(g->lp);
    free(g->lq);
    free(g->fout);
    free(g->work);
    free(g->per_pattern);
    free(g->chunk_sums);
    free(g->block_old);
    free(g->means);
    free(g->timing);
    free(g);
}

int tcm_graph_set_reference(tcm_graph *g, const double *wref, double lambda)
{
    if (!wref) {
        free(g->wref);
        g->wref = NULL;
        g->lambda = 0.0;
        g->needs_normalize = 1;
        return TCM_OK;
    }
    if (!(lambda >= 0.0) || !isfinite(lambda))
        return TCM_ERROR(TCM_EINVAL, "reference coupling lambda must be finite and >= 0, got %g", lambda);
    if (!g->wref && !(g->wref = alloc_doubles(g->nw)))
        return TCM_ERROR(TCM_ENOMEM, "out of memory for the reference");
    if (g->wref != wref) memcpy(g->wref, wref, g->nw * sizeof(double));
    g->lambda = lambda;
    g->needs_normalize = 1;
    return TCM_OK;
}

int tcm_graph_enable_focusing(tcm_graph *g)
{
    if (g->ustar) return TCM_OK;
    g->ustar = alloc_doubles(g->nw);
    g->vstar = alloc_doubles(g->nw);
    g->chistar = alloc_doubles((size_t)g->K);
    g->focus_scratch = alloc_doubles(2 * g->nw);
    if (!g->ustar || !g->vstar || !g->chistar || !g->focus_scratch) {
        free(g->ustar);
        free(g->vstar);
        free(g->chistar);
        free(g->focus_scratch);
        g->ustar = g->vstar = g->chistar = g->focus_scratch = NULL;
        return TCM_ERROR(TCM_ENOMEM, "out of memory for the focusing fields");
    }
    for (int k = 0; k < g->K; k++) g->chistar[k] = 1.0;
    g->needs_normalize = 1;
    return TCM_OK;
}

void tcm_graph_randomize(tcm_graph *g, double amplitude, unsigned long long seed)
{
    double scale = amplitude / sqrt((double)g->n);
#pragma omp parallel for schedule(static)
    for (int a = 0; a < g->M; a++) {
        tcm_rng r;
        tcm_rng_init(&r, seed, (uint64_t)a + 1);
        size_t base = (size_t)a * g->nw;
        for (size_t j = 0; j < g->nw; j++) {
            g->U[base + j] = scale * tcm_rng_normal(&r);
            g->V[base + j] = 0.0;
        }
    }
    g->needs_normalize = 1;
}

double tcm_graph_bytes_per_edge(const tcm_graph *g)
{
    /* the pattern row (N bytes) serves the K n edges of a pattern: 1 byte per
     * edge for the tree, 1/K for the fully-connected machine */
    return 2.0 * sizeof(double) + (double)g->inst->N / (double)g->nw;
}
