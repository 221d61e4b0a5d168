/* SIGINT/SIGTERM handling for long runs: the handler only sets a flag; the
 * run's progress callback sees it, the library stops at the end of the sweep,
 * and the command writes its results (and checkpoint) before exiting with
 * CLI_EXIT_INTERRUPTED. */
#ifndef TCMBP_CLI_SIGNALS_H
#define TCMBP_CLI_SIGNALS_H

/* Exit code of a run stopped by SIGINT or SIGTERM after saving its state. */
#define CLI_EXIT_INTERRUPTED 3

/* Install the flag-setting handler for SIGINT and SIGTERM. */
void cli_signals_install(void);

/* Nonzero once SIGINT or SIGTERM has been received. */
int cli_signals_caught(void);

/* The exact command line "tcmbp CMD ARGS..." (argv as given to the
 * subcommand) into a malloc'd string; NULL on allocation failure. */
char *cli_command_line(int argc, char **argv);

#endif
