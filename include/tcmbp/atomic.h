/* Atomic replacement of one file, for every writer of tcmbp (HDF5 results,
 * CSV tables, checkpoints). The content goes to a unique temporary file
 * next to the target, "PATH.tmp.XXXXXX" (created with O_EXCL, so concurrent
 * writers of one PATH never share it), which is flushed and fsynced, then
 * put in place in one step: without force it is refused at that moment if
 * PATH appeared meanwhile (renameat2 RENAME_NOREPLACE, else link + unlink),
 * with force it is renamed over PATH. A reader never sees a torn PATH and
 * a failed or abandoned write leaves PATH as it was and no temporary file.
 * An existing PATH must be a regular file (or a symbolic link to one, which
 * is then replaced by the new file): directories, FIFOs and device nodes
 * are refused with or without force. */
#ifndef TCMBP_ATOMIC_H
#define TCMBP_ATOMIC_H

#include <stdio.h>

typedef struct tcm_atomic_file tcm_atomic_file;

/* Create the temporary file for path (mode 0666 less the umask). *af is
 * NULL on error. TCM_EEXIST "PATH exists (use --force to overwrite)" when
 * PATH exists and !force; TCM_EIO naming PATH when PATH exists and is not
 * a regular file, or when its folder is missing or not writable;
 * TCM_EINVAL for an empty path; TCM_ENOMEM. */
int tcm_atomic_open(tcm_atomic_file **af, const char *path, int force);

/* A stdio stream on the temporary file, for text writers (opened on the
 * first call, the same stream afterwards; NULL with the error set if it
 * cannot be opened). Do not fclose it: commit or abort does. */
FILE *tcm_atomic_stream(tcm_atomic_file *af);

/* The temporary file's name, for writers that reopen it by name (HDF5)
 * and for messages. */
const char *tcm_atomic_temp_path(const tcm_atomic_file *af);

/* The target's name, as given to tcm_atomic_open. */
const char *tcm_atomic_target_path(const tcm_atomic_file *af);

/* Flush and fsync the temporary file (through the stream when there is
 * one), then put it in place as described above and fsync the folder. af
 * is freed in every case (do not abort it afterwards). On failure the
 * temporary file is removed, PATH is left as it was, and the message says
 * why: TCM_EEXIST when PATH appeared during the write (without force),
 * TCM_EIO for a write, sync or rename error or when PATH became something
 * other than a regular file. */
int tcm_atomic_commit(tcm_atomic_file *af);

/* Close and remove the temporary file, leaving PATH and the last error
 * message untouched (NULL-safe). */
void tcm_atomic_abort(tcm_atomic_file *af);

/* TCM_OK if path can be replaced by a new file: it does not exist, or it is
 * a regular file (or a symbolic link to one) and force is set. Otherwise
 * TCM_EEXIST or TCM_EIO with the messages of tcm_atomic_open. Nothing is
 * created: for checks before long work (the write checks again). */
int tcm_atomic_check_target(const char *path, int force);

#endif
