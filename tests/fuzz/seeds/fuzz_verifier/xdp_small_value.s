# fuzz_verifier: xdp
# A 4-byte access at a packet-chosen offset (0-15) of the 20-byte value.
    r6 = r1
    *(u32 *)(r10 - 4) = 0
    r1 = map[fd:4]
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
    r5 &= 15
    r0 += r5
    r1 = *(u32 *)(r0 + 0)
    r1 += 1
    *(u32 *)(r0 + 0) = r1
out:
    r0 = 2
    exit
