/* Atomic replacement of a file through a unique temporary file next to it
 * (see tcmbp/atomic.h): create "PATH.tmp.XXXXXX" exclusively, let the
 * caller write it, fsync it, and put it in place with renameat2
 * RENAME_NOREPLACE (or link + unlink, or, on file systems with neither, a
 * last check and rename) unless force, with rename otherwise. */
#define _GNU_SOURCE /* renameat2 and RENAME_NOREPLACE (glibc 2.28) */
#include "tcmbp/atomic.h"

#include "tcmbp/error.h"

#include "syserr.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TEMP_SUFFIX ".tmp."
#define TEMP_RANDOM 6     /* the XXXXXX */
#define TEMP_TRIES 1000   /* names tried before giving up (as mkstemp) */

struct tcm_atomic_file {
    char *path; /* target */
    char *tmp;  /* path + ".tmp.XXXXXX" */
    int fd;     /* open on tmp (-1 once closed) */
    FILE *fp;   /* stdio stream on fd, when asked for */
    int force;
};

/* TCM_OK if path may be replaced (see atomic.h); messages name path. */
int tcm_atomic_check_target(const char *path, int force)
{
    struct stat st;
    if (!path || !*path)
        return TCM_ERROR(TCM_EINVAL, "empty output path");
    if (stat(path, &st) != 0) {
        if (lstat(path, &st) == 0) /* a dangling symbolic link: rename replaces the link */
            return force ? TCM_OK : TCM_ERROR(TCM_EEXIST, "%s exists (use --force to overwrite)", path);
        return TCM_OK;
    }
    if (!S_ISREG(st.st_mode))
        return TCM_ERROR(TCM_EIO, "cannot write %s: it is %s, not a regular file", path,
                         tcm_file_kind_text(st.st_mode));
    if (!force)
        return TCM_ERROR(TCM_EEXIST, "%s exists (use --force to overwrite)", path);
    return TCM_OK;
}

