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
 * This is the binary-weight update of spec 2: f = (log1p_herf(h, a+) - log1p_herf(h, a-))/2. */
double tcm_log1p_herf(double h, double x);

/* The same with h given as a field: h = tanh(f), any f including +-inf.
 * Mathematically log(e^f erfc(-x) + e^-f erfc(x)) - log(2 cosh f); computed as
 * log1p(tanh(f) erf x) where that does not cancel (keeping relative accuracy
 * near 0), otherwise as log((1 - a) + a erfc|x|), a = tanh|f|, with 1 - a taken
 * from the field, so |f| > 20 (tanh f == +-1 in double) keeps its e^{-2|f|} tail. */
double tcm_log1p_herf_field(double f, double x);

/* Ratio of the continuous hidden-unit update (spec 1.1):
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

#endif
