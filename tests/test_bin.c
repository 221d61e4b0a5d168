/* Tests of the binary-weight factor (EQUATIONS.md 2, 5): the exact hidden-unit mode
 * against brute-force enumeration for tiny n (odd and even, polarised
 * fields, output messages at +-1), the CLT mode against the exact one for
 * large n, field-space helpers, the Bethe free entropy (alpha = 0, and
 * exact on a one-pattern instance, whose graph is a tree) and its pattern
 * terms against a scalar reference. */
#include "tcmbp/bin.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcmbp/bbp.h"
#include "tcmbp/driver.h"
#include "tcmbp/error.h"
#include "tcmbp/rng.h"
#include "tcmbp/special.h"
#include "test_suite.h"
#include "test_util.h"

/* log(e^a + e^b) for the enumerations (independent of the library's helper). */
static double lse(double a, double b)
{
    if (a == -INFINITY) return b;
    if (b == -INFINITY) return a;
    double m = fmax(a, b);
    return m + log(exp(a - m) + exp(b - m));
}

/* log P(w) for P(w) ~ exp(c w). */
static double logp(double c, int w)
{
    if (isinf(c)) return (c > 0) == (w > 0) ? 0.0 : -INFINITY;
    double x = c * w; /* log(e^x / (e^x + e^-x)) */
    return x > 0 ? -log1p(exp(-2 * x)) : 2 * x - log1p(exp(2 * x));
}

/* Brute force over all 2^n configurations of one hidden unit: the messages
 * u[i] = (1/2) log(m_i(+1)/m_i(-1)) and log P(tau = +-1), with a zero sum
 * counting half for each tau. */
static void enumerate_unit(int n, const int8_t *xi, const double *cav, double fout, double *u, double *lp,
                           double *lq)
{
    double lt[2] = { logp(fout, 1), logp(fout, -1) }, P = -INFINITY, Q = -INFINITY;
    double mp[16], mm[16];
    for (int i = 0; i < n; i++) mp[i] = mm[i] = -INFINITY;
    for (unsigned c = 0; c < (1u << n); c++) {
        int sum = 0;
        double lw = 0.0;
        for (int i = 0; i < n; i++) {
            int w = (c >> i) & 1 ? 1 : -1;
            sum += xi[i] * w;
            lw += logp(cav[i], w);
        }
        double tp = sum > 0 ? 0.0 : (sum < 0 ? -INFINITY : -log(2.0)); /* log P(tau=+1 | config) */
        double tm = sum < 0 ? 0.0 : (sum > 0 ? -INFINITY : -log(2.0));
        P = lse(P, lw + tp);
        Q = lse(Q, lw + tm);
        double fac = lse(lt[0] + tp, lt[1] + tm);
        for (int i = 0; i < n; i++) { /* message: other weights weighted by their cavity, w_i free */
            int w = (c >> i) & 1 ? 1 : -1;
            double l = lw - logp(cav[i], w) + fac;
            if (w > 0) mp[i] = lse(mp[i], l);
            else mm[i] = lse(mm[i], l);
        }
    }
    for (int i = 0; i < n; i++) u[i] = mp[i] == mm[i] ? 0.0 : 0.5 * (mp[i] - mm[i]);
    *lp = P;
    *lq = Q;
}

/* A random cavity field: mostly O(1), sometimes strongly polarised or infinite. */
static double random_field(tcm_rng *r)
{
    double u = tcm_rng_uniform(r);
    if (u < 0.1) return 25.0 * (2 * tcm_rng_uniform(r) - 1); /* tanh saturates in double */
    if (u < 0.15) return tcm_rng_sign(r) * 400.0;
    return 1.5 * tcm_rng_normal(r);
}

