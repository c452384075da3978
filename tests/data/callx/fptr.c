// SPDX-License-Identifier: GPL-2.0
/* fptr.c - a call through a function pointer: clang-19 emits it as
 * "callx r2" (BPF_JMP | BPF_CALL | BPF_X) with the functions' addresses
 * from LD_IMM64s that libbpf and bpfrt relocate to BPF_PSEUDO_FUNC.  The
 * running kernel refuses it ("unknown opcode 8d"), and so does bpfrt's
 * verifier (tests/unit/test_callx.c clang_object_refused_as_the_kernel). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

typedef int (*fn_t)(int);

static __attribute__((noinline)) int dbl(int x)
{
    return x * 2;
}

static __attribute__((noinline)) int inc(int x)
{
    return x + 1;
}

volatile int sel;

SEC("xdp")
int fptr(struct xdp_md *ctx)
{
    fn_t f = sel ? dbl : inc;
    return f(20) + 1;
}

char LICENSE[] SEC("license") = "GPL";
