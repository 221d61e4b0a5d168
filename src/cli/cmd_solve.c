/* `tcmbp solve INSTANCE -o SOL.h5`: focusing BP for either weight kind
 * (docs/EQUATIONS.md 4): the configuration (normalised means, or signs) as
 * /weights, the per-step history and the parameters; checkpoints after
 * every step and on SIGINT/SIGTERM, and --resume to continue an
 * interrupted run exactly. Defaults depend on the weight kind and the
 * architecture (see --help). */
#include "cli.h"
#include "engine_cli.h"
#include "signals.h"

#include <math.h>
#include <omp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "tcmbp/driver.h"
#include "tcmbp/error.h"
#include "tcmbp/h5.h"
#include "tcmbp/polish.h"
#include "tcmbp/results.h"
#include "tcmbp/rng.h"
#include "tcmbp/table.h"

/* Stream of the generator that derives the seeds of the restarts from --seed. */
#define SOLVE_RESTART_STREAM 0x7265737461727473ULL /* "restarts" */
/* Amplitude of the random initial messages of a restart when --init-random is 0. */
#define SOLVE_RESTART_AMPLITUDE 1.0
/* Most moves of the greedy clean-up (polish, the default) of one attempt. */
#define SOLVE_POLISH_MOVES 1000
/* The clean-up runs only on an attempt left with at most this many errors:
 * its cost grows as errors^2 M n (each move tries every misclassified
 * pattern), about errors^2/(3 sweeps) of the protocol's for continuous
 * weights (<= 14% at 50 errors and the paper protocol's 6000 sweeps); the
 * runs it solved had 1-4 (results/fbp_success_past), and runs with more
 * than 50 errors were never solved by it. */
#define SOLVE_POLISH_MAX_ERRORS 50

typedef struct {
    cli_engine_opts e;
    const char *out, *steps_list, *checkpoint;
    int protocol, steps, no_stop, no_record, resume, restarts, polish, no_polish;
    double lambda_min, lambda_max, gamma_min, gamma_max, y, dx, drho, x, checkpoint_every, init_amplitude;
    double focus_damping;
} solve_opts;

/* One attempt of a run with --restarts (a row of /solve/attempts). */
typedef struct {
    int attempt;      /* 0: the run as asked; 1..R: the restarts */
    double seed;      /* seed of its random initial messages (< 2^53: exact as a double) */
    double amplitude; /* their amplitude (0: not random) */
    int errors, steps, sweeps;
    double seconds;
    int errors_before_polish, polish_moves; /* --polish: the protocol's errors, moves accepted */
} solve_attempt;

/* Everything a run needs, shared with the callbacks. */
typedef struct {
    const cli_args *a;
    const solve_opts *o;
    cli_engine_run r;
    tcm_protocol *proto;
    tcm_focus_step *history;
    tcm_run_position pos;
    double t0, last_save;
    int timed_out, save_failed;
    solve_attempt *attempts; /* o->restarts + 1 rows */
    int nattempts;           /* attempts made */
    tcm_weights *polished;   /* --polish: the last attempt's cleaned-up configuration (NULL: none) */
} solve_run;

/* Per sweep: progress line; stop on a signal or at the time limit. */
static int on_sweep(const tcm_progress *pr, int step, int errors, void *user)
{
    solve_run *s = user;
    cli_progress(s->a, "step %d/%d  %s %.4g  y %.4g  sweep %d  change %.3g  errors %d", step + 1, s->proto->count,
                 s->r.engine->ops->coupling_name, s->proto->steps[step].coupling, s->proto->steps[step].y, pr->sweep,
                 pr->change, errors);
    if (s->o->e.max_seconds > 0 && omp_get_wtime() - s->t0 >= s->o->e.max_seconds) s->timed_out = 1;
    return cli_signals_caught() || s->timed_out;
}

/* Per step: a checkpoint (when asked, at most every --checkpoint-every
 * seconds); stop on a signal or at the time limit (the only place a run of
 * one sweep per step can stop). */
