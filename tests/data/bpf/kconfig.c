/* .kconfig externs. */
#include <linux/bpf.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>

extern __u32 LINUX_KERNEL_VERSION __kconfig;
extern bool CONFIG_BPF_SYSCALL __kconfig __weak;
extern enum libbpf_tristate CONFIG_BPF_JIT __kconfig __weak;
extern int CONFIG_HZ __kconfig __weak;
extern bool CONFIG_BPFRT_SURELY_ABSENT __kconfig __weak;

SEC("xdp")
int kc(struct xdp_md *ctx)
{
    if (LINUX_KERNEL_VERSION < 0x050000)
        return XDP_DROP;
    if (!CONFIG_BPF_SYSCALL || CONFIG_BPFRT_SURELY_ABSENT)
        return XDP_ABORTED;
    return CONFIG_HZ > 0 && CONFIG_BPF_JIT != TRI_NO ? XDP_PASS : XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
