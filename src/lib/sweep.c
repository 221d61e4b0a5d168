/* One deterministic BP sweep for continuous weights (EQUATIONS.md 1.1-1.3, 4): factor
 * updates in parallel over fixed chunks of patterns, each chunk summing its
 * new messages as it goes, marginals from the chunk sums in chunk order (an
 * order fixed by the instance, so results do not depend on the thread
 * count), per-unit normalisation by safeguarded Newton, focusing fields. */
#include "tcmbp/sweep.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "tcmbp/error.h"

#define REBUILD_BLOCK 64 /* weights summed together: contiguous inner loop over i */

/* Per-pattern update options of the sweep parameters. */
static tcm_cont_update_opts update_opts(const tcm_sweep_params *p)
{
    tcm_cont_update_opts o = { p->cavity, p->output, p->damping };
    return o;
}

/* Update patterns [a0, a1) in parallel (block schedule: no sums); returns the
 * largest change (NaN if any update was non-finite) and counts non-finite
 * patterns in *nonfinite. */
static double update_patterns(tcm_graph *g, const tcm_sweep_params *p, int a0, int a1, int *nonfinite)
{
    double change = 0.0;
    int bad = 0;
    int nt = tcm_graph_threads_for(g, (size_t)(a1 - a0) * g->nw);
    tcm_cont_update_opts o = update_opts(p);
#pragma omp parallel num_threads(nt) reduction(max : change) reduction(+ : bad)
    {
        double *work = g->work + (size_t)omp_get_thread_num() * g->work_stride;
#pragma omp for schedule(static)
        for (int a = a0; a < a1; a++) {
            double c = tcm_cont_update_pattern(g, a, &o, work, NULL);
            if (isnan(c)) bad++;
            else change = fmax(change, c);
        }
    }
    *nonfinite += bad;
    return change;
}

/* Parallel schedule: every pattern, chunk by chunk in parallel, each chunk
 * summing its new messages into its own row of chunk_sums (graph.h). */
static double update_chunks(tcm_graph *g, const tcm_sweep_params *p, int *nonfinite)
{
    double change = 0.0;
    int bad = 0;
    tcm_cont_update_opts o = update_opts(p);
#pragma omp parallel num_threads(tcm_graph_threads_for(g, g->ne)) reduction(max : change) reduction(+ : bad)
    {
        double *work = g->work + (size_t)omp_get_thread_num() * g->work_stride;
#pragma omp for schedule(static)
        for (int c = 0; c < g->nchunks; c++) {
            double *acc = g->chunk_sums + (size_t)c * g->chunk_stride;
            memset(acc, 0, 2 * g->nw * sizeof(double));
            for (int a = tcm_graph_chunk_begin(g, c); a < tcm_graph_chunk_begin(g, c + 1); a++) {
                double ch = tcm_cont_update_pattern(g, a, &o, work, acc);
                if (isnan(ch)) bad++;
                else change = fmax(change, ch);
            }
        }
    }
    *nonfinite += bad;
    return change;
}

/* sumU, sumV for weights [w0, w0+len) from the chunk sums, in chunk order. */
static void reduce_chunk_sums(tcm_graph *g, size_t w0, int len)
{
    double su[REBUILD_BLOCK], sv[REBUILD_BLOCK];
    for (int j = 0; j < len; j++) su[j] = sv[j] = 0.0;
    for (int c = 0; c < g->nchunks; c++) {
        const double *cu = g->chunk_sums + (size_t)c * g->chunk_stride + w0, *cv = cu + g->nw;
        for (int j = 0; j < len; j++) {
            su[j] += cu[j];
            sv[j] += cv[j];
        }
    }
    memcpy(g->sumU + w0, su, (size_t)len * sizeof(double));
    memcpy(g->sumV + w0, sv, (size_t)len * sizeof(double));
}

/* The same sums straight from the messages: per chunk from 0 in pattern
 * order, then the chunk sums in chunk order, exactly as update_chunks and
 * reduce_chunk_sums add them (so the two agree bit for bit). */
