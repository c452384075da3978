# fuzz_verifier: xdp
# for_each_map_elem over the array, summing the first word of each value.
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = map[fd:0]
    r2 = subprog[cb]
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_for_each_map_elem
    r0 = 2
    exit
cb:
    r5 = *(u64 *)(r3 + 0)
    r6 = *(u64 *)(r4 + 0)
    r5 += r6
    *(u64 *)(r4 + 0) = r5
    r0 = 0
    exit
