/* Greedy clean-up of the last training errors (polish.h): every candidate
 * move changes the fields of one unit; its error count is computed from the
 * M x K fields kept up to date, and the best strictly improving move wins. */
#include "tcmbp/polish.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tcmbp/error.h"
#include "tcmbp/output.h"

static const double polish_margins[] = { 0.1, 0.5 };
#define POLISH_NMARGINS ((int)(sizeof polish_margins / sizeof polish_margins[0]))

typedef struct {
    const tcm_instance *inst;
    tcm_weights *w;
    double *F;    /* M x K hidden fields of w */
    double *cand; /* M fields of one unit under a candidate move */
    double *best; /* the best candidate's */
} polish_state;

static int sign_of(double h) { return (h > 0.0) - (h < 0.0); }

/* Whether pattern a is wrong with unit k's field replaced by hk. */
static int wrong_with(const polish_state *s, int a, int k, double hk)
{
    const tcm_instance *inst = s->inst;
    int vote = 0, prod = 1;
    for (int j = 0; j < inst->K; j++) {
        int t = sign_of(j == k ? hk : s->F[(size_t)a * inst->K + j]);
        vote += t;
        prod *= t;
    }
    return tcm_output_decide(inst->rule, vote, prod) != inst->outputs[a];
}

/* Training errors with unit k's fields replaced by cand (k < 0: the current ones). */
static int errors_with(const polish_state *s, int k, const double *cand)
{
    int e = 0;
    for (int a = 0; a < s->inst->M; a++)
        e += wrong_with(s, a, k, k >= 0 ? cand[a] : 0.0);
    return e;
}

/* Continuous candidate: fields of unit k after w_k += c t xi_ak. */
static void perceptron_fields(const polish_state *s, int a, int k, double ct, double *out)
{
    const tcm_instance *inst = s->inst;
    const int8_t *xa = tcm_instance_unit_inputs(inst, a, k);
    double scale = ct / sqrt((double)inst->n);
    for (int b = 0; b < inst->M; b++) {
        const int8_t *xb = tcm_instance_unit_inputs(inst, b, k);
        int dot = 0;
        for (int i = 0; i < inst->n; i++) dot += xa[i] * xb[i];
        out[b] = s->F[(size_t)b * inst->K + k] + scale * dot;
    }
}

/* The best continuous move (fewest errors, < *best_err): its pattern, unit and c t. */
static void best_perceptron(polish_state *s, int *best_err, int *ba, int *bk, double *bct)
{
    const tcm_instance *inst = s->inst;
    for (int a = 0; a < inst->M; a++) {
        if (!wrong_with(s, a, -1, 0.0)) continue;
        for (int k = 0; k < inst->K; k++) {
            double h = s->F[(size_t)a * inst->K + k];
            int tau = sign_of(h), t = inst->rule == TCM_RULE_PARITY ? (tau ? -tau : 1) : inst->outputs[a];
            if (tau == t) continue; /* majority: this unit already votes right */
            for (int m = 0; m < POLISH_NMARGINS; m++) {
                double ct = t * (polish_margins[m] + fabs(h)) / sqrt((double)inst->n);
                perceptron_fields(s, a, k, ct, s->cand);
                int e = errors_with(s, k, s->cand);
                if (e < *best_err) {
                    *best_err = e, *ba = a, *bk = k, *bct = ct;
                    memcpy(s->best, s->cand, (size_t)inst->M * sizeof *s->best);
                }
            }
        }
    }
}

/* The best binary move (fewest errors, < *best_err): its unit and weight. */
static void best_flip(polish_state *s, int *best_err, int *bk, int *bi)
{
    const tcm_instance *inst = s->inst;
    double step = 2.0 / sqrt((double)inst->n);
    for (int k = 0; k < inst->K; k++)
        for (int i = 0; i < inst->n; i++) {
            double wki = s->w->w[(size_t)k * inst->n + i];
            for (int b = 0; b < inst->M; b++)
                s->cand[b] = s->F[(size_t)b * inst->K + k] - step * wki * tcm_instance_unit_inputs(inst, b, k)[i];
            int e = errors_with(s, k, s->cand);
            if (e < *best_err) {
                *best_err = e, *bk = k, *bi = i;
                memcpy(s->best, s->cand, (size_t)inst->M * sizeof *s->best);
            }
        }
}

/* One accepted move, or 0 when none lowers the errors (*errors updated). */
static int polish_move(polish_state *s, int *errors)
{
    const tcm_instance *inst = s->inst;
    int best_err = *errors, a = -1, k = -1, i = -1;
    double ct = 0.0;
    if (s->w->kind == TCM_WEIGHTS_BINARY)
        best_flip(s, &best_err, &k, &i);
    else
        best_perceptron(s, &best_err, &a, &k, &ct);
    if (best_err >= *errors) return 0;
    double *wk = s->w->w + (size_t)k * inst->n;
    if (s->w->kind == TCM_WEIGHTS_BINARY) {
        wk[i] = -wk[i];
    } else {
        const int8_t *xa = tcm_instance_unit_inputs(inst, a, k);
        for (int j = 0; j < inst->n; j++) wk[j] += ct * xa[j];
    }
    for (int b = 0; b < inst->M; b++) s->F[(size_t)b * inst->K + k] = s->best[b];
    *errors = best_err;
    return 1;
}

int tcm_polish_weights(tcm_weights *w, const tcm_instance *inst, int max_moves, tcm_polish_result *r)
{
    memset(r, 0, sizeof *r);
    polish_state s = { inst, w, NULL, NULL, NULL };
    tcm_eval ev;
    s.F = malloc((size_t)inst->M * inst->K * sizeof *s.F);
    s.cand = malloc((size_t)inst->M * sizeof *s.cand);
    s.best = malloc((size_t)inst->M * sizeof *s.best);
    int st = !s.F || !s.cand || !s.best ? TCM_ERROR(TCM_ENOMEM, "out of memory for the polish fields") : TCM_OK;
    if (!st) st = tcm_weights_eval(w, inst, &ev, NULL, s.F);
    if (!st) {
        int errors = r->errors_before = ev.errors;
        while (errors > 0 && r->moves < max_moves && polish_move(&s, &errors)) r->moves++;
        if (w->kind != TCM_WEIGHTS_BINARY && r->moves > 0) st = tcm_weights_normalize(w);
        if (!st) st = tcm_weights_eval(w, inst, &ev, NULL, NULL);
        if (!st) r->errors = ev.errors;
    }
    free(s.F);
    free(s.cand);
    free(s.best);
    return st;
}
