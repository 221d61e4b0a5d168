/* The small-distance limit of the local entropy (limit.h; docs/EQUATIONS.md
 * 8): independent Gaussian moves of a continuous reference's hidden
 * fields, or exact binomial flips of a binary reference's weights, and the
 * majority vote summed exactly by the output factor, in log space. */
#include "tcmbp/limit.h"

#include <math.h>
#include <stdlib.h>

#include "tcmbp/error.h"
#include "tcmbp/output.h"
#include "tcmbp/special.h"

#define LOG_HALF (-0.69314718055994530942)

size_t tcm_limit_work_size(int K) { return 2 * (size_t)K + tcm_output_work_size(K); }

/* log P(tau = +1), log P(tau = -1) for tau = sign(q h + s z), s = sqrt(1 - q^2):
 * log H(-q h / s) and log H(q h / s) (tcm_logH is accurate on both sides). */
static void unit_logp(double h, double q, double s, double *lp, double *lq)
{
    double x = q * h;
    if (x == 0.0) { /* no information about the sign (h = 0 or q = 0) */
        *lp = *lq = LOG_HALF;
        return;
    }
    if (s == 0.0) { /* q = +-1: the sign of q h for sure */
        *lp = x > 0.0 ? 0.0 : -INFINITY;
        *lq = x > 0.0 ? -INFINITY : 0.0;
        return;
    }
    *lp = tcm_logH(-x / s);
    *lq = tcm_logH(x / s);
}

/* ln P(the machine outputs sigma) from the units' log-probabilities, under
 * the rule. The output fails exactly when it is -sigma (majority with K
 * odd: no tie; parity: the product): when that is the smaller side,
 * ln P = log1p(-P_fail) keeps the digits of P ~ 1 (the output factor's sum
 * rounds 1 - 1e-30 to 1). */
static double vote_logp(tcm_output_rule rule, int K, int sigma, const double *lp, const double *lq, double *owork)
{
    double lf = tcm_output_logz(rule, TCM_OUTPUT_EXACT, K, -sigma, lp, lq, owork);
    if (lf < LOG_HALF) return log1p(-exp(lf));
    return tcm_output_logz(rule, TCM_OUTPUT_EXACT, K, sigma, lp, lq, owork);
}

double tcm_limit_pattern_logp(tcm_output_rule rule, int K, int sigma, const double *h, double q, double *work)
{
    double *lp = work, *lq = work + K, *owork = work + 2 * (size_t)K;
    double s = sqrt(fmax(0.0, (1.0 - q) * (1.0 + q))); /* 1 - q^2 without cancellation near q = 1 */
    for (int k = 0; k < K; k++) unit_logp(h[k], q, s, &lp[k], &lq[k]);
    return vote_logp(rule, K, sigma, lp, lq, owork);
}

/* P(F = i) for F ~ Binomial(n, d), i = 0..n, into pmf (exact at d = 0 and 1). */
static void binomial_pmf(int n, double d, double *pmf)
{
    for (int i = 0; i <= n; i++) {
        if (d == 0.0 || d == 1.0) {
            pmf[i] = i == (d == 0.0 ? 0 : n) ? 1.0 : 0.0;
            continue;
        }
        double lc = lgamma(n + 1.0) - lgamma(i + 1.0) - lgamma(n - i + 1.0);
        pmf[i] = exp(lc + i * log(d) + (n - i) * log1p(-d));
    }
}

/* Binary unit with S = sum_i xi_i w_i >= 0 (np = (n + S)/2 terms +1, nm
 * others), each weight flipped with probability d: the new sum is
 * S - 2 (Fp - Fm), Fp ~ Bin(np, d), Fm ~ Bin(nm, d) independent. Sets
 * *flip = P(new sum < 0) and *tie = P(new sum = 0) (n even only), each a sum
 * of positive terms (accurate when small), tail: np + 2 doubles. */
static void binary_flip(int n, int S, double d, double *flip, double *tie, double *pm, double *tail)
{
    int np = (n + S) / 2, nm = n - np;
    binomial_pmf(np, d, tail); /* tail[i] = P(Fp >= i), from the top so that small terms add first */
    tail[np + 1] = 0.0;
    for (int i = np; i >= 0; i--) tail[i] += tail[i + 1];
    binomial_pmf(nm, d, pm);
    double f = 0.0, t = 0.0;
    for (int j = nm; j >= 0; j--) { /* new sum < 0: Fp - Fm > S/2, i.e. Fp >= j + floor(S/2) + 1 */
        int r = j + S / 2 + 1;
        if (r <= np) f += pm[j] * tail[r];
        if (S % 2 == 0 && r - 1 <= np) t += pm[j] * (tail[r - 1] - tail[r]);
    }
    *flip = f;
    *tie = t;
}

