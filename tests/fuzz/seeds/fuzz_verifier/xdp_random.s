# fuzz_verifier: xdp
    call bpf_ktime_get_ns
    r6 = r0
    call bpf_get_prandom_u32
    r0 ^= r6
    r0 &= 1
    r0 += 1
    exit
