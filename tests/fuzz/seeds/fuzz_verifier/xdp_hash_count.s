# fuzz_verifier: xdp
# Key: 6 bytes of source MAC (zero-padded); insert or bump.
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 12
    if r4 > r3 goto pass
    r5 = 0
    *(u64 *)(r10 - 8) = r5
    r5 = *(u32 *)(r2 + 6)
    *(u32 *)(r10 - 8) = r5
    r5 = *(u16 *)(r2 + 10)
    *(u16 *)(r10 - 4) = r5
    r1 = map[fd:1]
    r2 = r10
    r2 += -8
    call bpf_map_lookup_elem
    if r0 != 0 goto bump
    r1 = 1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 16) = r1
    r1 = map[fd:1]
    r2 = r10
    r2 += -8
    r3 = r10
    r3 += -24
    r4 = 0
    call bpf_map_update_elem
    goto pass
bump:
    r1 = 1
    lock *(u64 *)(r0 + 8) += r1
pass:
    r0 = 2
    exit
