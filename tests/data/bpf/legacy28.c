/* 28-byte `maps` records whose symbols are STT_NOTYPE of size 0 (defined
 * in assembly, as some older toolchains left them), in the layout of old
 * iproute2: ..., id, pinning.  PIN_GLOBAL_NS in word 6 is the evidence. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

asm(".section maps,\"aw\",@progbits\n"
    ".globl pinned_map\n"
    "pinned_map:\n"
    ".long 1, 4, 8, 64, 0, 7, 2\n"
    ".globl plain_map\n"
    "plain_map:\n"
    ".long 2, 4, 4, 16, 0, 0, 2\n"
    ".text\n");

extern char pinned_map[], plain_map[];

SEC("classifier")
int cls(struct __sk_buff *skb)
{
    __u32 key = 0;
    void *a = bpf_map_lookup_elem(pinned_map, &key);
    void *b = bpf_map_lookup_elem(plain_map, &key);
    return a && b;
}

char __license[] SEC("license") = "GPL";
