/* The result-file schema (docs/FORMAT.md), one layer for every engine: run
 * provenance, the /bp group, the /volume and /solve/history tables from
 * their column descriptors (table.h), message checkpoints, and the
 * checkpoint files of ladder and protocol runs that --resume continues. */
#ifndef TCMBP_RESULTS_H
#define TCMBP_RESULTS_H

#include <stdio.h>

#include "tcmbp/driver.h"
#include "tcmbp/engine.h"
#include "tcmbp/h5.h"
#include "tcmbp/table.h"

/* Provenance recorded as root attributes of every result file. */
typedef struct {
    const char *command_line; /* the exact command line */
    const char *instance;     /* instance path */
    int threads;              /* OpenMP threads used */
    double wall_seconds;      /* wall time of the whole command */
} tcm_run_info;

/* Root attributes: tcmbp_version, command_line, host, threads,
 * wall_seconds, instance, instance_fingerprint (hex), created (UTC), and
 * weights (the weight kind of the run) when not NULL. */
int tcm_results_write_run_info(tcm_h5_out *o, const tcm_run_info *ri, const tcm_instance *inst, const char *weights);

/* "group/name" into buf (len bytes); returns buf. */
const char *tcm_results_join(char *buf, size_t len, const char *group, const char *name);

/* Attributes output, schedule, block_size, damping of group (the modes
 * every engine has; each engine adds its own, e.g. cavity or hidden). */
int tcm_results_write_common_modes(tcm_h5_out *o, const char *group, const tcm_engine_modes *m);

/* All run parameters as attributes of group: the engine's modes, tol, max_sweeps. */
int tcm_results_write_params(tcm_h5_out *o, const char *group, const tcm_engine *e, const tcm_run_params *p);

/* Group `group` (e.g. "/bp"): the engine's marginal datasets; attributes
 * weights, status, sweeps, change, nonfinite_sweep, phi, entropy, q,
 * errors, seconds, patterns_used, the parameters, and the engine's own
 * (chi_change, chibar for continuous weights). */
int tcm_results_write_bp(tcm_h5_out *o, const char *group, const tcm_engine *e, const tcm_run_params *p,
                         const tcm_bp_result *r);

/* ---- tables ------------------------------------------------------------------ */

/* The /volume table of engine e: lambda, distance, entropy, s0,
 * local_entropy, converged, valid, status, sweeps, change, q, limit (the
 * small-distance limit), the engine's point extras, seconds. Rows are
 * tcm_volume_point. */
void tcm_results_volume_table(const tcm_engine *e, tcm_table *t);

/* The focusing history of engine e: step, <coupling> (lambda or gamma), y,
 * sweeps, status, change, errors, the engine's step extras, converged,
 * seconds. Rows are tcm_focus_step. */
void tcm_results_history_table(const tcm_engine *e, tcm_table *t);

/* ---- checkpoints ----------------------------------------------------------- */

/* Start checkpoint group `group`: the group and attributes weights, M, K,
 * n, instance_fingerprint (engines then add their state). */
int tcm_results_checkpoint_header(tcm_h5_out *o, const char *group, const tcm_engine *e);

/* Open checkpoint group `group` of `path` for engine e: the file must have
 * the group, its dataset `mine` (not the other kind's `other`), and a
 * header for this instance and sizes. TCM_EFORMAT naming the problem. On
 * success *in is open (the caller closes it). */
int tcm_results_checkpoint_open(tcm_h5_in **in, const char *path, const char *group, const tcm_engine *e,
                                const char *mine, const char *other);

/* Read dataset `name` into buf after checking it holds exactly count values
 * (a corrupted file must not overflow buf) and no NaN (TCM_ENUMERIC naming
 * the file, dataset and position). */
int tcm_results_read_exact(const tcm_h5_in *in, const char *path, const char *name, size_t count, double *buf);

/* Write e's state as /checkpoint of o (plain, uncompressed doubles). */
int tcm_results_write_checkpoint(tcm_h5_out *o, const tcm_engine *e);

/* Load /checkpoint of path into e (as a warm start: resume = 0). */
int tcm_results_read_checkpoint(tcm_engine *e, const char *path);

/* A complete focusing checkpoint file at path (replaced atomically): the
 * state (/checkpoint), the position (attributes of /fbp) with the run
 * parameters p (attribute run_params), the history so far (/fbp/history)
 * and the protocol (/fbp/protocol). */
int tcm_focus_checkpoint_save(const char *path, const tcm_engine *e, const tcm_run_params *p,
                              const tcm_protocol *proto, const tcm_run_position *pos, const tcm_focus_step *history);

/* Restore what tcm_focus_checkpoint_save wrote into e (focusing enabled
 * here), pos and history (proto->count rows). TCM_EFORMAT if it was made
 * with another instance, weight kind, protocol or run parameters. */
int tcm_focus_checkpoint_load(const char *path, tcm_engine *e, const tcm_run_params *p, const tcm_protocol *proto,
                              tcm_run_position *pos, tcm_focus_step *history);

/* The same for a local-volume ladder: state, position (/ladder) with the
 * run parameters, the reference (/ladder/reference), the points so far
 * (/ladder/points) and the couplings (/ladder/protocol). */
int tcm_volume_checkpoint_save(const char *path, const tcm_engine *e, const tcm_run_params *p, const double *wref,
                               const double *lambdas, int count, const tcm_run_position *pos,
                               const tcm_volume_point *points);

/* Restore a ladder checkpoint: the reference wref is attached at the
 * position's coupling first (tcm_driver_volume_restore), then the state,
 * position and points are read. TCM_EFORMAT for another ladder, reference
 * or run parameters. */
int tcm_volume_checkpoint_load(const char *path, tcm_engine *e, const tcm_run_params *p, const double *wref,
                               const double *lambdas, int count, tcm_run_position *pos, tcm_volume_point *points);

#endif
