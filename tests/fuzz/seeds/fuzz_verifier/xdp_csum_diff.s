# fuzz_verifier: xdp
# csum_diff over 8 bytes of stack, then of 4 packet bytes.
    r6 = r1
    r1 = 0x12345678
    *(u64 *)(r10 - 8) = r1
    r1 = 0
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 8
    r5 = 0
    call bpf_csum_diff
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r1 = 0
    r3 = r2
    r2 = 0
    r4 = 4
    r5 = r0
    call bpf_csum_diff
out:
    r0 = 2
    exit
