/* Tests of cli_check_paths (src/cli/cli.c, compiled into this test): the
 * roles input / output / checkpoint, --force, resume of an interrupted
 * result, and paths naming the same file. Error lines go to stderr. All
 * files live in a mkdtemp directory removed at the end. */
#include "../src/cli/cli.c"

#include "tcmbp/h5.h"

#include "test_scratch.h"

#include <CUnit/CUnit.h>
#include <dirent.h>
#include "test_suite.h"

static int suite_init(void) { return test_scratch_init("test_cli_paths"); }

static int suite_clean(void) { return test_scratch_clean(); }

/* A result file of the given kind whose /KIND group has that status. */
static void write_result(const char *path, const char *kind, const char *status)
{
    char group[40];
    snprintf(group, sizeof group, "/%s", kind);
    tcm_h5_out *o = NULL;
    CU_ASSERT_EQUAL_FATAL(tcm_h5_out_open(&o, path, kind, 1), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_out_group(o, group), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_out_attr_string(o, group, "status", status), TCM_OK);
    CU_ASSERT_EQUAL(tcm_h5_out_commit(o), TCM_OK);
}

/* cli_check_paths on one path of the given role. */
static int check_one(const char *path, cli_path_role role, int force, int resume)
{
    cli_args a;
    memset(&a, 0, sizeof a);
    a.cmd = "test";
    a.force = force;
    const cli_path p = {path, role, "-o"};
    return cli_check_paths(&a, &p, 1, resume);
}

static void test_outputs_and_resume(void)
{
    char out[512];
    CU_ASSERT_EQUAL(check_one(tpath(out, sizeof out, "new.h5"), CLI_PATH_OUTPUT, 0, 0), CLI_EXIT_OK);
    write_result(tpath(out, sizeof out, "bp.h5"), "bp", "interrupted");
    CU_ASSERT_EQUAL(check_one(out, CLI_PATH_OUTPUT, 0, 0), CLI_EXIT_RUNTIME);
    CU_ASSERT_EQUAL(check_one(out, CLI_PATH_OUTPUT, 1, 0), CLI_EXIT_OK);
    CU_ASSERT_EQUAL(check_one(out, CLI_PATH_OUTPUT, 0, 1), CLI_EXIT_OK); /* resumable */
    write_result(tpath(out, sizeof out, "solve.h5"), "solve", "timeout");
    CU_ASSERT_EQUAL(check_one(out, CLI_PATH_OUTPUT, 0, 1), CLI_EXIT_OK);
    write_result(tpath(out, sizeof out, "done.h5"), "volume", "done");
    CU_ASSERT_EQUAL(check_one(out, CLI_PATH_OUTPUT, 0, 1), CLI_EXIT_RUNTIME); /* finished: not replaced */
    write_result(tpath(out, sizeof out, "other.h5"), "weights", "interrupted");
    CU_ASSERT_EQUAL(check_one(out, CLI_PATH_OUTPUT, 0, 1), CLI_EXIT_RUNTIME); /* not a bp/volume/solve result */
    CU_ASSERT_EQUAL(check_one(tpath(out, sizeof out, "no/dir.h5"), CLI_PATH_OUTPUT, 1, 0), CLI_EXIT_RUNTIME);
    CU_ASSERT_EQUAL(check_one(tmpdir, CLI_PATH_OUTPUT, 1, 0), CLI_EXIT_RUNTIME);
    CU_ASSERT_EQUAL(check_one("", CLI_PATH_OUTPUT, 1, 0), CLI_EXIT_RUNTIME);
}

static void test_checkpoints(void)
{
    char ck[512];
    tpath(ck, sizeof ck, "ck.h5");
    CU_ASSERT_EQUAL(check_one(ck, CLI_PATH_CHECKPOINT, 0, 0), CLI_EXIT_OK);
    CU_ASSERT_EQUAL(check_one(ck, CLI_PATH_CHECKPOINT, 0, 1), CLI_EXIT_RUNTIME); /* nothing to resume */
    write_result(ck, "fbp_checkpoint", "whatever");
    CU_ASSERT_EQUAL(check_one(ck, CLI_PATH_CHECKPOINT, 0, 0), CLI_EXIT_RUNTIME);
    CU_ASSERT_EQUAL(check_one(ck, CLI_PATH_CHECKPOINT, 1, 0), CLI_EXIT_OK);
    CU_ASSERT_EQUAL(check_one(ck, CLI_PATH_CHECKPOINT, 0, 1), CLI_EXIT_OK);
}

static void test_inputs_and_pairs(void)
{
    char in[512], src[600], out[512];
    tpath(in, sizeof in, "bp.h5"); /* written by the first test */
    CU_ASSERT_EQUAL(check_one(in, CLI_PATH_INPUT, 0, 0), CLI_EXIT_OK);
    snprintf(src, sizeof src, "%s:/bp/x", in);
    CU_ASSERT_EQUAL(check_one(src, CLI_PATH_INPUT, 0, 0), CLI_EXIT_OK); /* checked by its file part */
    CU_ASSERT_EQUAL(check_one(tpath(out, sizeof out, "missing.h5"), CLI_PATH_INPUT, 0, 0), CLI_EXIT_RUNTIME);
    CU_ASSERT_EQUAL(check_one(tmpdir, CLI_PATH_INPUT, 0, 0), CLI_EXIT_RUNTIME);
    cli_args a;
    memset(&a, 0, sizeof a);
    a.cmd = "test";
    a.force = 1;
    tpath(out, sizeof out, "x.h5");
    const cli_path two_inputs[] = {{in, CLI_PATH_INPUT, "INSTANCE"}, {src, CLI_PATH_INPUT, "--reference"},
                                   {NULL, CLI_PATH_OUTPUT, "--csv"}, {out, CLI_PATH_OUTPUT, "-o"}};
    CU_ASSERT_EQUAL(cli_check_paths(&a, two_inputs, 4, 0), CLI_EXIT_OK);
    const cli_path in_out[] = {{in, CLI_PATH_INPUT, "INSTANCE"}, {src, CLI_PATH_OUTPUT, "-o"}};
    CU_ASSERT_EQUAL(cli_check_paths(&a, in_out, 2, 0), CLI_EXIT_RUNTIME);
    const cli_path same_new[] = {{out, CLI_PATH_OUTPUT, "-o"}, {out, CLI_PATH_CHECKPOINT, "--checkpoint"}};
    CU_ASSERT_EQUAL(cli_check_paths(&a, same_new, 2, 0), CLI_EXIT_RUNTIME); /* neither exists */
    char rel[600];
    snprintf(rel, sizeof rel, "%s/../%s/x.h5", tmpdir, strrchr(tmpdir, '/') + 1);
    const cli_path aliased[] = {{out, CLI_PATH_OUTPUT, "-o"}, {rel, CLI_PATH_OUTPUT, "--csv"}};
    CU_ASSERT_EQUAL(cli_check_paths(&a, aliased, 2, 0), CLI_EXIT_RUNTIME);
}

static const tcm_test_case tests[] = {
    /* order matters: later tests read files written by earlier ones */
    { "outputs and resume", test_outputs_and_resume },
    { "checkpoints", test_checkpoints },
    { "inputs and pairs", test_inputs_and_pairs },
};

TCM_TEST_SUITE_WITH("cli_paths", suite_init, suite_clean, tests)
