/* Continuous-weight hidden-unit factor update (EQUATIONS.md 1.1), chained with the
 * output factor (EQUATIONS.md 1.2), for one pattern at a time; and the pattern's
 * free-entropy terms (EQUATIONS.md 1.4). Called in parallel over patterns by sweep.c:
 * it reads the shared marginals and writes only pattern a's edges. */
#include "tcmbp/cont.h"

#include <float.h>
#include <math.h>
#include <omp.h>
#include <string.h>

#include "tcmbp/error.h"
#include "tcmbp/special.h"
#include "hot.h"

/* Per-thread scratch: omega/delta/lp/lq (4 K), four arrays of nw per
 * pattern (unit k uses 4n from 4 k n on: 1/zeta_cav then sqrt(Delta'), m_cav
 * then z, xi m_cav then new U, xi then new V), the output factor's tables,
 * and 2 nw for sums nobody wants (tcm_cont_update_pattern without acc). */
size_t tcm_cont_work_size(int K, size_t nw) { return tcm_output_work_size(K) + 4 * (size_t)K + 6 * nw; }

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
    c.scale = c.sign * 2.0 * c.habs / TCM_SQRT2PI;
    return c;
}

#define RATIO_FAST_ZMAX 8.0 /* beyond, exp(-z^2/2) loses digits to the rounding of z^2 */

/* The fast path of g(h, z) for |z| <= RATIO_FAST_ZMAX, branch-free so that
 * it vectorises, as a fraction g = *num / den (the caller may fold the
 * division into its own). With E = exp(-z^2/2) and erfc(|z|/sqrt2) =
 * E P/R (P/R = erfcx, tcm_erfcx_bounded_pq): num = scale E R, and
 * den = (1 + |h|) R - |h| E P (h, z of the same sign; z = 0 either way) or
 * (1 - |h|) R + |h| E P: sums of positive terms (1 - erfc >= 0), so g is
 * accurate to a few ulp. */
static TCM_ALWAYS_INLINE double ratio_frac(double habs, double one_minus, double sign, double scale, double z,
                                          double *num)
{
    double E = tcm_exp_bounded(-0.5 * z * z), R, P = tcm_erfcx_bounded_pq(fabs(z) * (1.0 / TCM_SQRT2), &R);
    double hep = habs * E * P;
    *num = scale * E * R;
    return z * sign >= 0.0 ? fma(1.0 + habs, R, -hep) : fma(one_minus, R, hep);
}

#define RATIO_FAR_ZMAX 36.0 /* beyond, exp(-z^2/2) < 1e-281 nears the subnormal range: careful ratio */
#define RATIO_FAR_MIN_ONE_MINUS 1e-280 /* below (|f| > 322), 1 - |h| is near underflow: careful ratio */

/* Whether ratio_far may take the far edges of this field (else every edge
 * beyond RATIO_FAST_ZMAX goes to the careful tcm_cont_ratio_field). */
static int ratio_far_ok(const tcm_ratio_ctx *c) { return c->one_minus >= RATIO_FAR_MIN_ONE_MINUS; }

/* g(h, z) for RATIO_FAST_ZMAX < |z| <= RATIO_FAR_ZMAX, branch-free so that it
 * vectorises (the careful function's regimes, EQUATIONS.md 1.1, without its
 * libm calls). E = exp(-z^2/2) and 1/E from z^2 as an exact pair hi + lo
 * (rounding z^2 ~ 1e3 would cost three digits), X = erfcx(|z|/sqrt2) from
 * the continued fraction (tcm_erfcx_vec_frac), and
 *     h z >= 0:  g = scale E / ((1 + |h|) - |h| E X)
 *     h z < 0:   g = scale / ((1 - |h|) / E + |h| X)
 * (1 + h erf(z/sqrt2) divided by E in the second, where it cancels): sums of
 * positive terms, nothing overflows or underflows in this range. */
