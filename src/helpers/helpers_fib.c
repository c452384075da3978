/* helpers_fib.c - bpf_fib_lookup(ctx, params, plen, flags), the XDP and
 * the skb flavour, against the routing table the run was given
 * (fib_table.h; `prog run ... fib FILE`, bpfrt_run_opts.fib), with the
 * kernel's steps and return codes (net/core/filter.c: bpf_xdp_fib_lookup,
 * bpf_skb_fib_lookup, bpf_ipv4_fib_lookup, bpf_ipv6_fib_lookup,
 * bpf_fib_set_fwd_params; the running kernel decides where versions
 * differ).  Without a table the run's network is the kernel test run's in
 * a network namespace of its own with forwarding on: the loopback
 * (ifindex 1) and no route, so every lookup from it is
 * BPF_FIB_LKUP_RET_NOT_FWDED and any other ifindex -ENODEV.
 *
 * The model of the kernel's FIB: without BPF_FIB_LOOKUP_DIRECT the rules
 * of a namespace that has none of its own (IPv4: tables main and local,
 * which are one while there are no rules, then default 253; IPv6: local
 * 255 then main 254; a `throw` route goes on to the next table); with it
 * one table (main, or params->tbid with BPF_FIB_LOOKUP_TBID).  In a table the longest prefix
 * wins, then the lowest metric, then the first line.  With
 * BPF_FIB_LOOKUP_OUTPUT an IPv4 route through another device than
 * params->ifindex does not match; an IPv6 one on it is preferred among
 * equals.  A route's MTU is used when given
 * (as the kernel uses a locked one: `mtu lock N`), else its device's.
 * Tests: tests/unit/test_fib.c (tables), test_net_helpers_diff.c (the
 * kernel's answers without routes). */
#include <errno.h>
#include <string.h>

#include "fib_table.h"
#include "helpers.h"
#include "helpers_internal.h"
#include "kctx.h"

#ifndef BPF_FIB_LOOKUP_MARK
#define BPF_FIB_LOOKUP_MARK (1U << 5) /* Linux >= 6.10: params->mark chooses policy rules */
#endif
#define FIB_FLAGS                                                                                                      \
    (BPF_FIB_LOOKUP_DIRECT | BPF_FIB_LOOKUP_OUTPUT | BPF_FIB_LOOKUP_SKIP_NEIGH | BPF_FIB_LOOKUP_TBID |                 \
     BPF_FIB_LOOKUP_SRC | BPF_FIB_LOOKUP_MARK)
#define ETH_HARD_HEADER 14 /* every device's hard_header_len here: Ethernet's */
#define VLAN_HLEN 4
#define IP_MAX_MTU 0xffffu
#define IP6_MAX_MTU (0xffffu + 40u)
#define IPV6_MIN_MTU 1280u
#define AF_INET_ 2
#define AF_INET6_ 10

static const struct bpfrt_fib_table empty_table;

static int prefix_has(const struct fib_route *r, const uint8_t *addr)
{
    unsigned full = r->plen / 8, rest = r->plen % 8;

    if (memcmp(r->prefix, addr, full))
        return 0;
    return !rest || !((r->prefix[full] ^ addr[full]) & (uint8_t)(0xff << (8 - rest)));
}

/* The route of table tbid for addr (fib_table_lookup / fib6_table_lookup
 * as modelled above), or NULL. */
static const struct fib_route *table_lookup(const struct bpfrt_fib_table *t, uint8_t family, uint32_t tbid,
                                            const uint8_t *addr, uint32_t oif)
{
    const struct fib_route *best = NULL;

    /* IPv4 keeps the local table in the main one while the namespace has
     * no rules of its own (fib_trie's merged tables): either id finds both */
    if (family == 4 && tbid == FIB_TABLE_LOCAL)
        tbid = FIB_TABLE_MAIN;
    for (unsigned i = 0; i < t->nroutes; i++) {
        const struct fib_route *r = &t->routes[i];
        uint32_t rt = family == 4 && r->table == FIB_TABLE_LOCAL ? FIB_TABLE_MAIN : r->table;
        if (r->family != family || rt != tbid || !prefix_has(r, addr))
            continue;
        /* IPv4 (fib_lookup_good_nhc): with an output device, a next hop
         * through another does not match; IPv6 (rt6_score_route without
         * RT6_LOOKUP_F_IFACE) only prefers one on it among equals */
        if (oif && family == 4 && r->dev && r->dev != oif)
            continue;
        if (oif && family == 6 && best && r->plen == best->plen && r->metric == best->metric && best->dev != oif &&
            r->dev == oif) {
            best = r;
            continue;
        }
        if (!best || r->plen > best->plen || (r->plen == best->plen && r->metric < best->metric))
            best = r;
    }
    return best;
}

