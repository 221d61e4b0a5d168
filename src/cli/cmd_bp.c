/* `tcmbp bp INSTANCE [-o OUT.h5]`: plain BP for continuous weights (spec 1):
 * entropy, overlap, errors of the marginal means; marginals, chi_k, summary
 * and optionally all messages (--checkpoint) to OUT.h5; --init starts from a
 * checkpoint. */
#include "cli.h"
#include "route.h"
#include "signals.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "tcmbp/bp.h"
#include "tcmbp/error.h"
#include "tcmbp/h5.h"
#include "tcmbp/results.h"

/* Options of the BP engine shared by bp, volume and solve. */
typedef struct {
    const char *cavity, *output, *schedule;
    int block_size, max_sweeps, patterns;
    double damping, tol, max_seconds, init_random;
    const char *init, *out;
    int checkpoint;
} bp_opts;

/* Progress callback: a line on stderr when it is a terminal; stop on a signal. */
static int on_progress(const tcm_bp_progress *pr, void *user)
{
    const cli_args *a = user;
    cli_progress(a, "sweep %d  change %.3g  chi change %.3g  chi %.6f  %.1fs", pr->sweep, pr->change,
                 pr->chi_change, pr->chibar, pr->seconds);
    return cli_signals_caught();
}

/* Translate the options into BP parameters; usage errors name the option. */
static int make_params(const cli_args *a, const bp_opts *o, tcm_bp_params *p)
{
    if (tcm_cavity_mode_parse(o->cavity, &p->sweep.cavity)) return cli_usage(a, "--cavity: %s", tcm_last_error());
    if (tcm_output_mode_parse(o->output, &p->sweep.output)) return cli_usage(a, "--output-factor: %s", tcm_last_error());
    if (strcmp(o->schedule, "parallel") == 0) p->sweep.schedule = TCM_SCHEDULE_PARALLEL;
    else if (strcmp(o->schedule, "block") == 0) p->sweep.schedule = TCM_SCHEDULE_BLOCK;
    else return cli_usage(a, "--schedule must be parallel or block (got '%s')", o->schedule);
    if (o->damping < 0 || o->damping >= 1) return cli_usage(a, "--damping must be in [0, 1) (got %g)", o->damping);
    if (o->tol <= 0) return cli_usage(a, "--tol must be > 0 (got %g)", o->tol);
    if (o->max_sweeps < 0) return cli_usage(a, "--max-sweeps must be >= 0 (got %d)", o->max_sweeps);
    if (o->block_size < 1) return cli_usage(a, "--block-size must be >= 1 (got %d)", o->block_size);
    p->sweep.block_size = o->block_size;
    p->sweep.damping = o->damping;
    p->tol = o->tol;
    p->max_sweeps = o->max_sweeps;
    p->max_seconds = o->max_seconds;
    p->progress = on_progress;
    p->user = (void *)a;
    return CLI_EXIT_OK;
}

/* Write OUT.h5: provenance, /bp, and /checkpoint when asked. */
static int write_result(const cli_args *a, const bp_opts *o, const tcm_graph *g, const tcm_bp_params *p,
                        const tcm_bp_result *r, const tcm_run_info *ri)
{
    tcm_h5_out *h = NULL;
    int st = tcm_h5_out_open(&h, o->out, "bp", a->force);
    if (!st) st = tcm_results_write_run_info(h, ri, g->inst);
    if (!st) st = tcm_results_write_bp(h, "/bp", g, p, r);
    if (!st && o->checkpoint) st = tcm_checkpoint_write(h, "/checkpoint", g);
    if (st) {
        tcm_h5_out_abort(h);
        return cli_fail(a, st, NULL);
    }
    if ((st = tcm_h5_out_commit(h))) return cli_fail(a, st, NULL);
    return CLI_EXIT_OK;
}

/* The summary line. */
static int print_summary(const cli_args *a, const bp_opts *o, const tcm_graph *g, const tcm_bp_result *r)
{
    cli_summary s;
    cli_summary_begin(&s, a);
    cli_summary_str(&s, "status", tcm_bp_status_name(r->status));
    cli_summary_int(&s, "sweeps", r->sweeps);
    cli_summary_double(&s, "change", r->change);
    cli_summary_double(&s, "entropy", r->entropy);
    cli_summary_double(&s, "phi", r->phi);
    cli_summary_double(&s, "q", r->q);
    cli_summary_double(&s, "chibar", r->chibar);
    cli_summary_int(&s, "errors", r->errors);
    cli_summary_int(&s, "patterns", g->M);
    if (r->nonfinite_sweep) cli_summary_int(&s, "nonfinite_sweep", r->nonfinite_sweep);
    cli_summary_double(&s, "seconds", r->seconds);
    if (o->out) cli_summary_str(&s, "output", o->out);
    return cli_summary_end(&s);
}

