# fuzz_verifier: sched_cls
    r6 = r1
    r0 = *(u16 *)skb[12]
    if r0 != 0x800 goto out
    r7 = 14
    r0 = *(u8 *)skb[r7 + 9]
    exit
out:
    r0 = 0
    exit
