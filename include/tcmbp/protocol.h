/* Focusing schedules (EQUATIONS.md 4.3): a protocol is a sequence of steps (coupling,
 * y), where the coupling is lambda for continuous weights and gamma for
 * binary ones (gamma may be +inf: reinforcement). Generators for the paper's
 * ladders and the binary protocols, and a parser for explicit lists. */
#ifndef TCMBP_PROTOCOL_H
#define TCMBP_PROTOCOL_H

#include "tcmbp/names.h"

typedef struct {
    double coupling; /* lambda (continuous) or gamma (binary; +inf allowed) */
    double y;        /* number of replicas (>= 1, need not be an integer) */
} tcm_protocol_step;

typedef struct {
    int count;
    tcm_protocol_step *steps;
    char name[64]; /* "paper", "ladder", "standard-reinforcement", "scoping", "pseudo-reinforcement", "list" */
} tcm_protocol;

void tcm_protocol_free(tcm_protocol *p);

/* The protocol generators by name (the names of solve --protocol). */
#define TCM_PROTOCOL_KINDS(X)                                                         \
    X(TCM_PROTOCOL_PAPER, "paper") X(TCM_PROTOCOL_LADDER, "ladder")                   \
    X(TCM_PROTOCOL_STANDARD_REINFORCEMENT, "standard-reinforcement")                  \
    X(TCM_PROTOCOL_SCOPING, "scoping") X(TCM_PROTOCOL_PSEUDO_REINFORCEMENT, "pseudo-reinforcement") \
    X(TCM_PROTOCOL_LIST, "list")
typedef enum { TCM_PROTOCOL_KINDS(TCM_ENUM_VALUE) } tcm_protocol_kind;
extern const char *const tcm_protocol_kind_names[];

/* Everything the generators take; each kind reads its own fields. */
typedef struct {
    tcm_protocol_kind kind;
    double lo, hi;    /* ladder, scoping: first and last coupling */
    int steps;        /* ladder, scoping: number of steps */
    double y;         /* ladder, scoping: replicas */
    double dx;        /* standard reinforcement step */
    double drho, x;   /* pseudo-reinforcement step and exponent */
    const char *list; /* list: "c:y,..." or a file */
} tcm_protocol_spec;

/* Build the protocol of spec (TCM_EINVAL naming the bad parameter). */
int tcm_protocol_make(tcm_protocol **out, const tcm_protocol_spec *spec);

/* Geometric ladder of `steps` couplings from lo to hi at fixed y (continuous fBP). */
int tcm_protocol_ladder(tcm_protocol **out, double lo, double hi, int steps, double y);

/* The paper's continuous default: y = 10, lambda from 0.5 to 30 in 30 geometric steps. */
int tcm_protocol_paper(tcm_protocol **out);

/* Standard reinforcement: gamma = inf, y = 1/(1-x) for x = 0, dx, ..., < 1. */
int tcm_protocol_standard_reinforcement(tcm_protocol **out, double dx);

/* Scoping: fixed y, gamma geometric from lo to hi in `steps` steps. */
int tcm_protocol_scoping(tcm_protocol **out, double lo, double hi, int steps, double y);

/* Pseudo-reinforcement: rho = 0, drho, ..., < 1; gamma = atanh(rho^x),
 * y = 1 + rho^(1-2x)/(1-rho) (x = 1/2 by default). */
int tcm_protocol_pseudo_reinforcement(tcm_protocol **out, double drho, double x);

/* An explicit list "c1:y1,c2:y2,..." (also ';' or whitespace between pairs;
 * "inf" allowed for the coupling), or, when text names a readable file, that
 * file with one "coupling y" pair per line ('#' comments). */
int tcm_protocol_parse(tcm_protocol **out, const char *text);

#endif
