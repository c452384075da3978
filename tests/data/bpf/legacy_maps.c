/* The legacy libbpf `maps` section: struct bpf_map_def, 20 bytes. */
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
    .max_entries = 256,
};

struct bpf_map_def_legacy SEC("maps") flows = {
    .type = BPF_MAP_TYPE_HASH,
    .key_size = sizeof(__u64),
    .value_size = sizeof(__u32),
    .max_entries = 1024,
    .map_flags = BPF_F_NO_PREALLOC,
};

SEC("socket")
int sock_prog(struct __sk_buff *skb)
{
    __u32 key = skb->protocol & 0xff;
    __u64 fk = key;
    __u64 *v = bpf_map_lookup_elem(&hits, &key);

    if (v)
        __sync_fetch_and_add(v, 1);
    bpf_map_lookup_elem(&flows, &fk);
    return 0;
}

char _license[] SEC("license") = "Dual BSD/GPL";
__u32 _version SEC("version") = 0x060100;
