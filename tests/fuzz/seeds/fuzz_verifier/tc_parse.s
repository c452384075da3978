# fuzz_verifier: sched_cls
# Eth + IPv4 through skb->data / data_end, the protocol decides.
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 34
    r0 = 0
    if r4 > r3 goto out
    r5 = *(u16 *)(r2 + 12)
    if r5 != 0x8 goto out
    r5 = *(u8 *)(r2 + 23)
    if r5 != 6 goto out
    r0 = 2
out:
    exit
