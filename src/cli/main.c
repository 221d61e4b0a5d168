/* Entry point of the tcmbp command line: the dispatch table of subcommands,
 * `tcmbp help [CMD]`, `--help` and `--version`. Each subcommand lives in
 * src/cli/cmd_<name>.c and parses its own options with cli.h. */
#include "cli.h"
#include "cmd_train.h"

#include "tcmbp/error.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
    const char *summary;               /* one line for `tcmbp help` */
} command_entry;

static int cmd_help(int argc, char **argv);

/* The subcommands, in the order `tcmbp help` lists them. */
static const command_entry commands[] = {
    {"generate", cmd_generate, "generate a random storage instance (HDF5)"},
    {"info", cmd_info, "describe any tcmbp HDF5 file"},
    {"eval", cmd_eval, "errors and stabilities of a configuration on an instance"},
    /* ---- solvers ---------------------------------------------------- */
    {"bp", cmd_bp, "belief propagation: entropy and marginals"},
    {"volume", cmd_volume, "local entropy curve around a reference configuration"},
    {"solve", cmd_solve, "focusing BP solver: find a solution in a wide flat minimum"},
    {"import-patterns", cmd_import_patterns, "import patterns in the Julia package's text format (gzip ok) as an instance"},
    {"import-dataset", cmd_import_dataset, "a training and a test instance from a real data set (idx, .npy, HDF5, CSV)"},
    {"hessian", cmd_hessian, "Hessian spectrum of the smoothed (tanh, mean square error) loss at a configuration"},
    {"train", cmd_train, "reference trainers (LAL, eLAL, ceSGD) producing configurations to measure"},
    /* ------------------------------------------------------------------ */
    {"help", cmd_help, "show help for tcmbp or for one command"},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

/* The table entry named name, or NULL. */
static const command_entry *find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/* The general usage text with the list of commands. */
static void print_usage(FILE *fp)
{
    fprintf(fp, "usage: tcmbp COMMAND [options] [arguments]\n"
                "       tcmbp help COMMAND | tcmbp COMMAND --help | tcmbp --version\n\n"
                "Message-passing solver for tree committee machines (version %s).\n\n"
                "commands:\n",
            tcm_version());
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(fp, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(fp, "\nevery command takes --help, --threads N, --seed S, --quiet, --json, --force\n"
                "exit status: 0 success, 1 runtime error, 2 usage error, 3 interrupted by SIGINT/SIGTERM (state saved)\n");
}

/* A comma-separated list of the command names, for error messages. */
static void command_list(char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < N_COMMANDS && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", commands[i].name);
}

/* `tcmbp help` (general usage) or `tcmbp help CMD` (CMD --help). */
static int cmd_help(int argc, char **argv)
{
    char list[256];
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        print_usage(stdout);
        return CLI_EXIT_OK;
    }
    const command_entry *c = find_command(argv[1]);
    if (!c || argc > 2) {
        command_list(list, sizeof list);
        if (argc > 2)
            cli_error("help", "too many arguments (usage: tcmbp help [COMMAND])");
        else
            cli_error("help", "unknown command '%s' (commands: %s)", argv[1], list);
        return CLI_EXIT_USAGE;
    }
    if (c->run == cmd_help) {
        print_usage(stdout);
        return CLI_EXIT_OK;
    }
    char name[64], flag[] = "--help";
    snprintf(name, sizeof name, "%s", c->name);
    char *sub[] = {name, flag, NULL};
    return c->run(2, sub);
}

/* Dispatch argv[1] to its subcommand. */
int main(int argc, char **argv)
{
    char list[256];
    if (argc < 2) {
        print_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("tcmbp %s\n", tcm_version());
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return cmd_help(1, argv);
    const command_entry *c = find_command(argv[1]);
    if (!c) {
        command_list(list, sizeof list);
        cli_error(NULL, "unknown command '%s' (commands: %s)", argv[1], list);
        return CLI_EXIT_USAGE;
    }
    return c->run(argc - 1, argv + 1);
}
