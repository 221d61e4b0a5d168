/* Shared helpers of the tcmbp command line: an option-table parser that also
 * generates --help, the common options every subcommand has, exit codes,
 * one-line error messages, and the one-line (or JSON) summary printer.
 *
 * A subcommand looks like this:
 *
 *     int cmd_frob(int argc, char **argv)
 *     {
 *         int K = 3; double lambda = 0.5; const char *out = NULL;
 *         cli_option opts[] = {
 *             CLI_OPT("K", 0, CLI_INT, &K, "K", "hidden units (odd)", "3"),
 *             CLI_OPT("lambda", 0, CLI_DOUBLE, &lambda, "L", "coupling", "0.5"),
 *             CLI_OPT("output", 'o', CLI_STRING, &out, "FILE", "result file (HDF5)", NULL),
 *             CLI_END
 *         };
 *         cli_command cmd = { "frob", "[options] INSTANCE -o FILE",
 *                             "Frobnicate an instance. More words here.", opts, 1, 1, NULL };
 *         cli_args a;
 *         int rc = cli_parse(&cmd, &a, argc, argv);
 *         if (rc != CLI_CONTINUE)
 *             return rc;                      // --help printed, or usage error printed
 *         if (!out)
 *             return cli_usage(&a, "missing -o FILE");
 *         ... call the library; on failure: return cli_fail(&a, status, "reading %s", a.pos[0]);
 *         cli_summary s;
 *         cli_summary_begin(&s, &a);
 *         cli_summary_str(&s, "status", "converged");
 *         cli_summary_int(&s, "sweeps", 42);
 *         return cli_summary_end(&s);        // CLI_EXIT_OK, or CLI_EXIT_RUNTIME if stdout failed
 *     }
 *
 * main() calls cmd_frob(argc - 1, argv + 1), so argv[0] is the subcommand name. */
#ifndef TCMBP_CLI_H
#define TCMBP_CLI_H

#include <stdint.h>
#include <stdio.h>

/* ---- exit codes (the only place they are defined) ---------------------- */
#define CLI_EXIT_OK 0      /* success (also: "not converged" is a result, not an error) */
#define CLI_EXIT_RUNTIME 1 /* runtime error: files, data, numerics, library failures */
#define CLI_EXIT_USAGE 2   /* usage error: unknown option, bad or missing value */
#define CLI_CONTINUE (-1)  /* returned by cli_parse when the command should run */

/* Most threads --threads or OMP_NUM_THREADS may ask for: far above the
 * hardware threads of any current node (a few hundred), and low enough
 * that the thread stacks (8 MiB of address space each) always fit; larger
 * values crashed libgomp or overflowed the stack. */
#define CLI_MAX_THREADS 1024

/* ---- option tables ------------------------------------------------------ */
typedef enum {
    CLI_FLAG,    /* target int*: set to 1; takes no value */
    CLI_INT,     /* target int* */
    CLI_UINT64,  /* target uint64_t* (decimal, no sign) */
    CLI_DOUBLE,  /* target double* (must be finite: "nan", "inf" are usage errors) */
    CLI_STRING,  /* target const char**: points into argv */
    CLI_DOUBLES, /* target cli_doubles*: comma-separated finite doubles, "0.1,0.2,0.5" */
    CLI_CHOICE   /* target int*: the index of the value in the option's name table
                  * (an enum's names, declared once with it); --help lists them */
} cli_type;

#define CLI_MAX_DOUBLES 256
typedef struct {
    int n;                     /* number of values given */
    double v[CLI_MAX_DOUBLES]; /* the values, in the order given */
} cli_doubles;

typedef struct {
    const char *name;    /* long name without "--" ("alpha", "K-teacher"); NULL ends a table */
    char short_name;     /* 'o' for -o, or 0 */
    cli_type type;
    void *target;        /* where the value goes; pointer type as listed in cli_type */
    const char *metavar; /* value placeholder in --help ("N", "FILE"); ignored for flags */
    const char *help;    /* one sentence; wrapped by the help printer */
    const char *def;     /* default shown as "[default: ...]", or NULL for none */
    int given;           /* set by cli_parse: how many times the option appeared */
    const char *const *choices; /* CLI_CHOICE: the names, NULL-terminated; index = value */
} cli_option;

