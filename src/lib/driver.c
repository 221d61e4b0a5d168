/* Plain BP, the local-volume ladder and focusing BP over any engine
 * (driver.h): one stop rule, one resumable position. */
#include "tcmbp/driver.h"

#include <math.h>
#include <omp.h>
#include <string.h>

#include "tcmbp/error.h"
#include "tcmbp/limit.h"

const char *tcm_bp_status_name(int s)
{
    switch (s) {
    case TCM_BP_CONVERGED: return "converged";
    case TCM_BP_NOT_CONVERGED: return "not_converged";
    case TCM_BP_NONFINITE: return "nonfinite";
    case TCM_BP_TIMEOUT: return "timeout";
    case TCM_BP_INTERRUPTED: return "interrupted";
    case TCM_FOCUS_STEP_SOLVED: return "solved";
    case TCM_BP_INVALID: return "invalid";
    }
    return "unknown";
}

int tcm_run_params_check(const tcm_engine *e, const tcm_run_params *p)
{
    if (!(p->tol > 0.0)) return TCM_ERROR(TCM_EINVAL, "tolerance must be > 0, got %g", p->tol);
    if (p->max_sweeps < 0) return TCM_ERROR(TCM_EINVAL, "max sweeps must be >= 0, got %d", p->max_sweeps);
    if (!(p->max_seconds >= 0.0)) return TCM_ERROR(TCM_EINVAL, "max seconds must be >= 0, got %g", p->max_seconds);
    if (p->retries < 0) return TCM_ERROR(TCM_EINVAL, "retries must be >= 0, got %d", p->retries);
    return e->ops->check_modes(&p->modes);
}

int tcm_driver_iterate(tcm_engine *e, const tcm_run_params *p, const tcm_protocol_step *focus, tcm_sweep_hook hook,
                       void *ctx, tcm_bp_result *r)
{
    int st = tcm_run_params_check(e, p);
    if (!st) st = e->ops->prepare(e, &p->modes);
    if (st) return st;
    double t0 = omp_get_wtime();
    r->status = TCM_BP_NOT_CONVERGED;
    r->sweeps = 0;
    r->nonfinite_sweep = 0;
    r->change = r->norm_change = INFINITY;
    while (r->sweeps < p->max_sweeps) {
        tcm_engine_change c;
        if ((st = e->ops->sweep(e, &p->modes, focus, &c))) return st;
        r->sweeps++;
        r->change = fmax(c.messages, c.focus);
        r->norm_change = c.norm;
        r->seconds = omp_get_wtime() - t0;
        if (c.nonfinite > 0) {
            r->status = TCM_BP_NONFINITE;
            r->nonfinite_sweep = r->sweeps;
            break;
        }
        tcm_progress pr = { r->sweeps, r->change, r->norm_change, e->ops->norm_mean(e), r->seconds };
        int converged = fmax(r->change, r->norm_change) <= p->tol;
        /* the run ends at this sweep anyway: no user stop here (a resume would have no sweep left) */
        int last = converged || r->sweeps >= p->max_sweeps;
        if (hook && hook(e, &pr, last, ctx)) {
            r->status = TCM_BP_INTERRUPTED;
            break;
        }
        if (converged) {
            r->status = TCM_BP_CONVERGED;
            break;
        }
        if (!last && p->progress && p->progress(&pr, p->user)) {
            r->status = TCM_BP_INTERRUPTED;
            break;
        }
        if (p->max_seconds > 0 && r->seconds >= p->max_seconds) {
            r->status = TCM_BP_TIMEOUT;
            break;
        }
    }
    r->seconds = omp_get_wtime() - t0;
    return TCM_OK;
}

int tcm_driver_measure(tcm_engine *e, const tcm_run_params *p, tcm_bp_result *r)
{
    int st = e->ops->thermo(e, &p->modes, &r->thermo);
    if (st == TCM_ENUMERIC) { /* not a number a user may read: the status says so */
        r->status = TCM_BP_INVALID;
        r->thermo = (tcm_engine_thermo){ NAN, NAN, NAN, NAN, NAN, NAN };
        st = TCM_OK;
    }
    if (!st) st = e->M > 0 ? e->ops->errors(e, &r->errors) : (r->errors = 0, TCM_OK);
    return st;
}

