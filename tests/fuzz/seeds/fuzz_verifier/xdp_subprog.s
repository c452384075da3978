# fuzz_verifier: xdp
# A bpf-to-bpf call taking the context and a stack pointer.
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -8
    call first_byte
    r0 = *(u64 *)(r10 - 8)
    r0 &= 3
    exit
first_byte:
    r3 = *(u32 *)(r1 + 0)
    r4 = *(u32 *)(r1 + 4)
    r5 = r3
    r5 += 1
    r0 = 0
    if r5 > r4 goto done
    r5 = *(u8 *)(r3 + 0)
    *(u64 *)(r2 + 0) = r5
done:
    exit
