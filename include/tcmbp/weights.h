/* A committee-machine configuration: K units of n weights, continuous
 * (normalised per unit to sum_i w_ki^2 = n) or binary (+-1, stored as
 * doubles), and its evaluation on an instance. */
#ifndef TCMBP_WEIGHTS_H
#define TCMBP_WEIGHTS_H

#include <stdint.h>

typedef enum { TCM_WEIGHTS_CONTINUOUS = 0, TCM_WEIGHTS_BINARY = 1 } tcm_weight_kind;

typedef struct {
    int K;                /* units */
    int n;                /* weights per unit */
    tcm_weight_kind kind;
    double *w;            /* K x n, row-major (unit k at w + k*n) */
} tcm_weights;

struct tcm_instance_s; /* tcm_instance, defined in instance.h */

/* Evaluation of a configuration on an instance. Hidden field of unit k on
 * pattern a: h_ka = (1/sqrt n) sum_i w_ki xi_aki; tau_ka = sign(h_ka) (0 when
 * h_ka == 0 exactly); output = sign(sum_k tau_ka), 0 on a tie. A pattern is an
 * error unless output == sigma_a (ties count as errors). */
typedef struct {
    int M;                 /* patterns evaluated */
    int errors;            /* patterns with output != sigma_a */
    double error_rate;     /* errors / M */
    double min_stability;  /* min over (a,k) of sigma_a * h_ka */
    double mean_stability; /* mean over (a,k) of sigma_a * h_ka */
} tcm_eval;

/* Allocate K x n zero weights. NULL on error (message set). */
tcm_weights *tcm_weights_alloc(int K, int n, tcm_weight_kind kind);
void tcm_weights_free(tcm_weights *w);
tcm_weights *tcm_weights_copy(const tcm_weights *w);

/* Scale each unit to sum_i w_ki^2 = n. TCM_EINVAL naming the unit when a
 * unit has zero norm; TCM_ENUMERIC when an entry is NaN or Inf. */
int tcm_weights_normalize(tcm_weights *w);

/* Check finiteness, nonzero unit norms (continuous), +-1 entries (binary). */
int tcm_weights_validate(const tcm_weights *w);

/* Fill with the signs of src (binary view of a continuous configuration);
 * a zero entry becomes +1. */
int tcm_weights_sign(tcm_weights *dst, const tcm_weights *src);

/* Evaluate w on inst (shapes must match: K, n). Optional outputs (M, int8:
 * +1, -1 or 0 for a tie) and fields (M x K, h_ka) are filled when non-NULL.
 * TCM_EINVAL on a shape mismatch. Parallel over patterns, deterministic. */
int tcm_weights_eval(const tcm_weights *w, const struct tcm_instance_s *inst, tcm_eval *out,
                     int8_t *outputs, double *fields);

const char *tcm_weight_kind_name(tcm_weight_kind k);            /* "continuous" / "binary" */
int tcm_weight_kind_parse(const char *s, tcm_weight_kind *out);  /* TCM_EINVAL on unknown */

#endif
