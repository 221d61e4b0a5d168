/* `tcmbp import-patterns FILE.txt[.gz] --K K [--arch full|tree] -o INST.h5`:
 * an instance file from the plain-text pattern format of the Julia package
 * BinaryCommitteeMachineFBP.jl (one pattern per line, +-1 entries separated
 * by whitespace, optionally gzipped, outputs all +1). */
#include "cli.h"

#include "tcmbp/error.h"
#include "tcmbp/h5.h"
#include "tcmbp/patterns.h"

int cmd_import_patterns(int argc, char **argv)
{
    int K = 0;
    const char *arch_s = "full", *out = NULL;
    cli_option opts[] = {
        CLI_OPT("K", 0, CLI_INT, &K, "K", "hidden units of the committee machine (odd)", NULL),
        CLI_OPT("arch", 0, CLI_STRING, &arch_s, "full|tree",
                "full: every unit sees all N inputs (the Julia package's machine); tree: N/K inputs each", "full"),
        CLI_OPT("output", 'o', CLI_STRING, &out, "INST.h5", "instance file to write", NULL),
        CLI_END };
    cli_command cmd = { "import-patterns", "[options] FILE.txt[.gz] --K K -o INST.h5",
        "Make an instance from a pattern file in the format of BinaryCommitteeMachineFBP.jl: one pattern per "
        "line, entries +1/-1 separated by whitespace, optionally gzip-compressed; every desired output is +1. "
        "N is the number of entries per line and M the number of lines (blank lines and lines starting with # "
        "are skipped). The instance's default weight kind is binary, so bp, volume and solve use the "
        "binary-weight solvers on it.",
        opts, 1, 1, "not used" };
    CLI_PARSE_OR_RETURN(cmd, a, rc, argc, argv);
    if (!cli_given(&cmd, "K")) return cli_usage(&a, "missing --K K (hidden units)");
    if (K <= 0 || K % 2 == 0) return cli_usage(&a, "--K must be odd and positive (got %d): majority vote needs an odd number of units", K);
    tcm_arch arch;
    if (tcm_arch_parse(arch_s, &arch)) return cli_usage(&a, "--arch must be full or tree (got '%s')", arch_s);
    if (!out) return cli_usage(&a, "missing -o INST.h5");
    const cli_path paths[] = {{a.pos[0], CLI_PATH_INPUT, "FILE"}, {out, CLI_PATH_OUTPUT, "-o"}};
    if ((rc = cli_check_paths(&a, paths, 2, 0)) != CLI_EXIT_OK) return rc;
    tcm_instance *inst = NULL;
    int st = tcm_patterns_read_text(&inst, a.pos[0], K, arch);
    if (st) return cli_fail(&a, st, NULL);
    st = tcm_h5_write_instance(out, inst, a.force);
    if (st) {
        tcm_instance_free(inst);
        return cli_fail(&a, st, NULL);
    }
    cli_summary s;
    cli_summary_begin(&s, &a);
    cli_summary_str(&s, "status", "written");
    cli_summary_str(&s, "file", out);
    cli_summary_int(&s, "N", inst->N);
    cli_summary_int(&s, "K", inst->K);
    cli_summary_int(&s, "M", inst->M);
    cli_summary_int(&s, "n", inst->n);
    cli_summary_double(&s, "alpha", tcm_instance_alpha(inst));
    cli_summary_str(&s, "arch", tcm_arch_name(inst->arch));
    cli_summary_str(&s, "weights", tcm_weight_kind_name(inst->kind));
    cli_summary_str(&s, "generator", inst->generator);
    tcm_instance_free(inst);
    return cli_summary_end(&s);
}
