/* `tcmbp bp|volume|solve ... --weights binary`: binary-weight BP (entropy,
 * marginals), the local-entropy curve around a binary reference, and focusing
 * BP (reinforcement, scoping, pseudo-reinforcement, explicit lists) with the
 * per-step thermodynamic record. Results, tables and message checkpoints go
 * to HDF5 (docs/BINARY.md); SIGINT/SIGTERM stop after the current sweep, the
 * state is written with a checkpoint and the exit code is 3. */
#include "cli.h"
#include "cmd_binary.h"
#include "signals.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcmbp/bbp.h"
#include "tcmbp/bresults.h"
#include "tcmbp/error.h"
#include "tcmbp/h5.h"
#include "tcmbp/results.h"

/* ---- options shared by the three commands --------------------------------- */

typedef struct {
    const char *weights, *hidden, *output, *schedule, *init, *out;
    int block_size, max_sweeps, patterns;
    double damping, tol, max_seconds;
} engine_opts;

/* Option-table rows of the engine (sweep modes, damping, tolerance, limits, init). */
#define ENGINE_ROWS(e, tol_help, sweeps_help, tol_def, sweeps_def, damping_def)                                 \
    CLI_OPT("weights", 0, CLI_STRING, &(e).weights, "binary", "weight kind: this is the binary-weight solver", "binary"), \
    CLI_OPT("hidden", 0, CLI_STRING, &(e).hidden, "clt|exact",                                                    \
            "hidden-unit factor: Gaussian sum of the inputs, O(n); or exact convolution, O(n^2) (small n)", "clt"), \
    CLI_OPT("output-factor", 0, CLI_STRING, &(e).output, "exact|clt", "majority output factor", "exact"),          \
    CLI_OPT("schedule", 0, CLI_STRING, &(e).schedule, "parallel|block",                                           \
            "all patterns from the same marginals, or fixed blocks with marginals refreshed after each", "parallel"), \
    CLI_OPT("block-size", 0, CLI_INT, &(e).block_size, "B", "patterns per block (block schedule)", "64"),         \
    CLI_OPT("damping", 0, CLI_DOUBLE, &(e).damping, "D", "new message field = (1-D) computed + D old", damping_def), \
    CLI_OPT("tol", 0, CLI_DOUBLE, &(e).tol, "T", tol_help, tol_def),                                               \
    CLI_OPT("max-sweeps", 0, CLI_INT, &(e).max_sweeps, "S", sweeps_help, sweeps_def),                              \
    CLI_OPT("max-seconds", 0, CLI_DOUBLE, &(e).max_seconds, "SEC", "stop after SEC seconds (status timeout; 0: no limit)", "0"), \
    CLI_OPT("patterns", 0, CLI_INT, &(e).patterns, "M", "use only the first M patterns (0: the alpha = 0 limit)", "all"), \
    CLI_OPT("init", 0, CLI_STRING, &(e).init, "FILE.h5",                                                          \
            "start from the messages of the /checkpoint of FILE.h5 (same instance; any protocol)", NULL)

/* Translate the engine options into BP parameters (usage errors name the option). */
static int engine_params(const cli_args *a, const engine_opts *o, tcm_bbp_params *p)
{
    if (strcmp(o->weights, "binary") != 0)
        return cli_usage(a, "--weights %s: this is the binary-weight solver (use --weights binary)", o->weights);
    if (tcm_hidden_mode_parse(o->hidden, &p->sweep.hidden)) return cli_usage(a, "--hidden: %s", tcm_last_error());
    if (tcm_output_mode_parse(o->output, &p->sweep.output)) return cli_usage(a, "--output-factor: %s", tcm_last_error());
    if (strcmp(o->schedule, "parallel") == 0) p->sweep.schedule = TCM_SCHEDULE_PARALLEL;
    else if (strcmp(o->schedule, "block") == 0) p->sweep.schedule = TCM_SCHEDULE_BLOCK;
    else return cli_usage(a, "--schedule must be parallel or block (got '%s')", o->schedule);
    if (o->damping < 0 || o->damping >= 1) return cli_usage(a, "--damping must be in [0, 1) (got %g)", o->damping);
    if (o->tol <= 0) return cli_usage(a, "--tol must be > 0 (got %g)", o->tol);
    if (o->max_sweeps < 0) return cli_usage(a, "--max-sweeps must be >= 0 (got %d)", o->max_sweeps);
    if (o->block_size < 1) return cli_usage(a, "--block-size must be >= 1 (got %d)", o->block_size);
    if (o->max_seconds < 0) return cli_usage(a, "--max-seconds must be >= 0 (got %g)", o->max_seconds);
    p->sweep.block_size = o->block_size;
    p->sweep.damping = o->damping;
    p->tol = o->tol;
    p->max_sweeps = o->max_sweeps;
    return CLI_EXIT_OK;
}

/* Read the instance and build its graph (first --patterns patterns), with a
 * focusing field if asked; messages from --init, or random with amplitude
 * amp (> 0) and --seed, or zero. Prints the error and returns its exit code. */
