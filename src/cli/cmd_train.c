/* `tcmbp train INSTANCE --algo ALGO -o W.h5`: run a reference trainer (LAL,
 * eLAL, ceSGD fast or slow; tcmbp/train.h) and write a weights file that any
 * weights source reads (/weights, K x n, normalised per unit) with the run
 * in /train: algorithm, parameters, outcome, and the per-epoch log. */
#include "cmd_train.h"

#include "cli.h"
#include "signals.h"

#include "tcmbp/error.h"
#include "tcmbp/h5.h"
#include "tcmbp/results.h"
#include "tcmbp/train.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* Option values as parsed (applied over the algorithm's defaults when given). */
typedef struct {
    const char *algo, *out, *step;
    double eta, max_seconds, lambda0, lambda1, beta0, beta1, gamma0, gamma1, collapse_tol, loss_tol;
    int batch, max_epochs, y;
} train_opts;

/* Progress state: the command's arguments and when the last line was shown. */
typedef struct {
    const cli_args *a;
    double shown;
} train_progress;

/* A progress line at most every 0.2 s; stop on SIGINT/SIGTERM. */
static int on_epoch(const tcm_train_epoch *row, void *user)
{
    train_progress *tp = user;
    if (row->epoch == 0 || row->seconds - tp->shown >= 0.2) {
        tp->shown = row->seconds;
        cli_progress(tp->a, "epoch %d  errors %d  loss %.4g  distance %.3g  lambda %.4g  beta %.4g  gamma %.4g  %.1fs",
                     row->epoch, row->errors, row->loss, row->distance, row->lambda, row->beta, row->gamma,
                     row->seconds);
    }
    return cli_signals_caught();
}

/* Options that only some algorithms use: a usage error if given for another. */
static int check_applicable(const cli_args *a, const cli_command *cmd, tcm_train_algo algo)
{
    const char *const elal_only[] = {"y", "lambda0", "lambda1", "collapse-tol"};
    const char *const cesgd_only[] = {"beta0", "beta1", "gamma0", "gamma1", "step"};
    int cesgd = algo == TCM_TRAIN_CESGD_FAST || algo == TCM_TRAIN_CESGD_SLOW;
    for (size_t i = 0; i < sizeof elal_only / sizeof *elal_only; i++)
        if (algo != TCM_TRAIN_ELAL && cli_given(cmd, elal_only[i]))
            return cli_usage(a, "--%s applies only to --algo elal (got --algo %s)", elal_only[i],
                             tcm_train_algo_name(algo));
    for (size_t i = 0; i < sizeof cesgd_only / sizeof *cesgd_only; i++)
        if (!cesgd && cli_given(cmd, cesgd_only[i]))
            return cli_usage(a, "--%s applies only to --algo cesgd-fast and cesgd-slow (got --algo %s)",
                             cesgd_only[i], tcm_train_algo_name(algo));
    if (algo != TCM_TRAIN_CESGD_SLOW && cli_given(cmd, "loss-tol"))
        return cli_usage(a, "--loss-tol applies only to --algo cesgd-slow (got --algo %s)", tcm_train_algo_name(algo));
    return CLI_EXIT_OK;
}

/* Defaults of the algorithm, overridden by the options given; usage errors
 * name the option. */
static int make_params(const cli_args *a, const cli_command *cmd, const train_opts *o, tcm_train_params *p)
{
    tcm_train_algo algo;
    if (!o->algo)
        return cli_usage(a, "missing --algo (lal, elal, cesgd-fast or cesgd-slow)");
    if (tcm_train_algo_parse(o->algo, &algo) != TCM_OK)
        return cli_usage(a, "--algo: %s", tcm_last_error());
    int rc = check_applicable(a, cmd, algo);
    if (rc != CLI_EXIT_OK)
        return rc;
    tcm_train_params_default(p, algo);
#define TAKE(opt, field) if (cli_given(cmd, opt)) p->field = o->field
    TAKE("eta", eta); TAKE("batch", batch); TAKE("max-epochs", max_epochs); TAKE("max-seconds", max_seconds);
    TAKE("y", y); TAKE("lambda0", lambda0); TAKE("lambda1", lambda1); TAKE("collapse-tol", collapse_tol);
    TAKE("beta0", beta0); TAKE("beta1", beta1); TAKE("gamma0", gamma0); TAKE("gamma1", gamma1);
    TAKE("loss-tol", loss_tol);
#undef TAKE
    if (o->step && tcm_train_step_parse(o->step, &p->step) != TCM_OK)
        return cli_usage(a, "--step: %s", tcm_last_error());
    p->seed = a->seed;
    if (!(p->max_seconds >= 0))
        return cli_usage(a, "--max-seconds must be 0 (no limit) or positive (got %g)", p->max_seconds);
    if (tcm_train_params_check(p) != TCM_OK)
        return cli_usage(a, "%s", tcm_last_error());
    return CLI_EXIT_OK;
}

