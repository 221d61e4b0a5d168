/* Stable special functions (Gaussian tails, erfcx, log(1 + h erf), the
 * continuous hidden-unit ratio of EQUATIONS.md 1.1 and the binary field update of EQUATIONS.md 2.1).
 * Every regime switch is named by a constant below and justified where it is
 * used; tests/test_special.c checks both sides of each against mpmath. */
#include "tcmbp/special.h"

#include <math.h>

#define SQRT_PI 1.77245385090551602730       /* sqrt(pi) */
#define SQRT_2_OVER_PI 0.79788456080286535588 /* sqrt(2/pi) = 2 phi(0) */
#define INV_SQRT2PI 0.39894228040143267794    /* 1/sqrt(2 pi) = phi(0) */
#define LN2 0.69314718055994530942

/* erfcx: below ERFCX_SMALL the plain product exp(x^2) erfc(x) is exact enough
 * (x^2 <= 1/4, so rounding x^2 perturbs exp by < 0.25 ulp); from ERFCX_SMALL
 * to ERFCX_CF the product is taken with x^2 as an exact hi+lo pair; from
 * ERFCX_CF on a continued fraction. The fraction is needed past 26.5, where erfc
 * underflows; starting it at 10 costs nothing in accuracy (truncation < 1e-20)
 * and replaces exp + erfc by 12 divisions. */
#define ERFCX_SMALL 0.5
#define ERFCX_CF 10.0
#define ERFCX_CF_TERMS 12 /* relative truncation error < 1e-20 at x = ERFCX_CF */
/* Where 1 + h erf(t) (h erf(t) < 0) drops below 1/2 the complement form
 * (1 - |h|) + |h| erfc(|t|) is used instead of 1 + h erf(t). */
#define CANCEL_SPLIT 0.5
/* logcosh: log1p(2 sinh^2(x/2)) below, |x| - log 2 + log1p(e^-2|x|) above. */
#define LOGCOSH_SPLIT 8.0

/* x*x as an exact pair hi + *lo (fma); lo = 0 when x*x is not finite. */
static double sq_split(double x, double *lo)
{
    double hi = x * x;
    *lo = isfinite(hi) ? fma(x, x, -hi) : 0.0;
    return hi;
}

/* exp(-x^2/2) from the exact pair, so that rounding x^2 (relative 1e-16 of a
 * number up to ~1400) is not amplified by exp. Underflows to 0 past |x| ~ 38.6. */
static double exp_mhalf_sq(double x)
{
    double lo, hi = sq_split(x, &lo);
    return exp(-0.5 * hi) * (1.0 - 0.5 * lo);
}

/* Continued fraction erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + (2/2)/(x + ...))),
 * evaluated bottom-up; returns the denominator x + ..., i.e. 1/(sqrt(pi) erfcx(x)).
 * For x >= ERFCX_CF, ERFCX_CF_TERMS terms give relative error < 1e-20. */
static double erfcx_cf_denominator(double x)
{
    double f = x;
    for (int k = ERFCX_CF_TERMS; k >= 1; k--)
        f = x + (0.5 * k) / f;
    return f;
}

/* erfcx for x > -ERFCX_SMALL (the three regimes listed at ERFCX_SMALL). */
static double erfcx_above(double x)
{
    if (x < ERFCX_SMALL)
        return exp(x * x) * erfc(x);
    if (x < ERFCX_CF) {
        double lo, hi = sq_split(x, &lo);
        return exp(hi) * (1.0 + lo) * erfc(x);
    }
    return 1.0 / (SQRT_PI * erfcx_cf_denominator(x));
}

/* 1/erfcx(t) for t >= 0, without passing through a subnormal erfcx for huge t. */
static double erfcx_inv(double t)
{
    if (t < ERFCX_CF)
        return 1.0 / erfcx_above(t);
    return SQRT_PI * erfcx_cf_denominator(t);
}