/* Exact mode = enumeration for n = 1..10, random fields, fout finite, large and +-inf. */
static void test_exact_vs_enumeration(void)
{
    tcm_rng r;
    tcm_rng_init(&r, 11, 0);
    double *work = malloc(tcm_bin_work_size(1, 16, TCM_HIDDEN_EXACT) * sizeof(double));
    const double fouts[] = { 0.0, 0.3, -1.7, 12.0, -40.0, INFINITY, -INFINITY };
    double worst = 0.0, worst_p = 0.0;
    for (int n = 1; n <= 10; n++) {
        for (int rep = 0; rep < 30; rep++) {
            int8_t xi[16];
            double cav[16], u[16], ue[16], lp, lq, lpe, lqe;
            for (int i = 0; i < n; i++) {
                xi[i] = (int8_t)tcm_rng_sign(&r);
                cav[i] = random_field(&r);
            }
            double fout = fouts[rep % 7];
            tcm_bin_unit(TCM_HIDDEN_EXACT, n, xi, cav, fout, u, &lp, &lq, work);
            enumerate_unit(n, xi, cav, fout, ue, &lpe, &lqe);
            for (int i = 0; i < n; i++) {
                double d = fabs(u[i] - ue[i]) / fmax(1.0, fabs(ue[i]));
                if (!(d <= worst)) worst = d; /* NaN propagates */
            }
            double dp = fmax(fabs(lp - lpe) / fmax(1.0, fabs(lpe)), fabs(lq - lqe) / fmax(1.0, fabs(lqe)));
            if (isinf(lpe) || isinf(lqe)) dp = (lp == lpe && lq == lqe) ? 0.0 : 1.0;
            if (!(dp <= worst_p)) worst_p = dp;
        }
    }
    printf("\n    exact vs enumeration (n = 1..10, 300 factors): max rel. error messages %.2e, tau %.2e ",
           worst, worst_p);
    CU_ASSERT(worst < 1e-11);
    CU_ASSERT(worst_p < 1e-11);
    free(work);
}

/* CLT and exact agree for large n: the message differences shrink like 1/n
 * relative to the messages' O(1/sqrt n) size (measured: printed). */
static void test_clt_vs_exact(void)
{
    tcm_rng r;
    tcm_rng_init(&r, 5, 0);
    int sizes[2] = { 51, 401 };
    double err[2];
    for (int s = 0; s < 2; s++) {
        int n = sizes[s];
        double *work = malloc(tcm_bin_work_size(1, n, TCM_HIDDEN_EXACT) * sizeof(double));
        double *cav = malloc(n * sizeof(double)), *u1 = malloc(n * sizeof(double)), *u2 = malloc(n * sizeof(double));
        int8_t *xi = malloc(n);
        double scale = 0.0, diff = 0.0;
        for (int rep = 0; rep < 6; rep++) {
            for (int i = 0; i < n; i++) {
                xi[i] = (int8_t)tcm_rng_sign(&r);
                cav[i] = 0.8 * tcm_rng_normal(&r);
            }
            double fout = rep % 3 == 2 ? INFINITY : 0.7 * tcm_rng_normal(&r), l1, l2, q1, q2;
            tcm_bin_unit(TCM_HIDDEN_CLT, n, xi, cav, fout, u1, &l1, &q1, work);
            tcm_bin_unit(TCM_HIDDEN_EXACT, n, xi, cav, fout, u2, &l2, &q2, work);
            for (int i = 0; i < n; i++) {
                scale = fmax(scale, fabs(u2[i]));
                diff = fmax(diff, fabs(u1[i] - u2[i]));
            }
            CU_ASSERT(fabs(exp(l1) - exp(l2)) < 2.0 / n);
        }
        err[s] = diff / scale;
        printf("\n    n = %d: max |u_clt - u_exact| = %.3e, max |u| = %.3e, ratio %.3e ", n, diff, scale, err[s]);
        free(work);
        free(cav);
        free(u1);
        free(u2);
        free(xi);
    }
    /* relative error O(1/n): from n = 51 to 401 it must drop by a good part of the factor 7.9 */
    CU_ASSERT(err[1] < 0.05);
    CU_ASSERT(err[1] < err[0] / 3.0);
}

/* The CLT message of edge i by the careful special function, from the
 * unit's state as tcm_bin_unit leaves it in work (bin.c: m, s, suffix sums
 * sm, ss, prefix sums pm, ps, n + 1 each): (1/2) [log1p_herf_field(fout,
 * x1) - log1p_herf_field(fout, x2)], x1,2 = (omega_i +- xi_i)/sqrt(2 Delta_i).
 * *cancel counts the sides where 1 + h erf cancels (h erf < -1/2), *far
 * those with |x| > 5.7 and *huge those with |x| > 1e100. */
