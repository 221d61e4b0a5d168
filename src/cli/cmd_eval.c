/* `tcmbp eval INSTANCE WEIGHTS`: evaluate a configuration (from any source
 * tcm_weights_load reads) on an instance: errors, error rate, stabilities;
 * optionally the errors on a test instance, the robustness curve to biased
 * input noise (Appendix F of the paper), and per-pattern outputs and
 * hidden fields in an HDF5 file. */
#include "cli.h"

#include "tcmbp/dataset.h"
#include "tcmbp/error.h"
#include "tcmbp/h5.h"
#include "tcmbp/instance.h"
#include "tcmbp/weights.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Everything one evaluation needs and produces (freed by eval_clear). */
typedef struct {
    tcm_instance *inst;
    tcm_weights *w;
    int8_t *outputs; /* M machine outputs (only with --outputs) */
    double *fields;  /* M x K hidden fields (only with --outputs) */
    tcm_eval ev;
    const char *test_path; /* --test, or NULL */
    tcm_instance *test;    /* the --test instance, or NULL */
    tcm_eval test_ev;
    cli_doubles noise;  /* --noise fractions (n = 0: no curve) */
    int draws;          /* --noise-draws */
    double acc[CLI_MAX_DOUBLES], acc_se[CLI_MAX_DOUBLES];
} eval_state;

/* Free the state's allocations (NULL-safe members). */
static void eval_clear(eval_state *e)
{
    tcm_instance_free(e->inst);
    tcm_instance_free(e->test);
    tcm_weights_free(e->w);
    free(e->outputs);
    free(e->fields);
}

/* Read the --test instance: it must be for the same machine (N, K, arch,
 * output rule) as the training instance. */
static int load_test(const cli_args *a, eval_state *e)
{
    int st = tcm_h5_read_instance(e->test_path, &e->test);
    if (st == TCM_OK)
        st = tcm_instance_validate(e->test);
    if (st != TCM_OK)
        return cli_fail(a, st, "--test %s", e->test_path);
    const tcm_instance *x = e->inst, *t = e->test;
    if (t->N != x->N || t->K != x->K || t->arch != x->arch || t->rule != x->rule) {
        cli_error(a->cmd, "--test %s is for another machine (N=%d K=%d %s) than %s (N=%d K=%d %s)", e->test_path, t->N,
                  t->K, tcm_arch_name(t->arch), a->pos[0], x->N, x->K, tcm_arch_name(x->arch));
        return CLI_EXIT_RUNTIME;
    }
    return CLI_EXIT_OK;
}

/* Read + validate the instance, load the weights with the given kind (or
 * the instance's default when kind_s is NULL), normalise continuous ones. */
static int load_inputs(const cli_args *a, eval_state *e, const char *kind_s)
{
    const char *ipath = a->pos[0], *wsrc = a->pos[1];
    tcm_weight_kind kind;
    int st = tcm_h5_read_instance(ipath, &e->inst); /* h5 messages name the file */
    if (st != TCM_OK)
        return cli_fail(a, st, NULL);
    if ((st = tcm_instance_validate(e->inst)) != TCM_OK)
        return cli_fail(a, st, "instance %s", ipath);
    kind = e->inst->kind;
    if (kind_s && tcm_weight_kind_parse(kind_s, &kind) != TCM_OK)
        return cli_usage(a, "--weights (--kind) must be continuous or binary (got '%s')", kind_s);
    if ((st = tcm_weights_load(&e->w, wsrc, e->inst->K, e->inst->n, kind)) != TCM_OK)
        return cli_fail(a, st, NULL); /* names the source */
    st = kind == TCM_WEIGHTS_CONTINUOUS ? tcm_weights_normalize(e->w) : tcm_weights_validate(e->w);
    if (st != TCM_OK)
        return cli_fail(a, st, "weights %s", wsrc);
    return e->test_path ? load_test(a, e) : CLI_EXIT_OK;
}

/* The robustness table /eval/robustness (eta, accuracy, accuracy_stderr;
 * attributes draws and seed). */
static int write_robustness(tcm_h5_out *o, const eval_state *e)
{
    static const char *const names[] = {"eta", "accuracy", "accuracy_stderr"};
    const double *cols[] = {e->noise.v, e->acc, e->acc_se};
    int st = tcm_h5_out_table(o, "/eval/robustness", 3, names, (size_t)e->noise.n, cols);
    if (st == TCM_OK)
        st = tcm_h5_out_attr_int(o, "/eval/robustness", "draws", e->draws);
    return st;
}

/* Write per-pattern results to path: /eval/outputs (M, int8: machine output,
 * 0 on a tie), /eval/fields (M x K hidden fields h_ka), /eval/wrong (M, int8:
 * 1 where the pattern is an error), with the summary as attributes of /eval. */
