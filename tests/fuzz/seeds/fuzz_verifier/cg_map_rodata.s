# fuzz_verifier: cgroup_skb
# Verdict from the frozen read-only map (a constant for the verifier).
    r1 = map[fd:2][0]+8
    r0 = *(u32 *)(r1 + 0)
    r0 &= 1
    exit