/* /weights and its attributes exactly as tcm_h5_write_weights writes them. */
static int write_weights(tcm_h5_out *h, const tcm_weights *w)
{
    size_t dims[2] = {(size_t)w->K, (size_t)w->n};
    const char *norm = "per-unit: sum_i w_ki^2 = n";
    for (int k = 0; k < w->K; k++) {
        double s = 0.0;
        for (int i = 0; i < w->n; i++)
            s += w->w[(size_t)k * w->n + i] * w->w[(size_t)k * w->n + i];
        if (!(fabs(s - w->n) <= 1e-9 * w->n))
            norm = "none";
    }
    int st = tcm_h5_out_double(h, "/weights", 2, dims, w->w);
    const char *objs[2] = {"/weights", "/"};
    for (int j = 0; j < 2 && !st; j++) {
        st = tcm_h5_out_attr_int(h, objs[j], "K", w->K);
        if (!st) st = tcm_h5_out_attr_int(h, objs[j], "n", w->n);
        if (!st) st = tcm_h5_out_attr_string(h, objs[j], "kind", tcm_weight_kind_name(w->kind));
        if (!st) st = tcm_h5_out_attr_string(h, objs[j], "normalization", norm);
    }
    return st;
}

/* The parameters the algorithm used, as attributes of /train. */
static int write_params(tcm_h5_out *h, const tcm_train_params *p)
{
    int st = tcm_h5_out_attr_string(h, "/train", "algorithm", tcm_train_algo_name(p->algo));
    if (!st) st = tcm_h5_out_attr_double(h, "/train", "eta", p->eta);
    if (!st) st = tcm_h5_out_attr_int(h, "/train", "batch", p->batch);
    if (!st) st = tcm_h5_out_attr_int(h, "/train", "max_epochs", p->max_epochs);
    if (!st) st = tcm_h5_out_attr_double(h, "/train", "max_seconds", p->max_seconds);
    if (!st) st = tcm_h5_out_attr_int(h, "/train", "seed", (int64_t)p->seed);
    if (p->algo == TCM_TRAIN_ELAL) {
        if (!st) st = tcm_h5_out_attr_int(h, "/train", "y", p->y);
        if (!st) st = tcm_h5_out_attr_double(h, "/train", "lambda0", p->lambda0);
        if (!st) st = tcm_h5_out_attr_double(h, "/train", "lambda1", p->lambda1);
        if (!st) st = tcm_h5_out_attr_double(h, "/train", "collapse_tol", p->collapse_tol);
    }
    if (p->algo == TCM_TRAIN_CESGD_FAST || p->algo == TCM_TRAIN_CESGD_SLOW) {
        if (!st) st = tcm_h5_out_attr_double(h, "/train", "beta0", p->beta0);
        if (!st) st = tcm_h5_out_attr_double(h, "/train", "beta1", p->beta1);
        if (!st) st = tcm_h5_out_attr_double(h, "/train", "gamma0", p->gamma0);
        if (!st) st = tcm_h5_out_attr_double(h, "/train", "gamma1", p->gamma1);
        if (!st) st = tcm_h5_out_attr_string(h, "/train", "step", tcm_train_step_name(p->step));
    }
    if (!st && p->algo == TCM_TRAIN_CESGD_SLOW) st = tcm_h5_out_attr_double(h, "/train", "loss_tol", p->loss_tol);
    return st;
}

/* The outcome as attributes of /train and the log as the table /train/log. */
static int write_outcome(tcm_h5_out *h, const tcm_train_result *r)
{
    int st = tcm_h5_out_attr_string(h, "/train", "status", tcm_train_status_name(r->status));
    if (!st) st = tcm_h5_out_attr_int(h, "/train", "converged", r->converged);
    if (!st) st = tcm_h5_out_attr_int(h, "/train", "epochs", r->epochs);
    if (!st) st = tcm_h5_out_attr_double(h, "/train", "seconds", r->seconds);
    if (!st) st = tcm_h5_out_attr_int(h, "/train", "errors", r->errors);
    if (!st) st = tcm_h5_out_attr_double(h, "/train", "loss", r->loss);
    if (!st) st = tcm_h5_out_attr_double(h, "/train", "distance", r->distance);
    if (!st) st = tcm_h5_out_attr_double(h, "/train", "lambda", r->lambda);
    if (!st) st = tcm_h5_out_attr_double(h, "/train", "beta", r->beta);
    if (!st) st = tcm_h5_out_attr_double(h, "/train", "gamma", r->gamma);
    const char *names[8] = {"epoch", "errors", "loss", "distance", "lambda", "beta", "gamma", "seconds"};
    size_t rows = (size_t)r->nlog;
    double *buf = malloc(8 * (rows ? rows : 1) * sizeof *buf);
    if (!buf)
        return st ? st : TCM_ERROR(TCM_ENOMEM, "out of memory writing the training log");
    const double *cols[8];
    for (int j = 0; j < 8; j++)
        cols[j] = buf + (size_t)j * rows;
    for (size_t i = 0; i < rows; i++) {
        const tcm_train_epoch *e = &r->log[i];
        double v[8] = {e->epoch, e->errors, e->loss, e->distance, e->lambda, e->beta, e->gamma, e->seconds};
        for (int j = 0; j < 8; j++)
            buf[(size_t)j * rows + i] = v[j];
    }
    if (!st) st = tcm_h5_out_table(h, "/train/log", 8, names, rows, cols);
    free(buf);
    return st;
}