static int on_step(const tcm_focus_step *row, const tcm_run_position *pos, void *user)
{
    solve_run *s = user;
    (void)row;
    if (s->o->checkpoint && omp_get_wtime() - s->last_save >= s->o->checkpoint_every) {
        if (tcm_focus_checkpoint_save(s->o->checkpoint, s->r.engine, &s->r.run, s->proto, pos, s->history) != TCM_OK)
            s->save_failed = 1;
        s->last_save = omp_get_wtime();
    }
    if (s->o->e.max_seconds > 0 && omp_get_wtime() - s->t0 >= s->o->e.max_seconds) s->timed_out = 1;
    return cli_signals_caught() || s->timed_out;
}

/* The protocol chosen by --protocol and its options; the coupling range
 * options are named after the kind's coupling (lambda or gamma). */
static int make_protocol(const cli_args *a, const cli_command *cmd, const solve_opts *o, const tcm_engine *e,
                         tcm_protocol **out)
{
    int binary = e->kind == TCM_WEIGHTS_BINARY;
    const char *mine = binary ? "gamma" : "lambda", *other = binary ? "lambda" : "gamma";
    char name[32];
    for (int j = 0; j < 2; j++) {
        snprintf(name, sizeof name, "%s-%s", other, j ? "max" : "min");
        if (cli_given(cmd, name))
            return cli_usage(a, "--%s: the focusing coupling of %s weights is %s (--%s-min, --%s-max)", name,
                             e->ops->name, mine, mine, mine);
    }
    tcm_protocol_spec spec = { (tcm_protocol_kind)o->protocol, binary ? o->gamma_min : o->lambda_min,
                               binary ? o->gamma_max : o->lambda_max, o->steps, o->y, o->dx, o->drho, o->x,
                               o->steps_list };
    if (spec.kind == TCM_PROTOCOL_LIST && !o->steps_list)
        return cli_usage(a, "--protocol list needs --steps-list \"%s:y,...\" or a file", mine);
    if (tcm_protocol_make(out, &spec)) return cli_usage(a, "--protocol %s: %s", tcm_names_get(tcm_protocol_kind_names, o->protocol), tcm_last_error());
    return CLI_EXIT_OK;
}

/* Status word of a finished or stopped run. */
static const char *run_status(const solve_run *s, const tcm_focus_result *res)
{
    if (res->interrupted) return s->timed_out ? "timeout" : "interrupted";
    return res->solved ? "solved" : "unsolved";
}

/* Attributes of /solve: outcome and every parameter. */
static int solve_attrs(tcm_h5_out *h, const solve_run *s, const tcm_focus_params *p, const tcm_focus_result *res)
{
    const solve_opts *o = s->o;
    const char *g = "/solve";
    int st = tcm_h5_out_group(h, g);
    if (!st) st = tcm_h5_out_attr_string(h, g, "status", run_status(s, res));
    if (!st) st = tcm_h5_out_attr_string(h, g, "weights", s->r.engine->ops->name);
    if (!st) st = tcm_h5_out_attr_int(h, g, "errors", res->errors);
    if (!st) st = tcm_h5_out_attr_int(h, g, "steps", res->steps);
    if (!st) st = tcm_h5_out_attr_int(h, g, "sweeps", res->total_sweeps);
    if (!st) st = tcm_h5_out_attr_double(h, g, "seconds", omp_get_wtime() - s->t0);
    if (!st) st = tcm_h5_out_attr_string(h, g, "protocol", s->proto->name);
    if (!st) st = tcm_h5_out_attr_int(h, g, "protocol_steps", s->proto->count);
    if (!st) st = tcm_h5_out_attr_double(h, g, "dx", o->dx);
    if (!st) st = tcm_h5_out_attr_double(h, g, "drho", o->drho);
    if (!st) st = tcm_h5_out_attr_double(h, g, "x", o->x);
    if (!st) st = tcm_h5_out_attr_double(h, g, "init_amplitude", o->e.init || o->resume ? 0.0 : o->e.init_random);
    if (!st) st = tcm_h5_out_attr_string(h, g, "init", o->e.init ? o->e.init : "");
    if (!st) st = tcm_h5_out_attr_int(h, g, "seed", (int64_t)s->a->seed);
    if (!st) st = tcm_h5_out_attr_int(h, g, "stop_at_solution", p->stop_at_solution);
    if (!st) st = tcm_h5_out_attr_int(h, g, "max_sweeps_per_step", p->run.max_sweeps);
    if (!st) st = tcm_results_write_params(h, g, s->r.engine, &p->run);
    /* Only when set: a default run's /solve stays as the Python package writes it. */
    if (!st && p->run.modes.focus_damping > 0)
        st = tcm_h5_out_attr_double(h, g, "focus_damping", p->run.modes.focus_damping);
    if (!st && o->restarts > 0) st = tcm_h5_out_attr_int(h, g, "restarts", o->restarts);
    if (!st) st = tcm_h5_out_attr_int(h, g, "polish", o->polish);
    if (!st && s->polished)
        st = tcm_h5_out_attr_int(h, g, "errors_before_polish", s->attempts[s->nattempts - 1].errors_before_polish);
    if (!st && s->polished) st = tcm_h5_out_attr_int(h, g, "polish_moves", s->attempts[s->nattempts - 1].polish_moves);
    if (!st && o->restarts > 0) st = tcm_h5_out_attr_int(h, g, "attempts", s->nattempts);
    return st;
}

