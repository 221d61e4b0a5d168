/* Binary-weight hidden-unit factor (EQUATIONS.md 2) in CLT and exact-convolution
 * modes, chained with the shared output factor (EQUATIONS.md 1.2), for one pattern at
 * a time; the pattern's Bethe free-entropy terms; the plain and focusing
 * thermodynamic summaries (EQUATIONS.md 2.3, 3.2, 4.4). Called in parallel over patterns by
 * bbp.c: a pattern update reads the shared marginal fields and writes only
 * pattern a's edges and per-unit messages. */
#include "tcmbp/bin.h"

#include <math.h>
#include <omp.h>
#include <string.h>

#include "tcmbp/error.h"
#include "tcmbp/special.h"
#include "hot.h"

#define LN2 0.69314718055994530942

/* ---- small field-space helpers ------------------------------------------ */

/* log P(v = +1) for P(v) ~ exp(x v): -log(1 + e^{-2x}), for any x incl. +-inf. */
static inline double log_sigmoid2(double x)
{
    if (x >= 0) return -log1p(exp(-2.0 * x));
    return 2.0 * x - log1p(exp(2.0 * x));
}

/* Cap a message field at +-TCM_BIN_FIELD_MAX (see bgraph.h); NaN passes. */
static inline double cap_field(double u)
{
    return u > TCM_BIN_FIELD_MAX ? TCM_BIN_FIELD_MAX : (u < -TCM_BIN_FIELD_MAX ? -TCM_BIN_FIELD_MAX : u);
}

/* (1/2)(la - lb) for two log-weights of w = +1 / -1; 0 when both are -inf
 * (the factor excludes both values: no information rather than NaN). */
static inline double half_log_ratio(double la, double lb)
{
    if (la == lb) return 0.0;
    return 0.5 * (la - lb);
}

double tcm_bin_mix(double a, double b)
{
    if (isnan(a) || isnan(b)) return a + b;
    if (isinf(a)) return a > 0 ? b : -b;
    if (isinf(b)) return b > 0 ? a : -a;
    double t = tanh(a) * tanh(b);
    if (fabs(t) < 0.5) return atanh(t); /* relative accuracy near 0 */
    /* atanh(tanh a tanh b) = (1/2) ln(cosh(a+b)/cosh(a-b)), ln cosh without overflow */
    double s = a + b, d = a - b;
    return 0.5 * (fabs(s) - fabs(d) + log1p(exp(-2.0 * fabs(s))) - log1p(exp(-2.0 * fabs(d))));
}

double tcm_bin_focus_field(double hf, double gamma, double y)
{
    if (gamma == 0.0 || y == 1.0) return 0.0;
    return tcm_bin_mix(gamma, (y - 1.0) * tcm_bin_mix(gamma, hf));
}

double tcm_bin_s0(double d)
{
    double s = 0.0;
    if (d > 0.0) s -= d * log(d);
    if (d < 1.0) s -= (1.0 - d) * log1p(-d);
    return s;
}

/* ---- CLT mode -------------------------------------------------------------
 * Per-unit state (n + 1 doubles each): m, s (cavity magnetisations and
 * variances), the suffix sums sm[i] = sum_{j>=i} xi_j m_j, ss[i] = sum_{j>=i}
 * s_j, the prefix sums pm[i] = sum_{j<i} xi_j m_j, ps[i] = sum_{j<i} s_j, and
 * xi as doubles (so that the vectorised loops see no int8). */

#define CLT_ARRAYS 7
static size_t clt_state_size(int n) { return CLT_ARRAYS * ((size_t)n + 1); }

/* Cavity magnetisation *m = tanh(c) and variance *s = 1 - tanh(c)^2 =
 * 4e/(1+e)^2 (full relative accuracy for large |c|) from one e = exp(-2|c|),
 * with the exponent clamped at -707 (where e < 1e-307: the magnetisation is
 * +-1 in double either way, and the variance stays below
 * TCM_BIN_MIN_VARIANCE). Inlined into the vectorised loops below. */
static TCM_ALWAYS_INLINE void mag_var_point(double c, double *m, double *s)
{
    double x = -2.0 * fabs(c);
    double e = tcm_exp_bounded(x > -707.0 ? x : -707.0), r = 1.0 / (1.0 + e);
    *m = copysign((1.0 - e) * r, c);
    *s = 4.0 * e * r * r;
}

