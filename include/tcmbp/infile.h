/* Opening input files safely: anything but a regular file (or a symbolic
 * link to one) is refused at once with a clear message, so a FIFO, a
 * device or a directory given as input never blocks or misleads a reader.
 * Used by every reader of tcmbp (HDF5 inputs, .npy, text, pattern files). */
#ifndef TCMBP_INFILE_H
#define TCMBP_INFILE_H

#include <stdio.h>

/* Open path read-only as a descriptor (*fd, blocking, close-on-exec).
 * TCM_EIO naming path: missing or unreadable ("cannot open PATH: No such
 * file or directory"), or not a regular file ("cannot open PATH: it is a
 * FIFO, not a regular file"); *fd = -1 then. */
int tcm_infile_open_fd(int *fd, const char *path);

/* The same as a stdio stream opened "rb" (*f NULL on error). */
int tcm_infile_open(FILE **f, const char *path);

/* Check that path could be opened by tcm_infile_open (opens and closes it). */
int tcm_infile_check(const char *path);

#endif