static TCM_ALWAYS_INLINE double ratio_far(double habs, double one_minus, double sign, double scale, double z)
{
    double az = fabs(z), hi = az * az, lo = fma(az, az, -hi);
    double E = tcm_exp_bounded(-0.5 * hi) * (1.0 - 0.5 * lo), Einv = tcm_exp_bounded(0.5 * hi) * (1.0 + 0.5 * lo);
    double num, X = tcm_erfcx_vec_frac(az * (1.0 / TCM_SQRT2), &num);
    X = num / X;
    int same = z * sign >= 0.0; /* select the fraction, then divide once */
    double num_g = same ? scale * E : scale;
    double den_g = same ? fma(-habs * E, X, 1.0 + habs) : fma(one_minus, Einv, habs * X);
    return num_g / den_g;
}

double tcm_ratio_eval(const tcm_ratio_ctx *c, double z)
{
    if (c->sign == 0.0) return 0.0;
    if (!(fabs(z) <= RATIO_FAST_ZMAX)) {
        if (fabs(z) <= RATIO_FAR_ZMAX && ratio_far_ok(c)) return ratio_far(c->habs, c->one_minus, c->sign, c->scale, z);
        if (isinf(c->f)) return tcm_cont_ratio(c->sign, z);
        return tcm_cont_ratio_field(c->f, z);
    }
    double num, den = ratio_frac(c->habs, c->one_minus, c->sign, c->scale, z, &num);
    return num / den;
}

/* Cavity precision of edge (ki, a): marginal precision minus the edge's own V, guarded. */
static inline double cavity_precision(double zeta, double v)
{
    double zc = zeta - v;
    return zc > TCM_MIN_CAVITY_PRECISION ? zc : TCM_MIN_CAVITY_PRECISION;
}

/* Lanes of the sums in unit_sums: a fixed number, so that the summation order
 * (and the result, bit for bit) depends neither on the thread count nor on
 * the vector width the compiler picks. */
#define SUM_LANES 8

/* (((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7))). */
static inline double sum_lanes(const double *l)
{
    return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
}

#if defined(__GNUC__) || defined(__clang__)
/* Two lanes as a GNU vector: eight of them stay in registers for SSE2, AVX2
 * and AVX-512 alike (arrays of lanes, or wider vectors, end up in memory). */
typedef double lanes2 __attribute__((vector_size(2 * sizeof(double))));
static inline lanes2 load2(const double *p)
{
    lanes2 t;
    memcpy(&t, p, sizeof t);
    return t;
}
#endif

/* sum_i x_i and sum_i y_i over n values, value i in lane i % SUM_LANES.
 * Inlined into unit_sums, not a clone of its own: as a tail call from the
 * AVX clone of unit_sums to another clone, GCC 12 emitted no vzeroupper on
 * the way out, and the dirty upper register state then made every SSE
 * instruction of the scalar code after it (tcm_logH, libm's erfc and exp,
 * the output factor) 10-40 times slower: a fifth of a continuous sweep
 * (docs/PERFORMANCE.md; tests/cli/test_vzeroupper.sh guards the binary). */
static TCM_ALWAYS_INLINE void lane_sums(int n, const double *x, const double *y, double *sx, double *sy)
{
    double lx[SUM_LANES] = { 0 }, ly[SUM_LANES] = { 0 };
    int i = 0;
#if defined(__GNUC__) || defined(__clang__)
    lanes2 a0 = { 0.0, 0.0 }, a1 = a0, a2 = a0, a3 = a0; /* lanes 0-1, 2-3, 4-5, 6-7 of x */
    lanes2 b0 = a0, b1 = a0, b2 = a0, b3 = a0;             /* the same of y */
    for (; i + SUM_LANES <= n; i += SUM_LANES) {
        a0 += load2(x + i);
        a1 += load2(x + i + 2);
        a2 += load2(x + i + 4);
        a3 += load2(x + i + 6);
        b0 += load2(y + i);
        b1 += load2(y + i + 2);
        b2 += load2(y + i + 4);
        b3 += load2(y + i + 6);
    }
    lanes2 all[2 * SUM_LANES / 2] = { a0, a1, a2, a3, b0, b1, b2, b3 };
    memcpy(lx, all, sizeof lx);
    memcpy(ly, all + 4, sizeof ly);
#else
    for (; i + SUM_LANES <= n; i += SUM_LANES)
        for (int j = 0; j < SUM_LANES; j++) {
            lx[j] += x[i + j];
            ly[j] += y[i + j];
        }
#endif
    for (int j = 0; i < n; i++, j++) {
        lx[j] += x[i];
        ly[j] += y[i];
    }
    *sx = sum_lanes(lx);
    *sy = sum_lanes(ly);
}