/* Cavity magnetisations and variances of n cavity fields cav, and xi as doubles. */
TCM_HOT_LOOP static void clt_mag_var(int n, const int8_t *xi, const double *cav, double *m, double *s,
                                     double *xd)
{
#pragma omp simd
    for (int i = 0; i < n; i++) {
        mag_var_point(cav[i], &m[i], &s[i]);
        xd[i] = xi[i];
    }
}

/* The same from the marginal fields F and the unit's messages f: cavity
 * field F_i - f_i (cavity_fields' difference, without its array). */
TCM_HOT_LOOP static void clt_mag_var_diff(int n, const int8_t *xi, const double *F, const double *f, double *m,
                                          double *s, double *xd)
{
#pragma omp simd
    for (int i = 0; i < n; i++) {
        mag_var_point(F[i] - f[i], &m[i], &s[i]);
        xd[i] = xi[i];
    }
}

/* clt_mag_var_diff and, for the record, t_i = ln cosh(F_i - f_i) - lc_i
 * (lc_i = ln cosh F_i) from the same e = exp(-2|c|): the bits of
 * tcm_logcosh_bounded(c) - lc_i, one exponential fewer. */
TCM_HOT_LOOP static void clt_mag_var_terms(int n, const int8_t *xi, const double *F, const double *lc,
                                           const double *f, double *m, double *s, double *xd, double *t)
{
#pragma omp simd
    for (int i = 0; i < n; i++) {
        double c = F[i] - f[i], ac = fabs(c), x = -2.0 * ac;
        double e = tcm_exp_bounded(x > -707.0 ? x : -707.0), r = 1.0 / (1.0 + e);
        m[i] = copysign((1.0 - e) * r, c);
        s[i] = 4.0 * e * r * r;
        xd[i] = xi[i];
        t[i] = ((ac - LN2) + tcm_log1p_bounded(e)) - lc[i];
    }
}

/* Prefix and suffix sums of the state (after the magnetisations): four
 * independent chains, the running sums kept in registers (the arrays share
 * one buffer, so summing through memory would put a store-to-load round
 * trip in every step of each chain). */
static void clt_sums(int n, double *st)
{
    size_t w = (size_t)n + 1;
    const double *m = st, *s = st + w, *xd = st + 6 * w;
    double *sm = st + 2 * w, *ss = st + 3 * w, *pm = st + 4 * w, *ps = st + 5 * w;
    double run_pm = 0.0, run_ps = 0.0, run_sm = 0.0, run_ss = 0.0;
    sm[n] = ss[n] = pm[0] = ps[0] = 0.0;
    for (int i = 0, j = n - 1; i < n; i++, j--) {
        pm[i + 1] = run_pm = run_pm + xd[i] * m[i];
        ps[i + 1] = run_ps = run_ps + s[i];
        sm[j] = run_sm = run_sm + xd[j] * m[j];
        ss[j] = run_ss = run_ss + s[j];
    }
}

/* Only the totals sm[0] and ss[0] of clt_sums (the same additions in the
 * same order), for a unit whose messages are not needed. */
static void clt_totals(int n, const double *st, double *om, double *dv)
{
    size_t w = (size_t)n + 1;
    const double *m = st, *s = st + w, *xd = st + 6 * w;
    double a = 0.0, b = 0.0;
    for (int j = n - 1; j >= 0; j--) {
        a = a + xd[j] * m[j];
        b = b + s[j];
    }
    *om = a;
    *dv = b;
}

/* *lp, *lq = log H(-+omega/sqrt Delta) from the unit's totals. */
static void clt_out(double om, double dv, double *lp, double *lq)
{
    double x = om / sqrt(fmax(dv, TCM_BIN_MIN_VARIANCE));
    *lp = tcm_logH(-x);
    *lq = tcm_logH(x);
}

/* Fill the state from the cavity fields; *lp, *lq = log H(-+omega/sqrt Delta). */
static void clt_prepare(int n, const int8_t *xi, const double *cav, double *st, double *lp, double *lq)
{
    size_t w = (size_t)n + 1;
    clt_mag_var(n, xi, cav, st, st + w, st + 6 * w);
    clt_sums(n, st);
    clt_out(st[2 * w], st[3 * w], lp, lq);
}

/* Messages u[0..n) of EQUATIONS.md 2.1 from the state and the output field fout.
 * Vectorised: x1,2 = (omega'_i +- xi_i)/sqrt(2 Delta'_i) from the prefix and
 * suffix sums (no cancellation), e1,2 = h erf(x1,2) (tcm_erf_vec), and where
 * neither 1 + h erf cancels (e1, e2 >= -1/2) u = (1/2) log1p((e1 - e2)/(1 + e2))
 * (tcm_log1p_bounded: 1 + its argument is in [1/4, 4]), the difference of
 * two log1p in one. The other edges (h erf < -1/2: only when |h| > 1/2 and
 * the field opposes h) get NaN, for clt_messages to redo; returns their
 * presence. */
