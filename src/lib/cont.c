/* Continuous-weight hidden-unit factor update (spec 1.1), chained with the
 * output factor (spec 1.2), for one pattern at a time; and the pattern's
 * free-entropy terms (spec 1.4). Called in parallel over patterns by sweep.c:
 * it reads the shared marginals and writes only pattern a's edges. */
#include "tcmbp/cont.h"

#include <math.h>
#include <omp.h>
#include <string.h>

#include "tcmbp/error.h"
#include "tcmbp/special.h"

size_t tcm_cont_work_size(int K, size_t nw) { return tcm_output_work_size(K) + 4 * (size_t)K + 2 * nw; }

/* Inline maximum (fmax is a library call at -O2 without -ffast-math). */
static inline double max2(double a, double b) { return a > b ? a : b; }

tcm_ratio_ctx tcm_ratio_prepare(double f)
{
    tcm_ratio_ctx c;
    double e = exp(-2.0 * fabs(f)); /* 0 for f = +-inf */
    c.f = f;
    c.one_minus = 2.0 * e / (1.0 + e);
    c.habs = tanh(fabs(f)); /* not (1-e)/(1+e): that cancels for small f */
    c.sign = f > 0 ? 1.0 : (f < 0 ? -1.0 : 0.0);
    return c;
}

#define RATIO_FAST_ZMAX 8.0 /* beyond, exp(-z^2/2) loses digits to the rounding of z^2 */

double tcm_ratio_eval(const tcm_ratio_ctx *c, double z)
{
    if (c->sign == 0.0) return 0.0;
    if (!(fabs(z) <= RATIO_FAST_ZMAX)) {
        if (isinf(c->f)) return tcm_cont_ratio(c->sign, z);
        return tcm_cont_ratio_field(c->f, z);
    }
    double ec = erfc(fabs(z) * (1.0 / TCM_SQRT2));
    int same = (z >= 0.0) == (c->sign > 0.0);
    double den = same ? (1.0 + c->habs) - c->habs * ec : c->one_minus + c->habs * ec;
    return c->sign * 2.0 * c->habs * exp(-0.5 * z * z) / (TCM_SQRT2PI * den);
}

/* Cavity precision of edge (ki, a): marginal precision minus the edge's own V, guarded. */
static inline double cavity_precision(double zeta, double v)
{
    double zc = zeta - v;
    return zc > TCM_MIN_CAVITY_PRECISION ? zc : TCM_MIN_CAVITY_PRECISION;
}

/* omega_ka = sum_i xi m_{ki->a} and Delta_ka = sum_i 1/zeta_{ki->a} for unit k
 * of pattern a; cav (2n) receives 1/zeta_{ki->a} and m_{ki->a} per edge. */
static void unit_sums(const tcm_graph *g, int a, int k, double *omega, double *delta, double *cav)
{
    const int8_t *xi = tcm_instance_unit_inputs(g->inst, a, k);
    size_t e0 = ((size_t)a * (size_t)g->K + (size_t)k) * (size_t)g->n, w0 = (size_t)k * (size_t)g->n;
    const double *U = g->U + e0, *V = g->V + e0, *zeta0 = g->zeta0 + w0, *mu = g->mu + w0;
    double chi = g->chi[k], om = 0.0, de = 0.0, *rz = cav, *mc = cav + g->n;
    for (int i = 0; i < g->n; i++) {
        double r = 1.0 / cavity_precision(chi + zeta0[i], V[i]);
        rz[i] = r;
        mc[i] = (mu[i] - U[i]) * r;
        om += xi[i] * mc[i];
        de += r;
    }
    *omega = om;
    *delta = de;
}

/* Messages to the output factor: lp/lq = log H(-+omega/sqrt Delta) for every
 * unit of pattern a; cav (2 K n) receives the cavity terms of every edge. */