double tcm_erfcx(double x)
{
    if (isnan(x))
        return x;
    if (x > -ERFCX_SMALL)
        return erfcx_above(x);
    /* x <= -1/2: erfcx(x) = 2 exp(x^2) - erfcx(-x); the second term is below
     * a quarter of the first, so no cancellation. Overflows for x < -26.6. */
    double lo, hi = sq_split(x, &lo);
    return 2.0 * exp(hi) * (1.0 + lo) - erfcx_above(-x);
}

double tcm_log_erfc(double x)
{
    /* |x| < 1/2: log1p(-erf x) keeps relative accuracy where erfc ~ 1.
     * x <= -1/2: erfc in (1.52, 2], log is far from 0.
     * 1/2 <= x < ERFCX_CF: erfc is a normal number, |log| > 0.73.
     * x >= ERFCX_CF: log erfcx(x) - x^2 (erfc underflows past 26.5). */
    if (fabs(x) < ERFCX_SMALL)
        return log1p(-erf(x));
    if (x < ERFCX_CF)
        return log(erfc(x));
    return -log(SQRT_PI * erfcx_cf_denominator(x)) - x * x;
}

double tcm_H(double x)
{
    /* x < 1: erfc(x/sqrt2)/2 directly (relative sensitivity to rounding
     * x/sqrt2 is < 1 ulp there). x >= 1: erfcx(x/sqrt2) exp(-x^2/2)/2 with the
     * exponent taken from the exact x, since erfc(u) amplifies a rounding of u
     * by 2u^2 (1.6e-13 at x = 40) while erfcx does not amplify it. */
    if (isnan(x))
        return x;
    double u = x / TCM_SQRT2;
    if (x < 1.0)
        return 0.5 * erfc(u);
    return 0.5 * erfcx_above(u) * exp_mhalf_sq(x);
}

double tcm_logH(double x)
{
    /* x < 0: log1p(-H(-x)), accurate where H -> 1. x >= 0: log(erfcx(u)/2) - x^2/2,
     * a sum of two non-positive terms; (x/2)*x delays overflow to x ~ 1.9e154. */
    if (isnan(x))
        return x;
    if (x < 0.0)
        return log1p(-tcm_H(-x));
    return -log(2.0 * erfcx_inv(x / TCM_SQRT2)) - (0.5 * x) * x;
}

double tcm_GH(double x)
{
    /* x >= 0: phi/H = sqrt(2/pi)/erfcx(x/sqrt2), exp(-x^2/2) cancels analytically.
     * x < 0: H in (1/2, 1], phi(x)/H(x) directly with exp from the exact x^2
     * (erfcx of a negative argument would amplify the rounding of x/sqrt2). */
    if (isnan(x))
        return x;
    if (x >= 0.0)
        return SQRT_2_OVER_PI * erfcx_inv(x / TCM_SQRT2);
    return 2.0 * INV_SQRT2PI * exp_mhalf_sq(x) / erfc(x / TCM_SQRT2);
}

double tcm_logaddexp(double a, double b)
{
    if (isnan(a) || isnan(b))
        return a + b;
    double m = a > b ? a : b, n = a > b ? b : a;
    if (isinf(m))
        return m; /* +inf, or both -inf */
    return m + log1p(exp(n - m));
}

double tcm_logcosh(double x)
{
    double ax = fabs(x);
    if (ax < LOGCOSH_SPLIT) {
        double s = sinh(0.5 * ax);
        return log1p(2.0 * s * s); /* cosh x - 1 = 2 sinh^2(x/2): no cancellation near 0 */
    }
    return ax - LN2 + log1p(exp(-2.0 * ax));
}

/* log((1 - a) + a erfc(t)) given log(1 - a) and log(a), for t >= 0: both terms are
 * positive, so the log-space sum is exact up to rounding; used where the
 * value is below log(1/2), so absolute errors of order eps stay relative. */