TCM_HOT_LOOP static int clt_messages_fast(int n, const double *st, double h, double *u)
{
    size_t w = (size_t)n + 1;
    const double *sm = st + 2 * w, *ss = st + 3 * w, *pm = st + 4 * w, *ps = st + 5 * w, *xd = st + 6 * w;
    double any = 0.0;
#pragma omp simd reduction(max : any)
    for (int i = 0; i < n; i++) {
        double om = pm[i] + sm[i + 1], dv = ps[i] + ss[i + 1];
        double r = 1.0 / sqrt(2.0 * (dv > TCM_BIN_MIN_VARIANCE ? dv : TCM_BIN_MIN_VARIANCE));
        double e1 = h * tcm_erf_vec((om + xd[i]) * r), e2 = h * tcm_erf_vec((om - xd[i]) * r);
        double ok = e1 >= -0.5 && e2 >= -0.5 ? 1.0 : 0.0;
        double y = ok > 0.0 ? (e1 - e2) / (1.0 + e2) : 0.0;
        u[i] = ok > 0.0 ? 0.5 * tcm_log1p_bounded(y) : NAN;
        any = any > 1.0 - ok ? any : 1.0 - ok;
    }
    return any > 0.0;
}

/* One side of the cancelling message, vectorisable: log(1 + h erf x) given
 * he = h erf(x), as tcm_log1p_herf_field computes it: log1p(he) where that
 * does not cancel (he >= -1/2), otherwise the complement form log((1 - a) +
 * a erfc|x|) = logaddexp(log_d, log_a + log erfc|x|), a = |h|, log_d =
 * log(1 - a) and log_a = log a taken from the field (clt_cancel_logs). */
static TCM_ALWAYS_INLINE double clt_side(double he, double x, double log_d, double log_a)
{
    double fine = tcm_log1p_bounded(he > -0.5 ? he : -0.5);
    double comp = tcm_logaddexp_bounded(log_d, log_a + tcm_log_erfc_vec(fabs(x)));
    return he >= -0.5 ? fine : comp;
}

/* The edges clt_messages_fast left (NaN), vectorised: each side by
 * clt_side (EQUATIONS.md 2.1, the careful form of tcm_log1p_herf_field with
 * libm replaced by the bounded kernels), u = (1/2)(L1 - L2), 0 where both
 * sides are equal (e.g. both -inf). NaN arguments give NaN. */
TCM_HOT_LOOP static void clt_messages_cancel(int n, const double *st, double h, double log_d, double log_a,
                                             double *u)
{
    size_t w = (size_t)n + 1;
    const double *sm = st + 2 * w, *ss = st + 3 * w, *pm = st + 4 * w, *ps = st + 5 * w, *xd = st + 6 * w;
#pragma omp simd
    for (int i = 0; i < n; i++) {
        double om = pm[i] + sm[i + 1], dv = ps[i] + ss[i + 1];
        double r = 1.0 / sqrt(2.0 * (dv > TCM_BIN_MIN_VARIANCE ? dv : TCM_BIN_MIN_VARIANCE));
        double x1 = (om + xd[i]) * r, x2 = (om - xd[i]) * r;
        double l1 = clt_side(h * tcm_erf_vec(x1), x1, log_d, log_a);
        double l2 = clt_side(h * tcm_erf_vec(x2), x2, log_d, log_a);
        double v = l1 == l2 ? 0.0 : 0.5 * (l1 - l2);
        v = x1 == x1 && x2 == x2 ? v : x1 + x2;
        u[i] = u[i] == u[i] ? u[i] : v;
    }
}

/* log(1 - a) and log a, a = tanh|f| > 1/2, from the field as
 * tcm_log1p_herf_field takes them: q = e^{-2|f|}, 1 - a = 2q/(1 + q), a = (1 - q)/(1 + q). */
static void clt_cancel_logs(double fout, double *log_d, double *log_a)
{
    double af = fabs(fout), q = exp(-2.0 * af);
    *log_d = LN2 - 2.0 * af - log1p(q);
    *log_a = -2.0 * atanh(q);
}

/* clt_messages_fast, then the edges it left (NaN) by clt_messages_cancel. */
static void clt_messages(int n, const double *st, double fout, double *u)
{
    double h = tanh(fout);
    if (!clt_messages_fast(n, st, h, u)) return;
    double log_d, log_a;
    clt_cancel_logs(fout, &log_d, &log_a);
    clt_messages_cancel(n, st, h, log_d, log_a, u);
}

