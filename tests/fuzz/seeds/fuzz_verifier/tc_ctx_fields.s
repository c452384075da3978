# fuzz_verifier: sched_cls
# Context fields read and written (mark, priority, cb, tc_index).
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 16)
    r4 = *(u32 *)(r1 + 8)
    r2 += r3
    *(u32 *)(r1 + 8) = r2
    *(u32 *)(r1 + 48) = r4
    r5 = *(u32 *)(r1 + 48)
    *(u32 *)(r1 + 12) = r5
    r0 = *(u32 *)(r1 + 36)
    r0 &= 1
    exit