/* The columns of /solve/attempts (one row per attempt of --restarts). */
static void attempts_table(tcm_table *t)
{
    tcm_table_init(t, sizeof(solve_attempt));
    tcm_table_add(t, "attempt", TCM_COL_INT, offsetof(solve_attempt, attempt), 0);
    tcm_table_add(t, "seed", TCM_COL_DOUBLE, offsetof(solve_attempt, seed), 0);
    tcm_table_add(t, "amplitude", TCM_COL_DOUBLE, offsetof(solve_attempt, amplitude), 0);
    tcm_table_add(t, "errors", TCM_COL_INT, offsetof(solve_attempt, errors), 0);
    tcm_table_add(t, "steps", TCM_COL_INT, offsetof(solve_attempt, steps), 0);
    tcm_table_add(t, "sweeps", TCM_COL_INT, offsetof(solve_attempt, sweeps), 0);
    tcm_table_add(t, "seconds", TCM_COL_DOUBLE, offsetof(solve_attempt, seconds), 0);
    tcm_table_add(t, "errors_before_polish", TCM_COL_INT, offsetof(solve_attempt, errors_before_polish), 0);
    tcm_table_add(t, "polish_moves", TCM_COL_INT, offsetof(solve_attempt, polish_moves), 0);
}

/* SOL.h5: provenance, /weights (the configuration), /solve, /solve/history,
 * and /checkpoint (the state, for --init) when the run was stopped. */
static int write_solution(const solve_run *s, const tcm_focus_params *p, const tcm_focus_result *res,
                          const char *cmdline)
{
    tcm_weights *w = s->polished ? tcm_weights_copy(s->polished) : tcm_engine_weights(s->r.engine);
    if (!w) return cli_fail(s->a, tcm_last_error_code(), NULL);
    tcm_h5_out *h = NULL;
    int rc = cli_engine_open_result(s->a, &s->r, s->o->out, "solve", s->o->resume, cmdline, s->t0, &h);
    if (rc != CLI_EXIT_OK) {
        tcm_weights_free(w);
        return rc;
    }
    tcm_table t;
    tcm_results_history_table(s->r.engine, &t);
    int st = tcm_h5_out_weights(h, w);
    if (!st) st = solve_attrs(h, s, p, res);
    if (!st) st = tcm_table_write_h5(&t, h, "/solve/history", s->history, (size_t)res->steps);
    if (!st && s->o->restarts > 0) {
        tcm_table at;
        attempts_table(&at);
        st = tcm_table_write_h5(&at, h, "/solve/attempts", s->attempts, (size_t)s->nattempts);
    }
    if (!st && res->interrupted) st = tcm_results_write_checkpoint(h, s->r.engine);
    tcm_weights_free(w);
    return cli_engine_finish_result(s->a, h, st);
}