/* ---- exact mode -------------------------------------------------------------
 * v_i = xi_i w_i in {-1,+1}; the number C of +1 among the v's has the prefix
 * table pre[l][c] = log P(c among v_0..v_{l-1}) and the suffix tables
 * suf/ge/le[l][c] = log P(=, >=, <= c among v_l..v_{n-1}), rows of width n+2. */

typedef struct {
    int n;
    size_t w;                    /* row width n + 2 */
    double *lv1, *lv0;           /* n: log P(v_i = +1), log P(v_i = -1) */
    double *pre, *suf, *ge, *le; /* (n+1) x w each */
} exact_tables;

static size_t exact_state_size(int n)
{
    return 2 * (size_t)n + 4 * ((size_t)n + 1) * ((size_t)n + 2);
}

static exact_tables exact_layout(int n, double *work)
{
    exact_tables t;
    size_t rows = ((size_t)n + 1) * ((size_t)n + 2);
    t.n = n;
    t.w = (size_t)n + 2;
    t.lv1 = work;
    t.lv0 = work + n;
    t.pre = work + 2 * (size_t)n;
    t.suf = t.pre + rows;
    t.ge = t.suf + rows;
    t.le = t.ge + rows;
    return t;
}

/* log P(v_i = +-1) from the cavity fields, and the prefix table. */
static void exact_prefix(exact_tables *t, const int8_t *xi, const double *cav)
{
    size_t w = t->w;
    for (int i = 0; i < t->n; i++) {
        t->lv1[i] = log_sigmoid2(xi[i] * cav[i]);
        t->lv0[i] = log_sigmoid2(-xi[i] * cav[i]);
    }
    for (size_t c = 0; c < w; c++) t->pre[c] = -INFINITY;
    t->pre[0] = 0.0;
    for (int l = 1; l <= t->n; l++) {
        const double *prev = t->pre + (size_t)(l - 1) * w;
        double *cur = t->pre + (size_t)l * w;
        cur[0] = prev[0] + t->lv0[l - 1];
        for (size_t c = 1; c < w; c++) cur[c] = tcm_logaddexp(prev[c] + t->lv0[l - 1], prev[c - 1] + t->lv1[l - 1]);
    }
}

/* Suffix table and its cumulative rows (after exact_prefix). */
static void exact_suffix(exact_tables *t)
{
    size_t w = t->w;
    int n = t->n;
    double *last = t->suf + (size_t)n * w;
    for (size_t c = 0; c < w; c++) last[c] = -INFINITY;
    last[0] = 0.0;
    for (int l = n - 1; l >= 0; l--) {
        const double *next = t->suf + (size_t)(l + 1) * w;
        double *cur = t->suf + (size_t)l * w;
        cur[0] = next[0] + t->lv0[l];
        for (size_t c = 1; c < w; c++) cur[c] = tcm_logaddexp(next[c] + t->lv0[l], next[c - 1] + t->lv1[l]);
    }
    for (int l = 0; l <= n; l++) {
        const double *p = t->suf + (size_t)l * w;
        double *g = t->ge + (size_t)l * w, *s = t->le + (size_t)l * w, run = -INFINITY;
        for (size_t c = w; c-- > 0;) g[c] = run = tcm_logaddexp(run, p[c]);
        run = -INFINITY;
        for (size_t c = 0; c < w; c++) s[c] = run = tcm_logaddexp(run, p[c]);
    }
}

/* log P(tau = +1), log P(tau = -1) from a count distribution row (count of +1
 * among `len` votes, sum 2c - len + shift; a zero sum counts half each). */
static void tau_from_row(const double *row, int len, int shift, double *lp, double *lq)
{
    double p = -INFINITY, q = -INFINITY;
    for (int c = 0; c <= len; c++) {
        int sum = 2 * c - len + shift;
        if (sum > 0) p = tcm_logaddexp(p, row[c]);
        else if (sum < 0) q = tcm_logaddexp(q, row[c]);
        else {
            p = tcm_logaddexp(p, row[c] - LN2);
            q = tcm_logaddexp(q, row[c] - LN2);
        }
    }
    *lp = p;
    *lq = q;
}

