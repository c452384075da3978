/* iproute2's tail-call convention: a PROG_ARRAY in struct bpf_elf_map
 * with an id, and sections "ID/KEY" (its bpf_api.h __section_tail) whose
 * program iproute2 stores at KEY of that map (lib/bpf_legacy.c
 * bpf_fill_prog_arrays).  tests/unit/test_loader_conv.c. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "bpf_elf_map.h"

#define JMP_MAP_ID 1

struct bpf_elf_map SEC("maps") jmp_tc = {
    .type = BPF_MAP_TYPE_PROG_ARRAY,
    .size_key = sizeof(__u32),
    .size_value = sizeof(__u32),
    .id = JMP_MAP_ID,
    .max_elem = 2,
};

SEC("1/0")
int tail_small(struct __sk_buff *skb)
{
    return TC_ACT_SHOT;
}

SEC("0x1/1") /* %i reads hex too */
int tail_big(struct __sk_buff *skb)
{
    return TC_ACT_PIPE;
}

SEC("2/0") /* no map has id 2: loaded, not placed */
int tail_orphan(struct __sk_buff *skb)
{
    return TC_ACT_RECLASSIFY;
}

SEC("classifier")
int cls_entry(struct __sk_buff *skb)
{
    bpf_tail_call(skb, &jmp_tc, skb->len > 100 ? 1 : 0);
    return TC_ACT_OK;
}

char __license[] SEC("license") = "GPL";