/* The FIB's answer for addr: the route, or NULL (no route: the kernel's
 * -ENETUNREACH, or the null entry of IPv6). */
static const struct fib_route *fib_lookup(const struct bpfrt_fib_table *t, uint8_t family, uint32_t flags,
                                          uint32_t *tbid_io, const uint8_t *addr, uint32_t oif)
{
    /* the rules of a namespace without rules of its own: IPv4 (fib_lookup
     * of ip_fib.h) the merged main table then the default one; IPv6
     * (fib6_lookup) the local table then the main one */
    static const uint32_t rules4[] = {FIB_TABLE_MAIN, FIB_TABLE_DEFAULT}, rules6[] = {FIB_TABLE_LOCAL, FIB_TABLE_MAIN};
    const uint32_t *rules = family == 4 ? rules4 : rules6;
    const struct fib_route *r;

    if (flags & BPF_FIB_LOOKUP_DIRECT) {
        uint32_t tbid = FIB_TABLE_MAIN;
        if (flags & BPF_FIB_LOOKUP_TBID) {
            tbid = *tbid_io;
            *tbid_io = 0; /* zeroed for the VLAN output that shares it */
        }
        return table_lookup(t, family, tbid, addr, oif);
    }
    for (size_t i = 0; i < 2; i++) {
        r = table_lookup(t, family, rules[i], addr, oif);
        if (r && r->type != FIB_THROW)
            return r;
    }
    return NULL;
}

/* The route type's answer when it is not a unicast route (the kernel's
 * fib_props errors mapped to RTN_ codes). */
static int rtype_ret(const struct fib_route *r)
{
    switch (r->type) {
    case FIB_BLACKHOLE: return BPF_FIB_LKUP_RET_BLACKHOLE;
    case FIB_UNREACHABLE: return BPF_FIB_LKUP_RET_UNREACHABLE;
    case FIB_PROHIBIT: return BPF_FIB_LKUP_RET_PROHIBIT;
    default: return BPF_FIB_LKUP_RET_NOT_FWDED; /* local, throw (with DIRECT) */
    }
}

static const struct fib_neigh *neigh_find(const struct bpfrt_fib_table *t, uint32_t dev, uint8_t family,
                                          const uint8_t *addr)
{
    for (unsigned i = 0; i < t->nneighs; i++)
        if (t->neighs[i].dev == dev && t->neighs[i].family == family &&
            !memcmp(t->neighs[i].addr, addr, family == 4 ? 4 : 16))
            return &t->neighs[i];
    return NULL;
}

/* The neighbour step: dmac of the next hop (the route's dmac, else the
 * neighbour table's entry), smac of the device (or the route's smac).
 * BPF_FIB_LKUP_RET_NO_NEIGH without an entry. */
static int fill_macs(const struct bpfrt_fib_table *t, const struct fib_route *r, const struct fib_dev *d,
                     struct bpf_fib_lookup *p, uint8_t nh_family, const uint8_t *nh)
{
    const struct fib_neigh *n = r->has_dmac ? NULL : neigh_find(t, r->dev, nh_family, nh);

    if (!r->has_dmac && !n)
        return BPF_FIB_LKUP_RET_NO_NEIGH;
    memcpy(p->dmac, r->has_dmac ? r->dmac : n->mac, 6);
    memcpy(p->smac, r->has_smac ? r->smac : d->mac, 6);
    return 0;
}

/* bpf_fib_set_fwd_params */
static int fwd_params(struct bpf_fib_lookup *p, uint32_t mtu)
{
    p->h_vlan_TCI = 0;
    p->h_vlan_proto = 0;
    if (mtu)
        p->mtu_result = (uint16_t)mtu;
    return BPF_FIB_LKUP_RET_SUCCESS;
}

