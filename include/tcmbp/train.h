/* Reference trainers for continuous committee machines (tree or fully
 * connected) with weights normalised per unit (sum_i w_ki^2 = n): least
 * action learning (LAL), its replicated entropic version (eLAL) and SGD on
 * the cross-entropy loss with tanh units (ceSGD, "fast" and "slow"
 * schedules), after the paper's sections IV-V and Appendix E. They produce
 * configurations whose flatness the volume driver measures; the update
 * rules and stopping criteria as implemented are in docs/TRAIN.md. */
#ifndef TCMBP_TRAIN_H
#define TCMBP_TRAIN_H

#include <stdint.h>

#include "tcmbp/instance.h"
#include "tcmbp/weights.h"

typedef enum {
    TCM_TRAIN_LAL = 0,        /* least action learning in mini-batches */
    TCM_TRAIN_ELAL = 1,       /* y LAL replicas elastically coupled to their centre */
    TCM_TRAIN_CESGD_FAST = 2, /* ceSGD, stops at zero errors with sign units (beta = inf) */
    TCM_TRAIN_CESGD_SLOW = 3  /* ceSGD, stops when the cross-entropy loss is below loss_tol */
} tcm_train_algo;

/* The ceSGD step of the unit-norm weights u_k = w_k / sqrt(n), for the
 * batch-mean loss L of f_gamma(sigma sum_k tanh(beta h_k)):
 * SCALED: u_k -= (eta / beta) dL/du_k, i.e. the derivative with respect to
 * the pre-activation z_k = beta h_k taken back through h_k only, so the
 * step's size does not grow with beta (ceSGD-fast's default);
 * GRADIENT: u_k -= eta dL/du_k, the plain gradient, whose kicks on units
 * near h_k = 0 grow in proportion to beta (ceSGD-slow's default).
 * docs/TRAIN.md gives the measurements behind the two defaults. */
typedef enum {
    TCM_TRAIN_STEP_SCALED = 0,
    TCM_TRAIN_STEP_GRADIENT = 1
} tcm_train_step;

typedef enum {
    TCM_TRAIN_CONVERGED = 0,  /* the algorithm's stopping criterion was met */
    TCM_TRAIN_MAX_EPOCHS = 1, /* max_epochs reached first */
    TCM_TRAIN_TIMEOUT = 2,    /* max_seconds reached first */
    TCM_TRAIN_INTERRUPTED = 3 /* the progress callback asked to stop */
} tcm_train_status;

/* One row of the per-epoch log, measured at the end of the epoch (epoch 0:
 * the initial weights). Fields that an algorithm does not use are NaN. */
typedef struct {
    int epoch;
    int errors;      /* training errors of the configuration the run would return
                        (sign units; eLAL: the replicas' centre) */
    double loss;     /* LAL/eLAL: fraction of pattern presentations of the epoch that
                        were misclassified (mean over replicas); ceSGD: mean
                        cross-entropy loss f_gamma over all patterns */
    double distance; /* eLAL: sum over replicas of |W^a - centre|^2 */
    double lambda;   /* eLAL coupling used during the epoch */
    double beta;     /* ceSGD tanh steepness used during the epoch */
    double gamma;    /* ceSGD loss parameter used during the epoch */
    double seconds;  /* since the start of the run */
} tcm_train_epoch;

/* Progress callback, called after every logged row (epoch 0 included):
 * return nonzero to stop (status TCM_TRAIN_INTERRUPTED; the weights reached
 * so far are still returned). */
typedef int (*tcm_train_progress_fn)(const tcm_train_epoch *row, void *user);

/* Parameters. Start from TCM_TRAIN_PARAMS_INIT(ALGO) or
 * tcm_train_params_default(), which give the paper's values for random
 * patterns (Appendix E); fields an algorithm does not use are ignored. */
typedef struct {
    tcm_train_algo algo;
    double eta;          /* learning rate (> 0) */
    int batch;           /* mini-batch size (>= 1; capped at M) */
    int max_epochs;      /* >= 1 */
    double max_seconds;  /* stop after this wall time (<= 0: no limit) */
    int y;               /* eLAL replicas (2 .. TCM_TRAIN_MAX_REPLICAS) */
    double lambda0;      /* eLAL initial coupling (> 0) */
    double lambda1;      /* eLAL: lambda *= 1 + lambda1 after each epoch (>= 0) */
    double beta0, beta1; /* ceSGD: tanh(beta h); beta *= 1 + beta1 after each epoch */
    double gamma0, gamma1; /* ceSGD: loss f_gamma; gamma *= 1 + gamma1 after each epoch */
    double collapse_tol; /* eLAL stops when sum_a |W^a - centre|^2 < collapse_tol */
    double loss_tol;     /* ceSGD-slow stops when the mean CE loss < loss_tol */
    tcm_train_step step; /* ceSGD step convention (fast: SCALED, slow: GRADIENT) */
    uint64_t seed;       /* initial weights and permutations */
    tcm_train_progress_fn progress;
    void *user;
} tcm_train_params;

#define TCM_TRAIN_MAX_REPLICAS 4096
/* beta and gamma stop growing at this value (f_gamma and tanh(beta h) are
 * then their sign/ramp limits to double precision). */
#define TCM_TRAIN_PARAM_CAP 1e100

