# fuzz_verifier: xdp
# A bounded loop over the first 16 bytes, each checked against data_end.
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r0 = 0
    r6 = 0
loop:
    r4 = r2
    r4 += r6
    r5 = r4
    r5 += 1
    if r5 > r3 goto out
    r5 = *(u8 *)(r4 + 0)
    r0 += r5
    r6 += 1
    if r6 < 16 goto loop
out:
    r0 &= 3
    exit
