# fuzz_verifier: xdp
    r1 = 1
    *(u64 *)(r10 - 8) = r1
    r1 = map[fd:1]
    r2 = r10
    r2 += -8
    call bpf_map_delete_elem
    r0 = 2
    exit
