/* Storage instances: size checks, allocation, reproducible generation (random
 * outputs or a random teacher; every pattern from its own RNG stream, so the
 * result is byte-identical for any thread count), validation, and the load
 * alpha of either architecture. */
#include "tcmbp/instance.h"

#include "tcmbp/error.h"
#include "tcmbp/rng.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* RNG stream of teacher unit k is TCM_TEACHER_STREAM + k; patterns use
 * streams 1 .. M (M < 2^31), random outputs stream 0. */
#define TCM_TEACHER_STREAM (UINT64_C(1) << 40)

/* Check N, K and arch: K positive, N positive, K | N for trees. */
static int check_sizes(int N, int K, tcm_arch arch)
{
    if (arch != TCM_ARCH_TREE && arch != TCM_ARCH_FULL)
        return TCM_ERROR(TCM_EINVAL, "unknown architecture %d", (int)arch);
    if (K <= 0)
        return TCM_ERROR(TCM_EINVAL, "K must be positive, got K = %d", K);
    if (N <= 0)
        return TCM_ERROR(TCM_EINVAL, "N must be positive, got N = %d", N);
    if (arch == TCM_ARCH_TREE && N % K != 0)
        return TCM_ERROR(TCM_EINVAL,
                         "N = %d is not divisible by K = %d (required by the tree architecture)", N,
                         K);
    return TCM_OK;
}

/* A known rule that allows K units (what is named K: "K" or "K_teacher"). */
static int check_rule(tcm_output_rule rule, int K, const char *what)
{
    if ((int)rule < 0 || rule >= TCM_RULE_COUNT)
        return TCM_ERROR(TCM_EINVAL, "unknown output rule %d", (int)rule);
    if (!tcm_output_rule_allows_K(rule, K))
        return TCM_ERROR(TCM_EINVAL, "%s must be %spositive for the %s rule, got %s = %d", what,
                         rule == TCM_RULE_MAJORITY ? "odd and " : "", tcm_output_rule_name(rule), what, K);
    return TCM_OK;
}

/* Check M > 0 and that the M x N pattern array fits in size_t. */
static int check_patterns(int N, int M)
{
    if (M <= 0)
        return TCM_ERROR(TCM_EINVAL, "M (number of patterns) must be positive, got M = %d", M);
    if ((uint64_t)M * (uint64_t)N > (uint64_t)SIZE_MAX)
        return TCM_ERROR(TCM_EINVAL, "M x N = %d x %d patterns are too large", M, N);
    return TCM_OK;
}

/* Allocate an instance with zeroed patterns (int8 or bits) and outputs after
 * checking the sizes; kind continuous, no teacher, seed 0, generator
 * "imported". NULL with the message set (TCM_EINVAL, TCM_ENOMEM) on error. */
tcm_instance *tcm_instance_alloc_as(int N, int K, int M, tcm_arch arch, tcm_storage storage)
{
    if (check_sizes(N, K, arch) != TCM_OK || check_patterns(N, M) != TCM_OK)
        return NULL;
    if (storage != TCM_STORAGE_INT8 && storage != TCM_STORAGE_BITS) {
        TCM_ERROR(TCM_EINVAL, "unknown pattern storage %d", (int)storage);
        return NULL;
    }
    tcm_instance *inst = calloc(1, sizeof *inst);
    int8_t *outs = calloc((size_t)M, 1);
    if (inst) {
        inst->N = N;
        inst->K = K;
        inst->n = arch == TCM_ARCH_TREE ? N / K : N;
        inst->arch = arch;
    }
    int8_t *pat = NULL;
    uint64_t *bits = NULL;
    if (inst && storage == TCM_STORAGE_BITS)
        bits = calloc((size_t)M * tcm_instance_bit_row(inst), sizeof *bits);
    else if (inst)
        pat = calloc((size_t)M * (size_t)N, 1);
    if (!inst || !outs || (!pat && !bits)) {
        free(inst);
        free(pat);
        free(bits);
        free(outs);
        TCM_ERROR(TCM_ENOMEM, "out of memory allocating an instance of %d x %d patterns (%s)", M, N,
                  tcm_storage_name(storage));
        return NULL;
    }
    inst->M = M;
    inst->kind = TCM_WEIGHTS_CONTINUOUS;
    inst->patterns = pat;
    inst->bits = bits;
    inst->outputs = outs;
    inst->teacher = NULL;
    inst->seed = 0;
    strcpy(inst->generator, "imported");
    inst->rule = TCM_RULE_MAJORITY;
    return inst;
}

