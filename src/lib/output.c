/* Output factors of both rules. Majority vote (EQUATIONS.md 1.2): the exact mode builds the
 * distribution of the number of +1 votes from prefix and suffix
 * convolutions, so each message costs O(K) after O(K^2) preparation; all sums
 * are of positive terms (no cancellation). It works in linear space when no
 * product of K probabilities can underflow (the common case: 2K exp and K
 * log1p per pattern) and in log space otherwise (every product a logaddexp,
 * ~40 K^2 libm calls per pattern). The CLT mode replaces the others' vote sum
 * by a Gaussian. Parity (Appendix C): exact in O(K) from log|m_k| and signs
 * (parity_update). The rule is chosen once per pattern (tcm_output_update). */
#include "tcmbp/output.h"

#include <math.h>
#include <string.h>

#include "tcmbp/error.h"
#include "tcmbp/special.h"

/* Row width of the tables: counts 0..K plus one guard column. */
static size_t row_width(int K) { return (size_t)K + 2; }

size_t tcm_output_work_size(int K)
{
    size_t w = row_width(K);
    return 4 * w * (w - 1); /* prefix, suffix point, suffix >=, suffix <= ; K+1 rows each */
}

/* pre[l*w + c] = log P(c votes +1 among units 0..l-1), for l = 0..K. */
static void build_prefix(int K, const double *lp, const double *lq, double *pre, size_t w)
{
    for (size_t c = 0; c < w; c++) pre[c] = -INFINITY;
    pre[0] = 0.0;
    for (int l = 1; l <= K; l++) {
        const double *prev = pre + (size_t)(l - 1) * w;
        double *cur = pre + (size_t)l * w;
        cur[0] = prev[0] + lq[l - 1];
        for (size_t c = 1; c < w; c++)
            cur[c] = tcm_logaddexp(prev[c] + lq[l - 1], prev[c - 1] + lp[l - 1]);
    }
}

/* suf[l*w + c] = log P(c votes +1 among units l..K-1), for l = 0..K. */
static void build_suffix(int K, const double *lp, const double *lq, double *suf, size_t w)
{
    double *last = suf + (size_t)K * w;
    for (size_t c = 0; c < w; c++) last[c] = -INFINITY;
    last[0] = 0.0;
    for (int l = K - 1; l >= 0; l--) {
        const double *next = suf + (size_t)(l + 1) * w;
        double *cur = suf + (size_t)l * w;
        cur[0] = next[0] + lq[l];
        for (size_t c = 1; c < w; c++)
            cur[c] = tcm_logaddexp(next[c] + lq[l], next[c - 1] + lp[l]);
    }
}

/* Cumulative rows of the suffix table: ge = log P(count >= c), le = log P(count <= c). */
static void build_cumulative(int K, const double *suf, double *ge, double *le, size_t w)
{
    for (int l = 0; l <= K; l++) {
        const double *p = suf + (size_t)l * w;
        double *g = ge + (size_t)l * w, *s = le + (size_t)l * w;
        double run = -INFINITY;
        for (size_t c = w; c-- > 0;) g[c] = run = tcm_logaddexp(run, p[c]);
        run = -INFINITY;
        for (size_t c = 0; c < w; c++) s[c] = run = tcm_logaddexp(run, p[c]);
    }
}

/* Entries of a cumulative row outside 0..w-1: P(count >= c<=0) = 1, P(count <= c<0) = 0. */
static double ge_at(const double *g, int c, size_t w)
{
    if (c <= 0) return 0.0;
    return (size_t)c < w ? g[c] : -INFINITY;
}
static double le_at(const double *s, int c, size_t w)
{
    if (c < 0) return -INFINITY;
    return (size_t)c < w ? s[c] : s[w - 1];
}
static double pt_at(const double *p, int c, size_t w)
{
    return (c >= 0 && (size_t)c < w) ? p[c] : -INFINITY;
}

/* The others' (units != k) vote count T: log P(T = c0) (a tie, where tau_k
 * decides) and log P(T strictly on sigma's side of c0) (satisfied anyway). */
