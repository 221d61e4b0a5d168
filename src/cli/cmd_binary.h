/* The binary-weight (+-1) subcommands: `tcmbp bp|volume|solve ... --weights
 * binary` (the dispatcher routes them here with the same argv when
 * --weights binary is given or the instance's default weight kind is binary),
 * and `tcmbp import-patterns`. argv[0] is the subcommand name. */
#ifndef TCMBP_CLI_CMD_BINARY_H
#define TCMBP_CLI_CMD_BINARY_H

/* Plain BP for binary weights: entropy, marginals, checkpoint (cmd_binary.c). */
int cmd_bp_binary(int argc, char **argv);

/* Local-entropy curve around a binary reference (cmd_binary.c). */
int cmd_volume_binary(int argc, char **argv);

/* Focusing BP solver for binary weights (cmd_binary.c). */
int cmd_solve_binary(int argc, char **argv);

/* `tcmbp import-patterns FILE.txt[.gz] --K K [--arch full|tree] -o INST.h5`:
 * an instance from a pattern file of the Julia package (cmd_import.c). */
int cmd_import_patterns(int argc, char **argv);

#endif
