/* Tests of the special module: every function against mpmath reference tables
 * (tests/data/special_ref.h, made by tests/data/gen_special_ref.py) at both
 * sides of each regime switch, identities between the functions, and a scan
 * of extreme arguments for NaN and overflow. */
#include "tcmbp/special.h"

#include <CUnit/CUnit.h>
#include <float.h>
#include <math.h>
#include <stdio.h>

#include "data/special_ref.h"
#include "test_suite.h"

#define NREF(t) (sizeof(t) / sizeof((t)[0]))
/* The accuracy contract of special.h. The measured errors (printed by the
 * table tests) are below 1e-15; identities with a tighter bound state it. */
#define TOL 1e-13

typedef double (*fn1)(double);
typedef double (*fn2)(double, double);

/* Relative error of got against ref. Results below DBL_MIN (subnormal, fewer
 * digits) are judged against DBL_MIN, i.e. absolutely; exact matches
 * (including equal infinities) count 0, any NaN or unmatched infinity +inf. */
static double rel_err(double got, double ref)
{
    if (got == ref)
        return 0.0;
    if (isnan(got) || isinf(got) || isinf(ref))
        return INFINITY;
    return fabs(got - ref) / fmax(fabs(ref), DBL_MIN);
}

/* Max error of f over a one-argument table; prints it and asserts <= tol. */
static void check1(const char *name, fn1 f, const tcm_ref1 *t, size_t n, double tol)
{
    double worst = 0.0;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        double e = rel_err(f(t[i].x), t[i].y);
        if (e > worst) {
            worst = e;
            at = i;
        }
    }
    printf("\n    %-17s %4zu pts  max rel err %.2e at x = %.17g ", name, n, worst, t[at].x);
    CU_ASSERT(worst <= tol);
}

/* The same for a two-argument table (p = h, f or a). */
static void check2(const char *name, fn2 f, const tcm_ref2 *t, size_t n, double tol)
{
    double worst = 0.0;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        double e = rel_err(f(t[i].p, t[i].x), t[i].y);
        if (e > worst) {
            worst = e;
            at = i;
        }
    }
    printf("\n    %-17s %4zu pts  max rel err %.2e at (%.17g, %.17g) ", name, n, worst,
           t[at].p, t[at].x);
    CU_ASSERT(worst <= tol);
}

/* ---- reference tables ---- */

static void test_ref_erfcx(void) { check1("erfcx", tcm_erfcx, ref_erfcx, NREF(ref_erfcx), TOL); }
static void test_ref_log_erfc(void)
{
    check1("log_erfc", tcm_log_erfc, ref_log_erfc, NREF(ref_log_erfc), TOL);
}
static void test_ref_H(void) { check1("H", tcm_H, ref_H, NREF(ref_H), TOL); }
static void test_ref_logH(void) { check1("logH", tcm_logH, ref_logH, NREF(ref_logH), TOL); }
static void test_ref_GH(void) { check1("GH", tcm_GH, ref_GH, NREF(ref_GH), TOL); }
static void test_ref_atanh_erf(void)
{
    check1("atanh_erf", tcm_atanh_erf, ref_atanh_erf, NREF(ref_atanh_erf), TOL);
}
static void test_ref_logcosh(void)
{
    check1("logcosh", tcm_logcosh, ref_logcosh, NREF(ref_logcosh), TOL);
}
static void test_ref_log1p_herf(void)
{
    check2("log1p_herf", tcm_log1p_herf, ref_log1p_herf, NREF(ref_log1p_herf), TOL);
}
static void test_ref_log1p_herf_field(void)
{
    check2("log1p_herf_field", tcm_log1p_herf_field, ref_log1p_herf_field,
           NREF(ref_log1p_herf_field), TOL);
}
static void test_ref_cont_ratio(void)
{
    check2("cont_ratio", tcm_cont_ratio, ref_cont_ratio, NREF(ref_cont_ratio), TOL);
}
static void test_ref_cont_ratio_field(void)
{
    check2("cont_ratio_field", tcm_cont_ratio_field, ref_cont_ratio_field,
           NREF(ref_cont_ratio_field), TOL);
}
static void test_ref_logaddexp(void)
{
    check2("logaddexp", tcm_logaddexp, ref_logaddexp, NREF(ref_logaddexp), TOL);
    CU_ASSERT(tcm_logaddexp(-INFINITY, -INFINITY) == -INFINITY);
    CU_ASSERT(isnan(tcm_logaddexp(NAN, 0.0)));
}