/* What both families do first: the device params->ifindex names
 * (-ENODEV), its forwarding (BPF_FIB_LKUP_RET_FWD_DISABLED), the lookup
 * (BPF_FIB_LKUP_RET_NOT_FWDED without a route) and the route's type.  0
 * with *rp a unicast route, or the answer. */
static int route_step(const struct bpfrt_fib_table *t, struct bpf_fib_lookup *p, uint32_t flags, uint8_t family,
                      const uint8_t *dst, const struct fib_route **rp)
{
    const struct fib_dev *dev = fib_dev_find(t, p->ifindex);
    const struct fib_route *r;

    if (!dev)
        return -ENODEV;
    if (dev->noforward)
        return BPF_FIB_LKUP_RET_FWD_DISABLED;
    r = fib_lookup(t, family, flags, &p->tbid, dst, (flags & BPF_FIB_LOOKUP_OUTPUT) ? p->ifindex : 0);
    if (!r)
        return BPF_FIB_LKUP_RET_NOT_FWDED;
    if (r->type != FIB_UNICAST)
        return rtype_ret(r);
    *rp = r;
    return 0;
}

/* bpf_ipv4_fib_lookup */
static int fib4(const struct bpfrt_fib_table *t, struct bpf_fib_lookup *p, uint32_t flags, int check_mtu)
{
    const struct fib_dev *odev;
    const struct fib_route *r;
    uint32_t mtu = 0;
    uint8_t dst[16] = {0};
    int rc;

    memcpy(dst, &p->ipv4_dst, 4);
    rc = route_step(t, p, flags, 4, dst, &r);
    if (rc)
        return rc;
    odev = fib_dev_find(t, r->dev);
    if (check_mtu) {
        /* ip_mtu_from_fib_result */
        mtu = r->mtu ? r->mtu : (odev->mtu < IP_MAX_MTU ? odev->mtu : IP_MAX_MTU);
        if (p->tot_len > mtu) {
            p->mtu_result = (uint16_t)mtu;
            return BPF_FIB_LKUP_RET_FRAG_NEEDED;
        }
    }
    p->rt_metric = r->metric;
    p->ifindex = r->dev;
    if (flags & BPF_FIB_LOOKUP_SRC) {
        /* fib_result_prefsrc: the route's preferred source, else the
         * device's address (0 when it has none) */
        if (r->has_src)
            memcpy(&p->ipv4_src, r->src, 4);
        else if (odev->has4)
            memcpy(&p->ipv4_src, odev->addr4, 4);
        else
            p->ipv4_src = 0;
    }
    if (r->gw_family == 4) {
        memcpy(&p->ipv4_dst, r->gw, 4);
    } else if (r->gw_family == 6) {
        p->family = AF_INET6_;
        memcpy(p->ipv6_dst, r->gw, 16);
    }
    if (!(flags & BPF_FIB_LOOKUP_SKIP_NEIGH)) {
        if (r->gw_family == 6)
            rc = fill_macs(t, r, odev, p, 6, (const uint8_t *)p->ipv6_dst);
        else
            rc = fill_macs(t, r, odev, p, 4, (const uint8_t *)&p->ipv4_dst);
        if (rc)
            return rc;
    }
    return fwd_params(p, mtu);
}

/* rt6_need_strict: multicast, link-local and loopback addresses are never
 * forwarded */
static int v6_strict(const uint8_t *a)
{
    static const uint8_t loop[16] = {[15] = 1};
    return a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || !memcmp(a, loop, 16);
}

