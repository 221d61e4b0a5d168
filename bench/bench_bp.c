/* Benchmark of continuous BP sweeps (issue 3): ns per edge update (one
 * pattern-weight pair, one sweep) for the exact-cavity and fast modes at 1
 * and 2 threads, on N = 999, K = 3, alpha = 1.5 and on a large instance
 * (N = 9999, M = 20000 by default), plus bytes per edge and peak memory.
 * Prints figures; never fails on speed.
 * usage: bench_bp [N_large M_large sweeps] */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "tcmbp/error.h"
#include "tcmbp/sweep.h"

/* Peak resident set size of this process in MB. */
static double peak_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024.0;
}

/* Time `sweeps` sweeps (after 2 warm-up sweeps) and print one line. */
static void time_sweeps(const tcm_instance *inst, tcm_cavity_mode cm, int threads, int sweeps)
{
    tcm_graph *g = tcm_graph_alloc(inst, threads);
    if (!g) {
        printf("  cannot allocate the graph: %s\n", tcm_last_error());
        return;
    }
    tcm_sweep_params p = TCM_SWEEP_PARAMS_INIT;
    p.cavity = cm;
    tcm_sweep_change c;
    tcm_sweep_rebuild_marginals(g);
    tcm_sweep_normalize(g);
    for (int s = 0; s < 2; s++) tcm_sweep_run(g, &p, &c);
    double t0 = omp_get_wtime();
    for (int s = 0; s < sweeps; s++) tcm_sweep_run(g, &p, &c);
    double dt = omp_get_wtime() - t0, edges = (double)g->ne;
    printf("  %-5s %d thread%s  %8.2f ns/edge  %8.2f ms/sweep  %6.2f sweeps/s\n", tcm_cavity_mode_name(cm), threads,
           threads > 1 ? "s" : " ", 1e9 * dt / (sweeps * edges), 1e3 * dt / sweeps, sweeps / dt);
    tcm_graph_free(g);
}

static void bench_instance(int N, int K, int M, int sweeps)
{
    tcm_instance_params ip = TCM_INSTANCE_PARAMS_INIT;
    ip.N = N;
    ip.K = K;
    ip.M = M;
    ip.seed = 1;
    tcm_instance *inst = NULL;
    if (tcm_instance_generate(&inst, &ip)) {
        printf("cannot generate: %s\n", tcm_last_error());
        return;
    }
    double edges = (double)M * N;
    printf("N=%d K=%d M=%d (alpha=%.3g): %.3g edges, %.0f bytes/edge (U, V doubles + int8 pattern)\n", N, K, M,
           (double)M / N, edges, 2.0 * sizeof(double) + 1.0);
    for (int cm = 0; cm < 2; cm++)
        for (int t = 1; t <= 2; t++) time_sweeps(inst, cm ? TCM_CAVITY_FAST : TCM_CAVITY_EXACT, t, sweeps);
    printf("  peak memory so far: %.0f MB\n", peak_mb());
    tcm_instance_free(inst);
}

int main(int argc, char **argv)
{
    int Nl = argc > 1 ? atoi(argv[1]) : 9999, Ml = argc > 2 ? atoi(argv[2]) : 20000;
    int sweeps = argc > 3 ? atoi(argv[3]) : 5;
    printf("tcmbp %s continuous BP sweep benchmark (%d OpenMP threads available)\n", tcm_version(),
           omp_get_max_threads());
    bench_instance(999, 3, 1499, 4 * sweeps);
    bench_instance(Nl, 3, Ml, sweeps);
    return 0;
}