/* omega_ka = sum_i xi m_{ki->a} and Delta_ka = sum_i 1/zeta_{ki->a} for unit k
 * of pattern a. cav (4n) receives per edge 1/zeta_{ki->a}, m_{ki->a}, xi
 * m_{ki->a} and xi as a double (the last two in the slots of the new U and
 * V, free until then; the later loops then see no int8, which would stop the
 * compiler from using its widest vectors). Hot loop: elementwise
 * (vectorised), then the sums in fixed lanes (lane_sums). */
TCM_HOT_LOOP static void unit_sums(const tcm_graph *g, int a, int k, double *omega, double *delta, double *cav)
{
    const int8_t *xi = tcm_instance_unit_inputs(g->inst, a, k);
    const int n = g->n;
    size_t e0 = ((size_t)a * (size_t)g->K + (size_t)k) * (size_t)n, w0 = (size_t)k * (size_t)n;
    const double *U = g->U + e0, *V = g->V + e0, *zeta0 = g->zeta0 + w0, *mu = g->mu + w0;
    const double chi = g->chi[k];
    double *rz = cav, *mc = cav + n, *xm = cav + 2 * (size_t)n, *xd = cav + 3 * (size_t)n;
#pragma omp simd
    for (int i = 0; i < n; i++) {
        double r = 1.0 / cavity_precision(chi + zeta0[i], V[i]), m = (mu[i] - U[i]) * r, x = xi[i];
        rz[i] = r;
        mc[i] = m;
        xm[i] = x * m;
        xd[i] = x;
    }
    lane_sums(n, xm, rz, omega, delta);
}

/* Messages to the output factor: lp/lq = log H(-+omega/sqrt Delta) for every
 * unit of pattern a; cav (4 K n) receives the cavity terms of every edge. */
static void unit_messages(const tcm_graph *g, int a, double *omega, double *delta, double *lp, double *lq,
                          double *cav)
{
    size_t n = (size_t)g->n;
    for (int k = 0; k < g->K; k++) {
        unit_sums(g, a, k, &omega[k], &delta[k], cav + 4 * (size_t)k * n);
        double x = omega[k] / sqrt(delta[k]);
        lp[k] = tcm_logH(-x);
        lq[k] = tcm_logH(x);
    }
}

/* Exact cavity (EQUATIONS.md 1.1), per edge: d = Delta - 1/zeta_{ki->a}, s = sqrt d,
 * z = (omega - xi m_{ki->a})/s, u = xi g/s, v = (z g + g^2)/d. cav as left by
 * unit_sums; on return it holds s, z, u, v. Hot loop, vectorised; its cost is
 * the divisions, so with g = w/D (ratio_frac) both messages come from one
 * reciprocal Q = 1/(D^2 d): u = xi w D s Q, v = w (z D + w) Q (a sqrt and two
 * divisions per edge in all). Edges with |z| beyond the fast range are
 * computed at z = 0 and flagged; exact_fallback redoes them. Returns nonzero
 * if there are any. */
TCM_HOT_LOOP static int exact_messages(int n, double omega, double delta, const tcm_ratio_ctx *rc, double *cav)
{
    const double habs = rc->habs, one_minus = rc->one_minus, sign = rc->sign, scale = rc->scale;
    double *rz = cav, *mc = cav + n, *un = cav + 2 * (size_t)n, *vn = cav + 3 * (size_t)n;
    double far = 0.0;
#pragma omp simd reduction(max : far)
    for (int i = 0; i < n; i++) {
        double d = max2(delta - rz[i], 1e-12 * delta), s = sqrt(d), x = vn[i];
        double z = (omega - un[i]) / s;
        double zc = fabs(z) <= RATIO_FAST_ZMAX ? z : 0.0, flag = fabs(z) <= RATIO_FAST_ZMAX ? 0.0 : 1.0;
        double w, D = ratio_frac(habs, one_minus, sign, scale, zc, &w), Q = 1.0 / (D * D * d);
        un[i] = x * w * D * s * Q;
        vn[i] = w * fma(zc, D, w) * Q;
        rz[i] = s;
        mc[i] = z;
        far = max2(far, flag);
    }
    return far > 0.0;
}

