/* The AMP state (amp.h) and its numerics (docs/AMP.md): patterns packed to
 * bits, the products of a sweep computed from the bits, one sweep (the
 * output channel of every pattern from the current marginals, the weight
 * fields summed over fixed pattern chunks in chunk order, the per-weight
 * prior of the weight kind with the normalisation, reference and focusing
 * fields), the Bethe free entropy in AMP form and the error count. Every
 * sum is in an order fixed by the instance: results do not depend on the
 * thread count. */
#include "tcmbp/amp.h"

#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "tcmbp/bin.h"
#include "tcmbp/cont.h"
#include "tcmbp/error.h"
#include "tcmbp/special.h"
#include "tcmbp/sweep.h"
#include "hot.h"

/* Passes over fewer (pattern, weight) pairs run on one thread. */
#define AMP_PARALLEL_MIN 65536

static int threads_for(const tcm_amp *s, size_t work) { return work >= AMP_PARALLEL_MIN ? s->nthreads : 1; }

static const uint64_t *slice_bits(const tcm_amp *s, int a, int k)
{
    size_t sl = (size_t)a * (size_t)s->slices + (s->slices > 1 ? (size_t)k : 0);
    return s->bits + sl * (size_t)s->words;
}

/* Pack the first M patterns of an int8 instance, one bit per entry (set = +1). */
static void pack_bits(tcm_amp *s)
{
    const tcm_instance *inst = s->inst;
    const size_t row = tcm_instance_bit_row(inst);
#pragma omp parallel for schedule(static) num_threads(threads_for(s, (size_t)s->M * (size_t)inst->N))
    for (int a = 0; a < s->M; a++)
        tcm_instance_pack_row(inst, inst->patterns + (size_t)a * (size_t)inst->N, s->own_bits + (size_t)a * row);
}

/* The sign masks of one byte of pattern bits: entry r of row b is 0 when
 * bit r of b is set (+1) and the sign bit otherwise (-1), so that x XOR mask
 * is +-x without a branch or a multiplication. */
static void fill_sign_table(uint64_t *t)
{
    for (int b = 0; b < 256; b++)
        for (int r = 0; r < 8; r++) t[8 * b + r] = ((b >> r) & 1) ? 0 : (uint64_t)1 << 63;
}

#if defined(__GNUC__) || defined(__clang__)
/* Four lanes as GNU vectors, loaded and stored with memcpy inside the hot
 * functions (never passed by value: no ABI question on any x86-64 level);
 * one AVX2 register, two SSE2 ones in the baseline clone. */
typedef uint64_t u64x4 __attribute__((vector_size(32)));
typedef double f64x4 __attribute__((vector_size(32)));
#endif

/* sum_i (bit_i ? x_i : -x_i) over n entries, entry i in lane i % 8, the
 * lanes added as ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)): eight
 * entries (one byte of bits, its row of masks) per step. */
TCM_HOT_LOOP static double dot_bits(const uint64_t *tab, const uint64_t *w, const double *x, int n)
{
    double l[8] = { 0 };
    const uint8_t *by = (const uint8_t *)w; /* little-endian: byte t holds entries 8t .. 8t+7 */
    int i = 0;
#if defined(__GNUC__) || defined(__clang__)
    f64x4 a0 = { 0, 0, 0, 0 }, a1 = a0;
    for (; i + 8 <= n; i += 8) {
        const uint64_t *m = tab + 8 * (size_t)by[i / 8];
        u64x4 x0, x1, m0, m1;
        memcpy(&x0, x + i, sizeof x0);
        memcpy(&x1, x + i + 4, sizeof x1);
        memcpy(&m0, m, sizeof m0);
        memcpy(&m1, m + 4, sizeof m1);
        a0 += (f64x4)(x0 ^ m0);
        a1 += (f64x4)(x1 ^ m1);
    }
    memcpy(l, &a0, sizeof a0);
    memcpy(l + 4, &a1, sizeof a1);
#endif
    for (; i < n; i++) l[i & 7] += ((by[i / 8] >> (i & 7)) & 1) ? x[i] : -x[i];
    return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
}