/* Entries of suffix rows outside 0..w-1: P(count >= c <= 0) = 1, P(count <= c < 0) = 0. */
static inline double ge_at(const double *g, int c, size_t w)
{
    if (c <= 0) return 0.0;
    return (size_t)c < w ? g[c] : -INFINITY;
}
static inline double le_at(const double *s, int c, size_t w)
{
    if (c < 0) return -INFINITY;
    return (size_t)c < w ? s[c] : s[w - 1];
}
static inline double pt_at(const double *p, int c, size_t w)
{
    return (c >= 0 && (size_t)c < w) ? p[c] : -INFINITY;
}

/* For edge i and v = +1 (index 0) and v = -1 (index 1): log P(tau = +1 | v)
 * and log P(tau = -1 | v), from the others' count T (prefix row i, suffix
 * row i+1): the sum is 2T - (n-1) + v, a zero sum counting half each. */
static void exact_edge(const exact_tables *t, int i, double ltp[2], double ltq[2])
{
    size_t w = t->w, r = (size_t)(i + 1) * w;
    const double *pre = t->pre + (size_t)i * w, *ge = t->ge + r, *le = t->le + r, *pt = t->suf + r;
    for (int s = 0; s < 2; s++) {
        int v = s == 0 ? 1 : -1, num = t->n - 1 - v; /* num >= -1 */
        int tpos = num < 0 ? 0 : num / 2 + 1, tneg = num < 0 ? -1 : (num + 1) / 2 - 1;
        int tz = (num >= 0 && num % 2 == 0) ? num / 2 : -1;
        double pos = -INFINITY, neg = -INFINITY, zero = -INFINITY;
        for (int j = 0; j <= i; j++) {
            if (pre[j] == -INFINITY) continue;
            pos = tcm_logaddexp(pos, pre[j] + ge_at(ge, tpos - j, w));
            neg = tcm_logaddexp(neg, pre[j] + le_at(le, tneg - j, w));
            if (tz >= 0) zero = tcm_logaddexp(zero, pre[j] + pt_at(pt, tz - j, w));
        }
        ltp[s] = tcm_logaddexp(pos, zero - LN2);
        ltq[s] = tcm_logaddexp(neg, zero - LN2);
    }
}

/* Exact messages u[0..n) given the tables (prefix and suffix built). */
static void exact_messages(const exact_tables *t, const int8_t *xi, double fout, double *u)
{
    double lph = log_sigmoid2(fout), lqh = log_sigmoid2(-fout);
    for (int i = 0; i < t->n; i++) {
        double ltp[2], ltq[2], L[2];
        exact_edge(t, i, ltp, ltq);
        for (int s = 0; s < 2; s++) L[s] = tcm_logaddexp(lph + ltp[s], lqh + ltq[s]);
        /* w = +1 means v = xi_i */
        u[i] = xi[i] > 0 ? half_log_ratio(L[0], L[1]) : half_log_ratio(L[1], L[0]);
    }
}

/* ---- one unit, both modes ----------------------------------------------- */

void tcm_bin_unit(tcm_hidden_mode hm, int n, const int8_t *xi, const double *cavity, double fout, double *u,
                  double *lp, double *lq, double *work)
{
    if (hm == TCM_HIDDEN_EXACT) {
        exact_tables t = exact_layout(n, work);
        exact_prefix(&t, xi, cavity);
        tau_from_row(t.pre + (size_t)n * t.w, n, 0, lp, lq);
        if (!u) return;
        exact_suffix(&t);
        exact_messages(&t, xi, fout, u);
    } else {
        clt_prepare(n, xi, cavity, work, lp, lq);
        if (u) clt_messages(n, work, fout, u);
    }
}

size_t tcm_bin_work_size(int K, int n, tcm_hidden_mode hm)
{
    /* cavity fields n, new messages n, output scratch, lp/lq copies and the
     * record's per-unit cavity terms 3K, and the
     * unit states: K of them in CLT mode (kept between the two phases), one
     * in exact mode (rebuilt in the second phase). */
    size_t units = hm == TCM_HIDDEN_EXACT ? exact_state_size(n) : (size_t)K * clt_state_size(n);
    return 2 * (size_t)n + tcm_output_work_size(K) + 3 * (size_t)K + units;
}

/* ---- one pattern ---------------------------------------------------------- */

/* Scratch layout of a pattern computation. */
typedef struct {
    double *cav, *unew, *lp, *lq, *cterm, *owork, *units;
} pattern_work;

static pattern_work pattern_layout(const tcm_bgraph *g, double *work)
{
    pattern_work pw;
    pw.cav = work;
    pw.unew = work + g->n;
    pw.lp = pw.unew + g->n;
    pw.lq = pw.lp + g->K;
    pw.cterm = pw.lq + g->K;
    pw.owork = pw.cterm + g->K;
    pw.units = pw.owork + tcm_output_work_size(g->K);
    return pw;
}

