/* Numerically stable special functions for the message-passing updates.
 * H(x) = erfc(x/sqrt2)/2 is the Gaussian tail, phi(x) = exp(-x^2/2)/sqrt(2pi).
 * Every function is pure, finite for all finite arguments it accepts, and
 * documented with its regimes and accuracy (see special.c for the switches).
 *
 * Accuracy target: 1e-13 relative, asserted by tests/test_special.c against
 * mpmath (60+ digits) at both sides of every regime switch. Measured max
 * relative error (glibc 2.36, x86-64) on the reference tables / on 80000
 * random arguments per function (|x| < 45, h and f spread up to +-1 and +-1e3;
 * `tests/data/gen_special_ref.py --stress 20000 SEED`, seeds 1-4):
 *   erfcx 2.5e-16 / 5.1e-16       log_erfc 2.7e-16 / 3.0e-16
 *   H     3.5e-16 / 6.8e-16       logH     3.8e-16 / 6.8e-16
 *   GH    2.8e-16 / 6.0e-16       atanh_erf 2.1e-16 / 3.3e-16
 *   logcosh 2.4e-16 / 5.7e-16     log1p_herf 2.4e-16 / 3.4e-16
 *   log1p_herf_field 2.9e-16 / 4.4e-16
 *   cont_ratio 5.1e-16 / 6.3e-16  cont_ratio_field 6.0e-16 / 7.1e-16
 *   logaddexp 1.8e-16 / 1.4e-13: the latter where the result is near 0 through
 *   cancellation of its inputs (see its comment); elsewhere a few ulps.
 * The error is relative also where a value crosses 0 (log1p_herf near x = 0,
 * cont_ratio near h = 0, atanh_erf and logcosh near 0). Results in the
 * subnormal range (below 2.2e-308, e.g. H(x > 37.5)) carry fewer digits and
 * are accurate to a few units of 2^-1074. Arguments may be +-inf; NaN gives NaN. */
#ifndef TCMBP_SPECIAL_H
#define TCMBP_SPECIAL_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#define TCM_SQRT2 1.41421356237309504880
#define TCM_SQRT2PI 2.50662827463100050242
#define TCM_LOG_SQRT2PI 0.91893853320467274178

/* erfcx(x) = exp(x^2) erfc(x), for all real x; +inf only for x < -26.63,
 * where the value exceeds DBL_MAX. ~ 1/(x sqrt(pi)) for large x. */
double tcm_erfcx(double x);

/* log erfc(x), finite for x < 1.3e154 (beyond, -inf: the value is below -DBL_MAX). */
double tcm_log_erfc(double x);

/* H(x) = erfc(x / sqrt 2) / 2; underflows to 0 past x ~ 38.6. */
double tcm_H(double x);

/* log H(x), finite for x < 1.9e154 (about -x^2/2 for large x; -H(-x) for x -> -inf). */
double tcm_logH(double x);

/* phi(x) / H(x) (inverse Mills ratio), finite for |x| < 1e300; ~x for large x,
 * ~phi(x) for x -> -inf. */
double tcm_GH(double x);

/* log(1 + h erf(x)) for h in [-1, 1] (|h| slightly above 1 from rounding is
 * treated as 1), finite for |x| < 1.3e154 whenever 1 + h erf(x) > 0
 * (returns -INFINITY only when it is exactly 0, e.g. h = -1 and x = +inf).
 * This is the binary-weight update of EQUATIONS.md 2.1: f = (log1p_herf(h, a+) - log1p_herf(h, a-))/2. */
double tcm_log1p_herf(double h, double x);

/* The same with h given as a field: h = tanh(f), any f including +-inf.
 * Mathematically log(e^f erfc(-x) + e^-f erfc(x)) - log(2 cosh f); computed as
 * log1p(tanh(f) erf x) where that does not cancel (keeping relative accuracy
 * near 0), otherwise as log((1 - a) + a erfc|x|), a = tanh|f|, with 1 - a taken
 * from the field, so |f| > 20 (tanh f == +-1 in double) keeps its e^{-2|f|} tail. */
