/* kctx.h - bpfrt's run-time contexts of the networking program types:
 * what a program's r1 points at once the verifier has converted its
 * context accesses (src/progtypes/ctx.h and ctx_*.c: the rules and the
 * conversions), what the test run builds (src/progtypes/testrun.c) and
 * what the helpers (skb_load_bytes, xdp_adjust_head, ...) receive in r1
 * to find the packet.  Here, below the program types, because the
 * helpers come before them in the layering. */
#ifndef BPFRT_HELPERS_KCTX_H
#define BPFRT_HELPERS_KCTX_H

#include <stdint.h>

_Static_assert(sizeof(void *) == 8, "the run-time contexts hold 64-bit pointers (converted loads are BPF_DW)");

/* ------------------------------------------------------------------ XDP */

/* struct pt_xdp_kctx: the run-time context of an XDP program (the
 * kernel's struct xdp_buff, reduced to what a test run has).
 *
 * Buffer layout (as the kernel's test run builds it, net/bpf/test_run.c):
 *
 *   data_hard_start            data_meta   data          data_end     data_hard_start + frame_sz
 *   |<-------- headroom -------->|<- meta ->|<- packet ->|<- tailroom ->|
 *
 * Invariants the run side keeps (the verifier's packet-range proofs rely
 * on them): data_hard_start <= data_meta <= data <= data_end <=
 * data_hard_start + frame_sz; data_meta == data when there is no metadata.
 * The helpers move data (xdp_adjust_head), data_meta (xdp_adjust_meta) and
 * data_end (xdp_adjust_tail) within those bounds. */
struct pt_xdp_kctx {
    uint8_t *data;            /* xdp_md.data: the first byte of the packet (PT_REG_PKT) */
    uint8_t *data_end;        /* xdp_md.data_end: one past the last byte of the first buffer (PT_REG_PKT_END) */
    uint8_t *data_meta;       /* xdp_md.data_meta: the metadata before data, == data when none (PT_REG_PKT_META) */
    uint8_t *data_hard_start; /* start of the buffer: the lowest address data_meta/data may move to */
    uint32_t frame_sz;        /* bytes from data_hard_start to the end of the tailroom (kernel: xdp_buff.frame_sz) */
    uint32_t ingress_ifindex; /* xdp_md.ingress_ifindex (kernel: rxq->dev->ifindex) */
    uint32_t rx_queue_index;  /* xdp_md.rx_queue_index (kernel: rxq->queue_index) */
    uint32_t egress_ifindex;  /* xdp_md.egress_ifindex (kernel: txq->dev->ifindex; devmap programs only) */
    uint32_t flags;           /* PT_XDP_F_* */
    uint32_t nr_frags;        /* page fragments after the first buffer (kernel: skb_shared_info.nr_frags) */
    void *frags;              /* struct pt_xdp_frags (NULL when the test run made none) */
    void *run;                /* the run side's state for helpers (maps, trace buffer, ...); opaque here */
};
/* The bytes of an XDP packet after its linear part: the kernel's page
 * fragments of a multi-buffer packet (net/bpf/test_run.c
 * bpf_prog_test_run_xdp fills each page but the last one; only
 * bpf_xdp_adjust_tail changes them: it grows the last fragment up to its
 * page and shrinks from the end, releasing fragments it empties), held
 * contiguously: fragment i is bytes [i * PT_XDP_FRAG_SIZE, ...) of data,
 * size bytes in all, nr_frags == ceil(size / PT_XDP_FRAG_SIZE), and data
 * has room for nr_frags whole pages as built (cap).  While nr_frags is
 * 0 the packet is linear (the kernel's frags flag is clear). */
struct pt_xdp_frags {
    uint8_t *data;
    uint32_t size; /* the kernel's skb_shared_info.xdp_frags_size */
    uint32_t cap;  /* bytes allocated at data */
};
#define PT_XDP_FRAG_SIZE 4096u /* a fragment's page (the test run's rxq frag_size, PAGE_SIZE) */
#define PT_XDP_F_FRAGS 1u /* the program was loaded with BPF_F_XDP_HAS_FRAGS (kernel: XDP_FLAGS_HAS_FRAGS) */
#define PT_XDP_F_NO_FRAG_SIZE 2u /* the rxq has no frag_size: fragments cannot grow (-EOPNOTSUPP) */

/* ---------------------------------------------------------- __sk_buff */

/* The tunnel metadata a bpf_skb_set_tunnel_key() attached to the skb (the
 * kernel's struct ip_tunnel_info of the per-CPU metadata dst, reduced to
 * what bpf_skb_get_tunnel_key() reads back): addresses in network order. */