tcm_instance *tcm_instance_alloc(int N, int K, int M, tcm_arch arch)
{
    return tcm_instance_alloc_as(N, K, M, arch, TCM_STORAGE_INT8);
}

/* Release inst, its arrays and its teacher; NULL-safe. */
void tcm_instance_free(tcm_instance *inst)
{
    if (!inst)
        return;
    free(inst->patterns);
    free(inst->bits);
    free(inst->outputs);
    tcm_weights_free(inst->teacher);
    free(inst);
}

/* Number of patterns asked for by p: p->M if positive, else
 * round(alpha * N) (tree) or round(alpha * N * K) (full). */
static int params_M(const tcm_instance_params *p, int *M)
{
    if (p->M < 0)
        return TCM_ERROR(TCM_EINVAL, "M (number of patterns) must be positive, got M = %d", p->M);
    if (p->M > 0) {
        *M = p->M;
        return TCM_OK;
    }
    if (!isfinite(p->alpha) || p->alpha <= 0.0)
        return TCM_ERROR(TCM_EINVAL, "alpha must be finite and positive, got alpha = %g",
                         p->alpha);
    double units = p->arch == TCM_ARCH_FULL ? (double)p->N * (double)p->K : (double)p->N;
    double m = round(p->alpha * units);
    if (m < 1.0)
        return TCM_ERROR(TCM_EINVAL, "alpha = %g gives M = 0 patterns for N = %d, K = %d",
                         p->alpha, p->N, p->K);
    if (m > (double)INT_MAX)
        return TCM_ERROR(TCM_EINVAL, "alpha = %g gives too many patterns (%.0f)", p->alpha, m);
    *M = (int)m;
    return TCM_OK;
}

/* Pattern a (N entries) from stream a + 1: entry i is bit i % 64 of word
 * i / 64 (set -> +1, clear -> -1). Each row depends only on (seed, a). */
static void draw_row(int8_t *row, int N, uint64_t seed, int a)
{
    tcm_rng r;
    tcm_rng_init(&r, seed, (uint64_t)a + 1);
    uint64_t word = 0;
    for (int i = 0; i < N; i++) {
        if (i % 64 == 0)
            word = tcm_rng_u64(&r);
        row[i] = (int8_t)((word >> (i % 64)) & 1 ? 1 : -1);
    }
}

/* The teacher's output on one pattern row under the instance's rule. A
 * hidden field that is exactly 0 (possible for a binary teacher with an even
 * number of inputs per unit) counts as +1, so with K_t odd the vote never
 * ties and the parity is always +-1. */
static int8_t teacher_output(const tcm_instance *inst, const tcm_weights *t, const int8_t *row)
{
    const size_t stride = inst->arch == TCM_ARCH_TREE ? (size_t)t->n : 0;
    int vote = 0, prod = 1;
    for (int k = 0; k < t->K; k++) {
        int tau = tcm_weights_field(t, k, row + (size_t)k * stride) < 0.0 ? -1 : 1;
        vote += tau;
        prod *= tau;
    }
    return (int8_t)tcm_output_decide(inst->rule, vote, prod);
}

/* Every pattern (and, with a teacher t, its output) in the instance's
 * storage: int8 rows are drawn in place; bits rows are drawn into one int8
 * row per thread and packed. TCM_ENOMEM if a row buffer cannot be had. */
static int fill_patterns(tcm_instance *inst, uint64_t seed, const tcm_weights *t)
{
    const int M = inst->M, N = inst->N;
    int fail = 0;
#pragma omp parallel reduction(+ : fail)
    {
        int8_t *buf = inst->bits ? malloc((size_t)N) : NULL;
        fail += inst->bits && !buf;
#pragma omp for schedule(static)
        for (int a = 0; a < M; a++) {
            if (inst->bits && !buf)
                continue;
            int8_t *row = buf ? buf : inst->patterns + (size_t)a * (size_t)N;
            draw_row(row, N, seed, a);
            if (t)
                inst->outputs[a] = teacher_output(inst, t, row);
            if (buf)
                tcm_instance_pack_row(inst, row, inst->bits + (size_t)a * tcm_instance_bit_row(inst));
        }
        free(buf);
    }
    return fail ? TCM_ERROR(TCM_ENOMEM, "out of memory for the rows of the generator") : TCM_OK;
}