static double careful_clt_message(int n, const double *st, int8_t xi, int i, double fout, int *cancel, int *far,
                                  int *huge)
{
    size_t w = (size_t)n + 1;
    const double *sm = st + 2 * w, *ss = st + 3 * w, *pm = st + 4 * w, *ps = st + 5 * w;
    double om = pm[i] + sm[i + 1], r = 1.0 / sqrt(2.0 * fmax(ps[i] + ss[i + 1], TCM_BIN_MIN_VARIANCE));
    double x[2] = { (om + xi) * r, (om - xi) * r }, l[2];
    for (int s = 0; s < 2; s++) {
        l[s] = tcm_log1p_herf_field(fout, x[s]);
        if (tanh(fout) * erf(x[s]) < -0.5) {
            (*cancel)++;
            *far += fabs(x[s]) > 5.7;
            *huge += fabs(x[s]) > 1e100;
        }
    }
    return l[0] == l[1] ? 0.0 : 0.5 * (l[0] - l[1]);
}

/* The vectorised CLT messages (clt_messages_fast and, where 1 + h erf
 * cancels, clt_messages_cancel) agree with the careful special functions
 * to 1e-13 (relative to max(1, |u|)) over the whole range: cavity fields
 * from 0.05 to 400 (variances down to the floor, |x| up to 1e150),
 * output fields from 0.3 to +-inf, n with and without a vector
 * remainder. */
static void test_clt_cancel_vs_careful(void)
{
    tcm_rng r;
    tcm_rng_init(&r, 11, 0);
    const double scales[] = { 0.05, 0.5, 2.0, 8.0, 25.0, 400.0, -1.0 }; /* -1: random_field */
    const double fouts[] = { 0.3, 0.6, 1.0, 3.0, 10.0, 19.0, 25.0, 200.0, 1000.0, INFINITY };
    const int sizes[] = { 1, 3, 7, 33, 101 };
    int cancel = 0, far = 0, huge = 0, edges = 0, bad = 0;
    double worst = 0.0;
    for (int zi = 0; zi < 5; zi++) {
        int n = sizes[zi];
        double *work = malloc(tcm_bin_work_size(1, n, TCM_HIDDEN_CLT) * sizeof(double));
        double *cav = malloc(n * sizeof(double)), *u = malloc(n * sizeof(double));
        int8_t *xi = malloc(n);
        for (int si = 0; si < 7; si++)
            for (int fi = 0; fi < 10; fi++)
                for (int sign = -1; sign <= 1; sign += 2)
                    for (int rep = 0; rep < 4; rep++) {
                        /* cavity fields aligned with the pattern with probability 0.8 (omega
                         * builds up: both sides cancel alike) or 0.5 (omega near 0 or +-1: one
                         * side cancels, the other not, the message is near +-fout) */
                        double align = rep % 2 ? 0.8 : 0.5;
                        for (int i = 0; i < n; i++) {
                            xi[i] = (int8_t)tcm_rng_sign(&r);
                            double c = scales[si] < 0 ? random_field(&r) : scales[si] * (1.0 + tcm_rng_uniform(&r));
                            cav[i] = (tcm_rng_uniform(&r) < align ? xi[i] : -xi[i]) * c;
                        }
                        double fout = sign * fouts[fi], lp, lq;
                        tcm_bin_unit(TCM_HIDDEN_CLT, n, xi, cav, fout, u, &lp, &lq, work);
                        for (int i = 0; i < n; i++) {
                            double ref = careful_clt_message(n, work, xi[i], i, fout, &cancel, &far, &huge);
                            double d = u[i] == ref ? 0.0 : fabs(u[i] - ref) / fmax(1.0, fabs(ref));
                            if (!(d <= 1e-13)) bad++; /* NaN counts */
                            if (d > worst) worst = d;
                            edges++;
                        }
                    }
        free(work);
        free(cav);
        free(u);
        free(xi);
    }
    printf("\n    %d edges, %d cancelling sides (%d with |x| > 5.7, %d with |x| > 1e100): max rel. difference "
           "%.2e, %d above 1e-13 or NaN ", edges, cancel, far, huge, worst, bad);
    CU_ASSERT(bad == 0);
    CU_ASSERT(cancel > edges / 10); /* the cancelling path is exercised, */
    CU_ASSERT(far > 100);           /* also past the P/Q fit's domain, */
    CU_ASSERT(huge > 10);           /* and at the variance floor */
}