/* Build the graph, initialise its messages (checkpoint, random or zero) and run. */
static int run(const cli_args *a, const bp_opts *o, tcm_instance *inst, const tcm_bp_params *p, char *cmdline)
{
    double t0 = omp_get_wtime();
    int M = o->patterns >= 0 ? o->patterns : inst->M;
    if (M > inst->M) return cli_usage(a, "--patterns %d exceeds the instance's %d patterns", M, inst->M);
    tcm_graph *g = tcm_graph_alloc_patterns(inst, M, 0);
    if (!g) return cli_fail(a, tcm_last_error_code(), NULL);
    int st = TCM_OK, rc = CLI_EXIT_OK;
    if (o->init) st = tcm_checkpoint_read(g, o->init, "/checkpoint");
    else if (o->init_random > 0) tcm_graph_randomize(g, o->init_random, a->seed);
    tcm_bp_result r;
    if (!st) st = tcm_bp_run(g, p, &r);
    cli_progress_done(a);
    if (st) rc = cli_fail(a, st, NULL);
    tcm_run_info ri = { cmdline, a->pos[0], omp_get_max_threads(), omp_get_wtime() - t0 };
    if (rc == CLI_EXIT_OK && o->out) rc = write_result(a, o, g, p, &r, &ri);
    if (rc == CLI_EXIT_OK) rc = print_summary(a, o, g, &r);
    if (rc == CLI_EXIT_OK && r.status == TCM_BP_INTERRUPTED) rc = CLI_EXIT_INTERRUPTED;
    tcm_graph_free(g);
    return rc;
}

int cmd_bp(int argc, char **argv)
{
    if (cli_route_is_binary(argc, argv)) return cmd_bp_binary(argc, argv);
    tcm_weight_kind kind = TCM_WEIGHTS_CONTINUOUS;
    int explicit_kind = cli_route_explicit(argc, argv, &kind);
    const char *weights = "continuous";
    bp_opts o = { "exact", "exact", "parallel", 64, 1000, -1, 0.5, 1e-6, 0.0, 0.0, NULL, NULL, 0 };
    cli_option opts[] = {
        CLI_OPT("output", 'o', CLI_STRING, &o.out, "FILE.h5", "write marginals, chi_k and the summary (group /bp)", NULL),
        CLI_OPT("weights", 0, CLI_STRING, &weights, "continuous|binary", "weight kind (binary: see `tcmbp bp --weights binary --help`)", "the instance's"),
        CLI_OPT("cavity", 0, CLI_STRING, &o.cavity, "exact|fast", "hidden-unit factor: per-edge cavity sums, or the factor's sums expanded to first order", "exact"),
        CLI_OPT("output-factor", 0, CLI_STRING, &o.output, "exact|clt", "majority output factor: exact convolution, or Gaussian (large K)", "exact"),
        CLI_OPT("schedule", 0, CLI_STRING, &o.schedule, "parallel|block", "all patterns from the same marginals, or fixed blocks with marginals refreshed after each", "parallel"),
        CLI_OPT("block-size", 0, CLI_INT, &o.block_size, "B", "patterns per block (block schedule)", "64"),
        CLI_OPT("damping", 0, CLI_DOUBLE, &o.damping, "D", "new message = (1-D) computed + D old", "0.5"),
        CLI_OPT("tol", 0, CLI_DOUBLE, &o.tol, "T", "converged when the largest change of any message (U or V) and of chi is <= T", "1e-6"),
        CLI_OPT("max-sweeps", 0, CLI_INT, &o.max_sweeps, "S", "stop after S sweeps (status not_converged)", "1000"),
        CLI_OPT("max-seconds", 0, CLI_DOUBLE, &o.max_seconds, "SEC", "stop after SEC seconds (status timeout; 0: no limit)", "0"),
        CLI_OPT("patterns", 0, CLI_INT, &o.patterns, "M", "use only the first M patterns (0: the alpha = 0 limit)", "all"),
        CLI_OPT("checkpoint", 0, CLI_FLAG, &o.checkpoint, NULL, "also store all messages in OUT.h5 (/checkpoint) for --init", NULL),
        CLI_OPT("init", 0, CLI_STRING, &o.init, "FILE.h5", "start from the messages of a checkpoint of the same instance", NULL),
        CLI_OPT("init-random", 0, CLI_DOUBLE, &o.init_random, "AMP", "start from random fields U ~ AMP N(0,1)/sqrt(n) (uses --seed)", "0"),
        CLI_END };
    cli_command cmd = { "bp", "[options] INSTANCE [-o OUT.h5]",
        "Belief propagation for continuous (spherical) weights on INSTANCE: the entropy S (log-volume of "
        "solutions per weight relative to the sphere, <= 0), the free entropy phi, the overlap q = mean m^2, "
        "and the training errors of the configuration made of the marginal means. Not converging is a "
        "result (status not_converged, exit 0), not an error. Interrupted by SIGINT/SIGTERM, it writes what "
        "it has and exits with code 3.",
        opts, 1, 1, "seed of --init-random" };
    cli_args a;
    int rc = cli_parse(&cmd, &a, argc, argv);
    if (rc != CLI_CONTINUE) return rc;
    if (explicit_kind < 0) return cli_usage(&a, "--weights must be continuous or binary (got '%s')", weights);
    tcm_bp_params p = TCM_BP_PARAMS_INIT;
    if ((rc = make_params(&a, &o, &p)) != CLI_EXIT_OK) return rc;
    if (o.init && o.init_random > 0) return cli_usage(&a, "--init and --init-random exclude each other");
    if (o.out && (rc = cli_check_output(&a, o.out)) != CLI_EXIT_OK) return rc;
    tcm_instance *inst = NULL;
    int st = tcm_h5_read_instance(a.pos[0], &inst);
    if (st) return cli_fail(&a, st, NULL);
    char *cmdline = cli_command_line(argc, argv);
    cli_signals_install();
    rc = run(&a, &o, inst, &p, cmdline);
    free(cmdline);
    tcm_instance_free(inst);
    return rc;
}
