/* `tcmbp hessian INSTANCE WEIGHTS --beta B [-o OUT.h5]`: the spectrum of
 * the Hessian of the smoothed loss (mean square error, tanh(B x)
 * activations; docs/HESSIAN.md) at a configuration: the full spectrum
 * through LAPACK when the matrix is small enough, or the largest
 * eigenvalues by Lanczos on Hessian-vector products. */
#include "cli.h"

#include "tcmbp/error.h"
#include "tcmbp/h5.h"
#include "tcmbp/hessian.h"
#include "tcmbp/instance.h"
#include "tcmbp/spectrum.h"
#include "tcmbp/weights_load.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Largest K n for which --method auto takes the full spectrum. */
#define HESSIAN_AUTO_FULL_DIM 2000

typedef struct {
    const char *method, *out, *output_unit;
    double beta, tol;
    int top, steps;
} hessian_opts;

/* What a run produces (freed by the caller). */
typedef struct {
    tcm_instance *inst;
    tcm_weights *w;
    tcm_hessian *h;
    double *evals; /* full: dim ascending; lanczos: top descending */
    int nevals, full;
    tcm_lanczos_result lz;
    double grad_norm;
} hessian_run;

static void run_clear(hessian_run *r)
{
    tcm_hessian_free(r->h);
    tcm_weights_free(r->w);
    tcm_instance_free(r->inst);
    free(r->evals);
}

/* Load, normalise, and prepare the Hessian. */
static int load(const cli_args *a, const hessian_opts *o, hessian_run *r)
{
    int st = tcm_h5_read_instance(a->pos[0], &r->inst);
    if (st == TCM_OK)
        st = tcm_instance_validate(r->inst);
    if (st != TCM_OK)
        return cli_fail(a, st, "instance %s", a->pos[0]);
    st = tcm_weights_load(&r->w, a->pos[1], r->inst->K, r->inst->n, TCM_WEIGHTS_CONTINUOUS);
    if (st == TCM_OK)
        st = tcm_weights_normalize(r->w);
    if (st != TCM_OK)
        return cli_fail(a, st, NULL);
    tcm_hessian_output unit = strcmp(o->output_unit, "tanh") == 0 ? TCM_HESSIAN_OUTPUT_TANH : TCM_HESSIAN_OUTPUT_LINEAR;
    if (!(r->h = tcm_hessian_alloc(r->w, r->inst, o->beta, unit)))
        return cli_fail(a, tcm_last_error_code(), NULL);
    int dim = tcm_hessian_dim(r->h);
    double *g = malloc(sizeof(double) * (size_t)dim);
    if (!g) {
        cli_error(a->cmd, "out of memory");
        return CLI_EXIT_RUNTIME;
    }
    tcm_hessian_gradient(r->h, g);
    double s = 0;
    for (int j = 0; j < dim; j++)
        s += g[j] * g[j];
    r->grad_norm = sqrt(s);
    free(g);
    return CLI_EXIT_OK;
}

/* The spectrum: full (dense + dsyevd) or the top by Lanczos. */
static int spectrum(const cli_args *a, const hessian_opts *o, hessian_run *r)
{
    int dim = tcm_hessian_dim(r->h), st;
    r->full = strcmp(o->method, "full") == 0 || (strcmp(o->method, "auto") == 0 && dim <= HESSIAN_AUTO_FULL_DIM);
    if (r->full) {
        double *H = malloc(sizeof(double) * (size_t)dim * (size_t)dim);
        r->evals = malloc(sizeof(double) * (size_t)dim);
        if (!H || !r->evals) {
            free(H);
            cli_error(a->cmd, "out of memory for the %d x %d Hessian (try --method lanczos)", dim, dim);
            return CLI_EXIT_RUNTIME;
        }
        tcm_hessian_dense(r->h, H);
        st = tcm_spectrum_dense(dim, H, r->evals);
        free(H);
        r->nevals = dim;
        return st == TCM_OK ? CLI_EXIT_OK : cli_fail(a, st, NULL);
    }
    tcm_lanczos_params p = TCM_LANCZOS_PARAMS_INIT;
    p.nwant = o->top < dim ? o->top : dim;
    p.max_steps = o->steps;
    p.tol = o->tol;
    p.seed = a->seed;
    r->nevals = p.nwant;
    if (!(r->evals = malloc(sizeof(double) * (size_t)p.nwant))) {
        cli_error(a->cmd, "out of memory");
        return CLI_EXIT_RUNTIME;
    }
    st = tcm_spectrum_lanczos(dim, tcm_hessian_matvec, r->h, &p, r->evals, &r->lz);
    r->nevals = r->lz.found; /* fewer when the Krylov space closes early (low rank) */
    return st == TCM_OK ? CLI_EXIT_OK : cli_fail(a, st, NULL);
}

