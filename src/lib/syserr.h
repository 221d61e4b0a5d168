/* Operating-system details for the library's messages (shared by the file
 * modules: h5, weights_load, atomic, infile): the text of an errno value and
 * the kind of a file that is not a regular one. Not public. */
#ifndef TCMBP_SYSERR_H
#define TCMBP_SYSERR_H

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* Thread-safe strerror into buf (POSIX strerror_r); returns buf. */
static inline const char *tcm_errno_text(int e, char *buf, size_t len)
{
    if (strerror_r(e, buf, len) != 0)
        snprintf(buf, len, "error %d", e);
    return buf;
}

/* "a directory", "a FIFO", ... for the st_mode of a file that is not a
 * regular one ("a regular file" for one). */
static inline const char *tcm_file_kind_text(mode_t m)
{
    if (S_ISREG(m))
        return "a regular file";
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISFIFO(m))
        return "a FIFO";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISBLK(m))
        return "a block device";
    if (S_ISSOCK(m))
        return "a socket";
    return "not a regular file";
}

#endif
