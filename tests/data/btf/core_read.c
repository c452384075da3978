/* CO-RE through bpf_probe_read_kernel (BPF_CORE_READ and friends): field
 * offsets, sizes, existence, signedness and bitfield shifts, against the
 * running kernel's BTF.  No maps, globals or subprograms, so that the only
 * instructions a loader changes are the CO-RE ones. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct {
    unsigned int __state;
    unsigned int flags;
    int prio;
    int pid;
    int tgid;
    struct task_struct *real_parent;
    char comm[16];
} __attribute__((preserve_access_index));

struct sk_buff {
    unsigned int len;
    unsigned int data_len;
    __u8 cloned : 1;
    __u8 fclone : 2;
    __u8 pkt_type : 3;
    __u8 ip_summed : 2;
    __u8 csum_level : 2;
    __u32 mark;
    __be16 protocol;
    __u16 tc_index;
    char cb[48];
} __attribute__((preserve_access_index));

/* a flavor: same kernel type, a field the kernel does not have */
struct sk_buff___local {
    unsigned int len;
    int bpfrt_no_such_field;
} __attribute__((preserve_access_index));

SEC("raw_tp/sys_enter")
int core_read(void *ctx)
{
    struct task_struct *t = (void *)bpf_get_current_task();
    struct sk_buff *skb = (void *)(long)bpf_get_prandom_u32();
    struct sk_buff___local *lskb = (void *)skb;
    volatile __u64 out[24];

    out[0] = BPF_CORE_READ(t, pid);
    out[1] = BPF_CORE_READ(t, real_parent, tgid);
    out[2] = bpf_core_field_size(t->comm);
    out[3] = bpf_core_field_offset(t->comm);
    out[4] = bpf_core_field_exists(t->flags);
    out[5] = bpf_core_field_exists(lskb->bpfrt_no_such_field);
    out[6] = bpf_core_field_exists(lskb->len);
    out[7] = bpf_core_field_offset(lskb->len);
    out[8] = BPF_CORE_READ_BITFIELD_PROBED(skb, pkt_type);
    out[9] = BPF_CORE_READ_BITFIELD_PROBED(skb, cloned);
    out[10] = BPF_CORE_READ_BITFIELD_PROBED(skb, csum_level);
    out[11] = __builtin_preserve_field_info(t->pid, BPF_FIELD_SIGNED);
    out[12] = __builtin_preserve_field_info(t->flags, BPF_FIELD_SIGNED);
    out[13] = BPF_CORE_READ(skb, mark);
    out[14] = BPF_CORE_READ(skb, protocol);
    out[15] = bpf_core_field_offset(skb->tc_index);
    out[16] = bpf_core_field_size(skb->cb);
    out[17] = bpf_core_field_offset(struct sk_buff, cb[5]);
    out[18] = bpf_core_field_exists(struct sk_buff, cb);
    out[19] = BPF_CORE_READ(t, real_parent, real_parent, comm[3]);
    if (bpf_core_field_exists(lskb->bpfrt_no_such_field))
        out[20] = BPF_CORE_READ(lskb, bpfrt_no_such_field);
    out[21] = bpf_core_field_size(skb->fclone);
    return out[0] + out[8];
}

char LICENSE[] SEC("license") = "GPL";
