# fuzz_verifier: sched_cls
# Key: skb->len; value from the stack.
    r2 = *(u32 *)(r1 + 0)
    *(u64 *)(r10 - 8) = r2
    r3 = 0
    *(u64 *)(r10 - 24) = r3
    *(u64 *)(r10 - 16) = r2
    r1 = map[fd:1]
    r2 = r10
    r2 += -8
    r3 = r10
    r3 += -24
    r4 = 0
    call bpf_map_update_elem
    r0 = 0
    exit