/* acc_i += (bit_i ? g : -g) for the n entries of a slice. */
TCM_HOT_LOOP static void axpy_bits(const uint64_t *tab, const uint64_t *w, double g, double *acc, int n)
{
    const uint8_t *by = (const uint8_t *)w;
    int i = 0;
#if defined(__GNUC__) || defined(__clang__)
    uint64_t gb;
    memcpy(&gb, &g, sizeof gb);
    u64x4 gv = { gb, gb, gb, gb };
    for (; i + 8 <= n; i += 8) {
        const uint64_t *m = tab + 8 * (size_t)by[i / 8];
        u64x4 m0, m1;
        f64x4 s0, s1;
        memcpy(&m0, m, sizeof m0);
        memcpy(&m1, m + 4, sizeof m1);
        memcpy(&s0, acc + i, sizeof s0);
        memcpy(&s1, acc + i + 4, sizeof s1);
        s0 += (f64x4)(gv ^ m0);
        s1 += (f64x4)(gv ^ m1);
        memcpy(acc + i, &s0, sizeof s0);
        memcpy(acc + i + 4, &s1, sizeof s1);
    }
#endif
    for (; i < n; i++) acc[i] += ((by[i / 8] >> (i & 7)) & 1) ? g : -g;
}

double tcm_amp_dot(const tcm_amp *s, int a, int k, const double *w)
{
    return dot_bits(s->signs, slice_bits(s, a, k), w, s->n);
}

double tcm_amp_bytes_per_edge(const tcm_amp *s)
{
    return 8.0 * (double)s->words * (double)s->slices / ((double)s->K * (double)s->n);
}

static int chunk_begin(const tcm_amp *s, int c) { return (int)((long long)c * s->M / s->nchunks); }

void tcm_amp_free(tcm_amp *s)
{
    if (!s) return;
    free(s->own_bits);
    free(s->gout);
    free(s->dgout);
    free(s->A);
    free(s->B);
    free(s->zeta0);
    free(s->mu);
    free(s->m);
    free(s->v);
    free(s->chi);
    free(s->wref);
    free(s->ustar);
    free(s->vstar);
    free(s->chistar);
    free(s->scratch);
    free(s->conf);
    free(s->chunk_B);
    free(s->chunk_A);
    free(s->work);
    free(s->per_pattern);
    free(s->unitV);
    free(s->signs);
    free(s);
}

/* calloc of count elements of size, counted in *fail when it fails. */
static void *zalloc(size_t count, size_t size, int *fail)
{
    void *p = calloc(count ? count : 1, size);
    if (!p) *fail = 1;
    return p;
}

