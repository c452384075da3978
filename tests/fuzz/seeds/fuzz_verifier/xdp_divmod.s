# fuzz_verifier: xdp unpriv
# Division and modulo by registers read from the packet (may be zero).
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 8
    r0 = 2
    if r4 > r3 goto out
    r5 = *(u32 *)(r2 + 0)
    r6 = *(u32 *)(r2 + 4)
    r7 = r5
    r7 /= r6
    r5 %= r6
    w7 /= w6
    r0 = r7
    r0 += r5
    r0 &= 1
out:
    exit
