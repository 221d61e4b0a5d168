/* Opening input files (see tcmbp/infile.h): open without blocking, check
 * with fstat that it is a regular file, then restore blocking reads. */
#include "tcmbp/infile.h"

#include "tcmbp/error.h"

#include "syserr.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* Open path as a regular file; see infile.h. O_NONBLOCK makes the open of
 * a FIFO without a writer return at once, so it can be refused. */
int tcm_infile_open_fd(int *fd, const char *path)
{
    char e[128];
    struct stat st;
    *fd = -1;
    if (!path || !*path)
        return TCM_ERROR(TCM_EIO, "cannot open an empty path");
    int d = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (d < 0)
        return TCM_ERROR(TCM_EIO, "cannot open %s: %s", path, tcm_errno_text(errno, e, sizeof e));
    int rc = TCM_OK;
    if (fstat(d, &st) != 0)
        rc = TCM_ERROR(TCM_EIO, "cannot open %s: %s", path, tcm_errno_text(errno, e, sizeof e));
    else if (!S_ISREG(st.st_mode))
        rc = TCM_ERROR(TCM_EIO, "cannot open %s: it is %s, not a regular file", path, tcm_file_kind_text(st.st_mode));
    else if (fcntl(d, F_SETFL, fcntl(d, F_GETFL) & ~O_NONBLOCK) != 0)
        rc = TCM_ERROR(TCM_EIO, "cannot open %s: %s", path, tcm_errno_text(errno, e, sizeof e));
    if (rc != TCM_OK) {
        close(d);
        return rc;
    }
    *fd = d;
    return TCM_OK;
}

/* The same as a stdio stream. */
int tcm_infile_open(FILE **f, const char *path)
{
    char e[128];
    int fd;
    *f = NULL;
    int rc = tcm_infile_open_fd(&fd, path);
    if (rc != TCM_OK)
        return rc;
    *f = fdopen(fd, "rb");
    if (!*f) {
        rc = TCM_ERROR(TCM_EIO, "cannot open %s: %s", path, tcm_errno_text(errno, e, sizeof e));
        close(fd);
    }
    return rc;
}

/* Open and close: TCM_OK if path is a readable regular file. */
int tcm_infile_check(const char *path)
{
    int fd;
    int rc = tcm_infile_open_fd(&fd, path);
    if (rc == TCM_OK)
        close(fd);
    return rc;
}
