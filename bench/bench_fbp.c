/* Time to solution of continuous focusing BP (issue 9): K = 3, N = 999,
 * alpha = 2.0 by default, the paper's protocol and the library's default
 * parameters (exact cavity, damping 0.5), as `tcmbp solve` runs it: read the
 * instance file, solve, write the solution file. Prints one key=value line
 * per seed: solved, sweeps, seconds, and the share of time in each phase
 * (factor updates, marginals, normalisation and focusing, error checks, file
 * I/O, the rest: allocation and driver), from the graph's phase clocks. The
 * solver runs through the engine interface (tcm_driver_focus), as the CLI.
 * usage: bench_fbp [--N N] [--K K] [--alpha A] [--seed S] [--seeds COUNT]
 *                  [--threads T] [--cavity exact|fast] [--dir TMPDIR] */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcmbp/driver.h"
#include "tcmbp/error.h"
#include "tcmbp/h5.h"
#include "tcmbp/results.h"
#include "tcmbp/table.h"

typedef struct {
    int N, K, seed, seeds, threads;
    double alpha;
    const char *cavity, *dir;
} fbp_opts;

/* Parse --key value pairs; nonzero on an unknown option. */
static int parse(int argc, char **argv, fbp_opts *o)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--N")) o->N = atoi(v);
        else if (!strcmp(k, "--K")) o->K = atoi(v);
        else if (!strcmp(k, "--alpha")) o->alpha = atof(v);
        else if (!strcmp(k, "--seed")) o->seed = atoi(v);
        else if (!strcmp(k, "--seeds")) o->seeds = atoi(v);
        else if (!strcmp(k, "--threads")) o->threads = atoi(v);
        else if (!strcmp(k, "--cavity")) o->cavity = v;
        else if (!strcmp(k, "--dir")) o->dir = v;
        else return fprintf(stderr, "bench_fbp: unknown option %s\n", k), 1;
    }
    return 0;
}

/* The solution file as `tcmbp solve` writes it: normalised means, history. */
static int write_solution(const char *path, const tcm_engine *e, const tcm_focus_step *hist, int steps)
{
    tcm_weights *w = tcm_engine_weights(e);
    if (!w) return tcm_last_error_code();
    tcm_table t;
    tcm_results_history_table(e, &t);
    tcm_h5_out *h = NULL;
    int st = tcm_h5_out_open(&h, path, "solve", 1);
    if (!st) st = tcm_h5_out_weights(h, w);
    if (!st) st = tcm_table_write_h5(&t, h, "/solve/history", hist, (size_t)steps);
    tcm_weights_free(w);
    if (st) {
        tcm_h5_out_abort(h);
        return st;
    }
    return tcm_h5_out_commit(h);
}

/* Solve one instance (file inst_path) and print its line. */
static int run_one(const fbp_opts *o, int seed, const char *inst_path, const char *sol_path)
{
    double t0 = omp_get_wtime();
    tcm_instance *inst = NULL;
    int st = tcm_h5_read_instance(inst_path, &inst);
    double t_read = omp_get_wtime() - t0;
    tcm_engine *e = st ? NULL : tcm_engine_alloc(inst, TCM_WEIGHTS_CONTINUOUS, -1, o->threads);
    tcm_protocol *proto = NULL;
    if (!e || tcm_protocol_paper(&proto)) return tcm_last_error_code();
    tcm_focus_params p = TCM_FOCUS_PARAMS_INIT;
    if ((st = tcm_cavity_mode_parse(o->cavity, &p.run.modes.cavity))) return st;
    tcm_focus_step *hist = calloc((size_t)proto->count, sizeof *hist);
    tcm_run_position pos = TCM_RUN_POSITION_INIT;
    tcm_focus_result res;
    double t1 = omp_get_wtime();
    if (!hist || (st = tcm_driver_focus(e, proto, &p, &pos, hist, &res))) return st ? st : TCM_ENOMEM;
    double t2 = omp_get_wtime();
    st = write_solution(sol_path, e, hist, res.steps);
    double t3 = omp_get_wtime(), total = t3 - t0, io = t_read + (t3 - t2);
    const tcm_graph_timing *tm = tcm_engine_graph(e)->timing;
    double rest = total - tm->update - tm->marginals - tm->normalize - tm->errors - io;
    printf("fbp N=%d K=%d alpha=%g seed=%d cavity=%s threads=%d solved=%d errors=%d steps=%d sweeps=%d "
           "seconds=%.3f ms_per_sweep=%.3f update=%.3f marginals=%.3f normalize_focus=%.3f errors_check=%.3f "
           "io=%.3f other=%.3f\n",
           o->N, o->K, o->alpha, seed, o->cavity, o->threads, res.solved, res.errors, res.steps, res.total_sweeps,
           total, 1e3 * (t2 - t1) / (res.total_sweeps > 0 ? res.total_sweeps : 1), tm->update / total,
           tm->marginals / total, tm->normalize / total, tm->errors / total, io / total, rest / total);
    free(hist);
    tcm_protocol_free(proto);
    tcm_engine_free(e);
    tcm_instance_free(inst);
    return st;
}

int main(int argc, char **argv)
{
    fbp_opts o = { 999, 3, 1, 1, 1, 2.0, "exact", "/tmp" };
    if (parse(argc, argv, &o)) return 2;
    omp_set_num_threads(o.threads);
    char inst_path[512], sol_path[512];
    snprintf(inst_path, sizeof inst_path, "%s/bench_fbp_%d_inst.h5", o.dir, (int)getpid());
    snprintf(sol_path, sizeof sol_path, "%s/bench_fbp_%d_sol.h5", o.dir, (int)getpid());
    for (int s = o.seed; s < o.seed + o.seeds; s++) {
        tcm_instance_params ip = TCM_INSTANCE_PARAMS_INIT;
        ip.N = o.N, ip.K = o.K, ip.alpha = o.alpha, ip.seed = (uint64_t)s;
        tcm_instance *inst = NULL;
        int st = tcm_instance_generate(&inst, &ip);
        if (!st) st = tcm_h5_write_instance(inst_path, inst, 1);
        tcm_instance_free(inst);
        if (!st) st = run_one(&o, s, inst_path, sol_path);
        unlink(inst_path);
        unlink(sol_path);
        if (st) return fprintf(stderr, "bench_fbp: %s\n", tcm_last_error()), 1;
    }
    return 0;
}
