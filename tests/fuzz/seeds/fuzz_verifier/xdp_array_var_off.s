# fuzz_verifier: xdp
# A map value accessed at a bounded variable offset.
    r6 = r1
    *(u32 *)(r10 - 4) = 1
    r1 = map[fd:0]
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r4 = r2
    r4 += 1
    if r4 > r3 goto out
    r5 = *(u8 *)(r2 + 0)
    if r5 > 40 goto out
    r0 += r5
    r1 = *(u8 *)(r0 + 7)
    *(u8 *)(r0 + 0) = r1
out:
    r0 = 2
    exit
