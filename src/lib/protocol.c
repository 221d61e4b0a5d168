/* Focusing protocols (EQUATIONS.md 4.3): generators and the explicit-list parser. */
#include "tcmbp/protocol.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcmbp/error.h"

#define PROTOCOL_MAX_STEPS 100000

/* Allocate a protocol of count steps named name. */
static int protocol_new(tcm_protocol **out, int count, const char *name)
{
    *out = NULL;
    if (count < 1 || count > PROTOCOL_MAX_STEPS)
        return TCM_ERROR(TCM_EINVAL, "a protocol needs 1 to %d steps, got %d", PROTOCOL_MAX_STEPS, count);
    tcm_protocol *p = calloc(1, sizeof *p);
    if (p) p->steps = calloc((size_t)count, sizeof *p->steps);
    if (!p || !p->steps) {
        free(p);
        return TCM_ERROR(TCM_ENOMEM, "out of memory for a protocol");
    }
    p->count = count;
    snprintf(p->name, sizeof p->name, "%s", name);
    *out = p;
    return TCM_OK;
}

void tcm_protocol_free(tcm_protocol *p)
{
    if (!p) return;
    free(p->steps);
    free(p);
}

int tcm_protocol_ladder(tcm_protocol **out, double lo, double hi, int steps, double y)
{
    if (!(lo > 0) || !isfinite(hi) || (steps > 1 && !(hi > lo)))
        return TCM_ERROR(TCM_EINVAL, "a coupling ladder needs 0 < min < max, got %g and %g", lo, hi);
    if (!(y >= 1) || !isfinite(y)) return TCM_ERROR(TCM_EINVAL, "y must be finite and >= 1, got %g", y);
    int st = protocol_new(out, steps, "ladder");
    if (st) return st;
    for (int j = 0; j < steps; j++) {
        (*out)->steps[j].coupling = steps == 1 ? lo : lo * pow(hi / lo, (double)j / (steps - 1));
        (*out)->steps[j].y = y;
    }
    return TCM_OK;
}

int tcm_protocol_paper(tcm_protocol **out)
{
    int st = tcm_protocol_ladder(out, 0.5, 30.0, 30, 10.0);
    if (!st) snprintf((*out)->name, sizeof (*out)->name, "paper");
    return st;
}

int tcm_protocol_standard_reinforcement(tcm_protocol **out, double dx)
{
    if (!(dx > 0 && dx < 1)) return TCM_ERROR(TCM_EINVAL, "reinforcement step dx must be in (0, 1), got %g", dx);
    int n = (int)ceil(1.0 / dx - 1e-9);
    int st = protocol_new(out, n, "standard-reinforcement");
    if (st) return st;
    for (int j = 0; j < n; j++) {
        double x = j * dx;
        (*out)->steps[j].coupling = INFINITY;
        (*out)->steps[j].y = 1.0 / (1.0 - x);
    }
    return TCM_OK;
}

int tcm_protocol_scoping(tcm_protocol **out, double lo, double hi, int steps, double y)
{
    int st = tcm_protocol_ladder(out, lo, hi, steps, y);
    if (!st) snprintf((*out)->name, sizeof (*out)->name, "scoping");
    return st;
}

int tcm_protocol_pseudo_reinforcement(tcm_protocol **out, double drho, double x)
{
    if (!(drho > 0 && drho < 1)) return TCM_ERROR(TCM_EINVAL, "pseudo-reinforcement step must be in (0, 1), got %g", drho);
    if (!(x > 0 && x <= 1)) return TCM_ERROR(TCM_EINVAL, "pseudo-reinforcement exponent x must be in (0, 1], got %g", x);
    int n = (int)ceil(1.0 / drho - 1e-9);
    int st = protocol_new(out, n, "pseudo-reinforcement");
    if (st) return st;
    for (int j = 0; j < n; j++) {
        double rho = j * drho;
        (*out)->steps[j].coupling = atanh(pow(rho, x));
        (*out)->steps[j].y = 1.0 + pow(rho, 1.0 - 2.0 * x) / (1.0 - rho);
    }
    return TCM_OK;
}