/* Field-space helpers: mix = atanh(tanh a tanh b), the focusing field, S0. */
static void test_helpers(void)
{
    double a[] = { 1e-12, 0.3, -0.8, 2.0, 7.0, 25.0, -300.0 };
    for (int i = 0; i < 7; i++)
        for (int j = 0; j < 7; j++) {
            double naive = atanh(tanh(a[i]) * tanh(a[j])), m = tcm_bin_mix(a[i], a[j]);
            if (fabs(naive) < 5) CU_ASSERT(fabs(m - naive) <= 1e-13 * fmax(1e-300, fabs(naive)) + 1e-300);
        }
    /* saturated: tanh(25) == 1 in double, but the field keeps min(a, b) + O(e^-2|.|) */
    CU_ASSERT_DOUBLE_EQUAL(tcm_bin_mix(25.0, 40.0), 25.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(tcm_bin_mix(300.0, -200.0), -200.0, 1e-12);
    CU_ASSERT_EQUAL(tcm_bin_mix(INFINITY, -3.5), -3.5);
    CU_ASSERT_DOUBLE_EQUAL(tcm_bin_focus_field(0.4, INFINITY, 5.0), 1.6, 1e-15); /* reinforcement: (y-1) h */
    double hf = 0.9, g = 0.6, y = 3.0, pol = tanh(g);
    double naive = atanh(pol * tanh((y - 1) * atanh(pol * tanh(hf))));
    CU_ASSERT_DOUBLE_EQUAL(tcm_bin_focus_field(hf, g, y), naive, 1e-14);
    CU_ASSERT_EQUAL(tcm_bin_focus_field(hf, 0.0, y), 0.0);
    CU_ASSERT_DOUBLE_EQUAL(tcm_bin_s0(0.5), log(2.0), 1e-15);
    CU_ASSERT_EQUAL(tcm_bin_s0(0.0), 0.0);
}

/* An instance of M patterns with given sizes, random patterns and outputs. */
static tcm_instance *random_instance(int N, int K, int M, tcm_arch arch, unsigned seed)
{
    tcm_instance_params ip = TCM_INSTANCE_PARAMS_INIT;
    ip.N = N;
    ip.K = K;
    ip.M = M;
    ip.arch = arch;
    ip.kind = TCM_WEIGHTS_BINARY;
    ip.seed = seed;
    tcm_instance *inst = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_instance_generate(&inst, &ip), TCM_OK);
    return inst;
}