tcm_amp *tcm_amp_alloc(const tcm_instance *inst, tcm_weight_kind kind, int M, int nthreads)
{
    tcm_amp *s = calloc(1, sizeof *s);
    if (!s) {
        TCM_ERROR(TCM_ENOMEM, "out of memory for the AMP state");
        return NULL;
    }
    int fail = 0, K = inst->K;
    *s = (tcm_amp){ .inst = inst, .kind = kind, .K = K, .n = inst->n, .M = M, .nw = (size_t)K * (size_t)inst->n };
    s->slices = inst->arch == TCM_ARCH_TREE ? K : 1;
    s->words = (inst->n + 63) / 64;
    s->nchunks = (M + TCM_AMP_CHUNK_PATTERNS - 1) / TCM_AMP_CHUNK_PATTERNS;
    s->nchunks = s->nchunks < 1 ? 1 : s->nchunks > TCM_AMP_MAX_CHUNKS ? TCM_AMP_MAX_CHUNKS : s->nchunks;
    s->nthreads = nthreads > 0 ? nthreads : omp_get_max_threads();
    s->work_stride = 4 * (size_t)K + tcm_output_work_size(K);
    size_t mk = (size_t)M * (size_t)K, nw = s->nw;
    if (inst->bits) /* the instance's layout is the state's: borrow (the first M patterns) */
        s->bits = inst->bits;
    else
        s->bits = s->own_bits = zalloc((size_t)M * (size_t)s->slices * (size_t)s->words, sizeof(uint64_t), &fail);
    s->gout = zalloc(mk, sizeof(double), &fail);
    s->dgout = zalloc(mk, sizeof(double), &fail);
    s->A = zalloc((size_t)K, sizeof(double), &fail);
    s->chi = zalloc((size_t)K, sizeof(double), &fail);
    s->B = zalloc(nw, sizeof(double), &fail);
    s->zeta0 = zalloc(nw, sizeof(double), &fail);
    s->mu = zalloc(nw, sizeof(double), &fail);
    s->m = zalloc(nw, sizeof(double), &fail);
    s->v = zalloc(nw, sizeof(double), &fail);
    s->scratch = zalloc(2 * nw, sizeof(double), &fail);
    s->conf = zalloc(nw, sizeof(double), &fail);
    s->chunk_B = zalloc((size_t)s->nchunks * nw, sizeof(double), &fail);
    s->chunk_A = zalloc((size_t)s->nchunks * (size_t)K, sizeof(double), &fail);
    s->work = zalloc((size_t)s->nthreads * s->work_stride, sizeof(double), &fail);
    s->per_pattern = zalloc((size_t)M, sizeof(double), &fail);
    s->unitV = zalloc(3 * (size_t)K, sizeof(double), &fail);
    s->signs = zalloc(256 * 8, sizeof *s->signs, &fail);
    if (fail) {
        tcm_amp_free(s);
        TCM_ERROR(TCM_ENOMEM, "out of memory for the AMP state (M=%d, K=%d, n=%d)", M, K, inst->n);
        return NULL;
    }
    for (int k = 0; k < K; k++) s->chi[k] = 1.0;
    fill_sign_table(s->signs);
    if (s->own_bits) pack_bits(s);
    tcm_amp_compose(s);
    return s;
}

/* 1 - tanh(F)^2 from one exponential (relative accuracy for any F). */
static double sech2(double F)
{
    double e = exp(-2.0 * fmin(fabs(F), 353.0));
    return 4.0 * e / ((1.0 + e) * (1.0 + e));
}

void tcm_amp_compose(tcm_amp *s)
{
    for (size_t ki = 0; ki < s->nw; ki++) {
        int k = (int)(ki / (size_t)s->n);
        double ref_u = s->wref ? s->lambda * s->wref[ki] : 0.0, ref_v = s->wref ? s->lambda : 0.0;
        double mu = ref_u + (s->ustar ? s->ustar[ki] : 0.0) + s->B[ki];
        s->mu[ki] = mu;
        if (s->kind == TCM_WEIGHTS_BINARY) {
            s->m[ki] = tanh(mu);
            s->v[ki] = sech2(mu);
        } else {
            double z0 = ref_v + (s->vstar ? s->vstar[ki] : 0.0) + s->A[k], zeta = s->chi[k] + z0;
            s->zeta0[ki] = z0;
            s->m[ki] = mu / zeta;
            s->v[ki] = 1.0 / zeta;
        }
    }
}

double tcm_amp_normalize(tcm_amp *s)
{
    double change = 0.0;
    if (s->kind == TCM_WEIGHTS_BINARY) return 0.0;
    for (int k = 0; k < s->K; k++) {
        size_t w0 = (size_t)k * (size_t)s->n;
        double c = tcm_sweep_solve_norm(s->zeta0 + w0, s->mu + w0, s->n, s->chi[k]);
        change = fmax(change, fabs(c - s->chi[k]));
        s->chi[k] = c;
    }
    tcm_amp_compose(s);
    s->needs_normalize = 0;
    return change;
}

/* A_k and B from the chunk sums in chunk order, plus the Onsager term m A,
 * damped against their old values (damping 0: replaced). */
static void reduce_chunks(tcm_amp *s, double damping)
{
    const double keep = 1.0 - damping;
    double *Anew = s->unitV + 2 * s->K;
    for (int k = 0; k < s->K; k++) {
        double a = 0.0;
        for (int c = 0; c < s->nchunks; c++) a += s->chunk_A[(size_t)c * (size_t)s->K + (size_t)k];
        Anew[k] = a;
    }
#pragma omp parallel for schedule(static) num_threads(threads_for(s, (size_t)s->nchunks * s->nw))
    for (size_t ki = 0; ki < s->nw; ki++) {
        double b = 0.0;
        for (int c = 0; c < s->nchunks; c++) b += s->chunk_B[(size_t)c * s->nw + ki];
        s->B[ki] = keep * (b + s->m[ki] * Anew[ki / (size_t)s->n]) + damping * s->B[ki];
    }
    for (int k = 0; k < s->K; k++) s->A[k] = keep * Anew[k] + damping * s->A[k];
}