/* Far edges are gathered this many at a time into contiguous arrays, so that
 * far_messages runs vectorised (stack arrays: no scratch to size). */
#define FAR_CHUNK 64

/* u = xi g/s and v = (z g + g^2)/s^2 with g = ratio_far, for m gathered far
 * edges (z, s, xi); the same formulas as exact_fallback's. */
TCM_HOT_LOOP static void far_messages(int m, const tcm_ratio_ctx *rc, const double *z, const double *s,
                                      const double *xi, double *u, double *v)
{
    const double habs = rc->habs, one_minus = rc->one_minus, sign = rc->sign, scale = rc->scale;
#pragma omp simd
    for (int j = 0; j < m; j++) {
        double g = ratio_far(habs, one_minus, sign, scale, z[j]);
        u[j] = xi[j] * g / s[j];
        v[j] = (z[j] * g + g * g) / (s[j] * s[j]);
    }
}

/* far_messages for the gathered edges idx[0..m), written back into un, vn. */
static void far_flush(int m, const int *idx, const tcm_ratio_ctx *rc, const double *zt, const double *st,
                      const double *xt, double *un, double *vn)
{
    double ut[FAR_CHUNK], vt[FAR_CHUNK];
    far_messages(m, rc, zt, st, xt, ut, vt);
    for (int j = 0; j < m; j++) {
        un[idx[j]] = ut[j];
        vn[idx[j]] = vt[j];
    }
}

/* The edges exact_messages left out (|z| beyond the fast range, or NaN): up
 * to RATIO_FAR_ZMAX vectorised (far_messages, in chunks), beyond it (or for
 * NaN, or a field ratio_far does not take) with the careful ratio
 * (tcm_ratio_eval); the values are tcm_ratio_eval's either way. cav as
 * exact_messages leaves it. */
static void exact_fallback(int n, const int8_t *xi, const tcm_ratio_ctx *rc, double *cav)
{
    const double *s = cav, *z = cav + n;
    double *un = cav + 2 * (size_t)n, *vn = cav + 3 * (size_t)n;
    double zt[FAR_CHUNK], st[FAR_CHUNK], xt[FAR_CHUNK];
    int idx[FAR_CHUNK], m = 0, far = ratio_far_ok(rc);
    for (int i = 0; i < n; i++) {
        double az = fabs(z[i]);
        if (az <= RATIO_FAST_ZMAX) continue;
        if (far && az <= RATIO_FAR_ZMAX) {
            idx[m] = i, zt[m] = z[i], st[m] = s[i], xt[m] = xi[i];
            if (++m == FAR_CHUNK) far_flush(m, idx, rc, zt, st, xt, un, vn), m = 0;
            continue;
        }
        double r = tcm_ratio_eval(rc, z[i]);
        un[i] = xi[i] * r / s[i];
        vn[i] = (z[i] * r + r * r) / (s[i] * s[i]);
    }
    if (m) far_flush(m, idx, rc, zt, st, xt, un, vn);
}

/* One edge of the store loops: the new message (unew, vnew) damped into U, V
 * (new = keep computed + damping old), the old value kept where the update is
 * not finite, the change tracked, and the stored values added to the chunk
 * sums su, sv. Branch-free so that the loops vectorise. */