static int make_graph(const cli_args *a, const engine_opts *o, int focusing, double amp, tcm_instance **inst,
                      tcm_bgraph **g)
{
    *g = NULL;
    int st = tcm_h5_read_instance(a->pos[0], inst);
    if (st) return cli_fail(a, st, NULL);
    int M = o->patterns >= 0 ? o->patterns : (*inst)->M;
    if (M > (*inst)->M) return cli_usage(a, "--patterns %d exceeds the instance's %d patterns", M, (*inst)->M);
    if (!(*g = tcm_bgraph_alloc_patterns(*inst, M, 0))) return cli_fail(a, tcm_last_error_code(), NULL);
    if (focusing && (st = tcm_bgraph_enable_focusing(*g))) return cli_fail(a, st, NULL);
    if (o->init) {
        if ((st = tcm_bcheckpoint_read(*g, o->init, "/checkpoint"))) return cli_fail(a, st, "--init");
    } else if (amp > 0) {
        tcm_bgraph_randomize(*g, amp, a->seed);
    }
    return CLI_EXIT_OK;
}

/* Progress callback of the BP engine: a line on stderr; stop on a signal. */
static int on_sweep(const tcm_bbp_progress *pr, void *user)
{
    const cli_args *a = user;
    cli_progress(a, "sweep %d  change %.3g  %.1fs", pr->sweep, pr->change, pr->seconds);
    return cli_signals_caught();
}

/* Open OUT.h5 of kind `kind` with the run provenance. */
static int open_result(const cli_args *a, const char *path, const char *kind, const tcm_bgraph *g,
                       const char *cmdline, double t0, tcm_h5_out **h)
{
    tcm_run_info ri = { cmdline, a->pos[0], omp_get_max_threads(), omp_get_wtime() - t0 };
    int st = tcm_h5_out_open(h, path, kind, a->force);
    if (!st) st = tcm_results_write_run_info(*h, &ri, g->inst);
    if (!st) st = tcm_h5_out_attr_string(*h, "/", "weights", "binary");
    return st;
}

/* Commit h, or abort it when st reports an earlier failure; the exit code. */
static int finish_result(const cli_args *a, tcm_h5_out *h, int st)
{
    if (st) {
        tcm_h5_out_abort(h);
        return cli_fail(a, st, NULL);
    }
    if ((st = tcm_h5_out_commit(h))) return cli_fail(a, st, NULL);
    return CLI_EXIT_OK;
}

/* ---- tcmbp bp --weights binary ---------------------------------------------- */

typedef struct {
    engine_opts e;
    double init_random;
    int checkpoint;
} bp_opts;

/* OUT.h5: provenance, /bp, and /checkpoint when asked or interrupted. */
static int bp_write(const cli_args *a, const bp_opts *o, const tcm_bgraph *g, const tcm_bbp_params *p,
                    const tcm_bbp_result *r, const char *cmdline, double t0)
{
    tcm_h5_out *h = NULL;
    int st = open_result(a, o->e.out, "bp", g, cmdline, t0, &h);
    if (!st) st = tcm_bresults_write_bp(h, "/bp", g, p, r);
    if (!st && (o->checkpoint || r->status == TCM_BP_INTERRUPTED))
        st = tcm_bcheckpoint_write(h, "/checkpoint", g, NAN, NAN, -1);
    return finish_result(a, h, st);
}

static int bp_summary(const cli_args *a, const bp_opts *o, const tcm_bgraph *g, const tcm_bbp_result *r)
{
    cli_summary s;
    cli_summary_begin(&s, a);
    cli_summary_str(&s, "status", tcm_bp_status_name(r->status));
    cli_summary_str(&s, "weights", "binary");
    cli_summary_int(&s, "sweeps", r->sweeps);
    cli_summary_double(&s, "change", r->change);
    cli_summary_double(&s, "entropy", r->entropy);
    cli_summary_double(&s, "phi", r->phi);
    cli_summary_double(&s, "q", r->q);
    cli_summary_int(&s, "errors", r->errors);
    cli_summary_int(&s, "patterns", g->M);
    if (r->nonfinite_sweep) cli_summary_int(&s, "nonfinite_sweep", r->nonfinite_sweep);
    cli_summary_double(&s, "seconds", r->seconds);
    if (o->e.out) cli_summary_str(&s, "output", o->e.out);
    return cli_summary_end(&s);
}

/* Build, run, write, summarise. */
static int bp_run(const cli_args *a, const bp_opts *o, tcm_bbp_params *p, const char *cmdline)
{
    double t0 = omp_get_wtime();
    tcm_instance *inst = NULL;
    tcm_bgraph *g = NULL;
    int rc = make_graph(a, &o->e, 0, o->init_random, &inst, &g);
    tcm_bbp_result r;
    if (rc == CLI_EXIT_OK) {
        int st = tcm_bbp_run(g, p, &r);
        cli_progress_done(a);
        if (st) rc = cli_fail(a, st, NULL);
    }
    if (rc == CLI_EXIT_OK && o->e.out) rc = bp_write(a, o, g, p, &r, cmdline, t0);
    if (rc == CLI_EXIT_OK) rc = bp_summary(a, o, g, &r);
    if (rc == CLI_EXIT_OK && r.status == TCM_BP_INTERRUPTED) rc = CLI_EXIT_INTERRUPTED;
    tcm_bgraph_free(g);
    tcm_instance_free(inst);
    return rc;
}

