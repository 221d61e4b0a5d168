/* `tcmbp volume INSTANCE --reference REF`: the local-entropy curve around a
 * configuration, for either weight kind (docs/EQUATIONS.md 3): a
 * warm-started ladder of couplings lambda; per point the distance d, S,
 * S0(d), S - S0 and convergence. Output: the HDF5 table /volume, optionally
 * CSV; the points on stderr as they come; --checkpoint/--resume continue an
 * interrupted ladder exactly. */
#include "cli.h"
#include "engine_cli.h"
#include "signals.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcmbp/atomic.h"
#include "tcmbp/driver.h"
#include "tcmbp/error.h"
#include "tcmbp/h5.h"
#include "tcmbp/results.h"
#include "tcmbp/table.h"

typedef struct {
    cli_engine_opts e;
    const char *reference, *out, *csv, *checkpoint;
    double lambda_min, lambda_max, stability, drift_max;
    int steps, resume, retries, keep_going;
    cli_doubles lambdas;
} volume_opts;

/* Everything a run needs, shared with the callbacks. */
typedef struct {
    const cli_args *a;
    const volume_opts *o;
    cli_engine_run r;
    tcm_weights *ref;
    double *lambdas;
    int count;
    tcm_volume_point *points;
    tcm_run_position pos;
    double t0;
    int timed_out, save_failed, failed;
} volume_run;

/* Per sweep: progress line; stop on a signal or at the time limit. */
static int on_sweep(const tcm_progress *pr, void *user)
{
    volume_run *v = user;
    cli_progress(v->a, "point %d/%d  lambda %.4g  sweep %d  change %.3g  %.1fs", v->pos.next_step + 1, v->count,
                 v->lambdas[v->pos.next_step], pr->sweep, pr->change, omp_get_wtime() - v->t0);
    if (v->o->e.max_seconds > 0 && omp_get_wtime() - v->t0 >= v->o->e.max_seconds) v->timed_out = 1;
    return cli_signals_caught() || v->timed_out;
}

/* After each point: a line on stderr when it is a terminal (not --quiet);
 * stop on a signal or at the time limit. */
static int on_point(const tcm_volume_point *pt, int index, int count, void *user)
{
    volume_run *v = user;
    if (cli_progress_enabled(v->a)) {
        cli_progress_done(v->a);
        fprintf(stderr, "tcmbp volume: %2d/%d lambda %-9.4g d %-10.4g S %-10.5g S-S0 %-10.5g %s (%d sweeps)\n",
                index + 1, count, pt->lambda, pt->distance, pt->entropy, pt->local_entropy,
                tcm_bp_status_name(pt->status), pt->sweeps);
    }
    if (v->o->e.max_seconds > 0 && omp_get_wtime() - v->t0 >= v->o->e.max_seconds) v->timed_out = 1;
    return cli_signals_caught() || v->timed_out; /* a point ending on its last sweep is not seen by on_sweep */
}

/* The checkpoint after each point (when asked). */
static void on_position(const tcm_run_position *pos, const tcm_volume_point *points, void *user)
{
    volume_run *v = user;
    if (v->o->checkpoint &&
        tcm_volume_checkpoint_save(v->o->checkpoint, v->r.engine, &v->r.run, v->ref->w, v->lambdas, v->count, pos, points) != TCM_OK)
        v->save_failed = 1;
}

/* The couplings: an explicit --lambdas list or the geometric ladder. */
static int make_ladder(const cli_args *a, const volume_opts *o, double **out, int *count)
{
    for (int j = 0; j < o->lambdas.n; j++)
        if (o->lambdas.v[j] < 0) return cli_usage(a, "--lambdas: couplings must be >= 0 (got %g)", o->lambdas.v[j]);
    *count = o->lambdas.n > 0 ? o->lambdas.n : o->steps;
    if (*count < 1) return cli_usage(a, "--steps must be >= 1 (got %d)", o->steps);
    *out = malloc((size_t)*count * sizeof(double));
    if (!*out) return cli_fail(a, TCM_ENOMEM, "out of memory");
    if (o->lambdas.n > 0) {
        memcpy(*out, o->lambdas.v, (size_t)*count * sizeof(double));
        return CLI_EXIT_OK;
    }
    if (tcm_volume_ladder(*out, *count, o->lambda_min, o->lambda_max)) {
        free(*out);
        *out = NULL;
        return cli_usage(a, "--lambda-min/--lambda-max: %s", tcm_last_error());
    }
    return CLI_EXIT_OK;
}

