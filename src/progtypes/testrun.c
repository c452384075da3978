/* testrun.c - the contexts of a test run, as the kernel's
 * BPF_PROG_TEST_RUN builds them (net/bpf/test_run.c: bpf_ctx_init and
 * bpf_ctx_finish, bpf_test_init, bpf_prog_test_run_xdp with
 * xdp_convert_md_to_buff, bpf_prog_test_run_skb with convert___skb_to_skb
 * and convert_skb_to___skb; the running kernel decides where versions
 * differ).  The device is the loopback (ifindex 1, one receive queue,
 * address 00:00:00:00:00:00), the kernel's default for both families,
 * unless ctx_in names another of the host's (testrun_dev.c); an ifindex
 * naming no device gives -ENODEV.
 * XDP data beyond the linear part goes into page fragments (struct
 * pt_xdp_frags of kctx.h), as the kernel's multi-buffer test run. */
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../helpers/csum.h"
#include "ctx.h"
#include "testrun.h"

static int tr_fail(struct pt_testrun *tr, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int tr_fail(struct pt_testrun *tr, int err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(tr->err, sizeof(tr->err), fmt, ap);
    va_end(ap);
    return err;
}

void pt_testrun_free(struct pt_testrun *tr)
{
    if (!tr)
        return;
    /* the skb helpers that need more room move the packet into a larger
     * buffer (helpers_skb_room.c): the skb's head is the buffer then */
    if (tr->ctx_kind == RT_CTX_SKB && tr->k.skb.head)
        tr->buf = tr->k.skb.head;
    free(tr->buf);
    free(tr->frags.data);
    tr->buf = NULL;
    if (tr->ctx_kind == RT_CTX_SKB)
        tr->k.skb.head = NULL;
    tr->frags.data = NULL;
}

/* bpf_ctx_init: no context unless ctx_in or ctx_out is given; ctx_in may
 * be shorter than the struct (the rest is zero) or longer when the extra
 * bytes are zero (bpf_check_uarg_tail_zero: -E2BIG otherwise, and for
 * more than a page). */
static int ctx_init(struct pt_testrun *tr, uint32_t size, const char *name)
{
    const uint8_t *in = tr->ctx_in;

    tr->uctx_size = 0;
    memset(tr->uctx, 0, sizeof(tr->uctx));
    if (!in && !tr->ctx_out_wanted)
        return 0;
    tr->uctx_size = size;
    if (!in)
        return 0;
    if (tr->ctx_size_in > size) {
        if (tr->ctx_size_in > PT_PAGE_SIZE)
            return tr_fail(tr, -E2BIG, "ctx_in is %u bytes: more than a page (struct %s has %u)", tr->ctx_size_in,
                           name, size);
        for (uint32_t i = size; i < tr->ctx_size_in; i++)
            if (in[i])
                return tr_fail(tr, -E2BIG,
                               "ctx_in is %u bytes and byte %u, past the end of struct %s (%u bytes), is not zero",
                               tr->ctx_size_in, i, name, size);
    }
    memcpy(tr->uctx, in, tr->ctx_size_in < size ? tr->ctx_size_in : size);
    return 0;
}

/* ------------------------------------------------------------------ XDP */

/* The kernel's xdp_metalen_invalid (6.18: a multiple of 4 that fits the
 * u8 meta_len of struct skb_shared_info; 6.1 allowed 32 bytes at most). */
static int xdp_metalen_invalid(uint64_t len)
{
    return (len & 3) || len > PT_XDP_META_MAX;
}

int pt_xdp_build_ctx(struct pt_testrun *tr)
{
    struct xdp_md *md = (struct xdp_md *)tr->uctx;
    struct pt_xdp_kctx *x = &tr->k.xdp;
    uint32_t headroom = PT_XDP_HEADROOM, meta = 0, linear = tr->data_size_in, max_linear;
    int err;

    memset(&tr->k, 0, sizeof(tr->k));
    tr->ctx_kind = RT_CTX_XDP;
    if (tr->attach == BPF_XDP_DEVMAP || tr->attach == BPF_XDP_CPUMAP)
        return tr_fail(tr, -EINVAL, "XDP programs for a %s do not test-run (the kernel refuses them)",
                       tr->attach == BPF_XDP_DEVMAP ? "devmap" : "cpumap");
    /* bpf_prog_test_run_xdp: live frames are the only flag */
    if (tr->test_flags & ~BPF_F_TEST_XDP_LIVE_FRAMES)
        return tr_fail(tr, -EINVAL, "test-run flags 0x%x: XDP takes BPF_F_TEST_XDP_LIVE_FRAMES alone",
                       tr->test_flags);
    if (tr->test_flags)
        return tr_fail(tr, -EOPNOTSUPP, "BPF_F_TEST_XDP_LIVE_FRAMES: bpfrt's test run has no live frames");
    err = ctx_init(tr, sizeof(struct xdp_md), "xdp_md");
    if (err)
        return err;
    if (tr->uctx_size) {
        /* no data before the metadata; the packet within data_in */
        if (md->data_meta)
            return tr_fail(tr, -EINVAL, "ctx_in: xdp_md.data_meta must be 0 (data_in starts with the metadata)");
        if (md->data_end > tr->data_size_in)
            return tr_fail(tr, -EINVAL, "ctx_in: xdp_md.data_end %u is past the %u bytes of data_in", md->data_end,
                           tr->data_size_in);
        if (md->data > md->data_end)
            return tr_fail(tr, -EINVAL, "ctx_in: xdp_md.data %u is past data_end %u", md->data, md->data_end);
        meta = md->data;
        if (xdp_metalen_invalid(meta) || meta > headroom - PT_XDP_FRAME_SIZE)
            return tr_fail(tr, -EINVAL,
                           "ctx_in: xdp_md.data %u gives %u bytes of metadata: a multiple of 4, at most %u", meta,
                           meta, PT_XDP_META_MAX);
        headroom -= meta; /* the metadata comes out of the headroom */
        linear = md->data_end;
    }
    max_linear = PT_PAGE_SIZE - headroom - PT_SHINFO_SIZE;
    if (linear > max_linear)
        linear = max_linear;
    if (tr->data_size_in < meta || tr->data_size_in - meta < PT_ETH_HLEN)
        return tr_fail(tr, -EINVAL, "data_in has %u bytes of packet: less than an Ethernet header (%u)",
                       tr->data_size_in - (tr->data_size_in < meta ? tr->data_size_in : meta), PT_ETH_HLEN);
    tr->buf_size = PT_PAGE_SIZE;
    tr->buf = calloc(1, tr->buf_size);
    if (!tr->buf)
        return tr_fail(tr, -ENOMEM, "out of memory");
    if (linear)
        memcpy(tr->buf + headroom, tr->data_in, linear);
    /* xdp_prepare_buff with metadata supported, then the md's data */
    x->data_hard_start = tr->buf;
    x->data_meta = tr->buf + headroom;
    x->data = x->data_meta;
    x->data_end = x->data + linear;
    x->frame_sz = PT_PAGE_SIZE;
    tr->pkt_writable = 1;
    x->ingress_ifindex = PT_LO_IFINDEX; /* the loopback's queue 0 */
    x->rx_queue_index = 0;
    if (tr->prog_flags & BPF_F_XDP_HAS_FRAGS)
        x->flags |= PT_XDP_F_FRAGS;
    if (tr->uctx_size) {
        /* xdp_convert_md_to_buff */
        if (md->egress_ifindex)
            err = tr_fail(tr, -EINVAL, "ctx_in: xdp_md.egress_ifindex must be 0");
        else if (!md->ingress_ifindex && md->rx_queue_index)
            err = tr_fail(tr, -EINVAL, "ctx_in: xdp_md.rx_queue_index %u without an ingress_ifindex",
                          md->rx_queue_index);
        else if (md->ingress_ifindex) {
            /* the device's receive queue becomes the buffer's rxq:
             * xdp_md.ingress_ifindex and rx_queue_index as given, and its
             * frag_size, which only the loopback's queue has (the test
             * run set it; the core registers the others' with 0) */
            char why[160];
            struct pt_netdev dev;
            err = pt_netdev_get(md->ingress_ifindex, &dev, why, sizeof(why));
            if (err)
                err = tr_fail(tr, err, "ctx_in: xdp_md.ingress_ifindex %u: %s", md->ingress_ifindex, why);
            else if (md->rx_queue_index >= dev.rx_queues)
                err = tr_fail(tr, -EINVAL, "ctx_in: xdp_md.rx_queue_index %u: device %u has %u receive queues",
                              md->rx_queue_index, md->ingress_ifindex, dev.rx_queues);
            x->ingress_ifindex = md->ingress_ifindex;
            x->rx_queue_index = md->rx_queue_index;
            if (!dev.loopback)
                x->flags |= PT_XDP_F_NO_FRAG_SIZE;
        }
        if (err) {
            pt_testrun_free(tr);
            return err;
        }
        x->data = x->data_meta + md->data;
    }
    /* the rest of data_in in page fragments, each page filled but the
     * last, whatever the program's xdp.frags flag (the running kernel
     * builds them for every program: tests/kernel-diff/
     * test_xdp_frags_diff.c); -ENOMEM past MAX_SKB_FRAGS of them.  Room
     * for whole pages: bpf_xdp_adjust_tail grows the last one. */
    if (tr->data_size_in > linear) {
        uint32_t rest = tr->data_size_in - linear;
        uint32_t nr = (rest + PT_XDP_FRAG_SIZE - 1) / PT_XDP_FRAG_SIZE;
        if (nr > PT_MAX_FRAGS) {
            pt_testrun_free(tr);
            return tr_fail(tr, -ENOMEM, "data_in has %u bytes: more than %u page fragments after the %u-byte buffer",
                           tr->data_size_in, PT_MAX_FRAGS, linear);
        }
        tr->frags.cap = nr * PT_XDP_FRAG_SIZE;
        tr->frags.data = malloc(tr->frags.cap);
        if (!tr->frags.data) {
            pt_testrun_free(tr);
            return tr_fail(tr, -ENOMEM, "out of memory");
        }
        memcpy(tr->frags.data, tr->data_in + linear, rest);
        tr->frags.size = rest;
        x->nr_frags = nr;
        x->frags = &tr->frags;
    }
    return 0;
}

/* The packet out starts at the metadata, the fragments left after it
 * (bpf_test_finish copies them behind the linear part; none once
 * bpf_xdp_adjust_tail released them all); the md's data and data_end are
 * offsets from it (xdp_convert_buff_to_md); ingress_ifindex and
 * rx_queue_index stay as they came in. */
void pt_xdp_finish_ctx(struct pt_testrun *tr)
{
    struct pt_xdp_kctx *x = &tr->k.xdp;
    struct xdp_md *md = (struct xdp_md *)tr->uctx;

    tr->data_out = x->data_meta;
    tr->frags_out = tr->frags.data;
    tr->frags_size_out = x->nr_frags ? tr->frags.size : 0;
    tr->data_size_out = (uint32_t)(x->data_end - x->data_meta) + tr->frags_size_out;
    if (tr->uctx_size) {
        md->data = (uint32_t)(x->data - x->data_meta);
        md->data_end = (uint32_t)(x->data_end - x->data_meta);
    }
}

/* ---------------------------------------------------------- __sk_buff */

#define SKB_OFF(f) ((uint32_t)offsetof(struct __sk_buff, f))
#define SKB_END(f) ((uint32_t)(offsetof(struct __sk_buff, f) + sizeof(((struct __sk_buff *)0)->f)))

/* convert___skb_to_skb: the fields a ctx_in may set, every other byte
 * zero.  The ranges between the allowed fields: */
static const struct {
    uint32_t from, to;
    const char *after; /* the allowed field before the range ("" at the start) */
} skb_zero_ranges[] = {
    {0, SKB_OFF(mark), ""},
    {SKB_END(mark), SKB_OFF(priority), "mark"},
    {SKB_END(ifindex), SKB_OFF(cb), "ifindex"},
    {SKB_END(cb), SKB_OFF(tstamp), "cb"},
    {SKB_END(gso_segs), SKB_OFF(gso_size), "gso_segs"},
    {SKB_END(gso_size), SKB_OFF(hwtstamp), "gso_size"},
    {SKB_END(hwtstamp), sizeof(struct __sk_buff), "hwtstamp"},
};

/* The __sk_buff field at byte off, for messages. */
static const char *skb_field_name(uint32_t off)
{
    static const struct {
        uint32_t off;
        const char *name;
    } f[] = {
        {SKB_OFF(len), "len"},
        {SKB_OFF(pkt_type), "pkt_type"},
        {SKB_OFF(mark), "mark"},
        {SKB_OFF(queue_mapping), "queue_mapping"},
        {SKB_OFF(protocol), "protocol"},
        {SKB_OFF(vlan_present), "vlan_present"},
        {SKB_OFF(vlan_tci), "vlan_tci"},
        {SKB_OFF(vlan_proto), "vlan_proto"},
        {SKB_OFF(priority), "priority"},
        {SKB_OFF(ingress_ifindex), "ingress_ifindex"},
        {SKB_OFF(ifindex), "ifindex"},
        {SKB_OFF(tc_index), "tc_index"},
        {SKB_OFF(cb), "cb"},
        {SKB_OFF(hash), "hash"},
        {SKB_OFF(tc_classid), "tc_classid"},
        {SKB_OFF(data), "data"},
        {SKB_OFF(data_end), "data_end"},
        {SKB_OFF(napi_id), "napi_id"},
        {SKB_OFF(family), "family"},
        {SKB_OFF(remote_ip4), "remote_ip4"},
        {SKB_OFF(local_ip4), "local_ip4"},
        {SKB_OFF(remote_ip6), "remote_ip6"},
        {SKB_OFF(local_ip6), "local_ip6"},
        {SKB_OFF(remote_port), "remote_port"},
        {SKB_OFF(local_port), "local_port"},
        {SKB_OFF(data_meta), "data_meta"},
        {SKB_OFF(flow_keys), "flow_keys"},
        {SKB_OFF(tstamp), "tstamp"},
        {SKB_OFF(wire_len), "wire_len"},
        {SKB_OFF(gso_segs), "gso_segs"},
        {SKB_OFF(sk), "sk"},
        {SKB_OFF(gso_size), "gso_size"},
        {SKB_OFF(tstamp_type), "tstamp_type"},
        {SKB_OFF(hwtstamp), "hwtstamp"},
    };
    const char *name = "?";

    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]) && f[i].off <= off; i++)
        name = f[i].name;
    return name;
}