int cmd_bp_binary(int argc, char **argv)
{
    bp_opts o = { { "binary", "clt", "exact", "parallel", NULL, NULL, 64, 1000, -1, 0.5, 1e-6, 0.0 }, 0.0, 0 };
    cli_option opts[] = {
        CLI_OPT("output", 'o', CLI_STRING, &o.e.out, "FILE.h5", "write magnetisations, fields and the summary (group /bp)", NULL),
        ENGINE_ROWS(o.e, "converged when the largest change of any message magnetisation tanh(f) is <= T",
                    "stop after S sweeps (status not_converged)", "1e-6", "1000", "0.5"),
        CLI_OPT("init-random", 0, CLI_DOUBLE, &o.init_random, "AMP",
                "start from random messages, magnetisations uniform in (-AMP, AMP) (uses --seed)", "0"),
        CLI_OPT("checkpoint", 0, CLI_FLAG, &o.checkpoint, NULL, "also store all messages in OUT.h5 (/checkpoint) for --init", NULL),
        CLI_END };
    cli_command cmd = { "bp", "[options] INSTANCE --weights binary [-o OUT.h5]",
        "Belief propagation for binary (+-1) weights on INSTANCE: the entropy S (log of the number of "
        "solutions per weight; ln 2 at alpha = 0), the Bethe free entropy phi, the overlap q = mean m^2 and "
        "the training errors of sign(marginals). Messages are stored as fields (half log-odds). Not "
        "converging is a result (status not_converged, exit 0). Interrupted by SIGINT/SIGTERM, it writes "
        "what it has with a checkpoint and exits with code 3.",
        opts, 1, 1, "seed of --init-random" };
    cli_args a;
    int rc = cli_parse(&cmd, &a, argc, argv);
    if (rc != CLI_CONTINUE) return rc;
    tcm_bbp_params p = TCM_BBP_PARAMS_INIT;
    if ((rc = engine_params(&a, &o.e, &p)) != CLI_EXIT_OK) return rc;
    p.max_seconds = o.e.max_seconds;
    p.progress = on_sweep;
    p.user = &a;
    if (o.init_random < 0 || o.init_random > 1) return cli_usage(&a, "--init-random must be in [0, 1] (got %g)", o.init_random);
    if (o.e.init && o.init_random > 0) return cli_usage(&a, "--init and --init-random exclude each other");
    if (o.e.out && (rc = cli_check_output(&a, o.e.out)) != CLI_EXIT_OK) return rc;
    char *cmdline = cli_command_line(argc, argv);
    cli_signals_install();
    rc = bp_run(&a, &o, &p, cmdline);
    free(cmdline);
    return rc;
}

/* ---- tcmbp volume --weights binary --------------------------------------------- */

typedef struct {
    engine_opts e;
    const char *reference, *csv;
    double lambda_min, lambda_max;
    int steps;
    cli_doubles lambdas;
} volume_opts;

/* Per point: a progress line; stop on a signal. */
static int on_point(const tcm_bbp_volume_point *pt, int index, int count, void *user)
{
    const cli_args *a = user;
    cli_progress(a, "lambda %d/%d = %.4g  d %.4g  S-S0 %.4g  %s", index + 1, count, pt->lambda, pt->distance,
                 pt->local_entropy, tcm_bp_status_name(pt->status));
    return cli_signals_caught();
}

/* The ladder: --lambdas, or --steps geometric values from --lambda-min to --lambda-max. */
static int volume_ladder(const cli_args *a, const volume_opts *o, double **out, int *count)
{
    int n = o->lambdas.n > 0 ? o->lambdas.n : o->steps;
    if (o->lambdas.n == 0) {
        if (o->steps < 1) return cli_usage(a, "--steps must be >= 1 (got %d)", o->steps);
        if (!(o->lambda_min > 0) || (o->steps > 1 && !(o->lambda_max > o->lambda_min)))
            return cli_usage(a, "--lambda-min and --lambda-max need 0 < min < max (got %g and %g)", o->lambda_min,
                             o->lambda_max);
    }
    double *l = malloc((size_t)n * sizeof(double));
    if (!l) return cli_fail(a, TCM_ENOMEM, "out of memory");
    for (int j = 0; j < n; j++) {
        if (o->lambdas.n > 0) l[j] = o->lambdas.v[j];
        else l[j] = n == 1 ? o->lambda_min : o->lambda_min * pow(o->lambda_max / o->lambda_min, (double)j / (n - 1));
        if (!(l[j] >= 0)) {
            double bad = l[j];
            free(l);
            return cli_usage(a, "--lambdas: values must be >= 0 (got %g)", bad);
        }
    }
    *out = l;
    *count = n;
    return CLI_EXIT_OK;
}