static double log_complement(double log_d, double log_a, double t)
{
    return tcm_logaddexp(log_d, log_a + tcm_log_erfc(t));
}

double tcm_log1p_herf(double h, double x)
{
    /* Same signs (h x >= 0) or |h erf x| <= 1/2: log1p(h erf x) has no cancellation.
     * Otherwise 1 + h erf(x) = (1 - |h|) + |h| erfc(|x|), where 1 - |h| is exact
     * (|h| > 1/2, Sterbenz) and the sum is taken in log space (erfc may underflow). */
    double e = erf(x);
    double he = h * e;
    if (he >= -CANCEL_SPLIT)
        return log1p(he);
    double a = fmin(fabs(h), 1.0); /* tolerate |h| = 1 + eps from upstream rounding */
    return log_complement(log(1.0 - a), log(a), fabs(x));
}

double tcm_log1p_herf_field(double f, double x)
{
    /* Mathematically log(e^f erfc(-x) + e^-f erfc(x)) - log(2 cosh f). Computed as
     * log1p(tanh(f) erf x) where that has no cancellation (this keeps relative
     * accuracy when the result is near 0, which the two-log difference loses);
     * otherwise as log((1-a) + a erfc|x|) with a = tanh|f| and both logs taken
     * from the field: 1 - a = 2q/(1+q), a = (1-q)/(1+q), q = e^{-2|f|}. */
    double he = tanh(f) * erf(x);
    if (he >= -CANCEL_SPLIT)
        return log1p(he);
    double af = fabs(f), q = exp(-2.0 * af); /* here a > 1/2, |f| > 0.549 */
    double log_d = LN2 - 2.0 * af - log1p(q);
    double log_a = -2.0 * atanh(q);
    return log_complement(log_d, log_a, fabs(x));
}

/* d exp(z^2/2), the term that grows in the cancelling regime of the ratio,
 * held as c exp(hi) (1 + lo) with hi + lo the exact exponent (so that an
 * exponent of several hundred does not amplify its own rounding). */
typedef struct {
    double c, hi, lo;
} scaled_exp;

/* Past this exponent d exp(z^2/2) > 1e288 (d >= 2^-53, or c >= 1 for fields)
 * swamps |h| erfcx(t) < 1, so the ratio is h sqrt(2/pi) e^{-hi} / c. */
#define TAIL_EXP_MAX 700.0

/* The ratio of EQUATIONS.md 1.1 where 1 + h erf(u) = d + a erfc(t) cancels
 * (h z < 0, a erf t > 1/2, t = |z|/sqrt2): dividing by phi(z) = exp(-t^2)/sqrt(2 pi)
 * and erfc(t) = erfcx(t) exp(-t^2),
 *     g = h sqrt(2/pi) / (dexp + a erfcx(t)),  a = |h|, dexp = d exp(z^2/2) >= 0,
 * evaluated as h sqrt(2/pi) R / (dexp R + a) with R = 1/erfcx(t). */
static double cont_tail(double h, double a, scaled_exp d, double t)
{
    double r = erfcx_inv(t);
    if (d.c == 0.0 || d.hi < -750.0) /* d exp(z^2/2) = 0 in double: +-GH(|z|) / a */
        return h * SQRT_2_OVER_PI * r / a;
    if (d.hi > TAIL_EXP_MAX) {
        /* e^{-hi} in two halves so that only the last product may round into
         * the subnormal range (the 1/c factor can be up to 2^53). */
        double e = exp(-0.5 * d.hi);
        return (h * SQRT_2_OVER_PI / d.c * e * (1.0 - d.lo)) * e;
    }
    double dexp = d.c * exp(d.hi) * (1.0 + d.lo);
    double den = dexp * r + a;
    if (isinf(den)) /* only for t > 1e290, i.e. |f| > 1e290 in the field version */
        return h * SQRT_2_OVER_PI / (dexp + a / r);
    return h * SQRT_2_OVER_PI * r / den;
}