/* Write W.h5 (file_kind "weights"): provenance, /weights, /train. */
static int write_output(const cli_args *a, const char *path, const tcm_instance *inst, const tcm_weights *w,
                        const tcm_train_params *p, const tcm_train_result *r, const tcm_run_info *ri)
{
    tcm_h5_out *h = NULL;
    int st = tcm_h5_out_open(&h, path, "weights", a->force);
    if (!st) st = tcm_results_write_run_info(h, ri, inst, NULL);
    if (!st) st = write_weights(h, w);
    if (!st) st = tcm_h5_out_group(h, "/train");
    if (!st) st = write_params(h, p);
    if (!st) st = write_outcome(h, r);
    if (st) {
        tcm_h5_out_abort(h);
        return cli_fail(a, st, NULL);
    }
    if ((st = tcm_h5_out_commit(h)))
        return cli_fail(a, st, NULL);
    return CLI_EXIT_OK;
}

/* The one-line summary. */
static int print_summary(const cli_args *a, const char *out, const tcm_instance *inst, const tcm_train_params *p,
                         const tcm_train_result *r)
{
    cli_summary s;
    cli_summary_begin(&s, a);
    cli_summary_str(&s, "status", r->errors == 0 ? "solved" : "unsolved");
    cli_summary_str(&s, "algo", tcm_train_algo_name(p->algo));
    cli_summary_str(&s, "stop", tcm_train_status_name(r->status));
    cli_summary_bool(&s, "converged", r->converged);
    cli_summary_int(&s, "errors", r->errors);
    cli_summary_int(&s, "M", inst->M);
    cli_summary_int(&s, "epochs", r->epochs);
    cli_summary_double(&s, "loss", r->loss);
    if (p->algo == TCM_TRAIN_ELAL) {
        cli_summary_double(&s, "distance", r->distance);
        cli_summary_double(&s, "lambda", r->lambda);
    } else if (p->algo != TCM_TRAIN_LAL) {
        cli_summary_double(&s, "beta", r->beta);
        cli_summary_double(&s, "gamma", r->gamma);
        cli_summary_str(&s, "step", tcm_train_step_name(p->step));
    }
    cli_summary_u64(&s, "seed", p->seed);
    cli_summary_double(&s, "seconds", r->seconds);
    cli_summary_str(&s, "output", out);
    return cli_summary_end(&s);
}

/* Read the instance, train, write, summarise. */
static int run(const cli_args *a, const char *out, tcm_train_params *p, char *cmdline)
{
    double t0 = omp_get_wtime();
    tcm_instance *inst = NULL;
    tcm_weights *w = NULL;
    tcm_train_result r;
    memset(&r, 0, sizeof r);
    int st = tcm_h5_read_instance(a->pos[0], &inst);
    if (st)
        return cli_fail(a, st, NULL);
    train_progress tp = {a, 0.0};
    p->progress = on_epoch;
    p->user = &tp;
    st = tcm_train_run(&w, inst, p, &r);
    cli_progress_done(a);
    int rc = st ? cli_fail(a, st, "training on %s", a->pos[0]) : CLI_EXIT_OK;
    tcm_run_info ri = {cmdline, a->pos[0], omp_get_max_threads(), omp_get_wtime() - t0};
    if (rc == CLI_EXIT_OK) rc = write_output(a, out, inst, w, p, &r, &ri);
    if (rc == CLI_EXIT_OK) rc = print_summary(a, out, inst, p, &r);
    if (rc == CLI_EXIT_OK && r.status == TCM_TRAIN_INTERRUPTED) rc = CLI_EXIT_INTERRUPTED;
    tcm_train_result_clear(&r);
    tcm_weights_free(w);
    tcm_instance_free(inst);
    return rc;
}

