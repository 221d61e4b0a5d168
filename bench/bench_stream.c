/* Memory bandwidth of this machine, measured the way a sweep uses memory:
 * a STREAM-like triad a[i] = b[i] + s c[i] (counted as 24 bytes per element,
 * the STREAM convention) and an in-place update of two arrays, x = s x + y,
 * y = s y + x (read 16 and write 16 bytes per element, exactly the traffic of
 * a sweep's U and V). Arrays are first touched by the threads that use them.
 * Prints one line per kernel: "stream threads=T kernel=K GBs=X" (best of reps).
 * usage: bench_stream [MB_per_array [reps]]   (threads: OMP_NUM_THREADS) */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

/* Best seconds of reps triads over n elements. */
static double time_triad(double *a, const double *b, const double *c, size_t n, int reps)
{
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double t0 = omp_get_wtime();
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++) a[i] = b[i] + 3.0 * c[i];
        double dt = omp_get_wtime() - t0;
        if (dt < best) best = dt;
    }
    return best;
}

/* Best seconds of reps in-place updates of x and y (n elements each). */
static double time_update(double *x, double *y, size_t n, int reps)
{
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double t0 = omp_get_wtime();
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++) {
            double u = 0.5 * x[i] + y[i], v = 0.5 * y[i] + x[i];
            x[i] = u - x[i];
            y[i] = v - y[i];
        }
        double dt = omp_get_wtime() - t0;
        if (dt < best) best = dt;
    }
    return best;
}

int main(int argc, char **argv)
{
    size_t mb = argc > 1 ? (size_t)atol(argv[1]) : 512;
    int reps = argc > 2 ? atoi(argv[2]) : 10;
    size_t n = mb * 1024 * 1024 / sizeof(double);
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c);
    if (!a || !b || !c) {
        fprintf(stderr, "bench_stream: cannot allocate 3 x %zu MB\n", mb);
        return 1;
    }
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        a[i] = 0.0;
        b[i] = 1.0;
        c[i] = 2.0;
    }
    int t = omp_get_max_threads();
    double tt = time_triad(a, b, c, n, reps), tu = time_update(b, c, n, reps);
    printf("stream threads=%d kernel=triad GBs=%.2f\n", t, 24.0 * (double)n / tt / 1e9);
    printf("stream threads=%d kernel=update GBs=%.2f\n", t, 32.0 * (double)n / tu / 1e9);
    free(a);
    free(b);
    free(c);
    return 0;
}
