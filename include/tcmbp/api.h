/* Small entry points for front ends that bind the library from outside C
 * (the Python package, python/tcmbp): the sizes of the public structs, so
 * that a binding can check its copies of their layouts against the library
 * it loaded, and the engine operations a binding cannot call through the
 * operations table. Nothing here is needed by C callers. */
#ifndef TCMBP_API_H
#define TCMBP_API_H

#include <stddef.h>
#include <stdint.h>

#include "tcmbp/engine.h"

/* sizeof the public struct named `type` ("tcm_instance", "tcm_run_params",
 * ...; the list is in api.c), 0 for a name it does not know. */
size_t tcm_api_sizeof(const char *type);

/* free() of memory the library allocated for the caller (the text of
 * tcm_h5_describe), for bindings that cannot reach the C library's free. */
void tcm_api_free(void *p);

/* Random initial messages of amplitude amp from seed (the engine's
 * randomize operation, as `--init-random AMP --seed SEED` does). TCM_EINVAL
 * for a NULL engine, a negative or non-finite amplitude, or one above 1 for
 * binary weights. */
int tcm_api_engine_randomize(tcm_engine *e, double amp, uint64_t seed);

/* The marginals of the engine's current state, the same numbers as the
 * /bp datasets: continuous weights: means (first), variances (second), K x n
 * each, and chi (K values, into chi); binary weights: magnetizations
 * tanh(field) (first) and fields (second), K x n; chi is not touched.
 * Names of the two arrays and of chi ("mean", "variance", "chi" /
 * "magnetization", "field", NULL) from tcm_api_marginal_names. TCM_EINVAL for
 * an engine of another kind. */
int tcm_api_engine_marginals(const tcm_engine *e, double *first, double *second, double *chi);
/* The dataset names of tcm_api_engine_marginals for kind: names[0..2]; the
 * count of names (3 continuous, 2 binary), 0 for an unknown kind. */
int tcm_api_marginal_names(tcm_weight_kind kind, const char *names[3]);

#endif
