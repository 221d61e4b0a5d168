/* The AMP engines behind the engine interface (engine.h), one operations
 * table per weight kind over one state (amp.h; numerics in
 * engine_amp_sweep.c, equations in docs/AMP.md): the same thermodynamics,
 * errors, reference and focusing fields, result datasets as the BP engines,
 * so that bp, volume and solve run unchanged with either algorithm. */
#include "tcmbp/engine.h"
#include "engine_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcmbp/amp.h"
#include "tcmbp/bin.h"
#include "tcmbp/error.h"
#include "tcmbp/results.h"
#include "tcmbp/rng.h"
#include "tcmbp/special.h"

static tcm_amp *S(const tcm_engine *e) { return e->state; }

/* AMP has one schedule (all patterns from the same marginals); the cavity
 * and hidden modes of BP have no meaning here and are ignored. */
static int check_modes(const tcm_engine_modes *m)
{
    if (!(m->damping >= 0.0 && m->damping < 1.0))
        return TCM_ERROR(TCM_EINVAL, "damping must be in [0, 1), got %g", m->damping);
    if (m->schedule != TCM_SCHEDULE_PARALLEL)
        return TCM_ERROR(TCM_EINVAL, "the amp engine has the parallel schedule only");
    return TCM_OK;
}

static int prepare(tcm_engine *e, const tcm_engine_modes *m)
{
    (void)m;
    tcm_amp *s = S(e);
    tcm_amp_compose(s);
    if (s->needs_normalize) tcm_amp_normalize(s);
    return TCM_OK;
}

static int sweep(tcm_engine *e, const tcm_engine_modes *m, const tcm_protocol_step *focus, tcm_engine_change *c)
{
    tcm_amp *s = S(e);
    tcm_amp_sweep_params p = { m->damping, m->output, focus != NULL, focus ? focus->y : 1.0,
                               focus ? focus->coupling : 0.0 };
    if (p.focus && s->kind == TCM_WEIGHTS_CONTINUOUS && !(p.y >= 1.0 && p.coupling >= 0.0 && isfinite(p.coupling)))
        return TCM_ERROR(TCM_EINVAL, "focusing needs y >= 1 and a finite lambda >= 0, got y=%g lambda=%g", p.y,
                         p.coupling);
    if (p.focus && s->kind == TCM_WEIGHTS_BINARY && !(p.y >= 1.0 && p.coupling >= 0.0))
        return TCM_ERROR(TCM_EINVAL, "focusing needs y >= 1 and gamma >= 0, got y=%g gamma=%g", p.y, p.coupling);
    tcm_amp_change ac;
    int st = tcm_amp_sweep(s, &p, &ac);
    *c = (tcm_engine_change){ ac.messages, ac.norm, ac.focus, ac.nonfinite };
    return st;
}

/* EQUATIONS.md 1.4 / 2.3 with the free entropy of docs/AMP.md 3. */
static int thermo(tcm_engine *e, const tcm_engine_modes *m, tcm_engine_thermo *t)
{
    tcm_amp *s = S(e);
    if (s->kind == TCM_WEIGHTS_CONTINUOUS)
        for (size_t ki = 0; ki < s->nw; ki++)
            if (!(s->v[ki] > 0.0) || !isfinite(s->v[ki]))
                return TCM_ERROR(TCM_ENUMERIC, "weight (unit %d, input %d) has marginal variance %g: not a valid "
                                 "AMP state", (int)(ki / (size_t)s->n), (int)(ki % (size_t)s->n), s->v[ki]);
    tcm_amp_thermo at;
    int st = tcm_amp_thermo_compute(s, m->output, &at);
    if (st) return st;
    double lambda = s->wref ? s->lambda : 0.0;
    if (s->kind == TCM_WEIGHTS_BINARY) {
        double ov = s->wref ? at.ref : 0.0;
        *t = (tcm_engine_thermo){ at.phi, at.phi - lambda * at.ref, at.q, s->wref ? 0.5 * (1.0 - ov) : 0.0, NAN, ov };
    } else {
        double S0 = at.phi + 0.5 * (at.chibar + lambda) - lambda * at.ref - (TCM_LOG_SQRT2PI + 0.5);
        *t = (tcm_engine_thermo){ at.phi, S0, at.q, s->wref ? 0.5 * at.dist2 : 0.0, at.chibar, NAN };
    }
    return TCM_OK;
}

