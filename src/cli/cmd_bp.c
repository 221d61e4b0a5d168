/* `tcmbp bp INSTANCE [-o OUT.h5]`: plain belief propagation for either
 * weight kind (docs/EQUATIONS.md 1, 2): entropy, free entropy, overlap and
 * the errors of the engine's configuration; the marginals and the summary
 * to OUT.h5 (/bp), all messages too with --checkpoint (or when
 * interrupted), for a later --init. */
#include "cli.h"
#include "engine_cli.h"
#include "signals.h"

#include <omp.h>
#include <stdlib.h>

#include "tcmbp/driver.h"
#include "tcmbp/error.h"
#include "tcmbp/results.h"

typedef struct {
    cli_engine_opts e;
    const char *out;
    int checkpoint, retries;
} bp_opts;

/* OUT.h5: provenance, /bp, and /checkpoint when asked or interrupted. */
static int write_result(const cli_args *a, const bp_opts *o, const cli_engine_run *r, const tcm_bp_result *res,
                        const char *cmdline, double t0)
{
    tcm_h5_out *h = NULL;
    int rc = cli_engine_open_result(a, r, o->out, "bp", 0, cmdline, t0, &h);
    if (rc != CLI_EXIT_OK) return rc;
    int st = tcm_results_write_bp(h, "/bp", r->engine, &r->run, res);
    if (!st && (o->checkpoint || res->status == TCM_BP_INTERRUPTED)) st = tcm_results_write_checkpoint(h, r->engine);
    return cli_engine_finish_result(a, h, st);
}

static int print_summary(const cli_args *a, const bp_opts *o, const cli_engine_run *r, const tcm_bp_result *res)
{
    cli_summary s;
    cli_summary_begin(&s, a);
    cli_summary_str(&s, "status", tcm_bp_status_name(res->status));
    cli_summary_str(&s, "weights", r->engine->ops->name);
    cli_engine_summary_bp(&s, r, res);
    cli_summary_double(&s, "seconds", res->seconds);
    if (o->out) cli_summary_str(&s, "output", o->out);
    return cli_summary_end(&s);
}

/* Build the engine, initialise it, run, write, summarise. */
static int run(const cli_args *a, cli_command *cmd, const bp_opts *o, const char *cmdline)
{
    static const cli_default defaults[] = { { "max-sweeps", CLI_FOR_ALL, "1000" } };
    double t0 = omp_get_wtime();
    cli_engine_run r;
    tcm_bp_result res;
    int rc = cli_engine_open(a, cmd, &o->e, defaults, 1, &r);
    if (rc == CLI_EXIT_OK && o->retries < 0) rc = cli_usage(a, "--retries must be >= 0 (got %d)", o->retries);
    if (rc == CLI_EXIT_OK) rc = cli_engine_init(a, cmd, &o->e, &r);
    if (rc == CLI_EXIT_OK) {
        r.run.retries = o->retries;
        r.run.progress = cli_engine_progress;
        r.run.user = (void *)a;
        int st = tcm_driver_bp(r.engine, &r.run, &res);
        cli_progress_done(a);
        if (st) rc = cli_fail(a, st, NULL);
    }
    if (rc == CLI_EXIT_OK && o->out) rc = write_result(a, o, &r, &res, cmdline, t0);
    if (rc == CLI_EXIT_OK) rc = print_summary(a, o, &r, &res);
    if (rc == CLI_EXIT_OK && res.status == TCM_BP_INTERRUPTED) rc = CLI_EXIT_INTERRUPTED;
    cli_engine_close(&r);
    return rc;
}

int cmd_bp(int argc, char **argv)
{
    bp_opts o = { CLI_ENGINE_OPTS_INIT, NULL, 0, 0 };
    cli_option opts[] = {
        CLI_OPT("output", 'o', CLI_STRING, &o.out, "OUT.h5", "write the marginals and the summary (group /bp)", NULL),
        CLI_ENGINE_ROWS(o.e, "converged when the largest change of any message (and of chi) is <= T", "1e-6",
                        "stop after S sweeps (status not_converged)", "1000", "0"),
        CLI_RETRIES_ROW(o.retries, "0"),
        CLI_OPT("checkpoint", 0, CLI_FLAG, &o.checkpoint, NULL,
                "also store all messages in OUT.h5 (/checkpoint) for --init (always done when interrupted)", NULL),
        CLI_END };
    cli_command cmd = { "bp", "[options] INSTANCE [-o OUT.h5]",
        "Belief propagation on INSTANCE for continuous (spherical) or binary (+-1) weights (--weights; by "
        "default the instance's kind): the entropy S (continuous: log-volume of the solutions per weight "
        "relative to the sphere, <= 0; binary: log of their number per weight, ln 2 at alpha = 0), the free "
        "entropy phi, the overlap q = mean m^2, and the training errors of the configuration of the "
        "marginals (their means, or their signs). Not converging is a result (status not_converged, exit 0), "
        "not an error. Interrupted by SIGINT/SIGTERM it writes what it has, with the messages, and exits "
        "with code 3.",
        opts, 1, 1, "seed of --init-random" };
    CLI_PARSE_OR_RETURN(cmd, a, rc, argc, argv);
    if (o.checkpoint && !o.out) return cli_usage(&a, "--checkpoint stores the messages in OUT.h5: give -o OUT.h5");
    const cli_path paths[] = { { a.pos[0], CLI_PATH_INPUT, "INSTANCE" }, { o.e.init, CLI_PATH_INPUT, "--init" },
                               { o.out, CLI_PATH_OUTPUT, "-o" } };
    if ((rc = cli_check_paths(&a, paths, 3, 0)) != CLI_EXIT_OK) return rc;
    char *cmdline = cli_command_line(argc, argv);
    cli_signals_install();
    rc = run(&a, &cmd, &o, cmdline);
    free(cmdline);
    return rc;
}
