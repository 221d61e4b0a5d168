/* Enums whose names are declared once, with the enum (an X-macro in the
 * style of libDAI's DAI_ENUM):
 *
 *     #define TCM_CAVITY_MODES(X) X(TCM_CAVITY_EXACT, "exact") X(TCM_CAVITY_FAST, "fast")
 *     typedef enum { TCM_CAVITY_MODES(TCM_ENUM_VALUE) } tcm_cavity_mode;
 *     extern const char *const tcm_cavity_mode_names[];   // defined with TCM_ENUM_NAME, NULL-terminated
 *
 * The values are 0, 1, ... in declaration order, so a value indexes its
 * name; the command line's choice options take the same tables. */
#ifndef TCMBP_NAMES_H
#define TCMBP_NAMES_H

#define TCM_ENUM_VALUE(id, name) id,
#define TCM_ENUM_NAME(id, name) name,

/* Define PREFIX_name(v) ("unknown" outside the enum) and PREFIX_parse(s,
 * out) (TCM_EINVAL "unknown WHAT ..." for another string) of enum TYPE
 * over its name table, in the enum's .c file. */
#define TCM_NAMES_FUNCTIONS(prefix, type, table, what)                        \
    const char *prefix##_name(type v) { return tcm_names_get(table, (int)v); } \
    int prefix##_parse(const char *s, type *out)                              \
    {                                                                         \
        int v, st = tcm_names_parse(table, what, s, &v);                      \
        if (!st) *out = (type)v;                                              \
        return st;                                                            \
    }

/* The name of value v in the NULL-terminated table, or "unknown". */
const char *tcm_names_get(const char *const *names, int v);

/* The value named s: TCM_OK and *v, or TCM_EINVAL with the message
 * "unknown WHAT 's' (a, b or c)". */
int tcm_names_parse(const char *const *names, const char *what, const char *s, int *v);

#endif