#define STORE_EDGE(i, unew, vnew)                                                                        \
    do {                                                                                                 \
        double uo = U[i], vo = V[i], u = keep * (unew) + damping * uo, v = keep * (vnew) + damping * vo; \
        int ok = (fabs(u) <= DBL_MAX) & (fabs(v) <= DBL_MAX);                                            \
        u = ok ? u : uo;                                                                                 \
        v = ok ? v : vo;                                                                                 \
        change = max2(change, max2(fabs(u - uo), fabs(v - vo)));                                         \
        bad = max2(bad, ok ? 0.0 : 1.0);                                                                 \
        U[i] = u;                                                                                        \
        V[i] = v;                                                                                        \
        su[i] += u;                                                                                      \
        sv[i] += v;                                                                                      \
    } while (0)

/* Where the store loops write: the unit's messages and its chunk sums. */
typedef struct {
    double *U, *V, *su, *sv;
    double damping;
} store_dst;

/* Exact mode: store the messages exact_messages (and exact_fallback) left in
 * cav. Returns the largest change, or NaN if some update was not finite. */
TCM_HOT_LOOP static double store_exact(int n, const double *cav, const store_dst *d)
{
    const double *un = cav + 2 * (size_t)n, *vn = cav + 3 * (size_t)n, damping = d->damping, keep = 1.0 - damping;
    double *U = d->U, *V = d->V, *su = d->su, *sv = d->sv, change = 0.0, bad = 0.0;
#pragma omp simd reduction(max : change, bad)
    for (int i = 0; i < n; i++) STORE_EDGE(i, un[i], vn[i]);
    return bad > 0.0 ? NAN : change;
}

/* Fast mode: messages at the factor's full sums, expanded to first order in
 * the edge's own cavity term: z_i = z0 - xi m_i / s0 gives U_i = xi g0 / s0 +
 * m_i V0 and V_i = V0 (+ O(n^-3/2)). The m_i V0 term is an Onsager reaction:
 * O(1/n) per message but O(1) summed over all patterns. Computed and stored
 * in one loop; returns as store_exact. */
TCM_HOT_LOOP static double store_fast(int n, double omega, double delta, const tcm_ratio_ctx *rc, const double *cav,
                                      const store_dst *d)
{
    double s0 = sqrt(delta), z0 = omega / s0, g0 = tcm_ratio_eval(rc, z0), v0 = (z0 * g0 + g0 * g0) / delta;
    const double c0 = g0 / s0; /* xi g0 / s0 = xi (g0 / s0) exactly, as xi = +-1 */
    const double *mc = cav + n, *xd = cav + 3 * (size_t)n, damping = d->damping, keep = 1.0 - damping;
    double *U = d->U, *V = d->V, *su = d->su, *sv = d->sv, change = 0.0, bad = 0.0;
#pragma omp simd reduction(max : change, bad)
    for (int i = 0; i < n; i++) STORE_EDGE(i, xd[i] * c0 + mc[i] * v0, v0);
    return bad > 0.0 ? NAN : change;
}

/* EP mode: moment matching of the tilted distribution cavity_{ki->a}(x) times
 * the factor's exact message. With a = xi g0/s0 and v0 = (z0 g0 + g0^2)/Delta
 * the first two derivatives of ln Z_a in m_{ki->a} (Z_a from the full sums),
 * the tilted mean is m + a/zeta and the variance 1/zeta - v0/zeta^2, so the
 * Gaussian message is U = (a + m v0)/(1 - v0/zeta), V = v0/(1 - v0/zeta):
 * the fast mode's message up to the factor 1/(1 - v0/zeta), which is what makes
 * the Bethe free entropy stationary at the fixed point (the Legendre identity
 * dS/dd = lambda holds exactly). v0 <= 1/Delta < zeta (the variance of the
 * factor's sum is non-negative), so the factor is in (1, Delta/Delta');
 * it is floored against rounding. Returns as store_exact. */