static int print_summary(const solve_run *s, const tcm_focus_result *res)
{
    const tcm_engine_ops *ops = s->r.engine->ops;
    cli_summary sum;
    cli_summary_begin(&sum, s->a);
    cli_summary_str(&sum, "status", run_status(s, res));
    cli_summary_str(&sum, "weights", ops->name);
    cli_summary_int(&sum, "errors", res->errors);
    cli_summary_int(&sum, "M", s->r.engine->M);
    cli_summary_int(&sum, "steps", res->steps);
    cli_summary_int(&sum, "sweeps", res->total_sweeps);
    cli_summary_str(&sum, "protocol", s->proto->name);
    if (res->steps > 0) { /* the last step: its coupling and the engine's record */
        const tcm_focus_step *last = &s->history[res->steps - 1];
        cli_summary_double(&sum, ops->coupling_name, last->coupling);
        cli_summary_double(&sum, "y", last->y);
        for (int x = 0; x < ops->step_extras; x++) cli_summary_double(&sum, ops->step_extra_names[x], last->extra[x]);
    }
    if (s->polished) {
        cli_summary_int(&sum, "errors_before_polish", s->attempts[s->nattempts - 1].errors_before_polish);
        cli_summary_int(&sum, "polish_moves", s->attempts[s->nattempts - 1].polish_moves);
    }
    if (s->o->restarts > 0) { /* the attempts made, the errors each ended with and their seconds */
        char errs[512] = "", secs[1024] = "";
        size_t le = 0, ls = 0;
        for (int r = 0; r < s->nattempts && le < sizeof errs && ls < sizeof secs; r++) {
            le += (size_t)snprintf(errs + le, sizeof errs - le, "%s%d", r ? "," : "", s->attempts[r].errors);
            ls += (size_t)snprintf(secs + ls, sizeof secs - ls, "%s%.4g", r ? "," : "", s->attempts[r].seconds);
        }
        cli_summary_int(&sum, "attempts", s->nattempts);
        cli_summary_str(&sum, "attempt_errors", errs);
        cli_summary_str(&sum, "attempt_seconds", secs);
    }
    cli_summary_double(&sum, "seconds", omp_get_wtime() - s->t0);
    cli_summary_str(&sum, "output", s->o->out);
    if (s->o->checkpoint) cli_summary_str(&sum, "checkpoint", s->o->checkpoint);
    return cli_summary_end(&sum);
}

/* Seed of restart r (1..R): word r of a stream of --seed, cut to 53 bits
 * (exact as a double in /solve/attempts; a plain --seed for a rerun). */
static uint64_t restart_seed(uint64_t seed, int r)
{
    tcm_rng g;
    tcm_rng_init(&g, seed, SOLVE_RESTART_STREAM);
    g.counter = (uint64_t)r;
    return tcm_rng_u64(&g) >> 11;
}

/* Amplitude of the random initial messages of a restart. */
static double restart_amplitude(const solve_opts *o)
{
    return o->e.init_random > 0 ? o->e.init_random : SOLVE_RESTART_AMPLITUDE;
}

/* Begin restart r: a fresh engine with random initial messages from the
 * restart's seed (exactly the state of `solve --init-random AMP --seed
 * SEED`), the protocol from its first step, an empty history. */
static int restart(solve_run *s, int r)
{
    tcm_weight_kind kind = s->r.engine->kind;
    tcm_engine_free(s->r.engine);
    if (!(s->r.engine = tcm_engine_alloc(s->r.inst, kind, s->o->e.patterns, 0))) return tcm_last_error_code();
    solve_attempt *at = &s->attempts[r];
    *at = (solve_attempt){ r, (double)restart_seed(s->a->seed, r), restart_amplitude(s->o), -1, 0, 0, 0.0, -1, 0 };
    s->r.engine->ops->randomize(s->r.engine, at->amplitude, (uint64_t)at->seed);
    s->pos = (tcm_run_position)TCM_RUN_POSITION_INIT;
    memset(s->history, 0, (size_t)s->proto->count * sizeof *s->history);
    return TCM_OK;
}

/* --polish: clean up the configuration of an attempt that ended with errors
 * (against the patterns the engine uses); res then has the polished errors. */
static int polish(solve_run *s, tcm_focus_result *res, solve_attempt *at)
{
    tcm_weights_free(s->polished);
    s->polished = NULL;
    at->errors_before_polish = res->errors;
    if (!s->o->polish || res->solved || res->interrupted || res->errors > SOLVE_POLISH_MAX_ERRORS) return TCM_OK;
    tcm_instance view = *s->r.inst;
    view.M = s->r.engine->M;
    tcm_polish_result pr;
    if (!(s->polished = tcm_engine_weights(s->r.engine))) return tcm_last_error_code();
    int st = tcm_polish_weights(s->polished, &view, SOLVE_POLISH_MOVES, &pr);
    if (st) return st;
    at->polish_moves = pr.moves;
    res->errors = pr.errors;
    res->solved = pr.errors == 0;
    return TCM_OK;
}