/* The table as CSV (written to FILE.tmp, then renamed). */
static int volume_csv(const cli_args *a, const char *path, const tcm_bbp_volume_point *pts, int count)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) return cli_fail(a, TCM_EIO, "cannot write %s", tmp);
    fprintf(f, "lambda,distance,entropy,s0,local_entropy,converged,sweeps,q\n");
    for (int j = 0; j < count; j++)
        fprintf(f, "%.17g,%.17g,%.17g,%.17g,%.17g,%d,%d,%.17g\n", pts[j].lambda, pts[j].distance, pts[j].entropy,
                pts[j].s0, pts[j].local_entropy, pts[j].status == TCM_BP_CONVERGED, pts[j].sweeps, pts[j].q);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        remove(tmp);
        return cli_fail(a, TCM_EIO, "cannot write %s", path);
    }
    return CLI_EXIT_OK;
}

/* OUT.h5: provenance, the /volume table and its parameters as attributes. */
static int volume_write(const cli_args *a, const volume_opts *o, const tcm_bgraph *g, const tcm_bbp_params *p,
                        const tcm_bbp_volume_point *pts, int done, const char *cmdline, double t0)
{
    tcm_h5_out *h = NULL;
    int st = open_result(a, o->e.out, "volume", g, cmdline, t0, &h);
    if (!st) st = tcm_bresults_write_volume(h, "/volume", pts, done);
    if (!st) st = tcm_h5_out_attr_string(h, "/volume", "reference", o->reference);
    if (!st) st = tcm_h5_out_attr_string(h, "/volume", "weights", "binary");
    if (!st) st = tcm_bresults_write_params(h, "/volume", p);
    if (!st) st = tcm_h5_out_attr_int(h, "/volume", "patterns_used", g->M);
    return finish_result(a, h, st);
}

static int volume_summary(const cli_args *a, const volume_opts *o, const tcm_bbp_volume_point *pts, int done,
                          int ref_errors, double seconds)
{
    int conv = 0, sweeps = 0;
    for (int j = 0; j < done; j++) {
        conv += pts[j].status == TCM_BP_CONVERGED;
        sweeps += pts[j].sweeps;
    }
    cli_summary s;
    cli_summary_begin(&s, a);
    cli_summary_str(&s, "status", conv == done ? "converged" : "not_converged");
    cli_summary_str(&s, "weights", "binary");
    cli_summary_int(&s, "points", done);
    cli_summary_int(&s, "converged_points", conv);
    cli_summary_int(&s, "sweeps", sweeps);
    cli_summary_int(&s, "reference_errors", ref_errors);
    if (done > 0) cli_summary_double(&s, "entropy", pts[done - 1].entropy);
    if (done > 0) cli_summary_double(&s, "local_entropy", pts[done - 1].local_entropy);
    cli_summary_double(&s, "seconds", seconds);
    if (o->e.out) cli_summary_str(&s, "output", o->e.out);
    if (o->csv) cli_summary_str(&s, "csv", o->csv);
    return cli_summary_end(&s);
}

/* Training errors of the reference on the graph's patterns (-1 when it cannot be evaluated). */
static int reference_errors(const tcm_bgraph *g, const tcm_weights *w)
{
    if (g->M == 0) return 0;
    tcm_instance used = *g->inst;
    used.M = g->M;
    tcm_eval ev;
    return tcm_weights_eval(w, &used, &ev, NULL, NULL) == TCM_OK ? ev.errors : -1;
}

/* Load the reference, run the ladder, write, summarise. */
static int volume_run(const cli_args *a, const volume_opts *o, tcm_bbp_volume_params *p, const double *lambdas,
                      int count, const char *cmdline)
{
    double t0 = omp_get_wtime();
    tcm_instance *inst = NULL;
    tcm_bgraph *g = NULL;
    tcm_weights *w = NULL;
    tcm_bbp_volume_point *pts = calloc((size_t)count, sizeof *pts);
    int done = 0, rc = pts ? make_graph(a, &o->e, 0, 0.0, &inst, &g) : cli_fail(a, TCM_ENOMEM, "out of memory");
    if (rc == CLI_EXIT_OK) {
        int st = tcm_weights_load(&w, o->reference, g->K, g->n, TCM_WEIGHTS_BINARY);
        if (!st) st = tcm_bbp_volume_run(g, w->w, lambdas, count, p, pts, &done);
        cli_progress_done(a);
        if (st) rc = cli_fail(a, st, "--reference %s", o->reference);
    }
    int interrupted = done > 0 && (cli_signals_caught() || pts[done - 1].status == TCM_BP_INTERRUPTED);
    if (rc == CLI_EXIT_OK && o->e.out) rc = volume_write(a, o, g, &p->bp, pts, done, cmdline, t0);
    if (rc == CLI_EXIT_OK && o->csv) rc = volume_csv(a, o->csv, pts, done);
    if (rc == CLI_EXIT_OK) rc = volume_summary(a, o, pts, done, reference_errors(g, w), omp_get_wtime() - t0);
    if (rc == CLI_EXIT_OK && interrupted) rc = CLI_EXIT_INTERRUPTED;
    tcm_weights_free(w);
    free(pts);
    tcm_bgraph_free(g);
    tcm_instance_free(inst);
    return rc;
}

