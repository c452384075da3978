/* cli_run.h - running shell lines (the bpfrt command) from tests, with
 * both output streams captured.  Header-only: each test file includes it. */
#ifndef BPFRT_TEST_CLI_RUN_H
#define BPFRT_TEST_CLI_RUN_H

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

struct out {
    char *stdout_, *stderr_;
    int status;
};

/* The whole of a file as a NUL-terminated string. */
static inline char *cli_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = calloc(1, (size_t)n + 1);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return buf;
}

/* The command under test: $BPFRT (make check sets it), else build/bpfrt. */
static inline const char *cli_bin(void)
{
    return getenv("BPFRT") ? getenv("BPFRT") : "build/bpfrt";
}

/* Run a shell line (printf format) in a subshell; exit status and both
 * streams captured. */
static inline struct out cli_vsh(const char *fmt, va_list ap)
{
    char o[] = "/tmp/bpfrt-test-outXXXXXX", e[] = "/tmp/bpfrt-test-errXXXXXX", line[8192], cmd[8400];
    struct out r;
    int fo = mkstemp(o), fe = mkstemp(e), st;

    cr_assert(fo >= 0 && fe >= 0);
    close(fo);
    close(fe);
    vsnprintf(line, sizeof(line), fmt, ap);
    snprintf(cmd, sizeof(cmd), "(%s) >%s 2>%s", line, o, e);
    st = system(cmd);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
    r.stdout_ = cli_slurp(o);
    r.stderr_ = cli_slurp(e);
    unlink(o);
    unlink(e);
    return r;
}

static inline struct out cli_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline struct out cli_sh(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct out r = cli_vsh(fmt, ap);
    va_end(ap);
    return r;
}

/* The command under test with the arguments fmt makes: cli_bin() FMT... */
static inline struct out cli_cmd(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline struct out cli_cmd(const char *fmt, ...)
{
    char line[4096];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    return cli_sh("%s %s", cli_bin(), line);
}

static inline void out_free(struct out *r)
{
    free(r->stdout_);
    free(r->stderr_);
}

#endif