/* The protocol, and while it ends unsolved (not stopped) up to --restarts
 * more times from random initial messages; res is the last attempt's. */
static int focus_attempts(solve_run *s, tcm_focus_params *p, tcm_focus_result *res)
{
    const solve_opts *o = s->o;
    s->attempts[0] = (solve_attempt){ 0, (double)s->a->seed, o->e.init || o->resume ? 0.0 : o->e.init_random,
                                      -1, 0, 0, 0.0, -1, 0 };
    for (int r = 0;; r++) {
        int st = r > 0 ? restart(s, r) : TCM_OK;
        if (!st) st = tcm_driver_focus(s->r.engine, s->proto, p, &s->pos, s->history, res);
        if (!st) st = polish(s, res, &s->attempts[r]);
        if (st) return st;
        s->attempts[r].errors = res->errors;
        s->attempts[r].steps = res->steps;
        s->attempts[r].sweeps = res->total_sweeps;
        s->attempts[r].seconds = res->seconds;
        s->nattempts = r + 1;
        if (res->solved || res->interrupted || r == o->restarts) return TCM_OK;
    }
}

/* Start or resume the protocol, then the checkpoint and the results. */
static int focus(solve_run *s, tcm_focus_params *p, const char *cmdline)
{
    tcm_focus_result res;
    int st = TCM_OK;
    if (s->o->resume) st = tcm_focus_checkpoint_load(s->o->checkpoint, s->r.engine, &s->r.run, s->proto, &s->pos, s->history);
    if (st) return cli_fail(s->a, st, "--resume");
    if ((st = focus_attempts(s, p, &res))) return cli_fail(s->a, st, NULL);
    cli_progress_done(s->a);
    /* The result first: a failed checkpoint must not lose it. */
    int rc = write_solution(s, p, &res, cmdline);
    if (rc == CLI_EXIT_OK && s->o->checkpoint &&
        (st = tcm_focus_checkpoint_save(s->o->checkpoint, s->r.engine, &s->r.run, s->proto, &s->pos, s->history)))
        rc = cli_fail(s->a, st, "writing the checkpoint %s (the result %s was written)", s->o->checkpoint, s->o->out);
    if (rc == CLI_EXIT_OK && s->save_failed)
        rc = cli_fail(s->a, TCM_EIO, "a step checkpoint could not be written to %s (the result %s was written)",
                      s->o->checkpoint, s->o->out);
    if (rc == CLI_EXIT_OK) rc = print_summary(s, &res);
    if (rc == CLI_EXIT_OK && res.interrupted && !s->timed_out) rc = CLI_EXIT_INTERRUPTED;
    return rc;
}

/* Defaults that depend on the weight kind and the architecture. */
static const cli_default solve_defaults[] = {
    { "protocol", CLI_FOR_CONT, "paper" },
    { "max-sweeps", CLI_FOR_CONT, "200" },
    { "tol", CLI_FOR_CONT, "1e-6" },
    { "init-random", CLI_FOR_CONT, "0" },
    { "init-random", CLI_FOR_BIN, "0.1" },
    /* Tree machines: one sweep per reinforcement step. */
    { "protocol", CLI_FOR_BIN_TREE, "standard-reinforcement" },
    { "max-sweeps", CLI_FOR_BIN_TREE, "1" },
    { "tol", CLI_FOR_BIN_TREE, "1e-3" },
    /* Fully connected machines need converged steps. Standard reinforcement
     * solved every instance tried at alpha = 0.3 (K = 3, N = 45, 99, 201,
     * 1001; K = 5, N = 501); the Julia package's pseudo-reinforcement with
     * tol 0.1 left a third of the small ones unsolved (docs/BINARY.md). Steps
     * of dx = 0.04 converged to 0.1 (rFBP's own epsilon) need a seventh of the
     * sweeps of dx = 0.01 converged to 1e-3, with the same success (issue 18,
     * docs/PERFORMANCE.md; dx = 0.05 lost one small instance). */
    { "protocol", CLI_FOR_BIN_FULL, "standard-reinforcement" },
    { "dx", CLI_FOR_BIN_FULL, "0.04" },
    { "max-sweeps", CLI_FOR_BIN_FULL, "1000" },
    { "tol", CLI_FOR_BIN_FULL, "0.1" },
};