double tcm_log1p_herf_field(double f, double x);

/* Ratio of the continuous hidden-unit update (EQUATIONS.md 1.1):
 * g(h, z) = 2 h phi(z) / (1 + h erf(z / sqrt 2)), h in [-1, 1] (|h| slightly above
 * 1 is treated as 1), finite for |z| < 1e300. Where the denominator cancels
 * (h z < 0, |h| near 1, |z| large) phi cancels analytically via erfcx, so
 * g(+-1, -+z) = +-GH(z) ~ +-|z| and g(h, z) ~ 2 h phi(z)/(1 - |h|) stays exact. */
double tcm_cont_ratio(double h, double z);

/* The same with h = tanh(f) (any f, including +-inf):
 * g = phi(z) (e^f - e^-f) / (e^f H(-z) + e^-f H(z)); 1 - |h| is taken from the
 * field, so large |f| (where tanh f == +-1) keeps the e^{-2|f|} tail. */
double tcm_cont_ratio_field(double f, double z);

/* atanh(erf(x)), finite for |x| < 1.9e154 (~ x^2/2 + log(2 sqrt(pi) x)/2 for large x). */
double tcm_atanh_erf(double x);

/* log cosh(x) without overflow (finite for all finite x). */
double tcm_logcosh(double x);

/* log(exp(a) + exp(b)) without overflow; handles +-INFINITY arguments
 * (-inf, -inf gives -inf). Computed as max + log1p(exp(min - max)): the error is
 * a few ulps of the result plus eps (|a| w_a + |b| w_b), w the softmax weights,
 * i.e. relative unless the result is near 0 through cancellation of the inputs. */
double tcm_logaddexp(double a, double b);

/* Inlining that hot loops rely on (a call inside a `#pragma omp simd` loop
 * stops its vectorisation). */
#if defined(__GNUC__)
#define TCM_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define TCM_ALWAYS_INLINE inline
#endif

/* ---- Bounded, vectorisable kernels for the hot loops ----
 * Branch-free straight-line code (no table, no libm call but fma) that a
 * compiler can vectorise inside `#pragma omp simd` loops; each is valid on a
 * stated domain only, which the caller guarantees. Polynomials: Chebyshev
 * interpolants computed with mpmath (40 digits), converted to the monomial
 * basis of a variable centred on the interval (so that Horner's rule is
 * stable) and evaluated with fma: one rounding per step, the same bits on
 * every machine (a single instruction where the CPU has FMA: the hot loops
 * are compiled for x86-64-v3/v4, see src/lib/hot.h; a libm call elsewhere).
 * Measured max relative error (tests/test_special.c): exp 2e-16, erfcx 1e-15. */

/* exp(x) for -707 <= x <= 709: x = n ln2 + r, |r| <= ln2/2 (Cody-Waite with a
 * two-part ln2, n from the 1.5*2^52 rounding trick), exp(r) by a degree-11
 * polynomial, 2^n assembled in the exponent bits. Outside the domain the
 * result is wrong (no overflow or underflow handling). */
static TCM_ALWAYS_INLINE double tcm_exp_bounded(double x)
{
    const double shift = 6755399441055744.0; /* 1.5 * 2^52: adding it rounds to an integer */
    double kd = x * 1.4426950408889634074 + shift;
    uint64_t bits;
    memcpy(&bits, &kd, sizeof bits); /* low bits: n in two's complement */
    kd -= shift;
    double r = fma(-kd, 1.90821492927058770002e-10, fma(-kd, 6.93147180369123816490e-01, x));
    double p = 2.5110049204818658e-08;
    p = fma(p, r, 2.763265472252779e-07);
    p = fma(p, r, 2.755724088722987e-06);
    p = fma(p, r, 2.4801485441561313e-05);
    p = fma(p, r, 0.00019841269890076403);
    p = fma(p, r, 0.0013888888952352863);
    p = fma(p, r, 0.008333333333319589);
    p = fma(p, r, 0.04166666666648795);
    p = fma(p, r, 0.1666666666666668);
    p = fma(p, r, 0.5000000000000019);
    p = fma(p, r, 1.0);
    p = fma(p, r, 1.0);
    uint64_t sbits = (bits + 1023u) << 52; /* the high bits of bits shift out */
    double scale;
    memcpy(&scale, &sbits, sizeof scale);
    return p * scale;
}

