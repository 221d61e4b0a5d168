/* Apply the clean-up of `tcmbp solve --polish` (tcm_polish_weights, at most
 * 1000 moves as in cmd_solve.c) to the /weights of a saved SOL.h5 of an
 * unsolved run: the engine's configuration at the end of the protocol,
 * which is what solve --polish cleans up, so the result is the one of
 * rerunning the solve with --polish, without its CPU cost. One line:
 * "before=E after=E moves=M seconds=S". Build (from the repository root,
 * after scripts/setup.sh or the cmake build in build/):
 *   gcc -O2 -fopenmp -Iinclude -Ibuild/generated results/fbp_success_past/polish_saved.c \
 *       build/libtcmbp.a $(pkg-config --libs hdf5) -lm -o build/polish_saved */
#include <omp.h>
#include <stdio.h>

#include "tcmbp/error.h"
#include "tcmbp/h5.h"
#include "tcmbp/polish.h"
#include "tcmbp/weights_load.h"

int main(int argc, char **argv)
{
    tcm_instance *inst;
    tcm_weights *w;
    tcm_polish_result r;
    if (argc != 3) return fprintf(stderr, "usage: polish_saved INSTANCE SOL.h5\n"), 2;
    if (tcm_h5_read_instance(argv[1], &inst) || tcm_weights_load(&w, argv[2], inst->K, inst->n, inst->kind))
        return fprintf(stderr, "polish_saved: error: %s\n", tcm_last_error()), 1;
    double t0 = omp_get_wtime();
    if (tcm_polish_weights(w, inst, 1000, &r)) return fprintf(stderr, "polish_saved: error: %s\n", tcm_last_error()), 1;
    printf("before=%d after=%d moves=%d seconds=%.3f\n", r.errors_before, r.errors, r.moves, omp_get_wtime() - t0);
    tcm_weights_free(w);
    tcm_instance_free(inst);
    return 0;
}