/* --focus-damping: in [0, 1), and only where it means something (continuous
 * BP; the binary engine damps u* with --damping, AMP has no such option). */
static int check_focus_damping(const cli_args *a, const cli_command *cmd, const solve_opts *o, const tcm_engine *e)
{
    if (!(o->focus_damping >= 0 && o->focus_damping < 1))
        return cli_usage(a, "--focus-damping must be in [0, 1) (got %g)", o->focus_damping);
    if (!cli_given(cmd, "focus-damping")) return CLI_EXIT_OK;
    if (e->kind == TCM_WEIGHTS_BINARY)
        return cli_usage(a, "--focus-damping is an option of continuous weights (binary focusing fields follow --damping)");
    if (e->algo != TCM_ENGINE_BP) return cli_usage(a, "--focus-damping needs --engine bp");
    return CLI_EXIT_OK;
}

/* Load the instance, build the engine and the protocol, run. */
static int run(const cli_args *a, cli_command *cmd, solve_opts *o, char *cmdline)
{
    solve_run s = { a, o, { NULL, NULL, TCM_RUN_PARAMS_INIT }, NULL, NULL, TCM_RUN_POSITION_INIT,
                    omp_get_wtime(), omp_get_wtime(), 0, 0, NULL, 0, NULL };
    /* --init-amplitude (the older name) given: no default for --init-random. */
    cli_default defaults[sizeof solve_defaults / sizeof solve_defaults[0]];
    int n = 0;
    for (size_t j = 0; j < sizeof solve_defaults / sizeof solve_defaults[0]; j++)
        if (!cli_given(cmd, "init-amplitude") || strcmp(solve_defaults[j].option, "init-random") != 0)
            defaults[n++] = solve_defaults[j];
    int rc = cli_engine_open(a, cmd, &o->e, defaults, n, &s.r);
    if (rc == CLI_EXIT_OK && o->e.max_sweeps < 1) rc = cli_usage(a, "--max-sweeps must be >= 1 (got %d)", o->e.max_sweeps);
    if (rc == CLI_EXIT_OK) rc = check_focus_damping(a, cmd, o, s.r.engine);
    if (rc == CLI_EXIT_OK) s.r.run.modes.focus_damping = o->focus_damping;
    if (rc == CLI_EXIT_OK) rc = make_protocol(a, cmd, o, s.r.engine, &s.proto);
    if (rc == CLI_EXIT_OK && (!(s.history = calloc((size_t)s.proto->count, sizeof *s.history)) ||
                              !(s.attempts = calloc((size_t)o->restarts + 1, sizeof *s.attempts))))
        rc = cli_fail(a, TCM_ENOMEM, "out of memory");
    if (rc == CLI_EXIT_OK && !o->resume) rc = cli_engine_init(a, cmd, &o->e, &s.r);
    if (rc == CLI_EXIT_OK) {
        tcm_focus_params p = TCM_FOCUS_PARAMS_INIT;
        p.run = s.r.run;
        p.run.max_seconds = 0; /* --max-seconds bounds the whole protocol (on_sweep) */
        p.stop_at_solution = !o->no_stop;
        p.record = !o->no_record;
        p.on_sweep = on_sweep;
        p.on_step = on_step;
        p.user = &s;
        rc = focus(&s, &p, cmdline);
    }
    free(s.history);
    free(s.attempts);
    tcm_weights_free(s.polished);
    tcm_protocol_free(s.proto);
    cli_engine_close(&s.r);
    return rc;
}

