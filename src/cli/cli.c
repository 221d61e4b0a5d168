/* Shared command-line machinery (see cli.h): option-table parsing with the
 * common options, generated --help, one-line error reporting, output-path
 * checks, progress lines and the key=value / JSON summary printer. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "cli.h"

#include "tcmbp/error.h"
#include "tcmbp/h5.h"
#include "tcmbp/infile.h"

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

/* Parse a comma-separated list of finite doubles; 0 on success, -2 when
 * there are more than CLI_MAX_DOUBLES, -1 when malformed. */
static int parse_doubles(const char *s, cli_doubles *d)
{
    d->n = 0;
    while (*s) {
        char buf[64];
        size_t len = strcspn(s, ",");
        if (d->n == CLI_MAX_DOUBLES)
            return -2; /* too many values */
        if (len == 0 || len >= sizeof buf)
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

/* Store value into o's target according to its type; 0 on success, -1 if
 * malformed, -2 for too many values of a list. */
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
    int set = set_value(o, val);
    if (set == -2) {
        cli_error(cmd->name, "option %s: too many values (at most %d)", label, CLI_MAX_DOUBLES);
        return CLI_EXIT_USAGE;
    }
    if (set != 0) {
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

/* Refuse an OMP_NUM_THREADS whose first entry asks for more than
 * CLI_MAX_THREADS (libgomp would try to start them and crash). Other
 * malformed values are left to OpenMP, which ignores them. */
static int check_env_threads(const cli_command *cmd)
{
    const char *env = getenv("OMP_NUM_THREADS");
    if (!env)
        return 0;
    const char *p = env + strspn(env, " \t");
    char *end;
    errno = 0;
    unsigned long long x = strtoull(p, &end, 10);
    if (end == p || *p == '-' || (errno != ERANGE && x <= CLI_MAX_THREADS))
        return 0;
    cli_error(cmd->name, "OMP_NUM_THREADS=%s: at most %d threads (use --threads N or a smaller value)", env,
              CLI_MAX_THREADS);
    return CLI_EXIT_USAGE;
}

/* Check what the parsed common options imply (thread count); 0 or CLI_EXIT_USAGE. */
static int apply_common(const cli_command *cmd, cli_args *a, const cli_option *common)
{
    if (common[COMMON_THREADS].given) {
        if (a->threads < 1 || a->threads > CLI_MAX_THREADS) {
            cli_error(cmd->name, "option --threads: must be at least 1 and at most %d (got %d)", CLI_MAX_THREADS,
                      a->threads);
            return CLI_EXIT_USAGE;
        }
        omp_set_num_threads(a->threads);
    } else if (check_env_threads(cmd)) {
        return CLI_EXIT_USAGE;
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
    fprintf(fp, "\nexit status: 0 success, 1 runtime error, 2 usage error, 3 interrupted by SIGINT/SIGTERM (state saved)\n");
}

/* Length (1 to 4) of the valid UTF-8 sequence at p, or 0 when p does not
 * start one (stray continuation byte, overlong form, surrogate, ...). */
static int utf8_len(const unsigned char *p)
{
    int n;
    unsigned min;
    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        n = 2, min = 0x80;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        n = 3, min = 0x800;
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        n = 4, min = 0x10000;
    } else {
        return 0;
    }
    unsigned cp = p[0] & (0x3Fu >> (n - 1));
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3Fu);
    }
    return cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ? 0 : n;
}

/* Nonzero for a byte that is shown escaped: a control character or DEL. */
static int is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

/* Copy s into out (len bytes), control characters and bytes that are not
 * valid UTF-8 written as \xNN. */
static void escape_bytes(char *out, size_t len, const char *s)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && o + 5 < len;) {
        int n = is_control(*p) ? 0 : utf8_len(p);
        if (n == 0) {
            o += (size_t)snprintf(out + o, len - o, "\\x%02x", *p++);
            continue;
        }
        memcpy(out + o, p, (size_t)n);
        o += (size_t)n;
        p += n;
    }
    out[o] = '\0';
}