double tcm_run_retry_damping(double damping, int round)
{
    return round == 0 ? damping : 1.0 - (1.0 - damping) * ldexp(1.0, -round);
}

/* The run's progress callback, told the sweeps of the whole run (earlier
 * rounds and resumed pieces included) rather than of one iteration. */
typedef struct {
    tcm_progress_fn fn;
    void *user;
    int before;
} progress_offset;

static int offset_progress(const tcm_progress *pr, void *user)
{
    const progress_offset *o = user;
    tcm_progress local = *pr;
    local.sweep += o->before;
    return o->fn(&local, o->user);
}

/* Iterate with the retries of p (no focusing, no hook): from *done sweeps
 * already made in this run, max_sweeps at the run's damping, then up to
 * p->retries more rounds of max_sweeps at the retry dampings, while the
 * budget of a round runs out without convergence (oscillating messages
 * often settle with more damping). The round follows from *done, so a
 * resumed run continues in its round. Adds the sweeps and seconds to *done
 * and *seconds; r describes the last piece, *damping its damping. */
static int iterate_retrying(tcm_engine *e, const tcm_run_params *p, int *done, double *seconds, tcm_bp_result *r,
                            double *damping)
{
    double spent = 0.0; /* seconds of this call: max_seconds bounds all rounds together */
    for (;;) {
        int round = p->max_sweeps > 0 ? *done / p->max_sweeps : 0;
        round = round > p->retries ? p->retries : round;
        tcm_run_params rp = *p;
        rp.modes.damping = tcm_run_retry_damping(p->modes.damping, round);
        rp.max_sweeps = p->max_sweeps * (round + 1) - *done;
        if (rp.max_sweeps < 0) rp.max_sweeps = 0;
        if (p->max_seconds > 0) rp.max_seconds = fmax(p->max_seconds - spent, 1e-9);
        *damping = rp.modes.damping;
        progress_offset po = { p->progress, p->user, *done };
        if (p->progress) rp.progress = offset_progress, rp.user = &po;
        memset(r, 0, sizeof *r);
        int st = tcm_driver_iterate(e, &rp, NULL, NULL, NULL, r);
        if (st) return st;
        *done += r->sweeps;
        *seconds += r->seconds;
        spent += r->seconds;
        if (r->status != TCM_BP_NOT_CONVERGED || round >= p->retries || rp.max_sweeps == 0) return TCM_OK;
    }
}

int tcm_driver_bp(tcm_engine *e, const tcm_run_params *p, tcm_bp_result *r)
{
    int done = 0;
    double seconds = 0.0, damping;
    int st = iterate_retrying(e, p, &done, &seconds, r, &damping);
    r->sweeps = done;
    r->seconds = seconds;
    return st ? st : tcm_driver_measure(e, p, r);
}

/* ---- local volume ---------------------------------------------------------- */

int tcm_volume_ladder(double *lambdas, int count, double lo, double hi)
{
    if (count < 1) return TCM_ERROR(TCM_EINVAL, "a lambda ladder needs at least one step, got %d", count);
    if (!(lo > 0.0) || !isfinite(hi) || (count > 1 && !(hi > lo)))
        return TCM_ERROR(TCM_EINVAL, "lambda ladder needs 0 < min < max, got %g and %g", lo, hi);
    for (int j = 0; j < count; j++)
        lambdas[j] = count == 1 ? lo : lo * pow(hi / lo, (double)j / (count - 1));
    return TCM_OK;
}

static int check_ladder(const double *wref, const double *lambdas, int count, const tcm_run_position *pos)
{
    if (count < 1 || !wref) return TCM_ERROR(TCM_EINVAL, "a volume ladder needs a reference and at least one lambda");
    for (int j = 0; j < count; j++)
        if (!(lambdas[j] >= 0.0) || !isfinite(lambdas[j]))
            return TCM_ERROR(TCM_EINVAL, "lambda must be finite and >= 0, got %g at position %d", lambdas[j], j + 1);
    if (pos->next_step < 0 || pos->next_step > count)
        return TCM_ERROR(TCM_EINVAL, "resume position %d outside the ladder's %d points", pos->next_step, count);
    return TCM_OK;
}

