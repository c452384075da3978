# fuzz_verifier: socket_filter unpriv
# Count packets by length class in the array (unprivileged rules).
    r6 = r1
    r7 = *(u32 *)(r6 + 0)
    r7 &= 3
    *(u32 *)(r10 - 4) = r7
    r1 = map[fd:0]
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
    r1 = *(u32 *)(r0 + 44)
    r1 += 1
    *(u32 *)(r0 + 44) = r1
out:
    r0 = 0
    exit