struct pt_skb_tunnel {
    uint64_t tun_id;    /* key.tun_id, host order */
    uint32_t src[4];    /* key.u.ipv4.src / key.u.ipv6.src */
    uint32_t dst[4];    /* key.u.ipv4.dst / key.u.ipv6.dst */
    uint32_t label;     /* key.label (IPv6), network order */
    uint16_t tun_flags; /* key.tun_flags as the UAPI's __be16 tunnel_flags gives them */
    uint8_t tos, ttl;
    uint8_t ipv6; /* mode & IP_TUNNEL_INFO_IPV6 */
    uint8_t opts_len;  /* options_len: bpf_skb_set_tunnel_opt's options */
    uint8_t opts[255]; /* IP_TUNNEL_OPTS_MAX bytes of them */
};

/* What the kernel's sk_buff carries for the helpers beyond the fields a
 * program reads: the hash's kind (skb->l4_hash, skb->sw_hash), the
 * metadata dst of a tunnel key, the test run's socket cookie. */
struct pt_skb_meta {
    uint64_t sk_cookie; /* the socket's cookie, 0 until bpf_get_socket_cookie() gives it one */
    uint8_t l4_hash;    /* skb->l4_hash */
    uint8_t sw_hash;    /* skb->sw_hash */
    uint8_t has_tunnel; /* a tunnel metadata dst is attached (skb_tunnel_info() != NULL) */
    struct pt_skb_tunnel tunnel;
};

/* struct pt_skb_kctx: the run-time context of the types whose UAPI
 * context is struct __sk_buff (socket_filter, sched_cls, sched_act,
 * cgroup_skb, and lwt_*, sk_skb when they run): the kernel's struct
 * sk_buff and its control block, reduced to what a program can see.
 *
 * Each field has the width of the kernel field the kernel's conversion
 * reads (skb->protocol is 16 bits, skb->pkt_type 3 bits of a byte, ...),
 * so that the conversion below gives the kernel's value for every access,
 * narrow loads included: a narrow load reads the whole kernel field and
 * shifts/masks only when it is narrower than that field, as the kernel's
 * convert_ctx_accesses does (a 2-byte load of __sk_buff.protocol at
 * either half gives the whole protocol).
 *
 * Buffer layout (the kernel's head/data/tail/end):
 *
 *   head            data_meta   data          data_end        end
 *   |<- headroom ->|<- meta -->|<- linear -->|<- tailroom -->|
 *
 * data_end is the end of the linear part (the kernel keeps it in the
 * control block, bpf_compute_data_pointers); len - (data_end - data) bytes
 * more are non-linear (data_len), which bpfrt's test run does not create
 * (len == data_end - data) but the fields allow. */
