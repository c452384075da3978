# fuzz_verifier: sched_cls
    r2 = 0
    r3 = r10
    r3 += -16
    r4 = 14
    call bpf_skb_load_bytes
    if r0 != 0 goto out
    r0 = *(u16 *)(r10 - 4)
    r0 &= 1
    exit
out:
    r0 = 0
    exit
