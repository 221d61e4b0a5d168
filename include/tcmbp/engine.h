/* The engine interface: one operations table behind which every
 * message-passing state plugs in (continuous-weight BP over tcm_graph and
 * binary-weight BP over tcm_bgraph today; approximate message passing
 * later). The drivers (driver.h: plain BP, the local-volume ladder,
 * focusing) and the result writers see only this interface, so a new engine
 * is one new file with its operations plus its entry in the kind table.
 *
 * Dispatch happens once per sweep (or per measurement), never per edge: the
 * hot loops stay inside each engine's sweep. */
#ifndef TCMBP_ENGINE_H
#define TCMBP_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "tcmbp/bin.h"
#include "tcmbp/cont.h"
#include "tcmbp/h5.h"
#include "tcmbp/instance.h"
#include "tcmbp/output.h"
#include "tcmbp/protocol.h"
#include "tcmbp/sweep.h"
#include "tcmbp/weights.h"

/* Modes and damping of a sweep. Each engine reads the fields it has: the
 * continuous engine `cavity`, the binary one `hidden`; both the others. */
typedef struct {
    tcm_cavity_mode cavity; /* continuous hidden-unit factor: exact | fast */
    tcm_hidden_mode hidden; /* binary hidden-unit factor: clt | exact */
    tcm_output_mode output; /* output factor: exact | clt */
    tcm_schedule schedule;  /* parallel, or fixed blocks with marginals refreshed after each */
    int block_size;         /* patterns per block (block schedule) */
    double damping;         /* new = (1 - damping) computed + damping old, in [0, 1) */
    double focus_damping;   /* continuous BP focusing fields U*, V*: the same rule, in [0, 1); 0 = undamped
                             * (the binary engine damps u* with `damping`; the AMP engine needs 0) */
} tcm_engine_modes;

#define TCM_ENGINE_MODES_INIT { TCM_CAVITY_EXACT, TCM_HIDDEN_CLT, TCM_OUTPUT_EXACT, TCM_SCHEDULE_PARALLEL, 64, 0.5, 0.0 }

/* What one sweep changed. */
typedef struct {
    double messages; /* largest change of any factor -> weight message */
    double norm;     /* largest change of a normalisation field (chi, chi*); 0 where there is none */
    double focus;    /* largest change of a focusing field */
    int nonfinite;   /* updates that were not finite (old values kept) */
} tcm_engine_change;

/* Thermodynamics of the current state. Fields an engine does not have are NaN. */
typedef struct {
    double phi;      /* Bethe free entropy per weight */
    double entropy;  /* S: the reference terms removed (volume: S(d)) */
    double q;        /* (1/(K n)) sum m^2 */
    double distance; /* distance to the reference (0 without one) */
    double chibar;   /* continuous: mean chi_k */
    double overlap;  /* binary: (1/(K n)) sum wref m */
} tcm_engine_thermo;

/* Engine-specific columns of a focusing step (history) and of a volume
 * point: names come from the engine, values fill `extra` in that order. */
#define TCM_ENGINE_MAX_EXTRAS 8

typedef struct tcm_engine tcm_engine;

/* The message-passing algorithm behind an engine: belief propagation over
 * the factor graph's edges, or approximate message passing (docs/AMP.md,
 * O(N + M K) doubles plus the patterns' bits). */
#define TCM_ENGINE_ALGOS(X) X(TCM_ENGINE_BP, "bp") X(TCM_ENGINE_AMP, "amp")
typedef enum { TCM_ENGINE_ALGOS(TCM_ENUM_VALUE) } tcm_engine_algo;
extern const char *const tcm_engine_algo_names[];
const char *tcm_engine_algo_name(tcm_engine_algo a);           /* "bp" / "amp"; "unknown" */
int tcm_engine_algo_parse(const char *s, tcm_engine_algo *out); /* TCM_EINVAL on unknown */