/* One option-table row / the table terminator (keeps -Wextra quiet). */
#define CLI_OPT(name, sc, type, target, metavar, help, def) \
    { (name), (sc), (type), (target), (metavar), (help), (def), 0, NULL }
/* A choice among the names of an enum (target int*, the enum's value). */
#define CLI_CHOICE_OPT(name, target, choices, help, def) \
    { (name), 0, CLI_CHOICE, (target), NULL, (help), (def), 0, (choices) }
#define CLI_END { NULL, 0, CLI_FLAG, NULL, NULL, NULL, NULL, 0, NULL }

/* A subcommand description: drives parsing and the generated --help. */
typedef struct {
    const char *name;        /* "generate" */
    const char *usage;       /* argument synopsis after "tcmbp NAME ", e.g. "[options] INSTANCE WEIGHTS" */
    const char *description; /* one paragraph, wrapped at 78 columns */
    cli_option *options;     /* command-specific options, ended by CLI_END (may be NULL) */
    int min_pos, max_pos;    /* allowed number of positional arguments */
    const char *seed_help;   /* help text of --seed for this command, or NULL for the generic one */
} cli_command;

/* ---- parsed common options + positionals -------------------------------- */
#define CLI_MAX_POS 8
typedef struct {
    const char *cmd;            /* subcommand name, used in messages */
    int threads;                /* --threads N (0: not given; then OpenMP's default) */
    uint64_t seed;              /* --seed S (default 1) */
    int seed_given;             /* nonzero when --seed appeared */
    int quiet;                  /* --quiet: no progress or notes on stderr */
    int json;                   /* --json: the summary is a one-line JSON object */
    int force;                  /* --force: overwrite existing outputs */
    int npos;                   /* number of positional arguments */
    const char *pos[CLI_MAX_POS];
} cli_args;

/* Parse argv[1..argc) (argv[0] is the subcommand name) against cmd's table
 * plus the common options --threads --seed --quiet --json --force --help.
 * Accepts "--opt value", "--opt=value", "-o value", "-ovalue", "-o=value", and "--" to
 * end options. The last occurrence of an option wins. With --threads N it
 * calls omp_set_num_threads(N); --threads and OMP_NUM_THREADS above
 * CLI_MAX_THREADS are usage errors (a CLI_DOUBLES option with more than
 * CLI_MAX_DOUBLES values too: "too many values").
 * Returns CLI_CONTINUE when the command should run; CLI_EXIT_OK after
 * printing --help to stdout; CLI_EXIT_USAGE after printing one error line
 * (unknown option, missing or malformed value, wrong positional count). */
int cli_parse(cli_command *cmd, cli_args *a, int argc, char **argv);

/* The start of every subcommand after its tables: declares `cli_args a`
 * and `int rc`, parses, and returns from the subcommand when cli_parse
 * says so (--help printed, or a usage error). */
#define CLI_PARSE_OR_RETURN(cmd, a, rc, argc, argv)                            \
    cli_args a;                                                                \
    int rc = cli_parse(&(cmd), &(a), (argc), (argv));                          \
    if (rc != CLI_CONTINUE) return rc

/* Print the generated help of cmd (usage, description, options with
 * defaults, common options) to fp. */
void cli_print_help(const cli_command *cmd, FILE *fp);

/* How many times the option with this long name was given (0 if never or unknown). */
int cli_given(const cli_command *cmd, const char *name);

/* Set an option that was not given to value, parsed as if given on the
 * command line (defaults that depend on the instance). 0 when set or when
 * the option was given; -1 for an unknown option or a malformed value. */
int cli_set_default(cli_command *cmd, const char *name, const char *value);

/* ---- errors and messages ------------------------------------------------ */
/* Print exactly one line "tcmbp CMD: error: MESSAGE" to stderr. Bytes of
 * MESSAGE that are not printable (control characters, including newlines)
 * or not part of valid UTF-8 are shown as \xNN, so raw bytes from an
 * input never reach the terminal. cmd may be NULL ("tcmbp: error: ..."). */
