/* A storage instance: M patterns of N inputs (+-1) with desired outputs
 * (+-1) for a committee machine of K hidden units, in the tree architecture
 * (unit k sees inputs k*n .. k*n+n-1, n = N/K) or the fully-connected one
 * (every unit sees all N inputs, n = N). Optionally carries the teacher that
 * produced the outputs. */
#ifndef TCMBP_INSTANCE_H
#define TCMBP_INSTANCE_H

#include <stddef.h>
#include <stdint.h>

#include "tcmbp/weights.h"

typedef enum { TCM_ARCH_TREE = 0, TCM_ARCH_FULL = 1 } tcm_arch;

typedef struct tcm_instance_s {
    int N;                  /* inputs per pattern */
    int K;                  /* hidden units (odd) */
    int M;                  /* patterns (> 0) */
    int n;                  /* inputs per unit: N/K (tree) or N (full) */
    tcm_arch arch;
    tcm_weight_kind kind;   /* default weight kind for solvers (and the teacher's kind) */
    int8_t *patterns;       /* M x N, row-major, entries +-1 */
    int8_t *outputs;        /* M, entries +-1 */
    tcm_weights *teacher;   /* NULL, or the teacher (K_teacher x n_teacher) */
    uint64_t seed;          /* generation seed (0 if imported) */
    char generator[32];     /* "random", "teacher" or "imported" */
} tcm_instance;

/* Generation parameters. Either alpha or M: M = round(alpha * N) for trees
 * and round(alpha * N * K) for fully-connected machines when M == 0. */
typedef struct {
    int N, K, M;
    double alpha;
    tcm_arch arch;
    tcm_weight_kind kind;
    int teacher;            /* nonzero: outputs from a random teacher */
    int K_teacher;          /* teacher's hidden units (0: same as K) */
    uint64_t seed;
} tcm_instance_params;

#define TCM_INSTANCE_PARAMS_INIT \
    { 999, 3, 0, 1.0, TCM_ARCH_TREE, TCM_WEIGHTS_CONTINUOUS, 0, 0, 1 }

/* Allocate an instance with zeroed patterns/outputs after checking the sizes
 * (K odd and > 0, N > 0, N % K == 0 for trees, M > 0). NULL on error. */
tcm_instance *tcm_instance_alloc(int N, int K, int M, tcm_arch arch);
void tcm_instance_free(tcm_instance *inst);

/* Generate a random instance. Pattern a is drawn from RNG stream a + 1 of
 * p->seed, outputs from stream 0 (random) or the teacher (streams >= 2^40),
 * so the result is byte-identical for any thread count. Status on error. */
int tcm_instance_generate(tcm_instance **out, const tcm_instance_params *p);

/* Check sizes, +-1 entries of patterns and outputs, and teacher shape.
 * TCM_EINVAL with a message naming the first problem. */
int tcm_instance_validate(const tcm_instance *inst);

/* Load alpha of the instance: M/N (tree) or M/(N K) (fully connected). */
double tcm_instance_alpha(const tcm_instance *inst);

/* Pointer to the n inputs seen by unit k in pattern a. */
static inline const int8_t *tcm_instance_unit_inputs(const tcm_instance *inst, int a, int k)
{
    size_t off = (size_t)a * (size_t)inst->N + (inst->arch == TCM_ARCH_TREE ? (size_t)k * (size_t)inst->n : 0);
    return inst->patterns + off;
}

const char *tcm_arch_name(tcm_arch arch);        /* "tree" / "full" */
int tcm_arch_parse(const char *s, tcm_arch *out); /* TCM_EINVAL on unknown */

#endif