/* The configuration's values into w: the means (continuous, unnormalised:
 * the signs of the fields do not depend on a unit's scale) or sign(field). */
static void fill_configuration(const tcm_amp *s, double *w)
{
    for (size_t ki = 0; ki < s->nw; ki++)
        w[ki] = s->kind == TCM_WEIGHTS_BINARY ? (s->mu[ki] >= 0.0 ? 1.0 : -1.0) : s->m[ki];
}

static int errors(const tcm_engine *e, int *errors)
{
    tcm_amp *s = S(e);
    fill_configuration(s, s->conf);
    for (size_t ki = 0; ki < s->nw; ki++)
        if (!isfinite(s->conf[ki]))
            return TCM_ERROR(TCM_ENUMERIC, "mean of weight (unit %d, index %d) is %g, not finite",
                             (int)(ki / (size_t)s->n), (int)(ki % (size_t)s->n), s->conf[ki]);
    *errors = tcm_amp_errors(s, s->conf);
    return TCM_OK;
}

static int configuration(const tcm_engine *e, tcm_weights *w)
{
    fill_configuration(S(e), w->w);
    return S(e)->kind == TCM_WEIGHTS_BINARY ? TCM_OK : tcm_weights_normalize(w);
}

/* The reference is copied (continuous: assumed normalised per unit); wref
 * NULL keeps the attached one (none: no reference). */
static int set_reference(tcm_engine *e, const double *wref, double lambda)
{
    tcm_amp *s = S(e);
    s->needs_normalize = 1;
    if (!wref && !s->wref) { /* nothing attached: no reference (as BP) */
        s->lambda = 0.0;
        return TCM_OK;
    }
    if (!(lambda >= 0.0) || !isfinite(lambda))
        return TCM_ERROR(TCM_EINVAL, "reference coupling lambda must be finite and >= 0, got %g", lambda);
    if (wref && wref != s->wref) {
        if (!s->wref && !(s->wref = malloc(s->nw * sizeof(double))))
            return TCM_ERROR(TCM_ENOMEM, "out of memory for the reference");
        memcpy(s->wref, wref, s->nw * sizeof(double));
    }
    s->lambda = lambda;
    return TCM_OK;
}

static int enable_focusing(tcm_engine *e)
{
    tcm_amp *s = S(e);
    if (s->ustar) return TCM_OK;
    s->ustar = calloc(s->nw, sizeof(double));
    if (s->kind == TCM_WEIGHTS_CONTINUOUS) {
        s->vstar = calloc(s->nw, sizeof(double));
        s->chistar = malloc((size_t)s->K * sizeof(double));
    }
    if (!s->ustar || (s->kind == TCM_WEIGHTS_CONTINUOUS && (!s->vstar || !s->chistar))) {
        free(s->ustar), free(s->vstar), free(s->chistar);
        s->ustar = s->vstar = s->chistar = NULL;
        return TCM_ERROR(TCM_ENOMEM, "out of memory for the focusing fields");
    }
    for (int k = 0; s->chistar && k < s->K; k++) s->chistar[k] = 1.0;
    return TCM_OK;
}

