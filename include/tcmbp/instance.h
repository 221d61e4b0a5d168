/* A storage instance: M patterns of N inputs (+-1) with desired outputs
 * (+-1) for a machine of K hidden units whose output rule is the majority
 * vote (committee machine) or the product of the hidden signs (parity
 * machine), in the tree architecture
 * (unit k sees inputs k*n .. k*n+n-1, n = N/K) or the fully-connected one
 * (every unit sees all N inputs, n = N). Optionally carries the teacher that
 * produced the outputs. */
#ifndef TCMBP_INSTANCE_H
#define TCMBP_INSTANCE_H

#include <stddef.h>
#include <stdint.h>

#include "tcmbp/names.h"
#include "tcmbp/output.h"
#include "tcmbp/weights.h"

typedef enum { TCM_ARCH_TREE = 0, TCM_ARCH_FULL = 1 } tcm_arch;

typedef struct tcm_instance_s {
    int N;                  /* inputs per pattern */
    int K;                  /* hidden units (odd for the majority rule) */
    int M;                  /* patterns (> 0) */
    int n;                  /* inputs per unit: N/K (tree) or N (full) */
    tcm_arch arch;
    tcm_weight_kind kind;   /* default weight kind for solvers (and the teacher's kind) */
    int8_t *patterns;       /* M x N, row-major, entries +-1; NULL for bits storage */
    int8_t *outputs;        /* M, entries +-1 */
    tcm_weights *teacher;   /* NULL, or the teacher (K_teacher x n_teacher) */
    uint64_t seed;          /* generation seed (0 if imported) */
    char generator[32];     /* "random", "teacher" or "imported" */
    tcm_output_rule rule;   /* output rule of the machine (majority unless set) */
    uint64_t *bits;         /* NULL, or the patterns as bits (then patterns == NULL): see below */
} tcm_instance;

/* Pattern storage. int8 (the default): `patterns` holds M x N bytes +-1.
 * bits: `patterns` is NULL and `bits` holds one bit per entry, in slices:
 * pattern a has S slices (S = K for trees, one per unit; S = 1 for the fully
 * connected machine) of W = ceil(n / 64) 64-bit words each; slice (a, k)
 * starts at bits + (a S + k) W, and its entry i (input k n + i of a tree's
 * pattern, input i of a fully connected one) is bit i % 64 of word i / 64,
 * set = +1, clear = -1; the bits past n in the last word are zero. This is
 * the AMP engine's own layout (it borrows the array, docs/AMP.md 4): 1/8
 * byte per entry instead of 1. Consumers that need the int8 entries (BP,
 * training, eval, hessian) refuse a bits instance with one message
 * (tcm_instance_require_int8); generate with int8 storage for them.
 * tcm_weights_eval and the fingerprint read either storage row by row. */
#define TCM_STORAGES(X) X(TCM_STORAGE_INT8, "int8") X(TCM_STORAGE_BITS, "bits")
typedef enum { TCM_STORAGES(TCM_ENUM_VALUE) } tcm_storage;
extern const char *const tcm_storage_names[];

/* "int8" / "bits" ("unknown" otherwise), and its inverse (TCM_EINVAL). */
const char *tcm_storage_name(tcm_storage s);
int tcm_storage_parse(const char *s, tcm_storage *out);
/* The storage of inst (bits when inst->bits is set). */
tcm_storage tcm_instance_storage(const tcm_instance *inst);

/* Slices per pattern (K for trees, 1 for fully connected) and 64-bit words
 * per slice (ceil(n / 64)) of the bits layout. */
static inline int tcm_instance_bit_slices(const tcm_instance *inst) { return inst->arch == TCM_ARCH_TREE ? inst->K : 1; }
static inline int tcm_instance_bit_words(const tcm_instance *inst) { return (inst->n + 63) / 64; }
/* Words of one pattern's bits (slices x words). */
static inline size_t tcm_instance_bit_row(const tcm_instance *inst)
{
    return (size_t)tcm_instance_bit_slices(inst) * (size_t)tcm_instance_bit_words(inst);
}

/* Pack the N entries (+-1) of one pattern into its row of the bits layout
 * (tcm_instance_bit_row words at dst, overwritten; tails zero). */
void tcm_instance_pack_row(const tcm_instance *inst, const int8_t *row, uint64_t *dst);
/* The N entries of pattern a (+-1) into row, from either storage. */
void tcm_instance_row(const tcm_instance *inst, int a, int8_t *row);

/* The one storage policy: TCM_OK when inst holds int8 patterns, else
 * TCM_EINVAL with the one-line refusal ("the patterns are stored as bits
 * ..."). Called by tcm_instance_validate, which every consumer of the
 * int8 entries (BP graphs, trainers, eval, hessian) calls, so they all
 * refuse a bits instance the same way. tcm_weights_eval (errors of a
 * configuration) reads rows through tcm_instance_row: either storage. */
int tcm_instance_require_int8(const tcm_instance *inst);

/* Generation parameters. Either alpha or M: M = round(alpha * N) for trees
 * and round(alpha * N * K) for fully-connected machines when M == 0 (alpha
 * must then be finite and > 0 and give M >= 1); alpha is ignored when M > 0.
 * kind is stored as the instance's default weight kind and is the teacher's
 * kind; rule is the output rule (K, and K_teacher, must be odd for the
 * majority vote; any K >= 1 for parity). */
