# fuzz_verifier: xdp
    r1 = 5
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 16) = r1
    r1 = map[fd:3]
    r2 = r10
    r2 += -16
    r3 = 16
    r4 = 0
    call bpf_ringbuf_output
    r0 = 2
    exit
