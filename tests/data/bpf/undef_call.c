/* A call to a function no one defines. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern int not_defined_anywhere(int x);

SEC("xdp")
int caller(struct xdp_md *ctx)
{
    int r = 1;
    r += not_defined_anywhere(r);
    return r;
}

char LICENSE[] SEC("license") = "GPL";
