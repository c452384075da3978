# fuzz_verifier: xdp
# Spill the packet pointers and a scalar, fill them back.
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    *(u64 *)(r10 - 8) = r2
    *(u64 *)(r10 - 16) = r3
    r4 = 7
    *(u64 *)(r10 - 24) = r4
    r2 = *(u64 *)(r10 - 8)
    r3 = *(u64 *)(r10 - 16)
    r4 = *(u64 *)(r10 - 24)
    r5 = r2
    r5 += r4
    r5 += 1
    r0 = 2
    if r5 > r3 goto out
    r2 += r4
    r0 = *(u8 *)(r2 + 0)
    r0 &= 1
out:
    exit
