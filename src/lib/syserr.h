/* The text of an errno value, thread-safely, for the library's messages
 * (shared by the file modules: h5, weights_load, atomic). Not public. */
#ifndef TCMBP_SYSERR_H
#define TCMBP_SYSERR_H

#include <stdio.h>
#include <string.h>

/* Thread-safe strerror into buf (POSIX strerror_r); returns buf. */
static inline const char *tcm_errno_text(int e, char *buf, size_t len)
{
    if (strerror_r(e, buf, len) != 0)
        snprintf(buf, len, "error %d", e);
    return buf;
}

#endif