/* Status word of the ladder. */
static const char *run_status(const volume_run *v)
{
    if (v->failed) return "failed";
    if (tcm_volume_stopped(&v->pos, v->count)) return "stopped";
    if (v->pos.finished) return "done";
    return v->timed_out ? "timeout" : "interrupted";
}

/* The reference: loaded as the engine's kind, normalised per unit for continuous weights. */
static int load_reference(volume_run *v)
{
    const tcm_engine *e = v->r.engine;
    int st = tcm_weights_load(&v->ref, v->o->reference, e->K, e->n, e->kind);
    if (!st && e->kind == TCM_WEIGHTS_CONTINUOUS && (st = tcm_weights_normalize(v->ref))) {
        char why[512]; /* copy: TCM_ERROR formats into the buffer tcm_last_error() returns */
        snprintf(why, sizeof why, "%s", tcm_last_error());
        TCM_ERROR(st, "reference %s: %s", v->o->reference, why);
    }
    return st ? cli_fail(v->a, st, "--reference") : CLI_EXIT_OK;
}

/* Training errors of the reference on the patterns used (-1 if it cannot be evaluated). */
static int reference_errors(const volume_run *v)
{
    if (v->r.engine->M == 0) return 0;
    tcm_instance used = *v->r.inst;
    used.M = v->r.engine->M;
    tcm_eval ev;
    return tcm_weights_eval(v->ref, &used, &ev, NULL, NULL) == TCM_OK ? ev.errors : -1;
}

/* The CSV file (header line + one row per point), written atomically. */
static int write_csv(const volume_run *v, const tcm_table *t)
{
    tcm_atomic_file *af = NULL;
    int st = tcm_atomic_open(&af, v->o->csv, v->a->force || v->o->resume);
    FILE *f = st ? NULL : tcm_atomic_stream(af);
    if (!st && !f) st = tcm_last_error_code();
    if (!st) st = tcm_table_write_csv(t, f, v->points, (size_t)v->pos.next_step);
    if (st) {
        tcm_atomic_abort(af);
        return cli_fail(v->a, st, "--csv %s", v->o->csv);
    }
    return (st = tcm_atomic_commit(af)) ? cli_fail(v->a, st, "--csv %s", v->o->csv) : CLI_EXIT_OK;
}

/* OUT.h5: provenance, /reference, the /volume table with its parameters. */
static int write_h5(const volume_run *v, const tcm_table *t, const char *cmdline)
{
    tcm_h5_out *h = NULL;
    const tcm_engine *e = v->r.engine;
    int rc = cli_engine_open_result(v->a, &v->r, v->o->out, "volume", v->o->resume, cmdline, v->t0, &h);
    if (rc != CLI_EXIT_OK) return rc;
    size_t dims[2] = { (size_t)v->ref->K, (size_t)v->ref->n };
    const char *norm = e->kind == TCM_WEIGHTS_CONTINUOUS ? "per-unit: sum_i w_ki^2 = n" : "none: signs +-1";
    int st = tcm_h5_out_double(h, "/reference", 2, dims, v->ref->w);
    if (!st) st = tcm_h5_out_attr_string(h, "/reference", "source", v->o->reference);
    if (!st) st = tcm_h5_out_attr_string(h, "/reference", "normalization", norm);
    if (!st) st = tcm_table_write_h5(t, h, "/volume", v->points, (size_t)v->pos.next_step);
    if (!st) st = tcm_h5_out_attr_string(h, "/volume", "status", run_status(v));
    if (!st) st = tcm_h5_out_attr_string(h, "/volume", "weights", e->ops->name);
    if (!st) st = tcm_h5_out_attr_string(h, "/volume", "reference", v->o->reference);
    if (!st) st = tcm_results_write_params(h, "/volume", e, &v->r.run);
    if (!st) st = tcm_h5_out_attr_int(h, "/volume", "patterns_used", e->M);
    if (!st) st = tcm_h5_out_attr_double(h, "/volume", "stability", v->o->stability);
    if (!st) st = tcm_h5_out_attr_double(h, "/volume", "drift_max", v->o->drift_max);
    return cli_engine_finish_result(v->a, h, st);
}

