/* The engine options and the instance/engine set-up shared by bp, volume
 * and solve (engine_cli.h). */
#include "engine_cli.h"
#include "signals.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcmbp/error.h"
#include "tcmbp/h5.h"
#include "tcmbp/results.h"

/* The default-table bit of the instance's kind and architecture. */
static unsigned where_of(tcm_weight_kind kind, tcm_arch arch)
{
    unsigned full = arch == TCM_ARCH_FULL;
    return kind == TCM_WEIGHTS_BINARY ? (full ? CLI_FOR_BIN_FULL : CLI_FOR_BIN_TREE)
                                      : (full ? CLI_FOR_CONT_FULL : CLI_FOR_CONT_TREE);
}

/* Apply the rows of defaults that match `where` to the options not given. */
static int apply_defaults(const cli_args *a, cli_command *cmd, const cli_default *d, int n, unsigned where)
{
    for (int j = 0; j < n; j++)
        if ((d[j].where & where) && cli_set_default(cmd, d[j].option, d[j].value) != 0)
            return cli_fail(a, TCM_EINVAL, "internal error: default %s=%s", d[j].option, d[j].value);
    return CLI_EXIT_OK;
}

/* Options of the other weight kind are refused, so that an option never
 * silently means nothing. */
static int check_kind_options(const cli_args *a, const cli_command *cmd, tcm_weight_kind kind)
{
    const char *kn = tcm_weight_kind_name(kind);
    if (kind == TCM_WEIGHTS_BINARY && cli_given(cmd, "cavity"))
        return cli_usage(a, "--cavity is an option of continuous weights; for %s weights use --hidden", kn);
    if (kind == TCM_WEIGHTS_CONTINUOUS && cli_given(cmd, "hidden"))
        return cli_usage(a, "--hidden is an option of binary weights; for %s weights use --cavity", kn);
    return CLI_EXIT_OK;
}

/* Range checks of the engine options (usage errors name the option). */
static int check_values(const cli_args *a, const cli_engine_opts *o, tcm_weight_kind kind)
{
    if (o->damping < 0 || o->damping >= 1) return cli_usage(a, "--damping must be in [0, 1) (got %g)", o->damping);
    if (o->tol <= 0) return cli_usage(a, "--tol must be > 0 (got %g)", o->tol);
    if (o->max_sweeps < 0) return cli_usage(a, "--max-sweeps must be >= 0 (got %d)", o->max_sweeps);
    if (o->block_size < 1) return cli_usage(a, "--block-size must be >= 1 (got %d)", o->block_size);
    if (o->max_seconds < 0) return cli_usage(a, "--max-seconds must be >= 0 (got %g)", o->max_seconds);
    if (o->init_random < 0 || (kind == TCM_WEIGHTS_BINARY && o->init_random > 1))
        return cli_usage(a, "--init-random must be in [0, %s] for %s weights (got %g)",
                         kind == TCM_WEIGHTS_BINARY ? "1" : "inf", tcm_weight_kind_name(kind), o->init_random);
    return CLI_EXIT_OK;
}

int cli_engine_open(const cli_args *a, cli_command *cmd, const cli_engine_opts *o, const cli_default *defaults,
                    int ndefaults, cli_engine_run *r)
{
    memset(r, 0, sizeof *r);
    int st = tcm_h5_read_instance(a->pos[0], &r->inst);
    if (st) return cli_fail(a, st, NULL);
    tcm_weight_kind kind = o->weights >= 0 ? (tcm_weight_kind)o->weights : r->inst->kind;
    int rc = apply_defaults(a, cmd, defaults, ndefaults, where_of(kind, r->inst->arch));
    if (rc == CLI_EXIT_OK) rc = check_kind_options(a, cmd, kind);
    if (rc == CLI_EXIT_OK) rc = check_values(a, o, kind);
    if (rc == CLI_EXIT_OK && o->patterns > r->inst->M)
        rc = cli_usage(a, "--patterns %d exceeds the instance's %d patterns", o->patterns, r->inst->M);
    if (rc == CLI_EXIT_OK && cli_given(cmd, "patterns") && o->patterns < 0)
        rc = cli_usage(a, "--patterns must be >= 0 (got %d)", o->patterns);
    if (rc != CLI_EXIT_OK) return rc;
    r->run = (tcm_run_params)TCM_RUN_PARAMS_INIT;
    r->run.modes = (tcm_engine_modes){ (tcm_cavity_mode)o->cavity, (tcm_hidden_mode)o->hidden,
                                       (tcm_output_mode)o->output, (tcm_schedule)o->schedule, o->block_size,
                                       o->damping, 0.0 }; /* focus_damping: solve's own option */
    r->run.tol = o->tol;
    r->run.max_sweeps = o->max_sweeps;
    r->run.max_seconds = o->max_seconds;
    r->engine = tcm_engine_alloc_algo(r->inst, kind, (tcm_engine_algo)o->engine, o->patterns, 0);
    if (!r->engine) return cli_fail(a, tcm_last_error_code(), NULL);
    return CLI_EXIT_OK;
}