/* ---- identities ---- */

/* max over a grid x = k/16 (exact squares) of the relative gap between two
 * expressions, given as a callback returning both values. */
typedef void (*pair_fn)(double x, double p, double *lhs, double *rhs);

static double max_gap(pair_fn g, double p, double lo, double hi)
{
    double worst = 0.0;
    for (double x = lo; x <= hi; x += 1.0 / 16) {
        double l, r;
        g(x, p, &l, &r);
        double e = rel_err(l, r);
        worst = e > worst ? e : worst;
    }
    return worst;
}

static void erfcx_reflect(double x, double p, double *l, double *r)
{
    (void)p;
    *l = tcm_erfcx(-x) + tcm_erfcx(x);
    *r = 2.0 * exp(x * x);
}
static void logH_vs_log(double x, double p, double *l, double *r)
{
    (void)p;
    *l = tcm_logH(x);
    *r = x < 0.0 ? log1p(-tcm_H(-x)) : log(tcm_H(x));
}
static void GH_vs_ratio(double x, double p, double *l, double *r)
{
    (void)p;
    *l = tcm_GH(x);
    *r = exp(-0.5 * x * x) / TCM_SQRT2PI / tcm_H(x);
}
static void cont_vs_direct(double z, double h, double *l, double *r)
{
    *l = tcm_cont_ratio(h, z);
    *r = 2.0 * h * exp(-0.5 * z * z) / TCM_SQRT2PI / (1.0 + h * erf(z / TCM_SQRT2));
}
static void cont_vs_GH(double z, double h, double *l, double *r)
{
    *l = tcm_cont_ratio(h, z);
    *r = h > 0 ? tcm_GH(-z) : -tcm_GH(z);
}
static void cont_field_vs_mag(double z, double f, double *l, double *r)
{
    *l = tcm_cont_ratio_field(f, z);
    *r = tcm_cont_ratio(tanh(f), z);
}
static void herf_field_vs_mag(double x, double f, double *l, double *r)
{
    *l = tcm_log1p_herf_field(f, x);
    *r = tcm_log1p_herf(tanh(f), x);
}
static void herf_vs_log_erfc(double x, double h, double *l, double *r)
{
    *l = tcm_log1p_herf(h, x);
    *r = tcm_log_erfc(-h * x);
}
static void atanh_erf_vs_log_erfc(double x, double p, double *l, double *r)
{
    (void)p;
    *l = tcm_atanh_erf(x);
    *r = 0.5 * (tcm_log_erfc(-x) - tcm_log_erfc(x));
}

static void test_identities_gaussian(void)
{
    /* 2 exp(x^2) is exact to 1 ulp on this grid; the two erfcx terms add. */
    CU_ASSERT(max_gap(erfcx_reflect, 0, -6, 6) <= 1e-14);
    /* log(H) loses relative accuracy where H -> 1, hence log1p(-H(-x)) there. */
    CU_ASSERT(max_gap(logH_vs_log, 0, -30, 30) <= TOL);
    CU_ASSERT(max_gap(GH_vs_ratio, 0, -30, 30) <= TOL);
    /* |x| >= 1/2 only: below, the difference of two logs near 0 cancels. */
    CU_ASSERT(max_gap(atanh_erf_vs_log_erfc, 0, 0.5, 25) <= 1e-14);
    CU_ASSERT(max_gap(atanh_erf_vs_log_erfc, 0, -25, -0.5) <= 1e-14);
    for (double x = -50; x <= 50; x += 0.37) {
        CU_ASSERT(fabs(tcm_H(x) + tcm_H(-x) - 1.0) <= 2e-16);
        CU_ASSERT(tcm_logcosh(x) == tcm_logcosh(-x));
        CU_ASSERT(tcm_atanh_erf(x) == -tcm_atanh_erf(-x));
    }
}