static int print_summary(const volume_run *v)
{
    int n = v->pos.next_step, conv = 0, valid = 0, stable = 0, sweeps = 0, check_sweeps = 0, last = -1;
    double dmin = 1.0;
    for (int j = 0; j < n; j++) {
        sweeps += v->points[j].sweeps;
        conv += v->points[j].converged;
        stable += v->points[j].stable;
        check_sweeps += v->points[j].check_sweeps;
        if (v->points[j].valid) {
            valid++;
            last = j;
            dmin = v->points[j].distance < dmin ? v->points[j].distance : dmin;
        }
    }
    cli_summary s;
    cli_summary_begin(&s, v->a);
    cli_summary_str(&s, "status", run_status(v));
    cli_summary_str(&s, "weights", v->r.engine->ops->name);
    cli_summary_int(&s, "points", n);
    cli_summary_int(&s, "converged", conv);
    cli_summary_int(&s, "converged_points", conv);
    cli_summary_int(&s, "valid", valid);
    cli_summary_int(&s, "stable", stable);
    cli_summary_double(&s, "min_distance", valid ? dmin : -1.0);
    cli_summary_str(&s, "reference_normalized", v->r.engine->kind == TCM_WEIGHTS_CONTINUOUS ? "per_unit" : "none");
    cli_summary_int(&s, "reference_errors", reference_errors(v));
    cli_summary_int(&s, "sweeps", sweeps);
    cli_summary_int(&s, "check_sweeps", check_sweeps);
    if (tcm_volume_stopped(&v->pos, v->count)) cli_summary_double(&s, "stopped_lambda", v->points[n - 1].lambda);
    /* The numbers of the last valid point (the smallest distance one can use). */
    if (last >= 0) cli_summary_double(&s, "lambda", v->points[last].lambda);
    if (last >= 0) cli_summary_double(&s, "entropy", v->points[last].entropy);
    if (last >= 0) cli_summary_double(&s, "local_entropy", v->points[last].local_entropy);
    cli_summary_double(&s, "seconds", omp_get_wtime() - v->t0);
    if (v->o->out) cli_summary_str(&s, "output", v->o->out);
    if (v->o->csv) cli_summary_str(&s, "csv", v->o->csv);
    if (v->o->checkpoint) cli_summary_str(&s, "checkpoint", v->o->checkpoint);
    return cli_summary_end(&s);
}

/* Why the ladder ended early, on stderr. */
static void note_stopped(const volume_run *v)
{
    const tcm_volume_point *pt = &v->points[v->pos.next_step - 1];
    fprintf(stderr,
            "tcmbp volume: note: point %d/%d (lambda %g) did not converge (%s after %d sweeps, damping up to %g, "
            "change %.3g): the ladder stops there, since the points beyond it would start from a state that is "
            "not a fixed point (--keep-going measures them anyway)\n",
            v->pos.next_step, v->count, pt->lambda, tcm_bp_status_name(pt->status), pt->sweeps, pt->damping, pt->change);
}

/* Run (or resume) the ladder, then the checkpoint of a stopped run and the results. */
static int ladder(volume_run *v, const char *cmdline)
{
    tcm_volume_params p = TCM_VOLUME_PARAMS_INIT;
    p.run = v->r.run;
    p.run.max_seconds = 0; /* --max-seconds bounds the whole ladder (on_sweep) */
    p.run.progress = on_sweep;
    p.run.user = v;
    p.on_point = on_point;
    p.on_position = on_position;
    p.user = v;
    p.keep_going = v->o->keep_going;
    p.stability = v->o->stability;
    p.drift_max = v->o->drift_max;
    const tcm_engine *e = v->r.engine;
    int st = v->o->resume ? tcm_volume_checkpoint_load(v->o->checkpoint, v->r.engine, &v->r.run, v->ref->w, v->lambdas,
                                                      v->count, &v->pos, v->points)
                          : TCM_OK;
    if (st) return cli_fail(v->a, st, "--resume");
    /* A failure keeps the points done: they are written (status "failed") before the error. */
    char why[512] = "";
    int failed = tcm_driver_volume(v->r.engine, v->ref->w, v->lambdas, v->count, &p, &v->pos, v->points);
    if (failed) snprintf(why, sizeof why, "%s", tcm_last_error());
    v->failed = failed != 0;
    cli_progress_done(v->a);
    tcm_table t;
    tcm_results_volume_table(e, &t);
    int rc = v->o->out ? write_h5(v, &t, cmdline) : CLI_EXIT_OK;
    if (rc == CLI_EXIT_OK && v->o->csv) rc = write_csv(v, &t);
    /* After the results: a failed checkpoint must not lose them. */
    if (rc == CLI_EXIT_OK && !v->pos.finished && v->o->checkpoint &&
        (st = tcm_volume_checkpoint_save(v->o->checkpoint, e, &v->r.run, v->ref->w, v->lambdas, v->count, &v->pos, v->points)))
        rc = cli_fail(v->a, st, "writing the checkpoint %s", v->o->checkpoint);
    if (rc == CLI_EXIT_OK && v->save_failed)
        rc = cli_fail(v->a, TCM_EIO, "a checkpoint could not be written to %s", v->o->checkpoint);
    if (rc == CLI_EXIT_OK && failed) {
        int j = v->pos.next_step < v->count ? v->pos.next_step : v->count - 1;
        cli_error(v->a->cmd, "at point %d (lambda %g; the %d points before it were written): %s", j + 1,
                  v->lambdas[j], v->pos.next_step, why);
        return CLI_EXIT_RUNTIME;
    }
    if (rc == CLI_EXIT_OK && tcm_volume_stopped(&v->pos, v->count) && !v->a->quiet)
        note_stopped(v);
    if (rc == CLI_EXIT_OK) rc = print_summary(v);
    if (rc == CLI_EXIT_OK && !v->pos.finished && !v->timed_out) rc = CLI_EXIT_INTERRUPTED;
    return rc;
}