/* The kmalloc size class the kernel's buffer of n bytes comes from (the
 * skb's end is where that buffer's tailroom for skb_shared_info starts:
 * build_skb with frag_size 0 uses the whole allocation). */
static size_t kmalloc_class(size_t n)
{
    static const size_t cls[] = {64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192};
    for (size_t i = 0; i < sizeof(cls) / sizeof(cls[0]); i++)
        if (n <= cls[i])
            return cls[i];
    return n;
}

static uint16_t get_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* The socket bpf_prog_test_run_skb gives the skb (sk_alloc of
 * bpf_dummy_proto with AF_UNSPEC, sock_init_data without a struct
 * socket: type and protocol 0, state TCP_CLOSE, no receive queue, and
 * the family and addresses of the packet as set above), as programs see
 * it through __sk_buff.sk: the UAPI struct bpf_sock itself, whose loads
 * need no conversion (bpf_sock_convert_ctx_access gives these values for
 * every aligned load clang emits; a load of the upper bytes of a field
 * the kernel keeps narrower, state's second byte say, would read 0 here
 * where the kernel repeats the field).  Shown against the kernel by
 * tests/kernel-diff/test_skb_ctx_diff.c (test_run_socket). */
static void skb_socket(struct pt_testrun *tr)
{
    struct pt_skb_kctx *s = &tr->k.skb;
    struct bpf_sock *sk = &tr->sock;

    memset(sk, 0, sizeof(*sk));
    sk->family = s->family;
    sk->src_ip4 = s->local_ip4; /* sk_rcv_saddr: the packet's source */
    sk->dst_ip4 = s->remote_ip4;
    memcpy(sk->src_ip6, s->local_ip6, sizeof(sk->src_ip6));
    memcpy(sk->dst_ip6, s->remote_ip6, sizeof(sk->dst_ip6));
    sk->state = BPF_TCP_CLOSE;
    sk->rx_queue_mapping = -1; /* NO_QUEUE_MAPPING */
    s->sk = sk;
}