static int write_outputs(const cli_args *a, const eval_state *e, const char *path)
{
    const tcm_instance *in = e->inst;
    size_t dims[2] = {(size_t)in->M, (size_t)in->K};
    int8_t *wrong = malloc((size_t)in->M);
    tcm_h5_out *o = NULL;
    if (!wrong) {
        cli_error(a->cmd, "out of memory");
        return CLI_EXIT_RUNTIME;
    }
    for (int i = 0; i < in->M; i++)
        wrong[i] = e->outputs[i] != in->outputs[i];
    int st = tcm_h5_out_open(&o, path, "eval", a->force);
    if (st == TCM_OK)
        st = tcm_h5_out_group(o, "/eval");
    if (st == TCM_OK)
        st = tcm_h5_out_int8(o, "/eval/outputs", 1, dims, e->outputs);
    if (st == TCM_OK)
        st = tcm_h5_out_double(o, "/eval/fields", 2, dims, e->fields);
    if (st == TCM_OK)
        st = tcm_h5_out_int8(o, "/eval/wrong", 1, dims, wrong);
    if (st == TCM_OK)
        st = tcm_h5_out_attr_string(o, "/eval", "instance", a->pos[0]);
    if (st == TCM_OK)
        st = tcm_h5_out_attr_string(o, "/eval", "weights", a->pos[1]);
    if (st == TCM_OK)
        st = tcm_h5_out_attr_string(o, "/eval", "kind", tcm_weight_kind_name(e->w->kind));
    if (st == TCM_OK)
        st = tcm_h5_out_attr_string(o, "/eval", "output_rule", tcm_output_rule_name(e->inst->rule));
    if (st == TCM_OK)
        st = tcm_h5_out_attr_int(o, "/eval", "errors", e->ev.errors);
    if (st == TCM_OK)
        st = tcm_h5_out_attr_double(o, "/eval", "min_stability", e->ev.min_stability);
    if (st == TCM_OK)
        st = tcm_h5_out_attr_double(o, "/eval", "mean_stability", e->ev.mean_stability);
    if (st == TCM_OK && e->test)
        st = tcm_h5_out_attr_int(o, "/eval", "test_errors", e->test_ev.errors);
    if (st == TCM_OK && e->test)
        st = tcm_h5_out_attr_int(o, "/eval", "test_M", e->test_ev.M);
    if (st == TCM_OK && e->noise.n > 0)
        st = write_robustness(o, e);
    free(wrong);
    if (st != TCM_OK) {
        tcm_h5_out_abort(o);
        return cli_fail(a, st, NULL); /* h5 messages name the file */
    }
    st = tcm_h5_out_commit(o);
    return st == TCM_OK ? CLI_EXIT_OK : cli_fail(a, st, NULL);
}

/* Print the one-line summary of an evaluation. */
static int summary(const cli_args *a, const eval_state *e, const char *outputs)
{
    int cont = e->w->kind == TCM_WEIGHTS_CONTINUOUS;
    cli_summary s;
    cli_summary_begin(&s, a);
    cli_summary_str(&s, "status", e->ev.errors == 0 ? "solved" : "unsolved");
    cli_summary_str(&s, "instance", a->pos[0]);
    cli_summary_str(&s, "weights", a->pos[1]);
    cli_summary_str(&s, "kind", tcm_weight_kind_name(e->w->kind));
    cli_summary_str(&s, "output_rule", tcm_output_rule_name(e->inst->rule));
    cli_summary_str(&s, "normalized", cont ? "per_unit" : "none");
    cli_summary_int(&s, "M", e->ev.M);
    cli_summary_int(&s, "errors", e->ev.errors);
    cli_summary_double(&s, "error_rate", e->ev.error_rate);
    cli_summary_double(&s, "min_stability", e->ev.min_stability);
    cli_summary_double(&s, "mean_stability", e->ev.mean_stability);
    if (e->test) {
        cli_summary_str(&s, "test", e->test_path);
        cli_summary_int(&s, "test_M", e->test_ev.M);
        cli_summary_int(&s, "test_errors", e->test_ev.errors);
        cli_summary_double(&s, "test_error_rate", e->test_ev.error_rate);
    }
    if (e->noise.n > 0) {
        cli_summary_doubles(&s, "noise_eta", e->noise.n, e->noise.v);
        cli_summary_doubles(&s, "noise_accuracy", e->noise.n, e->acc);
        cli_summary_doubles(&s, "noise_accuracy_stderr", e->noise.n, e->acc_se);
        cli_summary_int(&s, "noise_draws", e->draws);
    }
    if (outputs)
        cli_summary_str(&s, "outputs", outputs);
    return cli_summary_end(&s);
}