/* Load instance and reference, build the engine, run, write. */
static int run(const cli_args *a, cli_command *cmd, const volume_opts *o, const char *cmdline)
{
    static const cli_default defaults[] = {
        { "cavity", CLI_FOR_CONT, "ep" }, /* exact is biased at lambda ~ n (docs/EQUATIONS.md 8) */
        { "lambda-min", CLI_FOR_CONT, "0.5" }, { "lambda-max", CLI_FOR_CONT, "1000" },
        { "max-sweeps", CLI_FOR_CONT, "500" }, { "lambda-min", CLI_FOR_BIN, "0.05" },
        { "lambda-max", CLI_FOR_BIN, "5" },    { "max-sweeps", CLI_FOR_BIN, "1000" },
    };
    volume_run v = { a, o, { NULL, NULL, TCM_RUN_PARAMS_INIT }, NULL, NULL, 0, NULL, TCM_RUN_POSITION_INIT,
                     omp_get_wtime(), 0, 0, 0 };
    int rc = cli_engine_open(a, cmd, &o->e, defaults, (int)(sizeof defaults / sizeof defaults[0]), &v.r);
    if (rc == CLI_EXIT_OK && o->e.max_sweeps < 1) rc = cli_usage(a, "--max-sweeps must be >= 1 (got %d)", o->e.max_sweeps);
    if (rc == CLI_EXIT_OK && o->retries < 0) rc = cli_usage(a, "--retries must be >= 0 (got %d)", o->retries);
    if (rc == CLI_EXIT_OK && o->stability != 0.0 && !(o->stability > 1.0 && o->stability < 1e300))
        rc = cli_usage(a, "--stability must be 0 (no check) or > 1 (got %g)", o->stability);
    if (rc == CLI_EXIT_OK && !(o->drift_max >= 0.0)) rc = cli_usage(a, "--drift-max must be >= 0 (got %g)", o->drift_max);
    v.r.run.retries = o->retries;
    if (rc == CLI_EXIT_OK) rc = make_ladder(a, o, &v.lambdas, &v.count);
    if (rc == CLI_EXIT_OK && !(v.points = calloc((size_t)v.count, sizeof *v.points)))
        rc = cli_fail(a, TCM_ENOMEM, "out of memory");
    if (rc == CLI_EXIT_OK) rc = load_reference(&v);
    if (rc == CLI_EXIT_OK && !o->resume) rc = cli_engine_init(a, cmd, &o->e, &v.r);
    if (rc == CLI_EXIT_OK) rc = ladder(&v, cmdline);
    cli_engine_close(&v.r);
    tcm_weights_free(v.ref);
    free(v.lambdas);
    free(v.points);
    return rc;
}

