/* `tcmbp volume INSTANCE --reference REF`: the local-entropy curve around a
 * configuration (spec 3, continuous weights): a warm-started ladder of
 * couplings lambda; per point d, S, S0(d), S - S0, convergence. Output: an
 * HDF5 table /volume, optionally CSV; the points on stderr as they come. */
#include "cli.h"
#include "route.h"
#include "signals.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcmbp/error.h"
#include "tcmbp/h5.h"
#include "tcmbp/results.h"
#include "tcmbp/volume.h"

#define VOLUME_COLUMNS 12

typedef struct {
    const char *reference, *out, *csv, *cavity, *output;
    double lambda_min, lambda_max, damping, tol;
    int steps, max_sweeps;
    cli_doubles lambdas;
} volume_opts;

/* After each point: a line on stderr when it is a terminal (not --quiet); stop on a signal. */
static int on_point(const tcm_volume_point *pt, int index, int count, void *user)
{
    const cli_args *a = user;
    if (cli_progress_enabled(a))
        fprintf(stderr, "tcmbp volume: %2d/%d lambda %-9.4g d %-10.4g S %-10.5g S-S0 %-10.5g %s (%d sweeps)\n",
                index + 1, count, pt->lambda, pt->distance, pt->entropy, pt->local_entropy,
                tcm_bp_status_name(pt->status), pt->sweeps);
    return cli_signals_caught();
}

/* Column-major copy of the points for the table writers. */
static double *point_columns(const tcm_volume_point *pts, int n)
{
    double *c = malloc((size_t)(n > 0 ? n : 1) * VOLUME_COLUMNS * sizeof(double));
    for (int j = 0; c && j < n; j++) {
        const tcm_volume_point *p = &pts[j];
        double v[VOLUME_COLUMNS] = { p->lambda, p->distance, p->entropy, p->s0, p->local_entropy,
                                     p->status == TCM_BP_CONVERGED, p->status, p->sweeps, p->change,
                                     p->q, p->chibar, p->seconds };
        for (int k = 0; k < VOLUME_COLUMNS; k++) c[(size_t)k * (size_t)n + (size_t)j] = v[k];
    }
    return c;
}

static const char *const column_names[VOLUME_COLUMNS] = { "lambda", "distance", "entropy", "s0", "local_entropy",
                                                          "converged", "status", "sweeps", "change", "q",
                                                          "chibar", "seconds" };

/* The CSV file (header line + one row per point), written to PATH.tmp then renamed. */
static int write_csv(const cli_args *a, const char *path, const tcm_volume_point *pts, int n)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        cli_error(a->cmd, "cannot write %s", tmp);
        return CLI_EXIT_RUNTIME;
    }
    double *c = point_columns(pts, n);
    for (int k = 0; k < VOLUME_COLUMNS; k++) fprintf(f, "%s%s", column_names[k], k + 1 < VOLUME_COLUMNS ? "," : "\n");
    for (int j = 0; c && j < n; j++)
        for (int k = 0; k < VOLUME_COLUMNS; k++)
            fprintf(f, "%.17g%s", c[(size_t)k * (size_t)n + (size_t)j], k + 1 < VOLUME_COLUMNS ? "," : "\n");
    free(c);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        remove(tmp);
        cli_error(a->cmd, "cannot write %s", path);
        return CLI_EXIT_RUNTIME;
    }
    return CLI_EXIT_OK;
}

/* OUT.h5: provenance, /reference (normalised), /volume table with parameters. */
static int write_h5(const cli_args *a, const volume_opts *o, const tcm_graph *g, const tcm_weights *ref,
                    const tcm_volume_point *pts, int n, int count, const tcm_run_info *ri)
{
    double *c = point_columns(pts, n);
    const double *cols[VOLUME_COLUMNS];
    for (int k = 0; c && k < VOLUME_COLUMNS; k++) cols[k] = c + (size_t)k * (size_t)n;
    size_t dims[2] = { (size_t)ref->K, (size_t)ref->n };
    tcm_h5_out *h = NULL;
    int st = c ? tcm_h5_out_open(&h, o->out, "volume", a->force) : TCM_ERROR(TCM_ENOMEM, "out of memory");
    if (!st) st = tcm_results_write_run_info(h, ri, g->inst);
    if (!st) st = tcm_h5_out_double(h, "/reference", 2, dims, ref->w);
    if (!st) st = tcm_h5_out_attr_string(h, "/reference", "source", o->reference);
    if (!st) st = tcm_h5_out_attr_string(h, "/reference", "normalization", "per-unit: sum_i w_ki^2 = n");
    if (!st) st = tcm_h5_out_table(h, "/volume", VOLUME_COLUMNS, column_names, (size_t)n, cols);
    if (!st) st = tcm_h5_out_attr_string(h, "/volume", "status", n < count ? "interrupted" : "done");
    if (!st) st = tcm_h5_out_attr_string(h, "/volume", "weights", "continuous");
    if (!st) st = tcm_h5_out_attr_string(h, "/volume", "cavity", o->cavity);
    if (!st) st = tcm_h5_out_attr_double(h, "/volume", "damping", o->damping);
    if (!st) st = tcm_h5_out_attr_double(h, "/volume", "tol", o->tol);
    if (!st) st = tcm_h5_out_attr_int(h, "/volume", "max_sweeps", o->max_sweeps);
    free(c);
    if (st) {
        tcm_h5_out_abort(h);
        return cli_fail(a, st, NULL);
    }
    return tcm_h5_out_commit(h) ? cli_fail(a, tcm_last_error_code(), NULL) : CLI_EXIT_OK;
}

