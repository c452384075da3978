/* helpers_skb_tun.c - tunnel options, IPsec state and the peer redirect
 * of an skb, as the kernel's helpers give them in a test run
 * (net/core/filter.c; net/bpf/test_run.c builds an skb without a dst and
 * without a sec_path; the running kernel decides where versions differ):
 *
 *   bpf_skb_set_tunnel_opt(skb, from, size)  options for the metadata dst
 *       bpf_skb_set_tunnel_key attached in this run
 *   bpf_skb_get_tunnel_opt(skb, to, size)    them back
 *   bpf_skb_get_xfrm_state(skb, i, to, size, flags)  no sec_path: -EINVAL
 *   bpf_redirect_peer(ifindex, flags)        TC_ACT_REDIRECT / TC_ACT_SHOT
 *
 * Tests: tests/kernel-diff/test_skb_tun_diff.c (every argument case) and
 * tests/kernel-diff/test_selftests_run_diff.c against the running kernel (test_tunnel_kern.c's *_set_tunnel programs: geneve, vxlan,
 * erspan options; xfrm_get_state; test_tc_peer.c). */
#include <errno.h>
#include <linux/pkt_cls.h>
#include <string.h>

#include "helpers.h"
#include "helpers_internal.h"
#include "kctx.h"

#define ERR(e) ((uint64_t)(int64_t)(e))
/* IP_TUNNEL_OPTS_MAX (include/net/ip_tunnels.h: what options_len holds) */
#define TUN_OPTS_MAX 255u
/* TUNNEL_OPTIONS_PRESENT as the UAPI's __be16 tunnel_flags shows it
 * (ip_tunnel_set_options_present: GENEVE_OPT 0x0800, VXLAN_OPT 0x1000,
 * ERSPAN_OPT 0x4000, GTP_OPT 0x8000; PFCP_OPT's bit is past 16) */
#define TUN_OPTIONS_PRESENT 0xd800u
/* BPF_F_PEER, internal to filter.c (6.18 numbers NEIGH, PEER, NEXTHOP
 * from bit 16, see helpers_redirect.c) */
#define REDIRECT_F_PEER (1ull << 17)

/* bpf_skb_set_tunnel_opt: the skb's tunnel info must be the metadata dst
 * of a bpf_skb_set_tunnel_key() (a test run's skb has none before) and
 * size a multiple of 4, else -EINVAL; more than IP_TUNNEL_OPTS_MAX bytes
 * -ENOMEM; then options_len = size and, for size > 0, the options and
 * TUNNEL_OPTIONS_PRESENT (ip_tunnel_info_opts_set). */
static uint64_t hlp_skb_set_tunnel_opt(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t d, uint64_t e,
                                       struct rt_run *run)
{
    struct pt_skb_kctx *s = hlp_skb_ctx(run, r1, "skb_set_tunnel_opt");
    uint32_t size = (uint32_t)r3;
    struct pt_skb_tunnel *t;
    (void)d, (void)e;

    if (!s || hlp_arg_mem(run, r2, size, 0, "skb_set_tunnel_opt", "r2 (from)"))
        return 0;
    if (!s->meta.has_tunnel || (size & 3))
        return ERR(-EINVAL);
    if (size > TUN_OPTS_MAX)
        return ERR(-ENOMEM);
    t = &s->meta.tunnel;
    t->opts_len = (uint8_t)size;
    if (size) {
        memcpy(t->opts, (const void *)(uintptr_t)r2, size);
        t->tun_flags |= TUN_OPTIONS_PRESENT;
    }
    return 0;
}

/* bpf_skb_get_tunnel_opt: no tunnel info or no options -ENOENT, a buffer
 * shorter than the options -ENOMEM (both clear it); else the options,
 * zeros after them, and their length. */
static uint64_t hlp_skb_get_tunnel_opt(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t d, uint64_t e,
                                       struct rt_run *run)
{
    struct pt_skb_kctx *s = hlp_skb_ctx(run, r1, "skb_get_tunnel_opt");
    uint32_t size = (uint32_t)r3;
    uint8_t *to = (uint8_t *)(uintptr_t)r2;
    const struct pt_skb_tunnel *t;
    int err;
    (void)d, (void)e;

    if (!s || hlp_arg_mem(run, r2, size, 1, "skb_get_tunnel_opt", "r2 (to)"))
        return 0;
    t = &s->meta.tunnel;
    if (!s->meta.has_tunnel || !(t->tun_flags & TUN_OPTIONS_PRESENT)) {
        err = -ENOENT;
        goto clear;
    }
    if (size < t->opts_len) {
        err = -ENOMEM;
        goto clear;
    }
    memcpy(to, t->opts, t->opts_len);
    memset(to + t->opts_len, 0, size - t->opts_len);
    return t->opts_len;
clear:
    memset(to, 0, size);
    return ERR(err);
}

/* bpf_skb_get_xfrm_state: a test run's skb has no sec_path (no IPsec
 * state received it): `to` cleared, -EINVAL, whatever the index. */
static uint64_t hlp_skb_get_xfrm_state(uint64_t r1, uint64_t index, uint64_t r3, uint64_t r4, uint64_t flags,
                                       struct rt_run *run)
{
    uint32_t size = (uint32_t)r4;
    (void)index, (void)flags;

    if (!hlp_skb_ctx(run, r1, "skb_get_xfrm_state") ||
        hlp_arg_mem(run, r3, size, 1, "skb_get_xfrm_state", "r3 (to)"))
        return 0;
    memset((void *)(uintptr_t)r3, 0, size);
    return ERR(-EINVAL);
}

/* bpf_redirect_peer(ifindex, flags): any flag TC_ACT_SHOT; else the
 * target is recorded (with BPF_F_PEER) and TC_ACT_REDIRECT returned; the
 * device is looked up by skb_do_redirect after the program, which a test
 * run does not call. */
static uint64_t hlp_redirect_peer(uint64_t ifindex, uint64_t flags, uint64_t c, uint64_t d, uint64_t e,
                                  struct rt_run *run)
{
    (void)c, (void)d, (void)e;
    if (flags)
        return TC_ACT_SHOT;
    memset(&run->redirect, 0, sizeof(run->redirect));
    run->redirect.ifindex = (uint32_t)ifindex;
    run->redirect.flags = REDIRECT_F_PEER;
    return TC_ACT_REDIRECT;
}

static const struct hlp_desc hlp_skb_tun_table[] = {
    {BPF_FUNC_skb_set_tunnel_opt, "skb_set_tunnel_opt", hlp_skb_set_tunnel_opt, 0},
    {BPF_FUNC_skb_get_tunnel_opt, "skb_get_tunnel_opt", hlp_skb_get_tunnel_opt, 0},
    {BPF_FUNC_skb_get_xfrm_state, "skb_get_xfrm_state", hlp_skb_get_xfrm_state, 0},
    {BPF_FUNC_redirect_peer, "redirect_peer", hlp_redirect_peer, 0},
};
HLP_TABLE(hlp_skb_tun_tab, hlp_skb_tun_table);
