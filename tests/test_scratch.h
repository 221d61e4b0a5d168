/* A scratch directory for the CUnit tests that write files (h5, atomic,
 * weights_load, cli_paths): created by the suite initialiser with
 * test_scratch_init, emptied and removed by test_scratch_clean. One per
 * test program (each test_*.c is its own executable). */
#ifndef TCMBP_TEST_SCRATCH_H
#define TCMBP_TEST_SCRATCH_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The scratch directory (set once by test_scratch_init). */
static char tmpdir[256];

/* Create /tmp/tcmbp_NAME_XXXXXX; 0 or -1 (a CUnit suite initialiser result). */
static inline int test_scratch_init(const char *name)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/tcmbp_%s_XXXXXX", name);
    return mkdtemp(tmpdir) ? 0 : -1;
}

/* Remove every entry of the scratch directory (files, FIFOs, links and
 * empty folders), then the directory; 0 or -1. */
static inline int test_scratch_clean(void)
{
    DIR *d = opendir(tmpdir);
    if (!d)
        return -1;
    struct dirent *e;
    char p[512];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
        if (remove(p) != 0)
            rmdir(p);
    }
    closedir(d);
    return rmdir(tmpdir);
}

/* tmpdir/name into buf. */
static inline const char *tpath(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", tmpdir, name);
    return buf;
}

/* Number of entries of the scratch directory whose name starts with prefix. */
static inline int test_scratch_count(const char *prefix)
{
    DIR *d = opendir(tmpdir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    if (d)
        closedir(d);
    return n;
}

/* Write text to path (replacing it). */
static inline void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

#endif