TCM_HOT_LOOP static double store_ep(int n, double omega, double delta, const tcm_ratio_ctx *rc, const double *cav,
                                    const store_dst *d)
{
    double s0 = sqrt(delta), z0 = omega / s0, g0 = tcm_ratio_eval(rc, z0), v0 = (z0 * g0 + g0 * g0) / delta;
    const double c0 = g0 / s0;
    const double *rz = cav, *mc = cav + n, *xd = cav + 3 * (size_t)n, damping = d->damping, keep = 1.0 - damping;
    double *U = d->U, *V = d->V, *su = d->su, *sv = d->sv, change = 0.0, bad = 0.0;
#pragma omp simd reduction(max : change, bad)
    for (int i = 0; i < n; i++) {
        double t = 1.0 / max2(1.0 - rz[i] * v0, 1e-12);
        STORE_EDGE(i, (xd[i] * c0 + mc[i] * v0) * t, v0 * t);
    }
    return bad > 0.0 ? NAN : change;
}

/* Ask for the n messages U, V of a unit of the next pattern (into L2) while
 * this one computes: the sweep reads U, V once, and without this the reads
 * wait for memory in unit_sums while the arithmetic of the previous pattern
 * left the memory system idle. Measured: 8-12% faster sweeps at n = 333; no
 * gain at n = 3334 (long rows stream well on their own, and hundreds of
 * prefetches at once fill the miss queue), hence PREFETCH_MAX_N. */
#define PREFETCH_MAX_N 1024
static void prefetch_unit(const double *U, const double *V, size_t n)
{
#if defined(__GNUC__) || defined(__clang__)
    for (size_t i = 0; i < n; i += 8) { /* one cache line of each */
        __builtin_prefetch(U + i, 0, 2);
        __builtin_prefetch(V + i, 0, 2);
    }
#else
    (void)U, (void)V, (void)n;
#endif
}

/* New U, V for the n edges of unit k, pattern a, given the output field f and
 * the scratch cav of unit_sums (4n); acc: the chunk sums (2 nw) as for
 * tcm_cont_update_pattern. Returns the largest change (NaN if an update was
 * not finite: that message keeps its old value). */
static double update_unit(tcm_graph *g, int a, int k, double omega, double delta, double f,
                          const tcm_cont_update_opts *o, double *cav, double *acc)
{
    size_t n = (size_t)g->n, e0 = ((size_t)a * (size_t)g->K + (size_t)k) * n;
    store_dst d = { g->U + e0, g->V + e0, acc + (size_t)k * n, acc + g->nw + (size_t)k * n, o->damping };
    tcm_ratio_ctx rc = tcm_ratio_prepare(f);
    if (a + 1 < g->M && n <= PREFETCH_MAX_N) prefetch_unit(g->U + e0 + g->nw, g->V + e0 + g->nw, n);
    if (o->cavity == TCM_CAVITY_FAST) return store_fast(g->n, omega, delta, &rc, cav, &d);
    if (o->cavity == TCM_CAVITY_EP) return store_ep(g->n, omega, delta, &rc, cav, &d);
    if (exact_messages(g->n, omega, delta, &rc, cav))
        exact_fallback(g->n, tcm_instance_unit_inputs(g->inst, a, k), &rc, cav);
    return store_exact(g->n, cav, &d);
}

double tcm_cont_update_pattern(tcm_graph *g, int a, const tcm_cont_update_opts *o, double *work, double *acc)
{
    int K = g->K;
    double *omega = work, *delta = work + K, *cav = work + 2 * (size_t)K;
    double *owork = cav + 4 * g->nw, *junk = owork + tcm_output_work_size(K);
    size_t ak = (size_t)a * (size_t)K;
    if (!acc) acc = junk; /* sums not wanted (block schedule): a scratch row takes them, never read */
    double *lp = g->lp + ak, *lq = g->lq + ak, *f = g->fout + ak;
    unit_messages(g, a, omega, delta, lp, lq, cav);
    tcm_output_update(g->inst->rule, o->output, K, g->inst->outputs[a], lp, lq, f, owork);
    double change = 0.0;
    int bad = 0;
    for (int k = 0; k < K; k++) {
        double c = update_unit(g, a, k, omega[k], delta[k], f[k], o, cav + 4 * (size_t)k * (size_t)g->n, acc);
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
    double *cav = work + 4 * (size_t)K, *owork = cav + 4 * g->nw;
    unit_messages(g, a, omega, delta, lp, lq, cav);
    double f = tcm_output_logz(g->inst->rule, om, K, g->inst->outputs[a], lp, lq, owork);
    for (int k = 0; k < K; k++) f += unit_cavity_terms(g, a, k);
    return f;
}

const char *const tcm_cavity_mode_names[] = { TCM_CAVITY_MODES(TCM_ENUM_NAME) NULL };

TCM_NAMES_FUNCTIONS(tcm_cavity_mode, tcm_cavity_mode, tcm_cavity_mode_names, "cavity mode")

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
    /* EQUATIONS.md 1.4: S = phi + (chibar + lambda)/2 - (lambda/N) sum wref m - ln sqrt(2 pi e) */
    t->entropy = t->phi + 0.5 * (t->chibar + lambda) - lambda * ref / nw - (TCM_LOG_SQRT2PI + 0.5);
}