struct pt_skb_kctx {
    /* Pointers (direct packet access and the helpers' view) */
    uint8_t *data;      /* __sk_buff.data (PT_REG_PKT) */
    uint8_t *data_end;  /* __sk_buff.data_end: end of the linear part (PT_REG_PKT_END) */
    uint8_t *data_meta; /* __sk_buff.data_meta: == data when no metadata (PT_REG_PKT_META, tc only) */
    uint8_t *head;      /* start of the buffer: skb_change_head / adjust_room move data down to here */
    uint8_t *end;       /* end of the buffer: skb_change_tail grows data_end up to here */
    void *sk;           /* __sk_buff.sk: the socket as a UAPI struct bpf_sock (helpers_sock.c), NULL when none */
    void *flow_keys;    /* __sk_buff.flow_keys: struct bpf_flow_keys * (flow dissector) */
    void *run;          /* the run side's state for helpers; opaque here */
    uint64_t tstamp;    /* __sk_buff.tstamp (read and written as is; see ctx_skb.c) */
    uint64_t hwtstamp;  /* __sk_buff.hwtstamp (kernel: skb_shinfo(skb)->hwtstamps.hwtstamp) */
    /* 32-bit fields */
    uint32_t len;             /* __sk_buff.len: packet bytes, linear and not */
    uint32_t data_len;        /* non-linear bytes (kernel skb->data_len); not visible to programs */
    uint32_t mark;            /* __sk_buff.mark */
    uint32_t priority;        /* __sk_buff.priority */
    uint32_t ingress_ifindex; /* __sk_buff.ingress_ifindex (kernel: skb->skb_iif) */
    uint32_t ifindex;         /* __sk_buff.ifindex (kernel: skb->dev->ifindex, 0 without a device) */
    uint32_t hash;            /* __sk_buff.hash */
    uint32_t
        napi_id; /* __sk_buff.napi_id: 0 unless a valid NAPI id (the kernel's >= MIN_NAPI_ID test done by the filler) */
    uint32_t wire_len;      /* __sk_buff.wire_len (kernel: qdisc_skb_cb.pkt_len) */
    uint32_t remote_ip4;    /* __sk_buff.remote_ip4 (kernel: sk->skc_daddr), network order */
    uint32_t local_ip4;     /* __sk_buff.local_ip4 (kernel: sk->skc_rcv_saddr), network order */
    uint32_t remote_ip6[4]; /* __sk_buff.remote_ip6 (kernel: sk->skc_v6_daddr) */
    uint32_t local_ip6[4];  /* __sk_buff.local_ip6 (kernel: sk->skc_v6_rcv_saddr) */
    uint8_t cb[20];         /* __sk_buff.cb[5] (kernel: qdisc_skb_cb.data, 20 bytes); accessed at any size */
    /* 16-bit fields */
    uint16_t family;        /* __sk_buff.family (kernel: sk->skc_family) */
    uint16_t remote_port;   /* kernel sk->skc_dport, network order; a load gives it << 16, as the kernel's */
    uint16_t local_port;    /* __sk_buff.local_port (kernel: sk->skc_num), host order */
    uint16_t protocol;      /* __sk_buff.protocol (kernel: skb->protocol), network order */
    uint16_t vlan_proto;    /* __sk_buff.vlan_proto, network order; with vlan_tci the kernel's vlan_all */
    uint16_t vlan_tci;      /* __sk_buff.vlan_tci; vlan_present is (vlan_proto, vlan_tci) != 0 */
    uint16_t queue_mapping; /* __sk_buff.queue_mapping (writes of >= 0xffff are dropped, as the kernel's) */
    uint16_t tc_index;      /* __sk_buff.tc_index */
    uint16_t tc_classid;    /* __sk_buff.tc_classid (kernel: qdisc_skb_cb.tc_classid) */
    uint16_t gso_segs;      /* __sk_buff.gso_segs (kernel: skb_shinfo(skb)->gso_segs) */
    uint16_t gso_size;      /* __sk_buff.gso_size (kernel: skb_shinfo(skb)->gso_size) */
    /* 8-bit fields */
    uint8_t pkt_type;    /* __sk_buff.pkt_type: PACKET_HOST ... (3 bits; loads mask with 7 as the kernel's) */
    uint8_t tstamp_type; /* __sk_buff.tstamp_type: BPF_SKB_TSTAMP_* (the kernel derives it from skb bits) */
    /* Not visible to programs as fields, but to the helpers that move
     * or read headers (helpers_skb_room.c, helpers_skb_vlan.c,
     * helpers_skb_hdr.c): the kernel's sk_buff state they act on. */
    uint16_t mac_header;       /* skb->mac_header: offset from head (PT_SKB_HDR_UNSET: not set) */
    uint16_t network_header;   /* skb->network_header: offset from head */
    uint16_t transport_header; /* skb->transport_header: offset from head, PT_SKB_HDR_UNSET when not set */
    uint16_t mac_len;          /* skb->mac_len (0 in a test run until a helper resets it) */
    uint8_t ip_summed;         /* skb->ip_summed: PT_SKB_CSUM_NONE, _UNNECESSARY or _COMPLETE */
    uint8_t csum_level;        /* skb->csum_level (0..3, with CHECKSUM_UNNECESSARY) */
    uint8_t encapsulation;     /* skb->encapsulation: set by bpf_skb_adjust_room's encap flags */
    uint32_t buf_size;         /* bytes allocated at head (end + the room the kernel keeps for skb_shared_info) */
    uint32_t csum;             /* skb->csum: with CHECKSUM_COMPLETE, the sum of the data from the network header */
    /* The skb's state that only helpers see (src/helpers/helpers_skb_meta.c) */
    struct pt_skb_meta meta;
};
/* The header offsets are the kernel's u16 offsets from head, with its
 * wrap-around ((u16)~0 is "not set", skb_transport_header_was_set). */
#define PT_SKB_HDR_UNSET 0xffffu
#define PT_SKB_CSUM_NONE 0u        /* CHECKSUM_NONE */
#define PT_SKB_CSUM_UNNECESSARY 1u /* CHECKSUM_UNNECESSARY */
#define PT_SKB_CSUM_COMPLETE 2u    /* CHECKSUM_COMPLETE (a test run with BPF_F_TEST_SKB_CHECKSUM_COMPLETE) */

#endif
