/* `tcmbp solve INSTANCE -o SOL.h5`: focusing BP for continuous weights (spec
 * 4): the solution (means, normalised per unit) as /weights, the per-step
 * history, and the parameters; checkpoints after every step and on
 * SIGINT/SIGTERM, and --resume to continue an interrupted run exactly. */
#include "cli.h"
#include "route.h"
#include "signals.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "tcmbp/error.h"
#include "tcmbp/fbp.h"
#include "tcmbp/h5.h"
#include "tcmbp/results.h"

typedef struct {
    const char *out, *protocol, *steps_list, *cavity, *output, *checkpoint;
    double lambda_min, lambda_max, y, damping, tol, max_seconds;
    int steps, max_sweeps, no_stop, resume;
} solve_opts;

/* Everything a run needs, shared with the callbacks. */
typedef struct {
    const cli_args *a;
    const solve_opts *o;
    tcm_graph *g;
    tcm_protocol *proto;
    tcm_fbp_step *history;
    double t0;
    int timed_out;
    int save_failed;
} solve_run;

/* Per sweep: progress line; stop on a signal or at the time limit. */
static int on_sweep(const tcm_bp_progress *pr, int step, int errors, void *user)
{
    solve_run *r = user;
    cli_progress(r->a, "step %d/%d  lambda %.4g  sweep %d  change %.3g  errors %d", step + 1, r->proto->count,
                 r->proto->steps[step].coupling, pr->sweep, pr->change, errors);
    if (r->o->max_seconds > 0 && omp_get_wtime() - r->t0 >= r->o->max_seconds) r->timed_out = 1;
    return cli_signals_caught() || r->timed_out;
}

/* Per step: checkpoint (when asked) so that a killed job loses at most one step. */
static void on_step(const tcm_fbp_step *row, const tcm_fbp_position *pos, void *user)
{
    solve_run *r = user;
    (void)row;
    if (r->o->checkpoint && tcm_fbp_checkpoint_save(r->o->checkpoint, r->g, r->proto, pos, r->history) != TCM_OK)
        r->save_failed = 1;
}

/* The protocol chosen by --protocol and its options. */
static int make_protocol(const cli_args *a, const solve_opts *o, tcm_protocol **out)
{
    int st;
    if (strcmp(o->protocol, "paper") == 0) st = tcm_protocol_paper(out);
    else if (strcmp(o->protocol, "ladder") == 0)
        st = tcm_protocol_ladder(out, o->lambda_min, o->lambda_max, o->steps, o->y);
    else if (strcmp(o->protocol, "list") == 0) {
        if (!o->steps_list) return cli_usage(a, "--protocol list needs --steps-list \"lambda:y,...\" or a file");
        st = tcm_protocol_parse(out, o->steps_list);
    } else
        return cli_usage(a, "--protocol must be paper, ladder or list (got '%s')", o->protocol);
    return st ? cli_usage(a, "%s", tcm_last_error()) : CLI_EXIT_OK;
}

/* The fBP parameters from the options. */
static int make_params(const cli_args *a, const solve_opts *o, tcm_fbp_params *p)
{
    if (tcm_cavity_mode_parse(o->cavity, &p->bp.sweep.cavity)) return cli_usage(a, "--cavity: %s", tcm_last_error());
    if (tcm_output_mode_parse(o->output, &p->bp.sweep.output)) return cli_usage(a, "--output-factor: %s", tcm_last_error());
    if (o->damping < 0 || o->damping >= 1) return cli_usage(a, "--damping must be in [0, 1) (got %g)", o->damping);
    if (o->tol <= 0) return cli_usage(a, "--tol must be > 0 (got %g)", o->tol);
    if (o->max_sweeps < 1) return cli_usage(a, "--max-sweeps must be >= 1 (got %d)", o->max_sweeps);
    if (o->resume && !o->checkpoint) return cli_usage(a, "--resume needs --checkpoint FILE");
    p->bp.sweep.damping = o->damping;
    p->bp.tol = o->tol;
    p->bp.max_sweeps = o->max_sweeps;
    p->stop_at_solution = !o->no_stop;
    p->on_sweep = on_sweep;
    p->on_step = on_step;
    return CLI_EXIT_OK;
}

/* Status word of a finished or stopped run. */
static const char *run_status(const solve_run *r, const tcm_fbp_result *res)
{
    if (res->interrupted) return r->timed_out ? "timeout" : "interrupted";
    return res->solved ? "solved" : "unsolved";
}

/* SOL.h5: provenance, /weights (the normalised means), /solve (summary,
 * parameters) and /solve/history. */