/* Parse one number ("inf" allowed) at *s, advancing it; TCM_EINVAL naming the text. */
static int parse_number(const char **s, double *v, const char *what)
{
    char *end;
    errno = 0;
    *v = strtod(*s, &end);
    if (end == *s || errno == ERANGE || isnan(*v))
        return TCM_ERROR(TCM_EINVAL, "protocol: cannot read %s at \"%.20s\"", what, *s);
    *s = end;
    return TCM_OK;
}

/* Count and read "c:y" pairs separated by ',', ';' or whitespace into steps (may be NULL). */
static int parse_pairs(const char *text, tcm_protocol_step *steps, int *count)
{
    const char *s = text;
    int n = 0;
    for (;;) {
        while (*s && (isspace((unsigned char)*s) || *s == ',' || *s == ';')) s++;
        if (*s == '#') { /* comment to end of line */
            while (*s && *s != '\n') s++;
            continue;
        }
        if (!*s) break;
        double c, y;
        int st = parse_number(&s, &c, "a coupling");
        if (st) return st;
        while (*s == ' ' || *s == '\t' || *s == ':') s++;
        if ((st = parse_number(&s, &y, "y"))) return st;
        if (!(c >= 0) || !(y >= 1) || !isfinite(y))
            return TCM_ERROR(TCM_EINVAL, "protocol step %d: need coupling >= 0 and finite y >= 1, got %g:%g", n + 1, c, y);
        if (steps) steps[n] = (tcm_protocol_step){ c, y };
        n++;
    }
    *count = n;
    return TCM_OK;
}

/* Whole file into a malloc'd string, or NULL when the file cannot be opened. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len - 1, f);
        if (len < cap - 1) break;
        char *nb = realloc(buf, cap *= 2);
        if (!nb) free(buf);
        buf = nb;
    }
    fclose(f);
    if (buf) buf[len] = '\0';
    return buf;
}

int tcm_protocol_parse(tcm_protocol **out, const char *text)
{
    *out = NULL;
    char *file = slurp(text);
    const char *src = file ? file : text;
    int n = 0, st = parse_pairs(src, NULL, &n);
    if (!st && n == 0) st = TCM_ERROR(TCM_EINVAL, "protocol \"%.40s\" has no (coupling, y) pair", text);
    if (!st) st = protocol_new(out, n, "list");
    if (!st) st = parse_pairs(src, (*out)->steps, &n);
    free(file);
    if (st) {
        tcm_protocol_free(*out);
        *out = NULL;
    }
    return st;
}

const char *const tcm_protocol_kind_names[] = { TCM_PROTOCOL_KINDS(TCM_ENUM_NAME) NULL };

int tcm_protocol_make(tcm_protocol **out, const tcm_protocol_spec *s)
{
    switch (s->kind) {
    case TCM_PROTOCOL_PAPER: return tcm_protocol_paper(out);
    case TCM_PROTOCOL_LADDER: return tcm_protocol_ladder(out, s->lo, s->hi, s->steps, s->y);
    case TCM_PROTOCOL_STANDARD_REINFORCEMENT: return tcm_protocol_standard_reinforcement(out, s->dx);
    case TCM_PROTOCOL_SCOPING: return tcm_protocol_scoping(out, s->lo, s->hi, s->steps, s->y);
    case TCM_PROTOCOL_PSEUDO_REINFORCEMENT: return tcm_protocol_pseudo_reinforcement(out, s->drho, s->x);
    case TCM_PROTOCOL_LIST:
        if (!s->list) return TCM_ERROR(TCM_EINVAL, "a list protocol needs its steps (\"coupling:y,...\" or a file)");
        return tcm_protocol_parse(out, s->list);
    }
    return TCM_ERROR(TCM_EINVAL, "unknown protocol kind %d", (int)s->kind);
}
