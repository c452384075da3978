/* 28-byte `maps` records in the kernel samples' layout (bpf_load.c):
 * ..., inner_map_idx, numa_node; a map-in-map whose inner_map_idx names
 * its prototype is the evidence. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_map_def_samples {
    unsigned int type;
    unsigned int key_size;
    unsigned int value_size;
    unsigned int max_entries;
    unsigned int map_flags;
    unsigned int inner_map_idx;
    unsigned int numa_node;
};

struct bpf_map_def_samples SEC("maps") proto = {
    .type = BPF_MAP_TYPE_ARRAY,
    .key_size = 4,
    .value_size = 4,
    .max_entries = 1,
};

struct bpf_map_def_samples SEC("maps") outer_m = {
    .type = BPF_MAP_TYPE_ARRAY_OF_MAPS,
    .key_size = 4,
    .value_size = 4,
    .max_entries = 8,
    .inner_map_idx = 0,
};

SEC("kprobe/sys_write")
int probe(void *ctx)
{
    __u32 key = 0;
    return bpf_map_lookup_elem(&outer_m, &key) != 0;
}

char __license[] SEC("license") = "GPL";