/* Paper defaults, Appendix E (random patterns). ceSGD-slow: the paper gives
 * no beta1 for random patterns; beta1 = gamma1 = 4e-4 is assumed. The
 * paper states no step convention; each setting's is the one that solves
 * the paper-size instances at its parameters (docs/TRAIN.md). */
#define TCM_TRAIN_PARAMS_INIT_LAL \
    { TCM_TRAIN_LAL, 5e-3, 100, 10000, 0.0, 1, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1e-7, 1e-7, TCM_TRAIN_STEP_SCALED, 1, NULL, NULL }
#define TCM_TRAIN_PARAMS_INIT_ELAL \
    { TCM_TRAIN_ELAL, 1e-2, 100, 20000, 0.0, 20, 0.5, 1e-4, 0.0, 0.0, 0.0, 0.0, 1e-7, 1e-7, TCM_TRAIN_STEP_SCALED, 1, NULL, NULL }
#define TCM_TRAIN_PARAMS_INIT_CESGD_FAST \
    { TCM_TRAIN_CESGD_FAST, 1e-2, 100, 20000, 0.0, 1, 0.0, 0.0, 1.0, 1e-3, 3.0, 1.0, 1e-7, 1e-7, TCM_TRAIN_STEP_SCALED, 1, NULL, NULL }
#define TCM_TRAIN_PARAMS_INIT_CESGD_SLOW \
    { TCM_TRAIN_CESGD_SLOW, 3e-3, 100, 100000, 0.0, 1, 0.0, 0.0, 0.5, 4e-4, 0.1, 4e-4, 1e-7, 1e-7, TCM_TRAIN_STEP_GRADIENT, 1, NULL, NULL }
/* tcm_train_params p = TCM_TRAIN_PARAMS_INIT(ELAL); */
#define TCM_TRAIN_PARAMS_INIT(ALGO) TCM_TRAIN_PARAMS_INIT_##ALGO

typedef struct {
    tcm_train_status status;
    int converged;       /* the stopping criterion was met (status CONVERGED) */
    int epochs;          /* epochs run */
    double seconds;      /* wall time of the run */
    int errors;          /* training errors of the returned weights (tcm_weights_eval) */
    double loss;         /* loss of the last logged row */
    double distance;     /* eLAL: final replica distance; NaN otherwise */
    double lambda, beta, gamma; /* values used in the last epoch; NaN when unused */
    tcm_train_epoch *log; /* nlog rows: epoch 0 .. epochs (malloc'd; tcm_train_result_clear) */
    int nlog;
} tcm_train_result;

/* Fill p with the paper's defaults for algo (as TCM_TRAIN_PARAMS_INIT);
 * TCM_EINVAL for an unknown algorithm. */
int tcm_train_params_default(tcm_train_params *p, tcm_train_algo algo);

/* Check p for the fields its algorithm uses; TCM_EINVAL with a message
 * naming the parameter, its value and the allowed range. */
int tcm_train_params_check(const tcm_train_params *p);

/* Train a continuous committee machine on inst (tree or fully connected;
 * the instance's default weight kind is ignored) with the algorithm of p.
 * Weights start uniform in [-1, 1] and normalised per unit (RNG stream a of
 * p->seed for replica a); each epoch presents a permutation of the patterns
 * (stream (epoch << 20) + replica) in mini-batches of p->batch. On success
 * *out is a new K x n continuous configuration normalised per unit (the
 * eLAL centre), also when the target was not reached (r->status says why),
 * and r is filled (free its log with tcm_train_result_clear). Results are
 * bitwise identical for any number of OpenMP threads.
 * Errors: TCM_EINVAL (bad parameters or instance; r->log is NULL),
 * TCM_ENOMEM, TCM_ENUMERIC (weights became non-finite, e.g. eta too large);
 * then *out is NULL and r->log is freed. */
int tcm_train_run(tcm_weights **out, const tcm_instance *inst, const tcm_train_params *p,
                  tcm_train_result *r);

/* Free r's log (NULL-safe; leaves the other fields). */
void tcm_train_result_clear(tcm_train_result *r);

/* "lal", "elal", "cesgd-fast", "cesgd-slow" ("unknown" otherwise). */
const char *tcm_train_algo_name(tcm_train_algo a);
/* Inverse of tcm_train_algo_name (exact match); TCM_EINVAL otherwise. */
int tcm_train_algo_parse(const char *s, tcm_train_algo *out);

/* "scaled", "gradient" ("unknown" otherwise), and the parse of those names
 * (TCM_EINVAL naming the accepted ones). */
const char *tcm_train_step_name(tcm_train_step s);
int tcm_train_step_parse(const char *s, tcm_train_step *out);
/* "converged", "max_epochs", "timeout", "interrupted" ("unknown" otherwise). */
const char *tcm_train_status_name(tcm_train_status s);

/* Cross-entropy loss of the paper's eq. (16) on the output argument x,
 * f_gamma(x) = -x/2 + log(2 cosh(gamma x)) / (2 gamma), computed as
 * max(-x, 0) + log1p(exp(-2 gamma |x|)) / (2 gamma) (no overflow for any
 * gamma > 0), and its derivative f' = -1 / (1 + exp(2 gamma x)). */
double tcm_train_ce_loss(double x, double gamma);
double tcm_train_ce_grad(double x, double gamma);

#endif