/* Add pattern a's stored g_out, dg_out to the chunk sums accB (nw), accA (K). */
static void accumulate(const tcm_amp *s, int a, double *accB, double *accA)
{
    for (int k = 0; k < s->K; k++) {
        size_t ak = (size_t)a * (size_t)s->K + (size_t)k;
        accA[k] -= s->dgout[ak];
        axpy_bits(s->signs, slice_bits(s, a, k), s->gout[ak], accB + (size_t)k * (size_t)s->n, s->n);
    }
}

void tcm_amp_rebuild(tcm_amp *s)
{
#pragma omp parallel for schedule(static) num_threads(threads_for(s, (size_t)s->M * s->nw))
    for (int c = 0; c < s->nchunks; c++) {
        double *accB = s->chunk_B + (size_t)c * s->nw, *accA = s->chunk_A + (size_t)c * (size_t)s->K;
        memset(accB, 0, s->nw * sizeof(double));
        memset(accA, 0, (size_t)s->K * sizeof(double));
        for (int a = chunk_begin(s, c); a < chunk_begin(s, c + 1); a++) accumulate(s, a, accB, accA);
    }
    reduce_chunks(s, 0.0);
    tcm_amp_compose(s);
}

/* V_k = sum_i v_ki (floored) and its square root, for every unit. */
static void unit_variances(const tcm_amp *s, double *V, double *sV)
{
    for (int k = 0; k < s->K; k++) {
        const double *v = s->v + (size_t)k * (size_t)s->n;
        double t = 0.0;
        for (int i = 0; i < s->n; i++) t += v[i];
        V[k] = fmax(t, 1e-300);
        sV[k] = sqrt(V[k]);
    }
}

/* The channel inputs of pattern a: omega_ka = sum_i xi m_ki - V_k g_out_ka
 * (the Onsager term), z = omega / sqrt V, and the messages to the output
 * factor lp, lq = ln H(-+z). */
static void pattern_inputs(const tcm_amp *s, int a, const double *V, const double *sV, double *z, double *lp,
                           double *lq)
{
    for (int k = 0; k < s->K; k++) {
        size_t ak = (size_t)a * (size_t)s->K + (size_t)k;
        double omega = dot_bits(s->signs, slice_bits(s, a, k), s->m + (size_t)k * (size_t)s->n, s->n) - V[k] * s->gout[ak];
        z[k] = omega / sV[k];
        lp[k] = tcm_logH(-z[k]);
        lq[k] = tcm_logH(z[k]);
    }
}

/* Per-sweep constants of the pattern updates. */
typedef struct {
    const double *V, *sV;
    double damping;
    tcm_output_mode output;
} update_ctx;

/* New g_out, dg_out of pattern a (docs/AMP.md 2: g_out = g(h, z)/sqrt V,
 * dg_out = -(z g + g^2)/V with h the output factor's message): the
 * computed values are added to the chunk sums (the fields are damped as
 * sums, as BP's messages are), the damped ones stored for the Onsager term
 * of the next sweep. Returns the largest change of the stored values; *bad
 * counts the units whose update was not finite (old values kept and summed). */
