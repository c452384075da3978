/* Maps in the legacy `maps` section (struct bpf_map_def, no BTF types). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_map_def_legacy {
    unsigned int type;
    unsigned int key_size;
    unsigned int value_size;
    unsigned int max_entries;
    unsigned int map_flags;
};

struct bpf_map_def_legacy SEC("maps") hits = {
    .type = BPF_MAP_TYPE_ARRAY,
    .key_size = sizeof(__u32),
    .value_size = sizeof(__u64),
    .max_entries = 4,
};

struct bpf_map_def_legacy SEC("maps") peers = {
    .type = BPF_MAP_TYPE_HASH,
    .key_size = sizeof(__u32),
    .value_size = sizeof(__u32),
    .max_entries = 8,
};

SEC("socket")
int sock(struct __sk_buff *skb)
{
    __u32 key = skb->protocol & 3;
    __u64 *v = bpf_map_lookup_elem(&hits, &key);

    if (v)
        __sync_fetch_and_add(v, 1);
    bpf_map_lookup_elem(&peers, &key);
    return 0;
}

char _license[] SEC("license") = "GPL";
