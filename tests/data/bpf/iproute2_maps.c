/* iproute2's struct bpf_elf_map (36 bytes) with ids, pinning and a
 * map-in-map by inner_id / inner_idx; tc section names. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "bpf_elf_map.h"

#define MAP_INNER_ID 42

struct bpf_elf_map SEC("maps") map_inner = {
    .type = BPF_MAP_TYPE_ARRAY,
    .size_key = sizeof(__u32),
    .size_value = sizeof(__u32),
    .id = MAP_INNER_ID,
    .inner_idx = 0,
    .pinning = PIN_GLOBAL_NS,
    .max_elem = 1,
};

struct bpf_elf_map SEC("maps") map_outer = {
    .type = BPF_MAP_TYPE_ARRAY_OF_MAPS,
    .size_key = sizeof(__u32),
    .size_value = sizeof(__u32),
    .inner_id = MAP_INNER_ID,
    .pinning = PIN_OBJECT_NS,
    .max_elem = 1,
};

struct bpf_elf_map SEC("maps") map_sh = {
    .type = BPF_MAP_TYPE_ARRAY,
    .size_key = sizeof(__u32),
    .size_value = sizeof(__u64),
    .pinning = PIN_NONE,
    .max_elem = 1,
};

SEC("classifier")
int cls_main(struct __sk_buff *skb)
{
    __u32 key = 0, *val;
    void *inner = bpf_map_lookup_elem(&map_outer, &key);

    if (!inner)
        return TC_ACT_OK;
    val = bpf_map_lookup_elem(inner, &key);
    return val ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("action")
int act_main(struct __sk_buff *skb)
{
    __u32 key = 0;
    __u64 *v = bpf_map_lookup_elem(&map_sh, &key);
    return v ? TC_ACT_OK : TC_ACT_UNSPEC;
}

SEC("ingress")
int ing(struct __sk_buff *skb)
{
    return TC_ACT_OK;
}

char __license[] SEC("license") = "GPL";
