/* Committee-machine configurations: allocation, normalisation to
 * sum_i w_ki^2 = n per unit, validation, sign view, and evaluation (errors
 * and stabilities) on an instance, parallel over patterns and deterministic. */
#include "tcmbp/weights.h"

#include "tcmbp/error.h"
#include "tcmbp/instance.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* True when kind is one of the declared enum values. */
static int kind_known(tcm_weight_kind kind)
{
    return kind == TCM_WEIGHTS_CONTINUOUS || kind == TCM_WEIGHTS_BINARY;
}

/* Check K, n and kind, and that K * n doubles fit in size_t. */
static int check_shape(int K, int n, tcm_weight_kind kind)
{
    if (K <= 0)
        return TCM_ERROR(TCM_EINVAL, "weights need K > 0 units, got K = %d", K);
    if (n <= 0)
        return TCM_ERROR(TCM_EINVAL, "weights need n > 0 weights per unit, got n = %d", n);
    if (!kind_known(kind))
        return TCM_ERROR(TCM_EINVAL, "unknown weight kind %d", (int)kind);
    if ((size_t)K > SIZE_MAX / sizeof(double) / (size_t)n)
        return TCM_ERROR(TCM_EINVAL, "weights K x n = %d x %d are too large", K, n);
    return TCM_OK;
}

/* Allocate K x n zero weights; NULL with the message set on error. */
tcm_weights *tcm_weights_alloc(int K, int n, tcm_weight_kind kind)
{
    if (check_shape(K, n, kind) != TCM_OK)
        return NULL;
    tcm_weights *w = malloc(sizeof *w);
    double *data = calloc((size_t)K * (size_t)n, sizeof *data);
    if (!w || !data) {
        free(w);
        free(data);
        TCM_ERROR(TCM_ENOMEM, "out of memory allocating %d x %d weights", K, n);
        return NULL;
    }
    w->K = K;
    w->n = n;
    w->kind = kind;
    w->w = data;
    return w;
}

/* Release w and its array; NULL-safe. */
void tcm_weights_free(tcm_weights *w)
{
    if (!w)
        return;
    free(w->w);
    free(w);
}

/* Deep copy (same K, n, kind, values); NULL with the message set on error. */
tcm_weights *tcm_weights_copy(const tcm_weights *w)
{
    if (!w || !w->w) {
        TCM_ERROR(TCM_EINVAL, "cannot copy NULL weights");
        return NULL;
    }
    tcm_weights *c = tcm_weights_alloc(w->K, w->n, w->kind);
    if (c)
        memcpy(c->w, w->w, (size_t)w->K * (size_t)w->n * sizeof *c->w);
    return c;
}

/* Shape and pointer checks shared by the functions taking existing weights. */
static int check_weights(const tcm_weights *w)
{
    if (!w || !w->w)
        return TCM_ERROR(TCM_EINVAL, "weights are NULL");
    return check_shape(w->K, w->n, w->kind);
}

/* TCM_ENUMERIC naming the first NaN/Inf entry (unit, index), else TCM_OK. */
static int check_finite(const tcm_weights *w)
{
    for (int k = 0; k < w->K; k++) {
        const double *wk = w->w + (size_t)k * (size_t)w->n;
        for (int i = 0; i < w->n; i++)
            if (!isfinite(wk[i]))
                return TCM_ERROR(TCM_ENUMERIC, "weight (unit %d, index %d) is %g, not finite",
                                 k, i, wk[i]);
    }
    return TCM_OK;
}

/* Largest |w_ki| over unit k (0 for an all-zero unit). */
static double unit_max_abs(const tcm_weights *w, int k)
{
    const double *wk = w->w + (size_t)k * (size_t)w->n;
    double m = 0.0;
    for (int i = 0; i < w->n; i++)
        m = fmax(m, fabs(wk[i]));
    return m;
}

/* Scale each unit to squared norm n. The norm is computed on w/max|w| so
 * neither huge nor tiny (subnormal) entries overflow or underflow. */