typedef struct {
    int N, K, M;
    double alpha;
    tcm_arch arch;
    tcm_weight_kind kind;
    int teacher;            /* nonzero: outputs from a random teacher */
    int K_teacher;          /* teacher's hidden units (0: same as K) */
    uint64_t seed;
    tcm_output_rule rule;   /* output rule; a teacher's outputs go through it */
} tcm_instance_params;

#define TCM_INSTANCE_PARAMS_INIT \
    { 999, 3, 0, 1.0, TCM_ARCH_TREE, TCM_WEIGHTS_CONTINUOUS, 0, 0, 1, TCM_RULE_MAJORITY }

/* Allocate an instance with zeroed patterns/outputs after checking the sizes
 * (K > 0, N > 0, N % K == 0 for trees, M > 0, M * N fits in memory
 * size). kind = continuous, teacher = NULL, seed = 0, generator = "imported",
 * rule = majority. K is not required to be odd here: the rule is set after
 * allocation (e.g. by a file reader), and tcm_instance_validate checks K
 * against it.
 * NULL on error with the message set (TCM_EINVAL, TCM_ENOMEM). */
tcm_instance *tcm_instance_alloc(int N, int K, int M, tcm_arch arch);
/* As tcm_instance_alloc with the given storage (bits: zeroed bits, no int8 patterns). */
tcm_instance *tcm_instance_alloc_as(int N, int K, int M, tcm_arch arch, tcm_storage storage);
/* Release inst, its arrays and its teacher (NULL-safe). */
void tcm_instance_free(tcm_instance *inst);

/* Generate a random instance. Pattern a is drawn from RNG stream a + 1 of
 * p->seed (input i = bit i % 64 of word i / 64: set -> +1), outputs from
 * stream 0 (random: output a = a-th tcm_rng_sign, whatever the rule) or from
 * the teacher, so the result is byte-identical for any thread count.
 * Teacher (p->teacher != 0): K_t = p->K_teacher (0: K) units (odd for the
 * majority rule), with
 * N % K_t == 0 for trees; n_t = N / K_t (tree) or N (full). Unit k is drawn
 * from stream 2^40 + k: Gaussian entries normalised to sum w^2 = n_t
 * (continuous) or +-1 signs (binary). sigma_a = sign(sum_k tau_ka) (majority)
 * or prod_k tau_ka (parity) with
 * tau_ka = sign(h_ka) and a zero hidden field counted as tau = +1 (ties only
 * arise for a binary teacher with n_t even). Note tcm_weights_eval counts a
 * zero field as 0, so such a teacher may show errors there. The teacher is
 * stored in inst->teacher; generator is "teacher", else "random".
 * On error *out = NULL and the status is returned (message set). */
int tcm_instance_generate(tcm_instance **out, const tcm_instance_params *p);
/* As tcm_instance_generate, straight into the given storage: with bits the
 * instance is entry for entry the int8 one (the same streams, outputs,
 * teacher and fingerprint) and never holds more than one int8 row per
 * thread. */
int tcm_instance_generate_as(tcm_instance **out, const tcm_instance_params *p, tcm_storage storage);

/* Check sizes (as tcm_instance_alloc, plus n consistent with the
 * architecture, a known kind and rule, K allowed by the rule:
 * tcm_output_rule_allows_K), +-1 entries of patterns and outputs (the
 * message names the first bad (pattern, input) or output), and the teacher's
 * shape and weights (tcm_weights_validate). TCM_EINVAL (TCM_ENUMERIC for a
 * non-finite teacher weight) with a message naming the first problem. */
int tcm_instance_validate(const tcm_instance *inst);
/* As tcm_instance_validate for either storage (bits: the tail bits of every
 * slice must be zero; the message names the first bad pattern and slice).
 * For the readers and writers of files and the AMP engine. */
int tcm_instance_validate_stored(const tcm_instance *inst);

/* Load alpha of the instance: M/N (tree) or M/(N K) (fully connected),
 * i.e. patterns per weight. NaN for NULL. */
double tcm_instance_alpha(const tcm_instance *inst);

/* Pointer to the n inputs seen by unit k in pattern a (int8 storage only). */
/* The n inputs of unit k within one pattern's row of N entries (either storage, once unpacked). */
static inline const int8_t *tcm_instance_row_unit(const tcm_instance *inst, const int8_t *row, int k)
{
    return row + (inst->arch == TCM_ARCH_TREE ? (size_t)k * (size_t)inst->n : 0);
}

static inline const int8_t *tcm_instance_unit_inputs(const tcm_instance *inst, int a, int k)
{
    return tcm_instance_row_unit(inst, inst->patterns + (size_t)a * (size_t)inst->N, k);
}

/* "tree" / "full" ("unknown" for any other value). */
const char *tcm_arch_name(tcm_arch arch);
/* Inverse of tcm_arch_name (exact match); TCM_EINVAL on anything else. */
int tcm_arch_parse(const char *s, tcm_arch *out);



/* 64-bit FNV-1a fingerprint of (N, K, M, arch, patterns, outputs) and, for
 * rules other than majority, the rule's name: stored in checkpoints and
 * results so that they are never applied to another instance. A majority
 * instance hashes exactly as before the rule existed (old checkpoints stay
 * valid); a parity instance with the same patterns and outputs (random
 * outputs with the same seed) gets another fingerprint, since its messages
 * mean something else. A bits instance hashes its unpacked entries in the
 * same order: the same fingerprint as the int8 instance. */
uint64_t tcm_instance_fingerprint(const tcm_instance *inst);

#endif