/* vfprintf into a buffer, then write it as one line with raw bytes escaped. */
static void error_line(const char *cmd, const char *prefix, const char *fmt, va_list ap)
{
    char msg[1024], safe[4 * sizeof msg + 8];
    vsnprintf(msg, sizeof msg, fmt, ap);
    escape_bytes(safe, sizeof safe, msg);
    fprintf(stderr, "tcmbp%s%s: error: %s%s\n", cmd ? " " : "", cmd ? cmd : "", prefix, safe);
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

/* ---- path checks -------------------------------------------------------- */

/* The file part of an input: a weights source "FILE.h5:/dataset" that does
 * not itself name a file is split at its last ":/" (as tcm_weights_load
 * does). Returns a malloc'd copy, or NULL when out of memory. */
static char *input_file_part(const char *path)
{
    struct stat st;
    const char *split = NULL;
    for (const char *p = strstr(path, ":/"); p; p = strstr(p + 1, ":/"))
        split = p;
    if (split && split > path && stat(path, &st) != 0)
        return strndup(path, (size_t)(split - path));
    return strdup(path);
}

/* The folder of path ("." when it has no slash) into buf. */
static void folder_of(const char *path, char *buf, size_t len)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(buf, len, ".");
    else
        snprintf(buf, len, "%.*s", slash == path ? 1 : (int)(slash - path), path);
}

/* An absolute, normalised name of path for comparisons: the real path of
 * the file, or of its folder plus its name when it does not exist yet (the
 * path itself when neither resolves). malloc'd. */
static char *canonical_name(const char *path)
{
    char dir[4096], *real = realpath(path, NULL);
    if (real)
        return real;
    folder_of(path, dir, sizeof dir);
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    char *rdir = realpath(dir, NULL);
    if (!rdir)
        return strdup(path);
    size_t len = strlen(rdir) + strlen(base) + 2;
    char *out = malloc(len);
    if (out)
        snprintf(out, len, "%s/%s", strcmp(rdir, "/") == 0 ? "" : rdir, base);
    free(rdir);
    return out;
}

/* Nonzero when paths x and y name the same file. */
static int same_file(const char *x, const char *y)
{
    struct stat sx, sy;
    char *fx = input_file_part(x), *fy = input_file_part(y);
    int same = 0;
    if (fx && fy && stat(fx, &sx) == 0 && stat(fy, &sy) == 0) {
        same = sx.st_dev == sy.st_dev && sx.st_ino == sy.st_ino;
    } else if (fx && fy) {
        char *cx = canonical_name(fx), *cy = canonical_name(fy);
        same = cx && cy && strcmp(cx, cy) == 0;
        free(cx);
        free(cy);
    }
    free(fx);
    free(fy);
    return same;
}

/* Nonzero if path is a tcmbp result (file_kind bp, volume or solve) whose
 * run did not finish: the status attribute of that group is "interrupted"
 * or "timeout". */
static int incomplete_result(const char *path)
{
    tcm_h5_in *in = NULL;
    char kind[32] = "", group[40], status[32] = "";
    if (tcm_h5_in_open(&in, path) != TCM_OK)
        return 0;
    int ok = tcm_h5_in_attr_string(in, "/", "file_kind", kind, sizeof kind) == TCM_OK &&
             (strcmp(kind, "bp") == 0 || strcmp(kind, "volume") == 0 || strcmp(kind, "solve") == 0);
    snprintf(group, sizeof group, "/%s", kind);
    ok = ok && tcm_h5_in_attr_string(in, group, "status", status, sizeof status) == TCM_OK &&
         (strcmp(status, "interrupted") == 0 || strcmp(status, "timeout") == 0);
    tcm_h5_in_close(in);
    tcm_error_clear();
    return ok;
}

/* An input: a readable regular file (its file part for FILE.h5:/dataset). */
static int check_input(const cli_args *a, const cli_path *p)
{
    char *file = input_file_part(p->path);
    int st = file ? tcm_infile_check(file) : TCM_ERROR(TCM_ENOMEM, "out of memory");
    free(file);
    if (st == TCM_OK)
        return CLI_EXIT_OK;
    cli_error(a->cmd, "%s: %s", p->option, tcm_last_error());
    return CLI_EXIT_RUNTIME;
}

/* The folder of an output or checkpoint exists and is writable. */
static int check_folder(const cli_args *a, const cli_path *p)
{
    struct stat st;
    char dir[4096];
    folder_of(p->path, dir, sizeof dir);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        cli_error(a->cmd, "%s %s: directory %s does not exist", p->option, p->path, dir);
        return CLI_EXIT_RUNTIME;
    }
    if (access(dir, W_OK) != 0) {
        cli_error(a->cmd, "%s %s: directory %s is not writable", p->option, p->path, dir);
        return CLI_EXIT_RUNTIME;
    }
    return CLI_EXIT_OK;
}

