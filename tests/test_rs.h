/* The replica-symmetric entropy of the spherical perceptron (EQUATIONS.md
 * 1.4, 5), computed by quadrature and golden-section search: the reference
 * of the K = 1 tests of BP (test_bp.c) and AMP (test_amp.c). */
#ifndef TCMBP_TEST_RS_H
#define TCMBP_TEST_RS_H

#include <math.h>

#include "tcmbp/special.h"

/* E_t ln H(c t), t ~ N(0,1), Simpson's rule on [-12, 12]. */
static inline double test_gauss_mean_logH(double c)
{
    const int n = 4800; /* even */
    const double L = 12.0, h = 2.0 * L / n;
    double s = 0.0;
    for (int j = 0; j <= n; j++) {
        double t = -L + j * h, w = (j == 0 || j == n) ? 1.0 : (j % 2 ? 4.0 : 2.0);
        s += w * exp(-0.5 * t * t) / TCM_SQRT2PI * tcm_logH(c * t);
    }
    return s * h / 3.0;
}

/* G(q) = 1/2 ln(1-q) + q/(2(1-q)) + alpha E_t ln H(sqrt(q/(1-q)) t). */
static inline double test_rs_functional(double alpha, double q)
{
    return 0.5 * log1p(-q) + q / (2.0 * (1.0 - q)) + alpha * test_gauss_mean_logH(sqrt(q / (1.0 - q)));
}

/* S_RS(alpha) = min over q in (0,1) of G(q), by golden-section search. */
static inline double test_rs_entropy(double alpha)
{
    double a = 1e-9, b = 0.995, gr = 0.5 * (sqrt(5.0) - 1.0);
    double c = b - gr * (b - a), d = a + gr * (b - a);
    double fc = test_rs_functional(alpha, c), fd = test_rs_functional(alpha, d);
    while (b - a > 1e-10) {
        if (fc < fd) {
            b = d, d = c, fd = fc;
            c = b - gr * (b - a), fc = test_rs_functional(alpha, c);
        } else {
            a = c, c = d, fc = fd;
            d = a + gr * (b - a), fd = test_rs_functional(alpha, d);
        }
    }
    return test_rs_functional(alpha, 0.5 * (a + b));
}

#endif