/* Cavity fields F_ki - f[a->ki] of unit k in pattern a into cav[0..n). */
static void cavity_fields(const tcm_bgraph *g, int a, int k, double *cav)
{
    size_t e0 = ((size_t)a * (size_t)g->K + (size_t)k) * (size_t)g->n, w0 = (size_t)k * (size_t)g->n;
    for (int i = 0; i < g->n; i++) cav[i] = g->field[w0 + i] - g->f[e0 + i];
}

/* t_i = ln cosh(F_i - f_i) - lc_i for n edges, vectorised, lc_i = ln cosh F_i. */
TCM_HOT_LOOP static void cavity_logcosh_terms(int n, const double *F, const double *lc, const double *f, double *t)
{
#pragma omp simd
    for (int i = 0; i < n; i++) t[i] = tcm_logcosh_bounded(F[i] - f[i]) - lc[i];
}

/* lc_i = ln cosh F_i for n weights, vectorised (once per record: the same
 * for every pattern). */
TCM_HOT_LOOP static void field_logcosh(size_t n, const double *F, double *lc)
{
#pragma omp simd
    for (size_t i = 0; i < n; i++) lc[i] = tcm_logcosh_bounded(F[i]);
}

/* sum_i (ln cosh(F_ki - f[a->ki]) - ln cosh F_ki) for unit k of pattern a,
 * summed in edge order (scratch: n doubles; g->lcosh filled). */
static double unit_cavity_terms(const tcm_bgraph *g, int a, int k, double *scratch)
{
    size_t e0 = ((size_t)a * (size_t)g->K + (size_t)k) * (size_t)g->n, w0 = (size_t)k * (size_t)g->n;
    cavity_logcosh_terms(g->n, g->field + w0, g->lcosh + w0, g->f + e0, scratch);
    double sum = 0.0;
    for (int i = 0; i < g->n; i++) sum += scratch[i];
    return sum;
}

/* CLT state of unit k of pattern a from the marginal fields, in st; *lp,
 * *lq its message to tau. cterm NULL (a sweep): the prefix and suffix sums
 * the unit's messages need. Otherwise (the record) only their totals (the
 * same numbers) and *cterm = the unit's cavity terms sum_i (ln cosh(F_i -
 * f_i) - ln cosh F_i) in edge order (g->lcosh filled). */
static void clt_unit_state(const tcm_bgraph *g, int a, int k, double *st, double *lp, double *lq, double *cterm)
{
    int n = g->n;
    size_t w = (size_t)n + 1, e0 = ((size_t)a * (size_t)g->K + (size_t)k) * (size_t)n, w0 = (size_t)k * (size_t)n;
    const int8_t *xi = tcm_instance_unit_inputs(g->inst, a, k);
    double om, dv;
    if (!cterm) {
        clt_mag_var_diff(n, xi, g->field + w0, g->f + e0, st, st + w, st + 6 * w);
        clt_sums(n, st);
        om = st[2 * w];
        dv = st[3 * w];
    } else {
        double *t = st + 2 * w, sum = 0.0; /* the sums' place, unused here */
        clt_mag_var_terms(n, xi, g->field + w0, g->lcosh + w0, g->f + e0, st, st + w, st + 6 * w, t);
        for (int i = 0; i < n; i++) sum += t[i];
        *cterm = sum;
        clt_totals(n, st, &om, &dv);
    }
    clt_out(om, dv, lp, lq);
}

/* Phase 1: the messages p_ka of every unit of pattern a (into lp, lq); in
 * CLT mode the unit states stay in pw->units for phase 2. cterm (K
 * doubles) non-NULL: the record's pass instead, with each unit's cavity
 * terms (clt_unit_state; in exact mode by unit_cavity_terms). */
static void units_to_output(const tcm_bgraph *g, int a, tcm_hidden_mode hm, const pattern_work *pw, double *lp,
                            double *lq, double *cterm)
{
    size_t stride = hm == TCM_HIDDEN_EXACT ? 0 : clt_state_size(g->n);
    for (int k = 0; k < g->K; k++) {
        if (hm == TCM_HIDDEN_CLT) {
            clt_unit_state(g, a, k, pw->units + (size_t)k * stride, &lp[k], &lq[k], cterm ? &cterm[k] : NULL);
            continue;
        }
        cavity_fields(g, a, k, pw->cav);
        tcm_bin_unit(hm, g->n, tcm_instance_unit_inputs(g->inst, a, k), pw->cav, 0.0, NULL, &lp[k], &lq[k],
                     pw->units + (size_t)k * stride);
        if (cterm) cterm[k] = unit_cavity_terms(g, a, k, pw->unew);
    }
}