/* Random outputs: output a is the a-th sign of stream 0. */
static void fill_random_outputs(tcm_instance *inst, uint64_t seed)
{
    tcm_rng r;
    tcm_rng_init(&r, seed, 0);
    for (int a = 0; a < inst->M; a++)
        inst->outputs[a] = (int8_t)tcm_rng_sign(&r);
}

/* A random teacher of K_t units over n_t inputs each: unit k from stream
 * 2^40 + k, Gaussian entries normalised to sum w^2 = n_t, or +-1 entries. */
static int make_teacher(tcm_weights **out, int K_t, int n_t, tcm_weight_kind kind, uint64_t seed)
{
    tcm_weights *t = tcm_weights_alloc(K_t, n_t, kind);
    if (!t)
        return tcm_last_error_code();
    for (int k = 0; k < K_t; k++) {
        tcm_rng r;
        tcm_rng_init(&r, seed, TCM_TEACHER_STREAM + (uint64_t)k);
        double *wk = t->w + (size_t)k * (size_t)n_t;
        for (int i = 0; i < n_t; i++)
            wk[i] = kind == TCM_WEIGHTS_BINARY ? (double)tcm_rng_sign(&r) : tcm_rng_normal(&r);
    }
    int st = kind == TCM_WEIGHTS_CONTINUOUS ? tcm_weights_normalize(t) : TCM_OK;
    if (st != TCM_OK) {
        tcm_weights_free(t);
        return st;
    }
    *out = t;
    return TCM_OK;
}

/* Teacher size for p: K_t = p->K_teacher or K, allowed by the rule (odd for
 * majority), dividing N for trees. */
static int teacher_shape(const tcm_instance_params *p, int *K_t, int *n_t)
{
    int kt = p->K_teacher ? p->K_teacher : p->K;
    if (kt <= 0)
        return TCM_ERROR(TCM_EINVAL, "K_teacher must be positive, got K_teacher = %d", kt);
    int st = check_rule(p->rule, kt, "K_teacher");
    if (st != TCM_OK)
        return st;
    if (p->arch == TCM_ARCH_TREE && p->N % kt != 0)
        return TCM_ERROR(TCM_EINVAL,
                         "N = %d is not divisible by K_teacher = %d (tree architecture)", p->N,
                         kt);
    *K_t = kt;
    *n_t = p->arch == TCM_ARCH_TREE ? p->N / kt : p->N;
    return TCM_OK;
}

/* Check every parameter of p and compute M (and the teacher's shape). */
static int check_params(const tcm_instance_params *p, int *M, int *K_t, int *n_t)
{
    int st = check_rule(p->rule, p->K, "K");
    if (st == TCM_OK)
        st = check_sizes(p->N, p->K, p->arch);
    if (st == TCM_OK && p->kind != TCM_WEIGHTS_CONTINUOUS && p->kind != TCM_WEIGHTS_BINARY)
        st = TCM_ERROR(TCM_EINVAL, "unknown weight kind %d", (int)p->kind);
    if (st == TCM_OK)
        st = params_M(p, M);
    if (st == TCM_OK && p->teacher)
        st = teacher_shape(p, K_t, n_t);
    return st;
}

/* Generate an instance from p in the given storage (see instance.h for the
 * stream layout). On error *out is NULL and the status is returned with the
 * message set. */
int tcm_instance_generate_as(tcm_instance **out, const tcm_instance_params *p, tcm_storage storage)
{
    if (!out || !p)
        return TCM_ERROR(TCM_EINVAL, "generate: NULL output or parameters");
    *out = NULL;
    int M = 0, K_t = 0, n_t = 0;
    int st = check_params(p, &M, &K_t, &n_t);
    if (st != TCM_OK)
        return st;
    tcm_instance *inst = tcm_instance_alloc_as(p->N, p->K, M, p->arch, storage);
    if (!inst)
        return tcm_last_error_code();
    inst->kind = p->kind;
    inst->seed = p->seed;
    inst->rule = p->rule;
    if (p->teacher)
        st = make_teacher(&inst->teacher, K_t, n_t, p->kind, p->seed);
    if (st == TCM_OK)
        st = fill_patterns(inst, p->seed, inst->teacher);
    if (st != TCM_OK) {
        tcm_instance_free(inst);
        return st;
    }
    if (!p->teacher)
        fill_random_outputs(inst, p->seed);
    strcpy(inst->generator, p->teacher ? "teacher" : "random");
    *out = inst;
    return TCM_OK;
}

