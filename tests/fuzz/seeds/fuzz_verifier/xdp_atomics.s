# fuzz_verifier: xdp
# xchg and cmpxchg on a map value and on the stack.
    *(u32 *)(r10 - 4) = 2
    r1 = map[fd:0]
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 5
    r1 = xchg_64(r0 + 8, r1)
    r6 = r0
    r0 = 5
    r2 = 6
    r0 = cmpxchg_64(r6 + 8, r0, r2)
    r3 = 1
    *(u64 *)(r10 - 16) = r3
    lock *(u64 *)(r10 - 16) += r3
    r3 = atomic_fetch_add((u64 *)(r10 - 16), r3)
out:
    r0 = 2
    exit
