# fuzz_verifier: xdp
# Reserve, decide from the packet length, discard or submit.
    r6 = r1
    r1 = map[fd:3]
    r2 = 8
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r7 = r0
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r3 -= r2
    *(u64 *)(r7 + 0) = r3
    r1 = r7
    r2 = 0
    if r3 > 100 goto sub
    call bpf_ringbuf_discard
    goto out
sub:
    call bpf_ringbuf_submit
out:
    r0 = 2
    exit
