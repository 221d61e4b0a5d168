/* Focusing BP (the paper protocol, as `tcmbp solve`) from random initial
 * messages, for the parity study: `tcmbp solve` starts from zero messages,
 * which are a fixed point of the parity factor (every message is a product
 * of the other units' magnetisations), so it never leaves the symmetric
 * point. Usage: fbp_random INST.h5 SOL.h5 AMP SEED. Prints one JSON line;
 * writes SOL.h5 (/weights, the normalised means) when they are not zero;
 * the per-step history (lambda, sweeps, status, errors) goes to stderr. */
#include "tcmbp/cont.h"
#include "tcmbp/error.h"
#include "tcmbp/fbp.h"
#include "tcmbp/graph.h"
#include "tcmbp/h5.h"
#include "tcmbp/instance.h"
#include "tcmbp/protocol.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: fbp_random INST.h5 SOL.h5 AMP SEED\n");
        return 2;
    }
    tcm_instance *inst = NULL;
    tcm_protocol *proto = NULL;
    if (tcm_h5_read_instance(argv[1], &inst) || tcm_protocol_paper(&proto)) {
        fprintf(stderr, "fbp_random: error: %s\n", tcm_last_error());
        return 1;
    }
    tcm_graph *g = tcm_graph_alloc(inst, 1);
    tcm_fbp_step *hist = calloc((size_t)proto->count, sizeof *hist);
    if (!g || !hist || tcm_graph_enable_focusing(g)) return 1;
    tcm_graph_randomize(g, atof(argv[3]), strtoull(argv[4], NULL, 10));
    tcm_fbp_params p = TCM_FBP_PARAMS_INIT;
    tcm_fbp_position pos = TCM_FBP_POSITION_INIT;
    tcm_fbp_result res;
    double t0 = omp_get_wtime();
    if (tcm_fbp_run(g, proto, &p, &pos, hist, &res)) return 1;
    tcm_weights *w = tcm_weights_alloc(g->K, g->n, TCM_WEIGHTS_CONTINUOUS);
    tcm_cont_means(g, w->w);
    int written = tcm_weights_normalize(w) == TCM_OK && tcm_h5_write_weights(argv[2], w, 1) == TCM_OK;
    for (int s = 0; s < res.steps; s++)
        fprintf(stderr, "step %2d lambda %8.4f sweeps %3d status %d errors %d chibar %.4f\n", hist[s].step,
                hist[s].lambda, hist[s].sweeps, hist[s].status, hist[s].errors, hist[s].chibar);
    double lam = res.steps > 0 ? hist[res.steps - 1].lambda : 0.0;
    printf("{\"status\": \"%s\", \"errors\": %d, \"M\": %d, \"steps\": %d, \"lambda\": %g, \"sweeps\": %d, "
           "\"seconds\": %.2f, \"written\": %d}\n", res.solved ? "solved" : "unsolved", res.errors, inst->M,
           res.steps, lam, res.total_sweeps, omp_get_wtime() - t0, written);
    tcm_weights_free(w);
    free(hist);
    tcm_graph_free(g);
    tcm_protocol_free(proto);
    tcm_instance_free(inst);
    return 0;
}
