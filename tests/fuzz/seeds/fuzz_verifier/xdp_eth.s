# fuzz_verifier: xdp
# Ethernet header bounds-checked against data_end; IPv4 dropped.
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r0 = 2
    r4 = r2
    r4 += 14
    if r4 > r3 goto out
    r5 = *(u16 *)(r2 + 12)
    if r5 != 0x8 goto out
    r0 = 1
out:
    exit
