/* Tests of the atomic file module: a text file written through the stream
 * appears only at commit, with the mode of any new file; abort and failed
 * commits leave no temporary file; an existing target is refused without
 * force, also when it appears during the write; non-regular targets are
 * refused always. All files live in a mkdtemp directory removed at the end. */
#include "tcmbp/atomic.h"
#include "tcmbp/error.h"

#include "test_scratch.h"

#include <CUnit/CUnit.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "test_suite.h"

static int suite_init(void) { return test_scratch_init("test_atomic"); }

static int suite_clean(void) { return test_scratch_clean(); }

/* The first line of a file into buf ("" if unreadable). */
static const char *first_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    buf[0] = '\0';
    if (f) {
        if (!fgets(buf, (int)len, f))
            buf[0] = '\0';
        fclose(f);
    }
    return buf;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_stream_commit(void)
{
    char path[512], line[64];
    tcm_atomic_file *af = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_atomic_open(&af, tpath(path, sizeof path, "t.csv"), 0), TCM_OK);
    const char *tmp = tcm_atomic_temp_path(af);
    CU_ASSERT(strncmp(tmp, path, strlen(path)) == 0 && strncmp(tmp + strlen(path), ".tmp.", 5) == 0 &&
              strlen(tmp) == strlen(path) + 11);
    CU_ASSERT_STRING_EQUAL(tcm_atomic_target_path(af), path);
    FILE *f = tcm_atomic_stream(af);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT(tcm_atomic_stream(af) == f);
    fprintf(f, "a,b\n1,2\n");
    CU_ASSERT(access(path, F_OK) != 0); /* nothing at the target before the commit */
    CU_ASSERT_EQUAL(tcm_atomic_commit(af), TCM_OK);
    CU_ASSERT_STRING_EQUAL(first_line(path, line, sizeof line), "a,b\n");
    CU_ASSERT_EQUAL(test_scratch_count("t.csv.tmp"), 0);
    mode_t mask = umask(022);
    umask(mask);
    struct stat st;
    CU_ASSERT(stat(path, &st) == 0 && (st.st_mode & 0777) == (0666 & ~mask));
}

static void test_exists_and_appears(void)
{
    char path[512], line[64];
    tcm_atomic_file *af = NULL;
    tpath(path, sizeof path, "t.csv"); /* written by the previous test */
    CU_ASSERT_EQUAL(tcm_atomic_open(&af, path, 0), TCM_EEXIST);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "exists (use --force to overwrite)"));
    CU_ASSERT_PTR_NULL(af);
    CU_ASSERT_EQUAL(tcm_atomic_check_target(path, 0), TCM_EEXIST);
    CU_ASSERT_EQUAL(tcm_atomic_check_target(path, 1), TCM_OK);
    /* appears during the write: refused at the commit, the other file kept */
    CU_ASSERT_EQUAL_FATAL(tcm_atomic_open(&af, tpath(path, sizeof path, "late.csv"), 0), TCM_OK);
    fputs("mine\n", tcm_atomic_stream(af));
    write_file(path, "theirs\n");
    CU_ASSERT_EQUAL(tcm_atomic_commit(af), TCM_EEXIST);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "appeared while it was being written"));
    CU_ASSERT_STRING_EQUAL(first_line(path, line, sizeof line), "theirs\n");
    CU_ASSERT_EQUAL(test_scratch_count("late.csv.tmp"), 0);
    /* with force it is replaced */
    CU_ASSERT_EQUAL_FATAL(tcm_atomic_open(&af, path, 1), TCM_OK);
    fputs("mine\n", tcm_atomic_stream(af));
    CU_ASSERT_EQUAL(tcm_atomic_commit(af), TCM_OK);
    CU_ASSERT_STRING_EQUAL(first_line(path, line, sizeof line), "mine\n");
}

static void test_abort_and_errors(void)
{
    char path[512], link_path[512];
    tcm_atomic_file *af = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_atomic_open(&af, tpath(path, sizeof path, "gone.csv"), 0), TCM_OK);
    fputs("x\n", tcm_atomic_stream(af));
    tcm_error_clear();
    tcm_atomic_abort(af);
    tcm_atomic_abort(NULL);
    CU_ASSERT_STRING_EQUAL(tcm_last_error(), "");
    CU_ASSERT_EQUAL(test_scratch_count("gone.csv"), 0);
    CU_ASSERT_EQUAL(tcm_atomic_open(&af, tpath(path, sizeof path, "no/dir.csv"), 1), TCM_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "no/dir.csv"));
    CU_ASSERT_EQUAL(tcm_atomic_open(&af, "", 1), TCM_EINVAL);
    CU_ASSERT_EQUAL_FATAL(mkfifo(tpath(path, sizeof path, "fifo"), 0600), 0);
    CU_ASSERT_EQUAL(tcm_atomic_open(&af, path, 1), TCM_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "it is a FIFO, not a regular file"));
    CU_ASSERT_EQUAL_FATAL(mkdir(tpath(path, sizeof path, "dir"), 0700), 0);
    CU_ASSERT_EQUAL(tcm_atomic_open(&af, path, 1), TCM_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(tcm_last_error(), "it is a directory"));
    /* a symbolic link to a regular file may be replaced (with force) */
    CU_ASSERT_EQUAL_FATAL(symlink("t.csv", tpath(link_path, sizeof link_path, "link.csv")), 0);
    CU_ASSERT_EQUAL(tcm_atomic_check_target(link_path, 1), TCM_OK);
    CU_ASSERT_EQUAL(tcm_atomic_check_target(link_path, 0), TCM_EEXIST);
    CU_ASSERT_EQUAL_FATAL(symlink("fifo", tpath(link_path, sizeof link_path, "link_fifo")), 0);
    CU_ASSERT_EQUAL(tcm_atomic_check_target(link_path, 1), TCM_EIO);
    /* the target becomes a FIFO during a forced write: refused at the commit */
    CU_ASSERT_EQUAL_FATAL(tcm_atomic_open(&af, tpath(path, sizeof path, "later_fifo"), 1), TCM_OK);
    CU_ASSERT_EQUAL_FATAL(mkfifo(path, 0600), 0);
    CU_ASSERT_EQUAL(tcm_atomic_commit(af), TCM_EIO);
    struct stat st;
    CU_ASSERT(stat(path, &st) == 0 && S_ISFIFO(st.st_mode));
    CU_ASSERT_EQUAL(test_scratch_count("later_fifo.tmp"), 0);
}

static const tcm_test_case tests[] = {
    /* order matters: later tests read files written by earlier ones */
    { "stream, commit, mode", test_stream_commit },
    { "existing and appearing targets", test_exists_and_appears },
    { "abort and errors", test_abort_and_errors },
};

TCM_TEST_SUITE_WITH("atomic", suite_init, suite_clean, tests)
