/* Entry points for bindings (api.h): struct sizes for layout checks and
 * the engine operations a binding cannot reach through the ops table. */
#include "tcmbp/api.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tcmbp/amp.h"
#include "tcmbp/dataset.h"
#include "tcmbp/bgraph.h"
#include "tcmbp/driver.h"
#include "tcmbp/graph.h"
#include "tcmbp/error.h"
#include "tcmbp/instance.h"
#include "tcmbp/protocol.h"
#include "tcmbp/results.h"
#include "tcmbp/spectrum.h"
#include "tcmbp/table.h"
#include "tcmbp/train.h"
#include "tcmbp/weights.h"

#define TCM_API_SIZE(t) { #t, sizeof(t) }

/* The structs a binding lays out itself. */
static const struct {
    const char *name;
    size_t size;
} api_sizes[] = {
    TCM_API_SIZE(tcm_instance),      TCM_API_SIZE(tcm_instance_params), TCM_API_SIZE(tcm_weights),
    TCM_API_SIZE(tcm_eval),          TCM_API_SIZE(tcm_engine_modes),    TCM_API_SIZE(tcm_engine_thermo),
    TCM_API_SIZE(tcm_engine),        TCM_API_SIZE(tcm_progress),        TCM_API_SIZE(tcm_run_params),
    TCM_API_SIZE(tcm_bp_result),     TCM_API_SIZE(tcm_run_position),    TCM_API_SIZE(tcm_volume_point),
    TCM_API_SIZE(tcm_volume_params), TCM_API_SIZE(tcm_focus_step),      TCM_API_SIZE(tcm_focus_params),
    TCM_API_SIZE(tcm_focus_result),  TCM_API_SIZE(tcm_protocol_step),   TCM_API_SIZE(tcm_protocol),
    TCM_API_SIZE(tcm_protocol_spec), TCM_API_SIZE(tcm_column),          TCM_API_SIZE(tcm_table),
    TCM_API_SIZE(tcm_run_info),      TCM_API_SIZE(tcm_train_params),    TCM_API_SIZE(tcm_train_epoch),
    TCM_API_SIZE(tcm_train_result),  TCM_API_SIZE(tcm_dataset_params), TCM_API_SIZE(tcm_lanczos_params),
    TCM_API_SIZE(tcm_lanczos_result),
};

size_t tcm_api_sizeof(const char *type)
{
    if (!type) return 0;
    for (size_t j = 0; j < sizeof api_sizes / sizeof api_sizes[0]; j++)
        if (strcmp(api_sizes[j].name, type) == 0) return api_sizes[j].size;
    return 0;
}

void tcm_api_free(void *p) { free(p); }

int tcm_api_engine_randomize(tcm_engine *e, double amp, uint64_t seed)
{
    if (!e) return TCM_ERROR(TCM_EINVAL, "randomize: no engine");
    if (!isfinite(amp) || amp < 0 || (e->kind == TCM_WEIGHTS_BINARY && amp > 1))
        return TCM_ERROR(TCM_EINVAL, "init_random must be in [0, %s] for %s weights (got %g)",
                         e->kind == TCM_WEIGHTS_BINARY ? "1" : "inf", tcm_weight_kind_name(e->kind), amp);
    if (amp > 0) e->ops->randomize(e, amp, seed);
    return TCM_OK;
}

int tcm_api_engine_marginals(const tcm_engine *e, double *first, double *second, double *chi)
{
    const tcm_graph *g = e ? tcm_engine_graph((tcm_engine *)e) : NULL;
    const tcm_bgraph *b = e ? tcm_engine_bgraph((tcm_engine *)e) : NULL;
    if (g) {
        for (size_t ki = 0; ki < g->nw; ki++) {
            double zeta = tcm_graph_precision(g, ki);
            first[ki] = g->mu[ki] / zeta;
            second[ki] = 1.0 / zeta;
        }
        memcpy(chi, g->chi, (size_t)g->K * sizeof(double));
        return TCM_OK;
    }
    if (b) {
        for (size_t ki = 0; ki < b->nw; ki++) {
            first[ki] = tanh(b->field[ki]);
            second[ki] = b->field[ki];
        }
        return TCM_OK;
    }
    const tcm_amp *a = e ? tcm_engine_amp((tcm_engine *)e) : NULL;
    if (a) { /* the datasets of the AMP engine's write_marginals */
        size_t nw = (size_t)a->K * (size_t)a->n;
        memcpy(first, a->m, nw * sizeof(double));
        memcpy(second, a->kind == TCM_WEIGHTS_BINARY ? a->mu : a->v, nw * sizeof(double));
        if (a->kind == TCM_WEIGHTS_CONTINUOUS) memcpy(chi, a->chi, (size_t)a->K * sizeof(double));
        return TCM_OK;
    }
    return TCM_ERROR(TCM_EINVAL, "marginals: not a continuous or binary BP or AMP engine");
}

int tcm_api_marginal_names(tcm_weight_kind kind, const char *names[3])
{
    static const char *const cont[3] = { "mean", "variance", "chi" }, *const bin[3] = { "magnetization", "field", NULL };
    if (kind != TCM_WEIGHTS_CONTINUOUS && kind != TCM_WEIGHTS_BINARY) return 0;
    memcpy(names, kind == TCM_WEIGHTS_CONTINUOUS ? cont : bin, sizeof cont);
    return kind == TCM_WEIGHTS_CONTINUOUS ? 3 : 2;
}