/* log P(tau = +1), log P(tau = -1) of a binary unit with field h = S/sqrt(n)
 * after flipping each weight with probability d (a tie is a fair coin). */
static void binary_unit_logp(int n, double h, double d, double *lp, double *lq, double *scratch)
{
    int S = (int)lround(h * sqrt((double)n)), neg = S < 0;
    double flip, tie;
    binary_flip(n, neg ? -S : S, d, &flip, &tie, scratch, scratch + n + 1);
    double lkeep = log1p(-(flip + 0.5 * tie)), lflip = log(flip + 0.5 * tie);
    *lp = neg ? lflip : lkeep;
    *lq = neg ? lkeep : lflip;
}

/* ln P_a for a binary reference: as tcm_limit_pattern_logp with the exact
 * distribution of each unit's flips. */
static double binary_pattern_logp(tcm_output_rule rule, int K, int n, int sigma, const double *h, double d,
                                  double *work)
{
    double *lp = work, *lq = work + K, *scratch = work + 2 * (size_t)K;
    for (int k = 0; k < K; k++) binary_unit_logp(n, h[k], d, &lp[k], &lq[k], scratch);
    return vote_logp(rule, K, sigma, lp, lq, scratch);
}

/* sqrt(n) / |w_k| for every unit (1 for a normalised or binary unit): turns
 * tcm_weights_field into the normalised field w_k . xi / |w_k|. */
static int unit_scales(const tcm_weights *w, double *scale)
{
    for (int k = 0; k < w->K; k++) {
        const double *wk = w->w + (size_t)k * (size_t)w->n;
        double s = 0.0;
        for (int i = 0; i < w->n; i++) s += wk[i] * wk[i];
        if (!(s > 0.0)) return TCM_ERROR(TCM_EINVAL, "reference unit %d has zero norm", k);
        scale[k] = sqrt((double)w->n / s);
    }
    return TCM_OK;
}

/* sum_a ln P_a(q) from the hidden fields (M x K) of the reference. */
static double sum_patterns(const tcm_instance *inst, tcm_weight_kind kind, const double *fields,
                           const double *scale, double q, double *h, double *work)
{
    double sum = 0.0;
    for (int a = 0; a < inst->M; a++) {
        for (int k = 0; k < inst->K; k++) h[k] = fields[(size_t)a * (size_t)inst->K + (size_t)k] * scale[k];
        if (kind == TCM_WEIGHTS_BINARY)
            sum += binary_pattern_logp(inst->rule, inst->K, inst->n, inst->outputs[a], h, 0.5 * (1.0 - q), work);
        else sum += tcm_limit_pattern_logp(inst->rule, inst->K, inst->outputs[a], h, q, work);
    }
    return sum;
}

int tcm_limit_log_prob(const tcm_weights *ref, const tcm_instance *inst, double q, double *value)
{
    if (!(fabs(q) <= 1.0)) return TCM_ERROR(TCM_EINVAL, "overlap q must be in [-1, 1], got %g", q);
    if (ref->K != inst->K || ref->n != inst->n)
        return TCM_ERROR(TCM_EINVAL, "reference is %d x %d, the instance needs %d x %d", ref->K, ref->n, inst->K,
                         inst->n);
    int K = inst->K;
    double *fields = malloc((size_t)inst->M * (size_t)K * sizeof(double));
    size_t scratch = 2 * (size_t)inst->n + 4 + tcm_output_work_size(K); /* binary_unit_logp, or the vote */
    double *buf = malloc((4 * (size_t)K + scratch) * sizeof(double));
    int st = fields && buf ? TCM_OK : TCM_ERROR(TCM_ENOMEM, "out of memory for the reference's fields");
    if (!st) st = tcm_weights_eval(ref, inst, NULL, NULL, fields);
    if (!st) st = unit_scales(ref, buf);
    if (!st) st = ref->kind == TCM_WEIGHTS_BINARY ? tcm_weights_validate(ref) : TCM_OK;
    if (!st) *value = sum_patterns(inst, ref->kind, fields, buf, q, buf + K, buf + 2 * (size_t)K) / ((double)K * ref->n);
    free(fields);
    free(buf);
    return st;
}

double tcm_limit_overlap(tcm_weight_kind kind, double d)
{
    return kind == TCM_WEIGHTS_BINARY ? 1.0 - 2.0 * d : 1.0 - d;
}

int tcm_limit_local_entropy(const tcm_weights *ref, const tcm_instance *inst, double d, double *value)
{
    double dmax = ref->kind == TCM_WEIGHTS_BINARY ? 1.0 : 2.0;
    if (!(d >= 0.0 && d <= dmax))
        return TCM_ERROR(TCM_EINVAL, "distance must be in [0, %g] for %s weights, got %g", dmax,
                         tcm_weight_kind_name(ref->kind), d);
    return tcm_limit_log_prob(ref, inst, tcm_limit_overlap(ref->kind, d), value);
}
