/* Reference trainers, common part: parameter defaults and checks, names,
 * the cross-entropy loss, initial weights and permutations, the per-epoch
 * log, and tcm_train_run, which dispatches to LAL/eLAL (train_lal.c) or
 * ceSGD (train_cesgd.c). */
#include "tcmbp/train.h"

#include "train_internal.h"

#include "tcmbp/error.h"
#include "tcmbp/rng.h"

#include <stdio.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* Paper defaults (Appendix E) for algo into p. */
int tcm_train_params_default(tcm_train_params *p, tcm_train_algo algo)
{
    if (!p)
        return TCM_ERROR(TCM_EINVAL, "tcm_train_params_default: missing argument");
    switch (algo) {
    case TCM_TRAIN_LAL: *p = (tcm_train_params)TCM_TRAIN_PARAMS_INIT(LAL); return TCM_OK;
    case TCM_TRAIN_ELAL: *p = (tcm_train_params)TCM_TRAIN_PARAMS_INIT(ELAL); return TCM_OK;
    case TCM_TRAIN_CESGD_FAST: *p = (tcm_train_params)TCM_TRAIN_PARAMS_INIT(CESGD_FAST); return TCM_OK;
    case TCM_TRAIN_CESGD_SLOW: *p = (tcm_train_params)TCM_TRAIN_PARAMS_INIT(CESGD_SLOW); return TCM_OK;
    default: return TCM_ERROR(TCM_EINVAL, "unknown training algorithm %d", (int)algo);
    }
}

/* x must be finite and > 0 (strict) or >= 0. */
static int check_pos(const char *name, double x, int strict)
{
    if (isfinite(x) && (strict ? x > 0 : x >= 0))
        return TCM_OK;
    return TCM_ERROR(TCM_EINVAL, "%s must be finite and %s 0 (got %g)", name, strict ? ">" : ">=", x);
}

/* The eLAL-only parameters. */
static int check_elal(const tcm_train_params *p)
{
    if (p->y < 2 || p->y > TCM_TRAIN_MAX_REPLICAS)
        return TCM_ERROR(TCM_EINVAL, "y (replicas) must be in [2, %d] (got %d)", TCM_TRAIN_MAX_REPLICAS, p->y);
    int st = check_pos("lambda0", p->lambda0, 1);
    if (!st) st = check_pos("lambda1", p->lambda1, 0);
    if (!st) st = check_pos("collapse_tol", p->collapse_tol, 1);
    if (!st && p->lambda0 * p->eta > 1.0)
        st = TCM_ERROR(TCM_EINVAL, "lambda0 * eta must be <= 1 (got %g * %g): the pull toward the centre would "
                                   "overshoot it", p->lambda0, p->eta);
    return st;
}

/* The ceSGD-only parameters. */
static int check_cesgd(const tcm_train_params *p)
{
    int st = check_pos("beta0", p->beta0, 1);
    if (!st) st = check_pos("beta1", p->beta1, 0);
    if (!st) st = check_pos("gamma0", p->gamma0, 1);
    if (!st) st = check_pos("gamma1", p->gamma1, 0);
    if (!st && p->algo == TCM_TRAIN_CESGD_SLOW) st = check_pos("loss_tol", p->loss_tol, 1);
    if (!st && p->step != TCM_TRAIN_STEP_SCALED && p->step != TCM_TRAIN_STEP_GRADIENT)
        st = TCM_ERROR(TCM_EINVAL, "unknown ceSGD step convention %d", (int)p->step);
    if (!st && (p->beta0 > TCM_TRAIN_PARAM_CAP || p->gamma0 > TCM_TRAIN_PARAM_CAP))
        st = TCM_ERROR(TCM_EINVAL, "beta0 and gamma0 must be <= %g (got %g, %g)", TCM_TRAIN_PARAM_CAP, p->beta0,
                       p->gamma0);
    return st;
}

/* Validate the fields the chosen algorithm uses. */
int tcm_train_params_check(const tcm_train_params *p)
{
    if (!p)
        return TCM_ERROR(TCM_EINVAL, "tcm_train_params_check: missing parameters");
    if (p->algo < TCM_TRAIN_LAL || p->algo > TCM_TRAIN_CESGD_SLOW)
        return TCM_ERROR(TCM_EINVAL, "unknown training algorithm %d", (int)p->algo);
    int st = check_pos("eta (learning rate)", p->eta, 1);
    if (st)
        return st;
    if (p->batch < 1)
        return TCM_ERROR(TCM_EINVAL, "batch (mini-batch size) must be >= 1 (got %d)", p->batch);
    if (p->max_epochs < 1)
        return TCM_ERROR(TCM_EINVAL, "max_epochs must be >= 1 (got %d)", p->max_epochs);
    if (isnan(p->max_seconds))
        return TCM_ERROR(TCM_EINVAL, "max_seconds is NaN");
    if (p->algo == TCM_TRAIN_ELAL)
        return check_elal(p);
    if (p->algo == TCM_TRAIN_CESGD_FAST || p->algo == TCM_TRAIN_CESGD_SLOW)
        return check_cesgd(p);
    return TCM_OK;
}

