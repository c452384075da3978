/* CO-RE on direct loads (BTF-typed pointers of a tp_btf program): the
 * relocation lands in the LDX offset, and a field whose size differs is
 * loaded with the kernel's size. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct task_struct {
    int pid;
    int tgid;
    unsigned long flags; /* unsigned int in the kernel: load resized */
    struct task_struct *real_parent;
} __attribute__((preserve_access_index));

SEC("tp_btf/sched_switch")
int BPF_PROG(core_direct, _Bool preempt, struct task_struct *prev, struct task_struct *next)
{
    long v = next->pid;

    v += prev->tgid;
    v += next->flags;
    v += next->real_parent->pid;
    return v & 1;
}

char LICENSE[] SEC("license") = "GPL";
