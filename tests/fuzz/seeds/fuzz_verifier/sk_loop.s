# fuzz_verifier: socket_filter unpriv
# A bounded loop on the stack (unprivileged: no pointer arithmetic tricks).
    r1 = 0
    r2 = 0
loop:
    r1 += r2
    r2 += 1
    if r2 < 10 goto loop
    *(u64 *)(r10 - 8) = r1
    r0 = *(u64 *)(r10 - 8)
    exit