static void others_split(int k, int c0, int sigma, const double *pre, const double *suf,
                         const double *ge, const double *le, size_t w, double *lwin, double *ltie)
{
    const double *a = pre + (size_t)k * w;
    size_t row = (size_t)(k + 1) * w;
    double win = -INFINITY, tie = -INFINITY;
    for (int j = 0; j <= k; j++) {
        if (a[j] == -INFINITY) continue;
        tie = tcm_logaddexp(tie, a[j] + pt_at(suf + row, c0 - j, w));
        double side = sigma > 0 ? ge_at(ge + row, c0 - j + 1, w) : le_at(le + row, c0 - j - 1, w);
        win = tcm_logaddexp(win, a[j] + side);
    }
    *lwin = win;
    *ltie = tie;
}

/* Exact mode: f_k = sigma/2 * log((win + tie) / win); log Z_a from the prefix row K. */
static double exact_update(int K, int sigma, const double *lp, const double *lq, double *f, double *work)
{
    size_t w = row_width(K), rows = (size_t)(K + 1) * w;
    double *pre = work, *suf = work + rows, *ge = suf + rows, *le = ge + rows;
    build_prefix(K, lp, lq, pre, w);
    if (f) {
        build_suffix(K, lp, lq, suf, w);
        build_cumulative(K, suf, ge, le, w);
        int c0 = (K - 1) / 2; /* others tied: as many +1 as -1 among K-1 units */
        for (int k = 0; k < K; k++) {
            double lwin, ltie;
            others_split(k, c0, sigma, pre, suf, ge, le, w, &lwin, &ltie);
            double lsat = tcm_logaddexp(lwin, ltie);
            f[k] = lwin == -INFINITY ? sigma * INFINITY : 0.5 * sigma * (lsat - lwin);
        }
    }
    /* satisfied: count >= (K+1)/2 for sigma = +1, count <= (K-1)/2 for sigma = -1 */
    const double *all = pre + (size_t)K * w;
    double lz = -INFINITY;
    for (int c = 0; c <= K; c++)
        if ((sigma > 0 && 2 * c > K) || (sigma < 0 && 2 * c < K)) lz = tcm_logaddexp(lz, all[c]);
    return lz;
}

/* Linear space is used when every log-probability is >= LINEAR_MIN_LOG / K:
 * then every product of at most K of them is >= e^-700 > DBL_MIN. */
#define LINEAR_MIN_LOG (-700.0)

static int linear_ok(int K, const double *lp, const double *lq)
{
    double lo = LINEAR_MIN_LOG / K;
    for (int k = 0; k < K; k++)
        if (!(lp[k] >= lo && lq[k] >= lo)) return 0;
    return 1;
}

/* Linear-space tables: pre[l][c] = P(c votes +1 among units 0..l-1), suf[l][c]
 * among units l..K-1, tail[l][c] = P(count among l..K-1 on sigma's side of c,
 * inclusive): >= c for sigma = +1, <= c for sigma = -1. */
static void linear_tables(int K, int sigma, const double *p, const double *q, double *pre, double *suf,
                          double *tail, size_t w)
{
    size_t last = (size_t)K * w;
    for (size_t c = 0; c < w; c++) pre[c] = suf[last + c] = 0.0;
    pre[0] = suf[last] = 1.0;
    for (int l = 1; l <= K; l++) {
        const double *a = pre + (size_t)(l - 1) * w, *b = suf + (size_t)(K - l + 1) * w;
        double *ca = pre + (size_t)l * w, *cb = suf + (size_t)(K - l) * w;
        int ua = l - 1, ub = K - l; /* units of the new rows: ua for pre, ub for suf */
        ca[0] = a[0] * q[ua];
        cb[0] = b[0] * q[ub];
        for (size_t c = 1; c < w; c++) {
            ca[c] = a[c] * q[ua] + a[c - 1] * p[ua];
            cb[c] = b[c] * q[ub] + b[c - 1] * p[ub];
        }
    }
    for (int l = 0; l <= K; l++) {
        const double *r = suf + (size_t)l * w;
        double *t = tail + (size_t)l * w, run = 0.0;
        if (sigma > 0)
            for (size_t c = w; c-- > 0;) t[c] = run += r[c];
        else
            for (size_t c = 0; c < w; c++) t[c] = run += r[c];
    }
}

