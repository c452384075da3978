/* tail33.c - a chain of 33 tail calls, the kernel's limit
 * (MAX_TAIL_CALL_CNT, include/linux/bpf.h): xdp_tail33 zeroes a counter in
 * global data and tail-calls slot 0 of a PROG_ARRAY, which holds
 * xdp_tail_body; the body counts itself and tail-calls slot 0 again.  The
 * 33rd tail call is the body's 32nd; the next one fails (the limit) and
 * falls through, so the run returns 33: the body ran 33 times.  Nothing
 * native: C has no tail call to compare with. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u32 tail_count;

int xdp_tail_body(struct xdp_md *ctx);

struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, 1);
    __uint(key_size, sizeof(__u32));
    __array(values, int(struct xdp_md *));
} tail_jmp SEC(".maps") = {
    .values = {[0] = (void *)&xdp_tail_body},
};

SEC("xdp") int xdp_tail_body(struct xdp_md *ctx)
{
    tail_count++;
    bpf_tail_call(ctx, &tail_jmp, 0);
    return (int)tail_count;
}

SEC("xdp") int xdp_tail33(struct xdp_md *ctx)
{
    tail_count = 0;
    bpf_tail_call(ctx, &tail_jmp, 0);
    return 0xdead; /* the slot was empty */
}

char _license[] SEC("license") = "Dual BSD/GPL";
