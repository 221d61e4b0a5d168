/* Shared command-line machinery (see cli.h): option-table parsing with the
 * common options, generated --help, one-line error reporting, output-path
 * checks, progress lines and the key=value / JSON summary printer. */
#include "cli.h"

#include "tcmbp/error.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <omp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HELP_WIDTH 78
#define HELP_COL 26

/* The common options of every subcommand, as a table targeting a and *help. */
enum { COMMON_THREADS, COMMON_SEED, COMMON_QUIET, COMMON_JSON, COMMON_FORCE, COMMON_HELP, COMMON_N };

/* Fill t[0..COMMON_N] (with terminator) with the common options targeting a and *help. */
static void common_table(cli_option *t, cli_args *a, int *help, const cli_command *cmd)
{
    const char *seed_help = cmd->seed_help ? cmd->seed_help : "random seed (results are reproducible from it)";
    cli_option common[COMMON_N + 1] = {
        CLI_OPT("threads", 0, CLI_INT, &a->threads, "N", "OpenMP threads; results do not depend on it",
                "OMP_NUM_THREADS or all cores"),
        CLI_OPT("seed", 0, CLI_UINT64, &a->seed, "S", seed_help, "1"),
        CLI_OPT("quiet", 'q', CLI_FLAG, &a->quiet, NULL, "no progress or notes on stderr", NULL),
        CLI_OPT("json", 0, CLI_FLAG, &a->json, NULL, "print the summary as a one-line JSON object", NULL),
        CLI_OPT("force", 'f', CLI_FLAG, &a->force, NULL, "overwrite existing output files", NULL),
        CLI_OPT("help", 'h', CLI_FLAG, help, NULL, "show this help and exit", NULL),
        CLI_END};
    memcpy(t, common, sizeof common);
}

/* Find an option by long name (len chars of name) or, when name is NULL, by short char. */
static cli_option *find_option(cli_option *table, const char *name, size_t len, char sc)
{
    for (cli_option *o = table; o && o->name; o++) {
        if (name ? (strlen(o->name) == len && strncmp(o->name, name, len) == 0) : (sc && o->short_name == sc))
            return o;
    }
    return NULL;
}

/* Parse one finite double; 0 on success. */
static int parse_double(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return (*s == '\0' || *end != '\0' || !isfinite(*v) || errno == ERANGE) ? -1 : 0;
}

/* Parse a comma-separated list of finite doubles; 0 on success. */
static int parse_doubles(const char *s, cli_doubles *d)
{
    d->n = 0;
    while (*s) {
        char buf[64];
        size_t len = strcspn(s, ",");
        if (len == 0 || len >= sizeof buf || d->n == CLI_MAX_DOUBLES)
            return -1;
        memcpy(buf, s, len);
        buf[len] = '\0';
        if (parse_double(buf, &d->v[d->n++]) != 0)
            return -1;
        s += len;
        if (*s == ',' && *++s == '\0')
            return -1; /* trailing comma */
    }
    return d->n > 0 ? 0 : -1;
}

/* Store value into o's target according to its type; 0 on success, -1 if malformed. */
static int set_value(cli_option *o, const char *v)
{
    char *end;
    switch (o->type) {
    case CLI_FLAG: *(int *)o->target = 1; return 0;
    case CLI_STRING: *(const char **)o->target = v; return 0;
    case CLI_DOUBLE: return parse_double(v, (double *)o->target);
    case CLI_DOUBLES: return parse_doubles(v, (cli_doubles *)o->target);
    case CLI_CHOICE:
        for (int j = 0; o->choices[j]; j++)
            if (strcmp(v, o->choices[j]) == 0) {
                *(int *)o->target = j;
                return 0;
            }
        return -1;
    case CLI_INT: {
        errno = 0;
        long x = strtol(v, &end, 10);
        if (*v == '\0' || *end != '\0' || errno == ERANGE || x < INT_MIN || x > INT_MAX)
            return -1;
        *(int *)o->target = (int)x;
        return 0;
    }
    case CLI_UINT64: {
        errno = 0;
        if (*v < '0' || *v > '9')
            return -1;
        unsigned long long x = strtoull(v, &end, 10);
        if (*end != '\0' || errno == ERANGE)
            return -1;
        *(uint64_t *)o->target = (uint64_t)x;
        return 0;
    }
    }
    return -1;
}

