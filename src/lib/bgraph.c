/* Allocation and simple set-up of the binary-weight factor graph. */
#include "tcmbp/bgraph.h"

#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tcmbp/bin.h"
#include "tcmbp/error.h"
#include "tcmbp/rng.h"

/* calloc of count doubles with overflow check; NULL on failure. */
static double *alloc_doubles(size_t count)
{
    if (count == 0) count = 1;
    if (count > SIZE_MAX / sizeof(double)) return NULL;
    return calloc(count, sizeof(double));
}

tcm_bgraph *tcm_bgraph_alloc(const tcm_instance *inst, int nthreads)
{
    return tcm_bgraph_alloc_patterns(inst, inst ? inst->M : 0, nthreads);
}

tcm_bgraph *tcm_bgraph_alloc_patterns(const tcm_instance *inst, int M, int nthreads)
{
    if (!inst) return TCM_ERROR(TCM_EINVAL, "no instance given"), NULL;
    if (tcm_instance_validate(inst) != TCM_OK) return NULL;
    if (M < 0 || M > inst->M) {
        TCM_ERROR(TCM_EINVAL, "pattern count %d outside 0..%d", M, inst->M);
        return NULL;
    }
    tcm_bgraph *g = calloc(1, sizeof *g);
    if (!g) return TCM_ERROR(TCM_ENOMEM, "out of memory allocating the graph"), NULL;
    g->inst = inst;
    g->K = inst->K;
    g->n = inst->n;
    g->M = M;
    g->nw = (size_t)inst->K * (size_t)inst->n;
    g->ne = (size_t)M * g->nw;
    g->nthreads = nthreads > 0 ? nthreads : omp_get_max_threads();
    g->work_stride = tcm_bin_work_size(inst->K, inst->n, TCM_HIDDEN_CLT) + 8; /* +8: keep rows apart */
    size_t mk = (size_t)M * (size_t)inst->K;
    g->f = alloc_doubles(g->ne);
    g->field = alloc_doubles(g->nw);
    g->signs = alloc_doubles(g->nw);
    g->lcosh = alloc_doubles(g->nw);
    g->lp = alloc_doubles(mk);
    g->lq = alloc_doubles(mk);
    g->fout = alloc_doubles(mk);
    g->work = alloc_doubles((size_t)g->nthreads * g->work_stride);
    g->per_pattern = alloc_doubles((size_t)M);
    if (!g->f || !g->field || !g->signs || !g->lcosh || !g->lp || !g->lq || !g->fout || !g->work || !g->per_pattern) {
        double gb = 8.0 * (double)g->ne / 1e9;
        tcm_bgraph_free(g);
        TCM_ERROR(TCM_ENOMEM, "out of memory: the graph needs %.3g GB of messages", gb);
        return NULL;
    }
    return g;
}

void tcm_bgraph_free(tcm_bgraph *g)
{
    if (!g) return;
    free(g->f);
    free(g->field);
    free(g->signs);
    free(g->lcosh);
    free(g->wref);
    free(g->ustar);
    free(g->lp);
    free(g->lq);
    free(g->fout);
    free(g->work);
    free(g->per_pattern);
    free(g->block_old);
    free(g);
}

int tcm_bgraph_reserve(tcm_bgraph *g, size_t doubles)
{
    if (doubles + 8 <= g->work_stride) return TCM_OK;
    size_t stride = doubles + 8;
    if (stride > SIZE_MAX / sizeof(double) / (size_t)g->nthreads)
        return TCM_ERROR(TCM_ENOMEM, "scratch of %zu doubles per thread is too large", doubles);
    double *w = alloc_doubles((size_t)g->nthreads * stride);
    if (!w)
        return TCM_ERROR(TCM_ENOMEM, "out of memory for %.3g GB of per-thread scratch",
                         8.0 * (double)stride * g->nthreads / 1e9);
    free(g->work);
    g->work = w;
    g->work_stride = stride;
    return TCM_OK;
}

int tcm_bgraph_set_reference(tcm_bgraph *g, const double *wref, double lambda)
{
    if (!wref) {
        free(g->wref);
        g->wref = NULL;
        g->lambda = 0.0;
        return TCM_OK;
    }
    if (!(lambda >= 0.0) || !isfinite(lambda))
        return TCM_ERROR(TCM_EINVAL, "reference coupling lambda must be finite and >= 0, got %g", lambda);
    for (size_t ki = 0; ki < g->nw; ki++)
        if (wref[ki] != 1.0 && wref[ki] != -1.0)
            return TCM_ERROR(TCM_EINVAL, "binary reference weight (%zu, %zu) is %g, not +-1", ki / (size_t)g->n,
                             ki % (size_t)g->n, wref[ki]);
    if (!g->wref && !(g->wref = alloc_doubles(g->nw)))
        return TCM_ERROR(TCM_ENOMEM, "out of memory for the reference");
    if (g->wref != wref) memcpy(g->wref, wref, g->nw * sizeof(double));
    g->lambda = lambda;
    return TCM_OK;
}

int tcm_bgraph_enable_focusing(tcm_bgraph *g)
{
    if (g->ustar) return TCM_OK;
    if (!(g->ustar = alloc_doubles(g->nw))) return TCM_ERROR(TCM_ENOMEM, "out of memory for the focusing field");
    return TCM_OK;
}

void tcm_bgraph_randomize(tcm_bgraph *g, double amplitude, unsigned long long seed)
{
    double amp = fmin(fmax(amplitude, 0.0), 1.0);
#pragma omp parallel for schedule(static) num_threads(g->nthreads) if (tcm_bgraph_parallel(g->ne))
    for (int a = 0; a < g->M; a++) {
        tcm_rng r;
        tcm_rng_init(&r, seed, (uint64_t)a + 1);
        double *f = g->f + (size_t)a * g->nw;
        for (size_t j = 0; j < g->nw; j++) f[j] = atanh(amp * (2.0 * tcm_rng_uniform_pos(&r) - 1.0));
    }
}

double tcm_bgraph_bytes_per_edge(const tcm_bgraph *g)
{
    (void)g;
    return sizeof(double) + 1.0;
}