/* Names of the algorithms and of the ceSGD step conventions, by enum value. */
static const char *const algo_names[] = {"lal", "elal", "cesgd-fast", "cesgd-slow"};
static const char *const step_names[] = {"scaled", "gradient"};
#define N_ALGOS ((int)(sizeof algo_names / sizeof *algo_names))
#define N_STEPS ((int)(sizeof step_names / sizeof *step_names))

/* names[i] for 0 <= i < count, else "unknown". */
static const char *name_at(const char *const *names, int count, int i)
{
    return i >= 0 && i < count ? names[i] : "unknown";
}

/* The index of s in names[0..count) (exact match), or -1. */
static int index_of(const char *s, const char *const *names, int count)
{
    for (int i = 0; s && i < count; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

/* Algorithm names. */
const char *tcm_train_algo_name(tcm_train_algo a)
{
    return name_at(algo_names, N_ALGOS, (int)a);
}

/* Parse an algorithm name (exact match). */
int tcm_train_algo_parse(const char *s, tcm_train_algo *out)
{
    int i = index_of(s, algo_names, N_ALGOS);
    if (i < 0)
        return TCM_ERROR(TCM_EINVAL, "unknown training algorithm '%s' (expected lal, elal, cesgd-fast or cesgd-slow)",
                         s ? s : "(null)");
    *out = (tcm_train_algo)i;
    return TCM_OK;
}

/* ceSGD step convention names. */
const char *tcm_train_step_name(tcm_train_step s)
{
    return name_at(step_names, N_STEPS, (int)s);
}

/* Parse a step convention name (exact match). */
int tcm_train_step_parse(const char *s, tcm_train_step *out)
{
    int i = index_of(s, step_names, N_STEPS);
    if (i < 0)
        return TCM_ERROR(TCM_EINVAL, "unknown ceSGD step '%s' (expected scaled or gradient)", s ? s : "(null)");
    *out = (tcm_train_step)i;
    return TCM_OK;
}

/* Status names. */
const char *tcm_train_status_name(tcm_train_status s)
{
    switch (s) {
    case TCM_TRAIN_CONVERGED: return "converged";
    case TCM_TRAIN_MAX_EPOCHS: return "max_epochs";
    case TCM_TRAIN_TIMEOUT: return "timeout";
    case TCM_TRAIN_INTERRUPTED: return "interrupted";
    default: return "unknown";
    }
}

/* f_gamma(x) = -x/2 + log(2 cosh(gamma x)) / (2 gamma), eq. (16), in a form
 * that neither overflows nor cancels. */
double tcm_train_ce_loss(double x, double gamma)
{
    return fmax(-x, 0.0) + log1p(exp(-2.0 * gamma * fabs(x))) / (2.0 * gamma);
}

/* f'_gamma(x) = (tanh(gamma x) - 1) / 2 = -1 / (1 + exp(2 gamma x)). */
double tcm_train_ce_grad(double x, double gamma)
{
    return -1.0 / (1.0 + exp(2.0 * gamma * x));
}

/* Free the log. */
void tcm_train_result_clear(tcm_train_result *r)
{
    if (!r)
        return;
    free(r->log);
    r->log = NULL;
    r->nlog = 0;
}

/* Uniform [-1, 1) initial weights of one replica, normalised per unit. */
int tcm_train_init_weights(double *w, int K, int n, uint64_t seed, int replica)
{
    tcm_rng rng;
    tcm_rng_init(&rng, seed, (uint64_t)replica);
    for (size_t j = 0; j < (size_t)K * (size_t)n; j++)
        w[j] = 2.0 * tcm_rng_uniform(&rng) - 1.0;
    return tcm_train_normalize(w, K, n);
}

/* Shuffled identity for (epoch, replica). */
void tcm_train_permutation(int *perm, int M, uint64_t seed, int epoch, int replica)
{
    tcm_rng rng;
    tcm_rng_init(&rng, seed, ((uint64_t)epoch << 20) + (uint64_t)replica);
    for (int a = 0; a < M; a++)
        perm[a] = a;
    tcm_rng_shuffle_int(&rng, perm, M);
}

/* Per-unit normalisation through tcm_weights_normalize; any failure means
 * the dynamics blew up, reported as a numerical error. */
int tcm_train_normalize(double *w, int K, int n)
{
    tcm_weights v = {K, n, TCM_WEIGHTS_CONTINUOUS, w};
    int st = tcm_weights_normalize(&v);
    if (st != TCM_OK) {
        char why[512]; /* copy: TCM_ERROR formats into the buffer tcm_last_error() returns */
        snprintf(why, sizeof why, "%s", tcm_last_error());
        return TCM_ERROR(TCM_ENUMERIC, "training diverged (%s); try a smaller learning rate", why);
    }
    return TCM_OK;
}

/* Errors of w on the instance (tcm_weights_eval's convention). */
int tcm_train_errors(const tcm_train_ctx *c, const double *w, int *errors)
{
    tcm_weights v = {c->inst->K, c->inst->n, TCM_WEIGHTS_CONTINUOUS, (double *)w};
    tcm_eval ev;
    int st = tcm_weights_eval(&v, c->inst, &ev, NULL, NULL);
    if (st == TCM_OK)
        *errors = ev.errors;
    return st;
}

/* Append row to the log, doubling its capacity when full. */
static int log_append(tcm_train_ctx *c, const tcm_train_epoch *row)
{
    tcm_train_result *r = c->r;
    if (r->nlog == c->log_cap) {
        int cap = c->log_cap ? 2 * c->log_cap : 256;
        tcm_train_epoch *g = realloc(r->log, (size_t)cap * sizeof *g);
        if (!g)
            return TCM_ERROR(TCM_ENOMEM, "train: out of memory for the log of %d epochs", cap);
        r->log = g;
        c->log_cap = cap;
    }
    r->log[r->nlog++] = *row;
    return TCM_OK;
}

/* Log the row, call the callback, apply the stopping rules. */
int tcm_train_end_epoch(tcm_train_ctx *c, tcm_train_epoch *row, int converged, int *stop)
{
    const tcm_train_params *p = c->p;
    tcm_train_result *r = c->r;
    row->seconds = omp_get_wtime() - c->t0;
    int st = log_append(c, row);
    if (st != TCM_OK)
        return st;
    r->epochs = row->epoch;
    r->loss = row->loss;
    r->distance = row->distance;
    r->lambda = row->lambda;
    r->beta = row->beta;
    r->gamma = row->gamma;
    int interrupt = p->progress && p->progress(row, p->user);
    *stop = 1;
    if (converged) r->status = TCM_TRAIN_CONVERGED;
    else if (interrupt) r->status = TCM_TRAIN_INTERRUPTED;
    else if (row->epoch >= p->max_epochs) r->status = TCM_TRAIN_MAX_EPOCHS;
    else if (p->max_seconds > 0 && row->seconds >= p->max_seconds) r->status = TCM_TRAIN_TIMEOUT;
    else *stop = 0;
    r->converged = r->status == TCM_TRAIN_CONVERGED;
    return TCM_OK;
}

/* Arguments, sizes and the majority rule; TCM_EINVAL naming the problem. */
static int check_run_args(tcm_weights **out, const tcm_instance *inst, const tcm_train_params *p,
                          tcm_train_result *r)
{
    if (!out || !inst || !p || !r)
        return TCM_ERROR(TCM_EINVAL, "tcm_train_run: missing argument");
    int st = tcm_train_params_check(p);
    if (st != TCM_OK)
        return st;
    if ((st = tcm_instance_require_int8(inst)) != TCM_OK)
        return st;
    if (!inst->patterns || !inst->outputs || inst->M < 1 || inst->K < 1 || inst->n < 1)
        return TCM_ERROR(TCM_EINVAL, "train: empty instance");
    if ((size_t)inst->K * (size_t)inst->n > (size_t)1 << 40)
        return TCM_ERROR(TCM_EINVAL, "train: %d x %d weights are too many", inst->K, inst->n);
    if (inst->rule != TCM_RULE_MAJORITY) /* LAL, eLAL and ceSGD's loss are built on the vote */
        return TCM_ERROR(TCM_EINVAL, "train: %s is a majority-vote trainer; it has no meaning for the %s rule",
                         tcm_train_algo_name(p->algo), tcm_output_rule_name(inst->rule));
    return TCM_OK;
}

/* Run the trainer of p->algo; see train.h. */
int tcm_train_run(tcm_weights **out, const tcm_instance *inst, const tcm_train_params *p, tcm_train_result *r)
{
    if (out)
        *out = NULL;
    if (r)
        memset(r, 0, sizeof *r);
    int st = check_run_args(out, inst, p, r);
    if (st != TCM_OK)
        return st;
    tcm_train_ctx c = {inst, p, r, p->batch < inst->M ? p->batch : inst->M, 0, omp_get_wtime()};
    tcm_weights *w = tcm_weights_alloc(inst->K, inst->n, TCM_WEIGHTS_CONTINUOUS);
    if (!w)
        return tcm_last_error_code();
    switch (p->algo) {
    case TCM_TRAIN_LAL: st = tcm_train_lal_run(&c, w->w); break;
    case TCM_TRAIN_ELAL: st = tcm_train_elal_run(&c, w->w); break;
    default: st = tcm_train_cesgd_run(&c, w->w); break;
    }
    if (st == TCM_OK)
        st = tcm_train_normalize(w->w, w->K, w->n);
    if (st == TCM_OK)
        st = tcm_train_errors(&c, w->w, &r->errors);
    r->seconds = omp_get_wtime() - c.t0;
    if (st != TCM_OK) {
        tcm_weights_free(w);
        tcm_train_result_clear(r);
        return st;
    }
    *out = w;
    return TCM_OK;
}