/* A readable name of the value expected by a type, for error messages. */
static const char *type_word(cli_type t)
{
    switch (t) {
    case CLI_INT: return "an integer";
    case CLI_UINT64: return "a non-negative integer";
    case CLI_DOUBLE: return "a finite number";
    case CLI_DOUBLES: return "a comma-separated list of finite numbers";
    default: return "a value";
    }
}

/* The names of a choice option joined by sep, into buf. */
static const char *choice_list(const cli_option *o, const char *sep, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int j = 0; o->choices[j] && used < len; j++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", j ? sep : "", o->choices[j]);
    return buf;
}

/* Look an option up in the command table, then the common table. */
static cli_option *lookup(cli_command *cmd, cli_option *common, const char *name, size_t len, char sc)
{
    cli_option *o = find_option(cmd->options, name, len, sc);
    return o ? o : find_option(common, name, len, sc);
}

/* Handle the option at argv[*i] (long or short), consuming its value.
 * Returns 0 or CLI_EXIT_USAGE (message printed). */
static int parse_one(cli_command *cmd, cli_option *common, int argc, char **argv, int *i)
{
    const char *arg = argv[*i], *val = NULL, *name;
    char label[80];
    cli_option *o;
    if (arg[1] == '-') { /* --name or --name=value */
        name = arg + 2;
        size_t len = strcspn(name, "=");
        if (name[len] == '=')
            val = name + len + 1;
        o = lookup(cmd, common, name, len, 0);
        snprintf(label, sizeof label, "--%.*s", (int)(len < 60 ? len : 60), name);
    } else { /* -c, -c value, -cvalue */
        o = lookup(cmd, common, NULL, 0, arg[1]);
        if (arg[2] != '\0')
            val = arg + 2 + (arg[2] == '='); /* -ovalue or -o=value */
        snprintf(label, sizeof label, "-%c", arg[1]);
    }
    if (!o) {
        cli_error(cmd->name, "unknown option '%s' (see 'tcmbp %s --help')", label, cmd->name);
        return CLI_EXIT_USAGE;
    }
    if (o->type == CLI_FLAG) {
        if (val) {
            cli_error(cmd->name, "option %s takes no value", label);
            return CLI_EXIT_USAGE;
        }
    } else if (!val) {
        if (*i + 1 >= argc) {
            char names[256];
            const char *what = o->type == CLI_CHOICE ? choice_list(o, "|", names, sizeof names) : o->metavar;
            cli_error(cmd->name, "option %s needs a value (%s)", label, what ? what : "VALUE");
            return CLI_EXIT_USAGE;
        }
        val = argv[++*i];
    }
    if (set_value(o, val) != 0) {
        char names[256];
        if (o->type == CLI_CHOICE)
            cli_error(cmd->name, "option %s: '%s' is not one of %s", label, val, choice_list(o, ", ", names, sizeof names));
        else
            cli_error(cmd->name, "option %s: '%s' is not %s", label, val, type_word(o->type));
        return CLI_EXIT_USAGE;
    }
    o->given++;
    return 0;
}

/* Check what the parsed common options imply (thread count); 0 or CLI_EXIT_USAGE. */
static int apply_common(const cli_command *cmd, cli_args *a, const cli_option *common)
{
    if (common[COMMON_THREADS].given) {
        if (a->threads < 1) {
            cli_error(cmd->name, "option --threads: must be at least 1 (got %d)", a->threads);
            return CLI_EXIT_USAGE;
        }
        omp_set_num_threads(a->threads);
    }
    a->seed_given = common[COMMON_SEED].given;
    return 0;
}

int cli_parse(cli_command *cmd, cli_args *a, int argc, char **argv)
{
    cli_option common[COMMON_N + 1];
    int help = 0, only_pos = 0;
    memset(a, 0, sizeof *a);
    a->cmd = cmd->name;
    a->seed = 1;
    common_table(common, a, &help, cmd);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!only_pos && strcmp(arg, "--") == 0) {
            only_pos = 1;
        } else if (!only_pos && arg[0] == '-' && arg[1] != '\0') {
            int rc = parse_one(cmd, common, argc, argv, &i);
            if (rc)
                return rc;
        } else if (a->npos >= CLI_MAX_POS || a->npos >= cmd->max_pos) {
            cli_error(cmd->name, "unexpected argument '%s' (see 'tcmbp %s --help')", arg, cmd->name);
            return CLI_EXIT_USAGE;
        } else {
            a->pos[a->npos++] = arg;
        }
    }
    if (help) {
        cli_print_help(cmd, stdout);
        return CLI_EXIT_OK;
    }
    if (a->npos < cmd->min_pos) {
        cli_error(cmd->name, "missing argument: usage: tcmbp %s %s", cmd->name, cmd->usage);
        return CLI_EXIT_USAGE;
    }
    return apply_common(cmd, a, common) ? CLI_EXIT_USAGE : CLI_CONTINUE;
}