/* Exact mode in linear space (linear_ok): as exact_update. */
static double exact_update_linear(int K, int sigma, const double *lp, const double *lq, double *f, double *work)
{
    size_t w = row_width(K), rows = (size_t)(K + 1) * w;
    double *pre = work, *suf = pre + rows, *tail = suf + rows, *p = tail + rows, *q = p + K;
    for (int k = 0; k < K; k++) {
        p[k] = exp(lp[k]);
        q[k] = exp(lq[k]);
    }
    linear_tables(K, sigma, p, q, pre, suf, tail, w);
    int c0 = (K - 1) / 2; /* others tied */
    for (int k = 0; f && k < K; k++) {
        const double *a = pre + (size_t)k * w, *b = suf + (size_t)(k + 1) * w, *t = tail + (size_t)(k + 1) * w;
        double win = 0.0, tie = 0.0;
        for (int j = 0; j <= k; j++) {
            int side = sigma > 0 ? c0 - j + 1 : c0 - j - 1; /* first count on sigma's side */
            if (c0 - j >= 0 && (size_t)(c0 - j) < w) tie += a[j] * b[c0 - j];
            if (sigma > 0) win += a[j] * (side <= 0 ? 1.0 : ((size_t)side < w ? t[side] : 0.0));
            else win += a[j] * (side < 0 ? 0.0 : ((size_t)side < w ? t[side] : 1.0));
        }
        f[k] = win == 0.0 ? sigma * INFINITY : 0.5 * sigma * log1p(tie / win);
    }
    const double *all = pre + (size_t)K * w;
    double z = 0.0;
    for (int c = 0; c <= K; c++)
        if ((sigma > 0 && 2 * c > K) || (sigma < 0 && 2 * c < K)) z += all[c];
    return log(z);
}

/* CLT mode: the sum S of the others' votes ~ N(m, v); P(sat | tau) = H(-sigma (tau + m) / sqrt v). */
static double clt_update(int K, int sigma, const double *lp, const double *lq, double *f)
{
    double m_all = 0.0, v_all = 0.0;
    for (int k = 0; k < K; k++) {
        double mk = exp(lp[k]) - exp(lq[k]);
        m_all += mk;
        v_all += 1.0 - mk * mk;
    }
    for (int k = 0; f && k < K; k++) {
        double mk = exp(lp[k]) - exp(lq[k]);
        double m = m_all - mk, sv = sqrt(fmax(v_all - (1.0 - mk * mk), 1e-300));
        f[k] = 0.5 * (tcm_logH(-sigma * (1.0 + m) / sv) - tcm_logH(-sigma * (m - 1.0) / sv));
    }
    return tcm_logH(-sigma * m_all / sqrt(fmax(v_all, 1e-300)));
}

#define OUT_LN2 0.69314718055994530942 /* ln 2 */

/* log|m| of one unit, m = P(+1) - P(-1), from its normalised
 * log-probabilities. For |m| >= 1/2 (smaller probability <= 1/4) from the
 * smaller one alone, log1p(-2 e^lo), exact to rounding even when |m| is 1 - 1e-20;
 * below, e^hi (1 - e^(lo - hi)), exact to rounding when |m| is tiny. NaN in,
 * NaN out; -inf for m = 0. */
static double log_abs_mag(double lp, double lq)
{
    if (isnan(lp) || isnan(lq)) return NAN;
    double lo = lp < lq ? lp : lq, hi = lp < lq ? lq : lp;
    if (lo <= -2.0 * OUT_LN2) return log1p(-2.0 * exp(lo));
    return hi + log(-expm1(lo - hi));
}

/* atanh(e^L) for L <= 0: libm's atanh for e^L < 1/2 (accurate down to
 * subnormal e^L), else (1/2)(log(1 + e^L) - log(1 - e^L)) with 1 - e^L taken
 * as -expm1(L) (no cancellation next to 1; +inf at L = 0). */
static double atanh_exp(double L)
{
    if (L < -OUT_LN2) return atanh(exp(L));
    return 0.5 * (log1p(exp(L)) - log(-expm1(L)));
}

/* log((1 + s e^L) / 2) for s = +-1, L <= 0, never forming 1 - t:
 * s = +1: log1p(expm1(L) / 2); s = -1: log(-expm1(L)) - ln 2. */
static double log_half_one_plus(int s, double L)
{
    return s > 0 ? log1p(0.5 * expm1(L)) : log(-expm1(L)) - OUT_LN2;
}