/* erfcx(u) = exp(u^2) erfc(u) = P(u) / Q(u) for 0 <= u <= 5.7 (the fast
 * ratio path needs u = |z|/sqrt2 <= 8/sqrt2): a rational function of degree
 * (8, 8) with positive coefficients (so no cancellation for u >= 0; Q >= 1),
 * fitted to relative error by linearised least squares (Sanathanan-Koerner)
 * at 50 digits. Returns P(u) and stores Q(u) in *q, so that a caller can fold
 * the division into its own. No division. */
static TCM_ALWAYS_INLINE double tcm_erfcx_bounded_pq(double u, double *q)
{
    double p = 1.306992433617142e-11, r = 0.0007730577950041655;
    p = fma(p, u, 0.00043615044450339243);
    r = fma(r, u, 0.01235556054630898);
    p = fma(p, u, 0.006970896988787652);
    r = fma(r, u, 0.09329117261816385);
    p = fma(p, u, 0.05241552846368076);
    r = fma(r, u, 0.4289176928260856);
    p = fma(p, u, 0.2385090369179571);
    r = fma(r, u, 1.3017511826808712);
    p = fma(p, u, 0.7084124401441285);
    r = fma(r, u, 2.6532909021077207);
    p = fma(p, u, 1.3814204997360915);
    r = fma(r, u, 3.5291870987968097);
    p = fma(p, u, 1.6612563480309857);
    r = fma(r, u, 2.7896355151264447);
    p = fma(p, u, 0.9999999999999998);
    r = fma(r, u, 1.0);
    *q = r;
    return p;
}

/* erfcx(u) for 0 <= u <= 5.7: tcm_erfcx_bounded_pq with its division. */
static TCM_ALWAYS_INLINE double tcm_erfcx_bounded(double u)
{
    double q, p = tcm_erfcx_bounded_pq(u, &q);
    return p / q;
}

/* erf(x) for any x, branch-free (both regimes computed, one selected): for
 * |x| < 0.84375, x g(x^2) with g of degree 11 (Chebyshev, relative error
 * 1e-19); above, 1 - erfc(|x|) with erfc = exp(-x^2) P/Q (x^2 as an exact
 * hi + lo pair), and +-1 beyond 5.7, where erfc < 2e-16 (within an ulp).
 * Max relative error 4e-16 (tests/test_special.c). NaN gives NaN. */
static TCM_ALWAYS_INLINE double tcm_erf_vec(double x)
{
    double a = fabs(x), t = a * a;
    double g = -8.879702704985848e-10;
    g = fma(g, t, 1.4205594850504056e-08);
    g = fma(g, t, -1.630309508468887e-07);
    g = fma(g, t, 1.6457914349746103e-06);
    g = fma(g, t, -1.4925463570287675e-05);
    g = fma(g, t, 0.00012055327421282683);
    g = fma(g, t, -0.000854832691425112);
    g = fma(g, t, 0.005223977624080742);
    g = fma(g, t, -0.026866170645031);
    g = fma(g, t, 0.11283791670954745);
    g = fma(g, t, -0.3761263890318375);
    g = fma(g, t, 1.1283791670955126);
    double ac = a < 5.7 ? a : 5.7, hi = ac * ac, lo = fma(ac, ac, -hi);
    double q, p = tcm_erfcx_bounded_pq(ac, &q);
    double erfc = tcm_exp_bounded(-hi) * (1.0 - lo) * p / q;
    double big = copysign(a < 5.7 ? 1.0 - erfc : 1.0, x);
    double r = a < 0.84375 ? x * g : big;
    return x == x ? r : x;
}