int tcm_weights_normalize(tcm_weights *w)
{
    int st = check_weights(w);
    if (st == TCM_OK)
        st = check_finite(w);
    if (st != TCM_OK)
        return st;
    for (int k = 0; k < w->K; k++)
        if (unit_max_abs(w, k) == 0.0)
            return TCM_ERROR(TCM_EINVAL, "unit %d has zero norm: cannot normalise", k);
    for (int k = 0; k < w->K; k++) {
        double *wk = w->w + (size_t)k * (size_t)w->n;
        double m = unit_max_abs(w, k), s2 = 0.0;
        for (int i = 0; i < w->n; i++)
            s2 += (wk[i] / m) * (wk[i] / m);
        double scale = sqrt((double)w->n / s2);
        for (int i = 0; i < w->n; i++)
            wk[i] = (wk[i] / m) * scale;
    }
    return TCM_OK;
}

/* Shape, finiteness, then kind-specific checks (nonzero norms / +-1). */
int tcm_weights_validate(const tcm_weights *w)
{
    int st = check_weights(w);
    if (st == TCM_OK)
        st = check_finite(w);
    if (st != TCM_OK)
        return st;
    for (int k = 0; k < w->K; k++) {
        const double *wk = w->w + (size_t)k * (size_t)w->n;
        if (w->kind == TCM_WEIGHTS_CONTINUOUS && unit_max_abs(w, k) == 0.0)
            return TCM_ERROR(TCM_EINVAL, "unit %d has zero norm", k);
        if (w->kind != TCM_WEIGHTS_BINARY)
            continue;
        for (int i = 0; i < w->n; i++)
            if (wk[i] != 1.0 && wk[i] != -1.0)
                return TCM_ERROR(TCM_EINVAL,
                                 "binary weight (unit %d, index %d) is %g, not +1 or -1", k, i,
                                 wk[i]);
    }
    return TCM_OK;
}

/* dst = sign(src) entrywise, zero -> +1; shapes must match. */
int tcm_weights_sign(tcm_weights *dst, const tcm_weights *src)
{
    int st = check_weights(dst);
    if (st == TCM_OK)
        st = check_weights(src);
    if (st != TCM_OK)
        return st;
    if (dst->K != src->K || dst->n != src->n)
        return TCM_ERROR(TCM_EINVAL, "sign: destination is %d x %d but source is %d x %d", dst->K,
                         dst->n, src->K, src->n);
    size_t len = (size_t)src->K * (size_t)src->n;
    for (size_t j = 0; j < len; j++)
        if (isnan(src->w[j]))
            return TCM_ERROR(TCM_ENUMERIC, "sign: source weight (unit %d, index %d) is NaN",
                             (int)(j / (size_t)src->n), (int)(j % (size_t)src->n));
    for (size_t j = 0; j < len; j++)
        dst->w[j] = src->w[j] < 0.0 ? -1.0 : 1.0;
    return TCM_OK;
}

/* Per-pattern result of the evaluation kernel. */
typedef struct {
    int8_t output;   /* committee output: +1, -1, or 0 on a tie */
    double stab_sum; /* sum_k sigma_a h_ka */
    double stab_min; /* min_k sigma_a h_ka */
} pattern_eval;

/* Evaluate pattern a (its N entries at row): hidden fields (stored in fields_a when non-NULL), their
 * signs (0 for h == 0), and the majority vote (0 on a tie). */
static pattern_eval eval_pattern(const tcm_weights *w, const tcm_instance *inst, int a, const int8_t *row,
                                 double *fields_a)
{
    pattern_eval r = {0, 0.0, INFINITY};
    double sigma = (double)inst->outputs[a];
    int vote = 0;
    for (int k = 0; k < w->K; k++) {
        double h = tcm_weights_field(w, k, tcm_instance_row_unit(inst, row, k));
        if (fields_a)
            fields_a[k] = h;
        vote += (h > 0.0) - (h < 0.0);
        r.stab_sum += sigma * h;
        r.stab_min = fmin(r.stab_min, sigma * h);
    }
    r.output = (int8_t)((vote > 0) - (vote < 0));
    return r;
}

/* Parity rule on pattern a: output prod_k tau_ka (0 if some h_ka == 0).
 * Stability of unit k: the field times the sign the unit needs given the
 * others, sigma_a prod_{j != k} tau_ja h_ka = c_a |h_ka| with
 * c_a = sigma_a prod_j tau_ja (+1 correct, -1 wrong, 0 on a zero field), so
 * the minimum over units is c_a min_k |h_ka| (c_a > 0) or -max_k |h_ka|. */