static void sum_messages(tcm_graph *g, size_t w0, int len)
{
    double su[REBUILD_BLOCK], sv[REBUILD_BLOCK], cu[REBUILD_BLOCK], cv[REBUILD_BLOCK];
    for (int j = 0; j < len; j++) su[j] = sv[j] = 0.0;
    for (int c = 0; c < g->nchunks; c++) {
        for (int j = 0; j < len; j++) cu[j] = cv[j] = 0.0;
        for (int a = tcm_graph_chunk_begin(g, c); a < tcm_graph_chunk_begin(g, c + 1); a++) {
            const double *U = g->U + (size_t)a * g->nw + w0, *V = g->V + (size_t)a * g->nw + w0;
            for (int j = 0; j < len; j++) {
                cu[j] += U[j];
                cv[j] += V[j];
            }
        }
        for (int j = 0; j < len; j++) {
            su[j] += cu[j];
            sv[j] += cv[j];
        }
    }
    memcpy(g->sumU + w0, su, (size_t)len * sizeof(double));
    memcpy(g->sumV + w0, sv, (size_t)len * sizeof(double));
}

/* Apply fn to every block of REBUILD_BLOCK weights (within a unit), in
 * parallel when there are `edges` worth of work. */
static void for_weight_blocks(tcm_graph *g, size_t edges, void (*fn)(tcm_graph *, size_t, int))
{
    int nblocks_unit = (g->n + REBUILD_BLOCK - 1) / REBUILD_BLOCK;
    int nblocks = g->K * nblocks_unit;
#pragma omp parallel for schedule(static) num_threads(tcm_graph_threads_for(g, edges))
    for (int b = 0; b < nblocks; b++) {
        int k = b / nblocks_unit, i0 = (b % nblocks_unit) * REBUILD_BLOCK;
        int len = g->n - i0 < REBUILD_BLOCK ? g->n - i0 : REBUILD_BLOCK;
        fn(g, (size_t)k * (size_t)g->n + (size_t)i0, len);
    }
}

void tcm_sweep_rebuild_marginals(tcm_graph *g)
{
    double t0 = omp_get_wtime();
    for_weight_blocks(g, g->ne, sum_messages);
    tcm_sweep_compose_marginals(g);
    g->timing->marginals += omp_get_wtime() - t0;
}

void tcm_sweep_compose_marginals(tcm_graph *g)
{
    for (size_t ki = 0; ki < g->nw; ki++) {
        double ref_u = g->wref ? g->lambda * g->wref[ki] : 0.0, ref_v = g->wref ? g->lambda : 0.0;
        double fu = g->ustar ? g->ustar[ki] : 0.0, fv = g->vstar ? g->vstar[ki] : 0.0;
        g->zeta0[ki] = ref_v + fv + g->sumV[ki];
        g->mu[ki] = ref_u + fu + g->sumU[ki];
    }
}

/* Block schedule: add the changes of patterns [a0, a1) to the marginals, pattern by pattern. */
static void apply_block_changes(tcm_graph *g, const double *oldU, const double *oldV, int a0, int a1)
{
#pragma omp parallel for schedule(static) num_threads(tcm_graph_threads_for(g, (size_t)(a1 - a0) * g->nw))
    for (size_t ki = 0; ki < g->nw; ki++) {
        double du = 0.0, dv = 0.0;
        for (int a = a0; a < a1; a++) {
            size_t e = (size_t)a * g->nw + ki, o = (size_t)(a - a0) * g->nw + ki;
            du += g->U[e] - oldU[o];
            dv += g->V[e] - oldV[o];
        }
        g->mu[ki] += du;
        g->zeta0[ki] += dv;
    }
}