/* log(u + c) for a positive normal u below 2^1023 and a correction |c| <=
 * ulp(u)/2, branch-free: u = 2^k m with m in [sqrt2/2, sqrt2), log m = 2
 * atanh(s) = s (2 + P(s^2)), s = (m-1)/(m+1), P of degree 7 (relative error
 * 2e-18), and log(u + c) = k ln2 + log m + c/u; s and c/u share one
 * division. The common core of tcm_log1p_bounded and tcm_log_bounded. */
static TCM_ALWAYS_INLINE double tcm_log_split(double u, double c)
{
    uint64_t b, mb, eb;
    memcpy(&b, &u, sizeof b);
    mb = (b & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull; /* mantissa in [1, 2) */
    eb = (b >> 52) | 0x4330000000000000ull;                    /* 2^52 + biased exponent */
    double m, ed;
    memcpy(&m, &mb, sizeof m);
    memcpy(&ed, &eb, sizeof ed);
    double k = ed - (4503599627370496.0 + 1023.0), up = m > 1.4142135623730951 ? 1.0 : 0.0;
    m = up > 0.0 ? 0.5 * m : m;
    k += up;
    double f = m - 1.0, d = 2.0 + f, r = 1.0 / (d * u);
    double s = f * u * r, cu = c * d * r, w = s * s;
    double p = 0.14809867572313062;
    p = fma(p, w, 0.153125131147383);
    p = fma(p, w, 0.18183632241617026);
    p = fma(p, w, 0.22222197046404274);
    p = fma(p, w, 0.2857142876073828);
    p = fma(p, w, 0.3999999999930191);
    p = fma(p, w, 0.6666666666666765);
    p = p * w;
    double low = fma(s, p, cu) + k * 1.90821492927058770002e-10;
    return fma(k, 6.93147180369123816490e-01, 2.0 * s) + low;
}

/* log1p(y) for -1 < y with 1 + y a normal number below 2^1023, branch-free:
 * 1 + y = u + c exactly (c the rounding error of u), then tcm_log_split.
 * Max relative error 4e-16. */
static TCM_ALWAYS_INLINE double tcm_log1p_bounded(double y)
{
    double u = 1.0 + y;
    return tcm_log_split(u, y - (u - 1.0));
}

/* log(x) for a positive normal x below 2^1023, branch-free (tcm_log_split).
 * Max relative error 4e-16 away from x = 1 (absolute 1e-16 near it). */
static TCM_ALWAYS_INLINE double tcm_log_bounded(double x) { return tcm_log_split(x, 0.0); }

/* One step of the forward recurrence of the convergents of erfcx's continued
 * fraction (tcm_log_erfc_vec): A_k = tc A_{k-1} + c A_{k-2}, B the same. */
#define TCM_CF_STEP(c)                                                   \
    do {                                                                 \
        double a2_ = fma(tc, a1, (c) * a0), b2_ = fma(tc, b1, (c) * b0); \
        a0 = a1;                                                         \
        a1 = a2_;                                                        \
        b0 = b1;                                                         \
        b1 = b2_;                                                        \
    } while (0)

/* erfcx(t) for t >= 0 (incl. +inf) as a fraction *num / den, branch-free:
 * P/Q (tcm_erfcx_bounded_pq) up to 5.7; above, 1/(sqrt(pi) D), D = t +
 * (1/2)/(t + (2/2)/(t + ... (16/2)/t)) the continued fraction of erfcx, as
 * A/B from the forward recurrence of its convergents (positive terms: no
 * cancellation; written out, so that the loop around it vectorises;
 * truncation below 4e-17 relative for t >= 5.7), with t clamped at 1e8 (A
 * grows like t^17) and D = t beyond (the next term 1/(2t^2) is below half an
 * ulp), t clamped again at 1e300. Returns den and stores num: the caller
 * divides (or folds the division into its own). No division. */
static TCM_ALWAYS_INLINE double tcm_erfcx_vec_frac(double t, double *num)
{
    double tp = t < 5.7 ? t : 5.7, q, p = tcm_erfcx_bounded_pq(tp, &q);
    double tc = t < 5.7 ? 5.7 : (t < 1e8 ? t : 1e8);
    double a0 = 1.0, a1 = tc, b0 = 0.0, b1 = 1.0;
    TCM_CF_STEP(0.5);
    TCM_CF_STEP(1.0);
    TCM_CF_STEP(1.5);
    TCM_CF_STEP(2.0);
    TCM_CF_STEP(2.5);
    TCM_CF_STEP(3.0);
    TCM_CF_STEP(3.5);
    TCM_CF_STEP(4.0);
    TCM_CF_STEP(4.5);
    TCM_CF_STEP(5.0);
    TCM_CF_STEP(5.5);
    TCM_CF_STEP(6.0);
    TCM_CF_STEP(6.5);
    TCM_CF_STEP(7.0);
    TCM_CF_STEP(7.5);
    TCM_CF_STEP(8.0);
    /* erfcx = num / den: P/Q below 5.7, B/(sqrt(pi) A) above, 1/(sqrt(pi) t) past 1e8 */
    double big = t < 1e300 ? t : 1e300; /* past 1e300 a log of it is -inf anyway */
    *num = t < 5.7 ? p : (t < 1e8 ? b1 : 1.0);
    return t < 5.7 ? q : 1.7724538509055160273 * (t < 1e8 ? a1 : big);
}

/* log erfc(t) for t >= 0.25 (incl. +inf), branch-free: log erfcx(t) - t^2
 * with erfcx from tcm_erfcx_vec_frac and t^2 an exact pair hi + lo. One
 * division and one log in all. -inf where t^2 overflows. Max relative error
 * 1.5e-15 (the P/Q fit; the result is < -0.3, so it is also an absolute
 * error); NaN gives NaN. */
static TCM_ALWAYS_INLINE double tcm_log_erfc_vec(double t)
{
    double num, den = tcm_erfcx_vec_frac(t, &num);
    double lx = tcm_log_bounded(num / den);
    double hi = t * t, lo = fma(t, t, -hi);
    lo = hi < INFINITY ? lo : 0.0;
    double r = (lx - hi) - lo;
    return t == t ? r : t;
}
#undef TCM_CF_STEP

/* log cosh(x) for finite x, branch-free: |x| - ln 2 + log1p(e^{-2|x|}), the
 * exponent clamped at -707. Relative error 4e-16 for |x| >= 1; below, the
 * ln 2 cancels and the error is absolute, 3e-16 (for sums of differences
 * such as the Bethe free entropy's cavity terms, not for tiny |x|). */
static TCM_ALWAYS_INLINE double tcm_logcosh_bounded(double x)
{
    double ax = fabs(x), e = -2.0 * ax;
    return (ax - 0.69314718055994530942) + tcm_log1p_bounded(tcm_exp_bounded(e > -707.0 ? e : -707.0));
}

/* log(a + b) from la = log a, lb = log b (either may be -inf), branch-free:
 * max + log1p(e^{min - max}), with the exponent clamped at -707 (where e^x <
 * 1e-307 is below half an ulp of the log1p term's 1). -inf when both are
 * -inf. NaN is not handled (the caller checks). */
static TCM_ALWAYS_INLINE double tcm_logaddexp_bounded(double la, double lb)
{
    double m = la > lb ? la : lb, n = la > lb ? lb : la, d = n - m;
    d = d > -707.0 ? d : -707.0; /* also maps the NaN of -inf - -inf to the clamp */
    double r = m + tcm_log1p_bounded(tcm_exp_bounded(d));
    return m > -INFINITY ? r : m;
}

#endif