int tcm_driver_volume_restore(tcm_engine *e, const double *wref, const double *lambdas, int count,
                              const tcm_run_position *pos)
{
    int st = check_ladder(wref, lambdas, count, pos);
    if (st) return st;
    int j = pos->next_step < count ? pos->next_step : count - 1;
    return e->ops->set_reference(e, wref, lambdas[j]);
}

/* Fill pt from the iteration r at coupling lambda (thermodynamics measured here). */
static int volume_point(tcm_engine *e, const tcm_run_params *p, const double *wref, double lambda, tcm_bp_result *r,
                        tcm_volume_point *pt)
{
    int st = tcm_driver_measure(e, p, r);
    if (st) return st;
    const tcm_engine_thermo *t = &r->thermo;
    memset(pt, 0, sizeof *pt);
    pt->lambda = lambda;
    pt->distance = t->distance;
    pt->entropy = t->entropy;
    pt->s0 = e->ops->s0(t->distance);
    pt->local_entropy = t->entropy - pt->s0;
    pt->q = t->q;
    pt->status = r->status;
    pt->converged = r->status == TCM_BP_CONVERGED;
    pt->valid = pt->converged && isfinite(pt->distance) && isfinite(pt->entropy) && isfinite(pt->local_entropy);
    pt->reliable = !e->ops->point_reliable || e->ops->point_reliable(e, &p->modes, t->distance);
    pt->valid = pt->valid && pt->reliable;
    pt->sweeps = r->sweeps;
    pt->change = r->change;
    pt->seconds = r->seconds;
    pt->legendre = NAN;
    /* The small-distance limit at this distance, from the instance and the reference alone. */
    tcm_weights ref = { e->K, e->n, e->kind, (double *)wref };
    if (tcm_limit_local_entropy(&ref, e->inst, t->distance, &pt->limit) != TCM_OK) pt->limit = NAN;
    for (int x = 0; x < TCM_ENGINE_MAX_EXTRAS; x++) pt->extra[x] = NAN;
    e->ops->point_record(t, pt->extra);
    return TCM_OK;
}

/* Slope of S - S0 in d at a stationary point: c lambda - S0'(d) (S0' by a
 * central difference of the engine's closed form, relative step 1e-6). */
static double local_entropy_slope(const tcm_engine *e, const tcm_volume_point *pt)
{
    double h = 1e-6 * pt->distance;
    double ds0 = (e->ops->s0(pt->distance + h) - e->ops->s0(pt->distance - h)) / (2.0 * h);
    return e->ops->legendre_factor * pt->lambda - ds0;
}

/* The Legendre check between neighbouring points a and b (driver.h
 * `legendre`): NaN unless both are valid at distinct positive distances. */
static double legendre_residual(const tcm_engine *e, const tcm_volume_point *a, const tcm_volume_point *b)
{
    if (!a->valid || !b->valid || !(a->distance > 0.0) || !(b->distance > 0.0) || a->distance == b->distance)
        return NAN;
    double trapezoid = 0.5 * (local_entropy_slope(e, a) + local_entropy_slope(e, b)) * (b->distance - a->distance);
    return (b->local_entropy - a->local_entropy) - trapezoid;
}

int tcm_volume_stopped(const tcm_run_position *pos, int count)
{
    return pos->finished && pos->next_step < count;
}

/* S and d of the current state (NaN where its thermodynamics are not numbers). */
static int current_entropy_distance(tcm_engine *e, const tcm_run_params *p, double *entropy, double *distance)
{
    tcm_engine_thermo t;
    int st = e->ops->thermo(e, &p->modes, &t);
    if (st == TCM_ENUMERIC) t.entropy = t.distance = NAN, st = TCM_OK;
    *entropy = t.entropy;
    *distance = t.distance;
    return st;
}

/* The stability check of the point pos->next_step (driver.h `stable`): from
 * the state converged at tol, sweeps to tol / stability at the damping it
 * converged with, at most max_sweeps; r is the check's iteration, with the
 * status of the point (converged) kept in *tight_status. Resumable: the
 * position holds where the check started and the values at tol. */