int cli_given(const cli_command *cmd, const char *name)
{
    const cli_option *o = find_option(cmd->options, name, strlen(name), 0);
    return o ? o->given : 0;
}

int cli_set_default(cli_command *cmd, const char *name, const char *value)
{
    cli_option *o = find_option(cmd->options, name, strlen(name), 0);
    if (!o) return -1;
    if (o->given) return 0;
    return set_value(o, value);
}

/* Print text word-wrapped to HELP_WIDTH, continuation lines indented by
 * indent; the first line continues from column col. Ends with a newline. */
static void wrap(FILE *fp, const char *text, int col, int indent)
{
    while (*text) {
        size_t w = strcspn(text, " ");
        if (col > indent && col + 1 + (int)w > HELP_WIDTH) {
            fprintf(fp, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', fp);
            col++;
        }
        fwrite(text, 1, w, fp);
        col += (int)w;
        text += w;
        while (*text == ' ')
            text++;
    }
    fputc('\n', fp);
}

/* Print the rows of one option table under a heading. */
static void print_options(FILE *fp, const char *heading, const cli_option *t)
{
    fprintf(fp, "\n%s:\n", heading);
    for (const cli_option *o = t; o && o->name; o++) {
        char left[160], text[512], names[128];
        const char *metavar = o->type == CLI_CHOICE ? choice_list(o, "|", names, sizeof names) : o->metavar;
        int n = snprintf(left, sizeof left, "  %c%c%c --%s%s%s", o->short_name ? '-' : ' ',
                         o->short_name ? o->short_name : ' ', o->short_name ? ',' : ' ', o->name,
                         o->type == CLI_FLAG ? "" : " ", o->type == CLI_FLAG ? "" : metavar);
        if (o->def)
            snprintf(text, sizeof text, "%s [default: %s]", o->help, o->def);
        else
            snprintf(text, sizeof text, "%s", o->help);
        fputs(left, fp);
        if (n + 2 > HELP_COL) {
            fprintf(fp, "\n%*s", HELP_COL, "");
        } else {
            fprintf(fp, "%*s", HELP_COL - n, "");
        }
        wrap(fp, text, HELP_COL, HELP_COL);
    }
}

void cli_print_help(const cli_command *cmd, FILE *fp)
{
    cli_option common[COMMON_N + 1];
    cli_args dummy;
    int help = 0;
    memset(&dummy, 0, sizeof dummy);
    common_table(common, &dummy, &help, cmd);
    fprintf(fp, "usage: tcmbp %s %s\n\n", cmd->name, cmd->usage);
    fputs("  ", fp);
    wrap(fp, cmd->description, 2, 2);
    if (cmd->options && cmd->options->name)
        print_options(fp, "options", cmd->options);
    print_options(fp, "common options", common);
    fprintf(fp, "\nexit status: 0 success, 1 runtime error, 2 usage error\n");
}

/* vfprintf into a buffer, then write it as one line (newlines -> spaces). */
static void error_line(const char *cmd, const char *prefix, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    fprintf(stderr, "tcmbp%s%s: error: %s%s\n", cmd ? " " : "", cmd ? cmd : "", prefix, msg);
    fflush(stderr);
}

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_line(cmd, "", fmt, ap);
    va_end(ap);
}

int cli_usage(const cli_args *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_line(a ? a->cmd : NULL, "", fmt, ap);
    va_end(ap);
    return CLI_EXIT_USAGE;
}

int cli_fail(const cli_args *a, int status, const char *fmt, ...)
{
    char ctx[512] = "";
    const char *lib = tcm_last_error();
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ctx, sizeof ctx, fmt, ap);
        va_end(ap);
    }
    if (!lib[0])
        lib = tcm_status_name(status);
    cli_error(a ? a->cmd : NULL, "%s%s%s", ctx, ctx[0] ? ": " : "", lib);
    return CLI_EXIT_RUNTIME;
}

