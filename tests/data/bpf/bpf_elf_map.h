/* iproute2's struct bpf_elf_map (include/bpf_elf.h of iproute2: 36 bytes)
 * and its pinning values, for the test objects written in its style. */
#ifndef BPFRT_TEST_BPF_ELF_MAP_H
#define BPFRT_TEST_BPF_ELF_MAP_H

#include <linux/types.h>

#define PIN_NONE 0
#define PIN_OBJECT_NS 1
#define PIN_GLOBAL_NS 2

struct bpf_elf_map {
    __u32 type;
    __u32 size_key;
    __u32 size_value;
    __u32 max_elem;
    __u32 flags;
    __u32 id;
    __u32 pinning;
    __u32 inner_id;
    __u32 inner_idx;
};

#endif
