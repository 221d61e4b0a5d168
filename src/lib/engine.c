/* The one place where a weight kind is mapped to its engine (the table
 * below), and the thin generic entry points over an engine's operations. */
#include "tcmbp/engine.h"
#include "engine_impl.h"

#include <stdlib.h>

#include "tcmbp/error.h"

typedef struct {
    tcm_weight_kind kind;
    tcm_engine_algo algo;
    const tcm_engine_ops *ops;
    void *(*alloc)(const tcm_instance *inst, int M, int nthreads);
} engine_entry;

static const engine_entry engines[] = {
    { TCM_WEIGHTS_CONTINUOUS, TCM_ENGINE_BP, &tcm_engine_cont_ops, tcm_engine_cont_alloc },
    { TCM_WEIGHTS_BINARY, TCM_ENGINE_BP, &tcm_engine_bin_ops, tcm_engine_bin_alloc },
    { TCM_WEIGHTS_CONTINUOUS, TCM_ENGINE_AMP, &tcm_engine_amp_cont_ops, tcm_engine_amp_cont_alloc },
    { TCM_WEIGHTS_BINARY, TCM_ENGINE_AMP, &tcm_engine_amp_bin_ops, tcm_engine_amp_bin_alloc },
};

const char *const tcm_engine_algo_names[] = { TCM_ENGINE_ALGOS(TCM_ENUM_NAME) NULL };

TCM_NAMES_FUNCTIONS(tcm_engine_algo, tcm_engine_algo, tcm_engine_algo_names, "engine")

static const engine_entry *entry_of(tcm_weight_kind kind, tcm_engine_algo algo)
{
    for (size_t j = 0; j < sizeof engines / sizeof engines[0]; j++)
        if (engines[j].kind == kind && engines[j].algo == algo) return &engines[j];
    return NULL;
}

const tcm_engine_ops *tcm_engine_ops_of(tcm_weight_kind kind) { return tcm_engine_ops_of_algo(kind, TCM_ENGINE_BP); }

const tcm_engine_ops *tcm_engine_ops_of_algo(tcm_weight_kind kind, tcm_engine_algo algo)
{
    const engine_entry *en = entry_of(kind, algo);
    return en ? en->ops : NULL;
}

tcm_engine *tcm_engine_alloc(const tcm_instance *inst, tcm_weight_kind kind, int M, int nthreads)
{
    return tcm_engine_alloc_algo(inst, kind, TCM_ENGINE_BP, M, nthreads);
}

tcm_engine *tcm_engine_alloc_algo(const tcm_instance *inst, tcm_weight_kind kind, tcm_engine_algo algo, int M,
                                  int nthreads)
{
    const engine_entry *en = entry_of(kind, algo);
    if (!en) {
        TCM_ERROR(TCM_EINVAL, "no %s engine for weight kind %d", tcm_engine_algo_name(algo), (int)kind);
        return NULL;
    }
    if (!inst) {
        TCM_ERROR(TCM_EINVAL, "no instance");
        return NULL;
    }
    if (M < 0) M = inst->M;
    if (M > inst->M) {
        TCM_ERROR(TCM_EINVAL, "%d patterns asked for, the instance has %d", M, inst->M);
        return NULL;
    }
    tcm_engine *e = calloc(1, sizeof *e);
    if (!e) {
        TCM_ERROR(TCM_ENOMEM, "out of memory for the engine");
        return NULL;
    }
    *e = (tcm_engine){ en->ops, kind, inst, inst->K, inst->n, M, NULL, algo };
    if (!(e->state = en->alloc(inst, M, nthreads))) {
        free(e);
        return NULL;
    }
    return e;
}

void tcm_engine_free(tcm_engine *e)
{
    if (!e) return;
    e->ops->free_state(e->state);
    free(e);
}

tcm_graph *tcm_engine_graph(tcm_engine *e)
{
    return e && e->ops == &tcm_engine_cont_ops ? e->state : NULL;
}

tcm_bgraph *tcm_engine_bgraph(tcm_engine *e)
{
    return e && e->ops == &tcm_engine_bin_ops ? e->state : NULL;
}

struct tcm_amp_s *tcm_engine_amp(tcm_engine *e)
{
    return e && (e->ops == &tcm_engine_amp_cont_ops || e->ops == &tcm_engine_amp_bin_ops) ? e->state : NULL;
}

tcm_weights *tcm_engine_weights(const tcm_engine *e)
{
    tcm_weights *w = tcm_weights_alloc(e->K, e->n, e->kind);
    if (w && e->ops->configuration(e, w) != TCM_OK) {
        tcm_weights_free(w);
        return NULL;
    }
    return w;
}
