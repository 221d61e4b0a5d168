/* Result and checkpoint groups of the binary-weight solvers, written through
 * the generic HDF5 writer (schema in docs/FORMAT.md and docs/BINARY.md): the
 * sign configuration as /weights (readable by tcm_weights_load), the /bp
 * group, the /volume and /solve/history tables, and message checkpoints that
 * a later run (also with another protocol) can start from. */
#ifndef TCMBP_BRESULTS_H
#define TCMBP_BRESULTS_H

#include "tcmbp/bbp.h"
#include "tcmbp/bgraph.h"
#include "tcmbp/h5.h"

/* /weights: the configuration sign(field) (zero -> +1) as int8 K x n, with
 * attributes K, n, kind = "binary", normalization on the dataset and the
 * root, the same layout as tcm_h5_write_weights. */
int tcm_bresults_write_weights(tcm_h5_out *o, const tcm_bgraph *g);

/* Group `group` (e.g. "/bp"): datasets magnetization (K x n, tanh of the
 * marginal fields) and field (K x n); attributes status, sweeps, change,
 * nonfinite_sweep, phi, entropy, q, errors, seconds, weights = "binary", and
 * the parameters (hidden, output, schedule, block_size, damping, tol,
 * max_sweeps, patterns_used). */
int tcm_bresults_write_bp(tcm_h5_out *o, const char *group, const tcm_bgraph *g, const tcm_bbp_params *p,
                          const tcm_bbp_result *r);

/* The engine parameters as attributes of `group`: hidden, output, schedule,
 * block_size, damping, tol, max_sweeps. */
int tcm_bresults_write_params(tcm_h5_out *o, const char *group, const tcm_bbp_params *p);

/* Table `group` (e.g. "/volume") with one row per point: lambda, distance,
 * entropy, s0, local_entropy, converged (1/0), sweeps, q, change, seconds. */
int tcm_bresults_write_volume(tcm_h5_out *o, const char *group, const tcm_bbp_volume_point *pts, int count);

/* Table `group` (e.g. "/solve/history") with one row per protocol step: step,
 * gamma, pol, y, S, q, q_tilde, F, free_entropy, sigma_int, errors, sweeps,
 * converged (1/0), change, seconds. */
int tcm_bresults_write_history(tcm_h5_out *o, const char *group, const tcm_bbp_focus_step *steps, int count);

/* Group `group` (e.g. "/checkpoint"): f (M x K x n message fields) and, when
 * present, ustar (K x n); attributes weights = "binary", M, K, n,
 * instance_fingerprint (hex), lambda, and the focusing position gamma, y, step
 * (NaN, NaN, -1 when not focusing). */
int tcm_bcheckpoint_write(tcm_h5_out *o, const char *group, const tcm_bgraph *g, double gamma, double y, int step);

/* Load the messages of checkpoint group `group` of file `path` into g (and
 * ustar when both the file and the graph have it), whatever protocol wrote
 * it. TCM_EFORMAT naming the problem when the checkpoint is missing, is a
 * continuous-weight checkpoint, or comes from another instance or pattern
 * count; TCM_EIO when the file cannot be read. */
int tcm_bcheckpoint_read(tcm_bgraph *g, const char *path, const char *group);

#endif