int tcm_instance_generate(tcm_instance **out, const tcm_instance_params *p)
{
    return tcm_instance_generate_as(out, p, TCM_STORAGE_INT8);
}

/* Sizes, derived n, kind and array pointers of inst. */
static int validate_shape(const tcm_instance *inst)
{
    int st = check_rule(inst->rule, inst->K, "K");
    if (st == TCM_OK)
        st = check_sizes(inst->N, inst->K, inst->arch);
    if (st == TCM_OK)
        st = check_patterns(inst->N, inst->M);
    if (st != TCM_OK)
        return st;
    int n = inst->arch == TCM_ARCH_TREE ? inst->N / inst->K : inst->N;
    if (inst->n != n)
        return TCM_ERROR(TCM_EINVAL, "n = %d but the %s architecture with N = %d, K = %d needs %d",
                         inst->n, tcm_arch_name(inst->arch), inst->N, inst->K, n);
    if (inst->kind != TCM_WEIGHTS_CONTINUOUS && inst->kind != TCM_WEIGHTS_BINARY)
        return TCM_ERROR(TCM_EINVAL, "unknown weight kind %d", (int)inst->kind);
    if ((!inst->patterns && !inst->bits) || !inst->outputs)
        return TCM_ERROR(TCM_EINVAL, "instance has no pattern or output array");
    if (inst->patterns && inst->bits)
        return TCM_ERROR(TCM_EINVAL, "instance has both int8 and bits patterns");
    return TCM_OK;
}

/* Every int8 pattern entry is +1 or -1; names the first bad one. */
static int validate_int8_entries(const tcm_instance *inst)
{
    for (int a = 0; a < inst->M; a++) {
        const int8_t *row = inst->patterns + (size_t)a * (size_t)inst->N;
        for (int i = 0; i < inst->N; i++)
            if (row[i] != 1 && row[i] != -1)
                return TCM_ERROR(TCM_EINVAL, "pattern %d, input %d is %d (expected +1 or -1)", a,
                                 i, (int)row[i]);
    }
    return TCM_OK;
}

/* Every slice of the bits has zero tail bits (past n); names the first bad one. */
static int validate_bit_tails(const tcm_instance *inst)
{
    const int S = tcm_instance_bit_slices(inst), W = tcm_instance_bit_words(inst);
    const int used = inst->n - 64 * (W - 1); /* bits in use in the last word, 1..64 */
    if (used == 64)
        return TCM_OK;
    const uint64_t tail = ~(((uint64_t)1 << used) - 1);
    for (int a = 0; a < inst->M; a++)
        for (int k = 0; k < S; k++)
            if (inst->bits[((size_t)a * (size_t)S + (size_t)k) * (size_t)W + (size_t)(W - 1)] & tail)
                return TCM_ERROR(TCM_EINVAL, "pattern %d, slice %d has bits set past its %d inputs", a, k, inst->n);
    return TCM_OK;
}

/* Every pattern entry and output is +1 or -1 (bits: the tails are zero);
 * names the first bad one. */
static int validate_entries(const tcm_instance *inst)
{
    int st = inst->bits ? validate_bit_tails(inst) : validate_int8_entries(inst);
    if (st != TCM_OK)
        return st;
    for (int a = 0; a < inst->M; a++)
        if (inst->outputs[a] != 1 && inst->outputs[a] != -1)
            return TCM_ERROR(TCM_EINVAL, "output %d is %d (expected +1 or -1)", a,
                             (int)inst->outputs[a]);
    return TCM_OK;
}

/* The optional teacher: K_t allowed by the rule (odd for majority),
 * n_t = N / K_t (tree) or N (full), valid weights. */
