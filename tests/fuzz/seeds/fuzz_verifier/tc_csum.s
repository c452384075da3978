# fuzz_verifier: sched_cls
# Rewrite the IPv4 TTL and fix the checksum with l3_csum_replace.
    r6 = r1
    r2 = *(u32 *)(r6 + 76)
    r3 = *(u32 *)(r6 + 80)
    r4 = r2
    r4 += 34
    r0 = 0
    if r4 > r3 goto out
    r7 = *(u16 *)(r2 + 22)
    r8 = r7
    r8 += -1
    *(u16 *)(r2 + 22) = r8
    r1 = r6
    r2 = 24
    r3 = r7
    r4 = r8
    r5 = 2
    call bpf_l3_csum_replace
    r0 = 0
out:
    exit