static double max_eig(const hessian_run *r) { return r->full ? r->evals[r->nevals - 1] : r->evals[0]; }

/* /hessian/eigenvalues (ascending for full, descending top values for
 * Lanczos) with the run's attributes. */
static int write_out(const cli_args *a, const hessian_opts *o, const hessian_run *r)
{
    tcm_h5_out *f = NULL;
    size_t dims[1] = {(size_t)r->nevals};
    int st = tcm_h5_out_open(&f, o->out, "hessian", a->force);
    if (st == TCM_OK)
        st = tcm_h5_out_group(f, "/hessian");
    if (st == TCM_OK)
        st = tcm_h5_out_double(f, "/hessian/eigenvalues", 1, dims, r->evals);
    const char *g = "/hessian";
    if (st == TCM_OK) st = tcm_h5_out_attr_string(f, g, "instance", a->pos[0]);
    if (st == TCM_OK) st = tcm_h5_out_attr_string(f, g, "weights", a->pos[1]);
    if (st == TCM_OK) st = tcm_h5_out_attr_string(f, g, "method", r->full ? "full" : "lanczos");
    if (st == TCM_OK) st = tcm_h5_out_attr_string(f, g, "order", r->full ? "ascending" : "descending");
    if (st == TCM_OK) st = tcm_h5_out_attr_string(f, g, "loss_kind", "mse_tanh");
    if (st == TCM_OK) st = tcm_h5_out_attr_string(f, g, "output_unit", o->output_unit);
    if (st == TCM_OK) st = tcm_h5_out_attr_double(f, g, "beta", o->beta);
    if (st == TCM_OK) st = tcm_h5_out_attr_double(f, g, "loss", tcm_hessian_loss(r->h));
    if (st == TCM_OK) st = tcm_h5_out_attr_double(f, g, "grad_norm", r->grad_norm);
    if (st == TCM_OK) st = tcm_h5_out_attr_double(f, g, "max_eigenvalue", max_eig(r));
    if (st == TCM_OK) st = tcm_h5_out_attr_int(f, g, "smooth_errors", tcm_hessian_errors(r->h));
    if (st == TCM_OK) st = tcm_h5_out_attr_int(f, g, "dim", tcm_hessian_dim(r->h));
    if (st == TCM_OK && !r->full) st = tcm_h5_out_attr_int(f, g, "lanczos_steps", r->lz.steps);
    if (st == TCM_OK && !r->full) st = tcm_h5_out_attr_int(f, g, "converged", r->lz.converged);
    if (st == TCM_OK && !r->full) st = tcm_h5_out_attr_double(f, g, "residual", r->lz.residual);
    if (st != TCM_OK) {
        tcm_h5_out_abort(f);
        return cli_fail(a, st, NULL);
    }
    st = tcm_h5_out_commit(f);
    return st == TCM_OK ? CLI_EXIT_OK : cli_fail(a, st, NULL);
}

static int summary(const cli_args *a, const hessian_opts *o, const hessian_run *r)
{
    cli_summary s;
    cli_summary_begin(&s, a);
    cli_summary_str(&s, "status", r->full || r->lz.converged ? "converged" : "not_converged");
    cli_summary_str(&s, "method", r->full ? "full" : "lanczos");
    cli_summary_double(&s, "beta", o->beta);
    cli_summary_str(&s, "output_unit", o->output_unit);
    cli_summary_int(&s, "dim", tcm_hessian_dim(r->h));
    cli_summary_double(&s, "max_eigenvalue", max_eig(r));
    if (r->full)
        cli_summary_double(&s, "min_eigenvalue", r->evals[0]);
    else {
        cli_summary_doubles(&s, "top_eigenvalues", r->nevals, r->evals);
        cli_summary_int(&s, "lanczos_steps", r->lz.steps);
        cli_summary_double(&s, "residual", r->lz.residual);
    }
    cli_summary_double(&s, "loss", tcm_hessian_loss(r->h));
    cli_summary_double(&s, "grad_norm", r->grad_norm);
    cli_summary_int(&s, "smooth_errors", tcm_hessian_errors(r->h));
    if (o->out)
        cli_summary_str(&s, "output", o->out);
    return cli_summary_end(&s);
}

