/* `tcmbp generate`: draw a random storage instance (random or teacher
 * outputs) with the library and write it as an HDF5 instance file. */
#include "cli.h"

#include "tcmbp/error.h"
#include "tcmbp/h5.h"
#include "tcmbp/instance.h"

#include <stdio.h>
#include <string.h>

/* Check the option values that the user can get wrong, naming the option;
 * returns CLI_EXIT_OK or CLI_EXIT_USAGE (message printed). */
static int check_params(const cli_args *a, const cli_command *cmd, const tcm_instance_params *p)
{
    if (!tcm_output_rule_allows_K(p->rule, p->K))
        return p->rule == TCM_RULE_MAJORITY
                   ? cli_usage(a, "--K must be odd and positive (got %d): majority vote needs an odd number of units",
                               p->K)
                   : cli_usage(a, "--K must be positive (got %d)", p->K);
    if (p->N < 1)
        return cli_usage(a, "--N must be positive (got %d)", p->N);
    if (p->arch == TCM_ARCH_TREE && p->N % p->K != 0)
        return cli_usage(a, "--N must be divisible by --K for a tree (got N=%d, K=%d)", p->N, p->K);
    if (cli_given(cmd, "M") && cli_given(cmd, "alpha"))
        return cli_usage(a, "give --alpha or --M, not both");
    if (cli_given(cmd, "M") && p->M < 1)
        return cli_usage(a, "--M must be positive (got %d)", p->M);
    if (!cli_given(cmd, "M") && !(p->alpha > 0))
        return cli_usage(a, "--alpha must be positive (got %g)", p->alpha);
    if (p->K_teacher < 0 || (p->K_teacher > 0 && !tcm_output_rule_allows_K(p->rule, p->K_teacher)))
        return cli_usage(a, "--K-teacher must be %spositive (got %d)", p->rule == TCM_RULE_MAJORITY ? "odd and " : "",
                         p->K_teacher);
    if (p->K_teacher > 0 && !p->teacher)
        return cli_usage(a, "--K-teacher needs --teacher");
    if (p->teacher && p->arch == TCM_ARCH_TREE && p->K_teacher > 0 && p->N % p->K_teacher != 0)
        return cli_usage(a, "--N must be divisible by --K-teacher for a tree (got N=%d, K-teacher=%d)", p->N,
                         p->K_teacher);
    return CLI_EXIT_OK;
}

/* Print the one-line summary of a written instance. */
static int summary(const cli_args *a, const char *path, const tcm_instance *inst)
{
    cli_summary s;
    cli_summary_begin(&s, a);
    cli_summary_str(&s, "status", "written");
    cli_summary_str(&s, "file", path);
    cli_summary_int(&s, "N", inst->N);
    cli_summary_int(&s, "K", inst->K);
    cli_summary_int(&s, "M", inst->M);
    cli_summary_double(&s, "alpha", tcm_instance_alpha(inst));
    cli_summary_str(&s, "arch", tcm_arch_name(inst->arch));
    cli_summary_str(&s, "weights", tcm_weight_kind_name(inst->kind));
    cli_summary_str(&s, "generator", inst->generator);
    cli_summary_str(&s, "output_rule", tcm_output_rule_name(inst->rule));
    cli_summary_int(&s, "K_teacher", inst->teacher ? inst->teacher->K : 0);
    cli_summary_u64(&s, "seed", inst->seed);
    cli_summary_str(&s, "storage", tcm_storage_name(tcm_instance_storage(inst)));
    return cli_summary_end(&s);
}