static int stability_sweeps(tcm_engine *e, const tcm_volume_params *p, tcm_run_position *pos, tcm_bp_result *r,
                            int *tight_status, double *damping)
{
    const tcm_run_params *run = &p->run;
    int round = run->max_sweeps > 0 ? (pos->check_start - 1) / run->max_sweeps : 0;
    tcm_run_params rp = *run;
    rp.tol = run->tol / p->stability;
    rp.modes.damping = *damping = tcm_run_retry_damping(run->modes.damping, round > run->retries ? run->retries : round);
    rp.max_sweeps = run->max_sweeps - (pos->sweeps_in_step - pos->check_start);
    if (rp.max_sweeps < 0) rp.max_sweeps = 0;
    if (run->max_seconds > 0) rp.max_seconds = fmax(run->max_seconds - pos->step_seconds, 1e-9);
    progress_offset po = { run->progress, run->user, pos->sweeps_in_step };
    if (run->progress) rp.progress = offset_progress, rp.user = &po;
    memset(r, 0, sizeof *r);
    int st = tcm_driver_iterate(e, &rp, NULL, NULL, NULL, r);
    if (st) return st;
    pos->sweeps_in_step += r->sweeps;
    pos->step_seconds += r->seconds;
    pos->total_sweeps += r->sweeps;
    *tight_status = r->status;
    if (r->status != TCM_BP_INTERRUPTED) r->status = TCM_BP_CONVERGED; /* at tol, which the point is about */
    return TCM_OK;
}

/* Iterate point pos->next_step to tol (with the retries), then, when it
 * converged and the check is on, mark the check begun and run it. r: the
 * last iteration (status INTERRUPTED: stopped mid-point, resumable). */
static int iterate_point(tcm_engine *e, const tcm_volume_params *p, tcm_run_position *pos, tcm_bp_result *r,
                         int *tight_status, double *damping)
{
    int st;
    *tight_status = -1;
    if (!pos->check) {
        int before = pos->sweeps_in_step;
        if ((st = iterate_retrying(e, &p->run, &pos->sweeps_in_step, &pos->step_seconds, r, damping))) return st;
        pos->total_sweeps += pos->sweeps_in_step - before;
        if (r->status != TCM_BP_CONVERGED || !(p->stability > 0.0)) return TCM_OK;
        pos->check = 1;
        pos->check_start = pos->sweeps_in_step;
        if ((st = current_entropy_distance(e, &p->run, &pos->check_entropy, &pos->check_distance))) return st;
    }
    return stability_sweeps(e, p, pos, r, tight_status, damping);
}

/* The check's columns of pt (after volume_point) and its part of `valid`. */
static void stability_record(const tcm_volume_params *p, const tcm_run_position *pos, int tight_status,
                             tcm_volume_point *pt)
{
    pt->drift_entropy = pt->drift_distance = NAN;
    pt->stable = pt->converged;
    pt->check_sweeps = 0;
    if (!pos->check) return;
    pt->drift_entropy = fabs(pt->entropy - pos->check_entropy);
    double dd = fabs(pt->distance - pos->check_distance);
    pt->drift_distance = pt->distance > 0.0 ? dd / pt->distance : dd; /* d = 0 (binary, large lambda): absolute */
    pt->check_sweeps = pos->sweeps_in_step - pos->check_start;
    pt->stable = pt->converged && tight_status == TCM_BP_CONVERGED && pt->drift_entropy <= p->drift_max &&
                 pt->drift_distance <= p->drift_max;
    pt->valid = pt->valid && pt->stable;
}

static int check_stability(const tcm_volume_params *p)
{
    if (p->stability != 0.0 && !(p->stability > 1.0 && isfinite(p->stability)))
        return TCM_ERROR(TCM_EINVAL, "the stability factor must be 0 (no check) or > 1, got %g", p->stability);
    if (!(p->drift_max >= 0.0)) return TCM_ERROR(TCM_EINVAL, "the largest drift must be >= 0, got %g", p->drift_max);
    return TCM_OK;
}