static void unit_messages(const tcm_graph *g, int a, double *omega, double *delta, double *lp, double *lq,
                          double *cav)
{
    for (int k = 0; k < g->K; k++) {
        unit_sums(g, a, k, &omega[k], &delta[k], cav + 2 * (size_t)k * (size_t)g->n);
        double x = omega[k] / sqrt(delta[k]);
        lp[k] = tcm_logH(-x);
        lq[k] = tcm_logH(x);
    }
}

/* New U, V for the n edges of unit k, pattern a, given the output field f and
 * the cavity terms cav of unit_sums; returns the largest change (NaN if an
 * update was not finite: that message keeps its old value). */
static double update_unit(tcm_graph *g, int a, int k, double omega, double delta, double f,
                          tcm_cavity_mode cm, double damping, const double *cav)
{
    const int8_t *xi = tcm_instance_unit_inputs(g->inst, a, k);
    size_t e0 = ((size_t)a * (size_t)g->K + (size_t)k) * (size_t)g->n;
    const double *rz = cav, *mc = cav + g->n;
    double keep = 1.0 - damping, change = 0.0, *U = g->U + e0, *V = g->V + e0;
    tcm_ratio_ctx rc = tcm_ratio_prepare(f);
    /* Fast mode: messages at the factor's full sums, expanded to first order in
     * the edge's own cavity term: z_i = z0 - xi m_i / s0 gives
     * U_i = xi g0 / s0 + m_i V0 and V_i = V0 (+ O(n^-3/2)). The m_i V0 term is an
     * Onsager reaction: O(1/n) per message but O(1) summed over all patterns. */
    double s0 = sqrt(delta), z0 = omega / s0, g0 = tcm_ratio_eval(&rc, z0), v0 = (z0 * g0 + g0 * g0) / delta;
    int bad = 0;
    for (int i = 0; i < g->n; i++) {
        double u, v;
        if (cm == TCM_CAVITY_EXACT) { /* spec 1.1 with the edge's own cavity sums */
            double d = max2(delta - rz[i], 1e-12 * delta), s = sqrt(d);
            double z = (omega - xi[i] * mc[i]) / s, r = tcm_ratio_eval(&rc, z);
            u = xi[i] * r / s;
            v = (z * r + r * r) / d;
        } else {
            u = xi[i] * g0 / s0 + mc[i] * v0;
            v = v0;
        }
        u = keep * u + damping * U[i];
        v = keep * v + damping * V[i];
        if (!isfinite(u) || !isfinite(v)) { /* keep the old, finite message */
            bad = 1;
            continue;
        }
        double du = fabs(u - U[i]), dv = fabs(v - V[i]);
        change = max2(change, max2(du, dv));
        U[i] = u;
        V[i] = v;
    }
    return bad ? NAN : change;
}

double tcm_cont_update_pattern(tcm_graph *g, int a, tcm_cavity_mode cm, tcm_output_mode om,
                               double damping, double *work)
{
    int K = g->K;
    double *omega = work, *delta = work + K, *cav = work + 2 * (size_t)K;
    double *owork = cav + 2 * g->nw;
    size_t ak = (size_t)a * (size_t)K;
    double *lp = g->lp + ak, *lq = g->lq + ak, *f = g->fout + ak;
    unit_messages(g, a, omega, delta, lp, lq, cav);
    tcm_output_update(om, K, g->inst->outputs[a], lp, lq, f, owork);
    double change = 0.0;
    int bad = 0;
    for (int k = 0; k < K; k++) {
        double c = update_unit(g, a, k, omega[k], delta[k], f[k], cm, damping, cav + 2 * (size_t)k * (size_t)g->n);
        if (isnan(c)) bad = 1;
        else change = max2(change, c);
    }
    return bad ? NAN : change;
}

double tcm_cont_log_norm(double mu, double zeta)
{
    return TCM_LOG_SQRT2PI - 0.5 * log(zeta) + 0.5 * mu * mu / zeta;
}