/* Entry point: parse, validate, generate, write, summarise. */
int cmd_generate(int argc, char **argv)
{
    tcm_instance_params p = TCM_INSTANCE_PARAMS_INIT;
    const char *out = NULL, *arch = "tree", *kind = "continuous", *rule = "majority", *storage = "int8";
    tcm_storage st_kind = TCM_STORAGE_INT8;
    cli_option opts[] = {
        CLI_OPT("output", 'o', CLI_STRING, &out, "FILE", "instance file to write (HDF5); required", NULL),
        CLI_OPT("N", 0, CLI_INT, &p.N, "N", "inputs per pattern (a multiple of K for trees)", "999"),
        CLI_OPT("K", 0, CLI_INT, &p.K, "K", "hidden units (odd for majority)", "3"),
        CLI_OPT("alpha", 0, CLI_DOUBLE, &p.alpha, "A",
                "load: M = round(alpha N) for trees, round(alpha N K) for fully connected machines", "1.0"),
        CLI_OPT("M", 0, CLI_INT, &p.M, "M", "number of patterns (instead of --alpha)", NULL),
        CLI_OPT("arch", 0, CLI_STRING, &arch, "tree|full", "tree (disjoint receptive fields) or fully connected",
                "tree"),
        CLI_OPT("weights", 0, CLI_STRING, &kind, "continuous|binary",
                "default weight kind of the instance, used by solvers and by the teacher", "continuous"),
        CLI_OPT("teacher", 0, CLI_FLAG, &p.teacher, NULL,
                "outputs from a random teacher of that weight kind, stored as /teacher (default: random outputs)",
                NULL),
        CLI_OPT("K-teacher", 0, CLI_INT, &p.K_teacher, "K", "teacher's hidden units (odd for majority)",
                "same as --K"),
        CLI_OPT("output-rule", 0, CLI_STRING, &rule, "majority|parity",
                "output of the machine: majority vote of the hidden signs (committee machine, K odd) or their "
                "product (parity machine, any K); stored in the instance, a teacher's outputs go through it",
                "majority"),
        CLI_OPT("storage", 0, CLI_STRING, &storage, "int8|bits",
                "how the patterns are held and written: one byte per entry (/patterns, read by everything) or one "
                "bit (/pattern_bits, 1/8 of the memory and file, read only by --engine amp; the same instance "
                "entry for entry, docs/FORMAT.md)",
                "int8"),
        CLI_END};
    cli_command cmd = {"generate", "[options] -o FILE",
                       "Generate a random storage instance: M patterns of N inputs, each +-1 with probability "
                       "1/2, and desired outputs either random or produced by a random teacher machine (committee "
                       "or parity, --output-rule). The result depends only on the options and --seed, never on --threads.",
                       opts, 0, 0, "generation seed; every pattern is a pure function of (seed, index)"};
    CLI_PARSE_OR_RETURN(cmd, a, rc, argc, argv);
    if (!out)
        return cli_usage(&a, "missing output file: -o FILE");
    if (tcm_arch_parse(arch, &p.arch) != TCM_OK)
        return cli_usage(&a, "--arch must be tree or full (got '%s')", arch);
    if (tcm_weight_kind_parse(kind, &p.kind) != TCM_OK)
        return cli_usage(&a, "--weights must be continuous or binary (got '%s')", kind);
    if (tcm_output_rule_parse(rule, &p.rule) != TCM_OK)
        return cli_usage(&a, "--output-rule must be majority or parity (got '%s')", rule);
    if (tcm_storage_parse(storage, &st_kind) != TCM_OK)
        return cli_usage(&a, "--storage must be int8 or bits (got '%s')", storage);
    if (!cli_given(&cmd, "M"))
        p.M = 0;
    p.seed = a.seed;
    if ((rc = check_params(&a, &cmd, &p)) != CLI_EXIT_OK)
        return rc;
    const cli_path paths[] = {{out, CLI_PATH_OUTPUT, "-o"}};
    if ((rc = cli_check_paths(&a, paths, 1, 0)) != CLI_EXIT_OK)
        return rc;

    tcm_instance *inst = NULL;
    int st = tcm_instance_generate_as(&inst, &p, st_kind);
    if (st != TCM_OK)
        return st == TCM_EINVAL ? (cli_fail(&a, st, NULL), CLI_EXIT_USAGE) : cli_fail(&a, st, NULL);
    st = tcm_h5_write_instance(out, inst, a.force);
    if (st != TCM_OK) {
        tcm_instance_free(inst);
        return cli_fail(&a, st, NULL); /* h5 messages name the file */
    }
    rc = summary(&a, out, inst);
    tcm_instance_free(inst);
    return rc;
}