static int print_summary(const cli_args *a, const volume_opts *o, const tcm_volume_point *pts, int n, int count,
                         double seconds)
{
    int conv = 0;
    double dmin = 1.0;
    for (int j = 0; j < n; j++)
        if (pts[j].status == TCM_BP_CONVERGED) {
            conv++;
            dmin = pts[j].distance < dmin ? pts[j].distance : dmin;
        }
    cli_summary s;
    cli_summary_begin(&s, a);
    cli_summary_str(&s, "status", n < count ? "interrupted" : "done");
    cli_summary_int(&s, "points", n);
    cli_summary_int(&s, "converged", conv);
    cli_summary_double(&s, "min_distance", conv ? dmin : -1.0);
    cli_summary_str(&s, "reference_normalized", "per_unit");
    cli_summary_double(&s, "seconds", seconds);
    if (o->out) cli_summary_str(&s, "output", o->out);
    if (o->csv) cli_summary_str(&s, "csv", o->csv);
    return cli_summary_end(&s);
}

/* The couplings: an explicit --lambdas list or the geometric ladder. */
static int make_ladder(const cli_args *a, const volume_opts *o, double **out, int *count)
{
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
        return cli_usage(a, "%s", tcm_last_error());
    }
    return CLI_EXIT_OK;
}

/* Load instance and reference (normalised per unit), run the ladder, write. */
static int run(const cli_args *a, const volume_opts *o, const tcm_volume_params *p, const double *lambdas, int count,
               char *cmdline)
{
    double t0 = omp_get_wtime();
    tcm_instance *inst = NULL;
    tcm_weights *ref = NULL;
    tcm_graph *g = NULL;
    tcm_volume_point *pts = calloc((size_t)count, sizeof *pts);
    int done = 0, rc = CLI_EXIT_OK;
    int st = pts ? tcm_h5_read_instance(a->pos[0], &inst) : TCM_ERROR(TCM_ENOMEM, "out of memory");
    if (!st) st = tcm_weights_load(&ref, o->reference, inst->K, inst->n, TCM_WEIGHTS_CONTINUOUS);
    if (!st && (st = tcm_weights_normalize(ref))) {
        char why[512]; /* copy: TCM_ERROR formats into the buffer tcm_last_error() returns */
        snprintf(why, sizeof why, "%s", tcm_last_error());
        TCM_ERROR(st, "reference %s: %s", o->reference, why);
    }
    if (!st && !(g = tcm_graph_alloc(inst, 0))) st = tcm_last_error_code();
    if (!st) st = tcm_volume_run(g, ref->w, lambdas, count, p, pts, &done);
    if (st) rc = cli_fail(a, st, NULL);
    tcm_run_info ri = { cmdline, a->pos[0], omp_get_max_threads(), omp_get_wtime() - t0 };
    if (rc == CLI_EXIT_OK && o->out) rc = write_h5(a, o, g, ref, pts, done, count, &ri);
    if (rc == CLI_EXIT_OK && o->csv) rc = write_csv(a, o->csv, pts, done);
    if (rc == CLI_EXIT_OK) rc = print_summary(a, o, pts, done, count, ri.wall_seconds);
    if (rc == CLI_EXIT_OK && done < count) rc = CLI_EXIT_INTERRUPTED;
    tcm_graph_free(g);
    tcm_weights_free(ref);
    tcm_instance_free(inst);
    free(pts);
    return rc;
}