int cmd_solve(int argc, char **argv)
{
    solve_opts o = { CLI_ENGINE_OPTS_INIT, NULL, NULL, NULL, TCM_PROTOCOL_PAPER, 30, 0, 0, 0, 0, 0, 0,
                     0.5, 30.0, 0.1, 10.0, 10.0, 0.002, 0.01, 0.5, 0.0, -1.0, 0.0 };
    cli_option opts[] = {
        CLI_OPT("output", 'o', CLI_STRING, &o.out, "SOL.h5",
                "result file: /weights (the solution: normalised means, or signs as int8), /solve, /solve/history", NULL),
        CLI_CHOICE_OPT("protocol", &o.protocol, tcm_protocol_kind_names,
                       "paper (y = 10, coupling 0.5..30 in 30 geometric steps), ladder or scoping (--steps geometric "
                       "couplings from the -min to the -max option, fixed --y), standard-reinforcement (coupling "
                       "inf, y = 1/(1-x), x = 0, dx, ..; binary weights), pseudo-reinforcement (rho = 0, drho, ..; "
                       "coupling atanh(rho^x), y = 1 + rho^(1-2x)/(1-rho)) or list (--steps-list)",
                       "continuous paper, binary standard-reinforcement"),
        CLI_OPT("lambda-min", 0, CLI_DOUBLE, &o.lambda_min, "L", "continuous weights: first focusing coupling of a ladder", "0.5"),
        CLI_OPT("lambda-max", 0, CLI_DOUBLE, &o.lambda_max, "L", "continuous weights: last focusing coupling of a ladder", "30"),
        CLI_OPT("gamma-min", 0, CLI_DOUBLE, &o.gamma_min, "G", "binary weights: first focusing coupling of scoping", "0.1"),
        CLI_OPT("gamma-max", 0, CLI_DOUBLE, &o.gamma_max, "G", "binary weights: last focusing coupling of scoping", "10"),
        CLI_OPT("steps", 0, CLI_INT, &o.steps, "S", "steps of a ladder or scoping", "30"),
        CLI_OPT("y", 0, CLI_DOUBLE, &o.y, "Y", "replicas of a ladder or scoping", "10"),
        CLI_OPT("dx", 0, CLI_DOUBLE, &o.dx, "DX", "standard reinforcement step", "tree 0.002, fully connected 0.04"),
        CLI_OPT("drho", 0, CLI_DOUBLE, &o.drho, "DR", "pseudo-reinforcement step", "0.01"),
        CLI_OPT("x", 0, CLI_DOUBLE, &o.x, "X", "pseudo-reinforcement exponent", "0.5"),
        CLI_OPT("steps-list", 0, CLI_STRING, &o.steps_list, "LIST|FILE",
                "explicit steps \"coupling:y,coupling:y,...\" (binary: coupling may be inf) or a file of \"coupling y\" lines", NULL),
        CLI_ENGINE_ROWS(o.e, "a step has converged when the largest message (and chi) change is <= T",
                        "continuous 1e-6, binary tree 1e-3, binary fully connected 0.1",
                        "at most S sweeps per protocol step", "continuous 200, binary tree 1, binary fully connected 1000",
                        "continuous 0, binary 0.1"),
        CLI_OPT("focus-damping", 0, CLI_DOUBLE, &o.focus_damping, "D",
                "continuous weights, bp engine: damp the focusing fields U*, V* as --damping does the messages "
                "(new = (1-D) computed + D old; 0: undamped). On correlated inputs (Fashion-MNIST) the "
                "undamped fields oscillate at y = 10 (docs/FASHION.md)", "0"),
        CLI_OPT("init-amplitude", 0, CLI_DOUBLE, &o.init_amplitude, "AMP", "the same as --init-random", NULL),
        CLI_OPT("no-stop-at-solution", 0, CLI_FLAG, &o.no_stop, NULL, "run the whole protocol even after a solution is found", NULL),
        CLI_OPT("no-record", 0, CLI_FLAG, &o.no_record, NULL,
                "binary weights: skip the per-step thermodynamic record (S, q, q~, F, Sigma_int: about one sweep per step)", NULL),
        CLI_OPT("restarts", 0, CLI_INT, &o.restarts, "R",
                "when the protocol ends unsolved, run it again from random initial messages (amplitude "
                "--init-random, or 1 when that is 0; restart r's seed is derived from --seed and r and "
                "listed in /solve/attempts), up to R times; the result is the last attempt's", "0"),
        CLI_OPT("polish", 0, CLI_FLAG, &o.polish, NULL,
                "(the default) when the protocol ends with 1 to 50 training errors, clean them up greedily "
                "(continuous: perceptron corrections of a unit on a misclassified pattern; binary: single weight "
                "flips; a move is kept only if it lowers the errors); /weights is then the polished "
                "configuration, /solve/history the protocol's; a solved run is never touched", NULL),
        CLI_OPT("no-polish", 0, CLI_FLAG, &o.no_polish, NULL, "no clean-up: /weights is the protocol's configuration", NULL),
        CLI_OPT("checkpoint", 0, CLI_STRING, &o.checkpoint, "CK.h5",
                "write the state and the protocol position to CK.h5 after every step (at most every "
                "--checkpoint-every seconds), at the end and on SIGINT/SIGTERM or timeout", NULL),
        CLI_OPT("checkpoint-every", 0, CLI_DOUBLE, &o.checkpoint_every, "SEC",
                "least seconds between two step checkpoints (0: after every step; with many short steps, as in "
                "binary reinforcement, a few seconds keep the cost small)", "0"),
        CLI_OPT("resume", 0, CLI_FLAG, &o.resume, NULL,
                "continue the run saved in --checkpoint (same instance and protocol): the same result as an "
                "uninterrupted run, bit for bit, for any thread count", NULL),
        CLI_END };
    cli_command cmd = { "solve", "[options] INSTANCE -o SOL.h5",
        "Focusing belief propagation for continuous or binary weights (--weights; by default the instance's "
        "kind): y interacting replicas tied to a centre with a coupling (lambda for continuous weights, gamma "
        "for binary ones) raised step by step by the protocol. Stops as soon as the configuration of the "
        "marginals (their means, or their signs) classifies every pattern (status solved), or at the end of "
        "the protocol (unsolved). Defaults depend on the instance: continuous weights run the paper's "
        "protocol with up to 200 sweeps per step; binary tree machines run standard reinforcement with one "
        "sweep per step; binary fully connected machines converge every step (up to 1000 sweeps, tol 0.1, "
        "dx 0.04). "
        "SOL.h5 is a weights source for eval, volume and other tools. Killed by SIGINT/SIGTERM it writes the "
        "checkpoint and SOL.h5 (with the state in /checkpoint) and exits with code 3; --resume continues.",
        opts, 1, 1, "seed of the random initial messages (--init-random)" };
    CLI_PARSE_OR_RETURN(cmd, a, rc, argc, argv);
    if (!o.out) return cli_usage(&a, "missing -o SOL.h5");
    if (o.resume && !o.checkpoint) return cli_usage(&a, "--resume needs --checkpoint FILE");
    if (o.restarts < 0 || o.restarts > 10000) return cli_usage(&a, "--restarts must be in [0, 10000] (got %d)", o.restarts);
    if (o.restarts > 0 && o.checkpoint)
        return cli_usage(&a, "--restarts cannot be combined with --checkpoint or --resume (a checkpoint holds one attempt)");
    if (o.checkpoint_every < 0) return cli_usage(&a, "--checkpoint-every must be >= 0 (got %g)", o.checkpoint_every);
    if (o.polish && o.no_polish) return cli_usage(&a, "--polish and --no-polish exclude each other");
    o.polish = !o.no_polish;
    if (cli_given(&cmd, "init-amplitude")) {
        if (cli_given(&cmd, "init-random") && o.e.init_random != o.init_amplitude)
            return cli_usage(&a, "--init-amplitude and --init-random disagree (%g, %g)", o.init_amplitude, o.e.init_random);
        o.e.init_random = o.init_amplitude;
    }
    if (o.resume && (o.e.init || cli_given(&cmd, "init-random") || cli_given(&cmd, "init-amplitude")))
        return cli_usage(&a, "--resume excludes --init and --init-random");
    const cli_path paths[] = { { a.pos[0], CLI_PATH_INPUT, "INSTANCE" }, { o.e.init, CLI_PATH_INPUT, "--init" },
                               { o.out, CLI_PATH_OUTPUT, "-o" }, { o.checkpoint, CLI_PATH_CHECKPOINT, "--checkpoint" } };
    if ((rc = cli_check_paths(&a, paths, 4, o.resume)) != CLI_EXIT_OK) return rc;
    char *cmdline = cli_command_line(argc, argv);
    cli_signals_install();
    rc = run(&a, &cmd, &o, cmdline);
    free(cmdline);
    return rc;
}
