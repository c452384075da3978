/* pin_child.h - what the pin tests (test_pin_tail.c, test_pin_hom.c) use
 * to run pinned programs here and in another process.  Header-only. */
#ifndef BPFRT_TEST_PIN_CHILD_H
#define BPFRT_TEST_PIN_CHILD_H

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"

/* Run a raw-convention program on a 4-byte buffer; its return value, or
 * ~0 when the run fails. */
static inline uint64_t run_raw(struct bpfrt_prog *p)
{
    uint32_t data[1] = {0};
    char err[256] = "";
    BPFRT_OPTS(bpfrt_run_opts, o, .data = data, .data_size = sizeof(data), .err_buf = err, .err_size = sizeof(err));

    if (bpfrt_prog__run(p, &o)) {
        fprintf(stderr, "run: %s\n", err);
        return ~0ull;
    }
    return o.retval;
}

/* Run fn in a child process: 0 when it returned 0. */
static inline int in_child(int (*fn)(void))
{
    pid_t pid = fork();
    int st;

    cr_assert_geq(pid, 0);
    if (pid == 0)
        _exit(fn());
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

#endif