/* Evaluate (and save per-pattern results if asked); exit code. */
static int run(const cli_args *a, eval_state *e, const char *outputs)
{
    if (outputs) {
        e->outputs = malloc((size_t)e->inst->M);
        e->fields = malloc(sizeof(double) * (size_t)e->inst->M * (size_t)e->inst->K);
        if (!e->outputs || !e->fields) {
            cli_error(a->cmd, "out of memory");
            return CLI_EXIT_RUNTIME;
        }
    }
    int st = tcm_weights_eval(e->w, e->inst, &e->ev, e->outputs, e->fields);
    if (st != TCM_OK)
        return cli_fail(a, st, "evaluating %s on %s", a->pos[1], a->pos[0]);
    if (e->test && (st = tcm_weights_eval(e->w, e->test, &e->test_ev, NULL, NULL)) != TCM_OK)
        return cli_fail(a, st, "evaluating %s on %s", a->pos[1], e->test_path);
    if (e->noise.n > 0 && (st = tcm_dataset_robustness(e->w, e->inst, e->noise.v, e->noise.n, e->draws, a->seed,
                                                       e->acc, e->acc_se)) != TCM_OK)
        return cli_fail(a, st, "robustness of %s on %s", a->pos[1], a->pos[0]);
    if (outputs) {
        int rc = write_outputs(a, e, outputs);
        if (rc != CLI_EXIT_OK)
            return rc;
    }
    return summary(a, e, outputs);
}

/* Entry point. */
int cmd_eval(int argc, char **argv)
{
    const char *kind = NULL, *weights = NULL, *outputs = NULL;
    eval_state e;
    memset(&e, 0, sizeof e);
    e.draws = 10;
    cli_option opts[] = {
        CLI_OPT("weights", 0, CLI_STRING, &weights, "continuous|binary",
                "read WEIGHTS as this kind (binary: entries must be +-1), as --weights of bp, volume "
                "and solve",
                "the instance's weight kind"),
        CLI_OPT("kind", 0, CLI_STRING, &kind, "continuous|binary", "the same as --weights", NULL),
        CLI_OPT("outputs", 0, CLI_STRING, &outputs, "FILE.h5",
                "also write per-pattern results: /eval/outputs, /eval/fields (M x K), /eval/wrong", NULL),
        CLI_OPT("test", 0, CLI_STRING, &e.test_path, "TEST.h5",
                "also count the errors on this test instance (same N, K, architecture)", NULL),
        CLI_OPT("noise", 0, CLI_DOUBLES, &e.noise, "ETA1,ETA2,...",
                "robustness curve: training accuracy when a fraction eta of each pattern's inputs is replaced by "
                "random +-1 values with each input's own bias over the instance (Appendix F of the paper)",
                NULL),
        CLI_OPT("noise-draws", 0, CLI_INT, &e.draws, "R", "noisy copies averaged per eta", "10"),
        CLI_END};
    cli_command cmd = {"eval", "[options] INSTANCE WEIGHTS",
                       "Evaluate a configuration on an instance: number of patterns the machine gets wrong "
                       "under the instance's output rule (ties and, for parity, zero fields count as errors), "
                       "error rate, and the minimum and mean stability over patterns a and units k: "
                       "sigma_a h_ka for the majority rule, sigma_a prod_{j!=k} sign(h_ja) h_ka (the field "
                       "times the sign the unit needs given the others) for parity, where h_ka = sum_i w_ki "
                       "xi_aki / sqrt(n). WEIGHTS is "
                       "FILE.h5 (its /weights), FILE.h5:/dataset (e.g. inst.h5:/teacher), FILE.npy, or a "
                       "whitespace/CSV text file, of shape K x n. Continuous weights are first normalised "
                       "per unit to |w_k|^2 = n (the summary says normalized=per_unit); binary ones must "
                       "be +-1.",
                       opts, 2, 2, "draws of --noise"};
    cli_args a;
    int rc = cli_parse(&cmd, &a, argc, argv);
    if (rc != CLI_CONTINUE)
        return rc;
    const cli_path paths[] = {{a.pos[0], CLI_PATH_INPUT, "INSTANCE"},
                              {a.pos[1], CLI_PATH_INPUT, "WEIGHTS"},
                              {e.test_path, CLI_PATH_INPUT, "--test"},
                              {outputs, CLI_PATH_OUTPUT, "--outputs"}};
    if ((rc = cli_check_paths(&a, paths, 4, 0)) != CLI_EXIT_OK)
        return rc;
    if (e.draws < 1)
        return cli_usage(&a, "--noise-draws must be >= 1 (got %d)", e.draws);
    for (int j = 0; j < e.noise.n; j++)
        if (!(e.noise.v[j] >= 0 && e.noise.v[j] <= 1))
            return cli_usage(&a, "--noise fractions must lie in [0, 1] (got %g)", e.noise.v[j]);
    if (kind && weights && strcmp(kind, weights) != 0)
        return cli_usage(&a, "--kind %s and --weights %s disagree", kind, weights);
    rc = load_inputs(&a, &e, weights ? weights : kind);
    if (rc == CLI_EXIT_OK)
        rc = run(&a, &e, outputs);
    eval_clear(&e);
    return rc;
}