/* bpf_prog_test_run_skb up to the run.  l2: the program sees the MAC
 * header (tc); direct: data and data_end are computed for direct packet
 * access (tc; other types find data_end 0 in a test run, since nothing
 * computes it). */
static int skb_build(struct pt_testrun *tr, int l2, int direct)
{
    struct __sk_buff *u = (struct __sk_buff *)tr->uctx;
    struct pt_skb_kctx *s = &tr->k.skb;
    uint32_t size = tr->data_size_in, max = PT_PAGE_SIZE - PT_SKB_HEADROOM - PT_SHINFO_SIZE;
    struct pt_netdev dev;
    const uint8_t *eth;
    char why[160];
    uint16_t proto;
    int err;

    memset(&tr->k, 0, sizeof(tr->k));
    tr->ctx_kind = RT_CTX_SKB;
    tr->skb_l2 = (uint8_t)l2;
    tr->skb_direct = (uint8_t)direct;
    if (tr->test_flags & ~BPF_F_TEST_SKB_CHECKSUM_COMPLETE)
        return tr_fail(tr, -EINVAL, "test-run flags 0x%x: __sk_buff types take BPF_F_TEST_SKB_CHECKSUM_COMPLETE alone",
                       tr->test_flags);
    if (size < PT_ETH_HLEN)
        return tr_fail(tr, -EINVAL, "data_in has %u bytes: less than an Ethernet header (%u)", size, PT_ETH_HLEN);
    if (size > max)
        return tr_fail(tr, -EINVAL, "data_in has %u bytes: more than the %u a test run's skb holds", size, max);
    err = ctx_init(tr, sizeof(struct __sk_buff), "__sk_buff");
    if (err)
        return err;
    tr->buf_size = kmalloc_class(((size + 63) & ~63u) + PT_SKB_HEADROOM + PT_SHINFO_SIZE);
    tr->buf = calloc(1, tr->buf_size);
    if (!tr->buf)
        return tr_fail(tr, -ENOMEM, "out of memory");
    memcpy(tr->buf + PT_SKB_HEADROOM, tr->data_in, size);
    s->head = tr->buf;
    s->end = tr->buf + tr->buf_size - PT_SHINFO_SIZE;
    s->buf_size = (uint32_t)tr->buf_size;
    s->data = tr->buf + PT_SKB_HEADROOM;
    s->len = size;
    /* slab_build_skb leaves the transport header unset; eth_type_trans
     * sets the MAC header where the frame starts and the test run the
     * network header after it; mac_len stays 0 and ip_summed
     * CHECKSUM_NONE */
    s->mac_header = PT_SKB_HEADROOM;
    s->network_header = PT_SKB_HEADROOM + PT_ETH_HLEN;
    s->transport_header = PT_SKB_HDR_UNSET;
    s->run = NULL;
    /* __sk_buff.ifindex above 1 names the device (the loopback else) */
    err = pt_netdev_get(tr->uctx_size && u->ifindex > PT_LO_IFINDEX ? u->ifindex : PT_LO_IFINDEX, &dev, why,
                        sizeof(why));
    if (err) {
        err = tr_fail(tr, err, "ctx_in: __sk_buff.ifindex %u: %s", u->ifindex, why);
        goto fail;
    }
    s->ifindex = dev.ifindex;
    /* eth_type_trans: PACKET_HOST for the device's address, else
     * PACKET_BROADCAST for its broadcast address, PACKET_MULTICAST for
     * any other group address, PACKET_OTHERHOST (the loopback's address
     * and broadcast address are both 00:00:00:00:00:00, so there
     * ff:ff:ff:ff:ff:ff is PACKET_MULTICAST) */
    eth = s->data;
    if (!memcmp(eth, dev.addr, 6))
        s->pkt_type = PACKET_HOST;
    else if (!(eth[0] & 1))
        s->pkt_type = PACKET_OTHERHOST;
    else
        s->pkt_type = memcmp(eth, dev.broadcast, 6) ? PACKET_MULTICAST : PACKET_BROADCAST;
    proto = get_be16(eth + 12);
    if (proto < ETH_P_802_3_MIN)
        /* 802.3 frames: Novell's raw IPX (0xFFFF after the header) or 802.2 */
        proto = size >= PT_ETH_HLEN + 2 && get_be16(eth + PT_ETH_HLEN) == 0xffff ? ETH_P_802_3 : ETH_P_802_2;
    s->protocol = (uint16_t)((proto >> 8) | (proto << 8)); /* network order, as skb->protocol */
    s->data += PT_ETH_HLEN;
    s->len -= PT_ETH_HLEN;
    /* the dummy socket of the test run takes the addresses of the packet */
    if (proto == ETH_P_IP) {
        if (s->len < 20) {
            err = tr_fail(tr, -EINVAL, "an IPv4 packet of %u bytes after the Ethernet header: less than an IPv4 "
                                       "header (20)",
                          s->len);
            goto fail;
        }
        s->family = 2; /* AF_INET */
        memcpy(&s->local_ip4, s->data + 12, 4);
        memcpy(&s->remote_ip4, s->data + 16, 4);
    } else if (proto == ETH_P_IPV6) {
        if (s->len < 40) {
            err = tr_fail(tr, -EINVAL, "an IPv6 packet of %u bytes after the Ethernet header: less than an IPv6 "
                                       "header (40)",
                          s->len);
            goto fail;
        }
        s->family = 10; /* AF_INET6 */
        memcpy(s->local_ip6, s->data + 8, 16);
        memcpy(s->remote_ip6, s->data + 24, 16);
    }
    skb_socket(tr);
    if (l2) {
        s->data -= PT_ETH_HLEN;
        s->len += PT_ETH_HLEN;
    }
    if (direct) {
        s->data_meta = s->data;
        s->data_end = s->data + s->len;
    }
    /* convert___skb_to_skb */
    if (tr->uctx_size) {
        for (size_t i = 0; i < sizeof(skb_zero_ranges) / sizeof(skb_zero_ranges[0]); i++)
            for (uint32_t b = skb_zero_ranges[i].from; b < skb_zero_ranges[i].to; b++)
                if (tr->uctx[b]) {
                    err = tr_fail(tr, -EINVAL,
                                  "ctx_in: __sk_buff.%s (byte %u) cannot be set in a test run (the kernel takes mark, "
                                  "priority, ingress_ifindex, ifindex, cb, tstamp, wire_len, gso_segs, gso_size and "
                                  "hwtstamp)",
                                  skb_field_name(b), b);
                    goto fail;
                }
        s->mark = u->mark;
        s->priority = u->priority;
        s->ingress_ifindex = u->ingress_ifindex;
        s->tstamp = u->tstamp;
        memcpy(s->cb, u->cb, sizeof(s->cb));
        if (u->wire_len == 0) {
            s->wire_len = s->len;
        } else if (u->wire_len < s->len || u->wire_len > 65536) {
            err = tr_fail(tr, -EINVAL, "ctx_in: __sk_buff.wire_len %u: less than the packet's %u bytes or more than "
                                       "65536",
                          u->wire_len, s->len);
            goto fail;
        } else {
            s->wire_len = u->wire_len;
        }
        if (u->gso_segs > 65535) {
            err = tr_fail(tr, -EINVAL, "ctx_in: __sk_buff.gso_segs %u is more than 65535", u->gso_segs);
            goto fail;
        }
        s->gso_segs = (uint16_t)u->gso_segs;
        s->gso_size = (uint16_t)u->gso_size; /* skb_shared_info.gso_size is 16 bits */
        s->hwtstamp = u->hwtstamp;
    }
    /* the checksum of the data from the network header (skb_checksum) */
    if (tr->test_flags & BPF_F_TEST_SKB_CHECKSUM_COMPLETE) {
        uint32_t off = s->network_header - (uint32_t)(s->data - s->head);
        s->csum = cs_partial(s->data + off, s->len - off, 0);
        s->ip_summed = PT_SKB_CSUM_COMPLETE;
    }
    tr->pkt_writable = (uint8_t)direct;
    return 0;
fail:
    pt_testrun_free(tr);
    return err;
}