/* alpha = 0: phi = S = ln 2 per weight; with a reference, S = S0(d) for every lambda. */
static void test_alpha_zero_thermo(void)
{
    tcm_instance *inst = random_instance(60, 3, 5, TCM_ARCH_TREE, 3);
    tcm_bgraph *g = tcm_bgraph_alloc_patterns(inst, 0, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    tcm_bbp_rebuild_marginals(g);
    tcm_bin_thermo t;
    CU_ASSERT_EQUAL(tcm_bin_thermo_compute(g, TCM_HIDDEN_CLT, TCM_OUTPUT_EXACT, &t), TCM_OK);
    CU_ASSERT_DOUBLE_EQUAL(t.entropy, log(2.0), 1e-15);
    double *wref = malloc(g->nw * sizeof(double));
    for (size_t j = 0; j < g->nw; j++) wref[j] = j % 3 ? 1.0 : -1.0;
    double lambdas[] = { 0.01, 0.5, 3.0, 20.0, 400.0 };
    for (int j = 0; j < 5; j++) {
        CU_ASSERT_EQUAL(tcm_bgraph_set_reference(g, wref, lambdas[j]), TCM_OK);
        tcm_bbp_rebuild_marginals(g);
        CU_ASSERT_EQUAL(tcm_bin_thermo_compute(g, TCM_HIDDEN_CLT, TCM_OUTPUT_EXACT, &t), TCM_OK);
        CU_ASSERT_DOUBLE_EQUAL(t.entropy, tcm_bin_s0(t.distance), 1e-13);
    }
    free(wref);
    tcm_bgraph_free(g);
    tcm_instance_free(inst);
}

/* log of the number of solutions of inst's first M patterns, by enumeration (N*K... <= 20 weights). */
static double count_solutions(const tcm_instance *inst, int M, const double *wref, double lambda)
{
    int nw = inst->K * inst->n;
    double lz = -INFINITY;
    tcm_weights *w = tcm_weights_alloc(inst->K, inst->n, TCM_WEIGHTS_BINARY);
    tcm_instance used = *inst;
    used.M = M;
    for (unsigned c = 0; c < (1u << nw); c++) {
        double e = 0.0;
        for (int j = 0; j < nw; j++) {
            w->w[j] = (c >> j) & 1 ? 1.0 : -1.0;
            if (wref) e += lambda * wref[j] * w->w[j];
        }
        tcm_eval ev;
        tcm_weights_eval(w, &used, &ev, NULL, NULL);
        if (ev.errors == 0) lz = lse(lz, e);
    }
    tcm_weights_free(w);
    return lz;
}

/* Converged BP (tight tolerance) on the binary engine e; returns phi * (number of weights) = F. */
static double converged_free_entropy(tcm_engine *e, tcm_hidden_mode hm)
{
    tcm_run_params p = TCM_RUN_PARAMS_INIT;
    p.modes.hidden = hm;
    p.tol = 1e-14;
    p.max_sweeps = 400;
    tcm_bp_result r;
    CU_ASSERT_EQUAL(tcm_driver_bp(e, &p, &r), TCM_OK);
    CU_ASSERT_EQUAL(r.status, TCM_BP_CONVERGED);
    return r.thermo.phi * (double)tcm_engine_bgraph(e)->nw;
}

/* One pattern: the factor graph is a tree, so the Bethe free entropy with the
 * exact hidden mode is the exact log of the (reference-weighted) number of
 * solutions; checked by enumeration of all 2^9 configurations, both
 * architectures, with and without a reference field. */
static void test_one_pattern_exact(void)
{
    for (int arch = 0; arch < 2; arch++) {
        tcm_instance *inst = random_instance(arch ? 3 : 9, 3, 4, arch ? TCM_ARCH_FULL : TCM_ARCH_TREE, 17);
        double wref[9] = { 1, -1, 1, 1, 1, -1, -1, 1, -1 };
        for (int with_ref = 0; with_ref < 2; with_ref++) {
            tcm_engine *e = tcm_engine_alloc(inst, TCM_WEIGHTS_BINARY, 1, 0);
            CU_ASSERT_PTR_NOT_NULL_FATAL(e);
            if (with_ref) tcm_bgraph_set_reference(tcm_engine_bgraph(e), wref, 0.7);
            double F = converged_free_entropy(e, TCM_HIDDEN_EXACT);
            double exact = count_solutions(inst, 1, with_ref ? wref : NULL, 0.7);
            printf("\n    %s, one pattern%s: Bethe F = %.15f, enumeration %.15f ", arch ? "full" : "tree",
                   with_ref ? ", reference" : "", F, exact);
            CU_ASSERT_DOUBLE_EQUAL(F, exact, 1e-10);
            tcm_engine_free(e);
        }
        tcm_instance_free(inst);
    }
}

/* d phi / d lambda at the fixed point, by central difference, and the
 * overlap (1/N) sum wref m there. */
static void lambda_derivative(const tcm_instance *inst, tcm_hidden_mode hm, double *deriv, double *overlap)
{
    tcm_engine *e = tcm_engine_alloc(inst, TCM_WEIGHTS_BINARY, -1, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    tcm_bgraph *g = tcm_engine_bgraph(e);
    double *wref = malloc(g->nw * sizeof(double)), lam = 0.4, h = 1e-4, phi[2];
    for (size_t j = 0; j < g->nw; j++) wref[j] = j % 2 ? 1.0 : -1.0;
    for (int s = 0; s < 2; s++) {
        tcm_bgraph_set_reference(g, wref, lam + (s ? h : -h));
        phi[s] = converged_free_entropy(e, hm) / (double)g->nw;
    }
    tcm_bgraph_set_reference(g, wref, lam);
    converged_free_entropy(e, hm);
    tcm_bin_thermo t;
    tcm_bin_thermo_compute(g, hm, TCM_OUTPUT_EXACT, &t);
    *deriv = (phi[1] - phi[0]) / (2 * h);
    *overlap = t.overlap;
    free(wref);
    tcm_engine_free(e);
}

/* At a fixed point d phi / d lambda = (1/N) sum wref m, because the Bethe
 * free entropy is stationary in the messages. Exactly so (to the finite
 * difference error) with the exact hidden mode; the CLT messages are
 * stationary points of the free entropy only up to O(1/n) (measured). */
static void test_lambda_derivative(void)
{
    double d, o;
    tcm_instance *small = random_instance(45, 3, 20, TCM_ARCH_TREE, 23);
    lambda_derivative(small, TCM_HIDDEN_EXACT, &d, &o);
    printf("\n    exact mode, n = 15: d phi/d lambda = %.10f, overlap = %.10f ", d, o);
    CU_ASSERT_DOUBLE_EQUAL(d, o, 1e-8);
    lambda_derivative(small, TCM_HIDDEN_CLT, &d, &o);
    printf("\n    CLT mode, n = 15: d phi/d lambda = %.10f, overlap = %.10f ", d, o);
    tcm_instance *large = random_instance(600, 3, 200, TCM_ARCH_TREE, 23);
    double d2, o2;
    lambda_derivative(large, TCM_HIDDEN_CLT, &d2, &o2);
    printf("\n    CLT mode, n = 200: d phi/d lambda = %.10f, overlap = %.10f ", d2, o2);
    CU_ASSERT(fabs(d2 - o2) < 1e-3);
    tcm_instance_free(small);
    tcm_instance_free(large);
}

/* The record at alpha = 0: S = tanh(gamma), sigma_int = S0((1-S)/2); finite at gamma = inf. */
static void test_record_alpha_zero(void)
{
    tcm_instance *inst = random_instance(30, 3, 2, TCM_ARCH_TREE, 2);
    tcm_bgraph *g = tcm_bgraph_alloc_patterns(inst, 0, 0);
    tcm_bgraph_enable_focusing(g);
    double gammas[] = { 0.0, 0.3, 2.0, 30.0, INFINITY };
    for (int j = 0; j < 5; j++) {
        tcm_bin_record rec;
        tcm_bbp_rebuild_marginals(g);
        CU_ASSERT_EQUAL(tcm_bin_record_compute(g, TCM_HIDDEN_CLT, TCM_OUTPUT_EXACT, gammas[j], 4.0, &rec), TCM_OK);
        CU_ASSERT_DOUBLE_EQUAL(rec.S, tanh(gammas[j]), 1e-15);
        CU_ASSERT_DOUBLE_EQUAL(rec.sigma_int, tcm_bin_s0(0.5 * (1 - rec.S)), 1e-13);
        CU_ASSERT(isinf(gammas[j]) ? isinf(rec.free_entropy) : fabs(rec.free_entropy - log(2 * cosh(gammas[j]))) < 1e-12);
    }
    tcm_bgraph_free(g);
    tcm_instance_free(inst);
}

/* Parsing and naming of the hidden-unit mode; bad graph arguments. */
static void test_modes_and_errors(void)
{
    tcm_hidden_mode m;
    CU_ASSERT_EQUAL(tcm_hidden_mode_parse("exact", &m), TCM_OK);
    CU_ASSERT_EQUAL(m, TCM_HIDDEN_EXACT);
    CU_ASSERT_STRING_EQUAL(tcm_hidden_mode_name(TCM_HIDDEN_CLT), "clt");
    CU_ASSERT_EQUAL(tcm_hidden_mode_parse("gauss", &m), TCM_EINVAL);
    tcm_instance *inst = random_instance(30, 3, 2, TCM_ARCH_TREE, 2);
    CU_ASSERT_PTR_NULL(tcm_bgraph_alloc_patterns(inst, 3, 0));
    tcm_bgraph *g = tcm_bgraph_alloc(inst, 1);
    double w[30];
    for (int j = 0; j < 30; j++) w[j] = 1.0;
    w[4] = 0.5;
    CU_ASSERT_EQUAL(tcm_bgraph_set_reference(g, w, 1.0), TCM_EINVAL);
    w[4] = -1.0;
    CU_ASSERT_EQUAL(tcm_bgraph_set_reference(g, w, -1.0), TCM_EINVAL);
    CU_ASSERT_EQUAL(tcm_bgraph_set_reference(g, w, 1.0), TCM_OK);
    CU_ASSERT_DOUBLE_EQUAL(tcm_bgraph_bytes_per_edge(g), 9.0, 0.0);
    tcm_bgraph_free(g);
    tcm_instance_free(inst);
}

/* The free-entropy pattern terms (the focusing record's and the thermo's
 * pass: cavity ln cosh fused with the cavity magnetisations, ln cosh F once
 * per weight, only the totals of the CLT sums) against a scalar reference
 * built from the public pieces: tcm_bin_unit on the cavity fields,
 * tcm_output_logz and libm's ln cosh per edge; random messages of all
 * strengths, tree and fully connected, 1 and 2 threads (enough edges for
 * threads to be used). And the marginals rebuilt from those messages. */
static void test_pattern_terms_vs_reference(void)
{
    for (int arch = 0; arch < 2; arch++) {
        tcm_instance *inst = random_instance(arch ? 31 : 63, 3, 600, arch ? TCM_ARCH_FULL : TCM_ARCH_TREE, 5);
        double sums[2];
        for (int t = 1; t <= 2; t++) {
            tcm_bgraph *g = tcm_bgraph_alloc(inst, t);
            CU_ASSERT_PTR_NOT_NULL_FATAL(g);
            tcm_bgraph_randomize(g, 0.999, 9);
            tcm_bbp_rebuild_marginals(g);
            int same = 1; /* the marginals: the messages summed in pattern order, bitwise */
            for (size_t ki = 0; ki < g->nw; ki++) {
                double sum = 0.0;
                for (int a = 0; a < g->M; a++) sum += g->f[(size_t)a * g->nw + ki];
                same = same && test_same_double(sum, g->field[ki]);
            }
            CU_ASSERT(same);
            CU_ASSERT_EQUAL(tcm_bin_pattern_terms(g, TCM_HIDDEN_CLT, TCM_OUTPUT_EXACT, &sums[t - 1]), TCM_OK);
            if (t == 2) {
                CU_ASSERT_EQUAL(sums[0], sums[1]); /* bitwise: order fixed by the instance */
                tcm_bgraph_free(g);
                break;
            }
            int n = g->n, K = g->K;
            double *cav = malloc(n * sizeof(double)), lp[3], lq[3], ref = 0.0;
            double *work = malloc(tcm_bin_work_size(1, n, TCM_HIDDEN_CLT) * sizeof(double));
            double *ow = malloc(tcm_output_work_size(K) * sizeof(double));
            for (int a = 0; a < g->M; a++) {
                double cterms = 0.0;
                for (int k = 0; k < K; k++) {
                    const double *F = g->field + (size_t)k * n, *f = g->f + ((size_t)a * K + k) * n;
                    for (int i = 0; i < n; i++) {
                        cav[i] = F[i] - f[i];
                        cterms += log(cosh(cav[i])) - log(cosh(F[i]));
                    }
                    tcm_bin_unit(TCM_HIDDEN_CLT, n, tcm_instance_unit_inputs(inst, a, k), cav, 0.0, NULL, &lp[k],
                                 &lq[k], work);
                }
                ref += tcm_output_logz(inst->rule, TCM_OUTPUT_EXACT, K, inst->outputs[a], lp, lq, ow) + cterms;
            }
            CU_ASSERT(fabs(sums[0] - ref) <= 1e-12 * fmax(1.0, fabs(ref)));
            free(cav);
            free(work);
            free(ow);
            tcm_bgraph_free(g);
        }
        tcm_instance_free(inst);
    }
}

static const tcm_test_case tests[] = {
    { "exact hidden mode vs enumeration", test_exact_vs_enumeration },
    { "CLT vs exact hidden mode, large n", test_clt_vs_exact },
    { "CLT messages: vectorised cancelling path vs careful", test_clt_cancel_vs_careful },
    { "field-space helpers", test_helpers },
    { "alpha = 0 entropy and local entropy", test_alpha_zero_thermo },
    { "one pattern: Bethe = enumeration", test_one_pattern_exact },
    { "d phi / d lambda = overlap", test_lambda_derivative },
    { "focusing record at alpha = 0", test_record_alpha_zero },
    { "pattern terms vs scalar reference (1 and 2 threads)", test_pattern_terms_vs_reference },
    { "modes and bad arguments", test_modes_and_errors },
};

TCM_TEST_SUITE("bin", tests)
