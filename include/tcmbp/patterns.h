/* Import of pattern files in the plain text format of the Julia package
 * BinaryCommitteeMachineFBP.jl: one pattern per line, entries +-1 separated
 * by whitespace, every desired output +1; the file may be gzip-compressed
 * (read through zlib, which also reads uncompressed files). */
#ifndef TCMBP_PATTERNS_H
#define TCMBP_PATTERNS_H

#include "tcmbp/instance.h"

/* Read the patterns of `path` (plain or gzipped) into a new instance for a
 * committee machine of K hidden units in architecture arch: N = entries per
 * line, M = number of non-blank lines ('#' starts a comment line), outputs
 * all +1, weight kind binary, generator "imported", seed 0. Entries may be
 * written as any number equal to +-1 ("1", "-1", "+1", "1.0", "-1e0").
 * TCM_EIO if the file cannot be opened or read (or is a damaged gzip stream);
 * TCM_EFORMAT naming the file, line and token for a non-+-1 entry, a line of
 * another length, or no pattern at all; TCM_EINVAL for a bad K or (tree) N
 * not a multiple of K; TCM_ENOMEM. On error *out = NULL. */
int tcm_patterns_read_text(tcm_instance **out, const char *path, int K, tcm_arch arch);

#endif