static void test_identities_cont(void)
{
    /* |h| <= 0.9, |z| <= 3: the direct formula's denominator is >= 0.1 and its
     * exp(-z^2/2) exact on the grid, so it is itself accurate to ~1e-15. */
    const double hs[] = {-0.9, -0.5, -0.1, 0.0, 0.2, 0.7, 0.9};
    for (size_t i = 0; i < NREF(hs); i++)
        CU_ASSERT(max_gap(cont_vs_direct, hs[i], -3, 3) <= 1e-14);
    /* h = +-1: g = +-phi/H(-+z) = +-GH(-+z). */
    CU_ASSERT(max_gap(cont_vs_GH, 1.0, -60, 60) <= TOL);
    CU_ASSERT(max_gap(cont_vs_GH, -1.0, -60, 60) <= TOL);
    /* Moderate fields: tanh(f) and 1 - tanh|f| are accurate to ~30 ulp. */
    const double fs[] = {-2.0, -0.7, -0.1, 0.0, 0.3, 1.0, 2.0};
    for (size_t i = 0; i < NREF(fs); i++) {
        CU_ASSERT(max_gap(cont_field_vs_mag, fs[i], -12, 12) <= TOL);
        CU_ASSERT(max_gap(herf_field_vs_mag, fs[i], -30, 30) <= TOL);
    }
    /* Saturated fields, z small enough that the e^{-2|f|} tail is negligible. */
    const double big[] = {-800.0, -30.0, 30.0, 800.0};
    for (size_t i = 0; i < NREF(big); i++) {
        CU_ASSERT(max_gap(cont_field_vs_mag, big[i], -5, 5) <= TOL);
        CU_ASSERT(max_gap(herf_field_vs_mag, big[i], -5, 5) <= TOL);
    }
    /* h = +-1: log(1 +- erf x) = log erfc(-+x). */
    CU_ASSERT(max_gap(herf_vs_log_erfc, 1.0, -40, 40) <= 1e-15);
    CU_ASSERT(max_gap(herf_vs_log_erfc, -1.0, -40, 40) <= 1e-15);
}

static void test_symmetries(void)
{
    const double hs[] = {-1.0, -0.999999, -0.3, 0.0, 0.6, 1.0 - 1e-12, 1.0};
    for (size_t i = 0; i < NREF(hs); i++) {
        for (double z = -45; z <= 45; z += 0.29) {
            CU_ASSERT(tcm_cont_ratio(hs[i], z) == -tcm_cont_ratio(-hs[i], -z));
            CU_ASSERT(tcm_log1p_herf(hs[i], z) == tcm_log1p_herf(-hs[i], -z));
            double f = 40.0 * hs[i];
            CU_ASSERT(tcm_cont_ratio_field(f, z) == -tcm_cont_ratio_field(-f, -z));
            CU_ASSERT(tcm_log1p_herf_field(f, z) == tcm_log1p_herf_field(-f, -z));
            CU_ASSERT(tcm_logaddexp(z, hs[i]) == tcm_logaddexp(hs[i], z));
        }
    }
}

/* ---- extreme arguments ---- */

#define NX 2 * 8 * 320 + 40

/* A dense grid: +-10^(k/8), k = -320 .. 2559 (1e-40 .. 1e320 = inf excluded),
 * plus zero, the smallest subnormal, DBL_MAX and points at the overflow edges. */
static size_t extreme_grid(double *x)
{
    size_t n = 0;
    for (int k = -320; k < 8 * 308; k += 3) {
        double v = pow(10.0, k / 8.0);
        x[n++] = v;
        x[n++] = -v;
    }
    const double extra[] = {0.0, 4.9e-324, 26.6, 26.7, 37.4, 38.6, 1.34e154, 1.9e154,
                            1e300, DBL_MAX};
    for (size_t i = 0; i < NREF(extra); i++) {
        x[n++] = extra[i];
        x[n++] = -extra[i];
    }
    return n;
}

