# fuzz_verifier: xdp
# An offset from the frozen read-only map bounds a packet access.
    r6 = r1
    r1 = map[fd:2][0]+0
    r7 = *(u8 *)(r1 + 3)
    r7 &= 15
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r2 += r7
    r4 = r2
    r4 += 4
    r0 = 2
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 + 0)
    r0 &= 1
out:
    exit