void cli_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* cli_error() for a usage error; returns CLI_EXIT_USAGE. */
int cli_usage(const cli_args *a, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Report a failed library call: "tcmbp CMD: error: CONTEXT: <tcm_last_error()>"
 * (or the status name when the library left no message); returns
 * CLI_EXIT_RUNTIME. fmt may be NULL for no context. */
int cli_fail(const cli_args *a, int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* ---- path checks before any work ---------------------------------------- */
typedef enum { CLI_PATH_INPUT, CLI_PATH_OUTPUT, CLI_PATH_CHECKPOINT } cli_path_role;
typedef struct {
    const char *path;   /* NULL: skipped */
    cli_path_role role;
    const char *option; /* for messages: "-o", "--csv", "--checkpoint", "INSTANCE", "--reference", ... */
} cli_path;

/* Check every path a command will read or write, before any work:
 *  INPUT: exists, is a regular file (or a link to one) and is readable; a
 *    weights source "FILE.h5:/dataset" is checked by its file part.
 *  OUTPUT: does not exist, unless --force, or unless resume is nonzero and
 *    it is a tcmbp result of an incomplete run (the "status" attribute of
 *    the group its root file_kind names, /bp, /volume or /solve, is
 *    "interrupted" or "timeout"); an existing one must be a regular file
 *    (or a link to one), even with --force; its folder must exist and be
 *    writable.
 *  CHECKPOINT: as OUTPUT, except that with resume it must exist (and may
 *    then be replaced), and without resume an existing one is refused
 *    unless --force.
 * No output or checkpoint may name the same file as another path of the
 * list (same device and inode when both exist, the same absolute
 * normalised path otherwise); two inputs may (eval INST INST:/teacher).
 * The pairs are checked first, then each path in order.
 * Prints one error line naming the option(s) involved and returns
 * CLI_EXIT_RUNTIME, or returns CLI_EXIT_OK. An OUTPUT accepted because of
 * resume still exists: open its writer with force = 1. The writers check
 * again when they put the file in place (tcmbp/atomic.h). */
int cli_check_paths(const cli_args *a, const cli_path *paths, int n, int resume);

/* cli_check_paths for one output path labelled "output" (no resume). */
int cli_check_output(const cli_args *a, const char *path);

/* Nonzero when progress may be shown: stderr is a terminal and not --quiet. */
int cli_progress_enabled(const cli_args *a);

/* Print a progress line "\rtcmbp CMD: ..." on stderr when progress is
 * enabled (overwriting the previous one); cli_progress_done() ends the line. */
void cli_progress(const cli_args *a, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void cli_progress_done(const cli_args *a);

/* ---- the one-line summary on stdout ------------------------------------- */
/* Text mode:  key=value key="value with spaces" ...   (doubles %.10g; nan, inf, -inf;
 *             a value with spaces, quotes, '=', control characters or
 *             invalid UTF-8 is quoted, with \" \\ \n \t \r and \xNN escapes)
 * JSON mode:  {"key": "value", "n": 3, "x": 0.12345678901234566, "y": null}
 *             (strings escaped as JSON does, a byte that is not valid UTF-8
 *             as \u00NN; doubles %.17g, NaN/Inf as null). */
typedef struct {
    FILE *fp;
    const char *cmd;
    int json;
    int n; /* fields written so far */
} cli_summary;

void cli_summary_begin(cli_summary *s, const cli_args *a);
void cli_summary_str(cli_summary *s, const char *key, const char *v);
void cli_summary_int(cli_summary *s, const char *key, long long v);
void cli_summary_u64(cli_summary *s, const char *key, uint64_t v); /* seeds */
void cli_summary_double(cli_summary *s, const char *key, double v);
void cli_summary_bool(cli_summary *s, const char *key, int v);
/* n numbers: a JSON array, or comma-separated in the text line. */
void cli_summary_doubles(cli_summary *s, const char *key, int n, const double *v);
/* End the line and flush; CLI_EXIT_OK, or CLI_EXIT_RUNTIME (with an error
 * line) if stdout could not be written. */
int cli_summary_end(cli_summary *s);

/* ---- subcommands (each in src/cli/cmd_<name>.c) -------------------------- */
int cmd_generate(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_bp(int argc, char **argv);
int cmd_solve(int argc, char **argv);
int cmd_volume(int argc, char **argv);
int cmd_import_patterns(int argc, char **argv);
int cmd_import_dataset(int argc, char **argv);
int cmd_hessian(int argc, char **argv);

#endif
