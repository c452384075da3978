/* helpers_redirect.c - where a packet goes: bpf_redirect (the XDP and the
 * tc flavour), bpf_clone_redirect and bpf_check_mtu (XDP and skb), with
 * the kernel's semantics and errors in a test run (net/core/filter.c:
 * bpf_xdp_redirect, bpf_redirect, bpf_clone_redirect, bpf_xdp_check_mtu,
 * bpf_skb_check_mtu; net/bpf/test_run.c for the devices a test run has;
 * the running kernel decides where versions differ).
 *
 * bpfrt's test run has one device, the loopback (ifindex 1, MTU 65536,
 * an Ethernet-sized hard header of 14 bytes, up), as a kernel test run in
 * a network namespace of its own has; an ifindex naming any other device
 * is a device that does not exist.  tests/kernel-diff/test_net_helpers_diff.c
 * holds these helpers to the running kernel's answers. */
#include <errno.h>
#include <linux/pkt_cls.h>
#include <string.h>

#include "helpers.h"
#include "helpers_internal.h"
#include "kctx.h"

#define LO_IFINDEX 1u
#define LO_MTU 65536       /* the loopback's MTU (drivers/net/loopback.c: 64 KiB) */
#define LO_HARD_HEADER 14  /* its hard_header_len: ETH_HLEN */
#define ERR(e) ((uint64_t)(int64_t)(e))
/* Flags the kernel keeps for itself (filter.c's BPF_F_NEIGH, BPF_F_PEER,
 * BPF_F_NEXTHOP): a program passing them is refused like any unknown one. */
#define REDIRECT_INTERNAL ((1ull << 16) | (1ull << 17) | (1ull << 18))

/* Does ifindex name a device of the test run? */
static int dev_exists(uint32_t ifindex)
{
    return ifindex == LO_IFINDEX;
}

/* bpf_redirect(ifindex, flags).  XDP (bpf_xdp_redirect): any flag gives
 * XDP_ABORTED, else the target is recorded and XDP_REDIRECT returned.  tc
 * (bpf_redirect): flags other than BPF_F_INGRESS give TC_ACT_SHOT, else
 * the target and the flags are recorded and TC_ACT_REDIRECT returned.
 * Neither checks the device: skb_do_redirect / xdp_do_redirect do, after
 * the program, and a test run does neither. */
static uint64_t hlp_redirect(uint64_t ifindex, uint64_t flags, uint64_t c, uint64_t d, uint64_t e, struct rt_run *run)
{
    (void)c, (void)d, (void)e;
    if (run->ctx_kind == RT_CTX_SKB) {
        if (flags & (~(uint64_t)BPF_F_INGRESS | REDIRECT_INTERNAL))
            return TC_ACT_SHOT;
        memset(&run->redirect, 0, sizeof(run->redirect));
        run->redirect.ifindex = (uint32_t)ifindex;
        run->redirect.flags = flags;
        return TC_ACT_REDIRECT;
    }
    if (flags)
        return XDP_ABORTED;
    memset(&run->redirect, 0, sizeof(run->redirect));
    run->redirect.ifindex = (uint32_t)ifindex;
    return XDP_REDIRECT;
}

/* bpf_clone_redirect(skb, ifindex, flags): -EINVAL for flags other than
 * BPF_F_INGRESS; -EBADMSG for a GSO packet without a GSO type (what a test
 * run's ctx_in makes of a gso_size: convert___skb_to_skb sets no type);
 * -EINVAL when ifindex names no device.  Else the clone goes to the
 * device: out of the loopback (dev_queue_xmit) or into it
 * (dev_forward_skb), both 0 for a loopback that is up; the packet itself
 * is made writable (bpf_try_make_head_writable: its data pointers are
 * computed again) and goes on. */
static uint64_t hlp_clone_redirect(uint64_t r1, uint64_t ifindex, uint64_t flags, uint64_t d, uint64_t e,
                                   struct rt_run *run)
{
    struct pt_skb_kctx *s = hlp_skb_ctx(run, r1, "clone_redirect");
    (void)d, (void)e;

    if (!s)
        return 0;
    if (flags & (~(uint64_t)BPF_F_INGRESS | REDIRECT_INTERNAL))
        return ERR(-EINVAL);
    if (s->gso_size)
        return ERR(-EBADMSG);
    if (!dev_exists((uint32_t)ifindex))
        return ERR(-EINVAL);
    /* bpf_compute_data_pointers (the test run's skb has no metadata) */
    s->data_meta = s->data;
    s->data_end = s->data + (s->len - s->data_len);
    return 0;
}

