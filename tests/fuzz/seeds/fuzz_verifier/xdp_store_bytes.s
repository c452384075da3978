# fuzz_verifier: xdp
    r6 = r1
    r1 = -1
    *(u64 *)(r10 - 8) = r1
    r1 = r6
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 6
    call bpf_xdp_store_bytes
    r0 = 2
    exit
