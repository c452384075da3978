/* CO-RE type and enum relocations: type existence, size, local and
 * target ids, type matches, enumerator existence and value. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct {
    int pid;
} __attribute__((preserve_access_index));

struct bpfrt_not_in_kernel {
    int x;
};

struct list_head___mine {
    struct list_head___mine *next, *prev;
};

enum bpf_map_type___local {
    BPFRT_NOT_A_MAP_TYPE = 7,
};

typedef unsigned int u32;

SEC("raw_tp/sys_enter")
int core_types(void *ctx)
{
    volatile __u64 out[24];

    out[0] = bpf_core_type_exists(struct task_struct);
    out[1] = bpf_core_type_exists(struct bpfrt_not_in_kernel);
    out[2] = bpf_core_type_size(struct task_struct);
    out[3] = bpf_core_type_size(struct bpfrt_not_in_kernel);
    out[4] = bpf_core_type_id_kernel(struct task_struct);
    out[5] = bpf_core_type_id_local(struct task_struct);
    out[6] = bpf_core_type_id_kernel(struct bpfrt_not_in_kernel);
    out[7] = bpf_core_enum_value_exists(enum bpf_map_type, BPF_MAP_TYPE_HASH);
    out[8] = bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_ARRAY);
    out[9] = bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF);
    out[10] = bpf_core_enum_value_exists(enum bpf_map_type___local, BPFRT_NOT_A_MAP_TYPE);
    if (bpf_core_enum_value_exists(enum bpf_map_type___local, BPFRT_NOT_A_MAP_TYPE))
        out[11] = bpf_core_enum_value(enum bpf_map_type___local, BPFRT_NOT_A_MAP_TYPE); /* poisoned, dead */
    out[12] = bpf_core_type_size(struct list_head___mine);
    out[13] = bpf_core_type_exists(struct list_head___mine);
    out[14] = bpf_core_type_matches(struct list_head___mine);
    out[15] = bpf_core_type_exists(u32);
    out[16] = bpf_core_type_size(u32);
    out[17] = bpf_core_type_matches(u32);
    out[18] = bpf_core_type_id_kernel(struct list_head___mine);
    return out[0];
}

char LICENSE[] SEC("license") = "GPL";