int cmd_volume(int argc, char **argv)
{
    volume_opts o = { CLI_ENGINE_OPTS_INIT, NULL, NULL, NULL, NULL, 0.5, 1000.0, TCM_VOLUME_STABILITY,
                      TCM_VOLUME_DRIFT_MAX, 25, 0, 2, 0, { 0, { 0 } } };
    cli_option opts[] = {
        CLI_OPT("reference", 'r', CLI_STRING, &o.reference, "REF",
                "the configuration to measure around: FILE.h5 (its /weights), FILE.h5:/dataset, FILE.npy or a text "
                "file; continuous weights are normalised per unit, binary ones must be +-1", NULL),
        CLI_OPT("output", 'o', CLI_STRING, &o.out, "OUT.h5", "write the table /volume and the /reference", NULL),
        CLI_OPT("csv", 0, CLI_STRING, &o.csv, "FILE.csv", "also write the table as CSV (header line with the column names)", NULL),
        CLI_OPT("lambda-min", 0, CLI_DOUBLE, &o.lambda_min, "L", "smallest coupling (largest distance)",
                "continuous 0.5, binary 0.05"),
        CLI_OPT("lambda-max", 0, CLI_DOUBLE, &o.lambda_max, "L", "largest coupling (smallest distance)",
                "continuous 1000, binary 5"),
        CLI_OPT("steps", 0, CLI_INT, &o.steps, "S", "geometric steps from --lambda-min to --lambda-max", "25"),
        CLI_OPT("lambdas", 0, CLI_DOUBLES, &o.lambdas, "L1,L2,...", "explicit couplings, in the order given (overrides the ladder)", NULL),
        CLI_ENGINE_ROWS(o.e, "a coupling has converged when the largest message (and chi) change is <= T", "1e-6",
                        "sweeps per coupling (per round, see --retries) before it is recorded as not converged",
                        "continuous 500, binary 1000", "0"),
        CLI_RETRIES_ROW(o.retries, "2"),
        CLI_OPT("keep-going", 0, CLI_FLAG, &o.keep_going, NULL,
                "measure the couplings after one that did not converge (by default the ladder stops there, "
                "status stopped)", NULL),
        CLI_OPT("stability", 0, CLI_DOUBLE, &o.stability, "F",
                "stability check: a point converged at --tol sweeps on to --tol/F (at most --max-sweeps more); "
                "its values are those at --tol/F, the columns drift_entropy |dS| and drift_distance |dd|/d the "
                "change from --tol, and a drift above --drift-max (or no convergence at --tol/F) makes it "
                "stable = 0, valid = 0; 0: no check", "10"),
        CLI_OPT("drift-max", 0, CLI_DOUBLE, &o.drift_max, "X", "largest drift of a stable point (see --stability)", "1e-4"),
        CLI_OPT("checkpoint", 0, CLI_STRING, &o.checkpoint, "CK.h5",
                "write the state and the points done to CK.h5 after every point and on SIGINT/SIGTERM or timeout", NULL),
        CLI_OPT("resume", 0, CLI_FLAG, &o.resume, NULL,
                "continue the ladder saved in --checkpoint (same instance, reference and couplings): the same "
                "table as an uninterrupted run, bit for bit", NULL),
        CLI_END };
    cli_command cmd = { "volume", "[options] INSTANCE --reference REF [-o OUT.h5] [--csv FILE]",
        "Local entropy around a reference configuration, for continuous or binary weights (--weights; by "
        "default the instance's kind): for each coupling lambda of a ladder (each warm-started from the "
        "previous one) BP with a field pulling the weights towards REF gives the distance d (continuous: "
        "|w - REF|^2/(2N); binary: the expected Hamming fraction), the entropy S of the solutions at that "
        "distance, S0(d) (the value without patterns: ln sqrt(d(2-d)), or -d ln d - (1-d) ln(1-d)) and the "
        "normalised local entropy S - S0 (<= 0; near 0 inside a wide flat minimum), its small-distance limit, "
        "and a stationarity (Legendre) check against the previous point. A coupling that does not converge "
        "after the retries is recorded (converged = 0, valid = 0) and ends the ladder (status stopped; "
        "--keep-going goes on); expect it at large lambda around non-solutions. valid = 0 marks every number "
        "not to use (not converged, not finite, an approximation that fails there: reliable = 0, or a value "
        "that moves under a tighter tolerance: stable = 0, see --stability). SIGINT/SIGTERM stop within a sweep: the points done are written, with the "
        "checkpoint, and the exit code is 3.",
        opts, 1, 1, "seed of --init-random" };
    CLI_PARSE_OR_RETURN(cmd, a, rc, argc, argv);
    if (!o.reference) return cli_usage(&a, "missing --reference REF");
    if (o.resume && !o.checkpoint) return cli_usage(&a, "--resume needs --checkpoint CK.h5");
    if (o.resume && (o.e.init || o.e.init_random > 0)) return cli_usage(&a, "--resume excludes --init and --init-random");
    const cli_path paths[] = { { a.pos[0], CLI_PATH_INPUT, "INSTANCE" }, { o.reference, CLI_PATH_INPUT, "--reference" },
                               { o.e.init, CLI_PATH_INPUT, "--init" }, { o.out, CLI_PATH_OUTPUT, "-o" },
                               { o.csv, CLI_PATH_OUTPUT, "--csv" }, { o.checkpoint, CLI_PATH_CHECKPOINT, "--checkpoint" } };
    if ((rc = cli_check_paths(&a, paths, 6, o.resume)) != CLI_EXIT_OK) return rc;
    char *cmdline = cli_command_line(argc, argv);
    cli_signals_install();
    rc = run(&a, &cmd, &o, cmdline);
    free(cmdline);
    return rc;
}