int cmd_volume_binary(int argc, char **argv)
{
    volume_opts o = { { "binary", "clt", "exact", "parallel", NULL, NULL, 64, 1000, -1, 0.5, 1e-6, 0.0 },
                      NULL, NULL, 0.05, 5.0, 25, { 0, { 0 } } };
    cli_option opts[] = {
        CLI_OPT("reference", 0, CLI_STRING, &o.reference, "REF", "the binary reference configuration (+-1): FILE.h5, FILE.h5:/path, .npy or text", NULL),
        CLI_OPT("output", 'o', CLI_STRING, &o.e.out, "FILE.h5", "write the table /volume (lambda, distance, entropy, s0, local_entropy, converged, sweeps, ...)", NULL),
        CLI_OPT("csv", 0, CLI_STRING, &o.csv, "FILE.csv", "also write the table as CSV", NULL),
        CLI_OPT("lambda-min", 0, CLI_DOUBLE, &o.lambda_min, "L", "first coupling of the geometric ladder", "0.05"),
        CLI_OPT("lambda-max", 0, CLI_DOUBLE, &o.lambda_max, "L", "last coupling of the geometric ladder", "5"),
        CLI_OPT("steps", 0, CLI_INT, &o.steps, "S", "couplings in the geometric ladder", "25"),
        CLI_OPT("lambdas", 0, CLI_DOUBLES, &o.lambdas, "L1,L2,...", "explicit couplings (instead of the ladder), in order", NULL),
        ENGINE_ROWS(o.e, "a coupling has converged when the largest change of any message magnetisation is <= T",
                    "at most S sweeps per coupling (then recorded as not converged)", "1e-6", "1000", "0.5"),
        CLI_END };
    cli_command cmd = { "volume", "[options] INSTANCE --weights binary --reference REF [-o OUT.h5]",
        "Local entropy around a binary reference configuration (spec section 3): for each coupling lambda "
        "of the ladder (each warm-started from the previous one) BP with the field lambda*wref on every "
        "weight gives the expected Hamming fraction d = (1 - mean wref m)/2, the entropy "
        "S = phi - lambda mean(wref m), S0(d) = -d ln d - (1-d) ln(1-d) and the normalised local entropy "
        "S - S0 (<= 0, near 0 inside a wide flat minimum).",
        opts, 1, 1, "not used" };
    cli_args a;
    int rc = cli_parse(&cmd, &a, argc, argv);
    if (rc != CLI_CONTINUE) return rc;
    tcm_bbp_volume_params p = TCM_BBP_VOLUME_PARAMS_INIT;
    if ((rc = engine_params(&a, &o.e, &p.bp)) != CLI_EXIT_OK) return rc;
    p.bp.max_seconds = o.e.max_seconds;
    p.bp.progress = on_sweep;
    p.bp.user = &a;
    p.on_point = on_point;
    p.user = &a;
    if (!o.reference) return cli_usage(&a, "missing --reference REF");
    double *lambdas = NULL;
    int count = 0;
    if ((rc = volume_ladder(&a, &o, &lambdas, &count)) != CLI_EXIT_OK) return rc;
    if (o.e.out && (rc = cli_check_output(&a, o.e.out)) != CLI_EXIT_OK) goto done;
    if (o.csv && (rc = cli_check_output(&a, o.csv)) != CLI_EXIT_OK) goto done;
    char *cmdline = cli_command_line(argc, argv);
    cli_signals_install();
    rc = volume_run(&a, &o, &p, lambdas, count, cmdline);
    free(cmdline);
done:
    free(lambdas);
    return rc;
}

/* ---- tcmbp solve --weights binary ----------------------------------------------- */

typedef struct {
    engine_opts e;
    const char *protocol, *steps_list, *checkpoint;
    double dx, gamma_min, gamma_max, y, drho, x, init_amplitude, checkpoint_every;
    int steps, no_stop, no_record;
} solve_opts;

/* Everything a run needs, shared with the callbacks. */
typedef struct {
    const cli_args *a;
    const solve_opts *o;
    tcm_bgraph *g;
    const tcm_protocol *proto;
    const char *cmdline;
    double t0, last_save;
    int step;       /* step being run */
    int timed_out;  /* the --max-seconds limit stopped the run */
    int save_failed;
} solve_run;

/* The protocol chosen by --protocol and its options. */
static int make_protocol(const cli_args *a, const solve_opts *o, tcm_protocol **out)
{
    int st;
    const char *p = o->protocol;
    if (strcmp(p, "standard-reinforcement") == 0) st = tcm_protocol_standard_reinforcement(out, o->dx);
    else if (strcmp(p, "scoping") == 0) st = tcm_protocol_scoping(out, o->gamma_min, o->gamma_max, o->steps, o->y);
    else if (strcmp(p, "pseudo-reinforcement") == 0) st = tcm_protocol_pseudo_reinforcement(out, o->drho, o->x);
    else if (strcmp(p, "list") == 0) {
        if (!o->steps_list) return cli_usage(a, "--protocol list needs --steps-list \"gamma:y,...\" or a file");
        st = tcm_protocol_parse(out, o->steps_list);
    } else
        return cli_usage(a, "--protocol must be standard-reinforcement, scoping, pseudo-reinforcement or list "
                            "(got '%s')", p);
    return st ? cli_usage(a, "--protocol %s: %s", p, tcm_last_error()) : CLI_EXIT_OK;
}

