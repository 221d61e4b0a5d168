/* Numerically stable special functions for the message-passing updates.
 * H(x) = erfc(x/sqrt2)/2 is the Gaussian tail, phi(x) = exp(-x^2/2)/sqrt(2pi).
 * Every function is pure, finite for all finite arguments it accepts, and
 * documented with its regimes and accuracy (see special.c for the switches).
 * Accuracy target: 1e-13 relative (or absolute where the value crosses 0). */
#ifndef TCMBP_SPECIAL_H
#define TCMBP_SPECIAL_H

#define TCM_SQRT2 1.41421356237309504880
#define TCM_SQRT2PI 2.50662827463100050242
#define TCM_LOG_SQRT2PI 0.91893853320467274178

/* erfcx(x) = exp(x^2) erfc(x), for all real x (overflows only for x < -26.6). */
double tcm_erfcx(double x);

/* log erfc(x), finite for all x up to ~1e150. */
double tcm_log_erfc(double x);

/* H(x) = erfc(x / sqrt 2) / 2. */
double tcm_H(double x);

/* log H(x), finite for all x (about -x^2/2 for large x). */
double tcm_logH(double x);

/* phi(x) / H(x) (inverse Mills ratio), finite for all x; ~x for large x. */
double tcm_GH(double x);

/* log(1 + h erf(x)) for h in [-1, 1], finite whenever 1 + h erf(x) > 0
 * (returns -INFINITY only when it is exactly 0, e.g. h = -1 and x = +inf). */
double tcm_log1p_herf(double h, double x);

/* The same with h given as a field: h = tanh(f). Stable for any f, including
 * |f| > 20 where tanh(f) rounds to +-1: computed as
 * log(e^f erfc(-x) + e^-f erfc(x)) - log(2 cosh f). */
double tcm_log1p_herf_field(double f, double x);

/* Ratio of the continuous hidden-unit update (spec 1.1):
 * g(h, z) = 2 h phi(z) / (1 + h erf(z / sqrt 2)), h in [-1, 1], |z| up to 40 and
 * beyond, without overflow or cancellation. */
double tcm_cont_ratio(double h, double z);

/* The same with h = tanh(f): g = phi(z) (e^f - e^-f) / (e^f H(-z) + e^-f H(z)). */
double tcm_cont_ratio_field(double f, double z);

/* atanh(erf(x)), finite for all finite x (~ x^2 + log x asymptotically). */
double tcm_atanh_erf(double x);

/* log cosh(x) without overflow. */
double tcm_logcosh(double x);

/* log(exp(a) + exp(b)) without overflow; handles -INFINITY arguments. */
double tcm_logaddexp(double a, double b);

#endif