int pt_tc_build_ctx(struct pt_testrun *tr)
{
    return skb_build(tr, 1, 1);
}

int pt_socket_filter_build_ctx(struct pt_testrun *tr)
{
    return skb_build(tr, 0, 0);
}

int pt_cgroup_skb_build_ctx(struct pt_testrun *tr)
{
    return skb_build(tr, 0, 0);
}

/* After the run: the types that saw the network header get the Ethernet
 * header back in front, zeroed (the kernel pushes hh_len bytes and clears
 * them); the context out as convert_skb_to___skb writes it (the other
 * fields keep what ctx_in had). */
void pt_skb_finish_ctx(struct pt_testrun *tr)
{
    struct pt_skb_kctx *s = &tr->k.skb;
    struct __sk_buff *u = (struct __sk_buff *)tr->uctx;
    uint8_t *data = s->data;
    uint32_t len = s->len;

    if (!tr->skb_l2) {
        data -= PT_ETH_HLEN;
        len += PT_ETH_HLEN;
        memset(data, 0, PT_ETH_HLEN);
    }
    tr->data_out = data;
    tr->data_size_out = len;
    tr->finish_err = 0;
    if (tr->test_flags & BPF_F_TEST_SKB_CHECKSUM_COMPLETE) {
        /* the skb's checksum must still be that of its data from the
         * network header (compared folded, whatever ip_summed became) */
        int off = (int)s->network_header - (int)(data - s->head);
        uint32_t sum = off >= 0 && (uint32_t)off <= len ? cs_partial(data + off, len - (uint32_t)off, 0) : 0;
        if (cs_fold(sum) != cs_fold(s->csum)) {
            tr->finish_err = -EBADMSG;
            snprintf(tr->err, sizeof(tr->err),
                     "BPF_F_TEST_SKB_CHECKSUM_COMPLETE: the skb's checksum (0x%04x folded) is not that of its data "
                     "(0x%04x)",
                     cs_fold(s->csum), cs_fold(sum));
            return;
        }
    }
    if (tr->uctx_size) {
        u->mark = s->mark;
        u->priority = s->priority;
        u->ingress_ifindex = s->ingress_ifindex;
        u->ifindex = s->ifindex;
        u->tstamp = s->tstamp;
        memcpy(u->cb, s->cb, sizeof(u->cb));
        u->wire_len = s->wire_len;
        u->gso_segs = s->gso_segs;
        u->hwtstamp = s->hwtstamp;
    }
}