/* CK.h5: provenance and /checkpoint at the current position (atomic). */
static int save_checkpoint(solve_run *r, int step)
{
    tcm_h5_out *h = NULL;
    const tcm_protocol_step *ps = &r->proto->steps[step < r->proto->count ? step : r->proto->count - 1];
    int st = open_result(r->a, r->o->checkpoint, "checkpoint", r->g, r->cmdline, r->t0, &h);
    if (!st) st = tcm_bcheckpoint_write(h, "/checkpoint", r->g, ps->coupling, ps->y, step);
    if (!st) st = tcm_h5_out_attr_string(h, "/checkpoint", "protocol", r->proto->name);
    if (st) {
        tcm_h5_out_abort(h);
        return st;
    }
    r->last_save = omp_get_wtime();
    return tcm_h5_out_commit(h);
}

/* Per sweep: progress line; stop on a signal or at the time limit. */
static int solve_on_sweep(const tcm_bbp_progress *pr, void *user)
{
    solve_run *r = user;
    const tcm_protocol_step *ps = &r->proto->steps[r->step];
    cli_progress(r->a, "step %d/%d  gamma %.4g  y %.4g  sweep %d  change %.3g", r->step + 1, r->proto->count,
                 ps->coupling, ps->y, pr->sweep, pr->change);
    if (r->o->e.max_seconds > 0 && omp_get_wtime() - r->t0 >= r->o->e.max_seconds) r->timed_out = 1;
    return cli_signals_caught() || r->timed_out;
}

/* Per step: progress, time limit, and a checkpoint at most every --checkpoint-every seconds. */
static int solve_on_step(const tcm_bbp_focus_step *st, int count, void *user)
{
    solve_run *r = user;
    cli_progress(r->a, "step %d/%d  gamma %.4g  y %.4g  sweeps %d  errors %d", st->step + 1, count, st->rec.gamma,
                 st->rec.y, st->sweeps, st->errors);
    r->step = st->step + 1 < count ? st->step + 1 : st->step;
    if (r->o->e.max_seconds > 0 && omp_get_wtime() - r->t0 >= r->o->e.max_seconds) r->timed_out = 1;
    if (r->o->checkpoint && omp_get_wtime() - r->last_save >= r->o->checkpoint_every)
        if (save_checkpoint(r, st->step + 1) != TCM_OK) r->save_failed = 1;
    return cli_signals_caught() || r->timed_out;
}

/* Status word of a finished or stopped run. */
static const char *solve_status(const solve_run *r, const tcm_bbp_focus_result *res)
{
    if (res->status == TCM_BP_INTERRUPTED) return r->timed_out ? "timeout" : "interrupted";
    return res->solved ? "solved" : "unsolved";
}

/* Attributes of /solve: outcome and every parameter. */
static int solve_attrs(tcm_h5_out *h, const solve_run *r, const tcm_bbp_focus_params *p,
                       const tcm_bbp_focus_result *res)
{
    const solve_opts *o = r->o;
    const char *g = "/solve";
    int st = tcm_h5_out_group(h, g);
    if (!st) st = tcm_h5_out_attr_string(h, g, "status", solve_status(r, res));
    if (!st) st = tcm_h5_out_attr_string(h, g, "weights", "binary");
    if (!st) st = tcm_h5_out_attr_int(h, g, "errors", res->errors);
    if (!st) st = tcm_h5_out_attr_int(h, g, "steps", res->steps);
    if (!st) st = tcm_h5_out_attr_int(h, g, "sweeps", res->sweeps);
    if (!st) st = tcm_h5_out_attr_double(h, g, "seconds", res->seconds);
    if (!st) st = tcm_h5_out_attr_string(h, g, "protocol", r->proto->name);
    if (!st) st = tcm_h5_out_attr_int(h, g, "protocol_steps", r->proto->count);
    if (!st) st = tcm_h5_out_attr_double(h, g, "dx", o->dx);
    if (!st) st = tcm_h5_out_attr_double(h, g, "drho", o->drho);
    if (!st) st = tcm_h5_out_attr_double(h, g, "x", o->x);
    if (!st) st = tcm_h5_out_attr_double(h, g, "init_amplitude", o->e.init ? 0.0 : o->init_amplitude);
    if (!st) st = tcm_h5_out_attr_string(h, g, "init", o->e.init ? o->e.init : "");
    if (!st) st = tcm_h5_out_attr_int(h, g, "seed", (int64_t)r->a->seed);
    if (!st) st = tcm_h5_out_attr_int(h, g, "stop_at_solution", p->stop_at_solution);
    if (!st) st = tcm_bresults_write_params(h, g, &p->bp);
    return st;
}

/* SOL.h5: provenance, /weights (sign of the marginals), /solve, /solve/history,
 * and /checkpoint when the run was stopped before its end. */
