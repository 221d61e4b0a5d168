/* Result and checkpoint groups of tcmbp output files, written through the
 * generic HDF5 writer (schema in docs/FORMAT.md): run provenance, the /bp
 * group, and message checkpoints that a later run can start from. */
#ifndef TCMBP_RESULTS_H
#define TCMBP_RESULTS_H

#include "tcmbp/bp.h"
#include "tcmbp/fbp.h"
#include "tcmbp/graph.h"
#include "tcmbp/h5.h"

/* Provenance recorded as root attributes of every result file. */
typedef struct {
    const char *command_line; /* the exact command line */
    const char *instance;     /* instance path */
    int threads;              /* OpenMP threads used */
    double wall_seconds;      /* wall time of the whole command */
} tcm_run_info;

/* Root attributes: tcmbp_version, command_line, host, threads,
 * wall_seconds, instance, instance_fingerprint (hex), created (UTC). */
int tcm_results_write_run_info(tcm_h5_out *o, const tcm_run_info *ri, const tcm_instance *inst);

/* Group `group` (e.g. "/bp"): datasets mean (K x n), variance (K x n), chi
 * (K); attributes status, sweeps, change, chi_change, nonfinite_sweep, phi,
 * entropy, q, chibar, errors, seconds, and the parameters (cavity, output,
 * schedule, block_size, damping, tol, max_sweeps, patterns_used). */
int tcm_results_write_bp(tcm_h5_out *o, const char *group, const tcm_graph *g, const tcm_bp_params *p,
                         const tcm_bp_result *r);

/* Group `group` (e.g. "/checkpoint"): U, V (M x K x n), chi (K), and when
 * present ustar, vstar (K x n) and chistar (K); attributes M, K, n,
 * instance_fingerprint, lambda. */
int tcm_checkpoint_write(tcm_h5_out *o, const char *group, const tcm_graph *g);

/* Check that checkpoint group `group` of file `path` was written for this
 * instance (fingerprint) and these sizes; TCM_EFORMAT naming the mismatch.
 * Shared by the continuous and binary checkpoint readers. */
int tcm_checkpoint_check_header(const tcm_h5_in *in, const char *path, const char *group, const tcm_instance *inst,
                                int M, int K, int n);

/* Read dataset `name` into buf after checking it holds exactly count values
 * (a corrupted file must not overflow buf). */
int tcm_checkpoint_read_exact(const tcm_h5_in *in, const char *path, const char *name, size_t count, double *buf);

/* Load the messages of a checkpoint group of file `path` into g. The
 * checkpoint must come from the same instance (fingerprint) and pattern
 * count; TCM_EFORMAT naming the mismatch otherwise. Focusing fields are
 * loaded when both the file and the graph have them. */
int tcm_checkpoint_read(tcm_graph *g, const char *path, const char *group);

/* Table `group` with one row per completed step: step, lambda, y, sweeps,
 * status, change, errors, chi, chistar, seconds. */
int tcm_results_write_fbp_history(tcm_h5_out *o, const char *group, const tcm_fbp_step *history, int count);

/* A complete focusing checkpoint file at path (replaced atomically): the
 * messages and fields (/checkpoint), the position (attributes of /fbp), the
 * history so far (/fbp/history) and the protocol (/fbp/protocol). */
int tcm_fbp_checkpoint_save(const char *path, const tcm_graph *g, const tcm_protocol *proto,
                            const tcm_fbp_position *pos, const tcm_fbp_step *history);

/* Restore what tcm_fbp_checkpoint_save wrote into g, pos and history
 * (proto->count rows). TCM_EFORMAT if the checkpoint was made with another
 * instance or protocol. */
int tcm_fbp_checkpoint_load(const char *path, tcm_graph *g, const tcm_protocol *proto, tcm_fbp_position *pos,
                            tcm_fbp_step *history);

#endif