static int write_solution(solve_run *r, const tcm_fbp_params *p, const tcm_fbp_result *res, const tcm_run_info *ri)
{
    tcm_weights *w = tcm_weights_alloc(r->g->K, r->g->n, TCM_WEIGHTS_CONTINUOUS);
    if (!w) return cli_fail(r->a, tcm_last_error_code(), NULL);
    tcm_cont_means(r->g, w->w);
    int st = tcm_weights_normalize(w);
    tcm_h5_out *h = NULL;
    if (!st) st = tcm_h5_out_open(&h, r->o->out, "solve", r->a->force);
    if (!st) st = tcm_results_write_run_info(h, ri, r->g->inst);
    if (!st) st = tcm_h5_out_weights(h, w);
    if (!st) st = tcm_h5_out_group(h, "/solve");
    if (!st) st = tcm_h5_out_attr_string(h, "/solve", "status", run_status(r, res));
    if (!st) st = tcm_h5_out_attr_int(h, "/solve", "errors", res->errors);
    if (!st) st = tcm_h5_out_attr_int(h, "/solve", "steps", res->steps);
    if (!st) st = tcm_h5_out_attr_int(h, "/solve", "sweeps", res->total_sweeps);
    if (!st) st = tcm_h5_out_attr_double(h, "/solve", "seconds", ri->wall_seconds);
    if (!st) st = tcm_h5_out_attr_string(h, "/solve", "protocol", r->proto->name);
    if (!st) st = tcm_h5_out_attr_string(h, "/solve", "cavity", tcm_cavity_mode_name(p->bp.sweep.cavity));
    if (!st) st = tcm_h5_out_attr_double(h, "/solve", "damping", p->bp.sweep.damping);
    if (!st) st = tcm_h5_out_attr_double(h, "/solve", "tol", p->bp.tol);
    if (!st) st = tcm_h5_out_attr_int(h, "/solve", "max_sweeps_per_step", p->bp.max_sweeps);
    if (!st) st = tcm_h5_out_attr_int(h, "/solve", "stop_at_solution", p->stop_at_solution);
    if (!st) st = tcm_results_write_fbp_history(h, "/solve/history", r->history, res->steps);
    tcm_weights_free(w);
    if (st) {
        tcm_h5_out_abort(h);
        return cli_fail(r->a, st, NULL);
    }
    return tcm_h5_out_commit(h) ? cli_fail(r->a, tcm_last_error_code(), NULL) : CLI_EXIT_OK;
}

static int print_summary(const solve_run *r, const tcm_fbp_result *res, double seconds)
{
    cli_summary s;
    cli_summary_begin(&s, r->a);
    cli_summary_str(&s, "status", run_status(r, res));
    cli_summary_int(&s, "errors", res->errors);
    cli_summary_int(&s, "steps", res->steps);
    cli_summary_int(&s, "sweeps", res->total_sweeps);
    cli_summary_double(&s, "seconds", seconds);
    cli_summary_str(&s, "output", r->o->out);
    if (r->o->checkpoint) cli_summary_str(&s, "checkpoint", r->o->checkpoint);
    return cli_summary_end(&s);
}

/* Start or resume the protocol, then write the results. */
static int solve(solve_run *r, const tcm_fbp_params *p, char *cmdline)
{
    tcm_fbp_position pos = TCM_FBP_POSITION_INIT;
    tcm_fbp_result res;
    int st = TCM_OK;
    if (r->o->resume) st = tcm_fbp_checkpoint_load(r->o->checkpoint, r->g, r->proto, &pos, r->history);
    if (st) return cli_fail(r->a, st, NULL);
    if ((st = tcm_fbp_run(r->g, r->proto, p, &pos, r->history, &res))) return cli_fail(r->a, st, NULL);
    cli_progress_done(r->a);
    if (res.interrupted && r->o->checkpoint &&
        (st = tcm_fbp_checkpoint_save(r->o->checkpoint, r->g, r->proto, &pos, r->history)))
        return cli_fail(r->a, st, NULL);
    if (r->save_failed) cli_error(r->a->cmd, "warning: a step checkpoint could not be written to %s", r->o->checkpoint);
    tcm_run_info ri = { cmdline, r->a->pos[0], omp_get_max_threads(), omp_get_wtime() - r->t0 };
    int rc = write_solution(r, p, &res, &ri);
    if (rc == CLI_EXIT_OK) rc = print_summary(r, &res, ri.wall_seconds);
    if (rc == CLI_EXIT_OK && res.interrupted && !r->timed_out) rc = CLI_EXIT_INTERRUPTED;
    return rc;
}

/* Load the instance, build the graph, run. */
static int run(const cli_args *a, const solve_opts *o, tcm_protocol *proto, const tcm_fbp_params *p, char *cmdline)
{
    solve_run r = { a, o, NULL, proto, NULL, omp_get_wtime(), 0, 0 };
    tcm_instance *inst = NULL;
    int st = tcm_h5_read_instance(a->pos[0], &inst), rc;
    if (st) return cli_fail(a, st, NULL);
    r.g = tcm_graph_alloc(inst, 0);
    r.history = calloc((size_t)proto->count, sizeof *r.history);
    if (!r.g || !r.history || tcm_graph_enable_focusing(r.g)) {
        rc = cli_fail(a, r.g ? TCM_ENOMEM : tcm_last_error_code(), NULL);
    } else {
        tcm_fbp_params pp = *p;
        pp.user = &r;
        rc = solve(&r, &pp, cmdline);
    }
    free(r.history);
    tcm_graph_free(r.g);
    tcm_instance_free(inst);
    return rc;
}

