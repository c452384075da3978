/* prog verify: CO-RE relocations that find no match in the target BTF
 * (libbpf poisons the instruction; the kernel refuses the program only
 * when that instruction is reachable) (test_cli_verify.c). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

/* No kernel has this field: its relocations find no match in the target
 * BTF (the running kernel's, /sys/kernel/btf/vmlinux). */
struct bpf_raw_tracepoint_args___bpfrt {
    __u64 bpfrt_no_such_arg;
} __attribute__((preserve_access_index));

/* Unguarded: the poisoned instruction is reached, the program refused.
 * (First in the section, so that loading the whole object stops here.) */
SEC("raw_tp/sys_enter")
int core_reached(struct bpf_raw_tracepoint_args___bpfrt *ctx)
{
    return (int)ctx->bpfrt_no_such_arg;
}

/* Guarded by bpf_core_field_exists, which relocates to 0: the read is
 * dead code, poisoned but unreachable, and the program is accepted. */
SEC("raw_tp/sys_enter")
int core_guarded(struct bpf_raw_tracepoint_args___bpfrt *ctx)
{
    if (bpf_core_field_exists(ctx->bpfrt_no_such_arg))
        return (int)ctx->bpfrt_no_such_arg;
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
