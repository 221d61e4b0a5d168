/* The engines known to engine.c: each engine file defines its operations
 * table and the allocator of its state. Private to the library. */
#ifndef TCMBP_ENGINE_IMPL_H
#define TCMBP_ENGINE_IMPL_H

#include "tcmbp/engine.h"

extern const tcm_engine_ops tcm_engine_cont_ops;
extern const tcm_engine_ops tcm_engine_bin_ops;
extern const tcm_engine_ops tcm_engine_amp_cont_ops;
extern const tcm_engine_ops tcm_engine_amp_bin_ops;

/* The state of each engine over the first M patterns of inst; NULL on error (message set). */
void *tcm_engine_cont_alloc(const tcm_instance *inst, int M, int nthreads);
void *tcm_engine_bin_alloc(const tcm_instance *inst, int M, int nthreads);
void *tcm_engine_amp_cont_alloc(const tcm_instance *inst, int M, int nthreads);
void *tcm_engine_amp_bin_alloc(const tcm_instance *inst, int M, int nthreads);

#endif
