/* test_spawn.h — starting a program from a test with its output in files,
 * and waiting for it with a time limit; shared by the tests that run the
 * rlc binary (test_cli, test_compare, test_sweep, test_kill,
 * test_dataparallel). Include after test_files.h (tmp_dir); it defines
 * static functions. */
#ifndef RLC_TEST_SPAWN_H
#define RLC_TEST_SPAWN_H

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include "test_files.h"

extern char **environ;

/* Start argv[0] (a path; argv NULL-terminated) with stdin /dev/null,
 * stdout to out_path (NULL: tmp_dir/<tag>.out) and stderr to
 * tmp_dir/<tag>.err; its pid. The test fails if it cannot start. */
__attribute__((unused)) static pid_t spawn_logged(const char *tag, const char *out_path,
                                                  const char *const *argv)
{
    char out_buf[600], err_path[600];
    snprintf(out_buf, sizeof out_buf, "%s/%s.out", tmp_dir, tag);
    snprintf(err_path, sizeof err_path, "%s/%s.err", tmp_dir, tag);
    posix_spawn_file_actions_t fa;
    assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
    assert_int_equal(posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0), 0);
    assert_int_equal(posix_spawn_file_actions_addopen(&fa, 1, out_path ? out_path : out_buf,
                                                      O_WRONLY | O_CREAT | O_TRUNC, 0644),
                     0);
    assert_int_equal(
        posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644), 0);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        print_error("cannot run %s: %s\n", argv[0], strerror(rc));
    assert_int_equal(rc, 0);
    return pid;
}

/* Wait for pid, at most timeout_s seconds (then SIGKILL, saying so under
 * `tag`); its exit status, or -1 if a signal ended it or it ran over. */
__attribute__((unused)) static int wait_logged(pid_t pid, const char *tag, int timeout_s)
{
    int status;
    pid_t got;
    const struct timespec tick = {0, 10 * 1000 * 1000};
    for (int i = 0; (got = waitpid(pid, &status, WNOHANG)) == 0; i++) {
        if (i == timeout_s * 100) {
            print_error("%s: still running after %d s, killed\n", tag, timeout_s);
            kill(pid, SIGKILL);
            assert_int_equal(waitpid(pid, &status, 0), pid);
            return -1;
        }
        nanosleep(&tick, NULL);
    }
    assert_int_equal(got, pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* tmp_dir/<tag>.<ext> read whole (the caller frees); not through
 * tmp_path, whose rotating buffers a caller may still hold. */
__attribute__((unused)) static char *slurp_log(const char *tag, const char *ext)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s.%s", tmp_dir, tag, ext);
    return slurp(path, NULL);
}

#endif
