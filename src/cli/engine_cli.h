/* What bp, volume and solve share on the command line: one set of engine
 * options (weight kind, modes, damping, tolerance, limits, initial state)
 * with the same meaning for every weight kind, defaults that depend on the
 * instance (weight kind, architecture), loading the instance and building
 * its engine, progress lines, and the common summary fields. */
#ifndef TCMBP_CLI_ENGINE_H
#define TCMBP_CLI_ENGINE_H

#include "cli.h"

#include "tcmbp/driver.h"
#include "tcmbp/engine.h"
#include "tcmbp/instance.h"

typedef struct {
    int weights;        /* index in tcm_weight_kind_names; -1: the instance's default kind */
    int cavity, hidden, output, schedule;
    int block_size, max_sweeps, patterns;
    double damping, tol, max_seconds, init_random;
    const char *init;
    int engine;         /* index in tcm_engine_algo_names */
} cli_engine_opts;

#define CLI_ENGINE_OPTS_INIT { -1, 0, 0, 0, 0, 64, 1000, -1, 0.5, 1e-6, 0.0, 0.0, NULL, 0 }

/* The option-table rows of the engine options (defaults that depend on the
 * instance are given as text by each command's default table). */
#define CLI_ENGINE_ROWS(e, tol_help, tol_def, sweeps_help, sweeps_def, init_random_def)                               \
    CLI_CHOICE_OPT("weights", &(e).weights, tcm_weight_kind_names, "weight kind of the solver",                 \
                   "the instance's"),                                                                         \
    CLI_CHOICE_OPT("engine", &(e).engine, tcm_engine_algo_names,                                               \
                   "belief propagation over the edges (bp), or approximate message passing (amp: O(N + M K) "  \
                   "memory plus the patterns' bits; parallel schedule, --cavity/--hidden unused; docs/AMP.md)", \
                   "bp"),                                                                                     \
    CLI_CHOICE_OPT("cavity", &(e).cavity, tcm_cavity_mode_names,                                               \
                   "continuous weights: hidden-unit factor with per-edge cavity sums (exact, reaches higher "  \
                   "alpha), the factor's sums expanded to first order (fast), or moment matching (ep: "       \
                   "unbiased at large reference couplings)", "exact; volume: ep"),                            \
    CLI_CHOICE_OPT("hidden", &(e).hidden, tcm_hidden_mode_names,                                               \
                   "binary weights: hidden-unit factor as a Gaussian sum of the inputs, O(n) (clt), or by "    \
                   "exact convolution, O(n^2) (exact, small n)", "clt"),                                     \
    CLI_CHOICE_OPT("output-factor", &(e).output, tcm_output_mode_names,                                        \
                   "majority-vote output factor: exact convolution of the votes, or Gaussian (large K); the parity factor is always exact", "exact"),          \
    CLI_CHOICE_OPT("schedule", &(e).schedule, tcm_schedule_names,                                              \
                   "all patterns from the same marginals (parallel), or fixed blocks with marginals "          \
                   "refreshed after each (block)", "parallel"),                                               \
    CLI_OPT("block-size", 0, CLI_INT, &(e).block_size, "B", "patterns per block (block schedule)", "64"),     \
    CLI_OPT("damping", 0, CLI_DOUBLE, &(e).damping, "D", "new message = (1-D) computed + D old", "0.5"),     \
    CLI_OPT("tol", 0, CLI_DOUBLE, &(e).tol, "T", tol_help, tol_def),                                          \
    CLI_OPT("max-sweeps", 0, CLI_INT, &(e).max_sweeps, "S", sweeps_help, sweeps_def),                          \
    CLI_OPT("max-seconds", 0, CLI_DOUBLE, &(e).max_seconds, "SEC",                                            \
            "stop after SEC seconds (status timeout; 0: no limit)", "0"),                                     \
    CLI_OPT("patterns", 0, CLI_INT, &(e).patterns, "M", "use only the first M patterns (0: the alpha = 0 limit)", \
            "all"),                                                                                           \
    CLI_OPT("init", 0, CLI_STRING, &(e).init, "FILE.h5",                                                       \
            "start from the messages in /checkpoint of FILE.h5 (same instance and weight kind; any run)", NULL), \
    CLI_OPT("init-random", 0, CLI_DOUBLE, &(e).init_random, "AMP",                                            \
            "start from random messages of amplitude AMP, drawn from --seed (continuous: U ~ AMP N(0,1)/sqrt(n); " \
            "binary: magnetisations uniform in (-AMP, AMP), AMP <= 1)", init_random_def)

/* The --retries row of bp and volume (tcm_run_params.retries). */
#define CLI_RETRIES_ROW(var, def)                                                                               \
    CLI_OPT("retries", 0, CLI_INT, &(var), "R",                                                               \
            "a run that has not converged after --max-sweeps goes on for up to R more rounds of --max-sweeps " \
            "sweeps, round r with damping 1 - (1-D)/2^r", def)

/* Where a default applies: weight kind x architecture. */
enum {
    CLI_FOR_CONT_TREE = 1,
    CLI_FOR_CONT_FULL = 2,
    CLI_FOR_BIN_TREE = 4,
    CLI_FOR_BIN_FULL = 8,
    CLI_FOR_CONT = 3,
    CLI_FOR_BIN = 12,
    CLI_FOR_ALL = 15
};

/* A default that depends on the instance: option name, where, value text. */
typedef struct {
    const char *option;
    unsigned where;
    const char *value;
} cli_default;

/* A solver command's instance, engine and run parameters. */
typedef struct {
    tcm_instance *inst;
    tcm_engine *engine;
    tcm_run_params run;
} cli_engine_run;

/* Load the instance a->pos[0], choose the weight kind (--weights, else the
 * instance's), apply the defaults for that kind and architecture to the
 * options not given, check the engine options (an option of the other
 * kind is refused), fill r->run (modes, tol, max_sweeps, max_seconds) and
 * build the engine over the first --patterns patterns (zero messages).
 * Prints one error line and returns its exit code, or CLI_EXIT_OK. */
int cli_engine_open(const cli_args *a, cli_command *cmd, const cli_engine_opts *o, const cli_default *defaults,
                    int ndefaults, cli_engine_run *r);

/* The initial state: messages of --init, or random ones of --init-random
 * (with --seed; a default amplitude is not used with --init), or zero.
 * Prints the error; returns its exit code. */
int cli_engine_init(const cli_args *a, const cli_command *cmd, const cli_engine_opts *o, cli_engine_run *r);

/* Release the engine and the instance (r may be partly filled). */
void cli_engine_close(cli_engine_run *r);

/* Progress callback of plain iterations (user: the cli_args): a progress
 * line, stop on SIGINT/SIGTERM. */
int cli_engine_progress(const tcm_progress *pr, void *user);

/* The summary fields of a BP result: sweeps, change, entropy, phi, q,
 * the engine's chibar where it has one, errors, patterns, nonfinite_sweep. */
void cli_engine_summary_bp(cli_summary *s, const cli_engine_run *r, const tcm_bp_result *res);

/* Open result file path of file_kind with the run provenance (root
 * attributes, weight kind); resume: replace the result of the interrupted
 * run that cli_check_paths accepted. Prints the error; returns its exit code. */
int cli_engine_open_result(const cli_args *a, const cli_engine_run *r, const char *path, const char *file_kind,
                           int resume, const char *cmdline, double t0, tcm_h5_out **h);

/* Commit h, or abort it when st reports an earlier failure; the exit code. */
int cli_engine_finish_result(const cli_args *a, tcm_h5_out *h, int st);

#endif