int tcm_driver_volume(tcm_engine *e, const double *wref, const double *lambdas, int count,
                      const tcm_volume_params *p, tcm_run_position *pos, tcm_volume_point *points)
{
    int st = check_ladder(wref, lambdas, count, pos);
    if (!st) st = tcm_run_params_check(e, &p->run);
    if (!st) st = check_stability(p);
    if (st) return st;
    while (!pos->finished && pos->next_step < count) {
        int j = pos->next_step;
        /* A continued point has its state, reference included, restored. */
        if (pos->sweeps_in_step == 0 && (st = e->ops->set_reference(e, wref, lambdas[j]))) return st;
        tcm_bp_result r;
        int tight_status;
        double damping;
        if ((st = iterate_point(e, p, pos, &r, &tight_status, &damping))) return st;
        if (r.status == TCM_BP_INTERRUPTED) return TCM_OK; /* mid-point: resumable */
        r.sweeps = pos->sweeps_in_step;
        r.seconds = pos->step_seconds;
        if ((st = volume_point(e, &p->run, wref, lambdas[j], &r, &points[j]))) return st;
        stability_record(p, pos, tight_status, &points[j]);
        points[j].damping = damping;
        if (j > 0) points[j].legendre = legendre_residual(e, &points[j - 1], &points[j]);
        pos->next_step = j + 1;
        pos->sweeps_in_step = 0;
        pos->step_seconds = 0.0;
        pos->check = pos->check_start = 0;
        pos->check_entropy = pos->check_distance = 0.0;
        pos->finished = pos->next_step >= count || (!p->keep_going && !points[j].converged);
        int stop = p->on_point && p->on_point(&points[j], j, count, p->user);
        if (p->on_position) p->on_position(pos, points, p->user);
        if (stop) break;
    }
    return TCM_OK;
}

/* ---- focusing ----------------------------------------------------------------- */

static int check_protocol(const tcm_engine *e, const tcm_protocol *proto, const tcm_run_position *pos)
{
    if (!proto || proto->count < 1) return TCM_ERROR(TCM_EINVAL, "a focusing protocol needs at least one step");
    for (int s = 0; s < proto->count; s++) {
        const tcm_protocol_step *ps = &proto->steps[s];
        int coupling_ok = ps->coupling >= 0.0 && (isfinite(ps->coupling) || e->ops->allows_infinite_coupling);
        if (!coupling_ok || !(ps->y >= 1.0) || !isfinite(ps->y))
            return TCM_ERROR(TCM_EINVAL, "protocol step %d: need %s %s>= 0 and finite y >= 1, got %g:%g", s + 1,
                             e->ops->coupling_name, e->ops->allows_infinite_coupling ? "" : "finite ", ps->coupling,
                             ps->y);
    }
    if (pos->next_step < 0 || pos->next_step > proto->count)
        return TCM_ERROR(TCM_EINVAL, "resume position %d outside the protocol's %d steps", pos->next_step, proto->count);
    return TCM_OK;
}

/* State shared with the per-sweep hook of one step. */
typedef struct {
    const tcm_focus_params *p;
    int step;
    int sweeps_before;     /* sweeps of this step done by earlier (interrupted) pieces */
    double seconds_before; /* their seconds */
    int errors;
    int solved;       /* the configuration became a solution at this sweep */
    int stopped;      /* the user callback asked to stop */
    int status;       /* error status of the error count, if any */
} step_ctx;

/* After each sweep: count errors (stop at a solution), then ask the user callback. */
static int after_sweep(tcm_engine *e, const tcm_progress *pr, int last, void *user)
{
    step_ctx *c = user;
    int st = e->ops->errors(e, &c->errors);
    if (st) {
        c->status = st;
        return 1;
    }
    if (c->errors == 0 && c->p->stop_at_solution) {
        c->solved = 1;
        return 1;
    }
    tcm_progress local = *pr;
    local.sweep += c->sweeps_before;
    local.seconds += c->seconds_before;
    if (!last && c->p->on_sweep && c->p->on_sweep(&local, c->step, c->errors, c->p->user)) {
        c->stopped = 1;
        return 1;
    }
    return 0;
}