int cli_engine_init(const cli_args *a, const cli_command *cmd, const cli_engine_opts *o, cli_engine_run *r)
{
    if (o->init && cli_given(cmd, "init-random")) return cli_usage(a, "--init and --init-random exclude each other");
    if (o->init) {
        int st = tcm_results_read_checkpoint(r->engine, o->init);
        return st ? cli_fail(a, st, "--init") : CLI_EXIT_OK;
    }
    if (o->init_random > 0) r->engine->ops->randomize(r->engine, o->init_random, a->seed);
    return CLI_EXIT_OK;
}

void cli_engine_close(cli_engine_run *r)
{
    tcm_engine_free(r->engine);
    tcm_instance_free(r->inst);
    r->engine = NULL;
    r->inst = NULL;
}

int cli_engine_progress(const tcm_progress *pr, void *user)
{
    const cli_args *a = user;
    if (isnan(pr->norm_mean))
        cli_progress(a, "sweep %d  change %.3g  %.1fs", pr->sweep, pr->change, pr->seconds);
    else
        cli_progress(a, "sweep %d  change %.3g  chi change %.3g  chi %.6f  %.1fs", pr->sweep, pr->change,
                     pr->norm_change, pr->norm_mean, pr->seconds);
    return cli_signals_caught();
}

void cli_engine_summary_bp(cli_summary *s, const cli_engine_run *r, const tcm_bp_result *res)
{
    cli_summary_int(s, "sweeps", res->sweeps);
    cli_summary_double(s, "change", res->change);
    cli_summary_double(s, "entropy", res->thermo.entropy);
    cli_summary_double(s, "phi", res->thermo.phi);
    cli_summary_double(s, "q", res->thermo.q);
    if (!isnan(res->thermo.chibar)) cli_summary_double(s, "chibar", res->thermo.chibar);
    cli_summary_int(s, "errors", res->errors);
    cli_summary_int(s, "patterns", r->engine->M);
    if (res->nonfinite_sweep) cli_summary_int(s, "nonfinite_sweep", res->nonfinite_sweep);
}

int cli_engine_open_result(const cli_args *a, const cli_engine_run *r, const char *path, const char *file_kind,
                           int resume, const char *cmdline, double t0, tcm_h5_out **h)
{
    tcm_run_info ri = { cmdline, a->pos[0], omp_get_max_threads(), omp_get_wtime() - t0 };
    int st = tcm_h5_out_open(h, path, file_kind, a->force || resume);
    if (!st) st = tcm_results_write_run_info(*h, &ri, r->inst, r->engine->ops->name);
    if (st) {
        tcm_h5_out_abort(*h);
        *h = NULL;
        return cli_fail(a, st, NULL);
    }
    return CLI_EXIT_OK;
}

int cli_engine_finish_result(const cli_args *a, tcm_h5_out *h, int st)
{
    if (st) {
        tcm_h5_out_abort(h);
        return cli_fail(a, st, NULL);
    }
    if ((st = tcm_h5_out_commit(h))) return cli_fail(a, st, NULL);
    return CLI_EXIT_OK;
}