/* sum_i x_i y_i over n values, product i added in lane i % SUM_LANES.
 * Inlined into pattern_error, not a clone of its own (see lane_sums). */
static TCM_ALWAYS_INLINE double lane_dot(int n, const double *x, const double *y)
{
    double l[SUM_LANES] = { 0 };
    int i = 0;
#if defined(__GNUC__) || defined(__clang__)
    lanes2 a0 = { 0.0, 0.0 }, a1 = a0, a2 = a0, a3 = a0; /* lanes 0-1, 2-3, 4-5, 6-7 */
    for (; i + SUM_LANES <= n; i += SUM_LANES) {
        a0 += load2(x + i) * load2(y + i);
        a1 += load2(x + i + 2) * load2(y + i + 2);
        a2 += load2(x + i + 4) * load2(y + i + 4);
        a3 += load2(x + i + 6) * load2(y + i + 6);
    }
    lanes2 all[SUM_LANES / 2] = { a0, a1, a2, a3 };
    memcpy(l, all, sizeof l);
#endif
    for (; i < n; i++) l[i % SUM_LANES] += x[i] * y[i];
    return sum_lanes(l);
}

/* 1 if the machine (the instance's rule) with weights m (K x n) gets pattern a wrong; row: N
 * doubles of scratch for the pattern converted from int8. */
TCM_HOT_LOOP static int pattern_error(const tcm_graph *g, int a, const double *m, double *row)
{
    const int8_t *x = g->inst->patterns + (size_t)a * (size_t)g->inst->N;
    const int N = g->inst->N, n = g->n, full = g->inst->arch == TCM_ARCH_FULL;
#pragma omp simd
    for (int i = 0; i < N; i++) row[i] = x[i];
    int vote = 0, prod = 1;
    for (int k = 0; k < g->K; k++) {
        double h = lane_dot(n, row + (full ? 0 : (size_t)k * (size_t)n), m + (size_t)k * (size_t)n);
        int tau = (h > 0.0) - (h < 0.0);
        vote += tau;
        prod *= tau;
    }
    return tcm_output_decide(g->inst->rule, vote, prod) != g->inst->outputs[a];
}

int tcm_cont_errors(const tcm_graph *g, int *errors)
{
    double t0 = omp_get_wtime();
    tcm_cont_means(g, g->means);
    for (size_t ki = 0; ki < g->nw; ki++)
        if (!isfinite(g->means[ki]))
            return TCM_ERROR(TCM_ENUMERIC, "mean of weight (unit %d, index %d) is %g, not finite",
                             (int)(ki / (size_t)g->n), (int)(ki % (size_t)g->n), g->means[ki]);
    int count = 0;
#pragma omp parallel num_threads(tcm_graph_threads_for(g, (size_t)g->M * (size_t)g->inst->N)) reduction(+ : count)
    {
        double *row = g->work + (size_t)omp_get_thread_num() * g->work_stride;
#pragma omp for schedule(static)
        for (int a = 0; a < g->M; a++) count += pattern_error(g, a, g->means, row);
    }
    *errors = count;
    g->timing->errors += omp_get_wtime() - t0;
    return TCM_OK;
}

void tcm_cont_means(const tcm_graph *g, double *w)
{
    for (size_t ki = 0; ki < g->nw; ki++) w[ki] = tcm_graph_mean(g, ki);
}