/* Run (the rest of) step pos->next_step; fills the row when the step completes. */
static int run_step(tcm_engine *e, const tcm_protocol *proto, const tcm_focus_params *p, tcm_run_position *pos,
                    tcm_focus_step *row, step_ctx *ctx)
{
    const tcm_protocol_step *s = &proto->steps[pos->next_step];
    *ctx = (step_ctx){ p, pos->next_step, pos->sweeps_in_step, pos->step_seconds, -1, 0, 0, TCM_OK };
    tcm_run_params rp = p->run;
    rp.max_sweeps = p->run.max_sweeps - pos->sweeps_in_step;
    rp.progress = NULL; /* the hook reports every sweep */
    tcm_bp_result r;
    memset(&r, 0, sizeof r);
    int st = tcm_driver_iterate(e, &rp, s, after_sweep, ctx, &r);
    if (st) return st;
    if (ctx->status) return ctx->status;
    pos->sweeps_in_step += r.sweeps;
    pos->step_seconds += r.seconds;
    pos->total_sweeps += r.sweeps;
    if (ctx->stopped) return TCM_OK; /* interrupted mid-step: the row is not final */
    if (ctx->errors < 0 && (st = e->ops->errors(e, &ctx->errors))) return st;
    memset(row, 0, sizeof *row);
    *row = (tcm_focus_step){ pos->next_step, s->coupling, s->y, pos->sweeps_in_step,
                             ctx->solved ? TCM_FOCUS_STEP_SOLVED : (int)r.status, r.status == TCM_BP_CONVERGED,
                             r.change, ctx->errors, pos->step_seconds, { 0 } };
    for (int x = 0; x < TCM_ENGINE_MAX_EXTRAS; x++) row->extra[x] = NAN;
    return e->ops->step_record(e, &p->run.modes, s, p->record, row->extra);
}

/* Before the first step: a state that already solves the instance ends the
 * run. A resumed run that had already finished runs no step, so its derived
 * state (marginals, focusing fields) is rebuilt here from the restored
 * messages, for the configuration and the error count it reports. */
static int check_initial(tcm_engine *e, const tcm_focus_params *p, tcm_run_position *pos)
{
    if (pos->finished) return e->ops->prepare(e, &p->run.modes);
    if (pos->next_step > 0 || pos->sweeps_in_step > 0 || !p->stop_at_solution) return TCM_OK;
    int errors, st = e->ops->prepare(e, &p->run.modes);
    if (!st) st = e->M > 0 ? e->ops->errors(e, &errors) : (errors = 0, TCM_OK);
    if (!st && errors == 0) pos->finished = pos->solved = 1;
    return st;
}

int tcm_driver_focus(tcm_engine *e, const tcm_protocol *proto, const tcm_focus_params *p, tcm_run_position *pos,
                     tcm_focus_step *history, tcm_focus_result *res)
{
    double t0 = omp_get_wtime();
    memset(res, 0, sizeof *res);
    int st = check_protocol(e, proto, pos);
    if (!st) st = tcm_run_params_check(e, &p->run);
    if (!st) st = e->ops->enable_focusing(e);
    if (!st) st = check_initial(e, p, pos);
    if (st) return st;
    while (!pos->finished && pos->next_step < proto->count) {
        step_ctx ctx;
        if ((st = run_step(e, proto, p, pos, &history[pos->next_step], &ctx))) return st;
        if (ctx.stopped) {
            res->interrupted = 1;
            break;
        }
        const tcm_focus_step *row = &history[pos->next_step];
        pos->solved = ctx.errors == 0;
        pos->next_step++;
        pos->sweeps_in_step = 0;
        pos->step_seconds = 0.0;
        if ((pos->solved && p->stop_at_solution) || pos->next_step >= proto->count) pos->finished = 1;
        /* pos is where a resume would start; a stop asked here is an interruption
         * only if something is left to run */
        if (p->on_step && p->on_step(row, pos, p->user) && !pos->finished) {
            res->interrupted = 1;
            break;
        }
    }
    res->steps = pos->next_step;
    res->total_sweeps = pos->total_sweeps;
    st = e->M > 0 ? e->ops->errors(e, &res->errors) : TCM_OK;
    res->solved = res->errors == 0;
    res->seconds = omp_get_wtime() - t0;
    return st;
}