/* sum_i (ln z_{ki->a} - ln z_ki) for unit k of pattern a. */
static double unit_cavity_terms(const tcm_graph *g, int a, int k)
{
    size_t e0 = ((size_t)a * (size_t)g->K + (size_t)k) * (size_t)g->n, w0 = (size_t)k * (size_t)g->n;
    double chi = g->chi[k], sum = 0.0;
    for (int i = 0; i < g->n; i++) {
        double zeta = chi + g->zeta0[w0 + i], mu = g->mu[w0 + i];
        double zc = cavity_precision(zeta, g->V[e0 + i]), mc = mu - g->U[e0 + i];
        /* ln z(mc, zc) - ln z(mu, zeta), with the log ratio taken accurately */
        sum += -0.5 * log(zc / zeta) + 0.5 * (mc * mc / zc - mu * mu / zeta);
    }
    return sum;
}

double tcm_cont_pattern_free_entropy(const tcm_graph *g, int a, tcm_output_mode om, double *work)
{
    int K = g->K;
    double *omega = work, *delta = work + K, *lp = work + 2 * (size_t)K, *lq = work + 3 * (size_t)K;
    double *cav = work + 4 * (size_t)K, *owork = cav + 2 * g->nw;
    unit_messages(g, a, omega, delta, lp, lq, cav);
    double f = tcm_output_logz(om, K, g->inst->outputs[a], lp, lq, owork);
    for (int k = 0; k < K; k++) f += unit_cavity_terms(g, a, k);
    return f;
}

const char *tcm_cavity_mode_name(tcm_cavity_mode m) { return m == TCM_CAVITY_FAST ? "fast" : "exact"; }

int tcm_cavity_mode_parse(const char *s, tcm_cavity_mode *out)
{
    if (s && strcmp(s, "exact") == 0) *out = TCM_CAVITY_EXACT;
    else if (s && strcmp(s, "fast") == 0) *out = TCM_CAVITY_FAST;
    else return TCM_ERROR(TCM_EINVAL, "unknown cavity mode '%s' (exact or fast)", s ? s : "");
    return TCM_OK;
}

/* sum_a of the pattern terms of F, in pattern order (deterministic for any thread count). */
static double pattern_terms(tcm_graph *g, tcm_output_mode om)
{
#pragma omp parallel num_threads(tcm_graph_threads_for(g, g->ne))
    {
        double *work = g->work + (size_t)omp_get_thread_num() * g->work_stride;
#pragma omp for schedule(static)
        for (int a = 0; a < g->M; a++) g->per_pattern[a] = tcm_cont_pattern_free_entropy(g, a, om, work);
    }
    double sum = 0.0;
    for (int a = 0; a < g->M; a++) sum += g->per_pattern[a];
    return sum;
}

void tcm_cont_thermo_compute(tcm_graph *g, tcm_output_mode om, tcm_cont_thermo *t)
{
    double F = pattern_terms(g, om), q = 0.0, ref = 0.0, dist = 0.0, chibar = 0.0;
    for (size_t ki = 0; ki < g->nw; ki++) {
        double zeta = tcm_graph_precision(g, ki), m = g->mu[ki] / zeta;
        F += tcm_cont_log_norm(g->mu[ki], zeta);
        q += m * m;
        if (g->wref) {
            ref += g->wref[ki] * m;
            dist += (m - g->wref[ki]) * (m - g->wref[ki]) + 1.0 / zeta;
        }
    }
    for (int k = 0; k < g->K; k++) chibar += g->chi[k];
    double nw = (double)g->nw, lambda = g->wref ? g->lambda : 0.0;
    t->chibar = chibar / g->K;
    t->phi = F / nw;
    t->q = q / nw;
    t->distance = g->wref ? dist / (2.0 * nw) : 0.0;
    /* spec 1.4: S = phi + (chibar + lambda)/2 - (lambda/N) sum wref m - ln sqrt(2 pi e) */
    t->entropy = t->phi + 0.5 * (t->chibar + lambda) - lambda * ref / nw - (TCM_LOG_SQRT2PI + 0.5);
}

void tcm_cont_means(const tcm_graph *g, double *w)
{
    for (size_t ki = 0; ki < g->nw; ki++) w[ki] = tcm_graph_mean(g, ki);
}