/* The damped, capped new messages of n edges, vectorised: unew[i] becomes
 * the value to store (the old f[i] where it is NaN) and d[i] = |unew[i] -
 * f[i]| (0 there); returns nonzero if some new message was NaN. */
TCM_HOT_LOOP static int damp_unit(int n, const double *f, double *unew, double *d, double damping)
{
    double keep = 1.0 - damping, bad = 0.0;
#pragma omp simd reduction(max : bad)
    for (int i = 0; i < n; i++) {
        double u = cap_field(keep * unew[i] + damping * f[i]), nan = u != u ? 1.0 : 0.0;
        u = nan > 0.0 ? f[i] : u;
        unew[i] = u;
        d[i] = fabs(u - f[i]);
        bad = bad > nan ? bad : nan;
    }
    return bad > 0.0;
}

/* Store the new messages unew of unit k (damped, capped; d: n doubles of
 * scratch); returns the largest magnetisation change, or NaN if some
 * message was not finite (kept old). */
static double store_unit(tcm_bgraph *g, int a, int k, double *unew, double *d, double damping)
{
    double *f = g->f + ((size_t)a * (size_t)g->K + (size_t)k) * (size_t)g->n, change = 0.0;
    int bad = damp_unit(g->n, f, unew, d, damping);
    /* |tanh u - tanh f| <= |u - f|: the tanh pair only when it may raise the maximum */
    for (int i = 0; i < g->n; i++)
        if (d[i] > change) change = fmax(change, fabs(tanh(unew[i]) - tanh(f[i])));
    memcpy(f, unew, (size_t)g->n * sizeof *f);
    return bad ? NAN : change;
}

double tcm_bin_update_pattern(tcm_bgraph *g, int a, tcm_hidden_mode hm, tcm_output_mode om, double damping,
                              double *work)
{
    int K = g->K;
    size_t ak = (size_t)a * (size_t)K;
    double *lp = g->lp + ak, *lq = g->lq + ak, *fo = g->fout + ak;
    pattern_work pw = pattern_layout(g, work);
    units_to_output(g, a, hm, &pw, lp, lq, NULL);
    tcm_output_update(g->inst->rule, om, K, g->inst->outputs[a], lp, lq, fo, pw.owork);
    double change = 0.0;
    int bad = 0;
    for (int k = 0; k < K; k++) {
        const int8_t *xi = tcm_instance_unit_inputs(g->inst, a, k);
        if (hm == TCM_HIDDEN_EXACT) { /* rebuild the unit's tables */
            double l1, l0;
            cavity_fields(g, a, k, pw.cav);
            tcm_bin_unit(hm, g->n, xi, pw.cav, fo[k], pw.unew, &l1, &l0, pw.units);
        } else {
            clt_messages(g->n, pw.units + (size_t)k * clt_state_size(g->n), fo[k], pw.unew);
        }
        double c = store_unit(g, a, k, pw.unew, pw.cav, damping);
        if (isnan(c)) bad = 1;
        else change = fmax(change, c);
    }
    return bad ? NAN : change;
}

/* Pattern a's free-entropy terms from the current state, without updating:
 * ln Z_a + sum_ki (ln 2cosh(F_ki - f[a->ki]) - ln 2cosh F_ki), where Z_a is
 * the probability that the pattern is satisfied under the cavity
 * distributions (g->lcosh filled). */
static double pattern_free_entropy(const tcm_bgraph *g, int a, tcm_hidden_mode hm, tcm_output_mode om, double *work)
{
    pattern_work pw = pattern_layout(g, work);
    units_to_output(g, a, hm, &pw, pw.lp, pw.lq, pw.cterm);
    double f = tcm_output_logz(g->inst->rule, om, g->K, g->inst->outputs[a], pw.lp, pw.lq, pw.owork);
    for (int k = 0; k < g->K; k++) f += pw.cterm[k];
    /* A pattern the state cannot satisfy has log Z = -inf; the CLT mode
     * reaches it as -z^2/2 with the variance floor TCM_BIN_MIN_VARIANCE
     * (about -1e300). Finite terms are bounded by the capped fields
     * (|f| <= TCM_BIN_FIELD_MAX per message), far above this threshold. */
    return f < TCM_BIN_LOGZ_IMPOSSIBLE ? -INFINITY : f;
}