/* Scans one-argument functions: never NaN; finite where special.h says so. */
static void test_extreme_one(void)
{
    static double x[NX];
    size_t n = extreme_grid(x), bad = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i], a = fabs(v);
        bad += !(v < -26.6 || isfinite(tcm_erfcx(v))) || isnan(tcm_erfcx(v));
        bad += !(a > 1e150 || isfinite(tcm_log_erfc(v)));
        bad += !isfinite(tcm_H(v)) || !(a > 1e150 || isfinite(tcm_logH(v)));
        bad += !(a > 1e300 || isfinite(tcm_GH(v))) || isnan(tcm_GH(v));
        bad += !(a > 1e150 || isfinite(tcm_atanh_erf(v))) || isnan(tcm_atanh_erf(v));
        bad += !isfinite(tcm_logcosh(v)) && a < 1e300;
        bad += isnan(tcm_log_erfc(v)) || isnan(tcm_logH(v)) || isnan(tcm_logcosh(v));
    }
    CU_ASSERT_EQUAL(bad, 0);
}

/* Scans the two-argument functions over magnetisations/fields x arguments. */
static void test_extreme_two(void)
{
    static double x[NX];
    size_t n = extreme_grid(x), bad = 0;
    const double hs[] = {0.0, 1e-300, 1e-16, 0.5, 0.5000000000000001, 0.75, 1.0 - 1e-12,
                         0.9999999999999999, 1.0};
    const double fs[] = {0.0, 1e-300, 0.5, 0.5493, 1.0, 18.0, 19.0, 30.0, 300.0, 800.0,
                         1e3, 1e4, 1e300, DBL_MAX};
    for (size_t i = 0; i < n; i++) {
        double z = x[i];
        for (size_t j = 0; j < 2 * NREF(hs); j++) {
            double h = j % 2 ? -hs[j / 2] : hs[j / 2];
            double l = tcm_log1p_herf(h, z);
            bad += isnan(l) || (fabs(z) <= 1e150 && !isfinite(l));
            bad += !isfinite(tcm_cont_ratio(h, z)) && fabs(z) <= 1e300;
            bad += isnan(tcm_cont_ratio(h, z));
        }
        for (size_t j = 0; j < 2 * NREF(fs); j++) {
            double f = j % 2 ? -fs[j / 2] : fs[j / 2];
            double l = tcm_log1p_herf_field(f, z);
            bad += isnan(l) || (fabs(z) <= 1e150 && !isfinite(l));
            bad += !isfinite(tcm_cont_ratio_field(f, z)) && fabs(z) <= 1e300;
            bad += isnan(tcm_cont_ratio_field(f, z));
            bad += !isfinite(tcm_logaddexp(f, z)) && fabs(f) < 1e300 && fabs(z) < 1e300;
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
}

/* Infinite arguments: the limits, and never NaN. */
static void test_infinities(void)
{
    const double inf = INFINITY;
    CU_ASSERT(tcm_erfcx(inf) == 0.0 && tcm_erfcx(-inf) == inf);
    CU_ASSERT(tcm_log_erfc(inf) == -inf && fabs(tcm_log_erfc(-inf) - log(2.0)) < 1e-16);
    CU_ASSERT(tcm_H(inf) == 0.0 && tcm_H(-inf) == 1.0);
    CU_ASSERT(tcm_logH(inf) == -inf && tcm_logH(-inf) == 0.0);
    CU_ASSERT(tcm_GH(inf) == inf && tcm_GH(-inf) == 0.0);
    CU_ASSERT(tcm_atanh_erf(inf) == inf && tcm_atanh_erf(-inf) == -inf);
    CU_ASSERT(tcm_logcosh(inf) == inf && tcm_logcosh(-inf) == inf);
    CU_ASSERT(tcm_logaddexp(inf, 1.0) == inf && tcm_logaddexp(-inf, 1.0) == 1.0);
    CU_ASSERT(tcm_log1p_herf(-1.0, inf) == -inf && tcm_log1p_herf(1.0, inf) == log(2.0));
    CU_ASSERT(tcm_log1p_herf(0.5, -inf) == log(0.5));
    CU_ASSERT(tcm_cont_ratio(0.5, inf) == 0.0 && tcm_cont_ratio(-1.0, inf) == -inf);
    for (double z = -50; z <= 50; z += 0.7) {
        CU_ASSERT(tcm_cont_ratio_field(inf, z) == tcm_cont_ratio(1.0, z));
        CU_ASSERT(tcm_cont_ratio_field(-inf, z) == tcm_cont_ratio(-1.0, z));
        CU_ASSERT(tcm_log1p_herf_field(inf, z) == tcm_log1p_herf(1.0, z));
        CU_ASSERT(tcm_log1p_herf_field(-inf, z) == tcm_log1p_herf(-1.0, z));
    }
}

/* ---- bounded kernels of the hot loops ---- */

/* tcm_erfcx_bounded against mpmath on its domain [0, 5.7], and against the
 * careful tcm_erfcx on a dense grid; tcm_exp_bounded against libm's exp
 * (within an ulp of exact) over its domain [-707, 709]. */
static void test_bounded_kernels(void)
{
    double worst = 0.0, worst_grid = 0.0, worst_exp = 0.0;
    for (size_t i = 0; i < NREF(ref_erfcx); i++)
        if (ref_erfcx[i].x >= 0.0 && ref_erfcx[i].x <= 5.7)
            worst = fmax(worst, rel_err(tcm_erfcx_bounded(ref_erfcx[i].x), ref_erfcx[i].y));
    for (double u = 0.0; u <= 5.7; u += 1.0 / 1024.0)
        worst_grid = fmax(worst_grid, rel_err(tcm_erfcx_bounded(u), tcm_erfcx(u)));
    for (double x = -707.0; x <= 709.0; x += 0.0123)
        worst_exp = fmax(worst_exp, rel_err(tcm_exp_bounded(x), exp(x)));
    printf("\n    erfcx_bounded max rel err %.2e (mpmath), %.2e (grid); exp_bounded %.2e ", worst, worst_grid,
           worst_exp);
    CU_ASSERT(worst <= 2e-15);
    CU_ASSERT(worst_grid <= 3e-15);
    CU_ASSERT(worst_exp <= 1e-15);
}

/* tcm_erf_vec (all x) and tcm_log1p_bounded (1 + y in [1/4, 4], the range the
 * binary messages use, and near 0) against libm (within an ulp of exact). */
static void test_vector_erf_log1p(void)
{
    double we = 0.0, wl = 0.0;
    for (double x = -9.0; x <= 9.0; x += 1.37e-4) we = fmax(we, rel_err(tcm_erf_vec(x), erf(x)));
    for (double x = -1e-6; x <= 1e-6; x += 1.37e-10) we = fmax(we, rel_err(tcm_erf_vec(x), erf(x)));
    for (double y = -0.75; y <= 3.0; y += 1.37e-5) wl = fmax(wl, rel_err(tcm_log1p_bounded(y), log1p(y)));
    for (double y = -1e-8; y <= 1e-8; y += 1.37e-12) wl = fmax(wl, rel_err(tcm_log1p_bounded(y), log1p(y)));
    printf("\n    erf_vec max rel err %.2e, log1p_bounded %.2e ", we, wl);
    CU_ASSERT(we <= 1e-15);
    CU_ASSERT(wl <= 1e-15);
    CU_ASSERT(isnan(tcm_erf_vec(NAN)));
    CU_ASSERT_EQUAL(tcm_erf_vec(INFINITY), 1.0);
    CU_ASSERT_EQUAL(tcm_erf_vec(-INFINITY), -1.0);
    CU_ASSERT_EQUAL(tcm_log1p_bounded(0.0), 0.0);
}

/* The kernels of the binary messages' cancelling path (bin.c): tcm_log_erfc_vec
 * against mpmath (t >= 0.25) and the careful tcm_log_erfc on a grid from
 * 0.25 to 1e300 (both sides of 5.7 and 1e8, x^2 overflowing past 1.3e154),
 * tcm_log_bounded against libm over the normal range, and
 * tcm_logaddexp_bounded against tcm_logaddexp incl. -inf arguments, and
 * tcm_logcosh_bounded against tcm_logcosh (relative for |x| >= 1, absolute
 * below). */
static void test_vector_log_erfc(void)
{
    double wm = 0.0, wg = 0.0, wl = 0.0, wa = 0.0, wc = 0.0;
    for (double x = -1.0; x <= 1.0; x += 1.37e-5) wc = fmax(wc, fabs(tcm_logcosh_bounded(x) - tcm_logcosh(x)));
    for (double x = 1.0; x <= 1e6; x *= 1.00137) {
        wc = fmax(wc, rel_err(tcm_logcosh_bounded(x), tcm_logcosh(x)));
        wc = fmax(wc, rel_err(tcm_logcosh_bounded(-x), tcm_logcosh(-x)));
    }
    for (size_t i = 0; i < NREF(ref_log_erfc); i++)
        if (ref_log_erfc[i].x >= 0.25 && isfinite(ref_log_erfc[i].y))
            wm = fmax(wm, rel_err(tcm_log_erfc_vec(ref_log_erfc[i].x), ref_log_erfc[i].y));
    for (double t = 0.25; t <= 40.0; t += 1.37e-4) wg = fmax(wg, rel_err(tcm_log_erfc_vec(t), tcm_log_erfc(t)));
    for (double t = 40.0; t < 1e300; t *= 1.0137) wg = fmax(wg, rel_err(tcm_log_erfc_vec(t), tcm_log_erfc(t)));
    for (double x = 1e-307; x < 1e307; x *= 1.0137) wl = fmax(wl, rel_err(tcm_log_bounded(x), log(x)));
    for (double x = 0.5; x <= 2.0; x += 1.37e-5) wl = fmax(wl, fabs(tcm_log_bounded(x) - log(x)));
    const double l[] = { -INFINITY, -800.0, -30.0, -1.0, -1e-12, 0.0, 0.3, 5.0 };
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 8; j++) {
            double a = tcm_logaddexp_bounded(l[i], l[j]), b = tcm_logaddexp(l[i], l[j]);
            wa = a == b ? wa : fmax(wa, fabs(a - b) / fmax(1.0, fabs(b)));
        }
    printf("\n    log_erfc_vec max rel err %.2e (mpmath), %.2e (grid); log_bounded %.2e; logaddexp_bounded %.2e ", wm,
           wg, wl, wa);
    CU_ASSERT(wm <= 2e-15);
    CU_ASSERT(wg <= 2e-15);
    CU_ASSERT(wl <= 1e-15);
    CU_ASSERT(wa <= 1e-15);
    CU_ASSERT(wc <= 1e-15);
    printf("logcosh_bounded %.2e ", wc);
    CU_ASSERT_EQUAL(tcm_log_erfc_vec(2e154), -INFINITY);
    CU_ASSERT_EQUAL(tcm_log_erfc_vec(INFINITY), -INFINITY);
    CU_ASSERT(isnan(tcm_log_erfc_vec(NAN)));
    CU_ASSERT_EQUAL(tcm_logaddexp_bounded(-INFINITY, -INFINITY), -INFINITY);
}

static const tcm_test_case tests[] = {
    { "erfcx vs mpmath", test_ref_erfcx },
    { "log_erfc vs mpmath", test_ref_log_erfc },
    { "H vs mpmath", test_ref_H },
    { "logH vs mpmath", test_ref_logH },
    { "GH vs mpmath", test_ref_GH },
    { "atanh_erf vs mpmath", test_ref_atanh_erf },
    { "logcosh vs mpmath", test_ref_logcosh },
    { "log1p_herf vs mpmath", test_ref_log1p_herf },
    { "log1p_herf_field vs mpmath", test_ref_log1p_herf_field },
    { "cont_ratio vs mpmath", test_ref_cont_ratio },
    { "cont_ratio_field vs mpmath", test_ref_cont_ratio_field },
    { "logaddexp vs mpmath", test_ref_logaddexp },
    { "identities: Gaussian tails", test_identities_gaussian },
    { "identities: ratios and fields", test_identities_cont },
    { "symmetries", test_symmetries },
    { "extreme arguments: one", test_extreme_one },
    { "extreme arguments: two", test_extreme_two },
    { "infinite arguments", test_infinities },
    { "bounded kernels (hot loops)", test_bounded_kernels },
    { "vector erf and log1p", test_vector_erf_log1p },
    { "vector log erfc, log, logaddexp, logcosh", test_vector_log_erfc },
};

TCM_TEST_SUITE("special", tests)