/* g_out_ka = amplitude N(0,1)/sqrt(n) from stream a + 1 of seed, dg_out = 0. */
static void randomize(tcm_engine *e, double amplitude, uint64_t seed)
{
    tcm_amp *s = S(e);
    for (int a = 0; a < s->M; a++) {
        tcm_rng r;
        tcm_rng_init(&r, seed, (uint64_t)a + 1);
        for (int k = 0; k < s->K; k++) {
            size_t ak = (size_t)a * (size_t)s->K + (size_t)k;
            s->gout[ak] = amplitude * tcm_rng_normal(&r) / sqrt((double)s->n);
            s->dgout[ak] = 0.0;
        }
    }
    tcm_amp_rebuild(s);
    s->needs_normalize = 1;
}

static double s0_cont(double d) { return 0.5 * log(d * (2.0 - d)); }

static double norm_mean(const tcm_engine *e)
{
    const tcm_amp *s = S(e);
    if (s->kind == TCM_WEIGHTS_BINARY) return NAN;
    double t = 0.0;
    for (int k = 0; k < s->K; k++) t += s->chi[k];
    return t / s->K;
}

static const char *const step_names_cont[] = { "chi", "chistar" };

static int step_record_cont(tcm_engine *e, const tcm_engine_modes *m, const tcm_protocol_step *st, int record,
                            double *x)
{
    (void)m, (void)st, (void)record;
    const tcm_amp *s = S(e);
    x[0] = x[1] = 0.0;
    for (int k = 0; k < s->K; k++) {
        x[0] += s->chi[k] / s->K;
        x[1] += s->chistar ? s->chistar[k] / s->K : NAN;
    }
    return TCM_OK;
}

static const char *const step_names_bin[] = { "pol", "S", "q", "q_tilde", "F", "free_entropy", "sigma_int" };

/* The binary focusing record of EQUATIONS.md 4.4 without its free-entropy
 * columns (NaN: the replicated free entropy is not computed by AMP). */
static int step_record_bin(tcm_engine *e, const tcm_engine_modes *m, const tcm_protocol_step *st, int record,
                           double *x)
{
    (void)m;
    const tcm_amp *s = S(e);
    double gamma = st->coupling, y = st->y, pol = tanh(gamma), Sm = 0.0, q = 0.0, qt = 0.0;
    for (size_t ki = 0; record && ki < s->nw; ki++) {
        double hf = s->mu[ki] - (s->ustar ? s->ustar[ki] : 0.0), g1 = tcm_bin_mix(gamma, hf);
        double t = tanh(hf) * tanh((y - 1.0) * g1), mm = tanh(s->mu[ki]), c = tanh(y * g1);
        Sm += (pol + t) / (1.0 + pol * t);
        q += mm * mm;
        qt += c * c;
    }
    double nw = (double)s->nw, v[7] = { pol, Sm / nw, q / nw, qt / nw, NAN, NAN, NAN };
    for (int j = 1; !record && j < 4; j++) v[j] = NAN;
    memcpy(x, v, sizeof v);
    return TCM_OK;
}

static const char *const point_names_cont[] = { "chibar" };
static const char *const point_names_bin[] = { "overlap" };

static void point_record_cont(const tcm_engine_thermo *t, double *x) { x[0] = t->chibar; }
static void point_record_bin(const tcm_engine_thermo *t, double *x) { x[0] = t->overlap; }

/* The datasets BP writes: mean, variance, chi (continuous) or magnetization,
 * field (binary), K x n. */
static int write_marginals(const tcm_engine *e, tcm_h5_out *o, const char *group)
{
    const tcm_amp *s = S(e);
    char path[256];
    size_t dims[2] = { (size_t)s->K, (size_t)s->n }, kd[1] = { (size_t)s->K };
    if (s->kind == TCM_WEIGHTS_BINARY) {
        int st = tcm_h5_out_double(o, tcm_results_join(path, sizeof path, group, "magnetization"), 2, dims, s->m);
        return st ? st : tcm_h5_out_double(o, tcm_results_join(path, sizeof path, group, "field"), 2, dims, s->mu);
    }
    int st = tcm_h5_out_double(o, tcm_results_join(path, sizeof path, group, "mean"), 2, dims, s->m);
    if (!st) st = tcm_h5_out_double(o, tcm_results_join(path, sizeof path, group, "variance"), 2, dims, s->v);
    if (!st) st = tcm_h5_out_double(o, tcm_results_join(path, sizeof path, group, "chi"), 1, kd, s->chi);
    return st;
}