/* Parity factor: sat iff sigma prod_k tau_k = +1, so with m_j = P(+) - P(-),
 * P(sat | tau_k) = (1 + sigma tau_k M_k) / 2, M_k = prod_{j != k} m_j, hence
 * f_k = atanh(sigma M_k) and Z_a = (1 + sigma prod_k m_k) / 2. Products are
 * kept as log|.| (prefix sums in f, then suffix sums: O(K), no underflow) and
 * signs; work: K doubles. */
static double parity_update(int K, int sigma, const double *lp, const double *lq, double *f, double *work)
{
    double *lm = work, total = 0.0;
    int s = sigma; /* sigma times the sign of prod_k m_k */
    for (int k = 0; k < K; k++) {
        lm[k] = log_abs_mag(lp[k], lq[k]);
        if (lp[k] < lq[k]) s = -s;
    }
    if (!f) {
        for (int k = 0; k < K; k++) total += lm[k];
        return log_half_one_plus(s, total);
    }
    for (int k = 0; k < K; k++) { /* f[k] = sum_{j<k} lm[j] */
        f[k] = total;
        total += lm[k];
    }
    double suffix = 0.0; /* sum_{j>k} lm[j] */
    for (int k = K - 1; k >= 0; k--) {
        int sk = lp[k] < lq[k] ? -s : s; /* sigma prod_{j != k} sign m_j */
        f[k] = sk * atanh_exp(f[k] + suffix);
        suffix += lm[k];
    }
    return log_half_one_plus(s, total);
}

/* Majority factor in the chosen mode. */
static double majority_update(tcm_output_mode mode, int K, int sigma, const double *lp, const double *lq,
                              double *f, double *work)
{
    if (mode == TCM_OUTPUT_CLT && K > 1) return clt_update(K, sigma, lp, lq, f);
    if (linear_ok(K, lp, lq)) return exact_update_linear(K, sigma, lp, lq, f, work);
    return exact_update(K, sigma, lp, lq, f, work);
}

double tcm_output_update(tcm_output_rule rule, tcm_output_mode mode, int K, int sigma, const double *lp,
                         const double *lq, double *f, double *work)
{
    if (rule == TCM_RULE_PARITY) return parity_update(K, sigma, lp, lq, f, work);
    return majority_update(mode, K, sigma, lp, lq, f, work);
}

double tcm_output_logz(tcm_output_rule rule, tcm_output_mode mode, int K, int sigma, const double *lp,
                       const double *lq, double *work)
{
    return tcm_output_update(rule, mode, K, sigma, lp, lq, NULL, work);
}

int tcm_output_rule_allows_K(tcm_output_rule rule, int K)
{
    return K >= 1 && (rule != TCM_RULE_MAJORITY || K % 2 == 1);
}

#define RULE_NAME_(E, name, desc) #name,
#define RULE_DESC_(E, name, desc) desc,
static const char *const rule_names[TCM_RULE_COUNT] = { TCM_OUTPUT_RULES(RULE_NAME_) };
static const char *const rule_descs[TCM_RULE_COUNT] = { TCM_OUTPUT_RULES(RULE_DESC_) };
#undef RULE_NAME_
#undef RULE_DESC_

const char *tcm_output_rule_name(tcm_output_rule r)
{
    return (int)r >= 0 && r < TCM_RULE_COUNT ? rule_names[r] : "unknown";
}

const char *tcm_output_rule_description(tcm_output_rule r)
{
    return (int)r >= 0 && r < TCM_RULE_COUNT ? rule_descs[r] : "unknown";
}

int tcm_output_rule_parse(const char *s, tcm_output_rule *out)
{
    for (int i = 0; s && i < TCM_RULE_COUNT; i++)
        if (strcmp(s, rule_names[i]) == 0) {
            *out = (tcm_output_rule)i;
            return TCM_OK;
        }
    return TCM_ERROR(TCM_EINVAL, "unknown output rule '%s' (majority or parity)", s ? s : "");
}

const char *const tcm_output_mode_names[] = { TCM_OUTPUT_MODES(TCM_ENUM_NAME) NULL };

TCM_NAMES_FUNCTIONS(tcm_output_mode, tcm_output_mode, tcm_output_mode_names, "output factor mode")
