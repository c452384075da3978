# fuzz_verifier: xdp
# A stack write at a bounded variable offset, then a read.
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 1
    r0 = 2
    if r4 > r3 goto out
    r5 = *(u8 *)(r2 + 0)
    r5 &= 0x38
    r6 = 0
    *(u64 *)(r10 - 64) = r6
    *(u64 *)(r10 - 56) = r6
    *(u64 *)(r10 - 48) = r6
    *(u64 *)(r10 - 40) = r6
    *(u64 *)(r10 - 32) = r6
    *(u64 *)(r10 - 24) = r6
    *(u64 *)(r10 - 16) = r6
    *(u64 *)(r10 - 8) = r6
    r7 = r10
    r7 += -64
    r7 += r5
    r6 = 9
    *(u64 *)(r7 + 0) = r6
    r0 = *(u64 *)(r10 - 64)
    r0 &= 1
out:
    exit