/* Block-sequential pass: blocks of block_size patterns, marginals refreshed after each. */
static int block_pass(tcm_graph *g, const tcm_sweep_params *p, double *change, int *nonfinite)
{
    int bs = p->block_size > 0 ? p->block_size : 1;
    if (g->M == 0) return TCM_OK;
    if (bs > g->M) bs = g->M;
    size_t len = (size_t)bs * g->nw;
    if (g->block_old_len < 2 * len) { /* first block sweep (or a larger block): kept with the graph */
        free(g->block_old);
        g->block_old_len = 0;
        if (!(g->block_old = malloc(2 * len * sizeof(double))))
            return TCM_ERROR(TCM_ENOMEM, "out of memory for the block schedule buffer");
        g->block_old_len = 2 * len;
    }
    double *old = g->block_old;
    for (int a0 = 0; a0 < g->M; a0 += bs) {
        int a1 = a0 + bs < g->M ? a0 + bs : g->M;
        size_t used = (size_t)(a1 - a0) * g->nw;
        memcpy(old, g->U + (size_t)a0 * g->nw, used * sizeof(double));
        memcpy(old + len, g->V + (size_t)a0 * g->nw, used * sizeof(double));
        *change = fmax(*change, update_patterns(g, p, a0, a1, nonfinite));
        apply_block_changes(g, old, old + len, a0, a1);
    }
    return TCM_OK;
}

/* (1/n) sum (b^2/(c+a)^2 + 1/(c+a)) - 1 and its derivative in c. */
static double norm_residual(const double *a, const double *b, int n, double c, double *deriv)
{
    double q = 0.0, dq = 0.0;
    for (int i = 0; i < n; i++) {
        double z = 1.0 / (c + a[i]), m = b[i] * z;
        q += m * m + z;
        dq -= 2.0 * m * m * z + z * z;
    }
    *deriv = dq / n;
    return q / n - 1.0;
}

double tcm_sweep_solve_norm(const double *a, const double *b, int n, double c0)
{
    double amin = a[0];
    for (int i = 1; i < n; i++) amin = fmin(amin, a[i]);
    double lo = -amin, hi = INFINITY; /* root in (lo, hi): residual decreases from +inf to -1 */
    double c = c0 > lo ? c0 : lo + fmax(1.0, fabs(lo));
    for (int it = 0; it < 200; it++) {
        double d, r = norm_residual(a, b, n, c, &d);
        if (r > 0) lo = c;
        else hi = c;
        if (fabs(r) < 1e-15) break;
        double next = c - r / d;
        if (!(next > lo && next < hi)) /* Newton left the bracket: bisect (or expand) */
            next = isinf(hi) ? c + 2.0 * fmax(1.0, fabs(c - lo)) : 0.5 * (lo + hi);
        if (fabs(next - c) <= 1e-15 * fmax(1.0, fabs(c))) {
            c = next;
            break;
        }
        c = next;
    }
    return c;
}

/* tcm_sweep_normalize without the clock. */
static double normalize(tcm_graph *g)
{
    double change = 0.0;
    for (int k = 0; k < g->K; k++) {
        size_t w0 = (size_t)k * (size_t)g->n;
        double c = tcm_sweep_solve_norm(g->zeta0 + w0, g->mu + w0, g->n, g->chi[k]);
        change = fmax(change, fabs(c - g->chi[k]));
        g->chi[k] = c;
    }
    return change;
}

double tcm_sweep_normalize(tcm_graph *g)
{
    double t0 = omp_get_wtime(), change = normalize(g);
    g->timing->normalize += omp_get_wtime() - t0;
    return change;
}

/* Focusing field of unit k (EQUATIONS.md 4.1, paper D34): the cavity message towards
 * u* (A, B) passes through the coupling lambda, y-1 copies meet the centre's
 * normalisation chi*, and the result passes back through lambda. chi*_k is
 * solved first so the centre (precision y V1 + chi*, field y U1) has mean
 * square 1. With damping d > 0 the stored U*, V* are (1-d) new + d old.
 * scratch holds 2n doubles. Returns the largest change of the stored U*, V*. */
double tcm_sweep_focus_unit_damped(int n, double chi, const double *zeta0, const double *mu, double *vstar,
                                   double *ustar, double *chistar, double y, double lambda, double damping,
                                   double *scratch, double *dchi)
{
    double *yv1 = scratch, *yu1 = scratch + n, change = 0.0;
    for (int i = 0; i < n; i++) {
        double A = chi + zeta0[i] - vstar[i], B = mu[i] - ustar[i];
        double t = lambda / (A + lambda);
        yv1[i] = y * A * t;
        yu1[i] = y * B * t;
    }
    double cs = tcm_sweep_solve_norm(yv1, yu1, n, *chistar);
    *dchi = fabs(cs - *chistar);
    *chistar = cs;
    for (int i = 0; i < n; i++) {
        double P = (y - 1.0) / y * yv1[i] + cs, R = (y - 1.0) / y * yu1[i], t = lambda / (P + lambda);
        double vs = P * t, us = R * t;
        if (damping > 0.0) { /* branch: damping 0 leaves the undamped bits untouched */
            vs = (1.0 - damping) * vs + damping * vstar[i];
            us = (1.0 - damping) * us + damping * ustar[i];
        }
        change = fmax(change, fmax(fabs(vs - vstar[i]), fabs(us - ustar[i])));
        vstar[i] = vs;
        ustar[i] = us;
    }
    return change;
}

