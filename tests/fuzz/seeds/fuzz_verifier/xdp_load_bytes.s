# fuzz_verifier: xdp
    r6 = r1
    r2 = 0
    r3 = r10
    r3 += -16
    r4 = 14
    call bpf_xdp_load_bytes
    if r0 != 0 goto out
    r0 = *(u8 *)(r10 - 4)
    r0 &= 1
    exit
out:
    r0 = 2
    exit
