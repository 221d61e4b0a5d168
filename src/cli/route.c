/* Finding which weight kind a solver command is for. */
#include "route.h"

#include <string.h>
#include <unistd.h>

#include "tcmbp/h5.h"

int cli_route_explicit(int argc, char **argv, tcm_weight_kind *kind)
{
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (strcmp(argv[i], "--") == 0) break;
        if (strcmp(argv[i], "--weights") == 0 && i + 1 < argc) v = argv[i + 1];
        else if (strncmp(argv[i], "--weights=", 10) == 0) v = argv[i] + 10;
        if (v) return tcm_weight_kind_parse(v, kind) == 0 ? 1 : -1;
    }
    return 0;
}

/* Nonzero when path opens as a tcmbp instance file. */
static int is_instance_file(const char *path)
{
    tcm_h5_in *in = NULL;
    char kind[32] = "";
    if (tcm_h5_in_open(&in, path) != 0) return 0;
    int ok = tcm_h5_in_attr_string(in, "/", "file_kind", kind, sizeof kind) == 0 && strcmp(kind, "instance") == 0;
    tcm_h5_in_close(in);
    return ok;
}

int cli_route_is_binary(int argc, char **argv)
{
    tcm_weight_kind kind = TCM_WEIGHTS_CONTINUOUS;
    int e = cli_route_explicit(argc, argv, &kind);
    if (e != 0) return e == 1 && kind == TCM_WEIGHTS_BINARY;
    for (int i = 1; i < argc; i++)
        if (argv[i][0] != '-' && access(argv[i], R_OK) == 0 && is_instance_file(argv[i]))
            return cli_route_instance_kind(argv[i]) == TCM_WEIGHTS_BINARY;
    return 0;
}

tcm_weight_kind cli_route_instance_kind(const char *path)
{
    tcm_h5_in *in = NULL;
    char buf[32] = "continuous";
    tcm_weight_kind kind = TCM_WEIGHTS_CONTINUOUS;
    if (tcm_h5_in_open(&in, path) != 0) return kind;
    if (tcm_h5_in_attr_string(in, "/", "weights", buf, sizeof buf) == 0) tcm_weight_kind_parse(buf, &kind);
    tcm_h5_in_close(in);
    return kind;
}