static int validate_teacher(const tcm_instance *inst)
{
    const tcm_weights *t = inst->teacher;
    if (!t)
        return TCM_OK;
    if (!tcm_output_rule_allows_K(inst->rule, t->K))
        return TCM_ERROR(TCM_EINVAL, "teacher has K = %d units; the %s rule needs %s", t->K,
                         tcm_output_rule_name(inst->rule),
                         inst->rule == TCM_RULE_MAJORITY ? "an odd positive number" : "at least 1");
    int tree = inst->arch == TCM_ARCH_TREE;
    if ((tree && (inst->N % t->K != 0 || t->n != inst->N / t->K)) || (!tree && t->n != inst->N))
        return TCM_ERROR(TCM_EINVAL, "teacher shape %d x %d does not fit N = %d (%s architecture)",
                         t->K, t->n, inst->N, tcm_arch_name(inst->arch));
    return tcm_weights_validate(t);
}

/* Check everything about inst, either storage; the first problem found is reported. */
int tcm_instance_validate_stored(const tcm_instance *inst)
{
    if (!inst)
        return TCM_ERROR(TCM_EINVAL, "instance is NULL");
    int st = validate_shape(inst);
    if (st == TCM_OK)
        st = validate_entries(inst);
    if (st == TCM_OK)
        st = validate_teacher(inst);
    return st;
}

/* As tcm_instance_validate_stored, and the patterns must be int8. */
int tcm_instance_validate(const tcm_instance *inst)
{
    int st = tcm_instance_validate_stored(inst);
    return st == TCM_OK ? tcm_instance_require_int8(inst) : st;
}

/* The storage policy (instance.h): int8 or the one refusal. */
int tcm_instance_require_int8(const tcm_instance *inst)
{
    if (inst && !inst->patterns && inst->bits)
        return TCM_ERROR(TCM_EINVAL, "the instance stores its patterns as bits (generate --storage bits), which only "
                                     "the AMP engine reads (--engine amp); generate it with --storage int8 for this");
    return TCM_OK;
}

/* M / N (tree) or M / (N K) (fully connected); NaN for NULL. */
double tcm_instance_alpha(const tcm_instance *inst)
{
    if (!inst || inst->N <= 0 || inst->K <= 0)
        return NAN;
    double units = (double)inst->N * (inst->arch == TCM_ARCH_FULL ? (double)inst->K : 1.0);
    return (double)inst->M / units;
}

/* "tree", "full", or "unknown" for values outside the enum. */
const char *tcm_arch_name(tcm_arch arch)
{
    switch (arch) {
    case TCM_ARCH_TREE: return "tree";
    case TCM_ARCH_FULL: return "full";
    default: return "unknown";
    }
}

/* Parse "tree" or "full" (exact, case-sensitive). */
int tcm_arch_parse(const char *s, tcm_arch *out)
{
    if (s && strcmp(s, "tree") == 0) {
        *out = TCM_ARCH_TREE;
        return TCM_OK;
    }
    if (s && strcmp(s, "full") == 0) {
        *out = TCM_ARCH_FULL;
        return TCM_OK;
    }
    return TCM_ERROR(TCM_EINVAL, "unknown architecture '%s' (expected tree or full)",
                     s ? s : "(null)");
}

const char *const tcm_storage_names[] = { TCM_STORAGES(TCM_ENUM_NAME) NULL };

TCM_NAMES_FUNCTIONS(tcm_storage, tcm_storage, tcm_storage_names, "pattern storage")

tcm_storage tcm_instance_storage(const tcm_instance *inst)
{
    return inst && inst->bits ? TCM_STORAGE_BITS : TCM_STORAGE_INT8;
}

/* Pack one pattern's entries into its slices (instance.h layout). */
void tcm_instance_pack_row(const tcm_instance *inst, const int8_t *row, uint64_t *dst)
{
    const int S = tcm_instance_bit_slices(inst), W = tcm_instance_bit_words(inst), n = inst->n;
    for (int k = 0; k < S; k++) {
        const int8_t *x = row + (inst->arch == TCM_ARCH_TREE ? (size_t)k * (size_t)n : 0);
        uint64_t *w = dst + (size_t)k * (size_t)W;
        for (int j = 0; j < W; j++) {
            uint64_t word = 0;
            int end = n - 64 * j < 64 ? n - 64 * j : 64;
            for (int b = 0; b < end; b++)
                word |= (uint64_t)(x[64 * j + b] > 0) << b;
            w[j] = word;
        }
    }
}