static double update_pattern(tcm_amp *s, int a, const update_ctx *u, double *work, double *accB, double *accA,
                             int *bad)
{
    int K = s->K;
    double *lp = work, *lq = work + K, *f = work + 2 * K, *z = work + 3 * K, *ow = work + 4 * K, change = 0.0;
    const double d = u->damping;
    pattern_inputs(s, a, u->V, u->sV, z, lp, lq);
    tcm_output_update(s->inst->rule, u->output, K, s->inst->outputs[a], lp, lq, f, ow);
    for (int k = 0; k < K; k++) {
        size_t ak = (size_t)a * (size_t)K + (size_t)k;
        tcm_ratio_ctx rc = tcm_ratio_prepare(f[k]);
        double g = tcm_ratio_eval(&rc, z[k]), gn = g / u->sV[k], dgn = -(z[k] * g + g * g) / u->V[k];
        if (!isfinite(gn) || !isfinite(dgn)) {
            (*bad)++;
            gn = s->gout[ak];
            dgn = s->dgout[ak];
        }
        double go = (1.0 - d) * gn + d * s->gout[ak], dgo = (1.0 - d) * dgn + d * s->dgout[ak];
        change = fmax(change, fmax(fabs(go - s->gout[ak]), fabs(dgo - s->dgout[ak])));
        s->gout[ak] = go;
        s->dgout[ak] = dgo;
        accA[k] -= dgn;
        axpy_bits(s->signs, slice_bits(s, a, k), gn, accB + (size_t)k * (size_t)s->n, s->n);
    }
    return change;
}

/* Every pattern, in parallel over the fixed chunks; returns the largest change. */
static double update_chunks(tcm_amp *s, const update_ctx *u, int *nonfinite)
{
    double change = 0.0;
    int bad = 0;
#pragma omp parallel num_threads(threads_for(s, (size_t)s->M * s->nw)) reduction(max : change) reduction(+ : bad)
    {
        double *work = s->work + (size_t)omp_get_thread_num() * s->work_stride;
#pragma omp for schedule(static)
        for (int c = 0; c < s->nchunks; c++) {
            double *accB = s->chunk_B + (size_t)c * s->nw, *accA = s->chunk_A + (size_t)c * (size_t)s->K;
            memset(accB, 0, s->nw * sizeof(double));
            memset(accA, 0, (size_t)s->K * sizeof(double));
            for (int a = chunk_begin(s, c); a < chunk_begin(s, c + 1); a++)
                change = fmax(change, update_pattern(s, a, u, work, accB, accA, &bad));
        }
    }
    *nonfinite += bad;
    return change;
}

/* Continuous focusing field of unit k (EQUATIONS.md 4.1): BP's update
 * (tcm_sweep_focus_unit) on AMP's cavity fields; the largest change of U*, V*. */
static double focus_unit_cont(tcm_amp *s, int k, double y, double lambda, double *dchi)
{
    size_t w0 = (size_t)k * (size_t)s->n;
    return tcm_sweep_focus_unit(s->n, s->chi[k], s->zeta0 + w0, s->mu + w0, s->vstar + w0, s->ustar + w0,
                                &s->chistar[k], y, lambda, s->scratch + 2 * w0, dchi);
}

/* Binary focusing field (EQUATIONS.md 4.2), damped like the messages; the
 * largest change of tanh u*. */
static double focus_bin(tcm_amp *s, double y, double gamma, double damping)
{
    double change = 0.0;
    for (size_t ki = 0; ki < s->nw; ki++) {
        double u = tcm_bin_focus_field(s->mu[ki] - s->ustar[ki], gamma, y);
        u = (1.0 - damping) * u + damping * s->ustar[ki];
        if (!isfinite(u)) continue;
        change = fmax(change, fabs(tanh(u) - tanh(s->ustar[ki])));
        s->ustar[ki] = u;
    }
    return change;
}

/* The focusing fields, then the marginals (and chi) again. */
static void focus_update(tcm_amp *s, const tcm_amp_sweep_params *p, tcm_amp_change *c)
{
    if (s->kind == TCM_WEIGHTS_BINARY) {
        c->focus = focus_bin(s, p->y, p->coupling, p->damping);
        tcm_amp_compose(s);
        return;
    }
    double fch = 0.0, cch = 0.0;
    for (int k = 0; k < s->K; k++) {
        double d;
        fch = fmax(fch, focus_unit_cont(s, k, p->y, p->coupling, &d));
        cch = fmax(cch, d);
    }
    tcm_amp_compose(s);
    c->focus = fch;
    c->norm = fmax(c->norm, fmax(cch, tcm_amp_normalize(s)));
}