/* bpf_ipv6_fib_lookup */
static int fib6(const struct bpfrt_fib_table *t, struct bpf_fib_lookup *p, uint32_t flags, int check_mtu)
{
    uint8_t *src = (uint8_t *)p->ipv6_src, *dst = (uint8_t *)p->ipv6_dst;
    const struct fib_dev *odev;
    const struct fib_route *r;
    uint32_t mtu = 0;
    int rc;

    if (v6_strict(dst) || v6_strict(src))
        return BPF_FIB_LKUP_RET_NOT_FWDED;
    rc = route_step(t, p, flags, 6, dst, &r);
    if (rc)
        return rc;
    odev = fib_dev_find(t, r->dev);
    if (check_mtu) {
        /* ip6_mtu_from_fib6: a locked route MTU, else the device's mtu6
         * (at least IPV6_MIN_MTU), at most IP6_MAX_MTU */
        mtu = r->mtu ? r->mtu : (odev->mtu > IPV6_MIN_MTU ? odev->mtu : IPV6_MIN_MTU);
        if (mtu > IP6_MAX_MTU)
            mtu = IP6_MAX_MTU;
        if (p->tot_len > mtu) {
            p->mtu_result = (uint16_t)mtu;
            return BPF_FIB_LKUP_RET_FRAG_NEEDED;
        }
    }
    if (r->gw_family)
        memcpy(dst, r->gw, 16);
    p->rt_metric = r->metric;
    p->ifindex = r->dev;
    if (flags & BPF_FIB_LOOKUP_SRC) {
        /* the route's preferred source, else ipv6_dev_get_saddr: the
         * device's address; none: BPF_FIB_LKUP_RET_NO_SRC_ADDR */
        if (r->has_src)
            memcpy(src, r->src, 16);
        else if (odev->has6)
            memcpy(src, odev->addr6, 16);
        else
            return BPF_FIB_LKUP_RET_NO_SRC_ADDR;
    }
    if (!(flags & BPF_FIB_LOOKUP_SKIP_NEIGH)) {
        rc = fill_macs(t, r, odev, p, 6, dst);
        if (rc)
            return rc;
    }
    return fwd_params(p, mtu);
}

static uint64_t hlp_fib_lookup(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t flags64, uint64_t e,
                               struct rt_run *run)
{
    const struct bpfrt_fib_table *t = run->fib ? run->fib : &empty_table;
    struct bpf_fib_lookup *p = (struct bpf_fib_lookup *)(uintptr_t)r2;
    int64_t plen = (int32_t)r3; /* the kernel's int plen */
    uint32_t flags = (uint32_t)flags64;
    struct pt_skb_kctx *s = NULL;
    int check_mtu = 1, rc;
    (void)e;

    if (run->ctx_kind == RT_CTX_XDP) {
        if ((void *)(uintptr_t)r1 != run->ctx)
            return (uint64_t)rt_fail(run, -EFAULT, run->err_pc,
                                     "helper bpf_fib_lookup: r1 = 0x%llx is not the program's context (struct xdp_md)",
                                     (unsigned long long)r1);
    } else if (!(s = hlp_skb_ctx(run, r1, "fib_lookup"))) {
        return 0;
    }
    if (hlp_arg_mem(run, r2, (uint32_t)r3, 1, "fib_lookup", "r2 (params)"))
        return 0;
    /* plen < sizeof(*params) compares an int with a size_t: a negative
     * plen is a huge one */
    if ((uint64_t)plen < sizeof(*p))
        return (uint64_t)(int64_t)-EINVAL;
    if (flags & ~(uint32_t)FIB_FLAGS)
        return (uint64_t)(int64_t)-EINVAL;
    if (s)
        check_mtu = p->tot_len != 0;
    switch (p->family) {
    case AF_INET_: rc = fib4(t, p, flags, check_mtu); break;
    case AF_INET6_: rc = fib6(t, p, flags, check_mtu); break;
    default: return (uint64_t)(int64_t)-EAFNOSUPPORT;
    }
    if (s && rc == BPF_FIB_LKUP_RET_SUCCESS && !check_mtu) {
        /* bpf_skb_fib_lookup without tot_len: the packet against the
         * result device (is_skb_forwardable: MTU + hard header + a VLAN
         * tag; a GSO packet always fits) */
        const struct fib_dev *d = fib_dev_find(t, p->ifindex);
        if (s->len > d->mtu + ETH_HARD_HEADER + VLAN_HLEN && !s->gso_size)
            rc = BPF_FIB_LKUP_RET_FRAG_NEEDED;
        p->mtu_result = (uint16_t)d->mtu;
    }
    return (uint64_t)(int64_t)rc;
}

static const struct hlp_desc hlp_fib_table_desc[] = {
    {BPF_FUNC_fib_lookup, "fib_lookup", hlp_fib_lookup, 1},
};
HLP_TABLE(hlp_fib_tab, hlp_fib_table_desc);