static int solve_write(const solve_run *r, const tcm_bbp_focus_params *p, const tcm_bbp_focus_result *res,
                       const tcm_bbp_focus_step *steps)
{
    tcm_h5_out *h = NULL;
    int st = open_result(r->a, r->o->e.out, "solve", r->g, r->cmdline, r->t0, &h);
    if (!st) st = tcm_bresults_write_weights(h, r->g);
    if (!st) st = solve_attrs(h, r, p, res);
    if (!st) st = tcm_bresults_write_history(h, "/solve/history", steps, res->steps);
    if (!st && res->status == TCM_BP_INTERRUPTED) {
        const tcm_protocol_step *ps = &r->proto->steps[r->step];
        st = tcm_bcheckpoint_write(h, "/checkpoint", r->g, ps->coupling, ps->y, r->step);
    }
    return finish_result(r->a, h, st);
}

static int solve_summary(const solve_run *r, const tcm_bbp_focus_result *res, const tcm_bbp_focus_step *steps)
{
    cli_summary s;
    cli_summary_begin(&s, r->a);
    cli_summary_str(&s, "status", solve_status(r, res));
    cli_summary_str(&s, "weights", "binary");
    cli_summary_int(&s, "errors", res->errors);
    cli_summary_int(&s, "M", r->g->M);
    cli_summary_int(&s, "steps", res->steps);
    cli_summary_int(&s, "sweeps", res->sweeps);
    cli_summary_str(&s, "protocol", r->proto->name);
    if (res->steps > 0 && !r->o->no_record) {
        const tcm_bin_record *rec = &steps[res->steps - 1].rec;
        cli_summary_double(&s, "gamma", rec->gamma);
        cli_summary_double(&s, "y", rec->y);
        cli_summary_double(&s, "S", rec->S);
        cli_summary_double(&s, "entropy", rec->sigma_int);
    }
    cli_summary_double(&s, "seconds", res->seconds);
    cli_summary_str(&s, "output", r->o->e.out);
    if (r->o->checkpoint) cli_summary_str(&s, "checkpoint", r->o->checkpoint);
    return cli_summary_end(&s);
}

/* Build, run the protocol, write, summarise. */
static int solve_run_all(solve_run *r, tcm_bbp_focus_params *p)
{
    tcm_instance *inst = NULL;
    tcm_bbp_focus_step *steps = calloc((size_t)r->proto->count, sizeof *steps);
    int rc = steps ? make_graph(r->a, &r->o->e, 1, r->o->init_amplitude, &inst, &r->g)
                   : cli_fail(r->a, TCM_ENOMEM, "out of memory");
    tcm_bbp_focus_result res;
    if (rc == CLI_EXIT_OK) {
        int st = tcm_bbp_focus_run(r->g, r->proto, p, steps, &res);
        cli_progress_done(r->a);
        if (st) rc = cli_fail(r->a, st, NULL);
    }
    if (rc == CLI_EXIT_OK && r->o->checkpoint && save_checkpoint(r, r->step) != TCM_OK)
        rc = cli_fail(r->a, tcm_last_error_code(), "writing the checkpoint %s", r->o->checkpoint);
    if (rc == CLI_EXIT_OK && r->save_failed)
        rc = cli_fail(r->a, TCM_EIO, "a periodic checkpoint to %s could not be written", r->o->checkpoint);
    if (rc == CLI_EXIT_OK) rc = solve_write(r, p, &res, steps);
    if (rc == CLI_EXIT_OK) rc = solve_summary(r, &res, steps);
    if (rc == CLI_EXIT_OK && res.status == TCM_BP_INTERRUPTED && !r->timed_out) rc = CLI_EXIT_INTERRUPTED;
    tcm_bgraph_free(r->g);
    tcm_instance_free(inst);
    free(steps);
    return rc;
}

/* Option checks beyond the engine's; fills the engine parameters. */
static int solve_check(const cli_args *a, const solve_opts *o, tcm_bbp_focus_params *p)
{
    int rc = engine_params(a, &o->e, &p->bp);
    if (rc != CLI_EXIT_OK) return rc;
    if (!o->e.out) return cli_usage(a, "missing -o SOL.h5");
    if (o->e.max_sweeps < 1) return cli_usage(a, "--max-sweeps must be >= 1 (got %d)", o->e.max_sweeps);
    if (o->init_amplitude < 0 || o->init_amplitude > 1)
        return cli_usage(a, "--init-amplitude must be in [0, 1] (got %g)", o->init_amplitude);
    if (o->checkpoint_every < 0) return cli_usage(a, "--checkpoint-every must be >= 0 (got %g)", o->checkpoint_every);
    p->stop_at_solution = !o->no_stop;
    p->record = !o->no_record;
    return CLI_EXIT_OK;
}

