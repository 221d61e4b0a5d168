/* Approximate message passing (AMP) for committee machines (docs/AMP.md):
 * the dense-graph limit of BP with Onsager reaction terms. The state holds
 * per pattern and unit the output-channel function g_out (and its
 * derivative), per weight the marginal mean, variance and the AMP fields,
 * and the patterns packed one bit per entry: O(N + M K) doubles plus M N
 * bits (tree) instead of BP's two doubles per edge. Both weight kinds
 * (continuous spherical, binary +-1) and both architectures share the
 * state; the kind changes only the per-weight prior (EQUATIONS.md 1.3-4.2
 * fields enter it exactly as in BP). The engine operations are in
 * engine_amp.c, the sweep and thermodynamics in engine_amp_sweep.c. */
#ifndef TCMBP_AMP_H
#define TCMBP_AMP_H

#include <stddef.h>
#include <stdint.h>

#include "tcmbp/instance.h"
#include "tcmbp/output.h"
#include "tcmbp/weights.h"

/* Pattern chunks of the weight sums: a function of M only (determinism),
 * enough for a few dozen threads. */
#define TCM_AMP_CHUNK_PATTERNS 64
#define TCM_AMP_MAX_CHUNKS 32

typedef struct tcm_amp_s {
    const tcm_instance *inst; /* borrowed */
    tcm_weight_kind kind;
    int K, n, M;
    size_t nw;                /* K n weights */

    /* Patterns, one bit per entry (set = +1): slice (a, k) of unit k in
     * pattern a has `words` 64-bit words (entry i = bit i % 64 of word i / 64,
     * the tail zero) at bits + (a slices + (tree ? k : 0)) words: the
     * instance's bits layout (instance.h), borrowed without a copy from a
     * bits instance, packed once from an int8 one. */
    int slices;               /* K (tree) or 1 (fully connected) */
    int words;                /* ceil(n / 64) */
    const uint64_t *bits;     /* the instance's own bits (bits storage) or own_bits */
    uint64_t *own_bits;       /* NULL when the instance's bits are borrowed */
    uint64_t *signs;          /* 256 x 8: sign masks of a byte of bits (16 KB) */

    /* Per pattern and unit (M K): the stored (damped) g_out = d ln Z_a / d omega_ka
     * and dg_out = d g_out / d omega_ka. */
    double *gout, *dgout;

    /* AMP fields: A_k = -sum_a dg_out_ka (per unit: xi^2 = 1), and per weight
     * B_ki = sum_a xi g_out_ka + m_ki A_k (m of the sweep's start). */
    double *A;                /* K */
    double *B;                /* nw */

    /* The marginal: continuous precision zeta = chi_k + zeta0, field mu
     * (zeta0 = lambda + V* + A_k, mu = lambda wref + U* + B); binary field
     * mu = lambda wref + u* + B (zeta0 unused). Mean m, variance v. */
    double *zeta0, *mu, *m, *v;
    double *chi;              /* K (continuous): per-unit normalisation */
    int needs_normalize;

    double lambda;            /* reference coupling */
    double *wref;             /* nw or NULL */
    double *ustar, *vstar;    /* nw or NULL: focusing field (vstar continuous only) */
    double *chistar;          /* K (continuous focusing) */
    double *scratch;          /* 2 nw: normalisation and focusing */
    double *conf;             /* nw: configuration of the error count */

    int nchunks;
    double *chunk_B;          /* nchunks nw */
    double *chunk_A;          /* nchunks K */
    int nthreads;
    size_t work_stride;
    double *work;             /* nthreads work_stride */
    double *per_pattern;      /* M */
    double *unitV;            /* 3 K: V_k = sum_i v_ki, sqrt V_k of the current pass, new A_k */
} tcm_amp;

/* The AMP state of kind over the first M patterns of inst, zero g_out,
 * chi = 1; NULL on error (message set). */
tcm_amp *tcm_amp_alloc(const tcm_instance *inst, tcm_weight_kind kind, int M, int nthreads);
void tcm_amp_free(tcm_amp *s);

/* Marginals (zeta0, mu, m, v) from the fields A, B, chi and the external
 * fields. O(K n). */
void tcm_amp_compose(tcm_amp *s);

/* Re-solve chi (continuous; EQUATIONS.md 1.3) and recompose; the largest change. */
double tcm_amp_normalize(tcm_amp *s);

/* B = sum_a xi g_out + m A from the stored g_out, dg_out and the current m
 * (after an edit of g_out), then compose. */
void tcm_amp_rebuild(tcm_amp *s);

/* Sweep changes. */
typedef struct {
    double messages, norm, focus;
    int nonfinite;
} tcm_amp_change;

/* What a sweep needs: damping, output mode, and focusing (y, coupling) when
 * focus is nonzero (the state must have its focusing fields). */
typedef struct {
    double damping;
    tcm_output_mode output;
    int focus;
    double y, coupling;
} tcm_amp_sweep_params;

/* One AMP sweep (docs/AMP.md 2). TCM_EINVAL on bad focusing parameters. */
int tcm_amp_sweep(tcm_amp *s, const tcm_amp_sweep_params *p, tcm_amp_change *c);

/* Bethe free entropy in AMP form (docs/AMP.md 3), F per weight, and the
 * sums the entropy needs. */
typedef struct {
    double phi, q, ref, dist2, chibar;
} tcm_amp_thermo;
int tcm_amp_thermo_compute(tcm_amp *s, tcm_output_mode om, tcm_amp_thermo *t);


/* Errors of the configuration w (K x n) on the state's M patterns, from the
 * bits (a zero field votes 0, as tcm_weights_eval). */
int tcm_amp_errors(const tcm_amp *s, const double *w);

/* sum_i xi_ki w_i for slice (a, k) from the bits, in fixed lanes. */
double tcm_amp_dot(const tcm_amp *s, int a, int k, const double *w);

/* Bytes of per-edge state: the bits (1/8 per entry; 1/(8K) per edge for
 * the fully connected machine). */
double tcm_amp_bytes_per_edge(const tcm_amp *s);

#endif