int cmd_hessian(int argc, char **argv)
{
    hessian_opts o = {"auto", NULL, "linear", 0, 1e-8, 5, 300};
    cli_option opts[] = {
        CLI_OPT("beta", 0, CLI_DOUBLE, &o.beta, "B", "steepness of the tanh activations (> 0)", NULL),
        CLI_OPT("output-unit", 0, CLI_STRING, &o.output_unit, "linear|tanh",
                "the smoothed output: the mean vote (1/K) sum_k tanh(B h_k), or tanh(B K^(-1/2) sum_k tanh(B h_k))",
                "linear"),
        CLI_OPT("method", 0, CLI_STRING, &o.method, "auto|full|lanczos",
                "full: the whole spectrum (LAPACK dsyevd on the dense matrix, (K n)^2 doubles); lanczos: the "
                "largest eigenvalues from Hessian-vector products; auto: full when K n <= 2000",
                "auto"),
        CLI_OPT("top", 0, CLI_INT, &o.top, "T", "eigenvalues Lanczos computes (the largest)", "5"),
        CLI_OPT("lanczos-steps", 0, CLI_INT, &o.steps, "S", "Lanczos steps at most", "300"),
        CLI_OPT("tol", 0, CLI_DOUBLE, &o.tol, "TOL", "Lanczos stops when every wanted Ritz residual <= TOL times the largest |Ritz value|",
                "1e-8"),
        CLI_OPT("output", 'o', CLI_STRING, &o.out, "OUT.h5", "write /hessian/eigenvalues and the attributes", NULL),
        CLI_END};
    cli_command cmd = {"hessian", "[options] INSTANCE WEIGHTS --beta B",
                       "Eigenvalues of the Hessian, with respect to all K n weights, of the mean-square-error "
                       "loss of the committee machine with tanh(B x) activations, L = (1/2M) sum_a (o_a - "
                       "sigma_a)^2 with o_a = (1/K) sum_k tanh(B h_ak) (--output-unit linear) or tanh(B "
                       "K^(-1/2) sum_k tanh(B h_ak)) (tanh), h_ak = n^(-1/2) sum_i w_ki xi_aki "
                       "(docs/HESSIAN.md), at WEIGHTS normalised per unit to |w_k|^2 = n. smooth_errors counts "
                       "the patterns with sigma_a sum_k tanh(B h_ak) <= 0.",
                       opts, 2, 2, "Lanczos start vector"};
    CLI_PARSE_OR_RETURN(cmd, a, rc, argc, argv);
    if (!cli_given(&cmd, "beta") || !(o.beta > 0))
        return cli_usage(&a, "--beta B (> 0) is required");
    if (strcmp(o.output_unit, "linear") && strcmp(o.output_unit, "tanh"))
        return cli_usage(&a, "--output-unit must be linear or tanh (got '%s')", o.output_unit);
    if (strcmp(o.method, "auto") && strcmp(o.method, "full") && strcmp(o.method, "lanczos"))
        return cli_usage(&a, "--method must be auto, full or lanczos (got '%s')", o.method);
    if (o.top < 1 || o.steps < 1 || !(o.tol >= 0))
        return cli_usage(&a, "--top and --lanczos-steps must be >= 1 and --tol >= 0");
    const cli_path paths[] = {{a.pos[0], CLI_PATH_INPUT, "INSTANCE"},
                              {a.pos[1], CLI_PATH_INPUT, "WEIGHTS"},
                              {o.out, CLI_PATH_OUTPUT, "-o"}};
    if ((rc = cli_check_paths(&a, paths, 3, 0)) != CLI_EXIT_OK)
        return rc;
    hessian_run r;
    memset(&r, 0, sizeof r);
    rc = load(&a, &o, &r);
    if (rc == CLI_EXIT_OK)
        rc = spectrum(&a, &o, &r);
    if (rc == CLI_EXIT_OK && o.out)
        rc = write_out(&a, &o, &r);
    if (rc == CLI_EXIT_OK)
        rc = summary(&a, &o, &r);
    run_clear(&r);
    return rc;
}
