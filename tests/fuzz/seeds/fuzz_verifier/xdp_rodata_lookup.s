# fuzz_verifier: xdp
# Lookup in the read-only map; reading is allowed, the value decides.
    *(u32 *)(r10 - 4) = 0
    r1 = map[fd:2]
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 24)
    r0 = 2
    if r1 != 0 goto out
    r0 = 1
    exit
out:
    r0 = 2
    exit
