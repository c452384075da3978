# fuzz_verifier: socket_filter unpriv
    r6 = r1
    r0 = *(u16 *)skb[12]
    if r0 != 0x800 goto drop
    r0 = -1
    exit
drop:
    r0 = 0
    exit
