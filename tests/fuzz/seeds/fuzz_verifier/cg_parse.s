# fuzz_verifier: cgroup_skb unpriv
# Direct packet access in cgroup_skb (data, data_end), verdict from the first byte.
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 1
    r0 = 1
    if r4 > r3 goto out
    r5 = *(u8 *)(r2 + 0)
    r0 = r5
    r0 &= 1
out:
    exit