/* Six letters or digits, different in every call of every process. */
static void random_suffix(char *out, unsigned salt)
{
    static const char abc[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15u ^ (uint64_t)ts.tv_sec ^
                 (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)out ^ (uint64_t)salt * 0xBF58476D1CE4E5B9u;
    for (int i = 0; i < TEMP_RANDOM; i++) {
        x ^= x >> 31;
        x *= 0x94D049BB133111EBu;
        x ^= x >> 29;
        out[i] = abc[x % (sizeof abc - 1)];
    }
    out[TEMP_RANDOM] = '\0';
}

/* Create af->tmp exclusively (mode 0666 less the umask, like any new
 * file; mkstemp would give 0600). */
static int create_temp(tcm_atomic_file *af)
{
    size_t len = strlen(af->path);
    char e[128];
    for (unsigned t = 0; t < TEMP_TRIES; t++) {
        memcpy(af->tmp, af->path, len);
        memcpy(af->tmp + len, TEMP_SUFFIX, sizeof TEMP_SUFFIX - 1);
        random_suffix(af->tmp + len + sizeof TEMP_SUFFIX - 1, t);
        af->fd = open(af->tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (af->fd >= 0)
            return TCM_OK;
        if (errno != EEXIST)
            return TCM_ERROR(TCM_EIO, "cannot write %s: cannot create %s: %s", af->path, af->tmp,
                             tcm_errno_text(errno, e, sizeof e));
    }
    return TCM_ERROR(TCM_EIO, "cannot write %s: no free temporary name %s.tmp.XXXXXX", af->path, af->path);
}

/* Release af's memory (the files are handled by the caller). */
static void atomic_free(tcm_atomic_file *af)
{
    free(af->path);
    free(af->tmp);
    free(af);
}

/* Check the target, then create its temporary file; see atomic.h. */
int tcm_atomic_open(tcm_atomic_file **out, const char *path, int force)
{
    if (!out)
        return TCM_ERROR(TCM_EINVAL, "tcm_atomic_open: missing argument");
    *out = NULL;
    int rc = tcm_atomic_check_target(path, force);
    if (rc != TCM_OK)
        return rc;
    tcm_atomic_file *af = calloc(1, sizeof *af);
    size_t len = strlen(path);
    if (af) {
        af->fd = -1;
        af->force = force;
        af->path = strdup(path);
        af->tmp = malloc(len + sizeof TEMP_SUFFIX + TEMP_RANDOM);
    }
    if (!af || !af->path || !af->tmp) {
        if (af)
            atomic_free(af);
        return TCM_ERROR(TCM_ENOMEM, "out of memory opening %s", path);
    }
    rc = create_temp(af);
    if (rc != TCM_OK) {
        atomic_free(af);
        return rc;
    }
    *out = af;
    return TCM_OK;
}

/* The stream on the temporary file, opened on the first call. */
FILE *tcm_atomic_stream(tcm_atomic_file *af)
{
    char e[128];
    if (!af || af->fd < 0) {
        TCM_ERROR(TCM_EINVAL, "tcm_atomic_stream: no open file");
        return NULL;
    }
    if (!af->fp && !(af->fp = fdopen(af->fd, "w")))
        TCM_ERROR(TCM_EIO, "cannot write %s: %s", af->tmp, tcm_errno_text(errno, e, sizeof e));
    return af->fp;
}

const char *tcm_atomic_temp_path(const tcm_atomic_file *af) { return af ? af->tmp : ""; }

const char *tcm_atomic_target_path(const tcm_atomic_file *af) { return af ? af->path : ""; }

/* Flush (the stream, if any), fsync and close the temporary file. */
static int sync_close(tcm_atomic_file *af)
{
    char e[128];
    int rc = TCM_OK;
    if (af->fp && (fflush(af->fp) != 0 || ferror(af->fp)))
        rc = TCM_ERROR(TCM_EIO, "cannot write %s: %s", af->tmp, tcm_errno_text(errno, e, sizeof e));
    if (rc == TCM_OK && fsync(af->fd) != 0)
        rc = TCM_ERROR(TCM_EIO, "cannot write %s: %s", af->tmp, tcm_errno_text(errno, e, sizeof e));
    int closed = af->fp ? fclose(af->fp) : close(af->fd);
    if (closed != 0 && rc == TCM_OK)
        rc = TCM_ERROR(TCM_EIO, "cannot write %s: %s", af->tmp, tcm_errno_text(errno, e, sizeof e));
    af->fp = NULL;
    af->fd = -1;
    return rc;
}

/* The refusal when the target appeared during the write. */
static int appeared(const tcm_atomic_file *af)
{
    return TCM_ERROR(TCM_EEXIST, "%s appeared while it was being written (by another run?); it was left as it "
                                 "was and the new result discarded (use --force to overwrite)", af->path);
}

/* Put tmp at path only if path does not exist, in one step. */
static int place_noreplace(const tcm_atomic_file *af)
{
    char e[128];
#ifdef RENAME_NOREPLACE
    if (renameat2(AT_FDCWD, af->tmp, AT_FDCWD, af->path, RENAME_NOREPLACE) == 0)
        return TCM_OK;
    if (errno == EEXIST)
        return appeared(af);
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
        return TCM_ERROR(TCM_EIO, "cannot rename %s to %s: %s", af->tmp, af->path, tcm_errno_text(errno, e, sizeof e));
#endif
    if (link(af->tmp, af->path) == 0) {
        unlink(af->tmp);
        return TCM_OK;
    }
    if (errno == EEXIST)
        return appeared(af);
    if (errno != EPERM && errno != ENOTSUP && errno != EOPNOTSUPP && errno != ENOSYS)
        return TCM_ERROR(TCM_EIO, "cannot link %s to %s: %s", af->tmp, af->path, tcm_errno_text(errno, e, sizeof e));
    struct stat st; /* no hard links either (e.g. FAT): a last check, then rename */
    if (lstat(af->path, &st) == 0)
        return appeared(af);
    if (rename(af->tmp, af->path) != 0)
        return TCM_ERROR(TCM_EIO, "cannot rename %s to %s: %s", af->tmp, af->path, tcm_errno_text(errno, e, sizeof e));
    return TCM_OK;
}

/* Rename tmp over path, unless path has become something other than a
 * regular file meanwhile. */
static int place_replace(const tcm_atomic_file *af)
{
    char e[128];
    int rc = tcm_atomic_check_target(af->path, 1);
    if (rc != TCM_OK)
        return rc;
    if (rename(af->tmp, af->path) != 0)
        return TCM_ERROR(TCM_EIO, "cannot rename %s to %s: %s", af->tmp, af->path, tcm_errno_text(errno, e, sizeof e));
    return TCM_OK;
}

/* fsync the folder of path so that the new name survives a crash (best
 * effort: some file systems refuse to sync a directory). */
static void sync_folder(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

/* Sync, place, free; see atomic.h. */
int tcm_atomic_commit(tcm_atomic_file *af)
{
    if (!af)
        return TCM_ERROR(TCM_EINVAL, "tcm_atomic_commit: no file");
    int rc = sync_close(af);
    if (rc == TCM_OK)
        rc = af->force ? place_replace(af) : place_noreplace(af);
    if (rc == TCM_OK)
        sync_folder(af->path);
    else
        unlink(af->tmp);
    atomic_free(af);
    return rc;
}

/* Close and remove the temporary file (NULL-safe; keeps the last error). */
void tcm_atomic_abort(tcm_atomic_file *af)
{
    if (!af)
        return;
    if (af->fp)
        fclose(af->fp);
    else if (af->fd >= 0)
        close(af->fd);
    unlink(af->tmp);
    atomic_free(af);
}
