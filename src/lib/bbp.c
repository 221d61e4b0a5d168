/* One deterministic binary-weight BP sweep (EQUATIONS.md 2-4): factor updates in
 * parallel over patterns or in fixed blocks, marginals summed in pattern
 * order, focusing fields; and the sign configuration with its errors. The
 * drivers (plain BP, volume, focusing) are driver.c's, over engine_bin.c. */
#include "tcmbp/bbp.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "tcmbp/error.h"
#include "tcmbp/weights.h"

/* ---- sweep ------------------------------------------------------------------ */

/* Update patterns [a0, a1) in parallel; returns the largest change and counts
 * patterns with a non-finite update in *nonfinite. */
static double update_patterns(tcm_bgraph *g, const tcm_bbp_sweep_params *p, int a0, int a1, int *nonfinite)
{
    double change = 0.0;
    int bad = 0;
#pragma omp parallel num_threads(g->nthreads) reduction(max : change) reduction(+ : bad) \
    if (tcm_bgraph_parallel((size_t)(a1 - a0) * g->nw))
    {
        double *work = g->work + (size_t)omp_get_thread_num() * g->work_stride;
#pragma omp for schedule(static)
        for (int a = a0; a < a1; a++) {
            double c = tcm_bin_update_pattern(g, a, p->hidden, p->output, p->damping, work);
            if (isnan(c)) bad++;
            else change = fmax(change, c);
        }
    }
    *nonfinite += bad;
    return change;
}

/* External field of weight ki: lambda wref + ustar. */
static inline double external_field(const tcm_bgraph *g, size_t ki)
{
    double h = g->wref ? g->lambda * g->wref[ki] : 0.0;
    return g->ustar ? h + g->ustar[ki] : h;
}

/* field[w0..w1) = the messages of those weights summed in pattern order (from
 * 0.0), then the external field added: one pass over the message rows in
 * memory order, the accumulators (w1 - w0 doubles) staying in cache. */
static void rebuild_range(tcm_bgraph *g, size_t w0, size_t w1)
{
    double *s = g->field;
    for (size_t w = w0; w < w1; w++) s[w] = 0.0;
    for (int a = 0; a < g->M; a++) { /* pattern order: independent of the thread count */
        const double *f = g->f + (size_t)a * g->nw;
#pragma omp simd
        for (size_t w = w0; w < w1; w++) s[w] += f[w];
    }
    for (size_t w = w0; w < w1; w++) s[w] = external_field(g, w) + s[w];
}

void tcm_bbp_rebuild_marginals(tcm_bgraph *g)
{
#pragma omp parallel num_threads(g->nthreads) if (tcm_bgraph_parallel(g->ne))
    {
        /* each thread its contiguous share of the weights; a weight's sum does
         * not depend on who computes it */
        size_t nt = (size_t)omp_get_num_threads(), t = (size_t)omp_get_thread_num();
        size_t share = (g->nw + nt - 1) / nt, w0 = t * share < g->nw ? t * share : g->nw;
        rebuild_range(g, w0, w0 + share < g->nw ? w0 + share : g->nw);
    }
}

/* Block schedule: add the changes of patterns [a0, a1) to the marginals, pattern by pattern. */
static void apply_block_changes(tcm_bgraph *g, const double *old, int a0, int a1)
{
#pragma omp parallel for schedule(static) num_threads(g->nthreads) \
    if (tcm_bgraph_parallel((size_t)(a1 - a0) * g->nw))
    for (size_t ki = 0; ki < g->nw; ki++) {
        double d = 0.0;
        for (int a = a0; a < a1; a++) d += g->f[(size_t)a * g->nw + ki] - old[(size_t)(a - a0) * g->nw + ki];
        g->field[ki] += d;
    }
}

/* Block-sequential pass: fixed blocks of block_size patterns (set by the
 * instance, not the thread count), marginals refreshed after each. */
