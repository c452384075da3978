# fuzz_verifier: xdp
# Grow the head by 4 bytes, re-read the pointers, write there.
    r6 = r1
    r2 = -4
    call bpf_xdp_adjust_head
    if r0 != 0 goto out
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r4 = r2
    r4 += 18
    if r4 > r3 goto out
    r5 = *(u32 *)(r2 + 4)
    *(u32 *)(r2 + 0) = r5
out:
    r0 = 2
    exit
