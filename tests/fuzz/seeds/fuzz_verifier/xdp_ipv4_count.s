# fuzz_verifier: xdp
# Eth + IPv4, count the protocol (mod 4) in the array with an atomic add.
    r6 = r1
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r4 = r2
    r4 += 34
    if r4 > r3 goto pass
    r5 = *(u8 *)(r2 + 23)
    r5 &= 3
    *(u32 *)(r10 - 4) = r5
    r1 = map[fd:0]
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto pass
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
    r1 = *(u64 *)(r0 + 40)
    r1 += 1
    *(u64 *)(r0 + 40) = r1
pass:
    r0 = 2
    exit
