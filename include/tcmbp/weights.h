/* A committee-machine configuration: K units of n weights, continuous
 * (normalised per unit to sum_i w_ki^2 = n) or binary (+-1, stored as
 * doubles), and its evaluation on an instance. */
#ifndef TCMBP_WEIGHTS_H
#define TCMBP_WEIGHTS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "tcmbp/names.h"

#define TCM_WEIGHT_KINDS(X) X(TCM_WEIGHTS_CONTINUOUS, "continuous") X(TCM_WEIGHTS_BINARY, "binary")
typedef enum { TCM_WEIGHT_KINDS(TCM_ENUM_VALUE) } tcm_weight_kind;
extern const char *const tcm_weight_kind_names[];

typedef struct {
    int K;                /* units */
    int n;                /* weights per unit */
    tcm_weight_kind kind;
    double *w;            /* K x n, row-major (unit k at w + k*n) */
} tcm_weights;

struct tcm_instance_s; /* tcm_instance, defined in instance.h */

/* Evaluation of a configuration on an instance under the instance's output
 * rule. Hidden field of unit k on pattern a: h_ka = (1/sqrt n) sum_i w_ki
 * xi_aki; tau_ka = sign(h_ka) (0 when h_ka == 0 exactly); output =
 * sign(sum_k tau_ka), 0 on a tie (majority), or prod_k tau_ka (parity, 0 if a
 * field is 0). A pattern is an error unless output == sigma_a (ties count as
 * errors).
 * Stability of unit k on pattern a: its field times the sign it must have
 * for the pattern to be right given the other units: sigma_a h_ka (majority,
 * as always), sigma_a prod_{j != k} tau_ja h_ka (parity; = +|h_ka| on a
 * correct pattern, -|h_ka| on a wrong one, 0 if some field is 0). Under
 * parity min_stability > 0 iff every pattern is right, and it is then the
 * smallest |h_ka|: the margin before one unit's flip breaks a pattern. */
typedef struct {
    int M;                 /* patterns evaluated */
    int errors;            /* patterns with output != sigma_a */
    double error_rate;     /* errors / M */
    double min_stability;  /* min over (a,k) of the stability (majority: sigma_a * h_ka) */
    double mean_stability; /* mean over (a,k) of the stability */
} tcm_eval;

/* Allocate K x n zero weights (K > 0, n > 0, known kind). NULL on error,
 * with the message set (TCM_EINVAL for bad sizes, TCM_ENOMEM). */
tcm_weights *tcm_weights_alloc(int K, int n, tcm_weight_kind kind);
/* Release w and its array (NULL-safe). */
void tcm_weights_free(tcm_weights *w);
/* A deep copy of w; NULL on error (message set). */
tcm_weights *tcm_weights_copy(const tcm_weights *w);

/* Scale each unit to sum_i w_ki^2 = n (whatever the kind; +-1 units are left
 * unchanged). TCM_EINVAL naming the unit when a unit has zero norm;
 * TCM_ENUMERIC naming (unit, index) when an entry is NaN or Inf. All checks
 * come first: on error w is unchanged. */
int tcm_weights_normalize(tcm_weights *w);

/* Check shape, finiteness (TCM_ENUMERIC), nonzero unit norms (continuous)
 * and +-1 entries (binary) (TCM_EINVAL), naming the first bad entry. */
int tcm_weights_validate(const tcm_weights *w);

/* Fill with the signs of src (binary view of a continuous configuration);
 * a zero entry becomes +1. dst and src must have the same K and n (TCM_EINVAL)
 * and may be the same object; NaN in src is TCM_ENUMERIC. dst->kind is left
 * as the caller allocated it. */
int tcm_weights_sign(tcm_weights *dst, const tcm_weights *src);

/* Hidden field h = (1/sqrt n) sum_i w_ki x_i of unit k of w on the n inputs
 * x (e.g. tcm_instance_unit_inputs(inst, a, k)), summed in index order. The
 * one definition used by tcm_weights_eval and by the instance generator's
 * teacher, so both always agree on signs. */
static inline double tcm_weights_field(const tcm_weights *w, int k, const int8_t *x)
{
    const double *wk = w->w + (size_t)k * (size_t)w->n;
    double s = 0.0;
    for (int i = 0; i < w->n; i++)
        s += wk[i] * (double)x[i];
    return s / sqrt((double)w->n);
}

/* Evaluate w on inst (shapes must match: K, n). Optional outputs (M, int8:
 * +1, -1 or 0 for a tie) and fields (M x K, h_ka) are filled when non-NULL;
 * out may be NULL too. TCM_EINVAL on a shape mismatch, TCM_ENUMERIC on
 * non-finite weights, TCM_ENOMEM. Parallel over patterns; every result is
 * bitwise independent of the thread count (stabilities are summed per
 * pattern, then over patterns in order). */
int tcm_weights_eval(const tcm_weights *w, const struct tcm_instance_s *inst, tcm_eval *out,
                     int8_t *outputs, double *fields);

/* "continuous" / "binary" ("unknown" for any other value). */
const char *tcm_weight_kind_name(tcm_weight_kind k);
/* Inverse of tcm_weight_kind_name (exact match); TCM_EINVAL on anything else. */
int tcm_weight_kind_parse(const char *s, tcm_weight_kind *out);

#endif