/* The undamped field, shared by the BP and AMP engines (the same fields, their own arrays). */
double tcm_sweep_focus_unit(int n, double chi, const double *zeta0, const double *mu, double *vstar, double *ustar,
                            double *chistar, double y, double lambda, double *scratch, double *dchi)
{
    return tcm_sweep_focus_unit_damped(n, chi, zeta0, mu, vstar, ustar, chistar, y, lambda, 0.0, scratch, dchi);
}

/* Update every focusing field, then recompose the marginals and re-solve chi. */
static void focus_update(tcm_graph *g, const tcm_sweep_params *p, tcm_sweep_change *change)
{
    double fchange = 0.0, cchange = 0.0;
#pragma omp parallel for schedule(static) num_threads(tcm_graph_threads_for(g, g->nw * 64)) \
    reduction(max : fchange, cchange)
    for (int k = 0; k < g->K; k++) {
        size_t w0 = (size_t)k * (size_t)g->n;
        double dchi, c = tcm_sweep_focus_unit_damped(g->n, g->chi[k], g->zeta0 + w0, g->mu + w0, g->vstar + w0,
                                                     g->ustar + w0, &g->chistar[k], p->y, p->fl, p->focus_damping,
                                                     g->focus_scratch + 2 * w0, &dchi);
        fchange = fmax(fchange, c);
        cchange = fmax(cchange, dchi);
    }
    tcm_sweep_compose_marginals(g);
    change->focus = fchange;
    change->chi = fmax(change->chi, fmax(cchange, normalize(g)));
}

const char *const tcm_schedule_names[] = { TCM_SCHEDULES(TCM_ENUM_NAME) NULL };

int tcm_sweep_run(tcm_graph *g, const tcm_sweep_params *p, tcm_sweep_change *change)
{
    if (g->ustar && !(p->y >= 1.0 && p->fl >= 0.0 && isfinite(p->fl)))
        return TCM_ERROR(TCM_EINVAL, "focusing needs y >= 1 and a finite lambda >= 0, got y=%g lambda=%g", p->y, p->fl);
    if (!(p->damping >= 0.0 && p->damping < 1.0))
        return TCM_ERROR(TCM_EINVAL, "damping must be in [0, 1), got %g", p->damping);
    if (!(p->focus_damping >= 0.0 && p->focus_damping < 1.0))
        return TCM_ERROR(TCM_EINVAL, "focusing damping must be in [0, 1), got %g", p->focus_damping);
    memset(change, 0, sizeof *change);
    tcm_graph_timing *tm = g->timing;
    double t0 = omp_get_wtime(), t1;
    if (p->schedule == TCM_SCHEDULE_BLOCK) {
        int st = block_pass(g, p, &change->messages, &change->nonfinite);
        if (st != TCM_OK) return st;
        t1 = omp_get_wtime();
        for_weight_blocks(g, g->ne, sum_messages);
    } else {
        change->messages = update_chunks(g, p, &change->nonfinite);
        t1 = omp_get_wtime();
        for_weight_blocks(g, g->nchunks * g->nw, reduce_chunk_sums);
    }
    tcm_sweep_compose_marginals(g);
    double t2 = omp_get_wtime();
    change->chi = normalize(g);
    if (g->ustar) focus_update(g, p, change);
    double t3 = omp_get_wtime();
    tm->update += t1 - t0;
    tm->marginals += t2 - t1;
    tm->normalize += t3 - t2;
    tm->sweeps++;
    return TCM_OK;
}