int cli_check_output(const cli_args *a, const char *path)
{
    struct stat st;
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!path[0]) {
        cli_error(a->cmd, "empty output path");
        return CLI_EXIT_RUNTIME;
    }
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            cli_error(a->cmd, "output %s is a directory", path);
            return CLI_EXIT_RUNTIME;
        }
        if (!a->force) {
            cli_error(a->cmd, "output %s exists (use --force to overwrite)", path);
            return CLI_EXIT_RUNTIME;
        }
    }
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        cli_error(a->cmd, "cannot write %s: directory %s does not exist", path, dir);
        return CLI_EXIT_RUNTIME;
    }
    if (access(dir, W_OK) != 0) {
        cli_error(a->cmd, "cannot write %s: directory %s is not writable", path, dir);
        return CLI_EXIT_RUNTIME;
    }
    return CLI_EXIT_OK;
}

int cli_progress_enabled(const cli_args *a) { return !a->quiet && isatty(STDERR_FILENO); }

void cli_progress(const cli_args *a, const char *fmt, ...)
{
    va_list ap;
    if (!cli_progress_enabled(a))
        return;
    fprintf(stderr, "\r\033[Ktcmbp %s: ", a->cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fflush(stderr);
}

void cli_progress_done(const cli_args *a)
{
    if (cli_progress_enabled(a))
        fputs("\r\033[K", stderr);
}

/* ---- summary ------------------------------------------------------------ */

/* Write s as a JSON string literal (quotes, backslashes, control chars escaped). */
static void json_string(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(fp, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", fp);
        else if (*p == '\t')
            fputs("\\t", fp);
        else if (*p < 0x20)
            fprintf(fp, "\\u%04x", *p);
        else
            fputc(*p, fp);
    }
    fputc('"', fp);
}

/* Write a text-mode value, quoted (with \" and \\ escapes) when it is empty
 * or holds spaces, quotes, '=' or control characters. */
static void text_value(FILE *fp, const char *s)
{
    int plain = s[0] != '\0';
    for (const unsigned char *p = (const unsigned char *)s; *p && plain; p++)
        plain = *p > 0x20 && *p != '"' && *p != '=' && *p != '\\';
    if (plain) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fputc('\\', fp);
        fputc(*p < 0x20 ? ' ' : *p, fp);
    }
    fputc('"', fp);
}

/* Write the separator and the key of the next field. */
static void summary_key(cli_summary *s, const char *key)
{
    if (s->json) {
        fputs(s->n ? ", " : "{", s->fp);
        json_string(s->fp, key);
        fputs(": ", s->fp);
    } else {
        fprintf(s->fp, "%s%s=", s->n ? " " : "", key);
    }
    s->n++;
}

void cli_summary_begin(cli_summary *s, const cli_args *a)
{
    s->fp = stdout;
    s->cmd = a->cmd;
    s->json = a->json;
    s->n = 0;
}

void cli_summary_str(cli_summary *s, const char *key, const char *v)
{
    summary_key(s, key);
    if (s->json)
        json_string(s->fp, v ? v : "");
    else
        text_value(s->fp, v ? v : "");
}

void cli_summary_int(cli_summary *s, const char *key, long long v)
{
    summary_key(s, key);
    fprintf(s->fp, "%lld", v);
}

void cli_summary_double(cli_summary *s, const char *key, double v)
{
    summary_key(s, key);
    if (!isfinite(v))
        fputs(s->json ? "null" : isnan(v) ? "nan" : v > 0 ? "inf" : "-inf", s->fp);
    else
        fprintf(s->fp, s->json ? "%.17g" : "%.10g", v);
}

void cli_summary_u64(cli_summary *s, const char *key, uint64_t v)
{
    summary_key(s, key);
    fprintf(s->fp, "%llu", (unsigned long long)v);
}

void cli_summary_bool(cli_summary *s, const char *key, int v)
{
    summary_key(s, key);
    fputs(v ? "true" : "false", s->fp);
}

int cli_summary_end(cli_summary *s)
{
    if (s->json)
        fputs(s->n ? "}" : "{}", s->fp);
    fputc('\n', s->fp);
    if (fflush(s->fp) != 0 || ferror(s->fp)) {
        cli_error(s->cmd, "cannot write the summary to standard output");
        return CLI_EXIT_RUNTIME;
    }
    return CLI_EXIT_OK;
}
