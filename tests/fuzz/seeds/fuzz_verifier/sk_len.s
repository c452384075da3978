# fuzz_verifier: socket_filter unpriv
    r0 = *(u32 *)(r1 + 0)
    exit