static int write_modes(const tcm_engine *e, const tcm_engine_modes *m, tcm_h5_out *o, const char *group)
{
    (void)e;
    int st = tcm_h5_out_attr_string(o, group, "engine", "amp");
    return st ? st : tcm_results_write_common_modes(o, group, m);
}

/* Group: amp_gout, amp_dgout (M x K), amp_A (K), amp_B (K x n), chi (K),
 * with focusing ustar (K x n) and, continuous, vstar, chistar; attributes
 * of the header, engine = "amp", lambda, needs_normalize. */
static int checkpoint_write(const tcm_engine *e, tcm_h5_out *o, const char *group)
{
    const tcm_amp *s = S(e);
    char p[256];
    size_t md[2] = { (size_t)s->M, (size_t)s->K }, wd[2] = { (size_t)s->K, (size_t)s->n }, kd[1] = { (size_t)s->K };
    int st = tcm_results_checkpoint_header(o, group, e);
    if (!st) st = tcm_h5_out_attr_string(o, group, "engine", "amp");
    if (!st) st = tcm_h5_out_double(o, tcm_results_join(p, sizeof p, group, "amp_gout"), 2, md, s->gout);
    if (!st) st = tcm_h5_out_double(o, tcm_results_join(p, sizeof p, group, "amp_dgout"), 2, md, s->dgout);
    if (!st) st = tcm_h5_out_double(o, tcm_results_join(p, sizeof p, group, "amp_A"), 1, kd, s->A);
    if (!st) st = tcm_h5_out_double(o, tcm_results_join(p, sizeof p, group, "amp_B"), 2, wd, s->B);
    if (!st) st = tcm_h5_out_double(o, tcm_results_join(p, sizeof p, group, "chi"), 1, kd, s->chi);
    if (!st && s->ustar) st = tcm_h5_out_double(o, tcm_results_join(p, sizeof p, group, "ustar"), 2, wd, s->ustar);
    if (!st && s->vstar) st = tcm_h5_out_double(o, tcm_results_join(p, sizeof p, group, "vstar"), 2, wd, s->vstar);
    if (!st && s->chistar)
        st = tcm_h5_out_double(o, tcm_results_join(p, sizeof p, group, "chistar"), 1, kd, s->chistar);
    if (!st) st = tcm_h5_out_attr_double(o, group, "lambda", s->lambda);
    if (!st) st = tcm_h5_out_attr_int(o, group, "needs_normalize", s->needs_normalize);
    return st;
}

/* The focusing fields of a checkpoint, when both the file and the state have them. */
static int read_focus(tcm_amp *s, const tcm_h5_in *in, const char *path, const char *group, int *all)
{
    char p[256];
    *all = 0;
    if (!s->ustar || !tcm_h5_in_has(in, tcm_results_join(p, sizeof p, group, "ustar"))) return TCM_OK;
    int st = tcm_results_read_exact(in, path, p, s->nw, s->ustar);
    if (!st && s->vstar) st = tcm_results_read_exact(in, path, tcm_results_join(p, sizeof p, group, "vstar"), s->nw, s->vstar);
    if (!st && s->chistar)
        st = tcm_results_read_exact(in, path, tcm_results_join(p, sizeof p, group, "chistar"), (size_t)s->K, s->chistar);
    *all = !st;
    return st;
}

