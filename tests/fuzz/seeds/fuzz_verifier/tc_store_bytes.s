# fuzz_verifier: sched_cls
    r6 = r1
    r1 = 0x0a0b0c0d0e0f ll
    *(u64 *)(r10 - 8) = r1
    r1 = r6
    r2 = 6
    r3 = r10
    r3 += -8
    r4 = 6
    r5 = 0
    call bpf_skb_store_bytes
    r2 = *(u32 *)(r6 + 76)
    r3 = *(u32 *)(r6 + 80)
    r4 = r2
    r4 += 12
    r0 = 0
    if r4 > r3 goto out
    r0 = *(u8 *)(r2 + 11)
out:
    exit
