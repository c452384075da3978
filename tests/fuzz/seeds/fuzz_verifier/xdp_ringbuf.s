# fuzz_verifier: xdp
# Reserve a record, fill it, submit it.
    r6 = r1
    r1 = map[fd:3]
    r2 = 16
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r1 = 42
    *(u64 *)(r0 + 0) = r1
    *(u64 *)(r0 + 8) = r1
    r1 = r0
    r2 = 0
    call bpf_ringbuf_submit
out:
    r0 = 2
    exit
