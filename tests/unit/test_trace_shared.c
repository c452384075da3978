/* test_trace_shared.c - the state directory's trace pipe (trace_shared.c)
 * and `bpfrt prog tracelog`: lines printed in one process reach a reader
 * in another, in the layout of the kernel's trace_pipe; the ring is
 * bounded and a reader that falls behind gets the kernel's "CPU:N [LOST M
 * EVENTS]" line; several writers at once lose nothing while the reader
 * keeps up; reads consume, as reads of trace_pipe do. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpf_build.h"
#include "bpfrt/bpfrt.h"
#include "cli_run.h"
#include "helpers/trace.h"

#define RING 2048 /* TS_SLOTS */

static char fsdir[] = "/tmp/bpfrt-trace-XXXXXX";

static void fs_init(void)
{
    cr_assert_not_null(mkdtemp(fsdir));
    setenv("BPFRT_FS", fsdir, 1);
}

static void fs_fini(void)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", fsdir);
    cr_expect_eq(system(cmd), 0);
}

struct lines {
    char **v;
    size_t n, cap;
};

static void keep(const char *line, void *ctx)
{
    struct lines *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->v = realloc(l->v, l->cap * sizeof(*l->v));
    }
    l->v[l->n++] = strdup(line);
}

static void lines_free(struct lines *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

/* Read until timeout_ms passes without a line. */
static void read_all(struct bpfrt_trace_pipe *tp, struct lines *l, int timeout_ms)
{
    int n;
    while ((n = bpfrt_trace_pipe__read(tp, timeout_ms, keep, l)) > 0)
        ;
    cr_assert_geq(n, 0, "read: %s", strerror(-n));
}

Test(trace_shared, tracelog_reads_lines_another_process_printed, .init = fs_init, .fini = fs_fini)
{
    /* the kernel's trace_pipe shows bpf_trace_printk lines of every process:
     * a reader started first, a program run in a second process */
    const char *obj = test_bpf_build("tests/data/bpf/hello.c", "build/tests/data/bpf", "hello_tl", "");
    char out[] = "/tmp/bpfrt-tracelog-XXXXXX";
    int fd = mkstemp(out);
    cr_assert(fd >= 0);
    close(fd);
    struct out r =
        cli_sh("%s prog tracelog idle 3000 > %s & sleep 0.5; %s prog run obj %s data_in examples/packet.bin; "
               "%s prog run obj %s data_in examples/packet.bin; wait",
               cli_bin(), out, cli_bin(), obj, cli_bin(), obj);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    char *got = cli_slurp(out);
    unlink(out);
    /* each run prints "hello 8\n" (hits starts at 7 in each process): the
     * message keeps its newline, so the line is followed by an empty one,
     * as trace_pipe shows it */
    cr_assert_not_null(strstr(got, ": bpf_trace_printk: hello 8\n\n"), "tracelog printed:\n%s\nrun printed:\n%s", got,
                       r.stdout_);
    /* "<comm>-<pid> [<cpu>] <flags> <secs>.<usecs>: " as trace_pipe */
    const char *line = strstr(got, "bpfrt-");
    cr_assert_not_null(line, "%s", got);
    int pid = 0, cpu = -1;
    cr_assert_eq(sscanf(line, "bpfrt-%d [%d]", &pid, &cpu), 2, "%s", got);
    cr_assert_gt(pid, 0);
    cr_assert_eq(cpu, 0);
    /* two runs, two processes: two lines */
    int count = 0;
    for (const char *p = got; (p = strstr(p, "bpf_trace_printk: hello")); p++)
        count++;
    cr_assert_eq(count, 2, "%s", got);
    free(got);
    out_free(&r);
}

Test(trace_shared, tracelog_json_is_an_array_of_lines, .init = fs_init, .fini = fs_fini)
{
    trace_shared_emit(0, "x-1 [000] ..... 1.000000: bpf_trace_printk: \"quoted\"");
    struct out r = cli_sh("%s -j prog tracelog idle 200", cli_bin());
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert(strstr(r.stdout_, "[\"x-1 [000] ..... 1.000000: bpf_trace_printk: \\\"quoted\\\"\"]") != NULL, "%s",
              r.stdout_);
    out_free(&r);
}

Test(trace_shared, reads_consume_as_trace_pipe, .init = fs_init, .fini = fs_fini)
{
    struct bpfrt_trace_pipe *a, *b;
    struct lines la = {0}, lb = {0};

    cr_assert_eq(bpfrt_trace_pipe__open(&a), 0);
    cr_assert_eq(bpfrt_trace_pipe__open(&b), 0);
    trace_shared_emit(1, "one");
    trace_shared_emit(1, "two");
    read_all(a, &la, 0);
    read_all(b, &lb, 0);
    cr_assert_eq(la.n, 2);
    cr_assert_str_eq(la.v[0], "one");
    cr_assert_str_eq(la.v[1], "two");
    cr_assert_eq(lb.n, 0, "a line read by one reader is gone for the other");
    lines_free(&la);
    lines_free(&lb);
    bpfrt_trace_pipe__close(a);
    bpfrt_trace_pipe__close(b);
}

Test(trace_shared, a_reader_that_falls_behind_loses_the_oldest, .init = fs_init, .fini = fs_fini)
{
    /* the kernel's ring in overwrite mode: the oldest unread events go, and
     * trace_pipe reports "CPU:N [LOST M EVENTS]" before what remains */
    struct bpfrt_trace_pipe *tp;
    struct lines l = {0};
    char msg[64];

    cr_assert_eq(bpfrt_trace_pipe__open(&tp), 0);
    for (int i = 0; i < RING + 100; i++) {
        snprintf(msg, sizeof(msg), "line %d", i);
        trace_shared_emit(3, msg);
    }
    read_all(tp, &l, 0);
    cr_assert_eq(l.n, RING + 1);
    cr_assert_str_eq(l.v[0], "CPU:3 [LOST 100 EVENTS]");
    cr_assert_str_eq(l.v[1], "line 100");
    cr_assert_str_eq(l.v[RING], "line 2147");
    lines_free(&l);
    /* nothing lost since: no LOST line */
    trace_shared_emit(0, "after");
    read_all(tp, &l, 0);
    cr_assert_eq(l.n, 1);
    cr_assert_str_eq(l.v[0], "after");
    lines_free(&l);
    bpfrt_trace_pipe__close(tp);
}

Test(trace_shared, several_writer_processes_lose_nothing_while_read, .init = fs_init, .fini = fs_fini)
{
    /* 4 processes x 1500 lines (three times the ring) while a reader keeps
     * up: every line arrives once, each writer's in its order */
    enum { W = 4, N = 1500 };
    struct bpfrt_trace_pipe *tp;
    struct lines l = {0};
    pid_t kids[W];
    int next[W] = {0};

    cr_assert_eq(bpfrt_trace_pipe__open(&tp), 0);
    for (int w = 0; w < W; w++) {
        kids[w] = fork();
        cr_assert_geq(kids[w], 0);
        if (!kids[w]) {
            char msg[64];
            for (int i = 0; i < N; i++) {
                snprintf(msg, sizeof(msg), "w%d %d", w, i);
                trace_shared_emit((uint32_t)w, msg);
                if (i % 64 == 63)
                    usleep(2000); /* a steady writer, not a flood */
            }
            _exit(0);
        }
    }
    while (l.n < W * N) {
        int n = bpfrt_trace_pipe__read(tp, 5000, keep, &l);
        cr_assert_gt(n, 0, "the reader waited 5 s for a line (%zu of %d read)", l.n, W * N);
    }
    for (int w = 0; w < W; w++) {
        int st;
        waitpid(kids[w], &st, 0);
        cr_assert(WIFEXITED(st) && !WEXITSTATUS(st));
    }
    for (size_t i = 0; i < l.n; i++) {
        int w, k;
        cr_assert_eq(sscanf(l.v[i], "w%d %d", &w, &k), 2, "line %zu: '%s' (a LOST line?)", i, l.v[i]);
        cr_assert_eq(k, next[w], "writer %d: line %d came where %d was due", w, k, next[w]);
        next[w]++;
    }
    lines_free(&l);
    bpfrt_trace_pipe__close(tp);
}

Test(trace_shared, a_foreign_file_is_refused, .init = fs_init, .fini = fs_fini)
{
    char path[300];
    struct bpfrt_trace_pipe *tp;
    snprintf(path, sizeof(path), "%s/.trace_pipe", fsdir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("not a trace pipe", f);
    fclose(f);
    cr_assert_eq(bpfrt_trace_pipe__open(&tp), -EINVAL);
    struct out r = cli_sh("%s prog tracelog idle 100", cli_bin());
    cr_assert_neq(r.status, 0);
    cr_assert(strstr(r.stderr_, "cannot open the trace pipe of the state directory") != NULL, "%s", r.stderr_);
    out_free(&r);
}