int cmd_volume(int argc, char **argv)
{
    if (cli_route_is_binary(argc, argv)) return cmd_volume_binary(argc, argv);
    tcm_weight_kind kind = TCM_WEIGHTS_CONTINUOUS;
    int explicit_kind = cli_route_explicit(argc, argv, &kind);
    volume_opts o = { NULL, NULL, NULL, "exact", "exact", 0.5, 1000.0, 0.5, 1e-6, 25, 500, { 0, { 0 } } };
    const char *weights = "continuous";
    cli_option opts[] = {
        CLI_OPT("reference", 'r', CLI_STRING, &o.reference, "REF", "the configuration to measure around: FILE.h5 (its /weights), FILE.h5:/dataset, FILE.npy or a text file; normalised per unit", NULL),
        CLI_OPT("output", 'o', CLI_STRING, &o.out, "OUT.h5", "write the table /volume and the normalised /reference", NULL),
        CLI_OPT("csv", 0, CLI_STRING, &o.csv, "FILE.csv", "also write the table as CSV (header line with the column names)", NULL),
        CLI_OPT("weights", 0, CLI_STRING, &weights, "continuous|binary", "weight kind (binary: Hamming distances)", "the instance's"),
        CLI_OPT("lambda-min", 0, CLI_DOUBLE, &o.lambda_min, "L", "smallest coupling (largest distance)", "0.5"),
        CLI_OPT("lambda-max", 0, CLI_DOUBLE, &o.lambda_max, "L", "largest coupling (smallest distance)", "1000"),
        CLI_OPT("steps", 0, CLI_INT, &o.steps, "S", "geometric steps from --lambda-min to --lambda-max", "25"),
        CLI_OPT("lambdas", 0, CLI_DOUBLES, &o.lambdas, "L1,L2,...", "explicit couplings, in the order given (overrides the ladder)", NULL),
        CLI_OPT("cavity", 0, CLI_STRING, &o.cavity, "exact|fast", "hidden-unit factor mode", "exact"),
        CLI_OPT("output-factor", 0, CLI_STRING, &o.output, "exact|clt", "majority output factor", "exact"),
        CLI_OPT("damping", 0, CLI_DOUBLE, &o.damping, "D", "message damping", "0.5"),
        CLI_OPT("tol", 0, CLI_DOUBLE, &o.tol, "T", "convergence tolerance on the largest message and chi change", "1e-6"),
        CLI_OPT("max-sweeps", 0, CLI_INT, &o.max_sweeps, "S", "sweeps per coupling before it is recorded as not converged", "500"),
        CLI_END };
    cli_command cmd = { "volume", "[options] INSTANCE --reference REF [-o OUT.h5] [--csv FILE]",
        "Local entropy around a reference configuration (continuous weights): for each coupling lambda of a "
        "ladder (each warm-started from the previous one) BP with a field pulling the weights towards REF gives "
        "the mean squared distance d = |w - REF|^2/(2N), the entropy S of the solutions at that distance, "
        "S0(d) = ln sqrt(d(2-d)) (the value without patterns) and the normalised local entropy S - S0 (<= 0; "
        "near 0 inside a wide flat minimum). REF is normalised per unit first. A coupling that does not converge "
        "is recorded (converged = 0) and the ladder goes on; expect it at large lambda around non-solutions.",
        opts, 1, 1, "not used (deterministic)" };
    cli_args a;
    int rc = cli_parse(&cmd, &a, argc, argv);
    if (rc != CLI_CONTINUE) return rc;
    if (explicit_kind < 0) return cli_usage(&a, "--weights must be continuous or binary (got '%s')", weights);
    if (!o.reference) return cli_usage(&a, "missing --reference REF");
    tcm_volume_params p = TCM_VOLUME_PARAMS_INIT;
    if (tcm_cavity_mode_parse(o.cavity, &p.bp.sweep.cavity)) return cli_usage(&a, "--cavity: %s", tcm_last_error());
    if (tcm_output_mode_parse(o.output, &p.bp.sweep.output)) return cli_usage(&a, "--output-factor: %s", tcm_last_error());
    if (o.damping < 0 || o.damping >= 1) return cli_usage(&a, "--damping must be in [0, 1) (got %g)", o.damping);
    if (o.tol <= 0 || o.max_sweeps < 1) return cli_usage(&a, "--tol must be > 0 and --max-sweeps >= 1");
    p.bp.sweep.damping = o.damping;
    p.bp.tol = o.tol;
    p.bp.max_sweeps = o.max_sweeps;
    p.on_point = on_point;
    p.user = &a;
    for (int j = 0; j < o.lambdas.n; j++)
        if (o.lambdas.v[j] < 0) return cli_usage(&a, "--lambdas: couplings must be >= 0 (got %g)", o.lambdas.v[j]);
    double *lambdas = NULL;
    int count = 0;
    if ((rc = make_ladder(&a, &o, &lambdas, &count))) return rc;
    if (o.out && (rc = cli_check_output(&a, o.out))) return free(lambdas), rc;
    if (o.csv && (rc = cli_check_output(&a, o.csv))) return free(lambdas), rc;
    char *cmdline = cli_command_line(argc, argv);
    cli_signals_install();
    rc = run(&a, &o, &p, lambdas, count, cmdline);
    free(cmdline);
    free(lambdas);
    return rc;
}