/* Entry i of pattern a of a bits instance, +-1. */
static int8_t bit_entry(const tcm_instance *inst, int a, int i)
{
    const int S = tcm_instance_bit_slices(inst), W = tcm_instance_bit_words(inst);
    int k = inst->arch == TCM_ARCH_TREE ? i / inst->n : 0, j = i - k * inst->n;
    uint64_t word = inst->bits[((size_t)a * (size_t)S + (size_t)k) * (size_t)W + (size_t)(j / 64)];
    return (int8_t)((word >> (j % 64)) & 1 ? 1 : -1);
}

/* The eight entries of byte b of bits as the bytes of a word (entry r in
 * byte r: 0x01 for a set bit, 0xFF = -1 for a clear one), without a branch:
 * byte r of b * 0x0101.. & 0x8040.. is 0 or 2^r, adding 0x7F sets its top
 * bit exactly when it is not 0 (no carry), and 0xFF ^ (s * 0xFE) maps s = 1
 * to 0x01 and s = 0 to 0xFF. */
static uint64_t byte_entries(uint64_t b)
{
    uint64_t x = (b * UINT64_C(0x0101010101010101)) & UINT64_C(0x8040201008040201);
    uint64_t set = ((x + UINT64_C(0x7F7F7F7F7F7F7F7F)) & UINT64_C(0x8080808080808080)) >> 7;
    return ~UINT64_C(0) ^ (set * 0xFE);
}

/* Unpack the n entries of one slice, eight at a time. */
static void unpack_slice(const uint64_t *w, int n, int8_t *x)
{
    int i = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; i + 8 <= n; i += 8) {
        uint64_t e = byte_entries((w[i / 64] >> (i % 64)) & 0xFF);
        memcpy(x + i, &e, 8); /* byte r is entry i + r on a little-endian machine */
    }
#endif
    for (; i < n; i++) x[i] = (int8_t)((w[i / 64] >> (i % 64)) & 1 ? 1 : -1);
}

/* Unpack pattern a (either storage) into row. */
void tcm_instance_row(const tcm_instance *inst, int a, int8_t *row)
{
    if (inst->patterns) {
        memcpy(row, inst->patterns + (size_t)a * (size_t)inst->N, (size_t)inst->N);
        return;
    }
    const int S = tcm_instance_bit_slices(inst), W = tcm_instance_bit_words(inst), n = inst->n;
    const uint64_t *bits = inst->bits + (size_t)a * tcm_instance_bit_row(inst);
    for (int k = 0; k < S; k++) unpack_slice(bits + (size_t)k * (size_t)W, n, row + (size_t)k * (size_t)n);
}

/* FNV-1a over the bytes of a buffer, continuing from h. */
static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* FNV-1a over the entries (int8 +-1, in row order) of every pattern. */
static uint64_t fnv1a_patterns(uint64_t h, const tcm_instance *inst)
{
    if (inst->patterns)
        return fnv1a(h, inst->patterns, (size_t)inst->M * (size_t)inst->N);
    int8_t *row = malloc((size_t)inst->N);
    if (!row) /* a fingerprint never fails: unpack one entry at a time */
        for (int a = 0; a < inst->M; a++)
            for (int i = 0; i < inst->N; i++) {
                int8_t x = bit_entry(inst, a, i);
                h = fnv1a(h, &x, 1);
            }
    else
        for (int a = 0; a < inst->M; a++) {
            tcm_instance_row(inst, a, row);
            h = fnv1a(h, row, (size_t)inst->N);
        }
    free(row);
    return h;
}

uint64_t tcm_instance_fingerprint(const tcm_instance *inst)
{
    int32_t head[4] = { inst->N, inst->K, inst->M, (int32_t)inst->arch };
    uint64_t h = fnv1a(14695981039346656037ULL, head, sizeof head);
    h = fnv1a_patterns(h, inst);
    h = fnv1a(h, inst->outputs, (size_t)inst->M);
    if (inst->rule != TCM_RULE_MAJORITY) { /* majority: the hash from before rules existed */
        const char *name = tcm_output_rule_name(inst->rule);
        h = fnv1a(h, name, strlen(name));
    }
    return h;
}