static int block_pass(tcm_bgraph *g, const tcm_bbp_sweep_params *p, double *change, int *nonfinite)
{
    if (g->M == 0) return TCM_OK;
    int bs = p->block_size < g->M ? p->block_size : g->M;
    size_t len = (size_t)bs * g->nw;
    if (g->block_cap < len) { /* first block sweep only */
        double *b = malloc(len * sizeof(double));
        if (!b) return TCM_ERROR(TCM_ENOMEM, "out of memory for the block schedule buffer");
        free(g->block_old);
        g->block_old = b;
        g->block_cap = len;
    }
    for (int a0 = 0; a0 < g->M; a0 += bs) {
        int a1 = a0 + bs < g->M ? a0 + bs : g->M;
        memcpy(g->block_old, g->f + (size_t)a0 * g->nw, (size_t)(a1 - a0) * g->nw * sizeof(double));
        *change = fmax(*change, update_patterns(g, p, a0, a1, nonfinite));
        apply_block_changes(g, g->block_old, a0, a1);
    }
    return TCM_OK;
}

/* Focusing fields of EQUATIONS.md 4.2 from the cavity fields F - ustar (damped); the
 * marginals follow. Returns the largest magnetisation change. */
static double focus_update(tcm_bgraph *g, double gamma, double y, double damping)
{
    double change = 0.0, keep = 1.0 - damping;
#pragma omp parallel for schedule(static) num_threads(g->nthreads) reduction(max : change) \
    if (tcm_bgraph_parallel(g->nw))
    for (size_t ki = 0; ki < g->nw; ki++) {
        double old = g->ustar[ki], hf = g->field[ki] - old;
        double u = keep * tcm_bin_focus_field(hf, gamma, y) + damping * old;
        if (!isfinite(u)) u = old;
        if (fabs(u - old) > change) change = fmax(change, fabs(tanh(u) - tanh(old))); /* as store_unit */
        g->ustar[ki] = u;
        g->field[ki] = hf + u;
    }
    return change;
}

int tcm_bbp_check_sweep_params(const tcm_bbp_sweep_params *p)
{
    if (!(p->damping >= 0.0 && p->damping < 1.0))
        return TCM_ERROR(TCM_EINVAL, "damping must be in [0, 1), got %g", p->damping);
    if (p->schedule == TCM_SCHEDULE_BLOCK && p->block_size < 1)
        return TCM_ERROR(TCM_EINVAL, "block size must be >= 1, got %d", p->block_size);
    if (!(p->gamma >= 0.0)) return TCM_ERROR(TCM_EINVAL, "focusing gamma must be >= 0, got %g", p->gamma);
    if (!(p->y >= 1.0) || !isfinite(p->y)) return TCM_ERROR(TCM_EINVAL, "focusing y must be finite and >= 1, got %g", p->y);
    return TCM_OK;
}

int tcm_bbp_sweep(tcm_bgraph *g, const tcm_bbp_sweep_params *p, tcm_bbp_change *change)
{
    int st = tcm_bbp_check_sweep_params(p);
    if (!st) st = tcm_bgraph_reserve(g, tcm_bin_work_size(g->K, g->n, p->hidden));
    if (st) return st;
    memset(change, 0, sizeof *change);
    if (p->schedule == TCM_SCHEDULE_BLOCK) {
        if ((st = block_pass(g, p, &change->messages, &change->nonfinite))) return st;
    } else {
        change->messages = update_patterns(g, p, 0, g->M, &change->nonfinite);
    }
    tcm_bbp_rebuild_marginals(g);
    if (g->ustar) change->focus = focus_update(g, p->gamma, p->y, p->damping);
    return TCM_OK;
}

/* ---- configuration -------------------------------------------------------- */

void tcm_bbp_signs(const tcm_bgraph *g, double *w)
{
    for (size_t ki = 0; ki < g->nw; ki++) w[ki] = g->field[ki] < 0.0 ? -1.0 : 1.0;
}

int tcm_bbp_errors(const tcm_bgraph *g, int *errors)
{
    *errors = 0;
    if (g->M == 0) return TCM_OK;
    tcm_weights w = { g->K, g->n, TCM_WEIGHTS_BINARY, g->signs }; /* no allocation per sweep */
    tcm_bbp_signs(g, w.w);
    tcm_eval ev;
    tcm_instance used = *g->inst; /* a view of the patterns the graph uses */
    used.M = g->M;
    int st = tcm_weights_eval(&w, &used, &ev, NULL, NULL);
    if (!st) *errors = ev.errors;
    return st;
}