/* ------------------------------------------------------- checked runs */

/* The packet: what lies between data_meta (or data) and data_end at the
 * time of the access, as the verifier's packet ranges allow. */
static int pkt_region_check(const struct rt_run *run, const struct rt_region *g, uint64_t addr, uint64_t size,
                            uint32_t perm, char *why, size_t whysz)
{
    const struct pt_testrun *tr = g->owner;
    const uint8_t *lo, *hi;

    (void)run;
    if (tr->ctx_kind == RT_CTX_XDP) {
        lo = tr->k.xdp.data_meta;
        hi = tr->k.xdp.data_end;
    } else {
        lo = tr->k.skb.data_meta ? tr->k.skb.data_meta : tr->k.skb.data;
        hi = tr->k.skb.data_end;
    }
    if ((perm & RT_W) && !tr->pkt_writable) {
        if (why)
            snprintf(why, whysz, "programs of this type may not write the packet directly");
        return 0;
    }
    if (!hi || addr < (uint64_t)(uintptr_t)lo || addr + size > (uint64_t)(uintptr_t)hi) {
        if (why)
            snprintf(why, whysz, "outside the packet (data_meta/data .. data_end: %td bytes)", hi ? hi - lo : 0);
        return 0;
    }
    return 1;
}

/* The run-time context: read anywhere (converted loads), written only at
 * the fields the type's conversions store to (tc: mark, priority,
 * tc_index, tc_classid, cb, tstamp, queue_mapping; cgroup_skb: mark,
 * priority, cb, tstamp; socket_filter: cb; XDP: nothing). */
