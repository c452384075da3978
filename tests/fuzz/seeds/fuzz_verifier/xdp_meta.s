# fuzz_verifier: xdp
# Make 8 bytes of metadata room and write it after checking data_meta + 8 <= data.
    r6 = r1
    r2 = -8
    call bpf_xdp_adjust_meta
    if r0 != 0 goto out
    r2 = *(u32 *)(r6 + 8)
    r3 = *(u32 *)(r6 + 0)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r1 = 77
    *(u64 *)(r2 + 0) = r1
out:
    r0 = 2
    exit
