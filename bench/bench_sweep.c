/* Sweep benchmark for one instance and one thread count: times BP sweeps
 * (after --warmup sweeps, default 1, until at least --seconds have passed and
 * at least --min-sweeps (default 3) sweeps were made; the messages start
 * random, so every page is touched before the clock starts) and prints one line of key=value figures: edges, bytes
 * of state per edge, bytes moved per edge and sweep (the memory traffic the
 * bandwidth bound counts), ns per edge update (per thread and wall), sweeps
 * per second (median and best sweep), this process's peak memory, and
 * cpu_share: the CPU time it got over threads x wall time (below 1 when the
 * machine is shared and the threads had to wait for a core).
 * bench/run.sh runs it once per configuration (so peak memory is per
 * configuration) and turns the lines into tables.
 * usage: bench_sweep [--kind cont|bin] [--arch tree|full] [--N N] [--K K] [--M M]
 *                    [--mode exact|fast (cont) | clt|exact (bin)] [--threads T]
 *                    [--seconds S] [--seed S]
 *                    [--min-sweeps S] [--warmup W] */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "tcmbp/bbp.h"
#include "tcmbp/error.h"
#include "tcmbp/sweep.h"

typedef struct {
    const char *kind, *arch, *mode;
    int N, K, M, threads, seed, min_sweeps, warmup;
    double seconds;
} bench_opts;

/* Peak resident set size of this process in MB. */
static double peak_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024.0;
}

/* CPU seconds used by this process so far (all threads). */
static double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Parse --key value pairs into o; nonzero on an unknown option. */
static int parse(int argc, char **argv, bench_opts *o)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--kind")) o->kind = v;
        else if (!strcmp(k, "--arch")) o->arch = v;
        else if (!strcmp(k, "--mode")) o->mode = v;
        else if (!strcmp(k, "--N")) o->N = atoi(v);
        else if (!strcmp(k, "--K")) o->K = atoi(v);
        else if (!strcmp(k, "--M")) o->M = atoi(v);
        else if (!strcmp(k, "--threads")) o->threads = atoi(v);
        else if (!strcmp(k, "--seconds")) o->seconds = atof(v);
        else if (!strcmp(k, "--seed")) o->seed = atoi(v);
        else if (!strcmp(k, "--min-sweeps")) o->min_sweeps = atoi(v);
        else if (!strcmp(k, "--warmup")) o->warmup = atoi(v);
        else return fprintf(stderr, "bench_sweep: unknown option %s\n", k), 1;
    }
    return 0;
}

/* Time sweeps of a continuous-weight graph; fills times (capacity cap) and returns their count. */
static int time_cont(tcm_graph *g, const bench_opts *o, double *times, int cap)
{
    tcm_sweep_params p = TCM_SWEEP_PARAMS_INIT;
    if (tcm_cavity_mode_parse(o->mode, &p.cavity)) return -1;
    tcm_sweep_change c;
    tcm_graph_randomize(g, 1.0, 7); /* a state with structure: messages of a random-start BP */
    tcm_sweep_rebuild_marginals(g);
    tcm_sweep_normalize(g);
    for (int w = 0; w < o->warmup; w++) tcm_sweep_run(g, &p, &c); /* caches, branch history */
    int s = 0;
    double total = 0.0;
    while (s < cap && (s < o->min_sweeps || total < o->seconds)) {
        double t0 = omp_get_wtime();
        tcm_sweep_run(g, &p, &c);
        times[s] = omp_get_wtime() - t0;
        total += times[s++];
    }
    return s;
}

