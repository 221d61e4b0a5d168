/* `tcmbp info FILE`: describe any tcmbp HDF5 file, as text (the library's
 * tcm_h5_describe) or, with --json, a one-line object of its main keys. */
#include "cli.h"

#include "tcmbp/error.h"
#include "tcmbp/h5.h"
#include "tcmbp/instance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Add the keys of an instance (already read and validated by the library). */
static void instance_keys(cli_summary *s, const tcm_instance *inst)
{
    cli_summary_int(s, "N", inst->N);
    cli_summary_int(s, "K", inst->K);
    cli_summary_int(s, "M", inst->M);
    cli_summary_int(s, "n", inst->n);
    cli_summary_double(s, "alpha", tcm_instance_alpha(inst));
    cli_summary_str(s, "arch", tcm_arch_name(inst->arch));
    cli_summary_str(s, "weights", tcm_weight_kind_name(inst->kind));
    cli_summary_str(s, "generator", inst->generator);
    cli_summary_str(s, "output_rule", tcm_output_rule_name(inst->rule));
    cli_summary_u64(s, "seed", inst->seed);
    cli_summary_bool(s, "teacher", inst->teacher != NULL);
    cli_summary_str(s, "storage", tcm_storage_name(tcm_instance_storage(inst)));
}

/* Shape (K, n) of the /weights dataset, or 0 when the file has none. */
static int weights_shape(const tcm_h5_in *in, long long *K, long long *n)
{
    int rank = 0;
    size_t dims[4];
    if (!tcm_h5_in_has(in, "/weights") || tcm_h5_in_shape(in, "/weights", &rank, dims) != TCM_OK || rank < 1)
        return 0;
    *K = (long long)dims[0];
    *n = rank >= 2 ? (long long)dims[1] : 1;
    return 1;
}

/* The --json form: file, file_kind, schema_version, creator, and for
 * instances and weights files their sizes. Reads everything before printing,
 * so a failure leaves stdout empty. */
static int info_json(const cli_args *a, const char *path)
{
    tcm_h5_in *in = NULL;
    tcm_instance *inst = NULL;
    char kind[64] = "", creator[128] = "";
    int64_t version = 0;
    long long wK = 0, wn = 0;
    int st = tcm_h5_in_open(&in, path);
    if (st != TCM_OK)
        return cli_fail(a, st, NULL);
    tcm_h5_in_attr_string(in, "/", "file_kind", kind, sizeof kind);
    tcm_h5_in_attr_string(in, "/", "creator", creator, sizeof creator);
    tcm_h5_in_attr_int(in, "/", "schema_version", &version);
    int has_w = weights_shape(in, &wK, &wn);
    tcm_h5_in_close(in);
    tcm_error_clear(); /* missing attributes are not errors here */
    if (strcmp(kind, "instance") == 0 && (st = tcm_h5_read_instance(path, &inst)) != TCM_OK)
        return cli_fail(a, st, NULL);
    cli_summary s;
    cli_summary_begin(&s, a);
    cli_summary_str(&s, "status", "ok");
    cli_summary_str(&s, "file", path);
    cli_summary_str(&s, "file_kind", kind);
    cli_summary_int(&s, "schema_version", version);
    cli_summary_str(&s, "creator", creator);
    if (inst)
        instance_keys(&s, inst);
    if (has_w) {
        cli_summary_int(&s, "weights_K", wK);
        cli_summary_int(&s, "weights_n", wn);
    }
    tcm_instance_free(inst);
    return cli_summary_end(&s);
}

/* Entry point. */
int cmd_info(int argc, char **argv)
{
    cli_command cmd = {"info", "[options] FILE",
                       "Describe a tcmbp HDF5 file (instance, weights or run results): its kind, schema "
                       "version, attributes, and datasets with their shapes. With --json, print one line "
                       "with the main keys instead (for instances: N, K, M, n, alpha, arch, weights, "
                       "generator, seed, teacher, storage: int8 or bits).",
                       NULL, 1, 1, "not used by this command"};
    CLI_PARSE_OR_RETURN(cmd, a, rc, argc, argv);
    const char *path = a.pos[0];
    if (a.json)
        return info_json(&a, path);
    char *text = NULL;
    int st = tcm_h5_describe(path, &text);
    if (st != TCM_OK)
        return cli_fail(&a, st, NULL);
    fputs(text, stdout);
    if (text[0] && text[strlen(text) - 1] != '\n')
        fputc('\n', stdout);
    free(text);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error(a.cmd, "cannot write to standard output");
        return CLI_EXIT_RUNTIME;
    }
    return CLI_EXIT_OK;
}