int tcm_bin_pattern_terms(tcm_bgraph *g, tcm_hidden_mode hm, tcm_output_mode om, double *sum)
{
    int st = tcm_bgraph_reserve(g, tcm_bin_work_size(g->K, g->n, hm));
    if (st) return st;
    field_logcosh(g->nw, g->field, g->lcosh);
#pragma omp parallel num_threads(g->nthreads) if (tcm_bgraph_parallel(g->ne))
    {
        double *work = g->work + (size_t)omp_get_thread_num() * g->work_stride;
#pragma omp for schedule(static)
        for (int a = 0; a < g->M; a++) g->per_pattern[a] = pattern_free_entropy(g, a, hm, om, work);
    }
    double s = 0.0;
    for (int a = 0; a < g->M; a++) s += g->per_pattern[a];
    *sum = s;
    return TCM_OK;
}

/* ---- thermodynamics ---------------------------------------------------------- */

int tcm_bin_thermo_compute(tcm_bgraph *g, tcm_hidden_mode hm, tcm_output_mode om, tcm_bin_thermo *t)
{
    double F;
    int st = tcm_bin_pattern_terms(g, hm, om, &F);
    if (st) return st;
    double q = 0.0, ref = 0.0;
    for (size_t ki = 0; ki < g->nw; ki++) {
        double m = tanh(g->field[ki]);
        F += tcm_logcosh(g->field[ki]) + LN2; /* ln 2cosh F_ki */
        q += m * m;
        if (g->wref) ref += g->wref[ki] * m;
    }
    double nw = (double)g->nw, lambda = g->wref ? g->lambda : 0.0;
    t->phi = F / nw;
    t->q = q / nw;
    t->overlap = g->wref ? ref / nw : 0.0;
    t->distance = g->wref ? 0.5 * (1.0 - t->overlap) : 0.0;
    t->entropy = t->phi - lambda * t->overlap; /* EQUATIONS.md 3.2 */
    return TCM_OK;
}

/* ln 2cosh(gamma) - gamma S for the overlap S = (pol + t)/(1 + pol t), t in
 * [0, 1]: ln(1 + e^{-2 gamma}) + gamma (1 - pol)(1 - t)/(1 + pol t), which is
 * finite (-> 0 term) for gamma = inf. */
static double coupling_term(double gamma, double t)
{
    double e = exp(-2.0 * gamma), one_minus_pol = 2.0 * e / (1.0 + e);
    double tail = isinf(gamma) ? 0.0 : gamma * one_minus_pol * (1.0 - t) / (1.0 + (1.0 - one_minus_pol) * t);
    return log1p(e) + tail;
}

int tcm_bin_record_compute(tcm_bgraph *g, tcm_hidden_mode hm, tcm_output_mode om, double gamma, double y,
                           tcm_bin_record *rec)
{
    double sigma;
    int st = tcm_bin_pattern_terms(g, hm, om, &sigma);
    if (st) return st;
    double pol = tanh(gamma), S = 0.0, q = 0.0, qt = 0.0;
    for (size_t ki = 0; ki < g->nw; ki++) {
        double F = g->field[ki], hf = F - (g->ustar ? g->ustar[ki] : 0.0);
        double g1 = tcm_bin_mix(gamma, hf), hx = (y - 1.0) * g1, mx = tanh(y * g1);
        double t = tanh(hf) * tanh(hx); /* >= 0: hx has the sign of hf */
        S += (pol + t) / (1.0 + pol * t);
        q += tanh(F) * tanh(F);
        qt += mx * mx;
        /* EQUATIONS.md 4.4 record: ln 2cosh hf - ln 2cosh g1 + g1 tanh(y g1) + (ln 2cosh gamma - gamma S_ki) */
        sigma += tcm_logcosh(hf) - tcm_logcosh(g1) + (g1 == 0.0 ? 0.0 : g1 * mx) + coupling_term(gamma, t);
    }
    double nw = (double)g->nw;
    rec->gamma = gamma;
    rec->pol = pol;
    rec->y = y;
    rec->S = S / nw;
    rec->q = q / nw;
    rec->q_tilde = qt / nw;
    rec->sigma_int = sigma / nw;
    rec->free_entropy = isinf(gamma) ? INFINITY : rec->sigma_int + gamma * rec->S;
    rec->F = -rec->free_entropy;
    return TCM_OK;
}

const char *const tcm_hidden_mode_names[] = { TCM_HIDDEN_MODES(TCM_ENUM_NAME) NULL };

TCM_NAMES_FUNCTIONS(tcm_hidden_mode, tcm_hidden_mode, tcm_hidden_mode_names, "hidden-unit mode")
