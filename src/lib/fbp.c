/* Focusing BP driver (spec 4): protocol steps of warm-started BP with the
 * focusing field, stop at a solution, resumable at any sweep. */
#include "tcmbp/fbp.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "tcmbp/error.h"
#include "tcmbp/weights.h"

int tcm_fbp_errors(const tcm_graph *g, int *errors)
{
    /* once per sweep: no allocation, vectorised fields (cont.c) */
    return tcm_cont_errors(g, errors);
}

/* State shared with the per-sweep callback of one step. */
typedef struct {
    const tcm_fbp_params *p;
    const tcm_graph *g;
    int step;
    int sweeps_before; /* sweeps of this step done by earlier (interrupted) pieces */
    int errors;
    int solved;        /* the means became a solution at this sweep */
    int stopped;       /* the user callback asked to stop */
    int status;        /* error status of the error count, if any */
} step_ctx;

/* After each sweep: count errors (stop at a solution), then ask the user callback. */
static int on_sweep(const tcm_bp_progress *pr, void *user)
{
    step_ctx *c = user;
    int st = tcm_fbp_errors(c->g, &c->errors);
    if (st) {
        c->status = st;
        return 1;
    }
    if (c->errors == 0 && c->p->stop_at_solution) {
        c->solved = 1;
        return 1;
    }
    tcm_bp_progress local = *pr;
    local.sweep += c->sweeps_before;
    if (c->p->on_sweep && c->p->on_sweep(&local, c->step, c->errors, c->p->user)) {
        c->stopped = 1;
        return 1;
    }
    return 0;
}

/* Run (the rest of) step pos->next_step; fills the history row when the step completes. */
static int run_step(tcm_graph *g, const tcm_protocol *proto, const tcm_fbp_params *p, tcm_fbp_position *pos,
                    tcm_fbp_step *row, step_ctx *ctx)
{
    const tcm_protocol_step *s = &proto->steps[pos->next_step];
    *ctx = (step_ctx){ p, g, pos->next_step, pos->sweeps_in_step, -1, 0, 0, TCM_OK };
    tcm_bp_params bp = p->bp;
    bp.sweep.y = s->y;
    bp.sweep.fl = s->coupling;
    bp.max_sweeps = p->bp.max_sweeps - pos->sweeps_in_step;
    bp.progress = on_sweep;
    bp.user = ctx;
    tcm_bp_result r;
    memset(&r, 0, sizeof r);
    int st = tcm_bp_iterate(g, &bp, &r);
    if (st) return st;
    if (ctx->status) return ctx->status;
    pos->sweeps_in_step += r.sweeps;
    pos->step_seconds += r.seconds;
    pos->total_sweeps += r.sweeps;
    if (ctx->stopped) return TCM_OK; /* interrupted mid-step: the row is not final */
    if (ctx->errors < 0 && (st = tcm_fbp_errors(g, &ctx->errors))) return st;
    double cb = 0.0, cs = 0.0;
    for (int k = 0; k < g->K; k++) {
        cb += g->chi[k] / g->K;
        cs += g->chistar[k] / g->K;
    }
    *row = (tcm_fbp_step){ pos->next_step, s->coupling, s->y, pos->sweeps_in_step,
                           ctx->solved ? TCM_FBP_STEP_SOLVED : (int)r.status, r.change, ctx->errors, cb, cs,
                           pos->step_seconds };
    return TCM_OK;
}

int tcm_fbp_run(tcm_graph *g, const tcm_protocol *proto, const tcm_fbp_params *p, tcm_fbp_position *pos,
                tcm_fbp_step *history, tcm_fbp_result *res)
{
    double t0 = omp_get_wtime();
    memset(res, 0, sizeof *res);
    if (!g->ustar) return TCM_ERROR(TCM_EINVAL, "focusing BP needs a graph with focusing fields enabled");
    if (pos->next_step < 0 || pos->next_step > proto->count)
        return TCM_ERROR(TCM_EINVAL, "resume position %d outside the protocol's %d steps", pos->next_step, proto->count);
    while (!pos->finished && pos->next_step < proto->count) {
        step_ctx ctx;
        int st = run_step(g, proto, p, pos, &history[pos->next_step], &ctx);
        if (st) return st;
        if (ctx.stopped) {
            res->interrupted = 1;
            break;
        }
        const tcm_fbp_step *row = &history[pos->next_step];
        pos->solved = ctx.errors == 0;
        pos->next_step++;
        pos->sweeps_in_step = 0;
        pos->step_seconds = 0.0;
        if ((pos->solved && p->stop_at_solution) || pos->next_step >= proto->count) pos->finished = 1;
        if (p->on_step) p->on_step(row, pos, p->user); /* pos is where a resume would start */
    }
    res->steps = pos->next_step;
    res->total_sweeps = pos->total_sweeps;
    int st = tcm_fbp_errors(g, &res->errors);
    res->solved = res->errors == 0;
    res->seconds = omp_get_wtime() - t0;
    return st;
}