static int ctx_region_check(const struct rt_run *run, const struct rt_region *g, uint64_t addr, uint64_t size,
                            uint32_t perm, char *why, size_t whysz)
{
    const struct pt_testrun *tr = g->owner;
    uint64_t off = addr - g->start;
#define KF(f) offsetof(struct pt_skb_kctx, f), sizeof(((struct pt_skb_kctx *)0)->f)
    static const struct {
        size_t off, size;
    } w[] = {{KF(mark)}, {KF(priority)}, {KF(tc_index)}, {KF(tc_classid)}, {KF(cb)}, {KF(tstamp)}, {KF(queue_mapping)}};
#undef KF

    (void)run;
    if (!(perm & RT_W))
        return 1;
    if (tr->ctx_kind == RT_CTX_SKB)
        for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
            if (off >= w[i].off && off + size <= w[i].off + w[i].size)
                return 1;
    if (why)
        snprintf(why, whysz, "a store into a context field programs may not write");
    return 0;
}

int pt_testrun_add_regions(struct pt_testrun *tr, struct rt_run *run)
{
    size_t ksize = tr->ctx_kind == RT_CTX_XDP ? sizeof(tr->k.xdp) : sizeof(tr->k.skb);

    if (rt_add_region_checked(run, (uint64_t)(uintptr_t)tr->buf, tr->buf_size, RT_RW, "packet", pkt_region_check,
                              tr))
        return -E2BIG;
    if (tr->ctx_kind == RT_CTX_SKB && rt_add_region(run, (uint64_t)(uintptr_t)&tr->sock, sizeof(tr->sock), RT_R,
                                                    "socket"))
        return -E2BIG;
    return rt_add_region_checked(run, (uint64_t)(uintptr_t)&tr->k, ksize, RT_RW, "context", ctx_region_check, tr);
}