/* Read what checkpoint_write wrote; a BP checkpoint is refused by name. */
static int checkpoint_read(tcm_engine *e, const char *path, const char *group, int resume)
{
    (void)resume;
    tcm_amp *s = S(e);
    tcm_h5_in *in = NULL;
    char p[256];
    int st = tcm_h5_in_open(&in, path);
    if (st) return st;
    int bp = !tcm_h5_in_has(in, tcm_results_join(p, sizeof p, group, "amp_gout")) &&
             (tcm_h5_in_has(in, tcm_results_join(p, sizeof p, group, "U")) ||
              tcm_h5_in_has(in, tcm_results_join(p, sizeof p, group, "f")));
    tcm_h5_in_close(in);
    if (bp) return TCM_ERROR(TCM_EFORMAT, "%s: %s holds BP messages, not AMP ones (use --engine bp)", path, group);
    if ((st = tcm_results_checkpoint_open(&in, path, group, e, "amp_gout", "U"))) return st;
    size_t mk = (size_t)s->M * (size_t)s->K, K = (size_t)s->K;
    st = tcm_results_read_exact(in, path, tcm_results_join(p, sizeof p, group, "amp_gout"), mk, s->gout);
    if (!st) st = tcm_results_read_exact(in, path, tcm_results_join(p, sizeof p, group, "amp_dgout"), mk, s->dgout);
    if (!st) st = tcm_results_read_exact(in, path, tcm_results_join(p, sizeof p, group, "amp_A"), K, s->A);
    if (!st) st = tcm_results_read_exact(in, path, tcm_results_join(p, sizeof p, group, "amp_B"), s->nw, s->B);
    if (!st) st = tcm_results_read_exact(in, path, tcm_results_join(p, sizeof p, group, "chi"), K, s->chi);
    int all = 0;
    int64_t nn = 1;
    if (!st) st = read_focus(s, in, path, group, &all);
    if (!st && all && tcm_h5_in_attr_int(in, group, "needs_normalize", &nn) != TCM_OK) nn = 1;
    if (!st) s->needs_normalize = all ? (int)nn : 1;
    tcm_h5_in_close(in);
    return st;
}

static void free_state(void *state) { tcm_amp_free(state); }

/* AMP sums a unit's inputs as a Gaussian always (its binary engine has no
 * exact hidden factor): like BP's CLT mode it needs n d (1 - d) >= 1 near
 * a reference (docs/EQUATIONS.md 8). */
static int point_reliable_bin(const tcm_engine *e, const tcm_engine_modes *m, double d)
{
    (void)m;
    return (double)e->n * d * (1.0 - d) >= 1.0;
}

const tcm_engine_ops tcm_engine_amp_cont_ops = {
    "continuous", "lambda", 0, check_modes, prepare, sweep, thermo, errors, configuration, set_reference,
    enable_focusing, randomize, s0_cont, norm_mean, step_names_cont, 2, step_record_cont, point_names_cont, 1,
    point_record_cont, write_marginals, write_modes, checkpoint_write, checkpoint_read, free_state, 1.0, NULL,
};

const tcm_engine_ops tcm_engine_amp_bin_ops = {
    "binary", "gamma", 1, check_modes, prepare, sweep, thermo, errors, configuration, set_reference,
    enable_focusing, randomize, tcm_bin_s0, norm_mean, step_names_bin, 7, step_record_bin, point_names_bin, 1,
    point_record_bin, write_marginals, write_modes, checkpoint_write, checkpoint_read, free_state, 2.0, point_reliable_bin,
};

void *tcm_engine_amp_cont_alloc(const tcm_instance *inst, int M, int nthreads)
{
    if (inst->n < 2) {
        TCM_ERROR(TCM_EINVAL, "continuous weights need at least 2 inputs per unit (n = %d)", inst->n);
        return NULL;
    }
    return tcm_amp_alloc(inst, TCM_WEIGHTS_CONTINUOUS, M, nthreads);
}

void *tcm_engine_amp_bin_alloc(const tcm_instance *inst, int M, int nthreads)
{
    return tcm_amp_alloc(inst, TCM_WEIGHTS_BINARY, M, nthreads);
}
