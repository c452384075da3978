# fuzz_verifier: socket_filter unpriv
    r2 = 0
    r3 = r10
    r3 += -32
    r4 = 20
    call bpf_skb_load_bytes
    r0 = *(u32 *)(r10 - 32)
    exit