typedef struct {
    const char *name;           /* weight kind: "continuous", "binary" */
    const char *coupling_name;  /* focusing coupling: "lambda", "gamma" */
    int allows_infinite_coupling; /* gamma = inf (reinforcement) has a meaning */

    /* Check the modes this engine reads (TCM_EINVAL naming the problem). */
    int (*check_modes)(const tcm_engine_modes *m);
    /* Make the state consistent before iterating: marginals from the messages
     * (and whatever an edit of the state left stale), scratch for the modes. */
    int (*prepare)(tcm_engine *e, const tcm_engine_modes *m);
    /* One sweep; focus is the focusing step (coupling, y) or NULL. */
    int (*sweep)(tcm_engine *e, const tcm_engine_modes *m, const tcm_protocol_step *focus, tcm_engine_change *c);
    /* TCM_ENUMERIC (message set) when the state has no valid thermodynamics. */
    int (*thermo)(tcm_engine *e, const tcm_engine_modes *m, tcm_engine_thermo *t);
    /* Training errors of the engine's configuration (configuration()). */
    int (*errors)(const tcm_engine *e, int *errors);
    /* The configuration the engine stands for: normalised means (continuous)
     * or sign(field) (binary), into a weights object of its kind. */
    int (*configuration)(const tcm_engine *e, tcm_weights *w);
    /* Attach the reference (K x n, normalised as the kind needs) with coupling
     * lambda; wref NULL keeps the attached one and changes lambda only. */
    int (*set_reference)(tcm_engine *e, const double *wref, double lambda);
    int (*enable_focusing)(tcm_engine *e);
    void (*randomize)(tcm_engine *e, double amplitude, uint64_t seed);
    /* Free-space local entropy at distance d (the alpha = 0 curve). */
    double (*s0)(double d);
    /* Mean normalisation field (progress lines); NaN where there is none. */
    double (*norm_mean)(const tcm_engine *e);

    /* Columns of a focusing step after the common ones, and their values at
     * the end of step s (record: the costly thermodynamic record wanted). */
    const char *const *step_extra_names;
    int step_extras;
    int (*step_record)(tcm_engine *e, const tcm_engine_modes *m, const tcm_protocol_step *s, int record,
                       double *extra);
    /* Columns of a volume point after the common ones (from tcm_engine_thermo). */
    const char *const *point_extra_names;
    int point_extras;
    void (*point_record)(const tcm_engine_thermo *t, double *extra);

    /* Result datasets of the marginals in group (e.g. "/bp"), and the
     * engine's parameter attributes. */
    int (*write_marginals)(const tcm_engine *e, tcm_h5_out *o, const char *group);
    int (*write_modes)(const tcm_engine *e, const tcm_engine_modes *m, tcm_h5_out *o, const char *group);
    /* The full state (messages, fields) as a checkpoint group, and back.
     * resume: the external fields (reference, focusing) are those of the run
     * that wrote it, so derived state may be restored exactly instead of
     * rebuilt (a resumed run then continues bit for bit); 0 for a warm
     * start (--init) under other external fields. */
    int (*checkpoint_write)(const tcm_engine *e, tcm_h5_out *o, const char *group);
    int (*checkpoint_read)(tcm_engine *e, const char *path, const char *group, int resume);
    void (*free_state)(void *state);

    /* Local volume: dS/dd = legendre_factor * lambda at a stationary point
     * (the coupling's overlap falls by legendre_factor per unit of d:
     * continuous 1, binary 2), checked along a ladder (driver.h `legendre`). */
    double legendre_factor;
    /* Whether the engine's approximations hold at distance d under modes m
     * (a volume point's `reliable` column); NULL: everywhere. */
    int (*point_reliable)(const tcm_engine *e, const tcm_engine_modes *m, double d);
} tcm_engine_ops;

struct tcm_engine {
    const tcm_engine_ops *ops;
    tcm_weight_kind kind;
    const tcm_instance *inst; /* borrowed; must outlive the engine */
    int K, n, M;              /* M: patterns used (a prefix of the instance's) */
    void *state;              /* the engine's own state (tcm_graph, tcm_bgraph, tcm_amp) */
    tcm_engine_algo algo;
};

/* Allocate the engine of weight kind `kind` over the first M patterns of
 * inst (0 <= M <= inst->M; M < 0: all), zero messages, scratch for nthreads
 * threads (<= 0: OpenMP's maximum). NULL on error (message set). */
tcm_engine *tcm_engine_alloc(const tcm_instance *inst, tcm_weight_kind kind, int M, int nthreads);
/* The same with the algorithm chosen (tcm_engine_alloc is TCM_ENGINE_BP). */
tcm_engine *tcm_engine_alloc_algo(const tcm_instance *inst, tcm_weight_kind kind, tcm_engine_algo algo, int M,
                                  int nthreads);
/* Release e and its state (NULL-safe). */
void tcm_engine_free(tcm_engine *e);

/* The operations of a kind (NULL for an unknown kind): BP's, and of algorithm algo. */
const tcm_engine_ops *tcm_engine_ops_of(tcm_weight_kind kind);
const tcm_engine_ops *tcm_engine_ops_of_algo(tcm_weight_kind kind, tcm_engine_algo algo);

/* The engine's state as a tcm_graph / tcm_bgraph, or NULL if it is of
 * another kind (for tests, benchmarks and kind-specific tools). */
tcm_graph *tcm_engine_graph(tcm_engine *e);
tcm_bgraph *tcm_engine_bgraph(tcm_engine *e);
struct tcm_amp_s;
/* The AMP state (amp.h), or NULL for a BP engine. */
struct tcm_amp_s *tcm_engine_amp(tcm_engine *e);

/* The configuration as a new weights object of the engine's kind (NULL on error). */
tcm_weights *tcm_engine_weights(const tcm_engine *e);

#endif