/* Entry point: parse, check the output path, train, write, summarise. */
int cmd_train(int argc, char **argv)
{
    train_opts o;
    memset(&o, 0, sizeof o);
    cli_option opts[] = {
        CLI_OPT("algo", 0, CLI_STRING, &o.algo, "lal|elal|cesgd-fast|cesgd-slow", "the trainer (required)", NULL),
        CLI_OPT("output", 'o', CLI_STRING, &o.out, "W.h5", "weights file to write, with the run in /train (required)", NULL),
        CLI_OPT("eta", 0, CLI_DOUBLE, &o.eta, "ETA", "learning rate, for unit-norm units u_k = w_k / sqrt(n)", "lal 5e-3, elal 1e-2, cesgd-fast 1e-2, cesgd-slow 3e-3"),
        CLI_OPT("batch", 0, CLI_INT, &o.batch, "B", "mini-batch size", "100"),
        CLI_OPT("max-epochs", 0, CLI_INT, &o.max_epochs, "E", "stop after E epochs (stop=max_epochs; not an error)", "lal 10000, elal 20000, cesgd-fast 20000, cesgd-slow 100000"),
        CLI_OPT("max-seconds", 0, CLI_DOUBLE, &o.max_seconds, "SEC", "stop after SEC seconds (stop=timeout; 0: no limit)", "0"),
        CLI_OPT("y", 0, CLI_INT, &o.y, "Y", "eLAL: number of replicas", "20"),
        CLI_OPT("lambda0", 0, CLI_DOUBLE, &o.lambda0, "L", "eLAL: initial coupling to the centre", "0.5"),
        CLI_OPT("lambda1", 0, CLI_DOUBLE, &o.lambda1, "R", "eLAL: lambda *= 1 + R after each epoch", "1e-4"),
        CLI_OPT("collapse-tol", 0, CLI_DOUBLE, &o.collapse_tol, "T", "eLAL: stop when sum_a |u^a - centre|^2 < T", "1e-7"),
        CLI_OPT("beta0", 0, CLI_DOUBLE, &o.beta0, "B0", "ceSGD: initial steepness of tanh(beta h)", "fast 1, slow 0.5"),
        CLI_OPT("beta1", 0, CLI_DOUBLE, &o.beta1, "R", "ceSGD: beta *= 1 + R after each epoch", "fast 1e-3, slow 4e-4"),
        CLI_OPT("gamma0", 0, CLI_DOUBLE, &o.gamma0, "G0", "ceSGD: initial gamma of the loss f_gamma", "fast 3, slow 0.1"),
        CLI_OPT("gamma1", 0, CLI_DOUBLE, &o.gamma1, "R", "ceSGD: gamma *= 1 + R after each epoch", "fast 1, slow 4e-4"),
        CLI_OPT("step", 0, CLI_STRING, &o.step, "scaled|gradient", "ceSGD: step of the unit-norm units: the loss gradient divided by beta (scaled) or as it is (gradient, whose size grows with beta)", "fast scaled, slow gradient"),
        CLI_OPT("loss-tol", 0, CLI_DOUBLE, &o.loss_tol, "T", "cesgd-slow: stop when the mean cross-entropy loss < T", "1e-7"),
        CLI_END};
    cli_command cmd = {"train", "[options] INSTANCE --algo ALGO -o W.h5",
                       "Train a continuous committee machine (weights normalised per unit) on INSTANCE with a "
                       "reference trainer of Baldassi et al. (wide flat minima paper, Appendix E): lal (least action "
                       "learning; stops at zero errors), elal (y LAL replicas coupled to their centre; stops when "
                       "they collapse), cesgd-fast (SGD on the cross-entropy loss with tanh units; stops at zero "
                       "errors of the sign network) or cesgd-slow (stops when the loss is below --loss-tol). "
                       "Defaults are the paper's for random patterns; docs/TRAIN.md has the update rules. Not "
                       "reaching the target within --max-epochs is a result (status=unsolved or converged=false, "
                       "exit 0). W.h5 is a weights file for eval, volume and the other commands. SIGINT/SIGTERM "
                       "stop after the current epoch, write W.h5 and exit with code 3.",
                       opts, 1, 1, "initial weights and the per-epoch permutations"};
    CLI_PARSE_OR_RETURN(cmd, a, rc, argc, argv);
    tcm_train_params p;
    if ((rc = make_params(&a, &cmd, &o, &p)) != CLI_EXIT_OK)
        return rc;
    if (!o.out)
        return cli_usage(&a, "missing -o W.h5");
    const cli_path paths[] = {{a.pos[0], CLI_PATH_INPUT, "INSTANCE"}, {o.out, CLI_PATH_OUTPUT, "-o"}};
    if ((rc = cli_check_paths(&a, paths, 2, 0)) != CLI_EXIT_OK)
        return rc;
    char *cmdline = cli_command_line(argc, argv);
    cli_signals_install();
    rc = run(&a, o.out, &p, cmdline);
    free(cmdline);
    return rc;
}
