# fuzz_verifier: xdp
# A 32-bit comparison bounds an offset into the packet.
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 2
    r0 = 2
    if r4 > r3 goto out
    r5 = *(u8 *)(r2 + 0)
    if w5 > 20 goto out
    r6 = r2
    r6 += r5
    r7 = r6
    r7 += 1
    if r7 > r3 goto out
    r0 = *(u8 *)(r6 + 0)
    r0 &= 1
out:
    exit
