/* test_jit_harden.c - what the JIT and the load pipeline keep read-only
 * for a program's life: the machine code (mapped writable while it is
 * written, then read-only and executable, never both: the kernel's
 * bpf_jit_binary_lock_ro()) and the xlated program (read-only pages of
 * its own: bpf_prog_lock_ro() in include/linux/filter.h), as
 * /proc/self/maps shows them; a write into either faults.
 */
#include <criterion/criterion.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "insns.h"

#if defined(__x86_64__)
#include "engine/jit_x86_64.h"
#include "runtime/prog.h"

/* The permissions of the mapping that holds addr ("r-xp", ...). */
static int perms_of(const void *addr, char perms[8])
{
    char line[512];
    int found = 0;
    FILE *f = fopen("/proc/self/maps", "r");

    cr_assert(f);
    while (!found && fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && (uintptr_t)addr >= lo && (uintptr_t)addr < hi)
            found = 1;
    }
    fclose(f);
    return found;
}

static struct bpfrt_prog *load(void)
{
    const struct bpf_insn p[] = {INSN_MOV64_IMM(0, 2), INSN_EXIT()};
    struct bpfrt_prog *prog = NULL;
    BPFRT_OPTS(bpfrt_prog_load_opts, o, .type = BPF_PROG_TYPE_XDP, .engine = "jit");

    cr_assert_eq(bpfrt_prog__load_insns(p, 2, &o, &prog), 0);
    return prog;
}

Test(jit_harden, image_and_xlated_read_only)
{
    struct bpfrt_prog *prog = load();
    const struct jit_image *img = prog->image;
    char perms[8];

    cr_assert(perms_of(img->code, perms));
    cr_assert_str_eq(perms, "r-xp", "the JIT's code");
    cr_assert(perms_of(img->code + img->code_len - 1, perms));
    cr_assert_str_eq(perms, "r-xp", "the JIT's code's end");
    cr_assert(perms_of(prog->xl, perms));
    cr_assert_str_eq(perms, "r--p", "the xlated program");
    cr_assert(perms_of((const uint8_t *)(prog->xl + prog->xl_cnt) - 1, perms));
    cr_assert_str_eq(perms, "r--p", "the xlated program's end");
    /* and it still reads as the program */
    cr_assert_eq(prog->xl_cnt, 2);
    cr_assert_eq(prog->xl[0].imm, 2);
    bpfrt_prog__free(prog);
}

/* A write into the xlated program or into the code faults: caught here
 * with a SIGSEGV handler of the test's own (so that it holds under the
 * sanitizers too, whose handler would abort the process). */
static sigjmp_buf fault_jmp;

static void on_segv(int sig)
{
    (void)sig;
    siglongjmp(fault_jmp, 1);
}

static int write_faults(volatile uint8_t *p)
{
    struct sigaction sa = {0}, old;
    int faulted = 0;

    sa.sa_handler = on_segv;
    sigemptyset(&sa.sa_mask);
    cr_assert_eq(sigaction(SIGSEGV, &sa, &old), 0);
    if (sigsetjmp(fault_jmp, 1) == 0)
        *p = 0xC3;
    else
        faulted = 1;
    sigaction(SIGSEGV, &old, NULL);
    return faulted;
}

Test(jit_harden, writes_fault)
{
    struct bpfrt_prog *prog = load();
    const struct jit_image *img = prog->image;
    uint64_t r0 = 0;

    cr_assert(write_faults((volatile uint8_t *)&prog->xl[0].imm), "a write into the xlated program");
    cr_assert(write_faults((volatile uint8_t *)img->code + img->body_off), "a write into the code");
    /* nothing changed: the program still runs as loaded */
    {
        uint8_t pkt[64] = {0};
        BPFRT_OPTS(bpfrt_run_opts, r, .data = pkt, .data_size = sizeof(pkt));
        cr_assert_eq(bpfrt_prog__run(prog, &r), 0);
        r0 = r.retval;
    }
    cr_assert_eq(r0, 2);
    cr_assert_eq(prog->xl[0].imm, 2);
    bpfrt_prog__free(prog);
}
#endif
