/* testrun.h - the context of a test run (the kernel's BPF_PROG_TEST_RUN,
 * net/bpf/test_run.c) for the types whose run-time context bpfrt builds:
 * XDP (struct pt_xdp_kctx) and the __sk_buff types (struct pt_skb_kctx:
 * socket_filter, sched_cls, sched_act, cgroup_skb).
 *
 * The run side (src/runtime/prog_run.c) fills the input part, calls the
 * type's build_ctx (the packet buffer with its headroom and tailroom, the
 * run-time context, the UAPI context from ctx_in with the kernel's checks
 * and errors), runs the program with r1 = kctx any number of times on the
 * same context (the kernel's repeat does not rebuild it either), then
 * calls finish_ctx, which gives the packet out and the UAPI context out as
 * the kernel copies them back, and frees it with pt_testrun_free. */
#ifndef BPFRT_PROGTYPES_TESTRUN_H
#define BPFRT_PROGTYPES_TESTRUN_H

#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>

#include "../engine/run.h"
#include "../helpers/kctx.h"

/* The kernel's sizes on x86-64 with 4 KiB pages (the oracle's): a test
 * run's data lives in one page; the end of it is left for struct
 * skb_shared_info, SKB_DATA_ALIGN(sizeof(struct skb_shared_info)). */
#define PT_PAGE_SIZE 4096u
#define PT_SHINFO_SIZE 320u        /* SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) */
#define PT_XDP_HEADROOM 256u       /* XDP_PACKET_HEADROOM */
#define PT_XDP_FRAME_SIZE 40u      /* sizeof(struct xdp_frame): adjust_head/meta keep it free */
#define PT_XDP_META_MAX 255u       /* the u8 skb_shared_info.meta_len (6.18's xdp_metalen_invalid) */
#define PT_SKB_HEADROOM 64u        /* NET_SKB_PAD + NET_IP_ALIGN (x86-64) */
#define PT_ETH_HLEN 14u
#define PT_LO_IFINDEX 1u           /* the loopback device a test run uses */
#define PT_MAX_FRAGS 17u           /* MAX_SKB_FRAGS */

struct pt_testrun {
    /* Input (the caller) */
    const uint8_t *data_in;
    uint32_t data_size_in;
    const void *ctx_in; /* NULL: none */
    uint32_t ctx_size_in;
    uint8_t ctx_out_wanted; /* a ctx_out is given: the kernel builds a (zero) context even without ctx_in */
    int attach;             /* the program's expected attach type */
    uint32_t prog_flags;    /* BPF_F_XDP_HAS_FRAGS, ... */
    uint32_t test_flags;    /* the test run's flags: BPF_F_TEST_SKB_CHECKSUM_COMPLETE */
    /* Built by build_ctx */
    uint32_t ctx_kind; /* enum rt_ctx_kind */
    union {
        struct pt_xdp_kctx xdp;
        struct pt_skb_kctx skb;
    } k;
    uint8_t *buf; /* the packet buffer: headroom, packet, tailroom */
    size_t buf_size;
    struct pt_xdp_frags frags; /* XDP: the bytes after the linear part */
    struct bpf_sock sock;                   /* __sk_buff types: the test run's socket (__sk_buff.sk) */
    uint8_t uctx[sizeof(struct __sk_buff)]; /* the UAPI context in, then out */
    uint32_t uctx_size;                     /* 0: no UAPI context (neither ctx_in nor ctx_out) */
    uint8_t skb_l2;                         /* __sk_buff types: data at the MAC header (tc) */
    uint8_t skb_direct;                     /* __sk_buff types: data/data_end computed (tc) */
    uint8_t pkt_writable;                   /* direct packet writes allowed (checked runs) */
    /* Set by finish_ctx: the linear part of the packet out, then the
     * fragments' bytes (XDP), data_size_out bytes in all */
    const uint8_t *data_out;
    uint32_t data_size_out;
    const uint8_t *frags_out;
    uint32_t frags_size_out;
    /* finish_ctx's verdict: 0, or -EBADMSG when a CHECKSUM_COMPLETE skb's
     * checksum no longer matches its data (err says so) */
    int finish_err;
    /* Why build_ctx (or finish_ctx) failed */
    char err[240];
};

/* The r1 of the run. */
static inline void *pt_testrun_kctx(struct pt_testrun *tr)
{
    return &tr->k;
}

/* Checked runs: the packet buffer and the run-time context as regions of
 * run (the bytes a verified program may reach: the packet between
 * data_meta (or data) and data_end as they are at each access, the
 * context's fields, written only where the type lets a program write).
 * 0, or -E2BIG when the run has no room. */
int pt_testrun_add_regions(struct pt_testrun *tr, struct rt_run *run);
void pt_testrun_free(struct pt_testrun *tr);

/* A network device of the test run (testrun_dev.c): the loopback, or a
 * device of the host's (the caller's network namespace). */
struct pt_netdev {
    uint32_t ifindex;
    uint8_t addr[6];      /* dev_addr */
    uint8_t broadcast[6]; /* dev->broadcast */
    uint32_t rx_queues;   /* real_num_rx_queues */
    uint8_t loopback;
};
/* The device with index ifindex: 0, or -ENODEV with why set. */
int pt_netdev_get(uint32_t ifindex, struct pt_netdev *dev, char *why, size_t whysz);

/* The rows' builders (testrun.c) */
int pt_xdp_build_ctx(struct pt_testrun *tr);
void pt_xdp_finish_ctx(struct pt_testrun *tr);
int pt_tc_build_ctx(struct pt_testrun *tr);
int pt_socket_filter_build_ctx(struct pt_testrun *tr);
int pt_cgroup_skb_build_ctx(struct pt_testrun *tr);
void pt_skb_finish_ctx(struct pt_testrun *tr);

#endif
