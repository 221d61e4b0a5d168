/* The factor graph of one instance for binary (+-1) weights (EQUATIONS.md 2): edge
 * layout, one field per edge for the messages from the hidden-unit factors
 * to the weights, per-weight marginal fields, the reference field of the
 * local-volume measure (EQUATIONS.md 3.2) and the focusing field (EQUATIONS.md 4.2). No algorithm
 * logic lives here (see bin.c and bbp.c).
 *
 * Every message is a field f (half log-odds): the message from factor (a,k)
 * to weight (k,i) is proportional to exp(f w), its magnetisation is tanh(f).
 * Fields, never magnetisations, are stored so that nearly polarised messages
 * keep their precision (1 - tanh f is e^{-2f} to full relative accuracy).
 *
 * Edge (a, k, i) of pattern a, unit k, input i has index (a*K + k)*n + i, as
 * in graph.h, so one hidden-unit factor's n edges are contiguous. Memory per
 * edge: one double (8 bytes) plus the instance's 1-byte pattern entry. */
#ifndef TCMBP_BGRAPH_H
#define TCMBP_BGRAPH_H

#include <math.h>
#include <stddef.h>

#include "tcmbp/instance.h"

/* Largest magnitude a message field f[a->ki] is given. A message this strong
 * already has 1 - |tanh f| = 2e-868, below the smallest double, so the cap
 * changes no magnetisation; it keeps sums of fields finite when a factor is
 * fully determined by the others (zero cavity variance). */
#define TCM_BIN_FIELD_MAX 1e3

typedef struct {
    const tcm_instance *inst; /* borrowed; must outlive the graph */
    int K, n, M;
    size_t nw;                /* weights: K*n */
    size_t ne;                /* edges: M*K*n */

    double *f;                /* ne: factor -> weight message fields */

    /* Marginal field of weight ki (EQUATIONS.md 2):
     * field = lambda * wref + ustar + sum_a f[a->ki]. */
    double *field;            /* nw */

    /* Reference field (EQUATIONS.md 3.2): exp(lambda wref w); wref NULL when unused. */
    double lambda;
    double *wref;             /* nw or NULL; entries +-1 */

    /* Focusing field (EQUATIONS.md 4.2), a field like the messages; NULL when unused. */
    double *ustar;            /* nw */

    /* Per hidden-unit factor (a,k): messages to and from tau_ka. */
    double *lp, *lq;          /* M*K: log P(tau=+1), log P(tau=-1) (message p_ka) */
    double *fout;             /* M*K: field of the output factor's message h_ka */

    int nthreads;             /* size of the per-thread scratch below */
    size_t work_stride;       /* doubles of scratch per thread */
    double *work;             /* nthreads * work_stride */
    double *per_pattern;      /* M: per-pattern partial results (deterministic reductions) */
    double *block_old;        /* block schedule: old messages of one block (allocated on first use) */
    size_t block_cap;         /* doubles in block_old */
    double *signs;            /* nw: scratch of tcm_bbp_errors (counted after every focusing sweep) */
    double *lcosh;            /* nw: ln cosh of the marginal fields, scratch of tcm_bin_pattern_terms */
    int fields_restored;      /* field was restored exactly from a checkpoint: the next
                               * run uses it as it is instead of rebuilding it */
} tcm_bgraph;

/* Allocate the graph of inst with zero messages, no reference and no
 * focusing, with scratch for up to nthreads threads (<= 0:
 * omp_get_max_threads()) sized for the CLT hidden-unit mode (see
 * tcm_bgraph_reserve for the exact mode). NULL on error (message set:
 * TCM_EINVAL for an invalid instance, TCM_ENOMEM). */
tcm_bgraph *tcm_bgraph_alloc(const tcm_instance *inst, int nthreads);

/* The same using only the first M patterns of inst (0 <= M <= inst->M): M = 0
 * is the alpha = 0 limit, prefixes give an alpha sweep on one instance. */
tcm_bgraph *tcm_bgraph_alloc_patterns(const tcm_instance *inst, int M, int nthreads);

/* Release g and its arrays (NULL-safe). */
void tcm_bgraph_free(tcm_bgraph *g);

/* Make the per-thread scratch at least `doubles` long (kept if already so).
 * TCM_ENOMEM on failure (the old scratch is kept). Called by the drivers
 * before the sweeps, never inside one. */
int tcm_bgraph_reserve(tcm_bgraph *g, size_t doubles);

/* Attach a reference configuration (copied; K x n entries +-1) with coupling
 * lambda >= 0, or detach it with wref == NULL. The marginal fields are not
 * rebuilt here. TCM_EINVAL for a bad lambda or an entry that is not +-1,
 * TCM_ENOMEM. */
int tcm_bgraph_set_reference(tcm_bgraph *g, const double *wref, double lambda);

/* Enable the focusing field (allocated zero on first call). TCM_ENOMEM. */
int tcm_bgraph_enable_focusing(tcm_bgraph *g);

/* Random initial messages: f = atanh(amplitude * (2u - 1)) with u uniform in
 * (0,1), i.e. magnetisations uniform in (-amplitude, amplitude) as in the
 * Julia package's randfact; pattern a uses RNG stream a + 1 of seed, so the
 * result is the same for any thread count. amplitude in [0, 1]. */
void tcm_bgraph_randomize(tcm_bgraph *g, double amplitude, unsigned long long seed);

/* Below this many units of work (edges, or weights) a loop runs on one
 * thread: for small graphs the fork/join costs more than it saves. Results
 * never depend on it (all reductions are in a fixed order). */
#define TCM_BGRAPH_PARALLEL_MIN 32768

/* Nonzero when a loop over `work` items should use the graph's threads. */
static inline int tcm_bgraph_parallel(size_t work) { return work >= TCM_BGRAPH_PARALLEL_MIN; }

/* Magnetisation tanh(field) of weight ki. */
static inline double tcm_bgraph_mag(const tcm_bgraph *g, size_t ki) { return tanh(g->field[ki]); }

/* Bytes of state per edge (message + pattern entry). */
double tcm_bgraph_bytes_per_edge(const tcm_bgraph *g);

#endif