int cmd_solve_binary(int argc, char **argv)
{
    solve_opts o = { { "binary", "clt", "exact", "parallel", NULL, NULL, 64, 1, -1, 0.5, 1e-3, 0.0 },
                     "standard-reinforcement", NULL, NULL, 0.002, 0.1, 10.0, 10.0, 0.01, 0.5, 0.1, 60.0, 30, 0, 0 };
    cli_option opts[] = {
        CLI_OPT("output", 'o', CLI_STRING, &o.e.out, "SOL.h5", "result file: /weights (sign of the marginals, int8 +-1), /solve, /solve/history", NULL),
        CLI_OPT("protocol", 0, CLI_STRING, &o.protocol, "NAME",
                "standard-reinforcement (gamma = inf, y = 1/(1-x), x = 0, dx, ..), scoping (fixed y, gamma from "
                "--gamma-min to --gamma-max in --steps geometric steps), pseudo-reinforcement (rho = 0, drho, ..; "
                "gamma = atanh(rho^x), y = 1 + rho^(1-2x)/(1-rho)) or list (--steps-list)", "standard-reinforcement"),
        CLI_OPT("dx", 0, CLI_DOUBLE, &o.dx, "DX", "standard reinforcement step", "0.002"),
        CLI_OPT("gamma-min", 0, CLI_DOUBLE, &o.gamma_min, "G", "first coupling of scoping", "0.1"),
        CLI_OPT("gamma-max", 0, CLI_DOUBLE, &o.gamma_max, "G", "last coupling of scoping", "10"),
        CLI_OPT("steps", 0, CLI_INT, &o.steps, "S", "steps of scoping", "30"),
        CLI_OPT("y", 0, CLI_DOUBLE, &o.y, "Y", "replicas of scoping", "10"),
        CLI_OPT("drho", 0, CLI_DOUBLE, &o.drho, "DR", "pseudo-reinforcement step", "0.01"),
        CLI_OPT("x", 0, CLI_DOUBLE, &o.x, "X", "pseudo-reinforcement exponent", "0.5"),
        CLI_OPT("steps-list", 0, CLI_STRING, &o.steps_list, "LIST|FILE", "explicit steps \"gamma:y,gamma:y,...\" (gamma may be inf) or a file of \"gamma y\" lines", NULL),
        ENGINE_ROWS(o.e, "a step has converged when the largest change of any message magnetisation is <= T",
                    "at most S sweeps per protocol step", "1e-3", "1", "0.5"),
        CLI_OPT("init-amplitude", 0, CLI_DOUBLE, &o.init_amplitude, "AMP",
                "random initial messages, magnetisations uniform in (-AMP, AMP) (uses --seed; 0: zero messages)", "0.1"),
        CLI_OPT("no-stop-at-solution", 0, CLI_FLAG, &o.no_stop, NULL, "run the whole protocol even after a solution is found", NULL),
        CLI_OPT("no-record", 0, CLI_FLAG, &o.no_record, NULL, "skip the per-step thermodynamic record (S, q, q~, F, Sigma_int: about one sweep per step)", NULL),
        CLI_OPT("checkpoint", 0, CLI_STRING, &o.checkpoint, "CK.h5", "write the messages to CK.h5 (/checkpoint) every --checkpoint-every seconds, at the end and on SIGINT/SIGTERM; any later run can start from it with --init", NULL),
        CLI_OPT("checkpoint-every", 0, CLI_DOUBLE, &o.checkpoint_every, "SEC", "minimum seconds between periodic checkpoints", "60"),
        CLI_END };
    cli_command cmd = { "solve", "[options] INSTANCE --weights binary -o SOL.h5",
        "Focusing belief propagation for binary (+-1) weights (Baldassi et al. 2016): y replicas tied to a "
        "centre with coupling gamma, through the focusing field u* = pol tanh((y-1) atanh(pol h)), "
        "pol = tanh(gamma); the protocol raises y and/or gamma step by step. Stops as soon as sign(marginals) "
        "classifies every pattern (status solved) or at the end of the protocol (unsolved). Every step's "
        "record (pol, y, S, q, q~, F, Sigma_int = -F - gamma S, errors) goes to /solve/history. SOL.h5 is a "
        "weights source for eval and volume. Killed by SIGINT/SIGTERM it writes SOL.h5 with /checkpoint "
        "(and CK.h5) and exits with code 3; --init continues from either.",
        opts, 1, 1, "seed of the random initial messages" };
    cli_args a;
    int rc = cli_parse(&cmd, &a, argc, argv);
    if (rc != CLI_CONTINUE) return rc;
    tcm_bbp_focus_params p = TCM_BBP_FOCUS_PARAMS_INIT;
    if ((rc = solve_check(&a, &o, &p)) != CLI_EXIT_OK) return rc;
    tcm_protocol *proto = NULL;
    if ((rc = make_protocol(&a, &o, &proto)) != CLI_EXIT_OK) return rc;
    if ((rc = cli_check_output(&a, o.e.out)) == CLI_EXIT_OK && o.checkpoint) rc = cli_check_output(&a, o.checkpoint);
    if (rc == CLI_EXIT_OK) {
        solve_run r = { &a, &o, NULL, proto, NULL, omp_get_wtime(), omp_get_wtime(), 0, 0, 0 };
        r.cmdline = cli_command_line(argc, argv);
        p.bp.progress = solve_on_sweep;
        p.bp.user = &r;
        p.on_step = solve_on_step;
        p.user = &r;
        cli_signals_install();
        rc = solve_run_all(&r, &p);
        free((char *)r.cmdline);
    }
    tcm_protocol_free(proto);
    return rc;
}
