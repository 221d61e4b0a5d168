/* Routing of bp/volume/solve to the binary-weight implementation: by an
 * explicit --weights option, or by the instance's default weight kind. */
#ifndef TCMBP_CLI_ROUTE_H
#define TCMBP_CLI_ROUTE_H

#include "cmd_binary.h" /* the binary commands routed to, same argv */
#include "tcmbp/weights.h"

/* The value of --weights in argv (either "--weights X" or "--weights=X"):
 * 1 and *kind set when present and valid, 0 when absent, -1 when invalid. */
int cli_route_explicit(int argc, char **argv, tcm_weight_kind *kind);

/* The default weight kind stored in an instance file (continuous when the
 * file cannot be read: the command's own loading reports that error). */
tcm_weight_kind cli_route_instance_kind(const char *path);

/* Nonzero when the command should run on binary weights: an explicit
 * --weights binary, or else no --weights and the first argument that opens
 * as an instance file (file_kind "instance") has binary as default kind.
 * Decided before option parsing, since the two kinds have different options. */
int cli_route_is_binary(int argc, char **argv);

#endif