/* The device bpf_check_mtu asks about: ifindex 0 is the packet's own
 * (the loopback in a test run), else the device ifindex names; 0 when
 * none (__dev_via_ifindex). */
static int mtu_dev(uint32_t ifindex)
{
    return ifindex == 0 || dev_exists(ifindex);
}

/* bpf_check_mtu(ctx, ifindex, mtu_len, len_diff, flags): the kernel's
 * XDP and skb flavours; *mtu_len is the L3 length to check when not 0,
 * else the packet's length is.  A result (BPF_MTU_CHK_RET_*) sets
 * *mtu_len to the device's MTU; an error (-EINVAL for refused flags,
 * -ENODEV for no device) leaves it alone, as the running 6.18 kernel does
 * (6.1 wrote 0 there; test_net_helpers_diff.c check_mtu shows it). */
static uint64_t hlp_check_mtu(uint64_t r1, uint64_t ifindex, uint64_t r3, uint64_t r4, uint64_t flags,
                              struct rt_run *run)
{
    uint32_t *mtu_len = (uint32_t *)(uintptr_t)r3;
    int32_t len_diff = (int32_t)r4, len, dev_len = LO_MTU + LO_HARD_HEADER;
    int64_t ret;
    int mtu;

    if (run->ctx_kind == RT_CTX_XDP) {
        struct pt_xdp_kctx *x = run->ctx;

        if ((void *)(uintptr_t)r1 != run->ctx)
            return (uint64_t)rt_fail(run, -EFAULT, run->err_pc,
                                     "helper bpf_check_mtu: r1 = 0x%llx is not the program's context (struct xdp_md)",
                                     (unsigned long long)r1);
        if (hlp_arg_mem(run, r3, 4, 1, "check_mtu", "r3 (mtu_len)"))
            return 0;
        /* bpf_xdp_check_mtu: no flags (no segment check for XDP) */
        ret = BPF_MTU_CHK_RET_SUCCESS;
        /* 6.18: the errors leave *mtu_len as it was (6.1 wrote 0) */
        if (flags)
            return ERR(-EINVAL);
        if (!mtu_dev((uint32_t)ifindex))
            return ERR(-ENODEV);
        mtu = LO_MTU;
        len = (int32_t)(uint32_t)(x->data_end - x->data);
        if (*mtu_len)
            len = (int32_t)(*mtu_len + LO_HARD_HEADER);
        len = (int32_t)((uint32_t)len + (uint32_t)len_diff); /* the kernel's int wraps */
        if (len > dev_len)
            ret = BPF_MTU_CHK_RET_FRAG_NEEDED;
        *mtu_len = (uint32_t)mtu;
        return (uint64_t)ret;
    }

    struct pt_skb_kctx *s = hlp_skb_ctx(run, r1, "check_mtu");
    if (!s || hlp_arg_mem(run, r3, 4, 1, "check_mtu", "r3 (mtu_len)"))
        return 0;
    /* bpf_skb_check_mtu */
    ret = BPF_MTU_CHK_RET_FRAG_NEEDED;
    /* 6.18: the errors leave *mtu_len as it was (6.1 wrote 0) */
    if (flags & ~(uint64_t)BPF_MTU_CHK_SEGS)
        return ERR(-EINVAL);
    if ((flags & BPF_MTU_CHK_SEGS) && (len_diff || *mtu_len))
        return ERR(-EINVAL);
    if (!mtu_dev((uint32_t)ifindex))
        return ERR(-ENODEV);
    mtu = LO_MTU;
    len = *mtu_len ? (int32_t)(*mtu_len + LO_HARD_HEADER) : (int32_t)s->len;
    len = (int32_t)((uint32_t)len + (uint32_t)len_diff);
    if (len <= dev_len) {
        ret = BPF_MTU_CHK_RET_SUCCESS;
    } else if (s->gso_size) {
        /* a GSO packet may be cut into segments below the MTU; with
         * BPF_MTU_CHK_SEGS the segments are checked, which needs the
         * transport header a test run's skb never has set: -EINVAL,
         * *mtu_len untouched */
        ret = BPF_MTU_CHK_RET_SUCCESS;
        if (flags & BPF_MTU_CHK_SEGS)
            return ERR(-EINVAL);
    }
    *mtu_len = (uint32_t)mtu;
    return (uint64_t)ret;
}

static const struct hlp_desc hlp_redirect_table[] = {
    {BPF_FUNC_redirect, "redirect", hlp_redirect, 0},
    {BPF_FUNC_clone_redirect, "clone_redirect", hlp_clone_redirect, 0},
    {BPF_FUNC_check_mtu, "check_mtu", hlp_check_mtu, 1},
};
HLP_TABLE(hlp_redirect_tab, hlp_redirect_table);
