# fuzz_verifier: sched_cls
    r6 = r1
    r2 = 34
    call bpf_skb_pull_data
    r2 = *(u32 *)(r6 + 76)
    r3 = *(u32 *)(r6 + 80)
    r4 = r2
    r4 += 34
    r0 = 0
    if r4 > r3 goto out
    r0 = *(u8 *)(r2 + 33)
out:
    exit