/* g = 2 h phi(z) / den where den = 1 + h erf(z/sqrt2) >= 1/2 (no cancellation). */
static double cont_direct(double h, double z, double he)
{
    return 2.0 * h * INV_SQRT2PI * exp_mhalf_sq(z) / (1.0 + he);
}

double tcm_cont_ratio(double h, double z)
{
    /* Regimes: (i) h z >= 0: 1 + h erf(u) in [1, 2]; (ii) h z < 0 and
     * |h erf u| <= 1/2: 1 + h erf(u) >= 1/2 -- both direct with phi(z) from the
     * exact z^2. (iii) h z < 0 and |h erf u| > 1/2 (|h| > 1/2, |z| > 0.67): the
     * cancelling denominator is rewritten with erfcx (cont_tail), d = 1 - |h|
     * exact. For h = +-1 this is +-GH(-+|z|) ~ |z|; for |h| < 1 and |z| large it
     * decays like phi(z)/(1-|h|) and underflows to 0 past z^2/2 ~ 745 - log(1-|h|). */
    if (isnan(h) || isnan(z))
        return h + z;
    double he = h * erf(z / TCM_SQRT2);
    if (he >= -CANCEL_SPLIT)
        return cont_direct(h, z, he);
    double a = fmin(fabs(h), 1.0); /* tolerate |h| = 1 + eps from upstream rounding */
    double lo, hi = sq_split(z, &lo);
    scaled_exp d = {1.0 - a, 0.5 * hi, 0.5 * lo};
    return cont_tail(copysign(a, h), a, d, fabs(z) / TCM_SQRT2);
}

/* (1 - tanh|f|) exp(z^2/2) = 2/(1+q) exp(z^2/2 - 2|f|), q = e^{-2|f|}, with the
 * exponent z^2/2 - 2|f| kept exact (fma for the square, two-sum for the difference). */
static scaled_exp field_scaled_exp(double af, double z)
{
    double az = fabs(z), a = (0.5 * az) * az, b = -2.0 * af;
    scaled_exp d = {2.0 / (1.0 + exp(b)), a + b, 0.0};
    if (isinf(b)) /* |f| > 9e307: e^{-2|f|} is exactly 0 in double */
        d.hi = -INFINITY;
    else if (isfinite(d.hi)) {
        double bb = d.hi - a;
        d.lo = (a - (d.hi - bb)) + (b - bb) + fma(0.5 * az, az, -a);
    }
    return d;
}

double tcm_cont_ratio_field(double f, double z)
{
    /* Same regimes as tcm_cont_ratio with h = tanh f; in regime (iii) 1 - |h|
     * comes from the field (field_scaled_exp), so |f| up to 1e3 and beyond
     * (tanh f == +-1 in double) keeps the right e^{-2|f|} tail. */
    if (isnan(f) || isnan(z))
        return f + z;
    double h = tanh(f);
    double he = h * erf(z / TCM_SQRT2);
    if (he >= -CANCEL_SPLIT)
        return cont_direct(h, z, he);
    return cont_tail(h, fabs(h), field_scaled_exp(fabs(f), z), fabs(z) / TCM_SQRT2);
}

double tcm_atanh_erf(double x)
{
    /* Odd. |x| < 1/2: atanh(erf x) (erf x < 0.53, condition number < 1.3).
     * |x| >= 1/2: (1/2) log((1 + erf x)/erfc x)
     *           = (1/2)(log1p(erf x) - log erfcx(x)) + x^2/2, all terms >= 0. */
    double ax = fabs(x);
    if (isnan(x) || ax < ERFCX_SMALL)
        return atanh(erf(x));
    double r = 0.5 * (log1p(erf(ax)) + log(erfcx_inv(ax))) + (0.5 * ax) * ax;
    return x < 0.0 ? -r : r;
}