static pattern_eval eval_pattern_parity(const tcm_weights *w, const tcm_instance *inst, int a, const int8_t *row,
                                        double *fields_a)
{
    int prod = 1;
    double abs_sum = 0.0, abs_min = INFINITY, abs_max = 0.0;
    for (int k = 0; k < w->K; k++) {
        double h = tcm_weights_field(w, k, tcm_instance_row_unit(inst, row, k));
        if (fields_a)
            fields_a[k] = h;
        prod *= (h > 0.0) - (h < 0.0);
        abs_sum += fabs(h);
        abs_min = fmin(abs_min, fabs(h));
        abs_max = fmax(abs_max, fabs(h));
    }
    int c = prod * inst->outputs[a];
    pattern_eval r = {(int8_t)prod, c * abs_sum, c > 0 ? abs_min : (c < 0 ? -abs_max : 0.0)};
    return r;
}

/* Shape agreement of w with inst, and instance arrays present. */
static int check_eval_args(const tcm_weights *w, const tcm_instance *inst)
{
    int st = check_weights(w);
    if (st != TCM_OK)
        return st;
    if (!inst || (!inst->patterns && !inst->bits) || !inst->outputs || inst->M <= 0)
        return TCM_ERROR(TCM_EINVAL, "eval: the instance is NULL or empty");
    if (w->K != inst->K || w->n != inst->n)
        return TCM_ERROR(TCM_EINVAL,
                         "eval: weights are %d x %d but the instance needs K x n = %d x %d", w->K,
                         w->n, inst->K, inst->n);
    return check_finite(w);
}

/* Parallel over patterns (static schedule); the error count is an integer and
 * the minimum is exact, so their reductions are order-free; stability sums go
 * through a per-pattern array summed serially in pattern order. */
int tcm_weights_eval(const tcm_weights *w, const struct tcm_instance_s *inst, tcm_eval *out,
                     int8_t *outputs, double *fields)
{
    int st = check_eval_args(w, inst);
    if (st != TCM_OK)
        return st;
    const int M = inst->M;
    double *stab = malloc((size_t)M * sizeof *stab);
    if (!stab)
        return TCM_ERROR(TCM_ENOMEM, "eval: out of memory for %d patterns", M);
    int errors = 0;
    double stab_min = INFINITY;
    /* Small evaluations run on one thread: OpenMP barriers would cost more than the work. */
    int parallel = (size_t)M * (size_t)w->K * (size_t)w->n >= 65536;
    int nobuf = 0; /* bits storage: each thread unpacks one row at a time (tcm_instance_row) */
#pragma omp parallel if (parallel) reduction(+ : nobuf)
    {
        int8_t *buf = inst->patterns ? NULL : malloc((size_t)inst->N);
        nobuf += !inst->patterns && !buf;
#pragma omp for schedule(static) reduction(+ : errors) reduction(min : stab_min)
        for (int a = 0; a < M; a++) {
            if (!inst->patterns && !buf)
                continue;
            const int8_t *row = inst->patterns ? inst->patterns + (size_t)a * (size_t)inst->N : buf;
            if (buf)
                tcm_instance_row(inst, a, buf);
            double *fa = fields ? fields + (size_t)a * (size_t)w->K : NULL;
            pattern_eval r = inst->rule == TCM_RULE_PARITY ? eval_pattern_parity(w, inst, a, row, fa)
                                                           : eval_pattern(w, inst, a, row, fa);
            if (outputs)
                outputs[a] = r.output;
            errors += r.output != inst->outputs[a];
            stab[a] = r.stab_sum;
            stab_min = fmin(stab_min, r.stab_min);
        }
        free(buf);
    }
    if (nobuf) {
        free(stab);
        return TCM_ERROR(TCM_ENOMEM, "eval: out of memory for a pattern row");
    }
    double total = 0.0;
    for (int a = 0; a < M; a++)
        total += stab[a];
    free(stab);
    if (out) {
        out->M = M;
        out->errors = errors;
        out->error_rate = (double)errors / (double)M;
        out->min_stability = stab_min;
        out->mean_stability = total / ((double)M * (double)w->K);
    }
    return TCM_OK;
}

const char *const tcm_weight_kind_names[] = { TCM_WEIGHT_KINDS(TCM_ENUM_NAME) NULL };

TCM_NAMES_FUNCTIONS(tcm_weight_kind, tcm_weight_kind, tcm_weight_kind_names, "weight kind")