int cmd_solve(int argc, char **argv)
{
    if (cli_route_is_binary(argc, argv)) return cmd_solve_binary(argc, argv);
    tcm_weight_kind kind = TCM_WEIGHTS_CONTINUOUS;
    int explicit_kind = cli_route_explicit(argc, argv, &kind);
    solve_opts o = { NULL, "paper", NULL, "exact", "exact", NULL, 0.5, 30.0, 10.0, 0.5, 1e-6, 0.0, 30, 200, 0, 0 };
    const char *weights = "continuous";
    cli_option opts[] = {
        CLI_OPT("output", 'o', CLI_STRING, &o.out, "SOL.h5", "result file: /weights (the solution, normalised per unit), /solve, /solve/history", NULL),
        CLI_OPT("weights", 0, CLI_STRING, &weights, "continuous|binary", "weight kind (binary: see `tcmbp solve --weights binary --help`)", "the instance's"),
        CLI_OPT("protocol", 0, CLI_STRING, &o.protocol, "paper|ladder|list", "paper: y = 10, lambda 0.5..30 in 30 geometric steps; ladder: --lambda-min/--lambda-max/--steps/--y; list: --steps-list", "paper"),
        CLI_OPT("lambda-min", 0, CLI_DOUBLE, &o.lambda_min, "L", "first coupling of a ladder", "0.5"),
        CLI_OPT("lambda-max", 0, CLI_DOUBLE, &o.lambda_max, "L", "last coupling of a ladder", "30"),
        CLI_OPT("steps", 0, CLI_INT, &o.steps, "S", "steps of a ladder", "30"),
        CLI_OPT("y", 0, CLI_DOUBLE, &o.y, "Y", "replicas of a ladder", "10"),
        CLI_OPT("steps-list", 0, CLI_STRING, &o.steps_list, "LIST|FILE", "explicit steps \"lambda:y,lambda:y,...\" or a file of \"lambda y\" lines", NULL),
        CLI_OPT("cavity", 0, CLI_STRING, &o.cavity, "exact|fast", "hidden-unit factor (exact reaches higher alpha; fast is cheaper)", "exact"),
        CLI_OPT("output-factor", 0, CLI_STRING, &o.output, "exact|clt", "majority output factor", "exact"),
        CLI_OPT("damping", 0, CLI_DOUBLE, &o.damping, "D", "message damping", "0.5"),
        CLI_OPT("tol", 0, CLI_DOUBLE, &o.tol, "T", "a step has converged when the largest message change is <= T", "1e-6"),
        CLI_OPT("max-sweeps", 0, CLI_INT, &o.max_sweeps, "S", "at most S sweeps per step", "200"),
        CLI_OPT("max-seconds", 0, CLI_DOUBLE, &o.max_seconds, "SEC", "stop after SEC seconds (status timeout; checkpoint written with --checkpoint)", "0 (none)"),
        CLI_OPT("no-stop-at-solution", 0, CLI_FLAG, &o.no_stop, NULL, "run the whole protocol even after a solution is found", NULL),
        CLI_OPT("checkpoint", 0, CLI_STRING, &o.checkpoint, "CK.h5", "write messages and the protocol position after every step and on SIGINT/SIGTERM", NULL),
        CLI_OPT("resume", 0, CLI_FLAG, &o.resume, NULL, "continue the run saved in --checkpoint (same instance and protocol): same result as an uninterrupted run", NULL),
        CLI_END };
    cli_command cmd = { "solve", "[options] INSTANCE -o SOL.h5",
        "Focusing belief propagation (y interacting replicas tied to a centre with coupling lambda, "
        "lambda raised step by step) for continuous weights. Stops as soon as the committee machine whose "
        "weights are the marginal means classifies every pattern (status solved), or at the end of the "
        "protocol (unsolved). SOL.h5 is a weights source for eval, volume and other tools. Killed by "
        "SIGINT/SIGTERM it writes the checkpoint and SOL.h5 and exits with code 3; --resume continues.",
        opts, 1, 1, "not used (the algorithm is deterministic)" };
    cli_args a;
    int rc = cli_parse(&cmd, &a, argc, argv);
    if (rc != CLI_CONTINUE) return rc;
    if (explicit_kind < 0) return cli_usage(&a, "--weights must be continuous or binary (got '%s')", weights);
    if (!o.out) return cli_usage(&a, "missing -o SOL.h5");
    tcm_fbp_params p = TCM_FBP_PARAMS_INIT;
    tcm_protocol *proto = NULL;
    if ((rc = make_params(&a, &o, &p)) || (rc = make_protocol(&a, &o, &proto))) return rc;
    if ((rc = cli_check_output(&a, o.out)) == CLI_EXIT_OK) {
        char *cmdline = cli_command_line(argc, argv);
        cli_signals_install();
        rc = run(&a, &o, proto, &p, cmdline);
        free(cmdline);
    }
    tcm_protocol_free(proto);
    return rc;
}