int tcm_amp_sweep(tcm_amp *s, const tcm_amp_sweep_params *p, tcm_amp_change *c)
{
    if (p->focus && !s->ustar) return TCM_ERROR(TCM_EINVAL, "focusing step without focusing fields");
    memset(c, 0, sizeof *c);
    unit_variances(s, s->unitV, s->unitV + s->K);
    update_ctx u = { s->unitV, s->unitV + s->K, p->damping, p->output };
    c->messages = update_chunks(s, &u, &c->nonfinite);
    reduce_chunks(s, p->damping);
    tcm_amp_compose(s);
    c->norm = tcm_amp_normalize(s);
    if (p->focus) focus_update(s, p, c);
    return TCM_OK;
}

/* Pattern a's free-entropy terms: ln Z_a(omega, V) + sum_k V_k g_out_ka^2 / 2. */
static double pattern_free_entropy(const tcm_amp *s, int a, tcm_output_mode om, const double *V,
                                   const double *sV, double *work)
{
    int K = s->K;
    double *lp = work, *lq = work + K, *z = work + 3 * K, *ow = work + 4 * K;
    pattern_inputs(s, a, V, sV, z, lp, lq);
    double f = tcm_output_logz(s->inst->rule, om, K, s->inst->outputs[a], lp, lq, ow);
    for (int k = 0; k < K; k++) {
        double g = s->gout[(size_t)a * (size_t)K + (size_t)k];
        f += 0.5 * V[k] * g * g;
    }
    return f;
}

/* ln Z_i(A, B) + (v + m^2) A / 2 - m B of weight ki (docs/AMP.md 3). */
static double weight_free_entropy(const tcm_amp *s, size_t ki)
{
    double m = s->m[ki], B = s->B[ki];
    if (s->kind == TCM_WEIGHTS_BINARY) return tcm_logcosh(s->mu[ki]) + 0.69314718055994530942 - m * B;
    double A = s->A[ki / (size_t)s->n], zeta = s->chi[ki / (size_t)s->n] + s->zeta0[ki];
    return tcm_cont_log_norm(s->mu[ki], zeta) + 0.5 * (s->v[ki] + m * m) * A - m * B;
}

int tcm_amp_thermo_compute(tcm_amp *s, tcm_output_mode om, tcm_amp_thermo *t)
{
    int K = s->K;
    double *V = s->unitV, *sV = s->unitV + K;
    unit_variances(s, V, sV);
#pragma omp parallel num_threads(threads_for(s, (size_t)s->M * s->nw))
    {
        double *work = s->work + (size_t)omp_get_thread_num() * s->work_stride;
#pragma omp for schedule(static)
        for (int a = 0; a < s->M; a++) s->per_pattern[a] = pattern_free_entropy(s, a, om, V, sV, work);
    }
    double F = 0.0, q = 0.0, ref = 0.0, dist2 = 0.0, chibar = 0.0;
    for (int a = 0; a < s->M; a++) F += s->per_pattern[a];
    for (size_t ki = 0; ki < s->nw; ki++) {
        double m = s->m[ki];
        F += weight_free_entropy(s, ki);
        q += m * m;
        if (s->wref) {
            ref += s->wref[ki] * m;
            dist2 += (m - s->wref[ki]) * (m - s->wref[ki]) + s->v[ki];
        }
    }
    for (int k = 0; k < K; k++) chibar += s->chi[k];
    double nw = (double)s->nw;
    *t = (tcm_amp_thermo){ F / nw, q / nw, ref / nw, dist2 / nw, chibar / K };
    return TCM_OK;
}

int tcm_amp_errors(const tcm_amp *s, const double *w)
{
    int count = 0;
#pragma omp parallel for schedule(static) num_threads(threads_for(s, (size_t)s->M * s->nw)) reduction(+ : count)
    for (int a = 0; a < s->M; a++) {
        int vote = 0, prod = 1;
        for (int k = 0; k < s->K; k++) {
            double h = dot_bits(s->signs, slice_bits(s, a, k), w + (size_t)k * (size_t)s->n, s->n);
            int tau = (h > 0.0) - (h < 0.0);
            vote += tau;
            prod *= tau;
        }
        count += tcm_output_decide(s->inst->rule, vote, prod) != s->inst->outputs[a];
    }
    return count;
}