/* An output or a checkpoint (see cli_check_paths). */
static int check_target(const cli_args *a, const cli_path *p, int resume)
{
    struct stat st;
    int ckpt = p->role == CLI_PATH_CHECKPOINT;
    if (!p->path[0]) {
        cli_error(a->cmd, "%s: empty path", p->option);
        return CLI_EXIT_RUNTIME;
    }
    int exists = lstat(p->path, &st) == 0;
    if (exists && stat(p->path, &st) == 0 && !S_ISREG(st.st_mode)) {
        cli_error(a->cmd, "%s %s is %s, not a regular file (refused even with --force)", p->option, p->path,
                  S_ISDIR(st.st_mode) ? "a directory" : S_ISFIFO(st.st_mode) ? "a FIFO" :
                  S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" : "a special file");
        return CLI_EXIT_RUNTIME;
    }
    if (ckpt && resume && !exists) {
        cli_error(a->cmd, "%s %s does not exist (nothing to resume)", p->option, p->path);
        return CLI_EXIT_RUNTIME;
    }
    if (exists && !a->force && !(ckpt && resume)) {
        if (!ckpt && resume && incomplete_result(p->path))
            return check_folder(a, p);
        cli_error(a->cmd, "%s %s exists (use --force to overwrite%s)", p->option, p->path,
                  ckpt ? ", or --resume to continue from it" : resume ? "; it is not an interrupted run" : "");
        return CLI_EXIT_RUNTIME;
    }
    return check_folder(a, p);
}

int cli_check_paths(const cli_args *a, const cli_path *paths, int n, int resume)
{
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n && paths[i].path; j++)
            if (paths[j].path && (paths[i].role != CLI_PATH_INPUT || paths[j].role != CLI_PATH_INPUT) &&
                same_file(paths[i].path, paths[j].path)) {
                cli_error(a->cmd, "%s and %s name the same file (%s)", paths[i].option, paths[j].option,
                          paths[j].path);
                return CLI_EXIT_RUNTIME;
            }
    for (int i = 0; i < n; i++) {
        if (!paths[i].path)
            continue;
        int rc = paths[i].role == CLI_PATH_INPUT ? check_input(a, &paths[i]) : check_target(a, &paths[i], resume);
        if (rc != CLI_EXIT_OK)
            return rc;
    }
    return CLI_EXIT_OK;
}

int cli_check_output(const cli_args *a, const char *path)
{
    const cli_path p = {path, CLI_PATH_OUTPUT, "output"};
    return cli_check_paths(a, &p, 1, 0);
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

/* Write s as a JSON string literal: quotes, backslashes and control
 * characters escaped as JSON does; a byte that is not valid UTF-8 as
 * \u00NN (its Latin-1 reading), so the line stays valid JSON. */
static void json_string(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int n = utf8_len(p);
        if (*p == '"' || *p == '\\')
            fprintf(fp, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", fp);
        else if (*p == '\t')
            fputs("\\t", fp);
        else if (*p == '\r')
            fputs("\\r", fp);
        else if (is_control(*p) || n == 0)
            fprintf(fp, "\\u%04x", *p);
        else
            fwrite(p, 1, (size_t)n, fp);
        p += n ? n : 1;
    }
    fputc('"', fp);
}

/* Write a text-mode value, quoted when it is empty or holds spaces, quotes,
 * '=', backslashes, control characters or invalid UTF-8; inside quotes
 * \" \\ \n \t \r are escaped and other such bytes shown as \xNN. */
static void text_value(FILE *fp, const char *s)
{
    int plain = s[0] != '\0';
    for (const unsigned char *p = (const unsigned char *)s; *p && plain;) {
        int n = utf8_len(p);
        plain = n > 1 || (n == 1 && *p > 0x20 && *p != 0x7f && *p != '"' && *p != '=' && *p != '\\');
        p += n ? n : 1;
    }
    if (plain) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int n = is_control(*p) ? 0 : utf8_len(p);
        if (*p == '"' || *p == '\\')
            fprintf(fp, "\\%c", *p);
        else if (*p == '\n' || *p == '\t' || *p == '\r')
            fprintf(fp, "\\%c", *p == '\n' ? 'n' : *p == '\t' ? 't' : 'r');
        else if (n == 0)
            fprintf(fp, "\\x%02x", *p);
        else
            fwrite(p, 1, (size_t)n, fp);
        p += n ? n : 1;
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

void cli_summary_doubles(cli_summary *s, const char *key, int n, const double *v)
{
    summary_key(s, key);
    fputs(s->json ? "[" : "", s->fp);
    for (int i = 0; i < n; i++) {
        fputs(i ? "," : "", s->fp);
        if (!isfinite(v[i]))
            fputs(s->json ? "null" : isnan(v[i]) ? "nan" : v[i] > 0 ? "inf" : "-inf", s->fp);
        else
            fprintf(s->fp, s->json ? "%.17g" : "%.10g", v[i]);
    }
    fputs(s->json ? "]" : "", s->fp);
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