/* The same for a binary-weight graph (mode: the hidden-unit factor, clt or exact). */
static int time_bin(tcm_bgraph *g, const bench_opts *o, double *times, int cap)
{
    tcm_bbp_sweep_params p = TCM_BBP_SWEEP_PARAMS_INIT;
    p.hidden = strcmp(o->mode, "exact") == 0 ? TCM_HIDDEN_EXACT : TCM_HIDDEN_CLT;
    tcm_bbp_change c;
    tcm_bgraph_randomize(g, 0.5, 7);
    tcm_bbp_rebuild_marginals(g);
    for (int w = 0; w < o->warmup; w++)
        if (tcm_bbp_sweep(g, &p, &c)) return -1;
    int s = 0;
    double total = 0.0;
    while (s < cap && (s < o->min_sweeps || total < o->seconds)) {
        double t0 = omp_get_wtime();
        tcm_bbp_sweep(g, &p, &c);
        times[s] = omp_get_wtime() - t0;
        total += times[s++];
    }
    return s;
}

/* Time the sweeps of kind o->kind on inst; *edges and the bytes per edge (state
 * and moved per sweep: each message read and written once, the pattern read). */
static int time_kind(const tcm_instance *inst, const bench_opts *o, double *times, int cap, double *edges,
                     double *state, double *moved)
{
    int s = -1;
    if (strcmp(o->kind, "bin") == 0) {
        tcm_bgraph *g = tcm_bgraph_alloc(inst, o->threads);
        if (!g) return -1;
        *edges = (double)g->ne, *state = tcm_bgraph_bytes_per_edge(g);
        *moved = 2.0 * sizeof(double) + (double)inst->N / (double)g->nw;
        s = time_bin(g, o, times, cap);
        tcm_bgraph_free(g);
    } else {
        tcm_graph *g = tcm_graph_alloc(inst, o->threads);
        if (!g) return -1;
        *edges = (double)g->ne, *state = tcm_graph_bytes_per_edge(g);
        *moved = 4.0 * sizeof(double) + (double)inst->N / (double)g->nw;
        s = time_cont(g, o, times, cap);
        tcm_graph_free(g);
    }
    return s;
}

int main(int argc, char **argv)
{
    bench_opts o = { "cont", "tree", "exact", 999, 3, 1998, 1, 1, 3, 1, 2.0 };
    if (parse(argc, argv, &o)) return 2;
    tcm_instance_params ip = TCM_INSTANCE_PARAMS_INIT;
    ip.N = o.N, ip.K = o.K, ip.M = o.M, ip.seed = (uint64_t)o.seed;
    ip.arch = strcmp(o.arch, "full") == 0 ? TCM_ARCH_FULL : TCM_ARCH_TREE;
    tcm_instance *inst = NULL;
    if (tcm_instance_generate(&inst, &ip)) return fprintf(stderr, "bench_sweep: %s\n", tcm_last_error()), 1;
    omp_set_num_threads(o.threads);
    double times[1000], edges, state, moved, c0 = cpu_seconds(), w0 = omp_get_wtime();
    int s = time_kind(inst, &o, times, 1000, &edges, &state, &moved);
    double cpu_share = (cpu_seconds() - c0) / (o.threads * (omp_get_wtime() - w0)); /* of the threads' time */
    if (s <= 0) return fprintf(stderr, "bench_sweep: %s\n", tcm_last_error()), 1;
    qsort(times, (size_t)s, sizeof times[0], cmp_double);
    double med = times[s / 2], best = times[0];
    printf("sweep kind=%s arch=%s N=%d K=%d M=%d mode=%s threads=%d edges=%.0f state_Bpe=%.2f moved_Bpe=%.2f "
           "ns_edge_thread=%.3f ns_edge=%.3f best_ns_edge=%.3f sweeps_s=%.3f sweeps=%d peak_MB=%.0f cpu_share=%.2f\n",
           o.kind, o.arch, o.N, o.K, o.M, o.mode, o.threads, edges, state, moved, 1e9 * med * o.threads / edges,
           1e9 * med / edges, 1e9 * best / edges, 1.0 / med, s, peak_mb(), cpu_share);
    tcm_instance_free(inst);
    return 0;
}
